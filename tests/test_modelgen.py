"""Tests for the test-model builders (tools.modelgen) and oracle runners (tools.oracles)."""

from __future__ import annotations

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import litert_all_tensors, oracle_versions, run_litert, run_tflm

OUT_CHANNELS = 4
CLASSES = 5


def _conv_fc_float_model(rng: np.random.Generator) -> tuple[bytes, dict[str, np.ndarray]]:
    """[1,6,6,2] -> CONV_2D 3x3 SAME RELU -> RESHAPE -> FULLY_CONNECTED."""
    weights = {
        "conv_filter": rng.normal(size=(OUT_CHANNELS, 3, 3, 2)).astype(np.float32),
        "conv_bias": rng.normal(size=(OUT_CHANNELS,)).astype(np.float32),
        "fc_filter": rng.normal(size=(CLASSES, 6 * 6 * OUT_CHANNELS)).astype(np.float32),
        "fc_bias": rng.normal(size=(CLASSES,)).astype(np.float32),
    }
    builder = GraphBuilder()
    image = builder.input([1, 6, 6, 2], name="image")
    conv = builder.op(
        "CONV_2D",
        [image, builder.constant(weights["conv_filter"]), builder.constant(weights["conv_bias"])],
        [1, 6, 6, OUT_CHANNELS],
        {"padding": "SAME", "stride_w": 1, "stride_h": 1, "fused_activation_function": "RELU"},
        name="conv",
    )
    flat = builder.op(
        "RESHAPE",
        [conv, builder.constant(np.array([1, 6 * 6 * OUT_CHANNELS], np.int32))],
        [1, 6 * 6 * OUT_CHANNELS],
        name="flat",
    )
    logits = builder.op(
        "FULLY_CONNECTED",
        [flat, builder.constant(weights["fc_filter"]), builder.constant(weights["fc_bias"])],
        [1, CLASSES],
        name="logits",
    )
    builder.output(logits)
    return builder.build(), weights


def _numpy_conv_fc(x: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """Float reference of the graph above (an independent definition)."""
    padded = np.pad(x.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))  # [1,6,6,2,3,3]
    conv = np.einsum("nhwcij,oijc->nhwo", windows, weights["conv_filter"]) + weights["conv_bias"]
    conv = np.maximum(conv, 0.0)
    return conv.reshape(1, -1) @ weights["fc_filter"].T.astype(np.float64) + weights["fc_bias"]


@pytest.fixture(scope="module")
def float_model() -> tuple[bytes, dict[str, np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(1234)
    model, weights = _conv_fc_float_model(rng)
    calibration = [[rng.uniform(-1, 1, (1, 6, 6, 2)).astype(np.float32)] for _ in range(16)]
    return model, weights, calibration


def _tensor_details(model: bytes) -> dict[str, dict]:
    interpreter = Interpreter(model_content=model)
    return {detail["name"]: detail for detail in interpreter.get_tensor_details()}


def _quantize_input(model: bytes, x: np.ndarray) -> np.ndarray:
    detail = Interpreter(model_content=model).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    return np.clip(np.round(x / scale) + zero_point, info.min, info.max).astype(detail["dtype"])


def test_float_graph_matches_numpy(float_model) -> None:
    model, weights, calibration = float_model
    x = calibration[0][0]
    (litert_out,) = run_litert(model, [x])
    np.testing.assert_allclose(litert_out, _numpy_conv_fc(x, weights), rtol=1e-5, atol=1e-4)


def test_quantized_int8_per_channel_conv(float_model) -> None:
    model, _, calibration = float_model
    quantized = quantize(model, calibration)
    assert isinstance(quantized, bytes)
    details = _tensor_details(quantized)
    for name in ("image", "conv", "flat", "logits"):
        assert details[name]["dtype"] == np.int8, name
        assert len(details[name]["quantization_parameters"]["scales"]) == 1
    filters = [d for d in details.values() if d["dtype"] == np.int8 and len(d["shape"]) == 4 and d["shape"][0] == OUT_CHANNELS]
    assert len(filters) == 1
    conv_q = filters[0]["quantization_parameters"]
    assert len(conv_q["scales"]) == OUT_CHANNELS
    assert conv_q["quantized_dimension"] == 0
    assert np.all(conv_q["zero_points"] == 0)
    fc_filter = next(d for d in details.values() if tuple(d["shape"]) == (CLASSES, 6 * 6 * OUT_CHANNELS))
    assert fc_filter["dtype"] == np.int8
    assert len(fc_filter["quantization_parameters"]["scales"]) == 1
    biases = [d for d in details.values() if d["dtype"] == np.int32 and len(d["quantization_parameters"]["scales"])]
    assert sorted(len(b["quantization_parameters"]["scales"]) for b in biases) == [1, OUT_CHANNELS]


def test_per_channel_dense_and_int16(float_model) -> None:
    model, _, calibration = float_model
    dense = _tensor_details(quantize(model, calibration, per_channel_dense=True))
    fc_filter = next(d for d in dense.values() if tuple(d["shape"]) == (CLASSES, 6 * 6 * OUT_CHANNELS))
    assert len(fc_filter["quantization_parameters"]["scales"]) == CLASSES

    wide = _tensor_details(quantize(model, calibration, activations="int16", input_type="int16", output_type="int16"))
    for name in ("image", "conv", "flat", "logits"):
        assert wide[name]["dtype"] == np.int16, name
        assert np.all(wide[name]["quantization_parameters"]["zero_points"] == 0)
    assert {d["dtype"] for d in wide.values() if len(d["shape"]) == 1 and d["shape"][0] in (OUT_CHANNELS, CLASSES)} == {np.int64}


def test_oracles_agree_on_quantized_model(float_model) -> None:
    model, weights, calibration = float_model
    quantized = quantize(model, calibration)
    x_float = calibration[5][0]
    x = _quantize_input(quantized, x_float)
    ref = run_litert(quantized, [x])
    assert ref[0].dtype == np.int8 and ref[0].shape == (1, CLASSES)
    np.testing.assert_array_equal(run_tflm(quantized, [x]), ref)
    np.testing.assert_array_equal(run_litert(quantized, [x], resolver="auto"), ref)
    # Sanity: the quantized logits track the float ones.
    scale, zero_point = Interpreter(model_content=quantized).get_output_details()[0]["quantization"]
    expected = _numpy_conv_fc(x_float, weights)
    assert np.abs(scale * (ref[0].astype(np.float64) - zero_point) - expected).max() < 0.1 * np.abs(expected).max()

    tensors = litert_all_tensors(quantized, [x])
    by_name = {d["name"]: d["index"] for d in Interpreter(model_content=quantized).get_tensor_details()}
    np.testing.assert_array_equal(tensors[by_name["logits"]], ref[0])
    assert tensors[by_name["conv"]].shape == (1, 6, 6, OUT_CHANNELS)
    assert tensors[by_name["conv"]].dtype == np.int8


def test_float_interface_quantization(float_model) -> None:
    model, _, calibration = float_model
    quantized = quantize(model, calibration, input_type="float32", output_type="float32")
    x = calibration[2][0]
    ref = run_litert(quantized, [x])
    assert ref[0].dtype == np.float32
    np.testing.assert_array_equal(run_tflm(quantized, [x]), ref)


def test_direct_quantized_model_keeps_chosen_params() -> None:
    builder = GraphBuilder()
    a = builder.input([1, 3, 3, 2], name="a", dtype=np.int8, quantization=QuantParams(0.05, -3))
    filt = builder.constant(
        (np.arange(-9, 9).reshape(1, 3, 3, 2) * 7).astype(np.int8),
        name="filter",
        quantization=QuantParams([0.01, 0.02], [0, 0], quantized_dimension=3),
    )
    bias = builder.constant(np.array([100, -50], np.int32), name="bias", quantization=QuantParams([0.0005, 0.001], 0))
    out = builder.op(
        "DEPTHWISE_CONV_2D",
        [a, filt, bias],
        [1, 3, 3, 2],
        {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1},
        output_dtype=np.int8,
        output_quantization=QuantParams(0.03, 17),
        name="out",
    )
    builder.output(out)
    model = builder.build()
    details = _tensor_details(model)
    assert details["a"]["quantization"] == (np.float32(0.05), -3)
    assert details["out"]["quantization"] == (np.float32(0.03), 17)
    filter_q = details["filter"]["quantization_parameters"]
    np.testing.assert_array_equal(filter_q["scales"], np.float32([0.01, 0.02]))
    assert filter_q["quantized_dimension"] == 3
    x = np.random.default_rng(7).integers(-128, 128, (1, 3, 3, 2)).astype(np.int8)
    ref = run_litert(model, [x])
    np.testing.assert_array_equal(run_tflm(model, [x]), ref)


def test_optional_input_and_large_opcode() -> None:
    builder = GraphBuilder()
    x = builder.input([2, 3])
    weights = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    fc = builder.op("FULLY_CONNECTED", [x, builder.constant(weights), -1], [2, 4])
    gelu = builder.op("GELU", [fc], [2, 4])  # builtin code > 127
    builder.output(fc)
    builder.output(gelu)
    model = builder.build()
    opcodes = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0)).operatorCodes
    assert [(c.builtinCode, c.deprecatedBuiltinCode) for c in opcodes] == [
        (schema.BuiltinOperator.FULLY_CONNECTED, schema.BuiltinOperator.FULLY_CONNECTED),
        (schema.BuiltinOperator.GELU, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES),
    ]
    data = np.array([[1, 2, 3], [-1, 0, 0.5]], np.float32)
    fc_out, gelu_out = run_litert(model, [data])
    np.testing.assert_allclose(fc_out, data @ weights.T, rtol=1e-6)
    assert gelu_out.shape == (2, 4)


def test_input_dtype_is_checked(float_model) -> None:
    model, _, calibration = float_model
    with pytest.raises(TypeError):
        run_litert(model, [calibration[0][0].astype(np.float64)])


def test_oracle_versions() -> None:
    versions = oracle_versions()
    assert versions["ai-edge-litert"] and versions["tflite-micro"]
