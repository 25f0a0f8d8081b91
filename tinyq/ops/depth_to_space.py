"""DEPTH_TO_SPACE: move channel groups into ``block_size`` x ``block_size`` spatial blocks (NHWC).

The inverse of SPACE_TO_DEPTH, as LiteRT ``depth_to_space.cc`` (TensorFlow's "DCR" order): 4-D
input whose channels are a multiple of ``block_size**2``; input channel
``(block_row * block_size + block_column) * out_channels + c`` lands in that block position. No
quantization parameters are compared (values are copied).
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops.space_to_depth import BlockParams


def prepare(ctx: OpContext) -> Plan:
    """Check the channels divide into blocks."""
    shape = ctx.input(0).shape
    block = ctx.options.block_size
    if len(shape) != 4 or block < 1 or shape[3] % (block * block):
        raise ctx.error(f"input {list(shape)} must be 4-D with channels a multiple of block_size {block}**2 (>= 1)")
    output_shape = (shape[0], shape[1] * block, shape[2] * block, shape[3] // (block * block))
    return Plan(params=BlockParams(block_size=block, output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: BlockParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """[N, H, W, b, b, C'] -> [N, H, b, W, b, C']."""
    data = inputs[0]
    batch, height, width, channels = data.shape
    block = params.block_size
    spread = data.reshape(batch, height, width, block, block, channels // (block * block)).transpose(0, 1, 3, 2, 4, 5)
    return [np.ascontiguousarray(spread).reshape(params.output_shape)]
