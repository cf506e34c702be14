"""lmdb's data-file layout read with plain `struct`, for tests that aim damage at a database's live pages.

LMDB 0.9 (`mdb.c`): pages 0 and 1 are meta pages; a page starts with a 16-byte header, then `MDB_meta`:
magic u32, version u32, address u64, mapsize u64, free-DB `MDB_db` (48 bytes, its `md_pad` u32 first is the
page size), main-DB `MDB_db` (48 bytes, `md_root` u64 last), `mm_last_pg` u64, `mm_txnid` u64. The committed
meta is the one with the larger txnid. With a writable map the file is as long as the map, so its length
says nothing about what is committed: the committed bytes are `(mm_last_pg + 1) × page size`.
"""

import struct
from pathlib import Path


def metas(data_file: Path):
    """(page size, [(main root, last page, txnid) of meta 0 and 1])."""
    with open(data_file, "rb") as f:
        head = f.read(16 + 24 + 4)
        psize = struct.unpack_from("<I", head, 16 + 24)[0]  # mm_psize aliases the free DB's md_pad
        f.seek(0)
        raw = f.read(2 * psize)
    out = []
    for page in (0, 1):
        base = page * psize + 16
        root = struct.unpack_from("<Q", raw, base + 24 + 48 + 40)[0]
        last_pg, txnid = struct.unpack_from("<QQ", raw, base + 24 + 96)
        out.append((root, last_pg, txnid))
    return psize, out


def committed_bytes(data_file: Path) -> int:
    """The bytes of `data_file` its newest commit uses."""
    psize, both = metas(data_file)
    return (max(both, key=lambda m: m[2])[1] + 1) * psize
