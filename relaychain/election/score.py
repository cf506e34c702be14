"""`ElectionScore`: how good an election outcome is, and when one is strictly better (npos.md §9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .arithmetic import U128_MAX, PerThing, sat_add, sat_mul, sat_sub


@dataclass(frozen=True)
class ElectionScore:
    """`[minimal_stake, sum_stake, sum_stake_squared]`: maximise the first two, minimise the third."""

    minimal_stake: int
    sum_stake: int
    sum_stake_squared: int

    def to_list(self) -> list[int]:
        return [self.minimal_stake, self.sum_stake, self.sum_stake_squared]

    def _key(self, other: "ElectionScore") -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        # Lexicographic with the third element swapped, so a smaller sum of squares is better.
        return ((self.minimal_stake, self.sum_stake, other.sum_stake_squared),
                (other.minimal_stake, other.sum_stake, self.sum_stake_squared))

    def __lt__(self, other: "ElectionScore") -> bool:
        a, b = self._key(other)
        return a < b

    def __gt__(self, other: "ElectionScore") -> bool:
        a, b = self._key(other)
        return a > b

    def __le__(self, other: "ElectionScore") -> bool:
        return not self > other

    def __ge__(self, other: "ElectionScore") -> bool:
        return not self < other

    def strict_threshold_better(self, other: "ElectionScore", threshold_parts: int,
                                accuracy: PerThing) -> bool:
        """Is `self` better than `other` by more than `threshold` (a PerThing) in the deciding field?"""
        verdicts = []
        for this, that in zip(self.to_list(), other.to_list()):
            epsilon = accuracy.mul_ceil(threshold_parts, that)
            verdicts.append((this >= that, threshold_cmp(this, that, epsilon)))
        (ge0, o0), (ge1, o1), (_, o2) = verdicts
        if o0 > 0:
            return True
        if ge0 and o0 == 0 and o1 > 0:
            return True
        return ge0 and o0 == 0 and ge1 and o1 == 0 and o2 < 0


def threshold_cmp(this: int, that: int, epsilon: int) -> int:
    """`ThresholdOrd::tcmp`: equal when `this` is within `that ± epsilon` (inclusive bounds)."""
    if epsilon == 0:
        return (this > that) - (this < that)
    upper = sat_add(that, epsilon)
    lower = sat_sub(that, epsilon)
    if upper <= lower:
        return (this > that) - (this < that)
    if this > upper:
        return 1
    if this < lower:
        return -1
    return 0


def evaluate_support(totals: Iterable[int]) -> ElectionScore:
    """Score of the supports' totals; saturating sums, `u128::MAX` minimum when there are none."""
    minimal, total, squares = U128_MAX, 0, 0
    for t in totals:
        total = sat_add(total, t)
        squares = sat_add(squares, sat_mul(t, t))
        if t < minimal:
            minimal = t
    return ElectionScore(minimal, total, squares)
