"""GELU (int8): a 256-entry table built in Prepare from the exact or the tanh-approximate GELU.

LiteRT's reference (``activations.cc`` ``GeluPrepare``/``GeluEval``) builds the table with
``LUTPopulate<int8_t>`` (see :mod:`tinyq.ops._lut`) and looks every input up in it
(``LookupTable``). ``GeluOptions.approximate`` selects the float32 function
(``reference_ops::GeluTransform`` / ``GeluTransformApproximate``), evaluated left to right::

    exact:        0.5f * x * erfcf(x * float(-M_SQRT1_2))
    approximate:  0.5f * x * (1.0f + tanhf(kSqrt2dPi * (x + 0.044715f * x * x * x)))
                  with kSqrt2dPi = float(M_2_SQRTPI * M_SQRT1_2), sqrt(2 / pi) rounded once

``erfcf`` and ``tanhf`` are the host C library's, called through ctypes as LiteRT's kernel links
them. The exact form uses ``erfc`` of ``-x / sqrt(2)`` rather than ``1 + erf(x / sqrt(2))`` (no
cancellation for large negative x). Nothing about the quantization is checked; tinyq only
refuses an output scale that is not finite and positive, and a table whose float->int32
conversion would be undefined in the reference.

TFLite Micro has no GELU kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan, _lut

_HALF = np.float32(0.5)
_ONE = np.float32(1.0)
# The C library's double constants M_SQRT1_2 (1 / sqrt(2)) and M_2_SQRTPI (2 / sqrt(pi)).
_M_SQRT1_2 = 0.70710678118654752440
_M_2_SQRTPI = 1.12837916709551257390
_MINUS_SQRT1_2 = np.float32(-_M_SQRT1_2)  # static_cast<float>(-M_SQRT1_2)
_SQRT_2_OVER_PI = np.float32(_M_2_SQRTPI * _M_SQRT1_2)  # kSqrt2dPi: the double product, rounded to float
_CUBIC_COEFFICIENT = np.float32(0.044715)


def gelu_transform(values: np.ndarray) -> np.ndarray:
    """``GeluTransform``: ``0.5f * x * erfcf(x * float(-M_SQRT1_2))`` in float32."""
    values = np.asarray(values, dtype=np.float32)
    return (_HALF * values) * _lut.erfcf(values * _MINUS_SQRT1_2)


def gelu_transform_approximate(values: np.ndarray) -> np.ndarray:
    """``GeluTransformApproximate``: ``0.5f * x * (1 + tanhf(sqrt(2/pi) * (x + 0.044715f * x^3)))`` in float32."""
    values = np.asarray(values, dtype=np.float32)
    cubic_term = ((_CUBIC_COEFFICIENT * values) * values) * values
    return (_HALF * values) * (_ONE + _lut.tanhf(_SQRT_2_OVER_PI * (values + cubic_term)))


@dataclass(frozen=True)
class GeluParams:
    """The form used (``approximate``) and the int8 table (``lut_int8``), indexed by the input's uint8 bit pattern."""

    approximate: bool
    lut_int8: np.ndarray


def prepare(ctx: OpContext) -> Plan:
    """Build the table (LUTPopulate<int8_t>) of the chosen form."""
    operand, output = ctx.input(0), ctx.output(0)
    if not (np.isfinite(output.scale) and output.scale > 0):
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r}; GELU needs a "
                        f"finite positive output scale")
    approximate = bool(ctx.options.approximate)
    transform = gelu_transform_approximate if approximate else gelu_transform
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            table = _lut.populate_int8_table(transform, operand.scale, operand.zero_point, output.scale,
                                             output.zero_point)
    except ValueError as exc:
        raise ctx.unsupported(f"cannot build the GELU table: {exc}") from None
    return Plan(params=GeluParams(approximate=approximate, lut_int8=table), output_shapes=[operand.shape])


def evaluate(params: GeluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One table lookup per element."""
    return [_lut.lookup(params.lut_int8, inputs[0])]


def internals(params: GeluParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The table and the lookup through it (the output)."""
    return _lut.table_stages(params.lut_int8, inputs[0])
