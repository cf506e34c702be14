"""The `ParachainHost` runtime API (version 11): what validators and collators ask the relay chain.

Polkadot: `polkadot/primitives/src/runtime_api.rs` (signatures, SCALE inputs/outputs) and
`polkadot/runtime/parachains/src/runtime_api_impl/v11.rs` (semantics); parachains.md §11. Each method reads
the post-state of block B (`host`). As in Polkadot, several answer for B's child: the session index
(a session change is applied at the end of B), `validator_groups`' rotation info (`now = B + 1`), the
availability cores and the claim queue (claims are refilled as B + 1 will see them). Methods that would
change state to answer (refilling claims, `OccupiedCoreAssumption::Included`) work on a throw-away overlay.
`call_table()` maps `ParachainHost_<method>` to a handler `(host, reader) -> SCALE bytes`; `RUNTIME_API`
describes them for metadata V15.
"""

from __future__ import annotations

import functools
from typing import Callable, Optional

from relaychain.primitives.parachain_types import (
    AsyncBackingParams, ApprovalVotingParams, BITVEC, BLOCK_NUMBER, CANDIDATE_EVENT, CANDIDATE_HASH, CORE_INDEX,
    CORE_STATE, EXECUTOR_PARAMS, OCCUPIED_CORE_ASSUMPTION, PARA_ID, SESSION_INDEX, VALIDATION_CODE,
    VALIDATION_CODE_HASH, VALIDATOR_ID, VALIDATOR_INDEX, CandidateCommitments, CommittedCandidateReceipt,
    DisputeState, GroupRotationInfo, OccupiedCore, PendingSlashes, PersistedValidationData, ScheduledCore,
    ScrapedOnChainVotes, SessionInfo,
)
from relaychain.primitives.scale import Reader, encode_bool, encode_u32
from relaychain.primitives.scale_types import BOOL, H256, Enum, Option, Struct, Tuple, Vec
from relaychain.runtime.errors import RuntimeApiError
from relaychain.runtime.frame_types import PHASE, event_record
from relaychain.runtime.framework import BlockContext
from relaychain.runtime.metadata import RuntimeApi, RuntimeApiMethod
from relaychain.runtime.overlay import Overlay
from relaychain.runtime.pallets import system
from relaychain.runtime.pallets.parachains import (
    configuration, disputes, disputes_slashing, dmp, hrmp, inclusion, paras, paras_inherent, scheduler, session_info,
    shared,
)
from relaychain.runtime.runtime import RUNTIME
from xcmp.types import InboundDownwardMessage, InboundHrmpMessage

API_NAME = "ParachainHost"
API_VERSION = 11

V6 = "polkadot_primitives::v6"


INBOUND_DOWNWARD_MESSAGE = InboundDownwardMessage.SCALE
INBOUND_HRMP_MESSAGE = InboundHrmpMessage.SCALE


def _btree_map(k, v) -> Struct:
    return Struct("BTreeMap", [(None, Vec(Tuple(k, v)), None)], params=[("K", k), ("V", v)])


GROUPS = Vec(Vec(VALIDATOR_INDEX))
INBOUND_HRMP_CHANNELS = _btree_map(PARA_ID, Vec(INBOUND_HRMP_MESSAGE))
CLAIM_QUEUE = _btree_map(CORE_INDEX, Vec(PARA_ID))
DISPUTES = Vec(Tuple(SESSION_INDEX, CANDIDATE_HASH, DisputeState.SCALE))
UNAPPLIED_SLASHES = Vec(Tuple(SESSION_INDEX, CANDIDATE_HASH, PendingSlashes.SCALE))
EVENT_RECORD = event_record(RUNTIME.event_type)
EVENT_TOPICS = Vec(H256)


# -- reading the block's state ------------------------------------------------------------------------------

def _ctx(host) -> BlockContext:
    """A context at block B over a throw-away overlay of its state."""
    return BlockContext(Overlay(host), RUNTIME, system.Number.get(host), system.ParentHash.get(host))


def _state_root(host) -> bytes:
    root = getattr(host, "root", None)
    if root is None:
        raise RuntimeApiError("this ParachainHost method needs the block's state (a TrieBackend with its root)")
    return root


def _with_assumption(host, para_id: int, assumption: str, build: Callable):
    """Polkadot's `with_assumption`: Included = enact the para's pending candidate first; TimedOut = as is;
    Free = None if a candidate is pending."""
    if assumption == "Included":
        ctx = _ctx(host)
        inclusion.force_enact(ctx, para_id)
        return build(ctx.state)
    if assumption == "Free" and inclusion.PendingAvailability.get(host, para_id) is not None:
        return None
    return build(host)


# -- the methods (typed) ------------------------------------------------------------------------------------

def validators(host) -> list[bytes]:
    return shared.ActiveValidatorKeys.get(host)


def validator_groups(host) -> tuple[list, GroupRotationInfo]:
    now = system.Number.get(host) + 1
    return scheduler.ValidatorGroups.get(host), scheduler.group_rotation_info(host, now)


def availability_cores(host) -> list:
    """One `CoreState` per core, as Polkadot computes it for the child block."""
    ctx = _ctx(host)
    state = ctx.state
    cores = scheduler.AvailabilityCores.get(state)
    scheduler.free_cores_and_fill_claimqueue(ctx, {}, ctx.number + 1)
    time_out_for = scheduler.availability_timeout_predicate(state, ctx.number)
    scheduled = dict(scheduler.scheduled_paras(state))
    out = []
    for i, core in enumerate(cores):
        if core == "Free":
            para = scheduled.get(i)
            out.append(("Scheduled", ScheduledCore(para, None)) if para is not None else "Free")
            continue
        pending = inclusion.PendingAvailability.get(state, core[1].para_id)
        group = scheduler.group_assigned_to_core(state, pending.core, pending.relay_parent_number + 1)
        out.append(("Occupied", OccupiedCore(
            next_up_on_available=scheduler.next_up_on_available(state, i),
            occupied_since=pending.backed_in_number,
            time_out_at=time_out_for(pending.backed_in_number)[1],
            next_up_on_time_out=scheduler.next_up_on_time_out(state, i),
            availability=pending.availability_votes,
            group_responsible=0 if group is None else group,
            candidate_hash=pending.hash,
            candidate_descriptor=pending.descriptor)))
    return out


def persisted_validation_data(host, para_id: int, assumption: str) -> Optional[PersistedValidationData]:
    number, root = system.Number.get(host), _state_root(host)
    return _with_assumption(host, para_id, assumption,
                            lambda st: paras.make_persisted_validation_data(st, para_id, number, root))


def assumed_validation_data(host, para_id: int, expected_hash: bytes) -> Optional[tuple]:
    number, root = system.Number.get(host), _state_root(host)

    def matching(st):
        pvd = paras.make_persisted_validation_data(st, para_id, number, root)
        return pvd if pvd is not None and pvd.hash() == expected_hash else None
    pvd, st = matching(host), host
    if pvd is None and inclusion.PendingAvailability.get(host, para_id) is not None:
        ctx = _ctx(host)
        inclusion.force_enact(ctx, para_id)
        pvd, st = matching(ctx.state), ctx.state
    code_hash = paras.CurrentCodeHash.get(st, para_id)
    return None if pvd is None or code_hash is None else (pvd, code_hash)


def check_validation_outputs(host, para_id: int, outputs: CandidateCommitments) -> bool:
    return inclusion.check_validation_outputs_for_runtime_api(host, para_id, system.Number.get(host), outputs)


def session_index_for_child(host) -> int:
    return shared.CurrentSessionIndex.get(host)


def validation_code(host, para_id: int, assumption: str) -> Optional[bytes]:
    return _with_assumption(host, para_id, assumption, lambda st: paras.current_code(st, para_id))


def validation_code_hash(host, para_id: int, assumption: str) -> Optional[bytes]:
    return _with_assumption(host, para_id, assumption, lambda st: paras.CurrentCodeHash.get(st, para_id))


def candidate_pending_availability(host, para_id: int) -> Optional[CommittedCandidateReceipt]:
    return inclusion.candidate_pending_availability(host, para_id)


def candidates_pending_availability(host, para_id: int) -> list:
    c = inclusion.candidate_pending_availability(host, para_id)
    return [] if c is None else [c]


@functools.lru_cache(maxsize=None)
def _fixed_event_lengths(runtime_event: Enum) -> dict[int, int]:
    """The encoded length of every RuntimeEvent whose fields have one size (most of a transfer's: Withdraw,
    Transfer, Deposit, TransactionFeePaid), by `pallet index << 8 | event index`, its first two bytes."""
    lengths = {}
    for pallet_index, (_name, codec) in runtime_event.by_index.items():
        (pallet_event,) = codec.types
        if type(pallet_event) is not Enum:
            continue
        for event_index, (_event, fields) in pallet_event.by_index.items():
            size = fields.fixed_size()
            if size is not None:
                lengths[pallet_index << 8 | event_index] = 2 + size
    return lengths


def candidate_events(host) -> list:
    """The ParaInclusion candidate events of block B, from its `System.Events`.

    Only those records are decoded: the others (a block of transfers holds thousands) are skipped by their
    SCALE layout, since this is asked of every imported block by several subsystems. The common record —
    `Phase::ApplyExtrinsic(u32)`, a fixed-size event of another pallet, no topics — is recognised from its
    bytes alone and stepped over by its length; any other goes through the types."""
    raw = host.get(system.Events.key())
    if raw is None:
        return []
    runtime_event = RUNTIME.event_type
    fixed_lengths = _fixed_event_lengths(runtime_event)
    wanted = inclusion.pallet.index  # a RuntimeEvent starts with its pallet's index
    r = Reader(raw)
    count = r.compact()
    data, pos, end = r.data, r.pos, len(r.data)
    out = []
    for _ in range(count):
        if pos + 7 <= end and data[pos] == 0 and data[pos + 5] != wanted:
            length = fixed_lengths.get(data[pos + 5] << 8 | data[pos + 6])
            if length is not None and pos + 5 + length < end and data[pos + 5 + length] == 0:
                pos += 6 + length  # phase (5) + event + an empty topics vector (1)
                continue
        r.pos = pos
        PHASE.skip(r)
        if r.pos < end and data[r.pos] == wanted:
            _pallet, event = runtime_event.decode_from(r)
            if event[0] != "UpwardMessagesReceived":
                out.append(event)
        else:
            runtime_event.skip(r)
        EVENT_TOPICS.skip(r)
        pos = r.pos
    r.pos = pos
    r.finish()
    return out


def on_chain_disputes(host) -> list[tuple[int, bytes, DisputeState]]:
    """`disputes()`: every dispute ParasDisputes keeps (the last `dispute_period` sessions)."""
    return disputes.all_disputes(host)


def unapplied_slashes(host) -> list[tuple[int, bytes, PendingSlashes]]:
    """`unapplied_slashes()`: ParasSlashing's pending past-session slashes (none here: they apply at
    conclusion, see disputes_slashing)."""
    return disputes_slashing.unapplied_slashes(host)


def disabled_validators(host) -> list[int]:
    """`disabled_validators()`: the disabled validators of the session, as active-set indices."""
    return shared.disabled_validators(host)


def claim_queue(host) -> dict[int, list[int]]:
    ctx = _ctx(host)
    scheduler.free_cores_and_fill_claimqueue(ctx, {}, ctx.number + 1)
    return {core: [e.para_id for e in entries] for core, entries in scheduler.claim_queue(ctx.state).items()}


# -- SCALE entry points ----------------------------------------------------------------------------------

_O_PVD = Option(PersistedValidationData.SCALE)
_O_CODE = Option(VALIDATION_CODE)
_O_CODE_HASH = Option(VALIDATION_CODE_HASH)
_O_RECEIPT = Option(CommittedCandidateReceipt.SCALE)
_O_ASSUMED = Option(Tuple(PersistedValidationData.SCALE, VALIDATION_CODE_HASH))
_CORES = Vec(CORE_STATE)
_VALIDATOR_GROUPS = Tuple(GROUPS, GroupRotationInfo.SCALE)


def _para(r: Reader) -> int:
    return PARA_ID.decode_from(r)


def _assumption(r: Reader) -> str:
    return OCCUPIED_CORE_ASSUMPTION.decode_from(r)


def call_table() -> dict[str, Callable]:
    """`state_call` handlers: `ParachainHost_<method>` -> fn(host, reader) -> output bytes."""
    def cfg(host):
        return configuration.active(host)
    table = {
        "validators": lambda h, r: Vec(VALIDATOR_ID).encode(validators(h)),
        "validator_groups": lambda h, r: _VALIDATOR_GROUPS.encode(validator_groups(h)),
        "availability_cores": lambda h, r: _CORES.encode(availability_cores(h)),
        "persisted_validation_data": lambda h, r: _O_PVD.encode(
            persisted_validation_data(h, _para(r), _assumption(r))),
        "assumed_validation_data": lambda h, r: _O_ASSUMED.encode(
            assumed_validation_data(h, _para(r), H256.decode_from(r))),
        "check_validation_outputs": lambda h, r: encode_bool(
            check_validation_outputs(h, _para(r), CandidateCommitments.decode_from(r))),
        "session_index_for_child": lambda h, r: encode_u32(session_index_for_child(h)),
        "validation_code": lambda h, r: _O_CODE.encode(validation_code(h, _para(r), _assumption(r))),
        "candidate_pending_availability": lambda h, r: _O_RECEIPT.encode(candidate_pending_availability(h, _para(r))),
        "candidate_events": lambda h, r: Vec(CANDIDATE_EVENT).encode(candidate_events(h)),
        "dmq_contents": lambda h, r: Vec(INBOUND_DOWNWARD_MESSAGE).encode(dmp.dmq_contents(h, _para(r))),
        "inbound_hrmp_channels_contents": lambda h, r: INBOUND_HRMP_CHANNELS.encode(
            hrmp.inbound_hrmp_channels_contents(h, _para(r))),
        "validation_code_by_hash": lambda h, r: _O_CODE.encode(paras.CodeByHash.get(h, VALIDATION_CODE_HASH.decode_from(r))),
        "on_chain_votes": lambda h, r: Option(ScrapedOnChainVotes.SCALE).encode(paras_inherent.OnChainVotes.get(h)),
        "session_info": lambda h, r: Option(SessionInfo.SCALE).encode(session_info.Sessions.get(h, r.u32())),
        "pvfs_require_precheck": lambda h, r: Vec(VALIDATION_CODE_HASH).encode(paras.PvfActiveVoteList.get(h)),
        "validation_code_hash": lambda h, r: _O_CODE_HASH.encode(validation_code_hash(h, _para(r), _assumption(r))),
        "disputes": lambda h, r: DISPUTES.encode(on_chain_disputes(h)),
        "session_executor_params": lambda h, r: Option(EXECUTOR_PARAMS).encode(
            session_info.SessionExecutorParams.get(h, r.u32())),
        "minimum_backing_votes": lambda h, r: encode_u32(cfg(h).minimum_backing_votes),
        "async_backing_params": lambda h, r: cfg(h).async_backing_params.encode(),
        "disabled_validators": lambda h, r: Vec(VALIDATOR_INDEX).encode(disabled_validators(h)),
        "unapplied_slashes": lambda h, r: UNAPPLIED_SLASHES.encode(unapplied_slashes(h)),
        "node_features": lambda h, r: BITVEC.encode(cfg(h).node_features),
        "approval_voting_params": lambda h, r: cfg(h).approval_voting_params.encode(),
        "claim_queue": lambda h, r: CLAIM_QUEUE.encode(sorted(claim_queue(h).items())),
        "candidates_pending_availability": lambda h, r: Vec(CommittedCandidateReceipt.SCALE).encode(
            candidates_pending_availability(h, _para(r))),
    }
    return {f"{API_NAME}_{name}": fn for name, fn in table.items()}


# -- metadata V15 ----------------------------------------------------------------------------------------

def _m(name: str, inputs: tuple, output, doc: str) -> RuntimeApiMethod:
    return RuntimeApiMethod(name, inputs, output, (doc,))


_P, _A = ("para_id", PARA_ID), ("assumption", OCCUPIED_CORE_ASSUMPTION)
RUNTIME_API = RuntimeApi(API_NAME, (
    _m("validators", (), Vec(VALIDATOR_ID), "Get the current validators."),
    _m("validator_groups", (), _VALIDATOR_GROUPS, "Returns the validator groups and rotation info localized based "
                                                  "on the hypothetical child of a block whose state  this is invoked "
                                                  "on."),
    _m("availability_cores", (), _CORES, "Yields information on all availability cores as relevant to the child "
                                         "block."),
    _m("persisted_validation_data", (_P, _A), _O_PVD, "Yields the persisted validation data for the given `ParaId` "
                                                      "along with an assumption that should be used if the para "
                                                      "currently occupies a core."),
    _m("assumed_validation_data", (_P, ("expected_persisted_validation_data_hash", H256)), _O_ASSUMED,
       "Returns the persisted validation data for the given `ParaId` along with the corresponding validation code "
       "hash."),
    _m("check_validation_outputs", (_P, ("outputs", CandidateCommitments.SCALE)), BOOL,
       "Checks if the given validation outputs pass the acceptance criteria."),
    _m("session_index_for_child", (), SESSION_INDEX, "Returns the session index expected at a child of the block."),
    _m("validation_code", (_P, _A), _O_CODE, "Fetch the validation code used by a para, making the given "
                                             "`OccupiedCoreAssumption`."),
    _m("candidate_pending_availability", (_P,), _O_RECEIPT, "Get the receipt of a candidate pending availability."),
    _m("candidate_events", (), Vec(CANDIDATE_EVENT), "Get a vector of events concerning candidates that occurred "
                                                      "within a block."),
    _m("dmq_contents", (("recipient", PARA_ID),), Vec(INBOUND_DOWNWARD_MESSAGE), "Get all the pending inbound "
                                                                                "messages in the downward message "
                                                                                "queue for a para."),
    _m("inbound_hrmp_channels_contents", (("recipient", PARA_ID),), INBOUND_HRMP_CHANNELS,
       "Get the contents of all channels addressed to the given recipient."),
    _m("validation_code_by_hash", (("hash", VALIDATION_CODE_HASH),), _O_CODE, "Get the validation code from its "
                                                                              "hash."),
    _m("on_chain_votes", (), Option(ScrapedOnChainVotes.SCALE), "Scrape dispute relevant from on-chain, backing "
                                                                 "votes and resolved disputes."),
    _m("session_info", (("index", SESSION_INDEX),), Option(SessionInfo.SCALE), "Get the session info for the given "
                                                                               "session, if stored."),
    _m("pvfs_require_precheck", (), Vec(VALIDATION_CODE_HASH), "Returns code hashes of PVFs that require "
                                                              "pre-checking by validators in the active set."),
    _m("validation_code_hash", (_P, _A), _O_CODE_HASH, "Fetch the hash of the validation code used by a para, "
                                                       "making the given `OccupiedCoreAssumption`."),
    _m("disputes", (), DISPUTES, "Returns all onchain disputes."),
    _m("session_executor_params", (("session_index", SESSION_INDEX),), Option(EXECUTOR_PARAMS),
       "Returns execution parameters for the session."),
    _m("unapplied_slashes", (), UNAPPLIED_SLASHES, "Returns a list of validators that lost a past session dispute "
                                                   "and need to be slashed."),
    _m("minimum_backing_votes", (), BLOCK_NUMBER, "Get the minimum number of backing votes for a parachain "
                                                  "candidate."),
    _m("async_backing_params", (), AsyncBackingParams.SCALE, "Returns candidate's acceptance limitations for "
                                                             "asynchronous backing for a relay parent."),
    _m("disabled_validators", (), Vec(VALIDATOR_INDEX), "Returns a list of all disabled validators at the given "
                                                        "block."),
    _m("node_features", (), BITVEC, "Get node features."),
    _m("approval_voting_params", (), ApprovalVotingParams.SCALE, "Approval voting configuration parameters"),
    _m("claim_queue", (), CLAIM_QUEUE, "Claim queue"),
    _m("candidates_pending_availability", (_P,), Vec(CommittedCandidateReceipt.SCALE),
       "Elastic scaling support"),
), ("The API for querying the state of parachains on-chain.",))

__all__ = ["API_NAME", "API_VERSION", "RUNTIME_API", "call_table", "DisputeState"] + [
    "validators", "validator_groups", "availability_cores", "persisted_validation_data", "assumed_validation_data",
    "check_validation_outputs", "session_index_for_child", "validation_code", "validation_code_hash",
    "candidate_pending_availability", "candidates_pending_availability", "candidate_events", "claim_queue",
    "on_chain_disputes", "unapplied_slashes", "disabled_validators"]
