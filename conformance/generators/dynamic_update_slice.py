"""DYNAMIC_UPDATE_SLICE cases: operands of rank 1-5, updates of any no-larger shape, start indices
(int32 or int64, graph inputs) inside, negative or past the end (LiteRT clamps them)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "DYNAMIC_UPDATE_SLICE"
DTYPES = ("int8", "int16", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 5), label="shape")
    update_shape = [draw(st.integers(1, d), label="update dim") for d in shape]
    index_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="index type")
    starts = np.array([draw(st.integers(-3, d + 2), label="start") for d in shape], index_type)

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        operand = builder.input(shape, "operand", data_type, input_quantization)
        update = builder.input(update_shape, "update", data_type, input_quantization)
        start = builder.input([len(shape)], "start_indices", starts.dtype)
        builder.output(builder.op(OP, [operand, update, start], list(shape), None, data_type, "output",
                                  output_quantization=output_quantization))

    case = draw(layout_case(OP, dtype, [shape, update_shape], build,
                            {"shape": list(shape), "update_shape": update_shape, "starts": starts.tolist(),
                             "index_type": index_type}, quantizer=False))
    case.inputs[2] = starts
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-DYNAMIC_UPDATE_SLICE models."""
    return _case(dtype)
