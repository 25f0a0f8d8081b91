"""Shared by the SELECT and SELECT_V2 generators: ``condition ? x : y`` on every value type.

Values of int8, uint8, int16, int32, int64, float32 or bool. Quantized types (int8, uint8, int16)
sometimes carry quantization parameters: one set for x, y and the output, or (as the official
quantizer writes SELECT) y with its own; the reference copies stored values either way. Conditions
all true, all false or mixed; x or y sometimes a constant.

* SELECT: the three layouts the reference accepts: condition of x's shape, a scalar condition,
  or a rank-1 condition over x's first dimension (rank 1-6, size-1 and empty dimensions).
  int8 also has quantizer-made models (the condition computed by LESS from two float inputs).
* SELECT_V2: condition, x and y broadcast against each other, up to 6-D (the quantizer does not
  support SELECT_V2, so every case is direct).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, quantized, scales, shapes, zero_points
from conformance.generators._comparison import bool_data
from conformance.generators._unary import plain_data

QUANTIZED = ("int8", "uint8", "int16")


@st.composite
def _value_quantization(draw: st.DrawFn, dtype: str) -> tuple[QuantParams | None, QuantParams | None, str]:
    """(x and output quantization, y quantization, relation)."""
    if dtype not in QUANTIZED or draw(st.booleans(), label="unquantized"):
        return None, None, "none"
    x_quantization = QuantParams(draw(scales("extreme"), label="scale"),
                                 0 if dtype == "int16" else draw(zero_points(dtype), label="zero point"))
    if draw(st.booleans(), label="y quantized apart"):
        y_quantization = QuantParams(draw(scales("extreme"), label="y scale"),
                                     0 if dtype == "int16" else draw(zero_points(dtype), label="y zero point"))
        return x_quantization, y_quantization, "y apart"
    return x_quantization, x_quantization, "shared"


def _model(op: str, condition: np.ndarray, x: np.ndarray, y: np.ndarray, output_shape: tuple[int, ...],
           x_quantization: QuantParams | None, y_quantization: QuantParams | None,
           constant: str) -> tuple[bytes, list[np.ndarray]]:
    builder = GraphBuilder()
    operands, graph_inputs = [], []
    for name, values, quantization in (("condition", condition, None), ("x", x, x_quantization),
                                       ("y", y, y_quantization)):
        if constant == name:
            operands.append(builder.constant(values, name, quantization))
        else:
            operands.append(builder.input(values.shape, name, values.dtype, quantization))
            graph_inputs.append(values)
    builder.output(builder.op(op, operands, output_shape, None, x.dtype, "output",
                              output_quantization=x_quantization))
    return builder.build(), graph_inputs


@st.composite
def _select_shapes(draw: st.DrawFn) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """(layout, condition shape, value shape) for SELECT."""
    layout = draw(st.sampled_from(["same", "scalar", "rank one"]), label="layout")
    value_shape = draw(st.one_of(shapes(1, 6, 1, 4), st.sampled_from([(0,), (3, 0), (0, 2, 2), (1,)])),
                       label="value shape")
    if layout == "scalar":
        if draw(st.integers(0, 5), label="scalar values") == 0:
            value_shape = ()
        return layout, (), value_shape
    if layout == "rank one":
        return layout, value_shape[:1], value_shape
    return layout, value_shape, value_shape


@st.composite
def select_case(draw: st.DrawFn, op: str, dtype: str) -> Case:
    """One SELECT or SELECT_V2 model (see the module docstring)."""
    if op == "SELECT" and dtype == "int8" and draw(st.integers(0, 3), label="quantizer-made") == 0:
        return draw(_quantizer_case())
    if op == "SELECT":
        layout, condition_shape, x_shape = draw(_select_shapes(), label="shapes")
        y_shape = output_shape = x_shape
    else:
        layout = "broadcast"
        output_shape = draw(st.one_of(shapes(0, 6, 1, 4), st.sampled_from([(0,), (2, 0, 3)])), label="output shape")

        def operand_shape(name: str) -> tuple[int, ...]:
            rank = draw(st.integers(0, len(output_shape)), label=f"{name} rank")
            tail = output_shape[len(output_shape) - rank:]
            return tuple(d if draw(st.booleans(), label=f"{name} keeps dim") else 1 for d in tail)

        condition_shape, x_shape, y_shape = operand_shape("condition"), operand_shape("x"), operand_shape("y")
        output_shape = tuple(np.broadcast_shapes(condition_shape, x_shape, y_shape))
    x_quantization, y_quantization, relation = draw(_value_quantization(dtype), label="quantization")
    condition = draw(bool_data(condition_shape, "condition"))
    x, y = draw(plain_data(x_shape, dtype), label="x"), draw(plain_data(y_shape, dtype), label="y")
    constant = draw(st.sampled_from(["none", "none", "none", "condition", "x", "y"]), label="constant operand")
    model, inputs = _model(op, condition, x, y, output_shape, x_quantization, y_quantization, constant)
    params = {"origin": "direct", "layout": layout, "condition_shape": list(condition_shape),
              "x_shape": list(x_shape), "y_shape": list(y_shape), "quantization": relation, "constant": constant}
    return Case(op, dtype, params, model, inputs)


@st.composite
def _quantizer_case(draw: st.DrawFn) -> Case:
    """A float ``SELECT(LESS(a, x), x, y)`` quantized by the official quantizer (y gets its own scale)."""
    shape = draw(shapes(1, 4, 1, 4), label="shape")
    spreads = draw(st.tuples(st.sampled_from([0.1, 1.0, 20.0]), st.sampled_from([0.1, 1.0, 20.0]),
                             st.sampled_from([0.1, 1.0, 20.0])), label="spreads")
    rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))
    calibration = [[(rng.standard_normal(shape) * s).astype(np.float32) for s in spreads] for _ in range(4)]

    def build(builder: GraphBuilder) -> None:
        a, x, y = (builder.input(shape, name) for name in ("a", "x", "y"))
        condition = builder.op("LESS", [a, x], shape, None, np.bool_, "condition")
        builder.output(builder.op("SELECT", [condition, x, y], shape, name="output"))

    model = quantized(build, calibration)
    inputs = [draw(plain_data(shape, "int8"), label=name) for name in ("a", "x", "y")]
    params = {"origin": "quantizer", "layout": "same", "shape": list(shape), "calibration_spreads": list(spreads)}
    return Case("SELECT", "int8", params, model, inputs)
