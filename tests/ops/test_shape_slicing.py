"""SHAPE, RANK, EXPAND_DIMS, PACK, UNPACK, SPLIT, SPLIT_V, SLICE, STRIDED_SLICE: what the conformance
generators do not show — folding of shape values, run-time index tensors, and clear errors where
LiteRT refuses a model or its data.

The bit-exact differential tests of these ops are their conformance rows (tests/test_conformance.py,
40 hypothesis cases per op and dtype against LiteRT BUILTIN_REF).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinyq
from tests.opcheck import assert_bit_exact
from tools.modelgen import GraphBuilder, QuantParams
from tools.oracles import run_litert

Q = QuantParams(0.05, -3)


def _shape_reshape_model() -> bytes:
    """SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, as converters emit for a dynamic flatten."""
    builder = GraphBuilder()
    x = builder.input([2, 3, 4], "x", np.int8, Q)
    shape = builder.op("SHAPE", [x], [3], {"out_type": 2}, np.int32, "shape", options_type="ShapeOptions")
    batch = builder.op("STRIDED_SLICE", [shape, builder.constant(np.array([0], np.int32), "b"),
                                         builder.constant(np.array([1], np.int32), "e"),
                                         builder.constant(np.array([1], np.int32), "s")],
                       [], {"shrink_axis_mask": 1}, np.int32, "batch")
    new_shape = builder.op("PACK", [batch, builder.constant(np.array(-1, np.int32), "minus_one")], [2],
                           {"values_count": 2, "axis": 0}, np.int32, "new_shape")
    builder.output(builder.op("RESHAPE", [x, new_shape], [2, 12], None, np.int8, "flat", output_quantization=Q))
    return builder.build()


def test_shape_values_are_folded_at_load_and_feed_reshape() -> None:
    model = _shape_reshape_model()
    interpreter = tinyq.Interpreter(model_content=model)
    steps = interpreter.program.steps
    assert [s.op.name for s in steps if s.folded] == ["SHAPE", "STRIDED_SLICE", "PACK"]
    data = np.arange(-12, 12, dtype=np.int8).reshape(2, 3, 4)
    assert_bit_exact(model, [data])
    assert interpreter.run(data)[0].shape == (2, 12)


def _single(op: str, shape: list[int], dtype: type, extra: list, output_shape: list[int] | list[list[int]],
            options: dict | None = None, in_q: QuantParams | None = Q, out_q: object = Q,
            run_time_extra: bool = False) -> bytes:
    builder = GraphBuilder()
    x = builder.input(shape, "x", dtype, in_q)
    inputs = [x]
    for k, value in enumerate(extra):
        value = np.asarray(value)
        inputs.append(builder.input(value.shape, f"index{k}", value.dtype) if run_time_extra
                      else builder.constant(value, f"index{k}"))
    outputs = builder.op(op, inputs, output_shape, options, dtype, "y", output_quantization=out_q)
    for output in outputs if isinstance(outputs, list) else [outputs]:
        builder.output(output)
    return builder.build()


@pytest.mark.parametrize("model, message", [
    (_single("EXPAND_DIMS", [2, 3], np.int8, [np.array([3], np.int32)], [2, 3, 1]), "axis 3 is out of range"),
    (_single("EXPAND_DIMS", [2, 3], np.int8, [np.array([0], np.int32)], [1, 2, 3], out_q=QuantParams(0.1, -3)),
     "copies values without rescaling"),
    (_single("STRIDED_SLICE", [4], np.int8, [np.array([0], np.int32), np.array([4], np.int32),
                                             np.array([0], np.int32)], [4], {}), "strides must be non-zero"),
    (_single("SLICE", [4, 2], np.int8, [np.array([1, 0], np.int32), np.array([4, -1], np.int32)], [3, 2]),
     "passes the end of the axis"),
    (_single("SLICE", [4, 2], np.int8, [np.array([-1, 0], np.int32), np.array([1, -1], np.int32)], [1, 2]),
     "outside"),
    (_single("SPLIT_V", [5], np.int8, [np.array([2, 2], np.int32), np.array(0, np.int32)], [[2], [2]],
             {"num_splits": 2}, out_q=[Q, Q]), "must add up to"),
])
def test_invalid_models_are_clear_errors(model: bytes, message: str) -> None:
    with pytest.raises(tinyq.ModelError, match=message):
        tinyq.load(model)


def test_uneven_split_is_an_error_like_litert() -> None:
    builder = GraphBuilder()
    x = builder.input([5], "x", np.int8, Q)
    outputs = builder.op("SPLIT", [builder.constant(np.array(0, np.int32), "axis"), x], [[2], [2]],
                         {"num_splits": 2}, np.int8, ["a", "b"], output_quantization=[Q, Q])
    for output in outputs:
        builder.output(output)
    model = builder.build()
    with pytest.raises(RuntimeError):
        run_litert(model, [np.zeros(5, np.int8)])
    with pytest.raises(tinyq.ModelError, match="not an even split"):
        tinyq.load(model)


def test_run_time_slice_out_of_range_is_an_invoke_error_like_litert() -> None:
    model = _single("SLICE", [4, 3], np.int8, [np.array([1, 0], np.int32), np.array([2, -1], np.int32)], [2, 3],
                    run_time_extra=True)
    data = np.arange(12, dtype=np.int8).reshape(4, 3)
    good = [data, np.array([1, 0], np.int32), np.array([2, -1], np.int32)]
    assert_bit_exact(model, good)
    bad = [data, np.array([3, 0], np.int32), np.array([2, -1], np.int32)]
    with pytest.raises(RuntimeError, match="Invalid begin and size"):
        run_litert(model, bad)
    with pytest.raises(tinyq.InvokeError, match=r"operator 0 \(SLICE\).*passes the end"):
        tinyq.load(model).run(*bad)


def test_run_time_strided_slice_is_resolved_per_invoke() -> None:
    model = _single("STRIDED_SLICE", [3, 5], np.int8, [np.array([0, 4], np.int32), np.array([3, 0], np.int32),
                                                      np.array([2, -2], np.int32)], [2, 2], {},
                    run_time_extra=True)
    interpreter = tinyq.load(model)
    data = np.arange(15, dtype=np.int8).reshape(3, 5)
    strides = np.array([2, -2], np.int32)
    for begin, end in (([0, 4], [3, 0]), ([1, -1], [3, -6]), ([2, 3], [3, 0])):
        inputs = [data, np.array(begin, np.int32), np.array(end, np.int32), strides]
        expected = run_litert(model, inputs)[0]
        np.testing.assert_array_equal(interpreter.run(*inputs)[0], expected)


def test_strided_slice_shrink_with_negative_stride_takes_the_element() -> None:
    """LiteRT's reference leaves this output unwritten (a known defect); tinyq follows TensorFlow."""
    model = _single("STRIDED_SLICE", [4, 3], np.int8, [np.array([2], np.int32), np.array([3], np.int32),
                                                      np.array([-1], np.int32)], [3], {"shrink_axis_mask": 1})
    data = np.arange(12, dtype=np.int8).reshape(4, 3)
    np.testing.assert_array_equal(tinyq.load(model).run(data)[0], data[2])


def test_unpack_of_a_vector_gives_scalars() -> None:
    model = _single("UNPACK", [3], np.int8, [], [[], [], []], {"num": 3, "axis": 0}, out_q=[Q, Q, Q])
    data = np.array([5, -6, 7], np.int8)
    outputs = tinyq.load(model).run(data)
    assert [o.shape for o in outputs] == [(), (), ()]
    assert_bit_exact(model, [data])
