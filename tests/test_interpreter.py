"""The LiteRT-compatible Interpreter API, checked against ai_edge_litert's own Interpreter."""

from __future__ import annotations

import flatbuffers
import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter as LiteRTInterpreter
from ai_edge_litert.interpreter import OpResolverType

import tinyq
from tests.opcheck import random_inputs
from tests.test_model import _small_model
from tools.modelgen import GraphBuilder, QuantParams
from tools.oracles import litert_all_tensors


def _with_signature(model: bytes) -> bytes:
    """The small model plus a signature def 'serving_default': image -> flat."""
    obj = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    signature = schema.SignatureDefT()
    signature.signatureKey = "serving_default"
    signature.subgraphIndex = 0
    entry_in, entry_out = schema.TensorMapT(), schema.TensorMapT()
    entry_in.name, entry_in.tensorIndex = "image", obj.subgraphs[0].inputs[0]
    entry_out.name, entry_out.tensorIndex = "flat", obj.subgraphs[0].outputs[0]
    signature.inputs, signature.outputs = [entry_in], [entry_out]
    obj.signatureDefs = [signature]
    builder = flatbuffers.Builder(1024)
    builder.Finish(obj.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.fixture(scope="module")
def model() -> bytes:
    return _with_signature(_small_model())


def _litert(model: bytes) -> LiteRTInterpreter:
    interpreter = LiteRTInterpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                                    experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    return interpreter


def _same_detail(ours: dict, theirs: dict) -> None:
    for key in ("name", "index", "dtype", "quantization"):
        assert ours[key] == theirs[key], key
    for key in ("shape", "shape_signature"):
        np.testing.assert_array_equal(ours[key], theirs[key])
        assert ours[key].dtype == theirs[key].dtype
    for key in ("scales", "zero_points"):
        np.testing.assert_array_equal(ours["quantization_parameters"][key], theirs["quantization_parameters"][key])
        assert ours["quantization_parameters"][key].dtype == theirs["quantization_parameters"][key].dtype
    assert (ours["quantization_parameters"]["quantized_dimension"]
            == theirs["quantization_parameters"]["quantized_dimension"])


def test_details_match_litert(model: bytes) -> None:
    ours, theirs = tinyq.Interpreter(model_content=model), _litert(model)
    for ours_list, theirs_list in ((ours.get_input_details(), theirs.get_input_details()),
                                   (ours.get_output_details(), theirs.get_output_details()),
                                   (ours.get_tensor_details(), theirs.get_tensor_details())):
        assert len(ours_list) == len(theirs_list)
        for a, b in zip(ours_list, sorted(theirs_list, key=lambda d: d["index"])):
            _same_detail(a, b)


def test_same_script_runs_on_both(model: bytes) -> None:
    """The LiteRT call sequence, unchanged, gives identical outputs and intermediate tensors."""
    image = random_inputs(model, np.random.default_rng(1))[0]
    results = []
    for interpreter in (tinyq.Interpreter(model_content=model), _litert(model)):
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
        interpreter.invoke()
        results.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
    np.testing.assert_array_equal(results[0], results[1])
    ours = tinyq.Interpreter(model_content=model)
    ours.run(image)
    for index, value in litert_all_tensors(model, [image]).items():
        np.testing.assert_array_equal(ours.get_tensor(index), value, err_msg=f"tensor {index}")


def test_set_tensor_rejects_wrong_dtype_and_shape(model: bytes) -> None:
    interpreter = tinyq.Interpreter(model_content=model)
    index = interpreter.get_input_details()[0]["index"]
    with pytest.raises(tinyq.InputError, match=r"got dtype float32, expected int8 for tensor 0 'image'"):
        interpreter.set_tensor(index, np.zeros((1, 4, 4, 2), np.float32))
    with pytest.raises(tinyq.InputError, match=r"got shape \[1, 4, 4\], expected \[1, 4, 4, 2\]"):
        interpreter.set_tensor(index, np.zeros((1, 4, 4), np.int8))
    with pytest.raises(tinyq.InputError, match="is not an input"):
        interpreter.set_tensor(2, np.zeros((1, 4, 4, 2), np.int8))
    with pytest.raises(ValueError):  # InputError is a ValueError, as LiteRT raises
        interpreter.run(np.zeros(3, np.int8))


def test_get_tensor_out_of_range(model: bytes) -> None:
    with pytest.raises(tinyq.InputError, match="tensor index 99 out of range"):
        tinyq.Interpreter(model_content=model).get_tensor(99)


def test_outputs_are_copies(model: bytes) -> None:
    interpreter = tinyq.Interpreter(model_content=model)
    (first,) = interpreter.run(np.full((1, 4, 4, 2), 7, np.int8))
    kept = first.copy()
    interpreter.run(np.full((1, 4, 4, 2), -100, np.int8))
    np.testing.assert_array_equal(first, kept)


def test_signature_runner_matches_litert(model: bytes) -> None:
    image = random_inputs(model, np.random.default_rng(2))[0]
    ours = tinyq.Interpreter(model_content=model)
    theirs = _litert(model)
    assert ours.get_signature_list() == theirs.get_signature_list()
    ours_out = ours.get_signature_runner("serving_default")(image=image)
    theirs_out = theirs.get_signature_runner("serving_default")(image=image)
    assert ours_out.keys() == theirs_out.keys()
    np.testing.assert_array_equal(ours_out["flat"], theirs_out["flat"])
    runner = ours.get_signature_runner()
    assert list(runner.get_input_details()) == ["image"]
    with pytest.raises(tinyq.InputError, match="takes inputs"):
        runner(picture=image)


def test_resize_that_breaks_a_reshape_fails_at_allocation(model: bytes) -> None:
    interpreter = tinyq.Interpreter(model_content=model)
    interpreter.resize_tensor_input(0, [3, 4, 4, 2])
    # RESHAPE's constant target [1, 8] cannot hold a batch of 3: LiteRT fails to allocate, so does tinyq.
    with pytest.raises(tinyq.ModelError, match=r"operator 1 \(RESHAPE\)"):
        interpreter.allocate_tensors()
    with pytest.raises(tinyq.InputError, match="strict resize"):
        interpreter.resize_tensor_input(0, [3, 4, 4, 2], strict=True)


def test_resize_runs_a_batch_through_conv() -> None:
    builder = GraphBuilder()
    x = builder.input([1, 5, 5, 3], "x", np.int8, QuantParams(0.02, 5))
    w = builder.constant(np.random.default_rng(0).integers(-127, 128, (4, 3, 3, 3)).astype(np.int8), "w",
                         QuantParams([0.01, 0.02, 0.03, 0.04], 0, 0))
    y = builder.op("CONV_2D", [x, w, -1], [1, 5, 5, 4], {"padding": "SAME", "stride_w": 1, "stride_h": 1},
                   np.int8, "y", output_quantization=QuantParams(0.05, -10))
    builder.output(y)
    model = builder.build()
    images = np.random.default_rng(4).integers(-128, 128, (3, 5, 5, 3)).astype(np.int8)
    singles = np.concatenate([tinyq.load(model).run(images[i:i + 1])[0] for i in range(3)])
    interpreter = tinyq.Interpreter(model_content=model)
    interpreter.resize_tensor_input(0, [3, 5, 5, 3])
    interpreter.allocate_tensors()
    assert list(interpreter.get_output_details()[0]["shape"]) == [3, 5, 5, 4]
    (batched,) = interpreter.run(images)
    np.testing.assert_array_equal(batched, singles)


def test_data_dependent_output_shape_defers_downstream_prepare(monkeypatch) -> None:
    """An op reporting its output shape as unknown (None) makes later readers prepare at run time."""
    from tinyq.ops import Plan, reshape

    builder = GraphBuilder()
    x = builder.input([1, 16], "x", np.int8, QuantParams(0.02, 5))
    shape = builder.constant(np.array([1, 4, 4, 1], np.int32), "shape")
    r = builder.op("RESHAPE", [x, shape], [1, 4, 4, 1], None, np.int8, "r",
                   output_quantization=QuantParams(0.02, 5))
    w = builder.constant(np.arange(-4, 5, dtype=np.int8).reshape(1, 3, 3, 1), "w", QuantParams([0.01], 0, 0))
    b = builder.constant(np.array([7], np.int32), "b", QuantParams([0.0002], 0, 0))
    y = builder.op("CONV_2D", [r, w, b], [1, 4, 4, 1], {"padding": "SAME", "stride_w": 1, "stride_h": 1},
                   np.int8, "y", output_quantization=QuantParams(0.05, -10))
    builder.output(y)
    model = builder.build()
    image = np.random.default_rng(5).integers(-128, 128, (1, 16)).astype(np.int8)
    (expected,) = tinyq.load(model).run(image)

    original = reshape.prepare
    monkeypatch.setattr(reshape, "prepare", lambda ctx: Plan(original(ctx).params, [None]))
    interpreter = tinyq.Interpreter(model_content=model)
    steps = interpreter.program.steps
    assert steps[1].deferred and steps[1].plan is None and not steps[0].deferred
    (actual,) = interpreter.run(image)
    np.testing.assert_array_equal(actual, expected)
    assert list(interpreter.get_tensor_details()[r]["shape"]) == [1, 4, 4, 1]
