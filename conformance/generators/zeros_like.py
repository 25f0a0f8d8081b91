"""ZEROS_LIKE cases: inputs of rank 0-5 (empty dimensions included), int32, int64, float32."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "ZEROS_LIKE"
DTYPES = ("int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(0, 5, 1, 4), shapes(1, 3, 0, 3)), label="shape")

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type)
        builder.output(builder.op(OP, [x], list(shape), None, data_type, "output"))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape)}, quantizer=False))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-ZEROS_LIKE models."""
    return _case(dtype)
