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

Any rank (measured up to 6-D). An empty axis list reduces nothing (``num_elements_in_axis = 1``):
each element is requantized on its own. A scalar input ignores the axis values. An input with no
elements gives zeros (the reference's ``InitializeMeanOutput`` writes ``int8(NaN) = 0``). Axis
resolution and output shapes: ``_reduce``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._reduce import (Reduction, XnnpackReduceParams, check_left_shift, evaluate_xnnpack_reduce,
                               prepare_reduction, quantized_mean_or_sum, sum_rescaling, xnnpack_reduce_params)


@dataclass(frozen=True)
class MeanParams:
    """Constants of the int8 MEAN, named as the reference's OpData / QuantizedMeanOrSum locals."""

    reduction: Reduction
    input_zero_point: int
    output_multiplier: int  # with 1 / num_elements_in_axis folded in
    output_shift: int
    output_zero_point: int


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axes, compute the output shape and the multiplier with 1/n folded in."""
    reduction = prepare_reduction(ctx)
    if ctx.numerics == "xnnpack":
        xnnpack = xnnpack_reduce_params(ctx, reduction, mean=True)
        if xnnpack is not None:
            return Plan(params=xnnpack, output_shapes=[reduction.output_shape])
    output_multiplier, output_shift = sum_rescaling(ctx)
    if not reduction.empty_input:
        # QuantizedMeanOrSum: scale the multiplier up by 2**shift before dividing by n, to keep precision.
        count = reduction.num_elements_in_axis
        shift = min(count.bit_length() - 1, 32, 31 + output_shift)
        output_multiplier = (output_multiplier << shift) // count
        output_shift -= shift
        check_left_shift(ctx, output_shift)
    params = MeanParams(reduction=reduction, input_zero_point=ctx.input(0).zero_point,
                        output_multiplier=output_multiplier, output_shift=output_shift,
                        output_zero_point=ctx.output(0).zero_point)
    return Plan(params=params, output_shapes=[reduction.output_shape])


def evaluate(params: MeanParams | XnnpackReduceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Sum over the axes, remove the zero points, requantize with the folded multiplier, clamp."""
    if isinstance(params, XnnpackReduceParams):
        return [evaluate_xnnpack_reduce(params, inputs[0])]
    return [quantized_mean_or_sum(inputs[0], params.reduction, params.input_zero_point, params.output_multiplier,
                                  params.output_shift, params.output_zero_point, np.int8)]
