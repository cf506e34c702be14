"""The token parachain's PVF (parachain/runtimes/token/token.wasm, AssemblyScript) run by the validators'
executor on blocks an independent Python reference (tests/parachain/token_reference.py) builds from SPEC.md:
valid blocks must give exactly the reference's head and commitments, broken ones must be refused for the
rule they break."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from parachain.errors import InvalidCandidate, WasmTrap
from parachain.runtimes import token as token_pvf
from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.extrinsic import Era
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import encode_bytes, encode_compact
from relaychain.primitives.types import Header
from xcmp.mqc import mqc_head_of
from xcmp.xcm import PARENT_LOCATION, Asset, Location, account_id32, junctions, parachain

from .token_reference import (
    ED, PENDING_UPWARD, RelayEnv, TokenRef, account_key, block_hash_key, channel, decode_vec_bytes, outbound_key, teleport_call,
    teleport_program_to_para, transfer_call,
)

CODE = token_pvf.validation_code()
PARA = 2000
SIBLING = 2001
UNIT = 10 ** 12

ALICE, BOB, CHARLIE = (dev_keypair(n) for n in ("Alice", "Bob", "Charlie"))
DAVE_ED = dev_keypair("Dave", "ed25519")
NEWCOMER = blake2_256(b"newcomer")


def genesis() -> TokenRef:
    return TokenRef(PARA, {ALICE.public: 1000 * UNIT, BOB.public: 1000 * UNIT, CHARLIE.public: ED + 5,
                           DAVE_ED.public: 100 * UNIT})


def validate(running, built, **changes):
    return running.run(running.executor.validate(CODE, built.params(**changes)))


def refused(running, built, reason: str, **changes) -> InvalidCandidate:
    with pytest.raises(WasmTrap) as info:
        validate(running, built, **changes)
    assert reason in info.value.attributes.get("guest_error", ""), info.value
    return info.value


# -- the build ---------------------------------------------------------------------------------------------

def test_the_committed_wasm_is_the_build_of_the_sources():
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("RELAYCHAIN_JS_REQUIRED"):
            pytest.fail("node/npm missing while RELAYCHAIN_JS_REQUIRED is set: the token PVF rebuild must run")
        pytest.skip("node and npm are needed to rebuild the token PVF")
    rebuilt = token_pvf.build()
    assert hashlib.sha256(rebuilt).hexdigest() == hashlib.sha256(CODE).hexdigest(), \
        "token.wasm is stale: run `python -m parachain.runtimes.token` and commit it"


def test_the_wasm_fits_the_executor_limits():
    from parachain.limits import ExecutionLimits
    from parachain.sandbox import compile_code
    shape = compile_code(CODE, ExecutionLimits()).shape
    assert len(CODE) < ExecutionLimits().max_code_size
    assert not shape.imports_memory
    assert {name for name, _ in shape.func_imports} <= {
        "ext_allocator_free_version_1", "ext_hashing_blake2_128_version_1", "ext_hashing_blake2_256_version_1",
        "ext_hashing_twox_64_version_1", "ext_hashing_twox_128_version_1", "ext_logging_log_version_1",
        "ext_crypto_sr25519_verify_version_2", "ext_crypto_ed25519_verify_version_1"}


# -- valid blocks ---------------------------------------------------------------------------------------------

def test_empty_blocks_chain_from_genesis(running):
    chain = genesis()
    for relay_number in (5, 5, 9):
        built = chain.build(RelayEnv(relay_number, PARA), [])
        result = validate(running, built)
        assert result == built.expected_result()
        assert Header.decode(result.head_data).number == chain.head.number
    assert result.hrmp_watermark == 9 and result.upward_messages == () and result.horizontal_messages == ()


def test_transfers_move_balances_create_and_reap_accounts(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))  # block 1 records the genesis hash
    xts = [
        chain.sign(ALICE, transfer_call(BOB.public, 10 * UNIT)),
        chain.sign(ALICE, transfer_call(NEWCOMER, 2 * ED), nonce=1),                    # creates an account
        chain.sign(BOB, transfer_call(ALICE.public, 3 * UNIT, keep_alive=True)),
        chain.sign(CHARLIE, transfer_call(BOB.public, 7)),                              # reaps Charlie: dust 5 + ED - 7
        chain.sign(DAVE_ED, transfer_call(ALICE.public, UNIT)),                         # an ed25519 signer
        chain.sign(ALICE, transfer_call(BOB.public, 0), nonce=2),                       # zero: a no-op success
    ]
    built = chain.build(RelayEnv(2, PARA), xts)
    assert validate(running, built) == built.expected_result()
    assert chain.free(NEWCOMER) == 2 * ED and chain.state.get(account_key(CHARLIE.public)) is None
    assert chain.free(ALICE.public) == 1000 * UNIT - 10 * UNIT - 2 * ED + 3 * UNIT + UNIT


def test_failed_dispatches_are_included_rolled_back_and_bump_the_nonce(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    index_address = bytes((10, 0, 1)) + encode_compact(7) + encode_compact(UNIT)  # MultiAddress::Index
    xts = [
        chain.sign(ALICE, transfer_call(BOB.public, 10_000 * UNIT)),                    # FundsUnavailable
        chain.sign(BOB, transfer_call(ALICE.public, 1000 * UNIT, keep_alive=True)),     # NotExpendable
        chain.sign(ALICE, transfer_call(NEWCOMER, ED - 1), nonce=1),                    # BelowMinimum
        chain.sign(ALICE, index_address, nonce=2),                                      # CannotLookup
    ]
    before = dict(chain.state)
    built = chain.build(RelayEnv(2, PARA), xts)
    assert validate(running, built) == built.expected_result()
    assert chain.nonce(ALICE.public) == 3 and chain.free(ALICE.public) == int.from_bytes(
        before[account_key(ALICE.public)][16:32], "little")
    assert sum(1 for e in built.events if e[5:7] == b"\x00\x01") == 4  # four ExtrinsicFailed


def test_a_mortal_transaction_is_checked_against_its_birth_block(running):
    chain = genesis()
    for n in range(1, 4):
        validate(running, chain.build(RelayEnv(n, PARA), []))
    era = Era.mortal(64, 2)  # born at block 2, whose hash block 3 recorded
    assert era.birth(4) == 2
    xt = chain.sign(ALICE, transfer_call(BOB.public, UNIT), era=era, birth_hash=chain.state[block_hash_key(2)])
    built = chain.build(RelayEnv(4, PARA), [xt], commit=False)
    assert validate(running, built) == built.expected_result()
    # Signed over another block's hash: the signature does not match what the PVF checks.
    forged = chain.sign(ALICE, transfer_call(BOB.public, UNIT), era=era, birth_hash=chain.state[block_hash_key(1)])
    refused(running, chain.build(RelayEnv(4, PARA), [forged], commit=False), "bad signature")
    # Born at block 3, whose hash is recorded only as block 4 starts: still fine (the parent's hash is in).
    era3 = Era.mortal(64, 3)
    xt3 = chain.sign(ALICE, transfer_call(BOB.public, UNIT), era=era3, birth_hash=chain.head_hash)
    built3 = chain.build(RelayEnv(4, PARA), [xt3], commit=False)
    assert validate(running, built3) == built3.expected_result()
    # Born at block 4 (the block being built): no hash yet, the transaction is invalid.
    era4 = Era.mortal(64, 4)
    xt4 = chain.sign(ALICE, transfer_call(BOB.public, UNIT), era=era4, birth_hash=bytes(32))
    refused(running, chain.build(RelayEnv(4, PARA), [xt4], commit=False), "ancient birth block")
