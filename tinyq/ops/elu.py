"""ELU (int8): ``expm1(x)`` for ``x < 0``, ``x`` otherwise, via a 256-entry table built in Prepare.

LiteRT's kernel (``activations.cc`` ``EluPrepare``/``EluEval``) builds the table with
``LUTPopulate<int8_t>`` (see :mod:`tinyq.ops._lut`) from the float32 function
``value < 0.0f ? std::expm1(value) : value`` -- ``expm1f`` of the host C library, which tinyq
calls too -- and looks every input up in it (``LookupTable``). Nothing about the quantization
is checked; tinyq only refuses an output scale that is not finite and positive, and a table
whose float->int32 conversion would be undefined in the reference.

Oracle: LiteRT's ``BUILTIN_REF`` resolver registers no ELU kernel at all (LiteRT 2.3.0 fails to
find one, for any op version); the only LiteRT ELU kernel is the builtin one above, which has no
separate reference variant. tinyq matches it as run by ``BUILTIN_WITHOUT_DEFAULT_DELEGATES``
(the default resolver applies XNNPACK, which builds its own table).

TFLite Micro builds its table from ``std::exp(value) - 1.0f`` instead of ``expm1``, which differs
from ``expm1f`` by float32 rounding (a lot for small |x|, where ``expf(x) - 1`` cancels), so its
entries can differ by one step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan, _lut


@dataclass(frozen=True)
class EluParams:
    """The int8 table (``lut_int8``), indexed by the input's bit pattern read as uint8."""

    lut_int8: np.ndarray


def _elu(values: np.ndarray) -> np.ndarray:
    """The reference's float32 ``value < 0.0f ? std::expm1(value) : value``."""
    return np.where(values < np.float32(0.0), _lut.expm1f(values), values)


def prepare(ctx: OpContext) -> Plan:
    """Build the table (LUTPopulate<int8_t>)."""
    operand, output = ctx.input(0), ctx.output(0)
    if not (np.isfinite(output.scale) and output.scale > 0):
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r}; ELU needs a "
                        f"finite positive output scale")
    try:
        table = _lut.populate_int8_table(_elu, operand.scale, operand.zero_point, output.scale, output.zero_point)
    except ValueError as exc:
        raise ctx.unsupported(f"cannot build the ELU table: {exc}") from None
    return Plan(params=EluParams(lut_int8=table), output_shapes=[operand.shape])


def evaluate(params: EluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One table lookup per element."""
    return [_lut.lookup(params.lut_int8, inputs[0])]


def internals(params: EluParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The table and the lookup through it (the output)."""
    return _lut.table_stages(params.lut_int8, inputs[0])
