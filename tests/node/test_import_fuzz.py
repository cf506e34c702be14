"""Mutated real blocks given to a real client's block import: refused with a `BlockImportError`, the database
unchanged — never another exception (#11, item 8). Announced blocks and block responses reach `import_block`
straight from the network, so this is the decoder-and-checker of outside blocks as the node runs it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaychain.node.client import BlockImportError, Client
from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor
from relaychain.node.consensus.slots import ManualClock, SlotInfo
from relaychain.node.txpool import TransactionPool
from relaychain.primitives.crypto import dev_keypair
from tests.fuzz.test_external_input import _mutation

SLOT_MS = 6000


def _client(path):
    from relaychain.runtime import genesis
    from relaychain.storage import Database

    return Client(Database(str(path)),
                  genesis_storage=genesis.genesis_storage(genesis.dev_chain_spec(slot_duration_ms=SLOT_MS)))


def _next_block(client, start_slot):
    """A block on top of `client`'s best, by whichever dev validator may claim the first slot from `start_slot`."""
    pool = TransactionPool(lambda xt: (_ for _ in ()).throw(AssertionError("unused")))
    for slot in range(start_slot, start_slot + 400):
        for name in ("alice", "bob", "charlie", "dave"):
            keys = AuthorityKeys(dev_keypair(name, "sr25519"), dev_keypair(name, "ed25519"))
            author = BabeAuthor(client, pool, keys, slot_duration_ms=SLOT_MS, clock=ManualClock(0))
            proposal = author.propose(SlotInfo(slot, SLOT_MS))
            if proposal is not None:
                return slot, proposal[0]
    raise AssertionError("no validator could claim a slot")


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    base = tmp_path_factory.mktemp("import-fuzz")
    author, importer = _client(base / "author"), _client(base / "importer")
    slot, first = _next_block(author, 1000)
    author.import_block(first)
    _, second = _next_block(author, slot + 1)
    importer.import_block(first.encode())  # the second block's parent is known: mutations get past it
    yield importer, (first.encode(), second.encode())
    author.db.close()
    importer.db.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_block_is_refused_and_changes_nothing(chain, data):
    client, seeds = chain
    raw = data.draw(st.binary(max_size=300) | st.sampled_from(seeds).flatmap(_mutation))
    best, finalized = client.best_hash(), client.finalized_hash()
    try:
        imported = client.import_block(raw)
    except BlockImportError:
        assert (client.best_hash(), client.finalized_hash()) == (best, finalized)
        return
    if imported.already_known:
        # A mutation inside the body of the block the importer already holds keeps its header, hence its hash:
        # import answers "already known" without storing anything (Substrate: AlreadyInChain, body unread).
        assert client.db.header(imported.hash) is not None and client.best_hash() == best
        return
    assert raw in seeds, "a mutated block was imported"  # only the real blocks themselves import
    assert imported.hash in (client.best_hash(), best)
