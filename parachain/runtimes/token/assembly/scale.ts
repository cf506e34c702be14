// SCALE decoding and encoding (parity-scale-codec): canonical compacts only, bounds-checked reads.
// A `Reader` is strict (a malformed input fails the block) unless `soft`, in which case a malformation
// sets `err` and reads return zeros: XCM programs from other chains may be malformed without making the
// block invalid (SPEC.md §4).

import { checkBelowHostHeap } from "./heap";
import { U128 } from "./u128";

export class Reader {
  pos: i32;
  end: i32;
  err: bool = false;
  xcmInstructions: i32 = 0; // XCM decoding: instructions of the outermost program and its nested ones so far
  constructor(public buf: Uint8Array, public what: string = "input", public soft: bool = false,
              start: i32 = 0, end: i32 = -1) {
    this.pos = start;
    this.end = end < 0 ? buf.length : end;
  }

  fail(why: string): void {
    if (this.soft) { this.err = true; this.pos = this.end; return; }
    throw new Error(this.what + ": " + why);
  }

  remaining(): i32 { return this.end - this.pos; }

  need(n: i32): bool {
    if (this.err) return false;
    if (n < 0 || n > this.end - this.pos) { this.fail("not enough data"); return false; }
    return true;
  }

  u8(): u32 {
    if (!this.need(1)) return 0;
    return <u32>this.buf[this.pos++];
  }

  u32(): u32 {
    if (!this.need(4)) return 0;
    const b = this.buf, p = this.pos;
    this.pos += 4;
    return <u32>b[p] | (<u32>b[p + 1] << 8) | (<u32>b[p + 2] << 16) | (<u32>b[p + 3] << 24);
  }

  u64(): u64 {
    const lo = <u64>this.u32();
    const hi = <u64>this.u32();
    return lo | (hi << 32);
  }

  u128(): U128 {
    const lo = this.u64();
    const hi = this.u64();
    return new U128(lo, hi);
  }

  bytes(n: i32): Uint8Array {
    if (!this.need(n)) return new Uint8Array(n < 0 ? 0 : n);
    const out = this.buf.slice(this.pos, this.pos + n);
    checkBelowHostHeap(out.dataStart, n);
    this.pos += n;
    return out;
  }

  skip(n: i32): void {
    if (this.need(n)) this.pos += n;
  }

  /** A compact integer of at most `maxBytes` bytes in big-integer mode; returns [lo, hi] halves. */
  private compactWide(maxBytes: i32): U128 {
    const first = this.u8();
    if (this.err) return new U128();
    const mode = first & 3;
    if (mode == 0) return U128.from(<u64>(first >> 2));
    if (mode == 1) {
      const v = (first | (this.u8() << 8)) >> 2;
      if (v < 64) this.fail("non-canonical compact");
      return U128.from(<u64>v);
    }
    if (mode == 2) {
      const v = (first | (this.u8() << 8) | (this.u8() << 16) | (this.u8() << 24)) >>> 2;
      if (v < 16384) this.fail("non-canonical compact");
      return U128.from(<u64>v);
    }
    const len = <i32>(first >> 2) + 4;
    if (len > maxBytes) { this.fail("compact out of range"); return new U128(); }
    if (!this.need(len)) return new U128();
    let lo: u64 = 0, hi: u64 = 0;
    for (let i = 0; i < len; i++) {
      const b = <u64>this.buf[this.pos + i];
      if (i < 8) lo |= b << (<u64>(i * 8)); else hi |= b << (<u64>((i - 8) * 8));
    }
    const top = this.buf[this.pos + len - 1];
    this.pos += len;
    if (len == 4 && lo < 0x40000000) this.fail("non-canonical compact");
    if (len > 4 && top == 0) this.fail("non-canonical compact");
    return new U128(lo, hi);
  }

  compactU32(): u32 { return <u32>this.compactWide(4).lo; }
  compactU64(): u64 { return this.compactWide(8).lo; }
  compactU128(): U128 { return this.compactWide(16); }

  /** Compact<u32> used as a length or count. */
  len(): i32 {
    const n = this.compactU32();
    if (n > 0x7FFFFFFF) { this.fail("length too large"); return 0; }
    return <i32>n;
  }

  vecBytes(): Uint8Array { return this.bytes(this.len()); }

  done(): void {
    if (!this.err && this.pos != this.end) this.fail((this.end - this.pos).toString() + " trailing bytes");
  }
}

export class Writer {
  buf: Uint8Array;
  len: i32 = 0;
  constructor(cap: i32 = 64) { this.buf = new Uint8Array(cap); }

  private ensure(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    checkBelowHostHeap(nb.dataStart, cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  u8(v: u32): Writer { this.ensure(1); this.buf[this.len++] = <u8>v; return this; }

  u32(v: u32): Writer {
    this.ensure(4);
    for (let i = 0; i < 4; i++) this.buf[this.len++] = <u8>(v >> (<u32>(8 * i)));
    return this;
  }

  u64(v: u64): Writer {
    this.ensure(8);
    for (let i = 0; i < 8; i++) this.buf[this.len++] = <u8>(v >> (<u64>(8 * i)));
    return this;
  }

  u128(v: U128): Writer { return this.u64(v.lo).u64(v.hi); }

  bytes(b: Uint8Array): Writer {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  compact(v: u64): Writer { return this.compact128(U128.from(v)); }

  compact128(v: U128): Writer {
    if (v.hi == 0 && v.lo < 64) return this.u8(<u32>(v.lo << 2));
    if (v.hi == 0 && v.lo < 16384) { const x = <u32>(v.lo << 2) | 1; return this.u8(x & 0xFF).u8(x >> 8); }
    if (v.hi == 0 && v.lo < 0x40000000) return this.u32(<u32>(v.lo << 2) | 2);
    let n = 16;
    while (n > 4) {
      const b = n - 1;
      const byte = b < 8 ? (v.lo >> (<u64>(b * 8))) & 0xFF : (v.hi >> (<u64>((b - 8) * 8))) & 0xFF;
      if (byte != 0) break;
      n--;
    }
    this.u8(<u32>(((n - 4) << 2) | 3));
    for (let i = 0; i < n; i++) {
      const byte = i < 8 ? (v.lo >> (<u64>(i * 8))) & 0xFF : (v.hi >> (<u64>((i - 8) * 8))) & 0xFF;
      this.u8(<u32>byte);
    }
    return this;
  }

  vecBytes(b: Uint8Array): Writer { return this.compact(<u64>b.length).bytes(b); }

  finish(): Uint8Array { return this.buf.slice(0, this.len); }
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function bytesEq(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

/** -1, 0, 1 as a < b in byte order. */
export function bytesCmp(a: Uint8Array, b: Uint8Array): i32 {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const HEX = "0123456789abcdef";

export function toHex(b: Uint8Array): string {
  let parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) {
    parts[i] = HEX.charAt(b[i] >> 4) + HEX.charAt(b[i] & 15);
  }
  return parts.join("");
}

export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) {
    out[i] = <u8>((hexVal(s.charCodeAt(2 * i)) << 4) | hexVal(s.charCodeAt(2 * i + 1)));
  }
  return out;
}

function hexVal(c: i32): i32 { return c <= 57 ? c - 48 : c - 87; }

export function u32le(v: u32): Uint8Array { return new Writer(4).u32(v).finish(); }

export function zero32(): Uint8Array { return new Uint8Array(32); }
