"""ADD (int8): elementwise sum of two quantized tensors with broadcasting and a fused activation.

Arithmetic of LiteRT's reference kernel (``add.cc`` Prepare, ``reference_integer_ops::AddFunc``),
the "general 8-bit" path with ``left_shift = 20``:

Prepare (scales are the float32 values of the file)::

    twice_max_input_scale  = double(2 * max(input1_scale, input2_scale))      # float32 product
    real_input1_multiplier = double(input1_scale) / twice_max_input_scale
    real_input2_multiplier = double(input2_scale) / twice_max_input_scale
    real_output_multiplier = twice_max_input_scale / double((1 << left_shift) * output_scale)  # float32 product
    (inputN_multiplier, inputN_shift), (output_multiplier, output_shift)
        = QuantizeMultiplierSmallerThanOneExp(each real multiplier)

Eval, per output element::

    shifted_inputN_val = (inputN + inputN_offset) * (1 << left_shift)          # offset = -zero point
    scaled_inputN_val  = MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted_inputN_val,
                                                                        inputN_multiplier, inputN_shift)
    raw_sum    = scaled_input1_val + scaled_input2_val
    raw_output = MultiplyByQuantizedMultiplierSmallerThanOneExp(raw_sum, output_multiplier,
                                                                output_shift) + output_offset
    output     = clamp(raw_output, output_activation_min, output_activation_max)

Broadcasting follows numpy's rule (``CalculateShapeForBroadcast``), up to 6-D. The rescaling of
each input is elementwise, so tinyq rescales each input once, at its own shape, and broadcasts
the sum.

``QuantizeMultiplierSmallerThanOneExp`` requires every real multiplier in (0, 1): the output
scale must exceed ``2 * max(input scales) / 2**20``. LiteRT aborts the process (``TFLITE_CHECK``)
on a model that breaks this; tinyq raises a ModelError. ``AddOptions.pot_scale_int16`` only
selects between the two int16 paths and is ignored for int8.

TFLite Micro (``add_common.cc``) computes the same multipliers in double precision; since the
float32 products above are by powers of two they are exact, so both give identical constants.

The int32 form is plain wrap-around addition followed by the activation clamp (``_integer_binary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import Operand, OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops._convolution import XNNPACK_ACTIVATION_RANGES, xnnpack_quantize
from tinyq.ops._integer_binary import Int32Params, int32_output, prepare_int32

# ArithmeticParams.left_shift of the int8 path (int16 with general scales uses 15).
LEFT_SHIFT = 20


@dataclass(frozen=True)
class AddParams:
    """Constants of the int8 ADD, named as the reference's OpData / ArithmeticParams."""

    left_shift: int
    input1_offset: int  # -input1 zero point
    input1_multiplier: int
    input1_shift: int  # <= 0
    input2_offset: int
    input2_multiplier: int
    input2_shift: int
    output_offset: int  # output zero point
    output_multiplier: int
    output_shift: int
    output_activation_min: int
    output_activation_max: int
    output_shape: tuple[int, ...]


def _positive_scale(ctx: OpContext, operand: Operand, role: str) -> float:
    scale = operand.scale  # raises ModelError unless quantized per tensor
    if not (math.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; it must be "
                        f"positive and finite")
    return scale


def _smaller_than_one(ctx: OpContext, name: str, real_multiplier: float, why: str) -> tuple[int, int]:
    try:
        return fixedpoint.quantize_multiplier_smaller_than_one_exp(real_multiplier)
    except ValueError:
        raise ctx.error(f"{name} {real_multiplier!r} is not in (0, 1) as QuantizeMultiplierSmallerThanOneExp "
                        f"requires; {why}") from None


@dataclass(frozen=True)
class XnnpackAddParams:
    """XNNPACK's ``qs8-vadd`` constants (numerics="xnnpack"), named as its ``qs8_add`` params."""

    bias: int
    a_multiplier: int
    b_multiplier: int
    shift: int
    output_zero_point: int
    output_min: int
    output_max: int
    output_shape: tuple[int, ...]


def xnnpack_add_params(ctx: OpContext, scales: tuple[np.float32, np.float32, np.float32],
                       zero_points: tuple[int, int, int], b_sign: int,
                       output_shape: tuple[int, ...]) -> XnnpackAddParams | None:
    """``xnn_init_qs8_add_minmax_scalar_params`` (``b_sign`` -1 for SUB), or None when XNNPACK's
    delegate leaves the node to LiteRT's builtin kernel (an input/output scale ratio outside
    [1/1024, 256))."""
    a_scale, b_scale, output_scale = scales
    with np.errstate(over="ignore", under="ignore"):
        a_output_scale = np.float32(a_scale / output_scale)
        b_output_scale = np.float32(b_scale / output_scale)
    for ratio in (a_output_scale, b_output_scale):
        if not np.float32(1 / 1024) <= ratio < np.float32(256):
            return None
    # shift = 20 - exponent of the larger ratio; multipliers = round(ratio * 2**shift), ties to even.
    shift = 20 - (int(np.frexp(max(a_output_scale, b_output_scale))[1]) - 1)
    a_multiplier = int(np.rint(np.float32(a_output_scale * np.float32(2.0 ** shift))))
    b_multiplier = b_sign * int(np.rint(np.float32(b_output_scale * np.float32(2.0 ** shift))))
    a_zero_point, b_zero_point, output_zero_point = zero_points
    bias = (1 << (shift - 1)) - a_multiplier * a_zero_point - b_multiplier * b_zero_point
    low, high = XNNPACK_ACTIVATION_RANGES[ctx.options.fused_activation_function]
    return XnnpackAddParams(bias=bias, a_multiplier=a_multiplier, b_multiplier=b_multiplier, shift=shift,
                            output_zero_point=output_zero_point,
                            output_min=xnnpack_quantize(low, float(output_scale), output_zero_point),
                            output_max=xnnpack_quantize(high, float(output_scale), output_zero_point),
                            output_shape=output_shape)


def evaluate_xnnpack(params: XnnpackAddParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """``(bias + a * a_multiplier + b * b_multiplier) >> shift`` (arithmetic) + zero point, clamped."""
    accumulator = (params.bias + inputs[0].astype(np.int64) * params.a_multiplier
                   + inputs[1].astype(np.int64) * params.b_multiplier)
    output = (accumulator.astype(np.int32).astype(np.int64) >> params.shift) + params.output_zero_point
    return [np.clip(output, params.output_min, params.output_max).astype(np.int8).reshape(params.output_shape)]


def prepare(ctx: OpContext) -> Plan:
    """int8: check quantization, compute the input/output multipliers and activation range; int32: the range."""
    if ctx.output(0).dtype == np.int32:
        return prepare_int32(ctx, fused_activation=True)
    input1, input2, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = broadcast_shape(input1.shape, input2.shape)
    input1_scale = np.float32(_positive_scale(ctx, input1, "input1"))
    input2_scale = np.float32(_positive_scale(ctx, input2, "input2"))
    output_scale = np.float32(_positive_scale(ctx, output, "output"))
    if ctx.numerics == "xnnpack" and ctx.options.fused_activation_function in XNNPACK_ACTIVATION_RANGES:
        xnnpack = xnnpack_add_params(ctx, (input1_scale, input2_scale, output_scale),
                                     (input1.zero_point, input2.zero_point, output.zero_point), 1, output_shape)
        if xnnpack is not None:
            return Plan(params=xnnpack, output_shapes=[output_shape])

    # The reference multiplies in float32 (int * float), then widens to double for the divisions.
    with np.errstate(over="ignore"):
        twice_max_input_scale = float(np.float32(2) * max(input1_scale, input2_scale))
        shifted_output_scale = float(np.float32(1 << LEFT_SHIFT) * output_scale)
    real_input1_multiplier = float(input1_scale) / twice_max_input_scale
    real_input2_multiplier = float(input2_scale) / twice_max_input_scale
    real_output_multiplier = twice_max_input_scale / shifted_output_scale
    input1_multiplier, input1_shift = _smaller_than_one(ctx, "input1 multiplier", real_input1_multiplier,
                                                        "the input scales are out of range")
    input2_multiplier, input2_shift = _smaller_than_one(ctx, "input2 multiplier", real_input2_multiplier,
                                                        "the input scales are out of range")
    output_multiplier, output_shift = _smaller_than_one(
        ctx, "output multiplier 2 * max(input scales) / (2**20 * output scale)", real_output_multiplier,
        f"the output scale {float(output_scale)!r} must exceed 2 * max(input scales) / 2**20 = "
        f"{twice_max_input_scale / (1 << LEFT_SHIFT)!r} (LiteRT aborts on this model)")
    output_activation_min, output_activation_max = ctx.fused_activation_range(float(output_scale),
                                                                          output.zero_point)
    params = AddParams(left_shift=LEFT_SHIFT,
                       input1_offset=-input1.zero_point, input1_multiplier=input1_multiplier,
                       input1_shift=input1_shift,
                       input2_offset=-input2.zero_point, input2_multiplier=input2_multiplier,
                       input2_shift=input2_shift,
                       output_offset=output.zero_point, output_multiplier=output_multiplier,
                       output_shift=output_shift,
                       output_activation_min=output_activation_min, output_activation_max=output_activation_max,
                       output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def shifted_input(values: np.ndarray, offset: int, left_shift: int) -> np.ndarray:
    """``(x + offset) * (1 << left_shift)`` (the reference's shifted_inputN_val)."""
    return (values.astype(np.int64) + offset) << left_shift


def scaled_input(values: np.ndarray, offset: int, left_shift: int, multiplier: int, shift: int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset) * (1 << left_shift), M, shift)``."""
    return fixedpoint.multiply_by_quantized_multiplier_smaller_than_one(shifted_input(values, offset, left_shift),
                                                                        multiplier, shift)


def _raw_output(params: AddParams, raw_sum: np.ndarray) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierSmallerThanOneExp(raw_sum, output_multiplier, output_shift) + output_offset``."""
    return fixedpoint.multiply_by_quantized_multiplier_smaller_than_one(
        raw_sum, params.output_multiplier, params.output_shift) + params.output_offset


def evaluate(params: AddParams | Int32Params | XnnpackAddParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Rescale both inputs to the common scale, add (broadcasting), requantize, clamp."""
    if isinstance(params, XnnpackAddParams):
        return evaluate_xnnpack(params, inputs)
    if isinstance(params, Int32Params):
        return [int32_output(params, inputs[0].astype(np.int64) + inputs[1])]
    scaled_input1_val = scaled_input(inputs[0], params.input1_offset, params.left_shift,
                                      params.input1_multiplier, params.input1_shift)
    scaled_input2_val = scaled_input(inputs[1], params.input2_offset, params.left_shift,
                                      params.input2_multiplier, params.input2_shift)
    raw_output = _raw_output(params, scaled_input1_val + scaled_input2_val)
    clamped_output = np.clip(raw_output, params.output_activation_min, params.output_activation_max)
    return [clamped_output.astype(np.int8).reshape(params.output_shape)]


def rescaled_input_stages(params: Any, inputs: list[np.ndarray | None]) -> tuple[dict[str, np.ndarray],
                                                                                   list[np.ndarray]]:
    """The first ``internals`` stages of int8 ADD and SUB (``params`` of either): the multipliers and
    shifts, then each input shifted (``shifted_inputN_val``) and rescaled (``scaled_inputN_val``), as
    int32; also the rescaled inputs as int64 for the stages that follow."""
    stages = {name: np.array(getattr(params, name), dtype=np.int32)
              for name in ("input1_multiplier", "input1_shift", "input2_multiplier", "input2_shift",
                           "output_multiplier", "output_shift")}
    scaled = []
    for number, (offset, multiplier, shift) in enumerate(
            ((params.input1_offset, params.input1_multiplier, params.input1_shift),
             (params.input2_offset, params.input2_multiplier, params.input2_shift)), start=1):
        stages[f"shifted_input{number}_val"] = shifted_input(inputs[number - 1], offset,
                                                              params.left_shift).astype(np.int32)
        scaled.append(scaled_input(inputs[number - 1], offset, params.left_shift, multiplier, shift))
        stages[f"scaled_input{number}_val"] = scaled[-1].astype(np.int32)
    return stages, scaled


def internals(params: AddParams | Int32Params | XnnpackAddParams,
              inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """int8: the multipliers and shifts, then each input shifted and rescaled (at its own shape), the
    raw sum, the requantized raw output and the clamped output (at the output's shape), as int32
    (the clamped output int8). numerics="xnnpack": XNNPACK's constants, the accumulator and the
    output. int32 ADD has no stages: an empty dict.
    """
    if isinstance(params, Int32Params):
        return {}
    if isinstance(params, XnnpackAddParams):
        accumulator = (params.bias + inputs[0].astype(np.int64) * params.a_multiplier
                       + inputs[1].astype(np.int64) * params.b_multiplier)
        constants = {name: np.array(getattr(params, name), dtype=np.int32)
                     for name in ("bias", "a_multiplier", "b_multiplier", "shift")}
        return {**constants, "accumulator": np.broadcast_to(accumulator, params.output_shape).astype(np.int32),
                "clamped": evaluate_xnnpack(params, inputs)[0]}
    stages, scaled = rescaled_input_stages(params, inputs)
    raw_sum = scaled[0] + scaled[1]
    raw_output = _raw_output(params, raw_sum)
    stages["raw_sum"] = np.broadcast_to(raw_sum, params.output_shape).astype(np.int32)
    stages["raw_output"] = np.broadcast_to(raw_output, params.output_shape).astype(np.int32)
    stages["clamped"] = np.clip(stages["raw_output"], params.output_activation_min,
                                params.output_activation_max).astype(np.int8)
    return stages
