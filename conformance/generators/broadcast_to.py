"""BROADCAST_TO cases: inputs of rank 0-5 broadcast to targets of up to 8 dimensions (new leading
axes, size-1 axes stretched), int32 or int64 shape vectors."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "BROADCAST_TO"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(0, 5, 1, 3), label="shape")
    leading = draw(st.lists(st.integers(1, 3), max_size=8 - len(shape)), label="leading dims")
    target = list(leading) + [draw(st.integers(1, 3), label="stretched") if d == 1 else d for d in shape]
    shape_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="shape type")

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        target_tensor = builder.constant(np.array(target, shape_type), "shape")
        # LiteRT registers BROADCAST_TO from version 2.
        builder.output(builder.op(OP, [x, target_tensor], target, None, data_type, "output",
                                  output_quantization=output_quantization, version=2))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "target": target,
                                                         "shape_type": shape_type}))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-BROADCAST_TO models."""
    return _case(dtype)
