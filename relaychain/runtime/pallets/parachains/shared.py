"""ParasShared (index 52): the session index, the active parachain validators and the allowed relay parents.

Polkadot: `polkadot/runtime/parachains/src/shared.rs`; parachains.md §3 ("Active set"), §7 check 1.
- At a session change (`initializer_on_new_session`) all validator indices are shuffled with
  `ChaCha20Rng::from_seed(random_seed)` and rand's `SliceRandom::shuffle` (`rand_chacha.py`), truncated to
  `max_validators`; `ActiveValidatorIndices` are indices into the session's validators, `ActiveValidatorKeys`
  their `para_validator` keys. The allowed-relay-parents buffer is cleared: relay parents never cross a session.
- Every block, `ParaInherent.enter` records its parent (hash, state root) in `AllowedRelayParents`, keeping
  `allowed_ancestry_len + 1` entries; a candidate's relay parent must be one of them (`acquire_info`).
This pallet depends on no other parachain pallet (Session's disabled validators only).
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.parachain_types import SESSION_INDEX, VALIDATOR_ID, VALIDATOR_INDEX
from relaychain.primitives.scale_types import H256, U32, Struct, Tuple, Vec
from relaychain.runtime.framework import Pallet
from relaychain.runtime.pallets import session
from relaychain.runtime.rand_chacha import ChaCha20Rng, shuffle

pallet = Pallet("ParasShared", 52, "polkadot_runtime_parachains::shared", declares_calls=True)

SESSION_DELAY = 2
"""Changes to paras and configuration apply `SESSION_DELAY` sessions later (Polkadot's `SESSION_DELAY`)."""

ALLOWED_RELAY_PARENTS_TRACKER = Struct("polkadot_runtime_parachains::shared::AllowedRelayParentsTracker", [
    ("buffer", Vec(Tuple(H256, H256)), "VecDeque<(Hash, Hash)>"), ("latest_number", U32, "BlockNumber")],
    params=[("Hash", H256), ("BlockNumber", U32)])
EMPTY_TRACKER = {"buffer": [], "latest_number": 0}

CurrentSessionIndex = pallet.storage_value("CurrentSessionIndex", SESSION_INDEX, default=0, docs=(
    "The current session index.",))
ActiveValidatorIndices = pallet.storage_value("ActiveValidatorIndices", Vec(VALIDATOR_INDEX), default=[], docs=(
    "All the validators actively participating in parachain consensus.",
    "Indices are into the broader validator set."))
ActiveValidatorKeys = pallet.storage_value("ActiveValidatorKeys", Vec(VALIDATOR_ID), default=[], docs=(
    "The parachain attestation keys of the validators actively participating in parachain consensus.",
    "This should be the same length as `ActiveValidatorIndices`."))
AllowedRelayParents = pallet.storage_value("AllowedRelayParents", ALLOWED_RELAY_PARENTS_TRACKER,
                                           default=EMPTY_TRACKER, docs=("All allowed relay-parents.",))


# -- allowed relay parents (AllowedRelayParentsTracker) ----------------------------------------------------

def tracker_update(tracker: dict, relay_parent: bytes, state_root: bytes, number: int,
                   max_ancestry_len: int) -> dict:
    """Append the newest relay parent and keep at most `max_ancestry_len + 1` (oldest dropped first)."""
    buffer = list(tracker["buffer"]) + [(relay_parent, state_root)]
    return {"buffer": buffer[-(max_ancestry_len + 1):], "latest_number": number}


def acquire_info(tracker: dict, relay_parent: bytes, prev: Optional[int] = None) -> Optional[tuple[bytes, int]]:
    """(state root, number) of an allowed relay parent, or None if it is not allowed or older than `prev`
    (the para's most recent context)."""
    buffer = tracker["buffer"]
    for pos, (hash_, state_root) in enumerate(buffer):
        if hash_ == relay_parent:
            number = tracker["latest_number"] - (len(buffer) - 1 - pos)
            if prev is not None and prev > number:
                return None
            return state_root, number
    return None


def note_relay_parent(state, relay_parent: bytes, state_root: bytes, number: int, max_ancestry_len: int) -> dict:
    """Record this block's parent as an allowed relay parent; returns the updated tracker."""
    tracker = tracker_update(AllowedRelayParents.get(state), relay_parent, state_root, number, max_ancestry_len)
    AllowedRelayParents.set(state, tracker)
    return tracker


# -- sessions ------------------------------------------------------------------------------------------

def shuffled_validator_indices(n_validators: int, random_seed: bytes, max_validators: Optional[int]) -> list[int]:
    """The session's active validator indices: 0..n shuffled by ChaCha20(random_seed), truncated to
    `max_validators` (§3)."""
    indices = list(range(n_validators))
    shuffle(indices, ChaCha20Rng(random_seed))
    return indices if max_validators is None else indices[:max_validators]


def initializer_on_new_session(ctx, session_index: int, random_seed: bytes, new_config,
                               all_validators: list[bytes]) -> list[bytes]:
    """Set the session index and the shuffled active set; returns the active validators' keys."""
    state = ctx.state
    tracker = AllowedRelayParents.get(state)
    AllowedRelayParents.set(state, {"buffer": [], "latest_number": tracker["latest_number"]})
    CurrentSessionIndex.set(state, session_index)
    active = shuffled_validator_indices(len(all_validators), random_seed, new_config.max_validators)
    keys = [all_validators[i] for i in active]
    ActiveValidatorIndices.set(state, active)
    ActiveValidatorKeys.set(state, keys)
    return keys


def scheduled_session(state) -> int:
    """The session at which changes requested now take effect: current + SESSION_DELAY."""
    return CurrentSessionIndex.get(state) + SESSION_DELAY


def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def disabled_validators(state) -> list[int]:
    """The disabled validators among the active ones, as indices into the active set (ascending by the
    session's own index order, as Polkadot's `disabled_validators`)."""
    position = {v: i for i, v in enumerate(ActiveValidatorIndices.get(state))}
    return [position[v] for v in session.DisabledValidators.get(state) if v in position]
