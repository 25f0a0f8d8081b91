"""Differential tests of the layout ops against LiteRT BUILTIN_REF: RESHAPE, SQUEEZE, TRANSPOSE,
PAD, CONCATENATION.

Hypothesis draws shapes of rank 1-6 (size-1 dimensions favoured), negative axes and
permutation entries, every dtype the catalogue lists for each op, and for int8/int16 tensors
quantization parameters written directly (including ones a converter would not choose). One
test runs a chain of these ops quantized by the official quantizer. Malformed models must give
a ModelError that says what is wrong; LiteRT refuses the same models, except one it accepts
and then misreads (a repeated TRANSPOSE perm entry).
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

LAYOUT_DTYPES = [np.int8, np.uint8, np.int16, np.int32, np.float32]
PAD_KERNELS = [(np.int8, np.int32), (np.int8, np.int64), (np.int16, np.int32), (np.int32, np.int32),
               (np.float32, np.int32)]
CONCAT_DTYPES = [np.int8, np.int16, np.int32, np.float32]


# --- strategies ------------------------------------------------------------------------------

def shapes(min_rank: int = 1, max_rank: int = 6, max_size: int = 4) -> st.SearchStrategy[list[int]]:
    """Shapes with many size-1 dimensions."""
    dimension = st.one_of(st.just(1), st.integers(1, max_size))
    return st.lists(dimension, min_size=min_rank, max_size=max_rank)


def quantization_for(dtype: type, draw: st.DrawFn) -> QuantParams | None:
    """Directly chosen per-tensor parameters for int8/uint8/int16 tensors (None for the rest)."""
    if dtype not in (np.int8, np.uint8, np.int16):
        return None
    scale = draw(st.floats(1e-6, 1e3))
    info = np.iinfo(dtype)
    zero_point = draw(st.one_of(st.sampled_from([info.min, info.max, 0]), st.integers(info.min, info.max)))
    return QuantParams(scale, zero_point)


def data(shape: tuple[int, ...] | list[int], dtype: type, rng: np.random.Generator) -> np.ndarray:
    """Random values spanning the dtype's whole range (floats: a normal distribution)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return rng.normal(0.0, 3.0, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


seeds = st.integers(0, 2**32 - 1)


# --- RESHAPE ---------------------------------------------------------------------------------

@st.composite
def reshape_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from(LAYOUT_DTYPES))
    input_shape = draw(shapes(1, 6))
    # The target regroups the input's dimensions: split them into factors, shuffle, regroup, add 1s.
    factors = [f for d in input_shape for f in _factors(d)]
    factors = draw(st.permutations(factors)) if factors else []
    target: list[int] = []
    for factor in factors:
        if target and draw(st.booleans()):
            target[-1] *= factor
        else:
            target.append(factor)
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    while len(target) > 8:  # the new_shape option holds at most 8 dimensions
        target[-2:] = [target[-2] * target[-1]]
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    # An empty target (a scalar) comes from the option: an empty shape tensor has no buffer bytes,
    # and tinyq's model reader then does not treat it as a constant.
    source = draw(st.sampled_from(["tensor", "option", "tensor_over_option"])) if target else "option"
    return {"dtype": dtype, "input_shape": input_shape, "target": target, "source": source,
            "quantization": quantization_for(dtype, draw), "seed": draw(seeds)}


def _factors(n: int) -> list[int]:
    found, p = [], 2
    while n > 1:
        while n % p == 0:
            found.append(p)
            n //= p
        p += 1
    return found


def _resolved(target: list[int], input_shape: list[int]) -> list[int]:
    known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
    total = int(np.prod(input_shape, dtype=np.int64))
    return [total // known if d == -1 else d for d in target]


def reshape_model(dtype: type, input_shape: list[int], target: list[int], source: str,
                  quantization: QuantParams | None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(input_shape, dtype=dtype, quantization=quantization)
    inputs = [x]
    options: dict = {}
    if source in ("tensor", "tensor_over_option"):
        inputs.append(builder.constant(np.array(target, np.int32)))
    if source == "option":
        options["new_shape"] = target
    if source == "tensor_over_option":
        options["new_shape"] = [int(np.prod(input_shape))]  # must be ignored: the shape tensor wins
    out = builder.op("RESHAPE", inputs, _resolved(target, input_shape), options, output_dtype=dtype,
                     output_quantization=quantization)
    builder.output(out)
    return builder.build()


@given(reshape_cases())
def test_reshape_matches_litert(case: dict) -> None:
    model = reshape_model(case["dtype"], case["input_shape"], case["target"], case["source"], case["quantization"])
    rng = np.random.default_rng(case["seed"])
    assert_bit_exact(model, [data(case["input_shape"], case["dtype"], rng)])


@pytest.mark.parametrize("shape_tensor, new_shape, expected", [
    (np.array(6, np.int32), [1, 1], (1, 1)),     # scalar shape tensor: ignored, the option is used
    (np.array([[1, 1]], np.int32), [1], (1,)),   # 2-D shape tensor: ignored as well
    (np.array([-1], np.int32), None, (1,)),      # [1] holding -1: flatten
    (None, [0], ()),                             # legacy option [0]: a scalar
    (None, [], ()),                              # empty option: a scalar
    (None, None, ()),                            # no option at all: a scalar
])
def test_reshape_shape_sources(shape_tensor: np.ndarray | None, new_shape: list[int] | None,
                               expected: tuple[int, ...]) -> None:
    builder = GraphBuilder()
    x = builder.input([1, 1, 1], dtype=np.int8, quantization=QuantParams(0.5, -3))
    inputs = [x] if shape_tensor is None else [x, builder.constant(shape_tensor)]
    options = {} if new_shape is None else {"new_shape": new_shape}
    out = builder.op("RESHAPE", inputs, list(expected), options, output_dtype=np.int8,
                     output_quantization=QuantParams(0.5, -3))
    builder.output(out)
    (result,) = assert_bit_exact(builder.build(), [np.array([[[-77]]], np.int8)])
    assert result.shape == expected


def test_reshape_stretch_next_to_zero_sized_dimension() -> None:
    # ResolveOutputShape divides the non-zero parts: [0, 3] -> [-1, 0] becomes [3, 0].
    builder = GraphBuilder()
    x = builder.input([0, 3], dtype=np.int32)
    builder.output(builder.op("RESHAPE", [x, builder.constant(np.array([-1, 0], np.int32))], [3, 0],
                              output_dtype=np.int32))
    (result,) = assert_bit_exact(builder.build(), [np.zeros((0, 3), np.int32)])
    assert result.shape == (3, 0)


def test_reshape_omitted_shape_input_uses_option() -> None:
    # LiteRT's reference crashes on an omitted (-1) shape input, so compare with the same graph
    # without the second input, which LiteRT runs.
    def build(with_omitted: bool) -> bytes:
        builder = GraphBuilder()
        x = builder.input([2, 3], dtype=np.int32)
        inputs = [x, -1] if with_omitted else [x]
        builder.output(builder.op("RESHAPE", inputs, [3, 2], {"new_shape": [3, -1]}, output_dtype=np.int32))
        return builder.build()
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    (expected,) = run_litert(build(False), [x])
    (actual,) = tinyq.load(build(True)).run(x)
    np.testing.assert_array_equal(actual, expected)
    assert actual.shape == (3, 2)


# --- SQUEEZE ---------------------------------------------------------------------------------

@st.composite
def squeeze_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from(LAYOUT_DTYPES))
    shape = draw(shapes(1, 6))
    ones = [d for d, size in enumerate(shape) if size == 1]
    squeeze_dims: list[int] = []
    if ones and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(ones), min_size=1, max_size=min(len(ones) + 1, 8)))
        squeeze_dims = [d - len(shape) if draw(st.booleans()) else d for d in chosen]
    return {"dtype": dtype, "shape": shape, "squeeze_dims": squeeze_dims,
            "quantization": quantization_for(dtype, draw), "seed": draw(seeds)}


@given(squeeze_cases())
def test_squeeze_matches_litert(case: dict) -> None:
    shape, squeeze_dims = case["shape"], case["squeeze_dims"]
    rank = len(shape)
    dropped = {d % rank for d in squeeze_dims} if squeeze_dims else {d for d, s in enumerate(shape) if s == 1}
    builder = GraphBuilder()
    x = builder.input(shape, dtype=case["dtype"], quantization=case["quantization"])
    out = builder.op("SQUEEZE", [x], [s for d, s in enumerate(shape) if d not in dropped],
                     {"squeeze_dims": squeeze_dims}, output_dtype=case["dtype"],
                     output_quantization=case["quantization"])
    builder.output(out)
    assert_bit_exact(builder.build(), [data(shape, case["dtype"], np.random.default_rng(case["seed"]))])


# --- TRANSPOSE -------------------------------------------------------------------------------

@st.composite
def transpose_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from(LAYOUT_DTYPES))
    shape = draw(st.one_of(shapes(1, 6), shapes(7, 8, 2)))
    rank = len(shape)
    perm = draw(st.permutations(range(rank)))
    perm = [p - rank if draw(st.booleans()) else p for p in perm]
    return {"dtype": dtype, "shape": shape, "perm": perm, "quantization": quantization_for(dtype, draw),
            "seed": draw(seeds)}


@given(transpose_cases())
def test_transpose_matches_litert(case: dict) -> None:
    shape, perm = case["shape"], case["perm"]
    builder = GraphBuilder()
    x = builder.input(shape, dtype=case["dtype"], quantization=case["quantization"])
    out = builder.op("TRANSPOSE", [x, builder.constant(np.array(perm, np.int32))], [shape[p] for p in perm],
                     output_dtype=case["dtype"], output_quantization=case["quantization"])
    builder.output(out)
    assert_bit_exact(builder.build(), [data(shape, case["dtype"], np.random.default_rng(case["seed"]))])


# --- PAD -------------------------------------------------------------------------------------

@st.composite
def pad_cases(draw: st.DrawFn) -> dict:
    dtype, paddings_dtype = draw(st.sampled_from(PAD_KERNELS))
    shape = draw(shapes(1, 5))
    paddings = [[draw(st.integers(0, 3)), draw(st.integers(0, 3))] for _ in shape]
    # Input and output quantization are drawn independently: LiteRT copies the values unchanged
    # and pads with the output zero point whatever the input's parameters are.
    input_quantization = quantization_for(dtype, draw)
    output_quantization = quantization_for(dtype, draw) if draw(st.booleans()) else input_quantization
    return {"dtype": dtype, "paddings_dtype": paddings_dtype, "shape": shape, "paddings": paddings,
            "input_quantization": input_quantization, "output_quantization": output_quantization,
            "seed": draw(seeds)}


@given(pad_cases())
def test_pad_matches_litert(case: dict) -> None:
    shape, paddings = case["shape"], case["paddings"]
    builder = GraphBuilder()
    x = builder.input(shape, dtype=case["dtype"], quantization=case["input_quantization"])
    out = builder.op("PAD", [x, builder.constant(np.array(paddings, case["paddings_dtype"]))],
                     [s + a + b for s, (a, b) in zip(shape, paddings)], output_dtype=case["dtype"],
                     output_quantization=case["output_quantization"])
    builder.output(out)
    assert_bit_exact(builder.build(), [data(shape, case["dtype"], np.random.default_rng(case["seed"]))])


def test_pad_value_is_output_zero_point() -> None:
    builder = GraphBuilder()
    x = builder.input([1, 2], dtype=np.int16, quantization=QuantParams(0.25, 0))
    out = builder.op("PAD", [x, builder.constant(np.array([[0, 0], [1, 2]], np.int32))], [1, 5],
                     output_dtype=np.int16, output_quantization=QuantParams(0.5, -7))
    builder.output(out)
    (result,) = assert_bit_exact(builder.build(), [np.array([[100, -200]], np.int16)])
    assert result.tolist() == [[-7, 100, -200, -7, -7]]


# --- CONCATENATION ---------------------------------------------------------------------------

@st.composite
def concat_cases(draw: st.DrawFn) -> dict:
    dtype = draw(st.sampled_from(CONCAT_DTYPES))
    shape = draw(shapes(1, 6))
    rank = len(shape)
    axis = draw(st.integers(-rank, rank - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    quantization = quantization_for(dtype, draw)
    input_quantizations = [quantization] * len(sizes)
    if dtype == np.int16:
        # int16: zero points must be 0, but the scales may differ (LiteRT copies without rescaling).
        input_quantizations = [QuantParams(draw(st.floats(1e-5, 10.0)), 0) for _ in sizes]
        quantization = QuantParams(draw(st.floats(1e-5, 10.0)), 0)
    return {"dtype": dtype, "shape": shape, "axis": axis, "sizes": sizes, "quantization": quantization,
            "input_quantizations": input_quantizations, "seed": draw(seeds)}


@given(concat_cases())
def test_concatenation_matches_litert(case: dict) -> None:
    shape, axis, sizes = case["shape"], case["axis"], case["sizes"]
    positive_axis = axis % len(shape)
    input_shapes = [shape[:positive_axis] + [size] + shape[positive_axis + 1:] for size in sizes]
    builder = GraphBuilder()
    inputs = [builder.input(s, dtype=case["dtype"], quantization=q)
              for s, q in zip(input_shapes, case["input_quantizations"])]
    output_shape = shape[:positive_axis] + [sum(sizes)] + shape[positive_axis + 1:]
    out = builder.op("CONCATENATION", inputs, output_shape, {"axis": axis}, output_dtype=case["dtype"],
                     output_quantization=case["quantization"])
    builder.output(out)
    rng = np.random.default_rng(case["seed"])
    assert_bit_exact(builder.build(), [data(s, case["dtype"], rng) for s in input_shapes])


def test_concatenation_of_constant_scalars() -> None:
    builder = GraphBuilder()
    scalars = [builder.constant(np.array(v, np.int32)) for v in (5, -6, 7)]
    joined = builder.op("CONCATENATION", scalars, [3], {"axis": 0}, output_dtype=np.int32)
    x = builder.input([2], dtype=np.int32)
    builder.output(builder.op("CONCATENATION", [joined, x], [5], {"axis": -1}, output_dtype=np.int32))
    (result,) = assert_bit_exact(builder.build(), [np.array([1, 2], np.int32)])
    assert result.tolist() == [5, -6, 7, 1, 2]


# --- a realistic quantized chain -------------------------------------------------------------

@settings(max_examples=3)
@given(seeds)
def test_quantized_layout_chain_matches_litert(seed: int) -> None:
    """PAD -> TRANSPOSE -> RESHAPE -> CONCATENATION -> SQUEEZE, quantized by the official quantizer."""
    rng = np.random.default_rng(seed)
    builder = GraphBuilder()
    image = builder.input([1, 3, 4, 2], name="image")
    other = builder.input([1, 2, 15], name="other")
    padded = builder.op("PAD", [image, builder.constant(np.array([[0, 0], [1, 1], [0, 1], [0, 0]], np.int32))],
                        [1, 5, 5, 2])
    transposed = builder.op("TRANSPOSE", [padded, builder.constant(np.array([0, 3, 1, 2], np.int32))],
                            [1, 2, 5, 5])
    flat = builder.op("RESHAPE", [transposed, builder.constant(np.array([1, 2, -1], np.int32))], [1, 2, 25])
    joined = builder.op("CONCATENATION", [flat, other], [1, 2, 40], {"axis": -1})
    squeezed = builder.op("SQUEEZE", [joined], [2, 40], {"squeeze_dims": [0]})
    builder.output(squeezed)
    float_model = builder.build()
    calibration = [[rng.normal(0, 2, (1, 3, 4, 2)).astype(np.float32),
                    rng.normal(1, 5, (1, 2, 15)).astype(np.float32)] for _ in range(4)]
    model = quantize(float_model, calibration)
    assert_bit_exact(model, [data((1, 3, 4, 2), np.int8, rng), data((1, 2, 15), np.int8, rng)])


# --- errors ----------------------------------------------------------------------------------

def _single_op(op: str, input_shapes: list[list[int]], constants: list[np.ndarray], output_shape: list[int],
               options: dict | None = None, dtype: type = np.float32,
               quantizations: list[QuantParams | None] | None = None,
               output_quantization: QuantParams | None = None) -> bytes:
    builder = GraphBuilder()
    quantizations = quantizations or [None] * len(input_shapes)
    inputs = [builder.input(s, dtype=dtype, quantization=q) for s, q in zip(input_shapes, quantizations)]
    inputs += [builder.constant(c) for c in constants]
    builder.output(builder.op(op, inputs, output_shape, options, output_dtype=dtype,
                              output_quantization=output_quantization))
    return builder.build()


Q = QuantParams(0.5, 1)
ERROR_CASES = {
    "reshape element count": (
        _single_op("RESHAPE", [[2, 3]], [np.array([4, 2], np.int32)], [4, 2]),
        r"cannot reshape a tensor of shape \[2, 3\] \(6 elements\) to \[4, 2\]"),
    "reshape two stretch dims": (
        _single_op("RESHAPE", [[2, 3]], [np.array([-1, -1], np.int32)], [2, 3]), "more than one -1"),
    "reshape negative dim": (
        _single_op("RESHAPE", [[2, 3]], [np.array([-2, -3], np.int32)], [2, 3]), "negative dimension"),
    "reshape option too long": (
        _single_op("RESHAPE", [[2, 3]], [], [6], {"new_shape": [1] * 8 + [6]}), "at most 8"),
    "squeeze size-3 dim": (
        _single_op("SQUEEZE", [[1, 3]], [], [1], {"squeeze_dims": [1]}), "only size-1 dimensions"),
    "squeeze out of range": (
        _single_op("SQUEEZE", [[1, 3]], [], [3], {"squeeze_dims": [-3]}), "out of range"),
    "transpose repeated perm": (
        _single_op("TRANSPOSE", [[2, 2]], [np.array([0, 0], np.int32)], [2, 2]), "not a permutation"),
    "transpose perm out of range": (
        _single_op("TRANSPOSE", [[2, 3]], [np.array([0, 2], np.int32)], [2, 3]), r"outside \[-2, 2\)"),
    "transpose perm length": (
        _single_op("TRANSPOSE", [[2, 3]], [np.array([1, 0, 2], np.int32)], [3, 2]), "needs a 1-D perm of 2"),
    "pad negative": (
        _single_op("PAD", [[2, 3]], [np.array([[0, 0], [-1, 0]], np.int32)], [2, 2]), "negative entry"),
    "pad paddings shape": (
        _single_op("PAD", [[2, 3]], [np.array([[0, 0, 1]], np.int32)], [2, 3]), r"needs \[2, 2\]"),
    "pad 6-D": (
        _single_op("PAD", [[1, 1, 1, 1, 1, 2]], [np.zeros((6, 2), np.int32)], [1, 1, 1, 1, 1, 2]), "at most 5"),
    "pad zero point outside int8": (
        _single_op("PAD", [[2]], [np.array([[1, 1]], np.int32)], [4], dtype=np.int8, quantizations=[Q],
                   output_quantization=QuantParams(0.5, -300)), "outside the int8 range"),
    "concat dims": (
        _single_op("CONCATENATION", [[2, 3], [3, 3]], [], [5, 3], {"axis": 1}),
        r"input 1 .* has shape \[3, 3\], input 0 has \[2, 3\]; all dimensions except axis 1"),
    "concat rank": (
        _single_op("CONCATENATION", [[2, 3], [2, 3, 1]], [], [2, 6], {"axis": 1}), "all dimensions except axis"),
    "concat axis": (
        _single_op("CONCATENATION", [[2, 3], [2, 3]], [], [2, 6], {"axis": 2}), "axis 2 is out of range"),
    "concat activation": (
        _single_op("CONCATENATION", [[2, 3], [2, 3]], [], [2, 6], {"axis": 1, "fused_activation_function": "RELU"}),
        "fused activation RELU"),
    "concat int8 zero points": (
        _single_op("CONCATENATION", [[2], [2]], [], [4], {"axis": 0}, dtype=np.int8,
                   quantizations=[Q, QuantParams(0.5, 2)], output_quantization=Q),
        "does not rescale"),
    "concat int16 zero point": (
        _single_op("CONCATENATION", [[2], [2]], [], [4], {"axis": 0}, dtype=np.int16,
                   quantizations=[QuantParams(0.5, 0), QuantParams(0.5, 3)], output_quantization=QuantParams(0.5, 0)),
        "requires zero point 0"),
}

# LiteRT never checks that perm is a permutation; its kernel then reads outside the input buffer.
REFERENCE_ACCEPTS = {"transpose repeated perm"}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_malformed_layout_models_are_rejected(name: str) -> None:
    model, message = ERROR_CASES[name]
    with pytest.raises(tinyq.ModelError, match=message):
        tinyq.load(model)
    if name in REFERENCE_ACCEPTS:
        return
    with pytest.raises((RuntimeError, ValueError)):  # the reference refuses the same model too
        run_litert(model, _zero_inputs(model))


def _zero_inputs(model: bytes) -> list[np.ndarray]:
    subgraph = tinyq.parse_model(model).subgraphs[0]
    return [np.zeros(subgraph.tensors[i].shape, subgraph.tensors[i].dtype) for i in subgraph.inputs]
