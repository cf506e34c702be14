"""PVF execution: the adder per call through the worker pool vs in-process, the cost per MiB of PoV,
and the price of fuel metering.

Baselines in the same run (ratios in extra_info and printed):
- per call: `execute_in_process` (compiled module cached, no isolation, no IPC) vs `PvfExecutor.validate`
  (params piped to a worker process, executed there, result piped back and decoded);
- per MiB: the adder with a 1/5/10 MiB block_data tail it ignores after decoding its 16 bytes (the host
  still copies the whole PoV into guest memory), and `hash_pov.wat`, which hashes the whole PoV with
  blake2_256 through the host; each against the same PVF with an empty tail, and hash_pov against
  hashlib's blake2b of the same bytes (the floor);
- fuel: the same PVF compiled with and without fuel metering (`benchmarks/pvfs/compute.wat`, a branchy
  integer loop over a 64 KiB table, and the adder).
Timer: wall clock (the worker path spends its time in another process). The machine is shared: compare
ratios, not absolute times. Run:
    python3 -m pytest benchmarks/bench_pvf.py --benchmark-only --benchmark-group-by=group
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

import pytest
import wasmtime

from parachain.abi import ValidationParams
from parachain.block import AdderCollator, genesis_head
from parachain.executor import PvfExecutor
from parachain.limits import ExecutionLimits
from parachain.runtimes import adder
from parachain.sandbox import execute_in_process

PVFS = Path(__file__).parent / "pvfs"
MIB = 1024 * 1024
POV_SIZES = (1, 5, 10)
COMPUTE_ROUNDS = 20_000_000

_baselines: dict[str, float] = {}


def _wat(name: str) -> bytes:
    return bytes(wasmtime.wat2wasm((PVFS / f"{name}.wat").read_text()))


def _adder_params(tail_mib: int = 0) -> tuple[ValidationParams, bytes]:
    block_data, head = AdderCollator().produce_block(genesis_head())
    tail = bytes(range(256)) * (tail_mib * MIB // 256)
    return ValidationParams(genesis_head().encode(), block_data + tail, 7, bytes(32)), head.encode()


def _seconds(benchmark) -> float | None:
    return None if benchmark.stats is None else benchmark.stats.stats.min  # None under --benchmark-disable


def _baseline(key: str, fn, rounds: int) -> float:
    """The best of `rounds` wall-clock runs of `fn`, measured once per process whatever the test order
    (pytest-randomly shuffles tests, so a ratio never relies on another test having run first)."""
    if key not in _baselines:
        fn()
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        _baselines[key] = best
    return _baselines[key]


def _ratio(benchmark, key: str, base: float, label: str) -> None:
    t = _seconds(benchmark)
    if t is None:
        return
    benchmark.extra_info[f"x {key}"] = round(t / base, 2)
    print(f"\n{label}: {t * 1e3:.3f} ms = {t / base:.2f} x {key} ({base * 1e3:.3f} ms)")


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """A running executor (2 workers) and a function driving its coroutines on its own loop."""
    loop = asyncio.new_event_loop()
    executor = PvfExecutor(tmp_path_factory.mktemp("pvf-artifacts"), workers=2)
    loop.run_until_complete(executor.start())
    yield executor, loop.run_until_complete
    loop.run_until_complete(executor.stop())
    loop.close()


# -- per call --------------------------------------------------------------------------------------

def test_adder_in_process(benchmark):
    benchmark.group = "adder per call"
    params, head = _adder_params()
    code = adder.validation_code()
    assert execute_in_process(code, params).head_data == head
    benchmark.pedantic(execute_in_process, args=(code, params), rounds=200, iterations=1, warmup_rounds=5)


def _in_process_adder() -> float:
    params, _ = _adder_params()
    return _baseline("in-process", lambda: execute_in_process(adder.validation_code(), params), 200)


def test_adder_via_worker(benchmark, workers):
    benchmark.group = "adder per call"
    executor, run = workers
    params, head = _adder_params()
    code = adder.validation_code()
    assert run(executor.validate(code, params)).head_data == head
    benchmark.pedantic(lambda: run(executor.validate(code, params)), rounds=200, iterations=1, warmup_rounds=5)
    _ratio(benchmark, "in-process", _in_process_adder(), "adder via a worker")


def test_adder_via_two_workers_concurrently(benchmark, workers):
    """Ten validations in flight at once over the two workers; the time is per validation."""
    benchmark.group = "adder per call"
    executor, run = workers
    params, _ = _adder_params()
    code = adder.validation_code()

    async def ten():
        await asyncio.gather(*(executor.validate(code, params) for _ in range(10)))

    benchmark.pedantic(lambda: run(ten()), rounds=30, iterations=1, warmup_rounds=2)
    t = _seconds(benchmark)
    if t is not None:
        per_call = t / 10
        benchmark.extra_info["per call x in-process"] = round(per_call / _in_process_adder(), 2)
        print(f"\nadder, 10 concurrent over 2 workers: {per_call * 1e3:.3f} ms per validation")


# -- per MiB of PoV --------------------------------------------------------------------------------

def _per_mib(benchmark, base: float, size_mib: int, label: str) -> None:
    t = _seconds(benchmark)
    if t is None or size_mib == 0:
        return
    per_mib = (t - base) / size_mib
    benchmark.extra_info["ms per MiB"] = round(per_mib * 1e3, 3)
    print(f"\n{label} {size_mib} MiB: {t * 1e3:.2f} ms, {per_mib * 1e3:.2f} ms per MiB over the empty PoV")


@pytest.mark.parametrize("size_mib", (0,) + POV_SIZES, ids=lambda s: f"{s}MiB")
def test_adder_pov_tail_in_process(benchmark, size_mib):
    benchmark.group = f"PoV {size_mib} MiB"
    params, head = _adder_params(size_mib)
    code = adder.validation_code()
    assert execute_in_process(code, params).head_data == head
    benchmark.pedantic(execute_in_process, args=(code, params), rounds=10, iterations=1, warmup_rounds=1)
    empty, _ = _adder_params()
    base = _baseline("adder empty PoV in-process", lambda: execute_in_process(code, empty), 10)
    _per_mib(benchmark, base, size_mib, "adder in-process")


@pytest.mark.parametrize("size_mib", (0,) + POV_SIZES, ids=lambda s: f"{s}MiB")
def test_adder_pov_tail_via_worker(benchmark, workers, size_mib):
    benchmark.group = f"PoV {size_mib} MiB"
    executor, run = workers
    params, head = _adder_params(size_mib)
    code = adder.validation_code()
    assert run(executor.validate(code, params)).head_data == head
    benchmark.pedantic(lambda: run(executor.validate(code, params)), rounds=10, iterations=1, warmup_rounds=1)
    empty, _ = _adder_params()
    base = _baseline("adder empty PoV via worker", lambda: run(executor.validate(code, empty)), 10)
    _per_mib(benchmark, base, size_mib, "adder via a worker")


@pytest.mark.parametrize("size_mib", (0,) + POV_SIZES, ids=lambda s: f"{s}MiB")
def test_hash_pov_via_worker(benchmark, workers, size_mib):
    benchmark.group = f"PoV {size_mib} MiB"
    executor, run = workers
    code = _wat("hash_pov")
    pov = bytes(range(256)) * (size_mib * MIB // 256)
    params = ValidationParams(b"", pov, 0, bytes(32))
    assert run(executor.validate(code, params)).head_data == hashlib.blake2b(pov, digest_size=32).digest()
    benchmark.pedantic(lambda: run(executor.validate(code, params)), rounds=10, iterations=1, warmup_rounds=1)
    empty = ValidationParams(b"", b"", 0, bytes(32))
    base = _baseline("hash_pov empty PoV via worker", lambda: run(executor.validate(code, empty)), 10)
    _per_mib(benchmark, base, size_mib, "hash_pov via a worker")


@pytest.mark.parametrize("size_mib", POV_SIZES, ids=lambda s: f"{s}MiB")
def test_blake2_256_floor(benchmark, size_mib):
    """The floor for hash_pov: hashing the same bytes with hashlib in this process."""
    benchmark.group = f"PoV {size_mib} MiB"
    pov = bytes(range(256)) * (size_mib * MIB // 256)
    benchmark.pedantic(hashlib.blake2b, args=(pov,), kwargs={"digest_size": 32}, rounds=10, iterations=1)
    t = _seconds(benchmark)
    if t is not None:
        benchmark.extra_info["ms per MiB"] = round(t / size_mib * 1e3, 3)


# -- fuel ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("metered", [False, True], ids=["no fuel", "fuel"])
def test_fuel_compute(benchmark, metered):
    benchmark.group = "fuel: compute-bound PVF"
    code = _wat("compute")
    params = ValidationParams(b"", COMPUTE_ROUNDS.to_bytes(4, "little"), 0, bytes(32))
    limits = ExecutionLimits(fuel=10 ** 12 if metered else None)
    execute_in_process(code, params, limits)
    benchmark.pedantic(execute_in_process, args=(code, params, limits), rounds=5, iterations=1)
    if metered:
        unmetered = ExecutionLimits(fuel=None)
        base = _baseline("compute without fuel", lambda: execute_in_process(code, params, unmetered), 5)
        _ratio(benchmark, "compute without fuel", base, "compute-bound PVF with fuel")


@pytest.mark.parametrize("metered", [False, True], ids=["no fuel", "fuel"])
def test_fuel_adder(benchmark, metered):
    benchmark.group = "fuel: adder"
    params, _ = _adder_params()
    limits = ExecutionLimits(fuel=10 ** 12 if metered else None)
    code = adder.validation_code()
    execute_in_process(code, params, limits)
    benchmark.pedantic(execute_in_process, args=(code, params, limits), rounds=300, iterations=1, warmup_rounds=5)
    if metered:
        unmetered = ExecutionLimits(fuel=None)
        base = _baseline("adder without fuel", lambda: execute_in_process(code, params, unmetered), 300)
        _ratio(benchmark, "adder without fuel", base, "adder with fuel")
