"""Pool bookkeeping (ready/future by tags, ordering, replacement, bans, pruning).

The runtime is replaced here by a plain in-test account/nonce ledger that returns Substrate-shaped validity
(provides (who, nonce), requires (who, nonce - 1) when ahead) — the pool's rules are what is under test.
Pool behaviour against the real runtime is tested in test_txpool_runtime.py.
"""

from dataclasses import dataclass

import pytest

from relaychain.node import txpool
from relaychain.node.txpool import (AlreadyImported, BadFormat, ImmediatelyDropped, PoolLimits, TemporarilyBanned,
                                    TooLowPriority, TransactionPool)
from relaychain.primitives.scale import encode_compact


class Outdated(Exception):
    message = "Transaction is outdated"


@dataclass
class Validity:
    priority: int
    requires: list
    provides: list
    longevity: int = 64


class Ledger:
    def __init__(self):
        self.nonces = {}

    def validate(self, xt):
        who, nonce, prio = xt[-3], xt[-2], xt[-1]
        current = self.nonces.get(who, 0)
        if nonce < current:
            raise Outdated()
        requires = [bytes([who, nonce - 1])] if nonce > current else []
        return Validity(prio, requires, [bytes([who, nonce])])


def tx(who, nonce, prio=1, salt=0):
    body = bytes([salt, who, nonce, prio])
    return encode_compact(len(body)) + body


class Clock:
    t = 0.0

    def __call__(self):
        return self.t


def make_pool(**limits):
    ledger, clock = Ledger(), Clock()
    return TransactionPool(ledger.validate, PoolLimits(**limits), clock=clock), ledger, clock


def order(pool):
    return [(t.data[-3], t.data[-2]) for t in pool.ready()]


def test_future_becomes_ready_when_gap_filled():
    pool, _, _ = make_pool()
    statuses = []
    pool.submit(tx(1, 2), watcher=statuses.append)
    pool.submit(tx(1, 1))
    assert pool.ready_count() == 0 and pool.future_count() == 2
    pool.submit(tx(1, 0))
    assert pool.ready_count() == 3
    assert order(pool) == [(1, 0), (1, 1), (1, 2)]
    assert statuses == ["future", "ready"]


def test_priority_order_respects_dependencies():
    pool, _, _ = make_pool()
    pool.submit(tx(1, 0, prio=1))
    pool.submit(tx(1, 1, prio=100))  # high priority but depends on (1, 0)
    pool.submit(tx(2, 0, prio=50))
    assert order(pool) == [(2, 0), (1, 0), (1, 1)]


def test_duplicate_and_malformed_rejected():
    pool, _, _ = make_pool()
    pool.submit(tx(1, 0))
    with pytest.raises(AlreadyImported) as e:
        pool.submit(tx(1, 0))
    assert e.value.code == 1013
    for bad in (b"", b"\x08\x01", tx(1, 1)[:-1], tx(1, 1) + b"\x00"):
        with pytest.raises(BadFormat):
            pool.submit(bad)
    assert len(pool) == 1


def test_replacement_needs_higher_priority():
    pool, _, _ = make_pool()
    statuses = []
    h_old = pool.submit(tx(1, 0, prio=5), watcher=statuses.append)
    with pytest.raises(TooLowPriority) as e:
        pool.submit(tx(1, 0, prio=5, salt=1))
    assert e.value.code == 1014 and e.value.message == "Priority is too low: (5 vs 5)"
    h_new = pool.submit(tx(1, 0, prio=6, salt=1))
    assert h_old not in pool and h_new in pool
    assert statuses[-1] == {"usurped": "0x" + h_new.hex()}


def test_invalid_transactions_are_banned_for_a_while():
    pool, ledger, clock = make_pool(ban_seconds=10)
    ledger.nonces[1] = 5
    with pytest.raises(Outdated):
        pool.submit(tx(1, 0))
    with pytest.raises(TemporarilyBanned) as e:
        pool.submit(tx(1, 0))
    assert e.value.code == 1012
    clock.t = 11
    with pytest.raises(Outdated):  # the ban expired: validated (and refused) again
        pool.submit(tx(1, 0))
    assert len(pool) == 0


def test_block_import_prunes_and_revalidates():
    pool, ledger, _ = make_pool()
    statuses = []
    hs = [pool.submit(tx(1, n), watcher=statuses.append if n == 0 else None) for n in range(3)]
    ledger.nonces[1] = 1  # the block included nonce 0
    pool.on_block_imported(b"B" * 32, [hs[0]], is_best=True)
    assert hs[0] not in pool and order(pool) == [(1, 1), (1, 2)]
    assert {"inBlock": "0x" + (b"B" * 32).hex()} in statuses
    pool.on_finalized([b"B" * 32])
    assert statuses[-1] == {"finalized": "0x" + (b"B" * 32).hex()}
    ledger.nonces[1] = 3  # included elsewhere: both now outdated
    pool.revalidate()
    assert len(pool) == 0


def test_under_an_event_loop_revalidation_and_resubmission_run_off_it_with_the_same_outcome():
    """With a running loop the pool validates after a block on the execution thread; what it decides is what
    the synchronous path decides: outdated ones dropped, the rest in order; a reorg's transactions return."""
    import asyncio

    async def scenario():
        pool, ledger, _ = make_pool()
        pool.maintain_off_loop = True
        hs = [pool.submit(tx(1, n)) for n in range(4)]
        statuses = []
        pool.watch(hs[1], statuses.append)
        ledger.nonces[1] = 2  # a block elsewhere took nonces 0 and 1: both outdated now
        pool.on_block_imported(b"C" * 32, [], is_best=True)
        for _ in range(200):
            if len(pool) == 2:
                break
            await asyncio.sleep(0.01)
        assert order(pool) == [(1, 2), (1, 3)] and "invalid" in statuses
        ledger.nonces[1] = 0  # the block was retracted: its transactions come back, validated off the loop
        pool.resubmit([tx(1, 0), tx(1, 1)])
        for _ in range(200):
            if len(pool) == 4:
                break
            await asyncio.sleep(0.01)
        assert sorted(order(pool)) == [(1, 0), (1, 1), (1, 2), (1, 3)]  # all back (2 and 3 keep stale tags
        pool.close()                                                      # until their next revalidation)

    asyncio.run(scenario())


def test_a_revalidation_that_straddles_a_reorg_drops_nothing_and_is_done_again():
    """Revalidation runs off the loop against the best block of its start. If a block is retracted meanwhile, its
    verdicts are about a chain that lost: a transaction "outdated" there may be in no block of the new best
    chain (and the reorg's resubmission found it still pooled). It stays, and is judged again at the new best."""
    import asyncio
    import threading

    async def scenario():
        pool, ledger, _ = make_pool()
        pool.maintain_off_loop = True
        h = pool.submit(tx(1, 0))
        gate, judged = threading.Event(), threading.Event()
        plain = ledger.validate

        def validate_at_start(xt):  # read the chain, then take a while to answer (a heavy block on the thread)
            try:
                return plain(xt)
            finally:
                judged.set()
                gate.wait(5)

        pool._validate = validate_at_start
        ledger.nonces[1] = 1  # block A includes it and is the best: outdated
        pool.request_revalidation(None)
        while not judged.is_set():
            await asyncio.sleep(0.005)
        ledger.nonces[1] = 0  # A is retracted while the verdict is on its way
        pool.on_retracted(b"A" * 32)
        pool.resubmit([tx(1, 0)])  # still pooled: nothing to resubmit
        pool._validate = plain
        gate.set()
        for _ in range(200):
            if pool._revalidation.done():
                break
            await asyncio.sleep(0.01)
        assert h in pool and pool.ready_count() == 1
        assert not pool.is_banned(h)
        pool.close()

    asyncio.run(scenario())


def test_verdicts_of_a_block_builder_on_a_retracted_chain_drop_nothing():
    pool, ledger, _ = make_pool()
    h = pool.submit(tx(1, 0))
    view = pool.chain_view  # a proposer plans on the best block...
    pool.on_retracted(b"A" * 32)  # ...which a reorg retracts before its block is concluded
    pool.remove_invalid([h], chain_view=view)
    assert h in pool and not pool.is_banned(h)
    pool.remove_invalid([h], chain_view=pool.chain_view)  # judged on the chain that is still best: dropped
    assert h not in pool and pool.is_banned(h)


def test_a_peers_batch_is_validated_in_one_job_with_each_outcome_in_order(monkeypatch):
    """What a peer sends is validated VALIDATION_CHUNK to a job on the execution thread; each transaction gets
    the outcome `submit` would give it: admitted (its hash), known, refused by the runtime (and banned)."""
    import asyncio

    from relaychain.node import execution

    jobs = []
    real_off_loop = execution.off_loop

    async def counting_off_loop(fn, *args, **kw):
        jobs.append(fn)
        return await real_off_loop(fn, *args, **kw)

    monkeypatch.setattr(execution, "off_loop", counting_off_loop)

    async def scenario():
        pool, ledger, _ = make_pool()
        pooled = pool.submit(tx(3, 0))
        ledger.nonces[2] = 1  # (2, 0) is outdated
        batch = [tx(1, 0), tx(3, 0), tx(2, 0), tx(1, 1), b"\x08\x01"]
        outcomes = await pool.submit_many_off_loop(batch)
        assert outcomes[0] == txpool.transaction_hash(tx(1, 0)) and outcomes[3] == txpool.transaction_hash(tx(1, 1))
        assert isinstance(outcomes[1], AlreadyImported) and pooled in pool
        assert isinstance(outcomes[2], Outdated) and pool.is_banned(txpool.transaction_hash(tx(2, 0)))
        assert isinstance(outcomes[4], BadFormat)
        assert sorted(order(pool)) == [(1, 0), (1, 1), (3, 0)]
        assert len(jobs) == 1  # the three that passed the pre-checks, validated together

    asyncio.run(scenario())


def test_a_copy_arriving_while_the_first_is_validated_is_not_validated_again():
    """Two peers send the same transaction; the second batch comes while the first is still on the execution
    thread. The copy is AlreadyImported at once, the original is admitted, and each was validated once. A
    batch that fails (here: cancelled) leaves nothing marked as being validated."""
    import asyncio

    async def scenario():
        pool, ledger, _ = make_pool()
        validated = []

        def counting(xt):
            validated.append(xt)
            return ledger.validate(xt)

        pool._validate = counting
        first = asyncio.ensure_future(pool.submit_many_off_loop([tx(1, 0), tx(2, 0)]))
        await asyncio.sleep(0)  # the first batch is prechecked and handed to the execution thread
        second = await pool.submit_many_off_loop([tx(2, 0), tx(3, 0)])
        outcomes = await first
        assert outcomes == [txpool.transaction_hash(tx(1, 0)), txpool.transaction_hash(tx(2, 0))]
        assert isinstance(second[0], AlreadyImported) and second[1] == txpool.transaction_hash(tx(3, 0))
        assert sorted(validated) == sorted([tx(1, 0), tx(2, 0), tx(3, 0)])
        cancelled = asyncio.ensure_future(pool.submit_many_off_loop([tx(4, 0)]))
        await asyncio.sleep(0)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert pool.submit(tx(4, 0)) == txpool.transaction_hash(tx(4, 0))  # not refused as "being validated"

    asyncio.run(scenario())


def test_remove_invalid_moves_dependents_to_future():
    pool, _, _ = make_pool()
    hs = [pool.submit(tx(1, n)) for n in range(3)]
    pool.remove_invalid([hs[0]])
    assert pool.ready_count() == 0 and pool.future_count() == 2
    with pytest.raises(TemporarilyBanned):
        pool.submit(tx(1, 0))


def test_limits():
    pool, _, _ = make_pool(ready_count=2, future_count=1)
    pool.submit(tx(1, 0))
    pool.submit(tx(2, 0))
    with pytest.raises(ImmediatelyDropped) as e:
        pool.submit(tx(3, 0))
    assert e.value.code == 1016
    pool.submit(tx(4, 5))
    with pytest.raises(ImmediatelyDropped):
        pool.submit(tx(4, 6))
    assert len(pool) == 3


def test_long_chain_is_linear_enough():
    pool, _, _ = make_pool()
    for n in range(200):
        pool.submit(tx(9, n % 256, salt=n // 256))
    assert pool.ready_count() == 200
    assert txpool.transaction_hash(tx(1, 0)) == __import__("hashlib").blake2b(tx(1, 0), digest_size=32).digest()


def test_retracted_transactions_return_to_the_pool():
    pool, ledger, _ = make_pool()
    statuses = []
    h = pool.submit(tx(1, 0), watcher=statuses.append)
    ledger.nonces[1] = 1
    pool.on_block_imported(b"A" * 32, [h], is_best=True)
    assert h not in pool
    # A reorg drops block A: the chain nonce is back to 0 and the transaction is pooled again.
    ledger.nonces[1] = 0
    pool.on_retracted(b"A" * 32)
    pool.resubmit([tx(1, 0)])
    assert h in pool and pool.ready_count() == 1
    assert {"retracted": "0x" + (b"A" * 32).hex()} in statuses and statuses[-1] == "ready"


def test_pruning_by_tags_without_revalidation():
    pool, ledger, _ = make_pool(revalidate_batch=0)
    h0 = pool.submit(tx(1, 0))
    pool.submit(tx(1, 1))
    pool.submit(tx(2, 0))
    pool.on_block_imported(b"C" * 32, [h0], is_best=True)
    # (1, 1)'s requirement (1, 0) is now on chain: met without asking the runtime again.
    assert h0 not in pool and sorted(order(pool)) == [(1, 1), (2, 0)]
    assert all(t.requires == () for t in pool.ready())



def test_revalidation_moves_a_transaction_whose_tags_changed_and_keeps_the_rest():
    """Revalidation recomputes what is ready when tags change (here: (3, 1) now waits for (3, 0), which no one
    provides), and leaves the other transactions ready and in order."""
    pool, ledger, _ = make_pool()
    ledger.nonces[3] = 1
    waiting = pool.submit(tx(3, 1))
    pool.submit(tx(1, 0, prio=2))
    pool.submit(tx(2, 0, prio=5))
    assert sorted(order(pool)) == [(1, 0), (2, 0), (3, 1)]
    ledger.nonces[3] = 0  # (3, 1) now requires (3, 0)
    pool.revalidate()
    assert order(pool) == [(2, 0), (1, 0)] and pool.future_count() == 1 and waiting in pool
    assert pool.ready_count() == 2
    ledger.nonces[3] = 1
    pool.revalidate()
    assert order(pool) == [(2, 0), (1, 0), (3, 1)] and pool.future_count() == 0


def test_block_import_keeps_what_required_included_transactions_ready():
    """Transactions whose requirements the best block's transactions provided stay ready, in order, without
    waiting for a revalidation."""
    pool, ledger, _ = make_pool(revalidate_batch=0)
    h0 = pool.submit(tx(1, 0))
    pool.submit(tx(1, 1))
    pool.submit(tx(1, 2))
    ledger.nonces[1] = 1
    pool.on_block_imported(b"D" * 32, [h0], is_best=True)
    assert order(pool) == [(1, 1), (1, 2)] and pool.future_count() == 0


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 5), st.integers(1, 9), st.integers(0, 1)), max_size=25))
def test_incremental_admission_equals_full_recomputation(ops):
    """Ready/future after each incremental admission equals a from-scratch recomputation, and counters agree.

    Only the pool's typed rejections are expected, each exactly when a plain model of the pool says so: the
    same bytes again (AlreadyImported), or the same (who, nonce) slot held at a priority at least as high
    (TooLowPriority). Anything else propagates and fails the test."""
    pool, _, _ = make_pool()
    slots = {}  # (who, nonce) -> (prio, salt) of the pooled transaction: the plain model
    for who, nonce, prio, salt in ops:
        held = slots.get((who, nonce))
        try:
            pool.submit(tx(who, nonce, prio, salt))
        except AlreadyImported:
            assert held == (prio, salt)
        except TooLowPriority:
            assert held is not None and held != (prio, salt) and held[0] >= prio
        else:
            assert held is None or held[0] < prio
            slots[(who, nonce)] = (prio, salt)
        assert sorted((t.data[-3], t.data[-2]) for t in pool._txs.values()) == sorted(slots)
        incremental = {h for h, t in pool._txs.items() if t.ready}
        pool._repartition()
        full = {h for h, t in pool._txs.items() if t.ready}
        assert incremental == full
        assert pool.ready_count() == len(full) and pool.future_count() == len(pool) - len(full)
        # Plain definition: ready iff its nonce chain down to the account's first nonce (0) is pooled.
        for h, t in pool._txs.items():
            w, n = t.data[-3], t.data[-2]
            chain = all(any(u.data[-3] == w and u.data[-2] == k for u in pool._txs.values()) for k in range(n))
            assert t.ready == chain


def test_expired_bans_are_purged():
    pool, ledger, clock = make_pool(ban_seconds=10)
    pool.ban([b"a" * 32, b"b" * 32])
    clock.t = 5
    pool.ban([b"a" * 32])  # renewed: now expires at 15
    clock.t = 11
    pool.ban([b"c" * 32])
    assert list(pool._banned) == [b"a" * 32, b"c" * 32]
    assert pool.is_banned(b"a" * 32) and not pool.is_banned(b"b" * 32)
