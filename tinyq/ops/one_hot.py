"""ONE_HOT: ``on_value`` where an index equals the position along a new axis of size ``depth``,
``off_value`` elsewhere.

As LiteRT ``one_hot.cc``: indices are int32 or int64 (compared after conversion to int, as the
reference's ``static_cast<int>``); depth is a non-negative int32 scalar; on and off values are
scalars of the output type; ``axis`` -1 appends the new axis, otherwise it lies in
``[0, rank]``. Indices outside ``[0, depth)`` (negative ones too) give an all-off row, not an
error. The values are copied as they are (no quantization read). int16 values pass LiteRT's
Prepare but its Eval has no int16 case and fails; tinyq refuses them at load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import scalar_value


@dataclass(frozen=True)
class OneHotParams:
    """The depth and the position of the new axis."""

    depth: int
    axis: int


def prepare(ctx: OpContext) -> Plan:
    """Check depth, axis and value shapes; compute the output shape."""
    indices_shape = ctx.input(0).shape
    depth = scalar_value(ctx, 1, "depth")
    if depth < 0:
        raise ctx.error(f"depth is {depth}; it must be >= 0")
    for position, role in ((2, "on_value"), (3, "off_value")):
        if ctx.input(position).size != 1:
            raise ctx.error(f"{role} has shape {list(ctx.input(position).shape)}; it must hold one value")
    rank = len(indices_shape)
    axis = rank if ctx.options.axis == -1 else ctx.options.axis
    if not 0 <= axis <= rank:
        raise ctx.error(f"axis {ctx.options.axis} is out of range for {rank}-D indices (allowed: -1, 0..{rank})")
    output_shape = indices_shape[:axis] + (depth,) + indices_shape[axis:]
    return Plan(params=OneHotParams(depth=depth, axis=axis), output_shapes=[output_shape])


def evaluate(params: OneHotParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Compare each index with every depth position and select on or off."""
    indices = inputs[0].astype(np.int32)  # static_cast<int>: int64 indices wrap
    hot = indices[..., None] == np.arange(params.depth, dtype=np.int32)
    hot = np.moveaxis(hot, -1, params.axis)
    on_value, off_value = inputs[2].reshape(()), inputs[3].reshape(())
    return [np.where(hot, on_value, off_value).astype(on_value.dtype)]
