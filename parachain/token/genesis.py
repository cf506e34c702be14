"""The token parachain's genesis state and header (SPEC.md §7).

State: `ParachainInfo.ParachainId`, the endowed accounts (providers 1, nonce 0) and `Balances.TotalIssuance` =
their sum; nothing else (no `System.Number`, no `System.BlockHash(0)`: block 1 records the genesis hash).
Header: parent hash zero, number 0, the state's trie root (v1), the ordered root of no extrinsics, empty digest.
The dev endowment is the relay's: //Alice … //Ferdie and their //stash accounts, `DEV_ENDOWMENT` each.
"""

from __future__ import annotations

from typing import Optional, Sequence

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.types import Digest, Header
from relaychain.runtime import constants as RC
from relaychain.runtime.overlay import EmptyHost, Overlay
from relaychain.trie import ordered_trie_root, trie_root

from . import balances, parachain_system, system

DEV_NAMES = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")
DEV_ENDOWMENT = RC.DEV_ENDOWMENT


def dev_endowed() -> tuple:
    """((account, amount), ...) for //Name and //Name//stash of every dev name (the relay's dev preset)."""
    out = []
    for name in DEV_NAMES:
        out.append((Sr25519Keypair.from_uri(f"//{name}").public, DEV_ENDOWMENT))
        out.append((Sr25519Keypair.from_uri(f"//{name}//stash").public, DEV_ENDOWMENT))
    return tuple(out)


def genesis_state(para_id: int, endowed: Optional[Sequence[tuple[bytes, int]]] = None) -> dict[bytes, bytes]:
    """The genesis key/value state of para `para_id` (`endowed` defaults to the dev accounts)."""
    state = Overlay(EmptyHost())
    parachain_system.ParachainId.set(state, para_id)
    balances.genesis(state, dev_endowed() if endowed is None else endowed)
    return {k: v for k, v in state.changes.items() if v is not None}


def genesis_header(state: dict[bytes, bytes]) -> Header:
    return Header(bytes(32), 0, trie_root(state, system.STATE_VERSION),
                  ordered_trie_root([], state_version=system.STATE_VERSION), Digest(()))


def genesis_head(para_id: int, endowed: Optional[Sequence[tuple[bytes, int]]] = None) -> bytes:
    """SCALE(genesis header): what the relay registers as the para's genesis head."""
    return genesis_header(genesis_state(para_id, endowed)).encode()
