"""BATCH_TO_SPACE_ND cases: 3-D and 4-D inputs whose batch is a multiple of the block volume
(blocks 1-3 per spatial axis), crops from 0 to the whole spatial extent; quantized input and
output share parameters (LiteRT requires it)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams
from conformance.generators._layout import layout_case

OP = "BATCH_TO_SPACE_ND"
DTYPES = ("int8", "uint8", "int16", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    spatial = draw(st.integers(1, 2), label="spatial axes")
    batch, channels = draw(st.integers(1, 2), label="batch"), draw(st.integers(1, 3), label="channels")
    blocks, crops, sizes, output_spatial = [], [], [], []
    for _ in range(spatial):
        block = draw(st.integers(1, 3), label="block")
        size = draw(st.integers(1, 4), label="size")
        # Keep at least one row/column: LiteRT's Python API cannot return an empty output.
        before = draw(st.integers(0, size * block - 1), label="crop before")
        after = draw(st.integers(0, size * block - 1 - before), label="crop after")
        blocks.append(block)
        crops.append([before, after])
        sizes.append(size)
        output_spatial.append(size * block - before - after)
    shape = [batch * int(np.prod(blocks)), *sizes, channels]
    output_shape = [batch, *output_spatial, channels]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        block_tensor = builder.constant(np.array(blocks, np.int32), "block_shape")
        crops_tensor = builder.constant(np.array(crops, np.int32), "crops")
        builder.output(builder.op(OP, [x, block_tensor, crops_tensor], output_shape, None, data_type, "output",
                                  output_quantization=output_quantization))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": shape, "block_shape": blocks, "crops": crops},
                            same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-BATCH_TO_SPACE_ND models."""
    return _case(dtype)
