"""Runtime benchmarks: a block of 1,000 signed balance transfers, built and imported (re-executed).

Goal: >= 1,000 transfers/s imported on one core. Baseline in the same run: verifying the block's 1,000
sr25519 signatures alone (the part no runtime can skip), so `import / baseline` is the runtime's overhead
factor. Each block runs over a real TrieBackend (the state root is computed incrementally by the trie).
Two shapes: one sender (one hot account), and 1,000 distinct senders paying 1,000 distinct receivers
(every transfer touches two cold accounts: the largest trie change per transaction). Run:
    python3 -m pytest benchmarks/bench_runtime.py --benchmark-only
"""

from __future__ import annotations

import dataclasses

import pytest

from relaychain.primitives.crypto import Sr25519Keypair, verify_sr25519
from relaychain.primitives.extrinsic import UncheckedExtrinsic, sign_extrinsic
from relaychain.primitives.types import Block, Digest, Header, PreDigest, SecondaryPlainPreDigest
from relaychain.primitives.inherents import PARACHAINS_INHERENT, TIMESTAMP_INHERENT, InherentData
from relaychain.primitives.parachain_types import ParachainsInherentData
from relaychain.primitives.scale import encode_u64
from relaychain.runtime import constants as C
from relaychain.runtime.executive import BlockBuilder, execute_block
from relaychain.runtime.genesis import dev_chain_spec, genesis_storage
from relaychain.runtime.pallets import balances
from relaychain.trie import EMPTY_ROOT, MemoryNodeStore, TrieBackend, build_trie

N = 1000
SLOT_MS = 6000
SLOT = 1000


def _setup(distinct_senders: bool):
    senders = [Sr25519Keypair.from_seed(i.to_bytes(32, "little")) for i in range(1, (N if distinct_senders else 1) + 1)]
    receivers = [Sr25519Keypair.from_seed((10**6 + i).to_bytes(32, "little")).public for i in range(N)]
    spec = dev_chain_spec(slot_duration_ms=SLOT_MS)
    endowed = [(k.public, 10**18) for k in senders] + [(r, 10**15) for r in receivers]
    spec = dataclasses.replace(spec, balances=spec.balances + tuple(endowed))
    root, nodes = build_trie(genesis_storage(spec).items(), C.STATE_VERSION)
    backend = TrieBackend(MemoryNodeStore(dict(nodes)), root, C.STATE_VERSION)
    genesis = Header(bytes(32), 0, root, EMPTY_ROOT, Digest(()))
    gh = genesis.hash()
    xts = []
    for i in range(N):
        sender = senders[i % len(senders)]
        nonce = 0 if distinct_senders else i
        call = balances.transfer_allow_death.encode(dest=("Id", receivers[i]), value=10**12)
        xts.append(sign_extrinsic(sender, call, nonce=nonce, genesis_hash=gh, spec_version=C.SPEC_VERSION,
                                  transaction_version=C.TRANSACTION_VERSION))
    return backend, genesis, xts


def _build(backend, genesis, xts):
    b = BlockBuilder(backend, genesis, [PreDigest.to_digest_item(SecondaryPlainPreDigest(0, SLOT))],
                     storage_root=lambda ch: backend.apply(ch)[0])
    b.apply_inherents(InherentData({TIMESTAMP_INHERENT: encode_u64(SLOT * SLOT_MS),
                                    PARACHAINS_INHERENT: ParachainsInherentData((), (), (), genesis).encode()}))
    for x in xts:
        b.push(x)
    header, body, _ = b.finalize()
    return Block(header, tuple(body))


@pytest.fixture(scope="module", params=["one_sender", "distinct_senders"])
def setup(request):
    backend, genesis, xts = _setup(request.param == "distinct_senders")
    return request.param, backend, genesis, xts


def _report(benchmark, what, shape):
    if benchmark.stats is None:  # --benchmark-disable: the body ran once, untimed
        return
    per_s = N / benchmark.stats.stats.mean
    benchmark.extra_info["transfers_per_s"] = round(per_s)
    print(f"\n{what} [{shape}]: {per_s:,.0f} transfers/s")


def test_baseline_signature_checks(benchmark, setup):
    shape, _, genesis, xts = setup
    parts = []
    for x in xts:
        u = UncheckedExtrinsic.decode(x)
        parts.append((u.signature.signature.signature, u.payload(spec_version=C.SPEC_VERSION,
                                                                  transaction_version=C.TRANSACTION_VERSION,
                                                                  genesis_hash=genesis.hash()),
                      u.signature.address.account_id))

    def run():
        assert all(verify_sr25519(s, m, p) for s, m, p in parts)

    benchmark.pedantic(run, rounds=3, iterations=1)
    _report(benchmark, "baseline: sr25519 verification only", shape)


def test_build_block(benchmark, setup):
    shape, backend, genesis, xts = setup
    block = benchmark.pedantic(_build, args=(backend, genesis, xts), rounds=3, iterations=1)
    assert len(block.extrinsics) == N + 2  # + Timestamp.set and ParaInherent.enter
    _report(benchmark, "build (BlockBuilder.push x1000 + finalize)", shape)


def test_import_block(benchmark, setup):
    shape, backend, genesis, xts = setup
    block = _build(backend, genesis, xts)

    def run():
        return execute_block(backend, block, storage_root=lambda ch: backend.apply(ch)[0])

    changes = benchmark.pedantic(run, rounds=3, iterations=1)
    assert backend.apply(changes)[0] == block.header.state_root
    _report(benchmark, "import (execute_block incl. state root)", shape)


# -- a relay block carrying parachain work: what every validator re-executes each block -------------------------

def _paras_block():
    """Block 2 of a 6-validator chain with two paras: both block-1 candidates made available by six bitfields
    and two new candidates backed by three votes each (sr25519 verifications: 6 + 2 x (3 + 1))."""
    from tests.runtime.paras_fixture import (
        CODE_A, CODE_B, HEAD_A0, HEAD_B0, PARA_A, PARA_B, ParasChain, make_bitfield, make_candidate,
    )
    from relaychain.runtime.pallets.parachains import scheduler

    chain = ParasChain()
    g = scheduler.ValidatorGroups.get(chain.state())
    chain.block_with(candidates=[make_candidate(chain, PARA_A, HEAD_A0, b"A1", 0, CODE_A, group=g[0]).backed,
                                 make_candidate(chain, PARA_B, HEAD_B0, b"B1", 0, CODE_B, group=g[1]).backed])
    bitfields = [make_bitfield(chain, i, (True, True)) for i in range(6)]
    candidates = [make_candidate(chain, PARA_A, b"A1", b"A2", 1, CODE_A, group=g[0]),
                  make_candidate(chain, PARA_B, b"B1", b"B2", 1, CODE_B, group=g[1])]
    chain.block_with(bitfields=bitfields, candidates=[c.backed for c in candidates])
    return chain, bitfields, candidates


@pytest.fixture(scope="module")
def paras_block():
    return _paras_block()


def test_baseline_paras_signatures(benchmark, paras_block):
    from relaychain.primitives.parachain_types import attestation_payload, bitfield_signing_payload
    chain, bitfields, candidates = paras_block
    keys, parent = chain.active_keys(1), chain.headers[1].hash()
    checks = [(b.signature, bitfield_signing_payload(b.payload, 0, parent), keys[b.validator_index])
              for b in bitfields]
    for c in candidates:
        d = c.backed.candidate.descriptor
        checks.append((d.signature, d.signature_payload(), d.collator))
        checks += [(v[1], attestation_payload(v, c.hash, 0, d.relay_parent), keys[i])
                   for i, v in zip(range(3) if d.para_id == 2000 else range(3, 6), c.backed.validity_votes)]

    def run():
        assert all(verify_sr25519(s, m, p) for s, m, p in checks)

    benchmark.pedantic(run, rounds=5, iterations=3)


def test_import_paras_block(benchmark, paras_block):
    """Re-executing the block: compare its mean with the baseline's (the signatures no runtime can skip)."""
    chain, _, _ = paras_block
    parent = chain.state(1)

    def run():
        return execute_block(parent, chain.blocks[2], storage_root=chain.storage_root(parent))

    benchmark.pedantic(run, rounds=5, iterations=3)
