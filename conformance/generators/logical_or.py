"""LOGICAL_OR cases: bool tensors broadcast up to 6-D (size-1, empty and scalar shapes), data
all-true, all-false or mixed at a drawn density, the second operand sometimes a constant."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._comparison import logical_case

OP = "LOGICAL_OR"
DTYPES = ("bool",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """LOGICAL_OR models with their inputs."""
    return logical_case(OP)
