"""DEPTHWISE_CONV_2D, int8: NHWC input, [1, H, W, C * M] filter, depth multiplier M.

Arithmetic (LiteRT ``reference_integer_ops::DepthwiseConvPerChannel``), for output channel
``c * M + m`` (input channel ``c``)::

    acc = sum over in-image taps (ky, kx) of filter[0, ky, kx, c * M + m] * (input[y, x, c] + input_offset)
    acc += bias[c * M + m]                           (int32, wraps)
    out = MultiplyByQuantizedMultiplier(acc, output_multiplier[oc], output_shift[oc]) + output_offset
    out = clamp(out, output_activation_min, output_activation_max)

with the per-channel multipliers of ``PopulateConvolutionQuantizationParams`` (see CONV_2D).
Taps outside the image are skipped, which equals padding with the input zero point.

tinyq loops over the filter taps only (H * W of them); each tap is one vectorized int32
multiply-add over every pixel and channel, exactly the reference's int32 arithmetic.

Prepare checks, as LiteRT's ``depthwise_conv.cc``: 4-D input and filter, filter dimension 0 of
size 1, output channels a multiple of input channels, strides and dilations >= 1, one filter
scale or one per output channel along ``quantized_dimension`` 3, int32 bias with zero point 0.

Where the official interpreters differ or are lenient:

* The depth multiplier is ``output_channels / input_channels`` (LiteRT ``ComputeDepthMultiplier``);
  the ``depth_multiplier`` option is not read. TFLite Micro uses the option, so a model whose
  option disagrees with its shapes gives different results there.
* Filter zero points are not checked and not used by either interpreter (the reference sets
  ``weights_offset = 0``); tinyq ignores them too.
* A fused activation other than NONE, RELU, RELU6 and RELU_N1_TO_1 is silently treated as NONE by
  both interpreters; tinyq refuses it (UnsupportedOpError). The bias is optional in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._convolution import (Requantization, Window, activation_quantization, bias_values,
                                    centered_padded_input, filter_quantization, finish, finish_stages,
                                    requantization, tap_slice, window)


@dataclass(frozen=True)
class DepthwiseConv2DParams:
    """Constants of one DEPTHWISE_CONV_2D, computed at load."""

    input_zero_point: int
    depth_multiplier: int
    rows: Window
    columns: Window
    filter_taps: np.ndarray  # int32 [filter_height, filter_width, in_channels, depth_multiplier]
    bias: np.ndarray | None  # int64 [out_channels]
    requantization: Requantization


def prepare(ctx: OpContext) -> Plan:
    """Check shapes, quantization and options; arrange the filter per tap; compute multipliers."""
    options = ctx.options
    input_operand = ctx.input(0)
    filter_operand = ctx.input(1)
    if len(input_operand.shape) != 4 or len(filter_operand.shape) != 4:
        raise ctx.error(f"input {list(input_operand.shape)} and filter {list(filter_operand.shape)} must both be "
                        f"4-D (NHWC input, [1, H, W, C * M] filter)")
    batches, in_height, in_width, in_channels = input_operand.shape
    filter_batch, filter_height, filter_width, out_channels = filter_operand.shape
    if min(in_height, in_width, in_channels) < 1 or min(filter_height, filter_width, out_channels) < 1:
        raise ctx.error(f"input {list(input_operand.shape)} and filter {list(filter_operand.shape)} need every "
                        f"spatial and channel dimension >= 1")
    if filter_batch != 1:
        raise ctx.error(f"the filter has shape {list(filter_operand.shape)}; DEPTHWISE_CONV_2D needs [1, H, W, C * M]")
    if out_channels % in_channels != 0:
        raise ctx.error(f"the filter has {out_channels} output channels, not a multiple of the input's "
                        f"{in_channels} channels")
    depth_multiplier = out_channels // in_channels
    if options.stride_h < 1 or options.stride_w < 1:
        raise ctx.error(f"strides ({options.stride_h}, {options.stride_w}) must be >= 1")
    if options.dilation_h_factor < 1 or options.dilation_w_factor < 1:
        raise ctx.error(f"dilation factors ({options.dilation_h_factor}, {options.dilation_w_factor}) must be >= 1")

    quantization = filter_quantization(ctx, filter_operand, out_channels, channel_axis=3)
    input_scale, input_zero_point = activation_quantization(ctx, input_operand, "input")
    params_requantization = requantization(ctx, input_scale, quantization.scale, out_channels)
    bias_operand = ctx.input(2)
    if bias_operand is not None and len(bias_operand.shape) != 1:
        raise ctx.error(f"the bias has shape {list(bias_operand.shape)}; it must be 1-D")
    bias = bias_values(ctx, 2, out_channels)

    rows = window(ctx, "height", options.padding, in_height, filter_height, options.stride_h,
                  options.dilation_h_factor)
    columns = window(ctx, "width", options.padding, in_width, filter_width, options.stride_w,
                     options.dilation_w_factor)
    weights = ctx.constant(1, "filter").astype(np.int32)
    filter_taps = np.ascontiguousarray(weights.reshape(filter_height, filter_width, in_channels, depth_multiplier))
    params = DepthwiseConv2DParams(input_zero_point=input_zero_point, depth_multiplier=depth_multiplier, rows=rows,
                                   columns=columns, filter_taps=filter_taps, bias=bias,
                                   requantization=params_requantization)
    return Plan(params=params, output_shapes=[(batches, rows.output_size, columns.output_size, out_channels)])


def _accumulator(params: DepthwiseConv2DParams, data: np.ndarray) -> np.ndarray:
    """The int32 sums, [N, OH, OW, C * M]: one multiply-add per filter tap over all pixels and channels."""
    batches, _, _, in_channels = data.shape
    rows, columns = params.rows, params.columns
    padded = centered_padded_input(data, params.input_zero_point, rows, columns, np.int32)
    accumulator = np.zeros((batches, rows.output_size, columns.output_size, in_channels, params.depth_multiplier),
                           dtype=np.int32)
    filter_height, filter_width = params.filter_taps.shape[:2]
    for ky in range(filter_height):
        for kx in range(filter_width):
            tap = padded[:, tap_slice(rows, ky), tap_slice(columns, kx), :, np.newaxis]
            accumulator += tap * params.filter_taps[ky, kx]
    return accumulator.reshape(batches, rows.output_size, columns.output_size, in_channels * params.depth_multiplier)


def evaluate(params: DepthwiseConv2DParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One int32 multiply-add per filter tap over all pixels and channels, then requantization."""
    return [finish(_accumulator(params, inputs[0]), params.bias, params.requantization)]


def internals(params: DepthwiseConv2DParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """Accumulators, values after bias, requantized values and clamped output, each [N, OH, OW, C * M]."""
    return finish_stages(_accumulator(params, inputs[0]), params.bias, params.requantization)
