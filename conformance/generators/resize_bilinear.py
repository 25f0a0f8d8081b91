"""RESIZE_BILINEAR cases: NHWC inputs of 1-6 rows and columns resized to 1-13 (up, down,
non-integer ratios), align_corners or half_pixel_centers or neither (LiteRT refuses both);
int8/int16 run the 10-bit fixed-point kernel, uint8/float32 the float one."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators.resize_nearest_neighbor import resize_case

OP = "RESIZE_BILINEAR"
DTYPES = ("int8", "uint8", "int16", "float32")


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RESIZE_BILINEAR models."""
    return resize_case(OP, dtype, both_flags=False)
