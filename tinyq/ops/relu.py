"""RELU (int8): ``max(x, 0)`` with a requantization from the input's to the output's scale.

LiteRT's reference (``activations.cc``: ``ReluPrepare``, ``QuantizedReluX`` and the quantized
``ReluX``) -- shared by RELU, RELU6, RELU_N1_TO_1 and RELU_0_TO_1, which differ only in the
float bounds ``[act_min, act_max]`` (here 0 and +infinity):

Prepare::

    real_multiplier = double(input_scale / output_scale)          # float32 division, then widened
    (output_multiplier, output_shift) = QuantizeMultiplier(real_multiplier)
    quantized_activation_min = max(-128, output_zero_point + int32(roundf(act_min / output_scale)))
    quantized_activation_max = 127 if act_max is +infinity
                               else min(127, output_zero_point + int32(roundf(act_max / output_scale)))

Eval, per element (``input_offset`` is the input zero point, subtracted)::

    clamped = output_offset + MultiplyByQuantizedMultiplier(x - input_offset, output_multiplier,
                                                            output_shift)
    output  = min(quantized_activation_max, max(quantized_activation_min, clamped))

The bounds are those of ``CalculateActivationRangeQuantized`` for the fused activation of the
same name (RELU_0_TO_1 takes RELU's lower and RELU_N1_TO_1's upper bound), so tinyq computes
them with :func:`tinyq.fixedpoint.activation_range`. The multiplier may exceed one (left
shifts); tinyq refuses real multipliers of ``2**31`` and more (a left shift of 32 bits or more,
undefined in the reference) and bounds whose quantization overflows int32 (an output scale
below about ``6 / 2**31``; the reference's float->int32 conversion is then undefined).

TFLite Micro (``CalculateReluOpData``) computes the same constants and arithmetic for RELU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import Operand, OpContext, Plan

# ActivationFunctionType codes whose CalculateActivationRangeQuantized bounds the RELU ops share.
ACTIVATION_RELU, ACTIVATION_RELU_N1_TO_1, ACTIVATION_RELU6 = 1, 2, 3


@dataclass(frozen=True)
class ReluParams:
    """Constants of the quantized ReluX, named as the reference's ``ReluParams``."""

    input_offset: int  # the input zero point (subtracted, unlike most ops' negated offsets)
    output_offset: int  # the output zero point
    output_multiplier: int
    output_shift: int  # > 0: left shift
    quantized_activation_min: int
    quantized_activation_max: int


def positive_scale(ctx: OpContext, operand: Operand, role: str) -> float:
    """The operand's per-tensor scale, refused unless finite and positive (ModelError)."""
    scale = operand.scale  # raises ModelError unless quantized per tensor
    if not (math.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale!r}; it must be "
                        f"positive and finite")
    return scale


def quantize_real_multiplier(ctx: OpContext, name: str, real_multiplier: float) -> tuple[int, int]:
    """``QuantizeMultiplier`` for a multiplier that MultiplyByQuantizedMultiplier will apply.

    Refuses (UnsupportedOpError) a shift above 31: the reference's ``1 << left_shift`` would be
    undefined.
    """
    multiplier, shift = fixedpoint.quantize_multiplier(real_multiplier)
    if shift > 31:
        raise ctx.unsupported(f"{name} {real_multiplier!r} needs a left shift of {shift} bits; the reference's "
                              f"MultiplyByQuantizedMultiplier is undefined beyond 31")
    return multiplier, shift


def prepare_relu_x(ctx: OpContext, lower_activation: int, upper_activation: int | None) -> Plan:
    """Prepare of a quantized RELU op: the rescaling multiplier and the clamp range.

    ``lower_activation``/``upper_activation`` name the fused activation (ActivationFunctionType
    code) whose CalculateActivationRangeQuantized lower/upper bound equals the op's own; ``None``
    for an unbounded top (127).
    """
    operand, output = ctx.input(0), ctx.output(0)
    input_scale = np.float32(positive_scale(ctx, operand, "input"))
    output_scale = np.float32(positive_scale(ctx, output, "output"))
    with np.errstate(over="ignore", under="ignore"):
        real_multiplier = float(input_scale / output_scale)  # float32 division, as the reference
    if not math.isfinite(real_multiplier):
        raise ctx.unsupported(f"input scale / output scale overflows float32 ({float(input_scale)!r} / "
                              f"{float(output_scale)!r})")
    output_multiplier, output_shift = quantize_real_multiplier(ctx, "input scale / output scale",
                                                               real_multiplier)
    output_zero_point = output.zero_point
    try:
        activation_min = fixedpoint.activation_range(lower_activation, float(output_scale), output_zero_point,
                                                     np.int8)[0]
        activation_max = (127 if upper_activation is None else
                          fixedpoint.activation_range(upper_activation, float(output_scale), output_zero_point,
                                                      np.int8)[1])
    except ValueError as exc:
        raise ctx.unsupported(f"the clamp bounds cannot be quantized: {exc} (undefined in the reference)") from None
    params = ReluParams(input_offset=operand.zero_point, output_offset=output_zero_point,
                        output_multiplier=output_multiplier, output_shift=output_shift,
                        quantized_activation_min=activation_min, quantized_activation_max=activation_max)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate_relu_x(params: ReluParams, values: np.ndarray) -> np.ndarray:
    """The quantized ReluX: requantize, then clamp to the activation range."""
    rescaled = fixedpoint.multiply_by_quantized_multiplier(values.astype(np.int64) - params.input_offset,
                                                           params.output_multiplier, params.output_shift)
    # int32 addition as in the reference (wraps only for multipliers near 2**31).
    unclamped = (params.output_offset + rescaled).astype(np.int32)
    return np.clip(unclamped, params.quantized_activation_min, params.quantized_activation_max).astype(np.int8)


def prepare(ctx: OpContext) -> Plan:
    """RELU: clamp range [quantized 0, 127]."""
    return prepare_relu_x(ctx, ACTIVATION_RELU, None)


def evaluate(params: ReluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize and clamp each element."""
    return [evaluate_relu_x(params, inputs[0])]
