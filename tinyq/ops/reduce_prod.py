"""REDUCE_PROD (int8, int32): product over constant axes, keep_dims; quantized int8 rescaled at every step.

Quantized int8 follows LiteRT's ``reduce.cc`` ``PrepareProd`` + ``EvalQuantizedProd`` and
``reference_ops::QuantizedReduceProd``. The exact scale of a product of ``n`` values would be
``input_scale**n / output_scale``; to keep the int32 accumulator in range every multiplication is
rescaled by the n-th root instead (``GetQuantProdScaling``)::

    reduced_axis_size = input_size / output_size                      # n
    scaling = double(input_scale) / pow(double(output_scale), 1.0 / n)
    (scaling_multiplier, scaling_shift) = QuantizeMultiplier(scaling)

    temp_prod = first_value - input_zero_point                        # reducer_first
    temp_prod = MultiplyByQuantizedMultiplier(int64(temp_prod) * (value - input_zero_point),
                                              scaling_multiplier, scaling_shift)   # reducer_next
    output = clamp(MultiplyByQuantizedMultiplier(int64(temp_prod), scaling_multiplier, scaling_shift)
                   + output_zero_point, -128, 127)

``MultiplyByQuantizedMultiplier`` is the int64-argument form (``fixedpoint.
multiply_by_quantized_multiplier_int64``: the multiplier rounded to 16 bits, one rounding shift,
the result narrowed to int32). The rounding at each step makes the order matter: an output element
folds its values in row-major order of the reduced axes (``_reduce.reduced_axes_last``), so Eval
loops over the ``n`` positions along the reduction, vectorized over all output elements.

An int8 tensor without quantization parameters, and int32, take ``EvalGeneric<kProd>``: a plain
product that wraps in the dtype (exact modulo 2**64 in numpy, so also modulo 2**8 / 2**32).
No fused activation. Axes, keep_dims and shapes: ``_reduce``.

Refused: a quantized input with no elements (the reference returns without writing its output),
and a scaling whose shift exceeds what the int64 MultiplyByQuantizedMultiplier can apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops._reduce import Reduction, positive_scale, prepare_reduction, reduced_axes_last

# fixedpoint.multiply_by_quantized_multiplier_int64 shifts right by 15 - shift: defined up to 14.
MAX_SCALING_SHIFT = 14


@dataclass(frozen=True)
class ProdParams:
    """Constants of REDUCE_PROD, named as the reference's OpData / QuantizedReduceProd arguments."""

    reduction: Reduction
    dtype: np.dtype
    quantized: bool
    input_zero_point: int
    output_zero_point: int
    scaling_multiplier: int
    scaling_shift: int


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axes; for quantized int8, the per-step scaling (``GetQuantProdScaling``)."""
    reduction = prepare_reduction(ctx)
    operand, output = ctx.input(0), ctx.output(0)
    quantized = operand.dtype == np.int8 and operand.quantization is not None
    input_zero_point = output_zero_point = scaling_multiplier = scaling_shift = 0
    if quantized:
        if reduction.empty_input:
            raise ctx.unsupported("a quantized REDUCE_PROD of an input without elements: LiteRT's reference "
                                  "returns without writing its output")
        input_scale = positive_scale(ctx, operand, "input")
        output_scale = positive_scale(ctx, output, "output")
        count = reduction.num_elements_in_axis
        scaling_multiplier, scaling_shift = fixedpoint.quantize_multiplier(
            input_scale / output_scale ** (1.0 / count))
        if scaling_shift > MAX_SCALING_SHIFT:
            raise ctx.unsupported(f"the per-step scaling input_scale / output_scale**(1/{count}) = "
                                  f"{input_scale / output_scale ** (1.0 / count)!r} needs a shift of {scaling_shift}; "
                                  f"the int64 MultiplyByQuantizedMultiplier allows at most {MAX_SCALING_SHIFT}")
        input_zero_point, output_zero_point = operand.zero_point, output.zero_point
    params = ProdParams(reduction=reduction, dtype=operand.dtype, quantized=quantized,
                        input_zero_point=input_zero_point, output_zero_point=output_zero_point,
                        scaling_multiplier=scaling_multiplier, scaling_shift=scaling_shift)
    return Plan(params=params, output_shapes=[reduction.output_shape])


def evaluate(params: ProdParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Quantized: fold the values in order, rescaling each step, then requantize. Otherwise: wrapping product."""
    reduction = params.reduction
    if not params.quantized:
        product = np.prod(inputs[0].astype(np.int64), axis=reduction.axes, keepdims=reduction.keep_dims)
        return [product.astype(params.dtype).reshape(reduction.output_shape)]  # narrowing wraps
    rows = reduced_axes_last(inputs[0], reduction).astype(np.int64) - params.input_zero_point
    temp_prod = rows[:, 0]
    for position in range(1, reduction.num_elements_in_axis):
        temp_prod = fixedpoint.multiply_by_quantized_multiplier_int64(
            temp_prod * rows[:, position], params.scaling_multiplier, params.scaling_shift)
    output = fixedpoint.multiply_by_quantized_multiplier_int64(temp_prod, params.scaling_multiplier,
                                                               params.scaling_shift) + params.output_zero_point
    return [fixedpoint.saturate(output, np.int8).reshape(reduction.output_shape)]
