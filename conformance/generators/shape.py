"""SHAPE cases: inputs of rank 1-6 (size-1 and empty dimensions), out_type int32 or int64, every dtype.

The data and quantization of the input are irrelevant to SHAPE; they vary anyway.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "SHAPE"
DTYPES = ("int8", "int16", "uint8", "int32", "float32", "bool")
_OUT_TYPES = {"int32": (2, np.int32), "int64": (4, np.int64)}


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    # A scalar input is left out: its SHAPE is an empty vector, which LiteRT's Python API cannot return.
    shape = draw(st.one_of(shapes(1, 6, 1, 4), shapes(1, 3, 0, 3)), label="shape")
    out_type = draw(st.sampled_from(sorted(_OUT_TYPES)), label="out_type")
    code, numpy_type = _OUT_TYPES[out_type]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        vector = builder.op(OP, [x], [len(shape)], {"out_type": code}, numpy_type, "shape",
                            options_type="ShapeOptions")
        builder.output(vector)

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "out_type": out_type},
                            quantizer=False))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SHAPE models."""
    return _case(dtype)
