"""A token para node with its JSON-RPC server on a background loop, and a relay chain state to build on.

The relay side is the relay runtime's real dev genesis state in a real trie (`RelayState`): the builder reads
it and proves it exactly as it reads a relay node at a relay parent (storage + read proof at one state root).
Blocks are built when the test says so (`build()`): the relay's backing is not in this loop.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Optional

from collator.collator import RelayView
from collator.token import TokenBlockBuilder, TokenParaBackend, TokenParaNode
from parachain.token.executive import StateHost
from parachain.token.parachain_system import LastRelayChainBlockNumber
from relaychain.primitives.parachain_types import PersistedValidationData
from relaychain.rpc import start_rpc_server
from relaychain.runtime.genesis import dev_chain_spec, genesis_storage
from relaychain.trie import MemoryNodeStore, TrieBackend, build_trie
from tests.rpc.harness import LoopThread

PARA_ID = 2000
MAX_POV_SIZE = 5 * 1024 * 1024


class RelayState:
    """The relay chain's state at one block, as a relay node serves it: storage(at, key), read_proof(at, keys)."""

    def __init__(self, entries: dict[bytes, bytes], number: int = 1):
        self.root, nodes = build_trie(entries, 1)
        self.backend = TrieBackend(MemoryNodeStore(nodes), self.root, 1)
        self.number = number

    def storage(self, at: bytes, key: bytes) -> Optional[bytes]:
        assert at == self.root
        return self.backend.get(key)

    def read_proof(self, at: bytes, keys) -> list[bytes]:
        assert at == self.root
        return self.backend.read_proof(keys)


_RELAY_GENESIS: dict = {}


def relay_genesis() -> dict[bytes, bytes]:
    if not _RELAY_GENESIS:
        _RELAY_GENESIS.update(genesis_storage(dev_chain_spec()))
    return dict(_RELAY_GENESIS)


class TokenPara:
    """Para `PARA_ID`'s node under `base` (a fresh temporary directory by default) with its RPC server."""

    def __init__(self, base: Optional[Path] = None):
        self.owns_base = base is None
        self.base = base or Path(tempfile.mkdtemp(prefix="token-para-"))
        self.loop = LoopThread()
        self.relay = RelayState(relay_genesis())

        async def boot():
            node = TokenParaNode(PARA_ID, self.base)
            server = await start_rpc_server(TokenParaBackend(node), "127.0.0.1", 0)
            return node, server

        try:
            self.node, self.server = self.loop.run(boot(), timeout=120)
        except BaseException:
            self.loop.close()
            raise
        self.builder = TokenBlockBuilder(self.node)
        self.closed = False
        # a relay chain moves on while a collator is down: resume above the relay parent of the best block
        last = LastRelayChainBlockNumber.get(StateHost(self.node.state(self.node.store.best_hash())))
        self.relay_number = last + 1
        self.url = f"ws://127.0.0.1:{self.server.port}"
        self.http_url = f"http://127.0.0.1:{self.server.port}"

    def pvd(self, parent_hash: Optional[bytes] = None) -> PersistedValidationData:
        store = self.node.store
        parent = store.header(parent_hash or store.best_hash())
        return PersistedValidationData(parent.encode(), self.relay_number, self.relay.root, MAX_POV_SIZE)

    def build(self, parent_hash: Optional[bytes] = None):
        """Build a block on `parent_hash` (the best block by default) as the collator does, make it the best
        block (what the collator does once its PVF run agrees) and return the BuiltBlock."""
        def run():
            built = self.builder.build(RelayView(self.relay, self.relay.root), self.pvd(parent_hash))
            self.node.set_best(built.header.hash())
            return built

        built = self.loop.call(run, timeout=60)
        self.relay_number += 1
        return built

    def on_loop(self, fn, timeout: float = 30.0):
        return self.loop.call(fn, timeout)

    def close(self, remove: bool = True) -> None:
        if self.closed:
            if remove and self.owns_base:
                shutil.rmtree(self.base, ignore_errors=True)
            return
        self.closed = True

        async def shutdown():
            await self.server.stop()
            self.node.close()

        try:
            self.loop.run(shutdown(), timeout=60)
        finally:
            self.loop.close()
            if remove and self.owns_base:
                shutil.rmtree(self.base, ignore_errors=True)
