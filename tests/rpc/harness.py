"""Run an RPC server (and whatever drives its backend) on an asyncio loop in a background thread,
so tests can use real synchronous clients (websocket-client, requests, py-substrate-interface)
over real sockets."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Callable

import requests
import websocket

from relaychain.rpc import start_rpc_server


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], Any], timeout: float = 30.0) -> Any:
        async def wrapper():
            return fn()

        return self.run(wrapper(), timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class RunningServer:
    """A started server on a free loopback port; `.ws()` opens a client connection, `.post()` sends HTTP."""

    def __init__(self, backend: Any, **kwargs: Any) -> None:
        self.backend = backend
        self.loop = LoopThread()
        self.server = self.loop.run(start_rpc_server(backend, "127.0.0.1", 0, **kwargs))
        self.url = f"ws://127.0.0.1:{self.server.port}"
        self.http_url = f"http://127.0.0.1:{self.server.port}"

    def ws(self, timeout: float = 10.0) -> "WsClient":
        return WsClient(self.url, timeout)

    def post(self, body: Any, raw: bool = False, headers: dict | None = None) -> requests.Response:
        data = body if raw else json.dumps(body)
        return requests.post(self.http_url, data=data, headers={"content-type": "application/json", **(headers or {})},
                             timeout=10)

    def close(self) -> None:
        try:
            self.loop.run(self.server.stop())
        finally:
            self.loop.close()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class WsClient:
    def __init__(self, url: str, timeout: float) -> None:
        self.conn = websocket.create_connection(url, timeout=timeout)
        self.next_id = 1
        self.pending: list = []

    def send_raw(self, text: str) -> None:
        self.conn.send(text)

    def recv(self) -> Any:
        return json.loads(self.conn.recv())

    def request(self, method: str, params: Any = None) -> dict:
        """Send one request and return its response (notifications arriving first are kept in `.pending`)."""
        rid = self.next_id
        self.next_id += 1
        self.conn.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or []}))
        while True:
            msg = self.recv()
            if isinstance(msg, dict) and msg.get("id") == rid and ("result" in msg or "error" in msg):
                return msg
            self.pending.append(msg)

    def call(self, method: str, params: Any = None) -> Any:
        msg = self.request(method, params)
        assert "error" not in msg, msg
        return msg["result"]

    def close(self) -> None:
        self.conn.close()

