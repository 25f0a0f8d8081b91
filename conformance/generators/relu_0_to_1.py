"""RELU_0_TO_1 cases: as RELU's direct ones (see :mod:`conformance.generators.relu`), with the bounds 0 and 1.

The official quantizer does not quantize RELU_0_TO_1, so every case is direct.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators.relu import relu_cases

OP = "RELU_0_TO_1"
DTYPES = ("int8",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RELU_0_TO_1 models with their inputs."""
    return relu_cases(OP, dtype, quantizer=False)
