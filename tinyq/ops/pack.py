"""PACK: stack ``values_count`` tensors of one shape along a new axis; data copied unchanged.

As LiteRT ``pack.cc``: the number of inputs must equal ``values_count``; ``axis`` may be
negative (``axis + rank + 1``) and must then lie in ``[0, rank]``; every input has input 0's shape
and type; every input's per-tensor scale and zero point must equal the output's (PACK never
rescales).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import describe, require_same_quantization


@dataclass(frozen=True)
class PackParams:
    """The resolved (non-negative) axis of the new dimension."""

    axis: int


def prepare(ctx: OpContext) -> Plan:
    """Check count, shapes, axis and quantization; compute the output shape."""
    values = list(ctx.inputs)
    if any(operand is None for operand in values):
        raise ctx.error("an input of PACK is omitted (-1); every value must be present")
    if ctx.options.values_count != len(values):
        raise ctx.error(f"values_count is {ctx.options.values_count} but the operator has {len(values)} inputs")
    first = values[0].shape
    rank = len(first)
    axis = ctx.options.axis + rank + 1 if ctx.options.axis < 0 else ctx.options.axis
    if not 0 <= axis <= rank:
        raise ctx.error(f"axis {ctx.options.axis} is out of range for {rank}-D inputs (allowed: {-rank - 1}..{rank})")
    output = ctx.output(0)
    for position, operand in enumerate(values):
        if operand.shape != first:
            raise ctx.error(f"input {position} ({describe(operand)}) has shape {list(operand.shape)}, input 0 has "
                            f"{list(first)}; PACK needs equal shapes")
        require_same_quantization(ctx, operand, output, f"input {position}", "output")
    output_shape = first[:axis] + (len(values),) + first[axis:]
    return Plan(params=PackParams(axis=axis), output_shapes=[output_shape])


def evaluate(params: PackParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """numpy's stack along the resolved axis."""
    return [np.stack(inputs, axis=params.axis)]
