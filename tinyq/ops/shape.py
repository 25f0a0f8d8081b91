"""SHAPE: the input's shape as a 1-D int32 or int64 tensor.

As LiteRT ``shape.cc``: ``out_type`` (ShapeOptions) must be INT32 or INT64 and decides the output
type; the value is known from the input's shape alone, so Prepare computes it (LiteRT marks the
output persistent read-only for the same reason) and tinyq folds it at load: a RESHAPE or
STRIDED_SLICE reading it sees a constant. The input's data and quantization are not read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

# TensorType codes ShapeOptions.out_type may hold, with the numpy dtype of each.
OUT_TYPES = {2: np.dtype(np.int32), 4: np.dtype(np.int64)}


@dataclass(frozen=True)
class ShapeParams:
    """The output dtype."""

    out_type: np.dtype


def prepare(ctx: OpContext) -> Plan:
    """Check out_type against the output tensor and compute the shape vector."""
    out_type = OUT_TYPES.get(ctx.options.out_type)
    if out_type is None:
        raise ctx.error(f"out_type is TensorType {ctx.options.out_type}; SHAPE produces INT32 (2) or INT64 (4)")
    output = ctx.output(0)
    if output.dtype != out_type:
        raise ctx.error(f"out_type says {out_type.name} but the output tensor {output.index} '{output.name}' is "
                        f"{output.dtype.name}")
    input_shape = ctx.input(0).shape
    value = np.array(input_shape, dtype=out_type)
    return Plan(params=ShapeParams(out_type=out_type), output_shapes=[(len(input_shape),)],
                known_outputs=[value])


def evaluate(params: ShapeParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The shape of the input array (used when the input's shape is only known at run time)."""
    return [np.array(inputs[0].shape, dtype=params.out_type)]
