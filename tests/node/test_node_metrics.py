"""Metrics operators expect, with Substrate's names (issue #13), read from a node's registry."""

import pytest

from relaychain.node.client import BadBlockEncoding, Client
from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor
from relaychain.node.consensus.slots import ManualClock, SlotInfo
from relaychain.node.metrics import NodeMetrics, sample
from relaychain.node.txpool import TransactionPool
from relaychain.primitives.crypto import dev_keypair

SLOT_MS = 6000


def _client(path, metrics=None):
    from relaychain.runtime import genesis
    from relaychain.storage import Database

    db = Database(str(path))
    return Client(db, genesis_storage=genesis.genesis_storage(genesis.dev_chain_spec(slot_duration_ms=SLOT_MS)),
                  metrics=metrics)


def _blocks(client, count):
    """`count` consecutive blocks on `client`'s chain, each by whichever dev validator may author its slot."""
    authors = {n: BabeAuthor(client, TransactionPool(lambda xt: None), AuthorityKeys(dev_keypair(n, "sr25519"),
                             dev_keypair(n, "ed25519")), slot_duration_ms=SLOT_MS, clock=ManualClock(0))
               for n in ("alice", "bob", "charlie", "dave")}
    blocks, slot = [], 1000
    while len(blocks) < count:
        slot += 1
        for author in authors.values():
            proposal = author.propose(SlotInfo(slot, SLOT_MS))
            if proposal is not None:
                client.import_authored(*proposal)
                blocks.append(proposal[0])
                break
    return blocks


@pytest.fixture
def clients(tmp_path):
    a, b = _client(tmp_path / "a"), _client(tmp_path / "b", NodeMetrics("b"))
    yield a, b
    a.db.close()
    b.db.close()


def test_import_queue_counts_every_submitted_block(clients):
    a, b = clients
    submitted = "substrate_import_queue_blocks_submitted_total"
    assert sample(b.metrics, submitted) == 0
    blocks = _blocks(a, 3)
    for block in blocks:
        b.import_block(block.encode())
    assert sample(b.metrics, submitted) == 3
    assert sample(b.metrics, "substrate_import_queue_processed_total", {"result": "success"}) == 3
    b.import_block(blocks[-1].encode())  # already known: submitted all the same
    with pytest.raises(BadBlockEncoding):
        b.import_block(b"\x01\x02")
    assert sample(b.metrics, submitted) == 5
    assert sample(b.metrics, "substrate_import_queue_processed_total", {"result": "error"}) == 1
