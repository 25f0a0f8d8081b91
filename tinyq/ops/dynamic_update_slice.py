"""DYNAMIC_UPDATE_SLICE: the operand with the block ``update`` written at ``start_indices``.

As LiteRT ``dynamic_update_slice.cc``: start_indices is a 1-D int32 or int64 vector with one entry
per operand axis; update has the operand's rank and no larger dimensions. Each start index is
clamped into ``[0, operand_dim - update_dim]`` (``ClampStartIndices``), so out-of-range starts
move the block inside rather than fail. Bytes are copied: no quantization parameters are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class DynamicUpdateSliceParams:
    """The largest start index allowed on each axis (operand dim - update dim)."""

    max_starts: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check ranks and sizes."""
    shape, update_shape, starts_shape = ctx.input(0).shape, ctx.input(1).shape, ctx.input(2).shape
    if starts_shape != (len(shape),):
        raise ctx.error(f"start_indices has shape {list(starts_shape)}; it must be [{len(shape)}], one entry per "
                        f"operand axis")
    if len(update_shape) != len(shape) or any(u > d for u, d in zip(update_shape, shape)):
        raise ctx.error(f"update {list(update_shape)} must have the operand's rank and no larger dimensions than "
                        f"{list(shape)}")
    params = DynamicUpdateSliceParams(max_starts=tuple(d - u for d, u in zip(shape, update_shape)))
    return Plan(params=params, output_shapes=[shape])


def evaluate(params: DynamicUpdateSliceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Clamp the starts, copy the operand and write the block."""
    operand, update = inputs[0], inputs[1]
    starts = np.clip(inputs[2].astype(np.int64), 0, np.array(params.max_starts, dtype=np.int64))
    output = operand.copy()
    window = tuple(slice(int(s), int(s) + size) for s, size in zip(starts, update.shape))
    output[window] = update
    return [output]
