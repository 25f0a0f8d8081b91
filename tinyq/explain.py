"""Explain one output element of a traced operator from tinyq's integer pipeline.

For the first element where another implementation (a device, another interpreter) differs from
tinyq, :func:`explain_element` says how tinyq got its value: the input window the element reads
(convolutions, FULLY_CONNECTED, BATCH_MATMUL), the accumulator (recomputed from that window as a
check), the bias, the multiplier and shift, every rounding step of ``MultiplyByQuantizedMultiplier``
(gemmlowp's ``SaturatingRoundingDoublingHighMul`` then ``RoundingDivideByPOT``), the output offset
and the activation clamp, and which step decided the value. It then lists what common variants
of the arithmetic (single rounding, truncating shifts, round half to even, no bias, float
requantization) would have given, and says which of them produce the other side's value.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import numpy as np

from tinyq import fixedpoint
from tinyq.trace import Trace, TracedOp

__all__ = ["explain_element"]

_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
_MAX_WINDOW_VALUES = 128


def _wrap32(value: int) -> int:
    return ((value + (1 << 31)) % (1 << 32)) - (1 << 31)


def _round_half_away(value: Fraction) -> int:
    magnitude = abs(value)
    rounded = int(magnitude + Fraction(1, 2)) if magnitude.denominator != 1 else int(magnitude)
    return rounded if value >= 0 else -rounded


def _round_half_even(value: Fraction) -> int:
    return round(value)  # Python rounds a Fraction half to even


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def _number(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):.6f}"


def _is_tie(value: Fraction) -> bool:
    return value.denominator == 2


def _activation_name(op: TracedOp) -> str:
    code = getattr(op.options, "fused_activation_function", None)
    return "no fused activation" if code is None else _ACTIVATIONS.get(code, str(code))


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def _clamp_summary(value: int, low: int, high: int, activation: str) -> str:
    result = _clamp(value, low, high)
    if result == value:
        return f"inside the {activation} range [{low}, {high}]: {result}"
    return f"clamped to {result} by {activation}" if activation not in ("NONE", "no fused activation") else \
        f"saturated to {result}"


def _clamp_text(value: int, low: int, high: int, activation: str) -> str:
    result = _clamp(value, low, high)
    if result == value:
        return f"within [{low}, {high}] ({activation}): no clamp, {result}"
    what = "saturated to the int8 range" if activation in ("NONE", "no fused activation") else f"clamped by {activation}"
    return f"{what} [{low}, {high}]: {value} -> {result}"


# --- MultiplyByQuantizedMultiplier, step by step ---------------------------------------------

def _requantize_steps(x: int, multiplier: int, shift: int, *,
                      smaller_than_one: bool = False) -> tuple[int, list[str], str, str]:
    """``MultiplyByQuantizedMultiplier(x, multiplier, shift)`` (double rounding): the result, one line
    per step, which step decided the value, and a one-line summary ("SRDHM gives ..., ...")."""
    x32 = _wrap32(x)
    lines = []
    if x32 != x:
        lines.append(f"the int32 argument wraps: {x} -> {x32}")
    left_shift, right_shift = max(shift, 0), max(-shift, 0)
    shifted = _wrap32(x32 << left_shift)
    if left_shift:
        wrapped = " (wraps in int32)" if shifted != x32 << left_shift else ""
        lines.append(f"left shift: {x32} * 2^{left_shift} = {shifted}{wrapped}")
    high = int(fixedpoint.saturating_rounding_doubling_high_mul(shifted, multiplier))
    high_exact = Fraction(shifted * multiplier, 1 << 31)
    tie = " (a tie: rounded up, toward +infinity)" if _is_tie(high_exact) else ""
    lines.append(f"SaturatingRoundingDoublingHighMul({shifted}, {multiplier}) = round({shifted} * {multiplier} / 2^31 "
                 f"= {_number(high_exact)}) = {high}{tie}")
    result = high
    if right_shift:
        result = int(fixedpoint.rounding_divide_by_pot(high, right_shift))
        divided = Fraction(high, 1 << right_shift)
        tie = " (a tie: rounded away from zero)" if _is_tie(divided) else ""
        lines.append(f"RoundingDivideByPOT({high}, {right_shift}) = round({high} / 2^{right_shift} = "
                     f"{_number(divided)}) = {result}{tie}")
    exact = Fraction(x32 * multiplier) * Fraction(2) ** (shift - 31)
    nearest = _round_half_away(exact)
    name = "MultiplyByQuantizedMultiplierSmallerThanOneExp" if smaller_than_one else "MultiplyByQuantizedMultiplier"
    if result != nearest:
        decided = (f"the double rounding decided it: the exact product {x32} * {multiplier} * 2^({shift} - 31) = "
                   f"{_number(exact)} rounds to {nearest}, but SaturatingRoundingDoublingHighMul rounded first "
                   f"(to {high}) and RoundingDivideByPOT rounded again (to {result})")
    elif _is_tie(exact):
        step = "RoundingDivideByPOT" if right_shift else "SaturatingRoundingDoublingHighMul"
        decided = f"a rounding tie decided it: the exact product is {_number(exact)}, and {step} rounds it to {result}"
    else:
        decided = f"plain rounding to nearest: the exact product {_number(exact)} -> {result}"
    lines.insert(0, f"{name}({x32}, {multiplier}, {shift}):")
    summary = (f"left shift by {left_shift} gives {shifted}, " if left_shift else "") + f"SRDHM gives {high}"
    if right_shift:
        summary += f", rounding divide by 2^{right_shift} gives {result}"
    return result, lines, decided, summary


def _alternatives_text(variants: dict[str, int], ours: int, other: int | None) -> list[str]:
    lines = ["what other arithmetic would give: " + ", ".join(f"{name} {value}" for name, value in variants.items())]
    if other is None:
        return lines
    matching = [name for name, value in variants.items() if value == other]
    if other == ours:
        lines.append(f"the other side's value {other} equals tinyq's")
    elif matching:
        lines.append(f"the other side's value {other} is what {' / '.join(matching)} gives")
    else:
        lines.append(f"none of these gives the other side's value {other}: suspect the inputs, weights or "
                     f"accumulation rather than the rounding")
    return lines


def _requantization_lines(op: TracedOp, accumulator: int, bias: int | None, multiplier: int, shift: int,
                          output_offset: int, low: int, high: int, other: int | None,
                          extra_variants: dict[str, int] | None = None) -> list[str]:
    """Bias, MultiplyByQuantizedMultiplier, offset and clamp of one element, with the variants."""
    activation = _activation_name(op)
    after_bias = accumulator + (bias or 0)
    lines = []
    if bias is not None:
        lines.append(f"bias: {bias}, accumulator after bias: {accumulator} + {bias} = {_wrap32(after_bias)}")
    scale = Fraction(multiplier) * Fraction(2) ** (shift - 31)
    lines.append(f"output_multiplier {multiplier}, output_shift {shift}: effective scale {multiplier} * 2^({shift} - 31) "
                 f"= {float(scale):.9g}")
    scaled, steps, decided, summary = _requantize_steps(after_bias, multiplier, shift)
    lines.extend("  " + line for line in steps)
    requantized = _wrap32(scaled + output_offset)
    lines.append(f"+ output zero point {output_offset}: {scaled} + {output_offset} = {requantized}")
    result = _clamp(requantized, low, high)
    lines.append(_clamp_text(requantized, low, high, activation))
    if result != requantized:
        decided = f"saturation decided it ({activation} clamps {requantized} to {result})"
    lines.append(f"decided by: {decided}")
    lines.insert(0, f"in short: {summary}, +zp = {requantized}, {_clamp_summary(requantized, low, high, activation)}")

    exact = Fraction(_wrap32(after_bias)) * scale

    def finish(value: int) -> int:
        return _clamp(_wrap32(value + output_offset), low, high)

    variants = {"exact rounding (half away from zero)": finish(_round_half_away(exact)),
                "round half to even": finish(_round_half_even(exact)),
                "truncating shifts (floor)": finish(_floor(exact))}
    if shift <= 30:
        single = int(fixedpoint.multiply_by_quantized_multiplier(after_bias, multiplier, shift, rounding="single"))
        variants["single rounding (TFLITE_SINGLE_ROUNDING)"] = finish(single)
    if bias:
        variants["no bias"] = finish(_requantize_steps(accumulator, multiplier, shift)[0])
    variants.update(extra_variants or {})
    lines.extend(_alternatives_text(variants, result, other))
    if other is not None and other not in variants.values() and scale > 0 and low < other < high:
        needed = Fraction(other - output_offset) / scale
        lines.append(f"an accumulator after bias of about {float(needed):.1f} would give {other} "
                     f"(tinyq's is {_wrap32(after_bias)}, {float(needed) - _wrap32(after_bias):+.1f})")
    return lines


# --- input windows ---------------------------------------------------------------------------

def _array_text(values: np.ndarray) -> str:
    if values.size <= _MAX_WINDOW_VALUES:
        return " ".join(np.array2string(values, separator=",", threshold=_MAX_WINDOW_VALUES).split())
    return f"{values.size} values, min {values.min()}, max {values.max()}"


def _taps(output_position: int, stride: int, padding: int, dilation: int, filter_size: int,
          in_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Input positions of the filter taps for one output position, and which lie inside the input."""
    positions = output_position * stride - padding + np.arange(filter_size) * dilation
    return positions, (positions >= 0) & (positions < in_size)


def _conv_window(op: TracedOp, position: tuple[int, ...]) -> tuple[int, list[str]]:
    params = op.params
    data, weights = op.inputs[0], op.inputs[1]
    batch, out_y, out_x, channel = position
    rows, columns = params.rows, params.columns
    ys, y_inside = _taps(out_y, rows.stride, rows.padding_before, rows.dilation, rows.filter_size, data.shape[1])
    xs, x_inside = _taps(out_x, columns.stride, columns.padding_before, columns.dilation, columns.filter_size,
                         data.shape[2])
    zero_point = params.input_zero_point
    if op.name == "DEPTHWISE_CONV_2D":
        channels = np.array([channel // params.depth_multiplier])
        taps = weights[0, :, :, channel][:, :, np.newaxis].astype(np.int64)
    else:
        filter_in = weights.shape[3]
        group = channel // (weights.shape[0] // params.groups)
        channels = np.arange(group * filter_in, (group + 1) * filter_in)
        taps = weights[channel].astype(np.int64)
    window = data[batch][np.ix_(ys[y_inside], xs[x_inside], channels)].astype(np.int64)
    inside = taps[np.ix_(np.flatnonzero(y_inside), np.flatnonzero(x_inside), np.arange(taps.shape[2]))]
    accumulator = int(np.sum(inside * (window - zero_point)))
    padded = int(y_inside.size * x_inside.size - y_inside.sum() * x_inside.sum())
    lines = [f"input window of output {list(position)}: rows {ys.tolist()}, columns {xs.tolist()}, "
             f"channels {channels[0]}..{channels[-1]} of tensor {op.input_indices[0]} (input zero point {zero_point}); "
             f"{padded} of the {y_inside.size * x_inside.size} taps fall in the padding and add nothing",
             f"input window values (rows x columns x channels inside the image): {_array_text(window)}",
             f"filter taps for output channel {channel}: {_array_text(taps)}"]
    return accumulator, lines


def _transpose_conv_window(op: TracedOp, position: tuple[int, ...]) -> tuple[int, list[str]]:
    params = op.params
    weights, data = op.inputs[1], op.inputs[2]
    batch, out_y, out_x, channel = position

    def contributions(output_position: int, scatter: Any) -> tuple[np.ndarray, np.ndarray]:
        inputs = np.arange(scatter.input_size)
        taps = output_position + scatter.padding - inputs * scatter.stride
        used = (taps >= 0) & (taps < scatter.filter_size)
        return inputs[used], taps[used]

    in_ys, kys = contributions(out_y, params.rows)
    in_xs, kxs = contributions(out_x, params.columns)
    window = data[batch][np.ix_(in_ys, in_xs, np.arange(data.shape[3]))].astype(np.int64)
    taps = weights[channel][np.ix_(kys, kxs, np.arange(weights.shape[3]))].astype(np.int64)
    accumulator = int(np.sum(taps * (window - params.input_zero_point)))
    lines = [f"output {list(position)} gathers input rows {in_ys.tolist()} (filter rows {kys.tolist()}) and input "
             f"columns {in_xs.tolist()} (filter columns {kxs.tolist()}) of tensor {op.input_indices[2]}, all channels "
             f"(input zero point {params.input_zero_point})",
             f"input values: {_array_text(window)}", f"filter taps: {_array_text(taps)}"]
    return accumulator, lines


def _fully_connected_window(op: TracedOp, position: tuple[int, ...]) -> tuple[int, list[str]]:
    params = op.params
    output_shape = op.outputs[0].shape
    row = int(np.ravel_multi_index(position[:-1], output_shape[:-1])) if len(position) > 1 else 0
    unit = position[-1]
    data = op.inputs[0].reshape(-1, params.accum_depth)[row].astype(np.int64)
    weights = params.weights_matrix[:, unit].astype(np.int64)  # weight zero point already applied
    accumulator = int(np.sum(weights * (data - params.input_zero_point)))
    lines = [f"input row {row} of tensor {op.input_indices[0]} ({params.accum_depth} values, input zero point "
             f"{params.input_zero_point}): {_array_text(data)}",
             f"weights of unit {unit} (weight zero point subtracted where the reference does): {_array_text(weights)}"]
    return accumulator, lines


def _batch_matmul_window(op: TracedOp, position: tuple[int, ...]) -> tuple[int, list[str]]:
    params = op.params
    batch_shape = params.output_shape[:-2]

    def operand(values: np.ndarray, zero_point: int, transpose: bool) -> np.ndarray:
        centred = values.astype(np.int64) - zero_point
        centred = np.swapaxes(centred, -1, -2) if transpose else centred
        return np.broadcast_to(centred, batch_shape + centred.shape[-2:])

    lhs = operand(op.inputs[0], params.lhs_zero_point, params.adj_x)[position[:-2]][position[-2]]
    rhs = operand(op.inputs[1], params.rhs_zero_point, params.adj_y)[position[:-2]][:, position[-1]]
    accumulator = int(np.sum(lhs * rhs))
    lines = [f"lhs row {position[-2]} minus zero point {params.lhs_zero_point}: {_array_text(lhs)}",
             f"rhs column {position[-1]} minus zero point {params.rhs_zero_point}: {_array_text(rhs)}"]
    return accumulator, lines


_WINDOWS: dict[str, Callable[[TracedOp, tuple[int, ...]], tuple[int, list[str]]]] = {
    "CONV_2D": _conv_window, "DEPTHWISE_CONV_2D": _conv_window, "TRANSPOSE_CONV": _transpose_conv_window,
    "FULLY_CONNECTED": _fully_connected_window, "BATCH_MATMUL": _batch_matmul_window}
_BIAS_INPUT = {"CONV_2D": 2, "DEPTHWISE_CONV_2D": 2, "TRANSPOSE_CONV": 3, "FULLY_CONNECTED": 2}


def _accumulating_op(op: TracedOp, position: tuple[int, ...], other: int | None) -> list[str]:
    stages = op.internals()
    if "clamped" not in stages:  # int32 BATCH_MATMUL: the accumulator is the output
        return [f"the output is the int32 accumulator {int(stages['accumulator'][position])} (no requantization)"]
    recomputed, lines = _WINDOWS[op.name](op, position)
    accumulator = int(stages["accumulator"][position])
    check = "" if _wrap32(recomputed) == accumulator else f" (MISMATCH: the window gives {recomputed})"
    lines.append(f"accumulator = sum of filter * (input - input zero point) = {accumulator}{check}")
    bias_position = _BIAS_INPUT.get(op.name)
    bias_values = op.inputs[bias_position] if bias_position is not None and bias_position < len(op.inputs) else None
    bias = None if bias_values is None else int(bias_values.reshape(-1)[position[-1]])
    params = op.params
    if "requantization_scale" in stages or "output_multiplier" in stages and op.name == "FULLY_CONNECTED":
        return lines + _staged_requantization_lines(stages, position)
    if op.name == "FULLY_CONNECTED":
        return lines + _double_requantization_lines(op, accumulator, bias, position, other)
    requantization = params.requantization
    channel = position[-1] if requantization.output_multiplier.size > 1 else 0
    return lines + _requantization_lines(
        op, accumulator, bias, int(requantization.output_multiplier[channel]),
        int(requantization.applied_shift[channel]), requantization.output_offset,
        requantization.output_activation_min, requantization.output_activation_max, other)


def _staged_requantization_lines(stages: dict[str, np.ndarray], position: tuple[int, ...]) -> list[str]:
    """The requantization as the op's internals record it (the numerics="tflm"/"xnnpack" forms)."""
    channel = position[-1]
    lines = []
    for name in ("requantization_scale", "output_multiplier", "output_shift"):
        if name in stages:
            values = stages[name].reshape(-1)
            lines.append(f"{name}: {values[channel if values.size > 1 else 0]!r}")
    for name in ("after_bias", "scaled", "requantized", "clamped"):
        if name in stages:
            lines.append(f"{name}: {stages[name][position]!r}")
    return lines


def _double_requantization_lines(op: TracedOp, accumulator: int, bias: int | None, position: tuple[int, ...],
                                 other: int | None) -> list[str]:
    """FULLY_CONNECTED's reference path: round(double(acc) * effective_output_scale) + offset, clamp."""
    params = op.params
    activation = _activation_name(op)
    after_bias = _wrap32(accumulator + (bias or 0))
    scale = float(params.effective_output_scale[position[-1]])
    lines = []
    if bias is not None:
        lines.append(f"bias: {bias}, accumulator after bias: {after_bias}")
    product = Fraction(after_bias) * Fraction(scale)
    scaled = int(fixedpoint.round_half_away_from_zero(float(np.float64(after_bias) * np.float64(scale))))
    tie = " (a tie: rounded away from zero)" if _is_tie(product) else ""
    lines.append(f"effective_output_scale (double, input scale * weight scale / output scale) = {scale!r}")
    lines.append(f"round(double({after_bias}) * {scale:.9g} = {float(product):.6f}) = {scaled}{tie} (the reference "
                 f"requantizes in double precision, rounding half away from zero)")
    requantized = _wrap32(scaled + params.output_offset)
    lines.append(f"+ output zero point {params.output_offset}: {requantized}")
    low, high = params.output_activation_min, params.output_activation_max
    result = _clamp(requantized, low, high)
    lines.append(_clamp_text(requantized, low, high, activation))
    decided = f"saturation ({activation})" if result != requantized else (
        "a rounding tie" if _is_tie(product) else "plain rounding to nearest of the double product")
    lines.append(f"decided by: {decided}")
    lines.insert(0, f"in short: round(acc * scale) gives {scaled}, +zp = {requantized}, "
                    f"{_clamp_summary(requantized, low, high, activation)}")

    def finish(value: int) -> int:
        return _clamp(_wrap32(value + params.output_offset), low, high)

    multiplier, shift = fixedpoint.quantize_multiplier(scale)
    variants = {"round half to even": finish(_round_half_even(product)),
                "truncation (floor)": finish(_floor(product))}
    if -31 <= shift <= 31:
        variants["MultiplyByQuantizedMultiplier (TFLite Micro, optimized kernels)"] = finish(
            int(fixedpoint.multiply_by_quantized_multiplier(after_bias, multiplier, shift)))
    if bias:
        variants["no bias"] = finish(_round_half_away(Fraction(accumulator) * Fraction(scale)))
    lines.extend(_alternatives_text(variants, result, other))
    return lines


# --- elementwise ops -------------------------------------------------------------------------

def _input_position(shape: tuple[int, ...], position: tuple[int, ...]) -> tuple[int, ...]:
    """The element of a broadcast input that output ``position`` reads."""
    offset = len(position) - len(shape)
    return tuple(0 if size == 1 else position[offset + axis] for axis, size in enumerate(shape))


def _tensor_scale(trace: Trace, index: int) -> float | None:
    scale = trace.tensors[index].scale
    return scale if isinstance(scale, float) and scale > 0 else None


def _float_variant(trace: Trace, op: TracedOp, reals: Fraction, low: int, high: int) -> dict[str, int]:
    output_scale = _tensor_scale(trace, op.output_indices[0])
    zero_point = trace.tensors[op.output_indices[0]].zero_point
    if output_scale is None or not isinstance(zero_point, int):
        return {}
    return {"float arithmetic (dequantize, compute, requantize)": _clamp(
        _round_half_away(reals / Fraction(output_scale)) + zero_point, low, high)}


def _add_sub(trace: Trace, op: TracedOp, position: tuple[int, ...], other: int | None) -> list[str]:
    params = op.params
    if not hasattr(params, "left_shift"):  # the int32 form
        return _generic(trace, op, position, other)
    lines = []
    scaled_values = []
    reals: Fraction | None = Fraction(0)
    for number, (offset, multiplier, shift) in enumerate(
            ((params.input1_offset, params.input1_multiplier, params.input1_shift),
             (params.input2_offset, params.input2_multiplier, params.input2_shift)), start=1):
        values = op.inputs[number - 1]
        where = _input_position(values.shape, position)
        value = int(values[where])
        shifted = (value + offset) << params.left_shift
        scaled, steps, _, _ = _requantize_steps(shifted, multiplier, shift, smaller_than_one=True)
        scaled_values.append(scaled)
        lines.append(f"input{number}{list(where)} = {value}; + offset {offset}, * 2^{params.left_shift}: "
                     f"shifted_input{number}_val = {shifted}")
        lines.extend("  " + line for line in steps)
        lines.append(f"  scaled_input{number}_val = {scaled}")
        scale = _tensor_scale(trace, op.input_indices[number - 1])
        sign = 1 if number == 1 or op.name == "ADD" else -1
        reals = None if scale is None or reals is None else reals + sign * Fraction(value + offset) * Fraction(scale)
    raw = scaled_values[0] + scaled_values[1] if op.name == "ADD" else scaled_values[0] - scaled_values[1]
    lines.append(f"raw_{'sum' if op.name == 'ADD' else 'sub'} = {raw}")
    if params.output_shift > 0:  # SUB's output multiplier above 1 (see sub.py)
        shifted = int(fixedpoint.saturating_rounding_multiply_by_pot(raw, params.output_shift))
        scaled = int(fixedpoint.saturating_rounding_doubling_high_mul(shifted, params.output_multiplier))
        lines.append(f"output multiplier above 1: SaturatingRoundingMultiplyByPOT({raw}, {params.output_shift}) = "
                     f"{shifted}, SaturatingRoundingDoublingHighMul(..., {params.output_multiplier}) = {scaled}")
        decided = "the output rescaling"
        summary = f"SaturatingRoundingMultiplyByPOT then SRDHM give {scaled}"
    else:
        scaled, steps, decided, summary = _requantize_steps(raw, params.output_multiplier, params.output_shift,
                                                            smaller_than_one=True)
        lines.extend("  " + line for line in steps)
    raw_output = scaled + params.output_offset
    low, high = params.output_activation_min, params.output_activation_max
    result = _clamp(raw_output, low, high)
    activation = _activation_name(op)
    lines.append(f"+ output zero point {params.output_offset}: raw_output = {raw_output}")
    lines.append(_clamp_text(raw_output, low, high, activation))
    if result != raw_output:
        decided = f"saturation decided it ({activation} clamps {raw_output} to {result})"
    lines.append(f"decided by: {decided} (in the output rescaling)")
    lines.insert(0, f"in short: inputs rescaled to {scaled_values[0]} and {scaled_values[1]}, "
                    f"{'sum' if op.name == 'ADD' else 'difference'} {raw}; output rescaling: {summary}, "
                    f"+zp = {raw_output}, {_clamp_summary(raw_output, low, high, activation)}")
    variants = {} if reals is None else _float_variant(trace, op, reals, low, high)
    if variants:
        lines.extend(_alternatives_text(variants, result, other))
    return lines


def _mul(trace: Trace, op: TracedOp, position: tuple[int, ...], other: int | None) -> list[str]:
    params = op.params
    if not hasattr(params, "input1_offset") or getattr(params, "xnnpack_scale", None) is not None:
        return _generic(trace, op, position, other)  # the int32 form, or XNNPACK's float requantization
    lines, factors = [], []
    reals: Fraction | None = Fraction(1)
    for number, offset in ((1, params.input1_offset), (2, params.input2_offset)):
        values = op.inputs[number - 1]
        where = _input_position(values.shape, position)
        value = int(values[where])
        factors.append(value + offset)
        lines.append(f"input{number}{list(where)} = {value}; + offset {offset} = {value + offset}")
        scale = _tensor_scale(trace, op.input_indices[number - 1])
        reals = None if scale is None or reals is None else reals * Fraction(value + offset) * Fraction(scale)
    product = factors[0] * factors[1]
    lines.append(f"product = {factors[0]} * {factors[1]} = {product}")
    low, high = params.output_activation_min, params.output_activation_max
    return lines + _requantization_lines(op, product, None, params.output_multiplier, params.output_shift,
                                         params.output_offset, low, high, other,
                                         {} if reals is None else _float_variant(trace, op, reals, low, high))


def _table(trace: Trace, op: TracedOp, position: tuple[int, ...], other: int | None) -> list[str]:
    stages = op.internals()
    table = stages["lut_int8"]
    value = int(op.inputs[0][position])
    entry = int(np.uint8(np.int8(value)))
    result = int(table[entry])
    lines = [f"input {value} indexes the 256-entry table (built in Prepare) at entry {entry} (the input's uint8 bit "
             f"pattern): table[{entry}] = {result}"]
    scale = _tensor_scale(trace, op.input_indices[0])
    zero_point = trace.tensors[op.input_indices[0]].zero_point
    if scale is not None and isinstance(zero_point, int):
        lines.append(f"the input stands for {scale} * ({value} - {zero_point}) = {scale * (value - zero_point):.6g}")
    if other is not None and other != result:
        holders = [int(np.uint8(i).view(np.int8)) for i in np.flatnonzero(table == other)]
        lines.append(f"the other side's value {other} is the table entry of inputs {holders[:16]}"
                     f"{' ...' if len(holders) > 16 else ''}" if holders else
                     f"the other side's value {other} is in no table entry: the device's table differs")
    return lines


def _generic(trace: Trace, op: TracedOp, position: tuple[int, ...], other: int | None) -> list[str]:
    lines = [f"tinyq has no stage-by-stage breakdown of {op.name}"]
    output_shape = op.outputs[0].shape
    for number, (index, values) in enumerate(zip(op.input_indices, op.inputs)):
        if values is None or index < 0 or not _broadcasts_to(values.shape, output_shape):
            continue  # an axis or shape tensor, or an input the output does not index elementwise
        where = _input_position(values.shape, position)
        lines.append(f"input {number} (tensor {index}) at {list(where)}: {values[where]}")
    return lines


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


_EXPLAINERS: dict[str, Callable[[Trace, TracedOp, tuple[int, ...], int | None], list[str]]] = {
    "ADD": _add_sub, "SUB": _add_sub, "MUL": _mul}


def explain_element(trace: Trace, op: TracedOp, tensor_index: int, position: tuple[int, ...],
                    other: Any = None) -> list[str]:
    """How tinyq computed element ``position`` of output tensor ``tensor_index`` of ``op``, one line per step.

    ``other`` is the other side's value of that element (or None); the explanation then says which
    variant of the arithmetic produces it, where one does.
    """
    position = tuple(int(p) for p in position)
    output_number = op.output_indices.index(tensor_index)
    ours = op.outputs[output_number][position]
    header = [f"{op.where}: output tensor {tensor_index} '{trace.tensors[tensor_index].name}' element "
              f"{list(position)}: tinyq {ours}" + ("" if other is None else f", other {other}")]
    other_value = None if other is None else int(other) if np.asarray(other).dtype.kind in "iub" else None
    if op.overridden.get(tensor_index) is not None:
        header.append("(this output is overridden in this run; the explanation is of tinyq's own value)")
    if output_number != 0:
        return header + _generic(trace, op, position, other_value)
    if op.name in _WINDOWS:
        return header + _accumulating_op(op, position, other_value)
    if op.name in _EXPLAINERS:
        return header + _EXPLAINERS[op.name](trace, op, position, other_value)
    if op.has_internals and "lut_int8" in op.internals():
        return header + _table(trace, op, position, other_value)
    return header + _generic(trace, op, position, other_value)
