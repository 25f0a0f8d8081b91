"""BATCH_TO_SPACE_ND: move block offsets from the batch axis back into the spatial axes, then crop.

The inverse of SPACE_TO_BATCH_ND, as LiteRT ``batch_to_space_nd.cc``: the input batch must be a
multiple of the block volume; input batch ``(shift_h * block_w + shift_w) * batch + b`` lands at
``(h * block_h + shift_h, w * block_w + shift_w)``; then ``crops`` are removed from each spatial
axis (the result must not be negative). Checks: see :mod:`tinyq.ops._space_batch`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._space_batch import as_4d, block_geometry


@dataclass(frozen=True)
class BatchToSpaceParams:
    """Blocks and crops as 2-D (height, width) pairs and the output shape."""

    block: tuple[int, int]
    crops: tuple[tuple[int, int], tuple[int, int]]
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check the geometry; compute the output shape."""
    block, crops = block_geometry(ctx, "crops")
    shape = ctx.input(0).shape
    volume = int(np.prod(block))
    if shape[0] % volume:
        raise ctx.error(f"the input batch {shape[0]} is not a multiple of the block volume {volume}")
    output_shape = [shape[0] // volume]
    for axis, (size, step, (before, after)) in enumerate(zip(shape[1:-1], block, crops)):
        cropped = size * step - before - after
        if cropped < 0:
            raise ctx.error(f"crops ({before}, {after}) exceed spatial axis {axis} of size {size * step}")
        output_shape.append(cropped)
    output_shape.append(shape[-1])
    params = BatchToSpaceParams(block=(block + (1,))[:2], crops=(crops + ((0, 0),))[:2],
                                output_shape=tuple(output_shape))
    return Plan(params=params, output_shapes=[tuple(output_shape)])


def evaluate(params: BatchToSpaceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Split the batch into (offsets, batch), interleave the offsets into space, crop."""
    data = as_4d(inputs[0])
    batch, height, width, channels = data.shape
    block_h, block_w = params.block
    out_batch = batch // (block_h * block_w)
    spread = data.reshape(block_h, block_w, out_batch, height, width, channels).transpose(2, 3, 0, 4, 1, 5)
    full = spread.reshape(out_batch, height * block_h, width * block_w, channels)
    (top, bottom), (left, right) = params.crops
    cropped = full[:, top:height * block_h - bottom, left:width * block_w - right, :]
    return [np.ascontiguousarray(cropped).reshape(params.output_shape)]
