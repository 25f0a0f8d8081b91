"""GELU cases: exact and tanh-approximate, int8 tensors of rank 1-4, quantizer-made or direct.

* quantizer-made: a float GELU calibrated over a centred or lopsided range, leaving out models
  whose output range is so narrow that table entries overflow int32 (undefined in the reference);
* direct: input scale log-uniform over 1e-5..100 or round values, output scale 1e-4..10, any
  zero points, plus scale pairs at which the C library's erfcf / tanhf and the correctly
  rounded value (or, for the approximate form, a fused multiply-add) would change a table entry.

A quarter of the cases feed every int8 value, comparing all 256 table entries.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import QuantParams, operator_quantization
from conformance.generators._activation import unary_case, zero_point_strategy

OP = "GELU"
DTYPES = ("int8",)

ROUND_SCALES = (1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0)
# (input scale, output scale) float32 bit patterns, zero points 0 (found by search against glibc 2.36).
SENSITIVE_SCALES = {False: ((0x3B6B4981, 0x3B499B09), (0x3D1A6656, 0x3C537007), (0x3CD11D82, 0x3DB22A13)),
                    True: ((0x3CA5CFDE, 0x3D0041C5), (0x3C2D6626, 0x3AB831DB), (0x3C3C77CA, 0x3B392894),
                           (0x3C7A2DF8, 0x3AB9EBD2), (0x3D114FA2, 0x3AB16CF2))}


def _table_defined(model: bytes, approximate: bool) -> bool:
    """Whether every table entry fits int32 before the reference's float->int32 conversion (else undefined).

    The quantizer gives a GELU of inputs far below 0 a tiny output range (e.g. [-5.6e-13, 0] for
    inputs in [-7.4, 0]) and entries for moderately negative inputs then overflow; computed here in
    float64 with a factor-2 margin.
    """
    inputs, outputs = operator_quantization(model)
    (input_scale, input_zero_point), (output_scale, output_zero_point) = inputs[0], outputs[0]
    x = input_scale * (np.arange(-128, 128) - input_zero_point)
    if approximate:
        y = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    else:
        y = 0.5 * x * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    return bool(np.all(np.abs(y) / output_scale + abs(output_zero_point) < 2.0**30))


def _from_bits(bits: int) -> float:
    return float(np.array([bits], np.uint32).view(np.float32)[0])


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    approximate = draw(st.booleans(), label="approximate")

    def direct(draw: st.DrawFn) -> tuple[QuantParams, QuantParams]:
        if draw(st.integers(0, 7), label="libm-sensitive scales") == 0:
            input_bits, output_bits = draw(st.sampled_from(SENSITIVE_SCALES[approximate]), label="scale bits")
            return QuantParams(_from_bits(input_bits), 0), QuantParams(_from_bits(output_bits), 0)
        input_scale = draw(st.one_of(st.floats(-5.0, 2.0).map(lambda e: float(np.float32(10.0**e))),
                                     st.sampled_from(ROUND_SCALES)), label="input scale")
        output_scale = float(np.float32(10.0 ** draw(st.floats(-4.0, 1.0), label="log10 output scale")))
        return (QuantParams(input_scale, draw(zero_point_strategy(), label="input zero point")),
                QuantParams(output_scale, draw(zero_point_strategy(), label="output zero point")))

    return draw(unary_case(OP, dtype, {"approximate": approximate}, direct,
                           model_usable=lambda model: _table_defined(model, approximate)), label="case")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-GELU models with their inputs."""
    return _case(dtype)
