"""RESIZE_NEAREST_NEIGHBOR: each output pixel copies the nearest input pixel (NHWC).

As LiteRT ``reference_ops::ResizeNearestNeighbor`` / ``GetNearestNeighbor``, per output row (and
likewise per column), all in float32::

    scale  = (in - 1) / float(out - 1)  if align_corners and out > 1  else  in / float(out)
    offset = 0.5 if half_pixel_centers else 0
    source = min(round((i + offset) * scale) if align_corners else floor((i + offset) * scale), in - 1)
    source = max(source, 0) if half_pixel_centers

(``round`` is half away from zero). The size tensor is a constant int32 pair (height, width).
Values are copied: no quantization parameters are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.fixedpoint import round_half_away_from_zero
from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class NearestParams:
    """The source row of every output row and source column of every output column."""

    rows: np.ndarray
    columns: np.ndarray


def output_size(ctx: OpContext) -> tuple[int, int]:
    """The constant (height, width) size tensor of a resize op, checked."""
    shape = ctx.input(0).shape
    size = ctx.constant(1, "size")
    if len(shape) != 4 or size.shape != (2,):
        raise ctx.error(f"input {list(shape)} must be 4-D (NHWC) and size {list(size.shape)} a pair (height, width)")
    height, width = (int(v) for v in size)
    if height < 1 or width < 1:
        raise ctx.error(f"size ({height}, {width}) must be positive")
    return height, width


def source_indices(input_size: int, output_size_: int, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """``GetNearestNeighbor`` for every output position along one axis."""
    if align_corners and output_size_ > 1:
        scale = np.float32(input_size - 1) / np.float32(output_size_ - 1)
    else:
        scale = np.float32(input_size) / np.float32(output_size_)
    offset = np.float32(0.5 if half_pixel_centers else 0.0)
    scaled = (np.arange(output_size_, dtype=np.float32) + offset) * scale
    picked = round_half_away_from_zero(scaled) if align_corners else np.floor(scaled)
    source = np.minimum(picked.astype(np.int64), input_size - 1)
    return np.maximum(source, 0) if half_pixel_centers else source


def prepare(ctx: OpContext) -> Plan:
    """Compute the source row and column of every output pixel."""
    shape = ctx.input(0).shape
    height, width = output_size(ctx)
    options = ctx.options
    rows = source_indices(shape[1], height, options.align_corners, options.half_pixel_centers)
    columns = source_indices(shape[2], width, options.align_corners, options.half_pixel_centers)
    return Plan(params=NearestParams(rows=rows, columns=columns), output_shapes=[(shape[0], height, width, shape[3])])


def evaluate(params: NearestParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Gather rows then columns."""
    return [inputs[0][:, params.rows][:, :, params.columns]]
