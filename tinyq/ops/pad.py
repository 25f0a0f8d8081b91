"""PAD: surround the input with a constant, per-dimension amounts from a [rank, 2] tensor.

``paddings[d] = (before, after)``; ``output.shape[d] = before + input.shape[d] + after``. The
input values are copied unchanged (no requantization: LiteRT's kernel compares neither the
scales nor the zero points of input and output, and neither does tinyq).

The pad value (LiteRT ``pad.cc`` Eval, ``EvalInt``): for an int8 or int16 tensor that carries
quantization parameters it is the *output* zero point, which must lie in the dtype's range;
for an int8/int16 tensor without quantization, int32 and float32 it is 0. TFLM pads int16 with 0
even when it is quantized with a non-zero zero point (``numerics="tflm"`` does the same).

Checks as LiteRT Prepare/``GetPadParams``: at most 5 dimensions
(``PadKernelMaxDimensionCount``), paddings of shape ``[rank, 2]``, int64 entries within the
int32 range, every entry non-negative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

# PadKernelMaxDimensionCount() in LiteRT's reference/pad.h.
MAX_DIMENSIONS = 5
_INT32 = np.iinfo(np.int32)


@dataclass(frozen=True)
class PadParams:
    """Padding amounts per dimension and the value written into the border."""

    left_padding: tuple[int, ...]
    right_padding: tuple[int, ...]
    pad_value: int | float
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Read the paddings, pick the pad value, compute the output shape."""
    operand = ctx.input(0)
    output = ctx.output(0)
    rank = len(operand.shape)
    if rank > MAX_DIMENSIONS:
        raise ctx.unsupported(f"the input has {rank} dimensions; PAD takes at most {MAX_DIMENSIONS}")
    paddings_operand = ctx.input(1)
    if paddings_operand.shape != (rank, 2):
        raise ctx.error(f"paddings has shape {list(paddings_operand.shape)}; a {rank}-D input needs [{rank}, 2]")
    paddings = ctx.constant(1, "paddings").astype(np.int64)
    if paddings.size and (paddings.min() < _INT32.min or paddings.max() > _INT32.max):
        raise ctx.error(f"paddings {paddings.tolist()} exceed the int32 range")
    if paddings.size and paddings.min() < 0:
        raise ctx.error(f"paddings {paddings.tolist()} has a negative entry; padding amounts must be >= 0")
    left_padding = tuple(int(p) for p in paddings[:, 0])
    right_padding = tuple(int(p) for p in paddings[:, 1])

    pad_value: int | float = 0
    # numerics="tflm": TFLite Micro pads int16 with 0 whatever the zero point.
    tflm_int16 = ctx.numerics == "tflm" and operand.dtype == np.int16
    if operand.dtype in (np.int8, np.int16) and operand.quantization is not None and not tflm_int16:
        # EvalInt: quantized PAD fills with the output zero point.
        info = np.iinfo(output.dtype)
        # The reference reads the output's per-tensor ("legacy") zero point: 0 when the output
        # has no quantization or is quantized per channel.
        quantization = output.quantization
        zero_point = int(quantization.zero_point[0]) if quantization is not None and not quantization.per_channel \
            else 0
        if not info.min <= zero_point <= info.max:
            raise ctx.error(f"output zero point {zero_point} is outside the {output.dtype} range "
                            f"[{info.min}, {info.max}], so it cannot be the pad value")
        pad_value = zero_point
    output_shape = tuple(int(size) + left + right
                         for size, left, right in zip(operand.shape, left_padding, right_padding))
    params = PadParams(left_padding=left_padding, right_padding=right_padding, pad_value=pad_value,
                       output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def evaluate(params: PadParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """A tensor of the pad value with the input written into its interior."""
    data = inputs[0]
    output = np.full(params.output_shape, params.pad_value, dtype=data.dtype)
    interior = tuple(slice(left, left + size) for left, size in zip(params.left_padding, data.shape))
    output[interior] = data
    return [output]
