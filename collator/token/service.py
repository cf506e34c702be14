"""A token para collator with its JSON-RPC: what the launcher and `relaychain collator` start.

`start_token_collator` puts together, on top of an embedded relay node that is already started:
the para node (its blocks and pool under `<base_path>/para-db`), the block builder, the collator, the para
node's following of the relay chain (`Paras.Heads(para)` at every new best and finalized relay block, node.py's
rules) and, with `rpc_port`, the para's JSON-RPC server.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from relaychain.primitives.parachain_types import HEAD_DATA

from .builder import TokenBlockBuilder
from .node import TokenParaNode
from .rpc_backend import TokenParaBackend

log = logging.getLogger("relaychain.collator.token")


def relay_para_head(relay_node, block_hash: bytes, para_id: int) -> Optional[bytes]:
    """`Paras.Heads(para_id)` in the relay state after `block_hash` (None: not registered, or block gone)."""
    from relaychain.runtime.pallets.parachains.paras import Heads

    try:
        raw = relay_node.storage(block_hash, Heads.key(para_id))
    except KeyError:
        return None
    return None if raw is None else bytes(HEAD_DATA.decode(raw))


def follow_relay(para: TokenParaNode, relay_node) -> Callable[[], None]:
    """Keep the para's best and finalized blocks on the relay's (node.py); returns the unsubscribe function."""

    def on_best(header) -> None:
        para.on_relay_head(relay_para_head(relay_node, header.hash(), para.para_id), finalized=False)

    def on_finalized(header) -> None:
        para.on_relay_head(relay_para_head(relay_node, header.hash(), para.para_id), finalized=True)

    stops = [relay_node.subscribe("new_head", on_best), relay_node.subscribe("finalized", on_finalized)]
    on_finalized(relay_node.header(relay_node.finalized_hash()))
    on_best(relay_node.header(relay_node.best_hash()))

    def unfollow() -> None:
        for stop in stops:
            stop()
    return unfollow


@dataclass
class TokenCollator:
    """A running token collator; `rpc_url` is None without an RPC server."""

    para: TokenParaNode
    collator: object
    rpc: object = None
    _unfollow: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def rpc_url(self) -> Optional[str]:
        return None if self.rpc is None else self.rpc.url

    async def stop(self) -> None:
        """Stop the RPC server, the collator and the relay following, then close the para's database (the
        embedded relay node and the PVF executor belong to the caller)."""
        if self.rpc is not None:
            await self.rpc.stop()
        await self.collator.stop()
        self._unfollow()
        self.para.close()


async def start_token_collator(para_id: int, relay_node, executor, base_path: Path, *, name: str = "",
                               rpc_port: Optional[int] = None, rpc_host: str = "127.0.0.1",
                               rpc_sock: Optional[socket.socket] = None, rpc_cors="all",
                               key=None) -> TokenCollator:
    """Start a token collator for `para_id` on the started relay node `relay_node` (PVF runs on `executor`),
    keeping the para's blocks under `base_path`; serve the para's JSON-RPC on rpc_host:rpc_port (0 = any free
    port; None = no RPC server; `rpc_sock` = an already bound listener). `key` defaults to the dev collator key."""
    from collator.collator import Collator
    from relaychain.node.keystore import collator_key
    from relaychain.rpc.server import start_rpc_server

    name = name or f"collator-{para_id}"
    Path(base_path).mkdir(parents=True, exist_ok=True)
    para = TokenParaNode(para_id, Path(base_path))
    collator = Collator(para_id, relay_node, TokenBlockBuilder(para), key or collator_key(para_id), executor,
                        name=name)
    running = TokenCollator(para, collator)
    try:
        running._unfollow = follow_relay(para, relay_node)
        if rpc_port is not None or rpc_sock is not None:
            running.rpc = await start_rpc_server(TokenParaBackend(para, node_name=name), rpc_host, rpc_port or 0,
                                                 cors=rpc_cors, sock=rpc_sock)
            log.info("para %d JSON-RPC: ws://%s:%d", para_id, rpc_host, running.rpc.port)
        await collator.start()
    except BaseException:
        await running.stop()
        raise
    return running
