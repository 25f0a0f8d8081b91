"""REVERSE_V2: reverse the order of the elements along the given axes; data copied unchanged.

As LiteRT ``reverse.cc``: ``axis`` is a 1-D int32 vector of at most 8 entries (negative ones
count from the end), inputs of at most 8 dimensions; after sorting, the axes must be contiguous
(LiteRT's Invoke refuses others: "Non-contiguous axes not supported", tinyq at load). No
quantization parameters are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

MAX_DIMENSIONS = 8


@dataclass(frozen=True)
class ReverseParams:
    """The resolved axes to flip."""

    axes: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Resolve and check the axes."""
    shape = ctx.input(0).shape
    rank = len(shape)
    axis_tensor = ctx.constant(1, "axis")
    if axis_tensor.ndim != 1:
        raise ctx.error(f"axis has shape {list(axis_tensor.shape)}; it must be 1-D")
    if rank > MAX_DIMENSIONS or axis_tensor.size > min(rank, MAX_DIMENSIONS):
        raise ctx.error(f"{axis_tensor.size} axes for a {rank}-D input; REVERSE_V2 takes at most {min(rank, 8)} "
                        f"axes and 8 dimensions")
    axes = []
    for axis in (int(a) for a in axis_tensor):
        resolved = axis + rank if axis < 0 else axis
        if not 0 <= resolved < rank:
            raise ctx.error(f"axis {axis} is out of range for a {rank}-D input")
        axes.append(resolved)
    axes.sort()
    if any(b != a + 1 for a, b in zip(axes, axes[1:])):
        raise ctx.unsupported(f"axes {axes} are not contiguous; LiteRT's REVERSE_V2 reverses only a run of adjacent "
                              f"axes")
    return Plan(params=ReverseParams(axes=tuple(axes)), output_shapes=[shape])


def evaluate(params: ReverseParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """numpy's flip over the axes, copied."""
    return [np.flip(inputs[0], axis=params.axes).copy() if params.axes else inputs[0].copy()]
