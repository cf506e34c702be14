"""Which chunk each validator holds (spec: erasure.md "Chunk-to-validator mapping", RFC-47).

polkadot-sdk `polkadot/node/subsystem-util/src/availability_chunks.rs`. Without node feature bit 2
(`AvailabilityChunkMapping`) validator i holds chunk i. With it, each core's systematic chunks start
at a different validator, so systematic recovery load spreads over the validator set:
ChunkIndex = (core_index · k + validator_index) mod n, with k the systematic recovery threshold.
"""

from __future__ import annotations

from typing import Sequence

from .errors import ChunkIndexOutOfBounds
from .params import systematic_recovery_threshold

AVAILABILITY_CHUNK_MAPPING = 2  # node feature bit (polkadot-primitives `FeatureIndex::AvailabilityChunkMapping`)


def chunk_mapping_enabled(node_features: Sequence[bool]) -> bool:
    """Whether the runtime's node-features bit vector (bit i = feature i) enables the mapping."""
    return len(node_features) > AVAILABILITY_CHUNK_MAPPING and bool(node_features[AVAILABILITY_CHUNK_MAPPING])


def availability_chunk_index(node_features: Sequence[bool], n_validators: int, core_index: int,
                             validator_index: int) -> int:
    """The ChunkIndex that `validator_index` stores for a candidate occupying `core_index`."""
    if not 0 <= validator_index < n_validators:
        raise ChunkIndexOutOfBounds(validator_index, n_validators)
    if not chunk_mapping_enabled(node_features):
        systematic_recovery_threshold(n_validators)  # validates n_validators all the same
        return validator_index
    core_start = core_index * systematic_recovery_threshold(n_validators)
    return (core_start + validator_index) % n_validators


def availability_chunk_indices(node_features: Sequence[bool], n_validators: int, core_index: int) -> list[int]:
    """ChunkIndex per ValidatorIndex for one core (a rotation of 0..n−1)."""
    return [availability_chunk_index(node_features, n_validators, core_index, v) for v in range(n_validators)]
