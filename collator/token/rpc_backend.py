"""The token para's JSON-RPC backend: the relay's server (`relaychain.rpc`) serving a para node (contract C6).

What a para node has, it serves as a Cumulus collator does: system_*, chain_* (headers, blocks, hashes, head
subscriptions), state_* (storage, keys, read proofs, runtime calls, metadata, version), author_* (the para's
pool), system_accountNextIndex, payment_* when the runtime answers TransactionPaymentApi, and — since the
backend has leaves and storage readers — chainHead_v1 / archive_v1 / transaction_v1.
What it does not have answers with a clear error and the node goes on: the server registers no BABE method
(-32601 "Method not found"); GRANDPA justification subscriptions never notify (the para has no GRANDPA:
`justifications` is always None); `dev_newBlock` is not offered (`is_dev` is False: the relay chain decides when
the para gets a block).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from relaychain.primitives.types import Block, Header

from .node import TokenParaNode, call_soon

NODE_VERSION = "0.1.0-token"


class UnsupportedByParaNode(Exception):
    """A backend member the para node cannot serve (the RPC layer turns it into a JSON-RPC error)."""


class TokenParaBackend:
    """ChainBackend (relaychain/rpc/backend.py) over a `TokenParaNode`."""

    chain_type = "Development"
    is_dev = False

    def __init__(self, node: TokenParaNode, *, node_name: str = "", peer_id: str = ""):
        self.node = node
        self.genesis_hash = node.genesis_hash
        # must not be the name of a py-substrate-interface preset (rpc.md §12)
        self.chain_name = f"Token Parachain {node.para_id} (dev)"
        self.properties = node.runtime.properties()
        self.node_name = node_name or f"collator-{node.para_id}"
        self.node_version = NODE_VERSION
        self._peer_id = peer_id

    # -- blocks ---------------------------------------------------------------------------------
    def best_hash(self) -> bytes:
        return self.node.store.best_hash()

    def finalized_hash(self) -> bytes:
        return self.node.store.finalized_hash()

    def header(self, block_hash: bytes) -> Optional[Header]:
        return self.node.store.header(block_hash)

    def block(self, block_hash: bytes) -> Optional[Block]:
        return self.node.store.block(block_hash)

    def justifications(self, block_hash: bytes) -> None:
        return None  # the para has no finality gadget of its own: the relay chain finalizes its heads

    def hash_by_number(self, number: int) -> Optional[bytes]:
        return self.node.store.hash_by_number(number)

    # -- state ----------------------------------------------------------------------------------
    def storage(self, block_hash: bytes, key: bytes) -> Optional[bytes]:
        return self.node.store.state_at(block_hash).get(bytes(key))

    def storage_keys(self, block_hash: bytes, prefix: bytes, start_after: Optional[bytes], count: int) -> list[bytes]:
        return self.node.store.state_at(block_hash).keys(prefix, start_after=start_after, limit=count)

    def read_proof(self, block_hash: bytes, keys: list[bytes]) -> list[bytes]:
        return self.node.store.state_at(block_hash).read_proof(keys)

    def storage_reader(self, block_hash: bytes, child_trie: Optional[bytes] = None):
        if child_trie is not None:
            return None  # the token para keeps no child tries
        return self.node.store.state_at(block_hash)

    def leaves(self) -> list[bytes]:
        return self.node.store.leaves()

    def runtime_call(self, block_hash: bytes, method: str, data: bytes) -> bytes:
        return self.node.runtime.call(self.node.state(block_hash), method, bytes(data))

    def runtime_version(self, block_hash: bytes) -> Any:
        return self.node.runtime.version()

    def metadata(self, block_hash: bytes) -> bytes:
        return self.node.runtime.metadata()

    # -- transactions ---------------------------------------------------------------------------
    def submit_extrinsic(self, xt: bytes) -> bytes:
        return self.node.submit(bytes(xt))

    def watch_extrinsic(self, xt: bytes, callback: Callable[[Any], None]) -> bytes:
        return self.node.submit(bytes(xt), watcher=call_soon(callback))

    def pending_extrinsics(self) -> list[bytes]:
        return self.node.pool.pending()

    def account_next_index(self, account_id: bytes) -> int:
        return self.node.account_next_index(bytes(account_id))

    # -- network (the para has no network of its own: its blocks travel as PoVs over the relay's) ----------
    def peer_count(self) -> int:
        return 0

    def is_syncing(self) -> bool:
        return False

    def local_peer_id(self) -> str:
        return self._peer_id

    def node_roles(self) -> list[str]:
        return ["Authority"]  # a collator authors the para's blocks

    def peer_infos(self) -> list[dict]:
        return []

    def listen_addresses(self) -> list[str]:
        return []

    # -- notifications --------------------------------------------------------------------------
    def subscribe(self, kind: str, callback: Callable[[Header], None]) -> Callable[[], None]:
        return self.node.subscribe(kind, callback)

    async def seal_block(self) -> bytes:
        raise UnsupportedByParaNode("a para block is built when the para has a core on the relay chain, not on demand")
