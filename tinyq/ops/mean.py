"""MEAN (int8): average over constant axes, requantized to the output's scale and zero point.

LiteRT's reference MEAN (``reduce.cc`` ``PrepareMeanOrSum`` + ``EvalMean<kReference>``) sends every
int8 case to one function, ``reference_ops::QuantizedMeanOrSum``: whatever the axes, ``keep_dims``,
and whether input and output share their quantization. (The 4-D mean over axes {1, 2} has a
special kernel only in the optimized resolver; measured against ai-edge-litert 2.3.0 BUILTIN_REF,
that case too follows the general formula below.) TFLite Micro runs the same function for int8.

Prepare::

    (output_multiplier, output_shift) = QuantizeMultiplier(double(input_scale) / double(output_scale))
    axes: negative ones + rank, duplicates dropped;  num_elements_in_axis = product of their sizes
    # fold 1 / num_elements_in_axis into the multiplier:
    shift = min(floor(log2(num_elements_in_axis)), 32, 31 + output_shift)
    output_multiplier = int32((int64(output_multiplier) << shift) / num_elements_in_axis)   # truncating
    output_shift = output_shift - shift

Eval, per output element::

    temp_sum = sum of the input values over the axes                       # int32, wraps
    shifted_sum = int32(temp_sum - input_zero_point * num_elements_in_axis)
    output = clamp(MultiplyByQuantizedMultiplier(shifted_sum, output_multiplier, output_shift)
                   + output_zero_point, -128, 127)                          # no fused activation

An empty axis list reduces nothing (``num_elements_in_axis = 1``): each element is requantized on
its own. A scalar input ignores the axis values. An input with no elements gives zeros (the
reference's ``InitializeMeanOutput`` writes ``int8(NaN) = 0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import Operand, OpContext, Plan

# MultiplyByQuantizedMultiplier computes x * (1 << shift): the shift must stay below 32.
MAX_LEFT_SHIFT = 31


@dataclass(frozen=True)
class MeanParams:
    """Constants of the int8 MEAN, named as the reference's OpData / QuantizedMeanOrSum locals."""

    axes: tuple[int, ...]  # resolved: non-negative, no duplicates, in the order given
    keep_dims: bool
    input_zero_point: int
    num_elements_in_axis: int
    output_multiplier: int  # with 1 / num_elements_in_axis folded in
    output_shift: int
    output_zero_point: int
    output_shape: tuple[int, ...]
    empty_input: bool


def _positive_scale(ctx: OpContext, operand: Operand, role: str) -> float:
    scale = operand.scale  # raises ModelError unless quantized per tensor
    if not (math.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; it must be "
                        f"positive and finite")
    return scale


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


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axes, compute the output shape and the multiplier with 1/n folded in."""
    operand, output = ctx.input(0), ctx.output(0)
    shape = operand.shape
    axes = resolve_axes(ctx, ctx.constant(1, "axis"), len(shape))
    keep_dims = bool(ctx.options.keep_dims)
    if keep_dims:
        output_shape = tuple(1 if d in axes else size for d, size in enumerate(shape))
    else:
        output_shape = tuple(size for d, size in enumerate(shape) if d not in axes)
    input_scale = _positive_scale(ctx, operand, "input")
    output_scale = _positive_scale(ctx, output, "output")
    output_multiplier, output_shift = fixedpoint.quantize_multiplier(input_scale / output_scale)
    num_elements_in_axis = math.prod(shape[d] for d in axes)
    empty_input = operand.size == 0
    if not empty_input:
        # QuantizedMeanOrSum: scale the multiplier up by 2**shift before dividing by n, to keep precision.
        shift = min(num_elements_in_axis.bit_length() - 1, 32, 31 + output_shift)
        output_multiplier = (output_multiplier << shift) // num_elements_in_axis
        output_shift -= shift
        if output_shift > MAX_LEFT_SHIFT:
            raise ctx.unsupported(f"input scale / output scale = {input_scale / output_scale!r} needs a left shift "
                                  f"of {output_shift}; MultiplyByQuantizedMultiplier shifts by at most "
                                  f"{MAX_LEFT_SHIFT}")
    params = MeanParams(axes=axes, keep_dims=keep_dims, input_zero_point=operand.zero_point,
                        num_elements_in_axis=num_elements_in_axis, output_multiplier=output_multiplier,
                        output_shift=output_shift, output_zero_point=output.zero_point, output_shape=output_shape,
                        empty_input=empty_input)
    return Plan(params=params, output_shapes=[output_shape])


def evaluate(params: MeanParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Sum over the axes, remove the zero points, requantize with the folded multiplier, clamp."""
    if params.empty_input:
        return [np.zeros(params.output_shape, dtype=np.int8)]
    temp_sum = inputs[0].astype(np.int64).sum(axis=params.axes, keepdims=params.keep_dims)
    # MultiplyByQuantizedMultiplier narrows its int32 argument, which wraps exactly like the
    # reference's int32 accumulator and its int32 cast of the shifted sum.
    shifted_sum = temp_sum - params.input_zero_point * params.num_elements_in_axis
    output = fixedpoint.multiply_by_quantized_multiplier(shifted_sum, params.output_multiplier,
                                                         params.output_shift) + params.output_zero_point
    return [fixedpoint.saturate(output, np.int8).reshape(params.output_shape)]
