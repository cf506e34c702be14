"""Block and head formats of the example parachains, and how their collators build blocks.

The adder (polkadot-sdk `polkadot/parachain/test-parachains/adder/src/lib.rs` and `collator/src/lib.rs`):
its state is one u64; a block adds a number to it (wrapping); the head records the block number, the
keccak-256 of the parent head's bytes and the keccak-256 of the new state. Its PVF is
`parachain/runtimes/adder/adder.wat`; the rules here are the collator's side of the same rules.

    HeadData  = { number: u64, parent_hash: [u8; 32], post_state: [u8; 32] }   keccak_256(SCALE) = hash
    BlockData = { state: u64, add: u64 }                                       PoV.block_data = SCALE
"""

from __future__ import annotations

from relaychain.primitives.hashing import keccak_256
from relaychain.primitives.scale_types import BYTES32, U64, scale_struct, sfield

U64_MASK = (1 << 64) - 1

# The collator's constant increment (collator/src/lib.rs `ADD`).
ADD = 2


@scale_struct("test_parachain_adder::HeadData")
class HeadData:
    """The adder's head: block number, hash of the parent head, hash of the post-state."""

    number: int = sfield(U64, "u64")
    parent_hash: bytes = sfield(BYTES32, "[u8; 32]")
    post_state: bytes = sfield(BYTES32, "[u8; 32]")

    def hash(self) -> bytes:
        return keccak_256(self.encode())


@scale_struct("test_parachain_adder::BlockData")
class BlockData:
    """The adder's block: the state it starts from and the amount it adds."""

    state: int = sfield(U64, "u64")
    add: int = sfield(U64, "u64")


class StateMismatch(ValueError):
    """The block's starting state does not hash to the parent head's post_state."""


def hash_state(state: int) -> bytes:
    """keccak_256(SCALE(u64 state))."""
    return keccak_256(state.to_bytes(8, "little"))


def genesis_head() -> HeadData:
    """Block 0: no parent, state 0 (what a para registers as its genesis head)."""
    return HeadData(0, bytes(32), hash_state(0))


def execute(parent_hash: bytes, parent_head: HeadData, block: BlockData) -> HeadData:
    """The adder's state transition (lib.rs `execute`): the head following `parent_head` under `block`."""
    if parent_hash != parent_head.hash():
        raise ValueError("parent_hash is not the hash of parent_head")
    if hash_state(block.state) != parent_head.post_state:
        raise StateMismatch(f"state {block.state} does not match the parent head's post_state")
    new_state = (block.state + block.add) & U64_MASK
    return HeadData((parent_head.number + 1) & U64_MASK, parent_hash, hash_state(new_state))


def produce_block(parent_head: HeadData, state: int, add: int = ADD) -> tuple[bytes, HeadData]:
    """Build the block on `parent_head` whose post-state `state` the collator knows: the PoV's block
    data bytes and the new head (what the PVF will compute)."""
    block = BlockData(state, add & U64_MASK)
    return block.encode(), execute(parent_head.hash(), parent_head, block)


class AdderCollator:
    """Collator-side chain state: the state behind each of the last `keep` heads it built or extended, so it can
    extend any of them. A head the collator built becomes the para's head only while its candidate can still
    be backed and included (allowed ancestry, then pending availability until available or timed out: a few
    dozen relay blocks, one collation per relay block), and the para's head is extended again at every
    collation, which keeps it among the newest. A head it no longer remembers is still extended when the state
    behind it is the one every block adding this collator's constant gives (`number * add`, checked against
    the head's post_state), as polkadot's adder collator recomputes it (`calculate_head_and_state_for_number`).
    Keeping every head was memory growing with the chain, and 4096 heads a window that took an hour to fill
    (issue #13)."""

    KEEP = 64

    def __init__(self, add: int = ADD, keep: int = KEEP):
        if keep < 1:
            raise ValueError("an adder collator must remember at least the head it built last")
        self.add = add
        self.keep = keep
        genesis = genesis_head()
        self.state_of: dict[bytes, int] = {genesis.encode(): 0}

    def state_behind(self, parent: HeadData) -> int:
        """The state behind `parent`: remembered, or `number * add` if that hashes to its post_state (KeyError
        if neither)."""
        state = self.state_of.get(parent.encode())
        if state is None:
            state = (parent.number * self.add) & U64_MASK
            if hash_state(state) != parent.post_state:
                raise KeyError(f"no known state behind the head of block #{parent.number}")
        return state

    def produce_block(self, parent_head: bytes | HeadData, add: int | None = None) -> tuple[bytes, HeadData]:
        """Block data and new head extending `parent_head` (SCALE bytes or a HeadData) by `add`
        (default: this collator's constant)."""
        parent = parent_head if isinstance(parent_head, HeadData) else HeadData.decode(parent_head)
        state = self.state_behind(parent)
        add = self.add if add is None else add
        block_data, head = produce_block(parent, state, add)
        self.remember(parent.encode(), state)  # extended: among the newest again
        self.remember(head.encode(), (state + add) & U64_MASK)
        return block_data, head

    def remember(self, head: bytes, state: int) -> None:
        """Record the state behind `head` as the newest; the oldest beyond `keep` are forgotten."""
        self.state_of.pop(head, None)  # re-inserted at the newest end
        self.state_of[head] = state
        while len(self.state_of) > self.keep:
            del self.state_of[next(iter(self.state_of))]
