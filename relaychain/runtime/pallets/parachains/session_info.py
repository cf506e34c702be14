"""ParaSessionInfo (index 61): what approval checkers and disputes need of each session, kept for
`dispute_period` sessions.

Polkadot: `polkadot/runtime/parachains/src/session_info.rs`; parachains.md §4 (`SessionInfo`), §8.
At each session change (after Shared and Scheduler have set the new active set and groups) a
`SessionInfo` is stored for the new session: the active validators' keys, their discovery keys (active
first, then the rest), assignment keys, groups, core count and the approval parameters of the new
configuration, with the BABE-derived random seed. Sessions older than `new - dispute_period` are pruned.
Departure: Polkadot's genesis session has no assignment keys (its session handler sets
`AssignmentKeysUnsafe` only at later rotations); here the genesis handler sets them too, so session 0 can be
approval-checked.
"""

from __future__ import annotations

from relaychain.primitives.parachain_types import ASSIGNMENT_ID, EXECUTOR_PARAMS, SESSION_INDEX, SessionInfo
from relaychain.primitives.scale_types import ACCOUNT_ID, Vec
from relaychain.runtime.framework import Pallet
from relaychain.runtime.pallets import session
from relaychain.runtime.pallets.parachains import configuration, scheduler, shared

pallet = Pallet("ParaSessionInfo", 61, "polkadot_runtime_parachains::session_info")

AssignmentKeysUnsafe = pallet.storage_value("AssignmentKeysUnsafe", Vec(ASSIGNMENT_ID), default=[], docs=(
    "Assignment keys for the current session.",
    "Note that this API is private due to it being prone to 'off-by-one' at session boundaries.",
    "When in doubt, use `Sessions` API instead."))
EarliestStoredSession = pallet.storage_value("EarliestStoredSession", SESSION_INDEX, default=0, docs=(
    "The earliest session for which previous session info is stored.",))
Sessions = pallet.storage_map("Sessions", [("Identity", SESSION_INDEX)], SessionInfo.SCALE, optional=True, docs=(
    "Session information in a rolling window.",
    "Should have an entry in range `EarliestStoredSession..=CurrentSessionIndex`.",
    "Does not have any entries before the session index in the first session change notification."))
AccountKeys = pallet.storage_map("AccountKeys", [("Identity", SESSION_INDEX)], Vec(ACCOUNT_ID), optional=True, docs=(
    "The validator account keys of the validators actively participating in parachain consensus.",))
SessionExecutorParams = pallet.storage_map("SessionExecutorParams", [("Identity", SESSION_INDEX)], EXECUTOR_PARAMS,
                                           optional=True, docs=("Executor parameter set for a given session index",))


def on_new_session(ctx, changed: bool, validators: list, queued: list) -> None:
    """Session handler of the `para_assignment` key: the new session's assignment keys."""
    AssignmentKeysUnsafe.set(ctx.state, [k["para_assignment"] for _, k in validators])


def on_genesis_session(ctx, validators: list) -> None:
    """Departure (module docstring): session 0's assignment keys are known at genesis."""
    AssignmentKeysUnsafe.set(ctx.state, [k["para_assignment"] for _, k in validators])


def initializer_on_new_session(ctx, notification) -> None:
    state = ctx.state
    cfg = configuration.active(state)
    new_index = notification.session_index
    old_earliest = EarliestStoredSession.get(state)
    new_earliest = max(new_index - cfg.dispute_period, old_earliest, 0)
    if old_earliest != 0 or Sessions.get(state, 0) is not None:
        for index in range(old_earliest, new_earliest):
            Sessions.remove(state, index)
            AccountKeys.remove(state, index)
            SessionExecutorParams.remove(state, index)
        EarliestStoredSession.set(state, new_earliest)
    else:
        EarliestStoredSession.set(state, new_index)
    active = shared.ActiveValidatorIndices.get(state)
    accounts = session.Validators.get(state)
    keys = {who: k for who, k in session.current_keys(state)}
    discovery = [keys[a]["authority_discovery"] for a in accounts if a in keys]
    assignment = AssignmentKeysUnsafe.get(state)
    AccountKeys.set(state, [accounts[i] for i in active if i < len(accounts)], new_index)
    info = SessionInfo(
        active_validator_indices=tuple(active),
        random_seed=notification.random_seed,
        dispute_period=cfg.dispute_period,
        validators=tuple(notification.validators),
        discovery_keys=tuple([discovery[i] for i in active if i < len(discovery)]
                             + [k for i, k in enumerate(discovery) if i not in set(active)]),
        assignment_keys=tuple(assignment[i] for i in active if i < len(assignment)),
        validator_groups=tuple(tuple(g) for g in scheduler.ValidatorGroups.get(state)),
        n_cores=len(scheduler.AvailabilityCores.get(state)),
        zeroth_delay_tranche_width=cfg.zeroth_delay_tranche_width,
        relay_vrf_modulo_samples=cfg.relay_vrf_modulo_samples,
        n_delay_tranches=cfg.n_delay_tranches,
        no_show_slots=cfg.no_show_slots,
        needed_approvals=cfg.needed_approvals,
    )
    Sessions.set(state, info, new_index)
    SessionExecutorParams.set(state, cfg.executor_params, new_index)


def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass
