"""Our sr25519 VRF against two independent implementations (tests/js/sr25519_vrf.mjs):
@polkadot/wasm-crypto (schnorrkel itself, compiled to wasm) and @scure/sr25519 (JavaScript, @noble/curves).

On 128 random keys and messages: the same public keys; the same pre-outputs as schnorrkel; byte-identical
signatures to @scure/sr25519 when both use no external randomness; our proofs verify in both, theirs in ours;
any tampered proof or pre-output fails in all three. On 128 random non-signing-context transcripts (BABE- and
approval-shaped): the same VRF input, pre-output and `make_bytes` outputs, and our proofs over an extra
transcript pass a DLEQ check built on @scure/sr25519's Merlin.
"""

import json
import random
import subprocess

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.merlin import Transcript
from relaychain.primitives.sr25519_vrf import attach_input, vrf_create, vrf_sign, vrf_verify

N_CASES = 128
CONTEXTS = [(b"substrate-babe-vrf", 16), (b"BabeVRFInOutContext", 32), (b"A&V RC-VRF", 32), (b"A&V CORE v2", 32),
            (b"A&V TRANCHE", 4), (b"x", 64)]


def run_js(js_dir, cases: list) -> list:
    proc = subprocess.run(["node", "sr25519_vrf.mjs"], cwd=js_dir, input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["results"]
    assert len(results) == len(cases)
    return results


def signing_context_transcript(ctx: bytes, msg: bytes) -> Transcript:
    """schnorrkel `signing_context(ctx).bytes(msg)`, the transcript the JavaScript VRF APIs sign."""
    t = Transcript(b"SigningContext")
    t.append_message(b"", ctx)
    t.append_message(b"sign-bytes", msg)
    return t


def extra_transcript(extra: bytes) -> Transcript:
    """The extra transcript wasm-crypto and scure use: Merlin("VRF") [+ "" = extra]."""
    t = Transcript(b"VRF")
    if extra:
        t.append_message(b"", extra)
    return t


def tamper(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    bad = bytearray(data)
    bad[i] ^= 1 << rng.randrange(8)
    return bytes(bad)


@pytest.fixture(scope="module")
def signing_cases():
    rng = random.Random(0x5EED_0009)
    cases = []
    for _ in range(N_CASES):
        seed = rng.randbytes(32)
        cases.append({"seed": seed, "ctx": rng.randbytes(rng.randrange(0, 24)),
                      "msg": rng.randbytes(rng.randrange(0, 160)),
                      "extra": rng.randbytes(rng.randrange(0, 24)) if rng.random() < 0.5 else b"",
                      "pair": Sr25519Keypair.from_seed(seed)})
    return cases


def test_keys_and_signatures_match_schnorrkel_wasm_and_scure(js_clients, signing_cases):
    rng = random.Random(1)
    js_cases, ours = [], []
    for c in signing_cases:
        pre_output, proof = vrf_sign(c["pair"], signing_context_transcript(c["ctx"], c["msg"]),
                                     extra_transcript(c["extra"]))
        ours.append(pre_output + proof)
        hexed = {"ctx": c["ctx"].hex(), "msg": c["msg"].hex(), "extra": c["extra"].hex()}
        js_cases += [{"op": "keys", "seed": c["seed"].hex()},
                     {"op": "sign_context", "seed": c["seed"].hex(), **hexed},
                     {"op": "verify_context", "public": c["pair"].public.hex(), "signature": ours[-1].hex(), **hexed},
                     {"op": "verify_context", "public": c["pair"].public.hex(),
                      "signature": (ours[-1][:32] + tamper(ours[-1][32:], rng)).hex(), **hexed}]
    results = run_js(js_clients, js_cases)
    matched = 0
    for i, c in enumerate(signing_cases):
        keys, signed, verified, tampered = results[4 * i:4 * i + 4]
        public = c["pair"].public.hex()
        assert keys == {"wasm_public": public, "scure_public": public}
        wasm_sig, scure_sig = bytes.fromhex(signed["wasm"]), bytes.fromhex(signed["scure"])
        assert scure_sig == ours[i], "scure (no external randomness) must sign exactly as we do"
        assert wasm_sig[:32] == ours[i][:32], "schnorrkel's pre-output must equal ours"
        assert verified == {"wasm": True, "scure": True}, "our proof must verify in schnorrkel and scure"
        assert tampered == {"wasm": False, "scure": False}, "a tampered proof must fail in schnorrkel and scure"
        t, e = signing_context_transcript(c["ctx"], c["msg"]), extra_transcript(c["extra"])
        assert vrf_verify(c["pair"].public, t, wasm_sig[:32], wasm_sig[32:], e), "schnorrkel's proof must verify"
        bad = tamper(wasm_sig, rng)
        assert not vrf_verify(c["pair"].public, t, bad[:32], bad[32:], e), "a tampered signature must fail"
        matched += 1
    assert matched == N_CASES


def test_tampered_pre_outputs_fail_everywhere(js_clients, signing_cases):
    rng = random.Random(2)
    js_cases, bad_sigs = [], []
    for c in signing_cases[:32]:
        pre_output, proof = vrf_sign(c["pair"], signing_context_transcript(c["ctx"], c["msg"]),
                                     extra_transcript(c["extra"]))
        bad_sigs.append(tamper(pre_output, rng) + proof)
        js_cases.append({"op": "verify_context", "public": c["pair"].public.hex(), "signature": bad_sigs[-1].hex(),
                         "ctx": c["ctx"].hex(), "msg": c["msg"].hex(), "extra": c["extra"].hex()})
    for c, bad, result in zip(signing_cases, bad_sigs, run_js(js_clients, js_cases)):
        assert result == {"wasm": False, "scure": False}
        assert not vrf_verify(c["pair"].public, signing_context_transcript(c["ctx"], c["msg"]), bad[:32], bad[32:],
                              extra_transcript(c["extra"]))


def random_transcript(rng: random.Random) -> tuple[bytes, list]:
    """A transcript shaped like BABE's or an approval criterion's: a domain label and a few labelled messages."""
    label = rng.choice([b"BABE", b"A&V MOD v2", b"A&V DELAY", b"A&V MOD", rng.randbytes(rng.randrange(1, 20))])
    messages = [(rng.choice([b"slot number", b"current epoch", b"chain randomness", b"RC-VRF", b"core", b"sample",
                             rng.randbytes(rng.randrange(0, 12))]), rng.randbytes(rng.randrange(0, 200)))
                for _ in range(rng.randrange(0, 5))]
    return label, messages


def build(label: bytes, messages: list) -> Transcript:
    t = Transcript(label)
    for message_label, message in messages:
        t.append_message(message_label, message)
    return t


def test_arbitrary_transcripts_give_the_same_in_out_and_derived_bytes(js_clients):
    rng = random.Random(3)
    js_cases, expected = [], []
    for _ in range(N_CASES):
        seed = rng.randbytes(32)
        pair = Sr25519Keypair.from_seed(seed)
        label, messages = random_transcript(rng)
        extra_label, extra_messages = random_transcript(rng)
        spec = {"label": label.hex(), "messages": [[m.hex(), v.hex()] for m, v in messages]}
        extra_spec = {"label": extra_label.hex(), "messages": [[m.hex(), v.hex()] for m, v in extra_messages]}
        contexts = [[ctx.hex(), n] for ctx, n in CONTEXTS]
        in_out = vrf_create(pair, build(label, messages))
        pre_output, proof = vrf_sign(pair, build(label, messages), build(extra_label, extra_messages))
        made = [in_out.make_bytes(ctx, n).hex() for ctx, n in CONTEXTS]
        expected.append((in_out, made))
        js_cases += [{"op": "in_out", "seed": seed.hex(), "transcript": spec, "contexts": contexts},
                     {"op": "in_out", "public": pair.public.hex(), "pre_output": pre_output.hex(), "transcript": spec,
                      "contexts": contexts, "extra": extra_spec, "proof": proof.hex()},
                     {"op": "in_out", "public": pair.public.hex(), "pre_output": pre_output.hex(), "transcript": spec,
                      "contexts": [], "extra": extra_spec, "proof": tamper(proof, rng).hex()}]
    results = run_js(js_clients, js_cases)
    for i, (in_out, made) in enumerate(expected):
        evaluated, attached, tampered = results[3 * i:3 * i + 3]
        for r in (evaluated, attached):
            assert (r["input"], r["pre_output"], r["make_bytes"]) == (in_out.input.hex(), in_out.output.hex(), made)
        assert attached["verified"] is True, "our proof over an extra transcript must pass the JS DLEQ check"
        assert tampered["verified"] is False


def _spec(label: bytes, messages: list) -> dict:
    return {"label": label.hex(), "messages": [[m.hex(), v.hex()] for m, v in messages]}


def test_babe_story_and_approval_assignments_agree_with_scure(js_clients):
    """The BABE VRF → RelayVRFStory → assignment certs chain, with each VRF's in/out, derived bytes and proof
    (over the cert's extra transcript) checked by the JavaScript implementation."""
    from relaychain.primitives import approval
    from relaychain.primitives.babe_vrf import make_vrf_transcript
    from relaychain.primitives.types import PrimaryPreDigest, VrfSignature

    rng = random.Random(4)
    keys = [Sr25519Keypair.from_seed(rng.randbytes(32)) for _ in range(12)]
    randomness, slot, epoch = rng.randbytes(32), rng.randrange(2**40), rng.randrange(1000)
    babe_messages = [(b"slot number", slot.to_bytes(8, "little")), (b"current epoch", epoch.to_bytes(8, "little")),
                     (b"chain randomness", randomness)]
    sig = VrfSignature(*vrf_sign(keys[0], make_vrf_transcript(randomness, slot, epoch)))
    story = approval.relay_vrf_story(PrimaryPreDigest(0, slot, sig), [k.public for k in keys], randomness, epoch)
    js_cases = [{"op": "in_out", "public": keys[0].public.hex(), "pre_output": sig.pre_output.hex(),
                 "transcript": _spec(b"BABE", babe_messages), "contexts": [[b"A&V RC-VRF".hex(), 32]],
                 "extra": _spec(b"VRF", []), "proof": sig.proof.hex()}]
    config = approval.AssignmentConfig(tuple(k.public for k in keys), tuple((i, i + 1) for i in range(0, 12, 2)),
                                       6, 2, 2, 6)
    leaving = [(bytes([c]) * 32, c, (c + 1) % 6) for c in range(6)]
    expected = []
    for v2 in (True, False):
        for validator, key in enumerate(keys):
            for core, a in approval.compute_assignments(key, story, config, leaving, v2).items():
                kind, fields = a.cert.kind
                if kind == "RelayVRFModuloCompact":
                    transcript = _spec(b"A&V MOD v2", [(b"RC-VRF", story)])
                    extra = _spec(b"A&V ASSIGNED v2", [(b"cores", approval.CORE_BITFIELD.encode(
                        fields["core_bitfield"]))])
                    context = (b"A&V CORE v2", 32)
                elif kind == "RelayVRFModulo":
                    transcript = _spec(b"A&V MOD", [(b"RC-VRF", story),
                                                    (b"sample", fields["sample"].to_bytes(4, "little"))])
                    extra = _spec(b"A&V ASSIGNED", [(b"core", core.to_bytes(4, "little"))])
                    context = (b"A&V CORE", 4)
                else:
                    transcript = _spec(b"A&V DELAY", [(b"RC-VRF", story), (b"core", core.to_bytes(4, "little"))])
                    extra, context = _spec(b"VRF", []), (b"A&V TRANCHE", 4)
                in_out = attach_input(key.public, _build_spec(transcript), a.cert.vrf.pre_output)
                expected.append((kind, core, a.tranche, in_out.make_bytes(*context)))
                js_cases.append({"op": "in_out", "public": key.public.hex(),
                                 "pre_output": a.cert.vrf.pre_output.hex(), "transcript": transcript,
                                 "contexts": [[context[0].hex(), context[1]]], "extra": extra,
                                 "proof": a.cert.vrf.proof.hex()})
    results = run_js(js_clients, js_cases)
    assert results[0]["make_bytes"] == [story.hex()] and results[0]["verified"] is True
    kinds = set()
    for (kind, core, tranche, made), r in zip(expected, results[1:]):
        assert r["verified"] is True, kind
        assert r["make_bytes"] == [made.hex()], kind
        raw = bytes.fromhex(r["make_bytes"][0])
        if kind == "RelayVRFDelay":  # tranche = u32 mod (n_delay + width) minus width, at least 0
            assert tranche == max(0, int.from_bytes(raw, "little") % (6 + 2) - 2)
        elif kind == "RelayVRFModulo":
            assert core == int.from_bytes(raw, "little") % 6
        kinds.add(kind)
    assert kinds == {"RelayVRFModuloCompact", "RelayVRFModulo", "RelayVRFDelay"}


def _build_spec(spec: dict) -> Transcript:
    return build(bytes.fromhex(spec["label"]), [(bytes.fromhex(m), bytes.fromhex(v)) for m, v in spec["messages"]])
