"""Shared drawing for the unary int8 activation generators (RELU family, LEAKY_RELU, HARD_SWISH, ELU, GELU).

A case is one op on one int8 tensor of rank 1-4: quantizer-made (a float graph calibrated over a
centred or lopsided range) or direct (chosen input and output quantization). A quarter of the
cases feed every int8 value (shapes of 256 or more elements), so one run compares the op's whole
input->output map; the others random data with range ends and zero points.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from hypothesis import assume, strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, calibration_range, every_int8, model_inputs,
                                operator_quantization, quantization_params, quantized, shapes)

# Shapes of 256 or more elements for the every-int8 data.
WHOLE_TABLE_SHAPES = ((256,), (2, 128), (16, 16), (1, 16, 16), (1, 4, 8, 8), (300,), (2, 3, 50))

# Draws (input quantization, output quantization) for a direct case.
DirectQuantization = Callable[[st.DrawFn], tuple[QuantParams, QuantParams]]


def quantize_multiplier_shift(real: float) -> int:
    """The shift QuantizeMultiplier gives ``real``: frexp's exponent, +1 when the mantissa rounds up to one,
    0 for multipliers it flushes to zero (shifts below -31)."""
    if real == 0.0:
        return 0
    fraction, exponent = math.frexp(real)
    shift = exponent + (round(abs(fraction) * 2**31) == 2**31)
    return 0 if shift < -31 else shift


def float32_quotient(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` evaluated in float32, as the reference's Prepare does."""
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float32(numerator) / np.float32(denominator))


@st.composite
def rescaling(draw: st.DrawFn, max_log2_ratio: float = 30.0) -> tuple[float, float]:
    """(input scale, output scale) for an op that requantizes.

    Powers of two (exact multipliers, frequent rounding ties) or any float32 scales; the
    multiplier ``input / output`` mostly 2**-12..2**12, else 2**-34..2**max_log2_ratio (multipliers
    QuantizeMultiplier flushes to zero, left shifts up to 30 bits).
    """
    ties = draw(st.booleans(), label="power-of-two scales")
    extreme = draw(st.integers(0, 3), label="extreme multiplier") == 0
    low, high = (-34.0, max_log2_ratio) if extreme else (-12.0, 12.0)
    if ties:
        input_scale = 2.0 ** draw(st.integers(-20, 10), label="log2 input scale")
        output_scale = input_scale / 2.0 ** draw(st.integers(int(low), int(high)), label="log2 multiplier")
    else:
        input_scale = float(np.float32(10.0 ** draw(st.floats(-7.0, 3.0), label="log10 input scale")))
        output_scale = float(np.float32(input_scale / 2.0 ** draw(st.floats(low, high), label="log2 multiplier")))
    return input_scale, output_scale


def zero_point_strategy() -> st.SearchStrategy[int]:
    """int8 zero points, often at the range ends."""
    return st.one_of(st.sampled_from([-128, -127, -1, 0, 1, 126, 127]), st.integers(-128, 127))


def output_range_collapsed(model: bytes) -> bool:
    """Whether the quantizer gave the op's output a range 2**27 or more times narrower than the input's.

    RELU of inputs <= 0 (or barely above 0), GELU of inputs far below 0 and the like get an output
    range of [0, 0] (written with a denormal scale, 4.6e-41) or nearly so; the reference's
    multipliers then need left shifts beyond 31 bits, or its tables overflow int32: undefined
    arithmetic, which tinyq refuses.
    """
    inputs, outputs = operator_quantization(model)
    return inputs[0][0] >= 2.0**27 * outputs[0][0]


@st.composite
def unary_case(draw: st.DrawFn, op: str, dtype: str, options: dict | None, direct: DirectQuantization,
               quantizer: bool = True, model_usable: Callable[[bytes], bool] | None = None) -> Case:
    """One ``op`` model with its inputs; ``quantizer=False`` where the official quantizer refuses the op.

    Quantizer-made models whose output range collapsed (:func:`output_range_collapsed`) or that
    ``model_usable`` rejects are left out.
    """
    whole_table = draw(st.integers(0, 3), label="every int8") == 0
    shape = tuple(draw(st.sampled_from(WHOLE_TABLE_SHAPES) if whole_table else shapes(1, 4, 1, 6), label="shape"))
    params: dict = {"shape": list(shape), "data": "every int8" if whole_table else "random"}
    if options:
        params["options"] = dict(options)
    if quantizer and draw(st.booleans(), label="quantizer-made"):
        low, high = draw(calibration_range(), label="calibration range")
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
        calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high  # the calibrated range is [low, high]

        def build(builder: GraphBuilder) -> None:
            builder.output(builder.op(op, [builder.input(shape, "input")], shape, options, name="output"))

        model = quantized(build, calibration)
        assume(not output_range_collapsed(model))
        if model_usable is not None:
            assume(model_usable(model))
        params.update(origin="quantizer", calibration_range=[low, high])
    else:
        input_quantization, output_quantization = direct(draw)
        builder = GraphBuilder()
        x = builder.input(shape, "input", np.int8, input_quantization)
        builder.output(builder.op(op, [x], shape, options, np.int8, "output", output_quantization=output_quantization))
        model = builder.build()
        params.update(origin="direct", **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    inputs = [draw(every_int8(shape), label="input")] if whole_table else draw(model_inputs(model), label="inputs")
    return Case(op, dtype, params, model, inputs)
