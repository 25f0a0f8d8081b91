"""RELU6 cases: as RELU's (see :mod:`conformance.generators.relu`), with the bounds 0 and 6.

TFLite Micro's int8 RELU6 ignores the output quantization (it clamps the raw input codes), so it
disagrees with LiteRT wherever the output's scale or zero point differs from the input's: a TFLM
defect, not a reference one.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators.relu import relu_cases

OP = "RELU6"
DTYPES = ("int8",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RELU6 models with their inputs."""
    return relu_cases(OP, dtype)
