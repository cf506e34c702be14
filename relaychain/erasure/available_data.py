"""AvailableData: what availability erasure-codes for every backed candidate.

Spec: ../shared/specs/erasure.md "What is coded"; polkadot-sdk `polkadot/node/primitives`
(`AvailableData`, `PoV`, `BlockData`) and `polkadot/primitives` (`PersistedValidationData`, `HeadData`).
SCALE: compact(len) ‖ pov ‖ compact(len) ‖ parent_head ‖ relay_parent_number u32 ‖
relay_parent_storage_root [32] ‖ max_pov_size u32.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_bytes, encode_u32

from .errors import BadPayload


@dataclass(frozen=True)
class PoV:
    """The proof of validity: the parachain block data a validator re-executes."""

    block_data: bytes

    def encode(self) -> bytes:
        return encode_bytes(self.block_data)


@dataclass(frozen=True)
class PersistedValidationData:
    """The validation inputs persisted for a candidate (polkadot-primitives v8 field names)."""

    parent_head: bytes = b""
    relay_parent_number: int = 0
    relay_parent_storage_root: bytes = bytes(32)
    max_pov_size: int = 0

    def __post_init__(self):
        if len(self.relay_parent_storage_root) != 32:
            raise ValueError("relay_parent_storage_root must be 32 bytes")
        for name in ("relay_parent_number", "max_pov_size"):
            if not 0 <= getattr(self, name) < 1 << 32:
                raise ValueError(f"{name} must fit in a u32")

    def encode(self) -> bytes:
        return (encode_bytes(self.parent_head) + encode_u32(self.relay_parent_number)
                + self.relay_parent_storage_root + encode_u32(self.max_pov_size))


@dataclass(frozen=True)
class AvailableData:
    """The PoV and the validation data, as kept available by the validators."""

    pov: PoV
    validation_data: PersistedValidationData

    def encode(self) -> bytes:
        return self.pov.encode() + self.validation_data.encode()

    @classmethod
    def decode_from(cls, r: Reader) -> "AvailableData":
        pov = PoV(r.bytes())
        pvd = PersistedValidationData(r.bytes(), r.u32(), r.read(32), r.u32())
        return cls(pov, pvd)

    @classmethod
    def decode_prefix(cls, data: bytes) -> "AvailableData":
        """Decode from the start of `data`, ignoring what follows (reconstruction's zero padding),
        as parity-scale-codec's `Decode::decode` does. Raises BadPayload if it does not decode."""
        try:
            return cls.decode_from(Reader(data))
        except ScaleDecodeError as e:
            raise BadPayload(f"reconstructed bytes are not an AvailableData: {e}") from e
