"""Property tests of tinyq.fixedpoint against plain big-integer definitions written in this file.

Every reference below is scalar Python on unbounded ints (``fractions.Fraction`` and
``math.frexp`` where reals are involved), transcribing the C++ semantics literally: int32
wrap-around, truncating division, arithmetic right shifts. The gemmlowp constants are derived
here from their real definitions (``exp(-1/8)``, ``48/17``, ...) rather than copied. The
vectorized module is compared element for element, with the edges (INT32_MIN/INT32_MAX, shifts
-31..31, exact ties, per-channel broadcasting) drawn explicitly.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tinyq import fixedpoint as fp

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

# At least a few hundred examples per property (more under the ``deep`` profile); derandomize and
# the database setting come from the active profile in conftest.py.
PROPERTY = settings(max_examples=max(300, settings.default.max_examples), deadline=None)


# ---------------------------------------------------------------------------------------------
# Scalar big-integer references
# ---------------------------------------------------------------------------------------------

def wrap32(value: int) -> int:
    """Two's-complement int32 narrowing."""
    return (value + 2**31) % 2**32 - 2**31


def clamp32(value: int) -> int:
    return min(max(value, INT32_MIN), INT32_MAX)


def c_div(numerator: int, denominator: int) -> int:
    """C++ integer division: truncates toward zero."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator < 0) == (denominator < 0) else -quotient


def round_half_away(value: Fraction) -> int:
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def fixed_constant(real: float, fractional_bits: int) -> int:
    """gemmlowp FromDouble: round(real * 2**fractional_bits) (what its checked constants equal)."""
    return round_half_away(Fraction(real) * 2**fractional_bits)


def ref_srdhm(a: int, b: int) -> int:
    if a == b == INT32_MIN:
        return INT32_MAX
    product = a * b
    nudge = 2**30 if product >= 0 else 1 - 2**30
    return wrap32(c_div(product + nudge, 2**31))


def ref_rdbpot(x: int, exponent: int) -> int:
    """Correctly rounded x / 2**exponent, ties away from zero (gemmlowp's stated contract)."""
    return round_half_away(Fraction(x, 2**exponent))


def ref_mbqm_double(x: int, multiplier: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return ref_rdbpot(ref_srdhm(wrap32(wrap32(x) * 2**left), multiplier), right)


def ref_mbqm_single(x: int, multiplier: int, shift: int) -> int:
    total_shift = 31 - shift
    return wrap32((wrap32(x) * multiplier + 2 ** (total_shift - 1)) >> total_shift)  # >> floors, as C's on int64


def ref_mbqm_int64(x: int, multiplier: int, shift: int) -> int:
    reduced = (multiplier + 2**15) >> 16 if multiplier < 0x7FFF0000 else 0x7FFF
    total_shift = 15 - shift
    return wrap32((x * reduced + 2 ** (total_shift - 1)) >> total_shift)


def ref_quantize_multiplier(real: float) -> tuple[int, int]:
    if real == 0:
        return 0, 0
    fraction, exponent = math.frexp(real)
    fixed = round_half_away(Fraction(fraction) * 2**31)
    if fixed == 2**31:
        fixed //= 2
        exponent += 1
    if exponent < -31:
        return 0, 0
    return fixed, exponent


def ref_saturating_multiply_by_pot(x: int, exponent: int) -> int:
    return clamp32(x * 2**exponent) if exponent >= 0 else ref_rdbpot(x, -exponent)


def ref_rounding_half_sum(a: int, b: int) -> int:
    total = a + b
    return wrap32(c_div(total + (1 if total >= 0 else -1), 2))


def ref_exp_on_interval(a: int) -> int:
    """exp on [-1/4, 0) in Q0.31: Taylor expansion around -1/8 (gemmlowp's formula)."""
    exp_minus_one_eighth = fixed_constant(math.exp(-1 / 8), 31)
    x = wrap32(a + 2**28)
    x2 = ref_srdhm(x, x)
    x3 = ref_srdhm(x2, x)
    x4 = ref_srdhm(x2, x2)
    x4_over_4 = ref_rdbpot(x4, 2)
    poly = ref_rdbpot(wrap32(ref_srdhm(wrap32(x4_over_4 + x3), fixed_constant(1 / 3, 31)) + x2), 1)
    return wrap32(exp_minus_one_eighth + ref_srdhm(exp_minus_one_eighth, wrap32(x + poly)))


def ref_exp_on_negative_values(a: int, integer_bits: int) -> int:
    fractional_bits = 31 - integer_bits
    if a == 0:
        return INT32_MAX
    if integer_bits > 5 and a < -(2 ** (fractional_bits + 5)):
        return 0
    quarter = 2 ** (fractional_bits - 2)
    a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter
    result = ref_exp_on_interval(ref_saturating_multiply_by_pot(a_mod_quarter_minus_quarter, integer_bits))
    remainder = wrap32(a_mod_quarter_minus_quarter - a)
    for k in range(-2, 5):
        if integer_bits > k and (remainder >> (fractional_bits + k)) & 1:
            result = ref_srdhm(result, fixed_constant(math.exp(-(2.0**k)), 31))
    return result


def ref_one_over_one_plus_x(a: int) -> int:
    half_denominator = ref_rounding_half_sum(a, INT32_MAX)
    x = wrap32(fixed_constant(48 / 17, 29) + ref_srdhm(half_denominator, fixed_constant(-32 / 17, 29)))
    for _ in range(3):
        one_minus = wrap32(2**29 - ref_srdhm(half_denominator, x))
        x = wrap32(x + clamp32(ref_srdhm(x, one_minus) * 4))
    return clamp32(x * 2)


def ref_clz(x: int) -> int:
    return 32 - (x % 2**32).bit_length()


def ref_get_reciprocal(x: int, integer_bits: int) -> tuple[int, int]:
    unsigned = x % 2**32
    headroom_plus_one = ref_clz(x)
    shifted_minus_one = wrap32(((unsigned << headroom_plus_one) - 2**31) % 2**32)
    return ref_one_over_one_plus_x(shifted_minus_one), integer_bits - headroom_plus_one


def assert_elementwise(actual: np.ndarray, expected: list | np.ndarray) -> None:
    actual = np.asarray(actual)
    assert actual.dtype == np.int64
    np.testing.assert_array_equal(actual, np.asarray(expected, dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

INT32_EDGES = [INT32_MIN, INT32_MIN + 1, -(2**30), -2, -1, 0, 1, 2, 2**30, INT32_MAX - 1, INT32_MAX]
int32s = st.one_of(st.sampled_from(INT32_EDGES), st.integers(INT32_MIN, INT32_MAX), st.integers(-4096, 4096))
int32_lists = st.lists(int32s, min_size=1, max_size=32)
# QuantizeMultiplier outputs ([2**30, 2**31)), powers of two (frequent exact ties) and the rest.
POWERS_OF_TWO = [1 << k for k in range(31)]
multipliers = st.one_of(st.sampled_from([0, 1, 2**30, 2**30 + 1, INT32_MAX - 1, INT32_MAX] + POWERS_OF_TWO),
                        st.integers(2**30, INT32_MAX), st.integers(0, INT32_MAX))
double_shifts = st.one_of(st.sampled_from([-31, -30, -1, 0, 1, 30, 31]), st.integers(-31, 31))
single_shifts = st.one_of(st.sampled_from([-31, -30, -1, 0, 1, 29, 30]), st.integers(-31, 30))


@st.composite
def rdbpot_ties(draw: st.DrawFn) -> tuple[int, int]:
    """(x, e) with x / 2**e exactly halfway between two integers."""
    exponent = draw(st.integers(1, 31))
    k = draw(st.integers(-(2 ** (31 - exponent)), 2 ** (31 - exponent) - 1))
    return k * 2**exponent + 2 ** (exponent - 1), exponent


@st.composite
def srdhm_ties(draw: st.DrawFn) -> tuple[int, int]:
    """(a, b) with a * b / 2**31 exactly halfway between two integers."""
    j = draw(st.integers(0, 30))
    odd = 2 * draw(st.integers(-(2**j), 2**j - 1)) + 1
    a = odd * 2 ** (30 - j)
    b = draw(st.sampled_from([1, -1])) * 2**j
    return (a, b) if draw(st.booleans()) else (b, a)


# ---------------------------------------------------------------------------------------------
# Rounding and saturation
# ---------------------------------------------------------------------------------------------

finite_doubles = st.floats(allow_nan=False, allow_infinity=False)
halves = st.integers(-(2**40), 2**40).map(lambda n: n + 0.5)


@PROPERTY
@given(st.lists(st.one_of(finite_doubles, halves, st.floats(-1e6, 1e6)), min_size=1, max_size=32))
@example([0.5, -0.5, 1.5, -1.5, 2.5, -2.5, math.nextafter(0.5, 0.0), -math.nextafter(0.5, 0.0),
          2.0**52 + 1, -(2.0**53), 0.0, -0.0, 1e308])
def test_round_half_away_from_zero_float64(values: list[float]) -> None:
    rounded = fp.round_half_away_from_zero(np.array(values, dtype=np.float64))
    assert rounded.dtype == np.float64
    assert rounded.tolist() == [float(round_half_away(Fraction(v))) for v in values]


@PROPERTY
@given(st.lists(st.one_of(st.floats(width=32, allow_nan=False, allow_infinity=False),
                          st.integers(-(2**22), 2**22).map(lambda n: n + 0.5)), min_size=1, max_size=32))
@example([0.5, -0.5, 2.5, -3.5, float(np.nextafter(np.float32(0.5), np.float32(0))), 2.0**23 + 1, 3.4e38])
def test_round_half_away_from_zero_float32(values: list[float]) -> None:
    array = np.array(values, dtype=np.float32)
    rounded = fp.round_half_away_from_zero(array)
    assert rounded.dtype == np.float32
    assert rounded.tolist() == [float(round_half_away(Fraction(float(v)))) for v in array]


def test_round_half_away_from_zero_scalars() -> None:
    assert fp.round_half_away_from_zero(2.5) == 3.0 and type(fp.round_half_away_from_zero(2.5)) is float
    assert fp.round_half_away_from_zero(-2.5) == -3.0
    rounded32 = fp.round_half_away_from_zero(np.float32(-0.5))
    assert rounded32 == -1.0 and rounded32.dtype == np.float32
    assert math.isnan(fp.round_half_away_from_zero(math.nan))
    assert fp.round_half_away_from_zero(math.inf) == math.inf


@PROPERTY
@given(st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=32),
       st.sampled_from([np.int8, np.uint8, np.int16, np.uint16, np.int32]))
@example([-129, -128, 127, 128, 0, 255, 256, -1], np.int8)
@example([-129, -128, 127, 128, 0, 255, 256, -1], np.uint8)
def test_saturate(values: list[int], dtype: type) -> None:
    info = np.iinfo(dtype)
    result = fp.saturate(np.array(values, dtype=np.int64), dtype)
    assert result.dtype == dtype
    assert result.tolist() == [min(max(v, int(info.min)), int(info.max)) for v in values]


def test_saturate_rejects_float_dtype() -> None:
    with pytest.raises(ValueError):
        fp.saturate([1, 2], np.float32)


# ---------------------------------------------------------------------------------------------
# QuantizeMultiplier
# ---------------------------------------------------------------------------------------------

powers_of_two = st.integers(-1074, 1023).map(lambda k: math.ldexp(1.0, k))
# (1 - 2**-k) * 2**e with k >= 33: the 31-bit mantissa rounds up to exactly 2**31.
round_up_to_pot = st.builds(lambda k, e: math.ldexp(1.0 - 2.0**-k, e), st.integers(33, 53), st.integers(-40, 40))
# Mantissa exactly halfway between two 31-bit values: the tie goes away from zero.
mantissa_ties = st.builds(lambda n, e: math.ldexp(n + 0.5, e - 31), st.integers(2**30, 2**31 - 1), st.integers(-35, 40))
tiny = st.floats(min_value=0.0, max_value=2.0**-31, allow_subnormal=True)
large = st.floats(min_value=1e6, max_value=1.7976931348623157e308)
reals = st.one_of(finite_doubles, powers_of_two, round_up_to_pot, mantissa_ties, tiny, large,
                  st.floats(1e-6, 10.0), st.floats(-10.0, -1e-6))
QM_EDGES = [0.0, -0.0, 1.0, 0.5, 2.0, 2.0**-31, 2.0**-32, 2.0**-33, math.ldexp(1.0 - 2.0**-40, -32),
            math.ldexp(1.0 - 2.0**-40, -33), 1.0 - 2.0**-33, 1.0 - 2.0**-31, 2.0**40, 1e30,
            1.7976931348623157e308, 5e-324, -1.0, -0.75, 6 / 255, 0.003921568859368563]


@PROPERTY
@given(reals)
@example(0.0)
@example(2.0**-32)  # smallest power of two that survives: (2**30, -31)
@example(2.0**-33)  # flushed to (0, 0)
@example(math.ldexp(1.0 - 2.0**-40, -32))  # rounds up into shift -31 before the flush test
@example(1.0 - 2.0**-33)  # rounds up to (2**30, 1)
@example(1.7976931348623157e308)
def test_quantize_multiplier(real: float) -> None:
    multiplier, shift = fp.quantize_multiplier(real)
    assert type(multiplier) is int and type(shift) is int
    assert (multiplier, shift) == ref_quantize_multiplier(real)
    if multiplier:
        # A correctly rounded 31-bit mantissa: within half a unit of real * 2**(31 - shift).
        assert 2**30 <= abs(multiplier) <= 2**31
        assert abs(Fraction(multiplier) - Fraction(real) * Fraction(2) ** (31 - shift)) <= Fraction(1, 2)


def test_quantize_multiplier_edges() -> None:
    """Values derived by hand: m = M * 2**(shift - 31) with M in [2**30, 2**31)."""
    assert fp.quantize_multiplier(0.0) == (0, 0)
    assert fp.quantize_multiplier(1.0) == (2**30, 1)
    assert fp.quantize_multiplier(0.5) == (2**30, 0)
    assert fp.quantize_multiplier(0.75) == (3 * 2**29, 0)
    assert fp.quantize_multiplier(2.0**40) == (2**30, 41)
    assert fp.quantize_multiplier(2.0**-32) == (2**30, -31)
    assert fp.quantize_multiplier(2.0**-33) == (0, 0)
    assert fp.quantize_multiplier(1.0 - 2.0**-33) == (2**30, 1)
    assert fp.quantize_multiplier(-1.0) == (-(2**30), 1)
    with pytest.raises(ValueError):
        fp.quantize_multiplier(math.inf)
    with pytest.raises(ValueError):
        fp.quantize_multiplier(math.nan)


@PROPERTY
@given(st.lists(reals, min_size=1, max_size=24))
@example(QM_EDGES)
def test_quantize_multipliers_per_channel(reals_list: list[float]) -> None:
    multipliers_out, shifts_out = fp.quantize_multipliers(np.array(reals_list, dtype=np.float64))
    expected = [ref_quantize_multiplier(r) for r in reals_list]
    assert_elementwise(multipliers_out, [m for m, _ in expected])
    assert_elementwise(shifts_out, [s for _, s in expected])


@PROPERTY
@given(st.floats(min_value=2.0**-40, max_value=1.0, exclude_max=True))
@example(2.0**-31)
@example(0.5)
def test_quantize_multiplier_smaller_than_one_exp(real: float) -> None:
    expected = ref_quantize_multiplier(real)
    if expected[1] > 0:  # so close to 1 that it rounds up: upstream's CHECK_LE(shift, 0) fails
        with pytest.raises(ValueError):
            fp.quantize_multiplier_smaller_than_one_exp(real)
    else:
        assert fp.quantize_multiplier_smaller_than_one_exp(real) == expected


@PROPERTY
@given(st.floats(min_value=1.0, max_value=1e300, exclude_min=True))
@example(math.nextafter(1.0, 2.0))
@example(2.0**31)
def test_quantize_multiplier_greater_than_one(real: float) -> None:
    multiplier, shift = fp.quantize_multiplier_greater_than_one(real)
    assert (multiplier, shift) == ref_quantize_multiplier(real) and shift >= 1


@pytest.mark.parametrize("real", [0.0, 1.0, -0.5, 1.5, 1.0 - 2.0**-40])
def test_quantize_multiplier_smaller_than_one_rejects(real: float) -> None:
    with pytest.raises(ValueError):
        fp.quantize_multiplier_smaller_than_one_exp(real)


@pytest.mark.parametrize("real", [1.0, 0.5, 0.0, -2.0])
def test_quantize_multiplier_greater_than_one_rejects(real: float) -> None:
    with pytest.raises(ValueError):
        fp.quantize_multiplier_greater_than_one(real)


# ---------------------------------------------------------------------------------------------
# gemmlowp primitives
# ---------------------------------------------------------------------------------------------

@PROPERTY
@given(st.lists(st.tuples(int32s, int32s), min_size=1, max_size=32), st.lists(srdhm_ties(), max_size=8))
@example([(INT32_MIN, INT32_MIN), (INT32_MIN, INT32_MAX), (INT32_MAX, INT32_MAX), (INT32_MIN, -1),
          (INT32_MIN, 1), (2**30, 1), (-(2**30), 1), (3 * 2**29, -1)], [])
def test_saturating_rounding_doubling_high_mul(pairs: list[tuple[int, int]], ties: list[tuple[int, int]]) -> None:
    pairs = pairs + ties
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    assert_elementwise(fp.saturating_rounding_doubling_high_mul(a, b), [ref_srdhm(x, y) for x, y in pairs])


def test_saturating_rounding_doubling_high_mul_ties_round_up() -> None:
    """-0.5 rounds to 0 and +0.5 to 1: the nudge with truncating division rounds ties toward +inf."""
    assert fp.saturating_rounding_doubling_high_mul(2**30, 1) == 1
    assert fp.saturating_rounding_doubling_high_mul(-(2**30), 1) == 0
    assert fp.saturating_rounding_doubling_high_mul(-3 * 2**30, 1) == -1
    assert fp.saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX


@PROPERTY
@given(st.lists(st.tuples(int32s, st.integers(0, 31)), min_size=1, max_size=32), st.lists(rdbpot_ties(), max_size=8))
@example([(INT32_MIN, 31), (INT32_MAX, 31), (INT32_MIN, 0), (-(2**30), 31), (2**30, 31), (-1, 1), (1, 1),
          (-3, 1), (3, 1), (INT32_MIN + 1, 31)], [])
def test_rounding_divide_by_pot(pairs: list[tuple[int, int]], ties: list[tuple[int, int]]) -> None:
    pairs = pairs + ties
    x = np.array([p[0] for p in pairs], dtype=np.int64)
    exponent = np.array([p[1] for p in pairs], dtype=np.int64)
    assert_elementwise(fp.rounding_divide_by_pot(x, exponent), [ref_rdbpot(v, e) for v, e in pairs])


@PROPERTY
@given(int32_lists, st.integers(0, 31))
def test_rounding_divide_by_pot_scalar_exponent(values: list[int], exponent: int) -> None:
    assert_elementwise(fp.rounding_divide_by_pot(np.array(values), exponent), [ref_rdbpot(v, exponent) for v in values])


def test_rounding_divide_by_pot_rejects_bad_exponents() -> None:
    for exponent in (-1, 32):
        with pytest.raises(ValueError):
            fp.rounding_divide_by_pot(5, exponent)


@PROPERTY
@given(int32_lists, st.integers(0, 31), st.integers(0, 31))
@example([INT32_MIN, INT32_MAX, -(2**26), 2**26 - 1, 2**26, 0], 5, 0)
@example([INT32_MIN, INT32_MAX, 2**19 + 2**6, -(2**19) - 2**6, 3 * 2**6], 0, 12)
def test_rescale(values: list[int], src_integer_bits: int, dst_integer_bits: int) -> None:
    exponent = src_integer_bits - dst_integer_bits
    assert_elementwise(fp.rescale(np.array(values), src_integer_bits, dst_integer_bits),
                       [ref_saturating_multiply_by_pot(v, exponent) for v in values])
    assert_elementwise(fp.saturating_rounding_multiply_by_pot(np.array(values), exponent),
                       [ref_saturating_multiply_by_pot(v, exponent) for v in values])


@PROPERTY
@given(int32_lists)
@example([0, 1, -1, INT32_MIN, INT32_MAX, 2**16, 2**16 - 1])
def test_count_leading_zeros(values: list[int]) -> None:
    assert_elementwise(fp.count_leading_zeros(np.array(values)), [ref_clz(v) for v in values])
    unsigned = np.array([v % 2**32 for v in values], dtype=np.uint32)
    assert_elementwise(fp.count_leading_zeros(unsigned), [ref_clz(v) for v in values])


# ---------------------------------------------------------------------------------------------
# MultiplyByQuantizedMultiplier
# ---------------------------------------------------------------------------------------------

@PROPERTY
@given(int32_lists, multipliers, double_shifts)
@example([INT32_MIN, INT32_MAX, -1, 1, 0], INT32_MAX, 31)
@example([INT32_MIN, INT32_MAX, -1, 1, 0], INT32_MAX, -31)
@example([3, -3, 5, -5, 2**31 - 1], 2**30, -1)  # exact ties in both roundings
def test_multiply_by_quantized_multiplier_double(values: list[int], multiplier: int, shift: int) -> None:
    result = fp.multiply_by_quantized_multiplier(np.array(values), multiplier, shift)
    assert_elementwise(result, [ref_mbqm_double(v, multiplier, shift) for v in values])
    explicit = fp.multiply_by_quantized_multiplier(np.array(values), multiplier, shift, rounding="double")
    assert_elementwise(explicit, [ref_mbqm_double(v, multiplier, shift) for v in values])


@PROPERTY
@given(int32_lists, multipliers, single_shifts)
@example([INT32_MIN, INT32_MAX, -1, 1, 0], INT32_MAX, 30)
@example([INT32_MIN, INT32_MAX, -1, 1, 0], INT32_MAX, -31)
@example([3, -3, 5, -5, 1, -1], 2**30, 0)  # x/2: exact ties go toward +inf
def test_multiply_by_quantized_multiplier_single(values: list[int], multiplier: int, shift: int) -> None:
    result = fp.multiply_by_quantized_multiplier(np.array(values), multiplier, shift, rounding="single")
    assert_elementwise(result, [ref_mbqm_single(v, multiplier, shift) for v in values])


@PROPERTY
@given(st.data(), st.integers(1, 4), st.integers(1, 6), st.sampled_from(["double", "single"]))
def test_multiply_by_quantized_multiplier_per_channel(data: st.DataObject, rows: int, channels: int,
                                                      rounding: str) -> None:
    shifts = double_shifts if rounding == "double" else single_shifts
    values = data.draw(st.lists(st.lists(int32s, min_size=channels, max_size=channels), min_size=rows, max_size=rows))
    channel_multipliers = data.draw(st.lists(multipliers, min_size=channels, max_size=channels))
    channel_shifts = data.draw(st.lists(shifts, min_size=channels, max_size=channels))
    reference = ref_mbqm_double if rounding == "double" else ref_mbqm_single
    result = fp.multiply_by_quantized_multiplier(np.array(values, dtype=np.int64), np.array(channel_multipliers),
                                                 np.array(channel_shifts), rounding=rounding)
    assert result.shape == (rows, channels)
    assert_elementwise(result, [[reference(v, channel_multipliers[c], channel_shifts[c]) for c, v in enumerate(row)]
                                for row in values])


@pytest.mark.parametrize("rounding", ["double", "single"])
def test_multiply_by_quantized_multiplier_boundary_grid(rounding: str) -> None:
    """Every shift of the allowed range against the int32 edges and edge multipliers, broadcast."""
    shifts = np.arange(-31, 32 if rounding == "double" else 31)
    edge_multipliers = np.array([0, 1, 2**30, 2**30 + 1, INT32_MAX])
    values = np.array(INT32_EDGES + [3, -3, 2**20 + 2**19, -(2**20) - 2**19])
    result = fp.multiply_by_quantized_multiplier(values[:, None, None], edge_multipliers[None, :, None],
                                                 shifts[None, None, :], rounding=rounding)
    reference = ref_mbqm_double if rounding == "double" else ref_mbqm_single
    expected = [[[reference(int(v), int(m), int(s)) for s in shifts] for m in edge_multipliers] for v in values]
    assert_elementwise(result, expected)


def test_multiply_by_quantized_multiplier_wraps_x_to_int32() -> None:
    """x is an int32_t parameter upstream: wider values arrive wrapped."""
    assert fp.multiply_by_quantized_multiplier(2**32 + 5, 2**30, 1) == 5
    assert fp.multiply_by_quantized_multiplier(2**31, 2**30, 0) == -(2**30)  # INT32_MIN / 2


def test_multiply_by_quantized_multiplier_rejects() -> None:
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier(1, 2**30, 0, rounding="nearest")
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier(1, 2**30, -32)
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier(1, 2**30, 32)
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier(1, 2**30, 31, rounding="single")
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier(1, 2**30, -32, rounding="single")


@PROPERTY
@given(int32_lists, multipliers, st.integers(-31, 0))
@example([INT32_MIN, INT32_MAX, 3, -3], 2**30, 0)
@example([INT32_MIN, INT32_MAX, 3, -3], INT32_MAX, -31)
def test_multiply_by_quantized_multiplier_smaller_than_one(values: list[int], multiplier: int, shift: int) -> None:
    result = fp.multiply_by_quantized_multiplier_smaller_than_one(np.array(values), multiplier, shift)
    assert_elementwise(result, [ref_rdbpot(ref_srdhm(v, multiplier), -shift) for v in values])
    # Same as the general double-rounding form for shift <= 0.
    assert_elementwise(result, fp.multiply_by_quantized_multiplier(np.array(values), multiplier, shift))


@PROPERTY
@given(int32_lists, multipliers, st.integers(0, 31))
@example([INT32_MIN, INT32_MAX, -255, 0, 1], INT32_MAX, 31)
@example([-255, -1, 0], 2**30, 0)
def test_multiply_by_quantized_multiplier_greater_than_one(values: list[int], multiplier: int, shift: int) -> None:
    result = fp.multiply_by_quantized_multiplier_greater_than_one(np.array(values), multiplier, shift)
    assert_elementwise(result, [ref_srdhm(wrap32(v * 2**shift), multiplier) for v in values])


def test_multiply_by_quantized_multiplier_sto_gt1_reject_wrong_sign_shifts() -> None:
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier_smaller_than_one(1, 2**30, 1)
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier_greater_than_one(1, 2**30, -1)


int48s = st.one_of(st.sampled_from([-(2**47), 2**47 - 1, -1, 0, 1, INT32_MIN, INT32_MAX]),
                   st.integers(-(2**47), 2**47 - 1), st.integers(-(2**20), 2**20))


@PROPERTY
@given(st.lists(int48s, min_size=1, max_size=32),
       st.one_of(st.sampled_from([0, 1, 2**15 - 1, 2**15, 0x7FFEFFFF, 0x7FFF0000, INT32_MAX]), multipliers),
       st.one_of(st.sampled_from([-31, 0, 7, 14]), st.integers(-31, 14)))
@example([2**15, -(2**15), 3 * 2**15, -3 * 2**15], 2**30 + 2**15, 0)  # ties: Mr = 2**14 halves x / 2**15
def test_multiply_by_quantized_multiplier_int64(values: list[int], multiplier: int, shift: int) -> None:
    result = fp.multiply_by_quantized_multiplier_int64(np.array(values, dtype=np.int64), multiplier, shift)
    assert_elementwise(result, [ref_mbqm_int64(v, multiplier, shift) for v in values])


@PROPERTY
@given(st.data(), st.integers(1, 6))
def test_multiply_by_quantized_multiplier_int64_per_channel(data: st.DataObject, channels: int) -> None:
    values = data.draw(st.lists(int48s, min_size=2 * channels, max_size=2 * channels))
    channel_multipliers = data.draw(st.lists(multipliers, min_size=channels, max_size=channels))
    channel_shifts = data.draw(st.lists(st.integers(-31, 7), min_size=channels, max_size=channels))
    result = fp.multiply_by_quantized_multiplier_int64(np.array(values, dtype=np.int64).reshape(2, channels),
                                                       np.array(channel_multipliers), np.array(channel_shifts))
    expected = [[ref_mbqm_int64(values[r * channels + c], channel_multipliers[c], channel_shifts[c])
                 for c in range(channels)] for r in range(2)]
    assert_elementwise(result, expected)


def test_multiply_by_quantized_multiplier_int64_rejects_undefined_shift() -> None:
    with pytest.raises(ValueError):
        fp.multiply_by_quantized_multiplier_int64(1, 2**30, 15)


# ---------------------------------------------------------------------------------------------
# Activation range
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("activation", "scale", "zero_point", "dtype", "expected"), [
    # NONE: the whole range of the type.
    (0, 0.1, 3, np.int8, (-128, 127)),
    (0, 0.1, 0, np.int16, (-32768, 32767)),
    # RELU6, scale 6/255, zp -128: 0 -> -128, 6 -> -128 + 255 = 127.
    (3, 6 / 255, -128, np.int8, (-128, 127)),
    # RELU, scale 0.1, zp 5: lower bound is the zero point, upper the type's max.
    (1, 0.1, 5, np.int8, (5, 127)),
    # RELU_N1_TO_1, scale 1/64, zp 0: -1 -> -64, 1 -> 64.
    (2, 1 / 64, 0, np.int8, (-64, 64)),
    # RELU6, scale 0.01: 6 -> 600, clamped to 127.
    (3, 0.01, 0, np.int8, (0, 127)),
    # RELU6 uint8, scale 0.05 (float32 0.0500000007): 6 / scale = 119.9999998 -> 120, + 10.
    (3, 0.05, 10, np.uint8, (10, 130)),
    # RELU6 scale 1, zp 100: (100, 106).
    (3, 1.0, 100, np.int8, (100, 106)),
    # RELU_N1_TO_1 scale 0.4: float32(1) / float32(0.4) is exactly 2.5 in float32 (the double
    # quotient 2.49999996 rounds up to it), and std::round takes the tie away from zero: +-3.
    # A double-precision computation would give +-2.
    (2, 0.4, 0, np.int8, (-3, 3)),
    # RELU int16 symmetric: zp 0 -> (0, 32767).
    (1, 1 / 32768, 0, np.int16, (0, 32767)),
])
def test_activation_range(activation: int, scale: float, zero_point: int, dtype: type,
                          expected: tuple[int, int]) -> None:
    result = fp.activation_range(activation, scale, zero_point, dtype)
    assert result == expected
    assert all(type(bound) is int for bound in result)


@pytest.mark.parametrize("activation", [4, 5, 6, 99, -1])
def test_activation_range_rejects_unsupported_codes(activation: int) -> None:
    with pytest.raises(ValueError):
        fp.activation_range(activation, 0.1, 0, np.int8)


def test_activation_range_overflowing_bound() -> None:
    """A tiny scale puts 6 / scale beyond int32: upstream's TF_LITE_ENSURE fails; RELU still works."""
    assert fp.activation_range(1, 1e-10, -128, np.int8) == (-128, 127)
    with pytest.raises(ValueError):
        fp.activation_range(3, 1e-10, -128, np.int8)
    with pytest.raises(ValueError):
        fp.activation_range(2, 1e-10, 0, np.int8)


# ---------------------------------------------------------------------------------------------
# gemmlowp fixed-point functions (SOFTMAX)
# ---------------------------------------------------------------------------------------------

def test_gemmlowp_constants_are_the_real_values() -> None:
    """The module's constants equal the rounded reals gemmlowp's checked constants stand for."""
    assert fp._Q0_EXP_MINUS_ONE_EIGHTH == fixed_constant(math.exp(-1 / 8), 31)
    assert fp._Q0_ONE_THIRD == fixed_constant(1 / 3, 31)
    assert fp._Q2_48_OVER_17 == fixed_constant(48 / 17, 29)
    assert fp._Q2_NEG_32_OVER_17 == fixed_constant(-32 / 17, 29)
    assert fp._EXP_BARREL_SHIFTER == tuple((k, fixed_constant(math.exp(-(2.0**k)), 31)) for k in range(-2, 5))


negative_int32s = st.one_of(st.sampled_from([INT32_MIN, INT32_MIN + 1, -1, 0]), st.integers(INT32_MIN, 0),
                            st.integers(-(2**20), 0))


@PROPERTY
@given(st.lists(st.integers(-(2**29), -1), min_size=1, max_size=32))
@example([-(2**29), -1, -(2**28), -(2**28) - 1])
def test_exp_on_interval_between_negative_one_quarter_and_0_excl(values: list[int]) -> None:
    result = fp.exp_on_interval_between_negative_one_quarter_and_0_excl(np.array(values))
    assert_elementwise(result, [ref_exp_on_interval(v) for v in values])


@PROPERTY
@given(st.lists(negative_int32s, min_size=1, max_size=32),
       st.one_of(st.just(5), st.sampled_from([0, 1, 4, 6, 12, 29]), st.integers(0, 29)))
@example([INT32_MIN, -1, 0, -(2**26), -(2**26) * 16], 5)
@example([-(2**30) - 1, -(2**30), -(2**30) + 1, INT32_MIN, -1], 6)  # around the exp(-32) clamp
def test_exp_on_negative_values(values: list[int], integer_bits: int) -> None:
    result = fp.exp_on_negative_values(np.array(values), integer_bits)
    assert_elementwise(result, [ref_exp_on_negative_values(v, integer_bits) for v in values])
    # Sanity of the approximation itself (not a conformance tolerance): close to the real exp.
    real = np.exp(np.array(values, dtype=np.float64) / 2.0 ** (31 - integer_bits))
    assert np.all(np.abs(result / 2.0**31 - real) < 1e-6)


@PROPERTY
@given(st.lists(st.tuples(int32s, int32s), min_size=1, max_size=32))
@example([(INT32_MIN, INT32_MIN), (INT32_MIN, 0), (-1, 0), (-2, -1), (INT32_MAX, INT32_MAX), (INT32_MIN, INT32_MAX)])
def test_rounding_half_sum(pairs: list[tuple[int, int]]) -> None:
    """RoundingHalfSum for all int32 pairs (one_over_one_plus_x only ever reaches its positive side)."""
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    assert_elementwise(fp._rounding_half_sum(a, b), [ref_rounding_half_sum(x, y) for x, y in pairs])


def test_exp_on_negative_values_rejects_integer_bits() -> None:
    for integer_bits in (-1, 30):
        with pytest.raises(ValueError):
            fp.exp_on_negative_values(-1, integer_bits)


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from([0, 1, 2**30, INT32_MAX - 1, INT32_MAX]), st.integers(0, INT32_MAX)),
                min_size=1, max_size=32))
def test_one_over_one_plus_x_for_x_in_0_1(values: list[int]) -> None:
    result = fp.one_over_one_plus_x_for_x_in_0_1(np.array(values))
    assert_elementwise(result, [ref_one_over_one_plus_x(v) for v in values])
    real = 1.0 / (1.0 + np.array(values, dtype=np.float64) / 2.0**31)
    assert np.all(np.abs(result / 2.0**31 - real) < 1e-8)


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from([1, 2**19, 2**19 + 1, 2**20 - 1, 2**31 - 1, 3 * 2**17]),
                          st.integers(1, INT32_MAX), st.integers(2**19, 2**25)), min_size=1, max_size=32),
       st.one_of(st.just(12), st.integers(0, 31)))
@example([2**19, 2**20, 5 * 2**17, INT32_MAX, 1], 12)
def test_get_reciprocal(values: list[int], integer_bits: int) -> None:
    shifted_scale, num_bits_over_unit = fp.get_reciprocal(np.array(values), integer_bits)
    expected = [ref_get_reciprocal(v, integer_bits) for v in values]
    assert_elementwise(shifted_scale, [scale for scale, _ in expected])
    assert_elementwise(num_bits_over_unit, [bits for _, bits in expected])
    # 1/x == shifted_scale * 2**-num_bits_over_unit, x read as Q(integer_bits).
    x_real = np.array(values, dtype=np.float64) / 2.0 ** (31 - integer_bits)
    approx = shifted_scale / 2.0**31 * np.exp2(-num_bits_over_unit.astype(np.float64))
    assert np.all(np.abs(approx * x_real - 1.0) < 1e-8)


def test_get_reciprocal_of_softmax_sum() -> None:
    """A sum of exps of exactly 1.0 in Q12.19: headroom 12, so 0 bits over unit and scale ~1."""
    shifted_scale, num_bits_over_unit = fp.get_reciprocal(2**19, 12)
    assert int(num_bits_over_unit) == 0
    assert int(shifted_scale) == ref_one_over_one_plus_x(0)
    assert abs(int(shifted_scale) - INT32_MAX) < 8


# --- rounding_mode: a TFLITE_SINGLE_ROUNDING build -----------------------------------------------

@PROPERTY
@given(int32_lists, multipliers, single_shifts)
def test_rounding_mode_single_switches_every_multiply_by_quantized_multiplier(values: list[int], multiplier: int,
                                                                             shift: int) -> None:
    """Under rounding_mode("single") the default form and the SmallerThanOneExp/GreaterThanOne forms all
    follow the single-rounding definition; outside the block they are double-rounding again."""
    array = np.array(values)
    expected = [ref_mbqm_single(v, multiplier, shift) for v in values]
    with fp.rounding_mode("single"):
        assert fp.current_rounding() == "single"
        assert_elementwise(fp.multiply_by_quantized_multiplier(array, multiplier, shift), expected)
        if shift <= 0:
            assert_elementwise(fp.multiply_by_quantized_multiplier_smaller_than_one(array, multiplier, shift),
                               expected)
        else:
            assert_elementwise(fp.multiply_by_quantized_multiplier_greater_than_one(array, multiplier, shift),
                               expected)
        # An explicit argument still wins over the mode.
        assert_elementwise(fp.multiply_by_quantized_multiplier(array, multiplier, shift, rounding="double"),
                           [ref_mbqm_double(v, multiplier, shift) for v in values])
    assert fp.current_rounding() == "double"
    assert_elementwise(fp.multiply_by_quantized_multiplier(array, multiplier, shift),
                       [ref_mbqm_double(v, multiplier, shift) for v in values])


def test_rounding_mode_rejects_unknown_names_and_restores_on_error() -> None:
    with pytest.raises(ValueError, match="unknown rounding"):
        with fp.rounding_mode("nearest"):
            pass
    with pytest.raises(RuntimeError):
        with fp.rounding_mode("single"):
            raise RuntimeError("inside")
    assert fp.current_rounding() == "double"
