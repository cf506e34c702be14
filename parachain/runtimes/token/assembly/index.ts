// The token parachain's validation function (PVF): `validate_block(params_ptr, params_len) -> i64`
// (parachains.md §12), implementing parachain/token/SPEC.md byte for byte.
//
// Memory: see heap.ts (the stub runtime's heap below HOST_HEAP_BASE, the executor's allocator above it).
//
// Where SPEC.md is silent, decisions follow Cumulus/FRAME and are the same as the collator's runtime
// (parachain/token/__init__.py, decisions D1-D18 there):
// - Transfers (D1-D3): amount 0 emits Transfer and nothing else; then FundsUnavailable, then NotExpendable
//   (keep-alive, self-transfers included); a self-transfer moves nothing and emits Transfer; a reaped sender
//   emits System.KilledAccount then Balances.DustLost (dust > 0), as frame_system kills the account inside
//   pallet-balances' mutation. The receiver's NewAccount + Endowed, then Transfer.
// - Inbound DepositAsset (D5, D7) mints like fungible::mint_into: NewAccount + Endowed for a new account,
//   then Balances.Minted. Its filter must cover the whole holding: Wild(All), Wild(AllCounted(n >= 1)) or
//   Definite native assets summing to at least the holding (anything else fails the program); all of the
//   holding is deposited. Barrier (D6): BuyExecution's Limited ref_time must be >= 1_000_000 x instructions.
// - MessageQueue.Processed id: the trailing SetTopic whether or not the program succeeded, else
//   blake2_256(program bytes). HRMP data empty or not starting with 0x00: one failed Processed over the
//   whole data (D8).
// - Relay state (D10): an indexed ingress channel missing from the relay state makes the block invalid; an
//   indexed egress channel missing is no channel (the messages stay queued).
// - LastDmqMqcHead is written in every block (D11); LastHrmpMqcHeads holds one entry per sender of the
//   current ingress index, zero heads included, and is absent when the index is empty (D12).
// - VersionedLocation/VersionedAssets arguments other than V4 make the call undecodable: the block is
//   invalid (D13); a Fungible(0) teleport burns 0 (D14).
// - Before the para's first block (LastRelayChainBlockNumber absent) no inbound message counts as processed:
//   messages the relay queued at genesis (sent_at 0) are accepted (D15).
// - Signed extrinsics: a zero signer (CheckNonZeroSender), ECDSA, a non-Id signer address, an unknown call, a
//   signed set_validation_data, a missing birth block hash, a bad signature, no account or another nonce all
//   make the block invalid (the collator includes only valid transactions). CheckWeight is not enforced.
// - PolkadotXcm.Sent carries the program with its SetTopic (SPEC.md §4 says so explicitly).
// - Heads (parent and new) must have an empty digest.

import { blake2_256 } from "./host";
import { Reader, Writer, bytesEq, concat, toHex, u32le, zero32 } from "./scale";
import { Ctx, applySigned, inherentSuccess, mqcExtend, processDownward, processHorizontal, readQueue, writeQueue } from "./runtime";
import { checkAscending, keyBytes, prefix, twox64Concat, u32Value } from "./state";
import { ProofDb, orderedRoot, readProof, trieRoot } from "./trie";

import { HOST_HEAP_BASE, checkBelowHostHeap } from "./heap";
export { HOST_HEAP_BASE as __heap_base };

function checkHeap(): void {
  const probe = new Uint8Array(1);
  checkBelowHostHeap(probe.dataStart, 1 << 20);
}

class Header {
  parentHash: Uint8Array = zero32();
  number: u32 = 0;
  stateRoot: Uint8Array = zero32();
  extrinsicsRoot: Uint8Array = zero32();

  static decode(r: Reader): Header {
    const h = new Header();
    h.parentHash = r.bytes(32);
    h.number = r.compactU32();
    h.stateRoot = r.bytes(32);
    h.extrinsicsRoot = r.bytes(32);
    if (r.len() != 0) throw new Error(r.what + ": digest must be empty");
    return h;
  }

  encode(): Uint8Array {
    return new Writer(110).bytes(this.parentHash).compact(<u64>this.number).bytes(this.stateRoot)
      .bytes(this.extrinsicsRoot).u8(0).finish();
  }
}

class Channel {
  maxCapacity: u32 = 0;
  maxTotalSize: u32 = 0;
  maxMessageSize: u32 = 0;
  msgCount: u32 = 0;
  totalSize: u32 = 0;
  mqcHead: Uint8Array = zero32();
}

class HrmpIn {
  constructor(public sender: u32, public sentAt: Array<u32>, public data: Array<Uint8Array>) {}
}

class Outcome {
  upward: Array<Uint8Array> = [];
  hrmpTo: Array<u32> = [];
  hrmpData: Array<Uint8Array> = [];
  processedDownward: u32 = 0;
}

/** The relay state this block needs, read from the inherent's proof (SPEC.md §5 check 3). */
class RelayView {
  dmqHead: Uint8Array = zero32();
  ingress: Array<u32> = [];
  egress: Array<u32> = [];
  ingressChannels: Map<u32, Channel> = new Map();
  egressChannels: Map<u32, Channel> = new Map();
}

function paraList(raw: Uint8Array | null, what: string): Array<u32> {
  const out = new Array<u32>();
  if (raw === null) return out;
  const r = new Reader(raw!, what);
  const n = r.len();
  for (let i = 0; i < n; i++) out.push(r.u32());
  r.done();
  return out;
}

function channel(db: ProofDb, root: Uint8Array, sender: u32, recipient: u32): Channel | null {
  const key = concat(prefix("Hrmp", "HrmpChannels"), twox64Concat(concat(u32le(sender), u32le(recipient))));
  const raw = readProof(db, root, key);
  if (raw === null) return null;
  const r = new Reader(raw!, "AbridgedHrmpChannel");
  const ch = new Channel();
  ch.maxCapacity = r.u32();
  ch.maxTotalSize = r.u32();
  ch.maxMessageSize = r.u32();
  ch.msgCount = r.u32();
  ch.totalSize = r.u32();
  const some = r.u8();
  if (some == 1) ch.mqcHead = r.bytes(32);
  else if (some != 0) throw new Error("AbridgedHrmpChannel: bad mqc_head");
  return ch;
}

function readRelay(proof: Array<Uint8Array>, root: Uint8Array, own: u32): RelayView {
  const db = new ProofDb(proof);
  const v = new RelayView();
  const ownKey = twox64Concat(u32le(own));
  const dmq = readProof(db, root, concat(prefix("Dmp", "DownwardMessageQueueHeads"), ownKey));
  if (dmq !== null) {
    const r = new Reader(dmq!, "DownwardMessageQueueHeads");
    v.dmqHead = r.bytes(32);
    r.done();
  }
  v.ingress = paraList(readProof(db, root, concat(prefix("Hrmp", "HrmpIngressChannelsIndex"), ownKey)), "ingress index");
  v.egress = paraList(readProof(db, root, concat(prefix("Hrmp", "HrmpEgressChannelsIndex"), ownKey)), "egress index");
  for (let i = 0; i < v.ingress.length; i++) {
    const ch = channel(db, root, v.ingress[i], own);
    if (ch === null) throw new Error("relay proof: ingress channel from " + v.ingress[i].toString() + " is indexed but absent");
    v.ingressChannels.set(v.ingress[i], ch!);
  }
  // An indexed egress channel absent from the relay state is no channel: its messages stay queued.
  for (let i = 0; i < v.egress.length; i++) {
    const ch = channel(db, root, own, v.egress[i]);
    if (ch !== null) v.egressChannels.set(v.egress[i], ch!);
  }
  return v;
}

/** ParachainSystem.set_validation_data (SPEC.md §5). */
function setValidationData(c: Ctx, r: Reader, parentHead: Uint8Array, relayNumber: u32, relayRoot: Uint8Array,
                           out: Outcome): RelayView {
  // PersistedValidationData
  const pvdHead = r.vecBytes();
  const pvdNumber = r.u32();
  const pvdRoot = r.bytes(32);
  r.u32(); // max_pov_size
  const proofCount = r.len();
  const proof = new Array<Uint8Array>();
  for (let i = 0; i < proofCount; i++) proof.push(r.vecBytes());
  const dmCount = r.len();
  const dmSentAt = new Array<u32>(), dmData = new Array<Uint8Array>();
  for (let i = 0; i < dmCount; i++) { dmSentAt.push(r.u32()); dmData.push(r.vecBytes()); }
  const hCount = r.len();
  const horizontal = new Array<HrmpIn>();
  for (let i = 0; i < hCount; i++) {
    const sender = r.u32();
    if (i > 0 && sender <= horizontal[i - 1].sender) throw new Error("inherent: horizontal_messages not ascending");
    const n = r.len();
    const sentAt = new Array<u32>(), data = new Array<Uint8Array>();
    for (let k = 0; k < n; k++) { sentAt.push(r.u32()); data.push(r.vecBytes()); }
    horizontal.push(new HrmpIn(sender, sentAt, data));
  }
  r.done();

  // 1. The validation data is the one this validation runs with.
  if (!bytesEq(pvdHead, parentHead)) throw new Error("inherent: parent_head differs from the validation params'");
  if (pvdNumber != relayNumber) throw new Error("inherent: relay_parent_number differs from the validation params'");
  if (!bytesEq(pvdRoot, relayRoot)) throw new Error("inherent: relay_parent_storage_root differs");
  // 2. The relay parent does not go backwards.
  const k = c.keys;
  const lastRaw = c.st.get(k.lastRelayNumber);
  const last = u32Value(lastRaw, "LastRelayChainBlockNumber");
  if (relayNumber < last) throw new Error("inherent: relay parent number goes backwards");
  // Messages already processed: sent at or before the last relay parent; before the first block none
  // (the relay's genesis block may queue messages, sent_at 0, that its MQC heads include).
  const bound: i64 = lastRaw === null ? -1 : <i64>last;
  // 3. Relay state.
  const relay = readRelay(proof, relayRoot, c.ownId);
  // 4. DMP: all messages since the last relay parent, extending the last head to the proven one.
  const lastDmq = c.st.get(k.lastDmqHead);
  let head = lastDmq === null ? zero32() : lastDmq!;
  if (head.length != 32) throw new Error("LastDmqMqcHead: bad length");
  for (let i = 0; i < dmCount; i++) {
    if (<i64>dmSentAt[i] <= bound) throw new Error("dmp: message sent at or before the last relay parent");
    head = mqcExtend(head, dmSentAt[i], dmData[i]);
  }
  if (!bytesEq(head, relay.dmqHead)) throw new Error("dmq mqc head mismatch");
  c.st.set(k.lastDmqHead, head);
  // 5. HRMP in: every ingress channel's messages extend its last head to the proven one.
  const lastHeads = new Map<u32, Uint8Array>();
  const rawHeads = c.st.get(k.lastHrmpHeads);
  if (rawHeads !== null) {
    const hr = new Reader(rawHeads!, "LastHrmpMqcHeads");
    const n = hr.len();
    for (let i = 0; i < n; i++) { const p = hr.u32(); lastHeads.set(p, hr.bytes(32)); }
    hr.done();
  }
  const given = new Map<u32, HrmpIn>();
  for (let i = 0; i < horizontal.length; i++) {
    if (!relay.ingressChannels.has(horizontal[i].sender)) {
      throw new Error("hrmp: messages from " + horizontal[i].sender.toString() + ", not an ingress channel");
    }
    given.set(horizontal[i].sender, horizontal[i]);
  }
  const newHeads = new Map<u32, Uint8Array>();
  for (let i = 0; i < relay.ingress.length; i++) {
    const sender = relay.ingress[i];
    let h = lastHeads.has(sender) ? lastHeads.get(sender) : zero32();
    let prevSentAt: u32 = 0;
    if (given.has(sender)) {
      const msgs = given.get(sender);
      for (let m = 0; m < msgs.data.length; m++) {
        const s = msgs.sentAt[m];
        if (<i64>s <= bound) throw new Error("hrmp: message from " + sender.toString() + " sent at or before the last relay parent");
        if (m > 0 && s < prevSentAt) throw new Error("hrmp: messages from " + sender.toString() + " out of order");
        prevSentAt = s;
        h = mqcExtend(h, s, msgs.data[m]);
      }
    }
    if (!bytesEq(h, relay.ingressChannels.get(sender).mqcHead)) {
      throw new Error("mqc head mismatch for sender " + sender.toString());
    }
    newHeads.set(sender, h);
  }
  const senders = newHeads.keys();
  senders.sort((a: u32, b: u32): i32 => (a < b ? -1 : a > b ? 1 : 0));
  if (senders.length == 0) c.st.del(k.lastHrmpHeads);
  else {
    const w = new Writer(64).compact(<u64>senders.length);
    for (let i = 0; i < senders.length; i++) w.u32(senders[i]).bytes(newHeads.get(senders[i]));
    c.st.set(k.lastHrmpHeads, w.finish());
  }
  // 6. Process: downward messages, then each sender's in ascending sender order.
  for (let i = 0; i < dmCount; i++) processDownward(c, dmData[i]);
  for (let i = 0; i < horizontal.length; i++) {
    for (let m = 0; m < horizontal[i].data.length; m++) processHorizontal(c, horizontal[i].sender, horizontal[i].data[m]);
  }
  out.processedDownward = <u32>dmCount;
  // 7.
  c.st.set(k.lastRelayNumber, u32le(relayNumber));
  return relay;
}

/** Block end (SPEC.md §5): UMP and HRMP out from the queues. */
function finalize(c: Ctx, relay: RelayView, out: Outcome): void {
  const k = c.keys;
  const pending = readQueue(c, k.pendingUpward);
  const take = pending.length < 8 ? pending.length : 8;
  for (let i = 0; i < take; i++) out.upward.push(pending[i]);
  if (pending.length > 0) writeQueue(c, k.pendingUpward, pending, take);
  const recipients = relay.egress.slice(0);
  recipients.sort((a: u32, b: u32): i32 => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 0; i < recipients.length; i++) {
    const to = recipients[i];
    if (i > 0 && to == recipients[i - 1]) continue;
    const key = k.outboundKey(to);
    const queue = readQueue(c, key);
    if (queue.length == 0) continue;
    if (!relay.egressChannels.has(to)) continue;
    const ch = relay.egressChannels.get(to);
    if (ch.msgCount >= ch.maxCapacity) continue;
    let size: u64 = 1;
    let n = 0;
    while (n < queue.length) {
      const next = size + <u64>queue[n].length;
      if (next > <u64>ch.maxMessageSize || next + <u64>ch.totalSize > <u64>ch.maxTotalSize) break;
      size = next;
      n++;
    }
    if (n == 0) continue;
    const w = new Writer(<i32>size).u8(0);
    for (let m = 0; m < n; m++) w.bytes(queue[m]);
    out.hrmpTo.push(to);
    out.hrmpData.push(w.finish());
    writeQueue(c, key, queue, n);
  }
}

function validate(params: Uint8Array): Uint8Array {
  const pr = new Reader(params, "ValidationParams");
  const parentHead = pr.vecBytes();
  const blockData = pr.vecBytes();
  const relayNumber = pr.u32();
  const relayRoot = pr.bytes(32);
  pr.done();

  // §6.1 Heads and block data.
  const hr = new Reader(parentHead, "parent head");
  const parent = Header.decode(hr);
  hr.done();
  const br = new Reader(blockData, "block data");
  const header = Header.decode(br);
  const xtCount = br.len();
  const extrinsics = new Array<Uint8Array>(); // as in the block: Compact(len) ++ body
  const bodies = new Array<Uint8Array>();
  for (let i = 0; i < xtCount; i++) {
    const start = br.pos;
    bodies.push(br.vecBytes());
    extrinsics.push(blockData.slice(start, br.pos));
  }
  const stateCount = br.len();
  const keys = new Array<Uint8Array>(), values = new Array<Uint8Array>();
  for (let i = 0; i < stateCount; i++) { keys.push(br.vecBytes()); values.push(br.vecBytes()); }
  br.done();
  const parentHash = blake2_256(parentHead);
  if (!bytesEq(header.parentHash, parentHash)) throw new Error("header: parent_hash is not the parent head's hash");
  if (header.number != parent.number + 1 || parent.number == 0xFFFFFFFF) throw new Error("header: number is not parent + 1");

  // §6.2 The witness is the parent state.
  checkAscending(keys);
  if (!bytesEq(trieRoot(keys, values), parent.stateRoot)) throw new Error("parent state root mismatch");
  const c = new Ctx();
  for (let i = 0; i < keys.length; i++) c.st.map.set(toHexKey(keys[i]), values[i]);
  const k = c.keys;
  const ownRaw = c.st.get(k.parachainId);
  if (ownRaw === null) throw new Error("ParachainInfo.ParachainId missing");
  c.ownId = u32Value(ownRaw, "ParachainId");
  c.number = header.number;

  // §6.3 Initialize.
  c.st.del(k.events);
  c.st.del(k.eventCount);
  c.st.set(k.number, u32le(c.number));
  c.st.set(k.parentHash, parentHash);
  c.st.set(k.blockHashKey(c.number - 1), parentHash);
  if (c.number > 65) c.st.del(k.blockHashKey(c.number - 65)); // a ring of 64 (SPEC §2)

  // §6.4 Extrinsics: the inherent first, then signed transactions only.
  if (bodies.length == 0) throw new Error("block has no set_validation_data inherent");
  const out = new Outcome();
  const b0 = bodies[0];
  if (b0.length < 3 || b0[0] != 0x04 || b0[1] != 1 || b0[2] != 0) throw new Error("extrinsic 0 is not set_validation_data");
  c.setPhaseApply(0);
  const relay = setValidationData(c, new Reader(b0, "set_validation_data", false, 3), parentHead, relayNumber, relayRoot, out);
  inherentSuccess(c);
  for (let i = 1; i < bodies.length; i++) {
    const b = bodies[i];
    if (b.length == 0 || b[0] != 0x84) throw new Error("extrinsic " + i.toString() + " is not a signed v4 extrinsic");
    c.setPhaseApply(<u32>i);
    applySigned(c, <u32>i, b);
    checkHeap();
  }

  // §6.5 Block end, then the events.
  finalize(c, relay, out);
  if (c.events.length > 0) {
    const w = new Writer(1024).compact(<u64>c.events.length);
    for (let i = 0; i < c.events.length; i++) w.bytes(c.events[i]);
    c.st.set(k.events, w.finish());
    c.st.set(k.eventCount, u32le(<u32>c.events.length));
  }

  // §6.6 The header this block must have.
  const sorted = c.st.sortedKeys();
  const postKeys = new Array<Uint8Array>(sorted.length), postValues = new Array<Uint8Array>(sorted.length);
  for (let i = 0; i < sorted.length; i++) { postKeys[i] = keyBytes(sorted[i]); postValues[i] = c.st.map.get(sorted[i]); }
  const computed = new Header();
  computed.parentHash = parentHash;
  computed.number = c.number;
  computed.stateRoot = trieRoot(postKeys, postValues);
  computed.extrinsicsRoot = orderedRoot(extrinsics);
  if (!bytesEq(computed.stateRoot, header.stateRoot)) throw new Error("state root mismatch");
  if (!bytesEq(computed.extrinsicsRoot, header.extrinsicsRoot)) throw new Error("extrinsics root mismatch");
  const head = computed.encode();
  checkHeap();

  // ValidationResult
  const w = new Writer(head.length + 256).vecBytes(head).u8(0).compact(<u64>out.upward.length);
  for (let i = 0; i < out.upward.length; i++) w.vecBytes(out.upward[i]);
  w.compact(<u64>out.hrmpTo.length);
  for (let i = 0; i < out.hrmpTo.length; i++) w.u32(out.hrmpTo[i]).vecBytes(out.hrmpData[i]);
  w.u32(out.processedDownward).u32(relayNumber);
  return w.finish();
}

function toHexKey(key: Uint8Array): string { return toHex(key); }

export function validate_block(ptr: i32, len: i32): i64 {
  const params = new Uint8Array(len);
  checkBelowHostHeap(params.dataStart, len);
  memory.copy(params.dataStart, <usize>ptr, <usize>len);
  const result = validate(params);
  return (<i64><u32>result.dataStart) | (<i64><u32>result.length << 32);
}
