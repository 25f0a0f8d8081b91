"""RESIZE_NEAREST_NEIGHBOR cases: NHWC inputs of 1-6 rows and columns resized to 1-13 (up, down,
non-integer ratios), align_corners and half_pixel_centers in all four combinations."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams
from conformance.generators._layout import layout_case

OP = "RESIZE_NEAREST_NEIGHBOR"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")


@st.composite
def resize_geometry(draw: st.DrawFn, both_flags: bool) -> dict:
    """Input shape, output size and the two flags of a resize case."""
    shape = [draw(st.integers(1, 2), label="batch"), draw(st.integers(1, 6), label="rows"),
             draw(st.integers(1, 6), label="columns"), draw(st.integers(1, 3), label="channels")]
    size = [draw(st.integers(1, 13), label="out rows"), draw(st.integers(1, 13), label="out columns")]
    align_corners = draw(st.booleans(), label="align_corners")
    half_pixel_centers = draw(st.booleans(), label="half_pixel_centers") and (both_flags or not align_corners)
    return {"shape": shape, "size": size, "align_corners": align_corners, "half_pixel_centers": half_pixel_centers}


@st.composite
def resize_case(draw: st.DrawFn, op: str, dtype: str, both_flags: bool) -> Case:
    """A single resize op on one NHWC input with a constant size."""
    geometry = draw(resize_geometry(both_flags), label="geometry")
    shape, size = geometry["shape"], geometry["size"]
    options = {"align_corners": geometry["align_corners"], "half_pixel_centers": geometry["half_pixel_centers"]}

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        size_tensor = builder.constant(np.array(size, np.int32), "size")
        builder.output(builder.op(op, [x, size_tensor], [shape[0], *size, shape[3]], options, data_type, "output",
                                  output_quantization=output_quantization))

    return draw(layout_case(op, dtype, [shape], build, geometry, same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RESIZE_NEAREST_NEIGHBOR models."""
    return resize_case(OP, dtype, both_flags=True)
