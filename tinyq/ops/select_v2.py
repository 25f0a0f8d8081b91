"""SELECT_V2 (bool condition; int8, uint8, int16, int32, int64, float32 or bool values): ``condition ? x : y``
with numpy broadcasting of all three inputs.

LiteRT's reference kernel (``select.cc`` with ``kVersionTwo``, ``reference_ops::BroadcastSelect5DSlow``)
broadcasts condition, ``x`` and ``y`` to a common shape (``CalculateShapeForBroadcast`` of three
shapes); LiteRT 2.3.0 accepts up to 8-D, tinyq keeps to 6-D (``_broadcast``). Values are copied as
stored; see ``_select`` about quantization.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops._select import SelectParams
from tinyq.ops._select import evaluate as evaluate_select


def prepare(ctx: OpContext) -> Plan:
    """The broadcast shape of condition, x and y."""
    condition_shape, x_shape, y_shape = ctx.input(0).shape, ctx.input(1).shape, ctx.input(2).shape
    output_shape = broadcast_shape(broadcast_shape(condition_shape, x_shape), y_shape)
    return Plan(params=SelectParams(condition_shape=condition_shape, output_shape=output_shape),
                output_shapes=[output_shape])


def evaluate(params: SelectParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """x where the condition holds, else y, all three broadcast."""
    return evaluate_select(params, inputs)
