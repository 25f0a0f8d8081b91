"""CONV_2D, int8: NHWC input, OHWI filter, SAME/VALID padding, strides, dilation, groups.

Arithmetic (LiteRT ``reference_integer_ops::ConvPerChannel``), per output pixel and channel ``c``
of group ``g = c // (out_channels / groups)``::

    acc = sum over in-image taps (ky, kx) and filter input channels i of
              filter[c, ky, kx, i] * (input[y, x, g * filter_in + i] + input_offset)
    acc += bias[c]                                   (int32, wraps)
    out = MultiplyByQuantizedMultiplier(acc, output_multiplier[c], output_shift[c]) + output_offset
    out = clamp(out, output_activation_min, output_activation_max)

with ``input_offset = -input_zero_point``, ``output_offset = output_zero_point`` and
``(output_multiplier[c], output_shift[c]) = QuantizeMultiplier(double(input_scale) *
double(filter_scale[c]) / double(output_scale))`` (``PopulateConvolutionQuantizationParams``).
Taps outside the image are skipped, which equals padding with the input zero point.

tinyq evaluates the sum as one floating-point matrix product (BLAS) per group: the input minus
its zero point, zero-padded, unfolded with stride tricks (im2col) against the filter matrix built
at load. The sums are exact integers: float32 is used when ``max_c sum |filter[c]| *
max|input - input_zero_point|`` is at most 2**24 (every partial sum is then a float32 integer;
true for typical layers up to a few hundred taps), float64 otherwise (exact up to 2**53).

Prepare checks, as LiteRT's ``conv.cc``: 4-D input and filter, input channels divisible by the
filter's input channels (``groups``), output channels divisible by ``groups``, strides and
dilations >= 1, every filter zero point 0, one filter scale or one per output channel along
``quantized_dimension`` 0, int32 bias with zero point 0 and one value per output channel.

Differences between the official interpreters:

* No bias: LiteRT's Prepare rejects a CONV_2D without bias (``has_bias``); TFLite Micro accepts
  it and adds nothing. tinyq follows TFLite Micro (the result equals LiteRT's with a zero bias).
* A non-zero filter zero point is rejected by LiteRT and ignored by TFLite Micro; tinyq rejects it.
* A fused activation other than NONE, RELU, RELU6 and RELU_N1_TO_1 (TANH, SIGN_BIT) is silently
  treated as NONE by both interpreters' int8 kernels; tinyq refuses it (UnsupportedOpError).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._convolution import (Requantization, Window, activation_quantization, bias_values,
                                    centered_padded_input, exact_matmul_dtype, filter_quantization, finish,
                                    finish_stages, requantization, reshape_stages, window)


@dataclass(frozen=True)
class Conv2DParams:
    """Constants of one CONV_2D, computed at load."""

    input_zero_point: int
    rows: Window
    columns: Window
    groups: int
    filter_matrix: np.ndarray  # float32/64 [groups, filter_height * filter_width * filter_in, out / groups]
    bias: np.ndarray | None  # int64 [out_channels]
    requantization: Requantization


def prepare(ctx: OpContext) -> Plan:
    """Check shapes, quantization and options; build the filter matrix and multipliers."""
    options = ctx.options
    input_operand = ctx.input(0)
    filter_operand = ctx.input(1)
    if len(input_operand.shape) != 4 or len(filter_operand.shape) != 4:
        raise ctx.error(f"input {list(input_operand.shape)} and filter {list(filter_operand.shape)} must both be "
                        f"4-D (NHWC input, OHWI filter)")
    batches, in_height, in_width, in_channels = input_operand.shape
    out_channels, filter_height, filter_width, filter_in = filter_operand.shape
    if min(in_height, in_width, in_channels) < 1 or min(filter_operand.shape) < 1:
        raise ctx.error(f"input {list(input_operand.shape)} and filter {list(filter_operand.shape)} need every "
                        f"spatial and channel dimension >= 1")
    if in_channels % filter_in != 0:
        raise ctx.error(f"the input has {in_channels} channels, not a multiple of the filter's {filter_in} input "
                        f"channels")
    groups = in_channels // filter_in
    if out_channels % groups != 0:
        raise ctx.error(f"{out_channels} output channels cannot be split into {groups} groups "
                        f"({in_channels} input channels / {filter_in} per filter)")
    if options.stride_h < 1 or options.stride_w < 1:
        raise ctx.error(f"strides ({options.stride_h}, {options.stride_w}) must be >= 1")
    if options.dilation_h_factor < 1 or options.dilation_w_factor < 1:
        raise ctx.error(f"dilation factors ({options.dilation_h_factor}, {options.dilation_w_factor}) must be >= 1")

    quantization = filter_quantization(ctx, filter_operand, out_channels, channel_axis=0)
    if np.any(quantization.zero_point != 0):
        raise ctx.error(f"the filter has zero points {quantization.zero_point.tolist()}; int8 CONV_2D weights "
                        f"must be symmetric (zero point 0)")
    input_scale, input_zero_point = activation_quantization(ctx, input_operand, "input")
    params_requantization = requantization(ctx, input_scale, quantization.scale, out_channels)
    bias = bias_values(ctx, 2, out_channels)

    rows = window(ctx, "height", options.padding, in_height, filter_height, options.stride_h,
                  options.dilation_h_factor)
    columns = window(ctx, "width", options.padding, in_width, filter_width, options.stride_w,
                     options.dilation_w_factor)

    # [O, KH, KW, I] -> [groups, KH * KW * I, O / groups], matching the (ky, kx, i) order of the patches.
    weights = ctx.constant(1, "filter").astype(np.int64)
    per_group = out_channels // groups
    depth = filter_height * filter_width * filter_in
    dtype = exact_matmul_dtype(np.abs(weights).reshape(out_channels, depth).sum(axis=1), input_zero_point)
    filter_matrix = weights.reshape(groups, per_group, depth).transpose(0, 2, 1)
    filter_matrix = np.ascontiguousarray(filter_matrix, dtype=dtype)

    params = Conv2DParams(input_zero_point=input_zero_point, rows=rows, columns=columns, groups=groups,
                          filter_matrix=filter_matrix, bias=bias, requantization=params_requantization)
    return Plan(params=params, output_shapes=[(batches, rows.output_size, columns.output_size, out_channels)])


def _patches(padded: np.ndarray, rows: Window, columns: Window) -> np.ndarray:
    """View [N, OH, OW, KH, KW, C] of the padded input: the taps each output pixel reads."""
    effective_height = (rows.filter_size - 1) * rows.dilation + 1
    effective_width = (columns.filter_size - 1) * columns.dilation + 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, (effective_height, effective_width), axis=(1, 2))
    windows = windows[:, :(rows.output_size - 1) * rows.stride + 1:rows.stride,
                      :(columns.output_size - 1) * columns.stride + 1:columns.stride, :,
                      ::rows.dilation, ::columns.dilation]
    return windows.transpose(0, 1, 2, 4, 5, 3)


def _accumulator(params: Conv2DParams, data: np.ndarray) -> np.ndarray:
    """The exact sums, [pixels, out_channels]: im2col + one exact float matmul per group."""
    batches = data.shape[0]
    padded = centered_padded_input(data, params.input_zero_point, params.rows, params.columns,
                                   params.filter_matrix.dtype.type)
    patches = _patches(padded, params.rows, params.columns)
    pixels = batches * params.rows.output_size * params.columns.output_size
    groups = params.groups
    _, depth, per_group = params.filter_matrix.shape
    if groups == 1:
        return patches.reshape(pixels, depth) @ params.filter_matrix[0]
    # Split the channel axis into (group, channel in group) and put the group first.
    grouped = patches.reshape(patches.shape[:5] + (groups, patches.shape[5] // groups))
    grouped = grouped.transpose(5, 0, 1, 2, 3, 4, 6).reshape(groups, pixels, depth)
    return np.matmul(grouped, params.filter_matrix).transpose(1, 0, 2).reshape(pixels, groups * per_group)


def _output_shape(params: Conv2DParams, data: np.ndarray) -> tuple[int, int, int, int]:
    _, _, per_group = params.filter_matrix.shape
    return data.shape[0], params.rows.output_size, params.columns.output_size, params.groups * per_group


def evaluate(params: Conv2DParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """im2col + one exact float matmul per group, then bias and per-channel requantization."""
    output = finish(_accumulator(params, inputs[0]), params.bias, params.requantization)
    return [output.reshape(_output_shape(params, inputs[0]))]


def internals(params: Conv2DParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """Accumulators, values after bias, requantized values and clamped output, each [N, OH, OW, C]."""
    stages = finish_stages(_accumulator(params, inputs[0]), params.bias, params.requantization)
    return reshape_stages(stages, _output_shape(params, inputs[0]))
