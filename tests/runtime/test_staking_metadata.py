"""Staking metadata: our Staking pallet (index 7) declares Polkadot's names, types, hashers and indices.

Vector provenance: the `POLKADOT_STAKING_*` literals below were extracted from Polkadot's V14 metadata
(spec 1002005; `shared/vectors/metadata/polkadot-v14-metadata.hex`, from npm `@polkadot/types-support@16.5.6`)
decoded with scalecodec 1.2.12 and reduced with `pallet_signature` below (type names by path only): every
storage entry this runtime declares, the calls it implements, and all events, errors and constants.
"""

from __future__ import annotations

from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from relaychain.runtime.framework import Runtime
from relaychain.runtime.metadata import prefixed_metadata
from relaychain.runtime.pallets import staking
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.runtime import PALLETS

POLKADOT_STAKING_STORAGE = {'ValidatorCount': ('Default', (), (), 'u32'),
 'MinimumValidatorCount': ('Default', (), (), 'u32'),
 'Invulnerables': ('Default', (), (), 'Vec<sp_core::crypto::AccountId32>'),
 'Bonded': ('Optional', ('Twox64Concat',), ('sp_core::crypto::AccountId32',), 'sp_core::crypto::AccountId32'),
 'MinNominatorBond': ('Default', (), (), 'u128'),
 'MinValidatorBond': ('Default', (), (), 'u128'),
 'MinimumActiveStake': ('Default', (), (), 'u128'),
 'MinCommission': ('Default', (), (), 'sp_arithmetic::per_things::Perbill'),
 'Ledger': ('Optional', ('Blake2_128Concat',), ('sp_core::crypto::AccountId32',), 'pallet_staking::StakingLedger'),
 'Payee': ('Optional', ('Twox64Concat',), ('sp_core::crypto::AccountId32',), 'pallet_staking::RewardDestination'),
 'Validators': ('Default', ('Twox64Concat',), ('sp_core::crypto::AccountId32',), 'pallet_staking::ValidatorPrefs'),
 'CounterForValidators': ('Default', (), (), 'u32'),
 'MaxValidatorsCount': ('Optional', (), (), 'u32'),
 'Nominators': ('Optional', ('Twox64Concat',), ('sp_core::crypto::AccountId32',), 'pallet_staking::Nominations'),
 'CounterForNominators': ('Default', (), (), 'u32'),
 'MaxNominatorsCount': ('Optional', (), (), 'u32'),
 'CurrentEra': ('Optional', (), (), 'u32'),
 'ActiveEra': ('Optional', (), (), 'pallet_staking::ActiveEraInfo'),
 'ErasStartSessionIndex': ('Optional', ('Twox64Concat',), ('u32',), 'u32'),
 'ErasStakers': ('Default',
                 ('Twox64Concat', 'Twox64Concat'),
                 ('u32', 'sp_core::crypto::AccountId32'),
                 'sp_staking::Exposure'),
 'ErasStakersOverview': ('Optional',
                         ('Twox64Concat', 'Twox64Concat'),
                         ('u32', 'sp_core::crypto::AccountId32'),
                         'sp_staking::PagedExposureMetadata'),
 'ErasStakersClipped': ('Default',
                        ('Twox64Concat', 'Twox64Concat'),
                        ('u32', 'sp_core::crypto::AccountId32'),
                        'sp_staking::Exposure'),
 'ErasStakersPaged': ('Optional',
                      ('Twox64Concat', 'Twox64Concat', 'Twox64Concat'),
                      ('u32', 'sp_core::crypto::AccountId32', 'u32'),
                      'sp_staking::ExposurePage'),
 'ClaimedRewards': ('Default', ('Twox64Concat', 'Twox64Concat'), ('u32', 'sp_core::crypto::AccountId32'), 'Vec<u32>'),
 'ErasValidatorPrefs': ('Default',
                        ('Twox64Concat', 'Twox64Concat'),
                        ('u32', 'sp_core::crypto::AccountId32'),
                        'pallet_staking::ValidatorPrefs'),
 'ErasValidatorReward': ('Optional', ('Twox64Concat',), ('u32',), 'u128'),
 'ErasRewardPoints': ('Default', ('Twox64Concat',), ('u32',), 'pallet_staking::EraRewardPoints'),
 'ErasTotalStake': ('Default', ('Twox64Concat',), ('u32',), 'u128'),
 'ForceEra': ('Default', (), (), 'pallet_staking::Forcing'),
 'SlashRewardFraction': ('Default', (), (), 'sp_arithmetic::per_things::Perbill'),
 'CanceledSlashPayout': ('Default', (), (), 'u128'),
 'UnappliedSlashes': ('Default', ('Twox64Concat',), ('u32',), 'Vec<pallet_staking::UnappliedSlash>'),
 'BondedEras': ('Default', (), (), 'Vec<(u32, u32)>'),
 'ValidatorSlashInEra': ('Optional',
                         ('Twox64Concat', 'Twox64Concat'),
                         ('u32', 'sp_core::crypto::AccountId32'),
                         '(sp_arithmetic::per_things::Perbill, u128)'),
 'NominatorSlashInEra': ('Optional',
                         ('Twox64Concat', 'Twox64Concat'),
                         ('u32', 'sp_core::crypto::AccountId32'),
                         'u128'),
 'SlashingSpans': ('Optional',
                   ('Twox64Concat',),
                   ('sp_core::crypto::AccountId32',),
                   'pallet_staking::slashing::SlashingSpans'),
 'SpanSlash': ('Default',
               ('Twox64Concat',),
               ('(sp_core::crypto::AccountId32, u32)',),
               'pallet_staking::slashing::SpanRecord'),
 'CurrentPlannedSession': ('Default', (), (), 'u32'),
 'OffendingValidators': ('Default', (), (), 'Vec<(u32, bool)>'),
 'ChillThreshold': ('Optional', (), (), 'sp_arithmetic::per_things::Percent')}
POLKADOT_STAKING_CALLS = [(0, 'bond', (('value', 'Compact<u128>'), ('payee', 'pallet_staking::RewardDestination'))),
 (1, 'bond_extra', (('max_additional', 'Compact<u128>'),)),
 (2, 'unbond', (('value', 'Compact<u128>'),)),
 (3, 'withdraw_unbonded', (('num_slashing_spans', 'u32'),)),
 (4, 'validate', (('prefs', 'pallet_staking::ValidatorPrefs'),)),
 (5, 'nominate', (('targets', 'Vec<sp_runtime::multiaddress::MultiAddress>'),)),
 (6, 'chill', ()),
 (7, 'set_payee', (('payee', 'pallet_staking::RewardDestination'),)),
 (9, 'set_validator_count', (('new', 'Compact<u32>'),)),
 (13, 'force_new_era', ()),
 (18, 'payout_stakers', (('validator_stash', 'sp_core::crypto::AccountId32'), ('era', 'u32'))),
 (19, 'rebond', (('value', 'Compact<u128>'),)),
 (26,
  'payout_stakers_by_page',
  (('validator_stash', 'sp_core::crypto::AccountId32'), ('era', 'u32'), ('page', 'u32')))]
POLKADOT_STAKING_EVENTS = [(0, 'EraPaid', (('era_index', 'u32'), ('validator_payout', 'u128'), ('remainder', 'u128'))),
 (1,
  'Rewarded',
  (('stash', 'sp_core::crypto::AccountId32'), ('dest', 'pallet_staking::RewardDestination'), ('amount', 'u128'))),
 (2, 'Slashed', (('staker', 'sp_core::crypto::AccountId32'), ('amount', 'u128'))),
 (3,
  'SlashReported',
  (('validator', 'sp_core::crypto::AccountId32'),
   ('fraction', 'sp_arithmetic::per_things::Perbill'),
   ('slash_era', 'u32'))),
 (4, 'OldSlashingReportDiscarded', (('session_index', 'u32'),)),
 (5, 'StakersElected', ()),
 (6, 'Bonded', (('stash', 'sp_core::crypto::AccountId32'), ('amount', 'u128'))),
 (7, 'Unbonded', (('stash', 'sp_core::crypto::AccountId32'), ('amount', 'u128'))),
 (8, 'Withdrawn', (('stash', 'sp_core::crypto::AccountId32'), ('amount', 'u128'))),
 (9, 'Kicked', (('nominator', 'sp_core::crypto::AccountId32'), ('stash', 'sp_core::crypto::AccountId32'))),
 (10, 'StakingElectionFailed', ()),
 (11, 'Chilled', (('stash', 'sp_core::crypto::AccountId32'),)),
 (12, 'PayoutStarted', (('era_index', 'u32'), ('validator_stash', 'sp_core::crypto::AccountId32'))),
 (13, 'ValidatorPrefsSet', (('stash', 'sp_core::crypto::AccountId32'), ('prefs', 'pallet_staking::ValidatorPrefs'))),
 (14, 'SnapshotVotersSizeExceeded', (('size', 'u32'),)),
 (15, 'SnapshotTargetsSizeExceeded', (('size', 'u32'),)),
 (16, 'ForceEra', (('mode', 'pallet_staking::Forcing'),)),
 (17, 'ControllerBatchDeprecated', (('failures', 'u32'),))]
POLKADOT_STAKING_ERRORS = [
    'NotController', 'NotStash', 'AlreadyBonded', 'AlreadyPaired', 'EmptyTargets', 'DuplicateIndex',
    'InvalidSlashIndex', 'InsufficientBond', 'NoMoreChunks', 'NoUnlockChunk', 'FundedTarget',
    'InvalidEraToReward', 'InvalidNumberOfNominations', 'NotSortedAndUnique', 'AlreadyClaimed', 'InvalidPage',
    'IncorrectHistoryDepth', 'IncorrectSlashingSpans', 'BadState', 'TooManyTargets', 'BadTarget',
    'CannotChillOther', 'TooManyNominators', 'TooManyValidators', 'CommissionTooLow', 'BoundNotMet',
    'ControllerDeprecated', 'CannotRestoreLedger',
]
POLKADOT_STAKING_CONSTANTS = [('HistoryDepth', 'u32'),
 ('SessionsPerEra', 'u32'),
 ('BondingDuration', 'u32'),
 ('SlashDeferDuration', 'u32'),
 ('MaxExposurePageSize', 'u32'),
 ('MaxUnlockingChunks', 'u32')]


def decode_v14(raw: bytes) -> dict:
    rc = RuntimeConfiguration()
    rc.update_type_registry(load_type_registry_preset("core"))
    m = rc.create_scale_object("MetadataVersioned", data=ScaleBytes(raw))
    m.decode()
    return m.value[1]["V14"]


def pallet_signature(v14: dict, pallet: str) -> dict:
    """Names, modifiers, hashers and type paths of one pallet's storage, calls, events, errors, constants."""
    types = {t["id"]: t["type"] for t in v14["types"]["types"]}

    def name(i):
        t = types[i]
        if t.get("path"):
            return "::".join(t["path"])
        kind, d = next(iter(t["def"].items()))
        if kind == "primitive":
            return d
        if kind == "sequence":
            return f"Vec<{name(d['type'])}>"
        if kind == "compact":
            return f"Compact<{name(d['type'])}>"
        if kind == "array":
            return f"[{name(d['type'])}; {d['len']}]"
        if kind == "tuple":
            return "(" + ", ".join(name(x) for x in d) + ")"
        return kind

    def variants(i):
        return [(v["index"], v["name"], tuple((f.get("name"), name(f["type"])) for f in v["fields"]))
                for v in types[i]["def"]["variant"]["variants"]]

    p = next(x for x in v14["pallets"] if x["name"] == pallet)
    storage = {}
    for e in p["storage"]["entries"]:
        ty = e["type"]
        if "Plain" in ty:
            storage[e["name"]] = (e["modifier"], (), (), name(ty["Plain"]))
        else:
            m = ty["Map"]
            keys = ([name(k) for k in types[m["key"]]["def"]["tuple"]] if len(m["hashers"]) > 1
                    else [name(m["key"])])
            storage[e["name"]] = (e["modifier"], tuple(m["hashers"]), tuple(keys), name(m["value"]))
    return {"index": int(p["index"]), "storage": storage, "calls": variants(p["calls"]["ty"]),
            "events": variants(p["event"]["ty"]), "errors": [n for _, n, _ in variants(p["error"]["ty"])],
            "constants": [(c["name"], name(c["type"])) for c in p["constants"]]}


RT = Runtime("relaychain_runtime", tuple(p for p in PALLETS if p is not staking.pallet) + (staking.pallet,))
OURS = pallet_signature(decode_v14(prefixed_metadata(RT)),
                        "Staking")


def test_pallet_index_and_storage_entries_match_polkadot():
    assert OURS["index"] == 7
    assert OURS["storage"] == POLKADOT_STAKING_STORAGE
    for required in ("Ledger", "Bonded", "Payee", "Validators", "Nominators", "CounterForValidators",
                     "CounterForNominators", "ValidatorCount", "MinimumValidatorCount", "Invulnerables", "ActiveEra",
                     "CurrentEra", "ErasStartSessionIndex", "ErasStakersOverview", "ErasStakersPaged", "ErasStakers",
                     "ErasTotalStake", "ErasRewardPoints", "ErasValidatorReward", "ErasValidatorPrefs", "BondedEras",
                     "UnappliedSlashes", "ClaimedRewards"):
        assert required in OURS["storage"]


def test_calls_events_errors_constants_match_polkadot():
    assert OURS["calls"] == POLKADOT_STAKING_CALLS
    assert {n for _, n, _ in OURS["calls"]} >= {"bond", "bond_extra", "unbond", "withdraw_unbonded", "nominate",
                                               "validate", "chill", "set_payee", "payout_stakers"}
    assert OURS["events"] == POLKADOT_STAKING_EVENTS
    assert OURS["errors"] == POLKADOT_STAKING_ERRORS
    assert OURS["constants"] == POLKADOT_STAKING_CONSTANTS


def test_storage_keys_are_polkadots():
    # twox128("Staking") ‖ twox128(item): the keys Polkadot tooling queries for the era
    assert S.ActiveEra.key().hex() == "5f3e4907f716ac89b6347d15ececedca487df464e44a534ba6b0cbb32407b587"
    assert S.CurrentEra.key().hex() == "5f3e4907f716ac89b6347d15ececedca0b6a45321efae92aea15e0740ec7afe7"
    stash = bytes(range(32))
    from relaychain.primitives.hashing import twox_64
    assert S.Bonded.key(stash) == S.Bonded.prefix + twox_64(stash) + stash
    assert S.ErasStakersPaged.key(3, stash, 1) == (S.ErasStakersPaged.prefix + twox_64(b"\x03\0\0\0") + b"\x03\0\0\0"
                                                   + twox_64(stash) + stash + twox_64(b"\x01\0\0\0") + b"\x01\0\0\0")


def test_era_storage_values_round_trip_in_polkadot_layouts():
    overview = S.PagedExposureMetadata(total=1000, own=5, nominator_count=3, page_count=1)
    raw = S.PAGED_EXPOSURE_METADATA.encode(overview)
    # Compact<u128> total, Compact<u128> own, u32 nominator_count, u32 page_count
    assert raw.hex() == "a10f" + "14" + "03000000" + "01000000"
    assert S.PAGED_EXPOSURE_METADATA.decode(raw) == overview
    assert S.ACTIVE_ERA_INFO.encode(S.ActiveEraInfo(7, 1_700_000_000_000)) == (
        b"\x07\0\0\0" + b"\x01" + (1_700_000_000_000).to_bytes(8, "little"))
    assert S.ACTIVE_ERA_INFO.encode(S.ActiveEraInfo(7, None)) == b"\x07\0\0\0\x00"
    ledger = S.StakingLedger(bytes(32), 100, 60, (S.UnlockChunk(40, 9),))
    assert S.STAKING_LEDGER.encode(ledger) == bytes(32) + b"\x91\x01" + b"\xf0" + b"\x04" + b"\xa0\x24" + b"\x00"
    assert S.STAKING_LEDGER.decode(S.STAKING_LEDGER.encode(ledger)) == ledger
