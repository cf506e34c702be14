"""The node's view of the ParachainHost runtime API (polkadot-sdk `polkadot/primitives/src/runtime_api.rs`).

Subsystems never read runtime storage: they call the runtime's `ParachainHost_*` APIs at a block, with the
SCALE arguments and results Polkadot defines, exactly as a Polkadot node's runtime-api subsystem does. Results
are decoded into the declared types of `relaychain.primitives.parachain_types` and cached per block (a block's
state never changes), in one LRU per method of `RUNTIME_API_CACHE_PER_METHOD` entries as Polkadot's
`RequestResultCache`: subsystems ask about unfinalized blocks, so a short memory is enough. Results named by
their argument alone (code by its hash, a session's info) are cached by it, whatever the block, once known;
session infos for the last `RUNTIME_API_SESSIONS_CACHED` sessions asked about.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Optional

from relaychain.primitives import parachain_types as P
from relaychain.primitives.memory_bounds import RUNTIME_API_CACHE_PER_METHOD, RUNTIME_API_SESSIONS_CACHED
from relaychain.primitives.scale import encode_u32
from relaychain.primitives.scale_types import BOOL, U32, Option, Tuple, Vec

_VALIDATORS = Vec(P.VALIDATOR_ID)
_GROUPS = Tuple(Vec(Vec(P.VALIDATOR_INDEX)), P.GroupRotationInfo.SCALE)
_CORES = Vec(P.CORE_STATE)
_OPT_PVD = Option(P.PersistedValidationData.SCALE)
_OPT_ASSUMED = Option(Tuple(P.PersistedValidationData.SCALE, P.VALIDATION_CODE_HASH))
_OPT_CODE = Option(P.VALIDATION_CODE)
_OPT_CODE_HASH = Option(P.VALIDATION_CODE_HASH)
_OPT_RECEIPT = Option(P.CommittedCandidateReceipt.SCALE)
_EVENTS = Vec(P.CANDIDATE_EVENT)
_OPT_SESSION_INFO = Option(P.SessionInfo.SCALE)
_CLAIM_QUEUE = Vec(Tuple(P.CORE_INDEX, Vec(P.PARA_ID)))  # BTreeMap<CoreIndex, VecDeque<ParaId>>
_OPT_VOTES = Option(P.ScrapedOnChainVotes.SCALE)
_ASSUMPTION_INDEX = {"Included": 0, "TimedOut": 1, "Free": 2}
# the same answer at every block that knows it (polkadot keys these caches without the block hash)
_BLOCK_INDEPENDENT = frozenset({"validation_code_by_hash", "session_info"})
_BY_SESSION = frozenset({"session_info"})  # bounded by sessions, not by blocks


class RuntimeApiError(Exception):
    """The runtime refused or failed an API call (unknown block, bad arguments)."""


class RuntimeApi:
    """ParachainHost calls at a block: `call(block_hash, method, scale_args) -> scale_result` is the node's
    runtime call (the same as `state_call`)."""

    def __init__(self, call: Callable[[bytes, str, bytes], bytes],
                 cache_size: int = RUNTIME_API_CACHE_PER_METHOD,
                 sessions_cached: int = RUNTIME_API_SESSIONS_CACHED):
        self._call = call
        self._caches: dict[str, "OrderedDict[object, object]"] = {}  # method -> LRU of results
        self._cache_size = cache_size
        self._sessions_cached = sessions_cached

    def cached(self, method: str) -> int:
        """How many results of `method` are held."""
        return len(self._caches.get(method, ()))

    def _get(self, at: bytes, method: str, args: bytes, result_type):
        cache = self._caches.get(method)
        if cache is None:
            cache = self._caches[method] = OrderedDict()
        block_independent = method in _BLOCK_INDEPENDENT
        key = args if block_independent else (at, args)
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        try:
            raw = self._call(at, f"ParachainHost_{method}", args)
        except KeyError as exc:
            raise RuntimeApiError(f"{method} at unknown block 0x{at.hex()}") from exc
        value = result_type.decode(raw)
        if block_independent and value is None:
            return value  # not known at this block: a later block may know it
        cache[key] = value
        if len(cache) > (self._sessions_cached if method in _BY_SESSION else self._cache_size):
            cache.popitem(last=False)
        return value

    # -- session, validators, groups ------------------------------------------------------------------
    def validators(self, at: bytes) -> list[bytes]:
        return list(self._get(at, "validators", b"", _VALIDATORS))

    def session_index_for_child(self, at: bytes) -> int:
        return self._get(at, "session_index_for_child", b"", U32)

    def validator_groups(self, at: bytes) -> tuple[list[list[int]], P.GroupRotationInfo]:
        groups, info = self._get(at, "validator_groups", b"", _GROUPS)
        return [list(g) for g in groups], info

    def session_info(self, at: bytes, session: int) -> Optional[P.SessionInfo]:
        return self._get(at, "session_info", encode_u32(session), _OPT_SESSION_INFO)

    def minimum_backing_votes(self, at: bytes) -> int:
        return self._get(at, "minimum_backing_votes", b"", U32)

    def async_backing_params(self, at: bytes) -> P.AsyncBackingParams:
        return self._get(at, "async_backing_params", b"", P.AsyncBackingParams.SCALE)

    # -- cores and scheduling ----------------------------------------------------------------------
    def availability_cores(self, at: bytes) -> list:
        """CoreState per core for the child of `at`: ("Occupied", OccupiedCore) | ("Scheduled",
        ScheduledCore) | "Free"."""
        return list(self._get(at, "availability_cores", b"", _CORES))

    def claim_queue(self, at: bytes) -> dict[int, list[int]]:
        return {core: list(paras) for core, paras in self._get(at, "claim_queue", b"", _CLAIM_QUEUE)}

    # -- para state ---------------------------------------------------------------------------------
    def persisted_validation_data(self, at: bytes, para_id: int,
                                  assumption: str = "Included") -> Optional[P.PersistedValidationData]:
        args = encode_u32(para_id) + bytes((_ASSUMPTION_INDEX[assumption],))
        return self._get(at, "persisted_validation_data", args, _OPT_PVD)

    def assumed_validation_data(self, at: bytes, para_id: int, expected_pvd_hash: bytes):
        """(PVD, code hash) if some assumption about the para's core gives a PVD with that hash, else None."""
        return self._get(at, "assumed_validation_data", encode_u32(para_id) + bytes(expected_pvd_hash),
                         _OPT_ASSUMED)

    def validation_code_hash(self, at: bytes, para_id: int, assumption: str = "Included") -> Optional[bytes]:
        args = encode_u32(para_id) + bytes((_ASSUMPTION_INDEX[assumption],))
        return self._get(at, "validation_code_hash", args, _OPT_CODE_HASH)

    def validation_code_by_hash(self, at: bytes, code_hash: bytes) -> Optional[bytes]:
        return self._get(at, "validation_code_by_hash", bytes(code_hash), _OPT_CODE)

    def check_validation_outputs(self, at: bytes, para_id: int, commitments: P.CandidateCommitments) -> bool:
        return self._get(at, "check_validation_outputs", encode_u32(para_id) + commitments.encode(), BOOL)

    def candidate_pending_availability(self, at: bytes, para_id: int) -> Optional[P.CommittedCandidateReceipt]:
        return self._get(at, "candidate_pending_availability", encode_u32(para_id), _OPT_RECEIPT)

    def on_chain_votes(self, at: bytes) -> Optional[P.ScrapedOnChainVotes]:
        """The backing votes and dispute sets block `at` put on chain."""
        return self._get(at, "on_chain_votes", b"", _OPT_VOTES)

    def disputes(self, at: bytes) -> list:
        """Every dispute the chain knows at `at`: (session, candidate hash, DisputeState)."""
        return list(self._get(at, "disputes", b"", Vec(Tuple(P.SESSION_INDEX, P.CANDIDATE_HASH, P.DisputeState.SCALE))))

    def disabled_validators(self, at: bytes) -> list[int]:
        return list(self._get(at, "disabled_validators", b"", Vec(P.VALIDATOR_INDEX)))

    def candidate_events(self, at: bytes) -> list:
        """("CandidateBacked"|"CandidateIncluded", (receipt, head, core, group)) | ("CandidateTimedOut",
        (receipt, head, core)) for the events of block `at`."""
        return list(self._get(at, "candidate_events", b"", _EVENTS))
