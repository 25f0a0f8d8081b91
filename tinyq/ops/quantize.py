"""QUANTIZE: float32 to int8/uint8/int16, or requantization between integer types.

Requantization covers every pair LiteRT's kernel takes: int8/uint8 to int8/uint8/int16, int16
to int8/int16/int32, int32 to int8/int16 (int32 for applications that exchange quantized int32
data; the converter never emits it).

float32 input (LiteRT ``reference_ops::AffineQuantize``; per channel ``PerChannelQuantize``)::

    scaled    = x / scale                   # float32 division (the float32 scale, not widened)
    rounded   = round_half_away(scaled)     # TfLiteRound = std::round on a float
    unclamped = int32(rounded) + zero_point # C float->int32 conversion, int32 addition
    q         = clamp(unclamped, dtype min, dtype max)

The float->int32 conversion is undefined in C++ for NaN and for values outside the int32 range;
LiteRT's x86-64 build converts with ``cvttss2si``, which yields INT32_MIN for all of them, and
the zero point is then added with int32 wrap-around. So NaN, +-inf and any rounded x / scale
outside [-2^31, 2^31) come out as the dtype's minimum when zero_point >= 0, but INT32_MIN + a negative zero point
wraps to a large positive value and saturates to the dtype's maximum. tinyq reproduces that
build exactly (an ARM build, which saturates the conversion instead, would differ there).

Integer input (``reference_ops::Requantize``), with ``(output_multiplier, output_shift) =
QuantizeMultiplier(double(input_scale) / double(output_scale))`` computed in Prepare::

    q_out = clamp(MultiplyByQuantizedMultiplier(q_in - input_zero_point, output_multiplier,
                                                output_shift) + output_zero_point)

(``q_in - input_zero_point`` and ``+ output_zero_point`` are int32 operations; int16 to int16
requires both zero points to be 0.)

``numerics="xnnpack"``: int8 -> int8 and uint8 -> uint8 requantization with an input/output scale
ratio in [1/256, 128] runs in XNNPACK (``qs8-vcvt``/``qu8-vcvt``): ``multiplier =
lrintf(256 * input_scale / output_scale)`` (float32, ties to even) and ``out = clamp((output_zero_point
* 256 - multiplier * input_zero_point + 128 + q * multiplier) >> 8)``.

Requantize has a fast path for int8<->uint8 when the scales are equal and the zero points differ
by exactly 128 (it flips the top bit); the multiplier is then exactly 2^30 with shift 1, for
which MultiplyByQuantizedMultiplier is the identity, so the general formula gives the same
values and tinyq does not special-case it. TFLM computes both paths the same way but accepts
only per-tensor output quantization; LiteRT (and tinyq) also quantize float32 per channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Operand, Plan

_INT32_MIN = np.iinfo(np.int32).min
_TWO_POW_31 = np.float32(2.0**31)


@dataclass(frozen=True)
class AffineQuantizeParams:
    """float32 -> integer: scale and zero point, per channel shaped to broadcast along the axis."""

    scale: np.ndarray  # float32
    zero_point: np.ndarray  # int64
    output_dtype: np.dtype


@dataclass(frozen=True)
class RequantizeParams:
    """integer -> integer, as reference_ops::Requantize."""

    input_zero_point: int
    output_zero_point: int
    output_multiplier: int
    output_shift: int
    output_dtype: np.dtype


def _broadcast_shape(operand: Operand, axis: int) -> list[int]:
    shape = [1] * len(operand.shape)
    shape[axis] = -1
    return shape


def _require_positive_scales(ctx: OpContext, operand: Operand, what: str) -> None:
    scales = operand.scales
    if not np.all(np.isfinite(scales) & (scales > 0)):
        raise ctx.error(f"{what} tensor {operand.index} '{operand.name}' has scale {scales.tolist()}; QUANTIZE "
                        f"needs finite positive scales")


@dataclass(frozen=True)
class XnnpackRequantizeParams:
    """XNNPACK's ``qs8-vcvt``/``qu8-vcvt`` constants (numerics="xnnpack", same input and output type):
    ``out = clamp((bias + q * multiplier) >> 8)``, 8 fractional bits."""

    bias: int  # output_zero_point * 256 - multiplier * input_zero_point + 128
    multiplier: int  # lrintf(256 * input_scale / output_scale)
    output_dtype: np.dtype


@dataclass(frozen=True)
class XnnpackQuantizeParams:
    """XNNPACK's ``f32-qs8-vcvt``/``f32-qu8-vcvt`` (numerics="xnnpack"): ``x * (1.0f / scale)`` capped at
    the output maximum less the zero point (NaN becomes that cap, as x86's ``minps`` returns its
    second operand), rounded half to even, plus the zero point, saturated."""

    inverse_scale: np.float32
    zero_point: int
    output_dtype: np.dtype


def _xnnpack_requantize(operand_scale: float, operand_zero_point: int, output_scale: float, output_zero_point: int,
                        output_dtype: np.dtype) -> XnnpackRequantizeParams | None:
    """``xnn_init_qs8_cvt_scalar_params``, or None when the delegate leaves the node to LiteRT (a scale
    ratio outside [1/256, 128])."""
    ratio = np.float32(np.float32(operand_scale) / np.float32(output_scale))
    if not np.float32(1 / 256) <= ratio <= np.float32(128):
        return None
    multiplier = int(np.rint(np.float32(256) * ratio))
    bias = output_zero_point * 256 - multiplier * operand_zero_point + 128
    return XnnpackRequantizeParams(bias=bias, multiplier=multiplier, output_dtype=output_dtype)


def prepare(ctx: OpContext) -> Plan:
    """Check quantization parameters and compute the multiplier (requantization) once."""
    operand = ctx.input(0)
    output = ctx.output(0)
    if output.quantization is None:
        raise ctx.error(f"output tensor {output.index} '{output.name}' has no quantization parameters; QUANTIZE "
                        f"needs a scale and zero point")
    _require_positive_scales(ctx, output, "output")
    if operand.dtype == np.float32:
        quantization = output.quantization
        if ctx.numerics == "xnnpack" and output.dtype in (np.int8, np.uint8) and not quantization.per_channel:
            params_xnnpack = XnnpackQuantizeParams(inverse_scale=np.float32(np.float32(1) / np.float32(output.scale)),
                                                   zero_point=output.zero_point, output_dtype=output.dtype)
            return Plan(params=params_xnnpack, output_shapes=[operand.shape])
        if quantization.per_channel:
            shape = _broadcast_shape(output, quantization.quantized_dimension)
            scale = quantization.scale.astype(np.float32).reshape(shape)
            zero_point = quantization.zero_point.astype(np.int64).reshape(shape)
        else:
            scale = np.asarray(quantization.scale[0], dtype=np.float32)
            zero_point = np.asarray(quantization.zero_point[0], dtype=np.int64)
        params: AffineQuantizeParams | RequantizeParams = AffineQuantizeParams(
            scale=scale, zero_point=zero_point, output_dtype=output.dtype)
        return Plan(params=params, output_shapes=[operand.shape])

    if operand.quantization is None:
        raise ctx.error(f"input tensor {operand.index} '{operand.name}' has no quantization parameters; "
                        f"requantizing needs a scale and zero point")
    if operand.quantization.per_channel or output.quantization.per_channel:
        raise ctx.unsupported("requantization with per-channel parameters; LiteRT requantizes per tensor only")
    _require_positive_scales(ctx, operand, "input")
    if operand.dtype == np.int16 and output.dtype == np.int16 and (operand.zero_point, output.zero_point) != (0, 0):
        raise ctx.error(f"int16 to int16 QUANTIZE needs zero points 0, got {operand.zero_point} (input) and "
                        f"{output.zero_point} (output)")
    if ctx.numerics == "xnnpack" and operand.dtype == output.dtype and operand.dtype in (np.int8, np.uint8):
        xnnpack = _xnnpack_requantize(operand.scale, operand.zero_point, output.scale, output.zero_point,
                                      output.dtype)
        if xnnpack is not None:
            return Plan(params=xnnpack, output_shapes=[operand.shape])
    # Prepare: QuantizeMultiplier(double(input scale) / double(output scale)).
    real_multiplier = operand.scale / output.scale
    multipliers, shifts = fixedpoint.quantize_multipliers(np.array([real_multiplier]))
    output_multiplier, output_shift = int(multipliers[0]), int(shifts[0])
    if output_shift > 31:
        # MultiplyByQuantizedMultiplier's left shift x * (1 << shift) is undefined from 32 on.
        raise ctx.unsupported(f"input scale / output scale = {real_multiplier:.6g} is 2^32 or more; the "
                              f"reference's requantization cannot shift that far")
    params = RequantizeParams(input_zero_point=operand.zero_point, output_zero_point=output.zero_point,
                              output_multiplier=int(output_multiplier), output_shift=int(output_shift),
                              output_dtype=output.dtype)
    return Plan(params=params, output_shapes=[operand.shape])


def _float_to_int32(values: np.ndarray) -> np.ndarray:
    """C static_cast<int32_t>(float) as x86-64 cvttss2si does it: NaN and out of range -> INT32_MIN."""
    in_range = (values >= -_TWO_POW_31) & (values < _TWO_POW_31)
    converted = np.where(in_range, values, np.float32(0)).astype(np.int32)
    return np.where(in_range, converted, np.int32(_INT32_MIN))


def _add_int32(values: np.ndarray, addend: np.ndarray | int) -> np.ndarray:
    """int32 addition with the wrap-around of the reference's two's complement arithmetic."""
    return (values.astype(np.int64) + addend).astype(np.int32)


def evaluate(params: AffineQuantizeParams | RequantizeParams | XnnpackRequantizeParams | XnnpackQuantizeParams,
             inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Quantize (AffineQuantize / PerChannelQuantize) or requantize (Requantize)."""
    if isinstance(params, XnnpackQuantizeParams):
        info = np.iinfo(params.output_dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = inputs[0] * params.inverse_scale
            capped = np.where(np.isnan(scaled), np.float32(info.max - params.zero_point),
                              np.minimum(scaled, np.float32(info.max - params.zero_point)))
            rounded = np.rint(np.maximum(capped, np.float32(-2.0**31)))  # cvtps_epi32 saturates low to INT_MIN
        return [np.clip(rounded.astype(np.int64) + params.zero_point, info.min, info.max).astype(params.output_dtype)]
    if isinstance(params, XnnpackRequantizeParams):
        shifted = (params.bias + inputs[0].astype(np.int64) * params.multiplier) >> 8  # arithmetic shift
        return [fixedpoint.saturate(shifted, params.output_dtype)]
    if isinstance(params, AffineQuantizeParams):
        # NaN and infinities are legitimate inputs here (see the module docstring).
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scaled = inputs[0] / params.scale
            rounded = fixedpoint.round_half_away_from_zero(scaled)
        unclamped = _add_int32(_float_to_int32(np.asarray(rounded)), params.zero_point)
    else:
        centered = _add_int32(inputs[0], -params.input_zero_point)
        scaled = fixedpoint.multiply_by_quantized_multiplier(centered, params.output_multiplier, params.output_shift)
        unclamped = _add_int32(np.asarray(scaled), params.output_zero_point)
    return [np.asarray(fixedpoint.saturate(unclamped, params.output_dtype))]
