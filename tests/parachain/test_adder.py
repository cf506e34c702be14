"""The adder PVF (parachain/runtimes/adder/adder.wat) against a plain reference of polkadot-sdk's adder
rules written here (test-parachains/adder/src/{lib.rs, wasm_validation.rs}), and the collator side
(parachain.block) against the same reference."""

from __future__ import annotations

import wasmtime
import pytest
from hypothesis import given, strategies as st

from parachain.abi import ValidationParams
from parachain.block import ADD, AdderCollator, BlockData, HeadData, genesis_head, produce_block
from parachain.errors import WasmTrap
from parachain.limits import ExecutionLimits
from parachain.runtimes import adder
from parachain.sandbox import compile_code, execute_in_process, run_validate_block
from relaychain.primitives.hashing import blake2_256

from .keccak_reference import keccak_256 as keccak

U64 = (1 << 64) - 1
u64s = st.integers(0, U64)
u32s = st.integers(0, (1 << 32) - 1)
roots = st.binary(min_size=32, max_size=32)


# -- the reference: lib.rs and wasm_validation.rs, restated ----------------------------------------

def ref_head(number: int, parent_hash: bytes, post_state: bytes) -> bytes:
    """SCALE(HeadData { number: u64, parent_hash: [u8; 32], post_state: [u8; 32] })."""
    return number.to_bytes(8, "little") + parent_hash + post_state


def ref_hash_state(state: int) -> bytes:
    return keccak(state.to_bytes(8, "little"))


def ref_validate(parent_head: bytes, block_data: bytes, relay_parent_number: int) -> bytes | None:
    """SCALE(ValidationResult) the adder returns, or None where the Rust code panics."""
    if len(parent_head) < 72 or len(block_data) < 16:
        return None  # HeadData / BlockData do not decode
    number = int.from_bytes(parent_head[:8], "little")
    post_state = parent_head[40:72]
    parent_hash = keccak(parent_head)
    if parent_hash != keccak(parent_head[:72]):
        return None  # assert_eq!(parent_hash, parent_head.hash())
    state = int.from_bytes(block_data[:8], "little")
    add = int.from_bytes(block_data[8:16], "little")
    if ref_hash_state(state) != post_state:
        return None  # StateMismatch -> expect("Executes block")
    head = ref_head((number + 1) & U64, parent_hash, ref_hash_state((state + add) & U64))
    # head_data: Compact(72) = 0x21 0x01; None; no upward or horizontal messages; 0 processed
    # downward messages; hrmp_watermark = relay_parent_number.
    return bytes([0x21, 0x01]) + head + b"\x00\x00\x00" + bytes(4) + relay_parent_number.to_bytes(4, "little")


def ref_genesis() -> bytes:
    return ref_head(0, bytes(32), ref_hash_state(0))


def run(parent_head: bytes, block_data: bytes, rpn: int = 1, root: bytes = bytes(32)):
    return execute_in_process(adder.validation_code(), ValidationParams(parent_head, block_data, rpn, root))


# -- the committed Wasm ------------------------------------------------------------------------------

def test_committed_wasm_is_exactly_the_wat_rebuilt():
    rebuilt = bytes(wasmtime.wat2wasm(adder.wat_source()))
    committed = adder.validation_code()
    assert blake2_256(rebuilt) == blake2_256(committed)
    assert rebuilt == committed == adder.build()


def test_adder_imports_memory_and_only_the_host_functions_it_needs():
    shape = compile_code(adder.validation_code(), ExecutionLimits()).shape
    assert shape.imports_memory
    assert {name for name, _ in shape.func_imports} == {
        "ext_allocator_malloc_version_1", "ext_hashing_keccak_256_version_1"}


# -- the PVF against the reference -------------------------------------------------------------------

@given(number=u64s, parent_parent=roots, state=u64s, add=u64s, rpn=u32s, root=roots)
def test_valid_blocks_give_the_reference_result(number, parent_parent, state, add, rpn, root):
    parent = ref_head(number, parent_parent, ref_hash_state(state))
    block = state.to_bytes(8, "little") + add.to_bytes(8, "little")
    result = run(parent, block, rpn, root)
    assert result.encode() == ref_validate(parent, block, rpn)
    assert result.hrmp_watermark == rpn
    assert (result.new_validation_code, result.upward_messages, result.horizontal_messages,
            result.processed_downward_messages) == (None, (), (), 0)


@given(number=u64s, state=u64s, wrong=u64s, add=u64s)
def test_a_block_not_starting_from_the_parents_post_state_traps(number, state, wrong, add):
    if wrong == state:
        wrong = (state + 1) & U64
    parent = ref_head(number, bytes(32), ref_hash_state(state))
    block = wrong.to_bytes(8, "little") + add.to_bytes(8, "little")
    assert ref_validate(parent, block, 1) is None
    with pytest.raises(WasmTrap) as e:
        run(parent, block)
    assert e.value.trap_code == "UNREACHABLE"


@given(state=u64s, add=u64s, other_parent_state=u64s)
def test_a_block_built_on_another_parent_traps(state, add, other_parent_state):
    # The block is right for the head whose post-state is hash(state); validated against a different
    # parent head (another post-state), it must fail.
    if other_parent_state == state:
        other_parent_state = (state + 1) & U64
    wrong_parent = ref_head(5, bytes(32), ref_hash_state(other_parent_state))
    block = state.to_bytes(8, "little") + add.to_bytes(8, "little")
    with pytest.raises(WasmTrap):
        run(wrong_parent, block)


@given(tail=st.binary(min_size=1, max_size=300), state=u64s, add=u64s)
def test_bytes_after_the_block_data_are_ignored(tail, state, add):
    # wasm_validation.rs decodes BlockData with `Decode::decode`, which leaves trailing bytes unread.
    parent = ref_head(3, bytes(32), ref_hash_state(state))
    block = state.to_bytes(8, "little") + add.to_bytes(8, "little")
    assert run(parent, block + tail).encode() == ref_validate(parent, block + tail, 1) == ref_validate(parent, block, 1)


@given(tail=st.binary(min_size=1, max_size=100))
def test_bytes_after_the_parent_head_fail_the_parent_hash_assertion(tail):
    parent = ref_genesis() + tail
    block = (0).to_bytes(8, "little") + (2).to_bytes(8, "little")
    assert ref_validate(parent, block, 1) is None
    with pytest.raises(WasmTrap):
        run(parent, block)


@pytest.mark.parametrize("head_len,block_len", [(71, 16), (0, 16), (72, 15), (72, 0)])
def test_short_head_or_block_data_does_not_decode(head_len, block_len):
    parent = (ref_genesis() + bytes(80))[:head_len]
    block = bytes(block_len)
    with pytest.raises(WasmTrap):
        run(parent, block)


def test_a_non_canonical_length_prefix_in_the_params_traps():
    # parity-scale-codec rejects a Compact<u32> in a longer mode than needed; the host always encodes
    # canonically, so these params are hand-made: parent_head's length 72 in the 4-byte mode.
    code = adder.validation_code()
    limits = ExecutionLimits()
    block = (0).to_bytes(8, "little") + (2).to_bytes(8, "little")
    tail = bytes([16 << 2]) + block + (1).to_bytes(4, "little") + bytes(32)
    canonical = bytes([0x21, 0x01]) + ref_genesis() + tail
    long_form = ((72 << 2) | 2).to_bytes(4, "little") + ref_genesis() + tail
    pvf = compile_code(code, limits)
    assert run_validate_block(pvf, canonical, limits) == ref_validate(ref_genesis(), block, 1)
    with pytest.raises(WasmTrap):
        run_validate_block(pvf, long_form, limits)


def test_params_cut_short_trap():
    code = adder.validation_code()
    limits = ExecutionLimits()
    params = ValidationParams(ref_genesis(), bytes(16), 1, bytes(32)).encode()
    pvf = compile_code(code, limits)
    with pytest.raises(WasmTrap):
        run_validate_block(pvf, params[:-1], limits)


# -- the collator side -------------------------------------------------------------------------------

def test_genesis_head_is_block_zero_with_state_zero():
    assert genesis_head().encode() == ref_genesis()
    assert genesis_head().hash() == keccak(ref_genesis())


@given(state=u64s, add=u64s, number=u64s)
def test_produce_block_matches_the_reference_and_the_pvf(state, add, number):
    parent = HeadData(number, bytes(range(32)), ref_hash_state(state))
    block_data, head = produce_block(parent, state, add)
    assert block_data == BlockData(state, add).encode() == state.to_bytes(8, "little") + add.to_bytes(8, "little")
    expected = ref_validate(parent.encode(), block_data, 9)
    assert bytes([0x21, 0x01]) + head.encode() == expected[:74]
    assert run(parent.encode(), block_data, 9).head_data == head.encode()


def test_a_collator_builds_a_chain_every_block_of_which_validates():
    collator = AdderCollator()
    head = genesis_head()
    state = 0
    for i in range(1, 8):
        block_data, new_head = collator.produce_block(head.encode(), add=i)
        result = run(head.encode(), block_data, rpn=100 + i)
        assert result.head_data == new_head.encode()
        state += i
        assert new_head == HeadData(i, keccak(head.encode()), ref_hash_state(state))
        head = new_head


def test_a_collator_refuses_a_head_it_does_not_know():
    with pytest.raises(KeyError):
        AdderCollator().produce_block(HeadData(3, bytes(32), ref_hash_state(1)))


def test_a_collator_remembers_only_its_newest_heads_and_still_extends_the_last():
    collator = AdderCollator(keep=3)
    head, state = genesis_head(), 0
    heads = [head]
    for i in range(1, 7):
        _, head = collator.produce_block(head.encode(), add=i)
        state += i
        heads.append(head)
    # oldest first, the rest forgotten (each parent was refreshed, then its child came after it)
    assert list(collator.state_of) == [h.encode() for h in heads[-3:]]
    assert collator.state_of[head.encode()] == state
    with pytest.raises(KeyError):
        collator.produce_block(heads[2].encode())  # state 3 is not 2 * ADD: nothing to recompute it from
    block_data, _ = collator.produce_block(head.encode(), add=1)
    assert run(head.encode(), block_data, rpn=200).head_data == collator.produce_block(head.encode(), add=1)[1].encode()


def test_a_head_extended_again_and_again_is_never_forgotten():
    # a stalled para: every collation builds on the same on-chain head, and none of the new heads makes it
    collator = AdderCollator(keep=4)
    _, on_chain = collator.produce_block(genesis_head().encode(), add=5)
    for i in range(100):
        collator.produce_block(on_chain.encode(), add=i)
        assert len(collator.state_of) <= 4
        assert on_chain.encode() in collator.state_of


def test_a_forgotten_head_of_constant_additions_is_recomputed_and_checked():
    collator = AdderCollator(keep=2)
    heads, head = [], genesis_head()
    for _ in range(10):
        _, head = collator.produce_block(head.encode())  # the collator's constant: state = number * ADD
        heads.append(head)
    old = heads[3]
    assert old.encode() not in collator.state_of
    block_data, new = collator.produce_block(old.encode())
    assert BlockData.decode(block_data).state == old.number * ADD  # what the reference chain had
    assert run(old.encode(), block_data, rpn=300).head_data == new.encode()
    forged = HeadData(old.number, old.parent_hash, ref_hash_state(old.number * ADD + 1))
    with pytest.raises(KeyError):
        collator.produce_block(forged.encode())
