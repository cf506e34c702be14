"""Availability erasure coding: encode and reconstruct a 5 MiB payload at n = 10, 100, 300, 1000.

Baseline in the same run: reed-solomon-simd (PyPI `reed-solomon-leopard`, Rust + SIMD, same field
and Cantor basis, its own chunk layout), configured with Polkadot's guarantee: recovery_threshold(n)
original shards and n − threshold recovery shards. Both reconstruct from the last threshold chunks
(no systematic chunk). Single-threaded; the timer is the thread's CPU time (the machine is shared).
Goal (issue #4): ≥ 230 MB/s encode and ≥ 100 MB/s
reconstruct at n = 1000; stretch: faster than reed-solomon-simd. Run:
    python3 -m pytest benchmarks/bench_erasure.py --benchmark-only --benchmark-group-by=param:n
    relaychain erasure bench        # the same comparison as a table of MB/s
"""

import os
import time

import pytest

from relaychain.erasure.bench import DEFAULT_PAYLOAD, DEFAULT_VALIDATORS, Ours, Peer, peer_module

PAYLOAD = os.urandom(DEFAULT_PAYLOAD)
IMPLEMENTATIONS = {"relaychain": Ours, "reed-solomon-simd": Peer}


@pytest.fixture(scope="module", params=DEFAULT_VALIDATORS, ids=lambda n: f"n={n}")
def n(request):
    return request.param


@pytest.fixture(scope="module", params=list(IMPLEMENTATIONS))
def impl(request, n):
    if request.param == "reed-solomon-simd" and peer_module() is None:
        pytest.skip("reed-solomon-leopard is not installed (pip install '.[bench]')")
    codec = IMPLEMENTATIONS[request.param](n, PAYLOAD)
    assert codec.check(), f"{request.param} does not round-trip at n={n}"
    return codec


def _run(benchmark, fn, what):
    benchmark.group = f"{what} 5 MiB"
    benchmark.pedantic(fn, rounds=5, iterations=1, warmup_rounds=1)
    if benchmark.stats is not None:  # None under --benchmark-disable (ran once, untimed)
        benchmark.extra_info["MB/s"] = round(DEFAULT_PAYLOAD / benchmark.stats.stats.min / 1e6, 1)


@pytest.mark.benchmark(timer=time.thread_time)
def test_encode(benchmark, impl, n):
    _run(benchmark, impl.encode, "encode")


@pytest.mark.benchmark(timer=time.thread_time)
def test_reconstruct(benchmark, impl, n):
    _run(benchmark, impl.reconstruct, "reconstruct")
