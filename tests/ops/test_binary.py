"""Differential tests of the elementwise binary ops against LiteRT BUILTIN_REF.

int8: SUB, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, DIV. int32 (shape arithmetic): ADD, SUB, MUL, DIV,
FLOOR_DIV, FLOOR_MOD, MAXIMUM, MINIMUM. Hypothesis draws broadcast-compatible shape pairs of ranks
0-6 (size-1 dimensions, missing leading dimensions, either side broadcasting), fused activations,
scales and zero points, and data. int8 models are float graphs quantized by the official quantizer
(DIV excepted: the quantizer does not quantize it) and directly written graphs with chosen scales
(extreme zero points, scale ratios up to 2**20, output multipliers near the limits the reference
accepts); exhaustive tests run all 65536 int8 input pairs. int32 data mixes the whole range, small
values of both signs and the range ends.

Known reference defects are tested against independent definitions instead of LiteRT: int8 DIV
elements whose RoundingDivideByPOT exponent leaves [0, 31], int8 SUB with an output multiplier
above 1, and FLOOR_MOD's ``INT32_MIN % -1`` (which kills LiteRT's process). Division by zero and
malformed models give tinyq errors naming the problem.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, random_inputs
from tinyq import fixedpoint
from tinyq.errors import ModelError, UnsupportedOpError
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
ACTIVATION_CODES = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}  # schema ActivationFunctionType
INT32_OPS = ["ADD", "SUB", "MUL", "DIV", "FLOOR_DIV", "FLOOR_MOD", "MAXIMUM", "MINIMUM"]
ACTIVATION_OPS = {"ADD", "SUB", "MUL", "DIV"}
DIVIDING_OPS = {"DIV", "FLOOR_DIV", "FLOOR_MOD"}
INT32_MIN, INT32_MAX = int(np.iinfo(np.int32).min), int(np.iinfo(np.int32).max)
seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, 127, 0]), st.integers(-128, 127))
MAX_OUTPUT_ELEMENTS = 720


@st.composite
def broadcast_shapes(draw: st.DrawFn, max_rank: int = 6) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two broadcast-compatible shapes: one of the output's rank, the other a suffix of it (possibly
    empty: a scalar); on both sides some dimensions become 1."""
    rank = draw(st.integers(1, max_rank))
    output = draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank))
    while np.prod(output) > MAX_OUTPUT_ELEMENTS:
        output[output.index(max(output))] -= 1

    def side(kept: int) -> tuple[int, ...]:
        ones = draw(st.lists(st.booleans(), min_size=kept, max_size=kept))
        return tuple(1 if one else d for d, one in zip(output[rank - kept:], ones))

    full, suffix = side(rank), side(draw(st.integers(0, rank)))
    return (full, suffix) if draw(st.booleans()) else (suffix, full)


def options_for(op: str, activation: str = "NONE") -> dict | None:
    return {"fused_activation_function": activation} if op in ACTIVATION_OPS else None


def direct_model(op: str, shape1: tuple[int, ...], shape2: tuple[int, ...], dtype: type = np.int8,
                 quant1: QuantParams | None = None, quant2: QuantParams | None = None,
                 output_quant: QuantParams | None = None, activation: str = "NONE",
                 constant: tuple[int, np.ndarray] | None = None) -> bytes:
    """A one-op graph; ``constant=(position, values)`` makes that operand a constant tensor."""
    builder = GraphBuilder()
    operands = []
    for position, (shape, quant) in enumerate(((shape1, quant1), (shape2, quant2))):
        if constant is not None and constant[0] == position:
            operands.append(builder.constant(constant[1], quantization=quant))
        else:
            operands.append(builder.input(shape, dtype=dtype, quantization=quant))
    output = builder.op(op, operands, np.broadcast_shapes(shape1, shape2), options_for(op, activation),
                        output_dtype=dtype, output_quantization=output_quant)
    builder.output(output)
    return builder.build()


def quantized_model(op: str, shape1: tuple[int, ...], shape2: tuple[int, ...], activation: str,
                    spreads: tuple[float, float], offsets: tuple[float, float], constant_second: bool,
                    rng: np.random.Generator) -> bytes:
    """A float one-op graph run through the official quantizer (a few calibration samples, one of
    them with positive inputs so a fused RELU keeps a non-empty output range)."""
    def sample(shape: tuple[int, ...], which: int, positive: bool = False) -> np.ndarray:
        values = rng.normal(0.0, spreads[which], size=shape)
        return (np.abs(values) if positive else values + offsets[which]).astype(np.float32)

    builder = GraphBuilder()
    input1 = builder.input(shape1)
    input2 = builder.constant(sample(shape2, 1)) if constant_second else builder.input(shape2)
    builder.output(builder.op(op, [input1, input2], np.broadcast_shapes(shape1, shape2), options_for(op, activation)))
    calibration = [[sample(shape1, 0, positive)] + ([] if constant_second else [sample(shape2, 1, positive)])
                   for positive in (False, False, False, True)]
    return quantize(builder.build(), calibration)


def operator_scales(model: bytes) -> list[float]:
    """Scales of the last operator's two inputs and output (the op under test)."""
    subgraph = tinyq.parse_model(model).subgraphs[0]
    op = subgraph.operators[-1]
    return [float(subgraph.tensors[i].quantization.scale[0]) for i in [*op.inputs, *op.outputs]]


def sub_output_multiplier(scale1: float, scale2: float, output_scale: float) -> float:
    """sub.cc's real output multiplier (float32 products, double division)."""
    twice_max_input_scale = float(np.float32(2) * max(np.float32(scale1), np.float32(scale2)))
    return twice_max_input_scale / float(np.float32(1 << 20) * np.float32(output_scale))


def squared_difference_output_multiplier(scale1: float, scale2: float, output_scale: float) -> float:
    twice_max_input_scale = float(np.float32(2) * max(np.float32(scale1), np.float32(scale2)))
    return twice_max_input_scale**2 / float(np.float32(1 << 14) * np.float32(output_scale))


def reference_accepts(multiplier: float) -> bool:
    """QuantizeMultiplierSmallerThanOneExp accepts it (LiteRT aborts otherwise)."""
    return 0.0 < multiplier < 1.0 and fixedpoint.quantize_multiplier(multiplier)[1] <= 0


def activation_fits(activation: str, scale: float) -> bool:
    """Whether the fused activation's bounds (0, 6, -1, 1) divided by the output scale stay well inside int32.

    LiteRT's Prepare refuses bounds beyond int32; a bound that rounds to exactly 2**31 in float32
    passes its check and is then cast to int32 (undefined; x86 gives INT32_MIN), so such scales
    are kept out too (a margin of 2).
    """
    bounds = {"NONE": (), "RELU": (0.0,), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[activation]
    return all(abs(bound) / float(np.float32(scale)) < 2.0**30 for bound in bounds)


def check(model: bytes, seed: int, runs: int = 2) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        assert_bit_exact(model, random_inputs(model, rng))


def _all_pairs() -> list[np.ndarray]:
    values = np.arange(-128, 128, dtype=np.int8)
    return [np.repeat(values, 256), np.tile(values, 256)]


# --- int8: quantizer-made models -------------------------------------------------------------

@given(op=st.sampled_from(["SUB", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"]), shapes=broadcast_shapes(),
       activation=st.sampled_from(ACTIVATIONS), log_spreads=st.tuples(st.floats(-3, 3), st.floats(-3, 3)),
       offsets=st.tuples(st.floats(-2, 2), st.floats(-2, 2)), constant_second=st.booleans(), seed=seeds)
def test_int8_quantizer_made(op, shapes, activation, log_spreads, offsets, constant_second, seed):
    """MAXIMUM/MINIMUM get a QUANTIZE that gives all operands one quantization."""
    shape1, shape2 = shapes
    # The quantizer itself aborts on a MAXIMUM/MINIMUM constant of rank 5 or 6.
    constant_second = constant_second and len(shape2) <= 4
    rng = np.random.default_rng(seed)
    spreads = (10.0 ** log_spreads[0], 10.0 ** log_spreads[1])
    offsets = (offsets[0] * spreads[0], offsets[1] * spreads[1])
    model = quantized_model(op, shape1, shape2, activation, spreads, offsets, constant_second, rng)
    scales = operator_scales(model)
    if op == "SUB":
        assume(reference_accepts(sub_output_multiplier(*scales)))
        assume(activation_fits(activation, scales[2]))
    if op == "SQUARED_DIFFERENCE":
        assume(reference_accepts(squared_difference_output_multiplier(*scales)))
    check(model, seed)


# --- int8: directly written models -----------------------------------------------------------

@given(shapes=broadcast_shapes(), activation=st.sampled_from(ACTIVATIONS), log2_output_scale=st.floats(-26, 8),
       log2_headroom=st.floats(0.01, 24), log2_ratio=st.floats(0, 20), larger_first=st.booleans(),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points), seed=seeds)
def test_sub_direct(shapes, activation, log2_output_scale, log2_headroom, log2_ratio, larger_first, zero_points, seed):
    """Input scales up to 2**20 apart; output multipliers 2*max/(2**20*output) from 2**-24 to just below 1."""
    output_scale = 2.0**log2_output_scale
    larger = output_scale * 2**20 / 2 / 2.0**log2_headroom
    smaller = larger / 2.0**log2_ratio
    scale1, scale2 = (larger, smaller) if larger_first else (smaller, larger)
    assume(reference_accepts(sub_output_multiplier(scale1, scale2, output_scale)))
    model = direct_model("SUB", *shapes, np.int8, QuantParams(scale1, zero_points[0]),
                         QuantParams(scale2, zero_points[1]), QuantParams(output_scale, zero_points[2]), activation)
    check(model, seed)


@given(shapes=broadcast_shapes(), log2_scale=st.floats(-20, 10), log2_ratio=st.floats(0, 20),
       log2_headroom=st.floats(0.01, 20), larger_first=st.booleans(),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points), seed=seeds)
def test_squared_difference_direct(shapes, log2_scale, log2_ratio, log2_headroom, larger_first, zero_points, seed):
    """Output multipliers (2*max)**2/(2**14*output) from 2**-20 to just below 1."""
    larger, smaller = 2.0**log2_scale, 2.0 ** (log2_scale - log2_ratio)
    scale1, scale2 = (larger, smaller) if larger_first else (smaller, larger)
    output_scale = (2 * larger) ** 2 / 2**14 * 2.0**log2_headroom
    assume(reference_accepts(squared_difference_output_multiplier(scale1, scale2, output_scale)))
    model = direct_model("SQUARED_DIFFERENCE", *shapes, np.int8, QuantParams(scale1, zero_points[0]),
                         QuantParams(scale2, zero_points[1]), QuantParams(output_scale, zero_points[2]))
    check(model, seed)


@given(op=st.sampled_from(["MAXIMUM", "MINIMUM"]), shapes=broadcast_shapes(), quantized_=st.booleans(),
       log10_scale=st.floats(-7, 4), zero_point=int8_zero_points, seed=seeds)
def test_maximum_minimum_direct(op, shapes, quantized_, log10_scale, zero_point, seed):
    """One shared quantization (any scale, extreme zero points), or raw unquantized int8."""
    quant = QuantParams(10.0**log10_scale, zero_point) if quantized_ else None
    check(direct_model(op, *shapes, np.int8, quant, quant, quant), seed)


def div_inputs(model: bytes, divisor_zero_point: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random int8 inputs whose divisor never equals its zero point (LiteRT fails the invoke)."""
    dividend, divisor = random_inputs(model, rng)
    step = 1 if divisor_zero_point < 127 else -1
    return [dividend, np.where(divisor == divisor_zero_point, divisor_zero_point + step, divisor).astype(np.int8)]


def div_exponents(input1: np.ndarray, input2: np.ndarray, zero_point1: int, zero_point2: int,
                  output_shift: int) -> np.ndarray:
    """The reference's final RoundingDivideByPOT exponent of each element (from bit lengths)."""
    input1_val, input2_val = np.broadcast_arrays(input1.astype(np.int64) - zero_point1,
                                                 input2.astype(np.int64) - zero_point2)
    input1_val = np.where(input2_val < 0, -input1_val, input1_val)
    magnitude = np.where(input1_val < 0, ~input1_val, input1_val)
    headroom = 31 - np.array([int(v).bit_length() for v in magnitude.ravel()]).reshape(magnitude.shape)
    recip_shift = np.array([abs(int(v)).bit_length() - 1 for v in input2_val.ravel()]).reshape(input2_val.shape)
    return headroom + recip_shift - output_shift


def div_output_shift(scale1: float, scale2: float, output_scale: float) -> int:
    real = float(np.float32(scale1) / (np.float32(scale2) * np.float32(output_scale)))
    return fixedpoint.quantize_multiplier(real)[1]


@given(shapes=broadcast_shapes(), activation=st.sampled_from(ACTIVATIONS), log2_scale1=st.floats(-12, 6),
       log2_scale2=st.floats(-12, 6), log2_multiplier=st.floats(6.01, 22.99),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points), seed=seeds)
def test_div_direct(shapes, activation, log2_scale1, log2_scale2, log2_multiplier, zero_points, seed):
    """Real multipliers in [64, 2**23): the reference's arithmetic is defined for every input pair."""
    scale1, scale2 = 2.0**log2_scale1, 2.0**log2_scale2
    output_scale = scale1 / (scale2 * 2.0**log2_multiplier)
    assume(7 <= div_output_shift(scale1, scale2, output_scale) <= 23)
    assume(activation_fits(activation, output_scale))
    model = direct_model("DIV", *shapes, np.int8, QuantParams(scale1, zero_points[0]),
                         QuantParams(scale2, zero_points[1]), QuantParams(output_scale, zero_points[2]), activation)
    rng = np.random.default_rng(seed)
    for _ in range(2):
        assert_bit_exact(model, div_inputs(model, zero_points[1], rng))


@given(activation=st.sampled_from(ACTIVATIONS), log2_scale1=st.floats(-12, 6), log2_scale2=st.floats(-12, 6),
       log2_multiplier=st.one_of(st.floats(-8, 5.99), st.floats(23, 30)),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points))
def test_div_reference_defect(activation, log2_scale1, log2_scale2, log2_multiplier, zero_points):
    """Multipliers below 64 or from 2**23: all 65280 valid pairs. Where the reference's exponent is in
    [0, 31] tinyq equals LiteRT; elsewhere (LiteRT's garbage) it equals the independent expectation:
    an exponent above 31 means a quotient under half an output step (output = zero point, clamped),
    a negative one a quotient beyond the int8 range (output = the clamp bound of its sign)."""
    scale1, scale2 = float(np.float32(2.0**log2_scale1)), float(np.float32(2.0**log2_scale2))
    output_scale = float(np.float32(scale1 / (scale2 * 2.0**log2_multiplier)))
    output_shift = div_output_shift(scale1, scale2, output_scale)
    zero_point1, zero_point2, output_zero_point = zero_points
    assume(activation_fits(activation, output_scale))
    low, high = fixedpoint.activation_range(ACTIVATION_CODES[activation], output_scale, output_zero_point, np.int8)
    input1, input2 = _all_pairs()
    keep = input2 != zero_point2
    input1, input2 = input1[keep], input2[keep]
    model = direct_model("DIV", input1.shape, input2.shape, np.int8, QuantParams(scale1, zero_point1),
                         QuantParams(scale2, zero_point2), QuantParams(output_scale, output_zero_point), activation)
    reference = run_litert(model, [input1, input2])[0]
    outputs = tinyq.load(model).run(input1, input2)[0]
    exponent = div_exponents(input1, input2, zero_point1, zero_point2, output_shift)
    defined = (exponent >= 0) & (exponent <= 31)
    np.testing.assert_array_equal(outputs[defined], reference[defined])
    quotient = ((input1.astype(np.float64) - zero_point1) * scale1 / ((input2.astype(np.float64) - zero_point2)
                                                                     * scale2) / output_scale)
    tiny = exponent > 31
    assert np.all(np.abs(quotient[tiny]) < 0.5)
    np.testing.assert_array_equal(outputs[tiny], np.clip(output_zero_point, low, high))
    huge = exponent < 0
    expected_huge = np.where(quotient[huge] > 0, high, np.where(quotient[huge] < 0, low,
                                                                 np.clip(output_zero_point, low, high)))
    np.testing.assert_array_equal(outputs[huge], expected_huge)


def test_div_reference_defect_is_real():
    """A typical model (multiplier ~12): LiteRT's outputs for small quotients are far from the quotient."""
    scale1, scale2, output_scale = 0.05, 0.05, 0.08
    model = direct_model("DIV", (65280,), (65280,), np.int8, QuantParams(scale1, 0), QuantParams(scale2, 0),
                         QuantParams(output_scale, 0))
    input1, input2 = _all_pairs()
    keep = input2 != 0
    inputs = [input1[keep], input2[keep]]
    truth = np.clip(np.round(inputs[0].astype(np.float64) / inputs[1] / output_scale), -128, 127)
    reference = run_litert(model, inputs)[0].astype(np.int64)
    outputs = tinyq.load(model).run(*inputs)[0].astype(np.int64)
    assert np.abs(reference - truth).max() > 100  # LiteRT: garbage
    assert np.abs(outputs - truth).max() <= 1  # tinyq: the quotient (fixed-point reciprocal, so within a step)


# --- int8: exhaustive ------------------------------------------------------------------------

@pytest.mark.parametrize("scales, zero_points", [((1.0, 1e-6, 0.5), (-128, 127, 5)),
                                                  ((0.013, 0.041, 0.052), (3, -7, 1)),
                                                  ((3.0, 1.0, 6.0 / 2**20 * 1.0001), (127, -128, 0)),
                                                  ((1e-4, 2e-4, 1e2), (0, 0, -128))])
def test_sub_exhaustive(scales, zero_points):
    """All 65536 pairs: tiny/huge scale ratios and an output scale at the 2*max/2**20 limit."""
    model = direct_model("SUB", (65536,), (65536,), np.int8,
                         *(QuantParams(s, z) for s, z in zip(scales, zero_points)))
    assert_bit_exact(model, _all_pairs())


@pytest.mark.parametrize("scales, zero_points", [((0.02, 0.03, 0.5), (5, -9, -128)),
                                                  ((1.0, 1e-3, 64.0 * 1.0001), (-128, 127, -128)),
                                                  ((0.0625, 0.125, 0.00390625), (0, 0, 0))])
def test_squared_difference_exhaustive(scales, zero_points):
    """All 65536 pairs, including an output scale just above the (2*max)**2/2**14 limit."""
    model = direct_model("SQUARED_DIFFERENCE", (65536,), (65536,), np.int8,
                         *(QuantParams(s, z) for s, z in zip(scales, zero_points)))
    assert_bit_exact(model, _all_pairs())


@pytest.mark.parametrize("scales, zero_points", [((0.5, 0.01, 0.2), (3, -5, 7)),
                                                  ((1.0, 2.0**-10, 2.0**-4), (-128, 0, 0)),
                                                  ((0.3, 0.003, 0.001), (127, -128, -128))])
def test_div_exhaustive(scales, zero_points):
    """All 65280 pairs with a valid divisor, for multipliers 250, 2**14 and 1e5 (well defined)."""
    input1, input2 = _all_pairs()
    keep = input2 != zero_points[1]
    model = direct_model("DIV", (int(keep.sum()),), (int(keep.sum()),), np.int8,
                         *(QuantParams(s, z) for s, z in zip(scales, zero_points)))
    assert 7 <= div_output_shift(*scales) <= 23
    assert_bit_exact(model, [input1[keep], input2[keep]])


@pytest.mark.parametrize("scales", [(1.0, 1.0, 2.0**-21), (1.0, 2.0**-18, 2.0**-20), (2.0**-3, 2.0**-2, 2.0**-26)])
def test_sub_output_multiplier_above_one(scales):
    """Power-of-two scales with 2*max/(2**20*output) = 4, 2 and 2**6: every step is exact, so tinyq must
    give clamp(round((s1*x1 - s2*x2) / s_out) + zp) exactly; LiteRT's undefined shift gives garbage."""
    scale1, scale2, output_scale = scales
    zero_points = (3, -5, 7)
    model = direct_model("SUB", (65536,), (65536,), np.int8,
                         *(QuantParams(s, z) for s, z in zip(scales, zero_points)))
    inputs = _all_pairs()
    assert sub_output_multiplier(*scales) > 1
    exact = [Fraction(scale1) * (int(a) - zero_points[0]) - Fraction(scale2) * (int(b) - zero_points[1])
             for a, b in zip(*inputs)]
    assert all((d / Fraction(output_scale)).denominator == 1 for d in exact)
    expected = np.clip(np.array([int(d / Fraction(output_scale)) for d in exact]) + zero_points[2], -128, 127)
    outputs = tinyq.load(model).run(*inputs)[0]
    np.testing.assert_array_equal(outputs, expected)
    assert np.any(run_litert(model, inputs)[0] != expected)


# --- int32 -----------------------------------------------------------------------------------

@st.composite
def int32_arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Whole-range values, small values of both signs, and the range ends, mixed."""
    rng = np.random.default_rng(draw(seeds))
    kind = rng.integers(0, 3, size=shape)
    values = np.choose(kind, [rng.integers(INT32_MIN, INT32_MAX, size=shape, endpoint=True),
                              rng.integers(-12, 12, size=shape, endpoint=True),
                              rng.choice([INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX], size=shape)])
    return values.astype(np.int32).reshape(shape)


@given(op=st.sampled_from(INT32_OPS), shapes=broadcast_shapes(), activation=st.sampled_from(ACTIVATIONS),
       constant=st.sampled_from([None, 0, 1]), data=st.data())
def test_int32(op, shapes, activation, constant, data):
    """Shape arithmetic: either operand may be a constant; no zero divisors, no FLOOR_MOD INT32_MIN % -1."""
    input1 = data.draw(int32_arrays(shapes[0]))
    input2 = data.draw(int32_arrays(shapes[1]))
    if op in DIVIDING_OPS:
        input2 = np.where(input2 == 0, 3, input2).astype(np.int32)
    if op == "FLOOR_MOD":
        input1 = np.where(input1 == INT32_MIN, INT32_MIN + 1, input1).astype(np.int32)
    values = [input1, input2]
    model = direct_model(op, *shapes, np.int32, activation=activation,
                         constant=None if constant is None else (constant, values[constant]))
    assert_bit_exact(model, [v for position, v in enumerate(values) if position != constant])


def _int32_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Sign combinations, exact and inexact quotients, and the int32 ends."""
    pairs = [(7, 2), (-7, 2), (7, -2), (-7, -2), (6, 3), (-6, 3), (6, -3), (0, 5), (0, -5), (-1, 3), (1, -3),
             (INT32_MAX, 2), (INT32_MIN, 2), (INT32_MIN, 3), (INT32_MAX, -1), (INT32_MIN, 1), (INT32_MIN, -1),
             (INT32_MIN, INT32_MAX), (INT32_MAX, INT32_MIN), (INT32_MIN, INT32_MIN), (5, INT32_MIN)]
    return np.array([p[0] for p in pairs], np.int32), np.array([p[1] for p in pairs], np.int32)


def test_int32_division_semantics():
    """DIV truncates, FLOOR_DIV floors, FLOOR_MOD takes the divisor's sign (Python's % and //), each
    equal to LiteRT and to Python integers; INT32_MIN / -1 gives INT32_MAX for DIV (LiteRT's build
    saturates) and INT32_MIN for FLOOR_DIV (it wraps)."""
    numerators, denominators = _int32_pairs()
    wrap = lambda value: (value + 2**31) % 2**32 - 2**31  # noqa: E731
    truncating = [wrap(abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1))
                  for a, b in zip(numerators.tolist(), denominators.tolist())]
    expected = {"DIV": [INT32_MAX if q == INT32_MIN and a == INT32_MIN and b == -1 else q
                        for q, a, b in zip(truncating, numerators.tolist(), denominators.tolist())],
                "FLOOR_DIV": [wrap(a // b) for a, b in zip(numerators.tolist(), denominators.tolist())]}
    for op, values in expected.items():
        model = direct_model(op, numerators.shape, denominators.shape, np.int32)
        outputs = assert_bit_exact(model, [numerators, denominators])[0]
        np.testing.assert_array_equal(outputs, np.array(values, np.int64))
    keep = ~((numerators == INT32_MIN) & (denominators == -1))  # kills LiteRT, see below
    model = direct_model("FLOOR_MOD", (int(keep.sum()),), (int(keep.sum()),), np.int32)
    outputs = assert_bit_exact(model, [numerators[keep], denominators[keep]])[0]
    np.testing.assert_array_equal(outputs, [a % b for a, b in zip(numerators[keep].tolist(),
                                                                   denominators[keep].tolist())])


def test_int32_overflow_wraps():
    """ADD, SUB and MUL wrap around like LiteRT's int32 arithmetic; activations clamp afterwards."""
    a = np.array([INT32_MAX, INT32_MIN, INT32_MIN, 65536, -65536, 46341, INT32_MAX], np.int32)
    b = np.array([1, -1, INT32_MIN, 65536, 65537, 46341, INT32_MAX], np.int32)
    wrap = lambda value: (value + 2**31) % 2**32 - 2**31  # noqa: E731
    for op, function in (("ADD", int.__add__), ("SUB", int.__sub__), ("MUL", int.__mul__)):
        expected = np.array([wrap(function(x, y)) for x, y in zip(a.tolist(), b.tolist())], np.int64)
        for activation, (low, high) in (("NONE", (INT32_MIN, INT32_MAX)), ("RELU6", (0, 6))):
            outputs = assert_bit_exact(direct_model(op, a.shape, b.shape, np.int32, activation=activation), [a, b])
            np.testing.assert_array_equal(outputs[0], np.clip(expected, low, high))


def test_floor_mod_int32_min_by_minus_one(tmp_path: Path):
    """INT32_MIN % -1: tinyq returns the remainder 0; LiteRT's process dies (SIGFPE), a reference defect."""
    model = direct_model("FLOOR_MOD", (2,), (2,), np.int32)
    inputs = [np.array([INT32_MIN, INT32_MIN], np.int32), np.array([-1, 7], np.int32)]
    np.testing.assert_array_equal(tinyq.load(model).run(*inputs)[0], [0, INT32_MIN % 7])
    path = tmp_path / "floor_mod.tflite"
    path.write_bytes(model)
    script = ("import sys, numpy as np; from tools.oracles import run_litert; "
              f"run_litert(open(sys.argv[1], 'rb').read(), [np.array([{INT32_MIN}, 0], np.int32), "
              "np.array([-1, 1], np.int32)])")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode != 0


def test_int32_shape_arithmetic_chain():
    """A shape computation as converters write it: (n + 7) // 8 * 8 - n, max(.., 1), % 3 and a division."""
    builder = GraphBuilder()
    size = builder.input((4,), dtype=np.int32)
    rounded = builder.op("ADD", [size, builder.constant(np.array([7], np.int32))], (4,), output_dtype=np.int32)
    blocks = builder.op("FLOOR_DIV", [rounded, builder.constant(np.array(8, np.int32))], (4,), output_dtype=np.int32)
    padded = builder.op("MUL", [blocks, builder.constant(np.array([8], np.int32))], (4,), output_dtype=np.int32)
    padding = builder.op("SUB", [padded, size], (4,), output_dtype=np.int32)
    at_least_one = builder.op("MAXIMUM", [padding, builder.constant(np.array([1], np.int32))], (4,),
                              output_dtype=np.int32)
    capped = builder.op("MINIMUM", [at_least_one, builder.constant(np.array([5, 5, 5, 5], np.int32))], (4,),
                        output_dtype=np.int32)
    phase = builder.op("FLOOR_MOD", [size, builder.constant(np.array([3], np.int32))], (4,), output_dtype=np.int32)
    halves = builder.op("DIV", [size, builder.constant(np.array([-2], np.int32))], (4,), output_dtype=np.int32)
    for tensor in (capped, phase, halves):
        builder.output(tensor)
    model = builder.build()
    for sizes in ([1, 8, 13, 0], [-5, -8, 100, 2**20], [INT32_MAX - 8, INT32_MIN, 31, -1]):
        assert_bit_exact(model, [np.array(sizes, np.int32)])


# --- broadcasting ----------------------------------------------------------------------------

@pytest.mark.parametrize("shapes", [((7,), (7,)), ((3, 1, 4), (1, 5, 1)), ((1,), (2, 3, 1, 2, 1, 3)),
                                    ((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2)), ((), (2, 3)), ((0, 3), (1, 3))])
@pytest.mark.parametrize("op, dtype", [("SUB", np.int8), ("SQUARED_DIFFERENCE", np.int8), ("MAXIMUM", np.int8),
                                       ("DIV", np.int8), ("FLOOR_DIV", np.int32), ("FLOOR_MOD", np.int32),
                                       ("DIV", np.int32), ("MINIMUM", np.int32)])
def test_broadcast_patterns(op, dtype, shapes):
    """Fixed patterns up to 6-D: identical shapes, both sides broadcasting, a scalar, an empty tensor."""
    if dtype == np.int8:
        quant = [QuantParams(0.02, -5), QuantParams(0.07, 12), QuantParams(0.05, -128)]
        if op == "MAXIMUM":
            quant = [quant[0]] * 3
        if op == "DIV":
            quant[2] = QuantParams(0.02 / (0.07 * 300), -128)
    else:
        quant = [None, None, None]
    model = direct_model(op, *shapes, dtype, *quant)
    rng = np.random.default_rng(len(shapes[0]) * 7 + len(shapes[1]))
    for _ in range(2):
        inputs = random_inputs(model, rng)
        if op in DIVIDING_OPS:
            zero = 12 if dtype == np.int8 else 0
            inputs[1] = np.where(inputs[1] == zero, zero + 1, inputs[1]).astype(dtype)
        assert_bit_exact(model, inputs)


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op, dtype", [("DIV", np.int32), ("FLOOR_DIV", np.int32), ("FLOOR_MOD", np.int32),
                                       ("DIV", np.int8)])
def test_division_by_zero(op, dtype):
    """A zero divisor (int8: the divisor's zero point) fails LiteRT's invoke; tinyq raises ModelError."""
    quant = [QuantParams(0.1, 0), QuantParams(0.1, 4), QuantParams(0.1, 0)] if dtype == np.int8 else [None] * 3
    zero = 4 if dtype == np.int8 else 0
    model = direct_model(op, (2, 3), (3,), dtype, *quant)
    inputs = [np.ones((2, 3), dtype), np.array([1, zero, 2], dtype)]
    with pytest.raises(ModelError, match=rf"{op}.*division by zero.*index \[1\]"):
        tinyq.load(model).run(*inputs)
    with pytest.raises(RuntimeError, match="failed to invoke"):
        run_litert(model, inputs)


def test_division_by_zero_constant_folded():
    """With both operands constant tinyq folds the op at load, so the error comes at load."""
    builder = GraphBuilder()
    quotient = builder.op("FLOOR_DIV", [builder.constant(np.array([4, 5], np.int32)),
                                        builder.constant(np.array([2, 0], np.int32))], (2,), output_dtype=np.int32)
    builder.output(builder.op("ADD", [quotient, builder.input((2,), dtype=np.int32)], (2,), output_dtype=np.int32))
    with pytest.raises(ModelError, match=r"operator 0 \(FLOOR_DIV\).*division by zero"):
        tinyq.load(builder.build())


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
def test_maximum_minimum_need_shared_quantization(op):
    model = direct_model(op, (3,), (3,), np.int8, QuantParams(0.1, 0), QuantParams(0.2, 0), QuantParams(0.1, 0))
    with pytest.raises(UnsupportedOpError, match="input2 .* scale 0.2.*compares raw values"):
        tinyq.load(model)
    model = direct_model(op, (3,), (3,), np.int8, QuantParams(0.1, 0), QuantParams(0.1, 0), QuantParams(0.1, 1))
    with pytest.raises(UnsupportedOpError, match="zero point 0, the output has .* zero point 1"):
        tinyq.load(model)


def test_sub_output_multiplier_of_one():
    """2*max/(2**20*output) == 1: LiteRT aborts in QuantizeMultiplierSmallerThanOneExp; tinyq raises."""
    model = direct_model("SUB", (4,), (4,), np.int8, QuantParams(1.0, 0), QuantParams(1.0, 0),
                         QuantParams(2.0**-19, 0))
    with pytest.raises(ModelError, match="rounds to 1.*LiteRT aborts"):
        tinyq.load(model)


def test_squared_difference_output_scale_too_small():
    model = direct_model("SQUARED_DIFFERENCE", (4,), (4,), np.int8, QuantParams(1.0, 0), QuantParams(0.5, 0),
                         QuantParams(4.0 / 2**14, 0))
    with pytest.raises(ModelError, match=r"output multiplier .* is not in \(0, 1\)"):
        tinyq.load(model)


@pytest.mark.parametrize("op", ["SUB", "SQUARED_DIFFERENCE", "DIV"])
def test_zero_point_outside_int8(op):
    model = direct_model(op, (3,), (3,), np.int8, QuantParams(0.1, 0), QuantParams(0.1, 200), QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="input2 .* zero point 200, outside the int8 range"):
        tinyq.load(model)


@pytest.mark.parametrize("op", ["SUB", "SQUARED_DIFFERENCE", "DIV"])
def test_per_channel_rejected(op):
    model = direct_model(op, (2, 3), (2, 3), np.int8, QuantParams([0.1, 0.2, 0.3], 0, quantized_dimension=1),
                         QuantParams(0.1, 0), QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="quantized per channel"):
        tinyq.load(model)


@pytest.mark.parametrize("op", ["FLOOR_DIV", "FLOOR_MOD"])
def test_int8_floor_ops_unsupported(op):
    """LiteRT runs int8 FLOOR_DIV/FLOOR_MOD on raw integers, ignoring quantization; tinyq does not."""
    model = direct_model(op, (3,), (3,), np.int8, QuantParams(0.1, 0), QuantParams(0.1, 0), QuantParams(0.1, 0))
    with pytest.raises(UnsupportedOpError, match="no kernel for input1=int8"):
        tinyq.load(model)


def test_int32_div_divisor_with_zero_point():
    model = direct_model("DIV", (3,), (3,), np.int32, None, QuantParams(1.0, 3), None)
    with pytest.raises(UnsupportedOpError, match="zero point 3"):
        tinyq.load(model)


@pytest.mark.parametrize("op", ["SUB", "DIV", "MAXIMUM", "FLOOR_MOD"])
def test_more_than_six_broadcast_dimensions(op):
    dtype = np.int32 if op == "FLOOR_MOD" else np.int8
    quant = None if dtype == np.int32 else QuantParams(0.1, 0)
    model = direct_model(op, (2, 1, 1, 1, 1, 1, 3), (2, 3), dtype, quant, quant, quant)
    with pytest.raises(UnsupportedOpError, match="broadcasts at most 6"):
        tinyq.load(model)
