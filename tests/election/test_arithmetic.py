"""sp-arithmetic primitives: the reference against plain integer maths and upstream's unit tests,
and the kernels' emulated u128 against the reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.election import _kernels as K
from relaychain.election.arithmetic import (
    ACCURACIES, U128_MAX, NormalizeError, PerU16, Perbill, Percent, Rounding, mulrat, normalize,
)

u128 = st.one_of(st.integers(0, U128_MAX), st.integers(0, 2**64), st.integers(0, 1000),
                 st.sampled_from([0, 1, 2**64 - 1, 2**64, U128_MAX, U128_MAX - 1]))
ROUNDINGS = [Rounding.DOWN, Rounding.UP, Rounding.NEAREST_PREF_DOWN, Rounding.NEAREST_PREF_UP]
KERNEL_ROUNDING = {Rounding.DOWN: K.ROUND_DOWN, Rounding.UP: K.ROUND_UP,
                   Rounding.NEAREST_PREF_DOWN: K.ROUND_NEAREST_PREF_DOWN,
                   Rounding.NEAREST_PREF_UP: K.ROUND_NEAREST_PREF_UP}


def split(x):
    return np.uint64(x >> 64), np.uint64(x & (2**64 - 1))


def join(h, l):
    return (int(h) << 64) | int(l)


# -- upstream unit tests (sp-arithmetic lib.rs normalize_tests, per_things.rs) --------------------

@pytest.mark.parametrize("values, target, expected", [
    ([8, 9, 7, 10], 40, [10, 10, 10, 10]),
    ([7, 7, 7, 7], 40, [10, 10, 10, 10]),
    ([7, 7, 7, 10], 40, [11, 11, 8, 10]),
    ([7, 8, 7, 10], 40, [11, 8, 11, 10]),
    ([7, 7, 8, 10], 40, [11, 11, 8, 10]),
    ([8, 11, 9, 10], 40, [10, 11, 9, 10]),
    ([10, 7, 10, 10], 40, [10, 10, 10, 10]),
    ([12, 11, 13, 10], 40, [10, 10, 10, 10]),
    ([13, 13, 13, 10], 40, [12, 9, 9, 10]),
    ([13, 12, 13, 10], 40, [9, 12, 9, 10]),
    ([1, 100, 100], 10, [1, 9, 0]),
    ([1, 8, 9], 1, [0, 1, 0]),
])
def test_normalize_upstream_cases(values, target, expected):
    assert normalize(values, target) == expected


def test_normalize_fails_when_the_sum_overflows_the_type():
    assert normalize([1] * 255, 10, type_max=255) is not None
    with pytest.raises(NormalizeError):
        normalize([1] * 256, 10, type_max=255)


def test_per_thing_normalize_upstream_cases():
    assert Perbill.normalize_parts([330_000_000] * 3) == [333333334, 333333333, 333333333]
    assert Perbill.normalize_parts([200_000_000, 150_000_000, 300_000_000]) == [316666668, 383333332, 300000000]
    forty = 26214  # PerU16::from_percent(40)
    assert PerU16.normalize_parts([forty] * 3) == [21845] * 3


def test_per_thing_rounding():
    assert Percent.from_rational(1, 0) == 100 and Percent.from_rational(2, 1) == 100
    assert Perbill.from_rational(1, 3) == 333_333_333
    assert Perbill.mul(500_000_000, 3) == 1  # 1.5 rounds half down
    assert Perbill.mul(500_000_001, 3) == 2
    assert Perbill.mul_ceil(100_000_000, 115) == 12


@given(u128, u128, u128, st.sampled_from(ROUNDINGS))
def test_mulrat_reference_is_exact(a, b, c, rounding):
    got = mulrat(a, b, c, rounding)
    if c == 0:
        assert got is None
        return
    exact = a * b / __import__("fractions").Fraction(c)
    floor = int(exact)
    if got is None:
        assert floor >= U128_MAX  # only overflow (or its rounding bump) gives None
    else:
        assert floor <= got <= floor + 1


# -- kernels against the reference --------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(u128, u128, u128, st.sampled_from(ROUNDINGS))
def test_kernel_mulrat_equals_reference(a, b, c, rounding):
    ok, h, l = K.mulrat(*split(a), *split(b), *split(c), KERNEL_ROUNDING[rounding])
    expected = mulrat(a, b, c, rounding)
    assert (join(h, l) if ok else None) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**192 - 1), st.integers(1, 2**64 - 1))
def test_kernel_reciprocal_division(x, d):
    s = np.uint64(K.clz64(np.uint64(d)))  # numba returns Python ints: keep every argument uint64
    dn = np.uint64((d << int(s)) & (2**64 - 1))
    q = K.div192_by_recip(np.uint64(x >> 128), np.uint64(x >> 64 & (2**64 - 1)), np.uint64(x & (2**64 - 1)),
                          np.uint64(d), s, dn, np.uint64(K.reciprocal(dn)))
    assert join(*q) == (x // d if x // d <= U128_MAX else U128_MAX)


@st.composite
def normalize_inputs(draw):
    """Values around target/len (wide integers) or small ones: upstream walks any leftover one unit
    at a time, so arbitrary u128 inputs can take ~forever in Rust, the reference and the kernel."""
    n = draw(st.integers(0, 8))
    if draw(st.booleans()):
        return draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)), draw(st.integers(0, 10_000))
    base = draw(st.integers(0, U128_MAX // 16))
    values = [base + draw(st.integers(0, 10**6)) for _ in range(n)]
    return values, max(0, n * base + draw(st.integers(-10**6, 10**6)))


@settings(max_examples=300, deadline=None)
@given(normalize_inputs())
def test_kernel_normalize_equals_reference(case):
    values, target = case
    vh = np.array([v >> 64 for v in values], np.uint64)
    vl = np.array([v & (2**64 - 1) for v in values], np.uint64)
    idx = np.empty(max(1, len(values)), np.int64)
    try:
        expected = normalize(values, target)
    except NormalizeError:
        expected = None
    ok = K.normalize(vh, vl, len(values), *split(target), np.uint64(2**64 - 1), np.uint64(2**64 - 1), idx)
    assert (([join(h, l) for h, l in zip(vh, vl)]) if ok else None) == expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(ACCURACIES)), st.integers(0, 2**64 - 1), st.integers(0, 10**18))
def test_kernel_per_thing_ops_equal_reference(name, x, p):
    per = ACCURACIES[name]
    parts = p % (per.accuracy + 1)
    acc = np.uint64(per.accuracy)
    assert join(*K.per_thing_mul(acc, np.uint64(parts), np.uint64(0), np.uint64(x))) == per.mul(parts, x)
    q = x // 3 + 1
    assert int(K.from_rational(acc, *split(parts), *split(q))) == per.from_rational(parts, q)
