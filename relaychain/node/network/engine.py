"""Gossip and request/response over any transport that can send a frame to an authenticated peer.

Gossip rule: a message is identified by `blake2_256(SCALE(topic) ‖ data)`; the first copy a node
sees is delivered to the topic's handlers and, unless a handler rejects it (returns False),
relayed to every connected peer except the one it came from. Later copies are dropped. This is
the flooding gossip of Substrate's `sc-network-gossip`, without the per-protocol politeness rules.

Requests carry a u64 id unique per sender; the response echoes it. A request to an unknown
protocol, or whose handler raises, is answered with an error `Response`.
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import itertools
import logging
import time
from collections import OrderedDict, defaultdict
from typing import Callable

from relaychain.node.network import wire
from relaychain.node.network.errors import (
    MessageTooLarge,
    Misbehaviour,
    NetworkError,
    NotConnected,
    RequestFailed,
    RequestTimeout,
)
from relaychain.node.network.interface import GossipHandler, Network, PeerHandler, RequestHandler
from relaychain.node.tasks import cancel_and_wait
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.memory_bounds import GOSSIP_SEEN_CACHE_SIZE, GOSSIP_SEEN_SECONDS
from relaychain.primitives.scale import encode_str

log = logging.getLogger("relaychain.network")

DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024  # Substrate's block-response limit is 16 MiB
MAX_INBOUND_REQUESTS_PER_PEER = 32  # concurrent requests served per peer; more are answered "busy"
SEEN_CACHE_SIZE = GOSSIP_SEEN_CACHE_SIZE  # per node: a repeat older than this many messages is relayed again
SEEN_CACHE_SECONDS = GOSSIP_SEEN_SECONDS  # … or seen longer ago than this


def gossip_message_id(topic: str, data: bytes) -> bytes:
    """The de-duplication key of a gossip message."""
    return blake2_256(encode_str(topic) + data)


class SeenCache:
    """Recently seen gossip message ids, to drop repeats: at most `capacity` ids, each forgotten `ttl` seconds
    after it was last seen (oldest first). A repeat only arrives while a message is still spreading, which
    takes well under a second; keeping ids longer is memory that grows with the chain (issue #13)."""

    def __init__(self, capacity: int = SEEN_CACHE_SIZE, ttl: float = SEEN_CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self.ttl = ttl
        self._clock = clock
        self._ids: OrderedDict[bytes, float] = OrderedDict()  # id -> when last seen, oldest first

    def insert(self, msg_id: bytes) -> bool:
        """Remember `msg_id`; return True if it was new."""
        now = self._clock()
        ids = self._ids
        while ids:
            oldest, seen_at = next(iter(ids.items()))
            if now - seen_at < self.ttl:
                break
            del ids[oldest]
        known = msg_id in ids
        ids[msg_id] = now
        ids.move_to_end(msg_id)
        if len(ids) > self.capacity:
            ids.popitem(last=False)
        return not known

    def __contains__(self, msg_id: bytes) -> bool:
        return msg_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)


async def yield_turn() -> None:
    """Let the loop run other tasks. A receive loop calls it after every frame: awaiting a queue or socket that
    already holds data does not suspend, so a backlog (a flood of transactions) would otherwise be worked off
    in one go while RPC calls, timers and other peers wait (issue #13)."""
    await asyncio.sleep(0)


async def _call(handler, *args):
    result = handler(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


class PeerToPeerNetwork(Network):
    """Gossip, request/response and peer events; subclasses provide `_send_frame` and `peers`."""

    def __init__(self, node_key, *, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
                 seen_cache_size: int = SEEN_CACHE_SIZE):
        self.node_key = node_key
        self.peer_id: bytes = bytes(node_key.public)
        self.max_message_size = max_message_size
        self.misbehaviours: list[Misbehaviour] = []
        self._seen = SeenCache(seen_cache_size)
        self._gossip_handlers: dict[str, list[GossipHandler]] = defaultdict(list)
        self._request_handlers: dict[str, RequestHandler] = {}
        self._connected_handlers: list[PeerHandler] = []
        self._disconnected_handlers: list[PeerHandler] = []
        self._misbehaviour_handlers: list = []
        self._pending: dict[int, tuple[bytes, asyncio.Future]] = {}
        self._request_ids = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._serving: dict[bytes, int] = defaultdict(int)

    # -- transport hooks ---------------------------------------------------------------------
    @abc.abstractmethod
    def _send_frame(self, peer_id: bytes, frame: bytes) -> bool:
        """Queue an encoded frame to an authenticated peer; False if it is not connected."""

    # -- registration ------------------------------------------------------------------------
    def on_gossip(self, topic: str, handler: GossipHandler) -> None:
        self._gossip_handlers[topic].append(handler)

    def on_request(self, protocol: str, handler: RequestHandler) -> None:
        self._request_handlers[protocol] = handler

    def on_peer_connected(self, handler: PeerHandler) -> None:
        self._connected_handlers.append(handler)

    def on_peer_disconnected(self, handler: PeerHandler) -> None:
        self._disconnected_handlers.append(handler)

    def on_misbehaviour(self, handler) -> None:
        """Call `handler(Misbehaviour)` for every misbehaving peer reported."""
        self._misbehaviour_handlers.append(handler)

    # -- outbound ----------------------------------------------------------------------------
    def _encode_checked(self, frame: wire.Frame) -> bytes:
        raw = wire.encode_frame(frame)
        if len(raw) > self.max_message_size:
            raise MessageTooLarge(f"{type(frame).__name__} frame of {len(raw)} bytes exceeds the "
                                  f"{self.max_message_size}-byte limit")
        return raw

    def gossip(self, topic: str, data: bytes) -> None:
        raw = self._encode_checked(wire.Gossip(topic, bytes(data)))
        self._seen.insert(gossip_message_id(topic, data))
        for peer in self.peers():
            self._send_frame(peer, raw)

    def notify(self, peer_id: bytes, topic: str, data: bytes) -> bool:
        return self._send_frame(peer_id, self._encode_checked(wire.Gossip(topic, bytes(data))))

    async def request(self, peer_id: bytes, protocol: str, data: bytes, timeout: float = 5.0) -> bytes:
        if peer_id not in self.peers():
            raise NotConnected(f"peer {peer_id.hex()[:16]}… is not connected")
        rid = next(self._request_ids)
        raw = self._encode_checked(wire.Request(rid, protocol, bytes(data)))
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = (peer_id, fut)
        try:
            if not self._send_frame(peer_id, raw):
                raise NotConnected(f"peer {peer_id.hex()[:16]}… disconnected")
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise RequestTimeout(f"{protocol} request to {peer_id.hex()[:16]}… timed out after {timeout}s") from None
        finally:
            self._pending.pop(rid, None)

    # -- inbound -----------------------------------------------------------------------------
    async def _handle_frame(self, peer_id: bytes, frame: wire.Frame) -> None:
        """Process one decoded post-handshake frame from an authenticated peer."""
        if isinstance(frame, wire.Gossip):
            # handlers run in their own task so a slow one never stalls the receive loop (and
            # keep-alives); tasks start in arrival order
            if self._seen.insert(gossip_message_id(frame.topic, frame.data)):
                self._spawn(self._handle_gossip(peer_id, frame))
        elif isinstance(frame, wire.Request):
            if self._serving[peer_id] >= MAX_INBOUND_REQUESTS_PER_PEER:
                self._send_frame(peer_id, wire.encode_frame(wire.Response(frame.id, False, b"busy: too many requests")))
                return
            self._serving[peer_id] += 1
            self._spawn(self._serve_request(peer_id, frame))
        elif isinstance(frame, wire.Response):
            pending = self._pending.get(frame.id)
            if pending is None or pending[0] != peer_id or pending[1].done():
                return  # late (timed out) or unsolicited response: ignore
            if frame.ok:
                pending[1].set_result(frame.data)
            else:
                pending[1].set_exception(RequestFailed(frame.data.decode("utf-8", "replace")))
        elif isinstance(frame, wire.Ping):
            self._send_frame(peer_id, wire.encode_frame(wire.Pong(frame.nonce)))
        elif isinstance(frame, wire.Pong):
            pass
        else:
            self._report(peer_id, f"unexpected {type(frame).__name__} frame after handshake")

    async def _handle_gossip(self, peer_id: bytes, frame: wire.Gossip) -> None:
        """Deliver a first-seen gossip message to the topic's handlers, then relay it on."""
        relay = True
        for handler in list(self._gossip_handlers.get(frame.topic, ())):
            try:
                if await _call(handler, peer_id, frame.data) is False:
                    relay = False
            except Exception:  # a buggy handler must not kill the receive loop
                log.exception("gossip handler for %r failed", frame.topic)
        if relay:
            raw = wire.encode_frame(frame)
            for peer in self.peers():
                if peer != peer_id:
                    self._send_frame(peer, raw)

    async def _serve_request(self, peer_id: bytes, req: wire.Request) -> None:
        try:
            await self._answer_request(peer_id, req)
        finally:
            self._serving[peer_id] -= 1
            if not self._serving[peer_id]:
                del self._serving[peer_id]

    async def _answer_request(self, peer_id: bytes, req: wire.Request) -> None:
        handler = self._request_handlers.get(req.protocol)
        if handler is None:
            resp = wire.Response(req.id, False, f"unknown protocol {req.protocol!r}".encode())
        else:
            try:
                out = await handler(peer_id, req.data)
                resp = wire.Response(req.id, True, bytes(out))
            except Exception as e:  # the error travels back to the requester as RequestFailed
                resp = wire.Response(req.id, False, f"{type(e).__name__}: {e}".encode()[:1024])
        raw = wire.encode_frame(resp)
        if len(raw) > self.max_message_size:
            raw = wire.encode_frame(wire.Response(req.id, False, b"response exceeds max_message_size"))
        self._send_frame(peer_id, raw)

    # -- events ------------------------------------------------------------------------------
    def _notify_connected(self, peer_id: bytes) -> None:
        for h in list(self._connected_handlers):
            self._spawn(_call(h, peer_id))

    def _notify_disconnected(self, peer_id: bytes) -> None:
        for rid, (peer, fut) in list(self._pending.items()):
            if peer == peer_id and not fut.done():
                fut.set_exception(NotConnected(f"peer {peer_id.hex()[:16]}… disconnected"))
        for h in list(self._disconnected_handlers):
            self._spawn(_call(h, peer_id))

    def _report(self, peer_id: bytes | None, reason: str) -> None:
        m = Misbehaviour(peer_id, reason)
        self.misbehaviours.append(m)
        log.warning("peer %s misbehaved: %s", peer_id.hex()[:16] if peer_id else "<unauthenticated>", reason)
        for h in list(self._misbehaviour_handlers):
            try:
                h(m)
            except Exception:
                log.exception("misbehaviour handler failed")

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("network task failed", exc_info=task.exception())

    async def _cancel_tasks(self) -> None:
        await cancel_and_wait(list(self._tasks), "network tasks")
        for rid, (_peer, fut) in list(self._pending.items()):
            if not fut.done():
                fut.set_exception(NotConnected("network stopped"))


__all__ = ["PeerToPeerNetwork", "SeenCache", "gossip_message_id", "DEFAULT_MAX_MESSAGE_SIZE", "NetworkError"]
