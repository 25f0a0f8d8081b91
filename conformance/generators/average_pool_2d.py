"""AVERAGE_POOL_2D cases: windows clipped at SAME edges, filters larger than the input, ties in the average.

Geometry (``common.pool_geometry``): batch 1-2, 1-9 x 1-9 inputs, 1-4 channels, filters 1-11,
global pooling, strides 1-4, SAME/VALID, every fused activation.

* quantizer: a float pool quantized from calibration data of a random spread and offset (the
  last sample positive, so a fused RELU keeps a non-empty output range).
* direct: one scale (2**-24..2**13, sometimes a power of two) and zero point (often at the range
  ends, which moves the activation clamp to the edges of the int8 range) shared by input and
  output, as the reference requires.

Random data hits the rounding ties of ``(sum +- count / 2) / count`` often (windows of 2, 4, 6
... values); ``common.integer_data`` adds saturated values and zero points.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.case import Case
from conformance.generators._pool import pool_case

OP = "AVERAGE_POOL_2D"
DTYPES = ("int8",)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """AVERAGE_POOL_2D models with their inputs."""
    return pool_case(OP, dtype, True)
