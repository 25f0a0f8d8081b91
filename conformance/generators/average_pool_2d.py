"""AVERAGE_POOL_2D cases: windows clipped at SAME edges, filters larger than the input, ties in the average.

Geometry (``common.pool_geometry``): batch 1-2, 1-9 x 1-9 inputs, 1-4 channels, filters 1-11,
global pooling, strides 1-4, SAME/VALID, every fused activation.

* quantizer: a float pool quantized from calibration data of a random spread and offset (the
  last sample positive, so a fused RELU keeps a non-empty output range).
* direct: one scale (2**-24..2**13, sometimes a power of two) and zero point (often at the range
  ends, which moves the activation clamp to the edges of the int8 range) shared by input and
  output, as the reference requires.

Random data hits the rounding ties of ``(sum +- count / 2) / count`` often (windows of 2, 4, 6
... values); ``common.integer_data`` adds saturated values and zero points.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, log2_scale, model_inputs,
                                operator_quantization, pool_geometry, quantized, zero_points)

OP = "AVERAGE_POOL_2D"
DTYPES = ("int8",)


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
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
            builder.output(builder.op(OP, [data], geometry["output_shape"], geometry["options"], name="output"))

        model = quantized(build, calibration)
        (output_quantization,) = operator_quantization(model)[1]
        assume(activation_fits(geometry["activation"], output_quantization[0]))
        params.update(origin="quantizer", seed=seed, log10_spread=log_spread, offset=offset,
                      scale=output_quantization[0], zero_point=output_quantization[1])
    else:
        ties = draw(st.booleans(), label="power-of-two scale")
        scale = log2_scale(draw, -24, 13, ties, "log2 scale")
        assume(activation_fits(geometry["activation"], scale))
        zero_point = draw(zero_points("int8", extreme=draw(st.booleans())), label="zero point")
        builder = GraphBuilder()
        data = builder.input(geometry["input_shape"], "input", np.int8, QuantParams(scale, zero_point))
        builder.output(builder.op(OP, [data], geometry["output_shape"], geometry["options"], np.int8, "output",
                                  output_quantization=QuantParams(scale, zero_point)))
        model = builder.build()
        params.update(origin="direct", scale=scale, zero_point=zero_point)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """AVERAGE_POOL_2D models with their inputs."""
    return _case(dtype)
