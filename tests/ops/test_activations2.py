"""Differential tests of the int8 activations RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU, PRELU,
HARD_SWISH, ELU and GELU against LiteRT.

The oracle is LiteRT BUILTIN_REF, except for ELU: BUILTIN_REF registers no ELU kernel, so ELU is
compared with LiteRT's one ELU kernel run by BUILTIN_WITHOUT_DEFAULT_DELEGATES (no XNNPACK).

* Unary ops are elementwise in the int8 value, so most models here take an input holding all 256
  int8 values: every example compares the op's whole input->output map.
* Table ops (ELU, GELU exact and approximate): a grid of input scales x input zero points x output
  quantizations, all 256 entries each, plus scales at which the C library's expm1f / erfcf /
  tanhf and the correctly rounded value fall on different sides of a rounding boundary (pinning
  that tinyq calls the same float32 functions) and, for the approximate GELU, scales at which a
  fused multiply-add would change an entry (pinning the evaluation order, without contraction).
* Hypothesis: directly quantized models (power-of-two scales for rounding ties, multipliers far
  below and above one, zero points at the range ends) and float graphs quantized by the official
  quantizer (ranks 1-4), and for PRELU broadcast shapes of ranks 1-6 with constant or run-time
  alpha.
* HARD_SWISH quantizations where the reference's int16 RoundingDivideByPOT misrounds (a known
  reference defect) are compared with TFLite Micro, which shares the arithmetic.
* Quantization the reference refuses gives a ModelError, and what tinyq cannot run faithfully an
  UnsupportedOpError, each with a message naming the problem.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from hypothesis import assume, given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, mismatch_report
from tinyq.errors import ModelError, UnsupportedOpError
from tinyq.ops import _lut
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert, run_tflm

ALL_INT8 = np.arange(-128, 128, dtype=np.int8)
RELU_OPS = ["RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1"]
# The float clamp bounds of each RELU op (for the activation-fits check).
RELU_BOUNDS = {"RELU": (0.0,), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0), "RELU_0_TO_1": (0.0, 1.0)}
seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, -127, -1, 0, 1, 126, 127]), st.integers(-128, 127))


def _float32_from_bits(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def _run_litert_builtin(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """LiteRT's builtin kernels without the XNNPACK delegate (the only LiteRT ELU kernel)."""
    interpreter = Interpreter(model_content=model,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [np.array(interpreter.get_tensor(d["index"])) for d in interpreter.get_output_details()]


def _litert(op: str, model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The oracle's outputs: BUILTIN_REF, or the builtin kernel for ELU."""
    return _run_litert_builtin(model, inputs) if op == "ELU" else run_litert(model, inputs, resolver="ref")


def _assert_matches_litert(op: str, model: bytes, inputs: list[np.ndarray]) -> None:
    if op != "ELU":
        assert_bit_exact(model, inputs)
        return
    expected = _run_litert_builtin(model, inputs)[0]
    problem = mismatch_report("ELU output", expected, tinyq.load(model).run(*inputs)[0])
    assert problem is None, problem


def _unary_model(op: str, shape: list[int], input_quantization: QuantParams | None,
                 output_quantization: QuantParams | None, options: dict | None = None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape, dtype=np.int8, quantization=input_quantization)
    builder.output(builder.op(op, [x], shape, options=options, output_dtype=np.int8,
                              output_quantization=output_quantization))
    return builder.build()


def _quantized_unary(op: str, shape: list[int], low: float, high: float, rng: np.random.Generator,
                     options: dict | None = None) -> bytes:
    """A float one-op graph quantized by the official quantizer (call from hypothesis tests only).

    Models whose output range collapsed (e.g. RELU of inputs <= 0 or barely above 0: [0, 0] gets a
    denormal scale, 4.6e-41) are left out: the reference's multipliers then need left shifts
    beyond 31 bits, its clamp bounds or table entries overflow int32 -- undefined arithmetic that
    tinyq refuses.
    """
    builder = GraphBuilder()
    x = builder.input(shape)
    builder.output(builder.op(op, [x], shape, options=options))
    calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
    calibration[0][0].flat[0] = low  # the calibrated input range is exactly [low, high]
    calibration[1][0].flat[0] = high
    model = quantize(builder.build(), calibration)
    (input_scale, _), (output_scale, _) = _operand_quantization(model)
    assume(input_scale < 2.0**27 * output_scale and _bounds_fit(op, output_scale))
    return model


def _operand_quantization(model: bytes) -> tuple[tuple[float, int], tuple[float, int]]:
    """(scale, zero point) of the graph's input and output, as the file stores them."""
    interpreter = Interpreter(model_content=model)
    return (interpreter.get_input_details()[0]["quantization"], interpreter.get_output_details()[0]["quantization"])


def _data(shape: list[int], rng: np.random.Generator) -> np.ndarray:
    """Random int8 data whose first (up to) 256 elements are a permutation of every int8 value."""
    values = rng.integers(-128, 128, size=shape, dtype=np.int8)
    values.flat[: min(values.size, 256)] = ALL_INT8[rng.permutation(256)][: values.size]
    return values


@st.composite
def calibration_ranges(draw: st.DrawFn) -> tuple[float, float]:
    """A float range for calibration: centred or lopsided, narrow (a few 1e-3) to wide (tens)."""
    width = draw(st.floats(-2.5, 1.7).map(lambda e: 10.0**e))
    low_fraction = draw(st.sampled_from([0.5, 0.0, 1.0, 0.25]) | st.floats(0.0, 1.0))
    low = -width * low_fraction
    return low, low + width


@st.composite
def rescaling(draw: st.DrawFn, max_log2_ratio: float = 24.0) -> tuple[float, float]:
    """(input scale, output scale): powers of two (rounding ties) or any; ratios mostly 2**-12..2**12."""
    ties = draw(st.booleans())
    extreme = draw(st.integers(0, 4)) == 0
    low, high = (-34.0, max_log2_ratio) if extreme else (-12.0, 12.0)
    if ties:
        input_scale = 2.0 ** draw(st.integers(-20, 4))
        output_scale = input_scale / 2.0 ** draw(st.integers(int(low), int(high)))
    else:
        input_scale = float(np.float32(10.0 ** draw(st.floats(-6.0, 1.5))))
        output_scale = float(np.float32(input_scale / 2.0 ** draw(st.floats(low, high))))
    return input_scale, output_scale


def _bounds_fit(op: str, output_scale: float) -> bool:
    """Whether the op's clamp bounds quantize into int32 (else the reference's conversion is undefined)."""
    return all(abs(b) / float(np.float32(output_scale)) < 2.0**30 for b in RELU_BOUNDS.get(op, ()))


# --- RELU family -----------------------------------------------------------------------------

@given(op=st.sampled_from(RELU_OPS), scales=rescaling(), input_zero_point=int8_zero_points,
       output_zero_point=int8_zero_points)
def test_direct_relu_ops_match_litert(op: str, scales: tuple[float, float], input_zero_point: int,
                                      output_zero_point: int) -> None:
    input_scale, output_scale = scales
    assume(_bounds_fit(op, output_scale))
    model = _unary_model(op, [256], QuantParams(input_scale, input_zero_point),
                         QuantParams(output_scale, output_zero_point))
    assert_bit_exact(model, [ALL_INT8])


@given(op=st.sampled_from(["RELU", "RELU6", "RELU_N1_TO_1"]), shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
       bounds=calibration_ranges(), seed=seeds)
def test_quantized_relu_ops_match_litert(op: str, shape: list[int], bounds: tuple[float, float], seed: int) -> None:
    # The official quantizer does not quantize RELU_0_TO_1.
    rng = np.random.default_rng(seed)
    model = _quantized_unary(op, shape, *bounds, rng)
    assert_bit_exact(model, [_data(shape, rng)])


@pytest.mark.parametrize("op, options", [("RELU", None), ("LEAKY_RELU", {"alpha": 0.25})])
def test_left_shift_of_31_bits_matches_litert(op: str, options: dict | None) -> None:
    """Multipliers in [2**30, 2**31): the int32 product and the zero-point sum wrap as in the reference."""
    for input_zero_point, output_zero_point in ((0, -128), (-1, 0), (5, 127)):
        model = _unary_model(op, [256], QuantParams(2.0**-3, input_zero_point),
                             QuantParams(2.0**-33 * 0.75, output_zero_point), options)
        assert_bit_exact(model, [ALL_INT8])


def test_tflm_relu6_skips_the_rescale() -> None:
    """TFLite Micro's int8 RELU6 clamps the input codes without requantizing; tinyq follows LiteRT."""
    model = _unary_model("RELU6", [256], QuantParams(0.05, -10), QuantParams(6 / 255, -128))
    litert = assert_bit_exact(model, [ALL_INT8])[0]
    tflm = run_tflm(model, [ALL_INT8])[0]
    assert not np.array_equal(tflm, litert)
    assert np.array_equal(tflm, np.clip(ALL_INT8, -10, -10 + 120))  # raw codes clamped to [zp, zp + 6 / 0.05]
    same = _unary_model("RELU6", [256], QuantParams(0.05, -10), QuantParams(0.05, -10))
    assert np.array_equal(run_tflm(same, [ALL_INT8])[0], assert_bit_exact(same, [ALL_INT8])[0])


# --- LEAKY_RELU ------------------------------------------------------------------------------

alphas = st.one_of(st.sampled_from([0.0, 0.01, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, -0.1, -0.5, -1.0, -3.0]),
                   st.floats(-8.0, 8.0, width=32))


@given(alpha=alphas, scales=rescaling(max_log2_ratio=20.0), input_zero_point=int8_zero_points,
       output_zero_point=int8_zero_points)
def test_direct_leaky_relu_matches_litert(alpha: float, scales: tuple[float, float], input_zero_point: int,
                                          output_zero_point: int) -> None:
    input_scale, output_scale = scales
    model = _unary_model("LEAKY_RELU", [256], QuantParams(input_scale, input_zero_point),
                         QuantParams(output_scale, output_zero_point), {"alpha": alpha})
    assert_bit_exact(model, [ALL_INT8])


@given(alpha=alphas, shape=st.lists(st.integers(1, 6), min_size=1, max_size=4), bounds=calibration_ranges(),
       seed=seeds)
def test_quantized_leaky_relu_matches_litert(alpha: float, shape: list[int], bounds: tuple[float, float],
                                             seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = _quantized_unary("LEAKY_RELU", shape, *bounds, rng, {"alpha": alpha})
    assert_bit_exact(model, [_data(shape, rng)])


def test_tflm_leaky_relu_multiplier_differs_from_litert() -> None:
    """input / output scale is exactly 2.5 in float32 (LiteRT) but 2.49999991 in double: TFLM rounds ties down."""
    model = _unary_model("LEAKY_RELU", [256], QuantParams(0.001166978501714766, 25),
                         QuantParams(0.0004667914181482047, -128), {"alpha": -0.5})
    litert = assert_bit_exact(model, [ALL_INT8])[0]
    tflm = run_tflm(model, [ALL_INT8])[0]
    assert litert[26 + 128] == -128 + 3 and tflm[26 + 128] == -128 + 2  # input 26: one step above the zero point


# --- HARD_SWISH ------------------------------------------------------------------------------

def _quantize_multiplier_exponent(real: float) -> int:
    """The shift QuantizeMultiplier gives ``real``: frexp's exponent, +1 when the mantissa rounds up to 1,
    0 for multipliers it flushes to zero (shifts below -31)."""
    if real == 0.0:
        return 0
    fraction, exponent = math.frexp(real)
    shift = exponent + (round(fraction * 2**31) == 2**31)
    return 0 if shift < -31 else shift


def _hard_swish_misrounds(input_scale: float, output_scale: float) -> bool:
    """Whether one of HARD_SWISH's int16 RoundingDivideByPOT shifts reaches 16 bits (the reference's defect)."""
    hires_input_scale = np.float32(1 / 128) * np.float32(input_scale)
    output_exponent = _quantize_multiplier_exponent(float(hires_input_scale / np.float32(output_scale)))
    reluish_exponent = _quantize_multiplier_exponent(float(hires_input_scale / (np.float32(3) / np.float32(32768))))
    return output_exponent <= -16 or reluish_exponent <= -16


@st.composite
def hard_swish_scales(draw: st.DrawFn) -> tuple[float, float]:
    """Input scales 2**-21..2**10; output scales from just above input / 128 (the reference's limit) upwards."""
    if draw(st.booleans()):
        input_scale = 2.0 ** draw(st.integers(-21, 10))
        output_scale = input_scale / 128 * 2.0 ** draw(st.integers(1, 12))
    else:
        input_scale = float(np.float32(10.0 ** draw(st.floats(-6.0, 3.0))))
        output_scale = float(np.float32(input_scale / 128 * 2.0 ** draw(st.floats(0.001, 12.0))))
    return input_scale, output_scale


@given(scales=hard_swish_scales(), input_zero_point=int8_zero_points, output_zero_point=int8_zero_points)
def test_direct_hard_swish_matches_litert(scales: tuple[float, float], input_zero_point: int,
                                          output_zero_point: int) -> None:
    input_scale, output_scale = scales
    assume(not _hard_swish_misrounds(input_scale, output_scale))  # covered by the TFLM test below
    model = _unary_model("HARD_SWISH", [256], QuantParams(input_scale, input_zero_point),
                         QuantParams(output_scale, output_zero_point))
    assert_bit_exact(model, [ALL_INT8])


@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=4), bounds=calibration_ranges(), seed=seeds)
def test_quantized_hard_swish_matches_litert(shape: list[int], bounds: tuple[float, float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = _quantized_unary("HARD_SWISH", shape, *bounds, rng)
    (input_scale, _), (output_scale, _) = _operand_quantization(model)
    # A range of [-w, 0] with w above ~48 gives an output scale below input / 128, which the reference refuses.
    hires_input_scale = np.float32(1 / 128) * np.float32(input_scale)
    assume(_quantize_multiplier_exponent(float(hires_input_scale / np.float32(output_scale))) <= 0)
    assert_bit_exact(model, [_data(shape, rng)])


@pytest.mark.parametrize("input_scale, output_scale", [(1e-3, 0.6), (0.01, 100.0), (1e-7, 1e-7), (1.5e-7, 1e-6)])
def test_hard_swish_int16_rounding_defect_matches_tflm(input_scale: float, output_scale: float) -> None:
    """Shifts of 16+ bits in gemmlowp's int16 RoundingDivideByPOT give +-1, not 0; TFLM shares the arithmetic."""
    assert _hard_swish_misrounds(input_scale, output_scale)
    for input_zero_point, output_zero_point in ((0, 0), (5, -3), (-128, 127)):
        model = _unary_model("HARD_SWISH", [256], QuantParams(input_scale, input_zero_point),
                             QuantParams(output_scale, output_zero_point))
        actual = tinyq.load(model).run(ALL_INT8)[0]
        assert np.array_equal(actual, run_tflm(model, [ALL_INT8])[0])
        if output_scale > 512 * input_scale and output_zero_point < 127:
            # Every real output is below half an output step, so the correct result is the zero point.
            assert np.any(actual != output_zero_point)


# --- PRELU -----------------------------------------------------------------------------------

@st.composite
def prelu_shapes(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """An input shape of rank 1-6 and an alpha shape broadcasting to it (fewer dims, size-1 dims)."""
    rank = draw(st.integers(1, 6))
    shape = [draw(st.sampled_from([1, 2, 3, 4])) for _ in range(rank)]
    while int(np.prod(shape)) > 512:
        shape[shape.index(max(shape))] -= 1
    alpha_rank = draw(st.integers(0, rank))
    alpha_shape = [d if draw(st.booleans()) else 1 for d in shape[rank - alpha_rank:]]
    return shape, alpha_shape


@given(shapes=prelu_shapes(), constant_alpha=st.booleans(), scales=rescaling(max_log2_ratio=16.0),
       alpha_scale=st.floats(-5.0, 0.5).map(lambda e: float(np.float32(10.0**e))),
       zero_points=st.tuples(int8_zero_points, int8_zero_points, int8_zero_points), seed=seeds)
def test_direct_prelu_matches_litert(shapes: tuple[list[int], list[int]], constant_alpha: bool,
                                     scales: tuple[float, float], alpha_scale: float,
                                     zero_points: tuple[int, int, int], seed: int) -> None:
    shape, alpha_shape = shapes
    input_scale, output_scale = scales
    rng = np.random.default_rng(seed)
    alpha = rng.integers(-128, 128, size=alpha_shape, dtype=np.int8)
    builder = GraphBuilder()
    x = builder.input(shape, dtype=np.int8, quantization=QuantParams(input_scale, zero_points[0]))
    alpha_quantization = QuantParams(alpha_scale, zero_points[1])
    a = (builder.constant(alpha, quantization=alpha_quantization) if constant_alpha
         else builder.input(alpha_shape, dtype=np.int8, quantization=alpha_quantization))
    builder.output(builder.op("PRELU", [x, a], shape, output_dtype=np.int8,
                              output_quantization=QuantParams(output_scale, zero_points[2])))
    inputs = [_data(shape, rng)] + ([] if constant_alpha else [alpha])
    assert_bit_exact(builder.build(), inputs)


@given(shapes=prelu_shapes(), bounds=calibration_ranges(), alpha_spread=st.sampled_from([0.01, 0.3, 2.0]), seed=seeds)
def test_quantized_prelu_matches_litert(shapes: tuple[list[int], list[int]], bounds: tuple[float, float],
                                        alpha_spread: float, seed: int) -> None:
    shape, alpha_shape = shapes
    rng = np.random.default_rng(seed)
    builder = GraphBuilder()
    x = builder.input(shape)
    alpha = builder.constant(rng.uniform(-alpha_spread, alpha_spread, size=alpha_shape).astype(np.float32))
    builder.output(builder.op("PRELU", [x, alpha], shape))
    low, high = bounds
    calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
    calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high
    model = quantize(builder.build(), calibration)
    assert_bit_exact(model, [_data(shape, rng)])


# --- table ops: ELU, GELU ---------------------------------------------------------------------

TABLE_INPUT_SCALES = sorted({float(np.float32(s)) for s in np.geomspace(1e-4, 20.0, 19)}
                            | {1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0})
TABLE_INPUT_ZERO_POINTS = [-128, -77, -1, 0, 1, 64, 127]
TABLE_OUTPUT_QUANTIZATIONS = [QuantParams(1 / 128, 0), QuantParams(0.02, -100), QuantParams(0.3, 17),
                              QuantParams(2.0**-12, -128)]
TABLE_OPS = {"ELU": None, "GELU exact": {"approximate": False}, "GELU approximate": {"approximate": True}}

# (input scale bits, output scale bits), zero points 0: an entry differs between the C library's
# function and the correctly rounded float32 value (found by search against glibc 2.36).
LIBM_SENSITIVE = {"ELU": [(0x3C4A3906, 0x3BE8C879), (0x3F49EDDE, 0x3CD521FD), (0x3DABC120, 0x3C8B57D1)],
                  "GELU exact": [(0x3B6B4981, 0x3B499B09), (0x3D1A6656, 0x3C537007), (0x3CD11D82, 0x3DB22A13)],
                  "GELU approximate": [(0x3CA5CFDE, 0x3D0041C5), (0x3C2D6626, 0x3AB831DB), (0x3C3C77CA, 0x3B392894)]}
# Approximate GELU: an entry changes if x + (0.044715f * x * x) * x is contracted into a fused multiply-add.
FMA_SENSITIVE = [(0x3C7A2DF8, 0x3AB9EBD2), (0x3D114FA2, 0x3AB16CF2)]


def _table_problems(label: str, quantizations: list[tuple[QuantParams, QuantParams]]) -> tuple[int, list[str]]:
    """Run the all-256 model of every (input, output) quantization on tinyq and LiteRT: (entries, problems)."""
    op = label.split()[0]
    compared, problems = 0, []
    for input_quantization, output_quantization in quantizations:
        model = _unary_model(op, [256], input_quantization, output_quantization, TABLE_OPS[label])
        expected = _litert(op, model, [ALL_INT8])[0]
        actual = tinyq.load(model).run(ALL_INT8)[0]
        compared += expected.size
        problem = mismatch_report(f"{label} {input_quantization} -> {output_quantization}", expected, actual)
        if problem:
            problems.append(problem)
    return compared, problems


@pytest.mark.parametrize("label", sorted(TABLE_OPS))
def test_tables_match_litert(label: str) -> None:
    quantizations = [(QuantParams(scale, zero_point), output) for scale in TABLE_INPUT_SCALES
                     for zero_point in TABLE_INPUT_ZERO_POINTS for output in TABLE_OUTPUT_QUANTIZATIONS]
    compared, problems = _table_problems(label, quantizations)
    assert compared == 256 * len(TABLE_INPUT_SCALES) * len(TABLE_INPUT_ZERO_POINTS) * len(TABLE_OUTPUT_QUANTIZATIONS)
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("label", sorted(TABLE_OPS))
def test_libm_sensitive_tables_match_litert(label: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = LIBM_SENSITIVE[label] + (FMA_SENSITIVE if label == "GELU approximate" else [])
    quantizations = [(QuantParams(_float32_from_bits(i), 0), QuantParams(_float32_from_bits(o), 0)) for i, o in cases]
    compared, problems = _table_problems(label, quantizations)
    assert compared == 256 * len(cases) and not problems, "\n".join(problems)
    # The same scales with the correctly rounded fallback functions: these tables do differ.
    for name in ("_C_TANHF", "_C_EXPM1F", "_C_ERFCF"):
        monkeypatch.setattr(_lut, name, None)
    _, problems = _table_problems(label, quantizations[: len(LIBM_SENSITIVE[label])])
    assert len(problems) == len(LIBM_SENSITIVE[label])


@given(label=st.sampled_from(sorted(TABLE_OPS)),
       input_scale=st.floats(-5.0, 2.0).map(lambda e: float(np.float32(10.0**e))),
       output_scale=st.floats(-4.0, 1.0).map(lambda e: float(np.float32(10.0**e))),
       zero_points=st.tuples(st.integers(-128, 127), st.integers(-128, 127)))
def test_direct_tables_match_litert(label: str, input_scale: float, output_scale: float,
                                    zero_points: tuple[int, int]) -> None:
    quantization = (QuantParams(input_scale, zero_points[0]), QuantParams(output_scale, zero_points[1]))
    compared, problems = _table_problems(label, [quantization])
    assert compared == 256 and not problems, problems


@given(approximate=st.booleans(), shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
       bounds=calibration_ranges(), seed=seeds)
def test_quantized_gelu_matches_litert(approximate: bool, shape: list[int], bounds: tuple[float, float],
                                       seed: int) -> None:
    # The official quantizer does not quantize ELU; its tables are covered above.
    rng = np.random.default_rng(seed)
    model = _quantized_unary("GELU", shape, *bounds, rng, {"approximate": approximate})
    # Inputs far below 0 give a tiny output range (e.g. [-5.6e-13, 0] for [-7.4, 0]) whose table entries
    # overflow int32 before the reference's float->int32 conversion (undefined; tinyq refuses it).
    (input_scale, input_zero_point), (output_scale, output_zero_point) = _operand_quantization(model)
    x = input_scale * (np.arange(-128, 128) - input_zero_point)
    exact = 0.5 * x * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    assume(np.all(np.abs(exact) / output_scale + abs(output_zero_point) < 2.0**30))
    assert_bit_exact(model, [_data(shape, rng)])


def test_elu_has_no_builtin_ref_kernel() -> None:
    """LiteRT BUILTIN_REF cannot run ELU at all; its builtin kernel (compared above) is LiteRT's only one."""
    model = _unary_model("ELU", [256], QuantParams(0.05, 3), QuantParams(0.03, -5))
    with pytest.raises(ValueError, match="Didn't find op for builtin opcode 'ELU'"):
        run_litert(model, [ALL_INT8])
    _assert_matches_litert("ELU", model, [ALL_INT8])


def test_tflm_elu_table_differs_from_litert() -> None:
    """TFLite Micro's ELU table uses expf(x) - 1 instead of expm1f(x): some entries differ by one step."""
    model = _unary_model("ELU", [256], QuantParams(8.478097879560664e-05, 0), QuantParams(3.15549987135455e-05, 0))
    actual = tinyq.load(model).run(ALL_INT8)[0]
    assert np.array_equal(actual, _run_litert_builtin(model, [ALL_INT8])[0])
    tflm = run_tflm(model, [ALL_INT8])[0]
    assert 0 < np.count_nonzero(tflm != actual) and np.all(np.abs(tflm.astype(int) - actual) <= 1)


# --- refused models --------------------------------------------------------------------------

def test_hard_swish_output_multiplier_of_one_or_more_is_refused() -> None:
    model = _unary_model("HARD_SWISH", [4], QuantParams(0.5, 0), QuantParams(0.5 / 128 / 1.5, 0))
    with pytest.raises(ModelError, match="must be below 1") as raised:
        tinyq.load(model)
    assert type(raised.value) is ModelError and "HARD_SWISH" in str(raised.value)
    with pytest.raises(RuntimeError, match="output_multiplier_exponent <= 0"):
        run_litert(model, [np.zeros(4, np.int8)])


@pytest.mark.parametrize("op", RELU_OPS + ["LEAKY_RELU", "HARD_SWISH", "ELU", "GELU"])
def test_missing_quantization_is_refused(op: str) -> None:
    model = _unary_model(op, [4], None, QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="no quantization parameters"):
        tinyq.load(model)


@pytest.mark.parametrize("op", RELU_OPS + ["LEAKY_RELU", "HARD_SWISH", "ELU", "GELU"])
def test_zero_output_scale_is_refused(op: str) -> None:
    model = _unary_model(op, [4], QuantParams(0.1, 0), QuantParams(0.0, 0))
    with pytest.raises(ModelError, match="scale"):
        tinyq.load(model)


def test_prelu_per_channel_alpha_is_refused() -> None:
    # LiteRT reads a per-channel alpha's scale as 0 (and TFLM uses the first scale): both wrong.
    builder = GraphBuilder()
    x = builder.input([2, 4], dtype=np.int8, quantization=QuantParams(0.1, 0))
    alpha = builder.constant(np.array([10, -20, 30, -40], np.int8),
                             quantization=QuantParams([0.01, 0.02, 0.03, 0.04], 0, 0))
    builder.output(builder.op("PRELU", [x, alpha], [2, 4], output_dtype=np.int8,
                              output_quantization=QuantParams(0.1, 0)))
    with pytest.raises(ModelError, match="alpha .* quantized per channel"):
        tinyq.load(builder.build())


def test_prelu_alpha_enlarging_the_input_is_refused() -> None:
    builder = GraphBuilder()
    x = builder.input([1, 4], dtype=np.int8, quantization=QuantParams(0.1, 0))
    alpha = builder.constant(np.ones((3, 1), np.int8), quantization=QuantParams(0.1, 0))
    builder.output(builder.op("PRELU", [x, alpha], [3, 4], output_dtype=np.int8,
                              output_quantization=QuantParams(0.1, 0)))
    model = builder.build()
    with pytest.raises(ModelError, match="must have the input's shape"):
        tinyq.load(model)
    with pytest.raises(RuntimeError, match="HaveSameShapes"):
        run_litert(model, [np.zeros((1, 4), np.int8)])


@pytest.mark.parametrize("op, options, input_scale, output_scale, message", [
    ("RELU", None, 0.5, 2.0**-35, "needs a left shift of 35 bits"),
    ("LEAKY_RELU", {"alpha": 7.0}, 0.5, 2.0**-31, "needs a left shift of 33 bits"),
    ("RELU6", None, 1e-12, 1e-12, "clamp bounds cannot be quantized"),
    ("HARD_SWISH", None, 3e7, 3e7, "left shift of 31 bits, undefined"),
    ("GELU", {"approximate": False}, 0.5, 1e-12, "undefined in the reference"),
    ("ELU", None, 0.5, 1e-12, "undefined in the reference"),
])
def test_undefined_reference_arithmetic_is_unsupported(op: str, options: dict | None, input_scale: float,
                                                       output_scale: float, message: str) -> None:
    model = _unary_model(op, [4], QuantParams(input_scale, 0), QuantParams(output_scale, 0), options)
    with pytest.raises(UnsupportedOpError, match=message):
        tinyq.load(model)
