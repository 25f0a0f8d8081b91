"""RELU_N1_TO_1 cases: as RELU's (see :mod:`conformance.generators.relu`), with the bounds -1 and 1."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators.relu import relu_cases

OP = "RELU_N1_TO_1"
DTYPES = ("int8",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RELU_N1_TO_1 models with their inputs."""
    return relu_cases(OP, dtype)
