"""RESIZE_BILINEAR: each output pixel interpolates its four neighbouring input pixels (NHWC).

LiteRT's reference has two kernels (``resize_bilinear.h``):

* int8 and int16, ``ResizeBilinearInteger``: positions in fixed point with 10 fractional bits::

      scale_10 = (1024 * in + out / 2) / out      # (in - 1), (out - 1) with align_corners
      y_10 = i * scale_10 (+ scale_10 / 2 - 512 with half_pixel_centers)
      y0 = max(y_10 / 1024, 0);  y1 = min((y_10 + 1023) / 1024, in - 1)     # C division
      sum_20 = v00 (1024 - dy)(1024 - dx) + v10 dy (1024 - dx) + v01 (1024 - dy) dx + v11 dy dx
      out = (sum_20 + sign(sum_20) * 2**19) / 2**20                          # C division

  where ``dy = y_10 - 1024 * y0``; a ``TFLITE_SINGLE_ROUNDING`` build (``rounding="single"``)
  computes ``(sum_20 + 2**19) >> 20`` instead.
* float32 and uint8, ``ResizeBilinear<T>``: the same in float32, ``y = i * scale`` (or
  ``(i + 0.5) * scale - 0.5``), ``y0 = max(floor(y), 0)``, ``y1 = min(ceil(y), in - 1)``, the four
  products summed in that order, plus 0.5 for uint8, then converted by truncation.

``numerics="xnnpack"`` (int8, uint8): XNNPACK's ``s8/u8-ibilinear`` kernels with Q11 weights from
float32 positions (``xnn_indirection_init_resize_bilinear2d_hwc_q11``).

align_corners and half_pixel_centers together are refused, as by LiteRT's Prepare. Values are
interpolated as stored: no quantization parameters are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops.resize_nearest_neighbor import output_size


@dataclass(frozen=True)
class Axis:
    """Interpolation along one axis: lower and upper source index and the position (float32 or x1024)."""

    lower: np.ndarray
    upper: np.ndarray
    position: np.ndarray


@dataclass(frozen=True)
class XnnpackAxis:
    """XNNPACK's interpolation along one axis (``xnn_indirection_init_resize_bilinear2d_hwc_q11``):
    the two source indices and the weight of the second in Q11."""

    lower: np.ndarray
    upper: np.ndarray
    alpha_q11: np.ndarray


@dataclass(frozen=True)
class XnnpackBilinearParams:
    """numerics="xnnpack" for int8/uint8 (``s8-ibilinear``/``u8-ibilinear`` kernels)."""

    rows: XnnpackAxis
    columns: XnnpackAxis
    output_shape: tuple[int, ...]


def xnnpack_axis(input_size: int, output_size_: int, align_corners: bool, half_pixel_centers: bool) -> XnnpackAxis:
    """Source indices and Q11 weights as XNNPACK computes them, in float32."""
    adjustment = 1 if align_corners and output_size_ != 1 else 0
    scale = np.float32(input_size - adjustment) / np.float32(output_size_ - adjustment)
    index = np.arange(output_size_, dtype=np.float32)
    maximum = np.float32(input_size - 1)
    if align_corners or not half_pixel_centers:  # TensorFlow's legacy mapping, or align_corners
        position = np.minimum(index * scale, maximum)
    else:
        offset = np.float32(np.float32(0.5) * scale - np.float32(0.5))
        position = np.minimum(np.maximum(index * scale + offset, np.float32(0)), maximum)
    lower = position.astype(np.int64)  # truncation; positions are >= 0
    upper = np.minimum(lower + 1, input_size - 1)
    alpha = (position - lower.astype(np.float32)).astype(np.float32)
    return XnnpackAxis(lower=lower, upper=upper, alpha_q11=np.rint(alpha * np.float32(2048)).astype(np.int64))


@dataclass(frozen=True)
class BilinearParams:
    """Rows and columns, and which kernel runs."""

    rows: Axis
    columns: Axis
    integer: bool  # ResizeBilinearInteger (int8, int16) or the float kernel (float32, uint8)
    output_shape: tuple[int, ...]


def _c_divide(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """C integer division (truncation toward zero)."""
    quotient = np.abs(numerator) // denominator
    return np.where(numerator < 0, -quotient, quotient)


def integer_axis(input_size: int, output_size_: int, align_corners: bool, half_pixel_centers: bool) -> Axis:
    """``ComputeInterpolationValuesInteger`` for every output position."""
    if align_corners and output_size_ > 1:
        scale_10 = (1024 * (input_size - 1) + (output_size_ - 1) // 2) // (output_size_ - 1)
    else:
        scale_10 = (1024 * input_size + output_size_ // 2) // output_size_
    position = np.arange(output_size_, dtype=np.int64) * scale_10
    if half_pixel_centers:
        position = position + scale_10 // 2 - 512
    lower = np.maximum(_c_divide(position, 1024), 0)
    upper = np.minimum(_c_divide(position + 1023, 1024), input_size - 1)
    return Axis(lower=lower, upper=upper, position=position)


def float_axis(input_size: int, output_size_: int, align_corners: bool, half_pixel_centers: bool) -> Axis:
    """``ComputeInterpolationValues`` for every output position, in float32."""
    scale = np.float32(input_size) / np.float32(output_size_)
    if align_corners and output_size_ > 1:
        scale = np.float32(input_size - 1) / np.float32(output_size_ - 1)
    index = np.arange(output_size_, dtype=np.float32)
    position = (index + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel_centers else index * scale
    lower = np.maximum(np.floor(position).astype(np.int64), 0)
    upper = np.minimum(np.ceil(position).astype(np.int64), input_size - 1)
    return Axis(lower=lower, upper=upper, position=position.astype(np.float32))


def prepare(ctx: OpContext) -> Plan:
    """Compute the interpolation positions of every output row and column."""
    shape = ctx.input(0).shape
    height, width = output_size(ctx)
    options = ctx.options
    if options.align_corners and options.half_pixel_centers:
        raise ctx.error("align_corners and half_pixel_centers cannot both be set (LiteRT refuses it)")
    if ctx.numerics == "xnnpack" and ctx.input(0).dtype in (np.int8, np.uint8):
        xnnpack = XnnpackBilinearParams(
            rows=xnnpack_axis(shape[1], height, options.align_corners, options.half_pixel_centers),
            columns=xnnpack_axis(shape[2], width, options.align_corners, options.half_pixel_centers),
            output_shape=(shape[0], height, width, shape[3]))
        return Plan(params=xnnpack, output_shapes=[xnnpack.output_shape])
    integer = ctx.input(0).dtype in (np.int8, np.int16)
    axis = integer_axis if integer else float_axis
    params = BilinearParams(rows=axis(shape[1], height, options.align_corners, options.half_pixel_centers),
                            columns=axis(shape[2], width, options.align_corners, options.half_pixel_centers),
                            integer=integer, output_shape=(shape[0], height, width, shape[3]))
    return Plan(params=params, output_shapes=[params.output_shape])


def _corners(data: np.ndarray, rows: Axis, columns: Axis) -> tuple[np.ndarray, ...]:
    top, bottom = data[:, rows.lower], data[:, rows.upper]
    return top[:, :, columns.lower], bottom[:, :, columns.lower], top[:, :, columns.upper], bottom[:, :, columns.upper]


def _integer(params: BilinearParams, data: np.ndarray) -> np.ndarray:
    rows, columns = params.rows, params.columns
    dy = (rows.position - 1024 * rows.lower)[None, :, None, None]
    dx = (columns.position - 1024 * columns.lower)[None, None, :, None]
    v00, v10, v01, v11 = (c.astype(np.int64) for c in _corners(data, rows, columns))
    total = v00 * (1024 - dy) * (1024 - dx) + v10 * dy * (1024 - dx) + v01 * (1024 - dy) * dx + v11 * dy * dx
    if fixedpoint.current_rounding() == "single":
        result = (total + (1 << 19)) >> 20
    else:
        result = _c_divide(total + np.where(total > 0, 1 << 19, -(1 << 19)), 1 << 20)
    return result.astype(data.dtype)  # static_cast<T>: the value is already in range


def _float(params: BilinearParams, data: np.ndarray) -> np.ndarray:
    rows, columns = params.rows, params.columns
    one = np.float32(1)
    dy = (rows.position - rows.lower.astype(np.float32)).astype(np.float32)[None, :, None, None]
    dx = (columns.position - columns.lower.astype(np.float32)).astype(np.float32)[None, None, :, None]
    v00, v10, v01, v11 = (c.astype(np.float32) for c in _corners(data, rows, columns))
    # The reference's order of float32 operations: ((v * wy) * wx) summed left to right.
    total = v00 * (one - dy) * (one - dx) + v10 * dy * (one - dx) + v01 * (one - dy) * dx + v11 * dy * dx
    if data.dtype == np.uint8:
        total = total + np.float32(0.5)
        return np.trunc(total).astype(np.int64).astype(np.uint8)
    return total.astype(np.float32)


def _xnnpack(params: XnnpackBilinearParams, data: np.ndarray) -> np.ndarray:
    """``s8-ibilinear``: horizontal then vertical blend in Q11, rounded by ``(acc + 2**21) >> 22``."""
    rows, columns = params.rows, params.columns
    top, bottom = data[:, rows.lower].astype(np.int64), data[:, rows.upper].astype(np.int64)
    top_left, top_right = top[:, :, columns.lower], top[:, :, columns.upper]
    bottom_left, bottom_right = bottom[:, :, columns.lower], bottom[:, :, columns.upper]
    alpha_h = columns.alpha_q11[None, None, :, None]
    alpha_v = rows.alpha_q11[None, :, None, None]
    upper_row = top_left * 2048 + (top_right - top_left) * alpha_h
    lower_row = bottom_left * 2048 + (bottom_right - bottom_left) * alpha_h
    accumulator = upper_row * 2048 + (lower_row - upper_row) * alpha_v
    return ((accumulator + (1 << 21)) >> 22).astype(data.dtype)


def evaluate(params: BilinearParams | XnnpackBilinearParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Interpolate with the integer or the float kernel."""
    if isinstance(params, XnnpackBilinearParams):
        return [_xnnpack(params, inputs[0])]
    return [_integer(params, inputs[0]) if params.integer else _float(params, inputs[0])]
