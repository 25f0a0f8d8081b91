"""SELECT cases: a condition of x's shape, a scalar condition or a rank-1 condition over x's first
dimension (rank 1-6, size-1 and empty dimensions); every value type, quantized values sharing one
set of parameters or with y's apart, quantizer-made int8 models. See ``_select``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._select import select_case

OP = "SELECT"
DTYPES = ("int8", "uint8", "int16", "int32", "int64", "float32", "bool")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """SELECT models with their inputs."""
    return select_case(OP, dtype)
