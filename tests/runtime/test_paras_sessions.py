"""Sessions of the parachain host (parachains.md §3, §13): the shuffled active set, groups and rotation, the claim
queue, configuration changes taking effect two sessions later, and what a session change resets.

References: Polkadot's own `sets_and_shuffles_validators` test vector (seed [1; 32], five validators ->
[4, 1, 2, 3, 0]); RFC 7539's ChaCha20 block vector and pycryptodome's ChaCha20 as keystream oracle; plain
formulas written out here for groups, rotations and claims."""

from __future__ import annotations

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.hashing import blake2_256
from relaychain.runtime.framework import Call
from relaychain.runtime.pallets import babe, session, sudo
from relaychain.runtime.pallets.parachains import (
    configuration, inclusion, initializer, scheduler, session_info, shared,
)
from relaychain.runtime.rand_chacha import ChaCha20Rng, chacha20_block, shuffle
from tests.runtime.paras_fixture import CODE_A, HEAD_A0, PARA_A, PARA_B, ParasChain, make_candidate
from tests.runtime.test_paras_inclusion import events

ALICE = Sr25519Keypair.from_uri("//Alice")
EPOCH = 10  # slots per session on the dev chain (constants.EPOCH_DURATION_IN_SLOTS)


# -- the shuffle -------------------------------------------------------------------------------------------

def test_chacha20_block_matches_rfc7539():
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a00000000")
    expected = bytes.fromhex(  # RFC 7539 §2.3.2, serialized block
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
    assert chacha20_block(key, 1, nonce) == expected


def test_chacha20_rng_is_the_keystream():
    chacha = pytest.importorskip("Crypto.Cipher.ChaCha20")
    seed = blake2_256(b"some seed")
    stream = chacha.new(key=seed, nonce=bytes(12)).encrypt(bytes(64 * 3))
    rng = ChaCha20Rng(seed)
    assert [rng.next_u32() for _ in range(48)] == [int.from_bytes(stream[i:i + 4], "little")
                                                    for i in range(0, 192, 4)]


def test_shuffle_matches_polkadots_vector():
    indices = list(range(5))
    shuffle(indices, ChaCha20Rng(bytes([1]) * 32))
    assert indices == [4, 1, 2, 3, 0]  # polkadot-sdk shared/tests.rs sets_and_shuffles_validators
    assert shared.shuffled_validator_indices(5, bytes([1]) * 32, 2) == [4, 1]  # ..._truncates_and_shuffles_...


def reference_shuffle(n: int, seed: bytes) -> list[int]:
    """Fisher-Yates from the back with rand 0.8's u32 widening-multiply sampler, over pycryptodome's keystream."""
    chacha = pytest.importorskip("Crypto.Cipher.ChaCha20")
    stream = chacha.new(key=seed, nonce=bytes(12)).encrypt(bytes(4096))
    words = iter(int.from_bytes(stream[i:i + 4], "little") for i in range(0, len(stream), 4))
    out = list(range(n))
    for i in range(n - 1, 0, -1):
        bound = i + 1
        zone = (bound << (32 - bound.bit_length())) - 1
        while True:
            v = next(words) * bound
            if v % 2**32 <= zone:
                break
        j = v >> 32
        out[i], out[j] = out[j], out[i]
    return out


# -- genesis session -----------------------------------------------------------------------------------------

def reference_groups(n_validators: int, n_cores: int) -> list[list[int]]:
    """§3: base = n // cores; the first n % cores groups get one more; consecutive slices."""
    base, extra = n_validators // n_cores, n_validators % n_cores
    groups, start = [], 0
    for g in range(n_cores):
        size = base + (1 if g < extra else 0)
        groups.append(list(range(start, start + size)))
        start += size
    return groups


@pytest.mark.parametrize("n, cores", [(6, 2), (7, 3), (5, 5), (10, 4), (3, 1), (0, 2), (4, 0)])
def test_group_formula(n, cores):
    assert scheduler.validator_groups_for(n, cores) == (reference_groups(n, cores) if n and cores else [])


def test_genesis_session_is_enacted_at_once():
    chain = ParasChain()
    st = chain.state()
    seed = blake2_256(b"paras" + bytes(32))  # RandomnessFromOneEpochAgo: NextRandomness is zero at genesis
    assert shared.ActiveValidatorIndices.get(st) == reference_shuffle(6, seed)
    order = reference_shuffle(6, seed)
    session_keys = session.current_keys(st)  # the session's validators (staking's election order) and keys
    assert shared.ActiveValidatorKeys.get(st) == [session_keys[i][1]["para_validator"] for i in order]
    assert scheduler.ValidatorGroups.get(st) == [[0, 1, 2], [3, 4, 5]]  # two cores: one per genesis parachain
    assert scheduler.SessionStartBlock.get(st) == 1
    assert scheduler.AvailabilityCores.get(st) == ["Free", "Free"]
    info = session_info.Sessions.get(st, 0)
    assert info.random_seed == seed and info.n_cores == 2 and info.validator_groups == ((0, 1, 2), (3, 4, 5))
    assert list(info.validators) == shared.ActiveValidatorKeys.get(st)
    assert list(info.assignment_keys) == [session_keys[i][1]["para_assignment"] for i in order]
    assert session_info.AccountKeys.get(st, 0) == [session_keys[i][0] for i in order]


def test_rotation_and_claim_queue():
    chain = ParasChain()
    cfg = chain.config()
    start, freq, n_groups = 1, cfg.group_rotation_frequency, 2
    for at in (1, 5, 10, 11, 12, 20, 21, 35):
        for core in range(2):
            assert scheduler.group_assigned_to_core(chain.state(), core, at) == (core + (at - start) // freq) % n_groups
    assert scheduler.group_assigned_to_core(chain.state(), 0, 0) is None  # before the session start
    assert scheduler.group_assigned_to_core(chain.state(), 2, 5) is None  # no such core

    chain.block_with()
    cq = scheduler.claim_queue(chain.state())
    assert {c: [e.para_id for e in es] for c, es in cq.items()} == {0: [PARA_A] * 3, 1: [PARA_B] * 3}
    assert all(e.ttl == 1 + cfg.on_demand_ttl and e.availability_timeouts == 0 for es in cq.values() for e in es)
    g0 = scheduler.ValidatorGroups.get(chain.state())[0]
    chain.block_with(candidates=[make_candidate(chain, PARA_A, HEAD_A0, b"A1", 1, CODE_A, group=g0).backed])
    cq = scheduler.claim_queue(chain.state())
    # the occupied core counts as one of its `scheduling_lookahead` claims
    assert [e.para_id for e in cq[0]] == [PARA_A] * (cfg.scheduling_lookahead - 1)
    assert [e.para_id for e in cq[1]] == [PARA_B] * cfg.scheduling_lookahead


# -- configuration changes and session changes ----------------------------------------------------------------

def sudo_call(chain, nonce: int, pallet_call, **args) -> bytes:
    """Alice (the dev chain's sudo key) dispatching `pallet_call(**args)` as Root."""
    return chain.sign(ALICE, sudo.sudo.encode(call=Call(pallet_call, args)), nonce)


def next_session(chain):
    chain.block_with(slot=chain.slot + EPOCH)


def test_configuration_change_applies_two_sessions_later():
    chain = ParasChain()
    old = chain.config()
    set_freq = configuration.pallet.call_named("set_group_rotation_frequency")
    set_look = configuration.pallet.call_named("set_scheduling_lookahead")
    xts = [sudo_call(chain, 0, set_freq, new=7), sudo_call(chain, 1, set_look, new=2),
           sudo_call(chain, 2, set_freq, new=0)]  # inconsistent: refused
    _, _, _, results = chain.block_with(xts=xts)
    assert all(r.success for r in results)
    sudid = [ev[1]["sudo_result"] for ev in events(chain, "Sudo")]
    assert sudid[:2] == [("Ok", None), ("Ok", None)]
    assert sudid[2] == ("Err", ("Module", {"index": 51, "error": bytes(4)}))  # Configuration.InvalidNewValue
    (at, pending), = configuration.PendingConfigs.get(chain.state())
    assert at == 2 and (pending.group_rotation_frequency, pending.scheduling_lookahead) == (7, 2)

    next_session(chain)  # session 1: not yet
    assert shared.CurrentSessionIndex.get(chain.state()) == 1
    assert chain.config() == old and configuration.PendingConfigs.get(chain.state()) == [(2, pending)]
    next_session(chain)  # session 2: applied
    st = chain.state()
    assert shared.CurrentSessionIndex.get(st) == 2
    assert chain.config() == pending and configuration.PendingConfigs.get(st) == []
    assert session_info.Sessions.get(st, 2).n_cores == 2
    chain.block_with()
    cq = scheduler.claim_queue(chain.state())
    assert [len(es) for es in cq.values()] == [2, 2]  # the new lookahead
    assert scheduler.group_rotation_info(st, chain.head.number).group_rotation_frequency == 7


def test_session_change_resets_the_parachain_state():
    chain = ParasChain()
    g0 = scheduler.ValidatorGroups.get(chain.state())[0]
    chain.block_with(candidates=[make_candidate(chain, PARA_A, HEAD_A0, b"A1", 0, CODE_A, group=g0).backed])
    assert inclusion.PendingAvailability.get(chain.state(), PARA_A) is not None
    header, *_ = chain.block_with(slot=chain.slot + EPOCH)  # starts session 1 (applied at this block's end)
    st = chain.state()
    seed = blake2_256(b"paras" + babe.NextRandomness.get(st))
    assert shared.CurrentSessionIndex.get(st) == 1 and initializer.BufferedSessionChanges.get(st) == []
    assert shared.ActiveValidatorIndices.get(st) == reference_shuffle(6, seed)
    assert shared.AllowedRelayParents.get(st)["buffer"] == []
    assert inclusion.PendingAvailability.get(st, PARA_A) is None  # dropped, no timeout event
    assert scheduler.AvailabilityCores.get(st) == ["Free", "Free"] and scheduler.ClaimQueue.get(st) == []
    assert scheduler.SessionStartBlock.get(st) == header.number + 1
    assert session_info.Sessions.get(st, 1).random_seed == seed
    assert session_info.EarliestStoredSession.get(st) == 0 and session_info.Sessions.get(st, 0) is not None


def test_sessions_are_pruned_after_the_dispute_period():
    from dataclasses import replace
    chain = ParasChain(host_configuration=replace(configuration.dev_config(2), dispute_period=1))
    chain.block_with()
    for _ in range(3):
        next_session(chain)
    st = chain.state()
    assert shared.CurrentSessionIndex.get(st) == 3
    assert session_info.EarliestStoredSession.get(st) == 2
    assert [session_info.Sessions.get(st, i) is not None for i in range(4)] == [False, False, True, True]


def test_force_approve_is_a_consensus_log():
    from relaychain.primitives import parachain_types as P
    from relaychain.primitives.types import Consensus
    chain = ParasChain()
    header, _, _, (r,) = chain.block_with(xts=[sudo_call(chain, 0, initializer.force_approve, up_to=5)])
    assert r.success
    logs = [i for i in header.digest.logs if isinstance(i, Consensus) and i.engine == b"POL1"]
    assert [P.CONSENSUS_LOG.decode(i.data) for i in logs] == [("ForceApprove", 5)]
    assert logs[0].data == b"\x03" + (5).to_bytes(4, "little")  # ConsensusLog::ForceApprove is variant 3
