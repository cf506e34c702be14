"""Shared builders for the token-parachain tests: dev keys, signing, a relay-like state with Polkadot's storage
layout written through the RELAY's own pallet declarations (not the para's `relay_state`), and `Para`, a
para chain advanced block by block where every built block is re-executed as a validator would.

Byte-level expectations are written out here (compact, keys) independently of the code under test.
"""

from __future__ import annotations

from hashlib import blake2b

import xxhash

from parachain.abi import ValidationParams
from parachain.runtimes.token import validation_code
from parachain.sandbox import execute_in_process
from parachain.token import executive, genesis, relay
from parachain.token.runtime import RUNTIME
from relaychain.primitives.scale_types import Vec
from relaychain.runtime.frame_types import event_record
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.extrinsic import sign_extrinsic
from relaychain.primitives.parachain_types import PersistedValidationData
from relaychain.runtime.pallets.parachains import dmp, hrmp
from tests.xcmp.test_mqc import reference_head, scale_compact as compact  # SCALE compact written plainly
from xcmp.types import HrmpChannel, HrmpChannelId, InboundDownwardMessage, InboundHrmpMessage

TOKEN_PVF = validation_code()
RECORDS = Vec(event_record(RUNTIME.event_type))
PARA_A, PARA_B = 2000, 2001
ALICE = Sr25519Keypair.from_uri("//Alice")
BOB = Sr25519Keypair.from_uri("//Bob")
CHARLIE = Sr25519Keypair.from_uri("//Charlie")
DAVE = Sr25519Keypair.from_uri("//Dave")
UNIT = 10**12
ED = 10**10  # the relay's existential deposit (one cent)
ENDOWMENT = 1 << 60
MAX_POV = 5 * 1024 * 1024


def b2(data: bytes) -> bytes:
    return blake2b(data, digest_size=32).digest()


def twox128(data: bytes) -> bytes:
    return xxhash.xxh64(data, seed=0).digest()[::-1] + xxhash.xxh64(data, seed=1).digest()[::-1]


def twox64(data: bytes) -> bytes:
    return xxhash.xxh64(data, seed=0).digest()[::-1]


def plain_key(pallet: str, item: str) -> bytes:
    return twox128(pallet.encode()) + twox128(item.encode())


def account_key(who: bytes) -> bytes:
    return plain_key("System", "Account") + blake2b(who, digest_size=16).digest() + who


def account_bytes(nonce: int, providers: int, free: int) -> bytes:
    """AccountInfo written out: nonce, consumers, providers, sufficients (u32), free, reserved, frozen, flags."""
    return (nonce.to_bytes(4, "little") + (0).to_bytes(4, "little") + providers.to_bytes(4, "little")
            + (0).to_bytes(4, "little") + free.to_bytes(16, "little") + bytes(32) + (1 << 127).to_bytes(16, "little"))


def sign(keypair, call: bytes, nonce: int, genesis_hash: bytes, **kw) -> bytes:
    return sign_extrinsic(keypair, call, nonce=nonce, genesis_hash=genesis_hash, spec_version=1,
                          transaction_version=1, **kw)


class RelayState:
    """A relay-like key/value state with Polkadot's layout, written through the relay runtime's own storage
    declarations; MQC heads computed with tests/xcmp's plain reference."""

    def __init__(self, number: int = 10):
        self.number = number
        self.entries: dict[bytes, bytes] = {b":code": b"relay"}  # some unrelated key, as a real relay has many
        self.dmq: dict[int, list] = {}
        self.channels: dict[tuple, dict] = {}

    def send_downward(self, para: int, msg: bytes, sent_at: int | None = None) -> None:
        self.dmq.setdefault(para, []).append(InboundDownwardMessage(self.number if sent_at is None else sent_at, msg))

    def open_channel(self, sender: int, recipient: int, *, max_capacity=8, max_total_size=8192, max_message_size=1024,
                     msg_count=0, total_size=0) -> None:
        self.channels[(sender, recipient)] = dict(limits=(max_capacity, max_total_size, max_message_size),
                                                 msg_count=msg_count, total_size=total_size, contents=[])

    def send_horizontal(self, sender: int, recipient: int, data: bytes, sent_at: int | None = None) -> None:
        self.channels[(sender, recipient)]["contents"].append(
            InboundHrmpMessage(self.number if sent_at is None else sent_at, data))

    def kv(self) -> dict[bytes, bytes]:
        class _W(dict):
            def set(self, k, v):
                if v is None:
                    self.pop(k, None)
                else:
                    self[k] = v
        out = _W(self.entries)
        for para, msgs in self.dmq.items():
            dmp.DownwardMessageQueues.set(out, msgs, para)
            dmp.DownwardMessageQueueHeads.set(out, reference_head([(m.sent_at, m.msg) for m in msgs]), para)
        ingress, egress = {}, {}
        for (s, r), ch in self.channels.items():
            contents = ch["contents"]
            head = reference_head([(m.sent_at, m.data) for m in contents]) if contents else None
            cap, total, size = ch["limits"]
            hrmp.HrmpChannels.set(out, HrmpChannel(cap, total, size, ch["msg_count"] + len(contents),
                                                   ch["total_size"] + sum(len(m.data) for m in contents), head,
                                                   7, 9), HrmpChannelId(s, r))
            if contents:
                hrmp.HrmpChannelContents.set(out, contents, HrmpChannelId(s, r))
            ingress.setdefault(r, []).append(s)
            egress.setdefault(s, []).append(r)
        for para, senders in ingress.items():
            hrmp.HrmpIngressChannelsIndex.set(out, sorted(senders), para)
        for para, recipients in egress.items():
            hrmp.HrmpEgressChannelsIndex.set(out, sorted(recipients), para)
        return dict(out)

    def view(self) -> relay.StateRelayView:
        return relay.StateRelayView(self.kv())


class Para:
    """A token para advanced block by block; every block built is re-executed (`execute_block`) and validated
    by the token PVF (token.wasm, the AssemblyScript implementation of the same SPEC.md), and all three must give
    the same header and commitments."""

    def __init__(self, para_id: int = PARA_A, endowed=None):
        self.para_id = para_id
        self.state = genesis.genesis_state(para_id, endowed)
        self.header = genesis.genesis_header(self.state)
        self.genesis_hash = self.header.hash()
        self.last = None

    def inherent(self, view, relay_number: int):
        pvd = PersistedValidationData(self.header.encode(), relay_number, view.root, MAX_POV)
        return relay.collect_inherent(view, self.para_id, self.state, pvd)

    def build(self, xts=(), view=None, relay_number: int = 10, inherent=None, commit=True):
        view = view or RelayState(relay_number).view()
        inherent = inherent or self.inherent(view, relay_number)
        built = executive.build_block(self.para_id, self.header, self.state, inherent, list(xts))
        outcome = executive.execute_block(self.header.encode(), built.block_data, relay_number, view.root)
        assert outcome.header == built.header and outcome.result == built.result
        assert outcome.post_state == built.post_state
        params = ValidationParams(self.header.encode(), built.block_data, relay_number, view.root)
        assert execute_in_process(TOKEN_PVF, params) == built.result, "the PVF disagrees with the collator's runtime"
        if commit:
            self.state, self.header, self.last = built.post_state, built.header, built
        return built

    def sign(self, keypair, call: bytes, nonce: int, **kw) -> bytes:
        return sign(keypair, call, nonce, self.genesis_hash, **kw)

    def free(self, who: bytes) -> int:
        raw = self.state.get(account_key(who))
        return 0 if raw is None else int.from_bytes(raw[16:32], "little")

    def nonce(self, who: bytes) -> int:
        raw = self.state.get(account_key(who))
        return 0 if raw is None else int.from_bytes(raw[:4], "little")

    def events(self) -> list:
        """(pallet, event name, fields) of the last block, decoded with the para runtime's declared types."""
        raw = self.state.get(plain_key("System", "Events"))
        if raw is None:
            return []
        return [(rec["event"][0], rec["event"][1][0], rec["event"][1][1] if len(rec["event"][1]) > 1 else None)
                for rec in RECORDS.decode(raw)]

    def issuance(self) -> int:
        return int.from_bytes(self.state[plain_key("Balances", "TotalIssuance")], "little")

