"""XcmPallet and MessageQueue through the runtime (xcmp.md §7-§9): Alice teleports UNIT down to para 2000 (burnt
here, one downward message whose bytes are written out below field by field, the DMQ MQC head recomputed with
tests/xcmp/test_mqc.py's reference); para 2000 teleports it back up in a candidate (enqueued at enactment,
serviced the next block: the beneficiary is credited exactly and the issuance is back where it was, fees
aside); a malformed or unsupported upward message fails alone and the next one is still processed."""

from __future__ import annotations

from hashlib import blake2b

import pytest

from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.runtime import apis
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import NONE, ROOT, Call, DispatchError, ModuleError, Origin
from relaychain.runtime.pallets import balances, message_queue, system, xcm_pallet
from relaychain.runtime.pallets.parachains import dmp, paras_inherent
from relaychain.runtime.runtime import RUNTIME
from tests.runtime.paras_fixture import HEAD_A0, PARA_A, ParasChain
from tests.runtime.test_hrmp_dmp import candidate, events, include, scratch
from tests.runtime.test_polkadot_js import decode  # noqa: F401  (fixture)
from tests.xcmp.test_mqc import reference_head
from xcmp import errors as E
from xcmp.types import ump_origin
from xcmp.xcm import HERE_LOCATION, account_id32, fungible, parachain

ALICE = Sr25519Keypair.from_uri("//Alice")
BOB = Sr25519Keypair.from_uri("//Bob").public
CHARLIE = Sr25519Keypair.from_uri("//Charlie").public
AMOUNT = 3 * 10**12 + 5


def compact(n: int) -> bytes:
    """SCALE compact, written out independently of the codec under test."""
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    raw = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes([((len(raw) - 4) << 2) | 3]) + raw


def teleport_program_body(parents: int, amount: int, beneficiary: bytes, n_instructions: int) -> bytes:
    """`Xcm<()>` instructions of a teleport: ReceiveTeleportedAsset(2) [asset {parents, Here(0)}, Fungible(0)],
    ClearOrigin(10), BuyExecution(19){fees, Unlimited(0)}, DepositAsset(13){Wild(1) AllCounted(2) 1,
    {0, X1(1) AccountId32(1){network None(0), id}}}; count prefix for `n_instructions`."""
    asset = bytes([parents, 0x00, 0x00]) + compact(amount)
    return (compact(n_instructions) + bytes([0x02]) + compact(1) + asset + bytes([0x0A]) + bytes([0x13]) + asset
            + bytes([0x00]) + bytes([0x0D, 0x01, 0x02]) + compact(1) + bytes([0x00, 0x01, 0x01, 0x00]) + beneficiary)


def free(chain, who) -> int:
    return system.account(chain.state(), who).data.free


def issuance(chain) -> int:
    return balances.TotalIssuance.get(chain.state())


def teleport_xt(chain, nonce, dest_para=PARA_A, beneficiary=BOB, amount=AMOUNT, asset_location=HERE_LOCATION):
    call = xcm_pallet.limited_teleport_assets.encode(
        dest=("V4", parachain(dest_para)), beneficiary=("V4", account_id32(beneficiary)),
        assets=("V4", [fungible(asset_location, amount)]), fee_asset_item=0, weight_limit="Unlimited")
    return chain.sign(ALICE, call, nonce)


def fee_paid(chain) -> int:
    return sum(f["actual_fee"] for name, f in events(chain, "TransactionPayment") if name == "TransactionFeePaid")


@pytest.fixture
def chain():
    return ParasChain()


def teleport_down(chain) -> int:
    """Alice teleports AMOUNT to Bob on 2000; returns the fee she paid."""
    _, _, _, (r,) = chain.block_with(xts=[teleport_xt(chain, 0)])
    assert r.success
    return fee_paid(chain)


def test_limited_teleport_burns_and_queues_the_teleport_program(chain):
    alice0, issuance0 = free(chain, ALICE.public), issuance(chain)
    fee = teleport_down(chain)
    assert free(chain, ALICE.public) == alice0 - AMOUNT - fee
    assert issuance(chain) == issuance0 - AMOUNT - fee  # burnt here; the para mints it
    (msg,) = dmp.DownwardMessageQueues.get(chain.state(), PARA_A)
    assert msg.sent_at == chain.head.number
    body = teleport_program_body(1, AMOUNT, BOB, 4)  # the asset reanchored for the para: {parents: 1, Here}
    topic = blake2b(body, digest_size=32).digest()  # WithUniqueTopic: blake2_256 of the program without topic
    assert msg.msg == bytes([0x04]) + teleport_program_body(1, AMOUNT, BOB, 5)[:] + bytes([0x2C]) + topic
    assert dmp.DownwardMessageQueueHeads.get(chain.state(), PARA_A) == reference_head([(msg.sent_at, msg.msg)])
    xcm_events = events(chain, "XcmPallet")
    assert [name for name, _ in xcm_events] == ["Sent", "Attempted"]
    sent = xcm_events[0][1]
    assert sent["destination"] == parachain(PARA_A) and sent["origin"] == account_id32(ALICE.public)
    assert sent["message_id"] == topic and len(sent["message"]) == 4
    assert xcm_events[1][1]["outcome"][0] == "Complete"
    assert ("Burned", {"who": ALICE.public, "amount": AMOUNT}) in events(chain, "Balances")


@pytest.mark.parametrize("kwargs, error", [
    ({"dest_para": 3000}, "Unreachable"),  # not a para
    ({"asset_location": parachain(PARA_A)}, "Filtered"),  # not the relay's token
    ({"amount": 10**30}, "LocalExecutionIncomplete"),  # more than Alice has
])
def test_teleport_refusals_change_nothing(chain, kwargs, error):
    alice0, issuance0 = free(chain, ALICE.public), issuance(chain)
    _, _, _, (r,) = chain.block_with(xts=[teleport_xt(chain, 0, **kwargs)])
    assert not r.success
    failed = [f for name, f in events(chain, "System") if name == "ExtrinsicFailed"]
    err = failed[0]["dispatch_error"]
    assert err[0] == "Module" and err[1]["index"] == xcm_pallet.pallet.index
    assert err[1]["error"][0] == xcm_pallet.pallet.error_index(error)
    fee = fee_paid(chain)
    assert free(chain, ALICE.public) == alice0 - fee and issuance(chain) == issuance0 - fee
    assert dmp.DownwardMessageQueues.get(chain.state(), PARA_A) == []


def test_send_is_root_only_and_queues_the_message(chain):
    program = ("V4", ["ClearOrigin"])
    with pytest.raises(DispatchError):
        RUNTIME.dispatch(scratch(chain).ctx, Origin.signed(ALICE.public), Call(xcm_pallet.send, {
            "dest": ("V4", parachain(PARA_A)), "message": program}))
    with pytest.raises(ModuleError) as e:
        RUNTIME.dispatch(scratch(chain).ctx, ROOT, Call(xcm_pallet.send, {
            "dest": ("V4", account_id32(BOB)), "message": program}))
    assert e.value.name == "Unreachable"
    b = chain.builder()
    RUNTIME.dispatch(b.ctx, ROOT, Call(xcm_pallet.send, {"dest": ("V4", parachain(PARA_A)), "message": program}))
    chain.commit(b)
    (msg,) = dmp.DownwardMessageQueues.get(chain.state(), PARA_A)
    body = compact(1) + bytes([0x0A])  # [ClearOrigin]
    topic = blake2b(body, digest_size=32).digest()
    assert msg.msg == bytes([0x04]) + compact(2) + bytes([0x0A, 0x2C]) + topic


def upward_teleport(amount: int, beneficiary: bytes, topic: bytes) -> bytes:
    """What para 2000 sends up to return the token: the asset as the relay sees it, {parents: 0, Here}."""
    return bytes([0x04]) + teleport_program_body(0, amount, beneficiary, 5) + bytes([0x2C]) + topic


def test_teleport_down_then_up_credits_exactly_and_conserves_issuance(chain):
    issuance0 = issuance(chain)
    fee = teleport_down(chain)
    topic = bytes([0x77]) * 32
    charlie0 = free(chain, CHARLIE)
    include(chain, PARA_A, HEAD_A0, b"A1", processed_downward=1, upward=[upward_teleport(AMOUNT, CHARLIE, topic)])
    assert ("UpwardMessagesReceived", {"from": PARA_A, "count": 1}) in events(chain, "ParaInclusion")
    book = message_queue.BookStateFor.get(chain.state(), ump_origin(PARA_A))
    assert (book.message_count, book.count) == (1, 1) and book.ready_neighbours is not None
    assert message_queue.ServiceHead.get(chain.state()) == ump_origin(PARA_A)
    assert free(chain, CHARLIE) == charlie0  # not yet: serviced at the next block's start
    chain.block_with()
    (processed,) = events(chain, "MessageQueue")
    assert processed[0] == "Processed"
    assert processed[1]["id"] == topic and processed[1]["success"] is True
    assert processed[1]["origin"] == ump_origin(PARA_A)
    assert free(chain, CHARLIE) == charlie0 + AMOUNT
    assert issuance(chain) == issuance0 - fee
    book = message_queue.BookStateFor.get(chain.state(), ump_origin(PARA_A))
    assert (book.message_count, book.size, book.count, book.ready_neighbours) == (0, 0, 0, None)
    assert book.begin == book.end == 1
    assert message_queue.ServiceHead.get(chain.state()) is None
    assert message_queue.Pages.get(chain.state(), ump_origin(PARA_A), 0) is None  # the done page is gone


def test_bad_upward_messages_fail_alone_and_the_queue_moves_on(chain):
    issuance0 = issuance(chain)
    corrupt = bytes([0x04, 0xFF])  # V4 then a truncated compact: not a VersionedXcm
    v3 = bytes([0x03, 0x04, 0x0A])  # VersionedXcm::V3: not a version this relay reads
    no_barrier = bytes([0x04]) + compact(1) + bytes([0x0A])  # [ClearOrigin]: takes no assets, buys nothing
    good = upward_teleport(AMOUNT, CHARLIE, bytes([0x11]) * 32)
    charlie0 = free(chain, CHARLIE)
    include(chain, PARA_A, HEAD_A0, b"A1", upward=[corrupt, v3, no_barrier, good])
    chain.block_with()
    evs = events(chain, "MessageQueue")
    assert [(n, f.get("error"), f.get("success")) for n, f in evs] == [
        ("ProcessingFailed", "Corrupt", None), ("ProcessingFailed", "Unsupported", None),
        ("ProcessingFailed", "Unsupported", None), ("Processed", None, True)]
    assert evs[0][1]["id"] == blake2b(corrupt, digest_size=32).digest()
    assert free(chain, CHARLIE) == charlie0 + AMOUNT
    assert issuance(chain) == issuance0 + AMOUNT  # 2000 minted nothing here: its own burn is on its chain
    assert message_queue.BookStateFor.get(chain.state(), ump_origin(PARA_A)).message_count == 0


def test_a_program_failing_while_running_is_undone(chain):
    """A deposit below the existential deposit to a new account fails: `Processed{success: false}`, no mint."""
    tiny = upward_teleport(1, bytes([0x42]) * 32, bytes([0x22]) * 32)
    issuance0 = issuance(chain)
    include(chain, PARA_A, HEAD_A0, b"A1", upward=[tiny])
    chain.block_with()
    ((name, fields),) = events(chain, "MessageQueue")
    assert name == "Processed" and fields["success"] is False
    assert issuance(chain) == issuance0 and free(chain, bytes([0x42]) * 32) == 0


def test_polkadot_js_decodes_the_teleport_events_and_the_downward_message(chain, decode):
    """@polkadot/types reads the teleport's events and the queued message (as `XcmVersionedXcm`) from our
    metadata: the ecosystem decoders see the V4 program Polkadot would send."""
    teleport_down(chain)
    st = chain.state()
    (msg,) = dmp.DownwardMessageQueues.get(st, PARA_A)
    out = decode(metadata="0x" + apis.metadata().hex(), events="0x" + st.get(system.Events.key()).hex(),
                 values=[["XcmVersionedXcm", "0x" + msg.msg.hex()]])
    names = [name for _, name, _ in out["events"]]
    assert "xcmPallet.Sent" in names and "xcmPallet.Attempted" in names and "balances.Burned" in names
    (program,) = out["values"]
    instructions = program["v4"]
    assert [next(iter(i)) for i in instructions] == [
        "receiveTeleportedAsset", "clearOrigin", "buyExecution", "depositAsset", "setTopic"]
    (asset,) = instructions[0]["receiveTeleportedAsset"]
    assert asset["id"] == {"parents": 1, "interior": {"here": None}} and asset["fun"] == {"fungible": AMOUNT}
    beneficiary = instructions[3]["depositAsset"]["beneficiary"]
    assert beneficiary["interior"]["x1"][0]["accountId32"]["id"] == "0x" + BOB.hex()


# -- MessageQueue bookkeeping -------------------------------------------------------------------------------------

PARA_B = 2001


def test_pages_hold_items_as_polkadot_lays_them_out(chain):
    """Two 40,000-byte messages do not share a 65,536-byte heap: two pages; a later 10-byte one joins the last
    page. Each page's and the book's bytes are written out."""
    b = chain.builder()
    m1, m2, m3 = bytes([1]) * 40_000, bytes([2]) * 40_000, bytes([3]) * 10
    origin = ump_origin(PARA_A)
    message_queue.enqueue_messages(b.ctx, origin, [m1, m2])
    message_queue.enqueue_messages(b.ctx, origin, [m3])
    chain.commit(b)
    st = chain.state()

    def item(m):  # ItemHeader{payload_len u32, is_processed false} ‖ payload
        return len(m).to_bytes(4, "little") + b"\x00" + m

    def page(remaining, remaining_size, last, heap):  # u32 fields, then the heap as a Vec<u8>
        return b"".join(n.to_bytes(4, "little") for n in (remaining, remaining_size, 0, 0, last)) + \
            compact(len(heap)) + heap

    assert st.get(message_queue.Pages.key(origin, 0)) == page(1, 40_000, 0, item(m1))
    assert st.get(message_queue.Pages.key(origin, 1)) == page(2, 40_010, 40_005, item(m2) + item(m3))
    # BookStateFor: begin, end, count u32 | Some(Neighbours{prev, next}) both itself (Ump 0, Para 0, u32) | u64 x2
    itself = bytes([0, 0]) + PARA_A.to_bytes(4, "little")
    assert st.get(message_queue.BookStateFor.key(origin)) == (
        b"".join(n.to_bytes(4, "little") for n in (0, 2, 2)) + b"\x01" + itself + itself
        + (3).to_bytes(8, "little") + (80_010).to_bytes(8, "little"))


def test_the_ready_ring_is_serviced_in_order_within_the_budget(chain):
    """2000 queues two teleports back, 2001 one; a budget for two messages does 2000's, 2001's waits at the head
    of the ring for the next round; nothing is skipped or reordered. (All inside one block, after its own
    `on_initialize` servicing, so only the calls made here service the queues.)"""
    msgs = {PARA_A: [upward_teleport(AMOUNT, CHARLIE, bytes([i]) * 32) for i in (1, 2)],
            PARA_B: [upward_teleport(AMOUNT, CHARLIE, bytes([3]) * 32)]}
    per_message = xcm_pallet.BASE_XCM_WEIGHT.ref_time * 5, xcm_pallet.BASE_XCM_WEIGHT.proof_size * 5
    b = chain.builder()
    st = b.ctx.state
    charlie0 = system.account(st, CHARLIE).data.free
    for para, m in msgs.items():
        message_queue.enqueue_messages(b.ctx, ump_origin(para), m)
    ring_a = message_queue.BookStateFor.get(st, ump_origin(PARA_A)).ready_neighbours
    assert (ring_a.prev, ring_a.next) == (ump_origin(PARA_B), ump_origin(PARA_B))
    assert message_queue.ServiceHead.get(st) == ump_origin(PARA_A)

    message_queue.service_queues(b.ctx, Weight(2 * per_message[0], 2 * per_message[1]))
    assert system.account(st, CHARLIE).data.free == charlie0 + 2 * AMOUNT
    assert message_queue.ServiceHead.get(st) == ump_origin(PARA_B)
    assert message_queue.BookStateFor.get(st, ump_origin(PARA_A)).ready_neighbours is None
    assert message_queue.BookStateFor.get(st, ump_origin(PARA_B)).message_count == 1

    message_queue.service_queues(b.ctx, Weight(per_message[0] - 1, per_message[1]))  # one short: waits
    assert message_queue.BookStateFor.get(st, ump_origin(PARA_B)).message_count == 1
    message_queue.service_queues(b.ctx, Weight(*per_message))
    assert system.account(st, CHARLIE).data.free == charlie0 + 3 * AMOUNT
    assert message_queue.ServiceHead.get(st) is None
    chain.commit(b)
    ids = [f["id"] for name, f in events(chain, "MessageQueue") if name == "Processed"]
    assert ids == [bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32]


def test_upward_acceptance_counts_what_is_still_queued(chain):
    """The UMP queue limits apply to the para's queue footprint in MessageQueue (xcmp.md §8): with
    `max_upward_queue_count` messages waiting, one more upward message is refused."""
    c = candidate(chain, PARA_A, HEAD_A0, b"A1", upward=[b"one more"])
    data = P.ParachainsInherentData((), (c.backed,), (), chain.head)
    b = scratch(chain)
    full = chain.config().max_upward_queue_count
    message_queue.enqueue_messages(b.ctx, ump_origin(PARA_A), [b"waiting"] * (full - 1))
    b.ctx.state.start_transaction()
    RUNTIME.dispatch(b.ctx, NONE, Call(paras_inherent.enter, {"data": data}))  # one short: fits
    b.ctx.state.rollback_transaction()
    message_queue.enqueue_messages(b.ctx, ump_origin(PARA_A), [b"waiting"])
    with pytest.raises(ModuleError) as e:
        RUNTIME.dispatch(b.ctx, NONE, Call(paras_inherent.enter, {"data": data}))
    assert e.value.name == "InvalidUpwardMessages" and isinstance(e.value.__cause__, E.UmpCapacityExceeded)
