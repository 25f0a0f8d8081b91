"""SCATTER_ND cases: output shapes of rank 1-4, indices addressing 1..rank leading dimensions with
repeats (updates add up, wrapping for integers), int32 indices constant or fed at run time; about
one run-time case in six holds an index outside the shape (an expected error: LiteRT's Invoke
fails, tinyq must raise InvokeError)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "SCATTER_ND"
DTYPES = ("int8", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    output_shape = draw(shapes(1, 4, 1, 5), label="output shape")
    nd = draw(st.integers(1, len(output_shape)), label="addressed dims")
    batch_shape = draw(shapes(1, 2, 1, 5), label="indices batch shape")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="indices seed"))
    indices = np.stack([rng.integers(0, output_shape[j], size=batch_shape) for j in range(nd)], axis=-1).astype(np.int32)
    run_time = draw(st.booleans(), label="run-time indices")
    out_of_range = run_time and draw(st.integers(0, 2), label="out of range") == 0
    if out_of_range:
        flat = indices.reshape(-1, nd)
        column = draw(st.integers(0, nd - 1), label="bad column")
        flat[draw(st.integers(0, flat.shape[0] - 1), label="bad row"), column] = draw(
            st.sampled_from([-1, output_shape[column], output_shape[column] + 2]), label="bad value")
    updates_shape = list(batch_shape) + list(output_shape[nd:])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        index = builder.input(indices.shape, "indices", np.int32) if run_time else builder.constant(indices, "indices")
        updates = builder.input(updates_shape, "updates", data_type, input_quantization)
        target = builder.constant(np.array(output_shape, np.int32), "shape")
        builder.output(builder.op(OP, [index, updates, target], list(output_shape), None, data_type, "output",
                                  output_quantization=output_quantization))

    params = {"output_shape": list(output_shape), "indices": indices.tolist(), "run_time": run_time}
    if out_of_range:
        params["expect_error"] = True
    case = draw(layout_case(OP, dtype, [updates_shape], build, params, quantizer=False))
    if run_time:
        case.inputs[0] = indices
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SCATTER_ND models."""
    return _case(dtype)
