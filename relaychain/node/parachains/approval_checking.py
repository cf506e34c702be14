"""When is a candidate approved under a block? The tranche-counting rule of approval voting.

Polkadot: `polkadot/node/core/approval-voting/src/approval_checking.rs`; parachains.md §8. Pure functions over
what a validator has seen of one candidate under one block: the assignments (validator, tranche, tick
received), the approvals, the block's tick and the clock.

- `tranches_to_approve`: walk tranches 0, 1, … up to now (the clock drifted back by `depth × no_show_duration`
  while covering no-shows), counting assignments until `needed_approvals` are assigned; an assigned validator
  that has not approved `no_show_duration` ticks after its assignment (never before the block's tick) is a
  no-show, and each no-show must be covered by one more *non-empty* tranche (a tranche covers at most one
  no-show); covering can itself meet no-shows, one depth further. Result: `Exact(needed, tolerated_missing,
  …)` once enough are assigned and every no-show is covered; `All` if assignments plus uncovered no-shows
  reach every validator; else `Pending` (wait for more tranches).
- `check_approval`: approved if more than a third of all validators approved (one of them is honest), or
  under `Exact`, if every validator assigned up to `needed` approved except at most `tolerated_missing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

MAX_TRANCHE = (1 << 32) - 1  # DelayTranche::max_value()


@dataclass(frozen=True)
class Exact:
    needed: int
    tolerated_missing: int
    next_no_show: Optional[int]
    last_assignment_tick: Optional[int]


@dataclass(frozen=True)
class Pending:
    considered: int
    next_no_show: Optional[int]
    maximum_broadcast: int
    clock_drift: int


@dataclass(frozen=True)
class AllValidators:
    """Every validator is needed (`RequiredTranches::All`)."""


ALL = AllValidators()
RequiredTranches = Union[Exact, Pending, AllValidators]


@dataclass(frozen=True)
class Approved:
    no_shows: int
    last_assignment_tick: Optional[int]

    def is_approved(self, max_assignment_tick: int) -> bool:
        return self.last_assignment_tick is None or self.last_assignment_tick <= max_assignment_tick


@dataclass(frozen=True)
class ApprovedOneThird:
    def is_approved(self, max_assignment_tick: int) -> bool:
        return True


@dataclass(frozen=True)
class Unapproved:
    def is_approved(self, max_assignment_tick: int) -> bool:
        return False


Check = Union[Approved, ApprovedOneThird, Unapproved]


@dataclass
class ApprovalEntry:
    """One candidate under one block: assignments by tranche, as (validator index, tick received)."""

    n_validators: int
    tranches: dict  # tranche -> [(validator, tick)]

    def import_assignment(self, tranche: int, validator: int, tick: int) -> None:
        entries = self.tranches.setdefault(tranche, [])
        if all(v != validator for v, _ in entries):
            entries.append((validator, tick))

    def assigned_up_to(self, tranche: int) -> set:
        return {v for t, entries in self.tranches.items() if t <= tranche for v, _ in entries}

    def assigned(self) -> set:
        return {v for entries in self.tranches.values() for v, _ in entries}


def _min_prefer_some(a: Optional[int], b: Optional[int]) -> Optional[int]:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _max_opt(a: Optional[int], b: Optional[int]) -> Optional[int]:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclass(frozen=True)
class _State:
    assignments: int
    depth: int
    covered: int
    covering: int
    uncovered: int
    next_no_show: Optional[int]
    last_assignment_tick: Optional[int]

    def clock_drift(self, no_show_duration: int) -> int:
        return self.depth * no_show_duration

    def output(self, tranche: int, needed_approvals: int, n_validators: int,
               no_show_duration: int) -> RequiredTranches:
        covering = 0 if self.depth == 0 else self.covering
        if self.depth != 0 and self.assignments + covering + self.uncovered >= n_validators:
            return ALL
        if self.assignments >= needed_approvals and covering + self.uncovered == 0:
            return Exact(tranche, self.covered, self.next_no_show, self.last_assignment_tick)
        maximum = MAX_TRANCHE if self.depth == 0 else tranche + covering + self.uncovered
        return Pending(tranche, self.next_no_show, maximum, self.clock_drift(no_show_duration))

    def advance(self, new_assignments: int, new_no_shows: int, next_no_show: Optional[int],
                last_assignment_tick: Optional[int]) -> "_State":
        # While covering no-shows, a non-empty tranche covers one, however many assignments it has.
        new_covered = new_assignments if self.depth == 0 else min(new_assignments, 1)
        covering = max(self.covering - new_covered, 0)
        covered = 0 if self.depth == 0 else self.covered + new_covered
        uncovered = self.uncovered + new_no_shows
        depth = self.depth
        if covering == 0:
            if uncovered == 0:
                covering = 0
            else:
                depth, covering, uncovered = depth + 1, uncovered, 0
        return _State(self.assignments + new_assignments, depth, covered, covering, uncovered,
                      _min_prefer_some(self.next_no_show, next_no_show),
                      _max_opt(self.last_assignment_tick, last_assignment_tick))


def count_no_shows(assignments: Sequence, approvals: set, n_validators: int, clock_drift: int, block_tick: int,
                   no_show_duration: int, drifted_tick_now: int) -> tuple[int, Optional[int]]:
    """(no-shows among `assignments`, the tick of the next possible no-show among those still pending)."""
    no_shows, next_no_show = 0, None
    for validator, tick in assignments:
        if validator >= n_validators:
            continue
        no_show_at = max(max(tick, block_tick) - clock_drift, 0) + no_show_duration
        approved = validator in approvals
        if not approved and no_show_at <= drifted_tick_now:
            no_shows += 1
        elif not approved:
            next_no_show = _min_prefer_some(next_no_show, no_show_at + clock_drift)
    return no_shows, next_no_show


def tranches_to_approve(entry: ApprovalEntry, approvals: set, tranche_now: int, block_tick: int,
                        no_show_duration: int, needed_approvals: int) -> RequiredTranches:
    """How many tranches of assignments approval of this candidate needs now (module docstring)."""
    tick_now = tranche_now + block_tick
    state = _State(0, 0, 0, needed_approvals, 0, None, None)
    tranche = 0
    while True:
        drift = state.clock_drift(no_show_duration)
        drifted_tick_now = max(tick_now - drift, 0)
        drifted_tranche_now = max(drifted_tick_now - block_tick, 0)
        if tranche > drifted_tranche_now and tranche > 0:
            return last
        assignments = entry.tranches.get(tranche, [])
        valid = [(v, t) for v, t in assignments if v < entry.n_validators]
        last_tick = max((t for _, t in assignments), default=None)
        no_shows, next_no_show = count_no_shows(assignments, approvals, entry.n_validators, drift, block_tick,
                                                no_show_duration, drifted_tick_now)
        state = state.advance(len(valid), no_shows, next_no_show, last_tick)
        last = state.output(tranche, needed_approvals, entry.n_validators, no_show_duration)
        if not isinstance(last, Pending):
            return last
        tranche += 1


def check_approval(entry: ApprovalEntry, approvals: set, required: RequiredTranches) -> Check:
    """Is the candidate approved given `required` (module docstring)?"""
    if 3 * len(approvals) > entry.n_validators:
        return ApprovedOneThird()
    if not isinstance(required, Exact):
        return Unapproved()
    assigned = entry.assigned_up_to(required.needed)
    if len(assigned & approvals) + required.tolerated_missing >= len(assigned):
        return Approved(required.tolerated_missing, required.last_assignment_tick)
    return Unapproved()
