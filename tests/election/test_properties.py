"""Properties over small random snapshots: kernels == reference, and election invariants."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaychain.election import ACCURACIES, Snapshot, elect, evaluate_support
from relaychain.election.arithmetic import U64_MAX
from relaychain.election.generate import generate_snapshot

stakes = st.one_of(st.integers(0, 100), st.integers(0, U64_MAX),
                   st.integers(10**12, 10**17), st.sampled_from([0, 1, U64_MAX, U64_MAX - 1]))


@st.composite
def snapshots(draw, algorithm=None, balance=None):
    n_cand = draw(st.integers(1, 8))
    candidates = list(range(n_cand))
    target = st.one_of(st.integers(0, n_cand - 1), st.integers(0, n_cand + 3))  # some non-candidates
    n_voters = draw(st.integers(0, 12))
    voters = [[100 + i, draw(stakes), draw(st.lists(target, max_size=6))] for i in range(n_voters)]
    return Snapshot(
        to_elect=draw(st.integers(1, n_cand)),
        candidates=tuple(candidates),
        voters=tuple((w, s, tuple(t)) for w, s, t in voters),
        balance_iterations=draw(st.integers(0, 3)) if balance is None else balance,
        tolerance=draw(st.sampled_from([0, 0, 1, 10, 10**15])),
        algorithm=algorithm or draw(st.sampled_from(["seq_phragmen", "phragmms"])),
        accuracy=draw(st.sampled_from(sorted(ACCURACIES))),
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(snapshots())
def test_kernels_equal_reference(snapshot):
    expected = elect(snapshot, reference=True, with_edge_weights=True)
    assert elect(snapshot, with_edge_weights=True) == expected


@FAST
@given(snapshots())
def test_supports_of_every_voter_sum_to_its_stake(snapshot):
    result = elect(snapshot)
    stake_of = {w: s for w, s, _ in snapshot.voters}
    given_by: dict = {}
    for _, support in result.supports:
        for who, w in support.voters:
            given_by[who] = given_by.get(who, 0) + w
    for who, _ in result.assignments:
        assert given_by.get(who, 0) == stake_of[who]
    one = snapshot.per_thing.accuracy
    for _, dist in result.assignments:
        assert sum(p for _, p in dist) == one


@FAST
@given(snapshots())
def test_score_is_the_score_of_the_supports(snapshot):
    result = elect(snapshot)
    for _, support in result.supports:
        assert support.total == sum(w for _, w in support.voters)
    assert result.score == evaluate_support(s.total for _, s in result.supports)
    # (PhragMMS quirk: a zero-stake voter "assigns" 100% of nothing to unelected targets too)
    winners = {w for w, _ in result.winners}
    assert {t for t, s in result.supports if s.total > 0} <= winners


@FAST
@given(snapshots(algorithm="seq_phragmen", balance=0), st.integers(1, 5))
def test_balancing_never_lowers_the_minimal_backing(snapshot, iterations):
    plain = elect(snapshot)
    balanced = elect(replace(snapshot, balance_iterations=iterations, tolerance=0))
    assert [w for w, _ in plain.winners] == [w for w, _ in balanced.winners]
    assert min(b for _, b in balanced.winners) >= min(b for _, b in plain.winners)


@pytest.mark.parametrize("seed, algorithm, iterations, accuracy", [
    (1, "seq_phragmen", 0, "peru16"), (2, "seq_phragmen", 5, "perbill"),
    (3, "phragmms", 1, "perquintill"), (4, "phragmms", 0, "percent"),
])
def test_polkadot_like_snapshots_kernels_equal_reference(seed, algorithm, iterations, accuracy):
    snap = replace(Snapshot.from_json(generate_snapshot(300, 40, 12, seed=seed, self_votes=True)),
                   algorithm=algorithm, balance_iterations=iterations, accuracy=accuracy)
    assert elect(snap, with_edge_weights=True) == elect(snap, reference=True, with_edge_weights=True)
