"""LOGICAL_NOT cases: bool tensors of rank 0-4, sometimes empty or of 300 elements."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._unary import plain_case

OP = "LOGICAL_NOT"
DTYPES = ("bool",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """LOGICAL_NOT models with their inputs."""
    return plain_case(OP, "bool")
