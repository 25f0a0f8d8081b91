"""SLICE cases: ranks 1-5 (size-1 and empty axes), begin anywhere in [0, size], sizes up to the
end or -1, int32 or int64 index vectors, constant or fed at run time; run-time windows that pass
the end of an axis are expected errors (LiteRT's Invoke fails, tinyq raises InvokeError)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "SLICE"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(1, 5, 1, 6), shapes(1, 3, 0, 3)), label="shape")
    run_time = draw(st.integers(0, 3), label="run-time begin/size") == 0
    out_of_range = run_time and draw(st.integers(0, 3), label="out of range") == 0
    begin, size = [], []
    for dimension in shape:
        start = draw(st.integers(0, dimension), label="begin")
        begin.append(start)
        size.append(draw(st.one_of(st.just(-1), st.integers(0, dimension - start)), label="size"))
    if out_of_range:
        axis = draw(st.integers(0, len(shape) - 1), label="axis past the end")
        size[axis] = shape[axis] - begin[axis] + draw(st.integers(1, 3), label="excess")
    index_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="index type")
    output_shape = [d - b if s == -1 else s for d, b, s in zip(shape, begin, size)]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        vectors = []
        for role, values in (("begin", begin), ("size", size)):
            array = np.array(values, dtype=index_type)
            vectors.append(builder.input(array.shape, role, array.dtype) if run_time else builder.constant(array, role))
        builder.output(builder.op(OP, [x, *vectors], [max(d, 0) for d in output_shape], None, data_type, "output",
                                  output_quantization=output_quantization))

    params = {"shape": list(shape), "begin": begin, "size": size, "index_type": index_type, "run_time": run_time}
    if out_of_range:
        params["expect_error"] = True
    case = draw(layout_case(OP, dtype, [shape], build, params, quantizer=not run_time))
    if run_time:
        case.inputs[1:] = [np.array(begin, index_type), np.array(size, index_type)]
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SLICE models."""
    return _case(dtype)
