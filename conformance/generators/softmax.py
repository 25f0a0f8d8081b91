"""SOFTMAX cases: int8 rows of 1 to 1000 elements under up to 3 leading dimensions, beta over decades.

* quantizer-made: a float SOFTMAX calibrated over a centred or lopsided range from a few 1e-3 to
  tens wide, beta from 0.01 to 300;
* direct: input scale 1e-4..10 with any zero point (it cancels out), beta 1e-3..1e3, output
  scale 1/256 or just inside the reference's 0.001/256 tolerance, zero point -128; plus the
  smallest multiplier the reference accepts (beta * input scale just above 2**-26).

Row data: uniform over int8 (with range ends and zero points), ties (most elements at or just
below the row maximum), differences right at the diff_min cut-off (0, -1, diff_min - 1,
diff_min, diff_min + 1 from the maximum), or every int8 value (a row of 256 or more holds all
256, so every difference from the maximum is compared).

Never generated (LiteRT's reference kills the process on them, see tinyq/ops/softmax.py):
beta * input scale <= 2**-26 (Prepare's QuantizeMultiplierGreaterThanOne), and rows whose sum of
exps reaches 512 (Eval's TFLITE_CHECK on the reciprocal's exponent). The generator bounds each
row's sum from above in float64 (see :func:`_exp_sum_bound`); a row that could reach 512 gets its
first element raised to 127 and its elements from position 384 on lowered to -128, and rows
longer than 511 get beta * input range >= 2.5 so that this always suffices.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, calibration_range, every_int8, integer_data,
                                quantization_params, quantized, shapes)

OP = "SOFTMAX"
DTYPES = ("int8", "int8->int16")  # int8 -> int16 output is written directly (the quantizer makes int8 out)

OUTPUT_SCALE = 1.0 / 256
OUTPUT_ZERO_POINT = -128
SCALED_DIFF_INTEGER_BITS = 5  # exp's input is Q5.26 (kScaledDiffIntegerBits)
MAX_ELEMENTS = 4000
EXP_SUM_LIMIT = 512.0  # the reference aborts once a row's sum of exps (Q12.19) reaches this
ROW_KEPT_ELEMENTS = 384  # a row repaired to stay below the limit keeps this many elements
MIN_LONG_ROW_BETA_RANGE = 2.5  # beta * input range for rows longer than 511


def _effective_beta_scale(beta: float, input_scale: float) -> float:
    """beta * input scale as the reference applies it (float32 operands, multiplier capped at 2**31 - 1)."""
    real = float(np.float32(beta)) * float(np.float32(input_scale)) * 2.0 ** (31 - SCALED_DIFF_INTEGER_BITS)
    return min(real, 2.0**31 - 1) / 2.0 ** (31 - SCALED_DIFF_INTEGER_BITS)


def _accepted(beta: float, input_scale: float) -> bool:
    """PreprocessSoftmaxScaling's QuantizeMultiplierGreaterThanOne check (it aborts otherwise)."""
    return float(np.float32(beta)) * float(np.float32(input_scale)) * 2.0 ** (31 - SCALED_DIFF_INTEGER_BITS) > 1.0


def _diff_min(beta: float, input_scale: float) -> int:
    """-CalculateInputRadius(5, input_left_shift), from the shift QuantizeMultiplier picks."""
    real = _effective_beta_scale(beta, input_scale) * 2.0 ** (31 - SCALED_DIFF_INTEGER_BITS)
    fraction, exponent = math.frexp(real)
    if round(fraction * 2**31) == 2**31:  # QuantizeMultiplier's round-up to the next power of two
        exponent += 1
    return -math.floor(31 * 2.0**26 / 2.0**exponent)


def _exp_sum_bound(rows: np.ndarray, beta: float, input_scale: float) -> np.ndarray:
    """An upper bound of each row's sum of exps in the reference's fixed point.

    Every element counts (the reference drops those below diff_min). The fixed-point exp of a
    difference is within a relative 1e-5 of the float64 one (the 31-bit multiplier and the Q5.26
    rounding), and Rescale<12> rounds each term by at most 2**-20.
    """
    differences = rows.astype(np.float64) - rows.max(axis=1, keepdims=True)
    total = np.exp(differences * _effective_beta_scale(beta, input_scale)).sum(axis=1)
    return total * (1 + 1e-4) + rows.shape[1] * 2.0**-19


@st.composite
def _rows(draw: st.DrawFn, shape: tuple[int, ...], input_zero_point: int, diff_min: int) -> tuple[np.ndarray, str]:
    """int8 data following one pattern of interest, and the pattern's name."""
    pattern = draw(st.sampled_from(["uniform", "ties", "cut-off", "every int8"]), label="data pattern")
    if pattern == "uniform":
        return draw(integer_data(shape, "int8", input_zero_point), label="input"), pattern
    if pattern == "every int8":
        return draw(every_int8(shape), label="input"), pattern
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    count = int(np.prod(shape[:-1], dtype=np.int64))
    depth = shape[-1]
    if pattern == "ties":  # many elements equal to the row maximum, the rest just below
        maxima = rng.integers(-126, 128, size=(count, 1))
        values = maxima - rng.integers(0, 3, size=(count, depth)) * rng.integers(0, 2, size=(count, depth))
    else:  # differences 0, -1, diff_min - 1, diff_min, diff_min + 1 from the row maximum
        lowest_maximum = min(127, max(-128, -128 - (diff_min - 1)))  # keeps diff_min - 1 representable
        maxima = rng.integers(lowest_maximum, 128, size=(count, 1))
        values = maxima + rng.choice(np.array([0, -1, diff_min - 1, diff_min, diff_min + 1]), size=(count, depth))
        values[:, :1] = maxima
    return np.clip(values, -128, 127).astype(np.int8).reshape(shape), pattern


def _keep_exp_sums_below_limit(values: np.ndarray, beta: float, input_scale: float) -> int:
    """Repair (in place) rows whose sum of exps could reach 512; returns how many were repaired."""
    rows = values.reshape(-1, values.shape[-1])
    risky = _exp_sum_bound(rows, beta, input_scale) >= EXP_SUM_LIMIT
    rows[risky, 0] = 127
    rows[np.ix_(risky, np.arange(ROW_KEPT_ELEMENTS, rows.shape[1]))] = -128
    # LiteRT would abort the whole process on such a row (see the module docstring).
    assume(bool(np.all(_exp_sum_bound(rows, beta, input_scale) < EXP_SUM_LIMIT)))
    return int(risky.sum())


@st.composite
def _shape(draw: st.DrawFn) -> tuple[int, ...]:
    depth = draw(st.one_of(st.sampled_from([1, 2, 3, 255, 256, 511, 512, 1000]), st.integers(1, 1000)), label="depth")
    leading = list(draw(shapes(0, 3, 1, 4), label="leading dims"))
    while leading and int(np.prod(leading)) * depth > MAX_ELEMENTS:
        leading.pop()
    return tuple(leading) + (depth,)


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(_shape(), label="shape")
    long_rows = shape[-1] >= EXP_SUM_LIMIT
    params: dict = {"shape": list(shape)}
    int16_output = dtype == "int8->int16"
    if not int16_output and draw(st.booleans(), label="quantizer-made"):
        low, high = draw(calibration_range(), label="calibration range")
        beta = draw(st.one_of(st.sampled_from([1.0, 0.5, 2.0]), st.floats(-2.0, 2.5).map(lambda e: 10.0**e)),
                    label="beta")
        if long_rows:
            beta = max(beta, MIN_LONG_ROW_BETA_RANGE / (high - low))
        beta = float(np.float32(beta))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
        calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high  # the calibrated range is [low, high]

        def build(builder: GraphBuilder) -> None:
            builder.output(builder.op(OP, [builder.input(shape, "input")], shape, {"beta": beta}, name="output"))

        model = quantized(build, calibration)
        input_scale, input_zero_point = _input_quantization(model)
        params.update(origin="quantizer", beta=beta, calibration_range=[low, high])
    else:
        edge = not long_rows and draw(st.integers(0, 7), label="smallest multiplier") == 0
        if edge:  # beta * input scale just above 2**-26: every difference kept, multiplier barely above one
            exponent = draw(st.integers(-24, -2), label="log2 input scale")
            input_scale = 2.0**exponent
            beta = float(np.nextafter(np.float32(2.0 ** (-26 - exponent)), np.float32(np.inf)))
        else:
            input_scale = float(np.float32(10.0 ** draw(st.floats(-4.0, 1.0), label="log10 input scale")))
            beta = 10.0 ** draw(st.floats(-3.0, 3.0), label="log10 beta")
            if long_rows:
                beta = max(beta, MIN_LONG_ROW_BETA_RANGE / (255 * input_scale))
            beta = float(np.float32(beta))
        input_zero_point = draw(st.integers(-128, 127), label="input zero point")
        output_scale = OUTPUT_SCALE * draw(st.sampled_from([1.0, 1.0, 1.0, 1.0009, 0.9991]), label="output scale")
        input_quantization = QuantParams(input_scale, input_zero_point)
        output_quantization = QuantParams(output_scale, OUTPUT_ZERO_POINT)
        if int16_output:  # units of 1/65536 offset by -32768 (the reference checks no quantization here)
            output_quantization = QuantParams(1.0 / 65536, -32768)
        builder = GraphBuilder()
        x = builder.input(shape, "input", np.int8, input_quantization)
        builder.output(builder.op(OP, [x], shape, {"beta": beta}, np.int16 if int16_output else np.int8, "output",
                                  output_quantization=output_quantization))
        model = builder.build()
        params.update(origin="direct", beta=beta, smallest_multiplier=edge,
                      **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    # Prepare would abort the process (QuantizeMultiplierGreaterThanOne).
    assume(_accepted(beta, input_scale))
    diff_min = _diff_min(beta, input_scale)
    values, pattern = draw(_rows(shape, input_zero_point, diff_min), label="rows")
    repaired = _keep_exp_sums_below_limit(values, beta, input_scale)
    params.update(diff_min=diff_min, data=pattern, repaired_rows=repaired)
    return Case(OP, dtype, params, model, [values])


def _input_quantization(model: bytes) -> tuple[float, int]:
    import tinyq  # imported here: generators must import without tinyq's op modules loaded

    subgraph = tinyq.parse_model(model).subgraphs[0]  # parsed only: loading would run Prepare
    quantization = subgraph.tensors[subgraph.inputs[0]].quantization
    return float(quantization.scale[0]), int(quantization.zero_point[0])


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SOFTMAX models with their inputs."""
    return _case(dtype)
