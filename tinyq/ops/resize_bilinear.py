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


def evaluate(params: BilinearParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Interpolate with the integer or the float kernel."""
    return [_integer(params, inputs[0]) if params.integer else _float(params, inputs[0])]
