"""Shared Prepare checks and Eval steps of the int8 convolutions and FULLY_CONNECTED.

CONV_2D and DEPTHWISE_CONV_2D follow LiteRT's ``PopulateConvolutionQuantizationParams``: one
multiplier per output channel, ``QuantizeMultiplier(double(input_scale) * double(filter_scale[c])
/ double(output_scale))`` (a per-tensor filter scale is broadcast to every channel), and finish
with ``MultiplyByQuantizedMultiplier(acc, output_multiplier[c], output_shift[c]) + output_offset``,
clamped to the fused activation range. The accumulator is an int32 in the reference; tinyq
computes the sum exactly and narrows it to int32 the same way. FULLY_CONNECTED shares the
operand checks and the choice of an exact matrix-product dtype. TRANSPOSE_CONV uses the
convolution's requantization as is; BATCH_MATMUL computes its single effective scale another way
and builds the same constants with ``requantization_constants``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.model import Quantization
from tinyq.ops import Operand, OpContext
from tinyq.ops._window import window_geometry

MAX_PADDING = 1 << 16

# Schema ActivationFunctionType codes with an integer clamp: NONE, RELU, RELU_N1_TO_1, RELU6.
# Integers up to 2**24 in magnitude are exact in float32.
FLOAT32_EXACT_INTEGERS = 2**24
# The largest left shift MultiplyByQuantizedMultiplier's x * (1 << shift) defines.
MAX_LEFT_SHIFT = 31


@dataclass(frozen=True)
class Requantization:
    """Per-output-channel requantization constants, named as in the reference's OpData."""

    output_multiplier: np.ndarray  # int64 [channels]
    output_shift: np.ndarray  # int64 [channels], QuantizeMultiplier's exponent; > 0 shifts left
    applied_shift: np.ndarray  # output_shift as the reference build applies it (mod 32 above 31)
    output_offset: int  # the output zero point
    output_activation_min: int
    output_activation_max: int
    # numerics="xnnpack": XNNPACK's float32 requantization_scale per channel (None: the reference's
    # MultiplyByQuantizedMultiplier); the activation range is then XNNPACK's too.
    requantization_scale: np.ndarray | None = None


@dataclass(frozen=True)
class Window:
    """Where the filter taps of one spatial dimension land on the (padded) input."""

    output_size: int
    stride: int
    dilation: int
    filter_size: int
    padding_before: int
    padding_after: int  # rows/columns after the input that some tap reads (zeros once centred)


def legacy_scale(operand: Operand) -> float:
    """The per-tensor scale the reference reads from ``tensor->params`` (0 unless exactly one scale)."""
    quantization = operand.quantization
    if quantization is None or quantization.scale.size != 1:
        return 0.0
    return float(quantization.scale[0])


def legacy_zero_point(operand: Operand) -> int:
    """The per-tensor zero point the reference reads from ``tensor->params`` (0 unless exactly one)."""
    quantization = operand.quantization
    if quantization is None or quantization.scale.size != 1 or quantization.zero_point.size != 1:
        return 0
    return int(quantization.zero_point[0])


def activation_quantization(ctx: OpContext, operand: Operand, role: str) -> tuple[float, int]:
    """(scale, zero point) of a per-tensor quantized input or output, checking the scale is positive."""
    quantization = operand.quantization
    if quantization is None or quantization.scale.size != 1:
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') must be quantized per tensor "
                        f"(one scale and zero point)")
    scale = float(quantization.scale[0])
    if not (np.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; it must be "
                        f"positive and finite")
    return scale, int(quantization.zero_point[0])


def filter_quantization(ctx: OpContext, filter_operand: Operand, channels: int, channel_axis: int,
                        role: str = "filter") -> Quantization:
    """Check the filter's scales: one, or one per output channel along ``channel_axis``.

    Mirrors the checks of the reference Prepare: ``scale->size == 1 || scale->size == channels``
    and, per channel, ``channels == filter->dims[quantized_dimension]``.
    """
    quantization = filter_operand.quantization
    if quantization is None or quantization.scale.size == 0:
        raise ctx.error(f"the {role} (tensor {filter_operand.index} '{filter_operand.name}') has no quantization "
                        f"parameters; int8 weights need a scale per tensor or per output channel")
    count = quantization.scale.size
    if count != 1:
        dimension = quantization.quantized_dimension
        if count != channels:
            raise ctx.error(f"the {role} has {count} scales but the output has {channels} channels; per-channel "
                            f"quantization needs one scale per output channel")
        if not 0 <= dimension < len(filter_operand.shape) or filter_operand.shape[dimension] != channels:
            raise ctx.error(f"the {role}'s quantized_dimension is {dimension} for shape "
                            f"{list(filter_operand.shape)}; its {count} scales must run along dimension "
                            f"{channel_axis} (the output channels)")
    if not (np.all(np.isfinite(quantization.scale)) and np.all(quantization.scale >= 0.0)):
        raise ctx.error(f"the {role} has scales {quantization.scale.tolist()}; they must be finite and >= 0")
    return quantization


def requantization(ctx: OpContext, input_scale: float, filter_scales: np.ndarray, channels: int,
                   xnnpack_takes_it: bool = True) -> Requantization:
    """Per-channel multipliers and shifts, output zero point and activation range (Prepare).

    With numerics="xnnpack", XNNPACK's constants when its delegate takes the operator
    (``xnnpack_takes_it``); otherwise LiteRT's builtin kernel runs it, with the reference's.
    """
    output_scale, output_zero_point = activation_quantization(ctx, ctx.output(0), "output")
    if ctx.numerics == "xnnpack" and xnnpack_takes_it:
        return xnnpack_requantization(ctx, input_scale, filter_scales, channels, output_scale, output_zero_point)
    scales = np.broadcast_to(filter_scales.astype(np.float32).astype(np.float64), (channels,))
    # PopulateConvolutionQuantizationParams: double(input_scale) * double(filter_scale) / double(output_scale).
    effective_scales = np.float64(input_scale) * scales / np.float64(output_scale)
    activation_min, activation_max = ctx.fused_activation_range(output_scale, output_zero_point)
    return requantization_constants(effective_scales, output_zero_point, activation_min, activation_max)


def requantization_constants(effective_scales: np.ndarray, output_zero_point: int, activation_min: int,
                             activation_max: int) -> Requantization:
    """``QuantizeMultiplier`` of each effective scale, with the output offset and clamp range.

    For ops that compute their effective scales another way than :func:`requantization` (e.g.
    BATCH_MATMUL's float32 scale product) but finish with :func:`finish`.
    """
    output_multiplier, output_shift = fixedpoint.quantize_multipliers(effective_scales)
    # MultiplyByQuantizedMultiplier computes x * (1 << left_shift); a shift of 32 or more (an output
    # scale ~2**-32 times input_scale * filter_scale, e.g. a dead RELU output calibrated to range
    # [0, 0]) is undefined in C++, and LiteRT's x86-64 build shifts by left_shift mod 32 (the `shl`
    # instruction masks its count). TFLite Micro's DEPTHWISE_CONV_2D gives other values there.
    applied_shift = np.where(output_shift > MAX_LEFT_SHIFT, output_shift & MAX_LEFT_SHIFT, output_shift)
    return Requantization(output_multiplier=np.atleast_1d(np.asarray(output_multiplier, dtype=np.int64)),
                          output_shift=np.atleast_1d(np.asarray(output_shift, dtype=np.int64)),
                          applied_shift=np.atleast_1d(np.asarray(applied_shift, dtype=np.int64)),
                          output_offset=int(output_zero_point), output_activation_min=int(activation_min),
                          output_activation_max=int(activation_max))


# The float activation range XNNPACK's delegate gives each fused activation (ConvertActivationToOutputRange).
XNNPACK_ACTIVATION_RANGES = {0: (-np.inf, np.inf), 1: (0.0, np.inf), 2: (-1.0, 1.0), 3: (0.0, 6.0)}
# XNNPACK refuses a requantization scale of 256 or more (the LiteRT default path then fails to prepare).
XNNPACK_MAX_REQUANTIZATION_SCALE = 256.0


def xnnpack_quantize(value: float, scale: float, zero_point: int) -> int:
    """XNNPACK's ``xnn_qs8_quantize``: ``lrintf(clamp(value / scale + zero_point, -128, 127))``, all float32."""
    scaled = np.float32(value) / np.float32(scale) + np.float32(zero_point)
    return int(np.rint(np.clip(scaled, np.float32(-128), np.float32(127))))


def xnnpack_requantization(ctx: OpContext, input_scale: float, filter_scales: np.ndarray, channels: int,
                           output_scale: float, output_zero_point: int) -> Requantization:
    """XNNPACK's qs8/qc8w convolution constants (numerics="xnnpack").

    ``requantization_scale[c] = input_scale * kernel_scale[c] / output_scale`` in float32 (XNNPACK's
    convolution-nhwc.c); the clamp bounds are the delegate's float activation range quantized by
    ``xnn_qs8_quantize`` (round half to even, not the reference's ``CalculateActivationRangeQuantized``).
    """
    with np.errstate(over="ignore"):
        scales = (np.float32(input_scale) * np.broadcast_to(filter_scales.astype(np.float32), (channels,))
                  / np.float32(output_scale)).astype(np.float32)
    if np.any(scales >= XNNPACK_MAX_REQUANTIZATION_SCALE):
        raise ctx.unsupported(f"requantization scale {float(scales.max()):.7g} is 256 or more; XNNPACK refuses "
                              f"it, so LiteRT's default path cannot run this operator")
    activation = ctx.options.fused_activation_function
    if activation not in XNNPACK_ACTIVATION_RANGES:
        raise ctx.unsupported(f"fused activation {activation}; XNNPACK takes NONE, RELU, RELU_N1_TO_1 and RELU6")
    low, high = XNNPACK_ACTIVATION_RANGES[activation]
    constants = requantization_constants(np.zeros(channels), output_zero_point,
                                         xnnpack_quantize(low, output_scale, output_zero_point),
                                         xnnpack_quantize(high, output_scale, output_zero_point))
    return dataclasses.replace(constants, requantization_scale=scales)


def bias_values(ctx: OpContext, position: int, channels: int) -> np.ndarray | None:
    """The int32 bias as int64 [channels], or None when the optional input is omitted."""
    bias = ctx.input(position)
    if bias is None:
        return None
    values = ctx.constant(position, "bias")
    if values.size != channels:
        raise ctx.error(f"the bias has {values.size} elements for {channels} output channels")
    if legacy_zero_point(bias) != 0:
        raise ctx.error(f"the bias has zero point {legacy_zero_point(bias)}; int32 bias requires 0")
    return values.reshape(channels).astype(np.int64)


def window(ctx: OpContext, axis_name: str, padding: int, in_size: int, filter_size: int, stride: int,
           dilation: int) -> Window:
    """Output size and padding of one spatial dimension (ComputePaddingHeightWidth)."""
    if in_size < 1:
        raise ctx.error(f"the input {axis_name} is {in_size}; it must be at least 1")
    try:
        output_size, before = window_geometry(padding, in_size, filter_size, stride, dilation)
    except ValueError as exc:
        raise ctx.error(f"{axis_name}: {exc}") from None
    effective = (filter_size - 1) * dilation + 1
    after = max(0, (output_size - 1) * stride + effective - before - in_size)
    if before + after > MAX_PADDING:
        # The reference skips out-of-image taps one by one; tinyq pads the input once, so a forged
        # dilation or filter size must not turn into a huge allocation.
        raise ctx.unsupported(f"{axis_name}: filter {filter_size} with dilation {dilation} needs {before + after} "
                              f"rows of padding, over tinyq's limit of {MAX_PADDING}")
    return Window(output_size=output_size, stride=stride, dilation=dilation, filter_size=filter_size,
                  padding_before=before, padding_after=after)


def centered_padded_input(data: np.ndarray, input_zero_point: int, rows: Window, columns: Window,
                          dtype: type) -> np.ndarray:
    """``data - input_zero_point`` in ``dtype``, with zeros around it where taps fall outside.

    The reference skips out-of-image taps; a zero after subtracting the zero point adds nothing,
    which is the same sum.
    """
    batches, height, width, channels = data.shape
    padded = np.zeros((batches, rows.padding_before + height + rows.padding_after,
                       columns.padding_before + width + columns.padding_after, channels), dtype=dtype)
    interior = padded[:, rows.padding_before:rows.padding_before + height,
                      columns.padding_before:columns.padding_before + width, :]
    np.subtract(data, dtype(input_zero_point), out=interior, dtype=dtype)
    return padded


def tap_slice(window_: Window, tap: int) -> slice:
    """The padded-input rows (or columns) filter tap ``tap`` reads for every output position."""
    start = tap * window_.dilation
    return slice(start, start + (window_.output_size - 1) * window_.stride + 1, window_.stride)


def _after_bias(accumulator: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """The exact sums plus the bias, as int64 (narrowed to int32 by the requantization that follows)."""
    acc = accumulator.astype(np.int64)
    if bias is not None:
        acc += bias
    return acc


def _requantized(after_bias: np.ndarray, params: Requantization) -> np.ndarray:
    """MultiplyByQuantizedMultiplier per channel (last axis) plus the output offset, as int32 (no clamp).

    numerics="xnnpack": ``float32(acc) * requantization_scale`` in float32, capped at the output
    maximum less the zero point (XNNPACK's fp32 kernels cap before converting), rounded half to
    even, plus the zero point.
    """
    if params.requantization_scale is not None:
        scaled_float = _wrapped_int32(after_bias).astype(np.float32) * params.requantization_scale
        np.minimum(scaled_float, np.float32(params.output_activation_max - params.output_offset), out=scaled_float)
        np.maximum(scaled_float, np.float32(params.output_activation_min - params.output_offset), out=scaled_float)
        return (np.rint(scaled_float).astype(np.int64) + params.output_offset).astype(np.int32)
    scaled = fixedpoint.multiply_by_quantized_multiplier(after_bias, params.output_multiplier, params.applied_shift)
    scaled += params.output_offset
    # acc += output_offset is an int32 addition in the reference.
    return scaled.astype(np.int32)


def _wrapped_int32(values: np.ndarray) -> np.ndarray:
    """int64 values narrowed to int32 with wrap-around, as the C++ int32 accumulator does."""
    return values.astype(np.int64).astype(np.int32)


def finish(accumulator: np.ndarray, bias: np.ndarray | None, params: Requantization) -> np.ndarray:
    """Bias, MultiplyByQuantizedMultiplier per channel (last axis), output offset, clamp -> int8.

    ``accumulator`` holds exact integer sums (an integer or integral float array). The reference
    keeps the sum and the bias addition in an int32 that wraps; multiply_by_quantized_multiplier
    narrows its argument to int32 the same way.
    """
    output = _requantized(_after_bias(accumulator, bias), params)
    np.clip(output, params.output_activation_min, params.output_activation_max, out=output)
    return output.astype(np.int8)


def finish_stages(accumulator: np.ndarray, bias: np.ndarray | None, params: Requantization) -> dict[str, np.ndarray]:
    """What :func:`finish` computes, stage by stage, for ``internals`` (see :mod:`tinyq.ops`).

    Per-channel constants first (``output_multiplier``, ``output_shift`` and, where the reference
    build applies another shift, ``applied_shift``), then the int32 ``accumulator``, the int32
    ``after_bias``, the int32 ``requantized`` value (output offset added, not yet clamped) and the
    ``clamped`` int8 result, which is the op's output.
    """
    after_bias = _after_bias(accumulator, bias)
    requantized = _requantized(after_bias, params)
    if params.requantization_scale is not None:
        stages = {"requantization_scale": params.requantization_scale}
    else:
        stages = {"output_multiplier": params.output_multiplier.astype(np.int32),
                  "output_shift": params.output_shift.astype(np.int32)}
    if params.requantization_scale is None and np.any(params.applied_shift != params.output_shift):
        stages["applied_shift"] = params.applied_shift.astype(np.int32)
    stages.update(accumulator=accumulator.astype(np.int64).astype(np.int32),  # the int32 accumulator wraps
                  after_bias=after_bias.astype(np.int32),
                  requantized=requantized,
                  clamped=np.clip(requantized, params.output_activation_min,
                                  params.output_activation_max).astype(np.int8))
    return stages


def reshape_stages(stages: dict[str, np.ndarray], output_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """The per-element stages of :func:`finish_stages` in the output's shape (constants unchanged)."""
    per_element = ("accumulator", "after_bias", "requantized", "clamped")
    return {name: value.reshape(output_shape) if name in per_element else value for name, value in stages.items()}


def exact_matmul_dtype(weight_magnitude_sums: np.ndarray, input_zero_point: int) -> type:
    """float32 when float32 matrix products of the centred input are exact, else float64.

    Every partial sum of ``sum_k w[k] * (x[k] - input_zero_point)`` is an integer bounded by
    ``sum_k |w[k]| * max|x - input_zero_point|``; when that bound is at most 2**24 every such
    integer is a float32, so no product or addition (fused or not, in any order) rounds. Otherwise
    float64 is exact up to 2**53, far beyond any real layer.
    """
    largest_input = max(abs(-128 - input_zero_point), abs(127 - input_zero_point))
    bound = float(np.max(weight_magnitude_sums, initial=0.0)) * largest_input
    return np.float32 if bound <= FLOAT32_EXACT_INTEGERS else np.float64
