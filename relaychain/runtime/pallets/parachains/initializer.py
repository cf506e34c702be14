"""Initializer (index 57): drives the parachain pallets' block and session lifecycle in a fixed order.

Polkadot: `polkadot/runtime/parachains/src/initializer.rs`; ARCHITECTURE.md "Initializer".
- on_initialize calls each parachain module's `initializer_initialize` in the order configuration, shared,
  paras, scheduler, inclusion, session_info, disputes, slashing, dmp, hrmp; on_finalize
  calls the finalizers in reverse order, then applies a buffered session change, so the runtime APIs and the
  next block already see the new session.
- It is the session handler of the `para_validator` key (Polkadot's SessionKeys): a new session is buffered
  (`BufferedSessionChanges`) and applied at the end of the block; the genesis session is applied at once.
- Applying a session (`apply_new_session`): random seed = blake2_256(b"paras" ‖ BABE NextRandomness)
  (`RandomnessFromOneEpochAgo`), the scheduled configuration, the shuffled active set (Shared), the paras'
  queued actions, the scheduler's groups, the inclusion state reset, the new SessionInfo, dispute pruning,
  the outgoing paras' downward queues, then HRMP (outgoing paras' channels; requests confirmed during the
  session become channels, close requests remove theirs).
- `force_approve(up_to)` (Root) deposits `ConsensusLog::ForceApprove(up_to)` as a `Consensus(b"POL1", ..)` item.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.parachain_types import (
    BLOCK_NUMBER, CONSENSUS_LOG, PARACHAINS_ENGINE_ID, SESSION_INDEX, VALIDATOR_ID,
)
from relaychain.primitives.scale_types import UNIT, Vec, scale_struct, sfield
from relaychain.primitives.types import Consensus
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import Pallet, ensure_root
from relaychain.runtime.pallets import babe, session
from relaychain.runtime.pallets.parachains import (
    configuration, disputes, disputes_slashing, dmp, hrmp, inclusion, paras, scheduler, session_info, shared,
)
from relaychain.runtime.pallets.parachains.configuration import HostConfiguration

pallet = Pallet("Initializer", 57, "polkadot_runtime_parachains::initializer")

# The parachain modules in initialization order (initializer.rs).
MODULES = (configuration, shared, paras, scheduler, inclusion, session_info, disputes, disputes_slashing, dmp, hrmp)


@scale_struct("polkadot_runtime_parachains::initializer::BufferedSessionChange")
class BufferedSessionChange:
    validators: tuple = sfield(Vec(VALIDATOR_ID), "Vec<ValidatorId>")
    queued: tuple = sfield(Vec(VALIDATOR_ID), "Vec<ValidatorId>")
    session_index: int = sfield(SESSION_INDEX, "SessionIndex")


@dataclass(frozen=True)
class SessionChangeNotification:
    """What every parachain module is told of a new session."""

    validators: tuple  # the active validators' keys (shuffled, truncated)
    queued: tuple
    prev_config: HostConfiguration
    new_config: HostConfiguration
    random_seed: bytes
    session_index: int


HasInitialized = pallet.storage_value("HasInitialized", UNIT, optional=True, docs=(
    "Whether the parachains modules have been initialized within this block.", "",
    "Semantically a `bool`, but this guarantees it should never hit the trie,",
    "as this is cleared in `on_finalize` and Frame optimizes `None` values to be empty values."))
BufferedSessionChanges = pallet.storage_value("BufferedSessionChanges", Vec(BufferedSessionChange.SCALE), default=[],
                                              docs=("Buffered session changes.", "",
                                                    "Typically this will be empty or one element long. Apart from "
                                                    "that this item never hits", "the storage."))


@pallet.call(0, [("up_to", BLOCK_NUMBER, "BlockNumber")], weight=Weight(10_000_000, 1_000),
             dispatch_class="Operational", docs=(
    "Issue a signal to the consensus engine to forcibly act as though all parachain",
    "blocks in all relay chain blocks up to and including the given number in the current",
    "chain are valid and should be finalized."))
def force_approve(ctx, origin, up_to: int) -> None:
    ensure_root(origin)
    ctx.deposit_log(Consensus(PARACHAINS_ENGINE_ID, CONSENSUS_LOG.encode(("ForceApprove", up_to))))


def on_initialize(ctx) -> None:
    for module in MODULES:
        module.initializer_initialize(ctx)
    HasInitialized.set(ctx.state, None)


def on_finalize(ctx) -> None:
    for module in reversed(MODULES):
        module.initializer_finalize(ctx)
    changes = BufferedSessionChanges.take(ctx.state)
    if changes:  # only the last one: the others lasted less than a block
        last = changes[-1]
        apply_new_session(ctx, last.session_index, list(last.validators), list(last.queued))
    HasInitialized.remove(ctx.state)


pallet.on_initialize = on_initialize
pallet.on_finalize = on_finalize


def session_random_seed(state) -> bytes:
    """`RandomnessFromOneEpochAgo::random(b"paras")` = blake2_256(b"paras" ‖ BABE NextRandomness)."""
    return blake2_256(b"paras" + babe.NextRandomness.get(state))


def apply_new_session(ctx, session_index: int, all_validators: list[bytes], queued: list[bytes]) -> None:
    state = ctx.state
    random_seed = session_random_seed(state)
    scheduler.pre_new_session(ctx)
    prev_config, new_config = configuration.initializer_on_new_session(ctx, session_index)
    new_config = new_config or prev_config
    validators = shared.initializer_on_new_session(ctx, session_index, random_seed, new_config, all_validators)
    notification = SessionChangeNotification(tuple(validators), tuple(queued), prev_config, new_config, random_seed,
                                             session_index)
    outgoing = paras.initializer_on_new_session(ctx, notification)
    scheduler.initializer_on_new_session(ctx, notification)
    inclusion.initializer_on_new_session(ctx, notification, outgoing)
    session_info.initializer_on_new_session(ctx, notification)
    disputes_slashing.initializer_on_new_session(ctx, notification)
    disputes.initializer_on_new_session(ctx, notification)
    dmp.initializer_on_new_session(ctx, notification, outgoing)
    hrmp.initializer_on_new_session(ctx, notification, outgoing)


def _buffer_or_apply(ctx, session_index: int, validators: list, queued: list) -> None:
    keys = [k["para_validator"] for _, k in validators]
    queued_keys = [k["para_validator"] for _, k in queued]
    if session_index == 0:  # the genesis session is enacted at once
        apply_new_session(ctx, 0, keys, queued_keys)
    else:
        BufferedSessionChanges.set(ctx.state, list(BufferedSessionChanges.get(ctx.state))
                                   + [BufferedSessionChange(tuple(keys), tuple(queued_keys), session_index)])


def on_new_session(ctx, changed: bool, validators: list, queued: list) -> None:
    """Session handler (`para_validator` key): buffer the session that just started."""
    _buffer_or_apply(ctx, session.CurrentIndex.get(ctx.state), validators, queued)


def on_genesis_session(ctx, validators: list) -> None:
    """Genesis session handler: session 0 is applied immediately (queued = the same validators)."""
    _buffer_or_apply(ctx, 0, validators, validators)


def upcoming_session_change(state) -> bool:
    return bool(BufferedSessionChanges.get(state))
