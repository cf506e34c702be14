"""Block import: a valid block from another validator imports; bad blocks are rejected and change nothing."""

import dataclasses

import pytest

from relaychain.node import client as client_mod
from relaychain.node import side_blocks
from relaychain.node.client import (BadBlockEncoding, BadPreDigest, BadSeal, BadStateRoot, Client,
                                    NotDescendantOfFinalized, UnknownAuthority, UnknownParent)
from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor
from relaychain.node.consensus.slots import ManualClock, SlotInfo
from relaychain.node.txpool import TransactionPool
from relaychain.primitives import babe_vrf, types
from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.sr25519_vrf import vrf_create, vrf_sign
from tests.node.harness import is_primary

SLOT_MS = 6000


class _NoTxPool(TransactionPool):
    def __init__(self):
        super().__init__(lambda xt: (_ for _ in ()).throw(AssertionError("unused")))


def _client(path):
    from relaychain.runtime import genesis
    from relaychain.storage import Database

    db = Database(str(path))
    return Client(db, genesis_storage=genesis.genesis_storage(genesis.dev_chain_spec(slot_duration_ms=SLOT_MS)))


def _author(client, name):
    keys = AuthorityKeys(dev_keypair(name, "sr25519"), dev_keypair(name, "ed25519"))
    return BabeAuthor(client, _NoTxPool(), keys, slot_duration_ms=SLOT_MS, clock=ManualClock(0))


def _propose_any(client, start_slot=1000, *, primary=None, parent_hash=None):
    """(author, slot, block): a block on `parent_hash` (default the best block) by whichever validator may author
    the first claimable slot from `start_slot` — the first with a primary (or a secondary) claim, if `primary` is
    given."""
    for slot in range(start_slot, start_slot + 400):
        for name in ("alice", "bob", "charlie", "dave"):
            proposal = _author(client, name).propose(SlotInfo(slot, SLOT_MS), parent_hash=parent_hash)
            if proposal is not None and (primary is None or is_primary(proposal[0].header) == primary):
                return name, slot, proposal[0]
    raise AssertionError("no validator could claim any slot" if primary is None else
                         f"no {'primary' if primary else 'secondary'} claim in 400 slots")


def _reseal(header, key):
    pre, _ = header.without_seal()
    return pre.with_log(types.Seal(b"BABE", key.sign(pre.hash())))


@pytest.fixture
def chains(tmp_path):
    a, b = _client(tmp_path / "a"), _client(tmp_path / "b")
    yield a, b
    a.db.close()
    b.db.close()


def _snapshot(c):
    return c.best_hash(), c.finalized_hash(), c.best_number()


def test_valid_block_from_another_validator_imports(chains):
    a, b = chains
    assert a.genesis_hash == b.genesis_hash
    name, slot, block = _propose_any(a)
    imported = b.import_block(block.encode())
    assert imported.is_new_best and b.best_hash() == block.header.hash()
    assert b.header(imported.hash) == block.header
    assert b.block(imported.hash).encode() == block.encode()
    assert b.import_block(block.encode()).already_known


def _assert_rejected(b, data, error, match=None):
    before = _snapshot(b)
    with pytest.raises(error, match=match):
        b.import_block(data)
    assert _snapshot(b) == before


def test_bad_blocks_are_rejected_and_change_nothing(chains):
    a, b = chains
    name, slot, block = _propose_any(a)
    key = dev_keypair(name, "sr25519")
    h = block.header

    # Wrong state root (properly re-sealed by the author): execution disagrees.
    bad_root = dataclasses.replace(h.without_seal()[0], state_root=bytes(32))
    bad_root = _reseal(bad_root.with_log(types.Seal(b"BABE", b"")), key)
    _assert_rejected(b, types.Block(bad_root, block.extrinsics).encode(), BadStateRoot)
    assert b.db.header(bad_root.hash()) is None

    # Bad seal: one flipped bit in the signature.
    pre, seal = h.without_seal()
    flipped = bytes([seal.data[0] ^ 1]) + seal.data[1:]
    _assert_rejected(b, types.Block(pre.with_log(types.Seal(b"BABE", flipped)), block.extrinsics).encode(), BadSeal)
    # No seal at all.
    _assert_rejected(b, types.Block(pre, block.extrinsics).encode(), BadSeal)
    # Sealed by a key that is not the claimed authority (Ferdie is no validator).
    _assert_rejected(b, types.Block(_reseal(h, dev_keypair("ferdie")), block.extrinsics).encode(), BadSeal)

    # Claim by an authority index that does not exist.
    from relaychain.node.consensus import babe_claims

    fake = babe_claims.encode_pre_digest(babe_claims.SecondaryPlainPreDigest(7, slot))
    logs = tuple(types.PreRuntime(b"BABE", fake) if isinstance(d, types.PreRuntime) else d for d in pre.digest.logs)
    unknown = _reseal(dataclasses.replace(pre, digest=types.Digest(logs)).with_log(types.Seal(b"BABE", b"")),
                      dev_keypair("ferdie"))
    _assert_rejected(b, types.Block(unknown, block.extrinsics).encode(), UnknownAuthority)

    # A claim for a slot the author does not own.
    wrong_slot = None
    for s in range(slot + 1, slot + 50):
        idx = babe_claims.authorities_index_of(client_mod.epoch_view(b.state_at(b.best_hash()), slot).authorities,
                                               key.public)
        if babe_claims.secondary_slot_author(s, 4, client_mod.epoch_view(b.state_at(b.best_hash()), slot).randomness) != idx:
            wrong_slot = s
            break
    # (a genuine secondary VRF signature by the author for that slot, and a plain claim the epoch does not allow)
    view = client_mod.epoch_view(b.state_at(b.best_hash()), wrong_slot)
    vrf = types.VrfSignature(*vrf_sign(key, view.transcript(wrong_slot)))
    for forged_pre, reason in ((types.SecondaryVRFPreDigest(idx, wrong_slot, vrf), "not the secondary owner"),
                               (types.SecondaryPlainPreDigest(idx, wrong_slot), "not allowed")):
        forged = babe_claims.encode_pre_digest(forged_pre)
        logs = tuple(types.PreRuntime(b"BABE", forged) if isinstance(d, types.PreRuntime) else d
                     for d in pre.digest.logs)
        _assert_rejected(b, types.Block(_reseal(dataclasses.replace(pre, digest=types.Digest(logs)).with_log(
            types.Seal(b"BABE", b"")), key), block.extrinsics).encode(), BadPreDigest, match=reason)

    # A primary claim whose VRF output loses (or whose proof is another slot's) is refused.
    for s in range(slot + 1, slot + 200):
        transcript = client_mod.epoch_view(b.state_at(b.best_hash()), s).transcript(s)
        if babe_vrf.authoring_score(vrf_create(key, transcript)) >= babe_claims.primary_threshold(1, 4):
            losing = types.VrfSignature(*vrf_sign(key, transcript))
            break
    for forged_pre, reason in ((types.PrimaryPreDigest(idx, s, losing), "above the primary threshold"),
                               (types.PrimaryPreDigest(idx, s + 1, losing), "bad VRF signature")):
        forged = babe_claims.encode_pre_digest(forged_pre)
        logs = tuple(types.PreRuntime(b"BABE", forged) if isinstance(d, types.PreRuntime) else d
                     for d in pre.digest.logs)
        _assert_rejected(b, types.Block(_reseal(dataclasses.replace(pre, digest=types.Digest(logs)).with_log(
            types.Seal(b"BABE", b"")), key), block.extrinsics).encode(), BadPreDigest, match=reason)

    # Unknown parent, malformed bytes.
    orphan = _reseal(dataclasses.replace(pre, parent_hash=b"\x01" * 32).with_log(types.Seal(b"BABE", b"")), key)
    _assert_rejected(b, types.Block(orphan, block.extrinsics).encode(), UnknownParent)
    _assert_rejected(b, block.encode()[:-1], BadBlockEncoding)
    _assert_rejected(b, b"\x00" * 10, BadBlockEncoding)

    # After all that, the genuine block still imports.
    assert b.import_block(block.encode()).is_new_best


def test_fork_choice_and_finality(chains):
    """BABE's fork choice (sc-consensus-babe): the chain with more primary-slot blocks wins, then the higher
    block; on a tie the block seen first stays best. Finality overrides it; finalizing backwards is refused."""
    a, b = chains
    _, s1, x = _propose_any(a, 1000, primary=False)  # four blocks at height 1, all on genesis
    _, s2, y = _propose_any(a, s1 + 1, primary=False)
    _, s3, p = _propose_any(a, s2 + 1, primary=True)
    _, s4, q = _propose_any(a, s3 + 1, primary=True)
    assert b.import_block(x.encode()).is_new_best
    assert not b.import_block(y.encode()).is_new_best and b.best_hash() == x.header.hash()  # a tie: x stays
    imported = b.import_block(p.encode())  # more weight at the same height
    assert imported.is_new_best and imported.retracted == (x.header.hash(),)
    assert not b.import_block(q.encode()).is_new_best and b.best_hash() == p.header.hash()  # a tie: p stays
    a.import_block(x.encode())
    _, _, z = _propose_any(a, s4 + 1, primary=False, parent_hash=x.header.hash())
    assert not b.import_block(z.encode()).is_new_best  # longer, but lighter: (0, #2) < (1, #1)
    _, _, z2 = _propose_any(a, s4 + 1, primary=True, parent_hash=x.header.hash())
    imported = b.import_block(z2.encode())  # (1, #2) > (1, #1)
    assert imported.is_new_best and imported.retracted == (p.header.hash(),)
    assert imported.enacted == (x.header.hash(), z2.header.hash()) and b.hash_by_number(1) == x.header.hash()
    # Finalize the losing fork: the best chain must follow it; finalizing backwards is refused.
    b.finalize(p.header.hash())
    assert b.best_hash() == p.header.hash() and b.hash_by_number(1) == p.header.hash()
    with pytest.raises(client_mod.FinalityError):
        b.finalize(x.header.hash())
    with pytest.raises(NotDescendantOfFinalized):
        b.import_block(types.Block(_reseal(z2.header, dev_keypair("alice")), z2.extrinsics).encode())


def test_the_decoded_header_cache_stays_within_its_bound_on_import(chains):
    """Imported blocks' headers are cached, and the cache keeps its bound on that path too (issue #13: import
    added one header per block past the bound, which only the lookup path enforced). Evicted headers are still
    read back from the database."""
    a, b = chains
    b.header_cache_size = 3
    hashes, slot = [], 1000
    for _ in range(7):
        _, slot, block = _propose_any(a, slot + 1)
        a.import_block(block.encode())
        b.import_block(block.encode())
        hashes.append(block.header.hash())
        assert len(b._headers) <= 3
    assert [b.header(h).hash() for h in hashes] == hashes
    assert len(b._headers) <= 3


def test_off_loop_import_stores_what_import_stores_and_rechecks_finality_at_commit(chains):
    """`import_block_off_loop` verifies on the execution thread and commits on the loop: the same block, header
    and best as `import_block`; and a block whose fork lost finality while it was being verified is refused
    at commit, leaving the database as it was."""
    import asyncio

    a, b = chains
    _, s1, x = _propose_any(a, 1000)
    _, _s2, y = _propose_any(a, s1 + 1)  # a competing block at height 1

    async def scenario():
        imported = await b.import_block_off_loop(x.encode())
        assert imported.is_new_best and b.block(imported.hash).encode() == x.encode()
        assert b.imports_in_flight.count == 0
        verified = b.verify_block(y.encode())  # y verified while the chain finalizes x ...
        b.finalize(x.header.hash())
        before = _snapshot(b)
        with pytest.raises(NotDescendantOfFinalized):
            b.commit_import(verified)  # ... so y may not be stored any more
        assert _snapshot(b) == before and b.header(y.header.hash()) is None

    asyncio.run(scenario())


def test_a_block_arriving_twice_during_its_import_is_executed_once(chains):
    """Announced and fetched by sync at once: the second copy waits for the first import (not for the execution
    thread) and is `already_known`; a bad block gives both copies its error; no import stays marked in flight."""
    import asyncio

    a, b = chains
    _, s1, x = _propose_any(a, 1000)
    a.import_block(x.encode())
    _, _, child = _propose_any(a, s1 + 1)
    executions = []
    verify = b.verify_block
    b.verify_block = lambda block: executions.append(block) or verify(block)  # a spy: counts, changes nothing
    forged = types.Block(_reseal(child.header, dev_keypair("ferdie", "sr25519")), child.extrinsics)

    async def scenario():
        first, second = await asyncio.gather(b.import_block_off_loop(x.encode()), b.import_block_off_loop(x))
        assert len(executions) == 1 and b.block(x.header.hash()).encode() == x.encode()
        assert (first.is_new_best, first.already_known) == (True, False)
        assert (second.hash, second.number, second.is_new_best, second.already_known) == (x.header.hash(), 1,
                                                                                        False, True)
        outcomes = await asyncio.gather(b.import_block_off_loop(forged.encode()),
                                        b.import_block_off_loop(forged.encode()), return_exceptions=True)
        assert len(executions) == 2 and all(isinstance(o, BadSeal) for o in outcomes)
        assert not b.is_importing(forged.header.hash()) and not b.is_importing(x.header.hash())
        assert (await b.import_block_off_loop(child.encode())).is_new_best  # the real child still imports

    asyncio.run(scenario())


def test_a_side_block_waits_for_the_hold_and_a_block_that_would_be_best_does_not(chains):
    """Blocks at height 1. While one is imported another waits; the first turns out bad, so the second (a
    secondary claim) imports at once, without asking the slot worker's hold. A primary sibling would become the
    best block (more weight): it imports at once too. Another sibling ties with it at best: a side block, it is
    not executed (nor counted as an import in flight, which the slot worker waits for) until the hold is
    released. A block below the best block's height (a fork being synced) is not held."""
    import asyncio

    a, b = chains
    _, slot, lighter = _propose_any(a, 1000, primary=False)  # a imports none of these: all are at height 1
    _, slot, heavier = _propose_any(a, slot + 1, primary=True)
    _, slot, side = _propose_any(a, slot + 1)  # no more weight than `heavier`: it loses to that one
    _, slot, stale = _propose_any(a, slot + 1)  # a fourth block at height 1
    a.import_block(heavier.encode())
    _, _, child = _propose_any(a, slot + 1)  # height 2, on `heavier`
    forged = types.Block(_reseal(heavier.header, dev_keypair("ferdie", "sr25519")), heavier.extrinsics)
    executions, asked = [], []
    verify = b.verify_block
    b.verify_block = lambda block: executions.append(block) or verify(block)  # a spy: counts, changes nothing

    async def scenario():
        released = asyncio.Event()
        b.side_import_hold = lambda header: asked.append(header) or released.wait()
        bad, first = await asyncio.gather(b.import_block_off_loop(forged.encode()),
                                          asyncio.wait_for(b.import_block_off_loop(lighter.encode()), 30),
                                          return_exceptions=True)
        assert isinstance(bad, BadSeal) and first.is_new_best and asked == []
        better = await asyncio.wait_for(b.import_block_off_loop(heavier.encode()), 30)
        assert better.is_new_best and asked == [] and len(executions) == 3
        held = asyncio.ensure_future(b.import_block_off_loop(side.encode()))
        await asyncio.sleep(0.3)
        assert not held.done() and [h.hash() for h in asked] == [side.header.hash()]
        assert b.is_importing(side.header.hash()) and b.imports_in_flight.count == 0 and len(executions) == 3
        released.set()
        imported = await asyncio.wait_for(held, 30)
        assert len(executions) == 4 and (imported.is_new_best, imported.already_known) == (False, False)
        assert b.best_hash() == heavier.header.hash() and not b.is_importing(side.header.hash())
        assert (await b.import_block_off_loop(child.encode())).is_new_best
        below = await asyncio.wait_for(b.import_block_off_loop(stale.encode()), 30)
        assert below.number == 1 and not below.already_known and len(asked) == 1

    asyncio.run(scenario())


def test_the_slot_worker_holds_side_blocks_only_while_a_slot_of_its_own_is_due(chains):
    """`BabeAuthor.side_import_hold`: None for a validator that can claim neither the current nor the next slot;
    for one that can, a wait that ends when the slot loop is done with that slot, or at the slot's end."""
    import asyncio

    a, _b = chains
    header = _propose_any(a, 1000)[2].header
    names = ("alice", "bob", "charlie", "dave")
    slot = next(s for s in range(2000, 2200)
                if 0 < sum(_author(a, n).can_claim(SlotInfo(t, SLOT_MS)) for n in names for t in (s, s + 1))
                and not all(any(_author(a, n).can_claim(SlotInfo(t, SLOT_MS)) for t in (s, s + 1)) for n in names))

    async def scenario():
        for name in names:
            author = _author(a, name)
            author.clock.set(slot * SLOT_MS + 10)
            claims = [author.can_claim(SlotInfo(t, SLOT_MS)) for t in (slot, slot + 1)]
            hold = author.side_import_hold(header)
            assert (hold is None) == (not any(claims)), name
            if hold is None:
                continue
            waiting = asyncio.ensure_future(hold)
            await asyncio.sleep(0.05)
            assert not waiting.done()
            author._slot_done(slot + 1)  # what `run` does once it is done with a slot
            await asyncio.wait_for(waiting, 1)
            assert author.side_import_hold(header) is None  # both slots are behind it now
            late = _author(a, name)
            late.clock.set((slot + 1 + claims.index(True)) * SLOT_MS - 30)  # 30 ms before that slot ends
            await asyncio.wait_for(late.side_import_hold(header), 1)  # ends with the slot, handled or not

    asyncio.run(scenario())


def test_a_parent_being_stored_is_unknown_until_its_state_is_written(chains):
    """The loop caches a block's header just before it writes the block; a child verified on the execution
    thread in that instant must not take the cached header for a stored parent (its state is not there yet)."""
    a, b = chains
    _, s1, x = _propose_any(a, 1000)
    a.import_block(x.encode())
    _, _, child = _propose_any(a, s1 + 1)
    assert child.header.parent_hash == x.header.hash()
    b._remember_header(x.header.hash(), x.header)  # what `_store` does first, before the database write
    with pytest.raises(UnknownParent):
        b.verify_block(child.encode())
    b.import_block(x.encode())
    assert b.import_block(child.encode()).is_new_best


def test_a_heavy_side_block_waits_until_needed_and_finality_drops_it_unexecuted(tmp_path, monkeypatch):
    """`defer_heavy_side_blocks` (blocks of inherents count as heavy here: the threshold is lowered to 2). A side
    block still behind the best chain after the slot worker's hold is not executed until something needs it:
    `release_deferred` (a vote or a fetch names it) imports it; a child arriving imports it first, then the child;
    finality passing its height drops it unexecuted (SideBlockDropped) and tells the peer nothing bad."""
    import asyncio

    from relaychain.node.client import SideBlockDropped

    monkeypatch.setattr(side_blocks, "DEFER_SIDE_BLOCK_EXTRINSICS", 2)
    a, b, c = (_client(tmp_path / n) for n in "abc")
    _, slot, winner = _propose_any(a, 1000, primary=True)  # four blocks at height 1; the first seen of the
    _, slot, parent = _propose_any(a, slot + 1, primary=True)  # heaviest (primary) claims is the best
    _, slot, released = _propose_any(a, slot + 1)
    _, slot, dropped = _propose_any(a, slot + 1)
    sides = [released, dropped, parent]
    a.import_block(winner.encode())
    _, slot, winners_child = _propose_any(a, slot + 1)
    c.import_block(parent.encode())
    _, _, parents_child = _propose_any(c, slot + 1)  # height 2 on an equally heavy side block: it outranks the winner
    executions = []
    verify = b.verify_block
    b.verify_block = lambda block: executions.append(block.header.hash() if isinstance(block, types.Block)
                                                     else types.Block.decode(block).header.hash()) or verify(block)
    b.defer_heavy_side_blocks = True

    async def scenario():
        assert (await b.import_block_off_loop(winner.encode())).is_new_best
        waiting = {blk.header.hash(): asyncio.ensure_future(b.import_block_off_loop(blk.encode())) for blk in sides}
        await asyncio.sleep(0.2)
        assert not any(w.done() for w in waiting.values()) and executions == [winner.header.hash()]
        assert all(b.is_importing(h) for h in waiting) and b.imports_in_flight.count == 0
        assert not b.release_deferred(winner.header.hash())  # not deferred: nothing to release
        assert b.release_deferred(released.header.hash())
        imported = await asyncio.wait_for(waiting[released.header.hash()], 30)
        assert not imported.is_new_best and executions[-1] == released.header.hash()
        child = await asyncio.wait_for(b.import_block_off_loop(parents_child.encode()), 30)
        assert child.is_new_best and b.best_hash() == parents_child.header.hash()
        assert (await asyncio.wait_for(waiting[parent.header.hash()], 30)).hash == parent.header.hash()
        assert executions[-2:] == [parent.header.hash(), parents_child.header.hash()]
        assert not waiting[dropped.header.hash()].done()
        b.finalize(parent.header.hash())
        with pytest.raises(SideBlockDropped):
            await asyncio.wait_for(waiting[dropped.header.hash()], 30)
        assert dropped.header.hash() not in executions and b.header(dropped.header.hash()) is None
        assert not b.is_importing(dropped.header.hash())

    try:
        asyncio.run(scenario())
    finally:
        for client in (a, b, c):
            client.db.close()


def test_deferred_side_blocks_are_bounded_the_oldest_is_imported(tmp_path, monkeypatch):
    """At most MAX_DEFERRED_SIDE_BLOCKS wait (here 2): deferring a third imports the one deferred first."""
    import asyncio

    monkeypatch.setattr(side_blocks, "DEFER_SIDE_BLOCK_EXTRINSICS", 2)
    monkeypatch.setattr(side_blocks, "MAX_DEFERRED_SIDE_BLOCKS", 2)
    a, b = _client(tmp_path / "a"), _client(tmp_path / "b")
    _, slot, winner = _propose_any(a, 1000, primary=True)  # imported first, no sibling outranks it
    sides = []
    while len(sides) < 3:
        _, slot, block = _propose_any(a, slot + 1)
        sides.append(block)
    b.defer_heavy_side_blocks = True

    async def scenario():
        await b.import_block_off_loop(winner.encode())
        waiting = []
        for blk in sides:
            waiting.append(asyncio.ensure_future(b.import_block_off_loop(blk.encode())))
            await asyncio.sleep(0.05)  # deferred in this order
        first = await asyncio.wait_for(waiting[0], 30)
        assert first.hash == sides[0].header.hash() and not first.is_new_best
        await asyncio.sleep(0.2)
        assert not waiting[1].done() and not waiting[2].done()
        for blk in sides[1:]:
            assert b.release_deferred(blk.header.hash())
        await asyncio.wait_for(asyncio.gather(*waiting[1:]), 30)

    try:
        asyncio.run(scenario())
    finally:
        a.db.close()
        b.db.close()


def test_a_block_finality_passed_while_it_was_built_is_dropped_with_a_warning(chains, caplog, monkeypatch):
    """The slot worker's import of its own block is refused when finality chose another fork while the block was
    built (a race under load): a warning naming the slot, as Substrate's "Error with block built on …", not a
    traceback, and the slot loop goes on."""
    import asyncio
    import logging

    a, _b = chains
    author = _author(a, "alice")

    async def finalized_elsewhere(slot, **_kw):
        raise NotDescendantOfFinalized("block #18 does not descend from finalized #16")

    monkeypatch.setattr(author, "author_off_loop", finalized_elsewhere)
    with caplog.at_level(logging.WARNING, logger="relaychain.babe"):
        asyncio.run(author._handle_slot(SlotInfo(1000, SLOT_MS)))
    (record,) = [r for r in caplog.records if r.name == "relaychain.babe"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "slot 1000" in record.getMessage() and "finalized #16" in record.getMessage()


def test_a_slot_handled_after_its_end_counts_as_skipped_for_want_of_time(chains):
    """The slot loop reaching a slot it can claim only once the slot is over authors nothing and counts it in
    `relaychain_proposer_slots_skipped{reason="no-time"}` (what the sTPS benchmark reads); a slot it cannot
    claim is not counted."""
    import asyncio

    from relaychain.node.metrics import NodeMetrics

    a, _b = chains
    author = _author(a, "alice")
    author.metrics = NodeMetrics("alice")
    mine = next(s for s in range(1000, 1100) if author.can_claim(SlotInfo(s, SLOT_MS)))
    other = next(s for s in range(1000, 1100) if not author.can_claim(SlotInfo(s, SLOT_MS)))
    for slot, counted in ((mine, 1.0), (other, 1.0)):
        author.clock.set((slot + 1) * SLOT_MS)  # the slot's end
        asyncio.run(author._handle_slot(SlotInfo(slot, SLOT_MS)))
        assert author.metrics.registry.get_sample_value("relaychain_proposer_slots_skipped_total",
                                                        {"reason": "no-time"}) == counted
        assert a.best_number() == 0


def test_an_announced_block_on_a_fork_finality_abandoned_is_dropped_quietly(chains, caplog):
    """Two claims of one slot; finality takes one before the other's announcement arrives. The late sibling is
    refused (it does not descend from the finalized block) but it is an honest validator's block: no "💔 Error
    importing block" warning, and it is not relayed."""
    import asyncio
    import logging

    from relaychain.node.network import InProcessHub
    from relaychain.node.sync import BlockSync
    from relaychain.primitives.crypto import Ed25519Keypair

    a, b = chains
    _, s1, x = _propose_any(a, 1000)
    _, _s2, y = _propose_any(a, s1 + 1)  # a competing block at height 1
    b.import_block(x.encode())
    b.finalize(x.header.hash())

    async def scenario():
        sync = BlockSync(b, InProcessHub().join(Ed25519Keypair.from_seed(b"\x07" * 32)))
        return await sync._on_announce(b"\x01" * 32, y.encode())

    with caplog.at_level(logging.DEBUG, logger="relaychain"):
        relayed = asyncio.run(scenario())
    assert relayed is False and b.header(y.header.hash()) is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("finality abandoned" in r.getMessage() for r in caplog.records)
