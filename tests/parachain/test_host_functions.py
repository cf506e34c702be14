"""The sp-io host functions as a PVF calls them: hashing against independent references, logging, and
imports the host does not provide (allowed until called)."""

from __future__ import annotations

import hashlib
import logging

import pytest
import xxhash
from hypothesis import given, strategies as st

from parachain.abi import ValidationParams
from parachain.errors import MissingHostFunction, WasmTrap
from parachain.host_functions import unpack_fat_pointer
from parachain.limits import ExecutionLimits
from parachain.sandbox import compile_code, execute_in_process, run_validate_block
from relaychain.primitives.scale import encode_compact

from .conftest import pvf
from .keccak_reference import keccak_256 as keccak_reference


def twox(data: bytes, lanes: int) -> bytes:
    """Substrate's twox: xxHash64 with seeds 0..lanes-1, each digest little-endian, concatenated."""
    return b"".join(xxhash.xxh64_intdigest(data, seed=s).to_bytes(8, "little") for s in range(lanes))


REFERENCES = {
    0: lambda d: hashlib.blake2b(d, digest_size=16).digest(),
    1: lambda d: hashlib.blake2b(d, digest_size=32).digest(),
    2: keccak_reference,
    3: lambda d: twox(d, 1),
    4: lambda d: twox(d, 2),
    5: lambda d: twox(d, 4),
}


def hash_through_pvf(selector: int, data: bytes):
    return execute_in_process(pvf("hasher"), ValidationParams(bytes([selector]), data, 0, bytes(32)))


@pytest.mark.parametrize("selector", sorted(REFERENCES))
@given(data=st.binary(max_size=2000))
def test_hash_host_functions_match_independent_references(selector, data):
    assert hash_through_pvf(selector, data).head_data == REFERENCES[selector](data)


def test_keccak_reference_knows_the_published_digests():
    # Keccak-256 (not SHA3-256) of "" and "abc", as Ethereum and sp-io compute them.
    assert keccak_reference(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak_reference(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    assert keccak_reference(b"abc") != hashlib.sha3_256(b"abc").digest()


def test_hashing_a_large_input_crosses_the_keccak_block_boundary():
    data = bytes(range(256)) * 1000
    assert hash_through_pvf(2, data).head_data == keccak_reference(data)


def test_guest_logs_reach_the_host_logger_and_max_level_follows_it(caplog):
    caplog.set_level(logging.INFO, logger="parachain.pvf")
    result = hash_through_pvf(1, b"x")
    assert result.processed_downward_messages == 3  # LogLevelFilter::Info
    assert any(r.name == "parachain.pvf" and r.levelno == logging.INFO and "[hasher] hashed" in r.getMessage()
               for r in caplog.records)
    caplog.set_level(logging.ERROR, logger="parachain.pvf")
    assert hash_through_pvf(1, b"x").processed_downward_messages == 1  # LogLevelFilter::Error
    caplog.set_level(logging.CRITICAL, logger="parachain.pvf")
    assert hash_through_pvf(1, b"x").processed_downward_messages == 0  # LogLevelFilter::Off


def test_a_slice_outside_guest_memory_traps_instead_of_reading_host_memory():
    # hasher trusts block_data's length prefix: claim 16 MiB while the memory holds far less.
    limits = ExecutionLimits()
    params = bytes([4, 1]) + encode_compact(16 * 1024 * 1024) + b"short" + bytes(36)
    with pytest.raises(WasmTrap, match="outside the PVF's memory"):
        run_validate_block(compile_code(pvf("hasher"), limits), params, limits)


def test_an_unprovided_import_is_allowed_until_called():
    code = pvf("missing_host_function")
    result = execute_in_process(code, ValidationParams(b"", b"\x00", 77, bytes(32)))
    assert (result.head_data, result.hrmp_watermark) == (b"\x07", 77)
    with pytest.raises(MissingHostFunction) as e:
        execute_in_process(code, ValidationParams(b"", b"\x01", 77, bytes(32)))
    assert e.value.name == "ext_storage_set_version_1"
    assert e.value.reason == "missing-host-function"


def test_fat_pointers_unpack_as_ptr_low_len_high_from_signed_i64():
    assert unpack_fat_pointer(5 | 7 << 32) == (5, 7)
    assert unpack_fat_pointer(-1) == (0xFFFF_FFFF, 0xFFFF_FFFF)
    assert unpack_fat_pointer(0x8000_0000_0000_0010 - (1 << 64)) == (0x10, 0x8000_0000)


# -- signature checks (ext_crypto_{sr25519_verify_version_2, ed25519_verify_version_1}) ----------------------

def _check_signature(scheme: int, signature: bytes, public: bytes, message: bytes, mode: int = 0) -> int:
    data = signature + public + message
    block_data = (len(data) << 2 | 2).to_bytes(4, "little") + data  # the 4-byte Compact mode sigcheck reads
    params = bytes([8, scheme, mode]) + block_data + bytes(36)
    limits = ExecutionLimits()
    raw = run_validate_block(compile_code(pvf("sigcheck"), limits), params, limits)
    return raw[1]


@pytest.mark.parametrize("scheme,name", [(0, "sr25519"), (1, "ed25519")])
def test_signature_host_functions_accept_valid_and_refuse_altered_signatures(scheme, name):
    from relaychain.primitives.crypto import dev_keypair
    alice, bob = dev_keypair("Alice", name), dev_keypair("Bob", name)
    message = b"transfer 10 to bob" * 20
    signature = alice.sign(message)
    assert _check_signature(scheme, signature, alice.public, message) == 1
    assert _check_signature(scheme, signature, alice.public, message + b"!") == 0  # other message
    assert _check_signature(scheme, signature, bob.public, message) == 0  # other signer
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    assert _check_signature(scheme, forged, alice.public, message) == 0
    assert _check_signature(scheme, bytes(64), bytes(32), message) == 0  # malformed key: invalid, no fault
    assert _check_signature(scheme, alice.sign(b""), alice.public, b"") == 1  # empty message


def test_an_sr25519_signature_is_not_an_ed25519_one():
    from relaychain.primitives.crypto import dev_keypair
    sr, ed = dev_keypair("Alice", "sr25519"), dev_keypair("Alice", "ed25519")
    assert _check_signature(1, sr.sign(b"m"), sr.public, b"m") == 0
    assert _check_signature(0, ed.sign(b"m"), ed.public, b"m") == 0


@pytest.mark.parametrize("scheme", [0, 1])
@pytest.mark.parametrize("mode", [1, 2, 3])
def test_signature_pointers_outside_guest_memory_trap(scheme, mode):
    with pytest.raises(WasmTrap, match="outside the PVF's memory"):
        _check_signature(scheme, bytes(64), bytes(32), b"message", mode=mode)
