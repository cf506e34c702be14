"""GrandpaVoter end to end on an InProcessHub with real ed25519 votes.

The chain is an in-test ChainView over real headers (the chain is not the component under test);
its `finalize` asserts the safety property — finality only ever moves to a descendant.
"""

import asyncio

from relaychain.node.consensus.grandpa import (
    GOSSIP_TOPIC, PRECOMMIT, PREVOTE, GrandpaVoter, Message, SignedMessage, decode_gossip, encode_vote_gossip,
    verify_justification, vote_payload,
)
from relaychain.node.network import InProcessHub
from relaychain.primitives.crypto import Ed25519Keypair
from relaychain.primitives.types import Header

ROUND = 0.25  # seconds per round
KEYS = [Ed25519Keypair.from_uri(f"//{n}") for n in ("Alice", "Bob", "Charlie", "Dave")]
AUTHORITIES = [(k.public, 1) for k in KEYS]


class BlockTree:
    """The blocks every node has imported (one growing chain)."""

    def __init__(self):
        g = Header(b"\0" * 32, 0, b"\1" * 32, b"\2" * 32)
        self.headers = {g.hash(): g}
        self.chain = [g.hash()]

    def grow(self):
        parent = self.chain[-1]
        h = Header(parent, len(self.chain), len(self.chain).to_bytes(32, "little"), b"\2" * 32)
        self.headers[h.hash()] = h
        self.chain.append(h.hash())


class View:
    """One node's ChainView."""

    def __init__(self, tree, gate=None):
        self.tree = tree
        self.gate = gate
        self.fin = (tree.chain[0], 0)
        self.justifications = {}

    def best(self):
        return self.tree.chain[-1], len(self.tree.chain) - 1

    def finalized(self):
        return self.fin

    def header(self, h):
        return self.tree.headers.get(h)

    def is_descendant(self, ancestor, h):
        n = self.tree.headers[ancestor].number
        return len(self.tree.chain) > n and self.tree.chain[n] == ancestor and h in self.tree.chain[n + 1:]

    def can_finalize(self, h):
        return True if self.gate is None else self.gate(self.tree.headers[h].number)

    async def finalize(self, h, number, justification):
        assert self.tree.headers[h].number == number
        assert number > self.fin[1] and self.is_descendant(self.fin[0], h), "finality went backwards or forked"
        self.fin = (h, number)
        self.justifications[h] = justification


async def produce(tree, interval=0.05, limit=200):
    while len(tree.chain) < limit:
        tree.grow()
        await asyncio.sleep(interval)


async def start_voter(hub, tree, key, gate=None):
    net = hub.join(key)
    await net.start()
    view = View(tree, gate)
    voter = GrandpaVoter(key, net, view, lambda: AUTHORITIES, lambda: 0, round_duration=ROUND)
    await voter.start()
    return net, view, voter


async def wait_for(predicate, timeout=8.0):
    """Poll until `predicate()` holds (returns early) or `timeout` passes; robust to a slow machine."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return predicate()


def finalized(nodes):
    return [view.fin[1] for _net, view, _voter in nodes]


async def run_voters(online, until, seconds=8.0):
    hub = InProcessHub(latency=0.002)
    tree = BlockTree()
    nodes = [await start_voter(hub, tree, KEYS[i]) for i in online]
    producer = asyncio.ensure_future(produce(tree))
    await wait_for(lambda: until(nodes), seconds)
    producer.cancel()
    for net, _view, voter in nodes:
        await voter.stop()
        await net.stop()
    return tree, nodes


def heard_every_online_prevote(nodes):
    """Each voter has prevoted in its current round and holds the prevote of every online voter: with no
    one else online, no further vote can arrive, so whatever the round can decide is decided."""
    return all(voter.current.prevoted and len(voter.current.votes.votes[PREVOTE]) == len(nodes)
               for _net, _view, voter in nodes)


def check_justifications(tree, view):
    assert view.justifications
    for h, j in view.justifications.items():
        verify_justification(j, AUTHORITIES, 0, target=(h, tree.headers[h].number))


def test_four_voters_finalize_a_growing_chain():
    # How many rounds 10 blocks take depends on how many blocks a loaded machine produces per round, so
    # wait for both: finality past #10 and several completed rounds.
    tree, nodes = asyncio.run(run_voters([0, 1, 2, 3], until=lambda ns: min(finalized(ns)) >= 10 and min(
        v.round_number for _n, _w, v in ns) >= 4))
    for _net, view, voter in nodes:
        assert view.fin[1] >= 10, f"only finalized #{view.fin[1]} of {len(tree.chain) - 1}"
        assert tree.chain[view.fin[1]] == view.fin[0]
        check_justifications(tree, view)
        assert voter.round_number >= 4


def test_one_of_four_offline_still_finalizes():
    tree, nodes = asyncio.run(run_voters([0, 1, 3], until=lambda ns: min(finalized(ns)) >= 8))
    for _net, view, _voter in nodes:
        assert view.fin[1] >= 8
        check_justifications(tree, view)


def test_two_of_four_offline_do_not_finalize():
    async def main():
        hub = InProcessHub(latency=0.002)
        tree = BlockTree()
        nodes = [await start_voter(hub, tree, KEYS[i]) for i in (1, 2)]
        producer = asyncio.ensure_future(produce(tree))
        settled = await wait_for(lambda: len(tree.chain) > 20 and heard_every_online_prevote(nodes))
        producer.cancel()
        for net, _view, voter in nodes:
            await voter.stop()
            await net.stop()
        return tree, nodes, settled

    tree, nodes, settled = asyncio.run(main())
    assert settled, [(v.current.prevoted, len(v.current.votes.votes[PREVOTE])) for _n, _w, v in nodes]
    for _net, view, voter in nodes:
        assert view.fin[1] == 0 and not view.justifications
        assert voter.round_number == 1  # the first round never completes without a supermajority


def test_approval_gate_holds_finality_below_unapproved_block():
    approved_up_to = {"n": 6}

    async def main():
        hub = InProcessHub(latency=0.002)
        tree = BlockTree()
        gate = lambda number: number < approved_up_to["n"]  # block #6 is not approved yet
        nodes = [await start_voter(hub, tree, k, gate) for k in KEYS]
        producer = asyncio.ensure_future(produce(tree))
        await wait_for(lambda: min(finalized(nodes)) >= 5 and len(tree.chain) > 20)
        # Several more rounds complete (each voting on blocks past #6 if it could): finality must stay put.
        later = max(v.round_number for _n, _w, v in nodes) + 4
        rounds_passed = await wait_for(lambda: min(v.round_number for _n, _w, v in nodes) >= later)
        held = finalized(nodes)
        approved_up_to["n"] = 10 ** 9  # approval-voting catches up
        await wait_for(lambda: min(finalized(nodes)) > 10)
        producer.cancel()
        for net, _view, voter in nodes:
            await voter.stop()
            await net.stop()
        return tree, held, rounds_passed, nodes

    tree, held, rounds_passed, nodes = asyncio.run(main())
    assert len(tree.chain) > 20
    assert rounds_passed, "the voters stopped completing rounds while the gate held"
    assert all(n == 5 for n in held), held  # highest approved block, never beyond
    for _net, view, _voter in nodes:
        assert view.fin[1] > 10
        check_justifications(tree, view)


def test_lagging_voter_catches_up_and_joins():
    async def main():
        hub = InProcessHub(latency=0.002)
        tree = BlockTree()
        nodes = [await start_voter(hub, tree, k) for k in KEYS[:3]]
        producer = asyncio.ensure_future(produce(tree))
        await wait_for(lambda: min(finalized(nodes)) >= 10)
        late = await start_voter(hub, tree, KEYS[3])
        everyone = nodes + [late]

        def caught_up():
            rounds = [v.round_number for _n, _view, v in everyone]
            return late[1].fin[1] >= 15 and max(rounds) - rounds[-1] <= 1 and min(rounds) > 6
        await wait_for(caught_up)
        producer.cancel()
        rounds = [v.round_number for _n, _view, v in nodes + [late]]
        for net, _view, voter in nodes + [late]:
            await voter.stop()
            await net.stop()
        return tree, nodes, late, rounds

    tree, nodes, late, rounds = asyncio.run(main())
    _net, view, voter = late
    assert view.fin[1] >= 15  # finalized through commits / justifications it did not vote for
    check_justifications(tree, view)
    assert max(rounds) - rounds[-1] <= 1, rounds  # caught up to the current round
    assert min(rounds[:3]) > 6


class Equivocator:
    """Dave, misbehaving: for every round he hears of, he prevotes and precommits two different blocks."""

    def __init__(self, net, tree):
        self.net, self.tree, self.done = net, tree, set()
        net.on_gossip(GOSSIP_TOPIC, self.on_gossip)

    def on_gossip(self, peer, data):
        kind, rnd, set_id, _ = decode_gossip(data)
        if kind != 0 or rnd in self.done or len(self.tree.chain) < 3:
            return
        self.done.add(rnd)
        for vote_kind in (PREVOTE, PRECOMMIT):
            for back in (1, 2):
                h = self.tree.chain[-back]
                m = Message(vote_kind, h, self.tree.headers[h].number)
                signed = SignedMessage(m, KEYS[3].sign(vote_payload(m, rnd, set_id)), KEYS[3].public)
                self.net.gossip(GOSSIP_TOPIC, encode_vote_gossip(rnd, set_id, signed))


def test_equivocations_are_detected_and_do_not_break_finality():
    async def main():
        hub = InProcessHub(latency=0.002)
        tree = BlockTree()
        nodes = [await start_voter(hub, tree, k) for k in KEYS[:3]]
        bad = hub.join(KEYS[3])
        Equivocator(bad, tree)
        await bad.start()
        producer = asyncio.ensure_future(produce(tree))
        await wait_for(lambda: min(finalized(nodes)) >= 8 and all(v.equivocations for _n, _w, v in nodes))
        producer.cancel()
        for net, _view, voter in nodes:
            await voter.stop()
            await net.stop()
        return tree, nodes

    tree, nodes = asyncio.run(main())
    for _net, view, voter in nodes:
        assert view.fin[1] >= 8
        check_justifications(tree, view)
        assert voter.equivocations, "Dave's double votes were not noticed"
        assert all(first.id == KEYS[3].public and first.message != second.message
                   for _r, first, second in voter.equivocations)


def test_finality_resumes_when_offline_voters_return():
    async def main():
        hub = InProcessHub(latency=0.002)
        tree = BlockTree()
        nodes = [await start_voter(hub, tree, k) for k in KEYS[:2]]
        producer = asyncio.ensure_future(produce(tree))
        assert await wait_for(lambda: len(tree.chain) > 5 and heard_every_online_prevote(nodes))
        stalled = finalized(nodes)
        nodes += [await start_voter(hub, tree, k) for k in KEYS[2:]]
        await wait_for(lambda: min(finalized(nodes)) >= 15)
        producer.cancel()
        for net, _view, voter in nodes:
            await voter.stop()
            await net.stop()
        return tree, stalled, nodes

    tree, stalled, nodes = asyncio.run(main())
    assert stalled == [0, 0]
    for _net, view, _voter in nodes:
        assert view.fin[1] >= 15, [v.fin[1] for _n, v, _ in nodes]
        check_justifications(tree, view)


def test_four_voters_over_zmq_sockets_in_a_star():
    """Same protocol over real TCP: Alice is everyone's bootnode, so votes reach Bob→Charlie only by relay."""
    from relaychain.node.network import ZmqNetwork

    async def main():
        tree = BlockTree()
        nets, nodes = [], []
        for i, key in enumerate(KEYS):
            boot = [nets[0].listen_multiaddr] if nets else []
            net = ZmqNetwork(key, listen="/ip4/127.0.0.1/tcp/0", bootnodes=boot, genesis_hash=tree.chain[0],
                             keepalive=0.2, reconnect_interval=0.1)
            await net.start()
            nets.append(net)
        deadline = asyncio.get_running_loop().time() + 5
        while len(nets[0].peers()) < 3 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        for key, net in zip(KEYS, nets):
            view = View(tree)
            voter = GrandpaVoter(key, net, view, lambda: AUTHORITIES, lambda: 0, round_duration=ROUND)
            await voter.start()
            nodes.append((net, view, voter))
        producer = asyncio.ensure_future(produce(tree))
        await wait_for(lambda: min(finalized(nodes)) >= 8)
        producer.cancel()
        for net, _view, voter in nodes:
            await voter.stop()
            await net.stop()
        return tree, nodes

    tree, nodes = asyncio.run(main())
    assert [len(n.peers()) for n, _v, _x in nodes] == [0, 0, 0, 0]  # all stopped
    for _net, view, _voter in nodes:
        assert view.fin[1] >= 8, [v.fin[1] for _n, v, _ in nodes]
        check_justifications(tree, view)
