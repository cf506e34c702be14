"""Database (contract C3): blocks, canonical index and reorgs, finality, trie nodes, meta, chunks,
typed errors that change nothing, and resuming on an existing path."""

import pytest

from relaychain.primitives.scale import encode_compact
from relaychain.storage import Database, StorageError, UnknownBlockError
from relaychain.trie import TrieBackend, build_trie

from .chain import ZERO, import_chain, make_block


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "db", map_size=1 << 24)
    yield database
    database.close()


def _genesis(db, state_root=ZERO, nodes=None):
    h, header = make_block(ZERO, 0, state_root)
    db.import_block(h, 0, header, encode_compact(0), nodes or {}, set_best=True)
    return h


def test_import_and_read_back(db):
    entries = {b"alice": b"\x01" * 40, b"bob": b"\x02"}
    root, nodes = build_trie(entries, 1)
    genesis, header = make_block(ZERO, 0, root)
    body = encode_compact(1) + encode_compact(3) + b"abc"
    db.import_block(genesis, 0, header, body, nodes, set_best=True)
    assert db.header(genesis) == header and db.body(genesis) == body
    assert db.hash_by_number(0) == genesis == db.best()
    assert db.number(genesis) == 0 and db.parent(genesis) == ZERO
    assert db.finalized() is None and db.header(b"\x01" * 32) is None
    state = TrieBackend(db.node_store, root, 1)
    assert state.get(b"alice") == b"\x01" * 40 and state.get(b"bob") == b"\x02"
    assert state.apply({b"carol": b"3"})[0] != root


def test_import_without_set_best_leaves_canonical_index(db):
    genesis = _genesis(db)
    [b1] = import_chain(db, genesis, 1, 1, b"a", set_best=False)
    assert db.best() == genesis and db.hash_by_number(1) is None and db.header(b1) is not None


def test_reorg_repoints_canonical_index(db):
    genesis = _genesis(db)
    a = import_chain(db, genesis, 1, 5, b"a")           # a1..a5
    b = import_chain(db, a[1], 3, 4, b"b", set_best=False)  # b3..b6 forking after a2
    assert [db.hash_by_number(n) for n in range(6)] == [genesis] + a
    db.set_best(b[-1])
    assert [db.hash_by_number(n) for n in range(7)] == [genesis, a[0], a[1]] + b
    db.set_best(a[-1])  # back to the shorter chain: entry 6 disappears
    assert [db.hash_by_number(n) for n in range(6)] == [genesis] + a
    assert db.hash_by_number(6) is None and db.best() == a[-1]
    db.set_best(a[1])  # rewind to an ancestor
    assert db.hash_by_number(3) is None and db.hash_by_number(2) == a[1]


def test_finalize_atomic_with_justification_and_rules(db):
    genesis = _genesis(db)
    a = import_chain(db, genesis, 1, 4, b"a")
    b = import_chain(db, a[0], 2, 3, b"b", set_best=False)
    db.finalize(a[1], b"justification-a2")
    assert db.finalized() == a[1] and db.justification(a[1]) == b"justification-a2"
    with pytest.raises(StorageError):
        db.finalize(b[0])  # b2 is not a descendant of a2
    with pytest.raises(StorageError):
        db.set_best(b[-1])  # cannot reorg below finality
    with pytest.raises(StorageError):
        db.finalize(genesis)  # finality never goes backwards
    assert db.finalized() == a[1] and db.best() == a[-1]
    assert db.justification(b[0]) is None


def test_finalizing_a_non_best_block_makes_it_best(db):
    genesis = _genesis(db)
    a = import_chain(db, genesis, 1, 3, b"a")
    b = import_chain(db, genesis, 1, 2, b"b", set_best=False)
    db.finalize(b[1], None)
    assert db.finalized() == b[1] == db.best()
    assert [db.hash_by_number(n) for n in range(3)] == [genesis] + b and db.hash_by_number(3) is None
    assert db.header(a[2]) is not None


def test_bad_input_raises_typed_errors_and_writes_nothing(db):
    genesis = _genesis(db)
    orphan, header = make_block(b"\x09" * 32, 5)
    with pytest.raises(UnknownBlockError):
        db.import_block(orphan, 5, header, b"\x00", {}, set_best=True)
    good, header1 = make_block(genesis, 1)
    with pytest.raises(StorageError):
        db.import_block(b"\x00" * 32, 1, header1, b"\x00", {}, set_best=True)  # hash mismatch
    with pytest.raises(StorageError):
        db.import_block(good, 2, header1, b"\x00", {}, set_best=True)  # number mismatch
    with pytest.raises(StorageError):
        db.import_block(good, 1, header1, b"\x00", {b"short": b"node"}, set_best=True)
    with pytest.raises(UnknownBlockError):
        db.set_best(b"\x07" * 32)
    with pytest.raises(StorageError):
        db.set_best(b"short")
    with pytest.raises(StorageError):
        db.meta_put(b":best", b"x")
    with pytest.raises(StorageError):
        db.put_chunk(b"\x01" * 32, -1, b"x")
    assert db.header(orphan) is None and db.header(good) is None
    assert db.best() == genesis and db.hash_by_number(1) is None


def test_meta_and_chunks(db):
    assert db.meta_get(b"genesis") is None
    db.meta_put(b"genesis", b"\x01")
    assert db.meta_get(b"genesis") == b"\x01"
    cand, other = b"\xaa" * 32, b"\xab" * 32
    for i in (0, 2, 256):
        db.put_chunk(cand, i, bytes([i % 256]) * 10)
    db.put_chunk(other, 1, b"z")
    assert db.get_chunk(cand, 2) == b"\x02" * 10 and db.get_chunk(cand, 1) is None
    assert db.chunk_indices(cand) == [0, 2, 256]
    assert db.delete_chunks(cand) == 3
    assert db.chunk_indices(cand) == [] and db.get_chunk(other, 1) == b"z"


def test_reopen_resumes(tmp_path):
    path = tmp_path / "db"
    with Database(path) as db:
        genesis = _genesis(db)
        a = import_chain(db, genesis, 1, 3, b"a")
        db.finalize(a[0], b"j")
        db.meta_put(b"k", b"v")
        db.put_nodes({b"\x05" * 32: b"node"})
    with Database(path) as db:
        assert db.best() == a[-1] and db.finalized() == a[0] and db.justification(a[0]) == b"j"
        assert db.hash_by_number(3) == a[-1] and db.meta_get(b"k") == b"v"
        assert db.node_store.get_node(b"\x05" * 32) == b"node"
        import_chain(db, a[-1], 4, 1, b"a")
        assert db.hash_by_number(4) is not None


def test_open_twice_and_use_after_close(tmp_path):
    db = Database(tmp_path / "db")
    with pytest.raises(StorageError):
        Database(tmp_path / "db")
    db.close()
    with pytest.raises(StorageError):
        db.best()
    Database(tmp_path / "db").close()  # reopenable after close


def test_map_grows_when_full(tmp_path):
    with Database(tmp_path / "db", map_size=1 << 20) as db:
        entries = {i.to_bytes(4, "big"): i.to_bytes(4, "big") * 50 for i in range(20000)}
        root, nodes = build_trie(entries, 0)
        h, header = make_block(ZERO, 0, root)
        db.import_block(h, 0, header, b"\x00", nodes, set_best=True)
        assert TrieBackend(db.node_store, root, 0).get((1234).to_bytes(4, "big")) == (1234).to_bytes(4, "big") * 50
        assert db.map_size > 1 << 20
