"""LEAKY_RELU cases: int8 tensors of rank 1-4, any alpha (negative, zero, above one), quantizer-made or direct.

* alpha: common values (0.01 ... 0.3, 1, 2, negatives, 0) or any float32 in [-8, 8];
* quantizer-made: a float LEAKY_RELU calibrated over a centred or lopsided range;
* direct: as RELU's (power-of-two or any scales, multipliers 2**-34..2**24, zero points often at
  the range ends), leaving out alpha multipliers that need a left shift beyond 31 bits (undefined
  in the reference, refused by tinyq).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, strategies as st

from conformance.case import Case
from conformance.common import QuantParams
from conformance.generators._activation import (float32_quotient, quantize_multiplier_shift, rescaling, unary_case,
                                                zero_point_strategy)

OP = "LEAKY_RELU"
DTYPES = ("int8",)

ALPHAS = (0.0, 0.01, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, -0.1, -0.5, -1.0, -3.0)


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    alpha = draw(st.one_of(st.sampled_from(ALPHAS), st.floats(-8.0, 8.0, width=32)), label="alpha")

    def direct(draw: st.DrawFn) -> tuple[QuantParams, QuantParams]:
        input_scale, output_scale = draw(rescaling(max_log2_ratio=24.0), label="scales")
        alpha_multiplier = float32_quotient(float(np.float32(input_scale) * np.float32(alpha)), output_scale)
        assume(quantize_multiplier_shift(alpha_multiplier) <= 31)
        return (QuantParams(input_scale, draw(zero_point_strategy(), label="input zero point")),
                QuantParams(output_scale, draw(zero_point_strategy(), label="output zero point")))

    return draw(unary_case(OP, dtype, {"alpha": alpha}, direct), label="case")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-LEAKY_RELU models with their inputs."""
    return _case(dtype)
