"""LOG cases: int8 tensors of rank 1-4, quantizer-made or with chosen input and output quantization.

See :mod:`conformance.generators._unary` (``int8_case``). Inputs at or below the input zero point
(real values <= 0) map to -128 through the reference's ``output_min``; the direct output scale is
drawn around what the logarithms of the input range need and up to 2**32 finer or 2**20 coarser (a
fine one saturates entries beyond the int32 range). Two (input scale, output scale) pairs are ones
where glibc's ``logf`` and the correctly rounded value give different entries for input 1.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._unary import float32_from_bits, int8_case

OP = "LOG"
DTYPES = ("int8",)

LIBM_SENSITIVE = ((float32_from_bits(0x41894538), float32_from_bits(0x3D4071EF)),
                  (float32_from_bits(0x4112C14B), float32_from_bits(0x3D160A66)))


def _natural_output_scale(input_scale: float, input_zero_point: int) -> float:
    return (abs(math.log(input_scale)) + math.log(256.0)) / 255


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-LOG models with their inputs."""
    return int8_case(OP, _natural_output_scale, LIBM_SENSITIVE)
