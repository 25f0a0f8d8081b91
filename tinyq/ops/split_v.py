"""SPLIT_V: cut a tensor into pieces of given sizes along an axis; data copied unchanged.

As LiteRT ``split_v.cc``: inputs are the data, ``size_splits`` (1-D int32 or int64, one entry per
output, at most one -1 standing for the rest) and the axis (an int32 scalar, negative counts from
the end). Without a -1 the sizes must sum to the axis dimension; with one, the others must not
exceed it. As for SPLIT, no quantization parameters are compared: outputs hold the raw values.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import resolve_axis, scalar_value, split_along
from tinyq.ops.split import SplitParams


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axis and the sizes (filling in a -1)."""
    operand = ctx.input(0)
    shape = operand.shape
    size_splits = ctx.constant(1, "size_splits")
    axis = resolve_axis(ctx, scalar_value(ctx, 2, "axis"), len(shape))
    if size_splits.ndim != 1 or size_splits.size != len(ctx.outputs) or ctx.options.num_splits != len(ctx.outputs):
        raise ctx.error(f"size_splits has shape {list(size_splits.shape)} and num_splits is "
                        f"{ctx.options.num_splits}; both must match the {len(ctx.outputs)} outputs")
    sizes = [int(s) for s in size_splits]
    if any(s < -1 for s in sizes) or sizes.count(-1) > 1:
        raise ctx.error(f"size_splits {sizes} may hold non-negative sizes and at most one -1")
    known = sum(s for s in sizes if s != -1)
    if -1 in sizes:
        if known > shape[axis]:
            raise ctx.error(f"size_splits {sizes} add up to {known}, more than dimension {axis} of the input "
                            f"{list(shape)}")
        sizes[sizes.index(-1)] = shape[axis] - known
    elif known != shape[axis]:
        raise ctx.error(f"size_splits {sizes} add up to {known}; they must add up to dimension {axis} of the input "
                        f"{list(shape)} ({shape[axis]})")
    output_shapes = [shape[:axis] + (size,) + shape[axis + 1:] for size in sizes]
    return Plan(params=SplitParams(axis=axis, sizes=tuple(sizes)), output_shapes=output_shapes)


def evaluate(params: SplitParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The pieces, in order."""
    return split_along(inputs[0], params.axis, params.sizes)
