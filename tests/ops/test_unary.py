"""Differential tests of the unary ops ABS, NEG, SQRT, RSQRT, EXP, LOG, SIGN and CAST against LiteRT BUILTIN_REF.

* Whole tables: int8 ABS, SQRT, RSQRT, EXP and LOG on one-op models whose input holds every int8
  value (SQRT and RSQRT: every value at or above the input zero point, the others being the
  error path), for a grid of input scales and zero points and several output quantizations per
  op, including tiny output scales where EXP and LOG saturate. EXP and LOG also run at scales
  where glibc's expf/logf and the correctly rounded float32 value give different table
  entries, which pins down that tinyq uses the same C library functions as the reference.
* The shared RSQRT model (a8w8 recipe) on every int8 value and on random data.
* Hypothesis: float graphs quantized by the official quantizer, and directly quantized models
  with extreme scales and zero points, for the five int8 ops.
* NEG, SIGN, CAST and the float32/int32 forms: every supported dtype (CAST: every pair) on
  data holding the type's ends, NaN, infinities, signed zeros and values beyond the target range.
* Errors: missing or per-channel quantization (ModelError), negative real inputs to SQRT and
  RSQRT (ModelError where LiteRT fails the invoke), parameters tinyq refuses.
* Known reference defects (int8 SQRT beyond the int32 range, quantized NEG of -128) are
  checked against an independent computation instead of LiteRT.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, mismatch_report
from tinyq.errors import ModelError, UnsupportedOpError
from tinyq.ops import _lut
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert

ALL_INT8 = np.arange(-128, 128, dtype=np.int8)
seeds = st.integers(0, 2**32 - 1)
INT8_OPS = ("ABS", "EXP", "LOG", "SQRT", "RSQRT")
DOMAIN_OPS = ("SQRT", "RSQRT")  # defined for real values >= 0 only


def _float32_from_bits(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def _unary_model(op: str, shape: list[int], dtype: type = np.int8, input_quantization: QuantParams | None = None,
                 output_quantization: QuantParams | None = None, output_dtype: type | None = None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape, dtype=dtype, quantization=input_quantization)
    builder.output(builder.op(op, [x], shape, output_dtype=output_dtype or dtype,
                              output_quantization=output_quantization))
    return builder.build()


def _accepted_values(op: str, input_zero_point: int) -> np.ndarray:
    """Every int8 value the reference accepts for ``op`` (SQRT/RSQRT: those >= the zero point)."""
    return ALL_INT8[ALL_INT8 >= input_zero_point] if op in DOMAIN_OPS else ALL_INT8


# --- whole tables ----------------------------------------------------------------------------

TABLE_INPUT_SCALES = sorted({float(np.float32(s)) for s in np.geomspace(1e-4, 20.0, 11)}
                            | {1 / 256, 1 / 16, 0.5, 4.0})
TABLE_INPUT_ZERO_POINTS = [-128, -77, -1, 0, 64, 127]
TABLE_OUTPUT_QUANTIZATIONS = {
    "ABS": [QuantParams(0.0195, -128), QuantParams(1 / 16, 0), QuantParams(0.003, 100), QuantParams(2.0, -1)],
    "EXP": [QuantParams(0.0286, -128), QuantParams(0.5, 0), QuantParams(0.003, 17), QuantParams(2.0**-20, 0),
            QuantParams(40.0, -100)],
    "LOG": [QuantParams(0.0148, 19), QuantParams(1 / 32, 0), QuantParams(0.1, 127), QuantParams(2.0**-24, 5)],
    "SQRT": [QuantParams(0.00876, -128), QuantParams(1 / 64, 0), QuantParams(0.1, 50), QuantParams(0.003, 127)],
    "RSQRT": [QuantParams(0.0116, -128), QuantParams(1 / 64, 0), QuantParams(0.5, -20), QuantParams(4.0, 127)],
}
# (input scale bits, output scale bits) with input zero point 0 and output zero point -128 where
# the table entry of input 1 differs between glibc's expf/logf and the correctly rounded value.
LIBM_SENSITIVE = {"EXP": [(0x3FDF1AE5, 0x3DC17175), (0x40504C8A, 0x3EDB47DF)],
                  "LOG": [(0x41894538, 0x3D4071EF), (0x4112C14B, 0x3D160A66)]}


def _table_problem(op: str, input_quantization: QuantParams, output_quantization: QuantParams) -> str | None:
    values = _accepted_values(op, input_quantization.zero_point[0])
    model = _unary_model(op, [values.size], np.int8, input_quantization, output_quantization)
    expected = run_litert(model, [values])[0]
    actual = tinyq.load(model).run(values)[0]
    return mismatch_report(f"{op} {input_quantization} -> {output_quantization}", expected, actual)


@pytest.mark.parametrize("op", INT8_OPS)
def test_int8_tables_match_litert(op: str) -> None:
    problems = []
    compared = 0
    for output_quantization in TABLE_OUTPUT_QUANTIZATIONS[op]:
        for scale in TABLE_INPUT_SCALES:
            for zero_point in TABLE_INPUT_ZERO_POINTS:
                compared += _accepted_values(op, zero_point).size
                problem = _table_problem(op, QuantParams(scale, zero_point), output_quantization)
                if problem:
                    problems.append(problem)
    expected_entries = sum(_accepted_values(op, z).size for z in TABLE_INPUT_ZERO_POINTS)
    assert compared == expected_entries * len(TABLE_INPUT_SCALES) * len(TABLE_OUTPUT_QUANTIZATIONS[op])
    assert not problems, "\n".join(problems[:10])


def test_abs_without_rescaling_matches_litert() -> None:
    # Equal input and output scales: the reference skips MultiplyByQuantizedMultiplier.
    for scale in (0.02, 1.0, 3e-5):
        for input_zero_point, output_zero_point in ((0, 0), (-128, -128), (10, -100), (127, 127)):
            problem = _table_problem("ABS", QuantParams(scale, input_zero_point), QuantParams(scale, output_zero_point))
            assert problem is None, problem


@pytest.mark.parametrize("op", sorted(LIBM_SENSITIVE))
def test_tables_use_the_c_library_functions(op: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """At these scales the correctly rounded expf/logf would give a different entry for input 1."""
    for input_bits, output_bits in LIBM_SENSITIVE[op]:
        model = _unary_model(op, [256], np.int8, QuantParams(_float32_from_bits(input_bits), 0),
                             QuantParams(_float32_from_bits(output_bits), -128))
        expected = assert_bit_exact(model, [ALL_INT8])[0]
        with monkeypatch.context() as patched:
            patched.setattr(_lut, "_C_EXPF", None)
            patched.setattr(_lut, "_C_LOGF", None)
            fallback = tinyq.load(model).run(ALL_INT8)[0]
        assert list(np.nonzero(fallback != expected)[0] - 128) == [1]


@pytest.mark.parametrize("input_zero_point", [-1000, -70000, -(2**29) - 5, -(2**30), -(2**31) + 200])
def test_rsqrt_zero_points_far_below_the_int8_range_match_litert(input_zero_point: int) -> None:
    # q - input_zero_point reaches 2**29 and more: GetInvSqrtQuantizedMultiplierExp's divide-by-4 steps.
    input_scale = 4.0 / -input_zero_point  # real inputs around 4, outputs around 0.5
    for output_scale in (0.5 / 60, 0.5 / 127, 1e-4):
        model = _unary_model("RSQRT", [256], np.int8, QuantParams(input_scale, input_zero_point),
                             QuantParams(output_scale, 3))
        assert_bit_exact(model, [ALL_INT8])


def test_shared_rsqrt_model_matches_litert(shared_models) -> None:
    model = (shared_models / "single_op" / "single_rsqrt_default_a8w8_recipe_quantized.tflite").read_bytes()
    every_value = np.resize(ALL_INT8, (1, 32, 32))  # input zero point -128: every int8 value is accepted
    assert_bit_exact(model, [every_value])
    rng = np.random.default_rng(4)
    assert_bit_exact(model, [rng.integers(-128, 128, size=(1, 32, 32), dtype=np.int8)])


# --- hypothesis: quantizer-made and direct int8 models ----------------------------------------

shapes_rank_1_to_4 = st.lists(st.integers(1, 6), min_size=1, max_size=4)


@st.composite
def calibration_ranges(draw: st.DrawFn, op: str) -> tuple[float, float]:
    """A float calibration range: any sign for ABS/EXP, from >= 0 for SQRT, from > 0 for RSQRT/LOG.

    (Calibrating LOG or RSQRT with 0 makes the quantizer write an infinite output scale.)
    """
    width = draw(st.floats(-2.0, 1.5).map(lambda e: 10.0**e))
    if op == "EXP":
        width = min(width, 12.0)  # exp of the range must stay finite in float32
    if op == "SQRT":
        low = draw(st.sampled_from([0.0, 0.0]) | st.floats(0.0, 2.0))
    elif op in ("RSQRT", "LOG"):
        low = draw(st.sampled_from([1e-3, 0.01, 0.5]) | st.floats(1e-4, 2.0))
    else:
        low = -width * draw(st.sampled_from([0.5, 0.0, 1.0]) | st.floats(0.0, 1.0))
    return low, low + width


def _input_quantization(model: bytes) -> tuple[float, int]:
    scale, zero_point = tinyq.Interpreter(model_content=model).get_input_details()[0]["quantization"]
    return float(scale), int(zero_point)


def _int8_data(op: str, shape: list[int], input_zero_point: int, rng: np.random.Generator) -> np.ndarray:
    """Random int8 data (with every accepted value where it fits), >= the zero point for SQRT/RSQRT."""
    accepted = _accepted_values(op, input_zero_point)
    values = rng.choice(accepted, size=shape)
    values.flat[: min(values.size, accepted.size)] = rng.permutation(accepted)[: values.size]
    return values.astype(np.int8)


@given(op=st.sampled_from(INT8_OPS), shape=shapes_rank_1_to_4, data=st.data(), seed=seeds)
def test_quantizer_made_models_match_litert(op: str, shape: list[int], data: st.DataObject, seed: int) -> None:
    low, high = data.draw(calibration_ranges(op))
    rng = np.random.default_rng(seed)
    builder = GraphBuilder()
    builder.output(builder.op(op, [builder.input(shape)], shape))
    calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
    calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high
    model = quantize(builder.build(), calibration)
    _, input_zero_point = _input_quantization(model)
    assert_bit_exact(model, [_int8_data(op, shape, input_zero_point, rng)])


def _sqrt_overflows(input_scale: float, input_zero_point: int, output_scale: float) -> bool:
    """Whether some SQRT entry reaches 2**31 before the int32 conversion (a known reference defect)."""
    largest_root = math.sqrt(float(np.float32(input_scale)) * max(127 - input_zero_point, 0))
    return largest_root / float(np.float32(output_scale)) >= 2.0**31 * 0.999


@given(op=st.sampled_from(INT8_OPS), shape=shapes_rank_1_to_4,
       input_log10_scale=st.floats(-6.0, 3.0), output_log10_scale=st.floats(-8.0, 3.0),
       input_zero_point=st.sampled_from([-128, -127, -1, 0, 1, 126, 127]) | st.integers(-128, 127),
       output_zero_point=st.sampled_from([-128, -127, -1, 0, 1, 126, 127]) | st.integers(-128, 127), seed=seeds)
def test_direct_models_match_litert(op: str, shape: list[int], input_log10_scale: float, output_log10_scale: float,
                                    input_zero_point: int, output_zero_point: int, seed: int) -> None:
    input_scale, output_scale = float(np.float32(10**input_log10_scale)), float(np.float32(10**output_log10_scale))
    if op == "SQRT":
        assume(not _sqrt_overflows(input_scale, input_zero_point, output_scale))
    if op == "RSQRT":  # the reference's second MultiplyByQuantizedMultiplier needs shift - 20 >= -31
        assume(math.sqrt(float(np.float32(input_scale))) * output_scale < 2.0**11)
    if op == "ABS":  # left shifts of 32 and more are undefined in the reference
        assume(input_scale / output_scale < 2.0**30)
    model = _unary_model(op, shape, np.int8, QuantParams(input_scale, input_zero_point),
                         QuantParams(output_scale, output_zero_point))
    rng = np.random.default_rng(seed)
    assume(_accepted_values(op, input_zero_point).size > 0)
    assert_bit_exact(model, [_int8_data(op, shape, input_zero_point, rng)])


# --- known reference defects: checked against independent computations ------------------------

def test_sqrt_beyond_int32_saturates_to_127() -> None:
    """LiteRT converts 2**31 and more to INT32_MIN (-128 after the zero point and clamp); tinyq gives 127."""
    model = _unary_model("SQRT", [256], np.int8, QuantParams(1.0, -128), QuantParams(1e-10, 3))
    actual = tinyq.load(model).run(ALL_INT8)[0]
    roots = np.sqrt(ALL_INT8.astype(np.float64) + 128) / float(np.float32(1e-10))
    assert roots[0] == 0 and np.all(roots[1:] >= 2.0**31)
    assert actual[0] == 3 and np.all(actual[1:] == 127)
    reference = run_litert(model, [ALL_INT8])[0]
    assert np.all(reference[1:] == -128)  # the defect, as of this LiteRT build


def test_quantized_neg_saturates_the_minimum() -> None:
    """-(-128) with matching quantization is 128 real steps above the zero point: saturated to 127."""
    for zero_point in (0, 3, -5):
        model = _unary_model("NEG", [256], np.int8, QuantParams(0.1, zero_point), QuantParams(0.1, -zero_point))
        actual = tinyq.load(model).run(ALL_INT8)[0]
        expected = np.clip(-ALL_INT8.astype(np.int64), -128, 127).astype(np.int8)
        np.testing.assert_array_equal(actual, expected)
        reference = run_litert(model, [ALL_INT8])[0]
        np.testing.assert_array_equal(reference[1:], actual[1:])
        assert reference[0] == -128  # the reference wraps -(-128)


# --- NEG, SIGN, CAST and the float32/int32 forms ---------------------------------------------

def _special_values(dtype: type) -> np.ndarray:
    """The type's ends and neighbours, zero, and for float32 NaN, infinities, signed zeros, denormals."""
    if np.dtype(dtype) == np.bool_:
        return np.array([True, False, True])
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        values = [info.min, info.min + 1, -1, 0, 1, 2, 127, 128, 255, 256, 32767, 32768, info.max - 1, info.max]
        return np.array([v for v in values if info.min <= v <= info.max], dtype=dtype)
    return np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1e-40, 0.5, -0.5, 0.9, -0.9, 1.5, -1.5,
                     127.5, 128.0, -128.5, -129.0, 255.9, 256.0, 32767.5, 32768.0, -32768.9, -32769.0, 65535.0,
                     2147483520.0, 2.0**31, -2.0**31, -2147483904.0, 3e9, -3e9, 2.0**63, -2.0**63, 1e20, -1e20,
                     16777217.0, 3.4e38], dtype=np.float32)


def _with_random(values: np.ndarray, rng: np.random.Generator, count: int = 200) -> np.ndarray:
    """The special values followed by random ones of the same dtype."""
    if values.dtype == np.bool_:
        extra = rng.integers(0, 2, count).astype(np.bool_)
    elif values.dtype.kind in "iu":
        info = np.iinfo(values.dtype)
        extra = rng.integers(info.min, info.max, size=count, endpoint=True, dtype=values.dtype)
    else:
        extra = (rng.standard_normal(count) * 10.0 ** rng.uniform(-3, 10, count)).astype(np.float32)
    return np.concatenate([values, extra])


def _assert_same_bits(expected: np.ndarray, actual: np.ndarray) -> None:
    """Equal values, and for floats the same sign of zero (NaN payloads aside)."""
    assert mismatch_report("output", expected, actual) is None, mismatch_report("output", expected, actual)
    if expected.dtype.kind == "f":
        zeros = expected == 0
        np.testing.assert_array_equal(np.signbit(expected[zeros]), np.signbit(actual[zeros]))


PLAIN_KERNELS = [("ABS", np.int32), ("ABS", np.float32), ("NEG", np.int8), ("NEG", np.int16), ("NEG", np.int32),
                 ("NEG", np.int64), ("NEG", np.float32), ("SIGN", np.int32), ("SIGN", np.float32),
                 ("SQRT", np.float32), ("RSQRT", np.float32)]


@pytest.mark.parametrize("op, dtype", PLAIN_KERNELS, ids=[f"{op}-{np.dtype(d).name}" for op, d in PLAIN_KERNELS])
def test_plain_kernels_match_litert(op: str, dtype: type) -> None:
    values = _with_random(_special_values(dtype), np.random.default_rng(5))
    model = _unary_model(op, [values.size], dtype)
    expected = run_litert(model, [values])[0]
    _assert_same_bits(expected, tinyq.load(model).run(values)[0])


def test_quantization_of_plain_kernels_is_ignored() -> None:
    # int32 ABS with quantization parameters: the reference ignores them, and so does tinyq.
    values = _special_values(np.int32)
    model = _unary_model("ABS", [values.size], np.int32, QuantParams(0.5, 3), QuantParams(0.25, -2))
    assert_bit_exact(model, [values])


CAST_TYPES = (np.int8, np.uint8, np.int16, np.int32, np.int64, np.float32, np.bool_)
CAST_PAIRS = [(source, target) for source in CAST_TYPES for target in CAST_TYPES]


@pytest.mark.parametrize("source, target", CAST_PAIRS,
                         ids=[f"{np.dtype(s).name}-{np.dtype(t).name}" for s, t in CAST_PAIRS])
def test_cast_matches_litert(source: type, target: type) -> None:
    values = _with_random(_special_values(source), np.random.default_rng(6))
    model = _unary_model("CAST", [values.size], source, output_dtype=target)
    expected = run_litert(model, [values])[0]
    _assert_same_bits(expected, tinyq.load(model).run(values)[0])


def test_cast_ignores_quantization() -> None:
    # An int8 tensor cast to float32 gives the stored integers, not the dequantized values.
    model = _unary_model("CAST", [256], np.int8, QuantParams(0.5, 3), output_dtype=np.float32)
    assert_bit_exact(model, [ALL_INT8])


@given(source=st.sampled_from(CAST_TYPES), target=st.sampled_from(CAST_TYPES), shape=shapes_rank_1_to_4,
       seed=seeds)
def test_cast_random_shapes_match_litert(source: type, target: type, shape: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    pool = _with_random(_special_values(source), rng)
    values = rng.choice(pool, size=shape).astype(source)
    assert_bit_exact(_unary_model("CAST", shape, source, output_dtype=target), [values])


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op", DOMAIN_OPS)
def test_negative_real_input_is_an_error(op: str) -> None:
    model = _unary_model(op, [4], np.int8, QuantParams(0.05, 10), QuantParams(0.02, -128))
    values = np.array([10, 127, 9, -128], dtype=np.int8)  # 9 and -128 lie below the zero point
    with pytest.raises(RuntimeError, match="only defined for"):
        run_litert(model, [values])
    with pytest.raises(ModelError, match=rf"{op} is only defined for non-negative values.*2 input element\(s\).*"
                                         rf"the first \(9\) at index \[2\]"):
        tinyq.load(model).run(values)
    assert_bit_exact(model, [np.array([10, 127, 11, 12], dtype=np.int8)])  # at or above it: runs


@pytest.mark.parametrize("op", INT8_OPS)
def test_missing_quantization_is_refused(op: str) -> None:
    model = _unary_model(op, [4], np.int8, None, QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="no quantization parameters"):
        tinyq.load(model)


@pytest.mark.parametrize("op", INT8_OPS)
def test_per_channel_or_zero_scale_is_refused(op: str) -> None:
    per_channel = _unary_model(op, [1, 2], np.int8, QuantParams([0.1, 0.2], [0, 0], 1), QuantParams(0.1, 0))
    with pytest.raises(ModelError, match="quantized per channel"):
        tinyq.load(per_channel)
    zero_scale = _unary_model(op, [4], np.int8, QuantParams(0.1, 0), QuantParams(0.0, 0))
    with pytest.raises(ModelError, match="finite positive scale"):
        tinyq.load(zero_scale)


def test_abs_multiplier_needing_a_shift_beyond_31_is_refused() -> None:
    model = _unary_model("ABS", [4], np.int8, QuantParams(1.0, 0), QuantParams(2.0**-32, 0))
    with pytest.raises(UnsupportedOpError, match="cannot shift that far"):
        tinyq.load(model)


def test_rsqrt_multiplier_needing_a_right_shift_beyond_31_is_refused() -> None:
    model = _unary_model("RSQRT", [4], np.int8, QuantParams(4.0, 0), QuantParams(5000.0, 0))
    with pytest.raises(UnsupportedOpError, match="outside \\[-31, 31\\]"):
        tinyq.load(model)


def test_neg_with_mismatched_quantization_is_refused() -> None:
    for input_quantization, output_quantization in ((QuantParams(0.1, 3), QuantParams(0.1, 3)),
                                                    (QuantParams(0.1, 0), QuantParams(0.2, 0)),
                                                    (QuantParams(0.1, 0), None)):
        model = _unary_model("NEG", [4], np.int8, input_quantization, output_quantization)
        with pytest.raises(UnsupportedOpError, match="negates the stored integers"):
            tinyq.load(model)


@pytest.mark.parametrize("op, dtype", [("SIGN", np.int8), ("EXP", np.float32), ("LOG", np.int16), ("CAST", None)])
def test_kernels_without_a_tinyq_form_are_refused(op: str, dtype: type | None) -> None:
    if op == "CAST":
        model = _unary_model("CAST", [4], np.float32, output_dtype=np.float16)
    else:
        model = _unary_model(op, [4], dtype, QuantParams(0.1, 0), QuantParams(0.1, 0))
    with pytest.raises(UnsupportedOpError, match="no kernel for"):
        tinyq.load(model)
