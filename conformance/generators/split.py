"""SPLIT cases: ranks 1-5, every axis (negative too), num_splits dividing the axis (1 to its
size, empty axes included); quantized outputs may carry other parameters (the reference copies
raw values and compares nothing)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "SPLIT"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(1, 5, 1, 6), shapes(1, 3, 0, 3)), label="shape")
    rank = len(shape)
    axis = draw(st.integers(-rank, rank - 1), label="axis")
    resolved = axis + rank if axis < 0 else axis
    size = shape[resolved]
    divisors = [d for d in range(1, max(size, 1) + 1) if size % d == 0] if size else [1, 2, 3]
    num_splits = draw(st.sampled_from(divisors), label="num_splits")
    output_shape = list(shape)
    output_shape[resolved] = size // num_splits

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        axis_tensor = builder.constant(np.array(axis, np.int32), "axis")
        x = builder.input(shape, "input", data_type, input_quantization)
        outputs = builder.op(OP, [axis_tensor, x], [output_shape] * num_splits, {"num_splits": num_splits},
                             data_type, [f"output{k}" for k in range(num_splits)],
                             output_quantization=[output_quantization] * num_splits)
        for output in (outputs if isinstance(outputs, list) else [outputs]):
            builder.output(output)

    return draw(layout_case(OP, dtype, [shape], build,
                            {"shape": list(shape), "axis": axis, "num_splits": num_splits}))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SPLIT models."""
    return _case(dtype)
