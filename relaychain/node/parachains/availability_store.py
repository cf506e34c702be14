"""The availability store: erasure chunks of candidates, kept until no one can need them.

Polkadot: `polkadot/node/core/av-store`; parachains.md §6. A backer stores every chunk of a candidate it
validated (erasure-coding the AvailableData itself and refusing it unless the chunks' root is the
descriptor's `erasure_root`); every other validator stores its own chunk, fetched from a backer and checked
against the root (availability_distribution). Chunks live in the database's `chunks` table with their
branch (proof) beside them, so they survive a restart.

Pruning follows av-store's rules (availability_records): chunks go a day of blocks after the block that
included their candidate is finalized, or an hour of blocks after they came if it is never included.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from relaychain.erasure import ErasureChunk, ErasureError, branches, obtain_chunks_v1
from relaychain.primitives.scale import Reader, encode_bytes, encode_u32

from .availability_records import CandidateRecords
from .messages import QueryAvailableData, QueryChunk, QueryChunksAvailable, StoreAvailableData, StoreChunk
from .overseer import ActiveLeavesUpdate, BlockFinalized, Subsystem

log = logging.getLogger("relaychain.parachains.av-store")


def encode_stored_chunk(chunk: ErasureChunk) -> bytes:
    return encode_bytes(chunk.chunk) + encode_u32(len(chunk.proof)) + b"".join(encode_bytes(p) for p in chunk.proof)


def decode_stored_chunk(index: int, data: bytes) -> ErasureChunk:
    r = Reader(data)
    chunk = r.bytes()
    proof = tuple(r.bytes() for _ in range(r.u32()))
    r.finish()
    return ErasureChunk(chunk, index, proof)


class AvailabilityStore(Subsystem):
    name = "availability-store"
    handles = (StoreAvailableData, StoreChunk, QueryChunk, QueryChunksAvailable, QueryAvailableData)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.db = ctx.node.db
        self.records = CandidateRecords(self.db)
        self.best_number = 0
        self._writing: set[asyncio.Future] = set()  # coding + writes running in threads

    async def start(self) -> None:
        for key in self.records.load():
            log.warning("ignoring an unreadable availability record %s", key.hex())
        self.best_number = self.ctx.node.client.best_number()

    # -- messages -------------------------------------------------------------------------------
    async def handle_message(self, m) -> None:
        if isinstance(m, StoreAvailableData):
            # Erasure coding, hashing the chunks and the synced write release the GIL: off the event loop,
            # a multi-megabyte PoV does not stall the node's other work.
            work = asyncio.ensure_future(asyncio.to_thread(self._store_available_data, m))
            self._writing.add(work)
            work.add_done_callback(self._writing.discard)
            try:
                # shielded: cancelling us cannot stop the thread, and stop() must see its write finish
                result = await asyncio.shield(work)
            except ErasureError as exc:
                if not m.reply.done():
                    m.reply.set_exception(exc)
                return
            if not m.reply.done():
                m.reply.set_result(result)
        elif isinstance(m, StoreChunk):
            self._answer(m, self._store_chunks, m.candidate_hash, [m.chunk])
        elif isinstance(m, QueryChunk):
            self._answer(m, self.chunk, m.candidate_hash, m.index)
        elif isinstance(m, QueryAvailableData):
            self._answer(m, self.available_data, m.candidate_hash, m.n_validators)
        elif isinstance(m, QueryChunksAvailable):
            self._answer(m, lambda: tuple(w for w in m.wanted if self.has_chunk(*w)))

    async def stop(self) -> None:
        """Wait for writes still running in threads: closing the database under an open lmdb write transaction
        of another thread hangs the closing thread."""
        if self._writing:
            await asyncio.gather(*self._writing, return_exceptions=True)

    @staticmethod
    def _answer(m, fn, *args) -> None:
        try:
            result = fn(*args)
        except ErasureError as exc:
            if not m.reply.done():
                m.reply.set_exception(exc)
            return
        if not m.reply.done():
            m.reply.set_result(result)

    def _store_available_data(self, m: StoreAvailableData) -> bool:
        """Erasure-code and keep every chunk, if the chunks' root is the candidate's (else ErasureRootMismatch)."""
        from relaychain.erasure import ErasureRootMismatch

        coded = branches(obtain_chunks_v1(m.n_validators, m.available_data))
        if coded.root != m.erasure_root:
            raise ErasureRootMismatch(f"the AvailableData's chunks have root 0x{coded.root.hex()}, the descriptor "
                                      f"commits to 0x{m.erasure_root.hex()}")
        self._store_chunks(m.candidate_hash, list(coded))
        return True

    def _store_chunks(self, candidate_hash: bytes, chunks) -> bool:
        """The chunks and (for a new candidate) its record, in one database transaction."""
        meta = self.records.new_record(candidate_hash, self.best_number)
        self.db.put_chunks(candidate_hash, {c.index: encode_stored_chunk(c) for c in chunks}, meta)
        return True

    def chunk(self, candidate_hash: bytes, index: int) -> Optional[ErasureChunk]:
        raw = self.db.get_chunk(candidate_hash, index)
        return None if raw is None else decode_stored_chunk(index, raw)

    def available_data(self, candidate_hash: bytes, n_validators: int):
        """The AvailableData from our systematic chunks (a backer holds them all), or None."""
        from relaychain.erasure import code_params, reconstruct_from_systematic
        from relaychain.erasure.available_data import decode_available_data_prefix

        if not self.records.knows(candidate_hash):
            return None
        k = code_params(n_validators).k
        chunks = [self.db.get_chunk(candidate_hash, i) for i in range(k)]
        if any(c is None for c in chunks):
            return None
        return decode_available_data_prefix(reconstruct_from_systematic(
            n_validators, [decode_stored_chunk(i, c).chunk for i, c in enumerate(chunks)]))

    def has_chunk(self, candidate_hash: bytes, index: int) -> bool:
        return self.db.get_chunk(candidate_hash, index) is not None

    # -- signals: inclusion, finality, pruning ------------------------------------------------------
    async def handle_signal(self, signal) -> None:
        node = self.ctx.node
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None:
            leaf = signal.activated
            self.best_number = max(self.best_number, leaf.number)
            for kind, payload in node.runtime_api.candidate_events(leaf.hash):
                if kind == "CandidateIncluded":
                    self.records.included(payload[0].hash(), leaf.number)
        elif isinstance(signal, BlockFinalized):
            self.records.finalized(signal.number)
            self.prune(signal.number)

    def prune(self, finalized_number: int) -> int:
        """Drop the chunks of candidates past their keeping time; returns how many candidates were pruned."""
        expired = self.records.expired(finalized_number, self.best_number)
        for h in expired:
            self.db.delete_chunks(h)
        return len(expired)
