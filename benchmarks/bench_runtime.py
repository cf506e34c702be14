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
