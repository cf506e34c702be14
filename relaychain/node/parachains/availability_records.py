"""What the availability store knows of each candidate, and when its chunks go (av-store's pruning rules).

A candidate's chunks go `KEEP_AFTER_FINALITY` blocks after the block that included it is finalized, or
`KEEP_UNINCLUDED` blocks after they were stored if it is never included (relay blocks instead of wall-clock
hours, so a 1 s dev chain and a 6 s chain keep the same history).

Only candidates included and not yet finalized are held in memory: they are few, bounded by the unfinalized
chain. Every other record lives on disk only, with an entry in a pruning index keyed by the big-endian block
number at which it goes, so pruning reads just the entries due (as polkadot's av-store keeps `prune_by_time`
keys in its database and nothing in memory): finalized candidates by the finalized number, never-included ones
by the best number. Held in memory, a day of finalized candidates was memory growing with the chain, and the
never-included ones of the last `KEEP_UNINCLUDED` blocks a window that took ten minutes of 1 s blocks to
fill (issue #13).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from relaychain.primitives.scale import Reader, encode_u32

KEEP_AFTER_FINALITY = 14_400  # 25 h of 6 s blocks is 15,000; a round 14,400 (one day of 6 s blocks)
KEEP_UNINCLUDED = 600  # 1 h of 6 s blocks
RECORD_PREFIX = b"av-store/"  # + candidate hash -> CandidateRecord
PRUNE_PREFIX = b"av-prune/"  # + u32 big-endian block number + candidate hash -> b"": finalized, goes then
UNINCLUDED_PREFIX = b"av-unincl/"  # + u32 big-endian best number + candidate hash -> b"": goes then unless included


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


def _prune_key(prune_at: int, candidate_hash: bytes, prefix: bytes = PRUNE_PREFIX) -> bytes:
    return prefix + min(prune_at, 0xFFFFFFFF).to_bytes(4, "big") + candidate_hash


def _unincluded_key(record: "CandidateRecord", candidate_hash: bytes) -> bytes:
    return _prune_key(record.stored_at + KEEP_UNINCLUDED, candidate_hash, UNINCLUDED_PREFIX)


def _finalized_key(record: "CandidateRecord", candidate_hash: bytes) -> bytes:
    return _prune_key(record.included_at + KEEP_AFTER_FINALITY, candidate_hash)


class CandidateRecords:
    """The records of one node's availability store, in its database's metadata table."""

    def __init__(self, db):
        self.db = db
        self.open: dict[bytes, CandidateRecord] = {}  # candidates included and not finalized yet

    def _stored(self, candidate_hash: bytes) -> Optional[CandidateRecord]:
        """The record on disk (None if absent or unreadable: `load` reports those)."""
        raw = self.db.meta_get(RECORD_PREFIX + candidate_hash)
        try:
            return None if raw is None else CandidateRecord.decode(raw)
        except ValueError:
            return None

    def load(self) -> list[bytes]:
        """Read the included, unfinalized records back after a restart (the others stay on disk, indexed for
        pruning: a database written before an index existed gets it now). Returns the keys of unreadable
        records."""
        bad = []
        for key, value in self.db.meta_items(RECORD_PREFIX):
            candidate_hash = key[len(RECORD_PREFIX):]
            try:
                record = CandidateRecord.decode(value)
            except ValueError:
                bad.append(key)
                continue
            if record.included_at is None:
                index = _unincluded_key(record, candidate_hash)
            elif not record.finalized:
                self.open[candidate_hash] = record
                continue
            else:
                index = _finalized_key(record, candidate_hash)
            if self.db.meta_get(index) is None:
                self.db.meta_put(index, b"")
        return bad

    def knows(self, candidate_hash: bytes) -> bool:
        return candidate_hash in self.open or self.db.meta_get(RECORD_PREFIX + candidate_hash) is not None

    def new_record(self, candidate_hash: bytes, best_number: int) -> dict[bytes, bytes]:
        """A record for a candidate whose first chunks are being stored: the metadata rows to write with them
        (none if the candidate is known). It waits on disk, indexed to go `KEEP_UNINCLUDED` blocks on."""
        if self.knows(candidate_hash):
            return {}
        record = CandidateRecord(best_number)
        return {RECORD_PREFIX + candidate_hash: record.encode(), _unincluded_key(record, candidate_hash): b""}

    def included(self, candidate_hash: bytes, number: int) -> None:
        """The candidate was included by block `number` (the first inclusion seen counts): its record joins
        the open ones until that block's number is finalized."""
        if candidate_hash in self.open:
            return
        record = self._stored(candidate_hash)
        if record is None or record.included_at is not None:
            return
        self.db.meta_delete(_unincluded_key(record, candidate_hash))
        record.included_at = number
        self.db.meta_put(RECORD_PREFIX + candidate_hash, record.encode())
        self.open[candidate_hash] = record

    def finalized(self, number: int) -> None:
        """Block `number` is finalized: candidates included at or below it are settled; they leave memory for the
        pruning index."""
        for candidate_hash, record in list(self.open.items()):
            if record.included_at <= number:
                record.finalized = True
                self.db.meta_put(RECORD_PREFIX + candidate_hash, record.encode())
                self.db.meta_put(_finalized_key(record, candidate_hash), b"")
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
        for key in self.db.meta_keys_below(UNINCLUDED_PREFIX, _prune_key(best_number + 1, b"", UNINCLUDED_PREFIX)):
            candidate_hash = key[len(UNINCLUDED_PREFIX) + 4:]
            self.db.meta_delete(key)
            record = self._stored(candidate_hash)
            # two stores of one candidate racing in threads may both have written an entry: only the record's
            # own entry, and only while it is still not included, lets the chunks go
            if record is not None and record.included_at is None and _unincluded_key(record, candidate_hash) == key:
                self.db.meta_delete(RECORD_PREFIX + candidate_hash)
                out.append(candidate_hash)
        return out
