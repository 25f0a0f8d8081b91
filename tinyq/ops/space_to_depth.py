"""SPACE_TO_DEPTH: move ``block_size`` x ``block_size`` spatial blocks into the channel axis (NHWC).

As LiteRT ``space_to_depth.cc``: 4-D input whose height and width are multiples of the block;
output channel ``(block_row * block_size + block_column) * channels + c``. No quantization
parameters are compared (values are copied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class BlockParams:
    """The block size and the output shape."""

    block_size: int
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check the block divides height and width."""
    shape = ctx.input(0).shape
    block = ctx.options.block_size
    if len(shape) != 4 or block < 1 or shape[1] % block or shape[2] % block:
        raise ctx.error(f"input {list(shape)} must be 4-D with height and width multiples of block_size {block} (>= 1)")
    output_shape = (shape[0], shape[1] // block, shape[2] // block, shape[3] * block * block)
    return Plan(params=BlockParams(block_size=block, output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: BlockParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """[N, H/b, b, W/b, b, C] -> [N, H/b, W/b, b, b, C]."""
    data = inputs[0]
    batch, height, width, channels = data.shape
    block = params.block_size
    blocks = data.reshape(batch, height // block, block, width // block, block, channels).transpose(0, 1, 3, 2, 4, 5)
    return [np.ascontiguousarray(blocks).reshape(params.output_shape)]
