"""MUL cases: broadcasting up to 6-D, fused activations, quantizer-made and chosen scales.

* quantizer: a float MUL of two inputs (or of an input and a positive constant) of very
  different magnitudes and offsets; one calibration sample is positive so a fused RELU keeps a
  non-empty output range.
* direct: real multipliers ``input1_scale * input2_scale / output_scale`` from 2**-36 (flushed to
  zero by QuantizeMultiplier) to 2**30 (left shifts up to 31 that wrap the int32 product, as the
  reference's ``x * (1 << shift)`` does), power-of-two scales for exact rounding ties, zero points
  at the range ends, input scales 2**-24..2**12 and output scales 2**-26..2**8.

LiteRT forms the multiplier in float32 and TFLite Micro in double: for some scale triples
the two differ by one on a few outputs. Excluded: a multiplier of 2**31 or more (a shift
beyond 31, undefined in the reference; tinyq refuses it) and outputs whose activation bound
overflows int32 (LiteRT refuses them).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, activations, broadcast_shapes, log2_scale,
                                model_inputs, operator_quantization, quantized, zero_points)
from conformance.generators._binary import int32_case

OP = "MUL"
DTYPES = ("int8", "int32")


def _float32_multiplier(scale1: float, scale2: float, output_scale: float) -> float:
    """mul.cc's real multiplier: float32 product and quotient."""
    with np.errstate(all="ignore"):
        return float(np.float32(scale1) * np.float32(scale2) / np.float32(output_scale))


def _quantizer_model(draw: st.DrawFn, shape1: tuple, shape2: tuple, output_shape: tuple,
                     options: dict) -> tuple[bytes, dict]:
    seed = draw(st.integers(0, 2**32 - 1), label="calibration seed")
    log_spreads = draw(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), label="log10 spreads")
    relative_offsets = draw(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), label="offsets / spreads")
    constant_second = draw(st.booleans(), label="constant second operand")
    rng = np.random.default_rng(seed)
    spreads = [10.0 ** s for s in log_spreads]
    offsets = [o * s for o, s in zip(relative_offsets, spreads)]

    def sample(shape: tuple, which: int, positive: bool) -> np.ndarray:
        values = rng.normal(0.0, spreads[which], size=shape)
        return (np.abs(values) if positive else values + offsets[which]).astype(np.float32)

    constant = sample(shape2, 1, True)
    calibration = [[sample(shape1, 0, positive)] + ([] if constant_second else [sample(shape2, 1, positive)])
                   for positive in (False, False, False, True)]

    def build(builder: GraphBuilder) -> None:
        x = builder.input(shape1, "input1")
        y = builder.constant(constant, "input2") if constant_second else builder.input(shape2, "input2")
        builder.output(builder.op(OP, [x, y], output_shape, options, name="output"))

    model = quantized(build, calibration)
    (quant1, quant2), (output_quant,) = operator_quantization(model)
    assume(activation_fits(options["fused_activation_function"], output_quant[0]))
    assume(_float32_multiplier(quant1[0], quant2[0], output_quant[0]) < 2.0**31)
    return model, {"origin": "quantizer", "seed": seed, "log10_spreads": list(log_spreads),
                   "relative_offsets": list(relative_offsets), "constant_second": constant_second,
                   "scales": [quant1[0], quant2[0], output_quant[0]],
                   "zero_points": [quant1[1], quant2[1], output_quant[1]]}


def _direct_model(draw: st.DrawFn, shape1: tuple, shape2: tuple, output_shape: tuple,
                  options: dict) -> tuple[bytes, dict]:
    ties = draw(st.booleans(), label="power-of-two scales")
    output_scale = log2_scale(draw, -26, 8, ties, "log2 output scale")
    extreme = draw(st.integers(0, 2), label="extreme multiplier") == 0
    low, high = (-36, 30) if extreme else (-16, 4)
    multiplier = log2_scale(draw, low, high, ties, "log2 multiplier")
    scale1 = log2_scale(draw, -12, 6, ties, "log2 input1 scale")
    scale2 = float(np.float32(output_scale * multiplier / scale1))
    if draw(st.booleans(), label="swap inputs"):
        scale1, scale2 = scale2, scale1
    assume(2.0**-126 <= min(scale1, scale2) and max(scale1, scale2) <= 2.0**100)  # normal float32 scales
    assume(_float32_multiplier(scale1, scale2, output_scale) < 2.0**31)  # left shift at most 31
    assume(activation_fits(options["fused_activation_function"], output_scale))
    zps = [draw(zero_points("int8", extreme=draw(st.booleans())), label="zero point") for _ in range(3)]
    builder = GraphBuilder()
    x = builder.input(shape1, "input1", np.int8, QuantParams(scale1, zps[0]))
    y = builder.input(shape2, "input2", np.int8, QuantParams(scale2, zps[1]))
    builder.output(builder.op(OP, [x, y], output_shape, options, np.int8, "output",
                              output_quantization=QuantParams(output_scale, zps[2])))
    return builder.build(), {"origin": "direct", "scales": [scale1, scale2, output_scale], "zero_points": zps,
                             "log2_multiplier": float(np.log2(multiplier)), "ties": ties}


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    activation = draw(activations(), label="activation")
    options = {"fused_activation_function": activation}
    params = {"input1_shape": list(shape1), "input2_shape": list(shape2), "activation": activation}
    if draw(st.booleans(), label="quantizer-made"):
        model, made = _quantizer_model(draw, shape1, shape2, output_shape, options)
    else:
        model, made = _direct_model(draw, shape1, shape2, output_shape, options)
    params.update(made)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """MUL models with their inputs (int32: shape arithmetic, see ``_binary.int32_case``)."""
    if dtype == "int32":
        return int32_case(OP, fused_activation=True)
    return _case(dtype)
