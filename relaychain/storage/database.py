"""The node's on-disk database on lmdb (contract C3).

One lmdb environment with named sub-databases:

| name           | key                            | value                                   |
|----------------|--------------------------------|-----------------------------------------|
| headers        | block hash                     | SCALE header bytes                      |
| bodies         | block hash                     | SCALE body bytes                        |
| block_info     | block hash                     | number (u64 BE) ‖ parent hash           |
| canonical      | number (u64 BE)                | hash of the best chain's block there    |
| nodes          | blake2-256 of a trie node      | encoded trie node or V1 value node      |
| justifications | block hash                     | justification bytes                     |
| meta           | caller's key                   | caller's value (reserved: `:`-prefixed) |
| chunks         | candidate hash ‖ index (u32 BE)| erasure chunk bytes                     |

Crash safety: every public write is one lmdb write transaction, committed with fsync (lmdb's
default `sync=True`); lmdb's copy-on-write B-trees make a commit all-or-nothing, so after a kill -9 at
any instant the database reopens at the last committed transaction.

The map is writable, allocated on disk before lmdb uses it, and grown on demand (`memory_map.py`: why, and
what a full disk does).

One process per database: `<db>/LOCK` is held (flock) while the database is open, and a second opener,
in any process, gets `DatabaseInUse` naming the holder's pid (see `lock.py`). A damaged data file (truncated,
overwritten, not lmdb) is refused with `DatabaseCorrupt` before lmdb maps it, and left as it is
(`integrity.py`); lmdb errors met later are raised as `StorageError`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Mapping, Optional

import lmdb

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError, decode_compact

from .errors import StorageError, UnknownBlockError
from .integrity import DATA_FILE, check_data_file
from .lock import DirectoryLock
from .memory_map import DEFAULT_INITIAL_MAP, MapGate, allocate, initial_map_size, next_map_size

SCHEMA_VERSION = b"1"
_MAX_GROWTHS = 6  # growths one write may trigger before it gives up
_BEST = b":best"
_FINALIZED = b":finalized"
_SCHEMA = b":schema"
_SUBDBS = (b"headers", b"bodies", b"block_info", b"canonical", b"nodes", b"justifications", b"meta", b"chunks")

_open_paths: set[str] = set()
_open_paths_lock = threading.Lock()


def _number_key(number: int) -> bytes:
    return number.to_bytes(8, "big")


def _check_hash(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        raise StorageError(f"{what} must be 32 bytes, got {value!r:.80}")
    return bytes(value)


class LmdbNodeStore:
    """The trie-node sub-database as a NodeStore (`get_node(hash) -> bytes | None`)."""

    __slots__ = ("_db",)

    def __init__(self, db: "Database"):
        self._db = db

    def get_node(self, node_hash: bytes) -> Optional[bytes]:
        return self._db._get(b"nodes", bytes(node_hash))


def _creating_marker(directory: str) -> Path:
    """`<db>/CREATING`, written (durably) before lmdb creates a new data file and removed after the first
    commit: an empty data file next to it is a creation cut short, not a truncated database."""
    marker = Path(directory) / "CREATING"
    if not (Path(directory) / "data.mdb").exists() and not marker.exists():
        with open(marker, "wb") as f:
            os.fsync(f.fileno())
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return marker


class Database:
    """Blocks, canonical index, finality, trie nodes, metadata and availability chunks in one lmdb file."""

    def __init__(self, path: str | os.PathLike, map_size: int = DEFAULT_INITIAL_MAP):
        """Open (or create) the database at `path`. `map_size` is the map to start with; it grows when a
        write needs more, and an existing database starts with room beyond what it holds."""
        self.path = os.path.abspath(os.fspath(path))
        self._data_file = os.path.join(self.path, DATA_FILE)
        self._gate = MapGate()
        with _open_paths_lock:
            if self.path in _open_paths:
                raise StorageError(f"database {self.path} is already open in this process; close it first")
            _open_paths.add(self.path)
        self._env = None
        self._lock = DirectoryLock(self.path)
        try:
            os.makedirs(self.path, exist_ok=True)
            self._lock.acquire()  # before lmdb sees the files: nobody else may be writing them
            creating = _creating_marker(self.path)
            committed = check_data_file(self.path, creation_interrupted=creating.exists())  # before lmdb maps it
            self._env = lmdb.open(self.path, map_size=initial_map_size(committed, map_size), max_dbs=len(_SUBDBS),
                                  subdir=True, sync=True, metasync=True, readahead=False, lock=True, writemap=True)
            self._map_size = self._env.info()["map_size"]
            # lmdb has sized the file to the map (sparse); its blocks are taken before anything is written
            allocate(self._data_file, self._map_size)
        except BaseException as e:
            if self._env is not None:
                self._env.close()
                self._env = None
            self._lock.release()
            with _open_paths_lock:
                _open_paths.discard(self.path)
            if isinstance(e, lmdb.Error):
                raise StorageError(f"cannot open database at {self.path}: {e}") from e
            if isinstance(e, OSError):
                raise StorageError(f"cannot open database at {self.path}: {e.strerror or e}") from e
            raise
        self.node_store = LmdbNodeStore(self)
        try:
            self._dbs = {name: self._env.open_db(name) for name in _SUBDBS}
            with self._env.begin(write=True) as txn:
                schema = txn.get(_SCHEMA, db=self._dbs[b"meta"])
                if schema is None:
                    txn.put(_SCHEMA, SCHEMA_VERSION, db=self._dbs[b"meta"])
        except lmdb.Error as e:
            self.close()
            raise StorageError(f"cannot open database at {self.path}: {e}") from e
        creating.unlink(missing_ok=True)  # created: from now on an empty data file is a truncated one
        if schema not in (None, SCHEMA_VERSION):
            self.close()
            raise StorageError(f"database {self.path} has schema {schema!r}, this code reads {SCHEMA_VERSION!r}")

    # -- plumbing ----------------------------------------------------------------------------------

    def _live_env(self) -> lmdb.Environment:
        if self._env is None:
            raise StorageError(f"database {self.path} is closed")
        return self._env

    def _get(self, name: bytes, key: bytes) -> Optional[bytes]:
        env = self._live_env()
        self._gate.enter()
        try:
            with env.begin(db=self._dbs[name]) as txn:
                return txn.get(key)
        except lmdb.Error as e:
            raise StorageError(f"read from {self.path} failed: {e}") from e
        finally:
            self._gate.leave()

    def _write(self, body):
        """Run `body(txn)` in one write transaction; if the map is full, the aborted transaction is
        retried after growing the map (a few times)."""
        env = self._live_env()
        for attempt in range(_MAX_GROWTHS + 1):
            seen = self._map_size
            self._gate.enter()
            try:
                with env.begin(write=True) as txn:
                    return body(txn)
            except lmdb.MapFullError:
                pass
            except lmdb.Error as e:
                raise StorageError(f"write to {self.path} failed: {e}") from e
            finally:
                self._gate.leave()
            if attempt == _MAX_GROWTHS:
                raise StorageError(f"database {self.path} is full even after growing its map to "
                                   f"{self._map_size >> 20} MiB; open it with a larger map_size")
            self._gate.remap(lambda: self._grow(env, seen))

    def _grow(self, env: lmdb.Environment, seen: int) -> None:
        """Grow the map past `seen` bytes, unless another write did meanwhile. Runs with no transaction open."""
        if self._map_size != seen:
            return
        size = next_map_size(seen)
        try:
            allocate(self._data_file, size)
        except OSError as e:
            raise StorageError(f"database {self.path} is full and the disk has no room to grow it to "
                               f"{size >> 20} MiB: {e.strerror or e}") from e
        try:
            env.set_mapsize(size)
        except lmdb.Error as e:
            raise StorageError(f"database {self.path} is full and could not grow: {e}") from e
        self._map_size = size

    @property
    def map_size(self) -> int:
        """Current lmdb map size in bytes (grows automatically when a write finds the map full)."""
        return self._live_env().info()["map_size"]

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None
            self._lock.release()
            with _open_paths_lock:
                _open_paths.discard(self.path)

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- blocks ------------------------------------------------------------------------------------

    def import_block(self, hash: bytes, number: int, header_bytes: bytes, body_bytes: bytes,
                     trie_nodes: Mapping[bytes, bytes], *, set_best: bool) -> None:
        """Store a block with its new trie nodes in ONE transaction, optionally making it the best block.

        The header must hash to `hash`, start with its parent hash and carry `number` (Substrate header
        layout); a non-genesis block's parent must already be stored."""
        block_hash = _check_hash(hash, "block hash")
        header_bytes, body_bytes = bytes(header_bytes), bytes(body_bytes)
        if blake2_256(header_bytes) != block_hash:
            raise StorageError(f"header bytes do not hash to block 0x{block_hash.hex()}")
        if len(header_bytes) < 33:
            raise StorageError("header bytes are too short to hold a parent hash and a number")
        parent = header_bytes[:32]
        try:
            encoded_number, _ = decode_compact(header_bytes, 32)
        except ScaleDecodeError as e:
            raise StorageError(f"header number is not a valid compact integer: {e}") from e
        if encoded_number != number:
            raise StorageError(f"header carries number {encoded_number}, import_block was told {number}")
        nodes = [(bytes(h), bytes(enc)) for h, enc in trie_nodes.items()]
        for h, _ in nodes:
            _check_hash(h, "trie node hash")
        info = _number_key(number) + parent

        def body(txn):
            if number > 0 and txn.get(parent, db=self._dbs[b"block_info"]) is None:
                raise UnknownBlockError(f"parent 0x{parent.hex()} of block #{number} is not stored")
            txn.put(block_hash, header_bytes, db=self._dbs[b"headers"])
            txn.put(block_hash, body_bytes, db=self._dbs[b"bodies"])
            txn.put(block_hash, info, db=self._dbs[b"block_info"])
            nodes_db = self._dbs[b"nodes"]
            for h, enc in nodes:
                txn.put(h, enc, db=nodes_db)
            if set_best:
                self._set_best(txn, block_hash)
        self._write(body)

    def header(self, hash: bytes) -> Optional[bytes]:
        return self._get(b"headers", bytes(hash))

    def body(self, hash: bytes) -> Optional[bytes]:
        return self._get(b"bodies", bytes(hash))

    def contains(self, hash: bytes) -> bool:
        return self._get(b"block_info", bytes(hash)) is not None

    def number(self, hash: bytes) -> Optional[int]:
        info = self._get(b"block_info", bytes(hash))
        return None if info is None else int.from_bytes(info[:8], "big")

    def parent(self, hash: bytes) -> Optional[bytes]:
        info = self._get(b"block_info", bytes(hash))
        return None if info is None else info[8:]

    def hash_by_number(self, number: int) -> Optional[bytes]:
        """The canonical (best-chain) block at `number`."""
        if number < 0:
            return None
        return self._get(b"canonical", _number_key(number))

    def best(self) -> Optional[bytes]:
        return self._get(b"meta", _BEST)

    def finalized(self) -> Optional[bytes]:
        return self._get(b"meta", _FINALIZED)

    def justification(self, hash: bytes) -> Optional[bytes]:
        return self._get(b"justifications", bytes(hash))

    # -- fork choice and finality ------------------------------------------------------------------

    def _info(self, txn, block_hash: bytes) -> tuple[int, bytes]:
        info = txn.get(block_hash, db=self._dbs[b"block_info"])
        if info is None:
            raise UnknownBlockError(f"block 0x{block_hash.hex()} is not stored")
        return int.from_bytes(info[:8], "big"), info[8:]

    def _is_ancestor(self, txn, ancestor: bytes, block_hash: bytes) -> bool:
        """Whether `ancestor` is `block_hash` or one of its ancestors (walks parent links)."""
        target_number, _ = self._info(txn, ancestor)
        number, parent = self._info(txn, block_hash)
        current = block_hash
        while number > target_number:
            current = parent
            number, parent = self._info(txn, current)
        return current == ancestor

    def _set_best(self, txn, block_hash: bytes) -> None:
        """Re-point the canonical index along the chain ending at `block_hash` (a reorg if needed)."""
        meta, canonical = self._dbs[b"meta"], self._dbs[b"canonical"]
        finalized = txn.get(_FINALIZED, db=meta)
        if finalized is not None and not self._is_ancestor(txn, finalized, block_hash):
            raise StorageError(f"block 0x{block_hash.hex()} does not descend from the finalized block "
                               f"0x{finalized.hex()}; it cannot become best")
        number, parent = self._info(txn, block_hash)
        old_best = txn.get(_BEST, db=meta)
        if old_best is not None:  # drop canonical entries above the new best
            old_number, _ = self._info(txn, old_best)
            for n in range(number + 1, old_number + 1):
                txn.delete(_number_key(n), db=canonical)
        current = block_hash
        while True:
            key = _number_key(number)
            if txn.get(key, db=canonical) == current:
                break  # the rest of the chain below is already canonical
            txn.put(key, current, db=canonical)
            if number == 0:
                break
            current = parent
            number, parent = self._info(txn, current)
        txn.put(_BEST, block_hash, db=meta)

    def set_best(self, hash: bytes) -> None:
        """Make `hash` the best block; the number→hash index follows its chain (atomic)."""
        block_hash = _check_hash(hash, "block hash")
        self._write(lambda txn: self._set_best(txn, block_hash))

    def finalize(self, hash: bytes, justification: Optional[bytes] = None) -> None:
        """Mark `hash` finalized (atomically with its justification). It must descend from the current
        finalized block; if it is not on the best chain, the best block becomes `hash`."""
        block_hash = _check_hash(hash, "block hash")

        def body(txn):
            meta = self._dbs[b"meta"]
            number, _ = self._info(txn, block_hash)
            previous = txn.get(_FINALIZED, db=meta)
            if previous is not None and not self._is_ancestor(txn, previous, block_hash):
                raise StorageError(f"block 0x{block_hash.hex()} does not descend from the finalized block "
                                   f"0x{previous.hex()}")
            if txn.get(_number_key(number), db=self._dbs[b"canonical"]) != block_hash:
                txn.put(_FINALIZED, block_hash, db=meta)  # so _set_best accepts it
                self._set_best(txn, block_hash)
            if justification is not None:
                txn.put(block_hash, bytes(justification), db=self._dbs[b"justifications"])
            txn.put(_FINALIZED, block_hash, db=meta)
        self._write(body)

    # -- trie nodes --------------------------------------------------------------------------------

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        """Store trie nodes outside a block import (e.g. a child trie written by a tool)."""
        pairs = [(_check_hash(h, "trie node hash"), bytes(enc)) for h, enc in nodes.items()]

        def body(txn):
            for h, enc in pairs:
                txn.put(h, enc, db=self._dbs[b"nodes"])
        self._write(body)

    # -- metadata ----------------------------------------------------------------------------------

    def meta_get(self, key: bytes) -> Optional[bytes]:
        return self._get(b"meta", bytes(key))

    def meta_put(self, key: bytes, value: bytes) -> None:
        key = bytes(key)
        if key.startswith(b":"):
            raise StorageError(f"meta keys starting with ':' are reserved for the database itself: {key!r}")
        self._write(lambda txn: txn.put(key, bytes(value), db=self._dbs[b"meta"]))

    def meta_delete(self, key: bytes) -> None:
        key = bytes(key)
        if key.startswith(b":"):
            raise StorageError(f"meta keys starting with ':' are reserved for the database itself: {key!r}")
        self._write(lambda txn: txn.delete(key, db=self._dbs[b"meta"]))

    def meta_items(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        """Every (key, value) of the metadata table whose key starts with `prefix`, in key order."""
        return [(k, self._get(b"meta", k)) for k in self._keys_with_prefix(b"meta", bytes(prefix))]

    def meta_keys_below(self, prefix: bytes, end: bytes) -> list[bytes]:
        """The metadata keys starting with `prefix` and ordered before `end`, in key order (a range scan that
        stops at `end`: an index keyed by big-endian numbers gives the entries up to a number)."""
        return self._keys_with_prefix(b"meta", bytes(prefix), bytes(end))

    # -- availability chunks -----------------------------------------------------------------------

    def put_chunk(self, candidate_hash: bytes, index: int, chunk: bytes) -> None:
        self.put_chunks(candidate_hash, {index: chunk})

    def put_chunks(self, candidate_hash: bytes, chunks: Mapping[int, bytes], meta: Mapping[bytes, bytes] = {}) -> None:
        """Store several chunks of one candidate (and metadata entries about it) in one transaction: one
        synced commit instead of one per chunk, and never half of a backer's chunks."""
        prefix = _check_hash(candidate_hash, "candidate hash")
        rows = [(prefix + self._chunk_index(i), bytes(c)) for i, c in chunks.items()]
        for key in meta:
            if bytes(key).startswith(b":"):
                raise StorageError(f"meta keys starting with ':' are reserved for the database itself: {key!r}")

        def body(txn):
            for key, value in rows:
                txn.put(key, value, db=self._dbs[b"chunks"])
            for key, value in meta.items():
                txn.put(bytes(key), bytes(value), db=self._dbs[b"meta"])
        self._write(body)

    def get_chunk(self, candidate_hash: bytes, index: int) -> Optional[bytes]:
        return self._get(b"chunks", _check_hash(candidate_hash, "candidate hash") + self._chunk_index(index))

    def chunk_indices(self, candidate_hash: bytes) -> list[int]:
        prefix = _check_hash(candidate_hash, "candidate hash")
        return [int.from_bytes(k[32:], "big") for k in self._keys_with_prefix(b"chunks", prefix)]

    def delete_chunks(self, candidate_hash: bytes) -> int:
        """Prune every stored chunk of a candidate; returns how many were removed."""
        prefix = _check_hash(candidate_hash, "candidate hash")

        def body(txn):
            removed = 0
            cursor = txn.cursor(db=self._dbs[b"chunks"])
            if cursor.set_range(prefix):
                while cursor.key().startswith(prefix):
                    cursor.delete()  # moves to the next item (key b"" past the end)
                    removed += 1
            return removed
        return self._write(body)

    @staticmethod
    def _chunk_index(index: int) -> bytes:
        if not isinstance(index, int) or not 0 <= index < 1 << 32:
            raise StorageError(f"chunk index must be a u32, got {index!r}")
        return index.to_bytes(4, "big")

    def _keys_with_prefix(self, name: bytes, prefix: bytes, end: Optional[bytes] = None) -> list[bytes]:
        """The keys of sub-database `name` that start with `prefix` (and, given `end`, order before it)."""
        out = []
        env = self._live_env()
        self._gate.enter()
        try:
            with env.begin(db=self._dbs[name]) as txn:
                cursor = txn.cursor()
                if cursor.set_range(prefix):
                    for key in cursor.iternext(values=False):
                        if not key.startswith(prefix) or (end is not None and key >= end):
                            break
                        out.append(key)
        except lmdb.Error as e:
            raise StorageError(f"read from {self.path} failed: {e}") from e
        finally:
            self._gate.leave()
        return out
