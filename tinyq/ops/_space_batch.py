"""Shared checks of the block-rearranging ops (SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND).

Both take 3-D ``[batch, height, channels]`` or 4-D ``[batch, height, width, channels]`` inputs,
a constant int32 ``block_shape`` with one positive entry per spatial axis and a constant int32
``[spatial axes, 2]`` amounts tensor (paddings or crops). Quantized int8/uint8/int16 tensors
keep the input's scale and zero point, which must equal the output's (int16: zero point 0).
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext
from tinyq.ops._movement import require_same_quantization, require_zero_point_zero


def block_geometry(ctx: OpContext, amounts_role: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The block shape and the (before, after) amounts per spatial axis, checked."""
    operand, output = ctx.input(0), ctx.output(0)
    rank = len(operand.shape)
    if rank not in (3, 4):
        raise ctx.error(f"the input has {rank} dimensions; {ctx.op.name} takes 3-D or 4-D inputs")
    spatial = rank - 2
    block = ctx.constant(1, "block_shape")
    amounts = ctx.constant(2, amounts_role)
    if block.shape != (spatial,) or amounts.shape != (spatial, 2):
        raise ctx.error(f"block_shape {list(block.shape)} and {amounts_role} {list(amounts.shape)} must be "
                        f"[{spatial}] and [{spatial}, 2] for a {rank}-D input")
    if np.any(block < 1) or np.any(amounts < 0):
        raise ctx.error(f"block_shape {block.tolist()} must be positive and {amounts_role} {amounts.tolist()} "
                        f"non-negative")
    if operand.dtype in (np.int8, np.uint8, np.int16):
        require_same_quantization(ctx, operand, output, "input", "output")
    if operand.dtype == np.int16:
        require_zero_point_zero(ctx, operand, "input")
    return tuple(int(b) for b in block), tuple((int(a), int(b)) for a, b in amounts.tolist())


def as_4d(data: np.ndarray) -> np.ndarray:
    """A 3-D ``[batch, height, channels]`` array as ``[batch, height, 1, channels]``."""
    return data[:, :, None, :] if data.ndim == 3 else data
