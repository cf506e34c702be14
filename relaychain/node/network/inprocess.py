"""A deterministic in-process transport for tests: many nodes in one asyncio loop.

The hub carries real SCALE frames between `InProcessNetwork` endpoints with a configurable
one-way `latency` (seconds), a gossip `loss` probability, and partitions. Loss is drawn from one
RNG per directed link, seeded by `blake2_256(seed ‖ src ‖ dst)`, so which messages a link drops
depends only on the seed and on the order of messages on that link — not on scheduling of other
nodes. Requests and responses are not subject to loss (they model a reliable stream; a dropped
request would only be a slow timeout), but they are subject to latency and partitions.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Iterable

from relaychain.node.network import wire
from relaychain.node.network.engine import DEFAULT_MAX_MESSAGE_SIZE, PeerToPeerNetwork, yield_turn
from relaychain.node.network.errors import MalformedFrame, NetworkError
from relaychain.primitives.hashing import blake2_256

log = logging.getLogger("relaychain.network.inprocess")


class InProcessHub:
    """The medium connecting in-process nodes (a full mesh, minus partitions)."""

    def __init__(self, latency: float = 0.0, loss: float = 0.0, seed: int = 0,
                 max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE):
        if not 0.0 <= loss <= 1.0:
            raise ValueError(f"loss must be a probability in [0, 1], got {loss}")
        if latency < 0:
            raise ValueError(f"latency must be >= 0, got {latency}")
        self.latency = latency
        self.loss = loss
        self.seed = seed
        self.max_message_size = max_message_size
        self.delivered = 0
        self.dropped = 0
        self._nodes: dict[bytes, InProcessNetwork] = {}
        self._groups: list[frozenset[bytes]] | None = None
        self._link_rngs: dict[tuple[bytes, bytes], random.Random] = {}

    def join(self, node_key) -> "InProcessNetwork":
        """Create the endpoint of a node with this ed25519 node key."""
        net = InProcessNetwork(self, node_key)
        if net.peer_id in self._nodes:
            raise NetworkError(f"a node with peer id {net.peer_id.hex()[:16]}… already joined this hub")
        self._nodes[net.peer_id] = net
        return net

    # -- topology ----------------------------------------------------------------------------
    def reachable(self, a: bytes, b: bytes) -> bool:
        """Whether frames flow between two started nodes (no partition separates them)."""
        na, nb = self._nodes.get(a), self._nodes.get(b)
        if a == b or na is None or nb is None or not (na.running and nb.running):
            return False
        if self._groups is None:
            return True
        return any(a in g and b in g for g in self._groups)

    def partition(self, *groups: Iterable[bytes]) -> None:
        """Split the network: only nodes in the same group reach each other (others are isolated)."""
        before = self._pairs()
        self._groups = [frozenset(g) for g in groups]
        self._announce(before)

    def heal(self) -> None:
        """Remove every partition."""
        before = self._pairs()
        self._groups = None
        self._announce(before)

    def _pairs(self) -> set[tuple[bytes, bytes]]:
        ids = sorted(self._nodes)
        return {(a, b) for a in ids for b in ids if self.reachable(a, b)}

    def _announce(self, before: set[tuple[bytes, bytes]]) -> None:
        after = self._pairs()
        for a, b in sorted(after - before):
            self._nodes[a]._notify_connected(b)
        for a, b in sorted(before - after):
            self._nodes[a]._notify_disconnected(b)

    # -- transmission ------------------------------------------------------------------------
    def _link_rng(self, src: bytes, dst: bytes) -> random.Random:
        rng = self._link_rngs.get((src, dst))
        if rng is None:
            seed = int.from_bytes(blake2_256(self.seed.to_bytes(8, "little") + src + dst), "little")
            rng = self._link_rngs[(src, dst)] = random.Random(seed)
        return rng

    def _transmit(self, src: bytes, dst: bytes, frame: bytes, lossy: bool) -> bool:
        if not self.reachable(src, dst):
            return False
        if lossy and self.loss > 0.0 and self._link_rng(src, dst).random() < self.loss:
            self.dropped += 1
            return True  # sent, lost on the way
        self.delivered += 1
        target = self._nodes[dst]
        loop = asyncio.get_running_loop()
        if self.latency > 0:
            loop.call_later(self.latency, target._enqueue, src, frame)
        else:
            loop.call_soon(target._enqueue, src, frame)
        return True


class InProcessNetwork(PeerToPeerNetwork):
    """One node's endpoint on an `InProcessHub`."""

    def __init__(self, hub: InProcessHub, node_key):
        super().__init__(node_key, max_message_size=hub.max_message_size)
        self.hub = hub
        self.running = False
        self._queue: asyncio.Queue | None = None
        self._receiver: asyncio.Task | None = None

    async def start(self) -> None:
        if self.running:
            return
        before = self.hub._pairs()
        self._queue = asyncio.Queue()
        self.running = True
        self._receiver = asyncio.ensure_future(self._receive_loop())
        self.hub._announce(before)

    async def stop(self) -> None:
        if not self.running:
            return
        before = self.hub._pairs()
        self.running = False
        self.hub._announce(before)
        if self._receiver:
            self._receiver.cancel()
            try:
                await self._receiver
            except asyncio.CancelledError:
                pass
        await self._cancel_tasks()

    def peers(self) -> list[bytes]:
        return sorted(p for p in self.hub._nodes if self.hub.reachable(self.peer_id, p))

    def _send_frame(self, peer_id: bytes, frame: bytes) -> bool:
        lossy = frame[:1] == b"\x05"  # only gossip frames cross the lossy path
        return self.hub._transmit(self.peer_id, peer_id, frame, lossy)

    def _enqueue(self, src: bytes, frame: bytes) -> None:
        if self.running and self._queue is not None:
            self._queue.put_nowait((src, frame))

    async def _receive_loop(self) -> None:
        assert self._queue is not None
        while True:
            src, raw = await self._queue.get()
            if not self.hub.reachable(self.peer_id, src):
                continue  # partitioned while in flight
            if len(raw) > self.max_message_size:
                self._report(src, f"oversized frame of {len(raw)} bytes")
                continue
            try:
                frame = wire.decode_frame(raw)
            except MalformedFrame as e:
                self._report(src, str(e))
                continue
            try:
                await self._handle_frame(src, frame)
            except Exception:
                log.exception("handling a frame from %s failed", src.hex()[:16])
            await yield_turn()
