"""The chain as GRANDPA sees it (contract C5, `consensus/grandpa`'s `ChainView`), backed by a `Client`: the voter
reads best and finalized blocks and ancestry, asks the voting rule, and finalizes through the client."""

from __future__ import annotations

from typing import Callable, Optional

from relaychain.node.client import Client
from relaychain.node.import_errors import FinalityError


class ClientChainView:
    """The `ChainView` GRANDPA sees (contract C5), backed by a Client."""

    def __init__(self, client: Client, can_finalize: Optional[Callable[[bytes], bool]] = None,
                 request_block: Optional[Callable[[bytes, Optional[bytes]], None]] = None):
        self.client = client
        self._can_finalize = can_finalize
        self._request_block = request_block

    def request_block(self, block_hash: bytes, peer_id: Optional[bytes]) -> None:
        """Have sync fetch a block GRANDPA votes on but we lack (with its missing ancestors)."""
        if self._request_block is not None:
            self._request_block(block_hash, peer_id)

    def best(self) -> tuple[bytes, int]:
        h = self.client.best_hash()
        return h, self.client.number(h)

    def finalized(self) -> tuple[bytes, int]:
        h = self.client.finalized_hash()
        return h, self.client.number(h)

    def header(self, block_hash: bytes):
        return self.client.header(block_hash)

    def is_descendant(self, ancestor_hash: bytes, block_hash: bytes) -> bool:
        return self.client.is_descendant(ancestor_hash, block_hash)

    def justification(self, block_hash: bytes) -> Optional[bytes]:
        """The GRANDPA justification stored with a finalized block, if it was finalized with one."""
        return self.client.db.justification(block_hash)

    def can_finalize(self, block_hash: bytes) -> bool:
        return True if self._can_finalize is None else bool(self._can_finalize(block_hash))

    async def finalize(self, block_hash: bytes, number: int, justification: Optional[bytes]) -> None:
        if self.client.number(block_hash) != number:
            raise FinalityError(f"block 0x{block_hash.hex()} is not #{number}")
        self.client.finalize(block_hash, justification)
