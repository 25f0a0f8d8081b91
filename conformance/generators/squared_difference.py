"""SQUARED_DIFFERENCE cases: int8, broadcasting up to 6-D, quantizer-made and chosen scales.

Direct cases: input scales 1e-7..1e4 or powers of two, output scales from just above
``(2 * max(input scales))**2 / 2**14`` (at or below it LiteRT aborts in
QuantizeMultiplierSmallerThanOneExp, so such models are excluded) to 2**20 times larger.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, broadcast_shapes, log2_scale, model_inputs,
                                operator_quantization, quantized, scales, zero_points)
from conformance.generators._binary import multiplier_shift

OP = "SQUARED_DIFFERENCE"
DTYPES = ("int8",)


def _reference_runs(scale1: float, scale2: float, output_scale: float) -> bool:
    """False where LiteRT aborts: an output multiplier QuantizeMultiplierSmallerThanOneExp rejects."""
    with np.errstate(over="ignore"):
        twice_max_input_scale = float(np.float32(2) * max(np.float32(scale1), np.float32(scale2)))
        multiplier = twice_max_input_scale**2 / float(np.float32(1 << 14) * np.float32(output_scale))
    return 0.0 < multiplier < 1.0 and multiplier_shift(multiplier) <= 0


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape1, shape2 = draw(broadcast_shapes(max_rank=6, max_side=4), label="shapes")
    output_shape = tuple(np.broadcast_shapes(shape1, shape2))
    params = {"input1_shape": list(shape1), "input2_shape": list(shape2)}
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
            builder.output(builder.op(OP, [x, y], output_shape, name="output"))

        model = quantized(build, calibration)
        (quant1, quant2), (output_quant,) = operator_quantization(model)
        assume(_reference_runs(quant1[0], quant2[0], output_quant[0]))
        params.update(origin="quantizer", calibration_spreads=list(spreads), input2_offset=offset,
                      scales=[quant1[0], quant2[0], output_quant[0]],
                      zero_points=[quant1[1], quant2[1], output_quant[1]])
    else:
        if draw(st.booleans(), label="power-of-two scales"):
            scale1, scale2 = log2_scale(draw, -20, 10, True, "scale1"), log2_scale(draw, -20, 10, True, "scale2")
            headroom = float(draw(st.integers(1, 20), label="log2 headroom"))
        else:
            scale1, scale2 = draw(scales("extreme"), label="scale1"), draw(scales("extreme"), label="scale2")
            headroom = draw(st.floats(0.01, 20.0), label="log2 headroom")
        # output scale = 2**headroom * (2 * max(input scales))**2 / 2**14: output multiplier 2**-headroom.
        output_scale = float(np.float32((2 * max(scale1, scale2)) ** 2 / 2**14 * 2.0**headroom))
        assume(np.isfinite(output_scale) and output_scale > 0)
        assume(_reference_runs(scale1, scale2, output_scale))
        zps = [draw(zero_points(dtype, extreme=draw(st.booleans())), label="zero point") for _ in range(3)]
        builder = GraphBuilder()
        x = builder.input(shape1, "input1", np.int8, QuantParams(scale1, zps[0]))
        y = builder.input(shape2, "input2", np.int8, QuantParams(scale2, zps[1]))
        builder.output(builder.op(OP, [x, y], output_shape, None, np.int8, "output",
                                  output_quantization=QuantParams(output_scale, zps[2])))
        model = builder.build()
        params.update(origin="direct", scales=[scale1, scale2, output_scale], zero_points=zps,
                      log2_headroom=headroom)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """SQUARED_DIFFERENCE models with their inputs."""
    return _case(dtype)
