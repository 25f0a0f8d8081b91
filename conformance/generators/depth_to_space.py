"""DEPTH_TO_SPACE cases: 4-D inputs whose channels are multiples of block_size**2 (block sizes 1-4)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams
from conformance.generators._layout import layout_case

OP = "DEPTH_TO_SPACE"
DTYPES = ("int8", "uint8", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    block = draw(st.integers(1, 4), label="block_size")
    shape = (draw(st.integers(1, 3), label="batch"), draw(st.integers(1, 3), label="rows"),
             draw(st.integers(1, 3), label="columns"), block * block * draw(st.integers(1, 3), label="channels"))
    output_shape = [shape[0], shape[1] * block, shape[2] * block, shape[3] // (block * block)]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        builder.output(builder.op(OP, [x], output_shape, {"block_size": block}, data_type, "output",
                                  output_quantization=output_quantization))

    # No quantizer-made cases: the quantizer marks an int8 DEPTH_TO_SPACE version 2, which LiteRT's
    # reference resolver does not register.
    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "block_size": block}, quantizer=False))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-DEPTH_TO_SPACE models."""
    return _case(dtype)
