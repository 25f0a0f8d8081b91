"""SELECT (bool condition; int8, uint8, int16, int32, int64, float32 or bool values): ``condition ? x : y``.

LiteRT's reference kernel (``select.cc`` with ``kVersionOne``) accepts three layouts and no other
broadcasting:

* condition, ``x`` and ``y`` of one shape: elementwise (``reference_ops::Select``);
* a scalar (rank-0) condition: the whole of ``x`` or the whole of ``y`` (``RankOneSelect``);
* a rank-1 condition of ``x``'s first dimension: one flag per slice along that dimension
  (``RankOneSelect``).

``x`` and ``y`` must always have the same shape, which is the output's. A rank-1 condition with
a rank-0 ``x`` (the reference reads a dimension the shape does not have) is refused. Values are
copied as stored; see ``_select`` about quantization.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._select import SelectParams
from tinyq.ops._select import evaluate as evaluate_select


def prepare(ctx: OpContext) -> Plan:
    """Check the layout of condition, x and y; the output has x's shape."""
    condition_shape, x_shape, y_shape = ctx.input(0).shape, ctx.input(1).shape, ctx.input(2).shape
    if x_shape != y_shape:
        raise ctx.error(f"x has shape {list(x_shape)} and y has shape {list(y_shape)}; SELECT needs them equal "
                        f"(SELECT_V2 broadcasts)")
    if condition_shape == x_shape or len(condition_shape) == 0:
        view = condition_shape
    elif len(condition_shape) == 1 and len(x_shape) >= 1 and condition_shape[0] == x_shape[0]:
        view = condition_shape + (1,) * (len(x_shape) - 1)
    else:
        raise ctx.error(f"the condition has shape {list(condition_shape)} and x has shape {list(x_shape)}; SELECT "
                        f"needs a condition of x's shape, a scalar, or a vector of x's first dimension "
                        f"({'none' if not x_shape else x_shape[0]})")
    return Plan(params=SelectParams(condition_shape=view, output_shape=x_shape), output_shapes=[x_shape])


def evaluate(params: SelectParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """x where the condition holds, else y."""
    return evaluate_select(params, inputs)
