// The para's state during one block: the parent state (checked against the parent head's state root)
// plus this block's writes, with a journal so a failed dispatch or XCM program rolls back (SPEC.md §3-§4);
// and the block's events.

import { blake2_128, twox_64, twox_128 } from "./host";
import { Reader, Writer, bytesCmp, concat, fromHex, toHex, u32le } from "./scale";
import { U128 } from "./u128";

class JournalEntry {
  constructor(public key: string, public had: bool, public old: Uint8Array | null) {}
}

export class Overlay {
  map: Map<string, Uint8Array> = new Map();
  journal: Array<JournalEntry> = [];

  get(key: Uint8Array): Uint8Array | null {
    const k = toHex(key);
    return this.map.has(k) ? this.map.get(k) : null;
  }

  private record(k: string): void {
    const had = this.map.has(k);
    this.journal.push(new JournalEntry(k, had, had ? this.map.get(k) : null));
  }

  set(key: Uint8Array, value: Uint8Array): void {
    const k = toHex(key);
    this.record(k);
    this.map.set(k, value);
  }

  del(key: Uint8Array): void {
    const k = toHex(key);
    if (!this.map.has(k)) return;
    this.record(k);
    this.map.delete(k);
  }

  savepoint(): i32 { return this.journal.length; }

  rollback(sp: i32): void {
    while (this.journal.length > sp) {
      const e = this.journal.pop();
      if (e.had) this.map.set(e.key, e.old!); else this.map.delete(e.key);
    }
  }

  /** Every (key, value), keys ascending. */
  sortedKeys(): Array<string> {
    const keys = this.map.keys();
    keys.sort((a: string, b: string): i32 => (a < b ? -1 : a > b ? 1 : 0));
    return keys;
  }
}

function strBytes(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

export function prefix(pallet: string, item: string): Uint8Array {
  return concat(twox_128(strBytes(pallet)), twox_128(strBytes(item)));
}

export function twox64Concat(data: Uint8Array): Uint8Array { return concat(twox_64(data), data); }
export function blake2_128Concat(data: Uint8Array): Uint8Array { return concat(blake2_128(data), data); }

/** FRAME storage keys (SPEC.md §2), computed once per validation. */
export class Keys {
  account: Uint8Array = prefix("System", "Account");
  number: Uint8Array = prefix("System", "Number");
  parentHash: Uint8Array = prefix("System", "ParentHash");
  blockHash: Uint8Array = prefix("System", "BlockHash");
  events: Uint8Array = prefix("System", "Events");
  eventCount: Uint8Array = prefix("System", "EventCount");
  totalIssuance: Uint8Array = prefix("Balances", "TotalIssuance");
  parachainId: Uint8Array = prefix("ParachainInfo", "ParachainId");
  lastRelayNumber: Uint8Array = prefix("ParachainSystem", "LastRelayChainBlockNumber");
  lastDmqHead: Uint8Array = prefix("ParachainSystem", "LastDmqMqcHead");
  lastHrmpHeads: Uint8Array = prefix("ParachainSystem", "LastHrmpMqcHeads");
  pendingUpward: Uint8Array = prefix("ParachainSystem", "PendingUpwardMessages");
  outboundXcmp: Uint8Array = prefix("XcmpQueue", "OutboundXcmpMessages");

  accountKey(who: Uint8Array): Uint8Array { return concat(this.account, blake2_128Concat(who)); }
  blockHashKey(n: u32): Uint8Array { return concat(this.blockHash, twox64Concat(u32le(n))); }
  outboundKey(para: u32): Uint8Array { return concat(this.outboundXcmp, twox64Concat(u32le(para))); }
}

export const FLAGS_NEW_LOGIC_HI: u64 = 0x8000000000000000;

/** frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>> (80 bytes). */
export class AccountInfo {
  nonce: u32 = 0;
  consumers: u32 = 0;
  providers: u32 = 0;
  sufficients: u32 = 0;
  free: U128 = new U128();
  reserved: U128 = new U128();
  frozen: U128 = new U128();
  flags: U128 = new U128(0, FLAGS_NEW_LOGIC_HI);

  static decode(raw: Uint8Array): AccountInfo {
    const r = new Reader(raw, "System.Account");
    const a = new AccountInfo();
    a.nonce = r.u32(); a.consumers = r.u32(); a.providers = r.u32(); a.sufficients = r.u32();
    a.free = r.u128(); a.reserved = r.u128(); a.frozen = r.u128(); a.flags = r.u128();
    r.done();
    return a;
  }

  encode(): Uint8Array {
    return new Writer(80).u32(this.nonce).u32(this.consumers).u32(this.providers).u32(this.sufficients)
      .u128(this.free).u128(this.reserved).u128(this.frozen).u128(this.flags).finish();
  }
}

export function u32Value(raw: Uint8Array | null, what: string): u32 {
  if (raw === null) return 0;
  const r = new Reader(raw!, what);
  const v = r.u32();
  r.done();
  return v;
}

export function u128Value(raw: Uint8Array | null, what: string): U128 {
  if (raw === null) return new U128();
  const r = new Reader(raw!, what);
  const v = r.u128();
  r.done();
  return v;
}

/** Keys strictly ascending (SPEC.md §6 step 2). */
export function checkAscending(keys: Array<Uint8Array>): void {
  for (let i = 1; i < keys.length; i++) {
    if (bytesCmp(keys[i - 1], keys[i]) >= 0) throw new Error("parent state: keys not strictly ascending");
  }
}

export function keyBytes(k: string): Uint8Array { return fromHex(k); }
