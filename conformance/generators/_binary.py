"""Shared by the elementwise binary generators (ADD, SUB, MUL, DIV, FLOOR_DIV, FLOOR_MOD, MAXIMUM,
MINIMUM, SQUARED_DIFFERENCE): the int32 cases real models use for shape arithmetic, and helpers.

int32 cases: broadcast shape pairs up to 6-D, either operand sometimes a constant (shape
arithmetic mostly combines a computed shape with constants), the fused activation where the op
has one, and data mixing the whole int32 range, small values of both signs (where floor and
truncating division differ), and the ends ``INT32_MIN``, ``INT32_MAX``, -1, 0, 1 (overflow and
wrap-around, ``INT32_MIN / -1``). Divisors are never 0 (LiteRT fails the invoke); for FLOOR_MOD
the pair ``INT32_MIN % -1`` is also avoided (it kills LiteRT's process with SIGFPE).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activations, broadcast_shapes, model_inputs, quantized,
                                scales, zero_points)

INT32_MIN = int(np.iinfo(np.int32).min)
INT32_MAX = int(np.iinfo(np.int32).max)
INT32_ENDS = (INT32_MIN, INT32_MIN + 1, -2, -1, 0, 1, 2, INT32_MAX - 1, INT32_MAX)


@st.composite
def int32_data(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """int32 values: each element from the whole range, from [-20, 20], from [-2**16, 2**16] or an end."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="int32 data seed"))
    weights = np.array(draw(st.sampled_from([(1, 1, 1, 1), (0, 1, 0, 0), (1, 0, 0, 0), (0, 2, 1, 1)]),
                            label="int32 data mix"), dtype=np.float64)
    kind = rng.choice(4, size=shape, p=weights / weights.sum())
    candidates = [rng.integers(INT32_MIN, INT32_MAX, size=shape, endpoint=True, dtype=np.int64),
                  rng.integers(-20, 20, size=shape, endpoint=True, dtype=np.int64),
                  rng.integers(-2**16, 2**16, size=shape, endpoint=True, dtype=np.int64),
                  rng.choice(np.array(INT32_ENDS, dtype=np.int64), size=shape)]
    return np.choose(kind, candidates).astype(np.int32).reshape(shape)


def _usable_divisor(dividend: np.ndarray, divisor: np.ndarray, avoid_min_by_minus_one: bool,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Replace zero divisors; when asked, break every broadcast pair ``INT32_MIN`` / -1."""
    divisor = np.where(divisor == 0, rng.choice(np.array([1, -1, 7, -3], dtype=np.int32), size=divisor.shape),
                       divisor).astype(np.int32)
    if avoid_min_by_minus_one:
        paired = np.broadcast_arrays(dividend == INT32_MIN, divisor == -1)
        if np.any(paired[0] & paired[1]):
            if rng.integers(2):
                dividend = np.where(dividend == INT32_MIN, INT32_MIN + 1, dividend).astype(np.int32)
            else:
                divisor = np.where(divisor == -1, -2, divisor).astype(np.int32)
    return dividend, divisor


@st.composite
def int32_case(draw: st.DrawFn, op: str, *, fused_activation: bool, divides: bool = False,
               floor_mod: bool = False) -> Case:
    """One int32 model of ``op`` with its inputs (see the module docstring)."""
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    options = {}
    params: dict = {"input1_shape": list(shape1), "input2_shape": list(shape2), "origin": "direct"}
    if fused_activation:
        activation = draw(activations(), label="activation")
        options["fused_activation_function"] = activation
        params["activation"] = activation
    constant = draw(st.sampled_from(["none", "none", "input1", "input2"]), label="constant operand")
    params["constant"] = constant
    input1, input2 = draw(int32_data(shape1), label="input1"), draw(int32_data(shape2), label="input2")
    if divides:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="divisor fix seed"))
        input1, input2 = _usable_divisor(input1, input2, floor_mod, rng)
    builder = GraphBuilder()
    operands, graph_inputs = [], []
    for name, values in (("input1", input1), ("input2", input2)):
        if constant == name:
            operands.append(builder.constant(values, name))
        else:
            operands.append(builder.input(values.shape, name, np.int32))
            graph_inputs.append(values)
    builder.output(builder.op(op, operands, output_shape, options or None, np.int32, "output"))
    return Case(op, "int32", params, builder.build(), graph_inputs)


def multiplier_shift(real_multiplier: float) -> int:
    """The shift ``QuantizeMultiplier`` gives a positive real: frexp's exponent, plus 1 when the
    31-bit mantissa rounds up to 2**31."""
    fraction, exponent = math.frexp(real_multiplier)
    return exponent + (math.floor(fraction * 2**31 + 0.5) == 2**31)


@st.composite
def raw_int8_case(draw: st.DrawFn, op: str) -> Case:
    """An int8 MAXIMUM or MINIMUM: the operands share one quantization, as the reference needs.

    quantizer: a float graph of two inputs (or an input and a constant of rank 4 or less: the
    quantizer aborts on a higher-rank constant) of different ranges; the quantizer requantizes one
    input with a QUANTIZE op so all three operands agree. direct: one
    chosen scale and zero point for all three, or no quantization at all (raw int8 values).
    """
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    params: dict = {"input1_shape": list(shape1), "input2_shape": list(shape2)}
    if draw(st.booleans(), label="quantizer-made"):
        spreads = draw(st.tuples(st.sampled_from([0.01, 1.0, 20.0]), st.sampled_from([0.01, 1.0, 20.0])),
                       label="spreads")
        offsets = draw(st.tuples(st.sampled_from([0.0, 2.0, -5.0]), st.sampled_from([0.0, 1.0])), label="offsets")
        # The quantizer itself aborts the process on a constant operand of rank 5 or 6.
        constant_second = len(shape2) <= 4 and draw(st.booleans(), label="constant second operand")
        rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))

        def sample(shape: tuple[int, ...], which: int) -> np.ndarray:
            return (rng.standard_normal(shape) * spreads[which] + offsets[which]).astype(np.float32)

        constant_values = sample(shape2, 1)
        calibration = [[sample(shape1, 0)] + ([] if constant_second else [sample(shape2, 1)]) for _ in range(5)]

        def build(builder: GraphBuilder) -> None:
            x = builder.input(shape1, "input1")
            y = builder.constant(constant_values, "input2") if constant_second else builder.input(shape2, "input2")
            builder.output(builder.op(op, [x, y], output_shape, name="output"))

        model = quantized(build, calibration)
        params.update(origin="quantizer", calibration_spreads=list(spreads), offsets=list(offsets),
                      constant_second=constant_second)
    else:
        quantization = None
        if draw(st.integers(0, 4), label="unquantized") != 0:
            quantization = QuantParams(draw(scales("extreme"), label="scale"),
                                       draw(zero_points("int8", extreme=draw(st.booleans())), label="zero point"))
            params.update(scale=float(np.float32(quantization.scale[0])), zero_point=quantization.zero_point[0])
        builder = GraphBuilder()
        x = builder.input(shape1, "input1", np.int8, quantization)
        y = builder.input(shape2, "input2", np.int8, quantization)
        builder.output(builder.op(op, [x, y], output_shape, None, np.int8, "output",
                                  output_quantization=quantization))
        model = builder.build()
        params.update(origin="direct", quantized=quantization is not None)
    return Case(op, "int8", params, model, draw(model_inputs(model), label="inputs"))
