"""Differential tests of BATCH_MATMUL and TRANSPOSE_CONV (int8) against LiteRT BUILTIN_REF.

BATCH_MATMUL: hypothesis draws ranks 2-5 for each operand, broadcast batch dimensions (size-1
and missing leading dimensions), adj_x / adj_y, which operand (if any) is a constant, and either
quantizer-made parameters or chosen ones (zero points at the range ends, multipliers 2**-40..2**40
including left shifts beyond 31). Separate tests pin the float32 scale product of the multiplier,
the wrapping int32 accumulator and the raw int8 x int8 -> int32 form.

TRANSPOSE_CONV: hypothesis draws the geometry (batch 1-2, inputs from 1x1, filters 1-4, strides
1-3 sometimes beyond the filter, SAME/VALID with every output size consistent with the input),
per-tensor or per-channel weights, with or without bias, every fused activation, quantizer-made
or chosen parameters.

Every example must match LiteRT's reference kernels on every element. Malformed models must give
a ModelError / UnsupportedOpError that says what is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, random_inputs
from tinyq import fixedpoint
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert, run_tflm

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, -127, 0, 126, 127]), st.integers(-128, 127))


def _int8(rng: np.random.Generator, shape: list[int]) -> np.ndarray:
    return rng.integers(-128, 127, size=shape, endpoint=True, dtype=np.int8)


def _float32(value: float) -> float:
    return float(np.float32(value))


# --- BATCH_MATMUL -----------------------------------------------------------------------------

@st.composite
def matmul_shapes(draw: st.DrawFn) -> dict:
    """Operand shapes of ranks 2-5 whose batch dimensions broadcast, with the adjoint flags."""
    lhs_rank, rhs_rank = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    batch = [draw(st.sampled_from([1, 2, 3])) for _ in range(max(lhs_rank, rhs_rank) - 2)]

    def batch_dims(rank: int) -> list[int]:
        dims = batch[len(batch) - (rank - 2):] if rank > 2 else []
        return [d if draw(st.booleans()) else 1 for d in dims]

    rows, depth, columns = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 5))
    adj_x, adj_y = draw(st.booleans()), draw(st.booleans())
    lhs = batch_dims(lhs_rank) + ([depth, rows] if adj_x else [rows, depth])
    rhs = batch_dims(rhs_rank) + ([columns, depth] if adj_y else [depth, columns])
    rank = max(lhs_rank, rhs_rank)
    padded_lhs = [1] * (rank - lhs_rank) + lhs[:-2]
    padded_rhs = [1] * (rank - rhs_rank) + rhs[:-2]
    output = [max(a, b) for a, b in zip(padded_lhs, padded_rhs)] + [rows, columns]
    return {"lhs": lhs, "rhs": rhs, "output": output, "options": {"adj_x": adj_x, "adj_y": adj_y},
            "constant": draw(st.sampled_from(["none", "none", "rhs", "lhs"]))}


def _matmul_graph(shapes: dict, lhs_quantization: QuantParams, rhs_quantization: QuantParams,
                  output_quantization: QuantParams | None, rng: np.random.Generator,
                  output_dtype: type = np.int8) -> bytes:
    """An int8 BATCH_MATMUL written directly; the operand named by shapes["constant"] is a constant."""
    builder = GraphBuilder()
    operands = []
    for role, quantization in (("lhs", lhs_quantization), ("rhs", rhs_quantization)):
        if shapes["constant"] == role:
            operands.append(builder.constant(_int8(rng, shapes[role]), role, quantization))
        else:
            operands.append(builder.input(shapes[role], role, np.int8, quantization))
    builder.output(builder.op("BATCH_MATMUL", operands, shapes["output"], shapes["options"], output_dtype, "output",
                              output_quantization=output_quantization))
    return builder.build()


@given(shapes=matmul_shapes(), seed=seeds)
def test_batch_matmul_quantized_graph_matches_litert(shapes: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    spreads = rng.uniform(0.05, 3.0, size=2)
    offsets = rng.uniform(-1.0, 1.0, size=2)
    builder = GraphBuilder()
    operands = []
    for i, role in enumerate(("lhs", "rhs")):
        if shapes["constant"] == role:
            values = rng.normal(offsets[i], spreads[i], size=shapes[role]).astype(np.float32)
            operands.append(builder.constant(values, role))
        else:
            operands.append(builder.input(shapes[role], role))
    builder.output(builder.op("BATCH_MATMUL", operands, shapes["output"], shapes["options"], name="output"))
    variable = [i for i, role in enumerate(("lhs", "rhs")) if shapes["constant"] != role]
    calibration = [[rng.normal(offsets[i], spreads[i], size=shapes[("lhs", "rhs")[i]]).astype(np.float32)
                    for i in variable] for _ in range(3)]
    model = quantize(builder.build(), calibration)
    for _ in range(2):
        assert_bit_exact(model, random_inputs(model, rng))


@given(shapes=matmul_shapes(), data=st.data())
def test_batch_matmul_direct_graph_matches_litert(shapes: dict, data: st.DataObject) -> None:
    """Chosen scales and zero points; multipliers 2**-40..2**40 (shifts below -31 flush to zero,
    shifts beyond 31 are applied mod 32 as LiteRT's x86-64 build does)."""
    lhs_scale = _float32(2.0 ** data.draw(st.floats(-12.0, 4.0)))
    rhs_scale = _float32(2.0 ** data.draw(st.floats(-12.0, 4.0)))
    if data.draw(st.booleans()):
        log2_multiplier = data.draw(st.floats(-14.0, 1.0))  # realistic
    else:
        log2_multiplier = data.draw(st.sampled_from([-40.0, -33.0, -31.0, -20.0, 4.0, 10.0, 31.0, 32.5, 40.0]))
    output_scale = _float32(lhs_scale * rhs_scale / 2.0**log2_multiplier)
    model = _matmul_graph(shapes, QuantParams(lhs_scale, data.draw(int8_zero_points)),
                          QuantParams(rhs_scale, data.draw(int8_zero_points)),
                          QuantParams(output_scale, data.draw(int8_zero_points)),
                          np.random.default_rng(data.draw(seeds)))
    rng = np.random.default_rng(data.draw(seeds))
    assert_bit_exact(model, random_inputs(model, rng))


@given(shapes=matmul_shapes(), seed=seeds)
def test_batch_matmul_int32_output_matches_litert(shapes: dict, seed: int) -> None:
    """int8 x int8 -> int32 sums the raw products; the reference ignores the zero points."""
    rng = np.random.default_rng(seed)
    quantization = QuantParams(0.5, 17)
    model = _matmul_graph(shapes, quantization, quantization, None, rng, output_dtype=np.int32)
    assert_bit_exact(model, random_inputs(model, rng))


# Scale triples (found by search) where QuantizeMultiplier(double(float(s_l * s_r)) / s_out) and
# QuantizeMultiplier(double(s_l) * double(s_r) / s_out) differ, with an accumulator (a 1x1 product
# (lhs - 0) * (rhs - 0)) whose requantized value differs between the two.
SCALE_PRODUCT_CASES = [
    (0.0003955381, 0.0072899745, 0.0010488087, 77, -111),
    (0.14660127, 0.028423503, 1.8420259, 118, -118),
    (0.2509802, 0.00055635074, 0.055042595, 87, -111),
]


def _scale_product_case(lhs_scale: float, rhs_scale: float, output_scale: float, lhs: int, rhs: int
                        ) -> tuple[bytes, list[np.ndarray], list[int]]:
    """The 1x1 model, its inputs, and the outputs of the [float32, double] scale-product formulas."""
    float_product = np.float64(np.float32(lhs_scale) * np.float32(rhs_scale)) / np.float64(np.float32(output_scale))
    double_product = (np.float64(np.float32(lhs_scale)) * np.float64(np.float32(rhs_scale))
                      / np.float64(np.float32(output_scale)))
    results = [int(fixedpoint.multiply_by_quantized_multiplier(lhs * rhs, *fixedpoint.quantize_multiplier(real)))
               for real in (float_product, double_product)]
    assert results[0] != results[1], "the case must tell the two formulas apart"
    shapes = {"lhs": [1, 1], "rhs": [1, 1], "output": [1, 1], "options": {}, "constant": "none"}
    model = _matmul_graph(shapes, QuantParams(lhs_scale, 0), QuantParams(rhs_scale, 0), QuantParams(output_scale, 0),
                          np.random.default_rng(0))
    return model, [np.array([[lhs]], np.int8), np.array([[rhs]], np.int8)], results


@pytest.mark.parametrize("lhs_scale, rhs_scale, output_scale, lhs, rhs", SCALE_PRODUCT_CASES)
def test_batch_matmul_multiplier_uses_float32_scale_product(lhs_scale: float, rhs_scale: float, output_scale: float,
                                                          lhs: int, rhs: int) -> None:
    """GetQuantizedConvolutionMultipler multiplies the two scales in float32, then widens."""
    model, inputs, (float_result, _) = _scale_product_case(lhs_scale, rhs_scale, output_scale, lhs, rhs)
    (actual,) = assert_bit_exact(model, inputs)
    assert int(actual[0, 0]) == float_result


@pytest.mark.parametrize("lhs_scale, rhs_scale, output_scale, lhs, rhs", SCALE_PRODUCT_CASES)
def test_tflite_micro_batch_matmul_uses_double_scale_product(lhs_scale: float, rhs_scale: float,
                                                              output_scale: float, lhs: int, rhs: int) -> None:
    """Documents a TFLite Micro disagreement: it multiplies the scales in double, one step away here."""
    model, inputs, (_, double_result) = _scale_product_case(lhs_scale, rhs_scale, output_scale, lhs, rhs)
    assert int(run_tflm(model, inputs)[0][0, 0]) == double_result


def test_batch_matmul_accumulator_wraps_in_int32() -> None:
    """40000 products of 255 * 255 overflow int32; the reference's accumulator wraps."""
    depth = 40000
    shapes = {"lhs": [1, depth], "rhs": [depth, 2], "output": [1, 2], "options": {}, "constant": "none"}
    model = _matmul_graph(shapes, QuantParams(0.5, 127), QuantParams(0.5, 127), QuantParams(0.25 * 2.0**24, 0),
                          np.random.default_rng(0))
    rhs = np.full((depth, 2), -128, np.int8)
    rhs[:, 1] = 126
    (actual,) = assert_bit_exact(model, [np.full((1, depth), -128, np.int8), rhs])
    wrapped = depth * 255 * 255 - 2**32
    expected_first = fixedpoint.round_half_away_from_zero(wrapped / 2.0**24)
    assert int(actual[0, 0]) == int(expected_first) < 0  # without the wrap it would saturate at 127


def test_batch_matmul_mid_size_matches_litert() -> None:
    """Attention-sized: [4, 8, 128, 64] x [4, 8, 128, 64]^T, both operands computed at run time."""
    shapes = {"lhs": [4, 8, 128, 64], "rhs": [4, 8, 128, 64], "output": [4, 8, 128, 128],
              "options": {"adj_y": True}, "constant": "none"}
    rng = np.random.default_rng(5)
    model = _matmul_graph(shapes, QuantParams(0.03, -3), QuantParams(0.02, 9), QuantParams(0.4, 2), rng)
    assert_bit_exact(model, random_inputs(model, rng))


def _small_matmul(lhs_shape: list[int], rhs_shape: list[int], output_shape: list[int],
                  rhs_quantization: QuantParams = QuantParams(0.02, 0)) -> bytes:
    shapes = {"lhs": lhs_shape, "rhs": rhs_shape, "output": output_shape, "options": {}, "constant": "rhs"}
    return _matmul_graph(shapes, QuantParams(0.05, 1), rhs_quantization, QuantParams(0.1, -2),
                         np.random.default_rng(0))


MALFORMED_MATMUL = {
    "per-channel rhs": ([2, 3], _small_matmul([2, 3], [3, 4], [2, 4], QuantParams([0.01, 0.02, 0.03, 0.04], 0, 1)),
                        "quantized per tensor"),
    "depth": ([2, 3], _small_matmul([2, 3], [4, 4], [2, 4]), "depth 3 but rhs"),
    "batch": ([2, 2, 3], _small_matmul([2, 2, 3], [3, 3, 4], [2, 2, 4]), "do not broadcast"),
    "rank": ([1, 1, 1, 1, 2, 3], _small_matmul([1, 1, 1, 1, 2, 3], [3, 4], [1, 1, 1, 1, 2, 4]), "rank 2 to 5"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_MATMUL))
def test_malformed_batch_matmul_is_refused(case: str) -> None:
    lhs_shape, model, message = MALFORMED_MATMUL[case]
    with pytest.raises(tinyq.ModelError, match=message):
        tinyq.load(model)
    if case != "per-channel rhs":  # LiteRT runs that one (see below)
        with pytest.raises((RuntimeError, ValueError)):
            run_litert(model, [np.zeros(lhs_shape, np.int8)])


def test_per_channel_batch_matmul_is_zero_point_in_litert() -> None:
    """LiteRT reads the per-tensor scale, 0 for a per-channel tensor: the output is its zero point."""
    _, model, _ = MALFORMED_MATMUL["per-channel rhs"]
    (output,) = run_litert(model, [_int8(np.random.default_rng(1), [2, 3])])
    np.testing.assert_array_equal(output, np.full([2, 4], -2, np.int8))


# --- TRANSPOSE_CONV ---------------------------------------------------------------------------

@st.composite
def transpose_geometries(draw: st.DrawFn) -> dict:
    """Shapes and options of one TRANSPOSE_CONV, the output size any consistent with the input."""
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    filter_height, filter_width = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride_h, stride_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    in_height, in_width = draw(st.integers(1, 5)), draw(st.integers(1, 5))

    def output_size(in_size: int, filter_size: int, stride: int) -> int:
        # SAME: ceil(out / stride) == in; VALID: (out - filter + stride) // stride == in.
        low = (in_size - 1) * stride + (1 if padding == "SAME" else filter_size)
        return draw(st.integers(low, low + stride - 1))

    batch, in_channels, out_channels = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return {"input": [batch, in_height, in_width, in_channels],
            "weights": [out_channels, filter_height, filter_width, in_channels],
            "output": [batch, output_size(in_height, filter_height, stride_h),
                       output_size(in_width, filter_width, stride_w), out_channels],
            "options": {"padding": padding, "stride_h": stride_h, "stride_w": stride_w,
                        "fused_activation_function": draw(st.sampled_from(ACTIVATIONS))},
            "bias": draw(st.integers(0, 3)) > 0}


def _transpose_conv(builder: GraphBuilder, geometry: dict, image: int, weights: int, bias: int | None,
                    **output: object) -> int:
    inputs = [builder.constant(np.array(geometry["output"], np.int32), "output_shape"), weights, image]
    if bias is not None:
        inputs.append(bias)
    return builder.op("TRANSPOSE_CONV", inputs, geometry["output"], geometry["options"], name="output", version=3,
                      **output)


def _assert_matches_or_both_refuse(model: bytes, input_shape: list[int], rng: np.random.Generator) -> None:
    """Bit-exact against LiteRT, unless LiteRT's Prepare refuses the model, and then tinyq must too.

    The quantizer gives an output calibrated to [0, 0] (a dead RELU) a denormal scale; RELU6 then
    quantizes 6.0 beyond int32 and both interpreters reject the model.
    """
    inputs = [_int8(rng, input_shape)]
    try:
        run_litert(model, inputs)
    except RuntimeError as exc:
        assert "failed to prepare" in str(exc)
        with pytest.raises(tinyq.ModelError, match="overflows int32"):
            tinyq.load(model)
        return
    assert_bit_exact(model, inputs)


@given(geometry=transpose_geometries(), per_channel=st.booleans(), seed=seeds)
def test_transpose_conv_quantized_graph_matches_litert(geometry: dict, per_channel: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, rng.uniform(0.05, 2.0), size=geometry["weights"])
    if geometry["weights"][0] > 1 and rng.random() < 0.3:
        weights[0] *= 1e-3  # very different per-channel scales
    builder = GraphBuilder()
    image = builder.input(geometry["input"], "input")
    bias = builder.constant(rng.normal(0.0, 1.0, size=geometry["weights"][0]).astype(np.float32), "bias") \
        if geometry["bias"] else None
    builder.output(_transpose_conv(builder, geometry, image, builder.constant(weights.astype(np.float32), "weights"),
                                   bias))
    low, high = -rng.uniform(0.0, 3.0), rng.uniform(0.1, 3.0)
    calibration = [[rng.uniform(low, high, size=geometry["input"]).astype(np.float32)] for _ in range(3)]
    model = quantize(builder.build(), calibration, per_channel=per_channel)
    _assert_matches_or_both_refuse(model, geometry["input"], rng)


@given(geometry=transpose_geometries(), data=st.data())
def test_transpose_conv_direct_graph_matches_litert(geometry: dict, data: st.DataObject) -> None:
    """Chosen scales (multipliers 2**-20..2**4), zero points at the range ends, weights down to -128,
    biases up to 2**28."""
    channels = geometry["weights"][0]
    input_scale = _float32(2.0 ** data.draw(st.floats(-10.0, 2.0)))
    base = 2.0 ** data.draw(st.floats(-10.0, 0.0))
    per_channel = channels > 1 and data.draw(st.booleans())
    weight_scales = [_float32(base * 2.0 ** data.draw(st.floats(-3.0, 3.0))) for _ in range(channels if per_channel
                                                                                        else 1)]
    output_scale = _float32(input_scale * base / 2.0 ** data.draw(st.floats(-20.0, 4.0)))
    if geometry["options"]["fused_activation_function"] in ("RELU6", "RELU_N1_TO_1"):
        output_scale = max(output_scale, 2.0**-20)  # else the clamp bounds overflow int32 (LiteRT refuses)
    rng = np.random.default_rng(data.draw(seeds))
    builder = GraphBuilder()
    image = builder.input(geometry["input"], "input", np.int8, QuantParams(input_scale, data.draw(int8_zero_points)))
    weights = builder.constant(_int8(rng, geometry["weights"]), "weights", QuantParams(weight_scales, 0, 0))
    bias = None
    if geometry["bias"]:
        limit = 2 ** data.draw(st.integers(0, 28))
        bias_scales = [_float32(np.float32(input_scale) * np.float32(s)) for s in weight_scales]
        bias = builder.constant(rng.integers(-limit, limit, size=channels, endpoint=True).astype(np.int32), "bias",
                                QuantParams(bias_scales, 0, 0))
    builder.output(_transpose_conv(builder, geometry, image, weights, bias, output_dtype=np.int8,
                                   output_quantization=QuantParams(output_scale, data.draw(int8_zero_points))))
    model = builder.build()
    assert_bit_exact(model, random_inputs(model, rng))


def _direct_transpose_conv(geometry: dict, weights_quantization: QuantParams, rng: np.random.Generator,
                           output_shape: list[int] | None = None, shape_as_input: bool = False) -> bytes:
    builder = GraphBuilder()
    if shape_as_input:
        shape_tensor = builder.input([4], "output_shape", np.int32)
    else:
        shape_tensor = builder.constant(np.array(output_shape or geometry["output"], np.int32), "output_shape")
    image = builder.input(geometry["input"], "input", np.int8, QuantParams(0.05, -3))
    weights = builder.constant(_int8(rng, geometry["weights"]), "weights", weights_quantization)
    builder.output(builder.op("TRANSPOSE_CONV", [shape_tensor, weights, image], output_shape or geometry["output"],
                              geometry["options"], np.int8, "output", output_quantization=QuantParams(0.3, 4),
                              version=3))
    return builder.build()


@pytest.mark.parametrize("exponent", [31, 32, 33, 40, 52, 55, 64])
def test_transpose_conv_left_shift_beyond_31_matches_litert(exponent: int) -> None:
    """Output scale ~2**-exponent (the quantizer's scale for a dead output): shifts beyond 31 are
    applied mod 32 by LiteRT's x86-64 build."""
    geometry = {"input": [1, 3, 3, 2], "weights": [3, 2, 2, 2], "output": [1, 6, 6, 3],
                "options": {"padding": "SAME", "stride_h": 2, "stride_w": 2, "fused_activation_function": "RELU"}}
    rng = np.random.default_rng(exponent)
    builder = GraphBuilder()
    image = builder.input(geometry["input"], "input", np.int8, QuantParams(1.0, -7))
    weights = builder.constant(_int8(rng, geometry["weights"]), "weights", QuantParams([1.0, 0.5, 0.25], 0, 0))
    builder.output(_transpose_conv(builder, geometry, image, weights, None, output_dtype=np.int8,
                                   output_quantization=QuantParams(_float32(2.0**-exponent / 1.3), 3)))
    model = builder.build()
    for _ in range(3):
        assert_bit_exact(model, [_int8(rng, geometry["input"])])


MID_SIZE_TRANSPOSE_CONV = {"input": [1, 32, 32, 64], "weights": [32, 3, 3, 64], "output": [1, 64, 64, 32],
                           "options": {"padding": "SAME", "stride_h": 2, "stride_w": 2,
                                       "fused_activation_function": "RELU"}}


def test_transpose_conv_mid_size_matches_litert() -> None:
    """A decoder-sized upsampling layer: 32x32x64 -> 64x64x32, 3x3 filter, stride 2."""
    rng = np.random.default_rng(11)
    scales = list(rng.uniform(0.002, 0.02, size=32))
    model = _direct_transpose_conv(MID_SIZE_TRANSPOSE_CONV, QuantParams(scales, 0, 0), rng)
    assert_bit_exact(model, random_inputs(model, rng))


SMALL_TRANSPOSE_CONV = {"input": [1, 3, 3, 2], "weights": [3, 2, 2, 2], "output": [1, 6, 6, 3],
                        "options": {"padding": "SAME", "stride_h": 2, "stride_w": 2}}
MALFORMED_TRANSPOSE_CONV = {
    "weights zero point": (dict(weights_quantization=QuantParams(0.01, 3)), tinyq.ModelError, "zero point"),
    "scale count": (dict(weights_quantization=QuantParams([0.01, 0.02], 0, 3)), tinyq.ModelError,
                    "2 scales but the output has 3 channels"),
    "output size": (dict(output_shape=[1, 8, 6, 3]), tinyq.ModelError, "corresponds to an input height of 4"),
    "output channels": (dict(output_shape=[1, 6, 6, 2]), tinyq.ModelError, "3 output channels"),
    "runtime output shape": (dict(shape_as_input=True), tinyq.UnsupportedOpError, "computed at run time"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_TRANSPOSE_CONV))
def test_malformed_transpose_conv_is_refused(case: str) -> None:
    changes, error, message = MALFORMED_TRANSPOSE_CONV[case]
    changes = dict(changes)
    quantization = changes.pop("weights_quantization", QuantParams(0.01, 0))
    model = _direct_transpose_conv(SMALL_TRANSPOSE_CONV, quantization, np.random.default_rng(0), **changes)
    with pytest.raises(error, match=message):
        tinyq.load(model)
    if case in ("scale count", "output size", "output channels"):  # LiteRT runs the others
        with pytest.raises((RuntimeError, ValueError)):
            run_litert(model, [np.zeros(SMALL_TRANSPOSE_CONV["input"], np.int8)])


def test_transpose_conv_weight_zero_point_is_ignored_by_litert() -> None:
    """LiteRT's int8 reference never reads the weight zero point (tinyq refuses such a model)."""
    rng = np.random.default_rng(3)
    image = _int8(rng, SMALL_TRANSPOSE_CONV["input"])
    outputs = [run_litert(_direct_transpose_conv(SMALL_TRANSPOSE_CONV, QuantParams(0.01, zero_point),
                                                 np.random.default_rng(0)), [image])[0] for zero_point in (0, 3)]
    np.testing.assert_array_equal(outputs[0], outputs[1])
