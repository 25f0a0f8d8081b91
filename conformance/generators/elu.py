"""ELU cases: int8 tensors of rank 1-4 with chosen input and output quantization.

The official quantizer does not quantize ELU, so every case is direct: input scale log-uniform
over 1e-5..100 or round values, output scale 1e-4..10, any zero points, plus scale pairs at which
the C library's expm1f and the correctly rounded value would change a table entry. A quarter of
the cases feed every int8 value, comparing all 256 table entries.

LiteRT BUILTIN_REF registers no ELU kernel (LiteRT 2.3.0 fails to find one for any version), so
every case is reported under :func:`reference_defect`; tinyq matches LiteRT's only ELU kernel,
the builtin one (run it with ``OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES``; the default
resolver hands ELU to XNNPACK, which builds its own table). TFLite Micro builds its table from
``expf(x) - 1`` rather than ``expm1f(x)`` and differs by one step on rare entries.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import QuantParams
from conformance.generators._activation import unary_case, zero_point_strategy

OP = "ELU"
DTYPES = ("int8",)

ROUND_SCALES = (1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0)
# (input scale, output scale) float32 bit patterns, zero points 0, at which glibc 2.36's expm1f
# and the correctly rounded value give different table entries.
SENSITIVE_SCALES = ((0x3C4A3906, 0x3BE8C879), (0x3F49EDDE, 0x3CD521FD), (0x3DABC120, 0x3C8B57D1))


def _from_bits(bits: int) -> float:
    return float(np.array([bits], np.uint32).view(np.float32)[0])


def _direct(draw: st.DrawFn) -> tuple[QuantParams, QuantParams]:
    if draw(st.integers(0, 7), label="libm-sensitive scales") == 0:
        input_bits, output_bits = draw(st.sampled_from(SENSITIVE_SCALES), label="scale bits")
        return QuantParams(_from_bits(input_bits), 0), QuantParams(_from_bits(output_bits), 0)
    input_scale = draw(st.one_of(st.floats(-5.0, 2.0).map(lambda e: float(np.float32(10.0**e))),
                                 st.sampled_from(ROUND_SCALES)), label="input scale")
    output_scale = float(np.float32(10.0 ** draw(st.floats(-4.0, 1.0), label="log10 output scale")))
    return (QuantParams(input_scale, draw(zero_point_strategy(), label="input zero point")),
            QuantParams(output_scale, draw(zero_point_strategy(), label="output zero point")))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-ELU models with their inputs."""
    return unary_case(OP, dtype, None, _direct, quantizer=False)


def reference_defect(case: Case) -> str | None:
    """Every ELU case: BUILTIN_REF has no ELU kernel."""
    return ("LiteRT BUILTIN_REF registers no ELU kernel (\"Didn't find op for builtin opcode 'ELU'\"); tinyq "
            "matches LiteRT's builtin ELU kernel (BUILTIN_WITHOUT_DEFAULT_DELEGATES), the only one LiteRT has")
