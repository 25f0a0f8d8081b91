"""MIRROR_PAD: pad each axis with a mirror image of the input (REFLECT or SYMMETRIC).

As LiteRT ``mirror_pad.cc``: paddings is an int32 or int64 ``[rank, 2]`` tensor of non-negative
amounts, each at most ``size - offset`` where the offset is 1 for REFLECT (the edge element is
not repeated) and 0 for SYMMETRIC (it is). Quantized int8/uint8/int16 tensors keep the input's
scale and zero point, which must equal the output's (int16: zero point 0); values are copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tflite

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import require_same_quantization, require_zero_point_zero

_MODES = {tflite.MirrorPadMode.REFLECT: ("reflect", 1), tflite.MirrorPadMode.SYMMETRIC: ("symmetric", 0)}


@dataclass(frozen=True)
class MirrorPadParams:
    """numpy's pad mode and the (before, after) amounts per axis."""

    mode: str
    pad_width: tuple[tuple[int, int], ...]


def prepare(ctx: OpContext) -> Plan:
    """Check mode, paddings and quantization; compute the output shape."""
    operand, output = ctx.input(0), ctx.output(0)
    if ctx.options.mode not in _MODES:
        raise ctx.error(f"mode {ctx.options.mode} is neither REFLECT (0) nor SYMMETRIC (1)")
    mode, offset = _MODES[ctx.options.mode]
    shape = operand.shape
    paddings = ctx.constant(1, "paddings").astype(np.int64)
    if paddings.shape != (len(shape), 2):
        raise ctx.error(f"paddings has shape {list(paddings.shape)}; a {len(shape)}-D input needs [{len(shape)}, 2]")
    for axis, (size, (before, after)) in enumerate(zip(shape, paddings.tolist())):
        if min(before, after) < 0 or max(before, after) > size - offset:
            raise ctx.error(f"paddings ({before}, {after}) on axis {axis} must lie in [0, {size - offset}] (input size "
                            f"{size} minus the {mode.upper()} offset {offset})")
    if operand.dtype in (np.int8, np.uint8, np.int16):
        require_same_quantization(ctx, operand, output, "input", "output")
    if operand.dtype == np.int16:
        require_zero_point_zero(ctx, operand, "input")
    pad_width = tuple((int(b), int(a)) for b, a in paddings.tolist())
    output_shape = tuple(size + b + a for size, (b, a) in zip(shape, pad_width))
    return Plan(params=MirrorPadParams(mode=mode, pad_width=pad_width), output_shapes=[output_shape])


def evaluate(params: MirrorPadParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """numpy's reflect / symmetric padding (the same index rule as GetInputDimension)."""
    return [np.pad(inputs[0], params.pad_width, mode=params.mode)]
