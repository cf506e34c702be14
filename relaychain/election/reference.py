"""The readable definition of the NPoS election: sequential Phragmén, balancing and PhragMMS.

Exact-integer Python, a direct statement of sp-npos-elections (npos.md §3–§7). The numba kernels
(`_kernels.py`) must agree with this module bit for bit; it is slow on purpose (every round walks
every edge, as the Rust code does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from .arithmetic import (
    RATIONAL_MAX, RATIONAL_ZERO, U128_MAX, NormalizeError, PerThing, Rounding, lazy_saturating_add,
    lazy_saturating_sub, mulrat, normalize, rational, rational_cmp, rational_to_den, sat_add, sat_mul,
    sat_sub,
)
from .score import evaluate_support
from .snapshot import ElectionArithmeticError, ElectionResult, Snapshot, Support, id_sort_key

DEN = U128_MAX  # the denominator of Phragmén loads (npos.md §4)

Progress = Optional[Callable[[int, int], None]]


@dataclass
class Candidate:
    who: object
    approval_stake: int = 0
    backed_stake: int = 0
    score: tuple = RATIONAL_ZERO
    elected: bool = False
    round: int = 0


@dataclass
class Edge:
    who: object
    candidate: Candidate
    load: tuple = RATIONAL_ZERO
    weight: int = 0


@dataclass
class Voter:
    who: object
    budget: int
    edges: list = field(default_factory=list)
    load: tuple = RATIONAL_ZERO

    def try_normalize_elected(self) -> None:
        """Make the elected edges' weights sum to the budget, keeping candidates' backing in step."""
        elected = [e for e in self.edges if e.candidate.elected]
        fixed = normalize([e.weight for e in elected], self.budget)
        for e, w in zip(elected, fixed):
            e.candidate.backed_stake = sat_add(sat_sub(e.candidate.backed_stake, e.weight), w)
            e.weight = w


def setup_inputs(candidates, voters) -> tuple[list[Candidate], list[Voter]]:
    """Candidates in order; voters keep their first vote per target, drop non-candidates (§3)."""
    cands = [Candidate(who) for who in candidates]
    index = {who: i for i, who in enumerate(candidates)}  # a repeated id maps to its last index
    out = []
    for who, stake, targets in voters:
        edges: list[Edge] = []
        for t in targets:
            if any(e.who == t for e in edges) or t not in index:
                continue
            c = cands[index[t]]
            c.approval_stake = sat_add(c.approval_stake, stake)
            edges.append(Edge(t, c))
        if edges:
            out.append(Voter(who, stake, edges))
    return cands, out


def seq_phragmen_core(to_elect: int, cands: list[Candidate], voters: list[Voter],
                      progress: Progress = None) -> None:
    """Elect one candidate per round: the one whose election would least raise its voters' load (§4)."""
    rounds = min(to_elect, len(cands))
    for rnd in range(rounds):
        for c in cands:
            if not c.elected:
                c.score = RATIONAL_MAX if c.approval_stake == 0 else rational(DEN // c.approval_stake, DEN)
        for v in voters:
            for e in v.edges:
                c = e.candidate
                if not c.elected and c.approval_stake != 0:
                    t = mulrat(v.load[0], v.budget, c.approval_stake, Rounding.DOWN)
                    c.score = lazy_saturating_add(c.score, rational(U128_MAX if t is None else t, v.load[1]))
        winner = None
        for c in cands:  # the first minimum in candidate order wins
            if not c.elected and (winner is None or rational_cmp(c.score, winner.score) < 0):
                winner = c
        if winner is None:
            break
        winner.elected, winner.round = True, rnd
        for v in voters:
            for e in v.edges:
                if e.who == winner.who:
                    e.load = lazy_saturating_sub(winner.score, v.load)
                    v.load = winner.score
        if progress:
            progress(rnd + 1, rounds)
    for v in voters:
        for e in v.edges:
            if e.candidate.elected:
                w = mulrat(v.budget, e.load[0], v.load[0], Rounding.DOWN)
                e.weight = U128_MAX if w is None else w
            else:
                e.weight = 0
            e.candidate.backed_stake = sat_add(e.candidate.backed_stake, e.weight)
        v.edges = [e for e in v.edges if e.weight > 0]
        try:
            v.try_normalize_elected()
        except NormalizeError as exc:
            raise ElectionArithmeticError(f"normalising the stake of voter {v.who!r}: {exc}") from None


def balance_voter(v: Voter, tolerance: int) -> int:
    """Spread one voter's stake to even out its elected candidates' backing (§5); returns the gap."""
    elected = [e for e in v.edges if e.candidate.elected]
    if len(elected) <= 1:
        return 0
    stake_used = 0
    for e in elected:
        stake_used = sat_add(stake_used, e.weight)
    backed_used = [e.candidate.backed_stake for e in elected if e.weight > 0]
    if backed_used:
        diff = sat_sub(max(backed_used), min(e.candidate.backed_stake for e in elected))
        diff = sat_add(diff, sat_sub(v.budget, stake_used))
        if diff < tolerance:
            return diff
    else:
        diff = v.budget
    for e in elected:
        e.candidate.backed_stake = sat_sub(e.candidate.backed_stake, e.weight)
        e.weight = 0
    elected.sort(key=lambda e: e.candidate.backed_stake)
    cumulative, last = 0, len(elected) - 1
    for i, e in enumerate(elected):
        b = e.candidate.backed_stake
        if sat_sub(sat_mul(b, i), cumulative) > v.budget:
            last = max(i - 1, 0)
            break
        cumulative = sat_add(cumulative, b)
    last_stake = elected[last].candidate.backed_stake
    ways = last + 1
    excess = sat_sub(sat_add(v.budget, cumulative), sat_mul(last_stake, ways))
    for e in elected[:ways]:
        w = sat_sub(sat_add(excess // ways, last_stake), e.candidate.backed_stake)
        e.weight = w
        e.candidate.backed_stake = sat_add(e.candidate.backed_stake, w)
    try:
        v.try_normalize_elected()
    except NormalizeError:
        pass  # an un-normalised voter is not corrupt; upstream ignores this too
    return diff


def balance(voters: list[Voter], iterations: int, tolerance: int) -> int:
    """Balance every voter in order until the largest gap is within tolerance or iterations run out."""
    if iterations == 0:
        return 0
    done = 0
    while True:
        max_diff = 0
        for v in voters:
            max_diff = max(max_diff, balance_voter(v, tolerance))
        done += 1
        if max_diff <= tolerance or done >= iterations:
            return done


def calculate_max_score(cands: list[Candidate], voters: list[Voter], per_thing: PerThing) -> Candidate | None:
    """PhragMMS: the unelected candidate with the largest approval-over-load score (§6)."""
    acc = per_thing.accuracy
    for c in cands:
        if not c.elected:
            c.score = rational(1, acc)
    for v in voters:
        contrib = 0
        for e in v.edges:
            if e.candidate.elected:
                contrib += per_thing.from_rational(e.weight, e.candidate.backed_stake)
        for e in v.edges:
            if not e.candidate.elected:
                e.candidate.score = rational(1, contrib + e.candidate.score[1])
    best, best_score = None, RATIONAL_ZERO
    for c in cands:
        if c.approval_stake > 0:
            n = c.approval_stake * acc
            c.score = rational(n if n <= U128_MAX else U128_MAX, c.score[1])
            if not c.elected and rational_cmp(c.score, best_score) > 0:
                best, best_score = c, c.score
        else:
            c.score = RATIONAL_ZERO
    return best


def apply_elected(voters: list[Voter], winner: Candidate) -> None:
    """PhragMMS: move stake from over-backed candidates to the new winner, up to its score (§6)."""
    cutoff = rational_to_den(winner.score, 1)[0]
    backed = winner.backed_stake
    for v in voters:
        new = next((e for e in v.edges if e.who == winner.who), None)
        if new is None:
            continue
        used = sum(e.weight for e in v.edges)
        new_weight = sat_sub(v.budget, used)
        backed = sat_add(backed, new_weight)
        for e in v.edges:
            if e is new or e.weight == 0:
                continue
            c = e.candidate
            if c.backed_stake > cutoff:
                take = sat_mul(e.weight, cutoff) // max(c.backed_stake, 1)
                e.weight = sat_sub(e.weight, take)
                c.backed_stake = sat_sub(c.backed_stake, take)
                backed = sat_add(backed, take)
                new_weight = sat_add(new_weight, take)
        new.weight = new_weight
    winner.backed_stake = backed


def phragmms_core(to_elect: int, cands: list[Candidate], voters: list[Voter], per_thing: PerThing,
                  iterations: int, tolerance: int, progress: Progress = None) -> None:
    for rnd in range(to_elect):
        winner = calculate_max_score(cands, voters, per_thing)
        if winner is None:
            break
        apply_elected(voters, winner)
        winner.round, winner.elected = rnd, True
        balance(voters, iterations, tolerance)
        if progress:
            progress(rnd + 1, to_elect)


def assemble_result(snapshot: Snapshot, cands: list[Candidate], voters: list[Voter],
                    with_edge_weights: bool = False) -> ElectionResult:
    """Winners by round, ratio assignments, staked supports and the score (§7)."""
    per_thing = snapshot.per_thing
    winners = sorted((c for c in cands if c.elected), key=lambda c: c.round)
    assignments = []
    for v in voters:
        dist = [(e.who, per_thing.from_rational(e.weight, v.budget)) for e in v.edges]
        dist = [(t, p) for t, p in dist if p > 0]
        if not dist:
            continue
        try:
            parts = per_thing.normalize_parts([p for _, p in dist])
        except NormalizeError as exc:
            raise ElectionArithmeticError(f"normalising the ratios of voter {v.who!r}: {exc}") from None
        assignments.append([v.who, [[t, p] for (t, _), p in zip(dist, parts)]])
    stake_of: dict = {}
    for who, stake, _ in snapshot.voters:
        stake_of.setdefault(who, stake)
    support_list = to_supports(assignment_ratio_to_staked_normalized(assignments, stake_of, per_thing))
    edge_weights = None
    if with_edge_weights:
        edge_weights = [[v.who, v.budget, [[e.who, e.weight] for e in v.edges]] for v in voters]
    return ElectionResult(
        winners=[[c.who, c.backed_stake] for c in winners],
        assignments=assignments,
        supports=support_list,
        score=evaluate_support(s.total for _, s in support_list),
        edge_weights=edge_weights,
    )


def assignment_ratio_to_staked_normalized(assignments, stake_of: dict, per_thing: PerThing):
    """Ratios back to stake: `P * stake` rounded to nearest, then normalised to the stake (§7.3)."""
    out = []
    for who, dist in assignments:
        stake = stake_of[who]
        staked = [(t, per_thing.mul(p, stake)) for t, p in dist if p > 0]
        try:
            fixed = normalize([w for _, w in staked], stake)
        except NormalizeError as exc:
            raise ElectionArithmeticError(f"normalising the stake of voter {who!r}: {exc}") from None
        out.append((who, [(t, w) for (t, _), w in zip(staked, fixed)]))
    return out


def to_supports(staked) -> list:
    """Target-major view of staked assignments, sorted by target id (`to_supports`, §7.4)."""
    supports: dict = {}
    for who, dist in staked:
        for target, w in dist:
            s = supports.setdefault(target, Support(0, []))
            supports[target] = Support(sat_add(s.total, w), s.voters)
            s.voters.append([who, w])
    return [[t, s] for t, s in sorted(supports.items(), key=lambda kv: id_sort_key(kv[0]))]


def elect(snapshot: Snapshot, *, with_edge_weights: bool = False, progress: Progress = None) -> ElectionResult:
    """Run the snapshot's election exactly as sp-npos-elections does."""
    cands, voters = setup_inputs(snapshot.candidates, snapshot.voters)
    if snapshot.algorithm == "phragmms":
        phragmms_core(snapshot.to_elect, cands, voters, snapshot.per_thing,
                      snapshot.balance_iterations, snapshot.tolerance, progress)
    else:
        seq_phragmen_core(snapshot.to_elect, cands, voters, progress)
        balance(voters, snapshot.balance_iterations, snapshot.tolerance)
    return assemble_result(snapshot, cands, voters, with_edge_weights)
