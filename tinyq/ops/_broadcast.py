"""Output shape of a broadcasting binary op (ADD, MUL), as LiteRT's CalculateShapeForBroadcast.

Shapes are aligned at their last dimension; a missing leading dimension counts as 1. Two sizes
are compatible when they are equal or one of them is 1; the output takes the larger (0 when one
is 0, which only a 1 can broadcast to). When the two shapes are identical the output has that
shape and no broadcasting happens.

The reference's broadcasting loops are written for at most ``MAX_BROADCAST_RANK`` dimensions
(``BroadcastAdd6DSlow`` / ``BroadcastMul6DSlow``); LiteRT 2.3.0's newer loop also accepts 7-D and
8-D, but tinyq keeps to the 6-D contract the TFLite and TFLM kernels share. Identical shapes need
no broadcasting and may have any rank.
"""

from __future__ import annotations

from tinyq.errors import ModelError, UnsupportedOpError

MAX_BROADCAST_RANK = 6


def broadcast_shape(shape1: tuple[int, ...], shape2: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of an elementwise op on ``shape1`` and ``shape2``.

    Raises ModelError when the shapes are not broadcast-compatible, UnsupportedOpError when they
    differ and either has more than ``MAX_BROADCAST_RANK`` dimensions.
    """
    shape1 = tuple(int(d) for d in shape1)
    shape2 = tuple(int(d) for d in shape2)
    if shape1 == shape2:
        return shape1
    rank = max(len(shape1), len(shape2))
    if rank > MAX_BROADCAST_RANK:
        raise UnsupportedOpError(f"broadcasting shapes {list(shape1)} and {list(shape2)} needs {rank} dimensions; "
                                 f"tinyq broadcasts at most {MAX_BROADCAST_RANK}")
    padded1 = (1,) * (rank - len(shape1)) + shape1
    padded2 = (1,) * (rank - len(shape2)) + shape2
    output = []
    for axis, (size1, size2) in enumerate(zip(padded1, padded2)):
        if size1 != size2 and size1 != 1 and size2 != 1:
            raise ModelError(f"shapes {list(shape1)} and {list(shape2)} are not broadcastable: dimension {axis} of "
                             f"the aligned shapes has sizes {size1} and {size2} (they must be equal or one must be 1)")
        output.append(0 if size1 == 0 or size2 == 0 else max(size1, size2))
    return tuple(output)
