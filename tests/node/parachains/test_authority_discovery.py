"""Authority discovery: signed records resolve authority keys to peers; forged or stale records are refused."""

from __future__ import annotations

import asyncio

from relaychain.node.authority_discovery import TOPIC, AuthorityDiscovery, AuthorityRecord, sign_record
from relaychain.node.network import InProcessHub
from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from tests.node.harness import wait_until


def test_validators_learn_each_others_peers_and_reject_forgeries():
    async def scenario():
        hub = InProcessHub()
        names = ("Alice", "Bob", "Charlie")
        nets = [hub.join(Ed25519Keypair.from_uri(f"//{n}//node")) for n in names]
        keys = [Sr25519Keypair.from_uri(f"//{n}") for n in names]
        observer_net = hub.join(Ed25519Keypair.from_uri("//Observer//node"))
        discoveries = [AuthorityDiscovery(net, key, clock_ms=lambda: 1000) for net, key in zip(nets, keys)]
        observer = AuthorityDiscovery(observer_net, None)
        for net in nets + [observer_net]:
            await net.start()
        for d in discoveries + [observer]:
            await d.start()
        try:
            everyone = discoveries + [observer]
            assert await wait_until(lambda: all(d.peer_of(k.public) == n.peer_id for d in everyone
                                                for k, n in zip(keys, nets)), 5)
            # Eve claims Alice's authority key for her own peer: the signature does not check
            eve_net = nets[1]
            forged = AuthorityRecord(keys[0].public, b"\x66" * 32, (), 10 ** 12, keys[1].sign(b"anything"))
            eve_net.gossip(TOPIC, forged.encode())
            # a correctly signed but older record does not replace a newer one
            stale = sign_record(keys[0], b"\x77" * 32, (), 1)
            eve_net.gossip(TOPIC, stale.encode())
            # a fresh, correctly signed one does (Alice moved to a new peer id)
            moved = sign_record(keys[0], b"\x88" * 32, (), 10 ** 13)
            eve_net.gossip(TOPIC, moved.encode())
            assert await wait_until(lambda: observer.peer_of(keys[0].public) == b"\x88" * 32, 5)
            assert all(d.peer_of(keys[0].public) in (b"\x88" * 32, nets[0].peer_id) for d in everyone)
        finally:
            for d in everyone:
                await d.stop()
            for net in nets + [observer_net]:
                await net.stop()
    asyncio.run(scenario())


def test_record_signature_covers_every_field():
    key = Sr25519Keypair.from_uri("//Alice")
    record = sign_record(key, b"\x01" * 32, ("/ip4/127.0.0.1/tcp/30333/p2p/" + "01" * 32,), 5)
    assert record.is_signed() and AuthorityRecord.decode(record.encode()) == record
    for field, value in (("peer_id", b"\x02" * 32), ("addresses", ()), ("issued_at", 6)):
        tampered = AuthorityRecord(**{**record.__dict__, field: value})
        assert not tampered.is_signed()
