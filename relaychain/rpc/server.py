"""JSON-RPC server: WebSocket and HTTP POST on one port (rpc.md §1), built on aiohttp.

`start_rpc_server(backend, host, port, ...)` binds loopback by default (the node's `--rpc-external`
passes host="0.0.0.0"), serves every method registered by the namespace modules, and returns an
`RpcServer` whose `stop()` closes the listener, every connection and every subscription.
"""

from __future__ import annotations

import asyncio
import collections
import fnmatch
import logging
import socket
from typing import Any, Iterable, Optional, Union

from aiohttp import WSMsgType, web

from . import archive, author, chain, chain_head, chain_spec, dev, grandpa, payment, state, system, transaction
from .dispatch import Dispatcher, Limits, MiB
from .metrics import RpcMetrics
from .errors import OVERSIZED_REQUEST, SERVER_IS_BUSY, RpcError
from .registry import MethodRegistry
from .session import Session, encode_message

log = logging.getLogger(__name__)

# Substrate's default --rpc-cors for non-dev chains.
DEFAULT_CORS = (
    "http://localhost:*",
    "http://127.0.0.1:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://polkadot.js.org",
)


def build_registry(backend: Any) -> MethodRegistry:
    """Every namespace's methods; `dev_*` only on a dev node. `rpc_methods` lists exactly these."""
    registry = MethodRegistry()
    for namespace in (system, chain_spec, chain, state, author, payment, grandpa, transaction):
        namespace.register(registry)
    if hasattr(backend, "dry_run"):
        system.register_dry_run(registry)
    if all(hasattr(backend, member) for member in chain_head.REQUIRES):  # the new spec's block/state readers
        chain_head.register(registry)
        archive.register(registry)
    if getattr(backend, "is_dev", False):
        dev.register(registry)

    @registry.method("rpc_methods")
    async def rpc_methods(ctx, params):
        return {"methods": ctx.registry.names()}

    return registry


class CorsPolicy:
    """`--rpc-cors`: None → Substrate's loopback/polkadot.js defaults; "all"/"*" → any origin; else patterns."""

    def __init__(self, cors: Union[None, str, Iterable[str]]):
        if cors is None:
            patterns: tuple[str, ...] = DEFAULT_CORS
        elif isinstance(cors, str):
            patterns = ("*",) if cors in ("all", "*") else tuple(p.strip() for p in cors.split(",") if p.strip())
        else:
            patterns = tuple(cors)
        self.allow_all = "*" in patterns or "all" in patterns
        self.patterns = patterns

    def allows(self, origin: Optional[str], host: Optional[str] = None) -> bool:
        """Non-browser clients send no Origin; some (websocket-client) send the server's own address."""
        if origin is None or self.allow_all:
            return True
        if host and origin in (f"http://{host}", f"https://{host}"):
            return True
        return any(fnmatch.fnmatchcase(origin, p) for p in self.patterns)

    def headers(self, origin: Optional[str]) -> dict:
        if origin is None:
            return {}
        return {
            "Access-Control-Allow-Origin": "*" if self.allow_all else origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Vary": "Origin",
        }


class WsSession(Session):
    """A WebSocket connection: a writer task drains the queue so node callbacks never await."""

    supports_subscriptions = True

    def __init__(self, ws: web.WebSocketResponse, limits: Limits):
        super().__init__(limits.max_subscriptions_per_connection)
        self.ws = ws
        self.max_buffered = limits.max_buffered_messages
        self.queue: collections.deque[str] = collections.deque()
        self.wakeup = asyncio.Event()
        self.writer = asyncio.get_running_loop().create_task(self._write_loop())

    def backlog(self) -> int:
        return len(self.queue)

    def enqueue(self, text: str) -> None:
        if self.closed:
            return
        if len(self.queue) >= self.max_buffered:
            # The client stopped reading: drop it rather than buffer without bound.
            log.warning("RPC client not reading (%d queued messages); closing connection", len(self.queue))
            self.close()
            asyncio.get_running_loop().create_task(self.ws.close(code=1008, message=b"too many pending messages"))
            return
        self.queue.append(text)
        self.wakeup.set()

    async def _write_loop(self) -> None:
        try:
            while True:
                await self.wakeup.wait()
                self.wakeup.clear()
                while self.queue:
                    await self.ws.send_str(self.queue.popleft())
                if self.closed:
                    return
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            return

    async def drained(self) -> None:
        """Backpressure for the reader: wait while the client is far behind."""
        while len(self.queue) > self.max_buffered // 2 and not self.closed:
            await asyncio.sleep(0.001)


class HttpSession(Session):
    """One HTTP POST: collects the single answer; no subscriptions (rpc.md §1)."""

    transport = "http"

    def __init__(self):
        super().__init__(0)
        self.output: list[str] = []

    def enqueue(self, text: str) -> None:
        self.output.append(text)


async def read_body(request: web.Request, limit: int) -> Optional[bytes]:
    """The whole request body, or None as soon as it exceeds `limit` bytes. (`content.read(n)` returns only
    what has arrived so far: a large body read that way is cut short and fails to parse.)"""
    chunks, size = [], 0
    while True:
        chunk = await request.content.readany()
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


class RpcServer:
    """A running server. `port` is the bound port (useful with port=0)."""

    def __init__(self, backend: Any, host: str, port: int, cors: CorsPolicy, limits: Limits,
                 sock: Optional[socket.socket] = None, metrics_registry: Any = None):
        self.backend = backend
        self.host = host
        self.port = port
        self._sock = sock
        self.cors = cors
        self.limits = limits
        self.registry = build_registry(backend)
        self.metrics = None if metrics_registry is None else \
            RpcMetrics(metrics_registry, lambda method: self.registry.lookup(method) is not None)
        self.dispatcher = Dispatcher(self.registry, backend, limits, self.metrics)
        self._connections = 0
        self._sessions: set[WsSession] = set()
        self._runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _start(self) -> None:
        app = web.Application(client_max_size=self.limits.max_request_bytes + 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        if self._sock is not None:  # a listening socket the caller bound early (see `sock` below)
            site = web.SockSite(self._runner, self._sock)
        else:
            site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0 or self._sock is not None:  # report the port the OS picked
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close the listener, every WebSocket and every subscription (backend hooks released)."""
        for session in list(self._sessions):
            session.close()
            await session.ws.close(code=1001, message=b"server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if not self.cors.allows(origin, request.headers.get("Host")):
            return web.Response(status=403, text=f"Origin {origin} is not allowed (see --rpc-cors)")
        if request.method == "OPTIONS":
            return web.Response(status=200, headers=self.cors.headers(origin))
        if request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._handle_ws(request)
        if request.method == "POST":
            return await self._handle_http(request, origin)
        return web.Response(status=405, headers={"Allow": "POST, OPTIONS"},
                            text="Use a WebSocket upgrade or an HTTP POST with a JSON-RPC body")

    def _busy(self) -> web.Response:
        body = encode_message({"jsonrpc": "2.0", "error": RpcError(
            SERVER_IS_BUSY, "Too many connections", f"Exceeded max limit of {self.limits.max_connections}").to_json(),
            "id": None})
        return web.Response(status=503, text=body, content_type="application/json")

    async def _handle_http(self, request: web.Request, origin: Optional[str]) -> web.Response:
        headers = self.cors.headers(origin)
        too_big = encode_message({"jsonrpc": "2.0", "error": RpcError(
            OVERSIZED_REQUEST, "Request is too big",
            f"Exceeded max limit of {self.limits.max_request_bytes}").to_json(), "id": None})
        if (request.content_length or 0) > self.limits.max_request_bytes:
            return web.Response(status=413, text=too_big, content_type="application/json", headers=headers)
        if self._connections >= self.limits.max_connections:
            return self._busy()
        self._connections += 1
        try:
            body = await read_body(request, self.limits.max_request_bytes)
            if body is None:
                return web.Response(status=413, text=too_big, content_type="application/json", headers=headers)
            session = HttpSession()
            await self.dispatcher.process(body, session)
            return web.Response(status=200, text="".join(session.output), content_type="application/json",
                                headers=headers)
        finally:
            self._connections -= 1

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        if self._connections >= self.limits.max_connections:
            return self._busy()
        self._connections += 1
        try:
            # Frames up to 2x the request limit are read and answered with -32007; beyond that aiohttp
            # closes the connection (1009) without buffering the rest.
            ws = web.WebSocketResponse(max_msg_size=2 * self.limits.max_request_bytes, compress=False)
            await ws.prepare(request)
            session = WsSession(ws, self.limits)
            self._sessions.add(session)
            if self.metrics is not None:
                self.metrics.sessions_opened.inc()
            try:
                async for msg in ws:
                    if msg.type == WSMsgType.TEXT:
                        await self.dispatcher.process(msg.data, session)
                    elif msg.type == WSMsgType.BINARY:
                        await self.dispatcher.process(msg.data, session)
                    else:  # ERROR / CLOSE
                        break
                    if session.closed:
                        break
                    await session.drained()
                    # reading a buffered message does not suspend: without a turn here one connection's
                    # pipelined backlog would be answered in one go while every other caller waits
                    await asyncio.sleep(0)
            finally:
                if self.metrics is not None:
                    self.metrics.sessions_closed.inc()
                self._sessions.discard(session)
                session.close()
                session.wakeup.set()
                try:
                    await asyncio.wait_for(session.writer, timeout=1.0)
                except (asyncio.TimeoutError, Exception):
                    session.writer.cancel()
            return ws
        finally:
            self._connections -= 1


async def start_rpc_server(
    backend: Any,
    host: str = "127.0.0.1",
    port: int = 9944,
    *,
    cors: Union[None, str, Iterable[str]] = None,
    max_request_bytes: int = 15 * MiB,
    max_response_bytes: int = 15 * MiB,
    max_connections: int = 100,
    max_subscriptions_per_connection: int = 1024,
    max_batch_len: int = 1000,
    max_buffered_messages: int = 4096,
    chain_head_limits: Optional[chain_head.ChainHeadLimits] = None,
    sock: Optional[socket.socket] = None,
    metrics_registry: Any = None,
) -> RpcServer:
    """Start serving `backend` (contract C6) on host:port; port=0 picks a free port (see `.port`). With
    `sock`, serve on that already bound and listening socket instead (a node binds its ports before it
    opens its database, so a port in use is refused before anything is written). With `metrics_registry`
    (a prometheus_client registry, e.g. the node's), the RPC metrics of `rpc/metrics.py` are kept there."""
    limits = Limits(
        max_request_bytes=max_request_bytes,
        max_response_bytes=max_response_bytes,
        max_batch_len=max_batch_len,
        max_connections=max_connections,
        max_subscriptions_per_connection=max_subscriptions_per_connection,
        max_buffered_messages=max_buffered_messages,
        chain_head=chain_head_limits or chain_head.ChainHeadLimits(),
    )
    server = RpcServer(backend, host, port, CorsPolicy(cors), limits, sock, metrics_registry)
    await server._start()
    return server
