"""PACK cases: 1-5 inputs of one shape (rank 0-4, size-1 and empty dimensions), every axis from
-rank-1 to rank; quantized inputs share the output's scale and zero point (LiteRT requires it)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "PACK"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(0, 4, 1, 4), shapes(1, 3, 0, 3)), label="shape")
    count = draw(st.integers(1, 5), label="values_count")
    rank = len(shape)
    axis = draw(st.integers(-rank - 1, rank), label="axis")
    resolved = axis + rank + 1 if axis < 0 else axis
    output_shape = list(shape[:resolved]) + [count] + list(shape[resolved:])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        values = [builder.input(shape, f"value{k}", data_type, input_quantization) for k in range(count)]
        builder.output(builder.op(OP, values, output_shape, {"values_count": count, "axis": axis}, data_type, "output",
                                  output_quantization=output_quantization))

    return draw(layout_case(OP, dtype, [shape] * count, build,
                            {"shape": list(shape), "values_count": count, "axis": axis}, same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-PACK models."""
    return _case(dtype)
