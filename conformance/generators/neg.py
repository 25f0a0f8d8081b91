"""NEG cases: int8 and int16 (plain integers, or quantized so that -q negates the real value), int32,
int64 and float32.

int8/int16: half without quantization parameters (LiteRT negates plain integers, -min wrapping
to min), half quantized with one scale and opposite zero points (``output = -input``), the
only quantization for which LiteRT's negation of the stored values is the real negation (tinyq
refuses others). The data holds the type's minimum often: with quantization its negation is the
known reference defect (LiteRT wraps it to the minimum, tinyq saturates it to the maximum).
int32/int64 (ends included: -min wraps) and float32: plain data of rank 0-4, sometimes empty.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, quantization_params, scales, shapes
from conformance.generators._unary import plain_case, plain_data

OP = "NEG"
DTYPES = ("int8", "int16", "int32", "int64", "float32")


@st.composite
def _quantized_case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 4, 1, 6), label="shape")
    info = np.iinfo(np.dtype(dtype))
    zero_point = draw(st.sampled_from([0, 0, 1, -1, int(info.max)]) | st.integers(-int(info.max), int(info.max)),
                      label="input zero point")
    scale = draw(scales("extreme"), label="scale")
    input_quantization, output_quantization = QuantParams(scale, zero_point), QuantParams(scale, -zero_point)
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.dtype(dtype), input_quantization)
    builder.output(builder.op(OP, [x], shape, None, np.dtype(dtype), "output", output_quantization=output_quantization))
    params = {"origin": "direct", "shape": list(shape), **quantization_params("input", input_quantization),
              **quantization_params("output", output_quantization)}
    return Case(OP, dtype, params, builder.build(), [draw(plain_data(shape, dtype), label="input")])


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """NEG models of one dtype, with their inputs."""
    if dtype in ("int8", "int16"):
        return st.one_of(plain_case(OP, dtype), _quantized_case(dtype))
    return plain_case(OP, dtype)


def reference_defect(case: Case) -> str | None:
    """Quantized int8/int16 NEG of the type's minimum: LiteRT wraps -min to min."""
    if case.dtype not in ("int8", "int16") or "input_scale" not in case.params:
        return None
    if np.any(case.inputs[0] == np.iinfo(case.inputs[0].dtype).min):
        return ("quantized NEG of the type's minimum: LiteRT wraps -min to min (a real value of the wrong sign); "
                "tinyq saturates it to the maximum")
    return None
