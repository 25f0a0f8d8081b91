"""SPACE_TO_BATCH_ND: pad the spatial axes, then move each block offset into the batch axis.

As LiteRT ``space_to_batch_nd.cc`` / ``reference_ops::SpaceToBatchND``: the padded size of each
spatial axis must be a multiple of its block; output batch ``(shift_h * block_w + shift_w) *
batch + b`` holds the elements at ``(h * block_h + shift_h, w * block_w + shift_w)`` of the
padded input. The padding value is the output zero point for 8-bit types (the reference
``memset``s it) and 0 otherwise. TFLite Micro (tflite-micro 0.dev20261023) pads with values that
are not the zero point (float32 padding read as garbage such as -1.3e20 in one run): its
``SpaceToBatchParams`` are allocated but never filled in; ``numerics="tflm"`` keeps
the reference's arithmetic here and the conformance report lists those cases. Checks: see :mod:`tinyq.ops._space_batch`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import legacy_params
from tinyq.ops._space_batch import as_4d, block_geometry


@dataclass(frozen=True)
class SpaceToBatchParams:
    """Blocks and paddings as 2-D (height, width) pairs, the pad value and the output shape."""

    block: tuple[int, int]
    paddings: tuple[tuple[int, int], tuple[int, int]]
    pad_value: int
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check the geometry; compute the pad value and output shape."""
    block, paddings = block_geometry(ctx, "paddings")
    shape = ctx.input(0).shape
    output_shape = [shape[0] * int(np.prod(block))]
    for axis, (size, step, (before, after)) in enumerate(zip(shape[1:-1], block, paddings)):
        padded = size + before + after
        if padded % step:
            raise ctx.error(f"spatial axis {axis} padded to {padded} is not a multiple of its block {step}")
        output_shape.append(padded // step)
    output_shape.append(shape[-1])
    output = ctx.output(0)
    pad_value = legacy_params(output)[1] if output.dtype.itemsize == 1 else 0
    params = SpaceToBatchParams(block=(block + (1,))[:2], paddings=(paddings + ((0, 0),))[:2], pad_value=pad_value,
                                output_shape=tuple(output_shape))
    return Plan(params=params, output_shapes=[tuple(output_shape)])


def evaluate(params: SpaceToBatchParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Pad, split each spatial axis into (blocks, offset) and move the offsets in front of the batch."""
    data = as_4d(inputs[0])
    padded = np.pad(data, ((0, 0), *params.paddings, (0, 0)), constant_values=params.pad_value)
    batch, height, width, channels = padded.shape
    (block_h, block_w) = params.block
    blocks = padded.reshape(batch, height // block_h, block_h, width // block_w, block_w, channels)
    moved = blocks.transpose(2, 4, 0, 1, 3, 5)
    return [np.ascontiguousarray(moved).reshape(params.output_shape)]
