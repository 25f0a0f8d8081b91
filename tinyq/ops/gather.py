"""GATHER: pick slices of the input along ``axis`` at the given positions, with ``batch_dims``.

As LiteRT ``gather.cc``: positions are int16, int32 or int64; ``axis`` (negative counts from the
end) lies in ``[0, rank)``; ``batch_dims`` (negative counts from the positions' rank) is at most
``axis`` and the positions' rank, and the first ``batch_dims`` dimensions of input and positions
agree. The output shape is ``input[:axis] + positions[batch_dims:] + input[axis + 1:]``. Every
position must lie in ``[0, input.shape[axis])``: LiteRT's Invoke fails otherwise ("gather index
out of bounds", negative positions too), and tinyq raises :class:`~tinyq.errors.InvokeError`.
No quantization parameters are compared (values are copied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import check_indices


@dataclass(frozen=True)
class GatherParams:
    """The resolved axis and batch dimensions, and the shapes the gather is computed in."""

    axis: int
    batch_dims: int
    grouped_input: tuple[int, int, int, int]  # (batch, outer, axis size, inner)
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Resolve axis and batch_dims, check the shapes, compute the output shape."""
    shape, positions_shape = ctx.input(0).shape, ctx.input(1).shape
    rank = len(shape)
    axis = ctx.options.axis + rank if ctx.options.axis < 0 else ctx.options.axis
    if not 0 <= axis < rank:
        raise ctx.error(f"axis {ctx.options.axis} is out of range for a {rank}-D input")
    batch_dims = ctx.options.batch_dims
    batch_dims = batch_dims + len(positions_shape) if batch_dims < 0 else batch_dims
    if not (0 <= batch_dims <= axis and batch_dims < rank and batch_dims <= len(positions_shape)):
        raise ctx.error(f"batch_dims {ctx.options.batch_dims} must lie in [0, axis {axis}] and within both ranks")
    if shape[:batch_dims] != positions_shape[:batch_dims]:
        raise ctx.error(f"the first {batch_dims} dimensions of input {list(shape)} and positions "
                        f"{list(positions_shape)} must agree (batch_dims)")
    output_shape = shape[:axis] + positions_shape[batch_dims:] + shape[axis + 1:]
    grouped = (int(np.prod(shape[:batch_dims], dtype=np.int64)), int(np.prod(shape[batch_dims:axis], dtype=np.int64)),
               shape[axis], int(np.prod(shape[axis + 1:], dtype=np.int64)))
    params = GatherParams(axis=axis, batch_dims=batch_dims, grouped_input=grouped, output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def evaluate(params: GatherParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Check the positions, then one fancy-indexing gather per batch."""
    batch, outer, axis_size, inner = params.grouped_input
    positions = inputs[1].astype(np.int64).reshape(batch, -1)
    check_indices(positions, axis_size, "gather position")
    data = inputs[0].reshape(batch, outer, axis_size, inner)
    gathered = data[np.arange(batch)[:, None, None], np.arange(outer)[None, :, None], positions[:, None, :]]
    return [gathered.reshape(params.output_shape)]
