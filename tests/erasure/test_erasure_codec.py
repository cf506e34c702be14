"""Properties of the fast codec, and agreement with the plain reference (spec: erasure.md).

Payload sizes are chosen to cross the kernels' batch boundary (512 runs of k symbols)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.erasure import (
    ChunkIndexOutOfBounds, EmptyPayload, NonUniformChunks, NotEnoughChunks, NotEnoughValidators,
    TooManyValidators, UnevenLength, code_params, obtain_chunks, reconstruct, reconstruct_from_systematic,
    recovery_threshold, systematic_recovery_threshold,
)
from relaychain.erasure import reference

N_VALIDATORS = st.sampled_from([2, 3, 4, 5, 7, 10, 16, 17, 33, 100])


def recovered(n: int, chunks: dict, payload: bytes) -> bool:
    """The output is the payload followed only by zero padding, up to k·shard_len bytes."""
    out = reconstruct(n, chunks)
    params = code_params(n)
    return (out[:len(payload)] == payload and not any(out[len(payload):])
            and len(out) == params.k * params.shard_len(len(payload)))


@settings(max_examples=40, deadline=None)
@given(n=N_VALIDATORS, payload=st.binary(min_size=1, max_size=3000), seed=st.integers(0, 2**32))
def test_any_k_chunks_recover_the_payload(n, payload, seed):
    chunks = obtain_chunks(n, payload)
    assert len(chunks) == n and len({len(c) for c in chunks}) == 1
    k = code_params(n).k
    chosen = random.Random(seed).sample(range(n), k)
    assert recovered(n, {i: chunks[i] for i in chosen}, payload)


@settings(max_examples=25, deadline=None)
@given(n=N_VALIDATORS, payload=st.binary(min_size=1, max_size=3000))
def test_last_recovery_threshold_chunks_and_systematic_chunks_recover(n, payload):
    chunks = obtain_chunks(n, payload)
    threshold, k = recovery_threshold(n), systematic_recovery_threshold(n)
    assert recovered(n, {i: chunks[i] for i in range(n - threshold, n)}, payload)
    out = reconstruct_from_systematic(n, chunks[:k])
    assert out[:len(payload)] == payload and not any(out[len(payload):])


@settings(max_examples=25, deadline=None)
@given(n=st.sampled_from([2, 3, 6, 10, 17, 40]), payload=st.binary(min_size=1, max_size=300),
       seed=st.integers(0, 2**32))
def test_kernels_equal_reference(n, payload, seed):
    chunks = obtain_chunks(n, payload)
    assert chunks == reference.obtain_chunks(n, payload)
    k = code_params(n).k
    chosen = {i: chunks[i] for i in random.Random(seed).sample(range(n), k)}
    assert reconstruct(n, chosen) == reference.reconstruct(n, chosen)


def test_kernels_equal_reference_beyond_one_batch():
    payload = random.Random(1).randbytes(2 * 512 * 2 * 4 + 7)  # n=10: k=4, two batches and a bit
    chunks = obtain_chunks(10, payload)
    assert chunks == reference.obtain_chunks(10, payload)
    chosen = {i: chunks[i] for i in (3, 5, 8, 9)}
    assert reconstruct(10, chosen) == reference.reconstruct(10, chosen)


def test_largest_validator_set():
    n = 65536
    payload = b"\x01\x02\x03"
    chunks = obtain_chunks(n, payload)
    assert chunks == reference.obtain_chunks(n, payload)
    k = code_params(n).k
    assert recovered(n, {i: chunks[i] for i in range(n - k, n)}, payload)


def test_more_than_k_chunks_and_duplicated_work_give_the_same_bytes():
    payload = bytes(range(256)) * 9
    chunks = obtain_chunks(33, payload)
    assert recovered(33, dict(enumerate(chunks)), payload)
    assert recovered(33, {i: chunks[i] for i in range(1, 33)}, payload)


@pytest.mark.parametrize("n, exc", [(0, NotEnoughValidators), (1, NotEnoughValidators), (65537, TooManyValidators)])
def test_validator_count_out_of_range(n, exc):
    with pytest.raises(exc):
        recovery_threshold(n)
    with pytest.raises(exc):
        obtain_chunks(n, b"data")
    with pytest.raises(exc):
        reconstruct(n, {0: b"ab"})
    with pytest.raises(exc):
        reconstruct_from_systematic(n, [b"ab"])


def test_empty_payload_is_refused():
    with pytest.raises(EmptyPayload):
        obtain_chunks(10, b"")


def test_malformed_chunk_sets_are_refused():
    chunks = obtain_chunks(10, b"some payload bytes" * 10)
    with pytest.raises(NotEnoughChunks):
        reconstruct(10, {i: chunks[i] for i in range(3)})
    with pytest.raises(NotEnoughChunks):
        reconstruct(10, {})
    with pytest.raises(NonUniformChunks):
        reconstruct(10, {0: chunks[0], 5: chunks[5][:-2], 6: chunks[6], 7: chunks[7]})
    with pytest.raises(NonUniformChunks):
        reconstruct(10, {i: b"" for i in range(4)})
    with pytest.raises(UnevenLength):
        reconstruct(10, {i: chunks[i][:-1] for i in range(4, 8)})
    with pytest.raises(ChunkIndexOutOfBounds):
        reconstruct(10, {i: chunks[i % 10] for i in range(7, 11)})
    with pytest.raises(ChunkIndexOutOfBounds):
        reconstruct(10, {-1: chunks[0], 1: chunks[1], 2: chunks[2], 3: chunks[3]})
    with pytest.raises(NotEnoughChunks):
        reconstruct_from_systematic(10, chunks[:3])
    with pytest.raises(NonUniformChunks):
        reconstruct_from_systematic(10, chunks[:3] + [chunks[3][:-2]])
    with pytest.raises(UnevenLength):
        reconstruct_from_systematic(10, [c[:-1] for c in chunks[:4]])


def test_parameters_follow_the_rule():
    for n in range(2, 2000):
        threshold = recovery_threshold(n)
        assert threshold == (n - 1) // 3 + 1
        params = code_params(n)
        assert params.k <= threshold < 2 * params.k and params.n >= n > params.n // 2
        assert 2 * params.k <= params.n


def test_wrong_argument_types_are_typed_errors():
    from relaychain.erasure import InvalidInput

    with pytest.raises(InvalidInput):
        obtain_chunks(10, "text")
    with pytest.raises(InvalidInput):
        obtain_chunks("10", b"data")
    with pytest.raises(InvalidInput):
        reconstruct(10, {"0": b"ab", 1: b"ab", 2: b"ab", 3: b"ab"})
    with pytest.raises(InvalidInput):
        reconstruct(10, {0: "ab", 1: b"ab", 2: b"ab", 3: b"ab"})
    with pytest.raises(InvalidInput):
        reconstruct(10, [b"ab"] * 4)
    with pytest.raises(InvalidInput):
        reconstruct_from_systematic(10, {i: b"ab" for i in range(4)})
    from relaychain.erasure import obtain_chunks_v1
    with pytest.raises(InvalidInput):
        obtain_chunks_v1(10, "not bytes")


def test_concurrent_calls_from_threads_agree():
    from concurrent.futures import ThreadPoolExecutor

    payloads = [random.Random(i).randbytes(20000 + i) for i in range(6)]
    with ThreadPoolExecutor(3) as pool:
        chunk_sets = list(pool.map(lambda p: obtain_chunks(100, p), payloads))
        outs = list(pool.map(lambda c: reconstruct(100, {i: c[i] for i in range(60, 100)}), chunk_sets))
    for payload, chunks, out in zip(payloads, chunk_sets, outs):
        assert chunks == obtain_chunks(100, payload)
        assert out[:len(payload)] == payload


WARM_PROBE = """
import sys
from relaychain.erasure import _kernels, warm_up
kernels = ("encode", "reconstruct", "error_locator", "mul_tables")
before = [k for k in kernels if getattr(_kernels, k).signatures]
if sys.argv[1] == "warm":
    warm_up()
print(before, [k for k in kernels if not getattr(_kernels, k).signatures])
"""


@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_warm_up_loads_every_kernel_a_reconstruction_from_any_chunks_needs(mode):
    # numba loads a kernel at its first call: in a fresh process none is loaded, and after warm_up none is left
    # for the first recovery from non-systematic chunks to load (the control shows the probe can tell)
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", WARM_PROBE, mode], capture_output=True, text=True, check=True)
    loaded_before, missing_after = out.stdout.strip().split("] [")
    assert loaded_before == "["
    if mode == "warm":
        assert missing_after == "]"
    else:
        assert missing_after != "]"
