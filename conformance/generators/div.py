"""DIV cases: int8 with chosen scales (the quantizer does not quantize DIV) and int32, broadcasting
up to 6-D, fused activations.

int8: input scales 2**-12..2**6 (powers of two or not) and an output scale giving a real
multiplier ``input1_scale / (input2_scale * output_scale)`` mostly in [64, 2**23) -- where the
reference's arithmetic is well defined for every input -- and otherwise anywhere in 2**-8..2**30,
where elements with small (or huge) quotients hit the known reference defect described in
``reference_defect``. Zero points anywhere, often at the range ends; divisor values equal to the
divisor's zero point (a division by zero, which fails LiteRT's invoke) are moved one step away.
Outputs whose activation bound overflows int32 (LiteRT's Prepare refuses them) are excluded.
int32: see ``_binary`` (no zero divisors; ``INT32_MIN / -1`` included).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, activations, broadcast_shapes, log2_scale,
                                model_inputs, zero_points)
from conformance.generators._binary import int32_case, multiplier_shift

OP = "DIV"
DTYPES = ("int8", "int32")


def _float32_multiplier(scale1: float, scale2: float, output_scale: float) -> float:
    """div.cc's real multiplier: float32 product and quotient."""
    with np.errstate(all="ignore"):
        return float(np.float32(scale1) / (np.float32(scale2) * np.float32(output_scale)))


@st.composite
def _int8_case(draw: st.DrawFn) -> Case:
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    activation = draw(activations(), label="activation")
    options = {"fused_activation_function": activation}
    ties = draw(st.booleans(), label="power-of-two scales")
    scale1 = log2_scale(draw, -12, 6, ties, "log2 input1 scale")
    scale2 = log2_scale(draw, -12, 6, ties, "log2 input2 scale")
    well_defined = draw(st.integers(0, 5), label="well-defined multiplier") not in (2, 3)
    low, high = (6.01, 22.99) if well_defined else (-8, 30)
    multiplier = log2_scale(draw, low, high, ties, "log2 multiplier")
    output_scale = float(np.float32(scale1 / (scale2 * multiplier)))
    assume(2.0**-126 <= output_scale <= 2.0**100)  # a normal float32 scale
    assume(activation_fits(activation, output_scale))
    zps = [draw(zero_points("int8", extreme=draw(st.booleans())), label="zero point") for _ in range(3)]
    builder = GraphBuilder()
    x = builder.input(shape1, "input1", np.int8, QuantParams(scale1, zps[0]))
    y = builder.input(shape2, "input2", np.int8, QuantParams(scale2, zps[1]))
    builder.output(builder.op(OP, [x, y], output_shape, options, np.int8, "output",
                              output_quantization=QuantParams(output_scale, zps[2])))
    model = builder.build()
    input1, input2 = draw(model_inputs(model), label="inputs")
    step = 1 if zps[1] < 127 else -1
    input2 = np.where(input2 == zps[1], zps[1] + step, input2).astype(np.int8)
    params = {"input1_shape": list(shape1), "input2_shape": list(shape2), "activation": activation,
              "origin": "direct", "scales": [scale1, scale2, output_scale], "zero_points": zps, "ties": ties,
              "output_shift": multiplier_shift(_float32_multiplier(scale1, scale2, output_scale))}
    return Case(OP, "int8", params, model, [input1, input2])


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """DIV models with their inputs."""
    if dtype == "int32":
        return int32_case(OP, fused_activation=True, divides=True)
    return _int8_case()


def _count_leading_sign_bits(values: np.ndarray) -> np.ndarray:
    """``__builtin_clrsb`` of int32 values: 31 minus the bit length of ``x`` (or ``~x`` when negative)."""
    magnitudes = np.where(values < 0, ~values, values)
    return 31 - np.frexp(magnitudes.astype(np.float64))[1]


def reference_defect(case: Case) -> str | None:
    """int8 elements whose final RoundingDivideByPOT exponent leaves gemmlowp's [0, 31]."""
    if case.dtype != "int8":
        return None
    zero_point1, zero_point2, _ = case.params["zero_points"]
    input1_val, input2_val = np.broadcast_arrays(case.inputs[0].astype(np.int64) - zero_point1,
                                                 case.inputs[1].astype(np.int64) - zero_point2)
    input1_val = np.where(input2_val < 0, -input1_val, input1_val)
    recip_shift = np.frexp(np.abs(input2_val).astype(np.float64))[1] - 1  # 31 - CountLeadingZeros(|x2|)
    exponent = _count_leading_sign_bits(input1_val) + recip_shift - case.params["output_shift"]
    if not np.any((exponent < 0) | (exponent > 31)):
        return None
    return ("int8 DIV with a real multiplier input1_scale/(input2_scale*output_scale) below 64 or at least 2**23: "
            "for small (or huge) quotients the final RoundingDivideByPOT exponent leaves [0, 31] (undefined); "
            "LiteRT and TFLM (same code) return garbage there; tinyq computes the intended rounding")
