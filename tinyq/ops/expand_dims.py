"""EXPAND_DIMS: insert a size-1 dimension at ``axis``; the data is copied unchanged.

As LiteRT ``expand_dims.cc``: the axis tensor (int32 or int64, exactly one element) may be
negative (``axis + rank + 1``) and must then lie in ``[0, rank]``; the output keeps the input's
scale and zero point, which must be equal (int16 also needs zero point 0). A run-time axis makes
the output shape depend on data: it is resolved on every invoke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.errors import InvokeError
from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import require_same_quantization, require_zero_point_zero, scalar_value


@dataclass(frozen=True)
class ExpandDimsParams:
    """The output shape, or None when the axis is only known at run time."""

    output_shape: tuple[int, ...] | None


def expanded_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    """``shape`` with a 1 inserted at ``axis`` (negative: counted from the end of the output); raises
    ValueError when the axis is out of range."""
    rank = len(shape)
    resolved = axis + rank + 1 if axis < 0 else axis
    if not 0 <= resolved <= rank:
        raise ValueError(f"axis {axis} is out of range for a {rank}-D input (allowed: {-rank - 1}..{rank})")
    return shape[:resolved] + (1,) + shape[resolved:]


def prepare(ctx: OpContext) -> Plan:
    """Check quantization and resolve the axis when it is known at load."""
    operand, output = ctx.input(0), ctx.output(0)
    require_same_quantization(ctx, operand, output, "input", "output")
    if operand.dtype == np.int16:
        require_zero_point_zero(ctx, operand, "input")
    axis_operand = ctx.input(1)
    if axis_operand.value is None:
        if axis_operand.size != 1:
            raise ctx.error(f"the axis tensor has shape {list(axis_operand.shape)}; it must hold exactly one element")
        return Plan(params=ExpandDimsParams(output_shape=None), output_shapes=[None])
    try:
        output_shape = expanded_shape(operand.shape, scalar_value(ctx, 1, "axis"))
    except ValueError as exc:
        raise ctx.error(str(exc)) from None
    return Plan(params=ExpandDimsParams(output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: ExpandDimsParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The input under the expanded shape."""
    if params.output_shape is not None:
        return [inputs[0].reshape(params.output_shape)]
    axis = inputs[1].reshape(-1)
    if axis.size != 1:
        raise InvokeError(f"the axis tensor holds {axis.size} values; it must hold exactly one")
    try:
        return [inputs[0].reshape(expanded_shape(inputs[0].shape, int(axis[0])))]
    except ValueError as exc:
        raise InvokeError(str(exc)) from None
