"""The token para's runtime as its node calls it: one seam over the `parachain.token` package (SPEC.md).

The node never reaches into the runtime's modules itself: genesis, block building, transaction validity,
the inherent's relay inputs, runtime API calls, version and metadata all go through `TokenRuntime`, so the
node and the runtime meet in this one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from relaychain.primitives.types import Header


@dataclass(frozen=True)
class BuiltBlock:
    """A block the runtime built: its header, extrinsics (inherent first), the state after it, the PoV's
    block data, and the transactions it left out because they are invalid."""

    header: Header
    extrinsics: tuple
    post_state: Mapping[bytes, bytes]
    block_data: bytes
    dropped: tuple = ()
    commitments: Any = None


class TokenRuntime:
    """The token runtime of para `para_id` (its genesis endows the dev accounts, SPEC.md §7)."""

    def __init__(self, para_id: int):
        self.para_id = para_id

    def genesis(self) -> tuple[Header, dict[bytes, bytes]]:
        from parachain.token import genesis as G

        state = G.genesis_state(self.para_id)
        return G.genesis_header(state), dict(state)

    def build_block(self, parent: Header, parent_state: Mapping[bytes, bytes], inherent, extrinsics) -> BuiltBlock:
        from parachain.token import executive as E

        out = E.build_block(self.para_id, parent, dict(parent_state), inherent, list(extrinsics))
        return BuiltBlock(out.header, tuple(out.extrinsics), out.post_state, out.block_data, tuple(out.dropped),
                          out.commitments)

    def collect_inherent(self, relay_view, parent_state: Mapping[bytes, bytes], pvd):
        from parachain.token import relay as R

        return R.collect_inherent(relay_view, self.para_id, dict(parent_state), pvd)

    def validate_transaction(self, state, xt: bytes, best: Header):
        """ValidTransaction (priority, requires, provides, longevity) of `xt` on the state after `best`; raises
        the runtime's InvalidTransaction (typed, with the reason sp-runtime gives)."""
        from parachain.token import executive as E

        return E.validate_transaction(state, bytes(xt), block_number=best.number, parent_hash=best.hash())

    def account_nonce(self, state, account_id: bytes) -> int:
        from parachain.token import system as S

        return S.account(state, bytes(account_id)).nonce

    @staticmethod
    def nonce_tag(account_id: bytes, nonce: int) -> bytes:
        """The pool tag of (account, nonce): SCALE `(AccountId32, u32)`, as the relay's runtime provides."""
        from relaychain.runtime.executive import nonce_tag

        return nonce_tag(account_id, nonce)

    def call(self, state, at: Optional[Header], method: str, data: bytes) -> bytes:
        """A runtime API call (`state_call`) on the state after block `at`."""
        from parachain.token import apis as A

        return A.call(state, method, bytes(data), block_number=at.number, block_hash=at.hash())

    def version(self):
        from parachain.token import apis as A

        return A.runtime_version()

    def metadata(self) -> bytes:
        from parachain.token import apis as A

        return A.metadata()
