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

from relaychain.primitives.parachain_types import (  # noqa: F401 - the ABI's vocabulary, declared once there
    BLOCK_DATA, HEAD_DATA, HORIZONTAL_MESSAGES, MAX_HORIZONTAL_MESSAGE_NUM, MAX_UPWARD_MESSAGE_NUM, PARA_ID,
    UPWARD_MESSAGES, VALIDATION_CODE, OutboundHrmpMessage,
)
from relaychain.primitives.scale_types import H256, U32, BoundedVec, Option, scale_struct, sfield  # noqa: F401

__all__ = [
    "HEAD_DATA", "BLOCK_DATA", "VALIDATION_CODE", "PARA_ID", "BoundedVec",
    "MAX_UPWARD_MESSAGE_NUM", "MAX_HORIZONTAL_MESSAGE_NUM",
    "OutboundHrmpMessage", "ValidationParams", "ValidationResult",
]

_PRIMITIVES = "polkadot_parachain_primitives::primitives"


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
