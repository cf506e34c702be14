"""Metrics operators expect, with Substrate's names (issue #13), read from a node's registry: the import
queue, `process_*`, transaction-pool validations, GRANDPA rounds and votes cast locally."""

import asyncio
import time

import pytest

from relaychain.node.client import BadBlockEncoding, Client
from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor
from relaychain.node.consensus.grandpa import GrandpaVoter
from relaychain.node.consensus.slots import ManualClock, SlotInfo
from relaychain.node.metrics import NodeMetrics, sample
from relaychain.node.network import InProcessHub
from relaychain.node.service import Node, NodeConfig
from relaychain.node.txpool import TransactionPool
from relaychain.primitives.crypto import Ed25519Keypair, dev_keypair
from relaychain.runtime.errors import InvalidTransaction
from tests.node.chain_helpers import signed_transfer
from tests.node.test_grandpa_voter import AUTHORITIES, KEYS, ROUND, BlockTree, View, produce, wait_for

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


def test_process_metrics_are_on_the_node_registry_and_move(tmp_path):
    m = NodeMetrics("n")
    assert sample(m, "process_resident_memory_bytes") > 0
    fds = sample(m, "process_open_fds")
    files = [open(tmp_path / f"f{i}", "w") for i in range(5)]
    try:
        assert sample(m, "process_open_fds") >= fds + 5
    finally:
        for f in files:
            f.close()
    cpu = sample(m, "process_cpu_seconds_total")
    spent = time.process_time()
    while time.process_time() - spent < 0.2:  # counted in clock ticks (10 ms): spend many of them
        sum(range(10_000))
    assert sample(m, "process_cpu_seconds_total") > cpu


def test_pool_validations_are_scheduled_and_finished(tmp_path):
    node = Node(NodeConfig(name="alice", base_path=tmp_path / "alice", validator="alice", slot_duration_ms=SLOT_MS,
                           is_dev=True, check_block_time=False),
                InProcessHub().join(Ed25519Keypair.from_seed(bytes(32))))
    try:
        alice, bob = dev_keypair("alice"), dev_keypair("bob")
        for nonce in range(3):
            node.submit_extrinsic(signed_transfer(alice, bob.public, 10**12, nonce, node.genesis_hash))
        with pytest.raises(InvalidTransaction):  # a bad signature: validated, refused
            node.submit_extrinsic(signed_transfer(bob, bob.public, 10**12, 0, bytes(32)))
        scheduled = sample(node.metrics, "substrate_sub_txpool_validations_scheduled_total")
        assert scheduled >= 4
        assert sample(node.metrics, "substrate_sub_txpool_validations_finished_total") == scheduled
    finally:
        asyncio.run(node.stop())


def test_grandpa_round_and_votes_cast_locally():
    async def run():
        hub, tree = InProcessHub(latency=0.002), BlockTree()
        voters = []
        for key in KEYS:
            net = hub.join(key)
            await net.start()
            m = NodeMetrics(key.public.hex()[:8])
            voter = GrandpaVoter(key, net, View(tree), lambda: AUTHORITIES, lambda: 0, round_duration=ROUND,
                                 metrics=m)
            await voter.start()
            voters.append((net, voter, m))
        producer = asyncio.ensure_future(produce(tree))
        done = await wait_for(lambda: all(sample(m, "substrate_finality_grandpa_round") >= 3 for *_, m in voters),
                              timeout=30)
        producer.cancel()
        for net, voter, _m in voters:
            await voter.stop()
            await net.stop()
        return done, voters

    done, voters = asyncio.run(run())
    assert done
    for _net, voter, m in voters:
        completed = sample(m, "substrate_finality_grandpa_round")
        assert completed == voter.round_number - 1
        # a voter completes a round only once it has precommitted in it (and it prevoted first)
        assert sample(m, "substrate_finality_grandpa_precommits_total") >= completed
        assert sample(m, "substrate_finality_grandpa_prevotes_total") >= completed
