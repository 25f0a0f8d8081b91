"""SUB cases: int8 (quantizer-made and chosen scales) and int32, broadcasting up to 6-D, fused activations.

int8 direct cases: input scales 1e-7..1e4 apart or powers of two, output scales from far above
to below ``2 * max(input scales) / 2**20``. Below that bound the real output multiplier exceeds 1:
LiteRT's Prepare accepts it but its Eval shifts by a negative amount (a known reference defect,
see ``reference_defect``); about one direct case in eight is drawn there. A multiplier of exactly
1 (or one rounding up to 1) makes LiteRT abort and is excluded, as are outputs whose activation
bound overflows int32 (LiteRT's Prepare refuses them). int32 cases: see ``_binary``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, activations, broadcast_shapes, log2_scale,
                                model_inputs, operator_quantization, quantized, scales, zero_points)
from conformance.generators._binary import int32_case, multiplier_shift

OP = "SUB"
DTYPES = ("int8", "int32")


def real_output_multiplier(scale1: float, scale2: float, output_scale: float) -> float:
    """sub.cc's ``2 * max(s1, s2) / ((1 << 20) * s_out)``: float32 products, double division."""
    with np.errstate(over="ignore"):
        twice_max_input_scale = float(np.float32(2) * max(np.float32(scale1), np.float32(scale2)))
        return twice_max_input_scale / float(np.float32(1 << 20) * np.float32(output_scale))


def _reference_runs(scale1: float, scale2: float, output_scale: float) -> bool:
    """False where LiteRT aborts: a multiplier of 1 for QuantizeMultiplierSmallerThanOneExp."""
    multiplier = real_output_multiplier(scale1, scale2, output_scale)
    if multiplier > 1.0:
        return multiplier_shift(multiplier) <= 31
    return multiplier < 1.0 and multiplier_shift(multiplier) <= 0


@st.composite
def _int8_case(draw: st.DrawFn) -> Case:
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    activation = draw(activations(), label="activation")
    options = {"fused_activation_function": activation}
    params = {"input1_shape": list(shape1), "input2_shape": list(shape2), "activation": activation}
    if draw(st.booleans(), label="quantizer-made"):
        spreads = draw(st.tuples(st.sampled_from([0.01, 1.0, 20.0]), st.sampled_from([0.01, 1.0, 20.0])),
                       label="spreads")
        offset = draw(st.sampled_from([0.0, 0.5, -3.0]), label="input2 offset")
        rng = np.random.default_rng(draw(st.integers(0, 2**16), label="calibration seed"))
        calibration = [[(rng.standard_normal(shape1) * spreads[0]).astype(np.float32),
                        (rng.standard_normal(shape2) * spreads[1] + offset).astype(np.float32)]
                       for _ in range(5)]

        def build(builder: GraphBuilder) -> None:
            x, y = builder.input(shape1, "input1"), builder.input(shape2, "input2")
            builder.output(builder.op(OP, [x, y], output_shape, options, name="output"))

        model = quantized(build, calibration)
        (quant1, quant2), (output_quant,) = operator_quantization(model)
        assume(_reference_runs(quant1[0], quant2[0], output_quant[0]))
        assume(activation_fits(activation, output_quant[0]))
        params.update(origin="quantizer", calibration_spreads=list(spreads), input2_offset=offset,
                      scales=[quant1[0], quant2[0], output_quant[0]],
                      zero_points=[quant1[1], quant2[1], output_quant[1]])
    else:
        if draw(st.booleans(), label="power-of-two scales"):
            scale1, scale2 = log2_scale(draw, -23, 13, True, "scale1"), log2_scale(draw, -23, 13, True, "scale2")
        else:
            scale1, scale2 = draw(scales("extreme"), label="scale1"), draw(scales("extreme"), label="scale2")
        # log2(output / max input scale): above -19 the output multiplier is below 1.
        above_one = draw(st.integers(0, 15), label="output multiplier above 1") in (3, 11)  # not an end: rare
        ratio = draw(st.floats(-26.0, -19.01) if above_one else st.floats(-18.99, 6.0), label="log2 scale ratio")
        output_scale = float(np.float32(max(scale1, scale2) * 2.0 ** ratio))
        assume(_reference_runs(scale1, scale2, output_scale))
        assume(activation_fits(activation, output_scale))
        zps = [draw(zero_points("int8", extreme=draw(st.booleans())), label="zero point") for _ in range(3)]
        builder = GraphBuilder()
        x = builder.input(shape1, "input1", np.int8, QuantParams(scale1, zps[0]))
        y = builder.input(shape2, "input2", np.int8, QuantParams(scale2, zps[1]))
        builder.output(builder.op(OP, [x, y], output_shape, options, np.int8, "output",
                                  output_quantization=QuantParams(output_scale, zps[2])))
        model = builder.build()
        params.update(origin="direct", scales=[scale1, scale2, output_scale], zero_points=zps)
    return Case(OP, "int8", params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """SUB models with their inputs."""
    if dtype == "int32":
        return int32_case(OP, fused_activation=True)
    return _int8_case()


def reference_defect(case: Case) -> str | None:
    """int8 with a real output multiplier above 1: LiteRT's Eval shifts by a negative exponent."""
    if case.dtype != "int8" or real_output_multiplier(*case.params["scales"]) <= 1.0:
        return None
    return ("int8 SUB with output scale below 2*max(input scales)/2**20 (real output multiplier > 1): LiteRT's "
            "Eval calls RoundingDivideByPOT with a negative exponent (undefined; garbage outputs; TFLM aborts); "
            "tinyq computes the intended product")
