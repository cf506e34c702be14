// Independent sr25519 VRF implementations for tests/primitives/test_sr25519_vrf_js.py:
//  - @polkadot/wasm-crypto: schnorrkel itself (Rust) compiled to wasm: vrfSign / vrfVerify over
//    signing_context(ctx).bytes(msg) with the extra transcript Merlin("VRF") [+ "" = extra];
//  - @scure/sr25519: a separate JavaScript implementation (its own STROBE/Merlin, @noble/curves ristretto255);
//    its exported Merlin also builds arbitrary transcripts (BABE, approval) for in/out, make_bytes and a DLEQ check.
// Reads one JSON object {cases: [...]} on stdin, prints one JSON object {results: [...]} (hex strings).
import { readFileSync } from 'node:fs';
import { RistrettoPoint } from '@noble/curves/ed25519';
import { vrf as scureVrf, secretFromSeed, getPublicKey, __tests } from '@scure/sr25519';
import { waitReady, sr25519KeypairFromSeed, vrfSign, vrfVerify } from '@polkadot/wasm-crypto';

const { Merlin, SigningContext } = __tests;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const hex = (u8) => Buffer.from(u8).toString('hex');
const bytes = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const leInt = (u8) => u8.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
const zeroRng = (n) => new Uint8Array(n);

// A transcript described as {label, messages: [[label, message], ...]} (all hex).
function buildTranscript(spec, Cls = Merlin) {
  const t = new Cls(bytes(spec.label));
  for (const [label, message] of spec.messages) t.appendMessage(bytes(label), bytes(message));
  return t;
}

// schnorrkel vrf_hash: commit "vrf-nm-pk", 64 challenge bytes "VRFHash", ristretto255 element derivation.
function vrfInput(spec, publicKey) {
  const t = buildTranscript(spec);
  t.appendMessage(new TextEncoder().encode('vrf-nm-pk'), publicKey);
  return RistrettoPoint.hashToCurve(t.challengeBytes(new TextEncoder().encode('VRFHash'), 64));
}

function makeBytes(input, output, context, n) {
  const t = new Merlin(new TextEncoder().encode('VRFResult'));
  t.appendMessage(new Uint8Array(), context);
  t.appendMessage(new TextEncoder().encode('vrf-in'), input.toRawBytes());
  t.appendMessage(new TextEncoder().encode('vrf-out'), output.toRawBytes());
  return t.challengeBytes(new Uint8Array(), n);
}

// dleq_verify (KUSAMA_VRF ordering) on an extra transcript, written from schnorrkel's vrf.rs for this test.
function dleqVerify(publicKey, extraSpec, input, output, proof) {
  const c = leInt(proof.subarray(0, 32));
  const s = leInt(proof.subarray(32, 64));
  if (c >= L || s >= L) return false;
  const pk = RistrettoPoint.fromHex(publicKey);
  const t = extraSpec ? buildTranscript(extraSpec, SigningContext) : new SigningContext(new TextEncoder().encode('VRF'));
  t.protoName(new TextEncoder().encode('DLEQProof'));
  t.commitPoint(new TextEncoder().encode('vrf:h'), input);
  const R = pk.multiplyUnsafe(c).add(RistrettoPoint.BASE.multiplyUnsafe(s));
  t.commitPoint(new TextEncoder().encode('vrf:R=g^r'), R);
  const Hr = output.multiplyUnsafe(c).add(input.multiplyUnsafe(s));
  t.commitPoint(new TextEncoder().encode('vrf:h^r'), Hr);
  t.commitPoint(new TextEncoder().encode('vrf:pk'), pk);
  t.commitPoint(new TextEncoder().encode('vrf:h^sk'), output);
  return t.challengeScalar(new TextEncoder().encode('prove')) === c;
}

function safe(f) {
  try { return f(); } catch (e) { return false; }
}

await waitReady();
const { cases } = JSON.parse(readFileSync(0, 'utf8'));
const results = cases.map((k) => {
  if (k.op === 'keys') {
    const wasmPair = sr25519KeypairFromSeed(bytes(k.seed));
    const scureSecret = secretFromSeed(bytes(k.seed));
    return { wasm_public: hex(wasmPair.subarray(64)), scure_public: hex(getPublicKey(scureSecret)) };
  }
  if (k.op === 'sign_context') {
    const wasmPair = sr25519KeypairFromSeed(bytes(k.seed));
    const scureSecret = secretFromSeed(bytes(k.seed));
    return {
      wasm: hex(vrfSign(wasmPair.subarray(0, 64), bytes(k.ctx), bytes(k.msg), bytes(k.extra))),
      scure: hex(scureVrf.sign(bytes(k.msg), scureSecret, bytes(k.ctx), bytes(k.extra), zeroRng)),
    };
  }
  if (k.op === 'verify_context') {
    const sig = bytes(k.signature);
    return {
      wasm: safe(() => vrfVerify(bytes(k.public), bytes(k.ctx), bytes(k.msg), bytes(k.extra), sig)),
      scure: safe(() => scureVrf.verify(bytes(k.msg), sig, bytes(k.public), bytes(k.ctx), bytes(k.extra))),
    };
  }
  if (k.op === 'in_out') {
    // From a seed: evaluate (output = key * input); from a public key + pre-output: attach the input.
    let publicKey, output;
    const scalarOf = (secret) => leInt(secret.subarray(0, 32)) >> 3n;
    if (k.seed) {
      const secret = secretFromSeed(bytes(k.seed));
      publicKey = getPublicKey(secret);
      output = vrfInput(k.transcript, publicKey).multiply(scalarOf(secret));
    } else {
      publicKey = bytes(k.public);
      output = RistrettoPoint.fromHex(bytes(k.pre_output));
    }
    const input = vrfInput(k.transcript, publicKey);
    const made = k.contexts.map(([context, n]) => hex(makeBytes(input, output, bytes(context), n)));
    const verified = k.proof === undefined ? null
      : safe(() => dleqVerify(publicKey, k.extra, input, output, bytes(k.proof)));
    return { input: hex(input.toRawBytes()), pre_output: hex(output.toRawBytes()), make_bytes: made, verified };
  }
  throw new Error(`unknown op ${k.op}`);
});
process.stdout.write(JSON.stringify({ results }));
