"""Chain selection: viability, reverts and fork choice; GRANDPA's voting rule seam (parachains.md §9-§10).

Fork choice is checked against a plain rule written here (sc-consensus-babe's: the chain with more primary-slot
blocks, then the higher block; a tie keeps the best block; a fresh choice among leaves breaks a full tie by the
lower hash); the voting rule with a stub predicate on a real 4-validator in-process network.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from relaychain.node.chain_selection import ChainSelection, RevertError
from relaychain.primitives.types import (Digest, Header, PreDigest, PrimaryPreDigest, SecondaryPlainPreDigest,
                                         VrfSignature)
from relaychain.storage import Database
from tests.node.harness import start_in_process, stop_all, wait_until
from tests.node.test_block_import import _author, _client, _propose_any
from relaychain.node.consensus.slots import SlotInfo


class Tree:
    """Real headers by name, each with a BABE claim (primary or secondary); `fin` is the finalized block's name."""

    def __init__(self):
        g = Header(bytes(32), 0, bytes(32), bytes(32))
        self.headers = {g.hash(): g}
        self.by_name = {"G": g.hash()}
        self.primary: dict[bytes, bool] = {g.hash(): False}
        self.fin = "G"

    def add(self, parent: str, name: str, salt: int = 0, primary: bool = False) -> bytes:
        ph = self.by_name[parent]
        number = self.headers[ph].number + 1
        claim = (PrimaryPreDigest(0, number, VrfSignature(bytes(32), bytes(64))) if primary
                 else SecondaryPlainPreDigest(0, number))
        h = Header(ph, number, name.encode().ljust(32, b"\0"), salt.to_bytes(32, "little"),
                   Digest((PreDigest.to_digest_item(claim),)))
        self.headers[h.hash()] = h
        self.by_name[name] = h.hash()
        self.primary[h.hash()] = primary
        return h.hash()

    def selection(self, db) -> ChainSelection:
        return ChainSelection(db, self.headers.get, lambda: self.by_name[self.fin])

    def weight(self, h: bytes) -> int:
        """The primary-slot blocks from genesis to `h`, counted plainly."""
        total = 0
        while self.headers[h].number > 0:
            total += self.primary[h]
            h = self.headers[h].parent_hash
        return total

    def rank(self, h: bytes) -> tuple[int, int]:
        return self.weight(h), self.headers[h].number


def plain_best(tree: Tree, reverted: set) -> bytes:
    """The reference rule for a fresh choice: among blocks above the finalized one with no reverted block between
    them and the finalized block, the greatest (weight, number); full ties to the lower hash."""
    def viable(h):
        while h != tree.by_name[tree.fin]:
            if h in reverted:
                return False
            h = tree.headers[h].parent_hash
        return True
    fin = tree.by_name[tree.fin]
    candidates = [h for h in tree.headers if _descends(tree, h, fin) and viable(h)]
    return max(candidates, key=lambda h: (*tree.rank(h), -int.from_bytes(h, "big")))


def _descends(tree, h, ancestor):
    while h != ancestor:
        header = tree.headers[h]
        if header.number == 0:
            return False
        h = header.parent_hash
    return True


@pytest.fixture
def db(tmp_path):
    d = Database(str(tmp_path / "db"))
    yield d
    d.close()


def test_revert_makes_a_branch_non_viable_and_best_follows_the_reference(db):
    t = Tree()
    for parent, name in [("G", "A"), ("A", "B"), ("B", "C"), ("C", "D"), ("A", "X"), ("X", "Y")]:
        t.add(parent, name)
    cs = t.selection(db)
    leaves = [t.by_name[n] for n in ("D", "Y")]
    assert cs.best_viable_leaf(leaves) == plain_best(t, set()) == t.by_name["D"]
    cs.revert(t.by_name["C"])
    assert not cs.is_viable(t.by_name["D"]) and not cs.is_viable(t.by_name["C"])
    assert cs.is_viable(t.by_name["B"]) and cs.is_viable(t.by_name["Y"])
    assert cs.best_viable_leaf(leaves) == plain_best(t, {t.by_name["C"]})
    # a longer chain through the reverted block never becomes best
    t.add("D", "E")
    t.add("E", "F")
    assert not cs.is_better(t.by_name["F"], t.by_name["Y"])
    assert cs.is_better(t.by_name["Y"], t.by_name["F"])
    assert not cs.can_finalize(t.by_name["D"]) and cs.can_finalize(t.by_name["Y"])


@pytest.mark.parametrize("seed", range(25))
def test_fork_choice_follows_babe_weight_as_the_plain_rule_says(db, seed):
    """Blocks of a random tree arrive parents first: each replaces the best exactly when the plain rule ranks
    it higher (a tie keeps the best). Finality then moves up the best chain: the decisions stay the same, and a
    restarted node (weights counted from its finalized block only) decides alike; so does `outranks`, from a
    header, and a fresh choice among the leaves."""
    rng = random.Random(seed)
    t = Tree()
    names = ["G"]
    for i in range(40):
        names.append(f"b{i}")
        t.add(rng.choice(names[-6:-1] if len(names) > 2 else ["G"]), names[-1], primary=rng.random() < 0.3)
    order = [t.by_name[n] for n in names[1:]]  # parents first
    cs = t.selection(db)
    best = t.by_name["G"]

    def arrive(h, selection, best):
        expected = t.rank(h) > t.rank(best)
        assert selection.outranks(t.headers[h], best) == expected
        assert selection.is_better(h, best) == expected, (seed, t.rank(h), t.rank(best))
        return h if expected else best

    for h in order[:20]:
        best = arrive(h, cs, best)
    # finality moves to an ancestor of the best block; blocks not descending from it are no longer compared
    fin = best
    for _ in range(rng.randrange(3)):
        fin = t.headers[fin].parent_hash if t.headers[fin].number > 0 else fin
    t.fin = next(n for n, h in t.by_name.items() if h == fin)
    cs.prune_finalized()
    restarted = t.selection(db)
    best_again = best
    for h in order[20:]:
        if not _descends(t, h, fin):
            continue
        best = arrive(h, cs, best)
        best_again = arrive(h, restarted, best_again)
    assert best == best_again
    leaves = [h for h in t.headers if not any(x.parent_hash == h for x in t.headers.values())]
    assert cs.best_viable_leaf(leaves) == restarted.best_viable_leaf(leaves) == plain_best(t, set())


def test_reverts_are_persisted_and_finality_is_never_reverted(db, tmp_path):
    t = Tree()
    for parent, name in [("G", "A"), ("A", "B"), ("B", "C")]:
        t.add(parent, name)
    cs = t.selection(db)
    cs.revert(t.by_name["C"])
    again = t.selection(db)  # a restarted node reads its reverts back
    assert not again.is_viable(t.by_name["C"])
    t.fin = "B"
    with pytest.raises(RevertError):
        again.revert(t.by_name["A"])
    with pytest.raises(RevertError):
        again.revert(b"\x77" * 32)


def test_voting_rules_restrict_finality(db):
    t = Tree()
    t.add("G", "A")
    t.add("A", "B")
    cs = t.selection(db)
    assert cs.can_finalize(t.by_name["B"])
    cs.add_voting_rule(lambda h: t.headers[h].number <= 1)
    assert cs.can_finalize(t.by_name["A"]) and not cs.can_finalize(t.by_name["B"])


def test_client_fork_choice_skips_a_reverted_longer_branch(tmp_path):
    a = _client(tmp_path / "a")
    try:
        _, slot, block1 = _propose_any(a)
        b1 = a.import_block(block1.encode()).hash
        fork = None
        for s in range(slot + 1, slot + 400):  # a sibling of block 2 on the same parent, then grow branch 1
            for name in ("alice", "bob", "charlie", "dave"):
                p = _author(a, name).propose(SlotInfo(s, 6000), parent_hash=b1)
                if p is not None:
                    fork = fork or []
                    fork.append(p[0])
                    break
            if fork and len(fork) == 2:
                break
        first, second = (a.import_block(b.encode()).hash for b in fork)
        best_before = a.best_hash()
        assert best_before in (first, second)
        other = second if best_before == first else first
        assert a.revert(best_before) == other  # the sibling takes over
        assert a.best_hash() == other
        # building on the reverted block: imported, never best
        for s in range(slot + 400, slot + 800):
            p = _author(a, "alice").propose(SlotInfo(s, 6000), parent_hash=best_before) or \
                _author(a, "bob").propose(SlotInfo(s, 6000), parent_hash=best_before)
            if p is not None:
                imported = a.import_block(p[0].encode())
                assert not imported.is_new_best and a.best_hash() == other
                break
    finally:
        a.db.close()


@pytest.mark.slow
def test_grandpa_votes_only_for_blocks_the_voting_rule_accepts(tmp_path):
    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=250)
        ceiling = {"n": 3}
        finalized_while_restricted: list[int] = []
        try:
            for node in nodes:
                node.client.chain_selection.add_voting_rule(
                    lambda h, c=node.client: (c.number(h) or 0) <= ceiling["n"])
                node.client.finality_listeners.append(
                    lambda header, _h, _new: ceiling["n"] == 3 and finalized_while_restricted.append(header.number))
            # GRANDPA runs (it reaches the ceiling) while the chain grows well past it
            assert await wait_until(lambda: all(n.client.finalized_number() == 3 for n in nodes), 30)
            assert await wait_until(lambda: all(n.client.best_number() >= 8 for n in nodes), 30)
            assert max(finalized_while_restricted) == 3
            ceiling["n"] = 10 ** 9  # the rule lifts: finality catches up
            assert await wait_until(lambda: all(n.client.finalized_number() >= 8 for n in nodes), 30)
        finally:
            await stop_all(nodes)
    asyncio.run(scenario())


def test_a_revert_log_reverts_the_block_it_names_on_its_own_chain(db):
    from relaychain.primitives.types import Consensus, Digest

    t = Tree()
    for parent, name in [("G", "A"), ("A", "B"), ("B", "C"), ("A", "X")]:
        t.add(parent, name)
    cs = t.selection(db)
    # D on C carries Revert(2): block #2 of D's chain is B (not X's sibling chain)
    revert_log = Consensus(b"POL1", bytes([4]) + (2).to_bytes(4, "little"))
    c = t.headers[t.by_name["C"]]
    d = Header(c.hash(), 4, b"D".ljust(32, b"\0"), bytes(32), Digest((revert_log,)))
    t.headers[d.hash()] = d
    assert cs.apply_revert_logs(d) == t.by_name["B"]
    assert not cs.is_viable(d.hash()) and not cs.is_viable(t.by_name["C"])
    assert cs.is_viable(t.by_name["A"]) and cs.is_viable(t.by_name["X"])
    # a sibling of D carrying the same log reverts nothing new (and so is not reported again)
    d2 = Header(c.hash(), 4, b"E".ljust(32, b"\0"), bytes(32), Digest((revert_log,)))
    t.headers[d2.hash()] = d2
    assert cs.apply_revert_logs(d2) is None and not cs.is_viable(d2.hash())
    # a block without the log, or with a malformed one, reverts nothing
    plain = Header(t.by_name["X"], 3, b"Y".ljust(32, b"\0"), bytes(32),
                   Digest((Consensus(b"POL1", b"\x04\x01"),)))
    t.headers[plain.hash()] = plain
    assert cs.apply_revert_logs(plain) is None and cs.is_viable(plain.hash())
