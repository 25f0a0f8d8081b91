"""PRELU cases: an int8 input of rank 1-6 and an int8 alpha broadcasting to it, quantizer-made or direct.

* shapes: input sides 1-4 (at most 512 elements), alpha of equal or lower rank with some sides 1
  (one slope per channel, per row, a scalar, or one per element);
* quantizer-made: a float PRELU with a constant float alpha (spread 0.01, 0.3 or 2) calibrated
  over a centred or lopsided range (the quantizer quantizes alpha per tensor);
* direct: alpha constant or a second graph input; input/output scales as RELU's (power-of-two or
  any, multipliers 2**-34..2**16), alpha scale 1e-5..3, zero points often at the range ends;
  multipliers needing a left shift beyond 31 bits (undefined in the reference) are left out.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, calibration_range, integer_data, model_inputs,
                                quantization_params, quantized)
from conformance.generators._activation import (float32_quotient, output_range_collapsed, quantize_multiplier_shift,
                                                rescaling, zero_point_strategy)

OP = "PRELU"
DTYPES = ("int8",)
MAX_ELEMENTS = 512


@st.composite
def prelu_shapes(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """An input shape of rank 1-6 and an alpha shape that broadcasts to it without enlarging it."""
    rank = draw(st.integers(1, 6), label="rank")
    shape = [draw(st.sampled_from([1, 1, 2, 3, 4]), label="side") for _ in range(rank)]
    while int(np.prod(shape)) > MAX_ELEMENTS:
        shape[shape.index(max(shape))] -= 1
    alpha_rank = draw(st.integers(0, rank), label="alpha rank")
    alpha_shape = [side if draw(st.booleans(), label="alpha keeps side") else 1 for side in shape[rank - alpha_rank:]]
    return shape, alpha_shape


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape, alpha_shape = draw(prelu_shapes(), label="shapes")
    params: dict = {"input_shape": shape, "alpha_shape": alpha_shape}
    if draw(st.booleans(), label="quantizer-made"):
        low, high = draw(calibration_range(), label="calibration range")
        spread = draw(st.sampled_from([0.01, 0.3, 2.0]), label="alpha spread")
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
        alpha_values = rng.uniform(-spread, spread, size=alpha_shape).astype(np.float32)
        calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
        calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high  # the calibrated range is [low, high]

        def build(builder: GraphBuilder) -> None:
            x = builder.input(shape, "input")
            builder.output(builder.op(OP, [x, builder.constant(alpha_values, "alpha")], shape, name="output"))

        model = quantized(build, calibration)
        assume(not output_range_collapsed(model))
        params.update(origin="quantizer", calibration_range=[low, high], alpha_spread=spread, alpha="constant")
    else:
        input_scale, output_scale = draw(rescaling(max_log2_ratio=16.0), label="scales")
        alpha_scale = float(np.float32(10.0 ** draw(st.floats(-5.0, 0.5), label="log10 alpha scale")))
        negative_multiplier = float32_quotient(float(np.float32(input_scale) * np.float32(alpha_scale)), output_scale)
        assume(quantize_multiplier_shift(negative_multiplier) <= 31)
        input_quantization = QuantParams(input_scale, draw(zero_point_strategy(), label="input zero point"))
        alpha_quantization = QuantParams(alpha_scale, draw(zero_point_strategy(), label="alpha zero point"))
        output_quantization = QuantParams(output_scale, draw(zero_point_strategy(), label="output zero point"))
        constant_alpha = draw(st.booleans(), label="constant alpha")
        builder = GraphBuilder()
        x = builder.input(shape, "input", np.int8, input_quantization)
        if constant_alpha:
            alpha_values = draw(integer_data(alpha_shape, "int8", alpha_quantization.zero_point[0]), label="alpha")
            alpha = builder.constant(alpha_values, "alpha", alpha_quantization)
        else:
            alpha = builder.input(alpha_shape, "alpha", np.int8, alpha_quantization)
        builder.output(builder.op(OP, [x, alpha], shape, None, np.int8, "output",
                                  output_quantization=output_quantization))
        model = builder.build()
        params.update(origin="direct", alpha="constant" if constant_alpha else "input",
                      **quantization_params("input", input_quantization),
                      **quantization_params("alpha", alpha_quantization),
                      **quantization_params("output", output_quantization))
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-PRELU models with their inputs."""
    return _case(dtype)
