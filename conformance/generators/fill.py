"""FILL cases: dims of rank 0-5 (zeros included), int32 or int64, constant or fed at run time; the
value a graph input sharing the output's quantization; every dtype FILL takes."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "FILL"
DTYPES = ("int8", "int16", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    dims = list(draw(st.one_of(shapes(0, 5, 1, 4), shapes(1, 3, 0, 3)), label="dims"))
    dims_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="dims type")
    # An empty run-time result cannot be read back through LiteRT's Python API; such dims stay constant.
    run_time = int(np.prod(dims)) > 0 and draw(st.integers(0, 3), label="run-time dims") == 0

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        values = np.array(dims, dims_type)
        dims_tensor = builder.input(values.shape, "dims", values.dtype) if run_time else builder.constant(values, "dims")
        value = builder.input([], "value", data_type, input_quantization)
        builder.output(builder.op(OP, [dims_tensor, value], dims, None, data_type, "output",
                                  output_quantization=output_quantization))

    case = draw(layout_case(OP, dtype, [[]], build, {"dims": dims, "dims_type": dims_type, "run_time": run_time},
                            same_only=True, quantizer=False))
    if run_time:
        case.inputs[0] = np.array(dims, dims_type)
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-FILL models."""
    return _case(dtype)
