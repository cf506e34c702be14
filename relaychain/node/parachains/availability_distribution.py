"""Availability distribution: every validator fetches its own chunk of each candidate pending availability.

Polkadot: `polkadot/node/network/availability-distribution` (parachains.md §6). On each new leaf, for every
core occupied by a candidate there, a validator that does not hold its chunk (index = its validator index;
the RFC-47 chunk mapping is off) asks the validators of the group responsible for the candidate, in random
order, on `/req_chunk/1`. A chunk is stored only if its branch proves it under the descriptor's erasure root,
so a backer serving garbage is just a failed fetch. The same protocol serves our chunks to others.
"""

from __future__ import annotations

import logging
import random

from relaychain.erasure import ErasureChunk, ErasureError, verify_chunk
from relaychain.node.network.errors import NetworkError
from relaychain.primitives.scale import ScaleDecodeError

from .messages import QueryChunk, StoreChunk
from .overseer import ActiveLeavesUpdate, Subsystem
from .protocol import CHUNK_PROTOCOL, ChunkRequest, ChunkResponse, decode_chunk_response, encode_chunk_response
from .relay_parent import validator_peer

log = logging.getLogger("relaychain.parachains.availability")

FETCH_TIMEOUT = 2.0


class AvailabilityDistribution(Subsystem):
    name = "availability-distribution"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.fetching: set[bytes] = set()
        ctx.node.network.on_request(CHUNK_PROTOCOL, self._serve)

    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None:
            self._fetch_for_leaf(signal.activated.hash)

    def _fetch_for_leaf(self, leaf: bytes) -> None:
        node = self.ctx.node
        if node.keys is None:
            return
        validators = node.runtime_api.validators(leaf)
        key = node.keys.para_validator.public
        if key not in validators:
            return
        our_index = validators.index(key)
        for core in node.runtime_api.availability_cores(leaf):
            if core == "Free" or core[0] != "Occupied":
                continue
            occupied = core[1]
            if occupied.candidate_hash in self.fetching:
                continue
            self.fetching.add(occupied.candidate_hash)
            self.ctx.spawn(self._fetch(leaf, occupied, our_index), "fetch-chunk")

    async def _fetch(self, leaf: bytes, occupied, our_index: int) -> None:
        node = self.ctx.node
        h = occupied.candidate_hash
        try:
            if await self.ctx.request(QueryChunk(h, our_index)) is not None:
                return
            groups, _ = node.runtime_api.validator_groups(leaf)
            members = [v for v in groups[occupied.group_responsible] if v != our_index]
            random.shuffle(members)
            session = node.runtime_api.session_index_for_child(leaf)
            request = ChunkRequest(h, our_index).encode()
            for v in members:
                peer = validator_peer(node.runtime_api, node.authority_discovery, leaf, session, v)
                if peer is None:
                    continue
                chunk = await self._request_chunk(peer, request, occupied.candidate_descriptor.erasure_root,
                                                  our_index)
                if chunk is not None:
                    await self.ctx.request(StoreChunk(h, chunk))
                    if node.metrics is not None:
                        node.metrics.chunks_fetched.inc()
                    return
            log.debug("no backer of 0x%s… served our chunk %d", h.hex()[:8], our_index)
        finally:
            self.fetching.discard(h)

    async def _request_chunk(self, peer: bytes, request: bytes, erasure_root: bytes, index: int):
        try:
            response = decode_chunk_response(
                await self.ctx.node.network.request(peer, CHUNK_PROTOCOL, request, timeout=FETCH_TIMEOUT))
        except (NetworkError, ScaleDecodeError, ValueError) as exc:
            log.debug("chunk request to %s failed: %s", peer.hex()[:16], exc)
            return None
        if response is None:
            return None
        chunk = ErasureChunk(response.chunk, index, tuple(response.proof))
        try:
            verify_chunk(erasure_root, chunk)
        except ErasureError as exc:
            log.warning("peer %s served chunk %d that does not prove under the erasure root: %s",
                        peer.hex()[:16], index, exc)
            return None
        return chunk

    async def _serve(self, peer_id: bytes, data: bytes) -> bytes:
        request = ChunkRequest.decode(data)
        chunk = await self.ctx.request(QueryChunk(request.candidate_hash, request.index))
        return encode_chunk_response(None if chunk is None else ChunkResponse(chunk.chunk, chunk.proof))
