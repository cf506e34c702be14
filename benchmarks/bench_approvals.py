"""Approval checking (parachains.md §8, §10): the work it costs per relay block, the finality lag it adds, and the
probability that an invalid candidate escapes it.

- Work and lag: six validators, four adder paras, 1 s relay blocks, the dev preset (needed_approvals 2). Per
  relay block, summed over the validators' Prometheus counters: assignments triggered, approval checks (each a
  recovery and a PVF re-execution), approval votes sent, assignments and votes received and counted. Finality
  lag (best − finalized, at each new best block) against a baseline in the same process: the same network
  without paras, where GRANDPA alone sets the lag. Checks per candidate are compared with needed_approvals, the
  fewest that could approve it.
- Escape probability (benchmarks/approval_escape.py): computed for the dev and Polkadot-like presets; checked
  against a Monte Carlo of the assignment process where it is large enough to measure, and against the real
  criteria (sr25519 VRFs, `compute_assignments`) on a small network.
Run:
    python3 -m pytest benchmarks/bench_approvals.py --benchmark-only -s
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

import pytest

from approval_escape import Scenario, escape_probability, simulate, simulate_with_criteria
from relaychain.launcher import NetworkSpec, NodeSpec, builtin_para, start_in_process
from relaychain.node.metrics import sample

VALIDATORS = ("alice", "bob", "charlie", "dave", "eve", "ferdie")
RUN_BLOCKS = 30
WARM_UP = 5

COUNTERS = {
    "assignments triggered": ("polkadot_parachain_assignments_produced_count", {}),
    "approval checks (PVF runs)": ("polkadot_parachain_approvals_produced_total", None),
    "approvals sent": ("polkadot_parachain_approvals_produced_total", {"status": "success"}),
    "assignments received": ("polkadot_parachain_approvals_imported_total", {"kind": "assignment"}),
    "approvals received": ("polkadot_parachain_approvals_imported_total", {"kind": "approval"}),
}
STATUSES = ("success", "invalid", "unavailable", "inconclusive")


def _totals(nodes) -> dict:
    out = {}
    for label, (name, labels) in COUNTERS.items():
        total = 0.0
        for node in nodes:
            if labels is None:  # every status
                total += sum(sample(node.metrics, name, {"status": s}) or 0 for s in STATUSES)
            else:
                total += sample(node.metrics, name, labels) or 0
        out[label] = total
    return out


async def _network(paras: int, blocks: int) -> dict:
    base = Path(tempfile.mkdtemp(prefix="bench-approvals-"))
    spec = NetworkSpec(tuple(NodeSpec(v) for v in VALIDATORS),
                       tuple(builtin_para(1000 + i, "adder", (f"collator-{1000 + i}",)) for i in range(paras)), 1000)
    net = await start_in_process(spec, base)
    alice = net.nodes[0]
    lags: list[int] = []
    included: list[int] = []

    def on_import(imported):
        if imported.is_new_best:
            lags.append(alice.client.best_number() - alice.client.finalized_number())
            included.append(sum(1 for kind, _ in alice.runtime_api.candidate_events(imported.hash)
                                if kind == "CandidateIncluded"))

    alice.client.import_listeners.append(on_import)
    try:
        while len(lags) < WARM_UP:
            await asyncio.sleep(0.2)
        start, lags[:], included[:] = _totals(net.nodes), [], []
        while len(lags) < blocks:
            await asyncio.sleep(0.2)
        end = _totals(net.nodes)
    finally:
        await net.stop()
    n = len(lags)
    figures = {k: (end[k] - start[k]) / n for k in end}
    figures["candidates included"] = sum(included) / n
    figures["finality lag median"] = statistics.median(lags)
    figures["finality lag max"] = max(lags)
    return figures


def _report(benchmark, label: str, figures: dict) -> None:
    for k, v in figures.items():
        benchmark.extra_info[f"{label}: {k}"] = round(v, 3)
    print(f"\n{label} (per relay block): " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))


@pytest.mark.benchmark(group="approvals")
def test_approval_work_and_finality_lag_with_four_paras(benchmark):
    baseline = asyncio.run(_network(0, RUN_BLOCKS))
    figures = benchmark.pedantic(lambda: asyncio.run(_network(4, RUN_BLOCKS)), rounds=1, iterations=1)
    _report(benchmark, "no paras (baseline)", baseline)
    _report(benchmark, "four paras", figures)
    per_candidate = figures["approval checks (PVF runs)"] / max(figures["candidates included"], 1e-9)
    benchmark.extra_info["checks per candidate / needed_approvals"] = round(per_candidate / 2, 2)
    extra = figures["finality lag median"] - baseline["finality lag median"]
    benchmark.extra_info["finality lag added by approvals (median, blocks)"] = extra
    print(f"{per_candidate:.2f} checks per candidate = {per_candidate / 2:.2f} x needed_approvals (2); "
          f"median finality lag {figures['finality lag median']:.1f} vs {baseline['finality lag median']:.1f} "
          f"blocks without paras")


# Adversaries just below a third, with the fewest backers the preset lets back a candidate in the dev layout
# (`--dev --malus`: one backing vote) and minimum_backing_votes = 2 elsewhere.
PRESETS = {
    "dev --malus (6 validators, groups of 2, 1 of 6 malicious)": Scenario(6, 2, 3, 1, 1, 2, 2, 6),
    "dev (4 validators, groups of 2, 1 of 4 malicious)": Scenario(4, 2, 2, 1, 1, 2, 2, 6),
    "polkadot-like (300 validators, groups of 5, 99 malicious)": Scenario(300, 5, 60, 99, 2, 30, 6, 89),
    "polkadot-like, needed_approvals 10": Scenario(300, 5, 60, 99, 2, 10, 6, 89),
}
# Measurable cases (adversaries beyond the presets') to check the formula against simulation.
CHECKS = {
    "30 validators, 9 malicious, needed 2": Scenario(30, 3, 10, 9, 2, 2, 2, 10),
    "9 validators, 4 malicious, needed 2": Scenario(9, 3, 3, 4, 1, 2, 2, 6),
    "9 validators, 4 malicious, needed 1": Scenario(9, 3, 3, 4, 1, 1, 2, 6),
}
MODEL_TRIALS = 200_000
CRITERIA_STORIES = 1_000


@pytest.mark.benchmark(group="approvals")
def test_escape_probability_computed_and_simulated(benchmark):
    computed = benchmark.pedantic(lambda: {k: escape_probability(s) for k, s in PRESETS.items()},
                                  rounds=1, iterations=1)
    print()
    for label, p in computed.items():
        benchmark.extra_info[f"P(escape) {label}"] = p
        print(f"P(escape) {label}: {p:.3g}")
    for label, s in CHECKS.items():
        p = escape_probability(s)
        simulated = simulate(s, MODEL_TRIALS)
        benchmark.extra_info[f"{label}: computed"] = p
        benchmark.extra_info[f"{label}: simulated / computed"] = round(simulated / p, 3)
        print(f"{label}: computed {p:.4g}, simulated {simulated:.4g} ({MODEL_TRIALS} trials)")
    s = CHECKS["9 validators, 4 malicious, needed 1"]
    real = simulate_with_criteria(s, CRITERIA_STORIES)
    p = escape_probability(s)
    benchmark.extra_info["real criteria / computed (9 validators, needed 1)"] = round(real / p, 3)
    print(f"real criteria, 9 validators, needed 1: {real:.4g} over {CRITERIA_STORIES} relay VRF stories "
          f"vs computed {p:.4g}")
