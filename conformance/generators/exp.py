"""EXP cases: int8 tensors of rank 1-4, quantizer-made or with chosen input and output quantization.

See :mod:`conformance.generators._unary` (``int8_case``). The direct output scale is drawn around
``exp(largest input) / 255``, up to 2**32 finer, so the table's top entries often lie beyond
the int32 range (the reference saturates them to 127) and ``expf`` overflows to infinity for
inputs above about 88.7. Two (input scale, output scale) pairs are ones where glibc's ``expf``
and the correctly rounded value give different entries for input 1.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._unary import float32_from_bits, int8_case

OP = "EXP"
DTYPES = ("int8",)

LIBM_SENSITIVE = ((float32_from_bits(0x3FDF1AE5), float32_from_bits(0x3DC17175)),
                  (float32_from_bits(0x40504C8A), float32_from_bits(0x3EDB47DF)))


def _natural_output_scale(input_scale: float, input_zero_point: int) -> float:
    return math.exp(min(input_scale * (127 - input_zero_point), 80.0)) / 255


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-EXP models with their inputs."""
    return int8_case(OP, _natural_output_scale, LIBM_SENSITIVE)
