"""The overseer: messages reach the subsystem that declares them, signals reach all in order, and a failing
handler neither stops its subsystem nor leaves a requester waiting forever; blocks imported while subsystems
start are signalled after they have all started, not missed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from tests.node.harness import wait_until
from relaychain.node.parachains.overseer import (
    ActivatedLeaf, ActiveLeavesUpdate, BlockFinalized, NodeContext, Overseer, Subsystem, reply_field,
)


@dataclass(frozen=True)
class Ping:
    n: int
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class Boom:
    reply: asyncio.Future = reply_field()


class FakeClient:
    """Only what the overseer touches of a client: listeners and the best block."""

    def __init__(self):
        self.import_listeners, self.finality_listeners = [], []

    def best_hash(self):
        return b"\x00" * 32

    def header(self, _h):
        return type("H", (), {"number": 0, "parent_hash": b"\x00" * 32})()


class Echo(Subsystem):
    name = "echo"
    handles = (Ping, Boom)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.signals = []

    async def handle_message(self, m):
        if isinstance(m, Boom):
            raise RuntimeError("a bug in a subsystem")
        m.reply.set_result(m.n * 2)

    async def handle_signal(self, s):
        self.signals.append(s)


class Recorder(Subsystem):
    name = "recorder"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.signals = []

    async def handle_signal(self, s):
        self.signals.append(s)


def test_routing_signals_and_failure_isolation():
    async def scenario():
        client = FakeClient()
        o = Overseer(NodeContext(client=client, network=None, runtime_api=None), [Echo, Recorder])
        await o.start()
        try:
            assert await o.ctx.request(Ping(21)) == 42
            boom = Boom()
            o.send(boom)
            with pytest.raises(asyncio.CancelledError):
                await boom.reply  # the requester is released, not left waiting
            assert await o.ctx.request(Ping(5)) == 10  # and the subsystem still serves
            imported = type("I", (), {"already_known": False, "hash": b"\x01" * 32,
                                      "header": type("H", (), {"number": 1, "parent_hash": b"\x00" * 32})()})()
            child = type("I", (), {"already_known": False, "hash": b"\x02" * 32,
                                   "header": type("H", (), {"number": 2, "parent_hash": b"\x01" * 32})()})()
            for cb in client.import_listeners:
                cb(imported)
                cb(child)
            for cb in client.finality_listeners:
                cb(type("H", (), {"number": 2})(), b"\x02" * 32, [])
            assert await wait_until(lambda: len(o.subsystem("recorder").signals) == 3, 5)
            for s in (o.subsystem("echo"), o.subsystem("recorder")):
                assert s.signals == [ActiveLeavesUpdate(ActivatedLeaf(b"\x01" * 32, 1, b"\x00" * 32), ()),
                                     ActiveLeavesUpdate(ActivatedLeaf(b"\x02" * 32, 2, b"\x01" * 32),
                                                        (b"\x01" * 32,)),
                                     BlockFinalized(b"\x02" * 32, 2)]
            with pytest.raises(TypeError):
                o.send(object())
        finally:
            await o.stop()
        assert not client.import_listeners and not client.finality_listeners
    asyncio.run(scenario())


def test_a_message_type_has_one_handler():
    class Twin(Echo):
        name = "twin"
    with pytest.raises(ValueError):
        Overseer(NodeContext(client=FakeClient(), network=None, runtime_api=None), [Echo, Twin])


def _imported(number: int, parent: bytes):
    header = type("H", (), {"number": number, "parent_hash": parent})()
    return type("I", (), {"already_known": False, "hash": bytes([number]) * 32, "header": header})()


def test_blocks_imported_while_subsystems_start_are_signalled_once_all_have_started():
    """A subsystem whose start() takes a while (loading kernels, opening a database) must not hide the blocks
    imported meanwhile from the others: they arrive, in order, after every start() has returned."""
    async def scenario():
        client = FakeClient()
        release = asyncio.Event()
        started = []

        class SlowStart(Recorder):
            name = "slow"

            async def start(self):
                await release.wait()
                started.append(self.name)

        class Early(Recorder):
            name = "early"

            async def start(self):
                started.append(self.name)

            async def handle_signal(self, s):
                assert started == ["early", "slow"], "a signal before every subsystem had started"
                await super().handle_signal(s)

        o = Overseer(NodeContext(client=client, network=None, runtime_api=None), [Early, SlowStart])
        starting = asyncio.ensure_future(o.start())
        await asyncio.sleep(0.01)
        first, second = _imported(1, b"\x00" * 32), _imported(2, b"\x01" * 32)
        for cb in list(client.import_listeners):  # imported while "slow" is still starting
            cb(first)
            cb(second)
        release.set()
        await starting
        try:
            expected = [ActiveLeavesUpdate(ActivatedLeaf(first.hash, 1, b"\x00" * 32), ()),
                        ActiveLeavesUpdate(ActivatedLeaf(second.hash, 2, first.hash), (first.hash,))]
            assert await wait_until(lambda: all(len(o.subsystem(n).signals) == 2 for n in ("early", "slow")), 5)
            for name in ("early", "slow"):
                assert o.subsystem(name).signals == expected
        finally:
            await o.stop()
    asyncio.run(scenario())


def test_a_failed_start_leaves_no_subscription_behind():
    async def scenario():
        client = FakeClient()

        class Broken(Recorder):
            name = "broken"

            async def start(self):
                raise RuntimeError("cannot open its database")

        o = Overseer(NodeContext(client=client, network=None, runtime_api=None), [Recorder, Broken])
        with pytest.raises(RuntimeError):
            await o.start()
        assert not client.import_listeners and not client.finality_listeners
    asyncio.run(scenario())
