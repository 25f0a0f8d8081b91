"""FLOOR_MOD cases: int32 only (LiteRT's int8 FLOOR_MOD works on raw integers and ignores
quantization; tinyq does not offer it). Broadcasting up to 6-D, one operand sometimes constant,
small values of both signs, the int32 ends, never a zero divisor (LiteRT fails the invoke).

Excluded: the pair ``INT32_MIN % -1``, which kills LiteRT's process (the x86 division traps,
SIGFPE) -- a reference defect that cannot be run; tinyq returns 0 there
(``tests/ops/test_binary.py`` checks it). See ``_binary.int32_case``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._binary import int32_case

OP = "FLOOR_MOD"
DTYPES = ("int32",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """FLOOR_MOD models with their inputs."""
    return int32_case(OP, fused_activation=False, divides=True, floor_mod=True)
