"""execute_block's structural rules (SPEC.md §1, §6): every tampering with the PoV is refused with the rule it
breaks; a block built by `build_block` round-trips; the block-hash window keeps block 0 and forgets the rest
beyond 64."""

from __future__ import annotations

from dataclasses import replace

import pytest

from parachain.token import balances, executive
from parachain.token.errors import InvalidBlock
from parachain.token.types import ParachainBlockData
from relaychain.primitives.types import Digest, Header, PreRuntime
from relaychain.trie import ordered_trie_root, trie_root
from tests.parachain.token.fixture import ALICE, BOB, ED, Para, RelayState, b2, plain_key, twox64


def honest(para, xts=()):
    view = RelayState(10).view()
    built = para.build(list(xts), view=view, relay_number=10, commit=False)
    return built, ParachainBlockData.decode(built.block_data), view


def refused(para, pov: bytes, view, *, parent_head=None, relay_number=10) -> str:
    with pytest.raises(InvalidBlock) as e:
        executive.execute_block(para.header.encode() if parent_head is None else parent_head, pov, relay_number,
                                view.root)
    return e.value.rule


def test_round_trip_gives_the_same_header_and_the_pov_layout_is_the_spec():
    para = Para()
    xt = para.sign(ALICE, balances.transfer_keep_alive.encode(dest=("Id", BOB.public), value=ED), 0)
    built, block, view = honest(para, [xt])
    out = executive.execute_block(para.header.encode(), built.block_data, 10, view.root)
    assert out.header == built.header
    assert built.header.parent_hash == b2(para.header.encode()) and built.header.number == 1
    assert built.header.extrinsics_root == ordered_trie_root(list(built.included), 1)
    assert built.header.state_root == trie_root(built.post_state, 1)
    assert built.header.digest == Digest(())
    # block data: header ++ Compact(n) ++ extrinsics (each with its own length) ++ Compact(m) ++ (key, value)*
    state = sorted(para.state.items())
    from tests.parachain.token.fixture import compact
    expected = (built.header.encode() + compact(2) + b"".join(built.included) + compact(len(state))
                + b"".join(compact(len(k)) + k + compact(len(v)) + v for k, v in state))
    assert built.block_data == expected
    assert built.result.head_data == built.header.encode() and built.result.hrmp_watermark == 10


@pytest.mark.parametrize("tamper, rule", [
    (lambda b: replace(b, header=replace(b.header, parent_hash=bytes(32))), "parent_hash"),
    (lambda b: replace(b, header=replace(b.header, number=2)), "number"),
    (lambda b: replace(b, parent_state=b.parent_state[:-1]), "parent_state"),
    (lambda b: replace(b, parent_state=tuple(reversed(b.parent_state))), "parent_state"),
    (lambda b: replace(b, parent_state=b.parent_state + ((b"\xff" * 4, b"x"),)), "parent_state"),
    (lambda b: replace(b, extrinsics=()), "inherent_position"),
    (lambda b: replace(b, extrinsics=b.extrinsics + b.extrinsics[:1]), "inherent_position"),
    (lambda b: replace(b, extrinsics=b.extrinsics[1:] + b.extrinsics[:1]), "inherent_position"),
    (lambda b: replace(b, header=replace(b.header, state_root=bytes(32))), "header_mismatch"),
    (lambda b: replace(b, header=replace(b.header, extrinsics_root=bytes(32))), "header_mismatch"),
    (lambda b: replace(b, header=replace(b.header, digest=Digest((PreRuntime(b"aura", b"\x00" * 8),)))),
     "header_mismatch"),
])
def test_tampered_blocks_are_refused_with_their_rule(tamper, rule):
    para = Para()
    xt = para.sign(ALICE, balances.transfer_keep_alive.encode(dest=("Id", BOB.public), value=ED), 0)
    _, block, view = honest(para, [xt])
    assert refused(para, tamper(block).encode(), view) == rule


def test_undecodable_inputs_are_refused():
    para = Para()
    built, _, view = honest(para)
    assert refused(para, built.block_data + b"\x00", view) == "undecodable"
    assert refused(para, built.block_data[:-1], view) == "undecodable"
    assert refused(para, built.block_data, view, parent_head=b"\x01\x02") == "undecodable"


def test_the_validation_parameters_bind_the_inherent():
    para = Para()
    built, _, view = honest(para)
    assert refused(para, built.block_data, view, relay_number=11) == "validation_data"
    other = RelayState(10)
    other.entries[b"other"] = b"root"
    with pytest.raises(InvalidBlock) as e:
        executive.execute_block(para.header.encode(), built.block_data, 10, other.view().root)
    assert e.value.rule == "validation_data"


def test_block_hash_window_keeps_genesis_and_forgets_beyond_64():
    para = Para()
    para.build()
    key = lambda n: plain_key("System", "BlockHash") + twox64(n.to_bytes(4, "little")) + n.to_bytes(4, "little")
    state = dict(para.state)
    for n in (234, 235, 236):
        state[key(n)] = bytes([n]) * 32
    parent = Header(b"\x07" * 32, 299, trie_root(state, 1), bytes(32), Digest(()))
    para.state, para.header = state, parent
    built = para.build()  # block 300: BlockHash(299) recorded, BlockHash(299 - 64 = 235) forgotten
    assert built.header.number == 300
    assert para.state[key(299)] == parent.hash()
    assert key(235) not in para.state and para.state[key(234)] == bytes([234]) * 32 and key(236) in para.state
    assert para.state[key(0)] == para.genesis_hash
