"""Inbound XCM on the token parachain: the MessageQueue pallet (index 35) and the executor (SPEC.md §4).

Origins: `Parent` (DMP) and `Sibling(id)` (HRMP) — both trusted teleporters of the relay's token `{1, Here}`.
The barrier mirrors the relay's (`relaychain/runtime/xcm_executor.py`): only ReceiveTeleportedAsset, ClearOrigin,
BuyExecution, DepositAsset, SetTopic and ClearTopic; the program starts with ReceiveTeleportedAsset, then any
ClearOrigins, then BuyExecution whose limit (if `Limited`) covers the program's weight
(`INSTRUCTION_WEIGHT` x instructions, proof 0) — decision D6; every asset in ReceiveTeleportedAsset and the fees
of BuyExecution is `Fungible` `{1, Here}`.

Running: ReceiveTeleportedAsset (origin not cleared) adds its amounts to holding; BuyExecution needs its fees in
holding; DepositAsset with `Wild(All)`, `Wild(AllCounted(n >= 1))` or a `Definite` set of the token whose sum
covers holding mints all of holding into `{0, X1(AccountId32{network: any, id})}` (holding 0: nothing is minted,
as the relay's executor — D7; any other filter or beneficiary fails the program); SetTopic/ClearTopic set the
topic. Holding left at the end is lost (no asset trap). A program that fails to decode, fails the barrier or
fails while running changes nothing and still counts as processed: each emits `MessageQueue.Processed{id,
origin, weight_used, success}`, id = its trailing SetTopic else blake2_256(its bytes), weight_used =
`INSTRUCTION_WEIGHT` x instructions (0 when undecodable).

HRMP data is `0x00 ++ VersionedXcm*` (ConcatenatedVersionedXcm); a wrong format byte (or empty data) or an
undecodable program makes everything from that point one failed `Processed` with id blake2_256(those bytes) —
for a wrong format byte, the whole data (D8).
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import Reader, ScaleDecodeError
from relaychain.primitives.scale_types import BOOL, H256
from relaychain.runtime.framework import DispatchError, Pallet
from relaychain.runtime.frame_types import WEIGHT, Weight
from xcmp.errors import XcmDecodeError
from xcmp.xcm import PARENT_LOCATION, VERSIONED_XCM, Asset, Location, decode_versioned_xcm, message_topic

from . import balances
from .types import AGGREGATE_MESSAGE_ORIGIN

INSTRUCTION_WEIGHT = 1_000_000  # ref_time per instruction (§4 weight_used)
XCMP_FORMAT_CONCATENATED_VERSIONED_XCM = 0x00
PARENT_ORIGIN = "Parent"

pallet = Pallet("MessageQueue", 35, "pallet_message_queue")
Processed = pallet.event("Processed", [("id", H256, "H256"), ("origin", AGGREGATE_MESSAGE_ORIGIN, "MessageOriginOf<T>"),
                                       ("weight_used", WEIGHT, "Weight"), ("success", BOOL, "bool")],
                         ("Message is processed.",))


def sibling_origin(para_id: int) -> tuple:
    return ("Sibling", para_id)


class XcmFailed(Exception):
    """A program refused by the barrier or failing while running; `error` is an `xcm::v3::traits::Error` name."""

    def __init__(self, error: str, index: int = -1):
        self.error, self.index = error, index
        super().__init__(f"instruction {index}: {error}" if index >= 0 else error)


SUPPORTED = frozenset(("ReceiveTeleportedAsset", "ClearOrigin", "BuyExecution", "DepositAsset", "SetTopic",
                       "ClearTopic"))


def _name(instruction) -> str:
    return instruction if isinstance(instruction, str) else instruction[0]


def native_amount(asset: Asset) -> int:
    """The amount of the relay's token `{1, Here}` an asset is (`AssetNotFound` for anything else)."""
    if asset.id != PARENT_LOCATION or not (isinstance(asset.fun, tuple) and asset.fun[0] == "Fungible"):
        raise XcmFailed("AssetNotFound")
    return asset.fun[1]


def program_weight(program) -> int:
    return INSTRUCTION_WEIGHT * len(program)


def check_barrier(program) -> None:
    """The module docstring's barrier (D6)."""
    names = [_name(x) for x in program]
    for name in names:
        if name not in SUPPORTED:
            raise XcmFailed("Unimplemented")
    if not names or names[0] != "ReceiveTeleportedAsset":
        raise XcmFailed("Barrier")
    i = 1
    while i < len(names) and names[i] == "ClearOrigin":
        i += 1
    if i >= len(names) or names[i] != "BuyExecution":
        raise XcmFailed("Barrier")
    limit = program[i][1]["weight_limit"]
    if limit != "Unlimited" and limit[1]["ref_time"] < program_weight(program):
        raise XcmFailed("Barrier")
    for instr in program:
        if _name(instr) == "ReceiveTeleportedAsset":
            for asset in instr[1]:
                native_amount(asset)
        elif _name(instr) == "BuyExecution":
            native_amount(instr[1]["fees"])


def _beneficiary(location: Location) -> bytes:
    j = location.junctions()
    if location.parents != 0 or len(j) != 1 or not isinstance(j[0], tuple) or j[0][0] != "AccountId32":
        raise XcmFailed("LocationCannotHold")
    return bytes(j[0][1]["id"])


def _deposit_covers(assets, holding: int) -> bool:
    kind, what = assets
    if kind == "Wild":
        return what == "All" or (isinstance(what, tuple) and what[0] == "AllCounted" and what[1] >= 1)
    return sum(native_amount(a) for a in what) >= holding


def execute(ctx, program) -> None:
    """Run a barrier-checked `program` (any inbound origin: both are trusted teleporters); raises XcmFailed or
    DispatchError (the caller rolls every effect back)."""
    origin_cleared = False
    holding = 0
    for index, instr in enumerate(program):
        name = _name(instr)
        if name == "ReceiveTeleportedAsset":
            if origin_cleared:
                raise XcmFailed("UntrustedTeleportLocation", index)
            holding += sum(native_amount(a) for a in instr[1])
        elif name == "ClearOrigin":
            origin_cleared = True
        elif name == "BuyExecution":
            if native_amount(instr[1]["fees"]) > holding:
                raise XcmFailed("NotHoldingFees", index)
        elif name == "DepositAsset":
            if not _deposit_covers(instr[1]["assets"], holding):
                raise XcmFailed("FailedToTransactAsset", index)
            who = _beneficiary(instr[1]["beneficiary"])
            if holding:
                balances.mint_into(ctx, who, holding)
                holding = 0
        # SetTopic / ClearTopic: the id is read from the program itself (message_topic)


def _processed(ctx, message_id: bytes, origin, weight: int, success: bool) -> None:
    ctx.deposit_event(Processed, id=message_id, origin=origin, weight_used=Weight(weight, 0), success=success)


def run_program(ctx, origin, program, message: bytes) -> bool:
    """Execute one decoded program all-or-nothing and emit its `Processed`; returns success."""
    topic: Optional[bytes] = message_topic(program)
    message_id = topic if topic is not None else blake2_256(message)
    state = ctx.state
    state.start_transaction()
    try:
        check_barrier(program)
        execute(ctx, program)
    except (XcmFailed, DispatchError):
        state.rollback_transaction()
        success = False
    else:
        state.commit_transaction()
        success = True
    _processed(ctx, message_id, origin, program_weight(program), success)
    return success


def process_downward(ctx, message: bytes) -> None:
    """One DMP message: one VersionedXcm, origin Parent."""
    try:
        program = decode_versioned_xcm(message)
    except XcmDecodeError:
        _processed(ctx, blake2_256(message), PARENT_ORIGIN, 0, False)
        return
    run_program(ctx, PARENT_ORIGIN, program, message)


def process_horizontal(ctx, sender: int, data: bytes) -> None:
    """One HRMP message from `sender`: the format byte then programs, each run in order (module docstring)."""
    origin = sibling_origin(sender)
    data = bytes(data)
    if not data or data[0] != XCMP_FORMAT_CONCATENATED_VERSIONED_XCM:
        _processed(ctx, blake2_256(data), origin, 0, False)
        return
    r = Reader(data, 1)
    while r.remaining:
        start = r.pos
        try:
            _, program = VERSIONED_XCM.decode_from(r)
        except (ScaleDecodeError, ValueError, IndexError):
            _processed(ctx, blake2_256(data[start:]), origin, 0, False)
            return
        run_program(ctx, origin, tuple(program), data[start:r.pos])
