"""GATHER, GATHER_ND, SCATTER_ND, EMBEDDING_LOOKUP, ONE_HOT, TOPK_V2, DYNAMIC_UPDATE_SLICE: index
handling where off-by-one bugs hide. Each out-of-range case checks that LiteRT BUILTIN_REF refuses
the data at Invoke and that tinyq raises InvokeError naming the op (never an IndexError or a
wrong read); in-range neighbours of the same models are bit-exact.

The hypothesis differential tests of these ops are their conformance rows (tests/test_conformance.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tinyq
from tests.opcheck import assert_bit_exact
from tools.modelgen import GraphBuilder, QuantParams
from tools.oracles import run_litert

Q = QuantParams(0.1, 2)


def _model(op: str, inputs: list[tuple[str, list[int], type, QuantParams | None]], output_shape: list[int],
           output_dtype: type, options: dict | None = None, constants: dict | None = None) -> bytes:
    builder = GraphBuilder()
    tensors = []
    for name, shape, dtype, quantization in inputs:
        if constants and name in constants:
            tensors.append(builder.constant(constants[name], name, quantization))
        else:
            tensors.append(builder.input(shape, name, dtype, quantization))
    builder.output(builder.op(op, tensors, output_shape, options, output_dtype, "output",
                              output_quantization=Q if output_dtype == np.int8 else None))
    return builder.build()


def _assert_both_reject(model: bytes, inputs: list[np.ndarray], op: str) -> None:
    with pytest.raises(RuntimeError):
        run_litert(model, inputs)
    with pytest.raises(tinyq.InvokeError, match=rf"operator 0 \({op}\).*out of range"):
        tinyq.load(model).run(*inputs)


@pytest.mark.parametrize("bad", [-1, 5, 6, 1 << 20])
def test_gather_out_of_range_positions(bad: int) -> None:
    model = _model("GATHER", [("x", [5, 3], np.int8, Q), ("positions", [4], np.int32, None)], [4, 3], np.int8,
                   {"axis": 0})
    data = np.arange(15, dtype=np.int8).reshape(5, 3)
    assert_bit_exact(model, [data, np.array([0, 4, 4, 2], np.int32)])
    _assert_both_reject(model, [data, np.array([0, bad, 1, 2], np.int32)], "GATHER")


def test_gather_with_batch_dims_and_negative_axis() -> None:
    model = _model("GATHER", [("x", [2, 3, 4], np.int8, Q), ("positions", [2, 5], np.int32, None)], [2, 3, 5],
                   np.int8, {"axis": -1, "batch_dims": 1})
    data = np.arange(24, dtype=np.int8).reshape(2, 3, 4)
    assert_bit_exact(model, [data, np.array([[0, 3, 3, 1, 2], [3, 2, 1, 0, 0]], np.int32)])


def test_gather_nd_and_scatter_nd_out_of_range() -> None:
    gather = _model("GATHER_ND", [("params", [3, 4], np.int8, Q), ("indices", [2, 2], np.int32, None)], [2], np.int8)
    data = np.arange(12, dtype=np.int8).reshape(3, 4)
    assert_bit_exact(gather, [data, np.array([[2, 3], [0, 0]], np.int32)])
    _assert_both_reject(gather, [data, np.array([[2, 4], [0, 0]], np.int32)], "GATHER_ND")
    scatter = _model("SCATTER_ND", [("indices", [3, 1], np.int32, None), ("updates", [3, 2], np.int8, Q),
                                    ("shape", [2], np.int32, None)], [4, 2], np.int8,
                     constants={"shape": np.array([4, 2], np.int32)})
    updates = np.array([[100, -100], [100, 100], [5, 6]], np.int8)
    # Index 1 twice: 100 + 100 wraps in int8, as WrappingAdd does.
    assert_bit_exact(scatter, [np.array([[1], [1], [3]], np.int32), updates])
    _assert_both_reject(scatter, [np.array([[1], [4], [3]], np.int32), updates], "SCATTER_ND")


def test_embedding_lookup_out_of_range() -> None:
    model = _model("EMBEDDING_LOOKUP", [("ids", [3], np.int32, None), ("table", [4, 2], np.int8, Q)], [3, 2], np.int8)
    table = np.arange(8, dtype=np.int8).reshape(4, 2)
    assert_bit_exact(model, [np.array([3, 0, 3], np.int32), table])
    _assert_both_reject(model, [np.array([3, -1, 0], np.int32), table], "EMBEDDING_LOOKUP")


def test_one_hot_out_of_range_indices_are_all_off_not_errors() -> None:
    builder = GraphBuilder()
    indices = builder.input([5], "indices", np.int32)
    on, off = builder.input([], "on", np.int8), builder.input([], "off", np.int8)
    builder.output(builder.op("ONE_HOT", [indices, builder.constant(np.array(3, np.int32), "depth"), on, off], [5, 3],
                              {"axis": -1}, np.int8, "output"))
    model = builder.build()
    inputs = [np.array([0, 2, 3, -1, 1 << 20], np.int32), np.array(7, np.int8), np.array(-7, np.int8)]
    assert_bit_exact(model, inputs)
    assert (tinyq.load(model).run(*inputs)[0][2:] == -7).all()


def test_dynamic_update_slice_clamps_starts_like_litert() -> None:
    model = _model("DYNAMIC_UPDATE_SLICE", [("operand", [4, 4], np.int8, Q), ("update", [2, 3], np.int8, Q),
                                            ("start", [2], np.int32, None)], [4, 4], np.int8)
    operand = np.zeros((4, 4), np.int8)
    update = np.arange(1, 7, dtype=np.int8).reshape(2, 3)
    for start in ([0, 0], [3, 3], [-5, 2], [1 << 20, -(1 << 20)]):
        assert_bit_exact(model, [operand, update, np.array(start, np.int32)])


def test_topk_ties_prefer_the_lower_index() -> None:
    builder = GraphBuilder()
    x = builder.input([2, 6], "x", np.int8, Q)
    values, indices = builder.op("TOPK_V2", [x, builder.constant(np.array(4, np.int32), "k")], [[2, 4], [2, 4]], None,
                                 [np.int8, np.int32], ["values", "indices"], output_quantization=[Q, None])
    builder.output(values)
    builder.output(indices)
    model = builder.build()
    data = np.array([[3, 3, -128, 3, 127, 3], [0, 0, 0, 0, 0, 0]], np.int8)
    assert_bit_exact(model, [data])
    np.testing.assert_array_equal(tinyq.load(model).run(data)[1], [[4, 0, 1, 3], [0, 1, 2, 3]])


def test_malicious_gather_model_is_a_clear_error(shared_models: Path) -> None:
    model = shared_models / "negative" / "fuzz_seed_malicious_gather.tflite"
    interpreter = tinyq.load(model)
    inputs = tinyq.random_inputs(interpreter.get_input_details(), np.random.default_rng(0))
    with pytest.raises(tinyq.InvokeError, match=r"GATHER.*gather position 100000"):
        interpreter.run(*inputs)
