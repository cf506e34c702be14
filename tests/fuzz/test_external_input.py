"""Every decoder that takes bytes from outside the node, fuzzed (#11, item 8).

The rule for each: any input yields a value or that decoder's typed error — never another exception, a hang
(pytest-timeout) or a crash. `DECODERS` lists them; a new decoder of outside bytes gets a row. Inputs are random
bytes and mutations (overwritten, cut, inserted, repeated bytes) of real encodings built here, so the fuzzing
reaches past the first length prefix. A decoded value is then used as its receiver would use it (signatures
checked, proofs verified), since that is where garbage that decodes meets the rest of the code.

Outside bytes: extrinsics (RPC, transaction gossip), blocks and headers (block announcements, block responses),
justifications, network frames and every gossip/request payload (GRANDPA, sync, authority discovery, peer
exchange, backing statements, bitfields, collations, PoVs, chunks), JSON-RPC params, and election snapshots.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaychain.erasure import obtain_chunks
from relaychain.erasure.branches import ErasureChunk, branches, verify_chunk
from relaychain.erasure.errors import ErasureError
from relaychain.node import sync
from relaychain.node.authority_discovery import AuthorityRecord, sign_record
from relaychain.node.consensus.grandpa import messages as gm
from relaychain.node.consensus.grandpa.errors import JustificationError
from relaychain.node.consensus.grandpa.justification import GrandpaJustification, verify_justification
from relaychain.node.network import wire
from relaychain.node.network.errors import MalformedFrame
from relaychain.node.network.peer_exchange import MalformedPeerRecords, PeerRecord, decode_records, encode_records
from relaychain.node.parachains import protocol as pp
from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.extrinsic import UncheckedExtrinsic, sign_extrinsic
from relaychain.primitives.scale import ScaleDecodeError, encode_compact
from relaychain.primitives.types import Block, Digest, Header, PreRuntime, Seal
from relaychain.trie import MemoryNodeStore, TrieError, build_trie, read_proof, verify_read_proof

ALICE, BOB = dev_keypair("alice"), dev_keypair("bob")
ALICE_ED, BOB_ED = dev_keypair("alice", "ed25519"), dev_keypair("bob", "ed25519")
GENESIS = bytes(range(32))
TARGET = (b"\x07" * 32, 9)


def _signed_transfer() -> bytes:
    call = b"\x05\x03\x00" + BOB.public + encode_compact(12345)
    return sign_extrinsic(ALICE, call, nonce=3, genesis_hash=GENESIS, spec_version=1, transaction_version=1)


def _header(number: int = 9, parent: bytes = b"\x01" * 32) -> Header:
    return Header(parent, number, b"\x02" * 32, b"\x03" * 32,
                  Digest((PreRuntime(b"BABE", b"\x01" + bytes(20)), Seal(b"BABE", bytes(64)))))


def _precommit(keypair, target=TARGET, round_number=4, set_id=0) -> gm.SignedMessage:
    message = gm.Message(gm.PRECOMMIT, *target)
    return gm.SignedMessage(message, keypair.sign(gm.vote_payload(message, round_number, set_id)), keypair.public)


def _commit() -> gm.Commit:
    return gm.Commit(*TARGET, (_precommit(ALICE_ED), _precommit(BOB_ED)))


def _justification() -> bytes:
    child = _header(10, TARGET[0])
    later = gm.Message(gm.PRECOMMIT, child.hash(), 10)
    signed = gm.SignedMessage(later, BOB_ED.sign(gm.vote_payload(later, 4, 0)), BOB_ED.public)
    commit = gm.Commit(*TARGET, (_precommit(ALICE_ED), signed))
    return GrandpaJustification(4, commit, (child,)).encode()


AUTHORITIES = [(ALICE_ED.public, 1), (BOB_ED.public, 1)]
CHUNKS = obtain_chunks(5, b"available data " * 20)
BRANCHES = branches(CHUNKS)
TRIE_ROOT, TRIE_NODES = build_trie({b"key-%d" % i: b"value" * i for i in range(40)}, 1)
TRIE_PROOF = read_proof(MemoryNodeStore(TRIE_NODES), TRIE_ROOT, [b"key-3", b"key-17", b"absent"])
PVD = P.PersistedValidationData(b"\x01\x02", 7, b"\x05" * 32, 5 << 20)
STATEMENT = pp.SignedStatement(b"\x09" * 32, ("Valid", b"\x0a" * 32), 2, ALICE.sign(b"whatever"))
BITFIELD = pp.BitfieldGossip(b"\x09" * 32, P.SignedAvailabilityBitfield((True, False, True), 1, bytes(64)))


def _use_statement(s: pp.SignedStatement) -> None:
    s.candidate_hash, s.kind  # noqa: B018 — what statement-distribution reads first
    P.backing_statement_payload(s.kind, s.candidate_hash, 1, s.relay_parent)


@dataclass(frozen=True)
class Decoder:
    name: str
    decode: Callable[[bytes], Any]  # the receiver's decode-and-first-use
    errors: tuple  # the typed errors it may raise
    seeds: tuple  # real encodings to mutate


def _frame(data: bytes):
    return wire.decode_frame(data)


DECODERS = [
    Decoder("extrinsic", UncheckedExtrinsic.decode, (ScaleDecodeError,), (_signed_transfer(),)),
    Decoder("header", Header.decode, (ScaleDecodeError,), (_header().encode(),)),
    Decoder("block", Block.decode, (ScaleDecodeError,),
            (Block(_header(), (_signed_transfer(), _signed_transfer()[:-1] + b"\x00")).encode(),)),
    Decoder("justification", lambda d: verify_justification(d, AUTHORITIES, 0), (JustificationError,),
            (_justification(),)),
    Decoder("wire frame", _frame, (MalformedFrame,),
            (wire.encode_frame(wire.Gossip("grandpa", b"\x01\x02")),
             wire.encode_frame(wire.Hello(wire.PROTOCOL_VERSION, GENESIS, ALICE_ED.public, bytes(32), "tcp://1.2.3.4:5")),
             wire.encode_frame(wire.Response(7, False, b"busy")))),
    Decoder("grandpa gossip", lambda d: _use_grandpa(gm.decode_gossip(d)), (ScaleDecodeError,),
            (gm.encode_vote_gossip(4, 0, _precommit(ALICE_ED)), gm.encode_commit_gossip(4, 0, _commit()))),
    Decoder("grandpa catch-up", lambda d: _decode_all(d, gm.CatchUp.decode_from), (ScaleDecodeError,),
            (gm.CatchUp(4, (_precommit(ALICE_ED),), (_precommit(BOB_ED),), *TARGET).encode(),)),
    Decoder("node status", sync.NodeStatus.decode, (ScaleDecodeError,), (sync.NodeStatus(1, 9, b"\x01" * 32).encode(),)),
    Decoder("block request", sync.BlockRequest.decode, (ScaleDecodeError,), (sync.BlockRequest(b"\x01" * 32, 64).encode(),)),
    Decoder("block response", sync.decode_block_response, (ScaleDecodeError,),
            (sync.encode_block_response([(Block(_header(), ()).encode(), _justification()),
                                         (Block(_header(8), ()).encode(), None)]),)),
    Decoder("authority record", lambda d: AuthorityRecord.decode(d).is_signed(), (ScaleDecodeError,),
            (sign_record(ALICE, ALICE_ED.public, ["/ip4/127.0.0.1/tcp/30333/p2p/" + ALICE_ED.public.hex()], 99).encode(),)),
    Decoder("peer records", decode_records, (MalformedPeerRecords,),
            (encode_records([PeerRecord(ALICE_ED.public, "/ip4/127.0.0.1/tcp/30333/p2p/" + ALICE_ED.public.hex())]),)),
    Decoder("backing statement", lambda d: _use_statement(pp.SignedStatement.decode(d)), (ScaleDecodeError,),
            (STATEMENT.encode(),)),
    Decoder("bitfield", lambda d: pp.BitfieldGossip.decode(d).signed.check_signature(ALICE.public, 1, GENESIS),
            (ScaleDecodeError,), (BITFIELD.encode(),)),
    Decoder("collation", pp.Collation.decode, (ScaleDecodeError,), ()),
    Decoder("pov request", pp.PoVRequest.decode, (ScaleDecodeError,), (pp.PoVRequest(b"\x01" * 32, b"\x02" * 32).encode(),)),
    Decoder("pov response", pp.POV_RESPONSE.decode, (ScaleDecodeError,), (pp.POV_RESPONSE.encode(P.PoV(b"block" * 9)),)),
    Decoder("chunk request", pp.ChunkRequest.decode, (ScaleDecodeError,), (pp.ChunkRequest(b"\x01" * 32, 3).encode(),)),
    Decoder("chunk response", pp.decode_chunk_response, (ScaleDecodeError,),
            (pp.encode_chunk_response(pp.ChunkResponse(BRANCHES.chunks[1], BRANCHES.proofs[1])),
             pp.encode_chunk_response(None))),
    Decoder("erasure chunk", lambda d: verify_chunk(BRANCHES.root, ErasureChunk.decode(d)), (ErasureError,),
            tuple(c.encode() for c in BRANCHES)),
    Decoder("available data", P.AvailableData.decode, (ScaleDecodeError,),
            (P.AvailableData(P.PoV(b"pov bytes"), PVD).encode(),)),
    Decoder("trie read proof", lambda d: verify_read_proof(TRIE_ROOT, _proof_nodes(d), [b"key-3", b"absent"]),
            (TrieError, ScaleDecodeError), (encode_compact(len(TRIE_PROOF)) + b"".join(
                encode_compact(len(n)) + n for n in TRIE_PROOF),)),
]


def _decode_all(data, decode_from):
    from relaychain.primitives.scale import decode_all

    return decode_all(data, decode_from)


def _use_grandpa(decoded) -> None:
    variant, round_number, set_id, payload = decoded
    if variant == 0:
        payload.verify(round_number, set_id)
    else:
        for p in payload.precommits:
            p.verify(round_number, set_id)


def _proof_nodes(data: bytes) -> list[bytes]:
    """A proof as it travels: SCALE Vec<Vec<u8>> (what a peer would send)."""
    from relaychain.primitives.scale import Reader

    r = Reader(data)
    nodes = r.vec(Reader.bytes)
    r.finish()
    return nodes


@st.composite
def _mutation(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("overwrite", "cut", "insert", "repeat", "truncate")))
        i = draw(st.integers(0, len(data)))
        if op == "overwrite" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i:i + draw(st.integers(1, 8))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "repeat":
            data[i:i] = data[i:i + draw(st.integers(1, 40))]
        else:
            del data[i:]
    return bytes(data)


def _inputs(decoder: Decoder):
    random_bytes = st.binary(max_size=400)
    if not decoder.seeds:
        return random_bytes
    return st.one_of(random_bytes, st.sampled_from(decoder.seeds).flatmap(_mutation))


def test_the_seeds_are_valid_encodings():
    """The mutations start from inputs each decoder accepts, so the fuzzing gets past their first bytes."""
    for decoder in DECODERS:
        for seed in decoder.seeds:
            decoder.decode(seed)


@pytest.mark.parametrize("decoder", DECODERS, ids=lambda d: d.name)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_outside_bytes_give_a_value_or_a_typed_error(decoder, data):
    raw = data.draw(_inputs(decoder))
    try:
        decoder.decode(raw)
    except decoder.errors:
        pass


# -- JSON from outside -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**130, 2**130) | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["0x", "0x00", "0x" + "ab" * 32, "0xzz", "0x1", ALICE.public.hex(),
                       "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQX"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, parser=st.sampled_from(["hex_bytes", "hash256", "block_number", "u32", "text", "hex_list",
                                                   "account_id"]))
def test_any_rpc_param_gives_a_value_or_invalid_params(value, parser):
    from relaychain.rpc import params
    from relaychain.rpc.errors import RpcError

    try:
        getattr(params, parser)(value, "p")
    except RpcError as e:
        assert e.code == -32602


@settings(max_examples=200, deadline=None)
@given(raw=json_values, names=st.lists(st.text(max_size=5), max_size=3, unique=True))
def test_any_params_container_gives_params_or_invalid_params(raw, names):
    from relaychain.rpc.errors import RpcError
    from relaychain.rpc.params import Params, text

    try:
        p = Params(raw, names)
        for i in range(len(names)):
            p.optional(i, text)
    except RpcError as e:
        assert e.code == -32602


snapshot_like = st.fixed_dictionaries(
    {"candidates": st.lists(st.integers(-2, 2**130) | st.text(max_size=3) | json_values, max_size=6),
     "voters": st.lists(st.lists(json_values, max_size=4) | st.tuples(
         st.integers(0, 20) | st.text(max_size=2), st.integers(-1, 2**65), st.lists(st.integers(0, 8) | json_values,
                                                                                     max_size=4)).map(list),
         max_size=6)},
    optional={"to_elect": st.integers(-1, 10) | json_values, "balance_iterations": st.integers(-1, 5) | json_values,
              "tolerance": st.integers(-1, 5) | json_values,
              "algorithm": st.sampled_from(["seq_phragmen", "phragmms", "x"]) | json_values,
              "accuracy": st.sampled_from(["perbill", "percent", "nope"]) | json_values})


@settings(max_examples=300, deadline=None)
@given(obj=snapshot_like | json_values)
def test_any_snapshot_json_elects_or_is_an_election_error(obj):
    from relaychain.election import ElectionError, Snapshot, elect

    text = json.dumps(obj)
    try:
        snapshot = Snapshot.from_json(json.loads(text))
        snapshot.ignored_votes()
        elect(snapshot, reference=True)
    except ElectionError:
        pass
