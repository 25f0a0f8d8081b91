"""SUM (int8, uint8, int32): sum over constant axes, keep_dims; 8-bit data requantized to the output.

8-bit data follows ``reference_ops::QuantizedMeanOrSum`` with ``compute_sum = true`` (LiteRT's
``reduce.cc`` ``PrepareMeanOrSum`` + ``EvalSum``, TFLite Micro's int8 SUM), whether or not input
and output share their quantization::

    (output_multiplier, output_shift) = QuantizeMultiplier(double(input_scale) / double(output_scale))
    temp_sum = sum of the input values over the axes                       # int32, wraps
    shifted_sum = int32(temp_sum - input_zero_point * num_elements_in_axis)
    output = clamp(MultiplyByQuantizedMultiplier(shifted_sum, output_multiplier, output_shift)
                   + output_zero_point, dtype range)                        # no fused activation

int32 data is summed with wrap-around (``EvalGeneric<kSum>``, ``AddTensorValuesWithExpectedOverflow``).
Axes, keep_dims and shapes: ``_reduce``. An input without elements gives stored zeros (not the output
zero point), as LiteRT BUILTIN_REF and TFLite Micro write them.

Reference defect (int8): ai-edge-litert 2.3.0's BUILTIN_REF SUM passes the int8 tensors to
``QuantizedMeanOrSum`` as ``uint8_t`` (the ``kReference`` branch of ``reduce.cc``'s
``QuantizedMeanOrSum`` wrapper reads ``GetTensorData<uint8_t>`` whatever the type): each negative
int8 value counts as value + 256, and the result is clamped to [0, 255] and stored as those bits,
so e.g. SUM([-1, -2, 3]) with equal scales gives -1 (the bits of 255) instead of 0. tinyq does not
imitate this: it computes the int8 formula above, as TFLite Micro's int8 SUM does (checked element
for element in tests/ops/test_reduce.py, which also checks that LiteRT's int8 result always equals
its own uint8 SUM of the same bytes). The same branch is in LiteRT's v2.2.0 tag and its August 2026
main; a later upstream revision of reduce.cc passes ``GetTensorData<T>`` there. uint8 SUM is
unaffected and bit-exact with LiteRT BUILTIN_REF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._reduce import (Reduction, XnnpackReduceParams, check_left_shift, evaluate_xnnpack_reduce,
                               prepare_reduction, quantized_mean_or_sum, sum_rescaling, xnnpack_reduce_params)


@dataclass(frozen=True)
class SumParams:
    """Constants of SUM, named as the reference's OpData / QuantizedMeanOrSum locals."""

    reduction: Reduction
    dtype: np.dtype
    quantized: bool  # 8-bit data: requantized; int32: wrapping sum
    input_zero_point: int
    output_multiplier: int
    output_shift: int
    output_zero_point: int


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axes; for 8-bit data, the multiplier from the input/output scale ratio."""
    reduction = prepare_reduction(ctx)
    if ctx.numerics == "xnnpack":
        xnnpack = xnnpack_reduce_params(ctx, reduction, mean=False)
        if xnnpack is not None:
            return Plan(params=xnnpack, output_shapes=[reduction.output_shape])
    dtype = ctx.input(0).dtype
    quantized = dtype != np.int32
    input_zero_point = output_multiplier = output_shift = output_zero_point = 0
    if quantized:
        output_multiplier, output_shift = sum_rescaling(ctx)
        if not reduction.empty_input:
            check_left_shift(ctx, output_shift)
        input_zero_point, output_zero_point = ctx.input(0).zero_point, ctx.output(0).zero_point
    params = SumParams(reduction=reduction, dtype=dtype, quantized=quantized, input_zero_point=input_zero_point,
                       output_multiplier=output_multiplier, output_shift=output_shift,
                       output_zero_point=output_zero_point)
    return Plan(params=params, output_shapes=[reduction.output_shape])


def evaluate(params: SumParams | XnnpackReduceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """8-bit: sum, remove the zero points, requantize, clamp. int32: wrapping sum."""
    if isinstance(params, XnnpackReduceParams):
        return [evaluate_xnnpack_reduce(params, inputs[0])]
    values, reduction = inputs[0], params.reduction
    if params.quantized:
        return [quantized_mean_or_sum(values, reduction, params.input_zero_point, params.output_multiplier,
                                      params.output_shift, params.output_zero_point, params.dtype)]
    # int64 sums wrap modulo 2**64, a multiple of 2**32: the (wrapping) narrowing cast gives the
    # reference's int32 wrap-around sum.
    total = values.astype(np.int64).sum(axis=reduction.axes, keepdims=reduction.keep_dims)
    return [total.astype(np.int32).reshape(reduction.output_shape)]
