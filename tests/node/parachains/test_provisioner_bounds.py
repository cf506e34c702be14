"""The provisioner's memory is bounded by blocks, not by time or a count the chain fills slowly (issue #13): the
hashes of candidates seen on chain are kept `KEEP_ON_CHAIN_BLOCKS` blocks, however long the chain runs, and
while kept a late copy of such a candidate is still refused."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from relaychain.node.parachains.messages import ProvisionBackedCandidate
from relaychain.node.parachains.overseer import ActivatedLeaf, ActiveLeavesUpdate, NodeContext
from relaychain.node.parachains.provisioner import KEEP_CANDIDATE_BLOCKS, KEEP_ON_CHAIN_BLOCKS, Provisioner

PARAS = 4  # candidates backed and included per block, as an idle dev network with four paras


class Receipt:
    """What the provisioner reads of an event's receipt: its hash."""

    def __init__(self, h: bytes):
        self.h = h

    def hash(self) -> bytes:
        return self.h


def _leaf(n: int) -> bytes:
    return max(n, 0).to_bytes(4, "big") * 8


class Chain:
    """A chain where block n backs candidates (n, 0..PARAS-1) and includes those backed at n - 1."""

    def number(self, h: bytes):
        return int.from_bytes(h[:4], "big")

    def candidate_events(self, leaf: bytes):
        n = self.number(leaf)
        backed = [("CandidateBacked", (Receipt(b"c%d/%d" % (n, p)),)) for p in range(PARAS)]
        included = [("CandidateIncluded", (Receipt(b"c%d/%d" % (n - 1, p)),)) for p in range(PARAS)] if n else []
        return backed + included


def test_on_chain_hashes_are_kept_a_fixed_number_of_blocks():
    chain = Chain()
    node = NodeContext(client=chain, network=None, runtime_api=chain)
    provisioner = Provisioner(SimpleNamespace(node=node))

    async def run():
        for n in range(2000):
            await provisioner.handle_signal(ActiveLeavesUpdate(ActivatedLeaf(_leaf(n), n, _leaf(n - 1))))
            # a candidate backed at k was last seen on chain at k + 1 (its inclusion): kept while that is within
            # KEEP_ON_CHAIN_BLOCKS of the leaf
            expected = {b"c%d/%d" % (k, p) for k in range(max(0, n - KEEP_ON_CHAIN_BLOCKS - 1), n + 1)
                        for p in range(PARAS)}
            assert set(provisioner.on_chain) == expected
        late = ProvisionBackedCandidate(_leaf(1999), SimpleNamespace(hash=lambda: b"c1995/0", validity_votes=()),
                                        None, 0)
        fresh = ProvisionBackedCandidate(_leaf(1999), SimpleNamespace(hash=lambda: b"new", validity_votes=()),
                                         None, 0)
        await provisioner.handle_message(late)
        await provisioner.handle_message(fresh)
        assert set(provisioner.candidates) == {b"new"}

    asyncio.run(run())
    assert KEEP_ON_CHAIN_BLOCKS >= KEEP_CANDIDATE_BLOCKS  # a candidate leaves `candidates` no later
