"""Inherent data: what the block author knows that the runtime cannot (the time, parachain candidates).

Substrate `sp_inherents::InherentData`: a map from 8-byte identifiers to SCALE-encoded values, encoded as
`BTreeMap<[u8; 8], Vec<u8>>` (sorted by identifier). Block authoring asks its inherent data providers for
entries (ARCHITECTURE.md, "Inherents"); the runtime turns them into its mandatory inherent extrinsics
(`Timestamp.set`, `ParaInherent.enter`) and checks them when a block is imported, so an importer never
trusts the author.
"""

from __future__ import annotations

from typing import Iterator, Mapping, Optional

from relaychain.primitives.scale import Reader, ScaleDecodeError, decode_all, encode_bytes, encode_compact

TIMESTAMP_INHERENT = b"timstap0"  # u64 milliseconds (sp_timestamp::INHERENT_IDENTIFIER)
PARACHAINS_INHERENT = b"parachn0"  # polkadot_primitives::InherentData (PARACHAINS_INHERENT_IDENTIFIER)


class InherentDataError(ValueError):
    """An identifier that is not 8 bytes, a duplicate entry, or bytes that do not decode."""


class InherentData(Mapping[bytes, bytes]):
    """An immutable map identifier -> SCALE bytes of the value."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Optional[Mapping[bytes, bytes]] = None):
        items = dict(entries or {})
        for key in items:
            if not isinstance(key, (bytes, bytearray)) or len(key) != 8:
                raise InherentDataError(f"inherent identifier {key!r} is not 8 bytes")
        self._entries = {bytes(k): bytes(v) for k, v in sorted(items.items())}

    def __getitem__(self, key: bytes) -> bytes:
        return self._entries[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def with_entry(self, identifier: bytes, value: bytes) -> "InherentData":
        if identifier in self._entries:
            raise InherentDataError(f"inherent {identifier!r} provided twice")
        return InherentData({**self._entries, identifier: value})

    def encode(self) -> bytes:
        return encode_compact(len(self._entries)) + b"".join(k + encode_bytes(v) for k, v in self._entries.items())

    @classmethod
    def decode(cls, data: bytes) -> "InherentData":
        def read(r: Reader) -> "InherentData":
            out: dict[bytes, bytes] = {}
            for _ in range(r.compact()):
                key = r.read(8)
                if key in out:
                    raise ScaleDecodeError(f"duplicate inherent identifier {key!r}")
                out[key] = r.bytes()
            return cls(out)
        return decode_all(data, read)

    def __repr__(self) -> str:
        return f"InherentData({', '.join(k.decode('latin-1') for k in self._entries)})"
