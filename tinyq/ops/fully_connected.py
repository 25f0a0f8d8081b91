"""FULLY_CONNECTED, int8: ``output[b, u] = requantize(sum_i weights[u, i] * input[b, i] + bias[u])``.

The input, of any rank, is read as ``[batches, accum_depth]`` with ``accum_depth =
weights.shape[1]``; the output is ``[batches, units]``, or the input's shape with the last
dimension replaced by ``units`` when ``keep_num_dims`` is set.

Accumulator (LiteRT ``reference_integer_ops::FullyConnected`` / ``FullyConnectedPerChannel``),
an int32 that wraps::

    per-tensor weights:  acc = sum_i (weights[u, i] + weights_offset) * (input[b, i] + input_offset) + bias[u]
    per-channel weights: acc = sum_i  weights[u, i]                  * (input[b, i] + input_offset) + bias[u]

with ``input_offset = -input_zero_point`` and ``weights_offset = -weights_zero_point``: the
per-tensor path applies a non-zero weight zero point, the per-channel path ignores its zero
points ("weights are symmetric").

Requantization: LiteRT's reference kernel (ai-edge-litert 2.3.0, ``BUILTIN_REF``; TensorFlow Lite
>= 2.20) does it in double precision, not with MultiplyByQuantizedMultiplier::

    effective_output_scale[u] = double(input_scale) * double(weights_scale[u]) / double(output_scale)
    out = int32(round(double(acc) * effective_output_scale[u]))      (C round: half away from zero)
    out = clamp(out + output_offset, output_activation_min, output_activation_max)

The float-to-int32 conversion of a value outside the int32 range gives INT32_MIN on x86-64
(``cvttsd2si``), and the following ``+ output_offset`` wraps; tinyq reproduces both (only
reachable with absurd scales).

tinyq computes the sums with one BLAS matrix product, exact: float32 when ``max_u sum_i
|weights[u, i] + weights_offset| * max|input + input_offset|`` is at most 2**24 (every partial
sum is then a float32 integer), float64 otherwise.

TFLite Micro (and LiteRT's optimized kernels) instead compute
``MultiplyByQuantizedMultiplier(acc, QuantizeMultiplier(real_multiplier))``, whose rounding
differs on ties and near-ties: with a scale of 0.5 and ``acc = -3`` LiteRT's reference gives -2
and TFLite Micro -1. tinyq follows LiteRT's reference; ``numerics="tflm"`` follows TFLite Micro,
whose per-tensor ``real_multiplier`` is ``double(float(input_scale * weights_scale)) /
double(output_scale)`` (a float32 product) and per-channel one ``double(input_scale) *
double(weights_scale[u]) / double(output_scale)``. ``numerics="xnnpack"`` requantizes as XNNPACK
does for convolutions (float32 ``requantization_scale``, round half to even; see
:mod:`tinyq.ops._convolution`).

Prepare checks, as LiteRT's ``fully_connected.cc``: 2-D weights, the input size a multiple of
``accum_depth`` (and its last dimension equal to it with ``keep_num_dims``), fused activation
NONE, RELU, RELU_N1_TO_1 or RELU6, per-channel scales along ``quantized_dimension`` 0 with one per
unit, a bias of one value per unit with zero point 0, and for per-tensor weights with a bias
``|input_scale * weights_scale - bias_scale| / output_scale <= 0.02``
(``GetQuantizedConvolutionMultipler``). Only the default weights format is supported. An input
whose size is not a multiple of ``accum_depth`` is refused; LiteRT instead takes
``batches = size // accum_depth`` and silently ignores the trailing elements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import FUSED_ACTIVATIONS, OpContext, Plan
from tinyq.ops._convolution import (Requantization, activation_quantization, bias_values, exact_matmul_dtype,
                                    filter_quantization, finish, finish_stages, legacy_scale, reshape_stages,
                                    xnnpack_requantization)

# LiteRT's bound on (bias scale - input scale * weights scale) / output scale, per-tensor weights.
_BIAS_SCALE_TOLERANCE = 0.02
_INT32_MIN = np.iinfo(np.int32).min
_INT32_MAX = np.iinfo(np.int32).max


@dataclass(frozen=True)
class FullyConnectedParams:
    """Constants of one FULLY_CONNECTED, computed at load."""

    input_zero_point: int
    accum_depth: int
    weights_matrix: np.ndarray  # float32/64 [accum_depth, units], weight zero point already subtracted
    bias: np.ndarray | None  # int64 [units]
    effective_output_scale: np.ndarray  # float64 [units] (one value repeated for per-tensor weights)
    output_offset: int
    output_activation_min: int
    output_activation_max: int
    output_shape: tuple[int, ...]
    # numerics="tflm": MultiplyByQuantizedMultiplier constants per unit (None: the double path).
    output_multiplier: np.ndarray | None = None
    output_shift: np.ndarray | None = None
    # numerics="xnnpack": XNNPACK's float32 requantization (see tinyq.ops._convolution).
    xnnpack: Requantization | None = None


def _tflm_real_multipliers(input_scale: float, weights_scales: np.ndarray, output_scale: float,
                           per_channel: bool) -> np.ndarray:
    """TFLite Micro's real multipliers (``CalculateOpDataFullyConnected``): per tensor
    ``double(float(input_scale * weights_scale)) / double(output_scale)``
    (``GetQuantizedConvolutionMultipler``), per channel ``double * double / double``."""
    if per_channel:
        return np.float64(np.float32(input_scale)) * weights_scales / np.float64(np.float32(output_scale))
    product = np.float64(np.float32(np.float32(input_scale) * np.float32(weights_scales[0])))
    return np.array([product / np.float64(np.float32(output_scale))])


def prepare(ctx: OpContext) -> Plan:
    """Check shapes, quantization and options; build the weight matrix and the double scales."""
    options = ctx.options
    input_operand = ctx.input(0)
    weights_operand = ctx.input(1)
    if options.weights_format != 0:
        raise ctx.unsupported(f"weights_format {options.weights_format} (shuffled weights); tinyq reads the "
                              f"default format only")
    if options.fused_activation_function not in FUSED_ACTIVATIONS:
        raise ctx.error(f"fused activation {options.fused_activation_function} is not allowed on an integer "
                        f"FULLY_CONNECTED (NONE, RELU, RELU_N1_TO_1 or RELU6 only)")
    if len(weights_operand.shape) != 2:
        raise ctx.error(f"the weights have shape {list(weights_operand.shape)}; they must be 2-D [units, depth]")
    units, accum_depth = weights_operand.shape
    if accum_depth < 1 or units < 1:
        raise ctx.unsupported(f"the weights have shape {list(weights_operand.shape)}; tinyq needs both "
                              f"dimensions >= 1")
    input_shape = input_operand.shape
    if len(input_shape) < 1:
        raise ctx.error("the input is a scalar; FULLY_CONNECTED needs at least one dimension")
    if input_operand.size % accum_depth != 0:
        raise ctx.error(f"the input {list(input_shape)} has {input_operand.size} elements, not a multiple of "
                        f"the weights' depth {accum_depth}")
    batches = input_operand.size // accum_depth
    if options.keep_num_dims:
        if input_shape[-1] != accum_depth:
            raise ctx.error(f"keep_num_dims needs the input's last dimension ({input_shape[-1]}) to equal the "
                            f"weights' depth {accum_depth}")
        output_shape = tuple(input_shape[:-1]) + (units,)
    else:
        output_shape = (batches, units)

    quantization = filter_quantization(ctx, weights_operand, units, channel_axis=0, role="weights")
    per_channel = quantization.scale.size > 1
    if per_channel and quantization.quantized_dimension != 0:
        raise ctx.error(f"the weights are quantized per channel along dimension {quantization.quantized_dimension}; "
                        f"FULLY_CONNECTED needs dimension 0 (the units)")
    input_scale, input_zero_point = activation_quantization(ctx, input_operand, "input")
    output_scale, output_zero_point = activation_quantization(ctx, ctx.output(0), "output")
    weights_scales = quantization.scale.astype(np.float32).astype(np.float64)
    bias = bias_values(ctx, 2, units)
    if not per_channel and bias is not None:
        # GetQuantizedConvolutionMultipler: the bias scale must match input_scale * weights_scale.
        bias_scale = legacy_scale(ctx.input(2))
        scale_difference = abs(np.float64(input_scale) * weights_scales[0] - np.float64(bias_scale))
        if not scale_difference / np.float64(output_scale) <= _BIAS_SCALE_TOLERANCE:
            raise ctx.error(f"the bias scale {bias_scale} differs from input scale * weights scale "
                            f"({np.float64(input_scale) * weights_scales[0]}) by more than "
                            f"{_BIAS_SCALE_TOLERANCE} output steps")

    weights = ctx.constant(1, "weights").astype(np.int64)
    if not per_channel:
        # weights_offset: only the per-tensor path applies the weight zero point.
        weights = weights - int(quantization.zero_point[0])
    dtype = exact_matmul_dtype(np.abs(weights).sum(axis=1), input_zero_point)
    effective_output_scale = np.broadcast_to(
        np.float64(input_scale) * weights_scales / np.float64(output_scale), (units,)).copy()
    activation_min, activation_max = ctx.fused_activation_range(output_scale, output_zero_point)
    output_multiplier = output_shift = None
    xnnpack = None
    if ctx.numerics == "xnnpack":
        xnnpack = xnnpack_requantization(ctx, input_scale, quantization.scale, units, output_scale, output_zero_point)
    if ctx.numerics == "tflm":
        real = _tflm_real_multipliers(input_scale, weights_scales, output_scale, per_channel)
        multipliers, shifts = fixedpoint.quantize_multipliers(np.broadcast_to(real, (units,)))
        output_multiplier, output_shift = np.asarray(multipliers, np.int64), np.asarray(shifts, np.int64)
    params = FullyConnectedParams(
        input_zero_point=input_zero_point, accum_depth=accum_depth,
        weights_matrix=np.ascontiguousarray(weights.T, dtype=dtype), bias=bias,
        effective_output_scale=effective_output_scale, output_offset=output_zero_point,
        output_activation_min=int(activation_min), output_activation_max=int(activation_max),
        output_shape=output_shape, output_multiplier=output_multiplier, output_shift=output_shift, xnnpack=xnnpack)
    return Plan(params=params, output_shapes=[output_shape])


def _accumulator(params: FullyConnectedParams, data: np.ndarray) -> np.ndarray:
    """The exact sums, int64 [batches, units], from one float matrix product."""
    dtype = params.weights_matrix.dtype
    centered = data.reshape(-1, params.accum_depth).astype(dtype) - dtype.type(params.input_zero_point)
    return (centered @ params.weights_matrix).astype(np.int64)


def _after_bias(params: FullyConnectedParams, accumulator: np.ndarray) -> np.ndarray:
    """The int32 accumulator with the bias added (the reference's int32 wraps)."""
    if params.bias is not None:
        accumulator = accumulator + params.bias
    return accumulator.astype(np.int32)


def _scaled(params: FullyConnectedParams, after_bias: np.ndarray) -> np.ndarray:
    """``int32(round(double(acc) * effective_output_scale))`` as int64 (numerics="tflm":
    ``MultiplyByQuantizedMultiplier(acc, output_multiplier[u], output_shift[u])``)."""
    if params.output_multiplier is not None:
        return fixedpoint.multiply_by_quantized_multiplier(after_bias, params.output_multiplier, params.output_shift)
    scaled = fixedpoint.round_half_away_from_zero(after_bias.astype(np.float64) * params.effective_output_scale)
    # static_cast<int32_t> of an out-of-range double is INT32_MIN on x86-64 (cvttsd2si).
    in_range = (scaled >= _INT32_MIN) & (scaled <= _INT32_MAX)
    return np.where(in_range, scaled, _INT32_MIN).astype(np.int64)


def _requantized(params: FullyConnectedParams, scaled: np.ndarray) -> np.ndarray:
    """``scaled + output_offset``, an int32 addition that wraps, as int64 (not clamped)."""
    return (scaled + params.output_offset).astype(np.int32).astype(np.int64)


def evaluate(params: FullyConnectedParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Exact float matrix product, int32 accumulator, double requantization, clamp."""
    if params.xnnpack is not None:
        return [finish(_accumulator(params, inputs[0]), params.bias, params.xnnpack).reshape(params.output_shape)]
    acc = _after_bias(params, _accumulator(params, inputs[0]))
    acc_scaled = _requantized(params, _scaled(params, acc))
    np.clip(acc_scaled, params.output_activation_min, params.output_activation_max, out=acc_scaled)
    return [acc_scaled.astype(np.int8).reshape(params.output_shape)]


def internals(params: FullyConnectedParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The double scale per unit, then accumulators, values after bias, rounded products, requantized and
    clamped values, each in the output's shape.

    The reference's FULLY_CONNECTED has no integer multiplier and shift: ``effective_output_scale``
    (float64, one per unit) takes their place (numerics="tflm": ``output_multiplier`` and
    ``output_shift``).
    """
    accumulator = _accumulator(params, inputs[0])
    if params.xnnpack is not None:
        return reshape_stages(finish_stages(accumulator, params.bias, params.xnnpack), params.output_shape)
    after_bias = _after_bias(params, accumulator)
    scaled = _scaled(params, after_bias)
    requantized = _requantized(params, scaled)
    clamped = np.clip(requantized, params.output_activation_min, params.output_activation_max).astype(np.int8)
    shape = params.output_shape
    constants = {"effective_output_scale": params.effective_output_scale}
    if params.output_multiplier is not None:  # numerics="tflm"
        constants = {"output_multiplier": params.output_multiplier.astype(np.int32),
                     "output_shift": params.output_shift.astype(np.int32)}
    return {**constants,
            "accumulator": accumulator.astype(np.int32).reshape(shape),  # the int32 accumulator wraps
            "after_bias": after_bias.reshape(shape),
            "scaled": scaled.astype(np.int32).reshape(shape),
            "requantized": requantized.astype(np.int32).reshape(shape),
            "clamped": clamped.reshape(shape)}
