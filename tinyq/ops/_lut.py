"""256-entry int8 lookup tables, as LiteRT's ``LUTPopulate<int8_t>`` (``detail::LUTPopulateInt8``) builds them.

For every input value ``v`` in -128..127, all in float32 arithmetic::

    dequantized = input_scale * float(v - input_zero_point)
    transformed = f(dequantized)                        # the op's float32 function
    rescaled    = roundf(transformed * (1.0f / output_scale))
    quantized   = int32(rescaled + float(output_zero_point))   # C conversion: truncation
    lut[uint8(v)] = clamp(quantized, -128, 127)

The table is indexed by the input's bit pattern read as uint8 (entries 0..127 hold v = 0..127,
128..255 hold v = -128..-1), so Eval is one gather.

The float32 functions are those of the C library: the reference calls ``tanhf``/``expf`` through
``std::tanh``/``std::exp`` on floats, and those are not correctly rounded everywhere (glibc 2.36's
``tanhf`` differs from the correctly rounded value for 2.8% of all float32 inputs, 20-50% of those
between 2**-25 and 1; its ``expf`` for 0.004%), which can move a table entry across a rounding
boundary -- e.g. TANH with input scale 0.0195337329 (bits 0x3ca00535), zero point 0, output scale
1/128 maps input 1 to 3 with glibc, to 2 when correctly rounded. :func:`tanhf` and :func:`expf`
therefore call the host C library's functions through ``ctypes`` -- the same ones LiteRT's
kernels link against -- and fall back to the correctly rounded float32 value (float64
computation, rounded once) only where no C math library can be loaded; such a table can then
differ from the host's LiteRT in rare entries.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import sys
from typing import Callable

import numpy as np

from tinyq import fixedpoint

_TWO_POW_31 = np.float32(2.0**31)


def _load_c_math_library() -> ctypes.CDLL | None:
    """The C library that provides ``tanhf``/``expf`` (libm, libSystem, the UCRT), or None."""
    names = [ctypes.util.find_library("m")]
    if sys.platform == "win32":
        names.append("ucrtbase")
    for name in names:
        if name is None:
            continue
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        if hasattr(library, "tanhf") and hasattr(library, "expf"):
            return library
    return None


def _c_float_function(library: ctypes.CDLL | None, name: str) -> Callable[[float], float] | None:
    if library is None:
        return None
    function = getattr(library, name)
    function.argtypes = [ctypes.c_float]
    function.restype = ctypes.c_float
    return function


_C_MATH = _load_c_math_library()
_C_TANHF = _c_float_function(_C_MATH, "tanhf")
_C_EXPF = _c_float_function(_C_MATH, "expf")


def _elementwise(function: Callable[[float], float], values: np.ndarray) -> np.ndarray:
    # One C call per table entry, at load time (256 calls per op).
    return np.fromiter((function(float(v)) for v in values.ravel()), dtype=np.float32,
                       count=values.size).reshape(values.shape)


def tanhf(values: np.ndarray) -> np.ndarray:
    """C ``tanhf`` of float32 values (``std::tanh(float)``), element-wise, as float32.

    On a host without a loadable C math library: the correctly rounded float32 value instead.
    """
    values = np.asarray(values, dtype=np.float32)
    if _C_TANHF is not None:
        return _elementwise(_C_TANHF, values)
    return np.tanh(values.astype(np.float64)).astype(np.float32)


def expf(values: np.ndarray) -> np.ndarray:
    """C ``expf`` of float32 values (``std::exp(float)``), element-wise, as float32.

    On a host without a loadable C math library: the correctly rounded float32 value instead
    (overflowing to +inf, as ``expf`` does).
    """
    values = np.asarray(values, dtype=np.float32)
    if _C_EXPF is not None:
        return _elementwise(_C_EXPF, values)
    with np.errstate(over="ignore"):
        return np.exp(values.astype(np.float64)).astype(np.float32)


def populate_int8_table(transform: Callable[[np.ndarray], np.ndarray], input_scale: float,
                        input_zero_point: int, output_scale: float, output_zero_point: int, *,
                        saturate: bool = False) -> np.ndarray:
    """``LUTPopulate<int8_t>``: the int8[256] table of ``transform``, indexed by the input's uint8 bit pattern.

    ``transform`` maps a float32 array to a float32 array (the op's float function). Raises
    ``ValueError`` when an entry's float->int32 conversion would be undefined in the reference
    (NaN or out of the int32 range, e.g. an output scale so small that ``1 / output_scale``
    overflows). With ``saturate=True`` only NaN raises: entries beyond the int32 range (infinities
    included) become 127 or -128 by sign, which is what LiteRT's x86-64 build computes for EXP and
    LOG (measured on thousands of such entries: the compiler folds the conversion and the clamp
    into one saturating step).
    """
    values = np.arange(-128, 128, dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        dequantized = np.float32(input_scale) * (values - input_zero_point).astype(np.float32)
        transformed = np.asarray(transform(dequantized), dtype=np.float32)
        inverse_scale = np.float32(1.0) / np.float32(output_scale)
        rescaled = fixedpoint.round_half_away_from_zero(transformed * inverse_scale)
        unconverted = rescaled + np.float32(output_zero_point)
    in_range = (unconverted >= -_TWO_POW_31) & (unconverted < _TWO_POW_31)  # False for NaN
    if saturate:
        in_range = ~np.isnan(unconverted)
        unconverted = np.clip(unconverted, -_TWO_POW_31, _TWO_POW_31 - 128)  # NaN stays NaN, then raises
    if not np.all(in_range):
        bad = int(values[np.argmin(in_range)])
        raise ValueError(f"the table entry for input {bad} is {unconverted[np.argmin(in_range)]!r} before the "
                         f"float->int32 conversion, which is undefined in the reference")
    quantized = fixedpoint.saturate(np.trunc(unconverted).astype(np.int64), np.int8)
    table = np.empty(256, dtype=np.int8)
    table[values.astype(np.int8).view(np.uint8)] = quantized
    return table


def lookup(table: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``LookupTable``: ``table[uint8(v)]`` for every int8 ``v`` (same shape, int8)."""
    return table[values.view(np.uint8)]


# ---------------------------------------------------------------------------------------------
# expm1f and erfcf (added for ELU and GELU)
# ---------------------------------------------------------------------------------------------

def _c_math_function(name: str) -> Callable[[float], float] | None:
    """The host C library's float32 function ``name`` (e.g. "expm1f"), or None where there is none."""
    if _C_MATH is None or not hasattr(_C_MATH, name):
        return None
    return _c_float_function(_C_MATH, name)


_C_EXPM1F = _c_math_function("expm1f")
_C_ERFCF = _c_math_function("erfcf")


def expm1f(values: np.ndarray) -> np.ndarray:
    """C ``expm1f`` of float32 values (``std::expm1(float)``), element-wise, as float32.

    On a host without a loadable C math library: the correctly rounded float32 value instead.
    """
    values = np.asarray(values, dtype=np.float32)
    if _C_EXPM1F is not None:
        return _elementwise(_C_EXPM1F, values)
    with np.errstate(over="ignore"):
        return np.expm1(values.astype(np.float64)).astype(np.float32)


def erfcf(values: np.ndarray) -> np.ndarray:
    """C ``erfcf`` of float32 values (``std::erfc(float)``), element-wise, as float32.

    On a host without a loadable C math library: ``math.erfc`` in float64 rounded once to float32
    (correctly rounded in all but astronomically rare cases).
    """
    values = np.asarray(values, dtype=np.float32)
    if _C_ERFCF is not None:
        return _elementwise(_C_ERFCF, values)
    return _elementwise(math.erfc, values.astype(np.float64))


# ---------------------------------------------------------------------------------------------
# logf (added for LOG)
# ---------------------------------------------------------------------------------------------

_C_LOGF = _c_math_function("logf")


def logf(values: np.ndarray) -> np.ndarray:
    """C ``logf`` of float32 values (``std::log(float)``), element-wise, as float32.

    On a host without a loadable C math library: the correctly rounded float32 value instead
    (-inf for 0, NaN for negative values, as ``logf``).
    """
    values = np.asarray(values, dtype=np.float32)
    if _C_LOGF is not None:
        return _elementwise(_C_LOGF, values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(values.astype(np.float64)).astype(np.float32)


def table_stages(table: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """``internals`` of a table op (see :mod:`tinyq.ops`): the int8[256] table (``lut_int8``,
    indexed by the input's uint8 bit pattern) and the ``lookup`` it gives, which is the op's output."""
    return {"lut_int8": table, "lookup": lookup(table, values)}


def tflm_fixed_point_table(function: str, input_scale: float, input_zero_point: int) -> np.ndarray:
    """TFLite Micro's int8 TANH or LOGISTIC (``reference_integer_ops::Tanh`` / ``Logistic``) for all 256
    inputs, as a table indexed like :func:`lookup`.

    Prepare: ``input_real_multiplier = double(input_scale) * 2**27``; ``frexp`` splits it into
    ``q * 2**input_left_shift`` and ``input_multiplier = round(q * 2**31)``; inputs at or beyond
    ``CalculateInputRadius(4, input_left_shift)`` from the zero point saturate. Otherwise the
    Q4.27 value ``MultiplyByQuantizedMultiplier(x - zp, input_multiplier, input_left_shift)``
    goes through gemmlowp's tanh (output Q0.7: ``RoundingDivideByPOT(raw, 24)``, zero point 0)
    or logistic (``RoundingDivideByPOT(raw, 23) - 128``). The output's own scale and zero point
    are not read (LOGISTIC requires zero point -128 in TFLM's Prepare).
    """
    input_integer_bits = 4
    mantissa, input_left_shift = np.frexp(np.float64(input_scale) * float(1 << (31 - input_integer_bits)))
    input_multiplier = int(fixedpoint.round_half_away_from_zero(np.float64(mantissa) * float(1 << 31)))
    radius = fixedpoint.calculate_input_radius(input_integer_bits, int(input_left_shift))
    codes = np.arange(256, dtype=np.int64).astype(np.uint8).view(np.int8).astype(np.int64)
    centred = codes - input_zero_point
    inside = np.clip(centred, -radius + 1, radius - 1)  # values outside are replaced below
    q4 = fixedpoint.multiply_by_quantized_multiplier(inside, input_multiplier, int(input_left_shift))
    if function == "tanh":
        result = fixedpoint.rounding_divide_by_pot(fixedpoint.gemmlowp_tanh(q4, input_integer_bits), 31 - 7)
    else:
        result = fixedpoint.rounding_divide_by_pot(fixedpoint.gemmlowp_logistic(q4, input_integer_bits), 31 - 8) - 128
    result = np.clip(result, -128, 127)
    result = np.where(centred <= -radius, -128, np.where(centred >= radius, 127, result))
    return result.astype(np.int8)
