"""SPLIT: cut a tensor into ``num_splits`` equal pieces along an axis; data copied unchanged.

As LiteRT ``split.cc``: input 0 is the axis (an int32 scalar, negative counts from the end),
input 1 the data; the number of outputs equals ``num_splits``, which must divide the axis
dimension. The reference compares no quantization parameters: each output holds the input's raw
values whatever its own scale and zero point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import resolve_axis, scalar_value, split_along



@dataclass(frozen=True)
class SplitParams:
    """The resolved axis and the size of every piece along it."""

    axis: int
    sizes: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axis and check the split is even."""
    operand = ctx.input(1)
    shape = operand.shape
    axis = resolve_axis(ctx, scalar_value(ctx, 0, "axis"), len(shape))
    num_splits = ctx.options.num_splits
    if num_splits != len(ctx.outputs):
        raise ctx.error(f"num_splits is {num_splits} but the operator has {len(ctx.outputs)} outputs")
    if shape[axis] % num_splits:
        raise ctx.error(f"dimension {axis} of the input {list(shape)} has size {shape[axis]}, which {num_splits} "
                        f"does not divide (not an even split)")
    piece = shape[axis] // num_splits
    output_shape = shape[:axis] + (piece,) + shape[axis + 1:]
    return Plan(params=SplitParams(axis=axis, sizes=(piece,) * num_splits), output_shapes=[output_shape] * num_splits)


def evaluate(params: SplitParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The pieces, in order."""
    return split_along(inputs[1], params.axis, params.sizes)
