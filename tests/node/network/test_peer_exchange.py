"""Peer exchange, the peer store and re-dial backoff (#11, item 3), over real ZeroMQ sockets on loopback.

Before: a node knew only its bootnodes and whoever dialed it; nodes that shared one bootnode lost each
other with it, and a restarted node whose bootnodes were gone stayed alone.
"""

import asyncio
import json
import random
import time

import pytest
import zmq
import zmq.asyncio
from hypothesis import given
from hypothesis import strategies as st

from relaychain.node.network import ZmqNetwork, wire
from relaychain.node.network.addresses import PeerAddress, parse_address
from relaychain.node.network.peer_exchange import (
    MAX_RECORDS,
    MalformedPeerRecords,
    PeerExchange,
    PeerRecord,
    decode_records,
    encode_records,
)
from relaychain.node.network.peer_store import PeerStore
from relaychain.node.network.zmq_transport import reconnect_delay
from relaychain.primitives.crypto import Ed25519Keypair
from relaychain.primitives.scale import encode_compact

GENESIS = b"\x22" * 32
FAST = dict(keepalive=0.2, reconnect_interval=0.05, max_reconnect_interval=0.4, handshake_timeout=0.5,
            exchange_interval=0.3)


def key(i):
    return Ed25519Keypair.from_seed(bytes([40 + i]) * 32)


def node(i, bootnodes=(), store=None, **kw):
    options = {**FAST, "peer_exchange": True, **kw}
    return ZmqNetwork(key(i), listen="tcp://127.0.0.1:0", bootnodes=bootnodes, genesis_hash=GENESIS,
                      peer_store=store, **options)


async def wait_until(cond, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def gossip_arrives(sender, receiver, topic="probe"):
    got = []
    receiver.on_gossip(topic, lambda peer, data: got.append((peer, data)))
    sender.gossip(topic, b"hello " + sender.peer_id[:4])
    await wait_until(lambda: got)
    return got[0]


def test_nodes_sharing_one_bootnode_find_each_other_and_outlive_it():
    async def main():
        boot = node(0)
        await boot.start()
        b, c = node(1, [boot.listen_multiaddr]), node(2, [boot.listen_multiaddr])
        await b.start()
        await c.start()
        try:
            await wait_until(lambda: c.peer_id in b.peers() and b.peer_id in c.peers())
            await boot.stop()
            await wait_until(lambda: boot.peer_id not in b.peers() and boot.peer_id not in c.peers())
            assert b.peers() == [c.peer_id] and c.peers() == [b.peer_id]
            assert await gossip_arrives(b, c) == (b.peer_id, b"hello " + b.peer_id[:4])
        finally:
            await b.stop()
            await c.stop()
            await boot.stop()
    asyncio.run(main())


def test_a_restarted_node_dials_its_stored_peers_when_its_bootnode_is_gone(tmp_path):
    store = tmp_path / "network" / "peers.json"

    async def main():
        boot = node(0)
        await boot.start()
        boot_address = boot.listen_multiaddr
        b, c = node(1, [boot_address], store=store), node(2, [boot_address])
        await b.start()
        await c.start()
        try:
            await wait_until(lambda: c.peer_id in b.peers())
            await b.stop()
            await boot.stop()
            saved = json.loads(store.read_text())
            assert c.listen_multiaddr in [p["address"] for p in saved["peers"]]
            again = node(1, [boot_address], store=store)  # its only bootnode is dead
            await again.start()
            try:
                await wait_until(lambda: again.peers() == [c.peer_id])
                assert await gossip_arrives(c, again) == (c.peer_id, b"hello " + c.peer_id[:4])
            finally:
                await again.stop()
        finally:
            await c.stop()
            await b.stop()
            await boot.stop()
    asyncio.run(main())


def test_a_node_serves_its_own_and_its_peers_listen_addresses():
    async def main():
        a = node(0)
        await a.start()
        b, c = node(1, [a.listen_multiaddr]), node(2, [a.listen_multiaddr])
        await b.start()
        await c.start()
        try:
            await wait_until(lambda: len(a.peers()) == 2)
            records = decode_records(await b.request(a.peer_id, "peer-exchange/1", b""))
            served = {r.peer_id: r.address for r in records}
            assert served[a.peer_id] == a.listen_multiaddr
            assert served[c.peer_id] == c.listen_multiaddr  # as c declared it when it dialed a
            assert b.peer_id not in served  # the asker is left out
        finally:
            for n in (b, c, a):
                await n.stop()
    asyncio.run(main())


class _Recorder:
    def __init__(self, own_id):
        self.peer_id = own_id
        self.dialed = []
        self.handlers = {}

    def on_request(self, protocol, handler):
        self.handlers[protocol] = handler

    def on_peer_connected(self, handler):
        pass

    def peers(self):
        return []

    def add_peer(self, address, persistent=True):
        self.dialed.append((address, persistent))

    def peer_addresses(self):
        return {}


def test_only_records_naming_their_own_dialable_peer_are_learned():
    own, other, third = key(0).public, key(1).public, key(2).public
    net = _Recorder(own)
    exchange = PeerExchange(net, PeerStore())
    good = f"/ip4/127.0.0.1/tcp/4000/p2p/{other.hex()}"
    learned = exchange.learn([
        PeerRecord(other, good),
        PeerRecord(third, f"/ip4/127.0.0.1/tcp/4001/p2p/{other.hex()}"),  # names another peer
        PeerRecord(third, "/ip4/127.0.0.1/tcp/4002"),  # names no peer
        PeerRecord(third, f"/ip4/0.0.0.0/tcp/4003/p2p/{third.hex()}"),  # not dialable
        PeerRecord(third, "/dns/example.org/tcp/1"),  # not an address we read
        PeerRecord(own, f"/ip4/127.0.0.1/tcp/4004/p2p/{own.hex()}"),  # ourselves
    ])
    assert learned == 1
    assert [(a.multiaddr(), persistent) for a, persistent in net.dialed] == [(good, False)]
    assert exchange.store.address_of(other) == parse_address(good)


# -- wire format ------------------------------------------------------------------------------------


def test_records_round_trip_and_the_count_is_bounded():
    records = [PeerRecord(bytes([i]) * 32, f"/ip4/10.0.0.{i}/tcp/30333/p2p/{(bytes([i]) * 32).hex()}")
               for i in range(MAX_RECORDS)]
    assert decode_records(encode_records(records)) == records
    with pytest.raises(MalformedPeerRecords):
        decode_records(encode_compact(MAX_RECORDS + 1) + encode_records(records)[1:])
    with pytest.raises(MalformedPeerRecords):
        decode_records(encode_records(records) + b"\x00")  # trailing bytes


@given(st.binary(max_size=200))
def test_any_response_bytes_decode_or_are_refused(data):
    try:
        records = decode_records(data)
    except MalformedPeerRecords:
        return
    assert len(records) <= MAX_RECORDS and encode_records(records) == data


# -- peer store -------------------------------------------------------------------------------------


def _addr(i, port=30333):
    return PeerAddress("127.0.0.1", port + i, key(i).public)


def test_the_store_round_trips_and_prefers_recently_seen_peers(tmp_path):
    path = tmp_path / "peers.json"
    clock = iter(range(1000, 10**6, 1000))
    store = PeerStore(path, capacity=3, clock_ms=lambda: next(clock))
    assert store.add(_addr(1), connected=True) and store.add(_addr(2)) and store.add(_addr(3), connected=True)
    assert store.add(_addr(4), connected=True)  # full: evicts the never-connected peer 2
    assert store.address_of(key(2).public) is None
    assert not store.add(_addr(5))  # a learned peer does not evict peers we have been connected to
    store.save()
    assert not list(tmp_path.glob("*.tmp"))
    loaded = PeerStore(path, capacity=3)
    assert loaded.load() == 3
    assert [p.address for p in loaded.peers()] == [_addr(4), _addr(3), _addr(1)]


@pytest.mark.parametrize("content", ["{not json", '{"version": 2, "peers": []}', '{"version": 1, "peers": [{}]}',
                                     json.dumps({"version": 1, "peers": [{"peer_id": "00" * 32, "last_seen": 1,
                                                                         "address": "/ip4/1.2.3.4/tcp/1"}]}),
                                     "[" * 100_000])
def test_an_unreadable_store_is_set_aside_not_fatal(tmp_path, content):
    path = tmp_path / "peers.json"
    path.write_text(content)
    store = PeerStore(path)
    assert store.load() == 0 and len(store) == 0
    assert (tmp_path / "peers.json.unreadable").read_text() == content and not path.exists()


# -- backoff ----------------------------------------------------------------------------------------


@given(failures=st.integers(0, 200), base=st.floats(0.01, 5), cap=st.floats(0.01, 600), seed=st.integers(0, 2**32))
def test_reconnect_delay_backs_off_within_bounds(failures, base, cap, seed):
    cap = max(cap, base)
    delay = reconnect_delay(failures, base, cap, random.Random(seed))
    if failures == 0:
        assert delay == base
    else:
        assert base / 2 <= delay <= cap
        assert delay <= base * 2 ** failures


class _SilentListener:
    """A TCP endpoint that reads Hellos and never answers: every dial to it fails its handshake."""

    def __init__(self):
        self.ctx = zmq.asyncio.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind("tcp://127.0.0.1:*")
        self.endpoint = self.sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self.hellos = 0
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            _, raw = await self.sock.recv_multipart()
            if isinstance(wire.decode_frame(raw), wire.Hello):
                self.hellos += 1

    def close(self):
        self.task.cancel()
        self.ctx.destroy(linger=0)


@pytest.mark.parametrize("persistent", [False, True])
def test_a_learned_address_is_given_up_a_bootnode_never(persistent):
    async def main():
        silent = _SilentListener()
        a = node(0, handshake_timeout=0.2, max_dial_failures=3, peer_exchange=False)
        await a.start()
        try:
            address = parse_address(silent.endpoint)
            a.add_peer(address, persistent=persistent)
            if persistent:  # still dialing well past the give-up count
                await wait_until(lambda: silent.hellos >= 5)
                assert address.endpoint in a._dialing
            else:
                await wait_until(lambda: address.endpoint not in a._dialing)
                gave_up_after = silent.hellos
                assert gave_up_after <= 3  # (a Hello can be lost with its socket on a loaded machine)
                a.add_peer(address, persistent=False)  # learned again: dialed again, given up again
                assert address.endpoint in a._dialing
                await wait_until(lambda: address.endpoint not in a._dialing)
                assert silent.hellos <= gave_up_after + 3
        finally:
            await a.stop()
            silent.close()
    asyncio.run(main())
