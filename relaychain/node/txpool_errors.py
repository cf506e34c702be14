"""The transaction pool's refusals, with the author RPC error each one is (sc-transaction-pool's `Error`,
polkadot-sdk `substrate/client/rpc-api/src/author/error.rs` codes 1001-1016)."""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.scale import ScaleDecodeError


class PoolError(Exception):
    """A transaction the pool refuses. `code`/`message`/`data` are the author RPC error fields."""

    code = 1011
    message = "Unknown Transaction Validity"

    def __init__(self, data: Optional[str] = None):
        super().__init__(data or self.message)
        self.data = data


class BadFormat(PoolError, ScaleDecodeError):
    code = 1001
    message = "Extrinsic has invalid format"


class TemporarilyBanned(PoolError):
    code = 1012
    message = "Transaction is temporarily banned"


class AlreadyImported(PoolError):
    code = 1013
    message = "Transaction Already Imported"


class TooLowPriority(PoolError):
    code = 1014

    def __init__(self, old: int, new: int):
        self.message = f"Priority is too low: ({old} vs {new})"
        super().__init__("The transaction has too low priority to replace another transaction already in the pool.")


class ImmediatelyDropped(PoolError):
    code = 1016
    message = "Immediately Dropped"

    def __init__(self):
        super().__init__("The transaction couldn't enter the pool because of the limit")


class NoTagsProvided(PoolError):
    code = 1011
    message = "Unknown Transaction Validity"

    def __init__(self):
        super().__init__("The transaction validity returned no `provides`")
