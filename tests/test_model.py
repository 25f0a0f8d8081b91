"""The parser: decoding, and rejection of malformed models with ModelError (never a crash)."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyq
from tinyq.model import MAX_TENSOR_BYTES, parse_model
from tools.modelgen import GraphBuilder, QuantParams


def _small_model() -> bytes:
    """input int8[1,4,4,2] -> CONV_2D (per-channel) -> RESHAPE -> output int8[1,8]."""
    builder = GraphBuilder()
    image = builder.input([1, 4, 4, 2], "image", np.int8, QuantParams(0.05, -3))
    weights = builder.constant(np.arange(-9, 9, dtype=np.int8).reshape(2, 3, 3, 1).repeat(2, axis=3),
                               "weights", QuantParams([0.01, 0.02], [0, 0], 0))
    bias = builder.constant(np.array([100, -100], np.int32), "bias", QuantParams([0.0005, 0.001], [0, 0], 0))
    conv = builder.op("CONV_2D", [image, weights, bias], [1, 2, 2, 2],
                      {"padding": "VALID", "stride_w": 1, "stride_h": 1, "fused_activation_function": "RELU"},
                      np.int8, "conv", output_quantization=QuantParams(0.1, -128))
    shape = builder.constant(np.array([1, 8], np.int32), "shape")
    out = builder.op("RESHAPE", [conv, shape], [1, 8], None, np.int8, "flat",
                     output_quantization=QuantParams(0.1, -128))
    builder.output(out)
    return builder.build()


def _mutate(model: bytes, change) -> bytes:
    """Unpack with the object API, let ``change`` edit it, pack again with the TFL3 identifier."""
    obj = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    change(obj)
    fb = __import__("flatbuffers").Builder(1024)
    fb.Finish(obj.Pack(fb), file_identifier=b"TFL3")
    return bytes(fb.Output())


@pytest.fixture(scope="module")
def model() -> bytes:
    return _small_model()


def test_decodes_tensors_operators_and_quantization(model: bytes) -> None:
    parsed = parse_model(model)
    subgraph = parsed.subgraphs[0]
    assert [op.name for op in subgraph.operators] == ["CONV_2D", "RESHAPE"]
    conv = subgraph.operators[0]
    assert conv.options.padding == 1 and conv.options.fused_activation_function == 1
    assert conv.options.dilation_h_factor == 1
    weights = subgraph.tensors[conv.inputs[1]]
    assert weights.data.dtype == np.int8 and weights.data.shape == (2, 3, 3, 2)
    assert not weights.data.flags.writeable
    assert weights.quantization.per_channel and weights.quantization.quantized_dimension == 0
    np.testing.assert_array_equal(weights.quantization.scale, np.float32([0.01, 0.02]))
    assert subgraph.tensors[subgraph.inputs[0]].data is None


def test_reads_path_and_bytes_alike(model: bytes, tmp_path) -> None:
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    assert len(parse_model(path).subgraphs[0].tensors) == len(parse_model(model).subgraphs[0].tensors)


def test_missing_file_is_a_model_error(tmp_path) -> None:
    with pytest.raises(tinyq.ModelError, match="cannot read model file"):
        parse_model(tmp_path / "absent.tflite")


@pytest.mark.parametrize("cut", [0, 3, 7, 8, 16, 40, 100])
def test_truncated_prefix_is_rejected(model: bytes, cut: int) -> None:
    with pytest.raises(tinyq.ModelError):
        tinyq.Interpreter(model_content=model[:cut])


@given(st.data())
@settings(max_examples=150)
def test_any_truncation_or_corruption_gives_model_error_or_a_model(model: bytes, data) -> None:
    """Cut and flip bytes anywhere: tinyq either loads the result or raises ModelError — nothing else."""
    raw = bytearray(model[: data.draw(st.integers(9, len(model)), label="length")])
    for _ in range(data.draw(st.integers(0, 4), label="flips")):
        position = data.draw(st.integers(8, len(raw) - 1), label="position")
        raw[position] = data.draw(st.integers(0, 255), label="byte")
    try:
        interpreter = tinyq.Interpreter(model_content=bytes(raw))
    except tinyq.ModelError:
        return
    inputs = [np.zeros(d["shape"], d["dtype"]) for d in interpreter.get_input_details()]
    try:
        interpreter.run(*inputs)
    except tinyq.TinyqError:
        pass


def test_wrong_identifier(model: bytes) -> None:
    with pytest.raises(tinyq.ModelError, match="file identifier"):
        parse_model(model[:4] + b"XXXX" + model[8:])


def test_wrong_schema_version(model: bytes) -> None:
    def change(m):
        m.version = 2
    with pytest.raises(tinyq.ModelError, match="schema version 2"):
        parse_model(_mutate(model, change))


def test_buffer_index_out_of_range(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].tensors[1].buffer = 999
    with pytest.raises(tinyq.ModelError, match=r"tensor 1: tensor 'weights' refers to buffer 999"):
        parse_model(_mutate(model, change))


def test_operator_input_index_out_of_range(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].operators[0].inputs[0] = 57
    with pytest.raises(tinyq.ModelError, match=r"operator 0 \(CONV_2D\): input 0 refers to tensor 57"):
        parse_model(_mutate(model, change))


def test_opcode_index_out_of_range(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].operators[1].opcodeIndex = 9
    with pytest.raises(tinyq.ModelError, match="operator 1: opcode index 9 out of range"):
        parse_model(_mutate(model, change))


def test_graph_output_index_out_of_range(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].outputs = [1000]
    with pytest.raises(tinyq.ModelError, match="graph output 0 refers to tensor 1000"):
        parse_model(_mutate(model, change))


def test_forged_huge_shape_is_rejected_without_allocating(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].tensors[0].shape = [1 << 20, 1 << 20, 1 << 20, 2]
    with pytest.raises(tinyq.ModelError, match=f"over tinyq's limit of {MAX_TENSOR_BYTES} bytes"):
        parse_model(_mutate(model, change))


def test_negative_dimension_is_rejected(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].tensors[0].shape = [1, -4, 4, 2]
    with pytest.raises(tinyq.ModelError, match="negative dimension"):
        parse_model(_mutate(model, change))


def test_buffer_size_must_match_shape_and_dtype(model: bytes) -> None:
    def change(m):
        m.buffers[m.subgraphs[0].tensors[1].buffer].data = [1, 2, 3]
    with pytest.raises(tinyq.ModelError, match="needs 36 bytes, but buffer .* holds 3"):
        parse_model(_mutate(model, change))


def test_operator_reading_a_tensor_not_yet_produced(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].operators.reverse()
    with pytest.raises(tinyq.ModelError, match=r"operator 0 \(RESHAPE\): input 0 reads tensor .* neither a constant"):
        parse_model(_mutate(model, change))


def test_forged_vector_length_does_not_hang(model: bytes) -> None:
    """Overwrite the shape-vector length of a tensor with 2**31-1: rejected at once."""
    parsed = tinyq.parse_model(model)
    raw = bytearray(model)
    # Find the input tensor's shape vector [1,4,4,2] (int32) preceded by its length 4.
    needle = struct.pack("<5i", 4, 1, 4, 4, 2)
    position = bytes(raw).find(needle)
    assert position > 0 and parsed.subgraphs[0].tensors[0].shape == (1, 4, 4, 2)
    raw[position:position + 4] = struct.pack("<i", 2**31 - 1)
    with pytest.raises(tinyq.ModelError, match="claims 2147483647 entries"):
        parse_model(bytes(raw))


def test_per_channel_scale_count_must_match_dimension(model: bytes) -> None:
    def change(m):
        m.subgraphs[0].tensors[1].quantization.scale = [0.1, 0.2, 0.3]
        m.subgraphs[0].tensors[1].quantization.zeroPoint = [0, 0, 0]
    with pytest.raises(tinyq.ModelError, match="3 per-channel scales along dimension 0"):
        parse_model(_mutate(model, change))


def test_unsupported_op_names_op_index_and_types() -> None:
    builder = GraphBuilder()
    x = builder.input([2, 3], "x", np.int8, QuantParams(0.1, 0))
    y = builder.op("SIN", [x], [2, 3], None, np.int8, "y", output_quantization=QuantParams(0.1, 0))
    builder.output(y)
    with pytest.raises(tinyq.UnsupportedOpError, match=r"operator 0 \(SIN\): op SIN \(builtin code 66\) is not "
                                                        r"supported"):
        tinyq.Interpreter(model_content=builder.build())


def test_unsupported_dtype_combination_lists_what_is_supported(model: bytes) -> None:
    def change(m):
        for tensor in m.subgraphs[0].tensors[:1]:
            tensor.type = schema.TensorType.INT16
    with pytest.raises(tinyq.UnsupportedOpError, match=r"operator 0 \(CONV_2D\): no kernel for input=int16, "
                                                        r"filter=int8.*tinyq supports input=int8"):
        tinyq.Interpreter(model_content=_mutate(model, change))


def test_negative_models_are_rejected_cleanly(shared_models) -> None:
    """Malformed files fail at load; a well-formed model with malicious data (an out-of-range gather
    position) loads and fails at invoke, as in LiteRT — both with a tinyq error, never a crash."""
    paths = sorted((shared_models / "negative").glob("*.tflite"))
    assert paths, "no negative models found"
    for path in paths:
        try:
            interpreter = tinyq.Interpreter(model_path=path)
        except tinyq.ModelError:
            continue
        inputs = tinyq.random_inputs(interpreter.get_input_details(), np.random.default_rng(0))
        with pytest.raises(tinyq.InvokeError):
            interpreter.run(*inputs)
