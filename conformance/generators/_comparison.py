"""Shared by the comparison generators (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL),
and the bool cases of LOGICAL_AND / LOGICAL_OR (:func:`logical_case`).

int8 / uint8 (quantized; each input is rescaled with its own multiplier before comparing):

* quantizer (int8 only): a float graph comparing two inputs calibrated over different ranges, or
  an input and a constant (the quantizer gives the constant its own scale);
* direct: chosen scales and zero points (zero points often at the range ends):
  - independent scales from 1e-7 to just below 1, sometimes below 2**-32 (its multiplier
    flushes to 0 and every value rescales to 0);
  - "ratio" scales: the second scale a simple ratio of the first (1, 2, 3, 1/2, 2/3, 256, ...),
    so many pairs have equal real values and the two roundings decide the tie;
  - sometimes a scale above 1 (a known reference defect, see :func:`reference_defect`).
  Data: broadcast shape pairs up to 6-D (size-1 dims, missing leading dims, empty dims), or the
  "grid" of every pair of stored values (shapes ``(n, 1)`` and ``(1, n)``).

Scales of exactly 1.0 and unquantized int8 inputs are never drawn: LiteRT aborts the process on
them (``TFLITE_CHECK`` in the multiplier helpers). The quantizer gives an all-zero constant scale
1.0, so quantizer-made constants always hold a nonzero value.

int32 / int64 / float32 / bool: stored values, broadcast shape pairs, either operand sometimes a
constant; data mixing the type's ends, small values (many equal pairs) and, for float32, NaN,
infinities and signed zeros.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, broadcast_shapes, integer_data, quantized, zero_points
from conformance.generators._unary import plain_data

# Second-scale ratios that put many pairs of stored values at equal real values.
RATIOS = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0, 2.0 / 3.0, 1.5, 4.0, 256.0, 1.0 / 256.0, 1000.0, 1e-3)
EMPTY_SHAPE_PAIRS = (((0,), (0,)), ((0,), (1,)), ((1,), (0,)), ((2, 0, 3), (3,)), ((2, 1), (2, 0)),
                     ((1, 0), (4, 1)))


@st.composite
def shape_pair(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Broadcast-compatible shapes up to 6-D; sometimes with an empty dimension, sometimes scalars."""
    kind = draw(st.sampled_from(["broadcast"] * 6 + ["empty", "scalar", "same"]), label="shape kind")
    if kind == "empty":
        return draw(st.sampled_from(EMPTY_SHAPE_PAIRS), label="empty shapes")
    if kind == "scalar":
        return draw(st.sampled_from([((), ()), ((), (3, 2)), ((5,), ())]), label="scalar shapes")
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    return (shape1, shape1) if kind == "same" else (shape1, shape2)


def _comparison_model(op: str, shape1: tuple[int, ...], shape2: tuple[int, ...], dtype: np.dtype,
                      quantization1: QuantParams | None, quantization2: QuantParams | None,
                      constant: np.ndarray | None = None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape1, "input1", dtype, quantization1)
    y = builder.constant(constant, "input2", quantization2) if constant is not None else \
        builder.input(shape2, "input2", dtype, quantization2)
    builder.output(builder.op(op, [x, y], tuple(np.broadcast_shapes(shape1, shape2)), None, np.bool_, "output"))
    return builder.build()


@st.composite
def _quantized_scales(draw: st.DrawFn) -> tuple[float, float, str]:
    """(scale1, scale2, kind): float32-representable scales, never 1.0."""
    kind = draw(st.sampled_from(["independent"] * 8 + ["ratio"] * 8 + ["tiny"] * 2 + ["above one"]), label="scale kind")

    def below_one(label: str) -> float:
        return float(np.float32(10.0 ** draw(st.floats(-7.0, -0.0005), label=label)))

    if kind == "independent":
        scale1, scale2 = below_one("scale1"), below_one("scale2")
    elif kind == "ratio":
        ratio = draw(st.sampled_from(RATIOS), label="ratio")
        scale1 = float(np.float32(2.0 ** draw(st.integers(-20, -1), label="scale1 exponent")
                                  * draw(st.sampled_from([1.0, 0.75, 0.6]), label="scale1 mantissa")))
        scale2 = float(np.float32(scale1 * ratio))
        if not scale2 < 1.0:
            scale1, scale2 = float(np.float32(scale1 / ratio)), scale1
    elif kind == "tiny":
        scale1 = float(np.float32(10.0 ** draw(st.floats(-12.0, -9.4), label="tiny scale")))
        scale2 = below_one("scale2")
    else:
        scale1 = float(np.float32(draw(st.sampled_from([1.0000001, 1.5, 2.0, 37.0, 1e4]), label="scale above one")))
        scale2 = below_one("scale2")
    if draw(st.booleans(), label="swap scales"):
        scale1, scale2 = scale2, scale1
    return scale1, scale2, kind


@st.composite
def quantized_case(draw: st.DrawFn, op: str, dtype: str) -> Case:
    """One int8 or uint8 comparison (see the module docstring)."""
    if dtype == "int8" and draw(st.integers(0, 3), label="quantizer-made") == 0:
        return draw(_quantizer_case(op))
    scale1, scale2, kind = draw(_quantized_scales(), label="scales")
    extreme = draw(st.booleans(), label="extreme zero points")
    zero_point1 = draw(zero_points(dtype, extreme), label="zero point 1")
    zero_point2 = draw(zero_points(dtype, extreme), label="zero point 2")
    if draw(st.integers(0, 2), label="grid") == 0:
        info = np.iinfo(np.dtype(dtype))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="grid seed"))
        values = np.arange(int(info.min), int(info.max) + 1).astype(dtype)
        size = draw(st.sampled_from([256, 64]), label="grid size")
        shape1, shape2 = (size, 1), (1, size)
        inputs = [rng.permutation(values)[:size].reshape(shape1), rng.permutation(values)[:size].reshape(shape2)]
        data = "grid"
    else:
        shape1, shape2 = draw(shape_pair(), label="shapes")
        inputs = [draw(integer_data(shape1, dtype, zero_point1), label="input1"),
                  draw(integer_data(shape2, dtype, zero_point2), label="input2")]
        data = "random"
    model = _comparison_model(op, shape1, shape2, np.dtype(dtype), QuantParams(scale1, zero_point1),
                              QuantParams(scale2, zero_point2))
    params = {"origin": "direct", "input1_shape": list(shape1), "input2_shape": list(shape2), "scale_kind": kind,
              "input1_scale": scale1, "input1_zero_point": zero_point1, "input2_scale": scale2,
              "input2_zero_point": zero_point2, "data": data}
    return Case(op, dtype, params, model, inputs)


@st.composite
def _quantizer_case(draw: st.DrawFn, op: str) -> Case:
    """A float comparison quantized by the official quantizer; the second operand sometimes a constant."""
    shape1, shape2 = draw(broadcast_shapes(max_rank=4, max_side=4), label="shapes")
    spreads = draw(st.tuples(st.sampled_from([0.01, 1.0, 30.0]), st.sampled_from([0.01, 1.0, 30.0])),
                   label="spreads")
    offsets = draw(st.tuples(st.sampled_from([0.0, 2.0, -5.0]), st.sampled_from([0.0, 1.0])), label="offsets")
    constant_second = draw(st.booleans(), label="constant second operand")
    rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))

    def sample(shape: tuple[int, ...], which: int) -> np.ndarray:
        return (rng.standard_normal(shape) * spreads[which] + offsets[which]).astype(np.float32)

    # Some constant values sit on the first input's calibration grid, so ties occur.
    constant_values = np.round(sample(shape2, 1), 1).astype(np.float32)
    # The quantizer gives an all-zero constant scale 1.0, on which LiteRT's comparison aborts the process.
    assume(not constant_second or bool(np.any(constant_values != 0)))
    calibration = [[sample(shape1, 0)] + ([] if constant_second else [sample(shape2, 1)]) for _ in range(5)]

    def build(builder: GraphBuilder) -> None:
        x = builder.input(shape1, "input1")
        y = builder.constant(constant_values, "input2") if constant_second else builder.input(shape2, "input2")
        builder.output(builder.op(op, [x, y], tuple(np.broadcast_shapes(shape1, shape2)), None, np.bool_, "output"))

    model = quantized(build, calibration)
    inputs = [draw(integer_data(shape1, "int8"), label="input1")]
    if not constant_second:
        inputs.append(draw(integer_data(shape2, "int8"), label="input2"))
    params = {"origin": "quantizer", "input1_shape": list(shape1), "input2_shape": list(shape2),
              "calibration_spreads": list(spreads), "offsets": list(offsets), "constant_second": constant_second}
    return Case(op, "int8", params, model, inputs)


@st.composite
def plain_comparison_case(draw: st.DrawFn, op: str, dtype: str) -> Case:
    """int32 / int64 / float32 / bool: stored values; either operand sometimes a constant."""
    shape1, shape2 = draw(shape_pair(), label="shapes")
    input1, input2 = draw(plain_data(shape1, dtype), label="input1"), draw(plain_data(shape2, dtype), label="input2")
    if draw(st.booleans(), label="shared values"):  # equal pairs: copy broadcast elements across
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="share seed"))
        pool = np.concatenate([input1.reshape(-1), input2.reshape(-1)])
        if pool.size:
            input1 = rng.choice(pool, size=input1.shape).astype(dtype)
            input2 = rng.choice(pool, size=input2.shape).astype(dtype)
    constant = draw(st.sampled_from(["none", "none", "input2"]), label="constant operand")
    model = _comparison_model(op, shape1, shape2, np.dtype(dtype), None, None,
                              input2 if constant == "input2" else None)
    params = {"origin": "direct", "input1_shape": list(shape1), "input2_shape": list(shape2), "constant": constant}
    return Case(op, dtype, params, model, [input1] if constant == "input2" else [input1, input2])


def comparison_cases(op: str, dtype: str) -> st.SearchStrategy[Case]:
    """Cases of one comparison op for one dtype row."""
    if dtype in ("int8", "uint8"):
        return quantized_case(op, dtype)
    return plain_comparison_case(op, dtype)


def comparison_reference_defect(case: Case) -> str | None:
    """Quantized cases with an input scale above 1 (LiteRT: undefined shift; TFLite Micro: rejected)."""
    if case.params.get("scale_kind") != "above one":
        return None
    return ("quantized comparison with an input scale above 1: LiteRT BUILTIN_REF passes the positive shift of "
            "QuantizeMultiplierGreaterThanOne to RoundingDivideByPOT as a negative exponent (undefined; the x86-64 "
            "build compares only the signs of the rescaled values) and TFLite Micro rejects the model; tinyq "
            "rejects it with UnsupportedOpError")


@st.composite
def bool_data(draw: st.DrawFn, shape: tuple[int, ...], label: str) -> np.ndarray:
    """Bools at a drawn density: all false, all true, or mixed."""
    density = draw(st.sampled_from([0.0, 1.0, 0.5, 0.1, 0.9]), label=f"{label} density")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label=f"{label} seed"))
    return rng.random(shape) < density


@st.composite
def logical_case(draw: st.DrawFn, op: str) -> Case:
    """LOGICAL_AND / LOGICAL_OR: bool broadcast pairs, the second operand sometimes a constant."""
    shape1, shape2 = draw(shape_pair(), label="shapes")
    input1, input2 = draw(bool_data(shape1, "input1")), draw(bool_data(shape2, "input2"))
    constant = draw(st.sampled_from(["none", "none", "input2"]), label="constant operand")
    model = _comparison_model(op, shape1, shape2, np.dtype(np.bool_), None, None,
                              input2 if constant == "input2" else None)
    params = {"origin": "direct", "input1_shape": list(shape1), "input2_shape": list(shape2), "constant": constant}
    return Case(op, "bool", params, model, [input1] if constant == "input2" else [input1, input2])
