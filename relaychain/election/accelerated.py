"""The election on the numba kernels: snapshot -> flat arrays -> kernels -> `ElectionResult`.

Same contract as `reference.elect`, bit for bit (npos.md §3–§7); this module only converts between
Python objects and the kernels' CSR arrays.
"""

from __future__ import annotations

import gc
import json

import numpy as np

from . import _native
from .arithmetic import U64_MAX
from .reference import Progress
from .score import evaluate_support
from .snapshot import ElectionArithmeticError, ElectionResult, Snapshot, Support, id_sort_key, result_json_text

_MASK64 = U64_MAX
OK = 0  # kernel status codes (_kernels.OK / ERR_NORMALIZE)


def kernels(native: bool = False):
    """The numba kernels module, or with `native` its ahead-of-time build when one exists."""
    if native:
        module = _native.load()
        if module is not None:
            return module
    from . import _kernels

    return _kernels


def _u128(hi: np.ndarray, lo: np.ndarray) -> list[int]:
    """uint64 pairs to Python ints (fast path when every value fits in 64 bits)."""
    if not hi.any():
        return lo.tolist()
    return [(h << 64) | l for h, l in zip(hi.tolist(), lo.tolist())]


def _split(x: int) -> tuple[np.uint64, np.uint64]:
    return np.uint64(x >> 64), np.uint64(x & _MASK64)


def to_arrays(snapshot: Snapshot):
    """Candidate indices of every vote (-1: not a candidate), CSR by voter, and the stakes."""
    index = {c: i for i, c in enumerate(snapshot.candidates)}
    voters = snapshot.voters
    lengths = np.fromiter((len(t) for _, _, t in voters), dtype=np.int64, count=len(voters))
    raw_start = np.zeros(len(voters) + 1, dtype=np.int64)
    np.cumsum(lengths, out=raw_start[1:])
    get = index.get
    raw_target = np.array([get(t, -1) for t in snapshot.flat_targets()], dtype=np.int64)
    stake = np.array([s for _, s, _ in voters], dtype=np.uint64)
    return raw_start, raw_target, stake


def elect(snapshot: Snapshot, *, with_edge_weights: bool = False, progress: Progress = None,
          native: bool = False) -> ElectionResult:
    """Run the snapshot's election on the kernels; identical output to `reference.elect`.

    `native=True` uses the ahead-of-time compiled kernels when built (see `_native`): the same code
    without numba's start-up cost, for one-shot processes."""
    run = _run(snapshot, progress, kernels(native))
    return _result(snapshot, *run, with_edge_weights)


def elect_json(snapshot: Snapshot, *, progress: Progress = None, native: bool = False) -> tuple[str, list, object]:
    """The result JSON text (npos.md §10) with the winners and the score, rendered by the kernels
    when every id is an integer below 2^64 (else through `ElectionResult`)."""
    K = kernels(native)
    run = _run(snapshot, progress, K)
    try:
        voter_ids = np.array([w for w, _, _ in snapshot.voters], dtype=np.uint64)
        cand_ids = np.array(snapshot.candidates, dtype=np.uint64)
        fits = voter_ids.ndim == 1 and cand_ids.ndim == 1
    except (OverflowError, TypeError, ValueError):
        fits = False
    if not fits:
        result = _result(snapshot, *run, False)
        return result_json_text(result), result.winners, result.score
    (voter_index, winners, backed_h, backed_l, _v_start, _e_cand, _w_h, _w_l, _budget, a_voter, a_start, a_cand,
     a_parts, s_start, s_voter, s_h, s_l, tot_h, tot_l) = run
    post_voter_ids = voter_ids[voter_index]
    cands = snapshot.candidates
    backed = _u128(backed_h, backed_l)
    win = [[cands[w], backed[w]] for w in winners.tolist()]
    sstart = s_start.tolist()
    order = sorted((c for c in range(len(cands)) if sstart[c + 1] > sstart[c]), key=lambda c: cands[c])
    totals = _u128(tot_h, tot_l)
    score = evaluate_support(totals[c] for c in order)
    assignments = K.render_assignments(a_voter, a_start, a_cand, a_parts, post_voter_ids, cand_ids)
    supports = K.render_supports(np.array(order, dtype=np.int64), s_start, s_voter, s_h, s_l, tot_h, tot_l,
                                 post_voter_ids, cand_ids)
    text = "".join(['{"winners":', json.dumps(win, separators=(",", ":")), ',"assignments":',
                    assignments.tobytes().decode(), ',"supports":', supports.tobytes().decode(), ',"score":',
                    json.dumps(score.to_list(), separators=(",", ":")), "}"])
    return text, win, score


def _run(snapshot: Snapshot, progress: Progress, K):
    """Set-up, the election and the assembly on the kernels: every array `_result` needs."""
    n_cand = len(snapshot.candidates)
    raw_start, raw_target, stake = to_arrays(snapshot)
    voter_index, v_start, e_cand, budget, app_h, app_l = K.setup_inputs(n_cand, raw_start, raw_target, stake)
    tol_h, tol_l = _split(snapshot.tolerance)
    per_thing = snapshot.per_thing
    acc = np.uint64(per_thing.accuracy)
    if snapshot.algorithm == "phragmms":
        w_h = np.zeros(e_cand.shape[0], np.uint64)
        w_l = np.zeros(e_cand.shape[0], np.uint64)
        backed_h = np.zeros(n_cand, np.uint64)
        backed_l = np.zeros(n_cand, np.uint64)
        elected = np.zeros(n_cand, np.bool_)
        d_h = np.zeros(n_cand, np.uint64)
        d_l = np.ones(n_cand, np.uint64)
        winners = np.empty(snapshot.to_elect, np.int64)
        n_won, step = 0, max(1, snapshot.to_elect // 50)
        while n_won < snapshot.to_elect:
            goal = min(n_won + step, snapshot.to_elect)
            got = K.phragmms_rounds(n_won, goal, acc, v_start, e_cand, w_h, w_l, budget, app_h, app_l,
                                    backed_h, backed_l, elected, d_h, d_l, winners,
                                    snapshot.balance_iterations, tol_h, tol_l)
            stalled = got < goal
            n_won = got
            if progress:
                progress(n_won, snapshot.to_elect)
            if stalled:
                break
        winners = winners[:n_won]
    else:
        status, winners, elected, backed_h, backed_l, v_start, e_cand, w_h, w_l = K.seq_phragmen(
            n_cand, v_start, e_cand, budget, app_h, app_l, snapshot.to_elect)
        if status != OK:
            raise ElectionArithmeticError("normalising a voter's edge weights overflowed u128")
        K.balance(v_start, e_cand, w_h, w_l, budget, backed_h, backed_l, elected,
                  snapshot.balance_iterations, tol_h, tol_l)
        if progress:
            progress(len(winners), len(winners))
    upper_h, upper_l = _split(per_thing.upper_max)
    (status, a_voter, a_start, a_cand, a_parts, s_start, s_voter, s_h, s_l, tot_h,
     tot_l) = K.assemble(n_cand, v_start, e_cand, w_h, w_l, budget, acc, upper_h, upper_l)
    if status != OK:
        raise ElectionArithmeticError("normalising an assignment overflowed its PerThing's upper type")
    return (voter_index, winners, backed_h, backed_l, v_start, e_cand, w_h, w_l, budget,
            a_voter, a_start, a_cand, a_parts, s_start, s_voter, s_h, s_l, tot_h, tot_l)


def _result(*args) -> ElectionResult:
    # Hundreds of thousands of small lists: the cyclic GC would rescan them over and over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_result(*args)
    finally:
        if enabled:
            gc.enable()


def _build_result(snapshot, voter_index, winners, backed_h, backed_l, v_start, e_cand, w_h, w_l, budget,
                  a_voter, a_start, a_cand, a_parts, s_start, s_voter, s_h, s_l, tot_h, tot_l,
                  with_edge_weights) -> ElectionResult:
    cand_ids = snapshot.candidates
    voter_ids = [snapshot.voters[i][0] for i in voter_index.tolist()]
    backed = _u128(backed_h, backed_l)
    win = [[cand_ids[w], backed[w]] for w in winners.tolist()]
    pairs = [[cand_ids[c], p] for c, p in zip(a_cand.tolist(), a_parts.tolist())]
    starts = a_start.tolist()
    assignments = [[voter_ids[v], pairs[starts[k]:starts[k + 1]]] for k, v in enumerate(a_voter.tolist())]
    totals = _u128(tot_h, tot_l)
    sup_voters = [voter_ids[v] for v in s_voter.tolist()]
    sup_stakes = _u128(s_h, s_l)
    sstart = s_start.tolist()
    backed_targets = sorted((c for c in range(len(cand_ids)) if sstart[c + 1] > sstart[c]),
                            key=lambda c: id_sort_key(cand_ids[c]))
    supports = [[cand_ids[c], Support(totals[c], [[sup_voters[j], sup_stakes[j]]
                                                   for j in range(sstart[c], sstart[c + 1])])]
                for c in backed_targets]
    edge_weights = None
    if with_edge_weights:
        weights = _u128(w_h, w_l)
        vs = v_start.tolist()
        ec = e_cand.tolist()
        edge_weights = [[voter_ids[v], int(budget[v]),
                         [[cand_ids[ec[e]], weights[e]] for e in range(vs[v], vs[v + 1])]]
                        for v in range(len(voter_ids))]
    return ElectionResult(winners=win, assignments=assignments, supports=supports,
                          score=evaluate_support(totals[c] for c in backed_targets),
                          edge_weights=edge_weights)
