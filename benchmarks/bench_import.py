"""Block import benchmarks: a block of 1,000 signed transfers, imported by a second node.

Import = decode, BABE claim + seal checks, re-execution by the runtime over the parent's trie, state-root
check, and one lmdb transaction with the new trie nodes. Baseline in the same run: importing an empty block
(the timestamp and parachains inherents only), so `ratio` shows the cost of the 1,000 transfers. Also measured: re-execution
alone (no seal/claim checks, no database write) and pool admission of 1,000 transfers (runtime validation).
Run:
    python3 -m pytest benchmarks/bench_import.py --benchmark-only
"""

import itertools
import tempfile

import pytest

from relaychain.node.client import Client
from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor, ProposerLimits
from relaychain.node.consensus.slots import ManualClock, SlotInfo
from relaychain.node.txpool import PoolLimits, TransactionPool
from relaychain.primitives import types
from relaychain.primitives.crypto import Sr25519Keypair, dev_keypair
from relaychain.primitives.extrinsic import sign_extrinsic
from relaychain.runtime import apis, genesis
from relaychain.runtime.executive import execute_block, validate_transaction
from relaychain.runtime.pallets import balances
from relaychain.storage import Database

SLOT_MS = 6000
N_TRANSFERS = 1000
SENDERS = [f"//{n}" for n in genesis.DEV_NAMES] + [f"//{n}//stash" for n in genesis.DEV_NAMES]


def _genesis_storage():
    return genesis.genesis_storage(genesis.dev_chain_spec(slot_duration_ms=SLOT_MS))


def _new_client(storage, workdir):
    """A client over a fresh database inside `workdir` (removed with it when the module's benchmarks end)."""
    return Client(Database(tempfile.mkdtemp(prefix="db-", dir=workdir)), genesis_storage=storage)


def _transfers(genesis_hash, n):
    v = apis.runtime_version()
    senders = [Sr25519Keypair.from_uri(u) for u in SENDERS]
    nonces = dict.fromkeys(range(len(senders)), 0)
    out = []
    for i in range(n):
        s = i % len(senders)
        dest = i.to_bytes(4, "little") * 8  # fresh accounts: each transfer also creates an account
        call = balances.transfer_keep_alive.encode(dest=("Id", dest), value=10 ** 12)
        out.append(sign_extrinsic(senders[s], call, nonce=nonces[s], genesis_hash=genesis_hash,
                                  spec_version=v.spec_version, transaction_version=v.transaction_version))
        nonces[s] += 1
    return out


def _validator(client):
    def validate(xt):
        best = client.best_hash()
        return validate_transaction(client.state_at(best), xt, block_number=client.number(best),
                                    block_hash_of=client.hash_by_number)
    return validate


def _build(client, xts):
    """A sealed block holding `xts` (all must be included), authored by whichever validator owns a slot."""
    pool = TransactionPool(_validator(client), PoolLimits(ready_count=100_000, ready_bytes=1 << 30))
    for xt in xts:
        pool.submit(xt)
    for slot, name in itertools.product(range(1000, 1100), ("alice", "bob", "charlie", "dave")):
        author = BabeAuthor(client, pool, AuthorityKeys(dev_keypair(name), dev_keypair(name, "ed25519")),
                            slot_duration_ms=SLOT_MS, clock=ManualClock(0),
                            limits=ProposerLimits(max_transactions=100_000, max_block_bytes=1 << 30))
        proposal = author.propose(SlotInfo(slot, SLOT_MS))
        if proposal is not None:
            block = proposal[0]
            assert len(block.extrinsics) == len(xts) + 2  # + the Timestamp and ParaInherent inherents
            return block
    raise AssertionError("no slot claimed")


@pytest.fixture(scope="module")
def blocks():
    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        storage = _genesis_storage()
        author = _new_client(storage, workdir)
        try:
            xts = _transfers(author.genesis_hash, N_TRANSFERS)
            yield {"storage": storage, "full": _build(author, xts).encode(), "empty": _build(author, []).encode(),
                   "xts": xts, "author": author, "workdir": workdir}
        finally:
            author.db.close()


def _import_rounds(benchmark, blocks, which):
    def setup():
        return (_new_client(blocks["storage"], blocks["workdir"]),), {}

    def target(client):
        imported = client.import_block(blocks[which])
        assert imported.is_new_best
        client.db.close()

    benchmark.pedantic(target, setup=setup, rounds=3, iterations=1)


@pytest.mark.benchmark(group="import")
def test_import_empty_block_baseline(benchmark, blocks):
    _import_rounds(benchmark, blocks, "empty")


@pytest.mark.benchmark(group="import")
def test_import_block_1000_transfers(benchmark, blocks):
    _import_rounds(benchmark, blocks, "full")


@pytest.mark.benchmark(group="import")
def test_execute_only_1000_transfers(benchmark, blocks):
    """The runtime's re-execution + incremental trie root alone (what import adds checks and a DB write to)."""
    client = blocks["author"]
    block = types.Block.decode(blocks["full"])
    unsealed = types.Block(block.header.without_seal()[0], block.extrinsics)
    state = client.state_at(block.header.parent_hash)

    def target():
        execute_block(state, unsealed, storage_root=lambda ch: state.apply(ch)[0])

    benchmark.pedantic(target, rounds=3, iterations=1)


@pytest.mark.benchmark(group="pool")
def test_pool_admit_1000_transfers(benchmark, blocks):
    client = blocks["author"]

    def setup():
        return (TransactionPool(_validator(client), PoolLimits(ready_count=100_000, ready_bytes=1 << 30)),), {}

    def target(pool):
        for xt in blocks["xts"]:
            pool.submit(xt)
        assert pool.ready_count() == N_TRANSFERS

    benchmark.pedantic(target, setup=setup, rounds=3, iterations=1)
