"""ADD cases: broadcasting up to 6-D, fused activations, quantizer-made and chosen scales.

Direct cases keep the output scale above ``2 * max(input scales) / 2**20``: below it LiteRT's
QuantizeMultiplierSmallerThanOneExp check aborts the process. Their scales are sometimes powers
of two (exact multipliers, so rounding ties are frequent). Quantizer-made cases whose output was
calibrated to [0, 0] (a dead RELU gets a denormal scale, far below that bound) are excluded, as
are outputs whose activation bound overflows int32 (LiteRT's Prepare refuses them).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, activations, broadcast_shapes, log2_scale,
                                model_inputs, operator_quantization, quantized, scales, zero_points)
from conformance.generators._binary import int32_case

OP = "ADD"
DTYPES = ("int8", "int32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    activation = draw(activations(), label="activation")
    options = {"fused_activation_function": activation}
    params = {"input1_shape": list(shape1), "input2_shape": list(shape2), "activation": activation}
    if draw(st.booleans(), label="quantizer-made"):
        spreads = draw(st.tuples(st.sampled_from([0.1, 1.0, 20.0]), st.sampled_from([0.1, 1.0, 20.0])))
        rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))
        calibration = [[(rng.standard_normal(shape1) * spreads[0]).astype(np.float32),
                        (rng.standard_normal(shape2) * spreads[1]).astype(np.float32) + 0.5]
                       for _ in range(6)]

        def build(builder: GraphBuilder) -> None:
            x, y = builder.input(shape1, "input1"), builder.input(shape2, "input2")
            builder.output(builder.op("ADD", [x, y], output_shape, options, name="output"))

        model = quantized(build, calibration)
        (quant1, quant2), (output_quant,) = operator_quantization(model)
        assume(output_quant[0] > 2 * max(quant1[0], quant2[0]) / 2**20)  # else LiteRT aborts
        assume(activation_fits(activation, output_quant[0]))
        params.update(origin="quantizer", calibration_spreads=list(spreads),
                      scales=[quant1[0], quant2[0], output_quant[0]],
                      zero_points=[quant1[1], quant2[1], output_quant[1]])
    else:
        if draw(st.booleans(), label="power-of-two scales"):
            scale1, scale2 = log2_scale(draw, -23, 13, True, "scale1"), log2_scale(draw, -23, 13, True, "scale2")
            ratio = float(draw(st.integers(-18, 6), label="log2 output/max input scale"))
        else:
            scale1, scale2 = draw(scales("extreme"), label="scale1"), draw(scales("extreme"), label="scale2")
            ratio = draw(st.floats(-17.0, 6.0), label="log2 output/max input scale")
        output_scale = float(np.float32(max(scale1, scale2) * 2.0 ** ratio))
        assume(activation_fits(activation, output_scale))  # LiteRT's Prepare refuses the others
        zps = [draw(zero_points(dtype, extreme=draw(st.booleans()))) for _ in range(3)]
        builder = GraphBuilder()
        x = builder.input(shape1, "input1", np.int8, QuantParams(scale1, zps[0]))
        y = builder.input(shape2, "input2", np.int8, QuantParams(scale2, zps[1]))
        builder.output(builder.op("ADD", [x, y], output_shape, options, np.int8, "output",
                                  output_quantization=QuantParams(output_scale, zps[2])))
        model = builder.build()
        params.update(origin="direct", scales=[scale1, scale2, output_scale], zero_points=zps)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """ADD models with their inputs (int32: shape arithmetic, see ``_binary.int32_case``)."""
    if dtype == "int32":
        return int32_case(OP, fused_activation=True)
    return _case(dtype)
