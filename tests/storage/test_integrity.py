"""A damaged database is refused before lmdb maps it, and left byte-for-byte as it was (#11, item 2).

Before: a data file cut in half killed the process with SIGBUS, printing nothing; one page short it wrote
before dying; cut to 0 bytes it silently became a new, empty database (a node then wrote genesis over the
old chain); pages of garbage raised a raw `lmdb.CorruptedError` later. Every open here runs in a child
process, so a regression shows as a signal death instead of killing the test run.

The tests aim at live pages through LMDB 0.9's layout, read with plain `struct` (`lmdb_pages.py`).
"""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from relaychain.primitives.scale import encode_compact
from relaychain.storage import Database, DatabaseCorrupt

from .chain import ZERO, import_chain, make_block
from .lmdb_pages import committed_bytes, metas

OPEN = textwrap.dedent("""
    import sys
    from relaychain.storage import Database, DatabaseCorrupt
    try:
        db = Database(sys.argv[1], map_size=1 << 24)
    except DatabaseCorrupt as e:
        print("refused:", e)
        sys.exit(3)
    best = db.best()
    print("opened", best.hex() if best else None, db.number(db.finalized()) if db.finalized() else None)
    db.close()
""")


def _open_in_child(path):
    return subprocess.run([sys.executable, "-c", OPEN, str(path)], capture_output=True, text=True, timeout=60)


def _digest(path) -> str:
    return hashlib.sha256((path / "data.mdb").read_bytes()).hexdigest()


def _metas(path):
    return metas(path / "data.mdb")


@pytest.fixture
def chain_db(tmp_path):
    """A real database: genesis with trie nodes, 300 blocks, #295 finalized."""
    path = tmp_path / "db"
    with Database(path, map_size=1 << 24) as db:
        genesis, header = make_block(ZERO, 0)
        db.import_block(genesis, 0, header, encode_compact(0), {bytes([i]) * 32: b"x" * (i * 20) for i in range(200)},
                        set_best=True)
        hashes = import_chain(db, genesis, 1, 300, b"a")
        db.finalize(hashes[-6], b"justification")
    return path


def _assert_refused(path, reason):
    before = _digest(path)
    result = _open_in_child(path)
    assert result.returncode == 3, f"exit {result.returncode} (signal {-result.returncode} if < 0)\n" \
                                   f"{result.stdout}{result.stderr}"
    assert reason in result.stdout and str(path) in result.stdout, result.stdout
    assert _digest(path) == before  # refused without writing a byte


def test_a_whole_database_opens(chain_db):
    result = _open_in_child(chain_db)
    assert result.returncode == 0 and result.stdout.split()[-1] == "295", result.stdout + result.stderr


def test_truncated_to_half_is_refused_not_a_sigbus(chain_db):
    size = committed_bytes(chain_db / "data.mdb")
    os.truncate(chain_db / "data.mdb", size // 2)
    _assert_refused(chain_db, "truncated")


def test_one_page_short_is_refused(chain_db):
    psize, _ = _metas(chain_db)
    os.truncate(chain_db / "data.mdb", committed_bytes(chain_db / "data.mdb") - psize)
    _assert_refused(chain_db, "truncated")


def test_truncated_to_zero_is_refused_not_a_new_genesis(chain_db):
    os.truncate(chain_db / "data.mdb", 0)
    _assert_refused(chain_db, "empty")
    assert (chain_db / "data.mdb").stat().st_size == 0


@pytest.mark.parametrize("which", ["main root", "meta page 0", "meta page 1"])
def test_a_page_of_garbage_is_refused(chain_db, which):
    psize, both = _metas(chain_db)
    committed = max(both, key=lambda m: m[2])
    page = {"main root": committed[0], "meta page 0": 0, "meta page 1": 1}[which]
    with open(chain_db / "data.mdb", "r+b") as f:
        f.seek(page * psize)
        f.write(os.urandom(psize))
    _assert_refused(chain_db, "damaged")


def test_a_file_that_is_not_lmdb_is_refused(tmp_path):
    path = tmp_path / "db"
    path.mkdir()
    (path / "data.mdb").write_bytes(b"these are not the pages you are looking for\n" * 400)
    _assert_refused(path, "not an lmdb database")


def test_refusal_is_a_typed_storage_error(chain_db):
    os.truncate(chain_db / "data.mdb", 0)
    with pytest.raises(DatabaseCorrupt) as refused:
        Database(chain_db, map_size=1 << 24)
    assert refused.value.directory == str(chain_db)
    with pytest.raises(DatabaseCorrupt):  # the refused open released its lock and can be retried
        Database(chain_db, map_size=1 << 24)


def test_the_child_would_show_a_signal_death():
    """The harness itself: a child killed by a signal is seen as one (so a SIGBUS cannot pass as a refusal)."""
    result = subprocess.run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGBUS)"],
                            capture_output=True, timeout=30)
    assert result.returncode == -signal.SIGBUS


def test_a_creation_cut_short_is_created_again(tmp_path):
    """Killed between creating data.mdb and its first commit: the CREATING marker says the empty file was
    never a database, so it is created afresh instead of refused (a truncated one has no marker)."""
    path = tmp_path / "db"
    path.mkdir()
    (path / "CREATING").write_bytes(b"")
    (path / "data.mdb").write_bytes(b"")
    with Database(path, map_size=1 << 22) as db:
        assert db.best() is None
    assert not (path / "CREATING").exists() and (path / "data.mdb").stat().st_size > 0


def test_a_new_database_leaves_no_creation_marker(tmp_path):
    with Database(tmp_path / "db", map_size=1 << 22):
        pass
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["LOCK", "data.mdb", "lock.mdb"]


def test_a_large_file_still_gets_the_size_and_meta_checks(chain_db, monkeypatch):
    from relaychain.storage import integrity

    monkeypatch.setattr(integrity, "FULL_CHECK_LIMIT", 0)  # every file counts as large: no page walk
    integrity.check_data_file(str(chain_db))  # whole: accepted without the walk
    size = committed_bytes(chain_db / "data.mdb")
    os.truncate(chain_db / "data.mdb", size // 2)
    with pytest.raises(DatabaseCorrupt, match="truncated"):
        integrity.check_data_file(str(chain_db))
