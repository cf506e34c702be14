"""The pool against the real runtime: valid transfers queue by nonce; invalid ones get Substrate's errors."""

import pytest

from relaychain.node.consensus.slots import SlotInfo
from relaychain.node.txpool import AlreadyImported, BadFormat, TemporarilyBanned, TooLowPriority
from relaychain.primitives.crypto import Sr25519Keypair, dev_keypair
from relaychain.runtime.errors import InvalidTransaction
from tests.node.chain_helpers import account_info, account_key, signed_transfer
from tests.node.harness import is_primary

SLOT_MS = 6000


def _state(node):
    best = node.best_hash()
    alice = dev_keypair("alice").public
    return best, len(node.pool), node.storage(best, account_key(alice))


def _author_block(node, primary=None):
    """Alice's block in the first slot from 1000 she can claim (a primary or a secondary claim, if asked)."""
    from tests.node.test_block_import import _author

    for slot in range(1000, 1400):
        if primary is not None:
            preview = _author(node.client, "alice").propose(SlotInfo(slot, SLOT_MS))
            if preview is None or is_primary(preview[0].header) != primary:
                continue
        imported = node.author.author(SlotInfo(slot, SLOT_MS)) if node.author else None
        if imported is not None:
            return imported
    raise AssertionError("alice could not claim any slot")


def test_valid_transfers_queue_by_nonce(node):
    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    g = node.genesis_hash
    h1 = node.submit_extrinsic(signed_transfer(alice, bob.public, 10 ** 12, 1, g))
    assert node.pool.future_count() == 1 and node.account_next_index(alice.public) == 0
    xt0 = signed_transfer(alice, bob.public, 10 ** 12, 0, g)
    h0 = node.submit_extrinsic(xt0)
    assert node.pool.ready_count() == 2 and node.account_next_index(alice.public) == 2
    assert [t.hash for t in node.pool.ready()] == [h0, h1]
    with pytest.raises(AlreadyImported):
        node.submit_extrinsic(xt0)
    with pytest.raises(TooLowPriority):  # same (account, nonce) tag, same priority: no replacement
        node.submit_extrinsic(signed_transfer(alice, bob.public, 10 ** 12, 0, g))
    imported = _author_block(node)
    block = node.block(imported.hash)
    assert len(block.extrinsics) == 4  # timestamp and parachains inherents + both transfers, in nonce order
    assert len(node.pool) == 0  # included transactions leave the pool
    assert account_info(node.storage(imported.hash, account_key(alice.public)))["nonce"] == 2
    assert node.account_next_index(alice.public) == 2


def test_invalid_transactions_are_rejected_and_change_nothing(node):
    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    g = node.genesis_hash
    before = _state(node)

    good = signed_transfer(alice, bob.public, 10 ** 12, 0, g)
    sig_at = 2 + 1 + 1 + 32 + 1  # Compact len (2 bytes) ‖ 0x84 ‖ 0x00 ‖ account(32) ‖ 0x01 ‖ sr25519 signature
    bad_sig = good[:sig_at] + bytes([good[sig_at] ^ 1]) + good[sig_at + 1:]
    with pytest.raises(InvalidTransaction) as e:
        node.submit_extrinsic(bad_sig)
    assert e.value.message == "Transaction has a bad signature"

    pauper = Sr25519Keypair.from_seed(b"\x07" * 32)
    with pytest.raises(InvalidTransaction) as e:
        node.submit_extrinsic(signed_transfer(pauper, bob.public, 1, 0, g))
    assert e.value.message == "Inability to pay some fees (e.g. account balance too low)"

    wrong_genesis = signed_transfer(alice, bob.public, 10 ** 12, 0, b"\x01" * 32)
    with pytest.raises(InvalidTransaction) as e:
        node.submit_extrinsic(wrong_genesis)
    assert e.value.message == "Transaction has a bad signature"

    for garbage in (b"", b"\x00", b"\x10\x01\x02\x03\x04", good[:-1], good + b"\x00"):
        with pytest.raises((BadFormat, InvalidTransaction)) as e:
            node.submit_extrinsic(garbage)
        assert e.value.code == 1001 or "format" in e.value.message.lower()

    assert _state(node) == before
    # A refused transaction is banned for a while: resubmitting it is refused without re-validation.
    with pytest.raises(TemporarilyBanned):
        node.submit_extrinsic(bad_sig)


def test_stale_nonce_after_inclusion(node):
    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    g = node.genesis_hash
    node.submit_extrinsic(signed_transfer(alice, bob.public, 10 ** 12, 0, g))
    _author_block(node)
    before = _state(node)
    with pytest.raises(InvalidTransaction) as e:
        node.submit_extrinsic(signed_transfer(alice, bob.public, 2 * 10 ** 12, 0, g))
    assert e.value.message == "Transaction is outdated"
    assert _state(node) == before


def test_inherents_are_not_banned_but_included_transactions_are(node):
    """A block's inherents never enter a pool, so the pool keeps no ban for them (issue #13: a ban per inherent
    per block lasted 30 minutes); an included signed transaction is banned against resubmission."""
    from relaychain.node.txpool import transaction_hash

    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    h = node.submit_extrinsic(signed_transfer(alice, bob.public, 10 ** 12, 0, node.genesis_hash))
    block = node.block(_author_block(node).hash)
    inherents = [x for x in block.extrinsics if transaction_hash(x) != h]
    assert len(inherents) == 2 and len(block.extrinsics) == 3
    assert node.pool.is_banned(h)
    assert not any(node.pool.is_banned(transaction_hash(x)) for x in inherents)


def test_transactions_of_a_best_chain_that_finality_abandons_return_to_the_pool(node):
    """GRANDPA may finalize a sibling of our best block (peers saw it first). The best block then moves to the
    finalized fork without an import; what our old best block included, pruned from the pool when it became
    best, must come back as it does after an import's reorg (it was lost: 462 of 8,000 transfers in one run)."""
    from tests.node.test_block_import import _author

    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    genesis = node.best_hash()
    h = node.submit_extrinsic(signed_transfer(alice, bob.public, 10 ** 12, 0, node.genesis_hash))
    ours = _author_block(node)  # includes the transfer and becomes best: pruned from the pool
    assert node.best_hash() == ours.hash and h not in node.pool
    sibling = None  # an empty block at height 1 that loses the fork choice, so it is imported as not best
    for slot in range(1100, 1400):
        for name in ("alice", "bob", "charlie", "dave"):
            proposal = _author(node.client, name).propose(SlotInfo(slot, SLOT_MS), genesis)
            if proposal is not None and not is_primary(proposal[0].header):  # no heavier than ours
                sibling = proposal[0]
                break
        if sibling is not None:
            break
    assert sibling is not None, "no losing sibling could be built"
    assert not node.client.import_block(sibling.encode()).is_new_best
    moves = []
    node.client.best_moved_listeners.append(lambda *move: moves.append(move))
    node.client.finalize(sibling.header.hash())
    assert node.best_hash() == sibling.header.hash()
    assert moves == [(sibling.header.hash(), [ours.hash], [sibling.header.hash()])]
    assert h in node.pool and node.pool.ready_count() == 1  # back, valid on the finalized fork


def test_a_reorg_returns_only_what_the_new_best_chain_does_not_include(node):
    """A sibling that outranks our best block is imported: what only our old block included comes back to the
    pool; what the sibling includes too is on chain again and is not resubmitted (sc-transaction-pool's maintain
    leaves out what it pruned for the enacted blocks) — validating it again would only find it stale."""
    from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor
    from relaychain.node.consensus.slots import ManualClock
    from relaychain.node.txpool import TransactionPool
    from relaychain.runtime.executive import validate_transaction

    alice, bob, charlie = dev_keypair("alice"), dev_keypair("bob"), dev_keypair("charlie")
    genesis = node.best_hash()
    both = signed_transfer(alice, bob.public, 10 ** 12, 0, node.genesis_hash)
    only_ours = signed_transfer(charlie, bob.public, 10 ** 12, 0, node.genesis_hash)
    h_both, h_only = node.submit_extrinsic(both), node.submit_extrinsic(only_ours)
    ours = _author_block(node, primary=False)
    assert len(node.block(ours.hash).extrinsics) == 4 and len(node.pool) == 0
    sibling_pool = TransactionPool(lambda xt: validate_transaction(node.client.state_at(genesis), xt, block_number=0,
                                                                   block_hash_of=node.client.hash_by_number))
    sibling_pool.submit(both)
    sibling = None  # a block at height 1 with `both` only, ranked above ours (a primary claim: more weight)
    for slot in range(1100, 1600):
        for name in ("alice", "bob", "charlie", "dave"):
            author = BabeAuthor(node.client, sibling_pool, AuthorityKeys(dev_keypair(name), dev_keypair(name, "ed25519")),
                                slot_duration_ms=SLOT_MS, clock=ManualClock(0))
            proposal = author.propose(SlotInfo(slot, SLOT_MS), genesis)
            if proposal is not None and is_primary(proposal[0].header):
                sibling = proposal[0]
                break
        if sibling is not None:
            break
    assert sibling is not None and len(sibling.extrinsics) == 3, "no outranking sibling could be built"
    validated = []
    validate = node.pool._validate
    node.pool._validate = lambda xt: (validated.append(bytes(xt)), validate(xt))[1]
    imported = node.client.import_block(sibling.encode())
    assert imported.is_new_best and imported.retracted == (ours.hash,)
    assert h_only in node.pool and h_both not in node.pool and node.pool.ready_count() == 1
    assert both not in validated and only_ours in validated
