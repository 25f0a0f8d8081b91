"""Differential tests of QUANTIZE and DEQUANTIZE against LiteRT BUILTIN_REF.

Scales and zero points are chosen directly (log-uniform scales over many decades, powers of two,
zero points at and beyond the ends of the dtype's range, requantization multipliers above and
below one, equal scales with zero points 128 apart) and float inputs are built to hit exact .5
ties, saturation, NaN, infinities and values beyond the int32 range. Models quantized by the
official quantizer with float32 and uint8 interfaces exercise the QUANTIZE/DEQUANTIZE ops the
converter itself inserts.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert

seeds = st.integers(0, 2**32 - 1)
small_shapes = st.lists(st.integers(1, 5), min_size=1, max_size=4)


def scales() -> st.SearchStrategy[float]:
    """Log-uniform over 1e-9..1e4, plus exact powers of two (whose divisions are exact)."""
    log_uniform = st.floats(-9.0, 4.0).map(lambda e: float(np.float32(10.0**e)))
    powers_of_two = st.integers(-30, 12).map(lambda e: 2.0**e)
    return st.one_of(log_uniform, powers_of_two)


def zero_points(dtype: type) -> st.SearchStrategy[int]:
    """Any zero point of the dtype, its ends, and values beyond them (the reference only clamps)."""
    if dtype == np.int32:  # the file's int64 zero point must still fit the reference's int32
        return st.one_of(st.just(0), st.integers(-(1 << 20), 1 << 20))
    info = np.iinfo(dtype)
    return st.one_of(st.integers(int(info.min), int(info.max)),
                     st.sampled_from([int(info.min), int(info.max), 0]),
                     st.integers(int(info.min) - 300, int(info.max) + 300))


def _hard_floats(shape: list[int], scale: float, zero_point: int, rng: np.random.Generator) -> np.ndarray:
    """Float inputs mixing in-range values, exact .5 ties, saturation and non-finite values."""
    size = int(np.prod(shape))
    kind = rng.integers(0, 6, size)
    steps = rng.integers(-300, 300, size).astype(np.float64)
    values = np.empty(size, np.float64)
    values[kind == 0] = (rng.uniform(-260, 260, size) * scale)[kind == 0]              # anywhere near the range
    values[kind == 1] = ((steps + 0.5) * scale)[kind == 1]                              # .5 ties (exact for 2^k)
    values[kind == 2] = ((steps - zero_point) * scale)[kind == 2]                        # exact grid points
    values[kind == 3] = (rng.choice([-1.0, 1.0], size) * 10.0 ** rng.uniform(3, 12, size) * scale)[kind == 3]
    values[kind == 4] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 3e9, -3e9, 1e-40], size)[kind == 4]
    values[kind == 5] = rng.normal(0, 3, size)[kind == 5]
    with np.errstate(over="ignore"):
        return values.astype(np.float32).reshape(shape)


def _quantize_model(shape: list[int], output_dtype: type, quantization: QuantParams) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape)
    builder.output(builder.op("QUANTIZE", [x], shape, output_dtype=output_dtype, output_quantization=quantization))
    return builder.build()


# --- float32 -> int8 / uint8 -----------------------------------------------------------------

@st.composite
def float_quantize_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from([np.int8, np.uint8, np.int16]))
    return {"dtype": dtype, "shape": draw(small_shapes), "scale": draw(scales()),
            "zero_point": draw(zero_points(dtype)), "seed": draw(seeds)}


@given(float_quantize_cases())
def test_quantize_float_matches_litert(case: dict) -> None:
    model = _quantize_model(case["shape"], case["dtype"], QuantParams(case["scale"], case["zero_point"]))
    rng = np.random.default_rng(case["seed"])
    assert_bit_exact(model, [_hard_floats(case["shape"], case["scale"], case["zero_point"], rng)])


@st.composite
def per_channel_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from([np.int8, np.uint8, np.int16]))
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    axis = draw(st.integers(0, len(shape) - 1))
    channels = shape[axis]
    return {"dtype": dtype, "shape": shape, "axis": axis,
            "scales": draw(st.lists(scales(), min_size=channels, max_size=channels)),
            "zero_points": draw(st.lists(zero_points(dtype), min_size=channels, max_size=channels)),
            "seed": draw(seeds)}


@given(per_channel_cases())
def test_quantize_float_per_channel_matches_litert(case: dict) -> None:
    quantization = QuantParams(case["scales"], case["zero_points"], case["axis"])
    model = _quantize_model(case["shape"], case["dtype"], quantization)
    rng = np.random.default_rng(case["seed"])
    assert_bit_exact(model, [_hard_floats(case["shape"], float(np.median(case["scales"])), 0, rng)])


def test_quantize_float_ties_and_specials() -> None:
    """Named values: ties round away from zero, NaN/inf/huge go through INT32_MIN + zero point."""
    values = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, -0.49999997, 126.5, 127.5, -128.5, -129.5,
                       np.nan, np.inf, -np.inf, 3e9, -3e9, 2147483520.0, 1e-45], np.float32)
    for dtype, zero_point, expected_nan in ((np.int8, 0, -128), (np.int8, -10, 127), (np.uint8, 3, 0),
                                            (np.uint8, -1, 255)):
        model = _quantize_model([values.size], dtype, QuantParams(1.0, zero_point))
        (result,) = assert_bit_exact(model, [values])
        assert result[12] == expected_nan  # NaN: int32 conversion gives INT32_MIN, then + zero point wraps
        assert result[:3].tolist() == list(np.clip(np.array([1, 2, 3]) + zero_point, *_limits(dtype)))


def _limits(dtype: type) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


# --- requantization --------------------------------------------------------------------------

REQUANTIZE_PAIRS = [(np.int8, np.int8), (np.int8, np.uint8), (np.int8, np.int16), (np.uint8, np.int8),
                    (np.uint8, np.uint8), (np.uint8, np.int16), (np.int16, np.int8), (np.int16, np.int16),
                    (np.int16, np.int32), (np.int32, np.int8), (np.int32, np.int16)]


@st.composite
def requantize_cases(draw: st.DrawFn) -> dict:
    input_dtype, output_dtype = draw(st.sampled_from(REQUANTIZE_PAIRS))
    input_scale = draw(st.floats(-6.0, 2.0).map(lambda e: float(np.float32(10.0**e))))
    ratio_kind = draw(st.sampled_from(["any", "one", "shift128"]))
    input_zero_point = draw(zero_points(input_dtype))
    if ratio_kind == "any":
        # input_scale / output_scale from 2^-20 to 2^16: multipliers below and above one.
        output_scale = float(np.float32(input_scale / 2.0 ** draw(st.floats(-20.0, 16.0))))
        output_zero_point = draw(zero_points(output_dtype))
    else:
        output_scale = input_scale
        if ratio_kind == "shift128" and input_dtype != output_dtype:
            # Requantize's XOR-0x80 fast path: equal scales, zero points 128 apart.
            output_zero_point = input_zero_point + (128 if output_dtype == np.uint8 else -128)
        else:
            output_zero_point = draw(zero_points(output_dtype))
    if input_dtype == output_dtype == np.int16:  # Prepare requires zero points 0 here
        input_zero_point = output_zero_point = 0
    return {"input_dtype": input_dtype, "output_dtype": output_dtype, "shape": draw(small_shapes),
            "input": QuantParams(input_scale, input_zero_point), "output": QuantParams(output_scale, output_zero_point),
            "seed": draw(seeds)}


@given(requantize_cases())
def test_requantize_matches_litert(case: dict) -> None:
    builder = GraphBuilder()
    x = builder.input(case["shape"], dtype=case["input_dtype"], quantization=case["input"])
    builder.output(builder.op("QUANTIZE", [x], case["shape"], output_dtype=case["output_dtype"],
                              output_quantization=case["output"]))
    info = np.iinfo(case["input_dtype"])
    rng = np.random.default_rng(case["seed"])
    values = rng.integers(info.min, info.max, size=case["shape"], endpoint=True, dtype=case["input_dtype"])
    assert_bit_exact(builder.build(), [values])


def test_requantize_int8_uint8_shift_by_128_is_exact() -> None:
    everything = np.arange(-128, 128, dtype=np.int8)
    builder = GraphBuilder()
    x = builder.input([256], dtype=np.int8, quantization=QuantParams(0.02, -5))
    builder.output(builder.op("QUANTIZE", [x], [256], output_dtype=np.uint8,
                              output_quantization=QuantParams(0.02, 123)))
    (result,) = assert_bit_exact(builder.build(), [everything])
    np.testing.assert_array_equal(result, (everything.astype(np.int32) + 128).astype(np.uint8))


# --- DEQUANTIZE ------------------------------------------------------------------------------

@st.composite
def dequantize_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from([np.int8, np.uint8, np.int16]))
    shape = draw(small_shapes)
    per_channel = dtype != np.int16 and draw(st.booleans())
    if per_channel:
        axis = draw(st.integers(0, len(shape) - 1))
        channels = shape[axis]
        quantization = QuantParams(draw(st.lists(scales(), min_size=channels, max_size=channels)),
                                   draw(st.lists(zero_points(dtype), min_size=channels, max_size=channels)), axis)
    else:
        quantization = QuantParams(draw(scales()), 0 if dtype == np.int16 else draw(zero_points(dtype)))
    return {"dtype": dtype, "shape": shape, "quantization": quantization, "seed": draw(seeds)}


@given(dequantize_cases())
def test_dequantize_matches_litert(case: dict) -> None:
    builder = GraphBuilder()
    x = builder.input(case["shape"], dtype=case["dtype"], quantization=case["quantization"])
    builder.output(builder.op("DEQUANTIZE", [x], case["shape"]))
    info = np.iinfo(case["dtype"])
    values = np.random.default_rng(case["seed"]).integers(info.min, info.max, size=case["shape"], endpoint=True,
                                                          dtype=case["dtype"])
    assert_bit_exact(builder.build(), [values])


def test_dequantize_every_int8_value() -> None:
    """All 256 int8 values against the reference and against float(double(scale) * (q - zp))."""
    scale = 0.1  # not exactly representable in float32
    builder = GraphBuilder()
    x = builder.input([256], dtype=np.int8, quantization=QuantParams(scale, 3))
    builder.output(builder.op("DEQUANTIZE", [x], [256]))
    everything = np.arange(-128, 128, dtype=np.int8)
    (result,) = assert_bit_exact(builder.build(), [everything])
    centered = everything.astype(np.int32) - 3
    np.testing.assert_array_equal(result, (np.float64(np.float32(scale)) * centered).astype(np.float32))


# --- converter-made models -------------------------------------------------------------------

@settings(max_examples=3)
@given(seeds, st.sampled_from(["float32", "uint8"]))
def test_converter_interface_ops_match_litert(seed: int, interface: str) -> None:
    """The QUANTIZE/DEQUANTIZE (float32 interface) or uint8<->int8 QUANTIZE the quantizer inserts."""
    rng = np.random.default_rng(seed)
    builder = GraphBuilder()
    a = builder.input([1, 3, 4], name="a")
    b = builder.input([1, 2, 4], name="b")
    joined = builder.op("CONCATENATION", [a, b], [1, 5, 4], {"axis": 1})
    padded = builder.op("PAD", [joined, builder.constant(np.array([[0, 0], [1, 0], [0, 2]], np.int32))], [1, 6, 6])
    builder.output(padded)
    calibration = [[rng.normal(0, 1, (1, 3, 4)).astype(np.float32), rng.normal(2, 4, (1, 2, 4)).astype(np.float32)]
                   for _ in range(4)]
    model = quantize(builder.build(), calibration, input_type=interface, output_type=interface)
    ops = {op.name for op in tinyq.parse_model(model).subgraphs[0].operators}
    assert "QUANTIZE" in ops
    if interface == "float32":
        inputs = [_hard_floats([1, 3, 4], 0.02, 0, rng), rng.normal(2, 4, (1, 2, 4)).astype(np.float32)]
        assert "DEQUANTIZE" in ops
    else:
        inputs = [rng.integers(0, 256, (1, 3, 4), dtype=np.uint8), rng.integers(0, 256, (1, 2, 4), dtype=np.uint8)]
    assert_bit_exact(model, inputs)


# --- errors ----------------------------------------------------------------------------------

def _one_op(op: str, input_dtype: type, input_quantization: QuantParams | None, output_dtype: type,
            output_quantization: QuantParams | None) -> bytes:
    builder = GraphBuilder()
    x = builder.input([2, 3], dtype=input_dtype, quantization=input_quantization)
    builder.output(builder.op(op, [x], [2, 3], output_dtype=output_dtype, output_quantization=output_quantization))
    return builder.build()


ERROR_CASES = {
    # name: (model, message, does LiteRT refuse it too?)
    "quantize output without quantization": (
        _one_op("QUANTIZE", np.float32, None, np.int8, None), "output tensor .* has no quantization", True),
    "requantize input without quantization": (
        _one_op("QUANTIZE", np.int8, None, np.int8, QuantParams(0.1, 0)), "input tensor .* has no quantization",
        False),  # LiteRT reads scale 0: every output becomes the output zero point
    "quantize zero scale": (
        _one_op("QUANTIZE", np.float32, None, np.int8, QuantParams(0.0, 0)), "finite positive scales", False),
    "requantize per channel": (
        _one_op("QUANTIZE", np.int8, QuantParams([0.1, 0.2, 0.3], 0, 1), np.int8, QuantParams(0.1, 0)),
        "per-channel", False),  # LiteRT reads scale 0 for the per-channel input
    "requantize int16 zero point": (
        _one_op("QUANTIZE", np.int16, QuantParams(0.1, 0), np.int16, QuantParams(0.2, 5)), "needs zero points 0",
        True),
    "requantize scale ratio 2^33": (
        _one_op("QUANTIZE", np.int8, QuantParams(2.0**23, 0), np.int8, QuantParams(2.0**-10, 0)), "2\\^32 or more",
        False),  # MultiplyByQuantizedMultiplier would shift by 34: undefined in C++
    "dequantize without quantization": (
        _one_op("DEQUANTIZE", np.int8, None, np.float32, None), "has no quantization", False),
    "dequantize int16 zero point": (
        _one_op("DEQUANTIZE", np.int16, QuantParams(0.1, 4), np.float32, None), "requires 0 for int16", True),
    "dequantize int16 per channel": (
        _one_op("DEQUANTIZE", np.int16, QuantParams([0.1, 0.2, 0.3], 0, 1), np.float32, None),
        "int16 input quantized per channel", True),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_malformed_quantize_models_are_rejected(name: str) -> None:
    model, message, reference_refuses = ERROR_CASES[name]
    with pytest.raises(tinyq.ModelError, match=message):
        tinyq.load(model)
    if reference_refuses:
        subgraph = tinyq.parse_model(model).subgraphs[0]
        inputs = [np.zeros(subgraph.tensors[i].shape, subgraph.tensors[i].dtype) for i in subgraph.inputs]
        with pytest.raises(RuntimeError):
            run_litert(model, inputs)
