"""ARG_MIN (int8, uint8, int32, float32, bool -> int32/int64): index of the smallest value along a constant axis.

The reference's ``ArgMinMax`` with ``std::less`` (NaN-aware for float32): the first index of
the smallest value; NaN never chosen unless the whole row is NaN (index 0). Details: ``_arg_min_max``.

Reference defect (float32 with NaN): ai-edge-litert 2.3.0's BUILTIN_REF also runs the optimized
``ArgMinVector`` when the reduction is over the innermost non-trivial axis (every dimension after the
axis of size 1) of float32 data. For rows of 4 or more values its SIMD part (NEON, emulated with
SSE on x86) keeps four running lanes; a lane that holds only NaN spoils the final reduction, and
the kernel can return the index of a NaN or of a value that is not the extreme (ARG_MIN of
[NaN, inf, -3e38, 1] gives 0; the reference's general path and TensorFlow give 2). tinyq
follows the NaN-aware reference comparator for every axis. Rows without NaN agree on every path.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._arg_min_max import ArgMinMaxParams, arg_min_max, prepare_arg_min_max


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axis, check output_type against the output tensor."""
    params = prepare_arg_min_max(ctx)
    return Plan(params=params, output_shapes=[params.output_shape])


def evaluate(params: ArgMinMaxParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """First index of the smallest value along the axis."""
    return [arg_min_max(inputs[0], params, maximum=False)]
