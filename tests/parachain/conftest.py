"""Fixtures for the parachain tests: test PVFs (WAT under pvfs/, compiled at test time) and running
executors on a module-wide event loop (worker processes start once per module, not per test)."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest
import wasmtime

from parachain.executor import PvfExecutor
from parachain.limits import ExecutionLimits

PVFS = Path(__file__).parent / "pvfs"


@functools.lru_cache(maxsize=None)
def pvf(name: str) -> bytes:
    """The Wasm of tests/parachain/pvfs/<name>.wat."""
    return bytes(wasmtime.wat2wasm((PVFS / f"{name}.wat").read_text()))


class Running:
    """A started executor and the loop it lives on; `run(coro)` drives a coroutine to completion."""

    def __init__(self, executor: PvfExecutor, loop: asyncio.AbstractEventLoop):
        self.executor = executor
        self.loop = loop

    def run(self, coro):
        return self.loop.run_until_complete(coro)


def _running(cache_dir, limits):
    loop = asyncio.new_event_loop()
    executor = PvfExecutor(cache_dir, workers=2, limits=limits)
    loop.run_until_complete(executor.start())
    try:
        yield Running(executor, loop)
    finally:
        loop.run_until_complete(executor.stop())
        loop.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """An executor with Polkadot's default limits (fuel metering on)."""
    yield from _running(tmp_path_factory.mktemp("pvf-artifacts"), ExecutionLimits())


@pytest.fixture(scope="module")
def running_unmetered(tmp_path_factory):
    """An executor without fuel, so only the wall-clock timeouts (or a kill) stop a looping PVF."""
    yield from _running(tmp_path_factory.mktemp("pvf-artifacts-unmetered"), ExecutionLimits(fuel=None))
