"""GATHER cases: inputs of rank 1-5, every axis (negative too), batch_dims 0..axis (negative too),
positions of rank 0-3 (int32, int64 or int16; constant or fed at run time) including repeats and
the axis ends; about one run-time case in six holds a position outside [0, axis size) — negative
or past the end — which LiteRT's Invoke refuses (an expected error: tinyq must raise InvokeError).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "GATHER"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 5), label="shape")
    rank = len(shape)
    axis = draw(st.integers(0, rank - 1), label="axis")
    batch_dims = draw(st.integers(0, axis), label="batch_dims")
    positions_shape = tuple(shape[:batch_dims]) + tuple(draw(shapes(0, 3 - min(batch_dims, 2), 1, 4),
                                                             label="positions shape"))
    positions_type = draw(st.sampled_from(["int32", "int64", "int16"]) if dtype == "int8" else st.just("int32"),
                          label="positions type")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="positions seed"))
    positions = rng.integers(0, shape[axis], size=positions_shape).astype(positions_type)
    run_time = draw(st.booleans(), label="run-time positions")
    out_of_range = run_time and positions.size > 0 and draw(st.integers(0, 2), label="out of range") == 0
    if out_of_range:
        flat = positions.reshape(-1)
        flat[draw(st.integers(0, flat.size - 1), label="bad position")] = draw(
            st.sampled_from([-1, shape[axis], shape[axis] + 5, -100]), label="bad value")
    written_axis = axis - rank if draw(st.booleans(), label="negative axis") else axis
    written_batch = batch_dims - len(positions_shape) if batch_dims and draw(st.booleans(), label="negative batch") \
        else batch_dims
    output_shape = list(shape[:axis]) + list(positions_shape[batch_dims:]) + list(shape[axis + 1:])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        index = builder.input(positions_shape, "positions", positions.dtype) if run_time else \
            builder.constant(positions, "positions")
        builder.output(builder.op(OP, [x, index], output_shape, {"axis": written_axis, "batch_dims": written_batch},
                                  data_type, "output", output_quantization=output_quantization))

    params = {"shape": list(shape), "axis": written_axis, "batch_dims": written_batch,
              "positions": positions.tolist(), "positions_type": positions_type, "run_time": run_time}
    if out_of_range:
        params["expect_error"] = True
    case = draw(layout_case(OP, dtype, [shape], build, params, quantizer=not run_time))
    if run_time:
        case.inputs[1] = positions
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-GATHER models."""
    return _case(dtype)
