"""The token parachain's collator side: its node (blocks, pool, best/finalized), block builder and JSON-RPC."""

from .builder import BuildFailed, TokenBlockBuilder, UnknownParent
from .node import TokenParaNode
from .rpc_backend import TokenParaBackend
from .runtime import TokenRuntime
from .service import TokenCollator, follow_relay, relay_para_head, start_token_collator
from .store import ParaBlockStore, ParaStoreError

__all__ = ["BuildFailed", "ParaBlockStore", "ParaStoreError", "TokenBlockBuilder", "TokenCollator", "TokenParaBackend",
           "TokenParaNode", "TokenRuntime", "UnknownParent", "follow_relay", "relay_para_head", "start_token_collator"]
