"""Integer fixed-point core shared by every tinyq kernel: requantization and gemmlowp helpers.

Everything here reproduces, bit for bit, the integer arithmetic of the official kernels:

* ``QuantizeMultiplier`` and friends (LiteRT ``kernels/internal/quantization_util.cc``) turn a
  real rescaling factor into an int32 multiplier with 31 fractional bits and a power-of-two shift.
* ``MultiplyByQuantizedMultiplier`` (``kernels/internal/common.cc``/``common.h``) applies it, in the
  default double-rounding form built from gemmlowp's ``SaturatingRoundingDoublingHighMul`` and
  ``RoundingDivideByPOT``, in the ``TFLITE_SINGLE_ROUNDING`` form, and in the int64-accumulator
  form used by the int16x8 kernels.
* The gemmlowp fixed-point functions (``gemmlowp/fixedpoint/fixedpoint.h``) that the quantized
  SOFTMAX (and TFLite Micro's LOGISTIC/TANH) build on, and TFLite's ``GetReciprocal``.

Conventions: the vectorized functions take numpy integer arrays or Python ints, broadcast their
arguments against each other (a per-channel multiplier/shift array lines up with the channel
axis of ``x``), compute in int64 and return int64 arrays; callers cast to the tensor type.
Values that the C++ holds in ``int32_t`` are converted to int32 the way the C++ does (two's
complement wrap-around, as every supported compiler does for signed overflow and narrowing).
Shift counts for which the C++ would be undefined raise ``ValueError`` instead of guessing.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1

# gemmlowp Q2.29 constants for the Newton-Raphson reciprocal (one_over_one_plus_x_for_x_in_0_1).
_Q2_48_OVER_17 = 1515870810
_Q2_NEG_32_OVER_17 = -1010580540
_Q2_ONE = 1 << 29
# gemmlowp Q0.31 constants of exp_on_interval_between_negative_one_quarter_and_0_excl.
_Q0_EXP_MINUS_ONE_EIGHTH = 1895147668
_Q0_ONE_THIRD = 715827883
_Q0_ONE_EIGHTH = 1 << 28
# exp_on_negative_values' barrel shifter: (k, Q0.31 of exp(-2**k)) for k = -2..4.
_EXP_BARREL_SHIFTER = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                       (2, 39332535), (3, 720401), (4, 242))


def _as_int64(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _wrap_int32(values: np.ndarray) -> np.ndarray:
    """Two's-complement narrowing of int64 values to the int32 range (the C++ int32_t conversion)."""
    return ((values & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def _check_range(name: str, values: np.ndarray, low: int, high: int) -> None:
    if np.any(values < low) or np.any(values > high):
        raise ValueError(f"{name} must lie in [{low}, {high}], got {values}")


# ---------------------------------------------------------------------------------------------
# Rounding and saturation
# ---------------------------------------------------------------------------------------------

def round_half_away_from_zero(x: ArrayLike) -> np.ndarray | float:
    """C ``std::round`` (``TfLiteRound``): round to nearest, ties away from zero.

    Float32 and float64 inputs keep their dtype (the rounding is exact in either); other inputs
    are rounded as float64. A Python float gives a Python float, a numpy scalar a numpy scalar.
    numpy's ``np.round`` rounds ties to even and must not be used for this.
    """
    values = np.asarray(x)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float64)
    truncated = np.trunc(values)
    # x - trunc(x) is exact in floating point, so the tie test is exact too (inf - inf is NaN: kept).
    with np.errstate(invalid="ignore"):
        rounded = np.where(np.abs(values - truncated) >= 0.5, truncated + np.sign(values), truncated)
    if type(x) is float:
        return float(rounded)
    return rounded if rounded.ndim else rounded[()]


def saturate(x: ArrayLike, dtype: DTypeLike) -> np.ndarray:
    """Clamp integer values to the range of the integer ``dtype`` and cast to it."""
    target = np.dtype(dtype)
    if target.kind not in "iu":
        raise ValueError(f"saturate needs an integer dtype, got {target}")
    limits = np.iinfo(target)
    return np.clip(np.asarray(x), limits.min, limits.max).astype(target)


# ---------------------------------------------------------------------------------------------
# QuantizeMultiplier
# ---------------------------------------------------------------------------------------------

def quantize_multipliers(real_multipliers: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized ``QuantizeMultiplier``: float64 reals -> (int32 multipliers, shifts) as int64 arrays.

    Per element: ``q, e = frexp(m)``; ``M = round_half_away(q * 2**31)``; a round-up to exactly
    ``2**31`` becomes ``(2**30, e + 1)``; shifts below -31 flush to ``(0, 0)`` (this test comes after
    the round-up, as upstream); ``m == 0`` gives ``(0, 0)``. ``m ~= M * 2**(shift - 31)``, positive
    shift meaning a left shift. Negative reals give negative multipliers. Non-finite reals raise
    ``ValueError`` (the C++ conversion would be undefined).
    """
    reals = np.asarray(real_multipliers, dtype=np.float64)
    if not np.all(np.isfinite(reals)):
        raise ValueError(f"real multipliers must be finite, got {reals}")
    fraction, exponent = np.frexp(reals)  # fraction in [0.5, 1) in magnitude; frexp(0) == (0, 0)
    # fraction * 2**31 is exact in float64, so this is TfLiteRound(q * (1LL << 31)).
    multiplier = np.asarray(round_half_away_from_zero(np.ldexp(fraction, 31))).astype(np.int64)
    shift = exponent.astype(np.int64)
    carried = multiplier == (1 << 31)
    multiplier = np.where(carried, multiplier // 2, multiplier)
    shift = shift + carried
    flushed = shift < -31
    return np.where(flushed, 0, multiplier), np.where(flushed, 0, shift)


def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """``QuantizeMultiplier`` for one real: returns ``(multiplier, shift)`` as Python ints.

    See :func:`quantize_multipliers` for the arithmetic (the same code, one element).
    """
    multiplier, shift = quantize_multipliers(np.float64(real_multiplier))
    return int(multiplier), int(shift)


def quantize_multiplier_smaller_than_one_exp(real_multiplier: float) -> tuple[int, int]:
    """``QuantizeMultiplierSmallerThanOneExp``: ``0 < m < 1`` -> ``(multiplier, shift <= 0)``.

    Upstream's ``TFLITE_CHECK``s become ``ValueError``: ``m`` outside (0, 1), and also an ``m`` so
    close to 1 that it rounds up to ``(2**30, 1)``.
    """
    if not 0.0 < real_multiplier < 1.0:
        raise ValueError(f"expected 0 < multiplier < 1, got {real_multiplier}")
    multiplier, shift = quantize_multiplier(real_multiplier)
    if shift > 0:
        raise ValueError(f"multiplier {real_multiplier} rounds up to 1.0 (shift {shift})")
    return multiplier, shift


def quantize_multiplier_greater_than_one(real_multiplier: float) -> tuple[int, int]:
    """``QuantizeMultiplierGreaterThanOne``: ``m > 1`` -> ``(multiplier, shift >= 0)``.

    ``m <= 1`` (upstream's ``TFLITE_CHECK_GT``) raises ``ValueError``.
    """
    if not real_multiplier > 1.0:
        raise ValueError(f"expected multiplier > 1, got {real_multiplier}")
    return quantize_multiplier(real_multiplier)


# ---------------------------------------------------------------------------------------------
# gemmlowp primitives
# ---------------------------------------------------------------------------------------------

def saturating_rounding_doubling_high_mul(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int32 values: ``round(a * b / 2**31)``.

    The reference adds a nudge of ``2**30`` (``1 - 2**30`` for negative products) and divides
    with C truncation; that equals ``floor((a*b + 2**30) / 2**31)``, i.e. ties round toward
    +infinity (not away from zero). The single overflow, ``INT32_MIN * INT32_MIN``, saturates to
    ``INT32_MAX``.
    """
    high = (_as_int64(a) * _as_int64(b) + (1 << 30)) >> 31
    return np.minimum(high, INT32_MAX)


def rounding_divide_by_pot(x: ArrayLike, exponent: ArrayLike) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT``: ``x / 2**exponent`` rounded half away from zero.

    ``exponent`` (scalar or array, broadcast against ``x``) must lie in gemmlowp's [0, 31]; larger
    ones raise ``ValueError``. (Observed: int8 SOFTMAX reaches exponent 32 once a row's sum of
    exps is >= 512, e.g. 512 equal logits, and both LiteRT BUILTIN_REF and TFLM then abort.)
    """
    values = _as_int64(x)
    exponents = _as_int64(exponent)
    _check_range("RoundingDivideByPOT exponent", exponents, 0, 31)
    mask = (np.int64(1) << exponents) - 1
    remainder = values & mask
    threshold = (mask >> 1) + (values < 0)
    return (values >> exponents) + (remainder > threshold)


def saturating_rounding_multiply_by_pot(x: ArrayLike, exponent: int) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingMultiplyByPOT<exponent>`` on int32 values.

    A positive exponent is a left shift saturating to the int32 range, a negative one a
    :func:`rounding_divide_by_pot`, zero the identity.
    """
    values = _as_int64(x)
    if exponent > 0:
        if exponent > 31:
            raise ValueError(f"exponent must be at most 31, got {exponent}")
        return np.clip(values << exponent, INT32_MIN, INT32_MAX)
    if exponent < 0:
        return rounding_divide_by_pot(values, -exponent)
    return values


def rescale(x: ArrayLike, src_integer_bits: int, dst_integer_bits: int) -> np.ndarray:
    """gemmlowp ``Rescale<dst>`` of a ``FixedPoint<int32, src>`` raw value (saturating/rounding)."""
    return saturating_rounding_multiply_by_pot(x, src_integer_bits - dst_integer_bits)


def _rounding_half_sum(a: np.ndarray, b: ArrayLike) -> np.ndarray:
    """gemmlowp ``RoundingHalfSum`` (int32): ``(a + b + sign) / 2`` with C truncating division."""
    total = a + _as_int64(b)
    return np.where(total >= 0, (total + 1) >> 1, -((1 - total) >> 1))


# ---------------------------------------------------------------------------------------------
# MultiplyByQuantizedMultiplier
# ---------------------------------------------------------------------------------------------

ROUNDINGS = ("double", "single")
# The build-wide rounding of MultiplyByQuantizedMultiplier (TFLITE_SINGLE_ROUNDING or not), as the
# interpreter sets it for the Prepare and Eval of one program (``Interpreter(rounding=...)``).
_ROUNDING: contextvars.ContextVar[str] = contextvars.ContextVar("tinyq_rounding", default="double")


@contextlib.contextmanager
def rounding_mode(rounding: str) -> Iterator[None]:
    """Within the block, every MultiplyByQuantizedMultiplier variant rounds as ``rounding``.

    ``"double"`` is every shipped LiteRT/TFLM build; ``"single"`` is a ``TFLITE_SINGLE_ROUNDING``
    build, where ``MultiplyByQuantizedMultiplierSmallerThanOneExp`` and ``...GreaterThanOne`` are
    also the single-rounding ``MultiplyByQuantizedMultiplier``.
    """
    if rounding not in ROUNDINGS:
        raise ValueError(f"unknown rounding {rounding!r}; expected one of {', '.join(ROUNDINGS)}")
    token = _ROUNDING.set(rounding)
    try:
        yield
    finally:
        _ROUNDING.reset(token)


def current_rounding() -> str:
    """The rounding :func:`rounding_mode` set (``"double"`` outside any block)."""
    return _ROUNDING.get()

def multiply_by_quantized_multiplier(x: ArrayLike, multiplier: ArrayLike, shift: ArrayLike, *,
                                     rounding: str | None = None) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier(int32 x, M, shift)``: ``x * M * 2**(shift - 31)``, rounded.

    ``rounding`` None means the one :func:`rounding_mode` sets (double by default).

    ``rounding="double"`` (every shipped LiteRT/TFLM build):
    ``RDBPOT(SRDHM(x * 2**max(shift, 0), M), max(-shift, 0))``, the left shift wrapping in int32
    as the C++ ``x * (1 << left_shift)`` does; ``shift`` must lie in [-31, 31].

    ``rounding="single"`` (``TFLITE_SINGLE_ROUNDING``):
    ``(int64(x) * M + 2**(30 - shift)) >> (31 - shift)``, an arithmetic shift, so ties round
    toward +infinity; ``shift`` must lie in [-31, 30] (upstream's ``TFLITE_DCHECK``; the
    single-rounding ``QuantizeMultiplier`` saturates larger shifts to ``(2**31 - 1, 30)``, which
    :func:`quantize_multiplier` does not). The result is narrowed to int32 by wrap-around, as the
    release build's ``static_cast<int32_t>`` does when the debug range check is compiled out.

    ``x`` is narrowed to int32 first (the C++ parameter type). ``multiplier`` and ``shift`` may be
    per-channel arrays broadcast against ``x``.
    """
    if rounding is None:
        rounding = _ROUNDING.get()
    values = _wrap_int32(_as_int64(x))
    multipliers = _as_int64(multiplier)
    shifts = _as_int64(shift)
    if rounding == "double":
        _check_range("shift", shifts, -31, 31)
        left_shifted = _wrap_int32(values << np.maximum(shifts, 0))
        return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(left_shifted, multipliers),
                                      np.maximum(-shifts, 0))
    if rounding == "single":
        _check_range("shift", shifts, -31, 30)
        total_shifts = 31 - shifts
        return _wrap_int32((values * multipliers + (np.int64(1) << (total_shifts - 1))) >> total_shifts)
    raise ValueError(f"unknown rounding {rounding!r}; expected 'double' or 'single'")


def multiply_by_quantized_multiplier_smaller_than_one(x: ArrayLike, multiplier: ArrayLike,
                                                      shift: ArrayLike) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierSmallerThanOneExp``: ``RDBPOT(SRDHM(x, M), -shift)``, shift in [-31, 0].

    Under ``rounding_mode("single")`` the single-rounding ``MultiplyByQuantizedMultiplier``.
    """
    if _ROUNDING.get() == "single":
        return multiply_by_quantized_multiplier(x, multiplier, shift, rounding="single")
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(_wrap_int32(_as_int64(x)), multiplier),
                                  -_as_int64(shift))


def multiply_by_quantized_multiplier_greater_than_one(x: ArrayLike, multiplier: ArrayLike,
                                                      shift: ArrayLike) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierGreaterThanOne``: ``SRDHM(x * 2**shift, M)``, shift in [0, 31].

    The left shift wraps in int32 as the C++ ``x * (1 << left_shift)`` does. Under
    ``rounding_mode("single")`` the single-rounding ``MultiplyByQuantizedMultiplier``.
    """
    if _ROUNDING.get() == "single":
        return multiply_by_quantized_multiplier(x, multiplier, shift, rounding="single")
    shifts = _as_int64(shift)
    _check_range("shift", shifts, 0, 31)
    return saturating_rounding_doubling_high_mul(_wrap_int32(_wrap_int32(_as_int64(x)) << shifts), multiplier)


def multiply_by_quantized_multiplier_int64(x: ArrayLike, multiplier: ArrayLike, shift: ArrayLike) -> np.ndarray:
    """``MultiplyByQuantizedMultiplier(int64 x, M, shift)``, the int16x8 CONV/DEPTHWISE/FC/TRANSPOSE_CONV path.

    The multiplier is cut to 16 bits, ``Mr = (M + 2**15) >> 16`` (``0x7FFF`` from ``0x7FFF0000``
    up), then ``(x * Mr + 2**(t - 1)) >> t`` with ``t = 15 - shift``, narrowed to int32 by
    wrap-around. Both rounding builds do the same. Upstream documents ``shift`` in [-31, 7] and
    ``|x| < 2**47``; shifts up to 14 are still well defined and accepted, larger ones raise.
    """
    values = _as_int64(x)
    multipliers = _as_int64(multiplier)
    shifts = _as_int64(shift)
    _check_range("shift", shifts, -31, 14)
    reduced_multipliers = np.where(multipliers < 0x7FFF0000, (multipliers + (1 << 15)) >> 16, 0x7FFF)
    total_shifts = 15 - shifts
    return _wrap_int32((values * reduced_multipliers + (np.int64(1) << (total_shifts - 1))) >> total_shifts)


# ---------------------------------------------------------------------------------------------
# Activation range
# ---------------------------------------------------------------------------------------------

# TFLite schema ActivationFunctionType codes handled by CalculateActivationRangeQuantized.
_ACTIVATION_NONE, _ACTIVATION_RELU, _ACTIVATION_RELU_N1_TO_1, _ACTIVATION_RELU6 = 0, 1, 2, 3


def _quantize_activation_bound(value: float, scale: float, zero_point: int) -> int:
    """kernel_util.cc ``Quantize``: ``zero_point + int32(std::round(float(value) / float(scale)))``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scaled = round_half_away_from_zero(np.float32(value) / np.float32(scale))
    # TF_LITE_ENSURE(no_integer_overflow_from_quantization), which also fails on NaN.
    if not np.float32(INT32_MIN) <= scaled <= np.float32(INT32_MAX):
        raise ValueError(f"activation bound {value} / scale {scale} overflows int32")
    return zero_point + int(scaled)


def activation_range(activation: int, scale: float, zero_point: int, dtype: DTypeLike) -> tuple[int, int]:
    """``CalculateActivationRangeQuantized``: the clamp ``(act_min, act_max)`` of a fused activation.

    ``activation`` is the schema ``ActivationFunctionType`` code: 0 NONE (the dtype's range),
    1 RELU, 2 RELU_N1_TO_1, 3 RELU6; the bounds 0, 6, -1, 1 are quantized in float32 with
    ``std::round`` and clamped into the dtype's range. Other codes (TANH, SIGN_BIT, ...) raise
    ``ValueError``: upstream silently treats them as NONE in quantized kernels, which is not a
    fused activation tinyq will pretend to apply. An out-of-int32 bound (a tiny scale) raises
    ``ValueError`` like upstream's ``TF_LITE_ENSURE``.
    """
    limits = np.iinfo(np.dtype(dtype))
    qmin, qmax = int(limits.min), int(limits.max)
    if activation == _ACTIVATION_NONE:
        return qmin, qmax
    if activation == _ACTIVATION_RELU:
        return max(qmin, _quantize_activation_bound(0.0, scale, zero_point)), qmax
    if activation == _ACTIVATION_RELU6:
        return (max(qmin, _quantize_activation_bound(0.0, scale, zero_point)),
                min(qmax, _quantize_activation_bound(6.0, scale, zero_point)))
    if activation == _ACTIVATION_RELU_N1_TO_1:
        return (max(qmin, _quantize_activation_bound(-1.0, scale, zero_point)),
                min(qmax, _quantize_activation_bound(1.0, scale, zero_point)))
    raise ValueError(f"unsupported fused activation code {activation}")


# ---------------------------------------------------------------------------------------------
# gemmlowp fixed-point functions (SOFTMAX, TFLM LOGISTIC/TANH)
# ---------------------------------------------------------------------------------------------

def exp_on_interval_between_negative_one_quarter_and_0_excl(a: ArrayLike) -> np.ndarray:
    """gemmlowp ``exp_on_interval_between_negative_one_quarter_and_0_excl``: Q0.31 in [-1/4, 0) -> Q0.31.

    A 4th-order Taylor expansion around -1/8; fixed-point ``+``/``-`` wrap in int32 as gemmlowp's
    plain ``Add`` does.
    """
    x = _wrap_int32(_as_int64(a) + _Q0_ONE_EIGHTH)
    x2 = saturating_rounding_doubling_high_mul(x, x)
    x3 = saturating_rounding_doubling_high_mul(x2, x)
    x4 = saturating_rounding_doubling_high_mul(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    x4_over_24_plus_x3_over_6_plus_x2_over_2 = rounding_divide_by_pot(
        _wrap_int32(saturating_rounding_doubling_high_mul(_wrap_int32(x4_over_4 + x3), _Q0_ONE_THIRD) + x2), 1)
    return _wrap_int32(_Q0_EXP_MINUS_ONE_EIGHTH + saturating_rounding_doubling_high_mul(
        _Q0_EXP_MINUS_ONE_EIGHTH, _wrap_int32(x + x4_over_24_plus_x3_over_6_plus_x2_over_2)))


def exp_on_negative_values(a: ArrayLike, integer_bits: int) -> np.ndarray:
    """gemmlowp ``exp_on_negative_values`` for ``FixedPoint<int32, integer_bits>`` raw values ``<= 0``.

    Returns Q0.31 raw values: ``exp`` of the quarter-interval remainder, multiplied by the
    ``exp(-2**k)`` constants selected by the bits of the rest, 0 below -32 when
    ``integer_bits > 5``, and ``INT32_MAX`` (one) for ``a == 0``. ``integer_bits`` in [0, 29].
    """
    if not 0 <= integer_bits <= 29:
        raise ValueError(f"integer_bits must lie in [0, 29], got {integer_bits}")
    values = _as_int64(a)
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    a_mod_quarter_minus_one_quarter = (values & (one_quarter - 1)) - one_quarter
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0))
    remainder = _wrap_int32(a_mod_quarter_minus_one_quarter - values)
    for exponent, exp_multiplier in _EXP_BARREL_SHIFTER:
        if integer_bits > exponent:
            selected = (remainder & (1 << (fractional_bits + exponent))) != 0
            result = np.where(selected, saturating_rounding_doubling_high_mul(result, exp_multiplier), result)
    if integer_bits > 5:
        result = np.where(values < -(1 << (fractional_bits + 5)), 0, result)  # below -32: exp is 0
    return np.where(values == 0, INT32_MAX, result)


def one_over_one_plus_x_for_x_in_0_1(a: ArrayLike) -> np.ndarray:
    """gemmlowp ``one_over_one_plus_x_for_x_in_0_1``: Q0.31 ``x`` in [0, 1) -> Q0.31 ``1 / (1 + x)``.

    Newton-Raphson on the half denominator in Q2.29, three iterations from 48/17 - 32/17 * d.
    """
    half_denominator = _rounding_half_sum(_as_int64(a), INT32_MAX)  # RoundingHalfSum(a, F0::One())
    x = _wrap_int32(_Q2_48_OVER_17 + saturating_rounding_doubling_high_mul(half_denominator, _Q2_NEG_32_OVER_17))
    for _ in range(3):
        half_denominator_times_x = saturating_rounding_doubling_high_mul(half_denominator, x)
        one_minus_half_denominator_times_x = _wrap_int32(_Q2_ONE - half_denominator_times_x)
        x = _wrap_int32(x + rescale(saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 4, 2))
    # ExactMulByPot<-1> relabels Q2.29 as Q1.30; Rescale<0> then shifts it into Q0.31.
    return rescale(x, 1, 0)


def count_leading_zeros(x: ArrayLike) -> np.ndarray:
    """``CountLeadingZeros`` of the uint32 reinterpretation of ``x`` (32 for zero)."""
    unsigned = _as_int64(x) & 0xFFFFFFFF
    _, bit_length = np.frexp(unsigned.astype(np.float64))  # exact: uint32 values fit a float64
    return 32 - bit_length.astype(np.int64)


def get_reciprocal(x: ArrayLike, x_integer_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite ``GetReciprocal``: ``(shifted_scale, num_bits_over_unit)`` for a positive Q``x_integer_bits`` ``x``.

    ``x`` is normalized to ``1 + f`` with ``f`` in [0, 1) by a left shift of its leading zeros;
    ``shifted_scale`` is the Q0.31 ``1 / (1 + f)`` and ``1 / x = shifted_scale * 2**-num_bits_over_unit``
    with ``num_bits_over_unit = x_integer_bits - count_leading_zeros(x)``.
    """
    unsigned = _as_int64(x) & 0xFFFFFFFF
    headroom_plus_one = count_leading_zeros(unsigned)
    num_bits_over_unit = x_integer_bits - headroom_plus_one
    # uint32 arithmetic, then reinterpreted as int32: (x << headroom) - 2**31.
    shifted_sum_minus_one = _wrap_int32(((unsigned << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


# ---------------------------------------------------------------------------------------------
# Rounded integer division (added for AVERAGE_POOL_2D)
# ---------------------------------------------------------------------------------------------

def divide_round_half_away_from_zero(numerator: ArrayLike, denominator: ArrayLike) -> np.ndarray:
    """``numerator / denominator`` rounded to nearest, ties away from zero, for ``denominator > 0``.

    The reference AveragePool's ``acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n`` with C
    truncating division: adding half the (truncated) count before truncating toward zero is
    exactly round-half-away-from-zero of ``acc / n``. Inputs broadcast; returns int64.
    """
    numerators = _as_int64(numerator)
    denominators = _as_int64(denominator)
    if np.any(denominators <= 0):
        raise ValueError(f"denominators must be positive, got {denominators}")
    magnitudes = (np.abs(numerators) + denominators // 2) // denominators
    return np.where(numerators < 0, -magnitudes, magnitudes)


# ---------------------------------------------------------------------------------------------
# Sign-bit count (added for DIV)
# ---------------------------------------------------------------------------------------------

def count_leading_sign_bits(x: ArrayLike) -> np.ndarray:
    """TFLite ``CountLeadingSignBits`` of int32 values: how many bits below the sign bit repeat it.

    ``__builtin_clrsb``: 31 for 0 and -1, 0 for ``INT32_MIN``; ``x << count_leading_sign_bits(x)``
    never overflows int32. Computed as ``count_leading_zeros(x if x >= 0 else ~x) - 1``.
    """
    values = _wrap_int32(_as_int64(x))
    return count_leading_zeros(np.where(values < 0, ~values, values)) - 1


# ---------------------------------------------------------------------------------------------
# 16-bit gemmlowp primitives (added for HARD_SWISH)
# ---------------------------------------------------------------------------------------------

INT16_MIN = -(1 << 15)
INT16_MAX = (1 << 15) - 1


def wrap_int16(x: ArrayLike) -> np.ndarray:
    """Narrow integers to int16 by two's-complement wrap-around, as a C++ ``int16_t`` assignment does."""
    return ((_as_int64(x) & 0xFFFF) ^ 0x8000) - 0x8000


def downscale_int32_to_int16_multiplier(multiplier: int) -> int:
    """``DownScaleInt32ToInt16Multiplier``: a Q0.31 multiplier ``M >= 0`` rounded to Q0.15.

    ``(M + 2**15) >> 16``, saturating to ``INT16_MAX`` from ``M >= INT32_MAX - 2**15`` up.
    """
    if multiplier < 0:
        raise ValueError(f"the multiplier must be non-negative, got {multiplier}")
    if multiplier >= INT32_MAX - (1 << 15):
        return INT16_MAX
    return (multiplier + (1 << 15)) >> 16


def saturating_rounding_doubling_high_mul_int16(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int16 values: ``round(a * b / 2**15)``.

    As the int32 form: a nudge of ``2**14`` (``1 - 2**14`` for negative products) and a C
    truncating division, i.e. ``floor((a*b + 2**14) / 2**15)``, ties toward +infinity;
    ``INT16_MIN * INT16_MIN`` saturates to ``INT16_MAX``.
    """
    high = (_as_int64(a) * _as_int64(b) + (1 << 14)) >> 15
    return np.minimum(high, INT16_MAX)


def saturating_doubling_high_mul_int16(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """TFLite's ``SaturatingDoublingHighMul`` (int16, the ARM ``SQDMULH``): ``a * b / 2**15`` truncated toward zero.

    No rounding nudge, unlike :func:`saturating_rounding_doubling_high_mul_int16`;
    ``INT16_MIN * INT16_MIN`` saturates to ``INT16_MAX``.
    """
    product = _as_int64(a) * _as_int64(b)
    truncated = np.where(product >= 0, product >> 15, -((-product) >> 15))
    return np.minimum(truncated, INT16_MAX)


def rounding_divide_by_pot_int16(x: ArrayLike, exponent: int) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT`` instantiated for int16 values, exponent in [0, 31].

    Up to 15 the same as :func:`rounding_divide_by_pot` (round half away from zero). gemmlowp
    builds the mask as ``int16_t((1 << exponent) - 1)``, which narrows to -1 from exponent 16
    up; the result is then 1 for every ``x >= 0`` and -1 for every ``x < 0`` (not 0), which
    tinyq reproduces.
    """
    if not 0 <= exponent <= 31:
        raise ValueError(f"RoundingDivideByPOT exponent must lie in [0, 31], got {exponent}")
    values = _as_int64(x)
    mask = int(wrap_int16((1 << exponent) - 1))
    remainder = values & mask
    threshold = (mask >> 1) + (values < 0)
    return (values >> exponent) + (remainder > threshold)


def saturating_left_shift_int16(x: ArrayLike, amount: int) -> np.ndarray:
    """TFLite's ``SaturatingLeftShift`` (int16): ``x * 2**amount`` clamped to the int16 range, amount in [0, 30]."""
    if not 0 <= amount <= 30:
        raise ValueError(f"the shift amount must lie in [0, 30], got {amount}")
    return np.clip(_as_int64(x) << amount, INT16_MIN, INT16_MAX)


# ---------------------------------------------------------------------------------------------
# Inverse square root (added for RSQRT)
# ---------------------------------------------------------------------------------------------

# GetInvSqrtQuantizedMultiplierExp's constants: 1.5 in Q3.28 and sqrt(2)/2 in Q0.31.
_Q3_THREE_HALVES = (1 << 28) + (1 << 27)
_Q0_HALF_SQRT_2 = 1518500250


def get_inv_sqrt_quantized_multiplier_exp(x: ArrayLike, reverse_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite ``GetInvSqrtQuantizedMultiplierExp``: ``(multiplier, shift)`` with ``1/sqrt(x) ~ M * 2**(s - 31)``.

    For int32 ``x >= 0`` (vectorized). ``x <= 1`` gives ``(INT32_MAX, 0)`` (0 is treated as 1).
    Otherwise ``x`` is divided by 4 while ``>= 2**29`` (one shift step each) and then moved up by
    bit pairs into [2**27, 2**29); five Newton-Raphson steps ``x = 1.5 x - (input / 2) x**3`` run
    in gemmlowp Q3.28 (``Rescale<3>`` of the Q9 cube and of the Q6 difference, the difference
    wrapping in int32), the result is multiplied by sqrt(2)/2 in Q0.31; a negative shift is
    folded into the multiplier (left shift) and becomes 0. The returned shift is that right-shift
    count times ``reverse_shift`` (``kReverseShift = -1`` gives a left-shift exponent, as
    :func:`multiply_by_quantized_multiplier` takes it). Negative ``x`` raises ``ValueError``.
    """
    values = _as_int64(x)
    if np.any(values < 0) or np.any(values > INT32_MAX):
        raise ValueError(f"GetInvSqrtQuantizedMultiplierExp needs int32 inputs >= 0, got {values}")
    at_most_one = values <= 1
    values = np.where(at_most_one, 2, values)  # placeholder; these entries are replaced at the end
    shift = np.full(values.shape, 11, dtype=np.int64)
    while np.any(values >= 1 << 29):
        large = values >= 1 << 29
        values = np.where(large, values >> 2, values)  # input /= 4 (non-negative)
        shift = shift + large
    left_shift_bit_pairs = (count_leading_zeros(values) - 1) // 2 - 1
    shift = shift - left_shift_bit_pairs
    values = values << (2 * left_shift_bit_pairs)
    half_input = rounding_divide_by_pot(values >> 1, 1)  # SaturatingRoundingMultiplyByPOT<-1> of the Q3 input
    estimate = np.full(values.shape, 1 << 28, dtype=np.int64)  # Q3 one
    for _ in range(5):
        cube = rescale(saturating_rounding_doubling_high_mul(
            saturating_rounding_doubling_high_mul(estimate, estimate), estimate), 9, 3)
        difference = _wrap_int32(saturating_rounding_doubling_high_mul(_Q3_THREE_HALVES, estimate)
                                 - saturating_rounding_doubling_high_mul(half_input, cube))
        estimate = rescale(difference, 6, 3)
    multiplier = saturating_rounding_doubling_high_mul(estimate, _Q0_HALF_SQRT_2)
    negative = shift < 0
    multiplier = np.where(negative, _wrap_int32(multiplier << np.where(negative, -shift, 0)), multiplier)
    shift = np.where(negative, 0, shift)
    multiplier = np.where(at_most_one, INT32_MAX, multiplier)
    shift = np.where(at_most_one, 0, shift)
    return multiplier, shift * reverse_shift


# --- log for LOG_SOFTMAX ---------------------------------------------------------------------------

# Q0.31 constants of TFLite's log_x_for_x_greater_than_or_equal_to_1_impl (log 2, 2**-1/4, 2**-1/2,
# 1/4, and the rational approximation's coefficients), each round(value * 2**31).
_Q0_LOG_2 = 1488522236
_Q0_SQRT_SQRT_HALF = 1805811301
_Q0_SQRT_HALF = 1518500250
_Q0_ONE_QUARTER = 1 << 29
_Q0_LOG_ALPHA_N = 117049297  # 11/240 * 2**(1/4)
_Q0_LOG_ALPHA_D = 127690142  # 1/20 * 2**(1/4)
_Q0_LOG_ALPHA_I = 1057819769  # 2 / 2**(1/4) - 2**(1/4)
_Q0_LOG_ALPHA_F = 638450708  # 1/4 * 2**(1/4)


def _saturating_left_shift_each(values: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """``SaturatingRoundingMultiplyByPOTParam`` for per-element exponents >= 0."""
    return np.clip(values << exponents, INT32_MIN, INT32_MAX)


def log_x_for_x_greater_than_or_equal_to_1(x: ArrayLike, input_integer_bits: int,
                                           output_integer_bits: int) -> np.ndarray:
    """TFLite ``log_x_for_x_greater_than_or_equal_to_1<output_bits>`` of a FixedPoint<int32, input_bits>.

    Splits x into 2**z * r with r near 1 (two candidate splits, the better kept), and evaluates
    log(r) by a rational approximation in Q0.31; the result is accumulated with one extra integer
    bit and rescaled to ``output_integer_bits``. gemmlowp ``+``/``-`` wrap in int32, ``*`` is
    SaturatingRoundingDoublingHighMul.
    """
    accum_bits = output_integer_bits + 1
    srdhm = saturating_rounding_doubling_high_mul
    z_a = _as_int64(x)
    shifted_quarter = rescale(_Q0_ONE_QUARTER, 0, accum_bits)
    z_a_headroom_plus_1 = count_leading_zeros(z_a)
    r_a_tmp = _saturating_left_shift_each(z_a, z_a_headroom_plus_1 - 1)
    r_a_raw = np.clip(srdhm(r_a_tmp, _Q0_SQRT_HALF) << 1, INT32_MIN, INT32_MAX)
    z_a_pow_2_adj = np.clip(
        _saturating_left_shift_each(input_integer_bits - z_a_headroom_plus_1, np.int64(31 - accum_bits))
        + shifted_quarter, INT32_MIN, INT32_MAX)  # SaturatingAddNonGemmlowp
    z_b = srdhm(z_a, _Q0_SQRT_HALF)
    z_b_headroom = count_leading_zeros(z_b) - 1
    r_b_raw = _saturating_left_shift_each(z_a, z_b_headroom)
    z_b_pow_2_adj = np.clip(
        _saturating_left_shift_each(input_integer_bits - z_b_headroom, np.int64(31 - accum_bits))
        - shifted_quarter, INT32_MIN, INT32_MAX)  # SaturatingSub
    r = np.minimum(r_a_raw, r_b_raw)
    z_pow_2_adj = np.maximum(z_a_pow_2_adj, z_b_pow_2_adj)

    p = _rounding_half_sum(r, _Q0_SQRT_SQRT_HALF)
    q = _wrap_int32(r - _Q0_SQRT_SQRT_HALF)
    q = _wrap_int32(q + q)
    common_sq = srdhm(q, q)
    num = _wrap_int32(srdhm(q, r) + srdhm(srdhm(q, common_sq), _Q0_LOG_ALPHA_N))
    inner = _wrap_int32(_wrap_int32(_Q0_LOG_ALPHA_I + q) + srdhm(_Q0_LOG_ALPHA_D, common_sq))
    denom_minus_one_0 = _wrap_int32(srdhm(p, inner) + srdhm(_Q0_LOG_ALPHA_F, q))
    recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0)
    num_scaled = rescale(num, 0, accum_bits)
    total = _wrap_int32(srdhm(z_pow_2_adj, _Q0_LOG_2) + srdhm(num_scaled, recip_denom))
    return rescale(total, accum_bits, output_integer_bits)


# ---------------------------------------------------------------------------------------------
# gemmlowp tanh / logistic (TFLite Micro's int8 TANH and LOGISTIC)
# ---------------------------------------------------------------------------------------------

def one_minus_x_over_one_plus_x_for_x_in_0_1(a: ArrayLike) -> np.ndarray:
    """gemmlowp ``one_minus_x_over_one_plus_x_for_x_in_0_1``: Q0.31 ``x`` in [0, 1) -> Q0.31 ``(1 - x) / (1 + x)``.

    The Newton-Raphson reciprocal of :func:`one_over_one_plus_x_for_x_in_0_1`, finished with
    ``Rescale<0>(x - F2::One())``.
    """
    half_denominator = _rounding_half_sum(_as_int64(a), INT32_MAX)
    x = _wrap_int32(_Q2_48_OVER_17 + saturating_rounding_doubling_high_mul(half_denominator, _Q2_NEG_32_OVER_17))
    for _ in range(3):
        half_denominator_times_x = saturating_rounding_doubling_high_mul(half_denominator, x)
        one_minus_half_denominator_times_x = _wrap_int32(_Q2_ONE - half_denominator_times_x)
        x = _wrap_int32(x + rescale(saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 4, 2))
    return rescale(_wrap_int32(x - _Q2_ONE), 2, 0)


def gemmlowp_tanh(a: ArrayLike, integer_bits: int) -> np.ndarray:
    """gemmlowp ``tanh`` of ``FixedPoint<int32, integer_bits>`` raw values, as Q0.31 raw values.

    ``t = one_minus_x_over_one_plus_x(exp_on_negative_values(2 * -|a|))`` (``ExactMulByPot<1>``
    relabels the raw value with one more integer bit), negated for negative ``a``, 0 at 0.
    """
    values = _as_int64(a)
    negative_abs = np.where(values < 0, values, _wrap_int32(-values))
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(negative_abs, integer_bits + 1))
    return np.where(values == 0, 0, np.where(values < 0, _wrap_int32(-t), t))


def gemmlowp_logistic(a: ArrayLike, integer_bits: int) -> np.ndarray:
    """gemmlowp ``logistic`` of ``FixedPoint<int32, integer_bits>`` raw values, as Q0.31 raw values.

    ``one_over_one_plus_x(exp_on_negative_values(-|a|))`` for positive ``a``, one minus that for
    negative ``a``, and exactly one half (``1 << 30``) at 0.
    """
    values = _as_int64(a)
    absolute = np.where(values > 0, values, _wrap_int32(-values))
    if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(_wrap_int32(-absolute), integer_bits))
    if_negative = _wrap_int32(INT32_MAX - if_positive)
    return np.where(values == 0, 1 << 30, np.where(values > 0, if_positive, if_negative))


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    """``CalculateInputRadius``: ``floor((2**bits - 1) * 2**(total - bits) / 2**shift)``, in double as upstream."""
    max_input_rescaled = (1.0 * ((1 << input_integer_bits) - 1) * float(1 << (total_signed_bits - input_integer_bits))
                          / float(1 << input_left_shift))
    return int(np.floor(max_input_rescaled))
