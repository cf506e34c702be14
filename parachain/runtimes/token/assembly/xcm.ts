// XCM V4: a decoder of exactly the subset xcmp/xcm.py declares (same variant indices, same limits:
// at most 20 assets in one Assets, 100 instructions in one Xcm), keeping what the para acts on, and the
// encoders of the teleport program (SPEC.md §4). Decoding is soft: a malformed program from another
// chain is a failed message, not an invalid block.

import { Reader, Writer } from "./scale";
import { U128 } from "./u128";

export const MAX_ITEMS_IN_ASSETS = 20;
export const MAX_INSTRUCTIONS_TO_DECODE = 100;

export const I_RECEIVE_TELEPORTED_ASSET: u32 = 2, I_CLEAR_ORIGIN: u32 = 10, I_DEPOSIT_ASSET: u32 = 13;
export const I_BUY_EXECUTION: u32 = 19, I_SET_TOPIC: u32 = 44, I_CLEAR_TOPIC: u32 = 45;

export class Location {
  parents: u32 = 0;
  count: u32 = 0;              // number of junctions
  firstKind: i32 = -1;         // the first junction's variant
  para: u32 = 0;               // Parachain(id) when firstKind == 0
  account: Uint8Array | null = null; // AccountId32's id when firstKind == 1
  raw: Uint8Array = new Uint8Array(0);

  isParentHere(): bool { return this.parents == 1 && this.count == 0; }
  isHere(): bool { return this.parents == 0 && this.count == 0; }
  /** {parents, X1(Parachain(id))} */
  isParachain(parents: u32): bool { return this.parents == parents && this.count == 1 && this.firstKind == 0; }
  /** {0, X1(AccountId32{network: any, id})} */
  isLocalAccount(): bool { return this.parents == 0 && this.count == 1 && this.firstKind == 1; }
}

export class Asset {
  id: Location = new Location();
  fungible: bool = false;
  amount: U128 = new U128();
  /** The relay's token as a para sees it: Fungible {1, Here}. */
  isNative(): bool { return this.fungible && this.id.isParentHere(); }
}

export class Instruction {
  kind: u32 = 0;
  assets: Array<Asset> = [];          // ReceiveTeleportedAsset; DepositAsset's Definite filter
  fees: Asset | null = null;          // BuyExecution
  limited: bool = false;              // BuyExecution weight limit
  refTime: u64 = 0;
  proofSize: u64 = 0;
  wild: bool = false;                 // DepositAsset filter is Wild
  wildKind: u32 = 0;                  //   All 0, AllOf 1, AllCounted 2, AllOfCounted 3
  wildCount: u32 = 0;                 //   AllCounted's count
  beneficiary: Location | null = null;
  topic: Uint8Array | null = null;    // SetTopic
}

function networkId(r: Reader): void {
  const v = r.u8();
  if (v == 0) r.skip(32);
  else if (v == 1) { r.u64(); r.skip(32); }
  else if (v >= 2 && v <= 6) {}
  else if (v == 7) r.compactU64();
  else if (v >= 8 && v <= 10) {}
  else r.fail("bad NetworkId");
}

function optionNetwork(r: Reader): void {
  const t = r.u8();
  if (t == 1) networkId(r); else if (t != 0) r.fail("bad Option");
}

function junction(r: Reader, loc: Location, first: bool): void {
  const v = r.u8();
  if (first) loc.firstKind = <i32>v;
  switch (v) {
    case 0: { const id = r.compactU32(); if (first) loc.para = id; break; }
    case 1: { optionNetwork(r); const id = r.bytes(32); if (first) loc.account = id; break; }
    case 2: { optionNetwork(r); r.compactU64(); break; }
    case 3: { optionNetwork(r); r.skip(20); break; }
    case 4: { r.u8(); break; }
    case 5: { r.compactU128(); break; }
    case 6: { r.u8(); r.skip(32); break; }
    case 7: break;
    case 8: {
      const body = r.u8();
      if (body == 1) r.skip(4); else if (body == 2) r.compactU32(); else if (body > 9) r.fail("bad BodyId");
      const part = r.u8();
      if (part == 1) r.compactU32();
      else if (part >= 2 && part <= 4) { r.compactU32(); r.compactU32(); }
      else if (part != 0) r.fail("bad BodyPart");
      break;
    }
    case 9: networkId(r); break;
    default: r.fail("bad Junction");
  }
}

export function location(r: Reader): Location {
  const start = r.pos;
  const loc = new Location();
  loc.parents = r.u8();
  const n = r.u8();
  if (n > 8) r.fail("bad Junctions");
  loc.count = n;
  for (let i: u32 = 0; i < n && !r.err; i++) junction(r, loc, i == 0);
  if (!r.err) loc.raw = r.buf.slice(start, r.pos);
  return loc;
}

function assetInstance(r: Reader): void {
  const v = r.u8();
  if (v == 0) {}
  else if (v == 1) r.compactU128();
  else if (v == 2) r.skip(4);
  else if (v == 3) r.skip(8);
  else if (v == 4) r.skip(16);
  else if (v == 5) r.skip(32);
  else r.fail("bad AssetInstance");
}

export function asset(r: Reader): Asset {
  const a = new Asset();
  a.id = location(r);
  const f = r.u8();
  if (f == 0) { a.fungible = true; a.amount = r.compactU128(); }
  else if (f == 1) assetInstance(r);
  else r.fail("bad Fungibility");
  return a;
}

export function assets(r: Reader): Array<Asset> {
  const n = r.len();
  const out = new Array<Asset>();
  if (n > MAX_ITEMS_IN_ASSETS) { r.fail("too many assets"); return out; }
  for (let i = 0; i < n && !r.err; i++) out.push(asset(r));
  return out;
}

function wildFungibility(r: Reader): void { if (r.u8() > 1) r.fail("bad WildFungibility"); }

function assetFilter(r: Reader, ins: Instruction): void {
  const v = r.u8();
  if (v == 0) { ins.assets = assets(r); return; }
  if (v != 1) { r.fail("bad AssetFilter"); return; }
  ins.wild = true;
  const w = r.u8();
  ins.wildKind = w;
  if (w == 0) {}
  else if (w == 1) { location(r); wildFungibility(r); }
  else if (w == 2) ins.wildCount = r.compactU32();
  else if (w == 3) { location(r); wildFungibility(r); r.compactU32(); }
  else r.fail("bad WildAsset");
}

/** WeightLimit: Unlimited (0) or Limited(Weight{Compact<u64>, Compact<u64>}) (1). */
export function weightLimit(r: Reader, ins: Instruction): void {
  const v = r.u8();
  if (v == 1) { ins.limited = true; ins.refTime = r.compactU64(); ins.proofSize = r.compactU64(); }
  else if (v != 0) r.fail("bad WeightLimit");
}

function instruction(r: Reader, depth: i32): Instruction {
  const ins = new Instruction();
  const v = r.u8();
  ins.kind = v;
  switch (v) {
    case 0: case 1: case 2: ins.assets = assets(r); break;
    case 4: assets(r); location(r); break;
    case 5: assets(r); location(r); program(r, depth + 1); break;
    case 7: case 9: r.compactU32(); r.compactU32(); r.compactU32(); break;
    case 8: r.compactU32(); break;
    case 10: case 20: case 23: case 45: break;
    case 13: assetFilter(r, ins); ins.beneficiary = location(r); break;
    case 14: case 16: case 17: { const skip = new Instruction(); assetFilter(r, skip); location(r); program(r, depth + 1); break; }
    case 19: ins.fees = asset(r); weightLimit(r, ins); break;
    case 25: r.compactU64(); break;
    case 44: ins.topic = r.bytes(32); break;
    default: r.fail("unknown instruction");
  }
  return ins;
}

/** Xcm<Call>: Vec<Instruction>, at most 100 instructions in one program and in an outermost program with all
 *  the programs nested in it together (Polkadot's `instructions_count`, as xcmp/xcm.py), which also bounds the
 *  nesting. `r.xcmInstructions` counts them for the outermost program being decoded. */
export function program(r: Reader, depth: i32 = 0): Array<Instruction> {
  const out = new Array<Instruction>();
  if (depth == 0) r.xcmInstructions = 0;
  const n = r.len();
  r.xcmInstructions += n;
  if (n > MAX_INSTRUCTIONS_TO_DECODE || r.xcmInstructions > MAX_INSTRUCTIONS_TO_DECODE) {
    r.fail("too many instructions");
    return out;
  }
  for (let i = 0; i < n && !r.err; i++) out.push(instruction(r, depth));
  return out;
}

/** VersionedXcm: only V4 (index 4) decodes. */
export function versionedXcm(r: Reader): Array<Instruction> {
  if (r.u8() != 4) { r.fail("unsupported XCM version"); return []; }
  return program(r);
}

// -- encoders -----------------------------------------------------------------------------------------

/** Asset{id: {parents, Here}, fun: Fungible(amount)} */
export function encodeNativeAsset(w: Writer, parents: u32, amount: U128): void {
  w.u8(parents).u8(0).u8(0).compact128(amount);
}
