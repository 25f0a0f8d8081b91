"""REDUCE_MAX cases: ranks 0-6, axes negative, duplicated, empty or all, keep_dims, size-0 inputs; int8, uint8, int32.

* int8 quantizer: a float REDUCE_MAX quantized from calibration data (input and output share
  their quantization, as the op requires).
* int8 / uint8 direct: one scale and zero point shared by input and output (any scale, zero points
  often at the range ends), or no quantization at all; int32: unquantized. Data over the whole
  range with range ends and zero-point values, or a few values near the zero point (ties).

An empty reduction gives the dtype's minimum (the reference's init_value). Input and output with
different quantization are malformed (LiteRT fails at invoke), so never drawn.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._reductions import extremum_cases

OP = "REDUCE_MAX"
DTYPES = ("int8", "uint8", "int32")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """REDUCE_MAX models with their inputs."""
    return extremum_cases(OP, dtype)
