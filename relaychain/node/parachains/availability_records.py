"""What the availability store knows of each candidate, and when its chunks go (av-store's pruning rules).

A candidate's chunks go `KEEP_AFTER_FINALITY` blocks after the block that included it is finalized, or
`KEEP_UNINCLUDED` blocks after they were stored if it is never included (relay blocks instead of wall-clock
hours, so a 1 s dev chain and a 6 s chain keep the same history).

Only candidates whose fate is open (not included, or included but not finalized) are held in memory: they are
few, bounded by the unfinalized chain. A finalized candidate lives on disk only, with an entry in a pruning
index keyed by the big-endian block number at which it goes, so pruning reads just the entries due (as
polkadot's av-store keeps `prune_by_time` keys in its database). Held in memory, a day of finalized
candidates was memory growing with the chain (issue #13).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from relaychain.primitives.scale import Reader, encode_u32

KEEP_AFTER_FINALITY = 14_400  # 25 h of 6 s blocks is 15,000; a round 14,400 (one day of 6 s blocks)
KEEP_UNINCLUDED = 600  # 1 h of 6 s blocks
RECORD_PREFIX = b"av-store/"  # + candidate hash -> CandidateRecord
PRUNE_PREFIX = b"av-prune/"  # + u32 big-endian block number + candidate hash -> b"": finalized, goes then


@dataclass
class CandidateRecord:
    """What the store knows of a candidate: when its chunks came, and where it was included."""

    stored_at: int  # relay block number when the first chunk was stored
    included_at: Optional[int] = None  # number of the block that included it
    finalized: bool = False

    def encode(self) -> bytes:
        inc = b"\x00" if self.included_at is None else b"\x01" + encode_u32(self.included_at)
        return encode_u32(self.stored_at) + inc + bytes((self.finalized,))

    @classmethod
    def decode(cls, data: bytes) -> "CandidateRecord":
        r = Reader(data)
        stored = r.u32()
        included = r.option(Reader.u32)
        finalized = r.bool()
        r.finish()
        return cls(stored, included, finalized)


def _prune_key(prune_at: int, candidate_hash: bytes) -> bytes:
    return PRUNE_PREFIX + min(prune_at, 0xFFFFFFFF).to_bytes(4, "big") + candidate_hash


class CandidateRecords:
    """The records of one node's availability store, in its database's metadata table."""

    def __init__(self, db):
        self.db = db
        self.open: dict[bytes, CandidateRecord] = {}  # candidates not finalized yet

    def load(self) -> list[bytes]:
        """Read the open records back after a restart (finalized ones stay on disk, indexed for pruning: a
        database written before the index existed gets it now). Returns the keys of unreadable records."""
        bad = []
        for key, value in self.db.meta_items(RECORD_PREFIX):
            candidate_hash = key[len(RECORD_PREFIX):]
            try:
                record = CandidateRecord.decode(value)
            except ValueError:
                bad.append(key)
                continue
            if not record.finalized:
                self.open[candidate_hash] = record
            else:
                index = _prune_key(record.included_at + KEEP_AFTER_FINALITY, candidate_hash)
                if self.db.meta_get(index) is None:
                    self.db.meta_put(index, b"")
        return bad

    def knows(self, candidate_hash: bytes) -> bool:
        return candidate_hash in self.open or self.db.meta_get(RECORD_PREFIX + candidate_hash) is not None

    def new_record(self, candidate_hash: bytes, best_number: int) -> dict[bytes, bytes]:
        """Open a record for a candidate whose first chunks are being stored; the metadata rows to write with
        them (none if the candidate is known)."""
        if self.knows(candidate_hash):
            return {}
        record = CandidateRecord(best_number)
        self.open[candidate_hash] = record
        return {RECORD_PREFIX + candidate_hash: record.encode()}

    def included(self, candidate_hash: bytes, number: int) -> None:
        """The candidate was included by block `number` (the first inclusion seen counts)."""
        record = self.open.get(candidate_hash)
        if record is not None and record.included_at is None:
            record.included_at = number
            self.db.meta_put(RECORD_PREFIX + candidate_hash, record.encode())

    def finalized(self, number: int) -> None:
        """Block `number` is finalized: candidates included at or below it are settled; they leave memory for the
        pruning index."""
        for candidate_hash, record in list(self.open.items()):
            if record.included_at is not None and record.included_at <= number:
                record.finalized = True
                self.db.meta_put(RECORD_PREFIX + candidate_hash, record.encode())
                self.db.meta_put(_prune_key(record.included_at + KEEP_AFTER_FINALITY, candidate_hash), b"")
                del self.open[candidate_hash]

    def expired(self, finalized_number: int, best_number: int) -> list[bytes]:
        """Candidates whose chunks must go now: finalized ones past `KEEP_AFTER_FINALITY`, never-included ones
        past `KEEP_UNINCLUDED`. Their records are dropped; the caller drops the chunks."""
        out = []
        for key in self.db.meta_keys_below(PRUNE_PREFIX, _prune_key(finalized_number + 1, b"")):
            candidate_hash = key[len(PRUNE_PREFIX) + 4:]
            self.db.meta_delete(key)
            self.db.meta_delete(RECORD_PREFIX + candidate_hash)
            out.append(candidate_hash)
        for candidate_hash, record in list(self.open.items()):
            if record.included_at is None and best_number - record.stored_at >= KEEP_UNINCLUDED:
                self.db.meta_delete(RECORD_PREFIX + candidate_hash)
                del self.open[candidate_hash]
                out.append(candidate_hash)
        return out
