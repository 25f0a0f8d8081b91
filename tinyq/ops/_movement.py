"""Shared Prepare checks of the ops that only move data (EXPAND_DIMS, PACK, SPLIT, SLICE, ...).

LiteRT's kernels for these ops read the per-tensor ("legacy") quantization parameters
``tensor->params``: the scale and zero point when the tensor has exactly one of each, else 0 and
0. Many compare them between input and output instead of rescaling; these helpers do the same
comparisons and say which tensor differs.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import Operand, OpContext


def legacy_params(operand: Operand) -> tuple[float, int]:
    """The per-tensor (scale, zero point) LiteRT kernels see: (0, 0) unless quantized per tensor."""
    quantization = operand.quantization
    if quantization is None or quantization.scale.size != 1:
        return 0.0, 0
    return float(np.float32(quantization.scale[0])), int(quantization.zero_point[0])


def describe(operand: Operand) -> str:
    """``tensor 3 'name'``, for messages."""
    return f"tensor {operand.index} '{operand.name}'"


def require_same_quantization(ctx: OpContext, first: Operand, second: Operand, first_role: str,
                              second_role: str) -> None:
    """Raise unless the two tensors' legacy scale and zero point are equal (the float32 scale exactly)."""
    if legacy_params(first) != legacy_params(second):
        first_scale, first_zero_point = legacy_params(first)
        second_scale, second_zero_point = legacy_params(second)
        raise ctx.unsupported(f"the {first_role} ({describe(first)}) has scale {first_scale} and zero point "
                              f"{first_zero_point}, the {second_role} ({describe(second)}) has scale {second_scale} "
                              f"and zero point {second_zero_point}; {ctx.op.name} copies values without "
                              f"rescaling, so LiteRT requires them equal")


def require_zero_point_zero(ctx: OpContext, operand: Operand, role: str) -> None:
    """Raise unless the tensor's legacy zero point is 0 (LiteRT's rule for int16 data)."""
    zero_point = legacy_params(operand)[1]
    if zero_point != 0:
        raise ctx.unsupported(f"the int16 {role} ({describe(operand)}) has zero point {zero_point}; LiteRT's "
                              f"{ctx.op.name} requires 0 for int16")


def scalar_value(ctx: OpContext, position: int, role: str) -> int:
    """The single integer of a constant int32/int64 input holding exactly one element (an axis, a count)."""
    value = ctx.constant(position, role)
    if value.size != 1:
        raise ctx.error(f"the {role} has {value.size} elements (shape {list(value.shape)}); it must hold exactly one")
    return int(value.reshape(-1)[0])


def resolve_axis(ctx: OpContext, axis: int, rank: int) -> int:
    """``axis`` (negative counts from the end) as an index in ``[0, rank)``; raises a ModelError outside."""
    resolved = axis + rank if axis < 0 else axis
    if not 0 <= resolved < rank:
        raise ctx.error(f"axis {axis} is out of range for a {rank}-D input (allowed: {-rank}..{rank - 1})")
    return resolved


def split_along(data: np.ndarray, axis: int, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """Consecutive pieces of ``data`` along ``axis`` with the given sizes, each a contiguous copy."""
    boundaries = np.cumsum(sizes)[:-1]
    return [np.ascontiguousarray(part) for part in np.split(data, boundaries, axis=axis)]


def check_indices(indices: np.ndarray, limit: int | np.ndarray, what: str) -> None:
    """Raise InvokeError unless every index lies in ``[0, limit)`` (``limit`` may broadcast per column)."""
    from tinyq.errors import InvokeError

    bad = (indices < 0) | (indices >= limit)
    if np.any(bad):
        position = tuple(int(p) for p in np.argwhere(bad)[0])
        value = int(indices[position])
        bound = int(np.broadcast_to(limit, indices.shape)[position])
        raise InvokeError(f"{what} {value} at position {list(position)} is out of range [0, {bound})")
