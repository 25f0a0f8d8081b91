"""ARG_MIN cases: ranks 1-6, every axis (negative too), int32/int64 axis tensors of shape [1] or scalar,
int32/int64 outputs; int8, uint8, int32, float32 and bool inputs.

* direct only (the quantizer does not handle ARG_MIN): 8-bit inputs quantized (any scale and zero
  point) or not; data over the whole range, or three values only (ties everywhere); float32 from
  a dozen values (ties, infinities, signed zeros, extremes, a denormal) and normal data, with no,
  some or much NaN; bool mostly false, mixed or mostly true. Now and then a size-0 dimension other than the axis (an empty output).

Known reference defect: float32 data along the innermost axis where a lane of LiteRT 2.3.0's SIMD
ArgMinVector holds only NaN (tinyq/ops/arg_min.py); compared with TFLite Micro instead (whose
int8/float ARG_MIN use the plain comparator; it keeps a leading NaN, so it may differ too).
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._reductions import arg_cases, arg_reference_defect

OP = "ARG_MIN"
DTYPES = ("int8", "uint8", "int32", "float32", "bool")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """ARG_MIN models with their inputs."""
    return arg_cases(OP, dtype)


def reference_defect(case: Case) -> str | None:
    """float32 cases on which LiteRT's SIMD ArgMinVector meets a lane holding only NaN."""
    return arg_reference_defect(case)
