"""Configuration (index 51): the parachain host's parameters (`HostConfiguration`), changed by Root two
sessions ahead.

Polkadot: `polkadot/runtime/parachains/src/configuration.rs`; parachains.md §13 (field order of spec 1002005,
presets, consistency checks). `ActiveConfig` is what every parachain pallet reads. A `set_*` call folds its
change into the configuration pending for session `current + SESSION_DELAY` (2) (`PendingConfigs`, at most
one entry for the next session and one for the scheduled one) after checking the result is consistent
(`InvalidNewValue` otherwise, unless the base was already inconsistent or `BypassConsistencyCheck` is set);
at each session change the pending configuration whose session has come becomes active.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

from relaychain.primitives.parachain_types import (
    EXECUTOR_PARAMS, MAX_CODE_SIZE, MAX_HEAD_DATA_SIZE, MAX_HORIZONTAL_MESSAGE_NUM, MAX_UPWARD_MESSAGE_NUM,
    SESSION_INDEX, ApprovalVotingParams, AsyncBackingParams,
)
from relaychain.primitives.scale_types import BOOL, U8, U32, U128, BitVec, Option, Tuple, Vec, scale_struct, sfield
from relaychain.runtime.frame_types import PERBILL, Weight
from relaychain.runtime.framework import DispatchError, Pallet, ensure_root
from relaychain.runtime.pallets.parachains import shared

pallet = Pallet("Configuration", 51, "polkadot_runtime_parachains::configuration")

POV_SIZE_HARD_LIMIT = 16 * 1024 * 1024
MAX_UPWARD_MESSAGE_SIZE_BOUND = 128 * 1024
HRMP_MAX_INBOUND_CHANNELS_BOUND = 128
HRMP_MAX_OUTBOUND_CHANNELS_BOUND = 128
ON_DEMAND_MAX_QUEUE_MAX_SIZE = 1_000_000_000
PERBILL_ONE = 1_000_000_000


@scale_struct("polkadot_runtime_parachains::configuration::HostConfiguration", params=[("BlockNumber", U32)])
class HostConfiguration:
    """All parachain host parameters, spec 1002005 field order (§13). Defaults are Polkadot's `Default`."""

    max_code_size: int = sfield(U32, "u32", default=0)
    max_head_data_size: int = sfield(U32, "u32", default=0)
    max_upward_queue_count: int = sfield(U32, "u32", default=0)
    max_upward_queue_size: int = sfield(U32, "u32", default=0)
    max_upward_message_size: int = sfield(U32, "u32", default=0)
    max_upward_message_num_per_candidate: int = sfield(U32, "u32", default=0)
    hrmp_max_message_num_per_candidate: int = sfield(U32, "u32", default=0)
    validation_upgrade_cooldown: int = sfield(U32, "BlockNumber", default=0)
    validation_upgrade_delay: int = sfield(U32, "BlockNumber", default=2)
    async_backing_params: AsyncBackingParams = sfield(AsyncBackingParams.SCALE, "AsyncBackingParams",
                                                      default=AsyncBackingParams(0, 0))
    max_pov_size: int = sfield(U32, "u32", default=0)
    max_downward_message_size: int = sfield(U32, "u32", default=0)
    hrmp_max_parachain_outbound_channels: int = sfield(U32, "u32", default=0)
    hrmp_sender_deposit: int = sfield(U128, "Balance", default=0)
    hrmp_recipient_deposit: int = sfield(U128, "Balance", default=0)
    hrmp_channel_max_capacity: int = sfield(U32, "u32", default=0)
    hrmp_channel_max_total_size: int = sfield(U32, "u32", default=0)
    hrmp_max_parachain_inbound_channels: int = sfield(U32, "u32", default=0)
    hrmp_channel_max_message_size: int = sfield(U32, "u32", default=0)
    executor_params: tuple = sfield(EXECUTOR_PARAMS, "ExecutorParams", default=())
    code_retention_period: int = sfield(U32, "BlockNumber", default=0)
    coretime_cores: int = sfield(U32, "u32", default=0)
    on_demand_retries: int = sfield(U32, "u32", default=0)
    on_demand_queue_max_size: int = sfield(U32, "u32", default=10_000)
    on_demand_target_queue_utilization: int = sfield(PERBILL, "Perbill", default=250_000_000)
    on_demand_fee_variability: int = sfield(PERBILL, "Perbill", default=30_000_000)
    on_demand_base_fee: int = sfield(U128, "Balance", default=10_000_000)
    on_demand_ttl: int = sfield(U32, "BlockNumber", default=5)
    group_rotation_frequency: int = sfield(U32, "BlockNumber", default=1)
    paras_availability_period: int = sfield(U32, "BlockNumber", default=1)
    scheduling_lookahead: int = sfield(U32, "u32", default=1)
    max_validators_per_core: Optional[int] = sfield(Option(U32), "Option<u32>", default=None)
    max_validators: Optional[int] = sfield(Option(U32), "Option<u32>", default=None)
    dispute_period: int = sfield(SESSION_INDEX, "SessionIndex", default=6)
    dispute_post_conclusion_acceptance_period: int = sfield(U32, "BlockNumber", default=100)
    no_show_slots: int = sfield(U32, "u32", default=1)
    n_delay_tranches: int = sfield(U32, "u32", default=0)
    zeroth_delay_tranche_width: int = sfield(U32, "u32", default=0)
    needed_approvals: int = sfield(U32, "u32", default=0)
    relay_vrf_modulo_samples: int = sfield(U32, "u32", default=0)
    pvf_voting_ttl: int = sfield(SESSION_INDEX, "SessionIndex", default=2)
    minimum_validation_upgrade_delay: int = sfield(U32, "BlockNumber", default=2)
    minimum_backing_votes: int = sfield(U32, "u32", default=2)
    node_features: tuple = sfield(BitVec(), "NodeFeatures", default=())
    approval_voting_params: ApprovalVotingParams = sfield(ApprovalVotingParams.SCALE, "ApprovalVotingParams",
                                                          default=ApprovalVotingParams(1))


HOST_CONFIGURATION = HostConfiguration.SCALE


class InconsistentConfiguration(ValueError):
    """A HostConfiguration breaking one of Polkadot's `InconsistentError` rules; `kind` names the rule."""

    def __init__(self, kind: str, detail: str):
        self.kind = kind
        super().__init__(f"inconsistent host configuration ({kind}): {detail}")


def check_consistency(c: HostConfiguration) -> None:
    """`HostConfiguration::check_consistency`: raises InconsistentConfiguration on the first rule broken."""
    rules = [
        (c.group_rotation_frequency == 0, "ZeroGroupRotationFrequency", "group_rotation_frequency must not be 0"),
        (c.paras_availability_period == 0, "ZeroParasAvailabilityPeriod", "paras_availability_period must not be 0"),
        (c.no_show_slots == 0, "ZeroNoShowSlots", "no_show_slots must not be 0"),
        (c.max_code_size > MAX_CODE_SIZE, "MaxCodeSizeExceedHardLimit", f"max_code_size > {MAX_CODE_SIZE}"),
        (c.max_head_data_size > MAX_HEAD_DATA_SIZE, "MaxHeadDataSizeExceedHardLimit",
         f"max_head_data_size > {MAX_HEAD_DATA_SIZE}"),
        (c.max_pov_size > POV_SIZE_HARD_LIMIT, "MaxPovSizeExceedHardLimit", f"max_pov_size > {POV_SIZE_HARD_LIMIT}"),
        (c.minimum_validation_upgrade_delay <= c.paras_availability_period,
         "MinimumValidationUpgradeDelayLessThanChainAvailabilityPeriod",
         "minimum_validation_upgrade_delay must exceed paras_availability_period"),
        (c.validation_upgrade_delay <= 1, "ValidationUpgradeDelayIsTooLow", "validation_upgrade_delay must exceed 1"),
        (c.max_upward_message_size > MAX_UPWARD_MESSAGE_SIZE_BOUND, "MaxUpwardMessageSizeExceeded",
         f"max_upward_message_size > {MAX_UPWARD_MESSAGE_SIZE_BOUND}"),
        (c.hrmp_max_message_num_per_candidate > MAX_HORIZONTAL_MESSAGE_NUM, "MaxHorizontalMessageNumExceeded",
         f"hrmp_max_message_num_per_candidate > {MAX_HORIZONTAL_MESSAGE_NUM}"),
        (c.max_upward_message_num_per_candidate > MAX_UPWARD_MESSAGE_NUM, "MaxUpwardMessageNumExceeded",
         f"max_upward_message_num_per_candidate > {MAX_UPWARD_MESSAGE_NUM}"),
        (c.hrmp_max_parachain_outbound_channels > HRMP_MAX_OUTBOUND_CHANNELS_BOUND, "MaxHrmpOutboundChannelsExceeded",
         f"hrmp_max_parachain_outbound_channels > {HRMP_MAX_OUTBOUND_CHANNELS_BOUND}"),
        (c.hrmp_max_parachain_inbound_channels > HRMP_MAX_INBOUND_CHANNELS_BOUND, "MaxHrmpInboundChannelsExceeded",
         f"hrmp_max_parachain_inbound_channels > {HRMP_MAX_INBOUND_CHANNELS_BOUND}"),
        (c.minimum_backing_votes == 0, "ZeroMinimumBackingVotes", "minimum_backing_votes must not be 0"),
        (not _executor_params_consistent(c.executor_params), "InconsistentExecutorParams",
         "executor_params repeat a parameter"),
        (c.scheduling_lookahead == 0, "LookaheadZero", "scheduling_lookahead must not be 0"),
        (c.on_demand_queue_max_size > ON_DEMAND_MAX_QUEUE_MAX_SIZE, "OnDemandQueueSizeTooLarge",
         f"on_demand_queue_max_size > {ON_DEMAND_MAX_QUEUE_MAX_SIZE}"),
    ]
    for broken, kind, detail in rules:
        if broken:
            raise InconsistentConfiguration(kind, detail)


def _executor_params_consistent(params) -> bool:
    """`ExecutorParams::check_consistency`, as far as this runtime interprets them: no parameter twice
    (the timeouts are keyed by their kind)."""
    seen = set()
    for p in params:
        name = p if isinstance(p, str) else p[0]
        key = (name, p[1][0]) if name in ("PvfPrepTimeout", "PvfExecTimeout") else name
        if key in seen:
            return False
        seen.add(key)
    return True


def is_consistent(c: HostConfiguration) -> bool:
    try:
        check_consistency(c)
    except InconsistentConfiguration:
        return False
    return True


# -- presets ---------------------------------------------------------------------------------------------

MIB = 1024 * 1024


def dev_config(n_paras: int = 0) -> HostConfiguration:
    """The dev preset (§13 "dev" column, the fellows local-testnet values) tuned for 1 s relay blocks:
    availability 4 blocks, group rotation every 10 blocks, lookahead 3, async backing {3, 2}, two backing
    votes (groups of two or more). `coretime_cores` = number of genesis paras. No node features: this runtime
    checks neither elastic scaling's injected core index nor v2 receipts."""
    return HostConfiguration(
        max_code_size=3 * MIB, max_head_data_size=32 * 1024, max_upward_queue_count=8, max_upward_queue_size=MIB,
        max_upward_message_size=50 * 1024, max_upward_message_num_per_candidate=5,
        hrmp_max_message_num_per_candidate=5, validation_upgrade_cooldown=2, validation_upgrade_delay=2,
        async_backing_params=AsyncBackingParams(3, 2), max_pov_size=10 * MIB, max_downward_message_size=MIB,
        hrmp_max_parachain_outbound_channels=4, hrmp_sender_deposit=0, hrmp_recipient_deposit=0,
        hrmp_channel_max_capacity=8, hrmp_channel_max_total_size=8 * 1024, hrmp_max_parachain_inbound_channels=4,
        hrmp_channel_max_message_size=MIB, executor_params=(), code_retention_period=1200, coretime_cores=n_paras,
        on_demand_retries=0, group_rotation_frequency=10, paras_availability_period=4, scheduling_lookahead=3,
        max_validators_per_core=None, max_validators=None, dispute_period=6,
        dispute_post_conclusion_acceptance_period=100, no_show_slots=2, n_delay_tranches=6,
        zeroth_delay_tranche_width=0, needed_approvals=2, relay_vrf_modulo_samples=2, pvf_voting_ttl=2,
        minimum_validation_upgrade_delay=5, minimum_backing_votes=2, node_features=(),
        approval_voting_params=ApprovalVotingParams(1))


def polkadot_like_config(n_paras: int = 0) -> HostConfiguration:
    """Polkadot-like values (§13 right column; indicative, not read from chain state)."""
    return replace(
        dev_config(n_paras), max_head_data_size=20_480, max_upward_queue_count=10, max_upward_queue_size=51_200,
        max_upward_message_size=51_200, max_upward_message_num_per_candidate=10,
        hrmp_max_message_num_per_candidate=10, validation_upgrade_cooldown=14_400, validation_upgrade_delay=600,
        max_pov_size=5 * MIB, max_downward_message_size=51_200, hrmp_max_parachain_outbound_channels=10,
        hrmp_sender_deposit=100_000_000_000, hrmp_recipient_deposit=100_000_000_000, hrmp_channel_max_capacity=1000,
        hrmp_channel_max_total_size=102_400, hrmp_max_parachain_inbound_channels=10,
        hrmp_channel_max_message_size=102_400, code_retention_period=14_400, paras_availability_period=10,
        max_validators_per_core=5, dispute_post_conclusion_acceptance_period=600, n_delay_tranches=89,
        needed_approvals=30, relay_vrf_modulo_samples=6, minimum_validation_upgrade_delay=20)


PRESETS = {"dev": dev_config, "polkadot_like": polkadot_like_config}

# -- storage ---------------------------------------------------------------------------------------------

ActiveConfig = pallet.storage_value("ActiveConfig", HOST_CONFIGURATION, default=HostConfiguration(), docs=(
    "The active configuration for the current session.",))
PendingConfigs = pallet.storage_value("PendingConfigs", Vec(Tuple(SESSION_INDEX, HOST_CONFIGURATION)), default=[],
                                      docs=("Pending configuration changes.", "",
                                            "This is a list of configuration changes, each with a session index at "
                                            "which it should", "be applied.", "",
                                            "The list is sorted ascending by session index. Also, this list can only "
                                            "contain at most", "2 items: for the next session and for the "
                                            "`scheduled_session`."))
BypassConsistencyCheck = pallet.storage_value("BypassConsistencyCheck", BOOL, default=False, docs=(
    "If this is set, then the configuration setters will bypass the consistency checks. This",
    "is meant to be used only as the last resort."))

pallet.error("InvalidNewValue", ("The new value for a configuration parameter is invalid.",))


_decoded: dict[bytes, HostConfiguration] = {}


def active(state) -> HostConfiguration:
    """The configuration every parachain pallet reads this block. Every pallet asks, several times a block,
    and the value changes once a session: decoding is memoised by the stored bytes (a HostConfiguration is
    immutable, so sharing one is safe and the result is the same as decoding)."""
    raw = state.get(ActiveConfig.key())
    if raw is None:
        return ActiveConfig.default
    config = _decoded.get(raw)
    if config is None:
        if len(_decoded) > 64:
            _decoded.clear()
        config = _decoded[raw] = HOST_CONFIGURATION.decode(raw)
    return config


# -- scheduling changes ----------------------------------------------------------------------------------

def schedule_config_update(ctx, updater: Callable[[HostConfiguration], HostConfiguration]) -> None:
    """Fold `updater` into the configuration pending for `scheduled_session` (based on the latest pending one,
    else the active one); refuse with InvalidNewValue a change that makes a consistent base inconsistent."""
    state = ctx.state
    pending = list(PendingConfigs.get(state))
    base = pending[-1][1] if pending else ActiveConfig.get(state)
    base_consistent = is_consistent(base)
    new = updater(base)
    if not BypassConsistencyCheck.get(state) and base_consistent and not is_consistent(new):
        raise pallet.fail("InvalidNewValue")
    at = shared.scheduled_session(state)
    for i, (session_index, _) in enumerate(pending):
        if session_index >= at:
            pending[i] = (session_index, new)
            break
    else:
        pending.append((at, new))
    PendingConfigs.set(state, pending)


def initializer_on_new_session(ctx, session_index: int) -> tuple[HostConfiguration, Optional[HostConfiguration]]:
    """Apply the pending configuration whose session has come: (previous config, new config or None)."""
    state = ctx.state
    pending = PendingConfigs.get(state)
    prev = ActiveConfig.get(state)
    if not pending:
        return prev, None
    due = [c for at, c in pending if at <= session_index]
    future = [(at, c) for at, c in pending if at > session_index]
    new = due[-1] if due else None
    if new is not None:
        ActiveConfig.set(state, new)
    PendingConfigs.set(state, future)
    return prev, new


def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def genesis(state, config: HostConfiguration) -> None:
    """GenesisConfig: the configuration must be consistent."""
    check_consistency(config)
    ActiveConfig.set(state, config)


# -- calls -----------------------------------------------------------------------------------------------

SETTER_WEIGHT = Weight(10_000_000, 2_000)


def _setter(index: int, name: str, field: str, type_, type_name: str, doc: str):
    def call(ctx, origin, new) -> None:
        ensure_root(origin)
        schedule_config_update(ctx, lambda c: replace(c, **{field: new}))
    call.__name__ = name
    return pallet.call(index, [("new", type_, type_name)], weight=SETTER_WEIGHT, dispatch_class="Operational",
                       docs=(doc,))(call)


_BN = (U32, "BlockNumberFor<T>")
_SETTERS = [
    (0, "validation_upgrade_cooldown", _BN, "Set the validation upgrade cooldown."),
    (1, "validation_upgrade_delay", _BN, "Set the validation upgrade delay."),
    (2, "code_retention_period", _BN, "Set the acceptance period for an included candidate."),
    (3, "max_code_size", (U32, "u32"), "Set the max validation code size for incoming upgrades."),
    (4, "max_pov_size", (U32, "u32"), "Set the max POV block size for incoming upgrades."),
    (5, "max_head_data_size", (U32, "u32"), "Set the max head data size for paras."),
    (6, "coretime_cores", (U32, "u32"), "Set the number of coretime execution cores."),
    (7, "on_demand_retries", (U32, "u32"), "Set the max number of times a claim may timeout on a core before it is "
                                           "abandoned"),
    (8, "group_rotation_frequency", _BN, "Set the parachain validator-group rotation frequency"),
    (9, "paras_availability_period", _BN, "Set the availability period for paras."),
    (11, "scheduling_lookahead", (U32, "u32"), "Set the scheduling lookahead, in expected number of blocks at peak "
                                               "throughput."),
    (12, "max_validators_per_core", (Option(U32), "Option<u32>"), "Set the maximum number of validators to assign to "
                                                                  "any core."),
    (13, "max_validators", (Option(U32), "Option<u32>"), "Set the maximum number of validators to use in parachain "
                                                         "consensus."),
    (14, "dispute_period", (SESSION_INDEX, "SessionIndex"), "Set the dispute period, in number of sessions to keep "
                                                            "for disputes."),
    (15, "dispute_post_conclusion_acceptance_period", _BN, "Set the dispute post conclusion acceptance period."),
    (18, "no_show_slots", (U32, "u32"), "Set the no show slots, in number of number of consensus slots."),
    (19, "n_delay_tranches", (U32, "u32"), "Set the total number of delay tranches."),
    (20, "zeroth_delay_tranche_width", (U32, "u32"), "Set the zeroth delay tranche width."),
    (21, "needed_approvals", (U32, "u32"), "Set the number of validators needed to approve a block."),
    (22, "relay_vrf_modulo_samples", (U32, "u32"), "Set the number of samples to do of the `RelayVRFModulo` approval "
                                                   "assignment criterion."),
    (23, "max_upward_queue_count", (U32, "u32"), "Sets the maximum items that can present in a upward dispatch queue "
                                                 "at once."),
    (24, "max_upward_queue_size", (U32, "u32"), "Sets the maximum total size of items that can present in a upward "
                                                "dispatch queue at once."),
    (25, "max_downward_message_size", (U32, "u32"), "Set the critical downward message size."),
    (27, "max_upward_message_size", (U32, "u32"), "Sets the maximum size of an upward message that can be sent by a "
                                                  "candidate."),
    (28, "max_upward_message_num_per_candidate", (U32, "u32"), "Sets the maximum number of messages that a candidate "
                                                               "can contain."),
]
_SETTERS_2 = [
    (30, "hrmp_sender_deposit", (U128, "Balance"), "Sets the amount of funds that the sender should provide for "
                                                   "opening an HRMP channel."),
    (31, "hrmp_recipient_deposit", (U128, "Balance"), "Sets the amount of funds that the recipient should provide "
                                                      "for accepting opening an HRMP channel."),
    (32, "hrmp_channel_max_capacity", (U32, "u32"), "Sets the maximum number of messages allowed in an HRMP channel "
                                                    "at once."),
    (33, "hrmp_channel_max_total_size", (U32, "u32"), "Sets the maximum total size of messages in bytes allowed in an "
                                                      "HRMP channel at once."),
    (34, "hrmp_max_parachain_inbound_channels", (U32, "u32"), "Sets the maximum number of inbound HRMP channels a "
                                                              "parachain is allowed to accept."),
    (36, "hrmp_channel_max_message_size", (U32, "u32"), "Sets the maximum size of a message that could ever be put "
                                                        "into an HRMP channel."),
    (37, "hrmp_max_parachain_outbound_channels", (U32, "u32"), "Sets the maximum number of outbound HRMP channels a "
                                                               "parachain is allowed to open."),
    (39, "hrmp_max_message_num_per_candidate", (U32, "u32"), "Sets the maximum number of outbound HRMP messages can "
                                                             "be sent by a candidate."),
    (42, "pvf_voting_ttl", (SESSION_INDEX, "SessionIndex"), "Set the number of session changes after which a PVF "
                                                            "pre-checking voting is rejected."),
    (43, "minimum_validation_upgrade_delay", _BN, "Sets the minimum delay between announcing the upgrade block for a "
                                                  "parachain until the upgrade taking place."),
]
_SETTERS_3 = [
    (45, "async_backing_params", (AsyncBackingParams.SCALE, "AsyncBackingParams"), "Set the asynchronous backing "
                                                                                   "parameters."),
    (46, "executor_params", (EXECUTOR_PARAMS, "ExecutorParams"), "Set PVF executor parameters."),
    (47, "on_demand_base_fee", (U128, "Balance"), "Set the on demand (parathreads) base fee."),
    (48, "on_demand_fee_variability", (PERBILL, "Perbill"), "Set the on demand (parathreads) fee variability."),
    (49, "on_demand_queue_max_size", (U32, "u32"), "Set the on demand (parathreads) queue max size."),
    (50, "on_demand_target_queue_utilization", (PERBILL, "Perbill"), "Set the on demand (parathreads) fee "
                                                                     "variability."),
    (51, "on_demand_ttl", _BN, "Set the on demand (parathreads) ttl in the claimqueue."),
    (52, "minimum_backing_votes", (U32, "u32"), "Set the minimum backing votes threshold."),
]

for _i, _field, (_t, _tn), _doc in _SETTERS:
    _setter(_i, f"set_{_field}", _field, _t, _tn, _doc)


@pallet.call(29, [("new", U32, "u32")], weight=SETTER_WEIGHT, dispatch_class="Operational", docs=(
    "Sets the number of sessions after which an HRMP open channel request expires.",))
def set_hrmp_open_request_ttl(ctx, origin, new: int) -> None:
    """Deprecated in Polkadot: always fails."""
    ensure_root(origin)
    raise DispatchError("Other", "This functionality is deprecated")


for _i, _field, (_t, _tn), _doc in _SETTERS_2:
    _setter(_i, f"set_{_field}", _field, _t, _tn, _doc)


@pallet.call(44, [("new", BOOL, "bool")], weight=SETTER_WEIGHT, dispatch_class="Operational", docs=(
    "Setting this to true will disable consistency checks for the configuration setters.",
    "Use with caution."))
def set_bypass_consistency_check(ctx, origin, new: bool) -> None:
    ensure_root(origin)
    BypassConsistencyCheck.set(ctx.state, new)


for _i, _field, (_t, _tn), _doc in _SETTERS_3:
    _setter(_i, f"set_{_field}", _field, _t, _tn, _doc)


@pallet.call(53, [("index", U8, "u8"), ("value", BOOL, "bool")], weight=SETTER_WEIGHT, dispatch_class="Operational",
             docs=("Set/Unset a node feature.",))
def set_node_feature(ctx, origin, index: int, value: bool) -> None:
    ensure_root(origin)

    def update(c: HostConfiguration) -> HostConfiguration:
        bits = list(c.node_features) + [False] * max(0, index + 1 - len(c.node_features))
        bits[index] = value
        return replace(c, node_features=tuple(bits))
    schedule_config_update(ctx, update)


@pallet.call(54, [("new", ApprovalVotingParams.SCALE, "ApprovalVotingParams")], weight=SETTER_WEIGHT,
             dispatch_class="Operational", docs=("Set approval-voting-params.",))
def set_approval_voting_params(ctx, origin, new) -> None:
    ensure_root(origin)
    schedule_config_update(ctx, lambda c: replace(c, approval_voting_params=new))
