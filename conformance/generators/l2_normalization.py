"""L2_NORMALIZATION cases: ranks 1-4, rows of 1..300 values, rows at the zero point, any input scale.

The output quantization is fixed by the reference (scale 1/128, zero point 0); the quantizer writes
it itself for quantizer-made cases.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, model_inputs, quantized, scales, shapes, zero_points

OP = "L2_NORMALIZATION"
DTYPES = ("int8",)


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 4, 1, 5), label="shape")
    if draw(st.booleans(), label="long rows"):
        shape = shape[:-1] + (draw(st.integers(6, 300), label="depth"),)
    params = {"shape": list(shape)}
    if draw(st.booleans(), label="quantizer-made"):
        rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))
        spread = draw(st.sampled_from([0.05, 1.0, 30.0]), label="spread")
        calibration = [[(rng.standard_normal(shape) * spread).astype(np.float32)] for _ in range(6)]

        def build(builder: GraphBuilder) -> None:
            builder.output(builder.op(OP, [builder.input(shape, "input")], shape, name="output"))

        model = quantized(build, calibration)
        params.update(origin="quantizer", calibration_spread=spread)
    else:
        scale = draw(scales("extreme"), label="input scale")
        zero_point = draw(zero_points(dtype, extreme=draw(st.booleans())), label="input zero point")
        builder = GraphBuilder()
        data = builder.input(shape, "input", np.int8, QuantParams(scale, zero_point))
        builder.output(builder.op(OP, [data], shape, None, np.int8, "output",
                                  output_quantization=QuantParams(1.0 / 128, 0)))
        model = builder.build()
        params.update(origin="direct", input_scale=scale, input_zero_point=zero_point)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """L2_NORMALIZATION models with their inputs."""
    return _case(dtype)
