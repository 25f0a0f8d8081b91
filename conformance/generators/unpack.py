"""UNPACK cases: non-empty inputs of rank 1-5, every axis from -rank to rank-1 (num = that
dimension); quantized outputs share the input's scale and zero point (LiteRT requires it)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "UNPACK"
DTYPES = ("int8", "int16", "uint8", "int32", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 4), label="shape")
    rank = len(shape)
    axis = draw(st.integers(-rank, rank - 1), label="axis")
    resolved = axis + rank if axis < 0 else axis
    num = shape[resolved]
    output_shape = list(shape[:resolved]) + list(shape[resolved + 1:])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        outputs = builder.op(OP, [x], [output_shape] * num, {"num": num, "axis": axis}, data_type,
                             [f"output{k}" for k in range(num)], output_quantization=[output_quantization] * num)
        for output in (outputs if isinstance(outputs, list) else [outputs]):
            builder.output(output)

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "axis": axis, "num": num},
                            same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-UNPACK models."""
    return _case(dtype)
