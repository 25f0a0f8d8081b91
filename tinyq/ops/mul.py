"""MUL (int8): elementwise product of two quantized tensors with broadcasting and a fused activation.

Arithmetic of LiteRT's reference kernel (``mul.cc`` Prepare, ``reference_integer_ops::MulElementwise``
/ ``BroadcastMul6DSlow``):

Prepare::

    real_multiplier = double(input1_scale * input2_scale / output_scale)   # all float32 operations
    (output_multiplier, output_shift) = QuantizeMultiplier(real_multiplier)  # may exceed 1: shift > 0

Eval, per output element::

    input1_val = input1 + input1_offset          # offset = -zero point
    input2_val = input2 + input2_offset
    unclamped  = MultiplyByQuantizedMultiplier(input1_val * input2_val, output_multiplier,
                                               output_shift) + output_offset
    output     = clamp(unclamped, output_activation_min, output_activation_max)

``MultiplyByQuantizedMultiplier`` shifts the int32 product left by ``output_shift`` when it is
positive, wrapping in int32 as the C++ ``x * (1 << shift)`` does; shifts above 31 are undefined
in the reference and tinyq refuses them (a real multiplier of 2**31 or more).

LiteRT vs TFLite Micro: LiteRT forms the real multiplier with float32 multiplication and
division and only then widens it to double; TFLM (``mul_common.cc``) multiplies and divides the
widened scales in double. The two multipliers differ in their low bits for almost every scale
triple; for about 1% of random triples that changes a few of the 65536 possible outputs by one
(``tests/ops/test_elementwise.py`` keeps such triples). tinyq follows LiteRT, and TFLM with
``numerics="tflm"``.

Broadcasting follows numpy's rule (``CalculateShapeForBroadcast``), up to 6-D.

``numerics="xnnpack"``: when XNNPACK's delegate takes the node (``input1_scale * input2_scale /
output_scale`` in float32 within [2**-16, 256)), the product is requantized in float32 and rounded
half to even (``qs8-vmul`` fp32 kernels), with the delegate's activation bounds
(``xnn_qs8_quantize``).

The int32 form is plain wrap-around multiplication followed by the activation clamp
(``_integer_binary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import Operand, OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops._convolution import XNNPACK_ACTIVATION_RANGES, xnnpack_quantize
from tinyq.ops._integer_binary import Int32Params, int32_output, prepare_int32

# MultiplyByQuantizedMultiplier computes x * (1 << shift): the shift must stay below 32.
MAX_LEFT_SHIFT = 31
XNNPACK_MIN_SCALE = np.float32(2.0**-16)
XNNPACK_MAX_SCALE = np.float32(256.0)


@dataclass(frozen=True)
class MulParams:
    """Constants of the int8 MUL, named as the reference's OpData / ArithmeticParams."""

    input1_offset: int  # -input1 zero point
    input2_offset: int  # -input2 zero point
    output_offset: int  # output zero point
    output_multiplier: int
    output_shift: int  # > 0 shifts left
    output_activation_min: int
    output_activation_max: int
    output_shape: tuple[int, ...]
    # numerics="xnnpack": XNNPACK's float32 product_output_scale (None: MultiplyByQuantizedMultiplier).
    xnnpack_scale: np.float32 | None = None


def _positive_scale(ctx: OpContext, operand: Operand, role: str) -> np.float32:
    scale = operand.scale  # raises ModelError unless quantized per tensor
    if not (math.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; it must be "
                        f"positive and finite")
    return np.float32(scale)


def prepare(ctx: OpContext) -> Plan:
    """int8: check quantization, compute the output multiplier and activation range; int32: the range."""
    if ctx.output(0).dtype == np.int32:
        return prepare_int32(ctx, fused_activation=True)
    input1, input2, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = broadcast_shape(input1.shape, input2.shape)
    input1_scale = _positive_scale(ctx, input1, "input1")
    input2_scale = _positive_scale(ctx, input2, "input2")
    output_scale = _positive_scale(ctx, output, "output")
    # float * float / float in float32, as mul.cc writes it; widened to double afterwards.
    # numerics="tflm": TFLite Micro's mul_common.cc widens each scale to double first.
    with np.errstate(over="ignore", under="ignore"):
        if ctx.numerics == "tflm":
            real_multiplier = float(input1_scale) * float(input2_scale) / float(output_scale)
        else:
            real_multiplier = float(input1_scale * input2_scale / output_scale)
    if not math.isfinite(real_multiplier):
        raise ctx.unsupported(f"input1 scale * input2 scale / output scale overflows float32 "
                              f"({float(input1_scale)!r} * {float(input2_scale)!r} / {float(output_scale)!r})")
    output_multiplier, output_shift = fixedpoint.quantize_multiplier(real_multiplier)
    if output_shift > MAX_LEFT_SHIFT:
        raise ctx.unsupported(f"input1 scale * input2 scale / output scale = {real_multiplier!r} needs a left shift "
                              f"of {output_shift}; MultiplyByQuantizedMultiplier shifts by at most {MAX_LEFT_SHIFT}")
    output_activation_min, output_activation_max = ctx.fused_activation_range(float(output_scale),
                                                                          output.zero_point)
    xnnpack_scale = None
    if ctx.numerics == "xnnpack":
        with np.errstate(over="ignore", under="ignore"):
            product_output_scale = np.float32(np.float32(input1_scale * input2_scale) / output_scale)
        # XNNPACK's delegate takes the node only for scales in [2**-16, 256) (else LiteRT's builtin kernel runs).
        if XNNPACK_MIN_SCALE <= product_output_scale < XNNPACK_MAX_SCALE:
            xnnpack_scale = product_output_scale
            activation = ctx.options.fused_activation_function
            low, high = XNNPACK_ACTIVATION_RANGES[activation]
            output_activation_min = xnnpack_quantize(low, float(output_scale), output.zero_point)
            output_activation_max = xnnpack_quantize(high, float(output_scale), output.zero_point)
    params = MulParams(input1_offset=-input1.zero_point, input2_offset=-input2.zero_point,
                       output_offset=output.zero_point, output_multiplier=output_multiplier,
                       output_shift=output_shift, output_activation_min=output_activation_min,
                       output_activation_max=output_activation_max, output_shape=output_shape,
                       xnnpack_scale=xnnpack_scale)
    return Plan(params=params, output_shapes=[output_shape])


def _unclamped_result(params: MulParams, product: np.ndarray) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier(product, output_multiplier, output_shift) + output_offset``
    (numerics="xnnpack": ``rint(clamp(float32(product) * scale, -128 - zp, 127 - zp)) + zp``, XNNPACK's
    ``qs8-vmul`` fp32 kernel)."""
    if params.xnnpack_scale is not None:
        scaled = product.astype(np.float32) * params.xnnpack_scale
        scaled = np.clip(scaled, np.float32(-128 - params.output_offset), np.float32(127 - params.output_offset))
        return np.rint(scaled).astype(np.int64) + params.output_offset
    return fixedpoint.multiply_by_quantized_multiplier(product, params.output_multiplier,
                                                       params.output_shift) + params.output_offset


def evaluate(params: MulParams | Int32Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Multiply the offset inputs (broadcasting), requantize, clamp."""
    if isinstance(params, Int32Params):
        return [int32_output(params, inputs[0].astype(np.int64) * inputs[1])]
    input1_val = inputs[0].astype(np.int64) + params.input1_offset
    input2_val = inputs[1].astype(np.int64) + params.input2_offset
    unclamped_result = _unclamped_result(params, input1_val * input2_val)
    clamped_output = np.clip(unclamped_result, params.output_activation_min, params.output_activation_max)
    return [clamped_output.astype(np.int8).reshape(params.output_shape)]


def internals(params: MulParams | Int32Params, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """int8: the multiplier and shift, the offset inputs (at their own shapes), their product, the
    requantized result and the clamped output (at the output's shape), as int32 (the clamped output
    int8). int32 MUL has no stages: an empty dict.
    """
    if isinstance(params, Int32Params):
        return {}
    input1_val = inputs[0].astype(np.int64) + params.input1_offset
    input2_val = inputs[1].astype(np.int64) + params.input2_offset
    product = np.broadcast_to(input1_val * input2_val, params.output_shape)
    unclamped_result = _unclamped_result(params, product)
    return {"output_multiplier": np.array(params.output_multiplier, dtype=np.int32),
            "output_shift": np.array(params.output_shift, dtype=np.int32),
            "input1_val": input1_val.astype(np.int32), "input2_val": input2_val.astype(np.int32),
            "product": product.astype(np.int32),
            "unclamped_result": unclamped_result.astype(np.int32),
            "clamped": np.clip(unclamped_result, params.output_activation_min,
                               params.output_activation_max).astype(np.int8)}
