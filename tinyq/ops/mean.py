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
from tinyq.ops._reduce import Reduction, check_left_shift, prepare_reduction, quantized_mean_or_sum, sum_rescaling


@dataclass(frozen=True)
class MeanParams:
    """Constants of the int8 MEAN, named as the reference's OpData / QuantizedMeanOrSum locals."""

    reduction: Reduction
    input_zero_point: int
    output_multiplier: int  # with 1 / num_elements_in_axis folded in
    output_shift: int
    output_zero_point: int


@dataclass(frozen=True)
class XnnpackMeanParams:
    """XNNPACK's qs8 mean (numerics="xnnpack"): an int32 sum of the raw values, then the reference
    int32 -> qs8 conversion ``nearbyint(float(sum) * inv_y_scale + y_zero_point)``, all float32."""

    reduction: Reduction
    inv_y_scale: np.float32  # (input_scale / output_scale) * (1 / n)
    y_zero_point: np.float32  # output_zero_point - n * input_zero_point * inv_y_scale


def _xnnpack_params(ctx: OpContext, reduction: Reduction) -> XnnpackMeanParams | None:
    """XNNPACK's constants (``xnn_init_qs8_reduce_scalar_params``, ``xnn_update_qs8_reduce_scalar_params``,
    reduce-nd.c), or None where its delegate leaves the node to LiteRT (no axes, an empty input)."""
    if not reduction.axes or reduction.empty_input:
        return None
    operand, output = ctx.input(0), ctx.output(0)
    count = reduction.num_elements_in_axis
    with np.errstate(over="ignore", under="ignore"):
        input_output_scale = np.float32(np.float32(operand.scale) / np.float32(output.scale))
        inv_y_scale = np.float32(input_output_scale * np.float32(np.float32(1) / np.float32(count)))
        y_zero_point = np.float32(np.float32(output.zero_point)
                                  - np.float32(np.float32(count * operand.zero_point) * inv_y_scale))
    return XnnpackMeanParams(reduction=reduction, inv_y_scale=inv_y_scale, y_zero_point=y_zero_point)


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axes, compute the output shape and the multiplier with 1/n folded in."""
    reduction = prepare_reduction(ctx)
    if ctx.numerics == "xnnpack" and ctx.input(0).dtype == np.int8:
        xnnpack = _xnnpack_params(ctx, reduction)
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


def evaluate(params: MeanParams | XnnpackMeanParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Sum over the axes, remove the zero points, requantize with the folded multiplier, clamp."""
    if isinstance(params, XnnpackMeanParams):
        reduction = params.reduction
        total = inputs[0].astype(np.int64).sum(axis=reduction.axes, keepdims=reduction.keep_dims)
        real = total.astype(np.int32).astype(np.float32) * params.inv_y_scale + params.y_zero_point
        output = np.clip(np.rint(real), -128, 127).astype(np.int8)
        return [output.reshape(reduction.output_shape)]
    return [quantized_mean_or_sum(inputs[0], params.reduction, params.input_zero_point, params.output_multiplier,
                                  params.output_shift, params.output_zero_point, np.int8)]
