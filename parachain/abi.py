"""The `validate_block` ABI: what a validator hands a parachain validation function and what it gets back.

Spec: parachains.md §12 (PVF ABI), §4 (aliases, OutboundHrmpMessage); polkadot-sdk
`polkadot/parachain/src/primitives.rs` (`ValidationParams`, `ValidationResult`, `HeadData`, `BlockData`,
`ValidationCode`, `Id`, `MAX_UPWARD_MESSAGE_NUM`, `MAX_HORIZONTAL_MESSAGE_NUM`) and
`polkadot/core-primitives` (`OutboundHrmpMessage`).

The host writes `SCALE(ValidationParams)` into guest memory and calls `validate_block(ptr, len)`; the
function returns `ptr | len << 32` locating `SCALE(ValidationResult)` in its memory.

Newtypes (`HeadData`, `BlockData`, `ValidationCode`, `Id`) have Python values of their inner type
(bytes / int), as `scale_types` does for one-field structs.
"""

from __future__ import annotations

from relaychain.primitives.scale import Reader, ScaleDecodeError
from relaychain.primitives.scale_types import (
    BYTES, H256, U32, Option, Struct, Vec, scale_struct, sfield,
)

__all__ = [
    "HEAD_DATA", "BLOCK_DATA", "VALIDATION_CODE", "PARA_ID", "BoundedVec",
    "MAX_UPWARD_MESSAGE_NUM", "MAX_HORIZONTAL_MESSAGE_NUM",
    "OutboundHrmpMessage", "ValidationParams", "ValidationResult",
]

_PRIMITIVES = "polkadot_parachain_primitives::primitives"

HEAD_DATA = Struct(f"{_PRIMITIVES}::HeadData", [(None, BYTES, "Vec<u8>")])
BLOCK_DATA = Struct(f"{_PRIMITIVES}::BlockData", [(None, BYTES, "Vec<u8>")])
VALIDATION_CODE = Struct(f"{_PRIMITIVES}::ValidationCode", [(None, BYTES, "Vec<u8>")])
PARA_ID = Struct(f"{_PRIMITIVES}::Id", [(None, U32, "u32")])

# Per-candidate message count bounds (primitives.rs); a longer list does not decode.
MAX_UPWARD_MESSAGE_NUM = 16 * 1024
MAX_HORIZONTAL_MESSAGE_NUM = 16 * 1024


class BoundedVec(Struct):
    """`bounded_collections::bounded_vec::BoundedVec<T, ConstU32<bound>>`: a `Vec<T>` whose decode (and
    encode) fails beyond `bound` items. Values are tuples."""

    def __init__(self, inner, bound: int):
        super().__init__("bounded_collections::bounded_vec::BoundedVec", [(None, Vec(inner), "Vec<T>")],
                         params=[("T", inner), ("S", None)])
        self.bound = bound

    def encode(self, value):
        if len(value) > self.bound:
            raise ValueError(f"{len(value)} items exceed the bound of {self.bound}")
        return super().encode(value)

    def decode_from(self, r: Reader):
        start = r.pos
        n = r.compact()  # checked before any item is decoded, so an oversized list costs nothing
        if n > self.bound:
            raise ScaleDecodeError(f"BoundedVec of {n} items exceeds its bound of {self.bound}")
        r.pos = start
        return tuple(super().decode_from(r))


@scale_struct("polkadot_core_primitives::OutboundHrmpMessage", params=[("Id", PARA_ID)])
class OutboundHrmpMessage:
    """A message a parachain sends to `recipient` over its HRMP channel (parachains.md §4)."""

    recipient: int = sfield(PARA_ID, "Id")
    data: bytes = sfield(BYTES, "sp_std::vec::Vec<u8>")


UPWARD_MESSAGES = BoundedVec(BYTES, MAX_UPWARD_MESSAGE_NUM)
HORIZONTAL_MESSAGES = BoundedVec(OutboundHrmpMessage.SCALE, MAX_HORIZONTAL_MESSAGE_NUM)


@scale_struct(f"{_PRIMITIVES}::ValidationParams")
class ValidationParams:
    """The input of `validate_block` (§12): the parent head, the PoV's block data and the relay parent."""

    parent_head: bytes = sfield(HEAD_DATA, "HeadData")
    block_data: bytes = sfield(BLOCK_DATA, "BlockData")
    relay_parent_number: int = sfield(U32, "RelayChainBlockNumber")
    relay_parent_storage_root: bytes = sfield(H256, "Hash")


@scale_struct(f"{_PRIMITIVES}::ValidationResult")
class ValidationResult:
    """The output of `validate_block` (§12): the candidate's commitments as the PVF computed them."""

    head_data: bytes = sfield(HEAD_DATA, "HeadData")
    new_validation_code: bytes | None = sfield(Option(VALIDATION_CODE), "Option<ValidationCode>", default=None)
    upward_messages: tuple = sfield(UPWARD_MESSAGES, "UpwardMessages", default=())
    horizontal_messages: tuple = sfield(HORIZONTAL_MESSAGES, "HorizontalMessages", default=())
    processed_downward_messages: int = sfield(U32, "u32", default=0)
    hrmp_watermark: int = sfield(U32, "RelayChainBlockNumber", default=0)

    def __post_init__(self):
        # Lists given by callers become tuples, so equal results compare (and hash) equal.
        for name in ("upward_messages", "horizontal_messages"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
