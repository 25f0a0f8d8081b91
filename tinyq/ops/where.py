"""WHERE (bool, int8, uint8, int32, int64 or float32 condition): the coordinates of the true elements.

LiteRT's reference kernel (``where.cc``, ``reference_ops::SelectTrueCoords``) writes an int64 tensor
of shape ``[number of true elements, condition rank]``: the index of every element that is true
(numeric conditions: not equal to 0, so NaN counts as true and -0.0 as false; quantization
parameters are not read), in row-major order. A rank-0 condition fails LiteRT's invoke; tinyq
refuses it at load.

The output shape depends on the condition's values. When the condition is known at load, Prepare
computes it (LiteRT's Prepare does the same for a constant condition and tinyq folds the op);
otherwise Prepare returns no shape and the interpreter learns it from Eval on every invoke,
preparing every op that reads the coordinates again (LiteRT's dynamic tensor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class WhereParams:
    """No constants: the rank of the condition fixes the output's second dimension."""

    condition_rank: int


def prepare(ctx: OpContext) -> Plan:
    """Check the condition's rank; the output shape when the condition is known at load, else None."""
    condition = ctx.input(0)
    if len(condition.shape) == 0:
        raise ctx.error(f"the condition (tensor {condition.index} '{condition.name}') is a scalar; WHERE needs a "
                        f"condition of rank 1 or more (LiteRT fails the invoke)")
    rank = len(condition.shape)
    output_shape = None if condition.value is None else (int(np.count_nonzero(condition.value)), rank)
    return Plan(params=WhereParams(condition_rank=rank), output_shapes=[output_shape])


def evaluate(params: WhereParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The row-major coordinates of the condition's nonzero elements, int64 ``[count, rank]``."""
    return [np.argwhere(inputs[0] != 0).astype(np.int64).reshape(-1, params.condition_rank)]
