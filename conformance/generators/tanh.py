"""TANH cases: int8 tensors of rank 1-4, quantizer-made or with chosen input and output quantization.

* quantizer-made: a float TANH calibrated over a centred or lopsided range from a few 1e-3 to
  tens wide (output 1/128, 0 as the quantizer writes it);
* direct: input scale log-uniform over 1e-4..20, round values (1/256 ... 4), or one of those where
  the C library's tanhf and the correctly rounded value fall on different sides of a rounding
  boundary; any input zero point; output 1/128 with zero point 0 (the usual), or any scale from
  1e-3 to 1 with any zero point (the reference checks neither; TFLite Micro assumes 1/128, 0).

Data: random int8 with range ends and zero points, or every int8 value (shapes of 256 or more
elements hold all 256, so one run compares the whole table).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, calibration_range, every_int8, model_inputs,
                                quantization_params, quantized, shapes)

OP = "TANH"
DTYPES = ("int8",)

# Input scales (float32 bit patterns) at which, with zero point 0 and output 1/128, the table
# entry of input 1 differs between glibc's tanhf and the correctly rounded float32 value.
LIBM_SENSITIVE_SCALES = tuple(float(s) for s in np.array([0x3CA00535, 0x3D9847AF, 0x3E04BD0F, 0x3E1D3953, 0x3E35E39A],
                                                         np.uint32).view(np.float32))
ROUND_SCALES = (1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0)
# Shapes of 256 or more elements for the every-int8 data.
WHOLE_TABLE_SHAPES = ((256,), (2, 128), (16, 16), (1, 16, 16), (1, 4, 8, 8), (300,), (2, 3, 50))


def input_scales() -> st.SearchStrategy[float]:
    """float32 input scales: log-uniform 1e-4..20, round values, libm-sensitive values."""
    return st.one_of(st.floats(-4.0, 1.3).map(lambda e: float(np.float32(10.0**e))),
                     st.sampled_from(ROUND_SCALES + LIBM_SENSITIVE_SCALES))


@st.composite
def _output_quantization(draw: st.DrawFn) -> QuantParams:
    if draw(st.booleans(), label="usual output quantization"):
        return QuantParams(1 / 128, 0)
    scale = float(np.float32(10.0 ** draw(st.floats(-3.0, 0.0), label="log10 output scale")))
    return QuantParams(scale, draw(st.integers(-128, 127), label="output zero point"))


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
        output_quantization = draw(_output_quantization(), label="output quantization")
        builder = GraphBuilder()
        x = builder.input(shape, "input", np.int8, input_quantization)
        builder.output(builder.op(OP, [x], shape, None, np.int8, "output", output_quantization=output_quantization))
        model = builder.build()
        params.update(origin="direct", **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    inputs = [draw(every_int8(shape), label="input")] if whole_table else draw(model_inputs(model), label="inputs")
    return Case(OP, dtype, params, model, inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-TANH models with their inputs."""
    return _case(dtype)
