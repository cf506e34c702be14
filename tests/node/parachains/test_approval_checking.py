"""The approval rule (parachains.md §8), on the scenarios of polkadot-sdk's own unit tests.

Vectors: `polkadot/node/core/approval-voting/src/approval_checking.rs` tests (`exact_takes_only_assignments_up_to`,
`one_honest_node_always_approves`, `tranches_to_approve_*`, `count_no_shows_*`, `depth_0_*`) — the inputs and
expected results transcribed here.
"""

from __future__ import annotations

import pytest

from relaychain.node.parachains.approval_checking import (
    ALL, MAX_TRANCHE, ApprovalEntry, Exact, Pending, _State, check_approval, count_no_shows, tranches_to_approve,
)

BLOCK_TICK, NO_SHOW = 20, 10


def entry(n, assignments):
    e = ApprovalEntry(n, {})
    for tranche, validator, tick in assignments:
        e.import_assignment(tranche, validator, tick)
    return e


def test_pending_is_not_approved():
    assert not check_approval(entry(0, []), set(), Pending(0, None, 0, 0)).is_approved(2**64)


def test_exact_takes_only_assignments_up_to():
    e = entry(10, [(0, v, 0) for v in range(2)] + [(1, v, 1) for v in range(2, 5)] + [(2, v, 0) for v in range(5, 10)])
    approvals = {0, 1, 2}
    assert check_approval(e, approvals, Exact(0, 0, None, None)).is_approved(2**64)
    assert not check_approval(e, approvals, Exact(1, 0, None, None)).is_approved(2**64)
    assert check_approval(e, approvals, Exact(1, 2, None, None)).is_approved(2**64)


def test_one_honest_node_always_approves():
    e = entry(10, [(0, v, 0) for v in range(4)] + [(1, v, 1) for v in range(4, 6)] + [(2, v, 0) for v in range(6, 10)])
    approvals = {0, 1, 2}
    exact_all, pending_all = Exact(10, 0, None, None), Pending(5, None, 8, 12)
    for required in (ALL, exact_all, pending_all):
        assert not check_approval(e, approvals, required).is_approved(2**64)
    approvals.add(3)  # 4 of 10: more than a third
    for required in (ALL, exact_all, pending_all):
        assert check_approval(e, approvals, required).is_approved(2**64)


def test_everyone_present():
    e = entry(5, [(0, 0, BLOCK_TICK), (0, 1, BLOCK_TICK), (1, 2, BLOCK_TICK + 1), (1, 3, BLOCK_TICK + 1),
                  (2, 4, BLOCK_TICK + 2)])
    assert tranches_to_approve(e, set(range(5)), 2, BLOCK_TICK, NO_SHOW, 4) == Exact(1, 0, None, 21)


def test_not_enough_initial_count():
    e = entry(10, [(0, 0, BLOCK_TICK), (1, 2, BLOCK_TICK)])
    assert tranches_to_approve(e, set(), 2, BLOCK_TICK, NO_SHOW, 4) == \
        Pending(2, BLOCK_TICK + NO_SHOW, MAX_TRANCHE, 0)


def test_no_shows_before_initial_count_treated_same_as_not_initial():
    e = entry(10, [(0, 0, BLOCK_TICK), (0, 1, BLOCK_TICK), (1, 2, BLOCK_TICK)])
    assert tranches_to_approve(e, {0, 1}, NO_SHOW + 1, BLOCK_TICK, NO_SHOW, 4) == Pending(11, None, MAX_TRANCHE, 0)


def test_cover_no_show_not_enough():
    e = entry(8, [(0, 0, BLOCK_TICK), (0, 1, BLOCK_TICK), (1, 2, BLOCK_TICK), (1, 3, BLOCK_TICK)])
    approvals = {0, 1, 3}
    assert tranches_to_approve(e, approvals, NO_SHOW + 1, BLOCK_TICK, NO_SHOW, 4) == Pending(1, None, 2, NO_SHOW)
    approvals.discard(0)
    assert tranches_to_approve(e, approvals, NO_SHOW + 1, BLOCK_TICK, NO_SHOW, 4) == Pending(1, None, 3, NO_SHOW)


def test_multi_cover_not_enough():
    e = entry(8, [(0, 0, BLOCK_TICK), (0, 1, BLOCK_TICK), (1, 2, BLOCK_TICK + 1), (1, 3, BLOCK_TICK + 1),
                  (2, 4, BLOCK_TICK + NO_SHOW + 2), (2, 5, BLOCK_TICK + NO_SHOW + 2)])
    approvals = {0, 1, 3, 5}
    assert tranches_to_approve(e, approvals, 1, BLOCK_TICK, NO_SHOW, 4) == \
        Exact(1, 0, BLOCK_TICK + NO_SHOW + 1, BLOCK_TICK + 1)
    assert tranches_to_approve(e, approvals, NO_SHOW + 2, BLOCK_TICK, NO_SHOW, 4) == \
        Exact(2, 1, BLOCK_TICK + 2 * NO_SHOW + 2, BLOCK_TICK + NO_SHOW + 2)
    assert tranches_to_approve(e, approvals, 2 * NO_SHOW + 2, BLOCK_TICK, NO_SHOW, 4) == \
        Pending(2, None, 3, 2 * NO_SHOW)


def test_cover_no_show():
    e = entry(8, [(0, 0, BLOCK_TICK), (0, 1, BLOCK_TICK), (1, 2, BLOCK_TICK + 1), (1, 3, BLOCK_TICK + 1),
                  (2, 4, BLOCK_TICK + NO_SHOW + 2), (2, 5, BLOCK_TICK + NO_SHOW + 2)])
    approvals = {0, 1, 3, 4, 5}
    assert tranches_to_approve(e, approvals, NO_SHOW + 2, BLOCK_TICK, NO_SHOW, 4) == \
        Exact(2, 1, None, BLOCK_TICK + NO_SHOW + 2)
    approvals.discard(0)  # tranche 2 covers one no-show however many it holds
    assert tranches_to_approve(e, approvals, NO_SHOW + 2, BLOCK_TICK, NO_SHOW, 4) == Pending(2, None, 3, NO_SHOW)
    e.import_assignment(3, 6, BLOCK_TICK)
    approvals.add(6)
    assert tranches_to_approve(e, approvals, NO_SHOW + 3, BLOCK_TICK, NO_SHOW, 4) == \
        Exact(3, 2, None, BLOCK_TICK + NO_SHOW + 2)


def test_validator_indexes_out_of_range_are_ignored():
    e = entry(3, [(1, v, 1) for v in range(2, 5)])
    assert tranches_to_approve(e, set(), 10, BLOCK_TICK, NO_SHOW, 3) == Pending(10, None, MAX_TRANCHE, 0)


@pytest.mark.parametrize("assignments,approvals,drift,duration,now,no_shows,next_no_show", [
    ([], [], 0, 0, 0, 0, None),
    ([(1, 31)], [], 10, 10, 20, 0, 41),
    ([(1, 20)], [1], 10, 10, 20, 0, None),
    ([(1, 21)], [1], 10, 10, 20, 0, None),
    ([(1, 31), (2, 32)], [], 10, 10, 20, 0, 41),
    ([(1, 32), (2, 31)], [], 10, 10, 20, 0, 41),
    ([(1, 31), (2, 19), (3, 19)], [3], 10, 10, 20, 1, 41),
    ([(1, 20), (2, 20), (3, 20)], [], 10, 10, 20, 3, None),
    ([(1, 20), (2, 20), (3, 20)], [1, 2, 3], 10, 10, 20, 0, None),
    ([(1, 0)], [], 10, 20, 0, 0, 40),
    ([(1, 10)], [], 10, 20, 0, 0, 40),
    ([(1000, 20)], [], 10, 10, 20, 0, None),
    ([(1000, 21)], [], 10, 10, 20, 0, None),
])
def test_count_no_shows(assignments, approvals, drift, duration, now, no_shows, next_no_show):
    assert count_no_shows(assignments, set(approvals), 4, drift, BLOCK_TICK, duration, now) == \
        (no_shows, next_no_show)


def test_depth_0_covering_not_treated_as_such_and_exact_even_when_all():
    assert _State(0, 0, 0, 10, 0, None, None).output(0, 10, 10, 20) == Pending(0, None, MAX_TRANCHE, 0)
    assert _State(10, 0, 0, 0, 0, None, None).output(0, 10, 10, 20) == Exact(0, 0, None, None)
