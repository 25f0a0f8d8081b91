"""SELECT_V2 cases: condition, x and y broadcast against each other up to 6-D (size-1, empty and
scalar shapes); every value type, quantized values sharing one set of parameters or with y's
apart. See ``_select``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._select import select_case

OP = "SELECT_V2"
DTYPES = ("int8", "uint8", "int16", "int32", "int64", "float32", "bool")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """SELECT_V2 models with their inputs."""
    return select_case(OP, dtype)
