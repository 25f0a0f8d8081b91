"""LESS_EQUAL cases: quantized int8/uint8 inputs with different scales (quantizer-made, chosen, simple
ratios that make ties, every-pair grids), and stored-value int32, int64, float32; broadcasting
up to 6-D with size-1 and empty dimensions. See ``_comparison``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._comparison import comparison_cases, comparison_reference_defect

OP = "LESS_EQUAL"
DTYPES = ("int8", "uint8", "int32", "int64", "float32")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """LESS_EQUAL models with their inputs."""
    return comparison_cases(OP, dtype)


def reference_defect(case: Case) -> str | None:
    """Quantized cases with an input scale above 1 (see ``_comparison.comparison_reference_defect``)."""
    return comparison_reference_defect(case)
