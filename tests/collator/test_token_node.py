"""The token para node: best/finalized follow the rules of collator/token/node.py, a restart resumes from disk,
transactions of a block the relay chain dropped come back. Transactions are signed here with the relay's
extrinsic format (SPEC.md §3: the para's format is exactly the relay's)."""

from __future__ import annotations

import pytest

from collator.token import UnknownParent
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.extrinsic import sign_extrinsic
from relaychain.primitives.hashing import blake2_256
from relaychain.runtime.constants import DEV_ENDOWMENT

from .token_harness import TokenPara

AMOUNT = 10**12


@pytest.fixture
def para():
    p = TokenPara()
    yield p
    p.close()


def ALICE():
    return Sr25519Keypair.from_uri("//Alice")


def BOB():
    return Sr25519Keypair.from_uri("//Bob")


def transfer_xt(para, nonce: int, amount: int = AMOUNT) -> bytes:
    """Balances.transfer_keep_alive (10, 3) to Bob, MultiAddress::Id, Compact value; immortal."""
    from relaychain.primitives.scale import encode_compact

    call = bytes([10, 3, 0]) + BOB().public + encode_compact(amount)
    return sign_extrinsic(ALICE(), call, nonce=nonce, spec_version=1, transaction_version=1,
                          genesis_hash=para.node.genesis_hash)


def balance(para, who: bytes, at=None) -> int:
    from relaychain.runtime.pallets.system import Account

    node = para.node
    return Account.get(node.store.state_at(at or node.store.best_hash()), who).data.free


def test_restart_resumes_from_disk(para):
    para.on_loop(lambda: para.node.submit(transfer_xt(para, 0)))
    b1 = para.build()
    b2 = para.build()
    para.close(remove=False)
    again = TokenPara(para.base)
    try:
        store = again.node.store
        assert store.best_hash() == b2.header.hash() and store.hash_by_number(1) == b1.header.hash()
        assert balance(again, BOB().public) == DEV_ENDOWMENT + AMOUNT
        again.on_loop(lambda: again.node.submit(transfer_xt(again, 1)))
        b3 = again.build()
        assert b3.header.number == 3 and b3.header.parent_hash == b2.header.hash()
        assert balance(again, BOB().public) == DEV_ENDOWMENT + 2 * AMOUNT
    finally:
        again.close()
        para.owns_base = True


def test_relay_heads_decide_best_and_finalized(para):
    node = para.node
    b1 = para.build()
    b2 = para.build()
    para.on_loop(lambda: node.on_relay_head(b1.header.encode(), finalized=False))
    assert node.store.best_hash() == b2.header.hash()  # b2 (pending on top of b1) stays best
    para.on_loop(lambda: node.on_relay_head(b1.header.encode(), finalized=True))
    assert node.store.finalized_hash() == b1.header.hash() and node.store.best_hash() == b2.header.hash()
    unknown = bytes(b2.header.encode()[:-1]) + b"\x01"  # a head this node never built
    para.on_loop(lambda: node.on_relay_head(unknown, finalized=True))
    assert node.store.finalized_hash() == b1.header.hash()


def test_a_dropped_block_gives_its_transactions_back(para):
    node = para.node
    b1 = para.build()
    xt = transfer_xt(para, 0)
    para.on_loop(lambda: node.submit(xt))
    b2 = para.build()
    assert xt in b2.included and node.pool.pending() == []
    # The relay chain never backed b2: the collator's next PVD builds on b1 again.
    b2_again = para.build(parent_hash=b1.header.hash())
    assert b2_again.header.hash() != b2.header.hash() and b2_again.header.number == 2
    assert xt in b2_again.included
    assert node.store.best_hash() == b2_again.header.hash()
    assert balance(para, BOB().public) == DEV_ENDOWMENT + AMOUNT
    assert sorted(node.store.leaves()) == sorted([b2.header.hash(), b2_again.header.hash()])
    # The relay chain's best then names b2 after all (another fork won): b2 becomes best, the pool is not
    # given xt twice (b2 has it).
    para.on_loop(lambda: node.on_relay_head(b2.header.encode(), finalized=False))
    assert node.store.best_hash() == b2.header.hash() and node.pool.pending() == []


def test_building_on_a_head_this_node_lacks_is_refused(para):
    from relaychain.primitives.parachain_types import PersistedValidationData
    from collator.collator import RelayView

    b1 = para.build()
    foreign = bytes(b1.header.encode()[:-1]) + b"\x01"
    pvd = PersistedValidationData(foreign, 5, para.relay.root, 1 << 20)
    with pytest.raises(UnknownParent) as excinfo:
        para.on_loop(lambda: para.builder.build(RelayView(para.relay, para.relay.root), pvd))
    assert isinstance(excinfo.value, KeyError)  # what build_collation turns into CollationError
    assert "0x" + blake2_256(foreign).hex()[:16] in str(excinfo.value)
    assert para.node.store.best_hash() == b1.header.hash()


def test_relay_data_that_does_not_fit_is_a_typed_refusal(para):
    from relaychain.primitives.parachain_types import PersistedValidationData
    from collator.collator import RelayView
    from collator.token import BuildFailed

    b1 = para.build()
    node = para.node
    xt = transfer_xt(para, 0)
    para.on_loop(lambda: node.submit(xt))
    view = RelayView(para.relay, para.relay.root)
    backwards = PersistedValidationData(b1.header.encode(), para.relay_number - 2, para.relay.root, 1 << 20)
    other_root = PersistedValidationData(b1.header.encode(), para.relay_number, bytes(32), 1 << 20)
    for pvd, rule in ((backwards, "relay_parent_backwards"), (other_root, "relay_proof")):
        with pytest.raises(BuildFailed, match=rule) as excinfo:
            para.on_loop(lambda: para.builder.build(view, pvd))
        assert isinstance(excinfo.value, ValueError)  # what build_collation turns into CollationError
    assert node.store.best_hash() == b1.header.hash() and node.store.leaves() == [b1.header.hash()]
    assert node.pool.pending() == [xt]  # nothing lost: the next good relay parent includes it
    assert xt in para.build().included


def test_a_block_takes_what_fits_in_the_pov_and_the_rest_waits(para):
    from relaychain.primitives.parachain_types import PersistedValidationData
    from collator.collator import RelayView
    from collator.token.builder import pov_overhead
    from parachain.token.relay import collect_inherent

    node = para.node
    xts = [transfer_xt(para, n) for n in range(5)]
    for xt in xts:
        para.on_loop(lambda xt=xt: node.submit(xt))
    best = node.store.header(node.store.best_hash())
    view = RelayView(para.relay, para.relay.root)
    probe = PersistedValidationData(best.encode(), para.relay_number, para.relay.root, 0)
    overhead = pov_overhead(node.state(best.hash()), collect_inherent(view, 2000, node.state(best.hash()), probe))
    room_for_two = overhead + len(xts[0]) + len(xts[1]) + len(xts[2]) // 2
    pvd = PersistedValidationData(best.encode(), para.relay_number, para.relay.root, room_for_two)
    built = para.on_loop(lambda: para.builder.build(view, pvd))
    assert built.included[1:] == tuple(xts[:2]) and len(built.block_data) <= room_for_two
    para.on_loop(lambda: node.set_best(built.header.hash()))
    assert node.pool.pending() == xts[2:]  # nonce order kept; nothing lost
    assert para.build().included[1:] == tuple(xts[2:])


def test_after_falling_back_transactions_ahead_of_the_state_wait_and_none_is_lost(para):
    """The XCMP flood's failure: b2 (nonces 0-2) is dropped by the relay while nonces 3-5, ready on b2, wait in
    the pool. Back on b1 they are ahead of the state: they must wait for 0-2 again, not be thrown away as
    invalid, so all six land."""
    node = para.node
    b1 = para.build()
    first = [transfer_xt(para, n) for n in range(3)]
    para.on_loop(lambda: [node.submit(x) for x in first])
    b2 = para.build()
    assert list(b2.included[1:]) == first  # after the inherent
    later = [transfer_xt(para, n) for n in range(3, 6)]
    para.on_loop(lambda: [node.submit(x) for x in later])
    b2_again = para.build(parent_hash=b1.header.hash())
    included = list(b2_again.included[1:])
    if len(included) < 6:  # what did not fit waits for the next block
        included += para.build().included[1:]
    assert included == first + later
    assert balance(para, BOB().public) == DEV_ENDOWMENT + 6 * AMOUNT and node.pool.pending() == []


def test_included_transactions_are_banned_but_not_the_block_inherent(para):
    from relaychain.node.txpool import transaction_hash

    node = para.node
    xt = transfer_xt(para, 0)
    para.on_loop(lambda: node.submit(xt))
    built = para.build()
    assert xt in built.included and node.store.best_hash() == built.header.hash()
    inherent = node.store.extrinsics(built.header.hash())[0]
    assert inherent != xt
    assert node.pool.is_banned(transaction_hash(xt))
    assert not node.pool.is_banned(transaction_hash(inherent))
    assert len(node.pool._banned) == 1
