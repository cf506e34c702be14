"""Adversaries against the parachain pipeline, on a real 6-validator network (parachains.md §7, §6).

- Collations that are not what they claim — built on the wrong parent, a block whose state does not match,
  a PoV that does not hash to the descriptor, a PoV over max_pov_size — and paras whose PVF traps, loops,
  bombs memory or whose worker is killed: each is refused by the backing group with the reason (in the answer
  to the collator and in the log), never backed, and the honest para and the relay chain keep going.
- A validator that withholds its chunks and bitfields (fewer than a third): candidates are still included.
- Chunks nobody serves: the candidate cannot become available, times out, and its core is freed.
Misbehaving validators are *malus* nodes (subsystems replaced, as Polkadot tests do); the malicious
collator is this test, speaking the collator protocol.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from parachain.abi import ValidationParams
from parachain.block import BlockData, genesis_head
from parachain.runtimes import adder
from relaychain.erasure import erasure_root, obtain_chunks_v1
from relaychain.launcher import NetworkSpec, NodeSpec, ParaSpec, builtin_para, start_in_process
from relaychain.node.keystore import collator_key
from relaychain.node.parachains.availability_distribution import AvailabilityDistribution
from relaychain.node.parachains.bitfield_signing import BitfieldSigning
from relaychain.node.parachains.protocol import (
    CHUNK_PROTOCOL, COLLATION_PROTOCOL, COLLATION_RESPONSE, ChunkRequest, Collation, encode_chunk_response,
)
from relaychain.node.parachains.relay_parent import read_relay_parent
from relaychain.primitives import parachain_types as P
from relaychain.primitives.hashing import blake2_256
from tests.node.harness import wait_until
from tests.node.parachains.paranet import SIX, best_chain, head_of, included_per_block, start_paranet
from tests.parachain.conftest import pvf

MIB = 1024 * 1024


def events_of(node, kind: str, para: int) -> list[int]:
    """Numbers of the best-chain blocks with a `kind` event for `para`."""
    out = []
    for h in best_chain(node):
        for k, payload in node.runtime_api.candidate_events(h):
            if k == kind and payload[0].descriptor.para_id == para:
                out.append(node.client.number(h))
    return out


def forge(node, leaf: bytes, para: int, *, block_data: bytes, pvd=None, head_data: bytes = b"forged",
          pov_hash=None) -> Collation:
    """A collation of `para` on relay block `leaf` with correct signature and code hash, whose contents the
    caller chooses (commitments claim `head_data`)."""
    api = node.runtime_api
    pvd = pvd or api.persisted_validation_data(leaf, para, "Included")
    code_hash = api.validation_code_hash(leaf, para, "Included")
    pov = P.PoV(block_data)
    commitments = P.CandidateCommitments((), (), None, head_data, 0, pvd.relay_parent_number)
    root = erasure_root(obtain_chunks_v1(len(api.validators(leaf)), P.AvailableData(pov, pvd)))
    pov_hash = pov_hash or pov.hash()
    key = collator_key(para)
    signature = key.sign(P.collator_signature_payload(leaf, para, pvd.hash(), pov_hash, code_hash))
    descriptor = P.CandidateDescriptor(para, leaf, key.public, pvd.hash(), pov_hash, root, signature,
                                       blake2_256(head_data), code_hash)
    return Collation(leaf, para, P.CommittedCandidateReceipt(descriptor, commitments), pov, pvd)


async def submit(net, node, collation: Collation):
    """Hand the collation (from `node`'s network endpoint) to a validator of the group assigned to the para's
    core at its relay parent; the validator's answer."""
    reader = net.nodes[0]
    info = read_relay_parent(reader.runtime_api, reader.client, collation.relay_parent, None)
    group = info.group_of_core(info.cores_of_para(collation.para_id)[0])
    members = {info.validators[v] for v in info.groups[group]}
    target = next(n for n in net.nodes if n.session_keys and n.session_keys.para_validator.public in members)
    raw = await node.network.request(target.network.peer_id, COLLATION_PROTOCOL, collation.encode(), timeout=20)
    return COLLATION_RESPONSE.decode(raw)


@pytest.mark.slow
def test_invalid_collations_and_pvfs_are_never_backed_and_the_chain_goes_on(tmp_path, caplog):
    honest = builtin_para(1000, "adder", ("collator-1000",))
    victims = (ParaSpec(2000, "adder", adder.validation_code(), genesis_head().encode()),
               ParaSpec(2001, "trap", pvf("trap"), b"head"), ParaSpec(2002, "loop", pvf("loop"), b"head"),
               ParaSpec(2003, "bomb", pvf("memory_bomb"), b"head"))
    spec = NetworkSpec(tuple(NodeSpec(v) for v in SIX), (honest,) + victims, 1000)

    async def scenario():
        net = await start_in_process(spec, tmp_path)
        alice = net.nodes[0]
        attacker = net.nodes[-1]  # the honest collator's relay node: a peer like any collator
        try:
            assert await wait_until(lambda: events_of(alice, "CandidateIncluded", 1000), 60)
            start = alice.client.best_number()
            leaf = alice.client.best_hash()
            # the backing group reads the relay parent from its own client: answers "unknown relay parent"
            # until it has imported the block alice has just imported (CI at a79071d caught that race)
            assert await wait_until(lambda: all(n.client.header(leaf) is not None for n in net.nodes), 30)
            good = alice.runtime_api.persisted_validation_data(leaf, 2000, "Included")
            wrong_parent = P.PersistedValidationData(b"\x00" * 72, good.relay_parent_number,
                                                     good.relay_parent_storage_root, good.max_pov_size)
            cases = {
                "wrong parent": (forge(alice, leaf, 2000, block_data=BlockData(0, 2).encode(), pvd=wrong_parent),
                                 "unacceptable-validation-data"),
                "wrong post-state": (forge(alice, leaf, 2000, block_data=BlockData(12345, 2).encode()),
                                     "wasm-trap"),
                "wrong PoV hash": (forge(alice, leaf, 2000, block_data=BlockData(0, 2).encode(),
                                         pov_hash=b"\x11" * 32), "pov-hash-mismatch"),
                "PoV too large": (forge(alice, leaf, 2000, block_data=bytes(good.max_pov_size)), "pov-too-large"),
                "PVF traps": (forge(alice, leaf, 2001, block_data=b""), "wasm-trap"),
                # fuel runs out (~0.8 s of work) or, on a loaded machine, the 2 s backing timeout comes first
                "PVF loops": (forge(alice, leaf, 2002, block_data=b""), ("instruction-budget-exhausted",
                                                                        "execution-timeout")),
                "PVF bombs memory": (forge(alice, leaf, 2003, block_data=b""), "memory-limit"),
            }
            for name, (collation, reasons) in cases.items():
                answer = await submit(net, attacker, collation)
                reasons = (reasons,) if isinstance(reasons, str) else reasons
                assert answer[0] == "Rejected" and any(r in answer[1] for r in reasons), (name, answer)

            # a PVF whose worker dies mid-execution: kill the busy worker while the loop runs
            async def kill_busy_worker():
                # the loop is the job that keeps a worker busy: adder validations take a millisecond
                busy_since: dict[int, float] = {}
                loop = asyncio.get_running_loop()
                while True:
                    now = loop.time()
                    busy = set(net.executor.busy_worker_pids())
                    busy_since = {p: busy_since.get(p, now) for p in busy}
                    long_running = [p for p, t in busy_since.items() if now - t > 0.2]
                    if long_running:
                        os.kill(long_running[0], signal.SIGKILL)
                        return
                    await asyncio.sleep(0.01)
            killer = asyncio.ensure_future(kill_busy_worker())
            looping_leaf = alice.client.best_hash()
            assert await wait_until(lambda: all(n.client.header(looping_leaf) is not None for n in net.nodes), 30)
            answer = await submit(net, attacker, forge(alice, looping_leaf, 2002, block_data=b"\x01"))
            await killer
            assert answer[0] == "Rejected" and "worker-died" in answer[1], answer

            # the validator logged each reason
            logged = "\n".join(r.getMessage() for r in caplog.records if "not backed" in r.getMessage())
            for reason in ("pov-hash-mismatch", "wasm-trap", "memory-limit", "worker-died"):
                assert reason in logged
            # the honest para and the relay chain kept going; no attacker candidate was ever backed
            assert await wait_until(lambda: alice.client.best_number() >= start + 6, 60)
            assert len([n for n in events_of(alice, "CandidateIncluded", 1000) if n > start]) >= 3
            assert await wait_until(lambda: alice.client.finalized_number() > start, 60)
            for para in (2000, 2001, 2002, 2003):
                assert events_of(alice, "CandidateBacked", para) == []
        finally:
            await net.stop()
    with caplog.at_level(logging.WARNING, logger="relaychain.parachains.backing"):
        asyncio.run(scenario())


class WithholdingAvailability(AvailabilityDistribution):
    """Malus: fetches its own chunks but serves none (of `para`, or of every para)."""

    para = None

    async def _serve(self, peer_id: bytes, data: bytes) -> bytes:
        request = ChunkRequest.decode(data)
        # the requester saw the candidate pending in a block we may still be importing (off the loop): decide
        # on our best once that import is done, or we would serve a chunk of `para` we mean to withhold
        await self.ctx.node.client.imports_in_flight.wait_idle(5.0)
        api, best = self.ctx.node.runtime_api, self.ctx.node.client.best_hash()
        pending = None if self.para is None else api.candidate_pending_availability(best, self.para)
        if self.para is None or (pending is not None and pending.hash() == request.candidate_hash):
            return encode_chunk_response(None)
        return await super()._serve(peer_id, data)


class SilentBitfields(BitfieldSigning):
    """Malus: never signs a bitfield."""

    async def handle_signal(self, signal) -> None:
        return None


@pytest.mark.slow
def test_candidates_are_included_when_fewer_than_a_third_withhold(tmp_path):
    async def scenario():
        withholder = {"availability-distribution": WithholdingAvailability, "bitfield-signing": SilentBitfields}
        net = await start_paranet(tmp_path, overrides={"ferdie": withholder})
        alice = net.nodes[0]
        try:
            assert await wait_until(lambda: events_of(alice, "CandidateIncluded", 1000), 60)
            start = alice.client.best_number()
            assert await wait_until(lambda: alice.client.best_number() >= start + 10, 60)
            blocks = best_chain(alice, since=start + 1)[:10]
            inc = included_per_block(alice, blocks)
            for para in (1000, 1001):
                assert sum(para in inc[h] for h in blocks) >= 6, f"para {para} stalled with one withholder"
        finally:
            await net.stop()
    asyncio.run(scenario())


class WithholdPara1000(WithholdingAvailability):
    para = 1000


@pytest.mark.slow
def test_a_candidate_that_cannot_become_available_times_out_and_frees_its_core(tmp_path):
    async def scenario():
        everyone = {v: {"availability-distribution": WithholdPara1000} for v in SIX}
        net = await start_paranet(tmp_path, overrides=everyone)
        alice = net.nodes[0]
        try:
            def state():
                return (f"best #{alice.client.best_number()}, finalized #{alice.client.finalized_number()}, "
                        f"para 1000 backed {events_of(alice, 'CandidateBacked', 1000)}, timed out "
                        f"{events_of(alice, 'CandidateTimedOut', 1000)}")
            assert await wait_until(lambda: events_of(alice, "CandidateTimedOut", 1000), 60), state()
            first_timeout = events_of(alice, "CandidateTimedOut", 1000)[0]
            # the core was freed: a later candidate of para 1000 is backed on it
            assert await wait_until(
                lambda: any(n > first_timeout for n in events_of(alice, "CandidateBacked", 1000)), 40), state()
            # the other para keeps advancing meanwhile; para 1000 never does
            assert await wait_until(lambda: len(events_of(alice, "CandidateIncluded", 1001)) >= 8, 60), state()
            assert events_of(alice, "CandidateIncluded", 1000) == []
            assert head_of(alice, 1000).number == 0
        finally:
            await net.stop()
    asyncio.run(scenario())
