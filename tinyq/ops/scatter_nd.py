"""SCATTER_ND: a zero tensor of ``shape`` with ``updates`` added at the ``indices``.

As LiteRT ``scatter_nd.cc`` / ``reference_ops::ScatterNd``: indices and shape are int32; indices
have rank >= 1 and their last dimension ``nd`` addresses the first ``nd`` output dimensions; the
leading dimensions of indices and updates agree and the rest of updates is ``shape[nd:]``.
Updates landing on the same place are summed in index order with wrap-around (``WrappingAdd``:
int8 values are added as raw integers, quantization is not read; bool values are or-ed; floats
add in order). Every index must lie within the shape: LiteRT's Invoke fails otherwise, and
tinyq raises :class:`~tinyq.errors.InvokeError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import check_indices


@dataclass(frozen=True)
class ScatterNdParams:
    """The output shape and the number of addressed dimensions."""

    output_shape: tuple[int, ...]
    indexed_dims: int


def prepare(ctx: OpContext) -> Plan:
    """Check the shapes as the reference's CheckShapes does."""
    indices_shape, updates_shape = ctx.input(0).shape, ctx.input(1).shape
    target = ctx.constant(2, "shape")
    if target.ndim != 1:
        raise ctx.error(f"shape has shape {list(target.shape)}; it must be 1-D")
    output_shape = tuple(int(d) for d in target)
    if len(indices_shape) < 1 or len(updates_shape) < 1:
        raise ctx.error(f"indices {list(indices_shape)} and updates {list(updates_shape)} must be at least vectors")
    outer = len(indices_shape) - 1
    nd = indices_shape[-1]
    consistent = (updates_shape[:outer] == indices_shape[:outer] and nd <= len(output_shape)
                  and updates_shape[outer:] == output_shape[nd:] and all(d >= 0 for d in output_shape))
    if not consistent:
        raise ctx.error(f"indices {list(indices_shape)}, updates {list(updates_shape)} and shape {list(output_shape)} "
                        f"do not fit: updates must be indices.shape[:-1] + shape[indices.shape[-1]:]")
    return Plan(params=ScatterNdParams(output_shape=output_shape, indexed_dims=nd), output_shapes=[output_shape])


def evaluate(params: ScatterNdParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Check the indices, then add the updates into zeros (np.add.at: unbuffered, in index order)."""
    nd = params.indexed_dims
    indices = inputs[0].astype(np.int64).reshape(-1, nd)
    updates = inputs[1]
    output = np.zeros(params.output_shape, dtype=updates.dtype)
    if indices.shape[0] == 0:
        return [output]
    check_indices(indices, np.array(params.output_shape[:nd], dtype=np.int64), "scatter_nd index")
    slices = updates.reshape((indices.shape[0],) + params.output_shape[nd:])
    with np.errstate(over="ignore"):
        np.add.at(output, tuple(indices.T), slices)
    return [output]
