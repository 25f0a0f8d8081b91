"""EXPAND_DIMS cases: ranks 0-5, every axis from -rank-1 to rank, int32 or int64 axis tensor.

Quantized inputs and outputs share scale and zero point (LiteRT requires it; int16 with zero
point 0); quantizer-made and direct cases.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "EXPAND_DIMS"
DTYPES = ("int8", "int16", "uint8", "int32", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(0, 5, 1, 4), shapes(1, 3, 0, 3)), label="shape")
    rank = len(shape)
    axis = draw(st.integers(-rank - 1, rank), label="axis")
    axis_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="axis type")
    resolved = axis + rank + 1 if axis < 0 else axis
    output_shape = list(shape[:resolved]) + [1] + list(shape[resolved:])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        axis_tensor = builder.constant(np.array([axis], dtype=axis_type), "axis")
        builder.output(builder.op(OP, [x, axis_tensor], output_shape, None, data_type, "output",
                                  output_quantization=output_quantization))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "axis": axis, "axis_type": axis_type},
                            same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-EXPAND_DIMS models."""
    return _case(dtype)
