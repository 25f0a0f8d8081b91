"""Shared Prepare of the int8 2-D pools (AVERAGE_POOL_2D, MAX_POOL_2D): checks and window bounds.

LiteRT's ``pooling.cc`` GenericPrepare: a 4-D NHWC input, strides >= 1, output size and padding
from ``ComputePaddingHeightWidth`` (SAME: ``ceil(in / stride)`` outputs, the odd extra padding
after; VALID: no padding). The reference kernels (``reference_integer_ops::AveragePool`` /
``MaxPool``) then visit, for output position ``out_y``, the input rows

    in_y_origin = out_y * stride_height - padding_height
    filter_y_start = max(0, -in_y_origin),  filter_y_end = min(filter_height, input_height - in_y_origin)
    rows in_y_origin + [filter_y_start, filter_y_end)

(same for columns): padding taps are skipped, never read as values. Prepare computes these
clipped bounds once per output row and column; every window holds at least one input pixel.

Quantization: both pools work on the raw int8 values, so input and output must share scale and
zero point. LiteRT only ``DCHECK``s this (a release build silently pools the raw values of
mismatched tensors); TFLite Micro enforces ``|input_scale - output_scale| <= 1e-6`` (float32
difference) and equal zero points, and so does tinyq. The fused activation clamp uses the
output's quantization (``CalculateActivationRangeQuantized``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext
from tinyq.ops._window import window_geometry

# The scale tolerance of the reference's DCHECK and of TFLM's TF_LITE_ENSURE.
SCALE_TOLERANCE = 1.0e-6


@dataclass(frozen=True)
class PoolParams:
    """The reference's PoolParams plus the clipped window bounds of every output row and column."""

    stride_height: int
    stride_width: int
    filter_height: int
    filter_width: int
    padding_height: int  # padding_values.height: rows of padding before the input
    padding_width: int
    quantized_activation_min: int
    quantized_activation_max: int
    window_row_start: np.ndarray  # int64 [output_height]: first input row of each window
    window_row_end: np.ndarray  # int64 [output_height]: one past its last input row
    window_col_start: np.ndarray  # int64 [output_width]
    window_col_end: np.ndarray  # int64 [output_width]
    output_shape: tuple[int, int, int, int]


def _window_bounds(output_size: int, stride: int, padding: int, filter_size: int,
                   input_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Clipped [start, end) input indices of each window along one dimension."""
    origin = np.arange(output_size, dtype=np.int64) * stride - padding  # in_y_origin
    start = origin + np.maximum(0, -origin)  # in_y_origin + filter_y_start
    end = origin + np.minimum(filter_size, input_size - origin)  # in_y_origin + filter_y_end
    return start, end


def _check_same_quantization(ctx: OpContext) -> None:
    operand, output = ctx.input(0), ctx.output(0)
    input_scale, output_scale = operand.scale, output.scale  # ModelError unless per tensor
    if not (math.isfinite(output_scale) and output_scale > 0.0):
        raise ctx.error(f"the output (tensor {output.index} '{output.name}') has scale {output_scale}; it must be "
                        f"positive and finite")
    scale_difference = float(abs(np.float32(input_scale) - np.float32(output_scale)))  # float32 subtraction
    if not scale_difference <= SCALE_TOLERANCE or operand.zero_point != output.zero_point:
        raise ctx.error(f"input (scale {input_scale!r}, zero point {operand.zero_point}) and output (scale "
                        f"{output_scale!r}, zero point {output.zero_point}) quantization differ; {ctx.op.name} "
                        f"pools raw int8 values, so they must match (scales within {SCALE_TOLERANCE})")


def prepare_pool(ctx: OpContext) -> PoolParams:
    """Checks of GenericPrepare, the output shape, the window bounds and the activation clamp."""
    operand = ctx.input(0)
    options = ctx.options
    if len(operand.shape) != 4:
        raise ctx.error(f"the input has shape {list(operand.shape)}; {ctx.op.name} needs a 4-D NHWC input")
    batches, input_height, input_width, channels = operand.shape
    if input_height < 1 or input_width < 1:
        raise ctx.error(f"the input has shape {list(operand.shape)}; its height and width must be at least 1")
    _check_same_quantization(ctx)
    geometry = []
    for name, padding, input_size, filter_size, stride in (
            ("height", options.padding, input_height, options.filter_height, options.stride_h),
            ("width", options.padding, input_width, options.filter_width, options.stride_w)):
        try:
            geometry.append(window_geometry(padding, input_size, filter_size, stride))
        except ValueError as exc:
            raise ctx.error(f"{name}: {exc}") from None
    (output_height, padding_height), (output_width, padding_width) = geometry
    row_start, row_end = _window_bounds(output_height, options.stride_h, padding_height, options.filter_height,
                                        input_height)
    col_start, col_end = _window_bounds(output_width, options.stride_w, padding_width, options.filter_width,
                                        input_width)
    output = ctx.output(0)
    activation_min, activation_max = ctx.fused_activation_range(output.scale, output.zero_point)
    return PoolParams(stride_height=options.stride_h, stride_width=options.stride_w,
                      filter_height=options.filter_height, filter_width=options.filter_width,
                      padding_height=padding_height, padding_width=padding_width,
                      quantized_activation_min=activation_min, quantized_activation_max=activation_max,
                      window_row_start=row_start, window_row_end=row_end,
                      window_col_start=col_start, window_col_end=col_end,
                      output_shape=(batches, output_height, output_width, channels))
