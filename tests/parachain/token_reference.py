"""A plain Python reference of the token parachain (parachain/token/SPEC.md) for the PVF tests: it builds
blocks (the PoV's ParachainBlockData, the relay state and its read proof) and computes, independently of the
PVF, the header and commitments a valid block must yield.

Only what the tests exercise is modelled, written straight from SPEC.md: the relay's trie code
(`relaychain.trie`) for roots and proofs, the relay's SCALE/XCM declarations (`xcmp.xcm`) to decode inbound
programs and to encode teleport programs, real sr25519/ed25519 signatures (`sign_extrinsic`). Nothing here
reads the PVF's sources or output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from relaychain.primitives.extrinsic import IMMORTAL, Era, sign_extrinsic
from relaychain.primitives.hashing import blake2_128, blake2_256, twox_64, twox_128
from relaychain.primitives.scale import encode_bytes, encode_compact, encode_u32
from relaychain.primitives.types import Header
from relaychain.runtime.pallets.parachains import dmp, hrmp
from relaychain.trie.proof import read_proof
from relaychain.trie.root import build_trie, ordered_trie_root, trie_root
from relaychain.trie.store import MemoryNodeStore
from xcmp.errors import XcmDecodeError
from xcmp.mqc import mqc_head_of
from xcmp.types import HrmpChannel, HrmpChannelId
from xcmp.xcm import (
    PARENT_LOCATION, VERSIONED_XCM, XCM_PROGRAM, Asset, Location, account_id32, encode_versioned_xcm, junctions,
)

ED = 10 ** 10
SPEC_VERSION = TX_VERSION = 1
NEW_LOGIC = 1 << 127


def _key(pallet: str, item: str) -> bytes:
    return twox_128(pallet.encode()) + twox_128(item.encode())


def _twox64_concat(b: bytes) -> bytes:
    return twox_64(b) + b


ACCOUNT = _key("System", "Account")
NUMBER = _key("System", "Number")
PARENT_HASH = _key("System", "ParentHash")
BLOCK_HASH = _key("System", "BlockHash")
EVENTS = _key("System", "Events")
EVENT_COUNT = _key("System", "EventCount")
TOTAL_ISSUANCE = _key("Balances", "TotalIssuance")
PARACHAIN_ID = _key("ParachainInfo", "ParachainId")
LAST_RELAY_NUMBER = _key("ParachainSystem", "LastRelayChainBlockNumber")
LAST_DMQ_HEAD = _key("ParachainSystem", "LastDmqMqcHead")
LAST_HRMP_HEADS = _key("ParachainSystem", "LastHrmpMqcHeads")
PENDING_UPWARD = _key("ParachainSystem", "PendingUpwardMessages")
OUTBOUND_XCMP = _key("XcmpQueue", "OutboundXcmpMessages")


def account_key(who: bytes) -> bytes:
    return ACCOUNT + blake2_128(who) + who


def block_hash_key(n: int) -> bytes:
    return BLOCK_HASH + _twox64_concat(encode_u32(n))


def outbound_key(para: int) -> bytes:
    return OUTBOUND_XCMP + _twox64_concat(encode_u32(para))


def encode_account(nonce: int, providers: int, free: int) -> bytes:
    return (encode_u32(nonce) + encode_u32(0) + encode_u32(providers) + encode_u32(0) + free.to_bytes(16, "little")
            + bytes(32) + NEW_LOGIC.to_bytes(16, "little"))


def decode_account(raw: bytes) -> tuple[int, int, int]:
    """(nonce, providers, free)"""
    return int.from_bytes(raw[0:4], "little"), int.from_bytes(raw[8:12], "little"), int.from_bytes(raw[16:32], "little")


def encode_vec_bytes(items) -> bytes:
    return encode_compact(len(items)) + b"".join(encode_bytes(i) for i in items)


def decode_vec_bytes(raw: Optional[bytes]) -> list[bytes]:
    if raw is None:
        return []
    from relaychain.primitives.scale import Reader
    r = Reader(raw)
    return [r.bytes() for _ in range(r.compact())]


# -- calls and extrinsics ---------------------------------------------------------------------------------

def transfer_call(dest: bytes, value: int, keep_alive: bool = False) -> bytes:
    return bytes((10, 3 if keep_alive else 0, 0)) + dest + encode_compact(value)


def teleport_call(dest: Location, beneficiary: Location, assets: list[Asset], fee_asset_item: int = 0,
                  weight_limit=("Limited", {"ref_time": 5_000_000_000, "proof_size": 65536})) -> bytes:
    from xcmp.xcm import ASSETS, LOCATION, WEIGHT_LIMIT
    return (bytes((31, 9)) + b"\x04" + LOCATION.encode(dest) + b"\x04" + LOCATION.encode(beneficiary)
            + b"\x04" + ASSETS.encode(assets) + encode_u32(fee_asset_item) + WEIGHT_LIMIT.encode(weight_limit))


def unsigned(call: bytes) -> bytes:
    return encode_bytes(b"\x04" + call)


# -- the relay side ----------------------------------------------------------------------------------------

@dataclass
class RelayEnv:
    """The relay parent a block is built on: its number, storage (dmq heads, HRMP channels) and messages."""

    number: int
    para_id: int
    dmq_head: bytes = bytes(32)
    ingress: dict = field(default_factory=dict)   # sender -> HrmpChannel
    egress: dict = field(default_factory=dict)    # recipient -> HrmpChannel (None: indexed, value absent)
    extra: dict = field(default_factory=dict)     # other relay storage, to make the trie less trivial

    def storage(self) -> dict[bytes, bytes]:
        own = self.para_id
        state = dict(self.extra)
        if self.dmq_head != bytes(32):
            state[dmp.DownwardMessageQueueHeads.key(own)] = self.dmq_head
        if self.ingress:
            state[hrmp.HrmpIngressChannelsIndex.key(own)] = encode_compact(len(self.ingress)) + b"".join(
                encode_u32(p) for p in sorted(self.ingress))
        if self.egress:
            state[hrmp.HrmpEgressChannelsIndex.key(own)] = encode_compact(len(self.egress)) + b"".join(
                encode_u32(p) for p in sorted(self.egress))
        for sender, ch in self.ingress.items():
            state[hrmp.HrmpChannels.key(HrmpChannelId(sender, own))] = ch.encode()
        for recipient, ch in self.egress.items():
            if ch is not None:
                state[hrmp.HrmpChannels.key(HrmpChannelId(own, recipient))] = ch.encode()
        # Neighbours: other paras' entries sharing the prefixes, so the walks cross branches.
        for other in (own + 1, own + 7, 3000):
            state.setdefault(dmp.DownwardMessageQueueHeads.key(other), blake2_256(encode_u32(other)))
        return state

    def proof_keys(self) -> list[bytes]:
        own = self.para_id
        keys = [dmp.DownwardMessageQueueHeads.key(own), hrmp.HrmpIngressChannelsIndex.key(own),
                hrmp.HrmpEgressChannelsIndex.key(own)]
        keys += [hrmp.HrmpChannels.key(HrmpChannelId(s, own)) for s in sorted(self.ingress)]
        keys += [hrmp.HrmpChannels.key(HrmpChannelId(own, r)) for r in sorted(self.egress)]
        return keys

    def root_and_proof(self) -> tuple[bytes, list[bytes]]:
        root, nodes = build_trie(self.storage(), 1)
        return root, read_proof(MemoryNodeStore(nodes), root, self.proof_keys())


def channel(max_capacity=100, max_total_size=100_000, max_message_size=10_000, msg_count=0, total_size=0,
            mqc_head=None) -> HrmpChannel:
    return HrmpChannel(max_capacity, max_total_size, max_message_size, msg_count, total_size, mqc_head, 0, 0)


# -- events ------------------------------------------------------------------------------------------------

def _weight(ref: int, proof: int = 0) -> bytes:
    return encode_compact(ref) + encode_compact(proof)


def ev_success(ref: int, klass: int, pays: int) -> bytes:
    return b"\x00\x00" + _weight(ref) + bytes((klass, pays))


def ev_failed(error: bytes, ref: int) -> bytes:
    return b"\x00\x01" + error + _weight(ref) + b"\x00\x00"


def ev_account(pallet: int, index: int, who: bytes) -> bytes:
    return bytes((pallet, index)) + who


def ev_amount(pallet: int, index: int, who: bytes, amount: int) -> bytes:
    return bytes((pallet, index)) + who + amount.to_bytes(16, "little")


def ev_processed(msg_id: bytes, origin: Optional[int], instructions: int, success: bool) -> bytes:
    origin_bytes = b"\x01" if origin is None else b"\x02" + encode_u32(origin)
    return b"\x23\x01" + msg_id + origin_bytes + _weight(1_000_000 * instructions) + bytes((success,))


TOKEN_FUNDS_UNAVAILABLE, TOKEN_BELOW_MINIMUM, TOKEN_NOT_EXPENDABLE = b"\x07\x00", b"\x07\x02", b"\x07\x08"
CANNOT_LOOKUP = b"\x01"


def xcm_error(index: int) -> bytes:
    return bytes((3, 31, index, 0, 0, 0))


class DispatchFailed(Exception):
    def __init__(self, error: bytes):
        self.error = error


# -- the para --------------------------------------------------------------------------------------------------

class TokenRef:
    """The token para's state and the block building rules of SPEC.md, in plain Python."""

    def __init__(self, para_id: int, endowed: dict[bytes, int]):
        self.para_id = para_id
        self.state: dict[bytes, bytes] = {PARACHAIN_ID: encode_u32(para_id),
                                          TOTAL_ISSUANCE: sum(endowed.values()).to_bytes(16, "little")}
        for who, free in endowed.items():
            self.state[account_key(who)] = encode_account(0, 1, free)
        self.head = Header(bytes(32), 0, trie_root(self.state, 1), ordered_trie_root([], 1))
        self.genesis_hash = blake2_256(self.head.encode())

    @property
    def head_data(self) -> bytes:
        return self.head.encode()

    @property
    def head_hash(self) -> bytes:
        return blake2_256(self.head_data)

    def nonce(self, who: bytes) -> int:
        return decode_account(self.state[account_key(who)])[0]

    def free(self, who: bytes) -> int:
        raw = self.state.get(account_key(who))
        return 0 if raw is None else decode_account(raw)[2]

    def sign(self, keypair, call: bytes, nonce: Optional[int] = None, era: Era = IMMORTAL,
             birth_hash: Optional[bytes] = None, tip: int = 0) -> bytes:
        return sign_extrinsic(keypair, call, nonce=self.nonce(keypair.public) if nonce is None else nonce,
                              genesis_hash=self.genesis_hash, spec_version=SPEC_VERSION,
                              transaction_version=TX_VERSION, era=era, birth_hash=birth_hash, tip=tip)

    # -- block building ----------------------------------------------------------------------------------------
    def build(self, relay: RelayEnv, signed: list[bytes], downward=(), horizontal=None, *, commit=True,
              proof_filter=None) -> "Built":
        """Execute a block on a copy of the state: the inherent for `relay` with `downward` [(sent_at, msg)]
        and `horizontal` {sender: [(sent_at, data)]}, then `signed` extrinsics (each must succeed or fail as a
        dispatch; a transaction-validity failure is the caller's bug). Returns the block and its expected
        outcome; with `commit` the reference moves on to the new block."""
        horizontal = horizontal or {}
        parent_head = self.head_data
        parent_hash = blake2_256(parent_head)
        number = self.head.number + 1
        st = dict(self.state)
        events: list[bytes] = []
        relay_root, proof = relay.root_and_proof()
        if proof_filter is not None:
            proof = proof_filter(proof)
        inherent_data = (encode_bytes(parent_head) + encode_u32(relay.number) + relay_root + encode_u32(5 << 20)
                         + encode_vec_bytes(proof)
                         + encode_compact(len(downward)) + b"".join(encode_u32(s) + encode_bytes(m) for s, m in downward)
                         + encode_compact(len(horizontal)) + b"".join(
                             encode_u32(p) + encode_compact(len(ms)) + b"".join(encode_u32(s) + encode_bytes(d) for s, d in ms)
                             for p, ms in sorted(horizontal.items())))
        inherent = unsigned(b"\x01\x00" + inherent_data)

        # initialize
        st.pop(EVENTS, None)
        st.pop(EVENT_COUNT, None)
        st[NUMBER] = encode_u32(number)
        st[PARENT_HASH] = parent_hash
        st[block_hash_key(number - 1)] = parent_hash
        if number - 1 - 64 > 0:
            st.pop(block_hash_key(number - 1 - 64), None)

        ctx = _Ctx(st, events, self.para_id, 0)
        last = int.from_bytes(st.get(LAST_RELAY_NUMBER, bytes(4)), "little")
        # DMP/HRMP heads
        st[LAST_DMQ_HEAD] = mqc_head_of(downward, st.get(LAST_DMQ_HEAD, bytes(32)))
        last_heads = _decode_heads(st.get(LAST_HRMP_HEADS))
        heads = {p: mqc_head_of(horizontal.get(p, ()), last_heads.get(p, bytes(32))) for p in relay.ingress}
        if heads:
            st[LAST_HRMP_HEADS] = encode_compact(len(heads)) + b"".join(encode_u32(p) + heads[p] for p in sorted(heads))
        else:
            st.pop(LAST_HRMP_HEADS, None)
        for _, msg in downward:
            ctx.process_downward(msg)
        for sender in sorted(horizontal):
            for _, data in horizontal[sender]:
                ctx.process_horizontal(sender, data)
        st[LAST_RELAY_NUMBER] = encode_u32(relay.number)
        ctx.event(ev_success(0, 2, 1))
        del last

        for i, xt in enumerate(signed, start=1):
            ctx.phase = i
            ctx.apply_signed(xt, number)

        # block end
        pending = decode_vec_bytes(st.get(PENDING_UPWARD))
        upward, rest = pending[:8], pending[8:]
        if pending:
            if rest:
                st[PENDING_UPWARD] = encode_vec_bytes(rest)
            else:
                del st[PENDING_UPWARD]
        horizontal_out = []
        for recipient in sorted(relay.egress):
            ch = relay.egress[recipient]
            if ch is None:  # indexed but absent from the relay state: no channel
                continue
            queue = decode_vec_bytes(st.get(outbound_key(recipient)))
            if not queue or ch.msg_count >= ch.max_capacity:
                continue
            size, n = 1, 0
            while n < len(queue) and size + len(queue[n]) <= ch.max_message_size \
                    and size + len(queue[n]) + ch.total_size <= ch.max_total_size:
                size += len(queue[n])
                n += 1
            if n == 0:
                continue
            horizontal_out.append((recipient, b"\x00" + b"".join(queue[:n])))
            if queue[n:]:
                st[outbound_key(recipient)] = encode_vec_bytes(queue[n:])
            else:
                del st[outbound_key(recipient)]
        if events:
            st[EVENTS] = encode_compact(len(events)) + b"".join(events)
            st[EVENT_COUNT] = encode_u32(len(events))

        extrinsics = [inherent] + list(signed)
        header = Header(parent_hash, number, trie_root(st, 1), ordered_trie_root(extrinsics, 1))
        built = Built(parent_head, extrinsics, sorted(self.state.items()), relay.number, relay_root, header, upward,
                      horizontal_out, len(downward), st, events)
        if commit:
            self.commit(built)
        return built

    def commit(self, built: "Built") -> None:
        self.state = built.post_state
        self.head = built.header


def encode_block_data(header: Header, extrinsics: list[bytes], parent_state: list[tuple[bytes, bytes]]) -> bytes:
    """SCALE(ParachainBlockData{header, extrinsics, parent_state}) (SPEC.md §1)."""
    return (header.encode() + encode_compact(len(extrinsics)) + b"".join(extrinsics)
            + encode_compact(len(parent_state)) + b"".join(encode_bytes(k) + encode_bytes(v) for k, v in parent_state))


@dataclass
class Built:
    parent_head: bytes
    extrinsics: list
    parent_state: list
    relay_number: int
    relay_root: bytes
    header: Header
    upward: list
    horizontal: list
    processed_downward: int
    post_state: dict
    events: list

    @property
    def block_data(self) -> bytes:
        return encode_block_data(self.header, self.extrinsics, self.parent_state)

    def params(self, **changes):
        from parachain.abi import ValidationParams
        fields = dict(parent_head=self.parent_head, block_data=self.block_data,
                      relay_parent_number=self.relay_number, relay_parent_storage_root=self.relay_root)
        fields.update(changes)
        return ValidationParams(**fields)

    def expected_result(self):
        from parachain.abi import OutboundHrmpMessage, ValidationResult
        return ValidationResult(head_data=self.header.encode(), new_validation_code=None,
                                upward_messages=tuple(self.upward),
                                horizontal_messages=tuple(OutboundHrmpMessage(r, d) for r, d in self.horizontal),
                                processed_downward_messages=self.processed_downward,
                                hrmp_watermark=self.relay_number)


def instruction_total(program) -> int:
    """Instructions of a program and of every program nested in it (Polkadot's `instructions_count`: more than 100
    together do not decode)."""
    total = len(program)
    for x in program:
        if isinstance(x, tuple) and isinstance(x[1], dict) and "xcm" in x[1]:
            total += instruction_total(x[1]["xcm"])
    return total


def _decode_heads(raw: Optional[bytes]) -> dict[int, bytes]:
    if raw is None:
        return {}
    from relaychain.primitives.scale import Reader
    r = Reader(raw)
    return {r.u32(): r.read(32) for _ in range(r.compact())}


class _Ctx:
    """One block's execution: state, events, the phase of the extrinsic being applied."""

    def __init__(self, st, events, para_id, phase):
        self.st, self.events, self.para_id, self.phase = st, events, para_id, phase

    def event(self, body: bytes) -> None:
        self.events.append(b"\x00" + encode_u32(self.phase) + body + b"\x00")

    def total_issuance(self) -> int:
        return int.from_bytes(self.st[TOTAL_ISSUANCE], "little")

    def set_total_issuance(self, v: int) -> None:
        self.st[TOTAL_ISSUANCE] = v.to_bytes(16, "little")

    # balances
    def credit(self, who: bytes, amount: int) -> None:
        raw = self.st.get(account_key(who))
        if raw is None:
            if amount < ED:
                raise DispatchFailed(TOKEN_BELOW_MINIMUM)
            self.st[account_key(who)] = encode_account(0, 1, amount)
            self.event(ev_account(0, 3, who))
            self.event(ev_amount(10, 0, who, amount))
            return
        nonce, providers, free = decode_account(raw)
        self.st[account_key(who)] = encode_account(nonce, providers, free + amount)

    def transfer(self, src: bytes, dest: bytes, amount: int, keep_alive: bool) -> None:
        if amount:
            nonce, providers, free = decode_account(self.st[account_key(src)])
            if free < amount:
                raise DispatchFailed(TOKEN_FUNDS_UNAVAILABLE)
            left = free - amount
            if keep_alive and left < ED:
                raise DispatchFailed(TOKEN_NOT_EXPENDABLE)
            if src != dest:
                if left < ED:
                    del self.st[account_key(src)]
                    self.event(ev_account(0, 4, src))
                    if left:
                        self.set_total_issuance(self.total_issuance() - left)
                        self.event(ev_amount(10, 1, src, left))
                else:
                    self.st[account_key(src)] = encode_account(nonce, providers, left)
                self.credit(dest, amount)
        self.event(b"\x0a\x02" + src + dest + amount.to_bytes(16, "little"))

    def teleport(self, who: bytes, dest: Location, beneficiary: Location, assets: list, fee_asset_item: int,
                 weight_limit) -> None:
        """pallet-xcm's limited_teleport_assets on the para (SPEC.md §4), errors in the spec's order."""
        if len(assets) > 1:
            raise DispatchFailed(xcm_error(7))
        if not assets or fee_asset_item != 0:
            raise DispatchFailed(xcm_error(5))
        asset = assets[0]
        if asset.id != PARENT_LOCATION or asset.fun[0] != "Fungible":
            raise DispatchFailed(xcm_error(2))
        dj = dest.junctions()
        if not (dest == PARENT_LOCATION or (dest.parents == 1 and len(dj) == 1 and dj[0][0] == "Parachain"
                                            and dj[0][1] != self.para_id)):
            raise DispatchFailed(xcm_error(10))
        bj = beneficiary.junctions()
        if not (beneficiary.parents == 0 and len(bj) == 1 and bj[0][0] == "AccountId32"):
            raise DispatchFailed(xcm_error(10))
        amount = asset.fun[1]
        nonce, providers, free = decode_account(self.st[account_key(who)])
        if free < amount or free - amount < ED:
            raise DispatchFailed(xcm_error(24))
        self.st[account_key(who)] = encode_account(nonce, providers, free - amount)
        self.set_total_issuance(self.total_issuance() - amount)
        self.event(ev_amount(10, 11, who, amount))
        to_relay = dest == PARENT_LOCATION
        there = Asset(Location(0 if to_relay else 1, "Here"), ("Fungible", amount))
        body = (("ReceiveTeleportedAsset", [there]), "ClearOrigin",
                ("BuyExecution", {"fees": there, "weight_limit": weight_limit}),
                ("DepositAsset", {"assets": ("Wild", ("AllCounted", 1)), "beneficiary": beneficiary}))
        topic = blake2_256(XCM_PROGRAM.encode(list(body)))
        program = list(body) + [("SetTopic", topic)]
        message = encode_versioned_xcm(program)
        key = PENDING_UPWARD if to_relay else outbound_key(dest.junctions()[0][1])
        self.st[key] = encode_vec_bytes(decode_vec_bytes(self.st.get(key)) + [message])
        from xcmp.xcm import LOCATION
        self.event(b"\x1f\x01" + LOCATION.encode(account_id32(who)) + LOCATION.encode(dest)
                   + XCM_PROGRAM.encode(program) + topic)
        self.event(b"\x1f\x00\x00" + _weight(3_000_000))

    def apply_signed(self, xt: bytes, number: int) -> None:
        from relaychain.primitives.extrinsic import UncheckedExtrinsic
        from relaychain.primitives.scale import Reader
        ux = UncheckedExtrinsic.decode(xt)
        who = ux.signature.address.account_id
        nonce, providers, free = decode_account(self.st[account_key(who)])
        assert ux.signature.nonce == nonce, "the reference only builds valid transactions"
        self.st[account_key(who)] = encode_account(nonce + 1, providers, free)
        snapshot, n_events = dict(self.st), len(self.events)
        call = ux.call
        weight = 1_000_000_000
        try:
            if call[:2] in (b"\x0a\x00", b"\x0a\x03"):
                r = Reader(call[2:])
                kind = r.u8()
                if kind != 0:
                    raise DispatchFailed(CANNOT_LOOKUP)
                dest = r.read(32)
                self.transfer(who, dest, r.compact(), keep_alive=call[1] == 3)
            elif call[:2] == b"\x1f\x09":
                weight = 2_000_000_000
                from xcmp.xcm import ASSETS, LOCATION, WEIGHT_LIMIT
                r = Reader(call[2:])
                assert r.u8() == 4
                dest = LOCATION.decode_from(r)
                assert r.u8() == 4
                beneficiary = LOCATION.decode_from(r)
                assert r.u8() == 4
                assets = ASSETS.decode_from(r)
                fee_asset_item = r.u32()
                weight_limit = WEIGHT_LIMIT.decode_from(r)
                self.teleport(who, dest, beneficiary, assets, fee_asset_item, weight_limit)
            else:
                raise AssertionError("unknown call in the reference")
        except DispatchFailed as e:
            self.st.clear()
            self.st.update(snapshot)
            del self.events[n_events:]
            self.event(ev_failed(e.error, weight))
            return
        self.event(ev_success(weight, 0, 0))

    # inbound XCM
    def run_program(self, data: bytes, program, origin: Optional[int]) -> None:
        snapshot, n_events = dict(self.st), len(self.events)
        ok = self._execute(program)
        if not ok:
            self.st.clear()
            self.st.update(snapshot)
            del self.events[n_events:]
        last = program[-1] if program else None
        msg_id = bytes(last[1]) if isinstance(last, tuple) and last[0] == "SetTopic" else blake2_256(data)
        self.event(ev_processed(msg_id, origin, len(program), ok))

    def _execute(self, program) -> bool:
        names = [x if isinstance(x, str) else x[0] for x in program]
        allowed = {"ReceiveTeleportedAsset", "ClearOrigin", "BuyExecution", "DepositAsset", "SetTopic", "ClearTopic"}
        if not names or any(n not in allowed for n in names) or names[0] != "ReceiveTeleportedAsset":
            return False
        i = 1
        while i < len(names) and names[i] == "ClearOrigin":
            i += 1
        if i >= len(names) or names[i] != "BuyExecution":
            return False
        limit = program[i][1]["weight_limit"]
        if limit != "Unlimited" and limit[1]["ref_time"] < 1_000_000 * len(program):
            return False

        def native(asset) -> bool:
            return asset.id == PARENT_LOCATION and asset.fun[0] == "Fungible"
        for x in program:
            if x[0] == "ReceiveTeleportedAsset" and not all(native(a) for a in x[1]):
                return False
            if x[0] == "BuyExecution" and not native(x[1]["fees"]):
                return False
        origin, holding = True, 0
        for x in program:
            name = x if isinstance(x, str) else x[0]
            if name == "ReceiveTeleportedAsset":
                if not origin:
                    return False
                holding += sum(a.fun[1] for a in x[1])
            elif name == "ClearOrigin":
                origin = False
            elif name == "BuyExecution":
                if x[1]["fees"].fun[1] > holding:
                    return False
            elif name == "DepositAsset":
                kind, what = x[1]["assets"]
                if kind == "Wild":
                    if not (what == "All" or (isinstance(what, tuple) and what[0] == "AllCounted" and what[1] >= 1)):
                        return False
                elif not all(native(a) for a in what) or sum(a.fun[1] for a in what) < holding:
                    return False
                b = x[1]["beneficiary"]
                j = b.junctions()
                if b.parents != 0 or len(j) != 1 or j[0][0] != "AccountId32":
                    return False
                if holding:
                    who = bytes(j[0][1]["id"])
                    if self.total_issuance() + holding >= 1 << 128:
                        return False
                    try:
                        self.credit(who, holding)
                    except DispatchFailed:
                        return False
                    self.set_total_issuance(self.total_issuance() + holding)
                    self.event(ev_amount(10, 10, who, holding))
                    holding = 0
        return True

    def process_downward(self, msg: bytes) -> None:
        from xcmp.xcm import decode_versioned_xcm
        try:
            program = decode_versioned_xcm(msg)
            if instruction_total(program) > 100:
                raise XcmDecodeError("more than 100 instructions, nested ones included")
        except XcmDecodeError:
            self.event(ev_processed(blake2_256(msg), None, 0, False))
            return
        self.run_program(msg, program, None)

    def process_horizontal(self, sender: int, data: bytes) -> None:
        from relaychain.primitives.scale import Reader, ScaleDecodeError
        if not data or data[0] != 0:
            self.event(ev_processed(blake2_256(data), sender, 0, False))
            return
        pos = 1
        while pos < len(data):
            r = Reader(data[pos:])
            try:
                _, program = VERSIONED_XCM.decode_from(r)
                if instruction_total(program) > 100:
                    raise ScaleDecodeError("more than 100 instructions, nested ones included")
            except (ScaleDecodeError, ValueError, IndexError):
                self.event(ev_processed(blake2_256(data[pos:]), sender, 0, False))
                return
            used = len(data) - pos - r.remaining
            self.run_program(data[pos:pos + used], tuple(program), sender)
            pos += used


def teleport_program_to_para(amount: int, beneficiary: bytes, parents: int = 1, topic: bool = True) -> bytes:
    """The VersionedXcm a relay (parents 1 asset) or sibling sends to teleport `amount` to `beneficiary`."""
    asset = Asset(Location(parents, "Here"), ("Fungible", amount))
    body = [("ReceiveTeleportedAsset", [asset]), "ClearOrigin",
            ("BuyExecution", {"fees": asset, "weight_limit": "Unlimited"}),
            ("DepositAsset", {"assets": ("Wild", ("AllCounted", 1)),
                              "beneficiary": Location(0, junctions(("AccountId32", {"network": None, "id": beneficiary})))})]
    if topic:
        body.append(("SetTopic", blake2_256(XCM_PROGRAM.encode(body))))
    return encode_versioned_xcm(body)
