"""SPACE_TO_BATCH_ND cases: 3-D and 4-D inputs, blocks 1-3 per spatial axis, paddings 0-3 chosen so
the padded sizes divide by the block; quantized input and output share parameters (LiteRT requires
it), so the padding shows the zero point."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams
from conformance.generators._layout import layout_case

OP = "SPACE_TO_BATCH_ND"
DTYPES = ("int8", "uint8", "int16", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    spatial = draw(st.integers(1, 2), label="spatial axes")
    batch, channels = draw(st.integers(1, 2), label="batch"), draw(st.integers(1, 3), label="channels")
    blocks, paddings, sizes, output_spatial = [], [], [], []
    for _ in range(spatial):
        block = draw(st.integers(1, 3), label="block")
        before = draw(st.integers(0, 3), label="pad before")
        size = draw(st.integers(1, 5), label="size")
        after = (-(size + before)) % block + block * draw(st.integers(0, 1), label="extra block of padding")
        blocks.append(block)
        paddings.append([before, after])
        sizes.append(size)
        output_spatial.append((size + before + after) // block)
    shape = [batch, *sizes, channels]
    output_shape = [batch * int(np.prod(blocks)), *output_spatial, channels]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        block_tensor = builder.constant(np.array(blocks, np.int32), "block_shape")
        paddings_tensor = builder.constant(np.array(paddings, np.int32), "paddings")
        builder.output(builder.op(OP, [x, block_tensor, paddings_tensor], output_shape, None, data_type, "output",
                                  output_quantization=output_quantization))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": shape, "block_shape": blocks, "paddings": paddings},
                            same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SPACE_TO_BATCH_ND models."""
    return _case(dtype)
