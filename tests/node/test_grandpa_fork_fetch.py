"""A vote on a block a node lacks makes it fetch that block.

Under gossip loss a fork block's announcement can miss a node for good (only a child's announcement
triggers an ancestor fetch). If the supermajority then votes on that fork, the node never counts their
votes, never precommits, and the round never completes: finality stalled for good at 40% loss.
"""

import asyncio

import pytest

from relaychain.node.consensus.grandpa import (
    GOSSIP_TOPIC, PREVOTE, Message, SignedMessage, encode_vote_gossip, vote_payload,
)
from relaychain.node.network import InProcessHub
from relaychain.primitives.crypto import dev_keypair
from tests.node.harness import start_in_process, stop_all, wait_until

pytestmark = pytest.mark.slow


def test_a_vote_on_an_unknown_fork_block_fetches_it(tmp_path):
    async def scenario():
        hub = InProcessHub()
        _, nodes = await start_in_process(tmp_path, hub=hub)
        alice, bob = nodes[0], nodes[1]
        try:
            assert await wait_until(lambda: min(n.client.best_number() for n in nodes) >= 2, timeout=20)
            # no side holds a supermajority, so alice's fork stays above the finalized block
            hub.partition([alice.network.peer_id], [bob.network.peer_id], [n.network.peer_id for n in nodes[2:]])
            start = alice.client.best_number()
            assert await wait_until(lambda: alice.client.best_number() >= start + 2, timeout=20)
            for t in alice._tasks:  # alice stops authoring: nothing will announce her fork again
                if t.get_name().startswith("babe"):
                    t.cancel()
            await asyncio.sleep(0.1)
            fork_tip = alice.best_hash()
            assert bob.header(fork_tip) is None
            # alice reaches bob again, and still no side holds a supermajority: healed whole, bob, charlie and dave
            # could finalize their chain first, and bob would then rightly refuse alice's fork as abandoned
            hub.partition([alice.network.peer_id, bob.network.peer_id], [n.network.peer_id for n in nodes[2:]])
            voter = bob.voter
            message = Message(PREVOTE, fork_tip, alice.client.number(fork_tip))
            key = dev_keypair("alice", "ed25519")
            signed = SignedMessage(message, key.sign(vote_payload(message, voter.round_number, voter.set_id)),
                                   bytes(key.public))
            alice.network.gossip(GOSSIP_TOPIC, encode_vote_gossip(voter.round_number, voter.set_id, signed))
            assert await wait_until(lambda: bob.header(fork_tip) is not None, timeout=10), \
                "bob never fetched the block a vote targets"
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())
