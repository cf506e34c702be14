"""AvailableData as availability decodes it after reconstruction.

Spec: ../shared/specs/erasure.md "What is coded". The types (AvailableData, PoV, PersistedValidationData) are
declared once in `relaychain.primitives.parachain_types`; reconstruction yields their SCALE bytes followed by
zero padding, which decoding ignores as parity-scale-codec's `Decode::decode` does.
"""

from __future__ import annotations

from relaychain.primitives.parachain_types import AvailableData
from relaychain.primitives.scale import Reader, ScaleDecodeError

from .errors import BadPayload


def decode_available_data_prefix(data: bytes) -> AvailableData:
    """The AvailableData at the start of `data`, ignoring what follows; BadPayload if it does not decode."""
    try:
        return AvailableData.decode_from(Reader(data))
    except (ScaleDecodeError, ValueError) as e:
        raise BadPayload(f"reconstructed bytes are not an AvailableData: {e}") from e
