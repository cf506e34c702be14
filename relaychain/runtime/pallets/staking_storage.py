"""pallet_staking (index 7) declarations: its types, storage, events, errors and constants.

Substrate: `substrate/frame/staking/src/{lib.rs, pallet/mod.rs}` and `sp_staking` (exposures). Names,
field orders, hashers and variant indices follow Polkadot's V14 metadata (rpc.md §11,
`vectors/metadata/polkadot-v14-decoded-summary.json`). The rules live in `staking_ledger.py` (bonds and
locks), `staking_era.py` (elections, eras, rewards), `staking_slashing.py` and `staking.py` (calls).

Controllers are deprecated (as on Polkadot today): every stash is its own controller, so `Bonded[stash]
== stash` and `Ledger` is keyed by the stash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relaychain.primitives.scale import ScaleDecodeError
from relaychain.runtime.frame_types import COMPACT_U32, COMPACT_U128, PERBILL, bounded_vec
from relaychain.runtime.framework import Pallet, account_field
from relaychain.primitives.scale_types import (
    ACCOUNT_ID, BOOL, U8, U32, U64, U128, Compact, Enum, Field, Option, Struct, Tuple, Variant, Vec,
)

pallet = Pallet("Staking", 7, "pallet_staking")

PERBILL_ONE = 1_000_000_000

# -- parameters (Polkadot's `parameter_types!` for pallet_staking; dev-chain values) ------------------
# Read through these module globals at run time, so a test may shorten an era or a bonding period.
SESSIONS_PER_ERA = 2           # Polkadot: 6; dev/fast runtimes use 1
BONDING_DURATION = 2           # eras an unbonded chunk stays locked (Polkadot: 28)
SLASH_DEFER_DURATION = 0       # slashes apply at once (Polkadot: 27, with governance cancellation)
HISTORY_DEPTH = 84             # eras of exposure/reward history kept (Polkadot: 84)
MAX_EXPOSURE_PAGE_SIZE = 512   # nominators per ErasStakersPaged page (Polkadot: 512)
MAX_UNLOCKING_CHUNKS = 32      # Polkadot: 32
MAX_NOMINATIONS = 16           # Polkadot's NominationsQuota (a fixed 16; not a Staking metadata constant)
BALANCING_ITERATIONS = 10      # seq-Phragmén post-processing (npos.md §5), tolerance 0
MILLISECONDS_PER_YEAR = 1000 * 3600 * 24 * 36525 // 100
ANNUAL_INFLATION_PERBILL = 100_000_000  # 10% of issuance a year, all to validators (dev; see staking_era)
STAKING_LOCK_ID = b"staking "  # pallet_staking's LockIdentifier
AUTHOR_REWARD_POINTS = 20      # pallet_staking's `note_author` reward

# -- types -------------------------------------------------------------------------------------


class _CompactPerbill(Compact):
    """`Compact<Perbill>`: a value above one part per part is not a Perbill (sp_arithmetic CompactAs)."""

    def decode_from(self, r):
        v = r.compact()
        if v > PERBILL_ONE:
            raise ScaleDecodeError(f"Perbill of {v} parts is greater than one ({PERBILL_ONE})")
        return v

    def encode(self, value):
        if type(value) is not int or not 0 <= value <= PERBILL_ONE:
            raise ValueError(f"{value!r} is not a Perbill")
        return super().encode(value)


COMPACT_PERBILL = _CompactPerbill(PERBILL)


@dataclass(frozen=True)
class UnlockChunk:
    """`pallet_staking::UnlockChunk`: `value` becomes withdrawable once era `era` is current."""

    value: int
    era: int


@dataclass(frozen=True)
class StakingLedger:
    """`pallet_staking::StakingLedger`: `total` locked, of which `active` backs elections."""

    stash: bytes
    total: int
    active: int
    unlocking: tuple = ()
    legacy_claimed_rewards: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "unlocking", tuple(self.unlocking))
        object.__setattr__(self, "legacy_claimed_rewards", tuple(self.legacy_claimed_rewards))


@dataclass(frozen=True)
class ValidatorPrefs:
    """`pallet_staking::ValidatorPrefs`: commission (Perbill parts) and whether new nominations are blocked."""

    commission: int = 0
    blocked: bool = False


@dataclass(frozen=True)
class Nominations:
    """`pallet_staking::Nominations`: sorted, unique targets and the era they were submitted in."""

    targets: tuple
    submitted_in: int
    suppressed: bool = False

    def __post_init__(self):
        object.__setattr__(self, "targets", tuple(self.targets))


@dataclass(frozen=True)
class ActiveEraInfo:
    """`pallet_staking::ActiveEraInfo`: the era being rewarded; `start` (ms) is set in its first block."""

    index: int
    start: int | None = None


@dataclass(frozen=True)
class IndividualExposure:
    who: bytes
    value: int


@dataclass(frozen=True)
class Exposure:
    """`sp_staking::Exposure`: a validator's backing in an era (own stake plus nominators')."""

    total: int
    own: int
    others: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "others", tuple(self.others))


@dataclass(frozen=True)
class PagedExposureMetadata:
    """`sp_staking::PagedExposureMetadata`: the summary kept in `ErasStakersOverview`."""

    total: int
    own: int
    nominator_count: int
    page_count: int


@dataclass(frozen=True)
class ExposurePage:
    """`sp_staking::ExposurePage`: one page of nominators in `ErasStakersPaged`."""

    page_total: int
    others: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "others", tuple(self.others))


@dataclass(frozen=True)
class EraRewardPoints:
    """`pallet_staking::EraRewardPoints`: `individual` is a BTreeMap, kept as (account, points) sorted by account."""

    total: int = 0
    individual: tuple = field(default_factory=tuple)

    def __post_init__(self):
        object.__setattr__(self, "individual", tuple(sorted(tuple(x) for x in self.individual)))

    def points_of(self, who: bytes) -> int:
        return dict(self.individual).get(who, 0)


@dataclass(frozen=True)
class UnappliedSlash:
    """`pallet_staking::UnappliedSlash`: a computed slash (validator's own part, each nominator's) not yet
    applied; `payout` is the reporters' reward out of it."""

    validator: bytes
    own: int
    others: tuple = ()
    reporters: tuple = ()
    payout: int = 0

    def __post_init__(self):
        object.__setattr__(self, "others", tuple(tuple(x) for x in self.others))
        object.__setattr__(self, "reporters", tuple(self.reporters))


@dataclass(frozen=True)
class SlashingSpansRecord:
    """`pallet_staking::slashing::SlashingSpans` (the `SlashingSpans` storage value): a stash's slashing spans.
    The ongoing span `span_index` started at era `last_start`; `prior` holds the lengths of the earlier spans,
    most recent first."""

    span_index: int
    last_start: int
    last_nonzero_slash: int = 0
    prior: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "prior", tuple(self.prior))


@dataclass(frozen=True)
class SpanRecord:
    """`pallet_staking::slashing::SpanRecord`: the most slashed in a span, and the reward paid out of it."""

    slashed: int = 0
    paid_out: int = 0


_balance = (lambda n: Field(n, COMPACT_U128, "Balance"))
REWARD_DESTINATION = Enum("pallet_staking::RewardDestination", [
    Variant("Staked", 0), Variant("Stash", 1), Variant("Controller", 2),
    Variant("Account", 3, ((None, ACCOUNT_ID, "AccountId"),)), Variant("None", 4)],
    params=[("AccountId", ACCOUNT_ID)])
VALIDATOR_PREFS = Struct("pallet_staking::ValidatorPrefs", [
    ("commission", COMPACT_PERBILL, "Perbill"), ("blocked", BOOL, "bool")], cls=ValidatorPrefs)
UNLOCK_CHUNK = Struct("pallet_staking::UnlockChunk", [_balance("value"), ("era", COMPACT_U32, "EraIndex")],
                      params=[("Balance", U128)], cls=UnlockChunk)
STAKING_LEDGER = Struct("pallet_staking::StakingLedger", [
    ("stash", ACCOUNT_ID, "T::AccountId"), ("total", COMPACT_U128, "BalanceOf<T>"),
    ("active", COMPACT_U128, "BalanceOf<T>"),
    ("unlocking", bounded_vec(UNLOCK_CHUNK), "BoundedVec<UnlockChunk<BalanceOf<T>>, T::MaxUnlockingChunks>"),
    ("legacy_claimed_rewards", bounded_vec(U32), "BoundedVec<EraIndex, T::HistoryDepth>")],
    params=[("T", None)], cls=StakingLedger)
NOMINATIONS = Struct("pallet_staking::Nominations", [
    ("targets", bounded_vec(ACCOUNT_ID), "BoundedVec<T::AccountId, MaxNominationsOf<T>>"),
    ("submitted_in", U32, "EraIndex"), ("suppressed", BOOL, "bool")], params=[("T", None)], cls=Nominations)
ACTIVE_ERA_INFO = Struct("pallet_staking::ActiveEraInfo", [
    ("index", U32, "EraIndex"), ("start", Option(U64), "Option<u64>")], cls=ActiveEraInfo)
_exposure_params = [("AccountId", ACCOUNT_ID), ("Balance", U128)]
INDIVIDUAL_EXPOSURE = Struct("sp_staking::IndividualExposure", [
    ("who", ACCOUNT_ID, "AccountId"), _balance("value")], params=_exposure_params, cls=IndividualExposure)
_others = Field("others", Vec(INDIVIDUAL_EXPOSURE), "Vec<IndividualExposure<AccountId, Balance>>")
EXPOSURE = Struct("sp_staking::Exposure", [_balance("total"), _balance("own"), _others],
                  params=_exposure_params, cls=Exposure)
PAGED_EXPOSURE_METADATA = Struct("sp_staking::PagedExposureMetadata", [
    _balance("total"), _balance("own"), ("nominator_count", U32, "u32"), ("page_count", U32, "Page")],
    params=[("Balance", U128)], cls=PagedExposureMetadata)
EXPOSURE_PAGE = Struct("sp_staking::ExposurePage", [_balance("page_total"), _others],
                       params=_exposure_params, cls=ExposurePage)
POINTS_MAP = Struct("BTreeMap", [(None, Vec(Tuple(ACCOUNT_ID, U32)), None)], params=[("K", ACCOUNT_ID), ("V", U32)])
ERA_REWARD_POINTS = Struct("pallet_staking::EraRewardPoints", [
    ("total", U32, "RewardPoint"), ("individual", POINTS_MAP, "BTreeMap<AccountId, RewardPoint>")],
    params=[("AccountId", ACCOUNT_ID)], cls=EraRewardPoints)
FORCING = Enum("pallet_staking::Forcing", [Variant(n, i) for i, n in enumerate(
    ["NotForcing", "ForceNew", "ForceNone", "ForceAlways"])])
UNAPPLIED_SLASH = Struct("pallet_staking::UnappliedSlash", [
    ("validator", ACCOUNT_ID, "AccountId"), ("own", U128, "Balance"),
    ("others", Vec(Tuple(ACCOUNT_ID, U128)), "Vec<(AccountId, Balance)>"),
    ("reporters", Vec(ACCOUNT_ID), "Vec<AccountId>"), ("payout", U128, "Balance")], params=_exposure_params,
    cls=UnappliedSlash)
SLASHING_SPANS = Struct("pallet_staking::slashing::SlashingSpans", [
    ("span_index", U32, "SpanIndex"), ("last_start", U32, "EraIndex"), ("last_nonzero_slash", U32, "EraIndex"),
    ("prior", Vec(U32), "Vec<EraIndex>")], cls=SlashingSpansRecord)
SPAN_RECORD = Struct("pallet_staking::slashing::SpanRecord", [
    ("slashed", U128, "Balance"), ("paid_out", U128, "Balance")], params=[("Balance", U128)], cls=SpanRecord)
PERCENT = Struct("sp_arithmetic::per_things::Percent", [(None, U8, "u8")])

# -- storage (Polkadot's order) -----------------------------------------------------------------
_ERA = ("Twox64Concat", U32)
_STASH = ("Twox64Concat", ACCOUNT_ID)

ValidatorCount = pallet.storage_value("ValidatorCount", U32, default=0, docs=(
    "The ideal number of active validators.",))
MinimumValidatorCount = pallet.storage_value("MinimumValidatorCount", U32, default=0, docs=(
    "Minimum number of staking participants before emergency conditions are imposed.",))
Invulnerables = pallet.storage_value("Invulnerables", Vec(ACCOUNT_ID), default=[], docs=(
    "Any validators that may never be slashed or forcibly kicked.",))
Bonded = pallet.storage_map("Bonded", [_STASH], ACCOUNT_ID, optional=True, docs=(
    "Map from all locked \"stash\" accounts to the controller account.",))
MinNominatorBond = pallet.storage_value("MinNominatorBond", U128, default=0, docs=(
    "The minimum active bond to become and maintain the role of a nominator.",))
MinValidatorBond = pallet.storage_value("MinValidatorBond", U128, default=0, docs=(
    "The minimum active bond to become and maintain the role of a validator.",))
MinimumActiveStake = pallet.storage_value("MinimumActiveStake", U128, default=0, docs=(
    "The minimum active nominator stake of the last successful election.",))
MinCommission = pallet.storage_value("MinCommission", PERBILL, default=0, docs=(
    "The minimum amount of commission that validators can set.",))
Ledger = pallet.storage_map("Ledger", [("Blake2_128Concat", ACCOUNT_ID)], STAKING_LEDGER, optional=True, docs=(
    "Map from all (unlocked) \"controller\" accounts to the info regarding the staking.",))
Payee = pallet.storage_map("Payee", [_STASH], REWARD_DESTINATION, optional=True, docs=(
    "Where the reward payment should be made. Keyed by stash.",))
Validators = pallet.storage_map("Validators", [_STASH], VALIDATOR_PREFS, default=ValidatorPrefs(), docs=(
    "The map from (wannabe) validator stash key to the preferences of that validator.",))
CounterForValidators = pallet.storage_value("CounterForValidators", U32, default=0, docs=(
    "Counter for the related counted storage map",))
MaxValidatorsCount = pallet.storage_value("MaxValidatorsCount", U32, optional=True, docs=(
    "The maximum validator count before we stop allowing new validators to join.",))
Nominators = pallet.storage_map("Nominators", [_STASH], NOMINATIONS, optional=True, docs=(
    "The map from nominator stash key to their nomination preferences.",))
CounterForNominators = pallet.storage_value("CounterForNominators", U32, default=0, docs=(
    "Counter for the related counted storage map",))
MaxNominatorsCount = pallet.storage_value("MaxNominatorsCount", U32, optional=True, docs=(
    "The maximum nominator count before we stop allowing new validators to join.",))
CurrentEra = pallet.storage_value("CurrentEra", U32, optional=True, docs=(
    "The current era index: the latest planned era, which may not be active yet.",))
ActiveEra = pallet.storage_value("ActiveEra", ACTIVE_ERA_INFO, optional=True, docs=(
    "The active era information, it holds index and start.",))
ErasStartSessionIndex = pallet.storage_map("ErasStartSessionIndex", [_ERA], U32, optional=True, docs=(
    "The session index at which the era start for the last `HistoryDepth` eras.",))
ErasStakers = pallet.storage_map("ErasStakers", [_ERA, _STASH], EXPOSURE, default=Exposure(0, 0), docs=(
    "Exposure of validator at era (deprecated: exposures are paged, this stays empty).",))
ErasStakersOverview = pallet.storage_map("ErasStakersOverview", [_ERA, _STASH], PAGED_EXPOSURE_METADATA,
                                         optional=True, docs=("Summary of validator exposure at a given era.",))
ErasStakersClipped = pallet.storage_map("ErasStakersClipped", [_ERA, _STASH], EXPOSURE, default=Exposure(0, 0),
                                        docs=("Clipped Exposure of validator at era (deprecated, empty).",))
ErasStakersPaged = pallet.storage_map("ErasStakersPaged", [_ERA, _STASH, ("Twox64Concat", U32)], EXPOSURE_PAGE,
                                      optional=True, docs=("Paginated exposure of a validator at given era.",))
ClaimedRewards = pallet.storage_map("ClaimedRewards", [_ERA, _STASH], Vec(U32), default=[], docs=(
    "History of claimed paged rewards by era and validator.",))
ErasValidatorPrefs = pallet.storage_map("ErasValidatorPrefs", [_ERA, _STASH], VALIDATOR_PREFS,
                                        default=ValidatorPrefs(), docs=(
                                            "The preferences of the validators elected in an era.",))
ErasValidatorReward = pallet.storage_map("ErasValidatorReward", [_ERA], U128, optional=True, docs=(
    "The total validator era payout for the last `HistoryDepth` eras.",))
ErasRewardPoints = pallet.storage_map("ErasRewardPoints", [_ERA], ERA_REWARD_POINTS, default=EraRewardPoints(),
                                      docs=("Rewards for the last `HistoryDepth` eras.",))
ErasTotalStake = pallet.storage_map("ErasTotalStake", [_ERA], U128, default=0, docs=(
    "The total amount staked for the last `HistoryDepth` eras.",))
ForceEra = pallet.storage_value("ForceEra", FORCING, default="NotForcing", docs=("Mode of era forcing.",))
SlashRewardFraction = pallet.storage_value("SlashRewardFraction", PERBILL, default=0, docs=(
    "The percentage of the slash that is distributed to reporters.",))
CanceledSlashPayout = pallet.storage_value("CanceledSlashPayout", U128, default=0, docs=(
    "The amount of currency given to reporters of a slash event which was canceled.",))
UnappliedSlashes = pallet.storage_map("UnappliedSlashes", [_ERA], Vec(UNAPPLIED_SLASH), default=[], docs=(
    "All unapplied slashes that are queued for later.",))
BondedEras = pallet.storage_value("BondedEras", Vec(Tuple(U32, U32)), default=[], docs=(
    "A mapping from still-bonded eras to the first session index of that era.",))
ValidatorSlashInEra = pallet.storage_map("ValidatorSlashInEra", [_ERA, _STASH], Tuple(PERBILL, U128), optional=True,
                                         docs=("The highest slash proportion and value of a validator in an era.",))
NominatorSlashInEra = pallet.storage_map("NominatorSlashInEra", [_ERA, _STASH], U128, optional=True, docs=(
    "The highest slash value of a nominator in an era.",))
SlashingSpans = pallet.storage_map("SlashingSpans", [_STASH], SLASHING_SPANS, optional=True, docs=(
    "Slashing spans for stash accounts.",))
SpanSlash = pallet.storage_map("SpanSlash", [("Twox64Concat", Tuple(ACCOUNT_ID, U32))], SPAN_RECORD,
                               default=SpanRecord(), docs=(
    "Records information about the maximum slash of a stash within a slashing span,",
    "as well as how much reward has been paid out."))
CurrentPlannedSession = pallet.storage_value("CurrentPlannedSession", U32, default=0, docs=(
    "The last planned session scheduled by the session pallet.",))
OffendingValidators = pallet.storage_value("OffendingValidators", Vec(Tuple(U32, BOOL)), default=[], docs=(
    "Indices of validators that have offended in the active era.",))
ChillThreshold = pallet.storage_value("ChillThreshold", PERCENT, optional=True, docs=(
    "The threshold for when users can start calling `chill_other`.",))

# -- events (Polkadot's indices) ----------------------------------------------------------------
_stash, _bal, _era = account_field, (lambda n: Field(n, U128, "BalanceOf<T>")), (lambda n: Field(n, U32, "EraIndex"))
EraPaid = pallet.event("EraPaid", [_era("era_index"), _bal("validator_payout"), _bal("remainder")], (
    "The era payout has been set; the first balance is the validator-payout; the second is",
    "the remainder from the maximum amount of reward."))
_dest = Field("dest", REWARD_DESTINATION, "RewardDestination<T::AccountId>")
Rewarded = pallet.event("Rewarded", [_stash("stash"), _dest, _bal("amount")], (
    "The nominator has been rewarded by this amount to this destination.",))
Slashed = pallet.event("Slashed", [_stash("staker"), _bal("amount")], (
    "A staker (validator or nominator) has been slashed by the given amount.",))
SlashReported = pallet.event("SlashReported", [_stash("validator"), Field("fraction", PERBILL, "Perbill"),
                                               _era("slash_era")], (
    "A slash for the given validator, for the given percentage of their stake, at the given",
    "era as been reported."))
OldSlashingReportDiscarded = pallet.event("OldSlashingReportDiscarded", [
    Field("session_index", U32, "SessionIndex")], (
    "An old slashing report from a prior era was discarded because it could not be processed.",))
StakersElected = pallet.event("StakersElected", [], ("A new set of stakers was elected.",))
BondedEvent = pallet.event("Bonded", [_stash("stash"), _bal("amount")], ("An account has bonded this amount.",))
Unbonded = pallet.event("Unbonded", [_stash("stash"), _bal("amount")], ("An account has unbonded this amount.",))
Withdrawn = pallet.event("Withdrawn", [_stash("stash"), _bal("amount")], (
    "An account has called `withdraw_unbonded` and removed unbonding chunks worth `Balance`",
    "from the unlocking queue."))
Kicked = pallet.event("Kicked", [_stash("nominator"), _stash("stash")], (
    "A nominator has been kicked from a validator.",))
StakingElectionFailed = pallet.event("StakingElectionFailed", [], ("The election failed. No new era is planned.",))
Chilled = pallet.event("Chilled", [_stash("stash")], (
    "An account has stopped participating as either a validator or nominator.",))
PayoutStarted = pallet.event("PayoutStarted", [_era("era_index"), _stash("validator_stash")], (
    "The stakers' rewards are getting paid.",))
ValidatorPrefsSet = pallet.event("ValidatorPrefsSet", [
    _stash("stash"), Field("prefs", VALIDATOR_PREFS, "ValidatorPrefs")], ("A validator has set their preferences.",))
SnapshotVotersSizeExceeded = pallet.event("SnapshotVotersSizeExceeded", [Field("size", U32, "u32")], (
    "Voters size limit reached.",))
SnapshotTargetsSizeExceeded = pallet.event("SnapshotTargetsSizeExceeded", [Field("size", U32, "u32")], (
    "Targets size limit reached.",))
ForceEraEvent = pallet.event("ForceEra", [Field("mode", FORCING, "Forcing")], ("A new force era mode was set.",))
ControllerBatchDeprecated = pallet.event("ControllerBatchDeprecated", [Field("failures", U32, "u32")], (
    "Report of a controller batch deprecation.",))

# -- errors (Polkadot's indices) ----------------------------------------------------------------
for _name, _doc in [
    ("NotController", "Not a controller account."),
    ("NotStash", "Not a stash account."),
    ("AlreadyBonded", "Stash is already bonded."),
    ("AlreadyPaired", "Controller is already paired."),
    ("EmptyTargets", "Targets cannot be empty."),
    ("DuplicateIndex", "Duplicate index."),
    ("InvalidSlashIndex", "Slash record index out of bounds."),
    ("InsufficientBond", "Cannot have a validator or nominator role, with value less than the minimum defined by "
                         "governance (see `MinValidatorBond` and `MinNominatorBond`)."),
    ("NoMoreChunks", "Can not schedule more unlock chunks."),
    ("NoUnlockChunk", "Can not rebond without unlocking chunks."),
    ("FundedTarget", "Attempting to target a stash that still has funds."),
    ("InvalidEraToReward", "Invalid era to reward."),
    ("InvalidNumberOfNominations", "Invalid number of nominations."),
    ("NotSortedAndUnique", "Items are not sorted and unique."),
    ("AlreadyClaimed", "Rewards for this era have already been claimed for this validator."),
    ("InvalidPage", "No nominators exist on this page."),
    ("IncorrectHistoryDepth", "Incorrect previous history depth input provided."),
    ("IncorrectSlashingSpans", "Incorrect number of slashing spans provided."),
    ("BadState", "Internal state has become somehow corrupted and the operation cannot continue."),
    ("TooManyTargets", "Too many nomination targets supplied."),
    ("BadTarget", "A nomination target was supplied that was blocked or otherwise not a validator."),
    ("CannotChillOther", "The user has enough bond and thus cannot be chilled forcefully by an external person."),
    ("TooManyNominators", "There are too many nominators in the system."),
    ("TooManyValidators", "There are too many validator candidates in the system."),
    ("CommissionTooLow", "Commission is too low. Must be at least `MinCommission`."),
    ("BoundNotMet", "Some bound is not met."),
    ("ControllerDeprecated", "Used when attempting to use deprecated controller account logic."),
    ("CannotRestoreLedger", "Cannot reset a ledger."),
]:
    pallet.error(_name, (_doc,))

# -- constants (Polkadot's Staking constants, in its order) --------------------------------------
pallet.constant("HistoryDepth", U32, HISTORY_DEPTH, ("Number of eras to keep in history.",))
pallet.constant("SessionsPerEra", U32, SESSIONS_PER_ERA, ("Number of sessions per era.",))
pallet.constant("BondingDuration", U32, BONDING_DURATION, ("Number of eras that staked funds must remain bonded for.",))
pallet.constant("SlashDeferDuration", U32, SLASH_DEFER_DURATION, (
    "Number of eras that slashes are deferred by, after computation.",))
pallet.constant("MaxExposurePageSize", U32, MAX_EXPOSURE_PAGE_SIZE, (
    "The maximum size of each `T::ExposurePage`.",))
pallet.constant("MaxUnlockingChunks", U32, MAX_UNLOCKING_CHUNKS, (
    "The maximum number of `unlocking` chunks a [`StakingLedger`] can have.",))
