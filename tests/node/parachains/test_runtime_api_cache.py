"""The runtime-API cache is bounded per method, as Polkadot's `RequestResultCache` (issue #13): asking about
many blocks keeps at most `cache_size` results of a method, answers stay those of the runtime, and results
named by their argument alone (a session's info) are held once for every block."""

from collator.collator import MAX_RECORDS as COLLATION_RECORDS
from relaychain.node.consensus.slots import SlotInfo
from relaychain.node.parachains.runtime_api import RuntimeApi
from relaychain.primitives.memory_bounds import (
    HEADER_CACHE_SIZE, RUNTIME_API_CACHE_PER_METHOD, RUNTIME_API_SESSIONS_CACHED)
from relaychain.runtime.constants import EPOCH_DURATION_IN_SLOTS

SLOT_MS = 6000


def _chain(node, blocks: int) -> list[bytes]:
    hashes = [node.genesis_hash]
    slot = 1000
    while len(hashes) <= blocks:
        imported = node.author.author(SlotInfo(slot, SLOT_MS))
        slot += 1
        if imported is not None:
            hashes.append(imported.hash)
    return hashes


class CountingCall:
    """The node's real runtime call, counting how often the runtime is entered."""

    def __init__(self, node):
        self.node, self.calls = node, 0

    def __call__(self, at, method, args):
        self.calls += 1
        return self.node.runtime_call(at, method, args)


def test_results_per_method_stay_within_the_bound_and_match_the_runtime(node):
    hashes = _chain(node, 6)
    call = CountingCall(node)
    api = RuntimeApi(call, cache_size=3)
    uncached = RuntimeApi(node.runtime_call, cache_size=len(hashes) + 1)
    for at in hashes * 2:
        assert api.validators(at) == uncached.validators(at)
        assert api.availability_cores(at) == uncached.availability_cores(at)
        assert api.cached("validators") <= 3 and api.cached("availability_cores") <= 3
    # the second pass found none of the first three blocks cached: evicted least recently used first
    assert call.calls == 2 * 2 * len(hashes)
    # the last three blocks are held: asking again does not enter the runtime
    for at in hashes[-3:]:
        api.validators(at)
    assert call.calls == 2 * 2 * len(hashes)


def test_a_session_info_is_held_once_whatever_the_block(node):
    hashes = _chain(node, 4)
    call = CountingCall(node)
    api = RuntimeApi(call)
    infos = [api.session_info(at, 0) for at in hashes]
    assert infos[0] is not None and all(info == infos[0] for info in infos)
    assert call.calls == 1 and api.cached("session_info") == 1
    assert api.session_info(hashes[-1], 10_000) is None  # unknown yet: not cached, asked again next time
    api.session_info(hashes[-1], 10_000)
    assert call.calls == 3 and api.cached("session_info") == 1


def test_session_infos_are_held_for_the_last_sessions_asked_about_only(node):
    """Session infos are bounded by sessions, not by the per-block count: a dev session is 10 blocks, so 128
    of them took 20 minutes to fill and an idle node's memory grew all that time (issue #13)."""
    hashes = _chain(node, 3 * EPOCH_DURATION_IN_SLOTS + 2)
    tip = hashes[-1]
    current = RuntimeApi(node.runtime_call).session_index_for_child(tip)
    assert current >= 3
    call = CountingCall(node)
    api = RuntimeApi(call, cache_size=100, sessions_cached=2)
    uncached = RuntimeApi(node.runtime_call, cache_size=0, sessions_cached=0)
    known = [s for s in range(current + 1) if uncached.session_info(tip, s) is not None]
    assert len(known) >= 3
    for session in known:
        assert api.session_info(tip, session) == uncached.session_info(tip, session)
        assert api.cached("session_info") <= 2
    calls = call.calls
    api.session_info(tip, known[-1])  # the newest sessions are held
    api.session_info(hashes[-2], known[-2])
    assert call.calls == calls
    api.session_info(tip, known[0])  # the oldest went first
    assert call.calls == calls + 1


def test_the_default_bounds_fill_within_the_first_minute_of_a_1s_chain():
    """Each per-block bound is reached within a minute at 1 s blocks (an idle network's memory must be flat after
    its first minute, issue #13) and still covers the unfinalized chain; session infos cover the dispute
    window (6 sessions) plus the current and next session."""
    api = RuntimeApi(lambda *a: b"")
    assert api.__dict__["_cache_size"] == RUNTIME_API_CACHE_PER_METHOD
    assert api.__dict__["_sessions_cached"] == RUNTIME_API_SESSIONS_CACHED
    assert 16 <= RUNTIME_API_CACHE_PER_METHOD <= 60 and 16 <= HEADER_CACHE_SIZE <= 60
    assert RUNTIME_API_SESSIONS_CACHED >= 6 + 2
    assert RUNTIME_API_SESSIONS_CACHED * EPOCH_DURATION_IN_SLOTS <= 90
    assert COLLATION_RECORDS <= 64  # a collator hands over at most one collation per relay block
