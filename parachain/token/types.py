"""The token parachain's block, inherent and message-origin structures, declared once (SPEC.md §1, §4, §5).

`ParachainBlockData` (the PoV's block data) holds the header (`relaychain.primitives.types.Header`, whose codec is
hand-written), the block's extrinsics as they appear in a block (each its own Compact length prefix, SCALE
`Vec<OpaqueExtrinsic>`) and the full parent state as ascending (key, value) pairs. `ParachainInherentData` is
Cumulus's inherent: persisted validation data, a relay storage proof and the inbound messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.parachain_types import PARA_ID, PersistedValidationData
from relaychain.primitives.scale import Reader, ScaleDecodeError, decode_all, encode_bytes, encode_compact
from relaychain.primitives.scale_types import (
    BYTES, LateBound, Struct, Tuple, Variant, Enum, Vec, scale_struct, sfield,
)
from relaychain.primitives.types import Header
from xcmp.types import InboundDownwardMessage, InboundHrmpMessage

# The para runtime's own outer enums (framework.Runtime binds them): pallets name them, e.g. System.Events.
PARA_RUNTIME_CALL = LateBound("RuntimeCall")
PARA_RUNTIME_EVENT = LateBound("RuntimeEvent")

_INHERENT = "cumulus_primitives_parachain_inherent"

HORIZONTAL_MESSAGES_MAP = Struct("BTreeMap", [(None, Vec(Tuple(PARA_ID, Vec(InboundHrmpMessage.SCALE))), None)],
                                 params=[("K", PARA_ID), ("V", Vec(InboundHrmpMessage.SCALE))])
"""`BTreeMap<ParaId, Vec<InboundHrmpMessage>>`: Compact count ++ (u32, Vec<..>)* (value: tuple of pairs)."""

STORAGE_PROOF = Struct("sp_trie::storage_proof::StorageProof", [(None, Vec(BYTES), "BTreeSet<Vec<u8>>")])
"""The relay proof's trie nodes, `Vec<Vec<u8>>` (§5; the value is the tuple of encoded nodes)."""


@scale_struct(f"{_INHERENT}::ParachainInherentData")
class ParachainInherentData:
    """What the collator gives `ParachainSystem.set_validation_data` (§5)."""

    validation_data: PersistedValidationData = sfield(PersistedValidationData.SCALE, "PersistedValidationData")
    relay_chain_state: tuple = sfield(STORAGE_PROOF, "sp_trie::StorageProof")
    downward_messages: tuple = sfield(Vec(InboundDownwardMessage.SCALE), "Vec<InboundDownwardMessage>")
    horizontal_messages: tuple = sfield(HORIZONTAL_MESSAGES_MAP, "BTreeMap<ParaId, Vec<InboundHrmpMessage>>")


AGGREGATE_MESSAGE_ORIGIN = Enum("cumulus_primitives_core::AggregateMessageOrigin", [
    Variant("Here", 0), Variant("Parent", 1), Variant("Sibling", 2, [(None, PARA_ID, "ParaId")])])
"""The para's message-queue origin (§4): `"Parent"` for DMP, `("Sibling", id)` for HRMP."""


class BlockDataDecodeError(ScaleDecodeError):
    """Bytes that are not a `ParachainBlockData`."""


@dataclass(frozen=True)
class ParachainBlockData:
    """The PoV block data (§1): `extrinsics` are full extrinsic encodings (Compact length ++ body);
    `parent_state` is the whole parent state, (key, value) pairs with keys strictly ascending."""

    header: Header
    extrinsics: tuple
    parent_state: tuple

    def encode(self) -> bytes:
        out = self.header.encode() + encode_compact(len(self.extrinsics)) + b"".join(self.extrinsics)
        out += encode_compact(len(self.parent_state))
        return out + b"".join(encode_bytes(k) + encode_bytes(v) for k, v in self.parent_state)

    @classmethod
    def decode(cls, data: bytes) -> "ParachainBlockData":
        try:
            return decode_all(bytes(data), cls.decode_from)
        except (ScaleDecodeError, ValueError) as e:
            raise BlockDataDecodeError(f"undecodable ParachainBlockData: {e}") from None

    @classmethod
    def decode_from(cls, r: Reader) -> "ParachainBlockData":
        header = Header.decode_from(r)
        extrinsics = []
        for _ in range(r.compact()):
            start = r.pos
            r.bytes()
            extrinsics.append(r.data[start:r.pos])
        state = tuple((r.bytes(), r.bytes()) for _ in range(r.compact()))
        return cls(header, tuple(bytes(x) for x in extrinsics), state)
