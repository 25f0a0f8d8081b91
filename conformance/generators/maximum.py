"""MAXIMUM cases: int8 operands sharing one quantization (quantizer-made or chosen, or unquantized)
and int32, broadcasting up to 6-D. See ``_binary.raw_int8_case`` and ``_binary.int32_case``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._binary import int32_case, raw_int8_case

OP = "MAXIMUM"
DTYPES = ("int8", "int32")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """MAXIMUM models with their inputs."""
    if dtype == "int32":
        return int32_case(OP, fused_activation=False)
    return raw_int8_case(OP)
