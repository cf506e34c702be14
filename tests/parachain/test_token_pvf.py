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


def test_a_birth_block_64_below_the_parent_is_forgotten(running):
    """SPEC §6 step 3: block n forgets BlockHash(n - 1 - 64), so a longer era born there dies with it."""
    chain = genesis()
    for n in range(1, 66):
        chain.build(RelayEnv(n, PARA), [])
    era = Era.mortal(128, 2)
    assert era.birth(66) == era.birth(67) == 2
    xt = chain.sign(ALICE, transfer_call(BOB.public, UNIT), era=era, birth_hash=chain.state[block_hash_key(2)])
    built = chain.build(RelayEnv(66, PARA), [xt], commit=False)  # forgets BlockHash(1): block 2's still held
    assert validate(running, built) == built.expected_result()
    chain.build(RelayEnv(66, PARA), [])
    assert block_hash_key(1) not in chain.state and block_hash_key(0) in chain.state
    refused(running, chain.build(RelayEnv(67, PARA), [xt], commit=False), "ancient birth block")


# -- XCM out: teleports ---------------------------------------------------------------------------------------

def _beneficiary(who: bytes) -> Location:
    return account_id32(who)


def _teleport(chain, signer, dest, amount, beneficiary=None, nonce=None, **kw):
    asset = Asset(PARENT_LOCATION, ("Fungible", amount))
    call = teleport_call(dest, beneficiary or _beneficiary(BOB.public), [asset], **kw)
    return chain.sign(signer, call, nonce=nonce)


def _independent_teleport_message(amount: int, parents: int, beneficiary: bytes) -> bytes:
    """The V4 program written out byte by byte (SPEC.md §4), not with the reference's encoders."""
    asset = bytes((parents, 0, 0)) + encode_compact(amount)
    body = (b"\x02\x04" + asset + b"\x0a" + b"\x13" + asset + b"\x01" + encode_compact(5_000_000_000)
            + encode_compact(65536) + b"\x0d\x01\x02\x04" + b"\x00\x01\x01\x00" + beneficiary)
    topic = blake2_256(encode_compact(4) + body)
    return b"\x04" + encode_compact(5) + body + b"\x2c" + topic


def test_a_teleport_to_the_relay_is_an_upward_message_the_relay_accepts(running):
    from relaychain.runtime.xcm_executor import check_barrier, weigh
    from xcmp.xcm import decode_versioned_xcm
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    total_before = chain.state[__import__("tests.parachain.token_reference", fromlist=["x"]).TOTAL_ISSUANCE]
    built = chain.build(RelayEnv(2, PARA), [_teleport(chain, ALICE, PARENT_LOCATION, 5 * UNIT)])
    result = validate(running, built)
    assert result == built.expected_result()
    assert result.upward_messages == (_independent_teleport_message(5 * UNIT, 0, BOB.public),)
    program = decode_versioned_xcm(result.upward_messages[0])
    check_barrier(program, weigh(program))  # the relay's own barrier takes it
    from .token_reference import TOTAL_ISSUANCE
    assert int.from_bytes(chain.state[TOTAL_ISSUANCE], "little") == int.from_bytes(total_before, "little") - 5 * UNIT
    assert PENDING_UPWARD not in chain.state


def test_at_most_eight_upward_messages_leave_per_block(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    xts = [_teleport(chain, ALICE, PARENT_LOCATION, (i + 1) * UNIT, nonce=i) for i in range(10)]
    built = chain.build(RelayEnv(2, PARA), xts)
    result = validate(running, built)
    assert result == built.expected_result() and len(result.upward_messages) == 8
    assert result.upward_messages[7] == _independent_teleport_message(8 * UNIT, 0, BOB.public)
    assert len(decode_vec_bytes(chain.state[PENDING_UPWARD])) == 2
    built = chain.build(RelayEnv(3, PARA), [])
    result = validate(running, built)
    assert result == built.expected_result()
    assert result.upward_messages == tuple(_independent_teleport_message(a * UNIT, 0, BOB.public) for a in (9, 10))


def test_a_teleport_to_a_sibling_waits_for_a_channel_and_respects_its_limits(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    to_sibling = parachain(SIBLING, parents=1)
    xts = [_teleport(chain, ALICE, to_sibling, a * UNIT, nonce=i) for i, a in enumerate((1, 2, 3))]
    built = chain.build(RelayEnv(2, PARA), xts)  # no channel yet: the programs stay queued
    result = validate(running, built)
    assert result == built.expected_result() and result.horizontal_messages == ()
    assert len(decode_vec_bytes(chain.state[outbound_key(SIBLING)])) == 3
    programs = [_independent_teleport_message(a * UNIT, 1, BOB.public) for a in (1, 2, 3)]
    # A channel whose messages hold at most two programs.
    small = channel(max_message_size=1 + len(programs[0]) + len(programs[1]))
    built = chain.build(RelayEnv(3, PARA, egress={SIBLING: small}), [])
    result = validate(running, built)
    assert result == built.expected_result()
    assert [(m.recipient, m.data) for m in result.horizontal_messages] == [(SIBLING, b"\x00" + programs[0] + programs[1])]
    # A full channel sends nothing; then the last program leaves.
    built = chain.build(RelayEnv(4, PARA, egress={SIBLING: channel(max_capacity=1, msg_count=1)}), [])
    assert validate(running, built).horizontal_messages == ()
    built = chain.build(RelayEnv(5, PARA, egress={SIBLING: channel()}), [])
    result = validate(running, built)
    assert result == built.expected_result()
    assert [(m.recipient, m.data) for m in result.horizontal_messages] == [(SIBLING, b"\x00" + programs[2])]
    assert outbound_key(SIBLING) not in chain.state


def test_refused_teleports_fail_with_pallet_xcm_errors(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    native = Asset(PARENT_LOCATION, ("Fungible", UNIT))
    calls = [
        teleport_call(PARENT_LOCATION, _beneficiary(BOB.public), [native, native]),                   # TooManyAssets
        teleport_call(PARENT_LOCATION, _beneficiary(BOB.public), [native], fee_asset_item=1),         # Empty
        teleport_call(PARENT_LOCATION, _beneficiary(BOB.public), [Asset(Location(0, "Here"), ("Fungible", 1))]),  # Filtered
        teleport_call(parachain(PARA, parents=1), _beneficiary(BOB.public), [native]),                 # BadLocation
        teleport_call(PARENT_LOCATION, account_id32(BOB.public, parents=1), [native]),                # BadLocation
        teleport_call(PARENT_LOCATION, _beneficiary(BOB.public), [Asset(PARENT_LOCATION, ("Fungible", 1000 * UNIT))]),
    ]
    xts = [chain.sign(ALICE, c, nonce=i) for i, c in enumerate(calls)]
    built = chain.build(RelayEnv(2, PARA), xts)
    result = validate(running, built)
    assert result == built.expected_result() and result.upward_messages == ()
    failed = [e for e in built.events if e[5:7] == b"\x00\x01"]
    assert [e[7:13] for e in failed] == [bytes((3, 31, i, 0, 0, 0)) for i in (7, 5, 2, 10, 10, 24)]


# -- XCM in: DMP and HRMP ---------------------------------------------------------------------------------------

def test_downward_messages_are_checked_against_the_relay_and_credited(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    v3_program = b"\x03" + teleport_program_to_para(UNIT, BOB.public)[1:]
    messages = [
        (2, teleport_program_to_para(3 * UNIT, NEWCOMER)),                  # creates an account
        (2, teleport_program_to_para(UNIT, ALICE.public, topic=False)),     # id = hash of the message
        (3, v3_program),                                                     # undecodable here
        (3, teleport_program_to_para(ED - 1, blake2_256(b"poor"))),          # below ED for a new account: fails
        (3, teleport_program_to_para(UNIT, BOB.public, parents=0)),          # not the relay's token as seen here
    ]
    head = mqc_head_of(messages)
    built = chain.build(RelayEnv(3, PARA, dmq_head=head), [], downward=messages)
    result = validate(running, built)
    assert result == built.expected_result() and result.processed_downward_messages == 5
    assert chain.free(NEWCOMER) == 3 * UNIT and chain.free(ALICE.public) == 1001 * UNIT
    assert chain.state.get(account_key(blake2_256(b"poor"))) is None
    processed = [e for e in built.events if e[5:7] == b"\x23\x01"]
    assert [e[-2] for e in processed] == [1, 1, 0, 0, 0]  # success flags
    # The next block gets only newer messages and extends the stored head.
    later = [(4, teleport_program_to_para(UNIT, NEWCOMER))]
    built = chain.build(RelayEnv(4, PARA, dmq_head=mqc_head_of(later, head)), [], downward=later)
    assert validate(running, built) == built.expected_result()
    assert chain.free(NEWCOMER) == 4 * UNIT


def test_horizontal_messages_are_split_into_programs_and_credited(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    p1 = teleport_program_to_para(2 * UNIT, NEWCOMER)
    p2 = teleport_program_to_para(UNIT, CHARLIE.public, topic=False)
    msgs = [(2, b"\x00" + p1 + p2), (2, b"\x01" + p1), (3, b"\x00" + p1 + b"\x04\xff")]
    third_sender = SIBLING + 5
    relay = RelayEnv(3, PARA, ingress={SIBLING: channel(mqc_head=mqc_head_of(msgs)), third_sender: channel()})
    built = chain.build(relay, [], horizontal={SIBLING: msgs})
    result = validate(running, built)
    assert result == built.expected_result()
    assert chain.free(NEWCOMER) == 4 * UNIT and chain.free(CHARLIE.public) == ED + 5 + UNIT
    processed = [e for e in built.events if e[5:7] == b"\x23\x01"]
    assert [e[-2] for e in processed] == [1, 1, 0, 1, 0]
    # Next block: the channel head moves on from the stored one.
    more = [(4, b"\x00" + teleport_program_to_para(UNIT, NEWCOMER))]
    relay = RelayEnv(4, PARA, ingress={SIBLING: channel(mqc_head=mqc_head_of(more, mqc_head_of(msgs)))})
    built = chain.build(relay, [], horizontal={SIBLING: more})
    assert validate(running, built) == built.expected_result()
    assert chain.free(NEWCOMER) == 5 * UNIT


# -- invalid blocks ---------------------------------------------------------------------------------------------

@pytest.fixture
def chain_at_1(running):
    chain = genesis()
    validate(running, chain.build(RelayEnv(1, PARA), []))
    return chain


def _with_header(built, **fields):
    h = built.header
    values = dict(parent_hash=h.parent_hash, number=h.number, state_root=h.state_root,
                  extrinsics_root=h.extrinsics_root)
    values.update(fields)
    built.header = Header(**values)
    return built


def test_a_wrong_parent_state_is_refused(running, chain_at_1):
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    k, v = built.parent_state[3]
    built.parent_state[3] = (k, v + b"\x00")
    refused(running, built, "parent state root mismatch")
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    built.parent_state[2], built.parent_state[3] = built.parent_state[3], built.parent_state[2]
    refused(running, built, "not strictly ascending")
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    del built.parent_state[0]
    refused(running, built, "parent state root mismatch")


def test_a_wrong_header_is_refused(running, chain_at_1):
    built = chain_at_1.build(RelayEnv(2, PARA), [chain_at_1.sign(ALICE, transfer_call(BOB.public, UNIT))], commit=False)
    refused(running, _with_header(built, state_root=blake2_256(b"other")), "state root mismatch")
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    refused(running, _with_header(built, extrinsics_root=bytes(32)), "extrinsics root mismatch")
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    refused(running, _with_header(built, parent_hash=bytes(32)), "parent_hash")
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    refused(running, _with_header(built, number=3), "number is not parent + 1")
    # The right header on another parent head.
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    refused(running, built, "parent_hash", parent_head=genesis().head_data)


def test_signed_extrinsics_must_be_valid_transactions(running, chain_at_1):
    good = chain_at_1.sign(ALICE, transfer_call(BOB.public, UNIT))
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    tampered = bytearray(good)
    tampered[40] ^= 1  # inside the sr25519 signature (after length, version, address and scheme)
    built.extrinsics[1] = bytes(tampered)
    refused(running, built, "bad signature")
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    built.extrinsics[1] = chain_at_1.sign(ALICE, transfer_call(BOB.public, UNIT), nonce=1)
    refused(running, built, "wrong nonce")
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    built.extrinsics[1] = chain_at_1.sign(dev_keypair("Eve"), transfer_call(BOB.public, UNIT), nonce=0)  # not endowed
    refused(running, built, "signer has no account")
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    built.extrinsics[1] = chain_at_1.sign(ALICE, bytes((10, 7)) + BOB.public)  # no such call
    refused(running, built, "unknown call")
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    built.extrinsics[1] = encode_bytes(b"\x04" + transfer_call(BOB.public, UNIT))  # unsigned
    refused(running, built, "not a signed")
    # Signed for another chain (genesis hash): the signature does not verify here.
    other = TokenRef(PARA + 1, {ALICE.public: UNIT})
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    built.extrinsics[1] = other.sign(ALICE, transfer_call(BOB.public, UNIT), nonce=0)
    refused(running, built, "bad signature")


def test_the_inherent_must_come_first_and_match_the_validation_params(running, chain_at_1):
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    built.extrinsics = []
    refused(running, built, "no set_validation_data")
    built = chain_at_1.build(RelayEnv(2, PARA), [chain_at_1.sign(ALICE, transfer_call(BOB.public, 1))], commit=False)
    built.extrinsics.reverse()
    refused(running, built, "extrinsic 0 is not set_validation_data")
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    refused(running, built, "relay_parent_number differs", relay_parent_number=3)
    built = chain_at_1.build(RelayEnv(2, PARA), [], commit=False)
    refused(running, built, "relay_parent_storage_root differs", relay_parent_storage_root=bytes(32))
    chain_at_1.build(RelayEnv(7, PARA), [])
    built = chain_at_1.build(RelayEnv(6, PARA), [], commit=False)
    refused(running, built, "goes backwards")


def test_downward_messages_must_be_exactly_the_queue(running, chain_at_1):
    m1, m2 = (2, teleport_program_to_para(UNIT, BOB.public)), (2, teleport_program_to_para(2 * UNIT, BOB.public))
    both = mqc_head_of([m1, m2])
    skipped = chain_at_1.build(RelayEnv(2, PARA, dmq_head=both), [], downward=[m1], commit=False)
    refused(running, skipped, "dmq mqc head mismatch")
    invented = chain_at_1.build(RelayEnv(2, PARA, dmq_head=mqc_head_of([m1])), [], downward=[m1, m2], commit=False)
    refused(running, invented, "dmq mqc head mismatch")
    altered = chain_at_1.build(RelayEnv(2, PARA, dmq_head=both), [], downward=[m1, (2, m2[1] + b"\x00")], commit=False)
    refused(running, altered, "dmq mqc head mismatch")
    old = chain_at_1.build(RelayEnv(2, PARA, dmq_head=mqc_head_of([(1, m1[1])])), [], downward=[(1, m1[1])],
                           commit=False)
    refused(running, old, "sent at or before the last relay parent")


def test_horizontal_messages_must_be_exactly_the_channels(running, chain_at_1):
    msgs = [(2, b"\x00" + teleport_program_to_para(UNIT, BOB.public))]
    wrong_head = RelayEnv(2, PARA, ingress={SIBLING: channel(mqc_head=blake2_256(b"elsewhere"))})
    refused(running, chain_at_1.build(wrong_head, [], horizontal={SIBLING: msgs}, commit=False),
            f"mqc head mismatch for sender {SIBLING}")
    # Messages kept back: the channel's head says there are some.
    withheld = RelayEnv(2, PARA, ingress={SIBLING: channel(mqc_head=mqc_head_of(msgs))})
    refused(running, chain_at_1.build(withheld, [], commit=False), f"mqc head mismatch for sender {SIBLING}")
    # Messages from a para that has no channel to us.
    stranger = RelayEnv(2, PARA, ingress={SIBLING: channel()})
    refused(running, chain_at_1.build(stranger, [], horizontal={SIBLING + 1: msgs}, commit=False),
            "not an ingress channel")
    out_of_order = [(2, msgs[0][1]), (1, msgs[0][1])]
    relay = RelayEnv(2, PARA, ingress={SIBLING: channel(mqc_head=mqc_head_of(out_of_order))})
    refused(running, chain_at_1.build(relay, [], horizontal={SIBLING: out_of_order}, commit=False), "sent at or before")


def test_the_relay_proof_must_hold_every_node_the_reads_need(running, chain_at_1):
    ch = channel(mqc_head=None)
    relay = RelayEnv(2, PARA, ingress={SIBLING: ch})
    root, _ = relay.root_and_proof()
    built = chain_at_1.build(relay, [], proof_filter=lambda p: [n for n in p if blake2_256(n) != root], commit=False)
    refused(running, built, "relay proof: node missing")
    # The channel's value is 85 bytes: a V1 hashed value node of its own in the proof.
    value = ch.encode()
    built = chain_at_1.build(relay, [], proof_filter=lambda p: [n for n in p if n != value], commit=False)
    refused(running, built, "relay proof: value node missing")
    # Any inner node on a walk: every removal is caught.
    _, proof = relay.root_and_proof()
    inner = [n for n in proof if blake2_256(n) != root and n != value]
    assert inner
    for node in inner:
        built = chain_at_1.build(relay, [], proof_filter=lambda p, node=node: [n for n in p if n != node], commit=False)
        refused(running, built, "relay proof:")
    # Extra nodes are harmless.
    built = chain_at_1.build(relay, [], proof_filter=lambda p: p + [b"\x00\x01\x02"], commit=False)
    assert validate(running, built) == built.expected_result()


def test_large_inbound_messages_are_processed_within_the_limits(running, chain_at_1):
    big = [(2, b"\x04" + bytes(2 << 20)), (2, teleport_program_to_para(UNIT, NEWCOMER))]  # 2 MiB, undecodable
    hrmp_msgs = [(2, b"\x00" + teleport_program_to_para(UNIT, NEWCOMER) + bytes(1 << 20))]
    relay = RelayEnv(2, PARA, dmq_head=mqc_head_of(big), ingress={SIBLING: channel(mqc_head=mqc_head_of(hrmp_msgs))})
    built = chain_at_1.build(relay, [], downward=big, horizontal={SIBLING: hrmp_msgs})
    result = validate(running, built)
    assert result == built.expected_result()
    assert chain_at_1.free(NEWCOMER) == 2 * UNIT
    processed = [e for e in built.events if e[5:7] == b"\x23\x01"]
    assert [e[-2] for e in processed] == [0, 1, 1, 0]


def test_an_ecdsa_signature_makes_the_block_invalid(running, chain_at_1):
    good = chain_at_1.sign(ALICE, transfer_call(BOB.public, UNIT))
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    body = bytearray(good[2:])  # Compact(len) is 2 bytes here
    assert body[0] == 0x84 and body[1] == 0 and body[34] == 1  # version, MultiAddress::Id, Sr25519
    ecdsa = bytes(body[:34]) + b"\x02" + bytes(65) + bytes(body[99:])
    built.extrinsics[1] = encode_bytes(ecdsa)
    refused(running, built, "unsupported signature scheme")


# -- the decisions SPEC.md leaves open (shared with the collator's runtime, parachain/token/__init__.py) ----------

def _program(amount: int, beneficiary: bytes, deposit_filter, parents: int = 1) -> bytes:
    from xcmp.xcm import XCM_PROGRAM, encode_versioned_xcm
    asset = Asset(Location(parents, "Here"), ("Fungible", amount))
    return encode_versioned_xcm([
        ("ReceiveTeleportedAsset", [asset]), "ClearOrigin", ("BuyExecution", {"fees": asset, "weight_limit": "Unlimited"}),
        ("DepositAsset", {"assets": deposit_filter, "beneficiary": account_id32(beneficiary)})])


def test_a_deposit_filter_must_cover_the_whole_holding(running, chain_at_1):
    native = lambda a: Asset(PARENT_LOCATION, ("Fungible", a))  # noqa: E731
    messages = [(2, _program(UNIT, BOB.public, f)) for f in (
        ("Wild", "All"),                                                      # ok
        ("Wild", ("AllCounted", 1)),                                          # ok
        ("Definite", [native(UNIT)]),                                         # ok: covers
        ("Definite", [native(UNIT // 2), native(UNIT // 2)]),                 # ok: covers in two
        ("Definite", [native(UNIT - 1)]),                                     # short: fails
        ("Wild", ("AllCounted", 0)),                                          # fails
        ("Wild", ("AllOf", {"id": PARENT_LOCATION, "fun": "Fungible"})),      # fails
        ("Definite", [Asset(Location(0, "Here"), ("Fungible", UNIT))]),       # foreign asset: fails
    )]
    built = chain_at_1.build(RelayEnv(2, PARA, dmq_head=mqc_head_of(messages)), [], downward=messages)
    assert validate(running, built) == built.expected_result()
    assert [e[-2] for e in built.events if e[5:7] == b"\x23\x01"] == [1, 1, 1, 1, 0, 0, 0, 0]
    assert chain_at_1.free(BOB.public) == 1004 * UNIT


def test_self_transfers_move_nothing_but_keep_alive_still_applies(running, chain_at_1):
    xts = [chain_at_1.sign(ALICE, transfer_call(ALICE.public, 5 * UNIT)),
           chain_at_1.sign(ALICE, transfer_call(ALICE.public, 1000 * UNIT, keep_alive=True), nonce=1),  # NotExpendable
           chain_at_1.sign(ALICE, transfer_call(ALICE.public, 1000 * UNIT), nonce=2)]                   # never reaps
    built = chain_at_1.build(RelayEnv(2, PARA), xts)
    assert validate(running, built) == built.expected_result()
    assert chain_at_1.free(ALICE.public) == 1000 * UNIT
    # Transfer + ExtrinsicSuccess, ExtrinsicFailed, Transfer + ExtrinsicSuccess: no KilledAccount, no Endowed.
    assert [e[5:7] for e in built.events if e[1:5] != bytes(4)] == [
        b"\x0a\x02", b"\x00\x00", b"\x00\x01", b"\x0a\x02", b"\x00\x00"]
    assert [e[7:9] for e in built.events if e[5:7] == b"\x00\x01"] == [b"\x07\x08"]


def test_messages_the_relay_queued_at_genesis_reach_the_first_block(running):
    chain = genesis()
    messages = [(0, _program(UNIT, NEWCOMER, ("Wild", "All"))), (1, _program(UNIT, NEWCOMER, ("Wild", "All")))]
    built = chain.build(RelayEnv(1, PARA, dmq_head=mqc_head_of(messages)), [], downward=messages)
    assert validate(running, built) == built.expected_result()
    assert chain.free(NEWCOMER) == 2 * UNIT
    again = [(1, _program(UNIT, NEWCOMER, ("Wild", "All")))]  # from now on, sent_at 1 was processed
    built = chain.build(RelayEnv(2, PARA, dmq_head=mqc_head_of(again, mqc_head_of(messages))), [], downward=again,
                        commit=False)
    refused(running, built, "sent at or before the last relay parent")


def test_an_indexed_egress_channel_missing_from_the_relay_state_is_no_channel(running, chain_at_1):
    xt = _teleport(chain_at_1, ALICE, parachain(SIBLING, parents=1), UNIT)
    built = chain_at_1.build(RelayEnv(2, PARA, egress={SIBLING: None}), [xt])
    result = validate(running, built)
    assert result == built.expected_result() and result.horizontal_messages == ()
    assert len(decode_vec_bytes(chain_at_1.state[outbound_key(SIBLING)])) == 1
    # An indexed ingress channel missing is an inconsistent relay state: invalid.
    relay = RelayEnv(3, PARA, ingress={SIBLING: channel()})
    built = chain_at_1.build(relay, [], commit=False,
                             proof_filter=lambda p: [n for n in p if n != channel().encode()])
    refused(running, built, "relay proof:")


def test_a_zero_signer_makes_the_block_invalid(running, chain_at_1):
    good = chain_at_1.sign(ALICE, transfer_call(BOB.public, UNIT))
    built = chain_at_1.build(RelayEnv(2, PARA), [good], commit=False)
    body = good[2:]
    built.extrinsics[1] = encode_bytes(body[:2] + bytes(32) + body[34:])
    refused(running, built, "zero signer")


def test_more_than_100_instructions_with_nested_programs_do_not_decode(running, chain_at_1):
    from xcmp.xcm import encode_versioned_xcm
    from .token_reference import instruction_total
    nested = lambda k: ("TransferReserveAsset", {"assets": [], "dest": PARENT_LOCATION,  # noqa: E731
                                                 "xcm": ["ClearOrigin"] * k})
    at_limit = encode_versioned_xcm([nested(49), nested(49)])    # 2 + 98 = 100: decodes (fails the barrier)
    over = encode_versioned_xcm([nested(49), nested(50)])        # 101: does not decode
    two_levels = encode_versioned_xcm([("TransferReserveAsset", {"assets": [], "dest": PARENT_LOCATION,
                                                                 "xcm": [nested(97)]})])  # 1 + 1 + 97 = 99
    assert [instruction_total(p) for p in ([nested(49), nested(49)], [nested(49), nested(50)])] == [100, 101]
    messages = [(2, at_limit), (2, over), (2, two_levels)]
    hrmp_msgs = [(2, b"\x00" + over + teleport_program_to_para(UNIT, BOB.public))]
    relay = RelayEnv(2, PARA, dmq_head=mqc_head_of(messages), ingress={SIBLING: channel(mqc_head=mqc_head_of(hrmp_msgs))})
    built = chain_at_1.build(relay, [], downward=messages, horizontal={SIBLING: hrmp_msgs})
    assert validate(running, built) == built.expected_result()
    processed = [e for e in built.events if e[5:7] == b"\x23\x01"]
    # at_limit (barrier), over (undecodable), two_levels (barrier), over in HRMP (undecodable: the rest of the message)
    # weight_used (Compact ref_time, Compact 0), success false, no topics: 0 for the undecodable ones
    suffixes = [encode_compact(n * 1_000_000) + b"\x00\x00\x00" for n in (2, 0, 1, 0)]
    assert [e.endswith(x) for e, x in zip(processed, suffixes)] == [True] * 4
    assert chain_at_1.free(BOB.public) == 1000 * UNIT  # the teleport after `over` in the HRMP message is lost too
