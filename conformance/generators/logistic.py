"""LOGISTIC cases: int8 tensors of rank 1-4, quantizer-made or with chosen input quantization.

* quantizer-made: a float LOGISTIC calibrated over a centred or lopsided range from a few 1e-3
  to tens wide (output 1/256, -128 as the quantizer writes it);
* direct: input scale log-uniform over 1e-4..20, round values (1/256 ... 4), or one where the C
  library's expf and the correctly rounded value fall on different sides of a rounding boundary;
  any input zero point; output scale exactly 1/256 (the reference requires it) with zero point
  -128, or any zero point (the reference does not check it; TFLite Micro requires -128).

Data: random int8 with range ends and zero points, or every int8 value (shapes of 256 or more
elements hold all 256, so one run compares the whole table).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, calibration_range, every_int8, model_inputs,
                                quantization_params, quantized, shapes)

OP = "LOGISTIC"
DTYPES = ("int8",)

OUTPUT_SCALE = 1.0 / 256
# Input scale (bits 0x3c00000b) at which, with zero point 0, the table entry of input 1 differs
# between glibc's expf and the correctly rounded float32 value.
LIBM_SENSITIVE_SCALES = (float(np.array([0x3C00000B], np.uint32).view(np.float32)[0]),)
ROUND_SCALES = (1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0)
# Shapes of 256 or more elements for the every-int8 data.
WHOLE_TABLE_SHAPES = ((256,), (2, 128), (16, 16), (1, 16, 16), (1, 4, 8, 8), (300,), (2, 3, 50))


def input_scales() -> st.SearchStrategy[float]:
    """float32 input scales: log-uniform 1e-4..20, round values, libm-sensitive values."""
    return st.one_of(st.floats(-4.0, 1.3).map(lambda e: float(np.float32(10.0**e))),
                     st.sampled_from(ROUND_SCALES + LIBM_SENSITIVE_SCALES))


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    whole_table = draw(st.integers(0, 3), label="every int8") == 0
    shape = draw(st.sampled_from(WHOLE_TABLE_SHAPES) if whole_table else shapes(1, 4, 1, 6), label="shape")
    params: dict = {"shape": list(shape), "data": "every int8" if whole_table else "random"}
    if draw(st.booleans(), label="quantizer-made"):
        low, high = draw(calibration_range(), label="calibration range")
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
        calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high  # the calibrated range is [low, high]

        def build(builder: GraphBuilder) -> None:
            builder.output(builder.op(OP, [builder.input(shape, "input")], shape, name="output"))

        model = quantized(build, calibration)
        params.update(origin="quantizer", calibration_range=[low, high])
    else:
        input_quantization = QuantParams(draw(input_scales(), label="input scale"),
                                         draw(st.integers(-128, 127), label="input zero point"))
        output_zero_point = draw(st.one_of(st.just(-128), st.integers(-128, 127)), label="output zero point")
        output_quantization = QuantParams(OUTPUT_SCALE, output_zero_point)
        builder = GraphBuilder()
        x = builder.input(shape, "input", np.int8, input_quantization)
        builder.output(builder.op(OP, [x], shape, None, np.int8, "output", output_quantization=output_quantization))
        model = builder.build()
        params.update(origin="direct", **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    inputs = [draw(every_int8(shape), label="input")] if whole_table else draw(model_inputs(model), label="inputs")
    return Case(OP, dtype, params, model, inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-LOGISTIC models with their inputs."""
    return _case(dtype)
