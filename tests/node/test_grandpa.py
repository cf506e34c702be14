"""GRANDPA vote counting, signing payloads and justifications (no network).

Round-logic vectors are the unit tests of the `finality-grandpa` crate (paritytech/finality-grandpa
src/round.rs tests `estimate_is_valid`, `finalization`, `equivocate_does_not_double_count`, and
src/lib.rs `threshold_is_right`), replayed with real headers and ed25519 signatures. Justification
bytes are decoded with scalecodec's `GrandpaJustification` type (legacy registry) as an oracle.
"""

import pytest
from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from relaychain.node.consensus.grandpa import (
    PRECOMMIT, PREVOTE, Commit, GrandpaJustification, JustificationError, Message, RoundVotes, SignedMessage,
    VoterSet, build_justification, decode_gossip, encode_commit_gossip, encode_vote_gossip, threshold,
    verify_justification, vote_payload,
)
from relaychain.primitives.crypto import Ed25519Keypair, verify_ed25519
from relaychain.primitives.types import Header

_RC = RuntimeConfiguration()
_RC.update_type_registry(load_type_registry_preset("legacy"))


def kp(name):
    return Ed25519Keypair.from_uri(f"//{name}")


ALICE, BOB, EVE, DAVE = kp("Alice"), kp("Bob"), kp("Eve"), kp("Dave")


class Tree:
    """Named blocks with real headers: genesis is #1 as in finality-grandpa's DummyChain."""

    def __init__(self):
        g = Header(b"\x00" * 32, 1, b"\x01" * 32, b"\x02" * 32)
        self.headers = {g.hash(): g}
        self.by_name = {"GENESIS": g.hash()}

    def push(self, parent, names):
        for name in names:
            ph = self.by_name[parent]
            h = Header(ph, self.headers[ph].number + 1, name.encode().ljust(32, b"\0"), b"\x02" * 32)
            self.headers[h.hash()] = h
            self.by_name[name] = h.hash()
            parent = name

    def t(self, name):
        h = self.by_name[name]
        return h, self.headers[h].number


@pytest.fixture
def tree():
    t = Tree()
    t.push("GENESIS", ["A", "B", "C", "D", "E", "F"])
    t.push("E", ["EA", "EB", "EC", "ED"])
    t.push("F", ["FA", "FB", "FC"])
    return t


def vote(key, kind, target, rnd=1, set_id=0):
    m = Message(kind, *target)
    return SignedMessage(m, key.sign(vote_payload(m, rnd, set_id)), key.public)


@pytest.fixture
def voters():
    return VoterSet([(ALICE.public, 4), (BOB.public, 7), (EVE.public, 3)])


def test_threshold_is_right():
    for total, expected in [(3, 3), (4, 3), (5, 4), (6, 5), (7, 5), (10, 7), (100, 67), (101, 68), (102, 69), (103, 69)]:
        assert threshold(total) == expected


def test_signing_payload_layout_and_signature():
    h = bytes(range(32))
    m = Message(PRECOMMIT, h, 0x01020304)
    expected = b"\x01" + h + bytes([4, 3, 2, 1]) + (7).to_bytes(8, "little") + (9).to_bytes(8, "little")
    assert vote_payload(m, 7, 9) == expected
    assert vote_payload(Message(PREVOTE, h, 1), 0, 0)[0] == 0 and vote_payload(Message(2, h, 1), 0, 0)[0] == 2
    signed = vote(ALICE, PRECOMMIT, (h, 0x01020304), rnd=7, set_id=9)
    assert verify_ed25519(signed.signature, expected, ALICE.public)
    assert signed.verify(7, 9) and not signed.verify(7, 10) and not signed.verify(8, 9)


def test_estimate_is_valid(tree, voters):
    r = RoundVotes(1, voters, tree.t("C"), tree.headers.get)
    r.import_vote(vote(ALICE, PREVOTE, tree.t("FC")))
    r.import_vote(vote(BOB, PREVOTE, tree.t("ED")))
    s = r.state()
    assert s.prevote_ghost == tree.t("E") and s.estimate == tree.t("E") and not s.completable
    r.import_vote(vote(EVE, PREVOTE, tree.t("F")))
    s = r.state()
    assert s.prevote_ghost == tree.t("E") and s.estimate == tree.t("E")


def test_finalization(tree, voters):
    r = RoundVotes(1, voters, tree.t("C"), tree.headers.get)
    r.import_vote(vote(ALICE, PRECOMMIT, tree.t("FC")))
    r.import_vote(vote(BOB, PRECOMMIT, tree.t("ED")))
    assert r.state().finalized is None
    for key, name in [(ALICE, "FC"), (BOB, "ED"), (EVE, "EA")]:
        r.import_vote(vote(key, PREVOTE, tree.t(name)))
    assert r.state().finalized == tree.t("E")
    r.import_vote(vote(EVE, PRECOMMIT, tree.t("EA")))
    assert r.state().finalized == tree.t("EA")


def test_equivocations_do_not_count_twice(tree, voters):
    r = RoundVotes(1, voters, tree.t("C"), tree.headers.get)
    assert r.import_vote(vote(EVE, PREVOTE, tree.t("FC"))) == "new"
    assert r.state().prevote_ghost is None
    assert r.import_vote(vote(EVE, PREVOTE, tree.t("ED"))) == "equivocation"
    assert r.import_vote(vote(EVE, PREVOTE, tree.t("F"))) == "ignored"  # further equivocations add nothing
    assert r.import_vote(vote(EVE, PREVOTE, tree.t("ED"))) == "duplicate"
    assert r.state().prevote_ghost is None  # Eve's 3 counted once, not 3 times
    assert len(r.equivocations) == 1
    r.import_vote(vote(BOB, PREVOTE, tree.t("FA")))
    assert r.state().prevote_ghost == tree.t("FA")  # 7 + 3 (equivocator counts for everything) >= 11


def test_completable_when_everyone_agrees(tree, voters):
    r = RoundVotes(1, voters, tree.t("C"), tree.headers.get)
    for key in (ALICE, BOB, EVE):
        r.import_vote(vote(key, PREVOTE, tree.t("FB")))
    assert not r.state().completable
    for key in (ALICE, BOB):
        r.import_vote(vote(key, PRECOMMIT, tree.t("FB")))
    s = r.state()
    assert s.finalized == tree.t("FB") and s.estimate == tree.t("FB") and s.completable


# -- justifications ---------------------------------------------------------------------------

AUTH4 = [(k.public, 1) for k in (ALICE, BOB, EVE, DAVE)]


def make_justification(tree, votes, target="D", rnd=3, set_id=1):
    commit = Commit(*tree.t(target), tuple(vote(k, PRECOMMIT, tree.t(n), rnd, set_id) for k, n in votes))
    return build_justification(rnd, commit, tree.headers.get)


def test_justification_round_trip_and_scalecodec_layout(tree):
    j = make_justification(tree, [(ALICE, "D"), (BOB, "F"), (EVE, "FB")])
    raw = j.encode()
    assert GrandpaJustification.decode(raw) == j
    # ancestry: every header strictly above D on the routes of F and FB
    assert {h.number for h in j.votes_ancestries} == {6, 7, 8, 9}
    oracle = _RC.create_scale_object("GrandpaJustification", ScaleBytes(raw))
    value = oracle.decode()
    assert value["round"] == 3
    assert value["commit"]["target_hash"] == "0x" + tree.by_name["D"].hex()
    assert value["commit"]["target_number"] == 5
    pcs = value["commit"]["precommits"]
    assert [p["id"] for p in pcs] == ["0x" + k.public.hex() for k in (ALICE, BOB, EVE)]
    assert pcs[2]["precommit"]["target_number"] == 9
    assert len(value["votes_ancestries"]) == 4
    assert verify_justification(raw, AUTH4, 1, target=tree.t("D")) == j


def test_justification_rejections(tree):
    good = make_justification(tree, [(ALICE, "D"), (BOB, "E"), (EVE, "F")])
    verify_justification(good.encode(), AUTH4, 1)

    with pytest.raises(JustificationError, match="signature"):  # wrong set id
        verify_justification(good.encode(), AUTH4, 2)
    with pytest.raises(JustificationError, match="signature"):
        pcs = list(good.commit.precommits)
        pcs[1] = SignedMessage(pcs[1].message, bytes(64), pcs[1].id)
        verify_justification(GrandpaJustification(3, Commit(*tree.t("D"), tuple(pcs)), good.votes_ancestries), AUTH4, 1)
    with pytest.raises(JustificationError, match="signature"):  # signed for another round
        verify_justification(GrandpaJustification(4, good.commit, good.votes_ancestries), AUTH4, 1)
    with pytest.raises(JustificationError, match="below the supermajority"):
        verify_justification(make_justification(tree, [(ALICE, "D"), (BOB, "E")]), AUTH4, 1)
    with pytest.raises(JustificationError, match="below the supermajority"):  # votes of non-authorities weigh nothing
        verify_justification(make_justification(tree, [(ALICE, "D"), (BOB, "E"), (kp("Mallory"), "E")]), AUTH4, 1)
    with pytest.raises(JustificationError, match="expected block"):
        verify_justification(good, AUTH4, 1, target=tree.t("E"))
    with pytest.raises(JustificationError, match="no precommit route"):
        extra = good.votes_ancestries + (tree.headers[tree.by_name["FA"]],)
        verify_justification(GrandpaJustification(3, good.commit, extra), AUTH4, 1)
    with pytest.raises(JustificationError, match="descend"):
        verify_justification(GrandpaJustification(3, good.commit, good.votes_ancestries[:-1]), AUTH4, 1)
    with pytest.raises(JustificationError, match="undecodable"):
        verify_justification(good.encode()[:-1], AUTH4, 1)
    with pytest.raises(JustificationError, match="below the commit target"):
        below = Commit(*tree.t("D"), (vote(ALICE, PRECOMMIT, tree.t("C"), 3, 1),))
        verify_justification(GrandpaJustification(3, below, ()), AUTH4, 1)


def test_equivocating_precommits_in_a_justification_count_once(tree):
    # Alice precommits twice (D and E): counted as one voter, so with Bob only 2 of 4 -> insufficient
    j = make_justification(tree, [(ALICE, "D"), (ALICE, "E"), (BOB, "E")])
    with pytest.raises(JustificationError, match="below the supermajority"):
        verify_justification(j, AUTH4, 1)
    verify_justification(make_justification(tree, [(ALICE, "D"), (ALICE, "E"), (BOB, "E"), (EVE, "E")]), AUTH4, 1)


def test_gossip_message_codec(tree):
    signed = vote(ALICE, PREVOTE, tree.t("E"), 5, 2)
    raw = encode_vote_gossip(5, 2, signed)
    assert raw[:17] == b"\x00" + (5).to_bytes(8, "little") + (2).to_bytes(8, "little")
    assert decode_gossip(raw) == (0, 5, 2, signed)
    commit = make_justification(tree, [(ALICE, "D"), (BOB, "E"), (EVE, "F")]).commit
    assert decode_gossip(encode_commit_gossip(3, 1, commit)) == (1, 3, 1, commit)


def test_catch_up_validation(tree):
    from relaychain.node.consensus.grandpa import CatchUp, GrandpaError, validate_catch_up
    from relaychain.primitives.scale import Reader

    voters = VoterSet(AUTH4)
    prevotes = tuple(vote(k, PREVOTE, tree.t("F"), 7, 1) for k in (ALICE, BOB, EVE))
    precommits = tuple(vote(k, PRECOMMIT, tree.t("F"), 7, 1) for k in (ALICE, BOB, EVE))
    cu = CatchUp(7, prevotes, precommits, *tree.t("C"))
    assert CatchUp.decode_from(Reader(cu.encode())) == cu
    state = validate_catch_up(cu, voters, 1, tree.headers.get).state()
    assert state.completable and state.finalized == tree.t("F")
    with pytest.raises(GrandpaError, match="completable"):  # only 2 of 4 precommits
        validate_catch_up(CatchUp(7, prevotes, precommits[:2], *tree.t("C")), voters, 1, tree.headers.get)
    with pytest.raises(GrandpaError, match="signature"):  # votes signed for another round
        validate_catch_up(CatchUp(8, prevotes, precommits, *tree.t("C")), voters, 1, tree.headers.get)
    with pytest.raises(GrandpaError, match="non-voter"):
        extra = precommits + (vote(kp("Mallory"), PRECOMMIT, tree.t("F"), 7, 1),)
        validate_catch_up(CatchUp(7, prevotes, extra, *tree.t("C")), voters, 1, tree.headers.get)


def test_decodes_a_vote_message_from_another_implementation():
    """Vector: ChainSafe/gossamer lib/grandpa/message_handler_integration_test.go, TestDecodeMessage_VoteMessage
    (a Substrate-format `GossipMessage::Vote`; only its decoding is asserted there, not its signature)."""
    raw = bytes.fromhex(
        "004d000000000000006300000000000000017db9db5ed9967b80143100189ba69d9e4deab85ac3570e5df25686cabe32964a"
        "7777000036e6eca85489bebbb0f687ca5404748d5aa2ffabee34e3ed272cc7b2f6d0a82c65b99bc7cd90dbc21bb528289ebf"
        "96705dbd7d96918d34d815509b4e0e2a030f34602b88f60513f1c805d87ef52896934baf6a662bc37414dbdbf69356b1a691")
    variant, rnd, set_id, signed = decode_gossip(raw)
    assert (variant, rnd, set_id) == (0, 77, 99)
    assert signed.message == Message(PRECOMMIT, bytes.fromhex(
        "7db9db5ed9967b80143100189ba69d9e4deab85ac3570e5df25686cabe32964a"), 0x7777)
    assert signed.signature.hex().startswith("36e6eca8") and signed.signature.hex().endswith("e2a030f")
    assert signed.id.hex() == "34602b88f60513f1c805d87ef52896934baf6a662bc37414dbdbf69356b1a691"
    assert encode_vote_gossip(rnd, set_id, signed) == raw
