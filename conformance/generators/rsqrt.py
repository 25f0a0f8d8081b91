"""RSQRT cases: int8 (quantizer-made and direct) and float32.

int8: see :mod:`conformance.generators._unary` (``int8_case``); the data never holds values below
the input zero point (negative real values, on which LiteRT fails the invoke); the zero point
itself maps to 127. The direct output scale is drawn around ``1 / sqrt(input_scale) / 255``.
Excluded: ``sqrt(input_scale) * output_scale`` of 2**11.5 and more, whose second
MultiplyByQuantizedMultiplier would need a right shift beyond 31 (undefined in the reference;
tinyq refuses it). float32: plain data of rank 0-4 (negative values give NaN, 0 gives infinity).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._unary import int8_case, plain_case

OP = "RSQRT"
DTYPES = ("int8", "float32")


def _natural_output_scale(input_scale: float, input_zero_point: int) -> float:
    return 1.0 / math.sqrt(input_scale) / 255


def _valid(input_scale: float, input_zero_point: int, output_scale: float) -> bool:
    return math.sqrt(float(np.float32(input_scale))) * float(np.float32(output_scale)) < 2.0**11.5


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """RSQRT models of one dtype, with their inputs."""
    if dtype == "int8":
        return int8_case(OP, _natural_output_scale, valid=_valid)
    return plain_case(OP, dtype)
