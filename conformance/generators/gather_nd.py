"""GATHER_ND cases: params of rank 1-5, indices of rank 1-3 whose last dimension addresses 1..rank
leading params dimensions (int32, int64 or int16; constant or fed at run time); about one run-time
case in six holds a coordinate outside the params shape (an expected error: LiteRT's Invoke fails,
tinyq must raise InvokeError)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "GATHER_ND"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 5), label="shape")
    nd = draw(st.integers(1, len(shape)), label="addressed dims")
    batch_shape = draw(shapes(0, 2, 1, 4), label="indices batch shape")
    indices_type = draw(st.sampled_from(["int32", "int64", "int16"]) if dtype == "int8" else st.just("int32"),
                        label="indices type")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="indices seed"))
    indices = np.stack([rng.integers(0, shape[j], size=batch_shape) for j in range(nd)], axis=-1).astype(indices_type)
    run_time = draw(st.booleans(), label="run-time indices")
    out_of_range = run_time and draw(st.integers(0, 2), label="out of range") == 0
    if out_of_range:
        flat = indices.reshape(-1, nd)
        column = draw(st.integers(0, nd - 1), label="bad column")
        flat[draw(st.integers(0, flat.shape[0] - 1), label="bad row"), column] = draw(
            st.sampled_from([-1, shape[column], shape[column] + 3]), label="bad value")
    output_shape = list(batch_shape) + list(shape[nd:])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "params", data_type, input_quantization)
        index = builder.input(indices.shape, "indices", indices.dtype) if run_time else \
            builder.constant(indices, "indices")
        builder.output(builder.op(OP, [x, index], output_shape, None, data_type, "output",
                                  output_quantization=output_quantization))

    params = {"shape": list(shape), "indices": indices.tolist(), "indices_type": indices_type, "run_time": run_time}
    if out_of_range:
        params["expect_error"] = True
    case = draw(layout_case(OP, dtype, [shape], build, params, quantizer=not run_time))
    if run_time:
        case.inputs[1] = indices
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-GATHER_ND models."""
    return _case(dtype)
