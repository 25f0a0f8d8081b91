"""GATHER_ND: pick slices of ``params`` addressed by the last dimension of ``indices``.

As LiteRT ``gather_nd.cc`` / ``reference_ops::GatherNd``: params has rank >= 1, indices rank >= 1
and a last dimension ``nd`` in ``[0, params rank]``; the output shape is
``indices.shape[:-1] + params.shape[nd:]``. Every coordinate must lie in ``[0, params.shape[j])``:
LiteRT's Invoke fails otherwise, and tinyq raises :class:`~tinyq.errors.InvokeError`. No
quantization parameters are compared (values are copied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import check_indices


@dataclass(frozen=True)
class GatherNdParams:
    """The addressed dimensions and the output shape."""

    indexed_dims: tuple[int, ...]  # params.shape[:nd]
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check ranks and compute the output shape."""
    shape, indices_shape = ctx.input(0).shape, ctx.input(1).shape
    if len(shape) < 1 or len(indices_shape) < 1:
        raise ctx.error(f"params {list(shape)} and indices {list(indices_shape)} must both be at least vectors")
    nd = indices_shape[-1]
    if nd > len(shape):
        raise ctx.error(f"indices address {nd} dimensions; params {list(shape)} has {len(shape)}")
    output_shape = indices_shape[:-1] + shape[nd:]
    return Plan(params=GatherNdParams(indexed_dims=shape[:nd], output_shape=output_shape),
                output_shapes=[output_shape])


def evaluate(params: GatherNdParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Check the coordinates, then index with one array per addressed dimension."""
    nd = len(params.indexed_dims)
    coordinates = inputs[1].astype(np.int64).reshape(-1, nd)
    if coordinates.shape[0] == 0:
        return [np.zeros(params.output_shape, dtype=inputs[0].dtype)]
    check_indices(coordinates, np.array(params.indexed_dims, dtype=np.int64), "gather_nd coordinate")
    picked = inputs[0][tuple(coordinates.T)] if nd else np.broadcast_to(inputs[0], (coordinates.shape[0],)
                                                                        + inputs[0].shape)
    return [np.ascontiguousarray(picked).reshape(params.output_shape)]
