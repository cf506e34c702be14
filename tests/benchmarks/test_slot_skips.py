"""benchmarks/slot_skips.py: the sTPS benchmark reads every validator's skipped slots from its Prometheus endpoint
(real HTTP, real registries): summed by reason, and "not read" rather than zero when an endpoint does not answer."""

import asyncio
import importlib.util
from pathlib import Path

import aiohttp
from aiohttp import web
from prometheus_client import generate_latest

from relaychain.node.metrics import NodeMetrics
from tests.node.harness import free_ports

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "slot_skips.py"
_spec = importlib.util.spec_from_file_location("slot_skips", _PATH)
slot_skips = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slot_skips)


async def _serve(registries, ports):
    runners = []
    for registry, port in zip(registries, ports):
        async def exposition(_request, reg=registry):
            return web.Response(body=generate_latest(reg))

        app = web.Application()
        app.router.add_get("/metrics", exposition)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    return runners


def _skip(metrics, reason, times):
    for _ in range(times):
        metrics.proposer_slots_skipped.labels(reason).inc()


def test_skipped_slots_are_summed_over_the_validators_by_reason_between_two_readings():
    alice, bob = NodeMetrics("alice"), NodeMetrics("bob")
    _skip(alice, "importing", 1)
    ports = free_ports(3)
    urls = [f"http://127.0.0.1:{p}/metrics" for p in ports[:2]]

    async def scenario():
        runners = await _serve([alice.registry, bob.registry], ports[:2])
        try:
            async with aiohttp.ClientSession() as session:
                before = await slot_skips.read(session, urls)
                _skip(alice, "importing", 2)
                _skip(alice, "no-time", 1)
                _skip(alice, "finalized-elsewhere", 3)
                _skip(bob, "importing", 1)
                after = await slot_skips.read(session, urls)
                unread = await slot_skips.read(session, urls + [f"http://127.0.0.1:{ports[2]}/metrics"])
                none = await slot_skips.read(session, [])
        finally:
            for runner in runners:
                await runner.cleanup()
        return before, after, unread, none

    before, after, unread, none = asyncio.run(scenario())
    assert before == {"importing": 1.0}
    assert after == {"importing": 4.0, "no-time": 1.0, "finalized-elsewhere": 3.0}
    assert unread is None and none is None
    skipped = slot_skips.between(before, after)
    assert skipped == {"importing": 3, "no-time": 1, "finalized-elsewhere": 3}
    assert slot_skips.for_want_of_time(skipped) == 4
    assert slot_skips.describe(skipped).startswith("4 for want of time (still importing 3, no time left 1); 3 ")
    assert slot_skips.between(before, unread) is None and slot_skips.describe(None).startswith("n/a")
