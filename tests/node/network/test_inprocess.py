"""InProcessHub: delivery, seeded loss, latency, partitions, relaying and request/response."""

import asyncio

import pytest

from relaychain.node.network import InProcessHub, MessageTooLarge, NotConnected, RequestFailed, RequestTimeout
from relaychain.primitives.crypto import Ed25519Keypair


def keys(n):
    return [Ed25519Keypair.from_seed(bytes([i + 1]) * 32) for i in range(n)]


async def started(hub, n):
    nets = [hub.join(k) for k in keys(n)]
    for net in nets:
        await net.start()
    return nets


def collect(net, topic="t"):
    got = []
    net.on_gossip(topic, lambda peer, data: got.append((peer, data)))
    return got


async def settle():
    """Let the loop run everything that is ready, hop by hop (a relayed delivery takes several; no wall
    clock involved, so this is deterministic however busy the machine is)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def until(predicate, timeout=10.0):
    """Wait for `predicate()` to hold; asyncio.TimeoutError if it does not within `timeout`."""
    async def poll():
        while not predicate():
            await asyncio.sleep(0.001)
    await asyncio.wait_for(poll(), timeout)


def test_gossip_reaches_every_peer_once():
    async def main():
        hub = InProcessHub()
        a, b, c = await started(hub, 3)
        got_b, got_c, got_a = collect(b), collect(c), collect(a)
        a.gossip("t", b"hello")
        await settle()
        # b and c each receive it once even though both relay it to each other
        assert got_b == [(a.peer_id, b"hello")] and [d for _, d in got_c] == [b"hello"]
        assert got_a == []  # never delivered back to its author
        a.gossip("t", b"hello")  # identical message again: already seen everywhere
        await settle()
        assert len(got_b) == 1
    asyncio.run(main())


def lossy_run(seed, loss=0.3, n=200):
    async def main():
        hub = InProcessHub(loss=loss, seed=seed)
        a, b = await started(hub, 2)
        got = collect(b)
        for i in range(n):
            a.gossip("t", i.to_bytes(2, "little"))
        # every message either arrives or is dropped (a receive loop takes one frame per loop turn)
        await until(lambda: len(got) + hub.dropped >= n)
        await settle()
        return [int.from_bytes(d, "little") for _, d in got], hub.dropped
    return asyncio.run(main())


def test_loss_is_seeded_and_deterministic():
    first, dropped = lossy_run(seed=7)
    again, _ = lossy_run(seed=7)
    other, _ = lossy_run(seed=8)
    assert first == again  # same seed: the very same messages arrive
    assert first != other  # another seed: another pattern
    assert len(first) + dropped == 200
    assert 200 * 0.2 < dropped < 200 * 0.4  # ~30 % loss (binomial, > 3 sigma margin)
    assert first == sorted(first)  # order on a link is preserved


class ManualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock moves only when the test sets `now`: a timer (the hub's latency) fires
    exactly when due, however slow or busy the machine is."""

    def __init__(self):
        super().__init__()
        self.now = 0.0

    def time(self) -> float:
        return self.now


def test_latency_delays_delivery():
    loop = ManualClockLoop()

    async def main():
        hub = InProcessHub(latency=0.05)
        a, b = await started(hub, 2)
        got = collect(b)
        sent = loop.now
        a.gossip("t", b"x")
        await settle()
        assert got == []
        loop.now = sent + 0.049
        await settle()
        assert got == []  # still in flight just before the latency has passed
        loop.now = sent + 0.05
        await settle()
        assert got == [(a.peer_id, b"x")]
        await a.stop()
        await b.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def test_partition_and_heal():
    async def main():
        hub = InProcessHub()
        a, b, c = await started(hub, 3)
        events = []
        a.on_peer_connected(lambda p: events.append(("up", p)))
        a.on_peer_disconnected(lambda p: events.append(("down", p)))
        got_b, got_c = collect(b), collect(c)
        hub.partition([a.peer_id], [b.peer_id, c.peer_id])
        await settle()
        assert a.peers() == [] and b.peers() == [c.peer_id]
        a.gossip("t", b"isolated")
        c.gossip("t", b"inside")
        await settle()
        assert got_b == [(c.peer_id, b"inside")] and got_c == []
        with pytest.raises(NotConnected):
            await a.request(b.peer_id, "p", b"")
        hub.heal()
        await settle()
        assert sorted(a.peers()) == sorted([b.peer_id, c.peer_id])
        assert sorted(e for e in events if e[0] == "down") == sorted([("down", b.peer_id), ("down", c.peer_id)])
        assert sorted(e for e in events if e[0] == "up")[-2:] == sorted([("up", b.peer_id), ("up", c.peer_id)])
    asyncio.run(main())


def test_handler_rejection_stops_relay():
    async def main():
        hub = InProcessHub()
        a, b, c = await started(hub, 3)
        hub.partition([a.peer_id, b.peer_id], [b.peer_id, c.peer_id])  # a line: a - b - c
        await settle()
        got_c = collect(c)
        b.on_gossip("t", lambda p, d: d != b"bad")  # b validates: refuses to relay "bad"
        a.gossip("t", b"good")
        a.gossip("t", b"bad")
        await settle()
        assert [d for _, d in got_c] == [b"good"]  # relayed through b; "bad" stopped at b
    asyncio.run(main())


def test_request_response():
    async def main():
        hub = InProcessHub(latency=0.001)
        a, b = await started(hub, 2)

        async def echo(peer, data):
            return peer + data[::-1]

        async def broken(peer, data):
            raise ValueError("no such block")

        async def slow(peer, data):
            await asyncio.sleep(1)
            return b""

        b.on_request("echo", echo)
        b.on_request("broken", broken)
        b.on_request("slow", slow)
        assert await a.request(b.peer_id, "echo", b"abc") == a.peer_id + b"cba"
        with pytest.raises(RequestFailed, match="no such block"):
            await a.request(b.peer_id, "broken", b"")
        with pytest.raises(RequestFailed, match="unknown protocol"):
            await a.request(b.peer_id, "nope", b"")
        with pytest.raises(RequestTimeout):
            await a.request(b.peer_id, "slow", b"", timeout=0.05)
        await b.stop()
        await a.stop()
    asyncio.run(main())


def test_oversized_gossip_is_refused_locally():
    async def main():
        hub = InProcessHub(max_message_size=100)
        a, b = await started(hub, 2)
        with pytest.raises(MessageTooLarge):
            a.gossip("t", b"x" * 200)
    asyncio.run(main())


def test_concurrent_requests_per_peer_are_capped():
    from relaychain.node.network.engine import MAX_INBOUND_REQUESTS_PER_PEER as CAP

    async def main():
        hub = InProcessHub()
        a, b = await started(hub, 2)
        release = asyncio.Event()
        entered = []

        async def slow(peer, data):
            entered.append(data)
            await release.wait()
            return data

        b.on_request("slow", slow)
        calls = [asyncio.ensure_future(a.request(b.peer_id, "slow", bytes([i]), timeout=2)) for i in range(CAP + 5)]
        # Every request has arrived: CAP are being served, the rest were refused (before any is released).
        await until(lambda: len(entered) == CAP and sum(c.done() for c in calls) == 5)
        release.set()
        results = await asyncio.gather(*calls, return_exceptions=True)
        busy = [r for r in results if isinstance(r, RequestFailed)]
        assert len(busy) == 5 and all("busy" in str(r) for r in busy)
        assert sorted(r for r in results if isinstance(r, bytes)) == [bytes([i]) for i in range(CAP)]
        assert await a.request(b.peer_id, "slow", b"again") == b"again"  # capacity is released
    asyncio.run(main())
