"""Differential tests of the comparison and selection ops against LiteRT BUILTIN_REF.

EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL: quantized int8/uint8 inputs with
different scales (each rescaled to a common scale before comparing), drawn independently, as
simple ratios of each other (ties after rescaling) and from the official quantizer (a constant
operand gets its own scale); exhaustive grids of every stored-value pair; int32, int64, float32
(NaN, infinities, signed zeros) and bool compared as stored. Broadcasting up to 6-D with size-1,
empty and scalar shapes. Power-of-two scales, where the rescaling is exact, are also checked against
the comparison of the dequantized real values.

LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT on bool tensors. SELECT (same shape, scalar or rank-1
condition) and SELECT_V2 (three-way broadcasting) on every value type, quantized values with y's
parameters apart (as the quantizer writes them). WHERE on bool and numeric conditions, as a graph
output, feeding CAST -> PAD (the next ops are prepared on the run-time shape, also for zero true
elements), fed by LESS, and on a constant condition (folded at load).

Models LiteRT rejects (a quantized scale of 1.0 or none, a scale above 1 where LiteRT's arithmetic
is undefined, SELECT layouts outside the three it accepts, a rank-0 WHERE condition) give tinyq
errors naming the problem.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact
from tinyq.errors import ModelError, UnsupportedOpError
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert

COMPARISONS = {"EQUAL": np.equal, "NOT_EQUAL": np.not_equal, "LESS": np.less, "LESS_EQUAL": np.less_equal,
               "GREATER": np.greater, "GREATER_EQUAL": np.greater_equal}
SELECT_TYPES = ["int8", "uint8", "int16", "int32", "int64", "float32", "bool"]
seeds = st.integers(0, 2**32 - 1)


@st.composite
def broadcast_shapes(draw: st.DrawFn, max_rank: int = 6, empty: bool = True) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two broadcast-compatible shapes (one a possibly shorter suffix of the output, size-1 dims on
    both sides), or (when ``empty``) sometimes a pair with an empty dimension."""
    if empty and draw(st.integers(0, 7)) == 0:
        return draw(st.sampled_from([((0,), (1,)), ((2, 0, 3), (3,)), ((1, 0), (4, 1)), ((0,), (0,))]))
    rank = draw(st.integers(1, max_rank))
    output = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))

    def side(kept: int) -> tuple[int, ...]:
        ones = draw(st.lists(st.booleans(), min_size=kept, max_size=kept))
        return tuple(1 if one else d for d, one in zip(output[rank - kept:], ones))

    full, suffix = side(rank), side(draw(st.integers(0, rank)))
    return (full, suffix) if draw(st.booleans()) else (suffix, full)


def binary_model(op: str, shape1: tuple[int, ...], shape2: tuple[int, ...], dtype: type,
                 quantization1: QuantParams | None = None, quantization2: QuantParams | None = None,
                 output_dtype: type = np.bool_) -> bytes:
    """A one-op graph of two inputs."""
    builder = GraphBuilder()
    x = builder.input(shape1, "input1", dtype, quantization1)
    y = builder.input(shape2, "input2", dtype, quantization2)
    builder.output(builder.op(op, [x, y], np.broadcast_shapes(shape1, shape2), None, output_dtype, "output"))
    return builder.build()


def stored_values(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Data of ``dtype``: the whole range mixed with small values (equal pairs are common) and, for
    float32, NaN, infinities and signed zeros."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "float32":
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e-45], np.float32)
        values = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 6, shape)).astype(np.float32)
        return np.where(rng.random(shape) < 0.4, rng.choice(specials, shape), values).astype(np.float32)
    info = np.iinfo(np.dtype(dtype))
    whole = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=np.dtype(dtype))
    small = rng.integers(max(int(info.min), -3), min(int(info.max), 3), size=shape, endpoint=True)
    return np.where(rng.random(shape) < 0.5, whole, small).astype(dtype)


# --- quantized comparisons ----------------------------------------------------------------------

def below_one_scales() -> st.SearchStrategy[float]:
    """float32 scales from 1e-7 to just below 1."""
    return st.floats(-7.0, -0.0005).map(lambda e: float(np.float32(10.0 ** e)))


@given(op=st.sampled_from(sorted(COMPARISONS)), dtype=st.sampled_from(["int8", "uint8"]),
       shapes=broadcast_shapes(), scale1=below_one_scales(), scale2=below_one_scales(),
       ratio=st.sampled_from([None, None, 1.0, 2.0, 0.5, 3.0, 1.0 / 3.0, 0.75, 256.0]),
       zero_point_picks=st.tuples(st.integers(0, 255), st.integers(0, 255)), seed=seeds)
def test_quantized_comparison_with_different_scales(op: str, dtype: str, shapes: tuple, scale1: float,
                                                    scale2: float, ratio: float | None, zero_point_picks: tuple,
                                                    seed: int) -> None:
    """Scales drawn independently or as simple ratios (ties after rescaling), any zero points."""
    if ratio is not None:
        scale2 = float(np.float32(scale1 * ratio))
        if not scale2 < 1.0:
            scale1, scale2 = float(np.float32(scale1 / ratio)), scale1
    low = int(np.iinfo(np.dtype(dtype)).min)
    zero_point1, zero_point2 = (low + pick for pick in zero_point_picks)
    rng = np.random.default_rng(seed)
    model = binary_model(op, *shapes, np.dtype(dtype), QuantParams(scale1, zero_point1),
                         QuantParams(scale2, zero_point2))
    inputs = [rng.integers(low, low + 255, size=shape, endpoint=True).astype(dtype) for shape in shapes]
    assert_bit_exact(model, inputs)


@pytest.mark.parametrize(("scale1", "scale2"), [(0.02, 0.01), (0.01, 0.03), (0.0078125, 0.005859375),
                                                (0.5, 0.001953125), (1e-3, 1e-3 / 3), (0.9999, 3e-8),
                                                (1e-12, 0.1), (2.0**-31, 2.0**-20)])
@pytest.mark.parametrize("zero_points", [(0, 0), (-128, 127), (5, -3)])
def test_every_int8_pair(scale1: float, scale2: float, zero_points: tuple[int, int]) -> None:
    """All 65536 stored-value pairs, all six comparisons in one graph: ties, roundings, flushed multipliers."""
    builder = GraphBuilder()
    x = builder.input((256, 1), "input1", np.int8, QuantParams(scale1, zero_points[0]))
    y = builder.input((1, 256), "input2", np.int8, QuantParams(scale2, zero_points[1]))
    for op in COMPARISONS:
        builder.output(builder.op(op, [x, y], (256, 256), None, np.bool_, op.lower()))
    values = np.arange(-128, 128, dtype=np.int8)
    assert_bit_exact(builder.build(), [values.reshape(256, 1), values.reshape(1, 256)])


@pytest.mark.parametrize("exponents", [(8, 8), (8, 7), (3, 6), (1, 8)])
def test_power_of_two_scales_compare_real_values(exponents: tuple[int, int]) -> None:
    """With scales 2**-k (k <= 8) the rescaling is exact: results equal comparisons of the real values."""
    scale1, scale2 = (2.0 ** -k for k in exponents)
    values = np.arange(-128, 128, dtype=np.int8)
    input1, input2 = values.reshape(256, 1), values.reshape(1, 256)
    real1, real2 = scale1 * (input1.astype(np.float64) - 3), scale2 * (input2.astype(np.float64) + 7)
    for op, compare in COMPARISONS.items():
        model = binary_model(op, (256, 1), (1, 256), np.int8, QuantParams(scale1, 3), QuantParams(scale2, -7))
        np.testing.assert_array_equal(tinyq.load(model).run(input1, input2)[0], compare(real1, real2))


@given(op=st.sampled_from(sorted(COMPARISONS)), shapes=broadcast_shapes(max_rank=4, empty=False),
       spreads=st.tuples(st.sampled_from([0.01, 1.0, 30.0]), st.sampled_from([0.01, 1.0, 30.0])),
       constant_second=st.booleans(), seed=seeds)
def test_quantizer_made_comparison(op: str, shapes: tuple, spreads: tuple[float, float], constant_second: bool,
                                   seed: int) -> None:
    """The official quantizer gives each input (and a constant operand) its own scale (rank 4 at most and
    no empty tensors: the quantizer fails on those)."""
    shape1, shape2 = shapes
    rng = np.random.default_rng(seed)
    constant = np.round(rng.standard_normal(shape2) * spreads[1], 1)
    # No zeros: an all-zero constant gets scale 1.0, which LiteRT's comparison aborts on.
    constant = np.where(constant == 0, 0.5, constant).astype(np.float32)
    builder = GraphBuilder()
    x = builder.input(shape1, "input1")
    y = builder.constant(constant, "input2") if constant_second else builder.input(shape2, "input2")
    builder.output(builder.op(op, [x, y], np.broadcast_shapes(shape1, shape2), None, np.bool_, "output"))
    calibration = [[(rng.standard_normal(shape1) * spreads[0]).astype(np.float32)]
                   + ([] if constant_second else [(rng.standard_normal(shape2) * spreads[1]).astype(np.float32)])
                   for _ in range(4)]
    model = quantize(builder.build(), calibration)
    inputs = [rng.integers(-128, 127, size=shape1, endpoint=True).astype(np.int8)]
    if not constant_second:
        inputs.append(rng.integers(-128, 127, size=shape2, endpoint=True).astype(np.int8))
    assert_bit_exact(model, inputs)


# --- stored-value comparisons and logical ops ---------------------------------------------------

@given(op=st.sampled_from(sorted(COMPARISONS)), dtype=st.sampled_from(["int32", "int64", "float32", "bool"]),
       shapes=broadcast_shapes(), seed=seeds)
def test_stored_value_comparison(op: str, dtype: str, shapes: tuple, seed: int) -> None:
    """int32 / int64 / float32 / bool (EQUAL and NOT_EQUAL only) compare stored values."""
    if dtype == "bool" and op not in ("EQUAL", "NOT_EQUAL"):
        dtype = "int32"
    rng = np.random.default_rng(seed)
    model = binary_model(op, *shapes, np.dtype(dtype))
    assert_bit_exact(model, [stored_values(rng, shape, dtype) for shape in shapes])


@given(op=st.sampled_from(["LOGICAL_AND", "LOGICAL_OR"]), shapes=broadcast_shapes(),
       densities=st.tuples(st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([0.0, 0.5, 1.0])), seed=seeds)
def test_logical_binary(op: str, shapes: tuple, densities: tuple[float, float], seed: int) -> None:
    """LOGICAL_AND / LOGICAL_OR with broadcasting."""
    rng = np.random.default_rng(seed)
    inputs = [rng.random(shape) < density for shape, density in zip(shapes, densities)]
    assert_bit_exact(binary_model(op, *shapes, np.bool_), inputs)


@pytest.mark.parametrize("shape", [(), (0,), (7,), (2, 1, 3), (1, 2, 1, 2, 1, 3)])
def test_logical_not(shape: tuple[int, ...]) -> None:
    """LOGICAL_NOT of bool tensors, scalars and empty ones included."""
    builder = GraphBuilder()
    builder.output(builder.op("LOGICAL_NOT", [builder.input(shape, "input", np.bool_)], shape, None, np.bool_))
    assert_bit_exact(builder.build(), [np.random.default_rng(0).random(shape) < 0.5])


# --- SELECT and SELECT_V2 -----------------------------------------------------------------------

def select_model(op: str, condition_shape: tuple[int, ...], x_shape: tuple[int, ...], y_shape: tuple[int, ...],
                 dtype: str, x_quantization: QuantParams | None = None,
                 y_quantization: QuantParams | None = None) -> bytes:
    """A one-op SELECT / SELECT_V2 graph; the output takes x's quantization."""
    builder = GraphBuilder()
    condition = builder.input(condition_shape, "condition", np.bool_)
    x = builder.input(x_shape, "x", np.dtype(dtype), x_quantization)
    y = builder.input(y_shape, "y", np.dtype(dtype), y_quantization)
    # SELECT's output has x's shape (a rank-1 condition does not broadcast numpy's way).
    output_shape = x_shape if op == "SELECT" else np.broadcast_shapes(condition_shape, x_shape, y_shape)
    builder.output(builder.op(op, [condition, x, y], output_shape, None, np.dtype(dtype), "output",
                              output_quantization=x_quantization))
    return builder.build()


def select_quantization(dtype: str, apart: bool) -> tuple[QuantParams | None, QuantParams | None]:
    """Quantization of x (and the output) and of y for the quantized value types."""
    if dtype not in ("int8", "uint8", "int16"):
        return None, None
    zero_point = {"int8": -5, "uint8": 128, "int16": 0}[dtype]
    return QuantParams(0.05, zero_point), QuantParams(0.7 if apart else 0.05, 0 if apart else zero_point)


@given(dtype=st.sampled_from(SELECT_TYPES), layout=st.sampled_from(["same", "scalar", "rank one"]),
       shape=st.lists(st.integers(0, 4), min_size=1, max_size=6).map(tuple), apart=st.booleans(), seed=seeds)
def test_select(dtype: str, layout: str, shape: tuple[int, ...], apart: bool, seed: int) -> None:
    """SELECT's three layouts: condition of x's shape, scalar, rank 1 over x's first dimension."""
    condition_shape = {"same": shape, "scalar": (), "rank one": shape[:1]}[layout]
    rng = np.random.default_rng(seed)
    model = select_model("SELECT", condition_shape, shape, shape, dtype, *select_quantization(dtype, apart))
    inputs = [rng.random(condition_shape) < 0.5, stored_values(rng, shape, dtype), stored_values(rng, shape, dtype)]
    assert_bit_exact(model, inputs)


@given(dtype=st.sampled_from(SELECT_TYPES), output=st.lists(st.integers(0, 4), min_size=0, max_size=6).map(tuple),
       keeps=st.lists(st.tuples(st.integers(0, 6), st.lists(st.booleans(), min_size=6, max_size=6)),
                      min_size=3, max_size=3),
       apart=st.booleans(), seed=seeds)
def test_select_v2_broadcasting(dtype: str, output: tuple[int, ...], keeps: list, apart: bool, seed: int) -> None:
    """SELECT_V2: condition, x and y broadcast against each other up to 6-D."""
    shapes = []
    for rank, kept in keeps:
        tail = output[len(output) - min(rank, len(output)):]
        shapes.append(tuple(d if keep else 1 for d, keep in zip(tail, kept)))
    rng = np.random.default_rng(seed)
    model = select_model("SELECT_V2", *shapes, dtype, *select_quantization(dtype, apart))
    inputs = [rng.random(shapes[0]) < 0.5, stored_values(rng, shapes[1], dtype), stored_values(rng, shapes[2], dtype)]
    assert_bit_exact(model, inputs)


def test_quantizer_made_select_copies_y_with_its_own_scale() -> None:
    """The quantizer writes SELECT with y at another scale than x and the output; the reference (and
    tinyq) copy y's stored values anyway."""
    rng = np.random.default_rng(3)
    builder = GraphBuilder()
    a, x, y = (builder.input((2, 5), name) for name in ("a", "x", "y"))
    condition = builder.op("LESS", [a, x], (2, 5), None, np.bool_, "condition")
    builder.output(builder.op("SELECT", [condition, x, y], (2, 5), name="output"))
    calibration = [[(rng.standard_normal((2, 5)) * s).astype(np.float32) for s in (1.0, 5.0, 0.1)] for _ in range(4)]
    model = quantize(builder.build(), calibration)
    details = tinyq.Interpreter(model_content=model).get_input_details()
    assert details[1]["quantization"] != details[2]["quantization"]
    for _ in range(5):
        assert_bit_exact(model, [rng.integers(-128, 127, (2, 5), endpoint=True).astype(np.int8) for _ in range(3)])


# --- WHERE --------------------------------------------------------------------------------------

def where_model(shape: tuple[int, ...], dtype: str, consumed: bool, constant: np.ndarray | None = None) -> bytes:
    """WHERE alone, or WHERE -> CAST (int32) -> PAD (a zero row in front), on an input or a constant."""
    builder = GraphBuilder()
    condition = builder.constant(constant, "condition") if constant is not None else \
        builder.input(shape, "condition", np.dtype(dtype))
    coordinates = builder.op("WHERE", [condition], (1, len(shape)), None, np.int64, "coordinates")
    if consumed:
        narrowed = builder.op("CAST", [coordinates], (1, len(shape)), None, np.int32, "narrowed")
        paddings = builder.constant(np.array([[1, 0], [0, 0]], np.int32), "paddings")
        coordinates = builder.op("PAD", [narrowed, paddings], (2, len(shape)), None, np.int32, "padded")
    builder.output(coordinates)
    return builder.build()


@given(dtype=st.sampled_from(["bool", "int8", "uint8", "int32", "int64", "float32"]),
       shape=st.lists(st.integers(0, 4), min_size=1, max_size=6).map(tuple),
       density=st.sampled_from([0.0, 0.2, 0.7, 1.0]), consumed=st.booleans(), seed=seeds)
def test_where(dtype: str, shape: tuple[int, ...], density: float, consumed: bool, seed: int) -> None:
    """Coordinates of the nonzero elements (NaN true, -0.0 false), alone or feeding CAST -> PAD."""
    rng = np.random.default_rng(seed)
    values = stored_values(rng, shape, dtype)
    condition = np.where(rng.random(shape) < density, values, np.zeros((), dtype)).astype(dtype)
    if not consumed and not np.any(condition != 0):
        consumed = True  # LiteRT's Python API cannot read an empty dynamic output
    assert_bit_exact(where_model(shape, dtype, consumed), [condition])


def test_where_output_shape_follows_each_invoke() -> None:
    """One interpreter, several invokes with different true counts (zero included), each as LiteRT."""
    model = where_model((3, 4), "int8", consumed=True)
    interpreter = tinyq.Interpreter(model_content=model)
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    rng = np.random.default_rng(1)
    for density in (0.5, 0.0, 1.0, 0.1):
        condition = np.where(rng.random((3, 4)) < density, rng.integers(1, 127, (3, 4)), 0).astype(np.int8)
        interpreter.set_tensor(input_index, condition)
        interpreter.invoke()
        expected = run_litert(model, [condition])[0]
        np.testing.assert_array_equal(interpreter.get_tensor(output_index), expected)
        assert list(interpreter.get_output_details()[0]["shape"]) == list(expected.shape)


def test_where_fed_by_a_comparison() -> None:
    """LESS on quantized inputs of different scales -> WHERE -> CAST -> PAD."""
    builder = GraphBuilder()
    x = builder.input((4, 6), "input1", np.int8, QuantParams(0.03, 4))
    y = builder.input((6,), "input2", np.int8, QuantParams(0.011, -9))
    condition = builder.op("LESS", [x, y], (4, 6), None, np.bool_, "condition")
    coordinates = builder.op("WHERE", [condition], (1, 2), None, np.int64, "coordinates")
    narrowed = builder.op("CAST", [coordinates], (1, 2), None, np.int32, "narrowed")
    builder.output(builder.op("PAD", [narrowed, builder.constant(np.array([[1, 0], [0, 0]], np.int32))], (2, 2),
                              None, np.int32, "padded"))
    rng = np.random.default_rng(2)
    for _ in range(5):
        assert_bit_exact(builder.build(), [rng.integers(-128, 127, (4, 6), endpoint=True).astype(np.int8),
                                           rng.integers(-128, 127, (6,), endpoint=True).astype(np.int8)])


def test_where_on_a_constant_condition_is_folded() -> None:
    """A constant condition: the coordinates are computed once, at load."""
    condition = np.array([[0.0, np.nan, -0.0], [2.5, 0.0, 1e-45]], np.float32)
    model = where_model(condition.shape, "float32", consumed=False, constant=condition)
    interpreter = tinyq.Interpreter(model_content=model)
    assert interpreter.program.steps[0].folded
    assert_bit_exact(model, [])


# --- errors -------------------------------------------------------------------------------------

def litert_rejects(model: bytes, inputs: list[np.ndarray]) -> bool:
    """Whether LiteRT BUILTIN_REF fails to prepare or invoke the model (raising, not aborting)."""
    try:
        run_litert(model, inputs)
    except (RuntimeError, ValueError):
        return True
    return False


@pytest.mark.parametrize(("scale", "error", "message"), [
    (1.0, ModelError, "scale 1.0"), (0.0, ModelError, "positive finite scale"),
    (1.5, UnsupportedOpError, "scale 1.5 > 1"), (250.0, UnsupportedOpError, "TFLite Micro rejects")])
def test_quantized_comparison_scale_out_of_range(scale: float, error: type, message: str) -> None:
    """Scales LiteRT aborts on (1.0, 0) or computes garbage for (above 1) are refused at load."""
    model = binary_model("LESS", (3,), (3,), np.int8, QuantParams(0.1, 0), QuantParams(scale, 0))
    with pytest.raises(error, match=message):
        tinyq.load(model)


def test_unquantized_int8_comparison_is_refused() -> None:
    """An int8 comparison without quantization parameters (LiteRT aborts: scale 0)."""
    with pytest.raises(ModelError, match="no quantization parameters"):
        tinyq.load(binary_model("EQUAL", (3,), (3,), np.int8))


def test_comparison_of_unbroadcastable_shapes_is_refused() -> None:
    """Shapes that do not broadcast (LiteRT fails in Prepare too)."""
    builder = GraphBuilder()
    x, y = builder.input((2, 3), "input1", np.int32), builder.input((2,), "input2", np.int32)
    builder.output(builder.op("GREATER", [x, y], (2, 3), None, np.bool_, "output"))
    model = builder.build()
    inputs = [np.zeros((2, 3), np.int32), np.zeros(2, np.int32)]
    assert litert_rejects(model, inputs)
    with pytest.raises(ModelError, match="not broadcastable"):
        tinyq.load(model)


@pytest.mark.parametrize(("condition_shape", "x_shape", "y_shape", "message"), [
    ((2, 1), (2, 3), (2, 3), "condition has shape"),
    ((3,), (2, 3), (2, 3), "condition has shape"),
    ((2, 3), (2, 3), (1, 3), "SELECT needs them equal")])
def test_select_layouts_litert_rejects_are_refused(condition_shape: tuple, x_shape: tuple, y_shape: tuple,
                                                   message: str) -> None:
    """SELECT accepts no broadcasting beyond its three layouts, in LiteRT and tinyq alike."""
    builder = GraphBuilder()
    condition = builder.input(condition_shape, "condition", np.bool_)
    x, y = builder.input(x_shape, "x", np.int32), builder.input(y_shape, "y", np.int32)
    builder.output(builder.op("SELECT", [condition, x, y], x_shape, None, np.int32, "output"))
    model = builder.build()
    inputs = [np.zeros(condition_shape, bool), np.zeros(x_shape, np.int32), np.zeros(y_shape, np.int32)]
    assert litert_rejects(model, inputs)
    with pytest.raises(ModelError, match=message):
        tinyq.load(model)


def test_select_with_mismatched_value_types_is_refused() -> None:
    """x and y of different types have no kernel."""
    builder = GraphBuilder()
    condition = builder.input((3,), "condition", np.bool_)
    x, y = builder.input((3,), "x", np.int8), builder.input((3,), "y", np.int32)
    builder.output(builder.op("SELECT_V2", [condition, x, y], (3,), None, np.int8, "output"))
    with pytest.raises(UnsupportedOpError, match="no kernel"):
        tinyq.load(builder.build())


def test_where_on_a_scalar_condition_is_refused() -> None:
    """A rank-0 condition (LiteRT fails the invoke)."""
    builder = GraphBuilder()
    builder.output(builder.op("WHERE", [builder.input((), "condition", np.bool_)], (1, 0), None, np.int64))
    model = builder.build()
    assert litert_rejects(model, [np.array(True)])
    with pytest.raises(ModelError, match="scalar"):
        tinyq.load(model)
