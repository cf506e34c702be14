"""End-to-end on a 4-validator dev network (BABE slots + GRANDPA): finalized-head subscriptions advance,
never go backwards, and `grandpa_subscribeJustifications` delivers justifications that verify against the
dev authority set (//Alice..//Dave ed25519, weight 1, set id 0)."""

from __future__ import annotations

import time

import pytest

from .node_harness import DevNetwork
from .harness import WsClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def network():
    net = DevNetwork()
    yield net
    net.close()


@pytest.mark.timeout(120)
def test_finalized_heads_and_grandpa_justifications(network):
    from relaychain.node.consensus.grandpa import verify_justification
    from relaychain.primitives.crypto import dev_keypair

    authorities = [(dev_keypair(name, "ed25519").public, 1) for name in DevNetwork.VALIDATORS]
    client = WsClient(network.url, timeout=60)
    try:
        fin_sub = client.call("chain_subscribeFinalizedHeads")
        just_sub = client.call("grandpa_subscribeJustifications")
        finalized, justifications = [], []
        deadline = time.time() + 90
        while time.time() < deadline and (len(finalized) < 3 or not justifications):
            msg = client.recv()
            sub = msg["params"]["subscription"]
            if sub == fin_sub:
                finalized.append(int(msg["params"]["result"]["number"], 16))
            elif sub == just_sub:
                justifications.append(msg["params"]["result"])
        assert len(finalized) >= 3 and finalized == sorted(finalized) and len(set(finalized)) == len(finalized)
        assert finalized[-1] > 0
        j = verify_justification(bytes.fromhex(justifications[0][2:]), authorities, 0)
        target = "0x" + j.commit.target_hash.hex()
        block = client.call("chain_getBlock", [target])
        assert int(block["block"]["header"]["number"], 16) == j.commit.target_number
        assert block["justifications"] == [[list(b"FRNK"), justifications[0]]]
        health = client.call("system_health")
        assert health["peers"] == 3
    finally:
        client.close()


@pytest.mark.timeout(120)
def test_system_peers_lists_the_other_validators(network):
    """Alice's system_peers shows Bob, Charlie and Dave by their network peer ids, as authorities, with best
    blocks Alice knows; system_localPeerId is Alice's own network identity (hex of the ed25519 node key)."""
    alice = network.nodes[0]
    others = {node.network.peer_id.hex() for node in network.nodes[1:]}
    client = WsClient(network.url, timeout=60)
    try:
        assert client.call("system_localPeerId") == alice.network.peer_id.hex()
        assert client.call("system_nodeRoles") == ["Authority"]
        assert client.call("system_localListenAddresses") == []  # in-process hub: nothing to dial
        deadline = time.time() + 60
        peers = client.call("system_peers")
        while time.time() < deadline and not (all(p["roles"] == "AUTHORITY" for p in peers)
                                              and len(peers) == 3 and min(p["bestNumber"] for p in peers) > 0):
            time.sleep(0.5)
            peers = client.call("system_peers")
        assert {p["peerId"] for p in peers} == others
        assert all(p["roles"] == "AUTHORITY" for p in peers)
        for p in peers:  # a real block at that height (a peer's newest may reach Alice a moment later)
            header = client.call("chain_getHeader", [p["bestHash"]])
            while header is None and time.time() < deadline + 10:
                time.sleep(0.2)
                header = client.call("chain_getHeader", [p["bestHash"]])
            assert header is not None and int(header["number"], 16) == p["bestNumber"] > 0
    finally:
        client.close()
