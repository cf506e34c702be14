"""What the RPC server needs from a node (contract C6).

`relaychain.node.service.Node` implements this Protocol structurally (the node never imports the RPC
package: import direction is node <- rpc). Every method is synchronous and called on the node's asyncio
loop, except `seal_block`. Hashes, keys and account ids are raw `bytes`; the RPC layer does all hex/JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal, Optional, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover - types only; avoids importing the node/runtime at import time
    from relaychain.primitives.types import Block, Header

HeadKind = Literal["new_head", "finalized", "all_head"]


@runtime_checkable
class ChainBackend(Protocol):
    """The node as seen by the JSON-RPC server (contracts.md C6)."""

    genesis_hash: bytes
    chain_name: str  # system_chain; must not match a py-substrate-interface preset (rpc.md §12)
    chain_type: str  # "Development" | "Local" | "Live"
    properties: dict  # system_properties, e.g. {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "UNIT"}
    node_name: str
    node_version: str
    is_dev: bool  # enables dev_newBlock

    # -- blocks ---------------------------------------------------------------------------------
    def best_hash(self) -> bytes: ...
    def finalized_hash(self) -> bytes: ...
    def header(self, block_hash: bytes) -> Optional["Header"]: ...
    def block(self, block_hash: bytes) -> Optional["Block"]: ...  # with its seal
    def justifications(self, block_hash: bytes) -> Optional[list[tuple[bytes, bytes]]]: ...  # [(engine id 4B, justification)]
    def hash_by_number(self, number: int) -> Optional[bytes]: ...  # canonical chain

    # -- state at a block -----------------------------------------------------------------------
    def storage(self, block_hash: bytes, key: bytes) -> Optional[bytes]: ...
    def storage_keys(self, block_hash: bytes, prefix: bytes, start_after: Optional[bytes], count: int) -> list[bytes]: ...
    def read_proof(self, block_hash: bytes, keys: list[bytes]) -> list[bytes]: ...
    def runtime_call(self, block_hash: bytes, method: str, data: bytes) -> bytes: ...  # raises RuntimeApiError
    def runtime_version(self, block_hash: bytes) -> Any: ...  # RuntimeVersion with .to_json()
    def metadata(self, block_hash: bytes) -> bytes: ...  # "meta" ‖ 0x0e ‖ V14

    # -- the new JSON-RPC spec (chainHead_v1, archive_v1): served only by a backend that has both --------
    def leaves(self) -> list[bytes]: ...  # heads of every fork above the finalized block
    # the state after a block (or its default child trie `child_trie`; None if absent), a reader with
    # get(key), items(prefix), iter_from(key, inclusive) and closest_descendant_merkle_value(key)
    def storage_reader(self, block_hash: bytes, child_trie: Optional[bytes] = None) -> Any: ...

    # -- transactions ---------------------------------------------------------------------------
    def submit_extrinsic(self, xt: bytes) -> bytes: ...  # tx hash; raises InvalidTransaction (.message)
    def watch_extrinsic(self, xt: bytes, callback: Callable[[Any], None]) -> bytes: ...  # status JSON (rpc.md §3)
    def pending_extrinsics(self) -> list[bytes]: ...
    def account_next_index(self, account_id: bytes) -> int: ...

    # -- network / sync -------------------------------------------------------------------------
    def peer_count(self) -> int: ...
    def is_syncing(self) -> bool: ...
    def local_peer_id(self) -> str: ...  # hex of the ed25519 node key, as logged at start
    def node_roles(self) -> list[str]: ...  # ["Authority"] | ["Full"]
    # [{"peer_id": hex str, "roles": "AUTHORITY"|"FULL"|"LIGHT", "best_hash": bytes, "best_number": int}]
    def peer_infos(self) -> list[dict]: ...
    def listen_addresses(self) -> list[str]: ...  # multiaddrs with /p2p/<peer id>; [] when nothing to dial

    # -- notifications (callbacks run on the node's asyncio loop) ------------------------------
    def subscribe(self, kind: HeadKind, callback: Callable[["Header"], None]) -> Callable[[], None]: ...

    # -- dev ------------------------------------------------------------------------------------
    async def seal_block(self) -> bytes: ...  # only when is_dev


BACKEND_MEMBERS = (
    "genesis_hash", "chain_name", "chain_type", "properties", "node_name", "node_version", "is_dev",
    "best_hash", "finalized_hash", "header", "block", "justifications", "hash_by_number",
    "storage", "storage_keys", "read_proof", "runtime_call", "runtime_version", "metadata", "leaves", "storage_reader",
    "submit_extrinsic", "watch_extrinsic", "pending_extrinsics", "account_next_index",
    "peer_count", "is_syncing", "local_peer_id", "node_roles", "peer_infos", "listen_addresses",
    "subscribe", "seal_block",
)


def missing_members(obj: object) -> list[str]:
    """Names of C6 members `obj` lacks (empty when it can serve as a backend)."""
    return [name for name in BACKEND_MEMBERS if not hasattr(obj, name)]
