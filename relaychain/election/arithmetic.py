"""The integer arithmetic NPoS elections depend on (sp-arithmetic), with Substrate's exact rounding.

Plain Python integers model Rust's `u128` (`ExtendedBalance`): every operation here states whether it
saturates, returns `None` on overflow, or cannot overflow. Spec: shared/specs/npos.md §2.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

U64_MAX = (1 << 64) - 1
U128_MAX = (1 << 128) - 1


class Rounding(enum.Enum):
    """`sp_arithmetic::Rounding` for unsigned quantities (npos.md §2.1)."""

    DOWN = "down"
    UP = "up"
    NEAREST_PREF_DOWN = "nearest_pref_down"
    NEAREST_PREF_UP = "nearest_pref_up"


def sat_add(a: int, b: int) -> int:
    return min(a + b, U128_MAX)


def sat_sub(a: int, b: int) -> int:
    return a - b if a > b else 0


def sat_mul(a: int, b: int) -> int:
    return min(a * b, U128_MAX)


def _round_up(remainder: int, divisor: int, rounding: Rounding) -> bool:
    """Whether a floor quotient with this remainder is bumped by one (npos.md §2.1 table)."""
    if rounding is Rounding.DOWN:
        return False
    if rounding is Rounding.UP:
        return remainder > 0
    if rounding is Rounding.NEAREST_PREF_DOWN:
        return remainder > divisor // 2
    return remainder >= divisor // 2 + divisor % 2


def multiply_by_rational_with_rounding(a: int, b: int, c: int, rounding: Rounding) -> int | None:
    """`a * b / c` with a 256-bit intermediate; `None` when `c == 0` or the result exceeds u128 (§2.1)."""
    if c == 0:
        return None
    q, r = divmod(a * b, c)
    if _round_up(r, c, rounding):
        q += 1
    return q if q <= U128_MAX else None


mulrat = multiply_by_rational_with_rounding


# -- Rational128 (npos.md §2.2): a pair (n, d); the constructor clamps d to at least 1. ---------------

def rational(n: int, d: int) -> tuple[int, int]:
    return (n, max(d, 1))


RATIONAL_ZERO = (0, 1)
RATIONAL_MAX = (U128_MAX, 1)


def lazy_saturating_add(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
    """Add numerators, keep `x`'s denominator: denominators are deliberately not reconciled."""
    if y[0] == 0:
        return x
    return (sat_add(x[0], y[0]), x[1])


def lazy_saturating_sub(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
    if y[0] == 0:
        return x
    return (sat_sub(x[0], y[0]), x[1])


def rational_to_den(x: tuple[int, int], den: int) -> tuple[int, int] | None:
    """Re-express `x` over `den`, rounding half down; `None` if it overflows."""
    if den == x[1]:
        return x
    n = mulrat(x[0], den, x[1], Rounding.NEAREST_PREF_DOWN)
    return None if n is None else (n, den)


def rational_cmp(x: tuple[int, int], y: tuple[int, int]) -> int:
    """Three-way compare (-1, 0, 1) of two Rational128, exactly (cross-multiplied)."""
    if x[1] == y[1]:
        a, b = x[0], y[0]
    elif x[1] == 0:
        return 1
    elif y[1] == 0:
        return -1
    else:
        a, b = x[0] * y[1], y[0] * x[1]
    return (a > b) - (a < b)


# -- normalize (npos.md §2.3) --------------------------------------------------------------------

class NormalizeError(ArithmeticError):
    """`sp_arithmetic::normalize` failed: the sum (or the length) does not fit the value type."""


def normalize(values: list[int], target: int, type_max: int = U128_MAX) -> list[int]:
    """Adjust `values` so they sum to `target`, moving the smallest/largest first, as Substrate does.

    `type_max` is the maximum of the integer type the Rust code runs in (u128 for balances, the
    PerThing's upper type for ratios): the checked sum and the length must fit it.
    """
    total = 0
    for v in values:
        total += v
        if total > type_max:
            raise NormalizeError("sum of input cannot fit in `T`")
    count = len(values)
    if count > type_max:
        raise NormalizeError("length of `inputs` cannot fit in `T`")
    if count == 0:
        return []
    diff = abs(target - total)
    if diff == 0:
        return list(values)
    per_round, leftover = divmod(diff, count)
    # Sort once by value (stable), remembering the original positions.
    out = sorted(([i, v] for i, v in enumerate(values)), key=lambda iv: iv[1])
    if target > total:
        # Bump from the minimum; move on once an element reaches the average.
        i = 0
        threshold = target // count
        if per_round:
            for _ in range(count):
                out[i][1] += per_round
                if out[i][1] >= threshold:
                    i = (i + 1) % count
        while leftover:
            out[i][1] += 1
            if out[i][1] >= threshold:
                i = (i + 1) % count
            leftover -= 1
    else:
        # Reduce from the maximum; move on once an element falls to the (original) minimum.
        i = count - 1
        threshold = out[0][1]
        if per_round:
            for _ in range(count):
                if out[i][1] >= per_round:
                    out[i][1] -= per_round
                else:
                    leftover += per_round - out[i][1]
                    out[i][1] = 0
                if out[i][1] <= threshold:
                    i = i - 1 if i > 0 else count - 1
        while leftover:
            if out[i][1] >= 1:
                out[i][1] -= 1
                if out[i][1] <= threshold:
                    i = i - 1 if i > 0 else count - 1
                leftover -= 1
            else:
                i = i - 1 if i > 0 else count - 1
    out.sort(key=lambda iv: iv[0])
    return [v for _, v in out]


# -- PerThing (npos.md §2.4) ---------------------------------------------------------------------

@dataclass(frozen=True)
class PerThing:
    """A fixed-point ratio type: `parts / accuracy`, with its Rust inner and upper integer widths."""

    name: str
    accuracy: int
    inner_bits: int
    upper_bits: int

    @property
    def upper_max(self) -> int:
        return (1 << self.upper_bits) - 1

    def from_rational(self, p: int, q: int) -> int:
        """Parts of `p / q`, rounded down; `q == 0` or `p > q` saturate to one (= accuracy)."""
        if q == 0 or p > q:
            return self.accuracy
        return mulrat(self.accuracy, p, q, Rounding.DOWN)

    def mul(self, parts: int, x: int, rounding: Rounding = Rounding.NEAREST_PREF_DOWN) -> int:
        """`P * x` (`overflow_prune_mul`): split `x` by the accuracy so nothing overflows."""
        acc = self.accuracy
        whole, rem = divmod(x, acc)
        c, m = divmod(rem * parts, acc)
        if _round_up(m, acc, rounding):
            c += 1
        return sat_add(sat_mul(whole, parts), c)

    def mul_ceil(self, parts: int, x: int) -> int:
        return self.mul(parts, x, Rounding.UP)

    def normalize_parts(self, parts: list[int]) -> list[int]:
        """`Vec<P>::normalize(P::one())`: normalise in the upper type, then clamp to one."""
        return [min(p, self.accuracy) for p in normalize(parts, self.accuracy, self.upper_max)]


Percent = PerThing("Percent", 100, 8, 16)
PerU16 = PerThing("PerU16", 65_535, 16, 32)
Permill = PerThing("Permill", 1_000_000, 32, 64)
Perbill = PerThing("Perbill", 1_000_000_000, 32, 64)
Perquintill = PerThing("Perquintill", 10**18, 64, 128)

ACCURACIES: dict[str, PerThing] = {
    "percent": Percent,
    "peru16": PerU16,
    "permill": Permill,
    "perbill": Perbill,
    "perquintill": Perquintill,
}
