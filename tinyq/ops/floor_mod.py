"""FLOOR_MOD (int32): elementwise remainder taking the divisor's sign, with broadcasting.

LiteRT's reference kernel (``floor_mod.cc``, ``reference_ops::FloorMod``) first fails the invoke
if any divisor is 0 ("Division by 0"; tinyq raises ModelError), then computes the C remainder
``r = input1 % input2`` and adds ``input2`` when ``r`` is nonzero and its sign differs from the
divisor's -- Python's ``%``: ``-7 % 2 == 1``, ``7 % -2 == -1``. The result always fits int32.
There are no options and no fused activation; the broadcasting output shape follows
``_broadcast`` (up to 6-D).

Reference defect: ``INT32_MIN % -1`` is undefined in C++, and LiteRT's x86-64 build executes it
as a hardware division that traps, killing the process (SIGFPE). tinyq returns the mathematical
remainder, 0. The conformance generator cannot run that input against LiteRT and excludes it.

LiteRT also runs FLOOR_MOD on int8 tensors, but as plain integers that ignore the tensors'
quantization (the source marks quantization as not supported); tinyq does not offer that form.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._integer_binary import Int32Params, divisor_check, int32_output, prepare_int32


def prepare(ctx: OpContext) -> Plan:
    """The broadcast output shape (no options, no activation)."""
    return prepare_int32(ctx, fused_activation=False)


def evaluate(params: Int32Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Check the divisors, then take the floored remainder (broadcasting) in int64."""
    divisor_check(inputs[1], 0, "FLOOR_MOD")
    return [int32_output(params, np.remainder(inputs[0].astype(np.int64), inputs[1].astype(np.int64)))]
