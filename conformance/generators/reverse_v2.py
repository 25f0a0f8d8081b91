"""REVERSE_V2 cases: ranks 1-6, a contiguous run of 0-3 axes (each positive or negative, listed in
any order); quantized outputs may carry other parameters (values are copied)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "REVERSE_V2"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 6, 1, 4), label="shape")
    rank = len(shape)
    count = draw(st.integers(1, min(3, rank)), label="axes")
    first = draw(st.integers(0, rank - count), label="first axis")
    axes = [a - rank if draw(st.booleans(), label="negative") else a for a in range(first, first + count)]
    axes = draw(st.permutations(axes), label="order")

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        axis_tensor = builder.constant(np.array(axes, np.int32), "axis")
        builder.output(builder.op(OP, [x, axis_tensor], list(shape), None, data_type, "output",
                                  output_quantization=output_quantization))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "axes": list(axes)}))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-REVERSE_V2 models."""
    return _case(dtype)
