"""Issue #10's "Done when", end to end: cross-chain transfers through the real dev network (four relay validators
and the token paras 2000 and 2001 with their collators, HRMP channels both ways, every candidate judged by the
token PVF), driven only through the relay's and the paras' JSON-RPC with py-substrate-interface.

Expected values come from the spec and plain references written here, never from the code under test:
- the paras charge no fees (parachain/token/SPEC.md §3), so para balances move by exactly the amounts;
- the relay burns its transaction fees (no treasury, no author reward) and staking mints nothing unless
  `payout_stakers` is called, so the issuance summed over the three chains falls by exactly the relay's
  `TransactionFeePaid` fees of the blocks in between;
- MQC heads are recomputed with the plain hashlib reference of tests/xcmp/test_mqc.py over the messages read
  from the relay's storage
  (xcmp.md §2: head' = blake2_256(head ‖ sent_at u32 LE ‖ blake2_256(SCALE(Vec<u8> data)))).

The adder paras are left out of the network (`paras=()`): they take no part in XCMP and would only share the two
cores of a test machine.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from substrateinterface import Keypair, SubstrateInterface

from tests.rpc.harness import LoopThread
from tests.xcmp.test_mqc import reference_head  # the MQC rule written plainly with hashlib

pytestmark = pytest.mark.slow

UNIT = 10**12
SENDER, RECIPIENT = 2000, 2001
DEADLINE = 90.0  # seconds for one cross-chain delivery on a loaded two-core machine (a wait, not an assertion)


# -- the network and the clients ------------------------------------------------------------------------------

class XcmpNetwork:
    """`relaychain run --dev`'s relay and token paras in this process; the relay's RPC server is Alice's."""

    def __init__(self) -> None:
        from relaychain.launcher import dev_network, start_in_process
        from relaychain.rpc import start_rpc_server

        self.base = Path(tempfile.mkdtemp(prefix="xcmp-e2e-"))
        self.loop = LoopThread()

        async def boot():
            net = await start_in_process(dev_network(1000, paras=(), rpc_port=0), self.base)
            return net, await start_rpc_server(net.nodes[0], "127.0.0.1", 0)

        try:
            self.net, self.server = self.loop.run(boot(), timeout=180)
        except BaseException:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise
        self.relay_url = f"ws://127.0.0.1:{self.server.port}"
        self.token = {c.para.para_id: c for c in self.net.collators}

    def pause_collator(self, para_id: int) -> None:
        """Take a para's collator offline (its node keeps following the relay): no candidates, nothing drained."""
        self.loop.run(self.token[para_id].collator.stop(), timeout=60)

    def resume_collator(self, para_id: int) -> None:
        self.loop.run(self.token[para_id].collator.start(), timeout=60)

    def close(self) -> None:
        async def shutdown():
            await self.server.stop()
            await self.net.stop()

        try:
            self.loop.run(shutdown(), timeout=120)
        finally:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def network():
    n = XcmpNetwork()
    yield n
    n.close()


@pytest.fixture(scope="module")
def relay(network):
    s = SubstrateInterface(url=network.relay_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def p2000(network):
    s = SubstrateInterface(url=network.token[SENDER].rpc_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def p2001(network):
    s = SubstrateInterface(url=network.token[RECIPIENT].rpc_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def keys():
    return {name: Keypair.create_from_uri(f"//{name}", ss58_format=42) for name in ("Alice", "Bob", "Charlie", "Dave")}


# -- helpers ---------------------------------------------------------------------------------------------------

def wait_for(condition, what: str, deadline: float = DEADLINE, interval: float = 0.25):
    """Poll `condition` until it returns something truthy (returned); fail naming `what` after `deadline`."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline:.0f}s waiting for {what}")
        time.sleep(interval)


def free(si, who: Keypair, block_hash=None) -> int:
    return si.query("System", "Account", [who.ss58_address], block_hash=block_hash).value["data"]["free"]


def issuance(si, block_hash=None) -> int:
    return si.query("Balances", "TotalIssuance", block_hash=block_hash).value


def account_location(who: Keypair, parents: int = 0) -> dict:
    return {"V4": {"parents": parents, "interior": {"X1": [{"AccountId32": {"network": None,
                                                                             "id": "0x" + who.public_key.hex()}}]}}}


def native_assets(amount: int, parents: int) -> dict:
    # `Assets(Vec<Asset>)` is a one-field tuple struct: SI encodes it from a sequence of its fields
    return {"V4": [[{"id": {"parents": parents, "interior": "Here"}, "fun": {"Fungible": amount}}]]}


def teleport_call(si, pallet: str, dest: dict, beneficiary: Keypair, amount: int, asset_parents: int):
    return si.compose_call(pallet, "limited_teleport_assets", {
        "dest": dest, "beneficiary": account_location(beneficiary), "assets": native_assets(amount, asset_parents),
        "fee_asset_item": 0, "weight_limit": "Unlimited"})


def para_teleport(si, sender: Keypair, dest: dict, beneficiary: Keypair, amount: int, **kw):
    call = teleport_call(si, "PolkadotXcm", dest, beneficiary, amount, asset_parents=1)
    return si.create_signed_extrinsic(call=call, keypair=sender, **kw)


def to_sibling(para_id: int) -> dict:
    return {"V4": {"parents": 1, "interior": {"X1": [{"Parachain": para_id}]}}}


TO_RELAY = {"V4": {"parents": 1, "interior": "Here"}}


def events(si, block_hash) -> list[tuple[str, str, dict]]:
    return [(e.value["event"]["module_id"], e.value["event"]["event_id"], e.value["event"]["attributes"])
            for e in si.get_events(block_hash)]


def parent_of(si, block_hash: str) -> str:
    return si.get_block_header(block_hash)["header"]["parentHash"]


def submit_included(si, xt):
    receipt = si.submit_extrinsic(xt, wait_for_inclusion=True)
    assert receipt.is_success, receipt.error_message
    return receipt


def hexbytes(value) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


# -- the MQC reference (xcmp.md §2), written independently of xcmp/mqc.py ---------------------------------------

def relay_messages(relay, upto: int, read) -> list[tuple[int, bytes]]:
    """Every message a relay queue ever held up to block `upto`, in order: at each block n, the messages of the
    queue with sent_at == n are those enqueued by block n (they stay until the recipient has processed them, so
    each is still there at the block that enqueued it)."""
    out = []
    for n in range(upto + 1):
        for sent_at, data in read(relay.get_block_hash(n)):
            if sent_at == n:
                out.append((sent_at, data))
    return out


def _read_compact(raw: bytes, i: int) -> tuple[int, int]:
    mode = raw[i] & 3
    if mode == 0:
        return raw[i] >> 2, i + 1
    if mode == 1:
        return int.from_bytes(raw[i:i + 2], "little") >> 2, i + 2
    if mode == 2:
        return int.from_bytes(raw[i:i + 4], "little") >> 2, i + 4
    size = (raw[i] >> 2) + 4
    return int.from_bytes(raw[i + 1:i + 1 + size], "little"), i + 1 + size


def decode_inbound_messages(raw: bytes) -> list[tuple[int, bytes]]:
    """SCALE Vec<{sent_at: u32, data: Vec<u8>}> (InboundDownwardMessage and InboundHrmpMessage alike)."""
    count, i = _read_compact(raw, 0)
    out = []
    for _ in range(count):
        sent_at = int.from_bytes(raw[i:i + 4], "little")
        length, i = _read_compact(raw, i + 4)
        out.append((sent_at, raw[i:i + length]))
        i += length
    assert i == len(raw), "the whole value decodes"
    return out


def raw_storage(si, pallet: str, item: str, params, block_hash) -> bytes:
    key = si.create_storage_key(pallet, item, params).to_hex()
    value = si.rpc_request("state_getStorage", [key, block_hash])["result"]
    return b"" if value is None else bytes.fromhex(value[2:])


def hrmp_contents(relay, block_hash):
    raw = raw_storage(relay, "Hrmp", "HrmpChannelContents", [{"sender": SENDER, "recipient": RECIPIENT}], block_hash)
    return decode_inbound_messages(raw) if raw else []


def dmp_contents(relay, block_hash):
    raw = raw_storage(relay, "Dmp", "DownwardMessageQueues", [SENDER], block_hash)
    return decode_inbound_messages(raw) if raw else []


def relay_finalized_at_least(relay, number: int):
    def reached():
        head = relay.get_chain_finalised_head()
        return head if relay.get_block_header(head)["header"]["number"] >= number else None
    return reached


def relay_number(relay, block_hash=None) -> int:
    return relay.get_block_header(block_hash)["header"]["number"]


# -- scenarios -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def transfers(relay, p2000, p2001, keys):
    """The three transfers of the issue, one after the other, each waited for until credited: what moved where
    (any test may run first: the scenarios assert on this record)."""
    alice, bob, charlie = keys["Alice"], keys["Bob"], keys["Charlie"]
    out = {}

    amount = 7 * UNIT + 2000_2001  # Alice on 2000 -> Bob on 2001 (HRMP)
    before = free(p2001, bob)
    receipt = submit_included(p2000, para_teleport(p2000, alice, to_sibling(RECIPIENT), bob, amount))
    out["hrmp"] = dict(amount=amount, before=before, receipt=receipt, sent_in=receipt.block_hash,
                       sender_drop=free(p2000, alice, parent_of(p2000, receipt.block_hash))
                       - free(p2000, alice, receipt.block_hash),
                       credited=wait_for(lambda: free(p2001, bob) != before and free(p2001, bob),
                                         "Bob credited on 2001"))

    amount = 11 * UNIT + 3  # Alice on the relay -> Bob on 2000 (DMP)
    before = free(p2000, bob)
    call = teleport_call(relay, "XcmPallet", {"V4": {"parents": 0, "interior": {"X1": [{"Parachain": SENDER}]}}},
                         bob, amount, asset_parents=0)
    receipt = submit_included(relay, relay.create_signed_extrinsic(call=call, keypair=alice))
    out["dmp"] = dict(amount=amount, before=before, receipt=receipt,
                      events=events(relay, receipt.block_hash),
                      sender_drop=free(relay, alice, parent_of(relay, receipt.block_hash))
                      - free(relay, alice, receipt.block_hash),
                      credited=wait_for(lambda: free(p2000, bob) != before and free(p2000, bob),
                                        "Bob credited on 2000"))

    amount = 5 * UNIT + 2001  # Bob on 2001 -> Charlie on the relay (UMP)
    before = free(relay, charlie)
    receipt = submit_included(p2001, para_teleport(p2001, bob, TO_RELAY, charlie, amount))
    out["ump"] = dict(amount=amount, before=before, receipt=receipt,
                      sender_drop=free(p2001, bob, parent_of(p2001, receipt.block_hash))
                      - free(p2001, bob, receipt.block_hash),
                      credited=wait_for(lambda: free(relay, charlie) != before and free(relay, charlie),
                                        "Charlie credited on the relay"))
    return out


def test_para_to_para_over_hrmp(transfers, p2000):
    t = transfers["hrmp"]
    assert t["sender_drop"] == t["amount"]  # no fees on the paras
    assert ("Balances", "Burned") in [(m, e) for m, e, _ in events(p2000, t["sent_in"])]
    assert t["credited"] == t["before"] + t["amount"]


def test_relay_to_para_downward(transfers, keys):
    t = transfers["dmp"]
    fees = [a for m, e, a in t["events"] if (m, e) == ("TransactionPayment", "TransactionFeePaid")
            and a["who"] == keys["Alice"].ss58_address]
    assert len(fees) == 1 and fees[0]["actual_fee"] > 0
    assert t["sender_drop"] == t["amount"] + fees[0]["actual_fee"]  # the fee includes the tip
    assert t["credited"] == t["before"] + t["amount"]


def test_para_to_relay_upward(transfers):
    t = transfers["ump"]
    assert t["sender_drop"] == t["amount"]
    assert t["credited"] == t["before"] + t["amount"]


def test_mqc_heads_in_relay_storage_equal_the_recomputed_ones(transfers, relay, p2000, p2001):
    """Every HRMP message 2000 -> 2001 and every downward message to 2000 so far, read from the relay's storage
    block by block, chain to the heads the relay stores; the paras have processed up to exactly those heads."""
    at = wait_for(relay_finalized_at_least(relay, relay_number(relay)), "relay finality")
    number = relay_number(relay, at)
    hrmp = relay_messages(relay, number, lambda h: hrmp_contents(relay, h))
    assert hrmp, "the para-to-para scenario sent at least one HRMP message"
    channel = relay.query("Hrmp", "HrmpChannels", [{"sender": SENDER, "recipient": RECIPIENT}], block_hash=at).value
    assert hexbytes(channel["mqc_head"]) == reference_head(hrmp)
    dmp = relay_messages(relay, number, lambda h: dmp_contents(relay, h))
    assert dmp, "the downward scenario (and the genesis channel notices) sent downward messages"
    dmq_head = hexbytes(relay.query("Dmp", "DownwardMessageQueueHeads", [SENDER], block_hash=at).value)
    assert dmq_head == reference_head(dmp)
    # nothing is being sent now: once each para has built on a relay parent at or above `number`, its stored
    # heads are those
    def hrmp_head_on_2001():
        heads = dict((k, v) for k, v in p2001.query("ParachainSystem", "LastHrmpMqcHeads").value)
        return hexbytes(heads[SENDER]) == reference_head(hrmp) if SENDER in heads else False
    wait_for(hrmp_head_on_2001, "2001's LastHrmpMqcHeads[2000] to reach the relay's head")
    wait_for(lambda: hexbytes(p2000.query("ParachainSystem", "LastDmqMqcHead").value) == reference_head(dmp),
             "2000's LastDmqMqcHead to reach the relay's head")


def test_total_issuance_over_the_three_chains_is_conserved(transfers, relay, p2000, p2001):
    """Teleports burn on the sending chain and mint on the receiving one; the paras charge nothing and the relay
    burns its fees, so once every message has landed (the scenarios wait for that) the issuance summed over the
    three chains is the genesis sum less exactly the relay's TransactionFeePaid fees since genesis."""
    genesis = [issuance(si, si.get_block_hash(0)) for si in (relay, p2000, p2001)]
    at = wait_for(relay_finalized_at_least(relay, relay_number(relay)), "relay finality")
    fees = 0
    for n in range(1, relay_number(relay, at) + 1):
        fees += sum(a["actual_fee"] for m, e, a in events(relay, relay.get_block_hash(n))
                    if (m, e) == ("TransactionPayment", "TransactionFeePaid"))
    assert fees > 0  # the downward transfer paid one
    assert transfers["ump"]["credited"] == free(relay, Keypair.create_from_uri("//Charlie"), at)  # landed by `at`
    now = [issuance(relay, at), issuance(p2000), issuance(p2001)]
    assert sum(now) == sum(genesis) - fees




FLOOD = 60  # teleports of ~100-byte programs: well over 8 messages of at most 512 bytes


def channel(relay, block_hash=None) -> dict:
    return relay.query("Hrmp", "HrmpChannels", [{"sender": SENDER, "recipient": RECIPIENT}],
                       block_hash=block_hash).value


def test_a_flood_fills_the_channel_waits_and_then_arrives_whole_and_in_order(network, relay, p2000, p2001, keys):
    """With 2001's collator offline nothing drains the channel 2000 -> 2001: it fills to max_capacity, the rest
    of 2000's programs wait in XcmpQueue.OutboundXcmpMessages; once 2001 collates again every teleport is
    credited, none lost, in the order sent (distinct amounts, read back from 2001's Minted events).

    Known issue, reported (not fixed here): while 2000 still has downward messages to process, a candidate built
    on a parent pending availability is refused (DmpAdvancementRule at its relay parent, where the parent's
    processed messages are not yet pruned); the collator then falls back a block and the transactions the pool
    had left out as "future" stay there, never included. The flood therefore starts once 2000's downward queue
    on the relay is empty and 2000 has processed up to its head."""
    def no_downward_in_flight():
        at = relay.get_chain_head()
        if dmp_contents(relay, at):
            return False
        head = hexbytes(relay.query("Dmp", "DownwardMessageQueueHeads", [SENDER], block_hash=at).value)
        return hexbytes(p2000.query("ParachainSystem", "LastDmqMqcHead").value) == head
    wait_for(no_downward_in_flight, "2000 to have processed every downward message")
    alice, dave = keys["Alice"], keys["Dave"]
    base = UNIT + 6_000_000
    amounts = [base + i for i in range(FLOOD)]
    capacity = channel(relay)["max_capacity"]
    network.pause_collator(RECIPIENT)
    try:
        dave_before = free(p2001, dave)
        nonce = p2000.get_account_nonce(alice.ss58_address)
        for i, amount in enumerate(amounts):
            p2000.submit_extrinsic(para_teleport(p2000, alice, to_sibling(RECIPIENT), dave, amount, nonce=nonce + i))
        full = wait_for(lambda: channel(relay)["msg_count"] == capacity and relay.get_chain_head(),
                        f"the channel to fill to its max_capacity {capacity}")
        # further sends wait: relay blocks go by, the channel stays at capacity and 2000 keeps the rest queued
        full_number = relay_number(relay, full)
        later = wait_for(lambda: relay_number(relay) >= full_number + 3 and relay.get_chain_head(),
                         "three more relay blocks")
        assert channel(relay, later)["msg_count"] == capacity
        queued = p2000.query("XcmpQueue", "OutboundXcmpMessages", [RECIPIENT]).value
        assert queued, "2000 holds the programs the full channel could not take"
        assert free(p2001, dave) == dave_before  # nothing processed while 2001 does not collate
    finally:
        network.resume_collator(RECIPIENT)
    total = sum(amounts)
    wait_for(lambda: not p2000.query("XcmpQueue", "OutboundXcmpMessages", [RECIPIENT]).value,
             "2000's outbound queue to drain")
    # read at 2001's finalized block (its head included in a finalized relay block): the para's best block may be
    # one its collator built that is never included, and the block that replaces it processes the same messages
    credited = wait_for(lambda: (lambda at: free(p2001, dave, at) == dave_before + total and at)(
        p2001.get_chain_finalised_head()), "every flood teleport credited in a finalized block of 2001",
        deadline=DEADLINE * 2)
    minted, at = [], credited
    while p2001.get_block_header(at)["header"]["number"] > 0:  # only the flood credits Dave on 2001
        minted[:0] = [a["amount"] for m, e, a in events(p2001, at)
                      if (m, e) == ("Balances", "Minted") and a["who"] == dave.ss58_address]
        at = parent_of(p2001, at)
    assert minted == amounts
