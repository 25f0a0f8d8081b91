"""LOG_SOFTMAX cases: ranks 1-4, rows of 1..400 values, flat rows, input scales 1e-3..10.

The output quantization is fixed by the reference (16/256, zero point 127); quantizer-made cases get
it from the quantizer. Unlike SOFTMAX, long flat rows do not abort the reference.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, integer_data, quantized, shapes, zero_points

OP = "LOG_SOFTMAX"
DTYPES = ("int8",)


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 4, 1, 5), label="shape")
    if draw(st.booleans(), label="long rows"):
        shape = shape[:-1] + (draw(st.integers(6, 400), label="depth"),)
    params = {"shape": list(shape)}
    if draw(st.booleans(), label="quantizer-made"):
        rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))
        spread = draw(st.sampled_from([0.1, 1.0, 8.0, 60.0]), label="spread")
        calibration = [[(rng.standard_normal(shape) * spread).astype(np.float32)] for _ in range(6)]

        def build(builder: GraphBuilder) -> None:
            builder.output(builder.op(OP, [builder.input(shape, "input")], shape, name="output"))

        model = quantized(build, calibration)
        zero_point = None
        params.update(origin="quantizer", calibration_spread=spread)
    else:
        scale = float(np.float32(10.0 ** draw(st.floats(-3.0, 1.0), label="log10 input scale")))
        zero_point = draw(zero_points(dtype, extreme=draw(st.booleans())), label="input zero point")
        builder = GraphBuilder()
        data = builder.input(shape, "input", np.int8, QuantParams(scale, zero_point))
        builder.output(builder.op(OP, [data], shape, None, np.int8, "output",
                                  output_quantization=QuantParams(16.0 / 256, 127)))
        model = builder.build()
        params.update(origin="direct", input_scale=scale, input_zero_point=zero_point)
    values = draw(integer_data(shape, dtype, zero_point), label="data")
    if draw(st.integers(0, 5), label="flat rows") == 0:
        values[...] = values.reshape(-1)[0]
        params["data"] = "flat rows"
    return Case(OP, dtype, params, model, [values])


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """LOG_SOFTMAX models with their inputs."""
    return _case(dtype)
