"""Differential tests of ADD and MUL (int8) against LiteRT BUILTIN_REF.

Hypothesis draws broadcast-compatible shape pairs of ranks 1-6 (size-1 dimensions, missing
leading dimensions, either side broadcasting), the fused activation and the data. Models are

* float graphs quantized by the official quantizer (scales from calibration data of very
  different magnitudes; one variant with a constant second operand), and
* quantized graphs written directly: extreme zero points, ADD input scales 1e-6 to 1e6 apart and
  output scales from just above the 2*max/2**20 limit to far larger, MUL real multipliers from
  2**-24 to 2**24 (left shifts that wrap the int32 product).

Exhaustive tests run all 65536 input pairs for scales where LiteRT's float32 MUL multiplier
differs from TFLM's double one. Every example must match on every element. Malformed models
give a ModelError / UnsupportedOpError naming the problem.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, random_inputs
from tinyq import fixedpoint
from tinyq.errors import ModelError, UnsupportedOpError
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert, run_tflm

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
OPS = ["ADD", "MUL"]
seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, 127, 0]), st.integers(-128, 127))
MAX_OUTPUT_ELEMENTS = 720


@st.composite
def broadcast_shapes(draw: st.DrawFn, max_rank: int = 6) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two broadcast-compatible shapes from an output shape: one side of the full rank, the other a
    non-empty suffix of it; on both sides some dimensions become 1."""
    rank = draw(st.integers(1, max_rank))
    output = draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank))
    while np.prod(output) > MAX_OUTPUT_ELEMENTS:
        output[output.index(max(output))] -= 1

    def side(kept: int) -> tuple[int, ...]:
        ones = draw(st.lists(st.booleans(), min_size=kept, max_size=kept))
        return tuple(1 if one else d for d, one in zip(output[rank - kept:], ones))

    full, suffix = side(rank), side(draw(st.integers(1, rank)))
    return (full, suffix) if draw(st.booleans()) else (suffix, full)


def direct_model(op: str, shape1: tuple[int, ...], shape2: tuple[int, ...], quant1: QuantParams,
                 quant2: QuantParams, output_quant: QuantParams, activation: str = "NONE") -> bytes:
    """A one-op int8 graph with chosen quantization."""
    builder = GraphBuilder()
    input1 = builder.input(shape1, dtype=np.int8, quantization=quant1)
    input2 = builder.input(shape2, dtype=np.int8, quantization=quant2)
    output_shape = np.broadcast_shapes(shape1, shape2)
    output = builder.op(op, [input1, input2], output_shape, {"fused_activation_function": activation},
                        output_dtype=np.int8, output_quantization=output_quant)
    builder.output(output)
    return builder.build()


def quantized_model(op: str, shape1: tuple[int, ...], shape2: tuple[int, ...], activation: str,
                    spreads: tuple[float, float], offsets: tuple[float, float], constant_second: bool,
                    rng: np.random.Generator) -> bytes:
    """A float one-op graph run through the official quantizer with a few calibration samples.

    One calibration sample has only positive inputs, and a constant second operand is positive,
    so the sum or product reaches positive values and a fused RELU never leaves the quantizer an
    empty (degenerate) output range.
    """
    def sample(shape: tuple[int, ...], which: int, positive: bool = False) -> np.ndarray:
        values = rng.normal(0.0, spreads[which], size=shape)
        return (np.abs(values) if positive else values + offsets[which]).astype(np.float32)

    builder = GraphBuilder()
    input1 = builder.input(shape1)
    input2 = builder.constant(sample(shape2, 1, True)) if constant_second else builder.input(shape2)
    output = builder.op(op, [input1, input2], np.broadcast_shapes(shape1, shape2),
                        {"fused_activation_function": activation})
    builder.output(output)
    calibration = [[sample(shape1, 0, positive)] + ([] if constant_second else [sample(shape2, 1, positive)])
                   for positive in (False, False, False, True)]
    return quantize(builder.build(), calibration)


def check(model: bytes, seed: int, runs: int = 2) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        assert_bit_exact(model, random_inputs(model, rng))


# --- quantizer-made models -------------------------------------------------------------------

@given(op=st.sampled_from(OPS), shapes=broadcast_shapes(), activation=st.sampled_from(ACTIVATIONS),
       log_spreads=st.tuples(st.floats(-3, 3), st.floats(-3, 3)), offsets=st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
       constant_second=st.booleans(), seed=seeds)
def test_quantizer_made(op, shapes, activation, log_spreads, offsets, constant_second, seed):
    rng = np.random.default_rng(seed)
    spreads = (10.0 ** log_spreads[0], 10.0 ** log_spreads[1])
    offsets = (offsets[0] * spreads[0], offsets[1] * spreads[1])
    model = quantized_model(op, *shapes, activation, spreads, offsets, constant_second, rng)
    check(model, seed)


# --- directly written models -----------------------------------------------------------------

@given(shapes=broadcast_shapes(), activation=st.sampled_from(ACTIVATIONS), log2_output_scale=st.floats(-26, 8),
       log2_headroom=st.floats(0.01, 24), log2_ratio=st.floats(0, 20), larger_first=st.booleans(),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points), seed=seeds)
def test_add_direct(shapes, activation, log2_output_scale, log2_headroom, log2_ratio, larger_first, zero_points,
                    seed):
    """Input scales up to 2**20 (1e6) apart; the output scale from just above 2*max/2**20 upward."""
    output_scale = 2.0 ** log2_output_scale
    larger = output_scale * 2**20 / 2 / 2.0 ** log2_headroom  # 2*max/(2**20*output) = 2**-headroom
    smaller = larger / 2.0 ** log2_ratio
    scale1, scale2 = (larger, smaller) if larger_first else (smaller, larger)
    model = direct_model("ADD", *shapes, QuantParams(scale1, zero_points[0]), QuantParams(scale2, zero_points[1]),
                         QuantParams(output_scale, zero_points[2]), activation)
    check(model, seed)


@given(shapes=broadcast_shapes(), activation=st.sampled_from(ACTIVATIONS), log2_output_scale=st.floats(-26, 8),
       log2_multiplier=st.floats(-24, 24), log2_scale1=st.floats(-12, 6),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points), seed=seeds)
def test_mul_direct(shapes, activation, log2_output_scale, log2_multiplier, log2_scale1, zero_points, seed):
    """Real multipliers s1*s2/s_out from 2**-24 to 2**24: large left shifts wrap the int32 product."""
    output_scale = 2.0 ** log2_output_scale
    scale1 = 2.0 ** log2_scale1
    scale2 = output_scale * 2.0 ** log2_multiplier / scale1
    model = direct_model("MUL", *shapes, QuantParams(scale1, zero_points[0]), QuantParams(scale2, zero_points[1]),
                         QuantParams(output_scale, zero_points[2]), activation)
    check(model, seed)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("shapes", [((7,), (7,)), ((3, 1, 4), (1, 5, 1)), ((1,), (2, 3, 1, 2, 1, 3)),
                                    ((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2)), ((2, 3, 4, 1, 1, 2), (2, 3, 4, 1, 1, 2)),
                                    ((1, 3), (3,)), ((4, 1), (1,)), ((0, 3), (1, 3))])
def test_broadcast_patterns(op, shapes):
    """Fixed broadcasting patterns up to 6-D, including identical shapes and an empty tensor."""
    model = direct_model(op, *shapes, QuantParams(0.02, -5), QuantParams(0.07, 12), QuantParams(0.05, -128), "RELU")
    check(model, seed=len(shapes[0]) * 7 + len(shapes[1]))


def _all_pairs() -> list[np.ndarray]:
    values = np.arange(-128, 128, dtype=np.int8)
    return [np.repeat(values, 256), np.tile(values, 256)]


# (s1, s2, s_out), float32 values, with multipliers near 1/100 (few saturated outputs) for which
# float32(float32(s1 * s2) / s_out) and double(s1) * s2 / s_out quantize to different multipliers
# that round some of the 65536 products differently (found by a search over random scales).
MUL_SCALE_SETS = [(0.011796812526881695, 0.10091114044189453, 0.04953334480524063),
                  (0.4902893304824829, 0.0019606538116931915, 0.03419830650091171),
                  (0.930704653263092, 0.039445910602808, 1.9771547317504883),
                  (0.03210214525461197, 0.0469430573284626, 0.14554543793201447)]


@pytest.mark.parametrize("scales", MUL_SCALE_SETS)
def test_mul_exhaustive_float32_multiplier(scales):
    """All 65536 input pairs, for scales where LiteRT's float32 multiplier differs from a double one."""
    scale1, scale2, output_scale = (float(np.float32(s)) for s in scales)
    litert_multiplier = fixedpoint.quantize_multiplier(float(np.float32(scale1) * np.float32(scale2)
                                                             / np.float32(output_scale)))
    double_multiplier = fixedpoint.quantize_multiplier(scale1 * scale2 / output_scale)
    assert litert_multiplier != double_multiplier, "the scale set must separate float32 from double"
    model = direct_model("MUL", (65536,), (65536,), QuantParams(scale1, 3), QuantParams(scale2, -7),
                         QuantParams(output_scale, 1))
    inputs = _all_pairs()
    outputs = assert_bit_exact(model, inputs)[0]
    # The test discriminates: requantizing with the double multiplier changes some outputs.
    products = (inputs[0].astype(np.int64) - 3) * (inputs[1].astype(np.int64) + 7)
    with_double_multiplier = np.clip(fixedpoint.multiply_by_quantized_multiplier(products, *double_multiplier) + 1,
                                     -128, 127)
    assert np.any(with_double_multiplier != outputs)


def test_mul_litert_and_tflm_multipliers_disagree():
    """TFLM forms the MUL multiplier in double: over all pairs it differs from LiteRT ref somewhere."""
    scale1, scale2, output_scale = MUL_SCALE_SETS[0]
    model = direct_model("MUL", (65536,), (65536,), QuantParams(scale1, 3), QuantParams(scale2, -7),
                         QuantParams(output_scale, 1))
    inputs = _all_pairs()
    litert = run_litert(model, inputs)[0]
    tinyq_output = tinyq.load(model).run(*inputs)[0]
    tflm = run_tflm(model, inputs)[0]
    np.testing.assert_array_equal(tinyq_output, litert)
    differences = np.abs(tflm.astype(np.int32) - litert)
    assert differences.max() == 1 and differences.sum() > 0
    # numerics="tflm" reproduces TFLite Micro on all 65536 pairs, the differing ones included.
    np.testing.assert_array_equal(tinyq.load(model, numerics="tflm").run(*inputs)[0], tflm)


@pytest.mark.parametrize("scales", [(1.0, 1e-6, 0.5), (1e-6, 1.0, 2.0), (0.01, 0.0100001, 0.02),
                                    (3.0, 1.0, 6.0 / 2**20 * 1.0001), (1e-4, 2e-4, 1e2)])
def test_add_exhaustive(scales):
    """All 65536 input pairs for tiny/huge scale ratios and an output scale at the 2*max/2**20 limit."""
    scale1, scale2, output_scale = scales
    model = direct_model("ADD", (65536,), (65536,), QuantParams(scale1, -128), QuantParams(scale2, 127),
                         QuantParams(output_scale, 5))
    assert_bit_exact(model, _all_pairs())


def test_add_tflm_agrees():
    """TFLM computes the ADD multipliers in double; with power-of-two factors they are the same."""
    model = direct_model("ADD", (65536,), (65536,), QuantParams(0.0137, -3), QuantParams(0.0411, 90),
                         QuantParams(0.0523, -20))
    inputs = _all_pairs()
    np.testing.assert_array_equal(tinyq.load(model).run(*inputs)[0], run_tflm(model, inputs)[0])


# --- real models -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["single_add_default_a8w8_recipe_quantized.tflite",
                                  "single_mul_default_a8w8_recipe_quantized.tflite"])
def test_shared_single_op_models(shared_models: Path, name: str):
    path = shared_models / "single_op" / name
    if not path.is_file():
        pytest.skip(f"{path} is not in the shared models")
    model = path.read_bytes()
    check(model, seed=7, runs=5)


# --- malformed models ------------------------------------------------------------------------

def test_incompatible_shapes():
    builder = GraphBuilder()
    input1 = builder.input((2, 3), dtype=np.int8, quantization=QuantParams(0.1, 0))
    input2 = builder.input((4, 3), dtype=np.int8, quantization=QuantParams(0.1, 0))
    output = builder.op("ADD", [input1, input2], (4, 3), output_dtype=np.int8, output_quantization=QuantParams(0.1, 0))
    builder.output(output)
    with pytest.raises(ModelError, match=r"not broadcastable.*sizes 2 and 4"):
        tinyq.load(builder.build())


@pytest.mark.parametrize("op", OPS)
def test_more_than_six_broadcast_dimensions(op):
    model = direct_model(op, (2, 1, 1, 1, 1, 1, 3), (2, 3), QuantParams(0.1, 0), QuantParams(0.1, 0),
                         QuantParams(0.1, 0))
    with pytest.raises(UnsupportedOpError, match="broadcasts at most 6"):
        tinyq.load(model)


@pytest.mark.parametrize("op", OPS)
def test_per_channel_input_rejected(op):
    model = direct_model(op, (2, 3), (2, 3), QuantParams([0.1, 0.2, 0.3], 0, quantized_dimension=1),
                         QuantParams(0.1, 0), QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="quantized per channel"):
        tinyq.load(model)


@pytest.mark.parametrize("op", OPS)
def test_zero_scale_rejected(op):
    model = direct_model(op, (3,), (3,), QuantParams(0.1, 0), QuantParams(0.1, 0), QuantParams(0.0, 0))
    with pytest.raises(ModelError, match="output .* scale 0.0; it must be positive"):
        tinyq.load(model)


def test_add_output_scale_too_small(tmp_path: Path):
    """An output multiplier >= 1: tinyq raises a ModelError; LiteRT aborts the whole process."""
    model = direct_model("ADD", (4,), (4,), QuantParams(1.0, 0), QuantParams(0.5, 0), QuantParams(2.0**-19, 0))
    with pytest.raises(ModelError, match=r"output scale .* must exceed 2 \* max\(input scales\) / 2\*\*20"):
        tinyq.load(model)
    path = tmp_path / "add.tflite"
    path.write_bytes(model)
    script = ("import sys, numpy as np; from tools.oracles import run_litert; "
              "run_litert(open(sys.argv[1], 'rb').read(), [np.zeros(4, np.int8), np.zeros(4, np.int8)])")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode != 0


@pytest.mark.parametrize("op", OPS)
def test_activation_bound_overflows_int32(op):
    """RELU6 on an output scale of 1e-12: 6 / scale overflows int32; LiteRT's Prepare fails too."""
    model = direct_model(op, (3,), (3,), QuantParams(1e-12, 0), QuantParams(1e-12 if op == "ADD" else 1.0, 0),
                         QuantParams(1e-12, 0), "RELU6")
    with pytest.raises(ModelError, match="activation"):
        tinyq.load(model)
    with pytest.raises(RuntimeError):
        run_litert(model, [np.zeros(3, np.int8), np.zeros(3, np.int8)])


def test_mul_multiplier_beyond_left_shift_range():
    model = direct_model("MUL", (4,), (4,), QuantParams(1e3, 0), QuantParams(1e3, 0), QuantParams(1e-6, 0))
    with pytest.raises(UnsupportedOpError, match="shifts by at most 31"):
        tinyq.load(model)
