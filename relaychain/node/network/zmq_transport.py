"""`ZmqNetwork`: the real transport between OS processes, on ZeroMQ (pyzmq, asyncio).

Each node binds one ROUTER socket (inbound connections, addressed by ZeroMQ routing id) and opens
one DEALER socket per dialed peer (bootnodes and `add_peer`). Every ZeroMQ message carries exactly
one SCALE wire frame (`wire.py`). A connection is usable only after the signed handshake of
`handshake.py`. Liveness: both sides send `Ping` every `keepalive` seconds; a connection silent for
`4 × keepalive` is dropped, and a dialer then re-dials with a fresh socket and handshake, so a restarted
bootnode is found again. Re-dial delays back off (`reconnect_delay`): `reconnect_interval` after a lost
connection, doubling with every failed attempt up to `max_reconnect_interval`, with jitter so that nodes
that lost the same peer do not all dial it at once. Bootnodes are dialed for as long as the node runs; a
peer learned from others (`add_peer(…, persistent=False)`) is given up after `max_dial_failures` failed
attempts in a row.

With `peer_exchange=True` the node also runs the peer-exchange protocol (`peer_exchange.py`) with a peer
store at `peer_store` (`peer_store.py`): it learns where its peers' peers listen, dials them, and at the
next start dials the stored peers even if every bootnode is gone. A dialer's listen address is the one it
declares in its `Hello`.

Misbehaviour — a malformed or oversized frame, a bad handshake signature, a protocol frame out
of order — is reported (`misbehaviours`, `on_misbehaviour`), the connection is dropped and the
peer (or, before authentication, its routing id) is ignored for `ban_seconds`. The node keeps
serving everyone else. (A ROUTER cannot close one TCP connection; a dropped inbound peer's
frames are discarded unread.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from dataclasses import dataclass, field

import zmq
import zmq.asyncio

from relaychain.node.network import wire
from relaychain.node.network.addresses import PeerAddress, parse_address
from relaychain.node.network.engine import DEFAULT_MAX_MESSAGE_SIZE, PeerToPeerNetwork, yield_turn
from relaychain.node.network.errors import HandshakeRefused, InvalidAddress, MalformedFrame, NetworkError, NotConnected
from relaychain.node.network.handshake import (
    ROLE_DIALER,
    ROLE_LISTENER,
    new_nonce,
    sign_handshake,
    verify_handshake,
)

log = logging.getLogger("relaychain.network.zmq")


_jitter = random.Random()


def reconnect_delay(failures: int, base: float, cap: float, rng: random.Random = _jitter) -> float:
    """Seconds to wait before the next dial: `base` after a lost connection (`failures == 0`), else
    `min(cap, base × 2^failures)` scaled by a random factor in [0.5, 1] (jitter), never below `base / 2`."""
    if failures <= 0:
        return base
    return max(base / 2, min(cap, base * 2 ** min(failures, 32)) * rng.uniform(0.5, 1.0))


@dataclass
class _Inbound:
    """A connection some peer dialed to our ROUTER."""

    routing_id: bytes
    peer_id: bytes
    dialer_nonce: bytes
    listener_nonce: bytes
    listen: PeerAddress | None = None  # where the dialer says it listens (from its Hello)
    ready: bool = False
    last_seen: float = field(default_factory=time.monotonic)


@dataclass
class _Link:
    """A connection we dialed (one DEALER socket)."""

    address: PeerAddress
    socket: zmq.asyncio.Socket
    nonce: bytes
    peer_id: bytes | None = None
    ready: bool = False
    last_seen: float = field(default_factory=time.monotonic)


class ZmqNetwork(PeerToPeerNetwork):
    """A `Network` over TCP with ZeroMQ ROUTER/DEALER sockets and node-key authentication."""

    def __init__(self, node_key, listen: str = "tcp://127.0.0.1:30333", bootnodes=(), *,
                 genesis_hash: bytes = bytes(32), max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
                 handshake_timeout: float = 3.0, keepalive: float = 1.0, ban_seconds: float = 60.0,
                 reconnect_interval: float = 0.5, max_reconnect_interval: float = 30.0, max_dial_failures: int = 8,
                 peer_exchange: bool = False, peer_store: str | os.PathLike | None = None,
                 exchange_interval: float = 30.0):
        super().__init__(node_key, max_message_size=max_message_size)
        if len(genesis_hash) != 32:
            raise ValueError("genesis_hash must be 32 bytes")
        self.genesis_hash = bytes(genesis_hash)
        self._listen = parse_address(listen)
        self._bootnodes = [parse_address(b) for b in bootnodes]
        self.handshake_timeout = handshake_timeout
        self.keepalive = keepalive
        self.ban_seconds = ban_seconds
        self.reconnect_interval = reconnect_interval
        self.max_reconnect_interval = max(max_reconnect_interval, reconnect_interval)
        self.max_dial_failures = max_dial_failures
        self.exchange = None
        if peer_exchange:
            from relaychain.node.network.peer_exchange import PeerExchange
            from relaychain.node.network.peer_store import PeerStore

            self.exchange = PeerExchange(self, PeerStore(peer_store), interval=exchange_interval)
        self.listen_address: str | None = None
        self._ctx: zmq.asyncio.Context | None = None
        self._router: zmq.asyncio.Socket | None = None
        self._inbound: dict[bytes, _Inbound] = {}
        self._links: dict[str, _Link] = {}
        self._routes: dict[bytes, _Inbound | _Link] = {}
        self._banned_peers: dict[bytes, float] = {}
        self._banned_routing_ids: set[bytes] = set()
        self._dialing: dict[str, asyncio.Task] = {}
        self._dial_errors: dict[str, str] = {}  # endpoint -> why its last handshake failed
        self._running = False
        self._ping_nonce = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def listen_multiaddr(self) -> str:
        """This node's address as a bootnode string `/ip4/…/tcp/…/p2p/<hex peer id>`."""
        if self.listen_address is None:
            raise NetworkError("not started")
        addr = parse_address(self.listen_address)
        return PeerAddress(addr.host, addr.port, self.peer_id).multiaddr()

    def _socket(self, kind: int) -> zmq.asyncio.Socket:
        assert self._ctx is not None
        s = self._ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        # ZeroMQ drops (silently) anything beyond twice our limit; below that we check and report.
        s.setsockopt(zmq.MAXMSGSIZE, 2 * self.max_message_size + 1024)
        return s

    async def start(self) -> None:
        if self._running:
            return
        self._ctx = zmq.asyncio.Context()
        self._router = self._socket(zmq.ROUTER)
        self._router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        port = "*" if self._listen.port == 0 else str(self._listen.port)
        try:
            self._router.bind(f"tcp://{self._listen.host}:{port}")
        except zmq.ZMQError as e:
            self._ctx.destroy(linger=0)
            raise NetworkError(f"cannot listen on {self._listen.endpoint}: {e}") from None
        self.listen_address = self._router.getsockopt_string(zmq.LAST_ENDPOINT)
        self._running = True
        self._spawn(self._router_loop())
        self._spawn(self._keepalive_loop())
        for addr in self._bootnodes:
            self.add_peer(addr)
        if self.exchange is not None:
            await self.exchange.start()

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        if self.exchange is not None:
            await self.exchange.stop()
        await self._cancel_tasks()
        for peer in list(self._routes):
            self._notify_disconnected(peer)
        self._routes.clear()
        self._inbound.clear()
        self._links.clear()
        self._dialing.clear()  # a later start() dials the bootnodes again
        if self._ctx is not None:
            self._ctx.destroy(linger=0)
            self._ctx = None
            self._router = None

    def add_peer(self, address: str | PeerAddress, persistent: bool = True) -> None:
        """Dial a peer and keep re-dialing it (with backoff) while the network runs; a non-persistent one
        (learned from others) only until `max_dial_failures` attempts in a row have failed."""
        addr = parse_address(address) if isinstance(address, str) else address
        if addr.endpoint in self._dialing or addr.peer_id == self.peer_id or not self._running:
            return  # already dialing, our own address in a shared bootnode list, or stopped
        self._dialing[addr.endpoint] = self._spawn(self._dial_loop(addr, persistent))

    def peer_addresses(self) -> dict[bytes, PeerAddress]:
        """Where each connected peer listens: the address we dialed, or the one it declared when it dialed us."""
        out = {}
        for peer_id, conn in self._routes.items():
            addr = conn.address if isinstance(conn, _Link) else conn.listen
            if addr is not None:
                out[peer_id] = PeerAddress(addr.host, addr.port, peer_id)
        return out

    async def connect(self, address: str | PeerAddress, timeout: float = 5.0) -> bytes:
        """Dial `address` and wait until it is authenticated; returns its peer id.

        Raises `HandshakeRefused` if either side refuses the handshake (wrong key, other chain,
        bad signature) and `NotConnected` if nothing answers within `timeout`.
        """
        addr = parse_address(address) if isinstance(address, str) else address
        self._dial_errors.pop(addr.endpoint, None)
        self.add_peer(addr)
        deadline = time.monotonic() + timeout
        while True:
            link = self._links.get(addr.endpoint)
            if link is not None and link.ready:
                return link.peer_id
            error = self._dial_errors.pop(addr.endpoint, None)
            if error is not None:
                raise HandshakeRefused(f"{addr.endpoint}: {error}")
            if time.monotonic() > deadline:
                raise NotConnected(f"no authenticated connection to {addr.endpoint} within {timeout}s")
            await asyncio.sleep(0.01)

    def peers(self) -> list[bytes]:
        return sorted(self._routes)

    # -- sending -----------------------------------------------------------------------------
    def _send_frame(self, peer_id: bytes, frame: bytes) -> bool:
        route = self._routes.get(peer_id)
        if route is None:
            return False
        return self._send_on(route, frame)

    @staticmethod
    def _send_nowait(sock: zmq.asyncio.Socket | None, parts: list[bytes]) -> bool:
        """Send without waiting. Goes through the asyncio socket (never a sync shadow): ZeroMQ's
        file descriptor is edge-triggered and only the asyncio wrapper re-arms pending receives
        after a send. A full queue or an unroutable peer drops the frame, like a lossy link."""
        if sock is None or sock.closed:
            return False
        fut = sock.send_multipart(parts, flags=zmq.NOBLOCK)
        if fut.done():
            err = fut.exception()
            if err is not None:
                log.debug("send failed: %s", err)
            return err is None
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # consume a late EAGAIN
        return True

    def _send_on(self, route: _Inbound | _Link, frame: bytes) -> bool:
        if isinstance(route, _Inbound):
            return self._send_nowait(self._router, [route.routing_id, frame])
        return self._send_nowait(route.socket, [frame])

    def _reject_routing_id(self, routing_id: bytes, reason: str) -> None:
        self._send_nowait(self._router, [routing_id, wire.encode_frame(wire.Reject(reason[:256]))])

    # -- bans and connection bookkeeping -----------------------------------------------------
    def _is_banned(self, peer_id: bytes | None) -> bool:
        until = self._banned_peers.get(peer_id) if peer_id else None
        if until is None:
            return False
        if time.monotonic() >= until:
            del self._banned_peers[peer_id]
            return False
        return True

    def _ban(self, peer_id: bytes | None) -> None:
        if peer_id is not None:
            self._banned_peers[peer_id] = time.monotonic() + self.ban_seconds

    def _route(self, peer_id: bytes, conn: _Inbound | _Link) -> None:
        fresh = peer_id not in self._routes
        self._routes[peer_id] = conn  # a newer connection to the same peer replaces the older
        if fresh:
            log.info("peer %s connected", peer_id.hex()[:16])
            self._notify_connected(peer_id)

    def _unroute(self, conn: _Inbound | _Link) -> None:
        peer_id = conn.peer_id
        if peer_id is not None and self._routes.get(peer_id) is conn:
            del self._routes[peer_id]
            # another live connection to the same peer takes over, if there is one
            others = [c for c in list(self._inbound.values()) + list(self._links.values())
                      if c is not conn and c.ready and c.peer_id == peer_id]
            if others:
                self._routes[peer_id] = others[0]
            else:
                log.info("peer %s disconnected", peer_id.hex()[:16])
                self._notify_disconnected(peer_id)

    def _drop_inbound(self, sess: _Inbound) -> None:
        if self._inbound.get(sess.routing_id) is sess:
            del self._inbound[sess.routing_id]
        if sess.ready:
            self._unroute(sess)

    def _misbehaving_inbound(self, routing_id: bytes, reason: str) -> None:
        sess = self._inbound.get(routing_id)
        peer = sess.peer_id if sess is not None and sess.ready else None
        self._report(peer, reason)
        self._reject_routing_id(routing_id, reason)
        self._banned_routing_ids.add(routing_id)
        if sess is not None:
            self._drop_inbound(sess)
        self._ban(peer)

    # -- inbound (ROUTER) --------------------------------------------------------------------
    async def _router_loop(self) -> None:
        assert self._router is not None
        while True:
            parts = await self._router.recv_multipart()
            routing_id = parts[0]
            if routing_id in self._banned_routing_ids:
                continue
            if len(parts) != 2:
                self._misbehaving_inbound(routing_id, f"multipart message of {len(parts) - 1} frames")
                continue
            raw = parts[1]
            if len(raw) > self.max_message_size:
                self._misbehaving_inbound(routing_id, f"oversized frame of {len(raw)} bytes "
                                                      f"(limit {self.max_message_size})")
                continue
            try:
                frame = wire.decode_frame(raw)
            except MalformedFrame as e:
                self._misbehaving_inbound(routing_id, str(e))
                continue
            sess = self._inbound.get(routing_id)
            if sess is None or not sess.ready:
                self._inbound_handshake(routing_id, sess, frame)
                continue
            sess.last_seen = time.monotonic()
            if isinstance(frame, wire.Reject):
                self._drop_inbound(sess)
                continue
            if isinstance(frame, wire.HANDSHAKE_FRAMES):
                self._misbehaving_inbound(routing_id, f"{type(frame).__name__} frame after the handshake")
                continue
            try:
                await self._handle_frame(sess.peer_id, frame)
            except Exception:
                log.exception("handling a frame from %s failed", sess.peer_id.hex()[:16])
            await yield_turn()

    def _inbound_handshake(self, routing_id: bytes, sess: _Inbound | None, frame: wire.Frame) -> None:
        if sess is None:
            if not isinstance(frame, wire.Hello):
                self._misbehaving_inbound(routing_id, f"expected Hello, got {type(frame).__name__}")
                return
            refusal = None
            if frame.version != wire.PROTOCOL_VERSION:
                refusal = f"unsupported protocol version {frame.version} (we speak {wire.PROTOCOL_VERSION})"
            elif frame.genesis_hash != self.genesis_hash:
                refusal = f"genesis mismatch: peer is on chain 0x{frame.genesis_hash.hex()[:16]}…"
            elif frame.peer_id == self.peer_id:
                refusal = "peer claims our own peer id"
            elif self._is_banned(frame.peer_id):
                refusal = "peer is banned for earlier misbehaviour"
            if refusal is not None:
                if self._is_banned(frame.peer_id):  # already reported once; just turn it away
                    self._reject_routing_id(routing_id, refusal)
                    self._banned_routing_ids.add(routing_id)
                else:
                    self._misbehaving_inbound(routing_id, f"handshake refused: {refusal}")
                return
            nonce = new_nonce()
            sess = _Inbound(routing_id, frame.peer_id, frame.nonce, nonce, _declared_listen(frame.listen))
            self._inbound[routing_id] = sess
            sig = sign_handshake(self.node_key, ROLE_LISTENER, self.genesis_hash, frame.peer_id, frame.nonce,
                                 self.peer_id, nonce)
            self._send_on(sess, wire.encode_frame(wire.HelloAck(self.genesis_hash, self.peer_id, nonce, sig)))
            return
        if not isinstance(frame, wire.Auth):
            self._misbehaving_inbound(routing_id, f"expected Auth, got {type(frame).__name__}")
            return
        if not verify_handshake(frame.signature, sess.peer_id, ROLE_DIALER, self.genesis_hash, sess.peer_id,
                                sess.dialer_nonce, self.peer_id, sess.listener_nonce):
            self._misbehaving_inbound(routing_id, "handshake refused: signature does not match the claimed "
                                                  f"peer id {sess.peer_id.hex()[:16]}… (impostor)")
            return
        sess.ready = True
        sess.last_seen = time.monotonic()
        self._send_on(sess, wire.encode_frame(wire.Welcome()))
        self._route(sess.peer_id, sess)

    # -- outbound (DEALER) -------------------------------------------------------------------
    def _ban_remaining(self, peer_id: bytes | None) -> float:
        return self._banned_peers[peer_id] - time.monotonic() if self._is_banned(peer_id) else 0.0

    async def _dial_loop(self, addr: PeerAddress, persistent: bool = True) -> None:
        known_id = addr.peer_id
        failures = 0  # failed attempts since the last connection
        try:
            while self._running:
                banned_for = self._ban_remaining(known_id)
                if banned_for > 0:  # it misbehaved: do not dial it again before the ban ends
                    await asyncio.sleep(banned_for)
                    continue
                link = _Link(addr, self._socket(zmq.DEALER), new_nonce())
                self._links[addr.endpoint] = link
                try:
                    link.socket.connect(addr.endpoint)
                    if await self._dial_handshake(link):
                        known_id = link.peer_id
                        failures = 0
                        await self._link_loop(link)
                    else:  # refused or silent: back off (a refusal rarely fixes itself fast)
                        failures += 1
                finally:
                    if self._links.get(addr.endpoint) is link:
                        del self._links[addr.endpoint]
                    if link.ready:
                        link.ready = False
                        self._unroute(link)
                    link.socket.close(linger=0)
                if not persistent and failures >= self.max_dial_failures:
                    log.debug("giving up on %s after %d failed dials", addr.endpoint, failures)
                    return
                await asyncio.sleep(reconnect_delay(failures, self.reconnect_interval, self.max_reconnect_interval))
        finally:
            if self._dialing.get(addr.endpoint) is asyncio.current_task():
                del self._dialing[addr.endpoint]  # learned again later, it is dialed again

    async def _recv_link(self, link: _Link, timeout: float) -> wire.Frame | None:
        """Next frame on a link; None on timeout or misbehaviour (already reported)."""
        try:
            parts = await asyncio.wait_for(link.socket.recv_multipart(), timeout)
        except asyncio.TimeoutError:
            return None
        if len(parts) != 1 or len(parts[0]) > self.max_message_size:
            self._link_misbehaved(link, f"oversized or multipart message ({sum(map(len, parts))} bytes)")
            return None
        try:
            frame = wire.decode_frame(parts[0])
        except MalformedFrame as e:
            self._link_misbehaved(link, str(e))
            return None
        link.last_seen = time.monotonic()
        return frame

    def _link_misbehaved(self, link: _Link, reason: str) -> None:
        self._dial_errors[link.address.endpoint] = reason
        peer = link.peer_id if link.ready else None
        self._report(peer, f"{reason} (from {link.address.endpoint})")
        self._ban(link.peer_id or link.address.peer_id)
        self._send_on(link, wire.encode_frame(wire.Reject(reason[:256])))

    async def _dial_handshake(self, link: _Link) -> bool:
        self._send_on(link, wire.encode_frame(wire.Hello(wire.PROTOCOL_VERSION, self.genesis_hash, self.peer_id,
                                                         link.nonce, self.listen_address or "")))
        ack = await self._recv_link(link, self.handshake_timeout)
        if ack is None:
            return False
        if isinstance(ack, wire.Reject):
            log.info("%s refused us: %s", link.address.endpoint, ack.reason)
            self._dial_errors[link.address.endpoint] = f"refused by the peer: {ack.reason}"
            return False
        if not isinstance(ack, wire.HelloAck):
            self._link_misbehaved(link, f"expected HelloAck, got {type(ack).__name__}")
            return False
        expected = link.address.peer_id
        if ack.genesis_hash != self.genesis_hash:
            self._link_misbehaved(link, f"handshake refused: genesis mismatch (peer on 0x{ack.genesis_hash.hex()[:16]}…)")
            return False
        if expected is not None and ack.peer_id != expected:
            self._link_misbehaved(link, f"handshake refused: expected peer {expected.hex()[:16]}…, "
                                        f"got {ack.peer_id.hex()[:16]}…")
            return False
        if not verify_handshake(ack.signature, ack.peer_id, ROLE_LISTENER, self.genesis_hash, self.peer_id,
                                link.nonce, ack.peer_id, ack.nonce):
            self._link_misbehaved(link, f"handshake refused: bad signature from claimed peer {ack.peer_id.hex()[:16]}…")
            return False
        if ack.peer_id == self.peer_id or self._is_banned(ack.peer_id):
            return False
        sig = sign_handshake(self.node_key, ROLE_DIALER, self.genesis_hash, self.peer_id, link.nonce,
                             ack.peer_id, ack.nonce)
        self._send_on(link, wire.encode_frame(wire.Auth(sig)))
        welcome = await self._recv_link(link, self.handshake_timeout)
        if not isinstance(welcome, wire.Welcome):
            if isinstance(welcome, wire.Reject):
                log.info("%s refused us: %s", link.address.endpoint, welcome.reason)
                self._dial_errors[link.address.endpoint] = f"refused by the peer: {welcome.reason}"
            return False
        link.peer_id = ack.peer_id
        link.ready = True
        self._route(ack.peer_id, link)
        return True

    async def _link_loop(self, link: _Link) -> None:
        assert link.peer_id is not None
        while self._running:
            frame = await self._recv_link(link, 4 * self.keepalive)
            if frame is None or isinstance(frame, wire.Reject):
                return  # silent for too long, misbehaved, or refused: re-dial
            if isinstance(frame, wire.HANDSHAKE_FRAMES):
                self._link_misbehaved(link, f"{type(frame).__name__} frame after the handshake")
                return
            try:
                await self._handle_frame(link.peer_id, frame)
            except Exception:
                log.exception("handling a frame from %s failed", link.peer_id.hex()[:16])
            await yield_turn()

    # -- liveness ----------------------------------------------------------------------------
    async def _keepalive_loop(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive)
            now = time.monotonic()
            self._ping_nonce += 1
            ping = wire.encode_frame(wire.Ping(self._ping_nonce))
            for sess in list(self._inbound.values()):
                limit = 4 * self.keepalive if sess.ready else self.handshake_timeout
                if now - sess.last_seen > limit:
                    self._drop_inbound(sess)
                elif sess.ready:
                    self._send_on(sess, ping)
            for link in list(self._links.values()):
                if link.ready:
                    self._send_on(link, ping)


def _declared_listen(text: str) -> PeerAddress | None:
    """The listen address a dialer declared in its Hello, if it is one (`tcp://host:port`)."""
    try:
        return parse_address(text) if text else None
    except InvalidAddress:
        return None
