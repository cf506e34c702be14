"""One process per database: an exclusive lock taken before the database is opened.

lmdb lets several processes write one environment (its own lock file serialises their transactions), so two
nodes started on one base path would both append blocks to one chain. Substrate refuses this through
RocksDB's `LOCK` file; we do the same with an advisory `flock(LOCK_EX | LOCK_NB)` on `<db>/LOCK`, which
also holds the owner's pid so a refusal can name it. The kernel drops the lock when its holder exits, even
by SIGKILL, so a stale `LOCK` file never blocks a restart.
"""

from __future__ import annotations

import errno
import fcntl
import os

from .errors import DatabaseInUse

LOCK_FILE = "LOCK"


class DirectoryLock:
    """An exclusive lock on a directory, held from `acquire` until `release` (or the process ends)."""

    def __init__(self, directory: str):
        self.directory = directory
        self.path = os.path.join(directory, LOCK_FILE)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `DatabaseInUse` naming the holder's pid."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = _read_pid(fd)
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            who = f"process {holder}" if holder is not None else "another process"
            raise DatabaseInUse(f"database {self.directory} is in use by {who}; stop that node or choose "
                                f"another --base-path", holder_pid=holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)  # a LOCK file left behind names no pid
            finally:
                os.close(fd)  # closing the last descriptor drops the flock


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
