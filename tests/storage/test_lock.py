"""One process per database (#11, item 1): a database held by one process is refused to every other opener
with its path and the holder's pid, and the lock dies with its holder, even by SIGKILL."""

import signal
import subprocess
import sys
import textwrap

import pytest

from relaychain.storage import Database, DatabaseInUse, StorageError

HOLDER = textwrap.dedent("""
    import sys
    from relaychain.storage import Database
    db = Database(sys.argv[1], map_size=1 << 22)
    print("open", flush=True)
    sys.stdin.read()  # hold it until the test closes our stdin
    db.close()
""")


@pytest.fixture
def holder(tmp_path):
    path = tmp_path / "db"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "open\n", f"holder exited with {proc.wait()}"
    yield path, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()


def test_a_database_held_by_another_process_is_refused_with_its_pid(holder):
    path, proc = holder
    with pytest.raises(DatabaseInUse) as refused:
        Database(path, map_size=1 << 22)
    assert refused.value.holder_pid == proc.pid
    assert str(path) in str(refused.value) and f"process {proc.pid}" in str(refused.value)
    # refusing changed nothing for the holder, and a refused opener can try again later
    with pytest.raises(DatabaseInUse):
        Database(path, map_size=1 << 22)
    assert proc.poll() is None


def test_the_lock_ends_with_its_holder_even_killed(holder):
    path, proc = holder
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    with Database(path, map_size=1 << 22) as db:  # no stale lock: the kernel dropped it with the process
        assert db.best() is None


def test_the_lock_is_released_by_close(tmp_path):
    first = Database(tmp_path / "db", map_size=1 << 22)
    first.close()
    second = Database(tmp_path / "db", map_size=1 << 22)
    second.close()


def test_a_second_opener_in_this_process_is_refused(tmp_path):
    with Database(tmp_path / "db", map_size=1 << 22):
        with pytest.raises(StorageError, match="already open in this process"):
            Database(tmp_path / "db", map_size=1 << 22)
