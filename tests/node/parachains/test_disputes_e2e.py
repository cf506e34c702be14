"""Shared security end to end (parachains.md §8-§10): the `--dev --malus MODE` network (6 validators in groups of
two, 2 adder paras, 1 s relay blocks) with ferdie misbehaving.

- A malicious backer (`back-garbage-candidate`) gets a garbage candidate backed and included; approval checkers
  find it invalid, the dispute concludes invalid, the chain reverts past the inclusion, the backer is slashed
  100 % (Staking's ValidatorSlashInEra on the chain that survives) and disabled, finality resumes on the honest
  fork, and no finalized block ever contains the garbage candidate.
- A checker that votes invalid on valid candidates (`dispute-valid`) loses: slashed 0 %, disabled; the candidate
  stays included and finality continues.
- A no-show checker: candidates are still approved (later tranches cover it) and finality lags < 10 blocks.
Storage is read with Polkadot's keys and layouts written here (Staking.ValidatorSlashInEra: twox64concat(era),
twox64concat(stash) -> (Perbill u32, Balance u128); Session.DisabledValidators: Vec<u32>).
"""

from __future__ import annotations

import asyncio

import pytest

from relaychain.launcher import NetworkSpec, dev_network, start_in_process
from relaychain.primitives.crypto import Sr25519Keypair
from tests.node.harness import wait_until
from tests.node.parachains.paranet import SIX, best_chain, twox64, twox128

PERBILL = 1_000_000_000


def slash_in_era(node, at: bytes, era: int, stash: bytes):
    e = era.to_bytes(4, "little")
    key = twox128(b"Staking") + twox128(b"ValidatorSlashInEra") + twox64(e) + e + twox64(stash) + stash
    raw = node.client.state_at(at).get(key)
    return None if raw is None else (int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:20], "little"))


def active_era(node, at: bytes) -> int:
    """Staking.ActiveEra: ActiveEraInfo { index: u32, start: Option<u64> } (absent before the first era)."""
    raw = node.client.state_at(at).get(twox128(b"Staking") + twox128(b"ActiveEra"))
    return 0 if raw is None else int.from_bytes(raw[:4], "little")


def slash_in_any_era(node, at: bytes, stash: bytes):
    """The stash's ValidatorSlashInEra entry of any era so far (sessions are short: a dispute late in a run
    falls in a later era)."""
    for era in range(active_era(node, at) + 1):
        found = slash_in_era(node, at, era, stash)
        if found is not None:
            return found
    return None


def disabled_validators(node, at: bytes) -> list[int]:
    raw = node.client.state_at(at).get(twox128(b"Session") + twox128(b"DisabledValidators"))
    if raw is None:
        return []
    n = raw[0] >> 2  # compact length (small)
    return [int.from_bytes(raw[1 + 4 * i:5 + 4 * i], "little") for i in range(n)]


def session_index_of(node, at: bytes, name: str) -> int:
    """Position of `name`'s stash in Session.Validators (Vec<AccountId32>): DisabledValidators indexes this list,
    not the shuffled parachain validator set."""
    raw = node.client.state_at(at).get(twox128(b"Session") + twox128(b"Validators"))
    n = raw[0] >> 2
    stashes = [raw[1 + 32 * i:33 + 32 * i] for i in range(n)]
    return stashes.index(Sr25519Keypair.from_uri(f"//{name.capitalize()}//stash").public)


def events(node, kind: str, blocks) -> list[tuple[bytes, object]]:
    out = []
    for h in blocks:
        for k, payload in node.runtime_api.candidate_events(h):
            if k == kind:
                out.append((h, payload[0]))
    return out


def network(mode: str) -> NetworkSpec:
    """What `relaychain run --dev --malus MODE` runs: six validators in groups of two, ferdie misbehaving."""
    spec = dev_network(malus_mode=mode, malus_validators=1)
    assert spec.validators == SIX and spec.malus == (("ferdie", mode),)
    return spec


@pytest.mark.slow
def test_an_invalid_candidate_is_caught_reverted_and_its_backer_slashed(tmp_path):
    async def scenario():
        net = await start_in_process(network("back-garbage-candidate"), tmp_path)
        alice = net.nodes[0]
        finalized: list[bytes] = []
        alice.client.finality_listeners.append(lambda header, h, newly: finalized.extend(newly or [h]))
        garbage = set()
        try:
            ferdie_stash = Sr25519Keypair.from_uri("//Ferdie//stash").public

            def slashed():
                best = alice.client.best_hash()
                return slash_in_any_era(alice, best, ferdie_stash)
            assert await wait_until(lambda: slashed() is not None, 120), "the backer was never slashed"
            best = alice.client.best_hash()
            assert slashed() == (PERBILL, slashed()[1]) and slashed()[1] > 0  # 100 % of its own stake
            assert session_index_of(alice, best, "ferdie") in disabled_validators(alice, best)
            # the garbage candidates ferdie seconded never made it into the surviving chain's finalized part
            backing = [n.overseer.subsystem("candidate-backing") for n in net.nodes[:6]]
            ferdie = next(b for b, n in zip(backing, net.nodes) if n.node_name == "ferdie")
            garbage = {h for h, pov in ferdie.povs.items() if pov.block_data.startswith(b"\xde\xad\xbe\xef")}
            # finality resumes after the revert and passes the point of the dispute
            fin_before = alice.client.finalized_number()
            assert await wait_until(lambda: alice.client.finalized_number() >= fin_before + 3, 60)
            for h in finalized:
                for _, receipt in events(alice, "CandidateIncluded", [h]):
                    assert receipt.hash() not in garbage, "a finalized block includes a garbage candidate"
            # the honest paras kept going on the surviving chain
            assert events(alice, "CandidateIncluded", best_chain(alice)[-10:])
        finally:
            await net.stop()
    asyncio.run(scenario())


@pytest.mark.slow
def test_a_checker_that_disputes_valid_candidates_loses_and_is_disabled(tmp_path):
    async def scenario():
        net = await start_in_process(network("dispute-valid"), tmp_path)
        alice = net.nodes[0]
        try:
            ferdie_stash = Sr25519Keypair.from_uri("//Ferdie//stash").public
            assert await wait_until(lambda: session_index_of(alice, alice.client.best_hash(), "ferdie")
                                    in disabled_validators(alice, alice.client.best_hash()), 120)
            best = alice.client.best_hash()
            fraction = slash_in_any_era(alice, best, ferdie_stash)
            assert fraction is None or fraction[0] == 0  # AgainstValid: 0 %
            included = {r.hash() for _, r in events(alice, "CandidateIncluded", best_chain(alice))}
            assert included  # the disputed candidates stayed included
            fin = alice.client.finalized_number()
            assert await wait_until(lambda: alice.client.finalized_number() >= fin + 3, 60)
        finally:
            await net.stop()
    asyncio.run(scenario())


@pytest.mark.slow
def test_candidates_are_approved_despite_a_no_show(tmp_path):
    async def scenario():
        net = await start_in_process(network("no-show"), tmp_path)
        alice = net.nodes[0]
        lags = []
        alice.client.import_listeners.append(
            lambda imp: imp.is_new_best and lags.append(alice.client.best_number() - alice.client.finalized_number()))
        try:
            assert await wait_until(lambda: alice.client.best_number() >= 25, 90)
            assert alice.client.finalized_number() >= 15
            assert max(lags[5:]) < 10, f"finality lagged by {max(lags)} blocks"
            approvals = alice.overseer.subsystem("approval-voting")
            checked = [b for b in approvals.blocks.values() if b.candidates]
            assert all(b.approved for b in checked if b.number <= alice.client.finalized_number())
        finally:
            await net.stop()
    asyncio.run(scenario())
