"""Shared case builder of the AVERAGE_POOL_2D and MAX_POOL_2D generators."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, log2_scale, model_inputs,
                                operator_quantization, pool_geometry, quantized, zero_points)


@st.composite
def pool_case(draw: st.DrawFn, op: str, dtype: str, power_of_two_scales: bool) -> Case:
    """One pooling model (quantizer-made or direct, input and output sharing quantization) with inputs."""
    geometry = draw(pool_geometry(), label="geometry")
    params = {"input_shape": geometry["input_shape"], "output_shape": geometry["output_shape"], **geometry["options"]}
    if draw(st.booleans(), label="quantizer-made"):
        seed = draw(st.integers(0, 2**32 - 1), label="calibration seed")
        log_spread, offset = draw(st.floats(-3, 3), label="log10 spread"), draw(st.floats(-1, 1), label="offset")
        rng = np.random.default_rng(seed)
        spread = 10.0 ** log_spread
        calibration = [[rng.normal(offset * spread, spread, size=geometry["input_shape"]).astype(np.float32)]
                       for _ in range(3)]
        calibration.append([np.abs(rng.normal(0.0, spread, size=geometry["input_shape"])).astype(np.float32)])

        def build(builder: GraphBuilder) -> None:
            data = builder.input(geometry["input_shape"], "input")
            builder.output(builder.op(op, [data], geometry["output_shape"], geometry["options"], name="output"))

        model = quantized(build, calibration)
        (output_quantization,) = operator_quantization(model)[1]
        assume(activation_fits(geometry["activation"], output_quantization[0]))
        params.update(origin="quantizer", seed=seed, log10_spread=log_spread, offset=offset,
                      scale=output_quantization[0], zero_point=output_quantization[1])
    else:
        ties = power_of_two_scales and draw(st.booleans(), label="power-of-two scale")
        scale = log2_scale(draw, -24, 13, ties, "log2 scale")
        assume(activation_fits(geometry["activation"], scale))
        zero_point = draw(zero_points("int8", extreme=draw(st.booleans())), label="zero point")
        builder = GraphBuilder()
        data = builder.input(geometry["input_shape"], "input", np.int8, QuantParams(scale, zero_point))
        builder.output(builder.op(op, [data], geometry["output_shape"], geometry["options"], np.int8, "output",
                                  output_quantization=QuantParams(scale, zero_point)))
        model = builder.build()
        params.update(origin="direct", scale=scale, zero_point=zero_point)
    return Case(op, dtype, params, model, draw(model_inputs(model), label="inputs"))
