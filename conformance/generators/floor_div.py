"""FLOOR_DIV cases: int32 only (LiteRT's int8 FLOOR_DIV divides raw integers and ignores
quantization; tinyq does not offer it). Broadcasting up to 6-D, one operand sometimes constant,
small values of both signs (floor vs truncation), the int32 ends (``INT32_MIN // -1``), never a
zero divisor (LiteRT fails the invoke). See ``_binary.int32_case``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._binary import int32_case

OP = "FLOOR_DIV"
DTYPES = ("int32",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """FLOOR_DIV models with their inputs."""
    return int32_case(OP, fused_activation=False, divides=True)
