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
