"""Refuse a damaged database before lmdb maps it.

lmdb trusts its data file: it maps it and follows page numbers. A file cut short makes the first read past
its end kill the process with SIGBUS (printing nothing); a file cut to 0 bytes looks like a new database, so
a node would write a fresh genesis over the old chain; pages of garbage surface later as
`lmdb.CorruptedError`, or as wrong data. So before opening, `check_data_file` reads the file with plain
reads, never through the map, and refuses it with `DatabaseCorrupt` when:

- it is empty (`data.mdb` exists with 0 bytes: truncated), unless its creation was cut short: a new
  database is created under a `CREATING` marker, removed once its first transaction is committed;
- its two meta pages (pages 0 and 1) lack lmdb's magic `0xBEEFC0DE` or data version 1, or disagree on the
  page size (not an lmdb file, or its head was overwritten);
- it is shorter than the last page its newest committed meta page uses, `(mm_last_pg + 1) × page size`
  (lmdb extends the file before it commits pages, so a shorter file was truncated afterwards; with a
  writable map the file is the whole map, and only the committed part is checked);
- py-lmdb's offline verifier (`lmdb.verify`) finds a reachable page that does not hold its own page number, a
  malformed node, keys out of order, or pages neither reachable nor free. It reads every page (about 0.3 s per
  100 MB), so a database whose commit uses more than `FULL_CHECK_LIMIT` gets only the checks above at start,
  and damage inside it surfaces later as a `StorageError`.

Layout (LMDB 0.9, 64-bit, little-endian; `mdb.c` `MDB_page`, `MDB_meta`): a page starts with a 16-byte
header (`mp_pgno` u64, `mp_pad` u16, `mp_flags` u16, `mp_lower` u16, `mp_upper` u16); a meta page then holds
`mm_magic` u32, `mm_version` u32, `mm_address` u64, `mm_mapsize` u64, two 48-byte `MDB_db` records (the
page size is the first one's `md_pad` u32), `mm_last_pg` u64 and `mm_txnid` u64. The committed meta is the
one with the larger `mm_txnid`.
"""

from __future__ import annotations

import logging
import os
import struct

from lmdb import verify as lmdb_verify

from .errors import DatabaseCorrupt

log = logging.getLogger("relaychain.storage")

DATA_FILE = "data.mdb"
MDB_MAGIC = 0xBEEFC0DE
MDB_DATA_VERSION = 1
PAGE_HEADER = 16
FULL_CHECK_LIMIT = 1 << 30  # committed bytes; larger databases are not walked page by page at start
# mm_magic, mm_version, mm_address, mm_mapsize, free-DB md_pad (= page size), 44 bytes to the main DB's
# end, mm_last_pg, mm_txnid
_META = struct.Struct("<IIQQI44x48sQQ")


def _meta(raw: bytes, offset: int) -> tuple[int, int, int, int, int] | None:
    """(magic, version, page size, last page, txnid) of the meta record in the page at `offset`."""
    if len(raw) < offset + PAGE_HEADER + _META.size:
        return None
    magic, version, _addr, _mapsize, psize, _main, last_pg, txnid = _META.unpack_from(raw, offset + PAGE_HEADER)
    return magic, version, psize, last_pg, txnid


def committed_size(path: str) -> int:
    """The bytes the newest commit of `data.mdb` at `path` needs; raises `DatabaseCorrupt` if its meta pages
    are not lmdb's."""
    with open(path, "rb") as f:
        head = f.read(PAGE_HEADER + _META.size)
        first = _meta(head, 0)
        if first is None or first[0] != MDB_MAGIC:
            raise DatabaseCorrupt("data.mdb is not an lmdb database (no lmdb magic in its first page)")
        psize = first[2]
        if psize < 512 or psize > 1 << 16 or psize & (psize - 1):
            raise DatabaseCorrupt(f"data.mdb's first meta page records an impossible page size {psize}")
        f.seek(psize)
        second = _meta(f.read(PAGE_HEADER + _META.size), 0)
    if second is None:
        raise DatabaseCorrupt("data.mdb is shorter than its two meta pages (truncated)")
    for index, meta in enumerate((first, second)):
        if meta[0] != MDB_MAGIC:
            raise DatabaseCorrupt(f"meta page {index} of data.mdb has no lmdb magic (overwritten?)")
        if meta[1] != MDB_DATA_VERSION:
            raise DatabaseCorrupt(f"meta page {index} of data.mdb is lmdb data version {meta[1]}, "
                                  f"this lmdb reads {MDB_DATA_VERSION}")
    if second[2] != psize:
        raise DatabaseCorrupt(f"the meta pages of data.mdb disagree on the page size ({psize} vs {second[2]})")
    committed = max((first, second), key=lambda m: m[4])
    return (committed[3] + 1) * psize


def check_data_file(directory: str, creation_interrupted: bool = False) -> int:
    """Raise `DatabaseCorrupt` (naming `directory` and what is wrong) unless the lmdb data file there is
    absent (a new database) or whole; return the bytes its last commit uses (0 for none). Reads the file;
    never writes, never maps it.

    `creation_interrupted`: the database was being created when its process died (`CREATING` marker), so an
    empty data file is that unfinished creation, not a truncated database, and is created again."""
    path = os.path.join(directory, DATA_FILE)
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return 0
    except OSError as e:
        raise DatabaseCorrupt(f"database {directory} cannot be read: {e.strerror or e}") from None
    try:
        if size == 0:
            if creation_interrupted:
                return 0
            raise DatabaseCorrupt("data.mdb is empty (truncated to 0 bytes?)")
        needed = committed_size(path)
        if size < needed:
            raise DatabaseCorrupt(f"data.mdb holds {size} bytes but its last commit uses {needed} (truncated)")
        if needed > FULL_CHECK_LIMIT:
            log.info("Database %s holds %d MB: its pages are not all verified at start", directory, needed >> 20)
            return needed
        try:
            problems = lmdb_verify.verify(path, subdir=False)
        except lmdb_verify.VerifyError as e:
            raise DatabaseCorrupt(f"data.mdb is not a sound lmdb file: {e}") from None
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise DatabaseCorrupt(f"data.mdb is corrupt: {problems[0]}{more}")
        return needed
    except DatabaseCorrupt as e:
        raise DatabaseCorrupt(f"database {directory} is damaged, refusing to open it: {e}",
                              directory=directory) from None
    except OSError as e:
        raise DatabaseCorrupt(f"database {directory} cannot be read: {e.strerror or e}", directory=directory) from None
