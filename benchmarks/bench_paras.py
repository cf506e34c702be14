"""The parachain pipeline on a real in-process network (1 s relay blocks): latency of a candidate from
collation to backed, included and finalized, with a 5 MiB PoV against the adder's 16-byte one; and how many
candidates a relay block includes with four paras.

Baselines in the same run (ratios in extra_info and printed):
- 5 MiB PoV: the same network with the adder's own PoV (16 bytes of block data); the 5 MiB PoV is the adder's
  block followed by 5 MiB the adder ignores, so the validators' PVF work is identical and the difference is
  moving, hashing, erasure-coding and fetching 5 MiB;
- four paras: the ideal of one inclusion per para per relay block (utilisation = included / (paras x blocks)).
Latencies are medians over the candidates of the run, in seconds of wall clock; relay blocks are 1 s, so
collation -> included is at least two blocks (backed in the next block, included in the one after).
Run:
    python3 -m pytest benchmarks/bench_paras.py --benchmark-only -s
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import pytest

from collator.adder import AdderBlockBuilder
from relaychain.launcher import NetworkSpec, NodeSpec, builtin_para, start_in_process

MIB = 1024 * 1024
VALIDATORS = ("alice", "bob", "charlie", "dave", "eve", "ferdie")
RUN_BLOCKS = 20

_runs: dict[tuple, dict] = {}


class PaddedAdder(AdderBlockBuilder):
    """The adder's block with `padding` bytes after it (the adder PVF decodes its 16 bytes and ignores them)."""

    padding = 0

    def produce_block(self, parent_head: bytes) -> bytes:
        return super().produce_block(parent_head) + bytes(self.padding)


async def _pipeline(paras: int, padding: int, blocks: int) -> dict:
    base = Path(tempfile.mkdtemp(prefix="bench-paras-"))
    spec = NetworkSpec(tuple(NodeSpec(v) for v in VALIDATORS),
                       tuple(builtin_para(1000 + i, "adder", (f"collator-{1000 + i}",)) for i in range(paras)), 1000)
    net = await start_in_process(spec, base)
    for c in net.collators:
        builder = PaddedAdder(base / c.name / "adder-states.json")
        builder.padding = padding
        c.builder = builder
    alice = net.nodes[0]
    seen: dict[str, dict[bytes, float]] = {"backed": {}, "included": {}, "finalized": {}}
    block_of: dict[bytes, bytes] = {}
    included_per_block: list[int] = []

    def on_import(imported):
        if not imported.is_new_best:
            return
        now = time.monotonic()
        n_included = 0
        for kind, payload in alice.runtime_api.candidate_events(imported.hash):
            h = payload[0].hash()
            if kind == "CandidateBacked":
                seen["backed"].setdefault(h, now)
            elif kind == "CandidateIncluded":
                seen["included"].setdefault(h, now)
                block_of[h] = imported.hash
                n_included += 1
        included_per_block.append(n_included)

    def on_finality(header, block_hash, newly):
        now = time.monotonic()
        for h, b in block_of.items():
            if b in newly or b == block_hash:
                seen["finalized"].setdefault(h, now)

    alice.client.import_listeners.append(on_import)
    alice.client.finality_listeners.append(on_finality)
    try:
        while len(included_per_block) < 5 or sum(included_per_block[-3:]) == 0:  # warm up until running
            await asyncio.sleep(0.2)
        included_per_block.clear()
        while len(included_per_block) < blocks:
            await asyncio.sleep(0.2)
        await asyncio.sleep(4)  # let the last inclusions reach finality
    finally:
        await net.stop()
    records = [r for c in net.collators for r in c.records]
    built = {r.candidate_hash: r.built_at for r in records}

    def median(a: str, b: str) -> float:
        start = built if a == "collated" else seen[a]
        gaps = [seen[b][h] - start[h] for h in seen[b] if h in start]
        return statistics.median(gaps) if gaps else float("nan")
    return {
        "collated->backed": median("collated", "backed"), "backed->included": median("backed", "included"),
        "included->finalized": median("included", "finalized"),
        "collated->included": median("collated", "included"),
        "included per block": statistics.mean(included_per_block[:blocks]),
    }


def _run(paras: int, padding: int, blocks: int = RUN_BLOCKS) -> dict:
    key = (paras, padding, blocks)
    if key not in _runs:
        _runs[key] = asyncio.run(_pipeline(paras, padding, blocks))
    return _runs[key]


def _report(benchmark, label: str, figures: dict) -> None:
    for k, v in figures.items():
        benchmark.extra_info[k] = round(v, 3)
    print(f"\n{label}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))


@pytest.mark.benchmark(group="paras")
def test_pov_5mib_collation_to_inclusion(benchmark):
    baseline = _run(2, 0)
    figures = benchmark.pedantic(lambda: _run(2, 5 * MIB), rounds=1, iterations=1)
    _report(benchmark, "adder PoV (baseline)", baseline)
    _report(benchmark, "5 MiB PoV", figures)
    ratio = figures["collated->included"] / baseline["collated->included"]
    benchmark.extra_info["x adder collated->included"] = round(ratio, 2)
    print(f"5 MiB PoV collation -> inclusion = {ratio:.2f} x the adder's")


@pytest.mark.benchmark(group="paras")
def test_candidates_included_per_block_with_four_paras(benchmark):
    figures = benchmark.pedantic(lambda: _run(4, 0), rounds=1, iterations=1)
    _report(benchmark, "four paras", figures)
    utilisation = figures["included per block"] / 4
    benchmark.extra_info["x ideal (4 per block)"] = round(utilisation, 2)
    print(f"four paras: {figures['included per block']:.2f} candidates per relay block = {utilisation:.0%} of 4")
