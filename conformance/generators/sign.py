"""SIGN cases: int32 and float32 (LiteRT has no quantized SIGN; the quantizer does not quantize it).

Plain data of rank 0-4, sometimes empty: int32 ends and small values of both signs; float32 NaN,
infinities, signed zeros, denormals and values of every magnitude.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._unary import plain_case

OP = "SIGN"
DTYPES = ("int32", "float32")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SIGN models of one dtype, with their inputs."""
    return plain_case(OP, dtype)
