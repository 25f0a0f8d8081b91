"""Output sizes and padding of sliding-window ops (CONV_2D, DEPTHWISE_CONV_2D, pools).

Same arithmetic as TFLite's ComputePaddingHeightWidth / ComputeOutSize: SAME pads so that
out = ceil(in / stride), putting the odd extra padding after (bottom/right).
"""

from __future__ import annotations

from tinyq.errors import ModelError

SAME = 0  # tflite Padding.SAME
VALID = 1  # tflite Padding.VALID


def output_size(padding: int, in_size: int, filter_size: int, stride: int, dilation: int = 1) -> int:
    """Spatial output size for one dimension (TFLite ComputeOutSize)."""
    effective = (filter_size - 1) * dilation + 1
    if padding == SAME:
        return (in_size + stride - 1) // stride
    if padding == VALID:
        return (in_size + stride - effective) // stride
    raise ModelError(f"unknown padding type {padding}")


def padding_before(padding: int, in_size: int, filter_size: int, stride: int, dilation: int,
                   out_size: int) -> int:
    """Rows/columns of padding before the input in one dimension (TFLite ComputePadding)."""
    effective = (filter_size - 1) * dilation + 1
    total = max((out_size - 1) * stride + effective - in_size, 0)
    return total // 2 if padding == SAME else 0


def window_geometry(padding: int, in_size: int, filter_size: int, stride: int,
                    dilation: int = 1) -> tuple[int, int]:
    """(output size, padding before) for one spatial dimension; checks the parameters are usable."""
    if stride < 1 or dilation < 1 or filter_size < 1:
        raise ModelError(f"stride {stride}, dilation {dilation} and filter size {filter_size} must be at least 1")
    out = output_size(padding, in_size, filter_size, stride, dilation)
    if out < 1:
        raise ModelError(f"a window of {filter_size} (dilation {dilation}) with stride {stride} over {in_size} "
                         f"leaves no output")
    return out, padding_before(padding, in_size, filter_size, stride, dilation, out)
