"""BATCH_MATMUL, int8: ``output[..., i, j] = requantize(sum_k (lhs[..., i, k] - lhs_zp) * (rhs[..., k, j] - rhs_zp))``.

Shapes (LiteRT ``batch_matmul.cc`` Prepare): both operands of rank 2 to 5; ``adj_x`` reads the lhs
as ``[..., K, M]`` (transposed), ``adj_y`` the rhs as ``[..., N, K]``; the leading (batch)
dimensions broadcast numpy-style after padding the shorter shape with leading ones; the output is
``[broadcast batch dims..., M, N]``. Either operand may be a constant or computed at run time.

int8 output (``EvalInt8Int8`` -> ``reference_ops::BatchMatMul<int8_t, int32_t>``):

* Prepare, ``GetQuantizedConvolutionMultipler``: the scale product is a float32 multiplication,
  widened afterwards: ``real_multiplier = double(float(lhs_scale * rhs_scale)) / double(output_scale)``,
  then ``QuantizeMultiplier(real_multiplier) -> (output_multiplier, output_shift)``. (This differs
  from CONV_2D's ``double(input_scale) * double(filter_scale)``; the two give different multipliers
  for some scale pairs, and LiteRT's reference follows the float32 product.)
* Eval: ``acc = sum_k (lhs + input_offset) * (rhs + filter_offset)`` in an int32 that wraps, with
  ``input_offset = -lhs_zero_point`` and ``filter_offset = -rhs_zero_point`` (both zero points
  apply; the reference passes the rhs as its "lhs"/filter operand, which changes nothing in the sum);
  ``out = MultiplyByQuantizedMultiplier(acc, output_multiplier, output_shift) + output_offset``,
  clamped to [-128, 127] (BATCH_MATMUL has no fused activation). A left shift of 32 or more is
  applied modulo 32 as LiteRT's x86-64 build does (see ``_convolution.requantization_constants``).

int32 output (``EvalInt8Int32`` -> ``reference_ops::BatchMatMul<int8, int8, int32>``): the plain
product of the raw int8 values, ``out = sum_k lhs * rhs`` in a wrapping int32; the reference reads
no quantization parameter at all (zero points are ignored), and tinyq does the same.

tinyq computes the sums exactly with one broadcasting BLAS matrix product of the centred operands:
float32 when every partial sum is provably below 2**24 in magnitude (bounded by the constant
operand's column sums of magnitudes, or by ``K * max|lhs - lhs_zp| * max|rhs - rhs_zp|`` when
both are computed at run time), float64 otherwise; a constant operand is centred, transposed and
converted once in Prepare.

Prepare refuses (ModelError) per-channel or missing quantization, non-positive scales, ranks
outside 2..5, batch dimensions that do not broadcast and mismatched accumulation depths, all of
which LiteRT refuses too, except per-channel operands: LiteRT reads only the per-tensor
``params.scale``, which is 0 for a tensor with several scales, and would output the zero point
everywhere. ``asymmetric_quantize_inputs`` concerns the hybrid float path only and is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import Operand, OpContext, Plan
from tinyq.ops._convolution import (Requantization, activation_quantization, exact_matmul_dtype, finish,
                                    finish_stages, requantization_constants, reshape_stages)

MIN_RANK = 2
MAX_RANK = 5
_INT8_MIN = -128
_INT8_MAX = 127


@dataclass(frozen=True)
class BatchMatMulParams:
    """Constants of one BATCH_MATMUL, computed at load."""

    adj_x: bool
    adj_y: bool
    lhs_zero_point: int  # -input_offset in the reference
    rhs_zero_point: int  # -filter_offset in the reference
    matmul_dtype: type  # float32 or float64, whichever is exact for these operands
    lhs_matrix: np.ndarray | None  # a constant lhs, centred and laid out [..., M, K] in matmul_dtype
    rhs_matrix: np.ndarray | None  # a constant rhs, centred and laid out [..., K, N] in matmul_dtype
    requantization: Requantization | None  # None for the raw int32 output
    output_shape: tuple[int, ...]


def _largest_centred(zero_point: int) -> int:
    """max |q - zero_point| over int8 q."""
    return max(abs(_INT8_MIN - zero_point), abs(_INT8_MAX - zero_point))


def _layout(values: np.ndarray, zero_point: int, transpose: bool, dtype: type) -> np.ndarray:
    """``values - zero_point`` in ``dtype``, with the last two axes swapped when ``transpose``."""
    centred = values.astype(dtype) - dtype(zero_point)
    # Contiguous operands let numpy hand every batch to BLAS (a transposed view takes a slow loop).
    return np.ascontiguousarray(np.swapaxes(centred, -1, -2)) if transpose else centred


def _output_shape(ctx: OpContext, lhs: Operand, rhs: Operand, adj_x: bool, adj_y: bool) -> tuple[int, ...]:
    """Broadcast batch dimensions + [lhs rows, rhs columns], checked as LiteRT's Prepare does."""
    for role, operand in (("lhs", lhs), ("rhs", rhs)):
        if not MIN_RANK <= len(operand.shape) <= MAX_RANK:
            raise ctx.error(f"the {role} has shape {list(operand.shape)}; BATCH_MATMUL operands must have rank "
                            f"{MIN_RANK} to {MAX_RANK}")
    rank = max(len(lhs.shape), len(rhs.shape))
    lhs_shape = (1,) * (rank - len(lhs.shape)) + tuple(lhs.shape)
    rhs_shape = (1,) * (rank - len(rhs.shape)) + tuple(rhs.shape)
    batch = []
    for lhs_dim, rhs_dim in zip(lhs_shape[:-2], rhs_shape[:-2]):
        if lhs_dim != rhs_dim and 1 not in (lhs_dim, rhs_dim):
            raise ctx.error(f"the batch dimensions of lhs {list(lhs.shape)} and rhs {list(rhs.shape)} do not "
                            f"broadcast")
        batch.append(rhs_dim if lhs_dim == 1 else lhs_dim)
    lhs_rows, lhs_depth = (lhs_shape[-1], lhs_shape[-2]) if adj_x else (lhs_shape[-2], lhs_shape[-1])
    rhs_depth, rhs_columns = (rhs_shape[-1], rhs_shape[-2]) if adj_y else (rhs_shape[-2], rhs_shape[-1])
    if lhs_depth != rhs_depth:
        raise ctx.error(f"lhs {list(lhs.shape)} (adj_x={adj_x}) has depth {lhs_depth} but rhs {list(rhs.shape)} "
                        f"(adj_y={adj_y}) has depth {rhs_depth}")
    return tuple(batch) + (lhs_rows, rhs_columns)


def prepare(ctx: OpContext) -> Plan:
    """Check shapes and quantization; compute the multiplier and lay out constant operands."""
    adj_x, adj_y = bool(ctx.options.adj_x), bool(ctx.options.adj_y)
    lhs, rhs, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = _output_shape(ctx, lhs, rhs, adj_x, adj_y)
    depth = lhs.shape[-2] if adj_x else lhs.shape[-1]

    if output.dtype == np.int32:
        # EvalInt8Int32: raw products, no offsets, no requantization.
        lhs_zero_point = rhs_zero_point = 0
        requantization = None
    else:
        lhs_scale, lhs_zero_point = activation_quantization(ctx, lhs, "lhs")
        rhs_scale, rhs_zero_point = activation_quantization(ctx, rhs, "rhs")
        output_scale, output_zero_point = activation_quantization(ctx, output, "output")
        # GetQuantizedConvolutionMultipler (no bias): the scale product is a float32 multiplication.
        product_scale = np.float64(np.float32(lhs_scale) * np.float32(rhs_scale))
        effective_scale = np.array([product_scale / np.float64(output_scale)])
        requantization = requantization_constants(effective_scale, output_zero_point, _INT8_MIN, _INT8_MAX)

    # Bound every partial sum: by a constant operand's sums of |values| along the depth axis, else
    # by depth * max|lhs| * max|rhs| (all centred).
    lhs_constant = lhs.value is not None
    rhs_constant = rhs.value is not None
    if rhs_constant:
        centred = np.abs(_layout(rhs.value, rhs_zero_point, adj_y, np.int64))
        dtype = exact_matmul_dtype(centred.sum(axis=-2), lhs_zero_point)
    elif lhs_constant:
        centred = np.abs(_layout(lhs.value, lhs_zero_point, adj_x, np.int64))
        dtype = exact_matmul_dtype(centred.sum(axis=-1), rhs_zero_point)
    else:
        dtype = exact_matmul_dtype(np.array([depth * _largest_centred(rhs_zero_point)]), lhs_zero_point)

    def constant_matrix(operand: Operand, zero_point: int, transpose: bool) -> np.ndarray | None:
        if operand.value is None:
            return None
        return _layout(operand.value, zero_point, transpose, dtype)

    params = BatchMatMulParams(adj_x=adj_x, adj_y=adj_y, lhs_zero_point=lhs_zero_point,
                               rhs_zero_point=rhs_zero_point, matmul_dtype=dtype,
                               lhs_matrix=constant_matrix(lhs, lhs_zero_point, adj_x),
                               rhs_matrix=constant_matrix(rhs, rhs_zero_point, adj_y),
                               requantization=requantization, output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def _accumulator(params: BatchMatMulParams, inputs: list[np.ndarray | None]) -> np.ndarray:
    """The exact sums: one broadcasting matmul of the centred operands."""
    dtype = params.matmul_dtype
    lhs = params.lhs_matrix
    if lhs is None:
        lhs = _layout(inputs[0], params.lhs_zero_point, params.adj_x, dtype)
    rhs = params.rhs_matrix
    if rhs is None:
        rhs = _layout(inputs[1], params.rhs_zero_point, params.adj_y, dtype)
    return np.matmul(lhs, rhs)


def evaluate(params: BatchMatMulParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One exact broadcasting matmul of the centred operands, then requantization (or int32 wrap)."""
    accumulator = _accumulator(params, inputs)
    if params.requantization is None:
        # The int32 accumulator wraps.
        output = accumulator.astype(np.int64).astype(np.int32)
    else:
        output = finish(accumulator, None, params.requantization)
    return [output.reshape(params.output_shape)]


def internals(params: BatchMatMulParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """int8 output: multiplier, shift, accumulators, requantized and clamped values; int32 output: the accumulator."""
    accumulator = _accumulator(params, inputs)
    if params.requantization is None:
        return {"accumulator": accumulator.astype(np.int64).astype(np.int32).reshape(params.output_shape)}
    return reshape_stages(finish_stages(accumulator, None, params.requantization), params.output_shape)
