"""Differential tests of MEAN (int8) against LiteRT BUILTIN_REF.

* Every subset of the axes (the empty one too) of rank-2, -3 and -4 inputs, with and without
  keep_dims, for equal input/output quantization, different quantization, and extreme zero
  points with a large scale ratio: the reference could take different code paths on these (it
  does not, in ai-edge-litert 2.3.0: all go through ``QuantizedMeanOrSum``).
* The 4-D mean over axes {1, 2} with keep_dims and equal quantization (the case with a special
  kernel in the optimized resolver) on global-average-pool sizes, axes in any order and negative.
* Hypothesis: ranks 1-6, axis lists with negative entries and duplicates, input/output scale
  ratios from 2**-40 to 2**24 (multipliers flushed to zero, shifts clamped at 31 + shift, left
  shifts), extreme zero points; and float graphs quantized by the official quantizer.

Every example must match on every element. Malformed models (axis out of range, per-channel
quantization) are refused with a ModelError, as LiteRT refuses them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, random_inputs
from tinyq.errors import ModelError
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert, run_tflm

seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, 127, 0]), st.integers(-128, 127))

QUANTIZATIONS = {
    "equal": (QuantParams(0.05, 3), QuantParams(0.05, 3)),
    "different": (QuantParams(0.05, 3), QuantParams(0.02, -7)),
    "extreme": (QuantParams(0.1, -128), QuantParams(0.9, 127)),
}
SHAPES = {2: (3, 6), 3: (2, 3, 5), 4: (2, 5, 7, 3)}


def output_shape(shape: tuple[int, ...], axes: list[int], keep_dims: bool) -> tuple[int, ...]:
    """TensorFlow's reduce_mean shape rule: reduced axes become 1 or disappear."""
    reduced = {axis % len(shape) for axis in axes}
    if keep_dims:
        return tuple(1 if d in reduced else size for d, size in enumerate(shape))
    return tuple(size for d, size in enumerate(shape) if d not in reduced)


def direct_model(shape: tuple[int, ...], axes: list[int], keep_dims: bool, input_quant: QuantParams,
                 output_quant: QuantParams) -> bytes:
    builder = GraphBuilder()
    data = builder.input(shape, dtype=np.int8, quantization=input_quant)
    axis = builder.constant(np.array(axes, dtype=np.int32))
    output = builder.op("MEAN", [data, axis], output_shape(shape, axes, keep_dims), {"keep_dims": keep_dims},
                        output_dtype=np.int8, output_quantization=output_quant)
    builder.output(output)
    return builder.build()


def check(model: bytes, seed: int, runs: int = 2) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        assert_bit_exact(model, random_inputs(model, rng))


@pytest.mark.parametrize("quantization", sorted(QUANTIZATIONS))
@pytest.mark.parametrize("keep_dims", [True, False])
@pytest.mark.parametrize("rank", sorted(SHAPES))
def test_all_axis_combinations(rank, keep_dims, quantization):
    shape = SHAPES[rank]
    input_quant, output_quant = QUANTIZATIONS[quantization]
    for count in range(rank + 1):
        for axes in itertools.combinations(range(rank), count):
            check(direct_model(shape, list(axes), keep_dims, input_quant, output_quant), seed=count, runs=1)


@pytest.mark.parametrize("axes", [[1, 2], [2, 1], [-3, -2], [1, 2, 1]])
@pytest.mark.parametrize("shape", [(1, 7, 7, 16), (2, 16, 16, 3), (1, 64, 64, 2)])
def test_global_average_pool_pattern(shape, axes):
    """4-D mean over {1, 2} with keep_dims and equal quantization, n from 49 to 4096."""
    quant = QuantParams(0.0235, -128)
    check(direct_model(shape, axes, True, quant, quant), seed=shape[1])


@st.composite
def shapes_and_axes(draw: st.DrawFn) -> tuple[tuple[int, ...], list[int]]:
    rank = draw(st.integers(1, 6))
    shape = tuple(draw(st.lists(st.integers(1, 6 if rank <= 4 else 4), min_size=rank, max_size=rank)))
    axes = draw(st.lists(st.integers(-rank, rank - 1), min_size=0, max_size=rank + 1))
    return shape, axes


@given(shape_axes=shapes_and_axes(), keep_dims=st.booleans(), log2_input_scale=st.floats(-20, 6),
       log2_ratio=st.floats(-40, 24), zero_points=st.tuples(int8_zero_points, int8_zero_points), seed=seeds)
def test_direct(shape_axes, keep_dims, log2_input_scale, log2_ratio, zero_points, seed):
    shape, axes = shape_axes
    input_scale = 2.0 ** log2_input_scale
    model = direct_model(shape, axes, keep_dims, QuantParams(input_scale, zero_points[0]),
                         QuantParams(input_scale / 2.0 ** log2_ratio, zero_points[1]))
    check(model, seed)


@given(shape_axes=shapes_and_axes(), keep_dims=st.booleans(), log_spread=st.floats(-3, 3),
       offset=st.floats(-2, 2), seed=seeds)
def test_quantizer_made(shape_axes, keep_dims, log_spread, offset, seed):
    shape, axes = shape_axes
    rng = np.random.default_rng(seed)
    spread = 10.0 ** log_spread
    builder = GraphBuilder()
    data = builder.input(shape)
    axis = builder.constant(np.array(axes, dtype=np.int32))
    output = builder.op("MEAN", [data, axis], output_shape(shape, axes, keep_dims), {"keep_dims": keep_dims})
    builder.output(output)
    calibration = [[rng.normal(offset * spread, spread, size=shape).astype(np.float32)] for _ in range(3)]
    check(quantize(builder.build(), calibration), seed)


def test_tflm_agrees():
    """TFLM's int8 MEAN runs the same QuantizedMeanOrSum."""
    model = direct_model((2, 5, 7, 3), [1, 2], True, QuantParams(0.05, 3), QuantParams(0.02, -7))
    inputs = random_inputs(model, np.random.default_rng(5))
    np.testing.assert_array_equal(tinyq.load(model).run(*inputs)[0], run_tflm(model, inputs)[0])


# --- malformed models ------------------------------------------------------------------------

def test_axis_out_of_range():
    builder = GraphBuilder()
    data = builder.input((2, 3), dtype=np.int8, quantization=QuantParams(0.1, 0))
    axis = builder.constant(np.array([2], dtype=np.int32))
    output = builder.op("MEAN", [data, axis], (2, 3), output_dtype=np.int8, output_quantization=QuantParams(0.1, 0))
    builder.output(output)
    model = builder.build()
    with pytest.raises(ModelError, match="axis 2 is out of range for a 2-D input"):
        tinyq.load(model)
    with pytest.raises(RuntimeError):
        run_litert(model, [np.zeros((2, 3), np.int8)])


def test_per_channel_input_rejected():
    model = direct_model((2, 3), [1], False, QuantParams([0.1, 0.2, 0.3], 0, quantized_dimension=1),
                         QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="quantized per channel"):
        tinyq.load(model)
