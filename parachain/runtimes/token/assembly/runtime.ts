// Block execution of the token parachain (SPEC.md §2-§6): accounts and balances, events, signed
// extrinsics, limited_teleport_assets, inbound XCM, outbound queues. Every rule a valid block must keep
// fails with `throw` (the PVF traps; the candidate is invalid); a failed dispatch rolls back its changes.

import { blake2_256, ed25519_verify, sr25519_verify } from "./host";
import { Reader, Writer, bytesEq, concat } from "./scale";
import { AccountInfo, Keys, Overlay, u128Value } from "./state";
import { U128 } from "./u128";
import * as xcm from "./xcm";

export const SPEC_VERSION: u32 = 1;
export const TRANSACTION_VERSION: u32 = 1;
export const EXISTENTIAL_DEPOSIT: U128 = U128.from(10_000_000_000); // the relay's: one cent, 12 decimals

// Pallet indices (Asset Hub's).
const SYSTEM: u32 = 0, PARACHAIN_SYSTEM: u32 = 1, BALANCES: u32 = 10, POLKADOT_XCM: u32 = 31, MESSAGE_QUEUE: u32 = 35;

// pallet-xcm errors, the relay XcmPallet's indices.
const XCM_FILTERED: u32 = 2, XCM_EMPTY: u32 = 5, XCM_TOO_MANY_ASSETS: u32 = 7, XCM_BAD_LOCATION: u32 = 10;
const XCM_LOCAL_EXECUTION_INCOMPLETE: u32 = 24;

const TRANSFER_WEIGHT: u64 = 1_000_000_000, TELEPORT_WEIGHT: u64 = 2_000_000_000;
const XCM_INSTRUCTION_WEIGHT: u64 = 1_000_000; // inbound programs (MessageQueue.Processed)
const TELEPORT_LOCAL_WEIGHT: u64 = 3_000_000;  // PolkadotXcm.Attempted
const MAX_UPWARD_PER_BLOCK = 8;

// -- dispatch errors (sp_runtime::DispatchError) ----------------------------------------------------------

function tokenError(e: u32): Uint8Array { return new Writer(2).u8(7).u8(e).finish(); }
const TOKEN_FUNDS_UNAVAILABLE: u32 = 0, TOKEN_BELOW_MINIMUM: u32 = 2, TOKEN_NOT_EXPENDABLE: u32 = 8;
function cannotLookup(): Uint8Array { return new Writer(1).u8(1).finish(); }
function moduleError(pallet: u32, index: u32): Uint8Array {
  return new Writer(6).u8(3).u8(pallet).u8(index).u8(0).u8(0).u8(0).finish();
}

// -- the block context ------------------------------------------------------------------------------------

export class Ctx {
  st: Overlay = new Overlay();
  keys: Keys = new Keys();
  events: Array<Uint8Array> = [];
  phase: Uint8Array = new Uint8Array(0);
  number: u32 = 0;
  ownId: u32 = 0;

  setPhaseApply(i: u32): void { this.phase = new Writer(5).u8(0).u32(i).finish(); }

  /** EventRecord{phase, event, topics: []} */
  deposit(event: Uint8Array): void {
    this.events.push(new Writer(event.length + 6).bytes(this.phase).bytes(event).u8(0).finish());
  }

  account(who: Uint8Array): AccountInfo | null {
    const raw = this.st.get(this.keys.accountKey(who));
    return raw === null ? null : AccountInfo.decode(raw!);
  }

  putAccount(who: Uint8Array, info: AccountInfo): void { this.st.set(this.keys.accountKey(who), info.encode()); }

  totalIssuance(): U128 { return u128Value(this.st.get(this.keys.totalIssuance), "Balances.TotalIssuance"); }

  setTotalIssuance(v: U128): void { this.st.set(this.keys.totalIssuance, new Writer(16).u128(v).finish()); }
}

// -- events -----------------------------------------------------------------------------------------------

function ev(pallet: u32, index: u32): Writer { return new Writer(96).u8(pallet).u8(index); }

/** DispatchInfo{weight{Compact ref_time, Compact proof_size}, class, pays_fee} */
function dispatchInfo(w: Writer, refTime: u64, klass: u32, pays: u32): Writer {
  return w.compact(refTime).compact(0).u8(klass).u8(pays);
}

function accountEvent(c: Ctx, pallet: u32, index: u32, who: Uint8Array): void {
  c.deposit(ev(pallet, index).bytes(who).finish());
}

function amountEvent(c: Ctx, pallet: u32, index: u32, who: Uint8Array, amount: U128): void {
  c.deposit(ev(pallet, index).bytes(who).u128(amount).finish());
}

const EV_SYSTEM_SUCCESS: u32 = 0, EV_SYSTEM_FAILED: u32 = 1, EV_NEW_ACCOUNT: u32 = 3, EV_KILLED_ACCOUNT: u32 = 4;
const EV_ENDOWED: u32 = 0, EV_DUST_LOST: u32 = 1, EV_TRANSFER: u32 = 2, EV_MINTED: u32 = 10, EV_BURNED: u32 = 11;

// -- balances (pallet-balances' fungible rules, as the relay's balances pallet) ----------------------------

/** Credit `amount` to `who`, creating the account (providers 1) if new; null or the dispatch error. */
function credit(c: Ctx, who: Uint8Array, amount: U128): Uint8Array | null {
  const info = c.account(who);
  if (info === null || (info!.providers == 0 && info!.sufficients == 0)) {
    if (amount.lt(EXISTENTIAL_DEPOSIT)) return tokenError(TOKEN_BELOW_MINIMUM);
    const created = info === null ? new AccountInfo() : info!;
    created.providers = 1;
    created.free = amount;
    c.putAccount(who, created);
    accountEvent(c, SYSTEM, EV_NEW_ACCOUNT, who);
    amountEvent(c, BALANCES, EV_ENDOWED, who, amount);
    return null;
  }
  const sum = info!.free.tryAdd(amount);
  if (sum === null) return new Writer(2).u8(8).u8(1).finish(); // Arithmetic(Overflow)
  info!.free = sum!;
  c.putAccount(who, info!);
  return null;
}

/** fungible::Mutate::transfer as the collator's runtime applies it (SPEC.md §3, decisions in index.ts). */
function transfer(c: Ctx, from: Uint8Array, to: Uint8Array, amount: U128, keepAlive: bool): Uint8Array | null {
  if (!amount.isZero()) {
    const info = c.account(from)!;
    if (info.free.lt(amount)) return tokenError(TOKEN_FUNDS_UNAVAILABLE);
    const newFree = info.free.sub(amount);
    if (keepAlive && newFree.lt(EXISTENTIAL_DEPOSIT)) return tokenError(TOKEN_NOT_EXPENDABLE);
    if (!bytesEq(from, to)) {
      if (newFree.lt(EXISTENTIAL_DEPOSIT)) {
        // Reaped: frame_system kills the account (KilledAccount), then pallet-balances burns the dust.
        c.st.del(c.keys.accountKey(from));
        accountEvent(c, SYSTEM, EV_KILLED_ACCOUNT, from);
        if (!newFree.isZero()) {
          c.setTotalIssuance(c.totalIssuance().sub(newFree));
          amountEvent(c, BALANCES, EV_DUST_LOST, from, newFree);
        }
      } else {
        info.free = newFree;
        c.putAccount(from, info);
      }
      const err = credit(c, to, amount);
      if (err !== null) return err;
    }
  }
  c.deposit(ev(BALANCES, EV_TRANSFER).bytes(from).bytes(to).u128(amount).finish());
  return null;
}

// -- calls ------------------------------------------------------------------------------------------------

class Call {
  pallet: u32 = 0;
  index: u32 = 0;
  // Balances transfers
  destKind: u32 = 0;
  dest: Uint8Array = new Uint8Array(0);
  value: U128 = new U128();
  // limited_teleport_assets
  xDest: xcm.Location = new xcm.Location();
  xBeneficiary: xcm.Location = new xcm.Location();
  xAssets: Array<xcm.Asset> = [];
  feeAssetItem: u32 = 0;
  weightLimit: Uint8Array = new Uint8Array(0);
}

function versioned(r: Reader, what: string): void {
  // Only V4 is declared, as xcmp/xcm.py: another version does not decode (SPEC ambiguity, see index.ts).
  if (r.u8() != 4) throw new Error("call: " + what + " is not XCM V4");
}

/** RuntimeCall of a signed extrinsic; an unknown or malformed call fails the block. */
function decodeCall(bytes: Uint8Array): Call {
  const r = new Reader(bytes, "call");
  const call = new Call();
  call.pallet = r.u8();
  call.index = r.u8();
  if (call.pallet == BALANCES && (call.index == 0 || call.index == 3)) {
    call.destKind = r.u8();
    if (call.destKind == 0 || call.destKind == 3) call.dest = r.bytes(32);
    else if (call.destKind == 1) r.compactU32();
    else if (call.destKind == 2) r.vecBytes();
    else if (call.destKind == 4) r.bytes(20);
    else throw new Error("call: bad MultiAddress");
    call.value = r.compactU128();
  } else if (call.pallet == POLKADOT_XCM && call.index == 9) {
    versioned(r, "dest");
    call.xDest = xcm.location(r);
    versioned(r, "beneficiary");
    call.xBeneficiary = xcm.location(r);
    versioned(r, "assets");
    call.xAssets = xcm.assets(r);
    call.feeAssetItem = r.u32();
    const start = r.pos;
    xcm.weightLimit(r, new xcm.Instruction());
    call.weightLimit = bytes.slice(start, r.pos);
  } else {
    throw new Error("call: unknown call " + call.pallet.toString() + "." + call.index.toString());
  }
  r.done();
  return call;
}

function dispatchTeleport(c: Ctx, who: Uint8Array, call: Call): Uint8Array | null {
  const assets = call.xAssets;
  if (assets.length > 1) return moduleError(POLKADOT_XCM, XCM_TOO_MANY_ASSETS);
  if (assets.length == 0 || call.feeAssetItem != 0) return moduleError(POLKADOT_XCM, XCM_EMPTY);
  const asset = assets[0];
  if (!asset.isNative()) return moduleError(POLKADOT_XCM, XCM_FILTERED);
  const dest = call.xDest;
  let toRelay = false;
  if (dest.isParentHere()) toRelay = true;
  else if (!(dest.isParachain(1) && dest.para != c.ownId)) return moduleError(POLKADOT_XCM, XCM_BAD_LOCATION);
  if (!call.xBeneficiary.isLocalAccount()) return moduleError(POLKADOT_XCM, XCM_BAD_LOCATION);
  // Burn with keep-alive semantics.
  const amount = asset.amount;
  const info = c.account(who)!;
  if (info.free.lt(amount) || info.free.sub(amount).add(info.reserved).lt(EXISTENTIAL_DEPOSIT)) {
    return moduleError(POLKADOT_XCM, XCM_LOCAL_EXECUTION_INCOMPLETE);
  }
  info.free = info.free.sub(amount);
  c.putAccount(who, info);
  c.setTotalIssuance(c.totalIssuance().sub(amount));
  amountEvent(c, BALANCES, EV_BURNED, who, amount);
  // The program for the destination, the asset reanchored: {0, Here} at the relay, {1, Here} at a sibling.
  const parents: u32 = toRelay ? 0 : 1;
  const body = new Writer(160);
  body.u8(xcm.I_RECEIVE_TELEPORTED_ASSET).compact(1);
  xcm.encodeNativeAsset(body, parents, amount);
  body.u8(xcm.I_CLEAR_ORIGIN);
  body.u8(xcm.I_BUY_EXECUTION);
  xcm.encodeNativeAsset(body, parents, amount);
  body.bytes(call.weightLimit);
  body.u8(xcm.I_DEPOSIT_ASSET).u8(1).u8(2).compact(1).bytes(call.xBeneficiary.raw);
  const instrs = body.finish();
  const id = blake2_256(new Writer(instrs.length + 1).compact(4).bytes(instrs).finish());
  const program = new Writer(instrs.length + 40).compact(5).bytes(instrs).u8(xcm.I_SET_TOPIC).bytes(id).finish();
  const message = concat(new Writer(1).u8(4).finish(), program);
  if (toRelay) appendToQueue(c, c.keys.pendingUpward, message);
  else appendToQueue(c, c.keys.outboundKey(dest.para), message);
  // Sent{origin: {0, X1(AccountId32{None, who})}, destination, message, message_id}, then Attempted.
  c.deposit(ev(POLKADOT_XCM, 1).u8(0).u8(1).u8(1).u8(0).bytes(who).bytes(dest.raw).bytes(program).bytes(id).finish());
  c.deposit(ev(POLKADOT_XCM, 0).u8(0).compact(TELEPORT_LOCAL_WEIGHT).compact(0).finish());
  return null;
}

// -- queues (Vec<Vec<u8>> values) ---------------------------------------------------------------------------

export function readQueue(c: Ctx, key: Uint8Array): Array<Uint8Array> {
  const out = new Array<Uint8Array>();
  const raw = c.st.get(key);
  if (raw === null) return out;
  const r = new Reader(raw!, "message queue");
  const n = r.len();
  for (let i = 0; i < n; i++) out.push(r.vecBytes());
  r.done();
  return out;
}

export function writeQueue(c: Ctx, key: Uint8Array, items: Array<Uint8Array>, from: i32): void {
  if (from >= items.length) { c.st.del(key); return; }
  const w = new Writer(256).compact(<u64>(items.length - from));
  for (let i = from; i < items.length; i++) w.vecBytes(items[i]);
  c.st.set(key, w.finish());
}

function appendToQueue(c: Ctx, key: Uint8Array, message: Uint8Array): void {
  const q = readQueue(c, key);
  q.push(message);
  writeQueue(c, key, q, 0);
}

// -- signed extrinsics --------------------------------------------------------------------------------------

/** Apply signed extrinsic `index` (its body after the 0x84 version byte has been checked). */
export function applySigned(c: Ctx, index: u32, body: Uint8Array): void {
  const r = new Reader(body, "extrinsic " + index.toString());
  r.u8(); // version 0x84
  if (r.u8() != 0) throw new Error("extrinsic " + index.toString() + ": signer address is not MultiAddress::Id");
  const signer = r.bytes(32);
  let zeroSigner = true;
  for (let i = 0; i < 32; i++) if (signer[i] != 0) zeroSigner = false;
  if (zeroSigner) throw new Error("extrinsic " + index.toString() + ": zero signer"); // CheckNonZeroSender
  const scheme = r.u8();
  if (scheme > 1) throw new Error("extrinsic " + index.toString() + ": unsupported signature scheme");
  const signature = r.bytes(64);
  const extraStart = r.pos;
  // CheckMortality: era
  let period: u64 = 0, phase: u64 = 0;
  const e0 = r.u8();
  if (e0 != 0) {
    const encoded = <u64>(e0 | (r.u8() << 8));
    period = <u64>2 << (encoded % 16);
    const quantize: u64 = (period >> 12) > 1 ? period >> 12 : 1;
    phase = (encoded >> 4) * quantize;
    if (period < 4 || phase >= period) throw new Error("extrinsic " + index.toString() + ": invalid era");
  }
  const nonce = r.compactU32();
  r.compactU128(); // tip: accepted and ignored (no fees)
  const extra = body.slice(extraStart, r.pos);
  const callBytes = body.slice(r.pos, body.length);
  if (callBytes.length < 2) throw new Error("extrinsic " + index.toString() + ": no call");
  const call = decodeCall(callBytes);
  if (call.pallet == PARACHAIN_SYSTEM) throw new Error("extrinsic " + index.toString() + ": signed inherent");

  // CheckGenesis / CheckMortality: genesis hash and birth hash from System.BlockHash.
  const current = <u64>c.number;
  let birth: u64 = 0;
  if (period != 0) {
    birth = ((current > phase ? current : phase) - phase) / period * period + phase;
    if (current >= birth + period) throw new Error("extrinsic " + index.toString() + ": stale era");
  }
  const genesis = c.st.get(c.keys.blockHashKey(0));
  if (genesis === null) throw new Error("System.BlockHash(0) missing");
  const birthHash = c.st.get(c.keys.blockHashKey(<u32>birth));
  if (birthHash === null) throw new Error("extrinsic " + index.toString() + ": ancient birth block");
  let payload = new Writer(callBytes.length + extra.length + 72).bytes(callBytes).bytes(extra)
    .u32(SPEC_VERSION).u32(TRANSACTION_VERSION).bytes(genesis!).bytes(birthHash!).finish();
  if (payload.length > 256) payload = blake2_256(payload);
  const ok = scheme == 1 ? sr25519_verify(signature, payload, signer) : ed25519_verify(signature, payload, signer);
  if (!ok) throw new Error("extrinsic " + index.toString() + ": bad signature");

  // CheckNonce: the account exists and the nonce is its next one; then nonce += 1.
  const info = c.account(signer);
  if (info === null || info!.providers == 0) throw new Error("extrinsic " + index.toString() + ": signer has no account");
  if (info!.nonce != nonce) {
    throw new Error("extrinsic " + index.toString() + ": wrong nonce " + nonce.toString() + ", expected " + info!.nonce.toString());
  }
  info!.nonce += 1;
  c.putAccount(signer, info!);

  // Dispatch, transactionally.
  const sp = c.st.savepoint();
  const evSp = c.events.length;
  let err: Uint8Array | null = null;
  let weight: u64 = TRANSFER_WEIGHT;
  if (call.pallet == BALANCES) {
    if (call.destKind != 0) err = cannotLookup();
    else err = transfer(c, signer, call.dest, call.value, call.index == 3);
  } else {
    weight = TELEPORT_WEIGHT;
    err = dispatchTeleport(c, signer, call);
  }
  if (err !== null) {
    c.st.rollback(sp);
    c.events.length = evSp;
    c.deposit(dispatchInfo(ev(SYSTEM, EV_SYSTEM_FAILED).bytes(err!), weight, 0, 0).finish());
  } else {
    c.deposit(dispatchInfo(ev(SYSTEM, EV_SYSTEM_SUCCESS), weight, 0, 0).finish());
  }
}

// -- inbound XCM (SPEC.md §4 "Executing an inbound program") -----------------------------------------------

function isSupported(kind: u32): bool {
  return kind == xcm.I_RECEIVE_TELEPORTED_ASSET || kind == xcm.I_CLEAR_ORIGIN || kind == xcm.I_BUY_EXECUTION
    || kind == xcm.I_DEPOSIT_ASSET || kind == xcm.I_SET_TOPIC || kind == xcm.I_CLEAR_TOPIC;
}

/** The barrier, then the instructions; false if the program must not (or did not fully) run. */
function execute(c: Ctx, program: Array<xcm.Instruction>): bool {
  const n = program.length;
  for (let i = 0; i < n; i++) if (!isSupported(program[i].kind)) return false;
  if (n == 0 || program[0].kind != xcm.I_RECEIVE_TELEPORTED_ASSET) return false;
  let i = 1;
  while (i < n && program[i].kind == xcm.I_CLEAR_ORIGIN) i++;
  if (i >= n || program[i].kind != xcm.I_BUY_EXECUTION) return false;
  const buy = program[i];
  if (buy.limited && buy.refTime < XCM_INSTRUCTION_WEIGHT * <u64>n) return false;
  for (let k = 0; k < n; k++) {
    const ins = program[k];
    if (ins.kind == xcm.I_RECEIVE_TELEPORTED_ASSET) {
      for (let a = 0; a < ins.assets.length; a++) if (!ins.assets[a].isNative()) return false;
    } else if (ins.kind == xcm.I_BUY_EXECUTION && !ins.fees!.isNative()) return false;
  }
  let originPresent = true;
  let holding = new U128();
  let holdingOverflow = false; // more than u128 in holding: no deposit of it can succeed (issuance would overflow)
  for (let k = 0; k < n; k++) {
    const ins = program[k];
    if (ins.kind == xcm.I_RECEIVE_TELEPORTED_ASSET) {
      if (!originPresent) return false;
      for (let a = 0; a < ins.assets.length; a++) {
        const sum = holding.tryAdd(ins.assets[a].amount);
        if (sum === null) holdingOverflow = true; else holding = sum!;
      }
    } else if (ins.kind == xcm.I_CLEAR_ORIGIN) {
      originPresent = false;
    } else if (ins.kind == xcm.I_BUY_EXECUTION) {
      if (!holdingOverflow && holding.lt(ins.fees!.amount)) return false;
    } else if (ins.kind == xcm.I_DEPOSIT_ASSET) {
      // The filter must cover the whole holding: Wild(All), Wild(AllCounted(n >= 1)), or Definite native
      // assets adding up to at least the holding; then all of it is deposited.
      if (ins.wild) {
        if (!(ins.wildKind == 0 || (ins.wildKind == 2 && ins.wildCount >= 1))) return false;
      } else {
        let sum = new U128();
        let sumOverflow = false;
        for (let a = 0; a < ins.assets.length; a++) {
          if (!ins.assets[a].isNative()) return false;
          const s = sum.tryAdd(ins.assets[a].amount);
          if (s === null) sumOverflow = true; else sum = s!;
        }
        if (!sumOverflow && !holdingOverflow && sum.lt(holding)) return false;
      }
      const beneficiary = ins.beneficiary!;
      if (!beneficiary.isLocalAccount()) return false;
      if (holdingOverflow) return false; // the mint would take the issuance past u128
      if (!holding.isZero()) {
        const who = beneficiary.account!;
        const ti = c.totalIssuance().tryAdd(holding);
        if (ti === null) return false;
        if (credit(c, who, holding) !== null) return false;
        c.setTotalIssuance(ti!);
        amountEvent(c, BALANCES, EV_MINTED, who, holding);
        holding = new U128();
      }
    }
  }
  return true;
}

/** MessageQueue.Processed{id, origin, weight_used, success}; origin Parent (sender < 0) or Sibling(sender). */
function processed(c: Ctx, id: Uint8Array, sender: i64, instructions: u64, success: bool): void {
  const w = ev(MESSAGE_QUEUE, 1).bytes(id);
  if (sender < 0) w.u8(1); else w.u8(2).u32(<u32>sender);
  w.compact(XCM_INSTRUCTION_WEIGHT * instructions).compact(0).u8(success ? 1 : 0);
  c.deposit(w.finish());
}

/** Run one decoded program all-or-nothing and emit its Processed event. */
function runProgram(c: Ctx, bytes: Uint8Array, program: Array<xcm.Instruction>, sender: i64): void {
  const sp = c.st.savepoint();
  const evSp = c.events.length;
  const ok = execute(c, program);
  if (!ok) { c.st.rollback(sp); c.events.length = evSp; }
  const n = program.length;
  const id = n > 0 && program[n - 1].kind == xcm.I_SET_TOPIC ? program[n - 1].topic! : blake2_256(bytes);
  processed(c, id, sender, <u64>n, ok);
}

/** A downward message: one VersionedXcm. */
export function processDownward(c: Ctx, msg: Uint8Array): void {
  const r = new Reader(msg, "downward message", true);
  const program = xcm.versionedXcm(r);
  r.done();
  if (r.err) { processed(c, blake2_256(msg), -1, 0, false); return; }
  runProgram(c, msg, program, -1);
}

/** An HRMP message: 0x00 ++ VersionedXcm ++ VersionedXcm ++ ... (ConcatenatedVersionedXcm). */
export function processHorizontal(c: Ctx, sender: u32, data: Uint8Array): void {
  if (data.length == 0 || data[0] != 0) { processed(c, blake2_256(data), <i64>sender, 0, false); return; }
  let pos = 1;
  while (pos < data.length) {
    const r = new Reader(data, "horizontal message", true, pos);
    const program = xcm.versionedXcm(r);
    if (r.err) { processed(c, blake2_256(data.slice(pos)), <i64>sender, 0, false); return; }
    runProgram(c, data.slice(pos, r.pos), program, <i64>sender);
    pos = r.pos;
  }
}

export function mqcExtend(head: Uint8Array, sentAt: u32, data: Uint8Array): Uint8Array {
  const inner = blake2_256(new Writer(data.length + 5).vecBytes(data).finish());
  return blake2_256(new Writer(68).bytes(head).u32(sentAt).bytes(inner).finish());
}

export function inherentSuccess(c: Ctx): void {
  c.deposit(dispatchInfo(ev(SYSTEM, EV_SYSTEM_SUCCESS), 0, 2, 1).finish());
}
