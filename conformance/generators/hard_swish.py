"""HARD_SWISH cases: int8 tensors of rank 1-4, quantizer-made or with chosen input and output quantization.

* quantizer-made: a float HARD_SWISH calibrated over a centred or lopsided range;
* direct: power-of-two or any input scales 2**-20..2**12, output scales from just above input / 128
  (the reference refuses smaller ones) to 2**12 times that; in one case in four, scales where the
  reference misrounds (see :func:`reference_defect`): output scales 2**16.5..2**22 times input / 128,
  or input scales 2**-30..2**-23; zero points often at the range ends.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import QuantParams, operator_quantization
from conformance.generators._activation import (float32_quotient, quantize_multiplier_shift, unary_case,
                                                zero_point_strategy)

OP = "HARD_SWISH"
DTYPES = ("int8",)


def _direct(draw: st.DrawFn) -> tuple[QuantParams, QuantParams]:
    misrounding = draw(st.sampled_from(["none"] * 6 + ["output", "relu-ish"]), label="misrounding shift")
    low_input, high_input = (-30.0, -23.0) if misrounding == "relu-ish" else (-20.0, 12.0)
    low_ratio, high_ratio = (16.5, 22.0) if misrounding == "output" else (0.001, 12.0)
    if draw(st.booleans(), label="power-of-two scales"):
        input_scale = 2.0 ** draw(st.integers(int(low_input), int(high_input)), label="log2 input scale")
        output_scale = input_scale / 128 * 2.0 ** draw(st.integers(int(np.ceil(low_ratio)), int(high_ratio)),
                                                       label="log2 output / hires scale")
    else:
        input_scale = float(np.float32(2.0 ** draw(st.floats(low_input, high_input), label="log2 input scale")))
        output_scale = float(np.float32(input_scale / 128 * 2.0 ** draw(st.floats(low_ratio, high_ratio),
                                                                        label="log2 output / hires scale")))
    return (QuantParams(input_scale, draw(zero_point_strategy(), label="input zero point")),
            QuantParams(output_scale, draw(zero_point_strategy(), label="output zero point")))


def _output_scale_accepted(model: bytes) -> bool:
    """Whether the reference accepts the output scale: the multiplier input / 128 / output must quantize below one.

    A calibration range [-w, 0] with w above ~48 gives an output range [-0.375, 0] too narrow.
    """
    inputs, outputs = operator_quantization(model)
    hires_input_scale = float(np.float32(1 / 128) * np.float32(inputs[0][0]))
    return quantize_multiplier_shift(float32_quotient(hires_input_scale, outputs[0][0])) <= 0


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-HARD_SWISH models with their inputs."""
    return unary_case(OP, dtype, None, _direct, model_usable=_output_scale_accepted)


def misrounding_shifts(input_scale: float, output_scale: float) -> list[str]:
    """Which of HARD_SWISH's int16 RoundingDivideByPOT calls ("output", "relu-ish") shift by 16 bits or more."""
    hires_input_scale = float(np.float32(1 / 128) * np.float32(input_scale))
    shifts = {"output": -quantize_multiplier_shift(float32_quotient(hires_input_scale, output_scale)),
              "relu-ish": -quantize_multiplier_shift(float32_quotient(hires_input_scale, 3 / 32768))}
    return [f"{name} shift" for name, shift in shifts.items() if shift >= 16]


def reference_defect(case: Case) -> str | None:
    """gemmlowp's int16 RoundingDivideByPOT misrounds shifts of 16 bits or more (TFLite Micro alike)."""
    inputs, outputs = operator_quantization(case.model)
    shifts = misrounding_shifts(inputs[0][0], outputs[0][0])
    if not shifts:
        return None
    return (f"HARD_SWISH {' and '.join(shifts)} of 16+ bits: gemmlowp's int16 RoundingDivideByPOT narrows its mask "
            f"to int16 and then gives 1 for values >= 0 and -1 below, not 0 (e.g. the output zero point +-1 where "
            f"the correct result is the zero point). TFLite Micro shares the arithmetic; tinyq matches both")
