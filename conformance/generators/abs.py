"""ABS cases: int8 (quantizer-made and direct, with and without rescaling), int32 and float32.

int8: see :mod:`conformance.generators._unary` (``int8_case``); a quarter of the direct cases use
the input's scale for the output, where the reference skips MultiplyByQuantizedMultiplier.
Excluded: input/output scale ratios of 2**30.9 and more, whose multiplier needs a left shift
of 32 or more (undefined in the reference; tinyq refuses them). int32 (ends, INT32_MIN
included) and float32 (NaN, infinities, signed zeros, ...) are plain data of rank 0-4.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, quantization_params
from conformance.generators._unary import int8_case, int8_data, int8_zero_point, plain_case

OP = "ABS"
DTYPES = ("int8", "int32", "float32")


def _natural_output_scale(input_scale: float, input_zero_point: int) -> float:
    return input_scale * max(128 + input_zero_point, 127 - input_zero_point) / 255


def _valid(input_scale: float, input_zero_point: int, output_scale: float) -> bool:
    return float(np.float32(input_scale) / np.float32(output_scale)) < 2.0**30.9


@st.composite
def _same_scale_case(draw: st.DrawFn) -> Case:
    """Output scale equal to the input's: no rescaling, only the zero points move the values."""
    shape = (256,)
    scale = float(np.float32(10.0 ** draw(st.floats(-6.0, 3.0), label="log10 scale")))
    input_zero_point = draw(int8_zero_point(draw(st.booleans())), label="input zero point")
    output_zero_point = draw(int8_zero_point(draw(st.booleans())), label="output zero point")
    input_quantization = QuantParams(scale, input_zero_point)
    output_quantization = QuantParams(scale, output_zero_point)
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.int8, input_quantization)
    builder.output(builder.op(OP, [x], shape, None, np.int8, "output", output_quantization=output_quantization))
    params = {"shape": list(shape), "data": "every accepted int8", "origin": "direct", "rescale": False,
              **quantization_params("input", input_quantization), **quantization_params("output", output_quantization)}
    data = draw(int8_data(OP, shape, input_zero_point, True), label="input")
    return Case(OP, "int8", params, builder.build(), [data])


@st.composite
def _int8_case(draw: st.DrawFn) -> Case:
    if draw(st.integers(0, 3), label="same scale") == 0:
        return draw(_same_scale_case())
    return draw(int8_case(OP, _natural_output_scale, valid=_valid))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """ABS models of one dtype, with their inputs."""
    if dtype == "int8":
        return _int8_case()
    return plain_case(OP, dtype)
