"""The token para's block store: blocks, states and best/finalized survive a reopen; bad imports are refused and
change nothing. State roots are checked against `trie_root` of the plain state dict (independent of the store's
incremental trie updates)."""

from __future__ import annotations

import pytest

from collator.token.store import ParaBlockStore, ParaStoreError
from relaychain.primitives.scale import encode_compact
from relaychain.primitives.types import Header
from relaychain.trie import ordered_trie_root, trie_root


def xt(payload: bytes) -> bytes:
    return encode_compact(len(payload)) + payload


def header_for(parent: Header, state: dict, xts) -> Header:
    return Header(parent.hash(), parent.number + 1, trie_root(state, 1), ordered_trie_root(list(xts), 1))


GENESIS_STATE = {b"alice": b"\x01" * 40, b"bob": b"\x02", b"zz": b"\x03" * 3}
GENESIS = Header(bytes(32), 0, trie_root(GENESIS_STATE, 1), ordered_trie_root([], 1))


@pytest.fixture
def store(tmp_path):
    s = ParaBlockStore(tmp_path / "db", GENESIS, GENESIS_STATE)
    yield s
    s.close()


def test_genesis_is_best_finalized_and_readable(store):
    g = GENESIS.hash()
    assert store.best_hash() == store.finalized_hash() == store.hash_by_number(0) == g
    assert store.state_dict(g) == GENESIS_STATE
    assert store.block(g).extrinsics == () and store.leaves() == [g]


def test_blocks_and_states_survive_a_reopen(tmp_path):
    s = ParaBlockStore(tmp_path / "db", GENESIS, GENESIS_STATE)
    state1 = {b"alice": b"\x05" * 40, b"carol": b"\x07" * 33, b"zz": b"\x03" * 3}  # bob removed, carol added
    xts1 = [xt(b"inherent"), xt(b"transfer" * 20)]
    h1 = header_for(GENESIS, state1, xts1)
    assert s.import_block(h1, xts1, state1) == h1.hash()
    s.set_best(h1.hash())
    state2 = {**state1, b"dave": b"\x09"}
    h2 = header_for(h1, state2, [xt(b"i2")])
    s.import_block(h2, [xt(b"i2")], state2)
    s.set_best(h2.hash())
    s.finalize(h1.hash())
    s.close()

    s = ParaBlockStore(tmp_path / "db", GENESIS, GENESIS_STATE)
    try:
        assert s.best_hash() == h2.hash() and s.finalized_hash() == h1.hash()
        assert s.hash_by_number(1) == h1.hash() and s.hash_by_number(2) == h2.hash()
        assert s.state_dict(h1.hash()) == state1 and s.state_dict(h2.hash()) == state2
        assert s.state_dict(GENESIS.hash()) == GENESIS_STATE  # older states stay readable
        assert s.block(h1.hash()).extrinsics == tuple(xts1)
        assert s.header(h2.hash()) == h2 and s.leaves() == [h2.hash()]
    finally:
        s.close()


def test_a_state_that_does_not_match_the_header_is_refused_and_nothing_is_stored(store):
    state1 = dict(GENESIS_STATE)
    state1[b"bob"] = b"\x04"
    h1 = header_for(GENESIS, state1, [])
    with pytest.raises(ParaStoreError, match="root"):
        store.import_block(h1, [], dict(GENESIS_STATE))
    assert not store.contains(h1.hash()) and store.leaves() == [GENESIS.hash()]


def test_a_block_on_an_unknown_parent_is_refused(store):
    orphan_parent = Header(b"\x01" * 32, 4, trie_root({}, 1), ordered_trie_root([], 1))
    h = header_for(orphan_parent, GENESIS_STATE, [])
    with pytest.raises(ParaStoreError, match="unknown"):
        store.import_block(h, [], GENESIS_STATE)
    with pytest.raises(KeyError):
        store.state_at(h.hash())


def test_forks_are_leaves_until_finality_prunes_them(store):
    a_state = {**GENESIS_STATE, b"a": b"1"}
    b_state = {**GENESIS_STATE, b"b": b"2"}
    ha = header_for(GENESIS, a_state, [xt(b"a")])
    hb = header_for(GENESIS, b_state, [xt(b"b")])
    store.import_block(ha, [xt(b"a")], a_state)
    store.import_block(hb, [xt(b"b")], b_state)
    assert sorted(store.leaves()) == sorted([ha.hash(), hb.hash()])
    store.set_best(hb.hash())
    assert store.hash_by_number(1) == hb.hash()
    store.finalize(ha.hash())  # finality on the other fork moves best there and drops the fork
    assert store.best_hash() == ha.hash() and store.leaves() == [ha.hash()]
    assert store.is_descendant(GENESIS.hash(), ha.hash()) and not store.is_descendant(hb.hash(), ha.hash())


def test_a_database_of_another_chain_is_refused(tmp_path):
    ParaBlockStore(tmp_path / "db", GENESIS, GENESIS_STATE).close()
    other_state = {b"x": b"y"}
    other = Header(bytes(32), 0, trie_root(other_state, 1), ordered_trie_root([], 1))
    with pytest.raises(ParaStoreError, match="genesis"):
        ParaBlockStore(tmp_path / "db", other, other_state)
    ParaBlockStore(tmp_path / "db", GENESIS, GENESIS_STATE).close()  # the refusal left it usable
