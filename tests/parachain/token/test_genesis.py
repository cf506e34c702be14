"""Genesis (SPEC.md §7, §1): the state is exactly the plainly built key/value set, its root is the trie root of
that set, and the genesis head is the header written out byte by byte."""

from __future__ import annotations

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.runtime.genesis import dev_chain_spec
from relaychain.trie import trie_root

from parachain.token import genesis
from tests.parachain.token.fixture import ENDOWMENT, account_bytes, account_key, b2, plain_key

NAMES = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")


def plain_genesis(para_id: int) -> dict:
    accounts = [Sr25519Keypair.from_uri(f"//{n}{s}").public for n in NAMES for s in ("", "//stash")]
    kv = {account_key(a): account_bytes(0, 1, ENDOWMENT) for a in accounts}
    kv[plain_key("ParachainInfo", "ParachainId")] = para_id.to_bytes(4, "little")
    kv[plain_key("Balances", "TotalIssuance")] = (len(accounts) * ENDOWMENT).to_bytes(16, "little")
    return kv


def test_genesis_state_is_exactly_the_plain_set_and_its_root():
    state = genesis.genesis_state(2000)
    assert state == plain_genesis(2000)
    header = genesis.genesis_header(state)
    assert header.state_root == trie_root(plain_genesis(2000), 1)
    assert genesis.genesis_state(2001) != state  # the id is part of the state: two paras, two genesis heads


def test_genesis_head_bytes():
    state = plain_genesis(2000)
    empty_root = b2(b"\x00")  # the ordered root of no extrinsics: the empty trie's root
    expected = bytes(32) + b"\x00" + trie_root(state, 1) + empty_root + b"\x00"
    assert genesis.genesis_head(2000) == expected


def test_dev_endowment_is_the_relays():
    relay = sorted(dev_chain_spec().balances)
    assert sorted(genesis.dev_endowed()) == relay
