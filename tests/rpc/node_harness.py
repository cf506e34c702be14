"""A REAL dev node (relaychain.node.service.Node, contract C6) with the RPC server on a free loopback port,
running on an asyncio loop in a background thread so synchronous clients can drive it over real sockets."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import requests

from relaychain.node.network import InProcessHub
from relaychain.node.service import Node, NodeConfig
from relaychain.primitives.crypto import Ed25519Keypair
from relaychain.rpc import start_rpc_server

from .harness import LoopThread


class DevNode:
    """Alice's single dev node with instant sealing (a block per transaction, dev_newBlock on demand)."""

    def __init__(self, sealing: str = "instant") -> None:
        self.base = Path(tempfile.mkdtemp(prefix="relaychain-rpc-e2e-"))
        self.loop = LoopThread()

        async def boot():
            hub = InProcessHub()
            config = NodeConfig(name="alice", base_path=self.base / "alice", validator="alice",
                                slot_duration_ms=1000, is_dev=True, sealing=sealing)
            node = Node(config, hub.join(Ed25519Keypair.generate()))
            await node.start()
            server = await start_rpc_server(node, "127.0.0.1", 0)
            return node, server

        try:
            self.node, self.server = self.loop.run(boot(), timeout=120)
        except BaseException:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise
        self.url = f"ws://127.0.0.1:{self.server.port}"
        self.http_url = f"http://127.0.0.1:{self.server.port}"

    def rpc(self, method: str, params=None) -> dict:
        """One JSON-RPC call over HTTP POST (the same port as the WebSocket)."""
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
        return requests.post(self.http_url, data=json.dumps(body), headers={"content-type": "application/json"},
                             timeout=60).json()

    def new_block(self) -> str:
        reply = self.rpc("dev_newBlock")
        assert "result" in reply, reply
        return reply["result"]

    def close(self) -> None:
        async def shutdown():
            await self.server.stop()
            await self.node.stop()

        try:
            self.loop.run(shutdown(), timeout=60)
        finally:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)


class DevNetwork:
    """`relaychain run --dev`: Alice, Bob, Charlie and Dave validating (BABE slots + GRANDPA) on an in-process
    hub; the RPC server is Alice's."""

    VALIDATORS = ("alice", "bob", "charlie", "dave")

    def __init__(self, slot_duration_ms: int = 1000) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="relaychain-rpc-net-"))
        self.loop = LoopThread()

        async def boot():
            hub = InProcessHub()
            nodes = [Node(NodeConfig(name=name, base_path=self.base / name, validator=name,
                                     slot_duration_ms=slot_duration_ms, is_dev=True),
                          hub.join(Ed25519Keypair.generate())) for name in self.VALIDATORS]
            for node in nodes:
                await node.start()
            return nodes, await start_rpc_server(nodes[0], "127.0.0.1", 0)

        try:
            self.nodes, self.server = self.loop.run(boot(), timeout=120)
        except BaseException:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise
        self.url = f"ws://127.0.0.1:{self.server.port}"

    def close(self) -> None:
        async def shutdown():
            await self.server.stop()
            for node in self.nodes:
                await node.stop()

        try:
            self.loop.run(shutdown(), timeout=60)
        finally:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)


class ParaNetwork:
    """`relaychain run --dev` with its paras: four validators, adder paras 1000 and 1001 and their collators
    (the launcher's in-process network); the RPC server is Alice's."""

    def __init__(self) -> None:
        from relaychain.launcher import dev_network, start_in_process

        self.base = Path(tempfile.mkdtemp(prefix="relaychain-rpc-paras-"))
        self.loop = LoopThread()

        async def boot():
            net = await start_in_process(dev_network(1000, token_paras=()), self.base)
            return net, await start_rpc_server(net.nodes[0], "127.0.0.1", 0)

        try:
            self.net, self.server = self.loop.run(boot(), timeout=120)
        except BaseException:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise
        self.node = self.net.nodes[0]
        self.url = f"ws://127.0.0.1:{self.server.port}"

    def close(self) -> None:
        async def shutdown():
            await self.server.stop()
            await self.net.stop()

        try:
            self.loop.run(shutdown(), timeout=60)
        finally:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)
