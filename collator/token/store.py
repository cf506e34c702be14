"""The token para's blocks on disk: headers, extrinsics and the state after each block (SPEC.md §1).

The relay's lmdb database (`relaychain.storage.Database`) holds them with the same layout the relay uses:
`headers`/`bodies` by block hash (the body is SCALE `Vec<extrinsic>`, each extrinsic with its own length
prefix, as in `ParachainBlockData`), the canonical number index along the best block, the finalized block,
and the state as Substrate trie nodes (state version 1), so a block's state root in its header is the root
the trie is read from. Every import is one lmdb transaction committed with fsync: after a crash the store
reopens at the last block it had fully written, with that block's state — a restarted collator resumes.

The leaves (heads of every fork above the finalized block) are kept in the meta table under `para:leaves`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from relaychain.primitives.scale import Reader, encode_compact
from relaychain.primitives.types import Block, Header
from relaychain.storage import Database
from relaychain.trie import TrieBackend
from relaychain.trie.root import build_trie

STATE_VERSION = 1
_LEAVES = b"para:leaves"
_GENESIS = b"para:genesis"


class ParaStoreError(Exception):
    """The para's database cannot serve this request (wrong chain on disk, unknown parent, root mismatch)."""


def decode_body(body: bytes) -> tuple[bytes, ...]:
    """SCALE `Vec<OpaqueExtrinsic>`: a count, then each extrinsic as Compact(len) ++ bytes (kept whole)."""
    r = Reader(body)
    out = []
    for _ in range(r.compact()):
        start = r.pos
        length = r.compact()
        r.read(length)
        out.append(body[start:r.pos])
    r.finish()
    return tuple(out)


class ParaBlockStore:
    """Blocks, their states, the best and the finalized block of one para, under `path`."""

    def __init__(self, path: str | os.PathLike, genesis_header: Header, genesis_state: Mapping[bytes, bytes]):
        self.path = Path(path)
        self.db = Database(self.path)  # its map starts small and grows with the chain
        genesis_hash = genesis_header.hash()
        try:
            stored = self.db.meta_get(_GENESIS)
            if stored is None:
                self._write_genesis(genesis_header, genesis_state)
            elif stored != genesis_hash:
                raise ParaStoreError(f"{self.path} holds the para chain with genesis 0x{stored.hex()}, not "
                                     f"0x{genesis_hash.hex()}; use another base path or purge it")
        except BaseException:
            self.db.close()
            raise
        self.genesis_hash = genesis_hash

    def _write_genesis(self, header: Header, state: Mapping[bytes, bytes]) -> None:
        root, nodes = build_trie(dict(state), STATE_VERSION)
        if root != header.state_root:
            raise ParaStoreError(f"genesis state root 0x{root.hex()} differs from the genesis header's "
                                 f"0x{header.state_root.hex()}")
        self.db.import_block(header.hash(), 0, header.encode(), encode_compact(0), nodes, set_best=True)
        self.db.finalize(header.hash())
        self.db.meta_put(_LEAVES, header.hash())
        self.db.meta_put(_GENESIS, header.hash())  # last: a crash before this re-creates genesis next time

    def close(self) -> None:
        self.db.close()

    # -- reads ------------------------------------------------------------------------------------
    def header(self, block_hash: bytes) -> Optional[Header]:
        raw = self.db.header(bytes(block_hash))
        return None if raw is None else Header.decode(raw)

    def extrinsics(self, block_hash: bytes) -> Optional[tuple[bytes, ...]]:
        raw = self.db.body(bytes(block_hash))
        return None if raw is None else decode_body(raw)

    def block(self, block_hash: bytes) -> Optional[Block]:
        header = self.header(block_hash)
        if header is None:
            return None
        return Block(header, self.extrinsics(block_hash))

    def contains(self, block_hash: bytes) -> bool:
        return self.db.contains(bytes(block_hash))

    def number(self, block_hash: bytes) -> Optional[int]:
        return self.db.number(bytes(block_hash))

    def hash_by_number(self, number: int) -> Optional[bytes]:
        return self.db.hash_by_number(number)

    def best_hash(self) -> bytes:
        return self.db.best()

    def finalized_hash(self) -> bytes:
        return self.db.finalized()

    def leaves(self) -> list[bytes]:
        raw = self.db.meta_get(_LEAVES) or b""
        return [raw[i:i + 32] for i in range(0, len(raw), 32)]

    def state_at(self, block_hash: bytes) -> TrieBackend:
        """The state after `block_hash` (KeyError for a block the store does not have)."""
        header = self.header(block_hash)
        if header is None:
            raise KeyError(f"unknown para block 0x{bytes(block_hash).hex()}")
        return TrieBackend(self.db.node_store, header.state_root, STATE_VERSION)

    def state_dict(self, block_hash: bytes) -> dict[bytes, bytes]:
        """Every (key, value) of the state after `block_hash` (the para's state is small: a full copy)."""
        return dict(self.state_at(block_hash).items())

    def is_descendant(self, ancestor: bytes, block_hash: bytes) -> bool:
        """True if `block_hash` is `ancestor` or one of its descendants."""
        n = self.number(ancestor)
        header = self.header(block_hash)
        while header is not None and header.number > (n if n is not None else -1):
            block_hash = header.parent_hash
            header = self.header(block_hash)
        return n is not None and header is not None and header.hash() == bytes(ancestor)

    # -- writes -----------------------------------------------------------------------------------
    def import_block(self, header: Header, extrinsics, post_state: Mapping[bytes, bytes]) -> bytes:
        """Store a block whose parent is stored, with the state after it; the header's state root must be the
        root of `post_state`. Importing a block already stored changes nothing. Returns its hash."""
        block_hash = header.hash()
        if self.contains(block_hash):
            return block_hash
        parent = self.state_at(header.parent_hash) if self.contains(header.parent_hash) else None
        if parent is None:
            raise ParaStoreError(f"parent 0x{header.parent_hash.hex()} of para block #{header.number} is unknown")
        before = dict(parent.items())
        changes: dict[bytes, Optional[bytes]] = {k: v for k, v in post_state.items() if before.get(k) != v}
        changes.update({k: None for k in before if k not in post_state})
        root, nodes = parent.apply(changes)
        if root != header.state_root:
            raise ParaStoreError(f"para block #{header.number}: the state given has root 0x{root.hex()}, the "
                                 f"header says 0x{header.state_root.hex()}")
        xts = tuple(bytes(x) for x in extrinsics)
        body = encode_compact(len(xts)) + b"".join(xts)
        self.db.import_block(block_hash, header.number, header.encode(), body, nodes, set_best=False)
        leaves = [leaf for leaf in self.leaves() if leaf != header.parent_hash] + [block_hash]
        self.db.meta_put(_LEAVES, b"".join(leaves))
        return block_hash

    def set_best(self, block_hash: bytes) -> None:
        self.db.set_best(bytes(block_hash))

    def finalize(self, block_hash: bytes) -> None:
        """Mark `block_hash` final (it must descend from the current finalized block); forks that no longer
        descend from it leave the leaves."""
        self.db.finalize(bytes(block_hash))
        leaves = [leaf for leaf in self.leaves() if self.is_descendant(block_hash, leaf)] or [bytes(block_hash)]
        self.db.meta_put(_LEAVES, b"".join(leaves))
