"""MAX_POOL_2D cases: windows clipped at SAME edges, filters larger than the input, saturated data.

Geometry (``common.pool_geometry``): batch 1-2, 1-9 x 1-9 inputs, 1-4 channels, filters 1-11,
global pooling, strides 1-4, SAME/VALID, every fused activation.

* quantizer: a float pool quantized from calibration data of a random spread and offset (the
  last sample positive, so a fused RELU keeps a non-empty output range).
* direct: one scale (2**-24..2**13) and zero point (often at the range ends, which moves the
  activation clamp to the edges of the int8 range) shared by input and output, as the
  reference requires.

``common.integer_data`` puts -128 (the reference's initial maximum), 127 and the zero point into
many windows.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._pool import pool_case

OP = "MAX_POOL_2D"
DTYPES = ("int8",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """MAX_POOL_2D models with their inputs."""
    return pool_case(OP, dtype, False)
