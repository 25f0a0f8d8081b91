"""Differential tests of the int8 activations SOFTMAX, LOGISTIC and TANH against LiteRT BUILTIN_REF.

* Whole tables: one directly quantized one-op model per (input scale, input zero point, output
  quantization / beta) whose input holds all 256 int8 values, so every table entry (and, for
  SOFTMAX, every difference from the row maximum, hence every diff_min cut-off) is compared.
  The scales include ones found (by an exhaustive float32 search against glibc) where the C
  library's tanhf/expf and the correctly rounded value land on different sides of a rounding
  boundary, which pins down that tinyq uses the same float32 functions as the reference.
* Hypothesis: float graphs quantized by the official quantizer (ranks 1-4, SOFTMAX rows of 1 to
  1000 elements, beta over several decades) fed with random data, ties at the row maximum and
  differences right at the diff_min cut-off.
* Quantization the reference refuses gives a ModelError (and LiteRT refuses the same model);
  inputs for which LiteRT's reference aborts the process give an UnsupportedOpError, checked
  against LiteRT in a subprocess.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

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


def _float32_from_bits(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


# Input scales x for which, with zero point 0, the entry of input 1 differs between glibc's
# tanhf (resp. expf) and the correctly rounded float32 value (TANH at output scale 1/128,
# LOGISTIC at 1/256).
LIBM_SENSITIVE_TANH_SCALES = [_float32_from_bits(b) for b in (0x3CA00535, 0x3D9847AF, 0x3E04BD0F, 0x3E1D3953,
                                                                 0x3E35E39A)]
LIBM_SENSITIVE_LOGISTIC_SCALES = [_float32_from_bits(0x3C00000B)]

TABLE_INPUT_SCALES = sorted({float(np.float32(s)) for s in np.geomspace(1e-4, 20.0, 31)}
                            | {1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0})
TABLE_INPUT_ZERO_POINTS = [-128, -77, -1, 0, 1, 64, 127]


def _one_op_model(op: str, shape: list[int], input_quantization: QuantParams | None,
                  output_quantization: QuantParams | None, options: dict | None = None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape, dtype=np.int8, quantization=input_quantization)
    builder.output(builder.op(op, [x], shape, options=options, output_dtype=np.int8,
                              output_quantization=output_quantization))
    return builder.build()


def _table_mismatches(op: str, scales: list[float], output_quantization: QuantParams,
                      options: dict | None = None) -> tuple[int, list[str]]:
    """Run every (scale, zero point) table model on both interpreters; (entries compared, problems)."""
    compared = 0
    problems = []
    for scale in scales:
        for zero_point in TABLE_INPUT_ZERO_POINTS:
            model = _one_op_model(op, [256], QuantParams(scale, zero_point), output_quantization, options)
            expected = run_litert(model, [ALL_INT8])[0]
            actual = tinyq.load(model).run(ALL_INT8)[0]
            compared += expected.size
            problem = mismatch_report(f"{op} input scale {scale!r} zero point {zero_point}", expected, actual)
            if problem:
                problems.append(problem)
    return compared, problems


# --- whole tables ----------------------------------------------------------------------------

@pytest.mark.parametrize("output_quantization", [QuantParams(1 / 128, 0), QuantParams(1 / 100, 7),
                                                 QuantParams(0.03, -128), QuantParams(2.0**-12, 0)],
                         ids=["1/128,0", "1/100,7", "0.03,-128", "2^-12,0"])
def test_tanh_tables_match_litert(output_quantization: QuantParams) -> None:
    compared, problems = _table_mismatches("TANH", TABLE_INPUT_SCALES + LIBM_SENSITIVE_TANH_SCALES,
                                           output_quantization)
    assert compared == 256 * len(TABLE_INPUT_ZERO_POINTS) * (len(TABLE_INPUT_SCALES) + 5)
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("output_zero_point", [-128, 0, 5])
def test_logistic_tables_match_litert(output_zero_point: int) -> None:
    compared, problems = _table_mismatches("LOGISTIC", TABLE_INPUT_SCALES + LIBM_SENSITIVE_LOGISTIC_SCALES,
                                           QuantParams(1 / 256, output_zero_point))
    assert compared == 256 * len(TABLE_INPUT_ZERO_POINTS) * (len(TABLE_INPUT_SCALES) + 1)
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("beta", [1.0, 0.3, 2.5, 1e-3, 1e4])
def test_softmax_all_differences_match_litert(beta: float) -> None:
    compared, problems = _table_mismatches("SOFTMAX", TABLE_INPUT_SCALES, QuantParams(1 / 256, -128),
                                           {"beta": beta})
    assert compared == 256 * len(TABLE_INPUT_ZERO_POINTS) * len(TABLE_INPUT_SCALES)
    assert not problems, "\n".join(problems[:10])


def test_softmax_smallest_accepted_multiplier_matches_litert() -> None:
    # beta * input_scale just above 2**-26: multiplier barely above one, every difference kept.
    input_scale = 2.0**-20
    beta = float(np.nextafter(np.float32(2.0**-6), np.float32(1.0)))
    model = _one_op_model("SOFTMAX", [2, 256], QuantParams(input_scale, 0), QuantParams(1 / 256, -128),
                          {"beta": beta})
    assert_bit_exact(model, [np.stack([ALL_INT8, ALL_INT8[::-1]])])


def test_lut_fallback_matches_litert_on_ordinary_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a C math library, the correctly rounded float32 functions still give these tables."""
    monkeypatch.setattr(_lut, "_C_TANHF", None)
    monkeypatch.setattr(_lut, "_C_EXPF", None)
    scales = [1 / 256, 1 / 16, 0.1, 0.5, 0.0234, 0.0478]
    for op, output_quantization in (("TANH", QuantParams(1 / 128, 0)), ("LOGISTIC", QuantParams(1 / 256, -128))):
        _, problems = _table_mismatches(op, scales, output_quantization)
        assert not problems, "\n".join(problems[:10])


# --- quantizer-made models -------------------------------------------------------------------

def _quantized_unary(op: str, shape: list[int], low: float, high: float, rng: np.random.Generator,
                     options: dict | None = None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape)
    builder.output(builder.op(op, [x], shape, options=options))
    calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
    calibration[0][0].flat[0] = low  # make sure the calibrated range is exactly [low, high]
    calibration[1][0].flat[0] = high
    return quantize(builder.build(), calibration)


def _input_quantization(model: bytes) -> tuple[float, int]:
    detail = tinyq.Interpreter(model_content=model).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    return float(scale), int(zero_point)


shapes_rank_1_to_4 = st.lists(st.integers(1, 6), min_size=1, max_size=4)


@st.composite
def calibration_ranges(draw: st.DrawFn) -> tuple[float, float]:
    """A float range for calibration: centred or lopsided, narrow (a few 1e-3) to wide (tens)."""
    width = draw(st.floats(-2.5, 1.7).map(lambda e: 10.0**e))
    low_fraction = draw(st.sampled_from([0.5, 0.0, 1.0, 0.25]) | st.floats(0.0, 1.0))
    low = -width * low_fraction
    return low, low + width


@given(op=st.sampled_from(["TANH", "LOGISTIC"]), shape=shapes_rank_1_to_4, bounds=calibration_ranges(),
       seed=seeds)
def test_quantized_tanh_logistic_match_litert(op: str, shape: list[int], bounds: tuple[float, float],
                                               seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = _quantized_unary(op, shape, *bounds, rng)
    values = rng.integers(-128, 128, size=shape, dtype=np.int8)
    values.flat[: min(values.size, 256)] = ALL_INT8[rng.permutation(256)][: values.size]
    assert_bit_exact(model, [values])


def _diff_min(beta: float, input_scale: float) -> int:
    """The cut-off difference of PreprocessSoftmaxScaling/CalculateInputRadius, from its definition."""
    real = min(float(np.float32(beta)) * input_scale * 2.0**26, 2.0**31 - 1)
    fraction, exponent = math.frexp(real)
    if round(fraction * 2**31) == 2**31:  # QuantizeMultiplier's round-up to the next power of two
        exponent += 1
    return -math.floor(31 * 2.0**26 / 2.0**exponent)


@st.composite
def softmax_shapes(draw: st.DrawFn) -> list[int]:
    depth = draw(st.sampled_from([1, 2, 3, 255, 256, 511, 512, 1000]) | st.integers(1, 1000))
    leading = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    while leading and int(np.prod(leading)) * depth > 4000:
        leading.pop()
    return leading + [depth]


def _softmax_rows(shape: list[int], pattern: str, diff_min: int, rng: np.random.Generator) -> np.ndarray:
    """int8 rows following one pattern of interest."""
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    depth = shape[-1]
    if pattern == "uniform":
        values = rng.integers(-128, 128, size=(rows, depth))
    elif pattern == "ties":  # many elements equal to the row maximum, the rest just below
        maxima = rng.integers(-126, 128, size=(rows, 1))
        values = maxima - rng.integers(0, 3, size=(rows, depth)) * rng.integers(0, 2, size=(rows, depth))
    else:  # "cut-off": differences 0, -1, diff_min - 1, diff_min, diff_min + 1 from the row maximum
        lowest_maximum = min(127, max(-128, -128 - (diff_min - 1)))  # keeps diff_min - 1 representable
        maxima = rng.integers(lowest_maximum, 128, size=(rows, 1))
        values = maxima + rng.choice(np.array([0, -1, diff_min - 1, diff_min, diff_min + 1]), size=(rows, depth))
        values[:, :1] = maxima
    return np.clip(values, -128, 127).astype(np.int8).reshape(shape)


def _assert_softmax_matches_or_aborts(model: bytes, values: np.ndarray) -> None:
    """Bit-exact comparison, except inputs tinyq refuses because LiteRT's reference aborts on them."""
    try:
        tinyq.load(model).run(values)
    except UnsupportedOpError as exc:
        assert "aborts" in str(exc)
        assume(False)  # LiteRT would kill the test process; test_softmax_refusals_match_litert covers this
    assert_bit_exact(model, [values])


@given(shape=softmax_shapes(), beta=st.sampled_from([1.0, 0.5, 2.0]) | st.floats(-2.0, 2.5).map(lambda e: 10.0**e),
       bounds=calibration_ranges(), pattern=st.sampled_from(["uniform", "ties", "cut-off"]), seed=seeds)
def test_quantized_softmax_matches_litert(shape: list[int], beta: float, bounds: tuple[float, float],
                                          pattern: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = _quantized_unary("SOFTMAX", shape, *bounds, rng, {"beta": beta})
    input_scale, _ = _input_quantization(model)
    values = _softmax_rows(shape, pattern, _diff_min(beta, input_scale), rng)
    _assert_softmax_matches_or_aborts(model, values)


@given(depth=st.integers(1, 300), beta=st.floats(-3.0, 3.0).map(lambda e: 10.0**e),
       scale=st.floats(-4.0, 1.0).map(lambda e: float(np.float32(10.0**e))), zero_point=st.integers(-128, 127),
       pattern=st.sampled_from(["uniform", "ties", "cut-off"]), seed=seeds)
def test_direct_softmax_matches_litert(depth: int, beta: float, scale: float, zero_point: int, pattern: str,
                                       seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = [3, depth]
    model = _one_op_model("SOFTMAX", shape, QuantParams(scale, zero_point), QuantParams(1 / 256, -128),
                          {"beta": beta})
    _assert_softmax_matches_or_aborts(model, _softmax_rows(shape, pattern, _diff_min(beta, scale), rng))


# --- refused quantization --------------------------------------------------------------------

REFUSED_BY_BOTH = {
    "softmax output zero point": ("SOFTMAX", QuantParams(1 / 256, -127), {"beta": 1.0}, "zero point -128"),
    "softmax output scale": ("SOFTMAX", QuantParams(1 / 255, -128), {"beta": 1.0}, "output scale 1/256"),
    "softmax output scale 1/128": ("SOFTMAX", QuantParams(1 / 128, -128), {"beta": 1.0}, "output scale 1/256"),
    "logistic output scale": ("LOGISTIC", QuantParams(1 / 255, -128), None, "exactly 1/256"),
    "logistic output scale 1/128": ("LOGISTIC", QuantParams(1 / 128, 0), None, "exactly 1/256"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_BY_BOTH))
def test_bad_output_quantization_is_refused(case: str) -> None:
    op, output_quantization, options, message = REFUSED_BY_BOTH[case]
    model = _one_op_model(op, [2, 8], QuantParams(0.05, 3), output_quantization, options)
    with pytest.raises(ModelError, match=message) as raised:
        tinyq.load(model)
    assert type(raised.value) is ModelError
    assert op in str(raised.value)
    with pytest.raises(RuntimeError, match="failed to prepare"):
        run_litert(model, [np.zeros((2, 8), np.int8)])


@pytest.mark.parametrize("op", ["SOFTMAX", "LOGISTIC", "TANH"])
def test_missing_input_quantization_is_refused(op: str) -> None:
    options = {"beta": 1.0} if op == "SOFTMAX" else None
    output_quantization = QuantParams(1 / 128, 0) if op == "TANH" else QuantParams(1 / 256, -128)
    model = _one_op_model(op, [4], None, output_quantization, options)
    with pytest.raises(ModelError, match="no quantization parameters"):
        tinyq.load(model)


@pytest.mark.parametrize("scale, error, message", [(0.0, ModelError, "finite positive output scale"),
                                                   (1e-12, UnsupportedOpError, "undefined in the reference")])
def test_tanh_unusable_output_scale_is_refused(scale: float, error: type, message: str) -> None:
    model = _one_op_model("TANH", [4], QuantParams(0.05, 0), QuantParams(scale, 0))
    with pytest.raises(error, match=message):
        tinyq.load(model)


def test_quantization_the_reference_does_not_check_is_accepted() -> None:
    """The reference checks only what it checks: these run, bit-exact."""
    cases = [("SOFTMAX", QuantParams((1 / 256) * (1 + 0.0009), -128), {"beta": 1.0}),  # within 0.001/256
             ("LOGISTIC", QuantParams(1 / 256, 0), None),  # LOGISTIC's output zero point is not checked
             ("TANH", QuantParams(0.02, -50), None)]  # TANH's output quantization is not checked
    for op, output_quantization, options in cases:
        model = _one_op_model(op, [256], QuantParams(0.05, 3), output_quantization, options)
        assert_bit_exact(model, [ALL_INT8])


_ABORT_PROBE = textwrap.dedent("""
    import sys
    import numpy as np
    from tools.oracles import run_litert
    model = open(sys.argv[1], "rb").read()
    values = np.load(sys.argv[2])
    run_litert(model, [values])
    print("finished")
""")


def _litert_aborts(model: bytes, values: np.ndarray, tmp_path: Path) -> bool:
    """Run LiteRT BUILTIN_REF in a child process; True when it dies of SIGABRT."""
    model_path = tmp_path / "model.tflite"
    values_path = tmp_path / "values.npy"
    model_path.write_bytes(model)
    np.save(values_path, values)
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run([sys.executable, "-c", _ABORT_PROBE, str(model_path), str(values_path)], cwd=root,
                           capture_output=True, text=True, timeout=120)
    if child.returncode == 0:
        assert "finished" in child.stdout
        return False
    assert child.returncode == -6, child.stderr  # SIGABRT from TFLITE_CHECK
    return True


def test_softmax_refusals_match_litert(tmp_path: Path) -> None:
    """Rows whose sum of exps reaches 512 abort LiteRT (TFLITE_CHECK exponent <= 31); tinyq refuses them."""
    model = _one_op_model("SOFTMAX", [2, 600], QuantParams(0.1, 0), QuantParams(1 / 256, -128), {"beta": 1.0})
    boundary = np.full((2, 600), -128, np.int8)
    boundary[0, :511] = 5  # 511 elements at the maximum: still runs
    boundary[1, :511] = 127
    assert_bit_exact(model, [boundary])
    too_many = boundary.copy()
    too_many[1, 511] = 127  # 512 elements at the maximum in row 1
    with pytest.raises(UnsupportedOpError, match="row 1 .* aborts"):
        tinyq.load(model).run(too_many)
    assert _litert_aborts(model, too_many, tmp_path)


def test_softmax_tiny_beta_is_refused_like_litert(tmp_path: Path) -> None:
    """beta * input_scale <= 2**-26 aborts LiteRT's Prepare (QuantizeMultiplierGreaterThanOne)."""
    model = _one_op_model("SOFTMAX", [1, 4], QuantParams(2.0**-20, 0), QuantParams(1 / 256, -128),
                          {"beta": 2.0**-6})
    with pytest.raises(UnsupportedOpError, match="aborts"):
        tinyq.load(model)
    assert _litert_aborts(model, np.zeros((1, 4), np.int8), tmp_path)
