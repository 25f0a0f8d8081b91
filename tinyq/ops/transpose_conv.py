"""TRANSPOSE_CONV, int8: the gradient of a strided convolution, scattered into an int32 accumulator.

Operands (LiteRT ``transpose_conv.cc``): ``output_shape`` (a constant int32 ``[N, H, W, C_out]``),
``weights`` (``[C_out, KH, KW, C_in]``, OHWI), ``input`` (``[N, H_in, W_in, C_in]``) and an
optional int32 ``bias`` of ``C_out`` values.

Geometry (Eval, ``ComputePaddingHeightWidthChecked`` with dilation 1): the op is the transpose of
a convolution whose *input* is this op's output, so ``ComputeOutSize(padding, H, KH, stride_h)``
(SAME: ``ceil(H / stride)``, VALID: ``(H - KH + stride) / stride``) must equal ``H_in``, and
``pad_height = max((H_in - 1) * stride_h + KH - H, 0) / 2`` (0 for VALID); the same for widths.

Accumulation (``reference_integer_ops::TransposeConv``): a zeroed int32 ``scratch_buffer`` of the
output's shape receives, for every input element and filter tap,
``scratch[b, in_y * stride_h - pad_height + ky, in_x * stride_w - pad_width + kx, oc] +=
(input + input_offset) * weights[oc, ky, kx, ic]`` with ``input_offset = -input_zero_point``;
taps landing outside the output are dropped. The weight zero point is never read.

Requantization, per output channel (``PopulateConvolutionQuantizationParams``, as CONV_2D):
``output_multiplier[c], output_shift[c] = QuantizeMultiplier(double(input_scale) *
double(weights_scale[c]) / double(output_scale))``; ``acc = scratch + bias[c]`` (int32, wraps),
``out = MultiplyByQuantizedMultiplier(acc, output_multiplier[c], output_shift[c]) + output_offset``
clamped to the fused activation's range (``fused_activation_function``, present from schema
version 4; older files decode as NONE).

tinyq computes the scatter-add as one BLAS matrix product ``[N*H_in*W_in, C_in] x [C_in,
KH*KW*C_out]`` of the centred input and the weights (exact: float32 when the per-channel sum of
``|weights|`` times ``max|input - input_zero_point|`` is at most 2**24, else float64), then a
col2im: one strided add per filter tap into a buffer covering every position a tap reaches,
from which the output window (offset by the padding) is cut.

Prepare refuses a non-zero weight zero point (ModelError: int8 TRANSPOSE_CONV weights are
symmetric by the TFLite quantization spec); LiteRT's reference accepts such a file and silently
ignores the zero point. Weights and ``output_shape`` must be known at load (LiteRT also accepts
them computed at run time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._convolution import (Requantization, activation_quantization, bias_values, exact_matmul_dtype,
                                    filter_quantization, finish, finish_stages, requantization)
from tinyq.ops._window import window_geometry

# LiteRT's Prepare bounds the strides by INT16_MAX.
MAX_STRIDE = 2**15 - 1


@dataclass(frozen=True)
class Scatter:
    """Where the filter taps of one spatial dimension land on the output."""

    input_size: int
    output_size: int
    stride: int
    filter_size: int
    padding: int  # pad_height / pad_width: output position = in * stride - padding + tap
    buffer_size: int  # positions in * stride + tap can reach, or padding + output_size if more


@dataclass(frozen=True)
class TransposeConvParams:
    """Constants of one TRANSPOSE_CONV, computed at load."""

    input_zero_point: int
    rows: Scatter
    columns: Scatter
    weights_matrix: np.ndarray  # float32/64 [C_in, KH * KW * C_out]
    out_channels: int
    bias: np.ndarray | None  # int64 [C_out]
    requantization: Requantization
    output_shape: tuple[int, int, int, int]


def _scatter(ctx: OpContext, axis_name: str, padding: int, input_size: int, output_size: int, filter_size: int,
             stride: int) -> Scatter:
    """Check the output size against the input size and compute the padding (ComputePaddingHeightWidth)."""
    try:
        computed_input_size, pad = window_geometry(padding, output_size, filter_size, stride)
    except ValueError as exc:
        raise ctx.error(f"{axis_name}: {exc}") from None
    if computed_input_size != input_size:
        raise ctx.error(f"the output {axis_name} {output_size} with filter {filter_size}, stride {stride} and "
                        f"{'SAME' if padding == 0 else 'VALID'} padding corresponds to an input {axis_name} of "
                        f"{computed_input_size}, but the input has {input_size}")
    reach = (input_size - 1) * stride + filter_size
    return Scatter(input_size=input_size, output_size=output_size, stride=stride, filter_size=filter_size,
                   padding=pad, buffer_size=max(reach, pad + output_size))


def prepare(ctx: OpContext) -> Plan:
    """Check shapes, quantization and options; build the weight matrix and multipliers."""
    options = ctx.options
    weights_operand, input_operand = ctx.input(1), ctx.input(2)
    shape_values = ctx.constant(0, "output_shape")
    if shape_values.ndim != 1 or shape_values.size != 4:
        raise ctx.error(f"output_shape is {shape_values.tolist()} of shape {list(shape_values.shape)}; it must be "
                        f"a 1-D tensor of 4 values [batch, height, width, channels]")
    output_shape = tuple(int(v) for v in shape_values)
    if len(input_operand.shape) != 4 or len(weights_operand.shape) != 4:
        raise ctx.error(f"input {list(input_operand.shape)} and weights {list(weights_operand.shape)} must both be "
                        f"4-D (NHWC input, OHWI weights)")
    batches, in_height, in_width, in_channels = input_operand.shape
    out_channels, filter_height, filter_width, filter_in = weights_operand.shape
    if min(in_height, in_width, in_channels) < 1 or min(out_channels, filter_height, filter_width) < 1:
        raise ctx.error(f"input {list(input_operand.shape)} and weights {list(weights_operand.shape)} need every "
                        f"spatial and channel dimension >= 1")
    if filter_in != in_channels:
        raise ctx.error(f"the weights have {filter_in} input channels but the input has {in_channels}")
    if output_shape[0] != batches or output_shape[3] != out_channels:
        raise ctx.error(f"output_shape {list(output_shape)} must have the input's batch {batches} and the weights' "
                        f"{out_channels} output channels")
    if output_shape[1] < 1 or output_shape[2] < 1:
        raise ctx.error(f"output_shape {list(output_shape)} needs height and width >= 1")
    for name, stride in (("stride_h", options.stride_h), ("stride_w", options.stride_w)):
        if not 1 <= stride <= MAX_STRIDE:
            raise ctx.error(f"{name} is {stride}; it must lie in [1, {MAX_STRIDE}]")

    quantization = filter_quantization(ctx, weights_operand, out_channels, channel_axis=0, role="weights")
    if np.any(quantization.zero_point != 0):
        raise ctx.error(f"the weights have zero points {quantization.zero_point.tolist()}; int8 TRANSPOSE_CONV "
                        f"weights must be symmetric (zero point 0); LiteRT would silently ignore them")
    input_scale, input_zero_point = activation_quantization(ctx, input_operand, "input")
    # XNNPACK's delegate leaves to LiteRT's builtin kernel a VALID transpose convolution whose output
    # is smaller than the filter, and a SAME one whose stride exceeds the filter (CalculateTransposeConvPaddings).
    if options.padding == 1:
        xnnpack_takes_it = filter_height <= output_shape[1] and filter_width <= output_shape[2]
    else:
        xnnpack_takes_it = filter_height >= options.stride_h and filter_width >= options.stride_w
    params_requantization = requantization(ctx, input_scale, quantization.scale, out_channels, xnnpack_takes_it)
    bias = bias_values(ctx, 3, out_channels)

    rows = _scatter(ctx, "height", options.padding, in_height, output_shape[1], filter_height, options.stride_h)
    columns = _scatter(ctx, "width", options.padding, in_width, output_shape[2], filter_width, options.stride_w)

    weights = ctx.constant(1, "weights").astype(np.int64)
    dtype = exact_matmul_dtype(np.abs(weights).reshape(out_channels, -1).sum(axis=1), input_zero_point)
    # [O, KH, KW, I] -> [I, KH * KW * O]: one input pixel's contribution to every tap and channel.
    weights_matrix = np.ascontiguousarray(weights.transpose(3, 1, 2, 0).reshape(in_channels, -1), dtype=dtype)
    params = TransposeConvParams(input_zero_point=input_zero_point, rows=rows, columns=columns,
                                 weights_matrix=weights_matrix, out_channels=out_channels, bias=bias,
                                 requantization=params_requantization, output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def _accumulator(params: TransposeConvParams, data: np.ndarray) -> np.ndarray:
    """The exact scatter-added sums, [N, H, W, C_out]: matmul of the centred input, col2im per tap."""
    dtype = params.weights_matrix.dtype.type
    batches, in_height, in_width, in_channels = data.shape
    rows, columns = params.rows, params.columns
    centred = data.reshape(-1, in_channels).astype(dtype) - dtype(params.input_zero_point)
    taps = (centred @ params.weights_matrix).reshape(batches, in_height, in_width, rows.filter_size,
                                                     columns.filter_size, params.out_channels)
    scratch = np.zeros((batches, rows.buffer_size, columns.buffer_size, params.out_channels), dtype=dtype)
    row_span = (in_height - 1) * rows.stride + 1
    column_span = (in_width - 1) * columns.stride + 1
    for filter_y in range(rows.filter_size):
        for filter_x in range(columns.filter_size):
            scratch[:, filter_y:filter_y + row_span:rows.stride,
                    filter_x:filter_x + column_span:columns.stride, :] += taps[:, :, :, filter_y, filter_x, :]
    # Taps that land before the padding or after the output are dropped, as in the reference.
    return scratch[:, rows.padding:rows.padding + rows.output_size,
                   columns.padding:columns.padding + columns.output_size, :]


def evaluate(params: TransposeConvParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Matmul of the centred input with the weights, col2im scatter-add per tap, requantization."""
    return [finish(_accumulator(params, inputs[2]), params.bias, params.requantization)]


def internals(params: TransposeConvParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """Accumulators, values after bias, requantized values and clamped output, each [N, H, W, C_out]."""
    return finish_stages(_accumulator(params, inputs[2]), params.bias, params.requantization)
