"""UNPACK: split a tensor into ``num`` tensors along ``axis``, removing that dimension; data copied.

As LiteRT ``unpack.cc``: the input is non-empty; ``axis`` may be negative (``axis + rank``) and
must then lie in ``[0, rank)``; ``num`` equals the size of that dimension and the number of
outputs; every output's per-tensor scale and zero point must equal the input's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import require_same_quantization


@dataclass(frozen=True)
class UnpackParams:
    """The resolved (non-negative) axis."""

    axis: int


def prepare(ctx: OpContext) -> Plan:
    """Check axis, count and quantization; compute the output shapes."""
    operand = ctx.input(0)
    shape = operand.shape
    rank = len(shape)
    if operand.size == 0:
        raise ctx.error(f"the input has shape {list(shape)}, no elements; LiteRT's UNPACK needs at least one")
    axis = ctx.options.axis + rank if ctx.options.axis < 0 else ctx.options.axis
    if not 0 <= axis < rank:
        raise ctx.error(f"axis {ctx.options.axis} is out of range for a {rank}-D input")
    if ctx.options.num != shape[axis] or len(ctx.outputs) != shape[axis]:
        raise ctx.error(f"num is {ctx.options.num} and there are {len(ctx.outputs)} outputs; dimension {axis} of "
                        f"the input {list(shape)} has {shape[axis]} entries and all three must agree")
    for position, output in enumerate(ctx.outputs):
        require_same_quantization(ctx, operand, output, "input", f"output {position}")
    output_shape = shape[:axis] + shape[axis + 1:]
    return Plan(params=UnpackParams(axis=axis), output_shapes=[output_shape] * len(ctx.outputs))


def evaluate(params: UnpackParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One array per index along the axis."""
    return [part.copy() for part in np.moveaxis(inputs[0], params.axis, 0)]
