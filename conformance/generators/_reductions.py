"""Shared strategies of the reduction generators (SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD, ARG_MAX, ARG_MIN).

Not a generator itself (the leading underscore keeps ``discover`` away). Also holds the two
reference-defect predicates, so the generators and tests/ops/test_reduce.py share one definition.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, model_inputs, operator_quantization, quantization_params,
                                quantized, zero_points)

INDEX_TYPES = {"int32": 2, "int64": 4}  # ArgMaxOptions / ArgMinOptions output_type (TensorType codes)


def output_shape(shape: list[int], axes: list[int], keep_dims: bool) -> list[int]:
    """The reduction shape rule: reduced axes become 1 or disappear; a scalar stays a scalar."""
    reduced = {axis % len(shape) for axis in axes} if shape else set()
    if keep_dims:
        return [1 if d in reduced else size for d, size in enumerate(shape)]
    return [size for d, size in enumerate(shape) if d not in reduced]


def reduced_count(shape: list[int], axes: list[int]) -> int:
    """num_elements_in_axis: the product of the reduced dimensions (1 when nothing is reduced)."""
    return math.prod(shape[d] for d in {axis % len(shape) for axis in axes}) if shape else 1


@st.composite
def shape_and_axes(draw: st.DrawFn, min_rank: int = 0, zero_sized: bool = True) -> tuple[list[int], list[int]]:
    """Rank ``min_rank``-6 (sides up to 4, up to 3 from rank 5; size 1 often; one dimension of size 0
    in about one case in ten if ``zero_sized``) and 0 to rank + 1 axes from [-rank, rank): negative,
    duplicated, none or all."""
    rank = draw(st.integers(min_rank, 6), label="rank")
    side = st.one_of(st.just(1), st.integers(1, 4 if rank <= 4 else 3))
    shape = draw(st.lists(side, min_size=rank, max_size=rank), label="shape")
    if zero_sized and rank and draw(st.integers(0, 9), label="empty input") == 0:
        shape[draw(st.integers(0, rank - 1), label="empty dimension")] = 0
    if rank == 0:
        return shape, draw(st.lists(st.just(0), max_size=1), label="axes")  # a scalar ignores its axes
    if draw(st.integers(0, 5), label="all axes") == 0:
        return shape, list(range(rank))
    return shape, draw(st.lists(st.integers(-rank, rank - 1), min_size=0, max_size=rank + 1), label="axes")


def reduce_model(op: str, shape: list[int], axes: list[int], keep_dims: bool, dtype: type,
                 input_quant: QuantParams | None, output_quant: QuantParams | None) -> bytes:
    """One reduction over a graph input ("input"), the axes a constant int32 tensor ("axis")."""
    builder = GraphBuilder()
    data = builder.input(shape, "input", dtype, input_quant)
    axis = builder.constant(np.array(axes, dtype=np.int32), "axis")
    builder.output(builder.op(op, [data, axis], output_shape(shape, axes, keep_dims), {"keep_dims": keep_dims},
                              dtype, "output", output_quantization=output_quant))
    return builder.build()


def float_reduce_graph(op: str, shape: list[int], axes: list[int], keep_dims: bool):
    """A builder callback for ``common.quantized``: the float version of :func:`reduce_model`."""
    def build(builder: GraphBuilder) -> None:
        data = builder.input(shape, "input")
        axis = builder.constant(np.array(axes, dtype=np.int32), "axis")
        builder.output(builder.op(op, [data, axis], output_shape(shape, axes, keep_dims), {"keep_dims": keep_dims},
                                  name="output"))
    return build


@st.composite
def near_zero_point(draw: st.DrawFn, shape: list[int], dtype: str, zero_point: int, spread: int) -> np.ndarray:
    """Integers within ``spread`` of ``zero_point`` (clipped to the dtype): small real values, many ties."""
    info = np.iinfo(np.dtype(dtype))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    values = zero_point + rng.integers(-spread, spread, size=tuple(shape), endpoint=True)
    return np.clip(values, info.min, info.max).astype(np.dtype(dtype))


@st.composite
def shared_quantization(draw: st.DrawFn, dtype: str) -> QuantParams:
    """One scale (2**-20..2**6) and zero point (often a range end) for an 8-bit tensor."""
    scale = float(np.float32(2.0 ** draw(st.floats(-20, 6), label="log2 scale")))
    return QuantParams(scale, draw(zero_points(dtype, extreme=draw(st.booleans())), label="zero point"))


# --- reference defects -----------------------------------------------------------------------

def litert_int8_sum(case_model: bytes, data: np.ndarray, axes: list[int], keep_dims: bool,
                    read_as_uint8: bool) -> np.ndarray:
    """What ``QuantizedMeanOrSum`` (compute_sum) gives for an int8 SUM, reading the bytes as int8 or
    (LiteRT 2.3.0 BUILTIN_REF) as uint8: sum, minus input_zero_point * n, MultiplyByQuantizedMultiplier
    by QuantizeMultiplier(input_scale / output_scale), plus output_zero_point, clamped to the type
    read and stored as int8 bits."""
    from tinyq import fixedpoint

    (input_quant, _), (output_quant,) = operator_quantization(case_model)
    multiplier, shift = fixedpoint.quantize_multiplier(input_quant[0] / output_quant[0])
    values = data.view(np.uint8) if read_as_uint8 else data
    reduced = tuple(sorted({axis % data.ndim for axis in axes})) if data.ndim else ()
    target = output_shape(list(data.shape), axes, keep_dims)
    if data.size == 0:
        return np.zeros(target, np.int8)
    total = values.astype(np.int64).sum(axis=reduced, keepdims=keep_dims)
    shifted = total - input_quant[1] * reduced_count(list(data.shape), axes)
    result = fixedpoint.multiply_by_quantized_multiplier(shifted, multiplier, shift) + output_quant[1]
    stored = fixedpoint.saturate(result, np.uint8 if read_as_uint8 else np.int8)
    return stored.view(np.int8).reshape(target) if read_as_uint8 else stored.reshape(target)


def simd_nan_lane(values: np.ndarray, axis: int) -> bool:
    """Whether LiteRT 2.3.0's float ArgMaxVector/ArgMinVector SIMD part sees a lane holding only NaN.

    BUILTIN_REF uses that path when every dimension after ``axis`` has size 1; it runs four lanes
    over the first ``4 * (size // 4)`` values of each row (rows of 4 or more). Measured: the result
    can differ from the NaN-aware reference comparator exactly when some lane is all NaN.
    """
    if values.dtype != np.float32 or values.size == 0 or math.prod(values.shape[axis + 1:]) != 1:
        return False
    rows = np.moveaxis(values, axis, -1).reshape(-1, values.shape[axis])
    blocks = 4 * (rows.shape[1] // 4)
    if blocks == 0:
        return False
    lanes = np.isnan(rows[:, :blocks]).reshape(rows.shape[0], -1, 4).all(axis=1)
    return bool(lanes.any())


# --- REDUCE_MAX / REDUCE_MIN -----------------------------------------------------------------

@st.composite
def _extremum_case(draw: st.DrawFn, op: str, dtype: str) -> Case:
    quantizer_made = dtype == "int8" and draw(st.integers(0, 2), label="quantizer-made") == 0
    shape, axes = draw(shape_and_axes(zero_sized=not quantizer_made), label="shape and axes")
    keep_dims = draw(st.booleans(), label="keep_dims")
    params = {"input_shape": shape, "axes": axes, "keep_dims": keep_dims}
    if quantizer_made:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        offset = draw(st.floats(-2, 2), label="offset")
        calibration = [[rng.normal(offset, 1.0, size=shape).astype(np.float32)] for _ in range(3)]
        model = quantized(float_reduce_graph(op, shape, axes, keep_dims), calibration)
        params.update(origin="quantizer", offset=offset)
    else:
        quant = None
        if dtype != "int32" and draw(st.integers(0, 4), label="unquantized") != 0:
            quant = draw(shared_quantization(dtype), label="quantization")
            params.update(quantization_params("input", quant))
        model = reduce_model(op, shape, axes, keep_dims, np.dtype(dtype).type, quant, quant)
        params.update(origin="direct", quantized=quant is not None)
    if draw(st.booleans(), label="ties"):
        zero_point = operator_quantization(model)[0][0]
        inputs = [draw(near_zero_point(shape, dtype, zero_point[1] if zero_point else 0, 2), label="inputs")]
        params["data"] = "near zero point"
    else:
        inputs = draw(model_inputs(model), label="inputs")
        params["data"] = "whole range"
    return Case(op, dtype, params, model, inputs)


def extremum_cases(op: str, dtype: str) -> st.SearchStrategy[Case]:
    """REDUCE_MAX or REDUCE_MIN models of ``dtype`` with their inputs."""
    return _extremum_case(op, dtype)


# --- ARG_MAX / ARG_MIN -----------------------------------------------------------------------

_FLOAT_VALUES = np.array([np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3e38, -3e38, 1e-45, -2.0, 2.0, 0.5], np.float32)


@st.composite
def float_ties(draw: st.DrawFn, shape: list[int], nan_share: float) -> np.ndarray:
    """float32 from a dozen values (ties, infinities, signed zeros, extremes, a denormal) plus
    normal data, with a share ``nan_share`` of NaN."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="float seed"))
    values = np.where(rng.random(tuple(shape)) < 0.5, rng.choice(_FLOAT_VALUES, size=tuple(shape)),
                      rng.standard_normal(tuple(shape)))
    values = np.where(rng.random(tuple(shape)) < nan_share, np.nan, values)
    return np.asarray(values, dtype=np.float32)


@st.composite
def _arg_case(draw: st.DrawFn, op: str, dtype: str) -> Case:
    rank = draw(st.integers(1, 6), label="rank")
    side = st.one_of(st.just(1), st.integers(1, 5 if rank <= 3 else 3))
    shape = draw(st.lists(side, min_size=rank, max_size=rank), label="shape")
    axis = draw(st.integers(-rank, rank - 1), label="axis")
    resolved = axis % rank
    if rank > 1 and draw(st.integers(0, 19), label="empty output") == 0:  # the axis itself is never empty
        shape[draw(st.sampled_from([d for d in range(rank) if d != resolved]), label="empty dimension")] = 0
    axis_dtype = draw(st.sampled_from(["int32", "int64"]), label="axis dtype")
    output_dtype = draw(st.sampled_from(["int32", "int64"]), label="output dtype")
    result_shape = shape[:resolved] + shape[resolved + 1:]
    params = {"input_shape": shape, "axis": axis, "axis_dtype": axis_dtype, "output_dtype": output_dtype}
    options = {"output_type": INDEX_TYPES[output_dtype]}
    # The quantizer handles ARG_MAX (not ARG_MIN) and writes int32 axes; it cannot calibrate empty inputs.
    if (op == "ARG_MAX" and dtype == "int8" and axis_dtype == "int32" and 0 not in shape
            and draw(st.integers(0, 2), label="quantizer-made") == 0):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))

        def build(builder: GraphBuilder) -> None:
            data = builder.input(shape, "input")
            axis_tensor = builder.constant(np.array([axis], dtype=np.int32), "axis")
            builder.output(builder.op(op, [data, axis_tensor], result_shape, options, np.dtype(output_dtype).type,
                                      "output"))

        model = quantized(build, [[rng.standard_normal(shape).astype(np.float32)] for _ in range(3)])
        params["origin"] = "quantizer"
    else:
        quant = None
        if dtype in ("int8", "uint8") and draw(st.booleans(), label="quantized"):
            quant = draw(shared_quantization(dtype), label="quantization")
            params.update(quantization_params("input", quant))
        builder = GraphBuilder()
        data = builder.input(shape, "input", np.dtype(dtype).type, quant)
        axis_shape = draw(st.sampled_from([(1,), ()]), label="axis shape")
        axis_tensor = builder.constant(np.array(axis, dtype=axis_dtype).reshape(axis_shape), "axis")
        builder.output(builder.op(op, [data, axis_tensor], result_shape, options, np.dtype(output_dtype).type,
                                  "output"))
        model = builder.build()
        params.update(origin="direct", axis_shape=list(axis_shape))
    if dtype == "float32":
        nan_share = draw(st.sampled_from([0.0, 0.1, 0.5]), label="NaN share")
        inputs = [draw(float_ties(shape, nan_share), label="inputs")]
        params["data"] = f"float ties, NaN share {nan_share}"
    elif dtype == "bool":
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="bool seed"))
        share = draw(st.sampled_from([0.05, 0.5, 0.95]), label="true share")
        inputs = [rng.random(tuple(shape)) < share]
        params["data"] = f"bool, true share {share}"
    elif draw(st.booleans(), label="ties"):
        inputs = [draw(near_zero_point(shape, dtype, 0 if dtype != "uint8" else 1, 1), label="inputs")]
        params["data"] = "three values"
    else:
        inputs = draw(model_inputs(model), label="inputs")
        params["data"] = "whole range"
    return Case(op, dtype, params, model, inputs)


def arg_cases(op: str, dtype: str) -> st.SearchStrategy[Case]:
    """ARG_MAX or ARG_MIN models over ``dtype`` data with their inputs."""
    return _arg_case(op, dtype)


def arg_reference_defect(case: Case) -> str | None:
    """float32 cases whose data meets LiteRT 2.3.0's NaN defect on the SIMD path (see :func:`simd_nan_lane`)."""
    if case.dtype != "float32":
        return None
    data = case.inputs[0]
    if not simd_nan_lane(data, case.params["axis"] % data.ndim):
        return None
    return ("LiteRT BUILTIN_REF ArgMaxVector/ArgMinVector (optimized SIMD path for the innermost axis, before the "
            "NaN fix of upstream PR #118848) mishandles a lane holding only NaN; TFLite Micro keeps a leading NaN, so "
            "it is no referee either: tinyq follows the reference's NaN-aware comparator")
