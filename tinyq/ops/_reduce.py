"""Shared Prepare and Eval pieces of the reductions over constant axes (MEAN, SUM, REDUCE_*).

LiteRT's ``reduce.cc`` (``PrepareSimple``/``ResizeOutputTensor``) and ``reference/reduce.h``:

* The axis input is a constant int32 tensor of any length. ``ResolveAxis`` adds the rank to
  negative entries, rejects entries outside ``[-rank, rank)`` and drops duplicates. A scalar
  (rank-0) input ignores the axis values and gives a scalar.
* ``keep_dims`` turns each reduced dimension into 1; otherwise reduced dimensions disappear.
  No axes at all reduces nothing (``num_elements_in_axis = 1``).
* ``ReduceGeneric`` visits the input in row-major order and folds each value into its output
  element, so one output element sees its inputs in row-major order of the reduced axes. Only
  order-sensitive folds (REDUCE_PROD's per-step requantization) need that order; sums, maxima
  and minima of integers do not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import Operand, OpContext

# MultiplyByQuantizedMultiplier computes x * (1 << shift): the shift must stay below 32.
MAX_LEFT_SHIFT = 31


@dataclass(frozen=True)
class Reduction:
    """Where a reduction reduces: resolved axes and both shapes."""

    axes: tuple[int, ...]  # non-negative, no duplicates, in the order given
    keep_dims: bool
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    num_elements_in_axis: int  # product of the reduced dimensions (1 when nothing is reduced)

    @property
    def empty_input(self) -> bool:
        """Whether the input has no elements (the reference then writes initial values only)."""
        return math.prod(self.input_shape) == 0


def resolve_axes(ctx: OpContext, axis_values: np.ndarray, rank: int) -> tuple[int, ...]:
    """The reference's ResolveAxis: wrap negative axes, reject out-of-range ones, drop duplicates."""
    if rank == 0:
        return ()
    resolved: list[int] = []
    for value in axis_values.reshape(-1).tolist():
        axis = value + rank if value < 0 else value
        if not 0 <= axis < rank:
            raise ctx.error(f"axis {value} is out of range for a {rank}-D input (valid: {-rank} to {rank - 1})")
        if axis not in resolved:
            resolved.append(axis)
    return tuple(resolved)


def prepare_reduction(ctx: OpContext) -> Reduction:
    """Resolve the constant axis input (input 1) and compute the output shape (``ResizeOutputTensor``)."""
    shape = ctx.input(0).shape
    axes = resolve_axes(ctx, ctx.constant(1, "axis"), len(shape))
    keep_dims = bool(ctx.options.keep_dims)
    if keep_dims:
        output_shape = tuple(1 if d in axes else size for d, size in enumerate(shape))
    else:
        output_shape = tuple(size for d, size in enumerate(shape) if d not in axes)
    return Reduction(axes=axes, keep_dims=keep_dims, input_shape=shape, output_shape=output_shape,
                     num_elements_in_axis=math.prod(shape[d] for d in axes))


def positive_scale(ctx: OpContext, operand: Operand, role: str) -> float:
    """The per-tensor scale of ``operand``; a ModelError unless it is positive and finite."""
    scale = operand.scale  # raises ModelError unless quantized per tensor
    if not (math.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; it must be "
                        f"positive and finite")
    return scale


def check_same_quantization(ctx: OpContext) -> None:
    """REDUCE_MAX/MIN on 8-bit data compare stored values: LiteRT's EvalType requires
    ``input.params.scale == output.params.scale`` and equal zero points (an unquantized tensor
    counts as scale 0, zero point 0), and fails at invoke otherwise."""
    def params(operand: Operand) -> tuple[float, int]:
        if operand.quantization is None:
            return 0.0, 0
        return operand.scale, operand.zero_point  # per-channel quantization raises ModelError

    source, result = params(ctx.input(0)), params(ctx.output(0))
    if source != result:
        raise ctx.error(f"input (scale {source[0]!r}, zero point {source[1]}) and output (scale {result[0]!r}, "
                        f"zero point {result[1]}) must share their quantization: the op compares stored values")


def sum_rescaling(ctx: OpContext) -> tuple[int, int]:
    """``PrepareMeanOrSum``: QuantizeMultiplier(double(input_scale) / double(output_scale))."""
    input_scale = positive_scale(ctx, ctx.input(0), "input")
    output_scale = positive_scale(ctx, ctx.output(0), "output")
    return fixedpoint.quantize_multiplier(input_scale / output_scale)


def check_left_shift(ctx: OpContext, output_shift: int) -> None:
    """Refuse a rescaling whose left shift MultiplyByQuantizedMultiplier cannot apply (undefined in C++)."""
    if output_shift > MAX_LEFT_SHIFT:
        raise ctx.unsupported(f"the input/output scale ratio needs a left shift of {output_shift}; "
                              f"MultiplyByQuantizedMultiplier shifts by at most {MAX_LEFT_SHIFT}")


def quantized_mean_or_sum(values: np.ndarray, reduction: Reduction, input_zero_point: int, output_multiplier: int,
                          output_shift: int, output_zero_point: int, dtype: type) -> np.ndarray:
    """The Eval loop of ``reference_ops::QuantizedMeanOrSum`` for 8-bit data (the multiplier given).

    ``temp_sum`` is the int32 sum over the axes, ``shifted_sum = int32(temp_sum - input_zero_point *
    num_elements_in_axis)``, then ``MultiplyByQuantizedMultiplier(shifted_sum, output_multiplier,
    output_shift) + output_zero_point`` clamped to ``dtype``. An input without elements gives zeros
    (the reference's initial ``T()`` output, written before it returns early).
    """
    if reduction.empty_input:
        return np.zeros(reduction.output_shape, dtype=dtype)
    temp_sum = values.astype(np.int64).sum(axis=reduction.axes, keepdims=reduction.keep_dims)
    # MultiplyByQuantizedMultiplier narrows its int32 argument, which wraps exactly like the
    # reference's int32 accumulator and its int32 cast of the shifted sum.
    shifted_sum = temp_sum - input_zero_point * reduction.num_elements_in_axis
    output = fixedpoint.multiply_by_quantized_multiplier(shifted_sum, output_multiplier, output_shift)
    return fixedpoint.saturate(output + output_zero_point, dtype).reshape(reduction.output_shape)


def reduced_axes_last(values: np.ndarray, reduction: Reduction) -> np.ndarray:
    """``values`` as ``(output elements, num_elements_in_axis)``, each row in the reference's visiting order.

    The kept axes come first (their order gives the output's element order), the reduced axes
    last in increasing axis order (row-major order of the input restricted to them).
    """
    reduced = sorted(reduction.axes)
    kept = [d for d in range(values.ndim) if d not in reduced]
    return np.transpose(values, kept + reduced).reshape(-1, reduction.num_elements_in_axis)


@dataclass(frozen=True)
class ExtremumParams:
    """REDUCE_MAX / REDUCE_MIN: where to reduce and the reference's ``init_value``."""

    reduction: Reduction
    init_value: int  # numeric_limits<T>::lowest() for MAX, ::max() for MIN: the output of an empty reduction


def prepare_extremum(ctx: OpContext, maximum: bool) -> ExtremumParams:
    """``PrepareSimple`` plus EvalType's quantization check, for REDUCE_MAX (``maximum``) or REDUCE_MIN."""
    reduction = prepare_reduction(ctx)
    operand = ctx.input(0)
    if operand.dtype != np.int32:
        check_same_quantization(ctx)
    limits = np.iinfo(operand.dtype)
    return ExtremumParams(reduction=reduction, init_value=int(limits.min if maximum else limits.max))


@dataclass(frozen=True)
class XnnpackReduceParams:
    """XNNPACK's qs8/qu8 SUM and MEAN (numerics="xnnpack"): an int32 sum of the raw values, then the
    reference int32 -> quantized conversion ``nearbyint(float(sum) * inv_y_scale + y_zero_point)``,
    all float32, clamped to the output type."""

    reduction: Reduction
    inv_y_scale: np.float32  # input_scale / output_scale (times 1 / n for MEAN)
    y_zero_point: np.float32  # output_zero_point - n * input_zero_point * inv_y_scale
    output_dtype: np.dtype


def xnnpack_reduce_params(ctx: OpContext, reduction: Reduction, mean: bool) -> XnnpackReduceParams | None:
    """XNNPACK's constants (``xnn_init_qs8_reduce_scalar_params``, ``xnn_update_qs8_reduce_scalar_params``,
    reduce-nd.c), or None where LiteRT keeps the node (no axes, int16 or int32 data, a MEAN of an empty
    input). A SUM of an empty input gives the output zero point."""
    operand, output = ctx.input(0), ctx.output(0)
    if operand.dtype not in (np.int8, np.uint8) or not reduction.axes or (mean and reduction.empty_input):
        return None
    count = reduction.num_elements_in_axis
    with np.errstate(over="ignore", under="ignore"):
        inv_y_scale = np.float32(np.float32(operand.scale) / np.float32(output.scale))
        if mean:
            inv_y_scale = np.float32(inv_y_scale * np.float32(np.float32(1) / np.float32(count)))
        y_zero_point = np.float32(np.float32(output.zero_point)
                                  - np.float32(np.float32(count * operand.zero_point) * inv_y_scale))
    return XnnpackReduceParams(reduction=reduction, inv_y_scale=inv_y_scale, y_zero_point=y_zero_point,
                               output_dtype=output.dtype)


def evaluate_xnnpack_reduce(params: XnnpackReduceParams, values: np.ndarray) -> np.ndarray:
    """The int32 sum, converted in float32 and rounded half to even."""
    reduction = params.reduction
    total = values.astype(np.int64).sum(axis=reduction.axes, keepdims=reduction.keep_dims)
    real = total.astype(np.int32).astype(np.float32) * params.inv_y_scale + params.y_zero_point
    info = np.iinfo(params.output_dtype)
    return np.clip(np.rint(real), info.min, info.max).astype(params.output_dtype).reshape(reduction.output_shape)
