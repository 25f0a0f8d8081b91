"""SQRT cases: int8 (quantizer-made and direct) and float32.

int8: see :mod:`conformance.generators._unary` (``int8_case``); the data never holds values below
the input zero point (negative real values, on which LiteRT fails the invoke). The direct output
scale is drawn around ``sqrt(largest input) / 255``, up to 2**32 finer, so some cases reach
the known reference defect: ``sqrt(x) / output_scale >= 2**31`` converts to ``INT32_MIN`` in
LiteRT's x86-64 build, -128 after an output zero point >= 0, where tinyq saturates to 127 (see
:mod:`tinyq.ops.sqrt`). float32: plain data of rank 0-4 (negative values give NaN).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import operator_quantization
from conformance.generators._unary import int8_case, plain_case

OP = "SQRT"
DTYPES = ("int8", "float32")


def _natural_output_scale(input_scale: float, input_zero_point: int) -> float:
    return math.sqrt(input_scale * max(127 - input_zero_point, 1)) / 255


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """SQRT models of one dtype, with their inputs."""
    if dtype == "int8":
        return int8_case(OP, _natural_output_scale)
    return plain_case(OP, dtype)


def reference_defect(case: Case) -> str | None:
    """int8 inputs whose root reaches 2**31 output steps, with an output zero point >= 0."""
    if case.dtype != "int8":
        return None
    (input_quantization,), (output_quantization,) = operator_quantization(case.model)
    (input_scale, input_zero_point), (output_scale, output_zero_point) = input_quantization, output_quantization
    values = case.inputs[0].astype(np.int64)
    with np.errstate(over="ignore"):
        quotients = np.sqrt(np.float32(input_scale) * (values - input_zero_point).astype(np.float32)) \
            / np.float32(output_scale)
    if output_zero_point >= 0 and np.any(quotients >= np.float32(2.0**31)):
        return ("sqrt(x) / output scale reaches 2**31: LiteRT's float->int32 conversion yields INT32_MIN, "
                "so the element is -128 instead of 127")
    return None
