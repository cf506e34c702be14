"""The token para's runtime as its node calls it: one seam over the `parachain.token` package (SPEC.md).

The node never reaches into the runtime's modules itself: genesis, block building, transaction validity,
the inherent's relay inputs, runtime API calls, version and metadata all go through `TokenRuntime`, so the
node and the runtime meet in this one file. States are passed as plain read-only dicts (the runtime's
`StateHost` reads a whole state; the para's state is small).
"""

from __future__ import annotations

from typing import Mapping

from parachain.token import apis, executive, genesis, relay
from parachain.token.errors import InvalidBlock
from parachain.token.executive import BuiltBlock
from parachain.token.runtime import chain_properties, metadata_bytes, runtime_version
from relaychain.primitives.types import Header
from relaychain.runtime.apis import RuntimeVersion
from relaychain.runtime.executive import ValidTransaction, nonce_tag

__all__ = ["BuiltBlock", "InvalidBlock", "TokenRuntime"]


class TokenRuntime:
    """The token runtime of para `para_id` (its genesis endows the dev accounts, SPEC.md §7)."""

    def __init__(self, para_id: int):
        self.para_id = para_id

    def genesis(self) -> tuple[Header, dict[bytes, bytes]]:
        state = genesis.genesis_state(self.para_id)
        return genesis.genesis_header(state), state

    def collect_inherent(self, relay_view, parent_state: Mapping[bytes, bytes], pvd):
        """`set_validation_data`'s input from the relay parent's state (`relay_view`: storage, read_proof)."""
        return relay.collect_inherent(relay_view, self.para_id, parent_state, pvd)

    def build_block(self, parent: Header, parent_state: Mapping[bytes, bytes], inherent, extrinsics) -> BuiltBlock:
        """The block on `parent`: the inherent, then each of `extrinsics` that applies (the rest in `.dropped`).
        Raises InvalidBlock when the inherent does not fit the parent (inconsistent relay data)."""
        return executive.build_block(self.para_id, parent, parent_state, inherent, list(extrinsics))

    def validate_transaction(self, state: Mapping[bytes, bytes], xt: bytes, best: Header) -> ValidTransaction:
        """Validity of `xt` on the state after `best`; raises the runtime's InvalidTransaction (typed)."""
        return executive.validate_transaction(state, bytes(xt), block_number=best.number, block_hash=best.hash())

    def account_nonce(self, state: Mapping[bytes, bytes], account_id: bytes) -> int:
        return apis.account_nonce(state, bytes(account_id))

    @staticmethod
    def nonce_tag(account_id: bytes, nonce: int) -> bytes:
        """The pool tag validate_transaction provides for (account, nonce)."""
        return nonce_tag(account_id, nonce)

    def call(self, state: Mapping[bytes, bytes], method: str, data: bytes) -> bytes:
        """A runtime API call (`state_call`); raises RuntimeApiError for an unknown method or bad input."""
        return apis.call(state, method, bytes(data))

    def version(self) -> RuntimeVersion:
        v = runtime_version()
        return RuntimeVersion(v["spec_name"], v["impl_name"], v["authoring_version"], v["spec_version"],
                              v["impl_version"], tuple(v["apis"]), v["transaction_version"], v["state_version"])

    def metadata(self) -> bytes:
        return metadata_bytes()

    def properties(self) -> dict:
        """`system_properties`: ss58 format, token decimals and symbol (SPEC.md §3)."""
        return chain_properties()
