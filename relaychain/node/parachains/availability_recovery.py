"""Availability recovery: get a candidate's AvailableData back from the validators' chunks.

Polkadot: `polkadot/node/network/availability-recovery` (parachains.md §6, §8 "Checker work"). Approval
checkers and dispute participants need the PoV of a candidate they did not back. In order:
0. the whole AvailableData from a member of the backing group, if the caller knows the group
   (`/req_available_data/1`; Polkadot's "fetch full from backers"), checked by re-encoding to the root;
1. chunks we hold ourselves (a backer holds them all);
2. the systematic chunks 0..k-1 from the validators holding them (chunk i is validator i's), which give the
   data by de-interleaving, no decoding;
3. any k chunks, asking every validator, `PARALLEL_REQUESTS` at a time with a timeout each.
Every chunk is checked against the erasure root with its branch before it counts; the data is re-encoded and
must give the descriptor's erasure root (`reconstruct_verified`), then decode as AvailableData. A recovery that
cannot gather k good chunks fails with `RecoveryFailed` (the candidate is unavailable, which for an approval
checker is a no-show and for a dispute an invalid vote).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Optional

from relaychain.erasure import (
    ErasureChunk, ErasureError, code_params, reconstruct_from_systematic, reconstruct_verified, verify_chunk, warm_up,
)
from relaychain.erasure.available_data import decode_available_data_prefix
from relaychain.node.network.errors import NetworkError
from relaychain.primitives import parachain_types as P
from relaychain.primitives.scale import ScaleDecodeError

from .messages import QueryAvailableData, QueryChunk, RecoverAvailableData
from .overseer import Subsystem
from .protocol import (
    AVAILABLE_DATA_PROTOCOL, AVAILABLE_DATA_RESPONSE, CHUNK_PROTOCOL, ChunkRequest, decode_chunk_response,
)
from .relay_parent import validator_peer

log = logging.getLogger("relaychain.parachains.recovery")

PARALLEL_REQUESTS = 8
REQUEST_TIMEOUT = 2.0


class RecoveryFailed(Exception):
    """Not enough valid chunks could be gathered to recover the candidate's AvailableData."""


class AvailabilityRecovery(Subsystem):
    name = "availability-recovery"
    handles = (RecoverAvailableData,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.in_flight: dict[bytes, asyncio.Task] = {}
        ctx.node.network.on_request(AVAILABLE_DATA_PROTOCOL, self._serve_available_data)

    async def start(self) -> None:
        # the erasure kernels' one-off load (memory and time) at start, not at the first recovery from
        # non-systematic chunks, which comes whenever a fetch first fails. In the background: the overseer
        # delivers no signal to any subsystem until every start() has returned, so a start that waits (seconds
        # where numba has no cached kernels yet) would hold back every subsystem's first blocks
        self.ctx.spawn(asyncio.to_thread(warm_up), "erasure-warm-up")

    async def _serve_available_data(self, peer_id: bytes, data: bytes) -> bytes:
        """`/req_available_data/1`: request = candidate hash (32 bytes) ‖ validator count u32."""
        if len(data) != 36:
            raise ValueError("a request is a 32-byte candidate hash and a u32 validator count")
        n = int.from_bytes(data[32:], "little")
        if not 2 <= n <= 65536:
            raise ValueError(f"bad validator count {n}")
        return AVAILABLE_DATA_RESPONSE.encode(await self.ctx.request(QueryAvailableData(data[:32], n)))

    async def handle_message(self, m: RecoverAvailableData) -> None:
        h = m.candidate.hash()
        task = self.in_flight.get(h)
        if task is None:  # one recovery per candidate, shared by every requester
            task = self.ctx.spawn(self.recover(m.candidate, m.session_index, m.at, m.backing_group), "recover")
            self.in_flight[h] = task
            task.add_done_callback(lambda _t, h=h: self.in_flight.pop(h, None))
        self.ctx.spawn(self._answer(task, m), "recover-answer")

    @staticmethod
    async def _answer(task: asyncio.Task, m: RecoverAvailableData) -> None:
        try:
            result = await asyncio.shield(task)
        except (RecoveryFailed, ErasureError, ScaleDecodeError, ValueError) as exc:
            if not m.reply.done():
                m.reply.set_exception(exc if isinstance(exc, RecoveryFailed) else RecoveryFailed(str(exc)))
            return
        if not m.reply.done():
            m.reply.set_result(result)

    async def recover(self, candidate: P.CandidateReceipt, session_index: int, at: bytes,
                      backing_group: Optional[int] = None) -> P.AvailableData:
        """Recover and check the AvailableData of `candidate` (session `session_index`, read at block `at`)."""
        node = self.ctx.node
        h = candidate.hash()
        root = candidate.descriptor.erasure_root
        info = node.runtime_api.session_info(at, session_index)
        if info is None:
            raise RecoveryFailed(f"no session info for session {session_index} at the given block")
        n = len(info.validators)
        k = code_params(n).k
        if backing_group is not None and backing_group < len(info.validator_groups):
            data = await self._from_backers(h, root, n, info.validator_groups[backing_group], at, session_index)
            if data is not None:
                return data
        chunks: dict[int, bytes] = {}
        for index in range(n):  # 1. our own store
            chunk = await self.ctx.request(QueryChunk(h, index))
            if chunk is not None:
                chunks[index] = chunk.chunk
        our_index = None
        if node.keys is not None and node.keys.para_validator.public in info.validators:
            our_index = info.validators.index(node.keys.para_validator.public)
        if not all(i in chunks for i in range(k)):  # 2. systematic chunks from their holders
            await self._fetch(h, root, [i for i in range(k) if i not in chunks], chunks, at, session_index, k,
                              our_index)
        if len(chunks) < k:  # 3. any chunks from anyone
            others = [i for i in range(n) if i not in chunks]
            random.shuffle(others)
            await self._fetch(h, root, others, chunks, at, session_index, k, our_index)
        if len(chunks) < k:
            raise RecoveryFailed(f"candidate 0x{h.hex()[:8]}…: only {len(chunks)} of the {k} chunks needed")
        if all(i in chunks for i in range(k)):
            data = await asyncio.to_thread(reconstruct_from_systematic, n, [chunks[i] for i in range(k)])
            if not await asyncio.to_thread(_matches_root, n, root, data):
                raise RecoveryFailed(f"candidate 0x{h.hex()[:8]}…: systematic chunks do not re-encode to its root")
        else:
            data = await asyncio.to_thread(reconstruct_verified, n, chunks, root)
        return decode_available_data_prefix(data)

    async def _from_backers(self, candidate_hash: bytes, root: bytes, n: int, group, at: bytes,
                            session_index: int) -> Optional[P.AvailableData]:
        """The whole data from one backer (ourselves first), if it re-encodes to the erasure root."""
        node = self.ctx.node
        local = await self.ctx.request(QueryAvailableData(candidate_hash, n))
        candidates = [local] if local is not None else []
        members = list(group)
        random.shuffle(members)
        for v in [None] + members:
            if v is not None:
                peer = validator_peer(node.runtime_api, node.authority_discovery, at, session_index, v)
                if peer is None or peer == node.network.peer_id:
                    continue
                try:
                    raw = await node.network.request(peer, AVAILABLE_DATA_PROTOCOL,
                                                     candidate_hash + n.to_bytes(4, "little"), timeout=REQUEST_TIMEOUT)
                    fetched = AVAILABLE_DATA_RESPONSE.decode(raw)
                except (NetworkError, ScaleDecodeError, ValueError):
                    continue
                if fetched is None:
                    continue
                candidates = [fetched]
            for data in candidates:
                if await asyncio.to_thread(_matches_root, n, root, data.encode()):
                    return data
            candidates = []
        return None

    async def _fetch(self, candidate_hash: bytes, root: bytes, indices: list[int], chunks: dict[int, bytes],
                     at: bytes, session_index: int, k: int, our_index: Optional[int]) -> None:
        """Ask validator i for chunk i, PARALLEL_REQUESTS at a time, until k chunks are held."""
        node = self.ctx.node
        queue = list(indices)

        async def worker():
            while queue and len(chunks) < k:
                index = queue.pop(0)
                if index == our_index:
                    continue
                peer = validator_peer(node.runtime_api, node.authority_discovery, at, session_index, index)
                if peer is None:
                    continue
                chunk = await self._request(peer, candidate_hash, index, root)
                if chunk is not None:
                    chunks[index] = chunk.chunk
        await asyncio.gather(*(worker() for _ in range(min(PARALLEL_REQUESTS, len(queue)))))

    async def _request(self, peer: bytes, candidate_hash: bytes, index: int, root: bytes) -> Optional[ErasureChunk]:
        try:
            raw = await self.ctx.node.network.request(peer, CHUNK_PROTOCOL, ChunkRequest(candidate_hash, index).encode(),
                                                      timeout=REQUEST_TIMEOUT)
            response = decode_chunk_response(raw)
        except (NetworkError, ScaleDecodeError, ValueError) as exc:
            log.debug("chunk %d of 0x%s… from %s: %s", index, candidate_hash.hex()[:8], peer.hex()[:16], exc)
            return None
        if response is None:
            return None
        chunk = ErasureChunk(response.chunk, index, tuple(response.proof))
        try:
            verify_chunk(root, chunk)
        except ErasureError:
            log.warning("peer %s served chunk %d of 0x%s… that does not prove under its root", peer.hex()[:16],
                        index, candidate_hash.hex()[:8])
            return None
        return chunk


def _matches_root(n: int, root: bytes, data: bytes) -> bool:
    from relaychain.erasure import data_matches_root

    return data_matches_root(n, root, data)
