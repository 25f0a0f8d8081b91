"""TILE cases: ranks 1-5 (size-1 and empty dimensions), multiples 0-3 per axis, int32 or int64
multiples; quantized outputs may carry other parameters (values are copied)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "TILE"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(1, 5, 1, 4), shapes(1, 3, 0, 3)), label="shape")
    multiples = [draw(st.sampled_from([1, 1, 2, 3, 0]), label="multiple") for _ in shape]
    # LiteRT's Python API cannot return an empty output; keep outputs non-empty.
    if any(d * m == 0 for d, m in zip(shape, multiples)):
        shape = tuple(max(d, 1) for d in shape)
        multiples = [max(m, 1) for m in multiples]
    multiples_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"),
                          label="multiples type")
    output_shape = [d * m for d, m in zip(shape, multiples)]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        counts = builder.constant(np.array(multiples, multiples_type), "multiples")
        builder.output(builder.op(OP, [x, counts], output_shape, None, data_type, "output",
                                  output_quantization=output_quantization))

    # No quantizer-made cases: the quantizer marks an int8 TILE version 3, which LiteRT's reference
    # resolver does not register.
    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "multiples": multiples,
                                                         "multiples_type": multiples_type}, quantizer=False))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-TILE models."""
    return _case(dtype)
