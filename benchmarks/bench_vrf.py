"""sr25519 VRF benchmarks: what a BABE slot claim and an approval assignment cost.

Measured: VRF signing (evaluate + DLEQ proof) and verification over the BABE slot transcript, evaluation alone
(what a losing primary claim costs each slot), the Keccak-f[1600] permutation under every Merlin challenge, and
an approval-assignment computation (6 validators, 4 cores: one RelayVRFModuloCompact VRF plus a delay VRF per
core). Baseline in the same run: a plain sr25519 signature by the Rust bindings, so `ratio` shows what doing the
transcripts in Python costs. Run:
    python3 -m pytest benchmarks/bench_vrf.py --benchmark-only
"""

import pytest

from relaychain.primitives import approval
from relaychain.primitives.babe_vrf import authoring_score, make_vrf_transcript
from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.merlin import keccak_f1600
from relaychain.primitives.sr25519_vrf import vrf_create, vrf_sign, vrf_verify

ALICE = dev_keypair("alice")
NAMES = ("alice", "bob", "charlie", "dave", "eve", "ferdie")


def _transcript():
    return make_vrf_transcript(bytes(range(32)), 1_000_000, 3)


@pytest.mark.benchmark(group="vrf")
def test_baseline_sr25519_sign(benchmark):
    benchmark(ALICE.sign, b"\x01" * 32)


@pytest.mark.benchmark(group="vrf")
def test_keccak_f1600(benchmark):
    benchmark(keccak_f1600, bytearray(200))


@pytest.mark.benchmark(group="vrf")
def test_vrf_sign_babe(benchmark):
    pre_output, proof = benchmark(lambda: vrf_sign(ALICE, _transcript()))
    assert vrf_verify(ALICE.public, _transcript(), pre_output, proof)


@pytest.mark.benchmark(group="vrf")
def test_vrf_verify_babe(benchmark):
    pre_output, proof = vrf_sign(ALICE, _transcript())
    assert benchmark(lambda: vrf_verify(ALICE.public, _transcript(), pre_output, proof))


@pytest.mark.benchmark(group="vrf")
def test_vrf_evaluate_primary_score(benchmark):
    benchmark(lambda: authoring_score(vrf_create(ALICE, _transcript())))


@pytest.mark.benchmark(group="vrf")
def test_compute_assignments_6_validators_4_cores(benchmark):
    keys = [dev_keypair(n) for n in NAMES]
    config = approval.AssignmentConfig(tuple(k.public for k in keys), ((0, 1), (2, 3), (4, 5)), 4, 1, 2, 6)
    leaving = [(bytes([c]) * 32, c, c % 3) for c in range(4)]
    assert benchmark(approval.compute_assignments, keys[0], bytes(32), config, leaving)
