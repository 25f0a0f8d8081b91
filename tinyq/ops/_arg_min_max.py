"""Shared Prepare and Eval of ARG_MAX and ARG_MIN (LiteRT ``arg_min_max.cc``).

Prepare: the axis input is a constant int32 or int64 tensor holding exactly one value (negative
values count from the end); the input has rank >= 1; the output drops the axis dimension and has
the dtype named by the ``output_type`` option (int32 or int64; LiteRT overwrites the output
tensor's type with it, tinyq requires the file to agree). The axis dimension must not be empty.

Eval (``ArgMinMax``): along the axis, the index of the first largest (ARG_MAX) or smallest
(ARG_MIN) value: a later value replaces the current one only if strictly greater (smaller), so ties
keep the first index and -0.0 ties with +0.0. Integer and bool inputs compare stored values (the
quantization of an int8/uint8 input plays no part). float32 inputs follow the NaN-aware comparator
of LiteRT's ``reference_ops::ArgMinMax`` (TensorFlow's semantics): a NaN never replaces anything
and is replaced by any non-NaN value, so NaN is skipped and an all-NaN row gives index 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext

# TensorType codes the output_type option may hold.
_OUTPUT_TYPES = {2: np.dtype(np.int32), 4: np.dtype(np.int64)}


@dataclass(frozen=True)
class ArgMinMaxParams:
    """The resolved axis and the output dtype."""

    axis: int
    output_dtype: np.dtype
    output_shape: tuple[int, ...]


def prepare_arg_min_max(ctx: OpContext) -> ArgMinMaxParams:
    """Check the axis input and the output_type option; the output shape drops the axis."""
    operand, output = ctx.input(0), ctx.output(0)
    rank = len(operand.shape)
    if rank == 0:
        raise ctx.error("the input is a scalar; it needs at least one dimension to reduce")
    axis_values = ctx.constant(1, "axis")
    if axis_values.size != 1:
        raise ctx.error(f"the axis input holds {axis_values.size} values; it must hold exactly one")
    value = int(axis_values.reshape(-1)[0])
    axis = value + rank if value < 0 else value
    if not 0 <= axis < rank:
        raise ctx.error(f"axis {value} is out of range for a {rank}-D input (valid: {-rank} to {rank - 1})")
    if operand.shape[axis] == 0:
        raise ctx.error(f"axis {value} of the input has size 0: there is no element to pick")
    output_type = ctx.options.output_type
    if output_type not in _OUTPUT_TYPES:
        raise ctx.error(f"output_type {output_type} is not a valid index type; it must be INT32 (2) or INT64 (4)")
    output_dtype = _OUTPUT_TYPES[output_type]
    if output.dtype != output_dtype:
        raise ctx.error(f"output_type says {output_dtype.name} but the output tensor is {output.dtype.name}")
    output_shape = operand.shape[:axis] + operand.shape[axis + 1:]
    return ArgMinMaxParams(axis=axis, output_dtype=output_dtype, output_shape=output_shape)


def arg_min_max(values: np.ndarray, params: ArgMinMaxParams, maximum: bool) -> np.ndarray:
    """Index of the first largest (``maximum``) or smallest value along the axis, NaN skipped."""
    if values.dtype.kind == "f":
        # fmax/fmin ignore NaN (NaN only when all are); no element equals NaN, so argmax of the
        # comparison gives the first index holding the extreme, or 0 for an all-NaN row.
        extreme = (np.fmax if maximum else np.fmin).reduce(values, axis=params.axis, keepdims=True)
        index = np.argmax(values == extreme, axis=params.axis)
    else:
        index = np.argmax(values, axis=params.axis) if maximum else np.argmin(values, axis=params.axis)
    return index.astype(params.output_dtype).reshape(params.output_shape)
