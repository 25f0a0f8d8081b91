"""RELU cases: int8 tensors of rank 1-4, quantizer-made or with chosen input and output quantization.

* quantizer-made: a float RELU calibrated over a centred or lopsided range (the quantizer gives
  the output its own scale and zero point, so the op requantizes); ranges ending at or barely
  above 0 are left out (the output range collapses: see ``_activation.output_range_collapsed``);
* direct: power-of-two or any scales, multipliers input / output mostly 2**-12..2**12, else
  2**-34..2**30 (flushed to zero ... left shifts of 30 bits); zero points often at the range
  ends; output scales whose clamp bounds would overflow int32 are left out.

The other RELU ops (RELU6, RELU_N1_TO_1, RELU_0_TO_1) draw the same way with :func:`relu_cases`.
"""

from __future__ import annotations

from hypothesis import assume, strategies as st

from conformance.case import Case
from conformance.common import QuantParams, activation_fits, operator_quantization
from conformance.generators._activation import rescaling, unary_case, zero_point_strategy

OP = "RELU"
DTYPES = ("int8",)

# The fused activation whose clamp bounds (CalculateActivationRangeQuantized) each RELU op shares.
BOUNDS_LIKE = {"RELU": "RELU", "RELU6": "RELU6", "RELU_N1_TO_1": "RELU_N1_TO_1", "RELU_0_TO_1": "RELU_N1_TO_1"}


def relu_cases(op: str, dtype: str, quantizer: bool = True) -> st.SearchStrategy[Case]:
    """Cases of one RELU op; ``quantizer=False`` for RELU_0_TO_1, which the official quantizer refuses."""

    def direct(draw: st.DrawFn) -> tuple[QuantParams, QuantParams]:
        input_scale, output_scale = draw(rescaling(), label="scales")
        assume(activation_fits(BOUNDS_LIKE[op], output_scale))  # else the bound's float->int32 is undefined
        return (QuantParams(input_scale, draw(zero_point_strategy(), label="input zero point")),
                QuantParams(output_scale, draw(zero_point_strategy(), label="output zero point")))

    def model_usable(model: bytes) -> bool:
        return activation_fits(BOUNDS_LIKE[op], operator_quantization(model)[1][0][0])

    return unary_case(op, dtype, None, direct, quantizer=quantizer, model_usable=model_usable)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RELU models with their inputs."""
    return relu_cases(OP, dtype)
