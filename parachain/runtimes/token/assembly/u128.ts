// Unsigned 128-bit balances as two u64 halves (AssemblyScript has no u128). Overflow and underflow are
// never silent: callers check with `lt` first, `add` fails the block on overflow.

export class U128 {
  constructor(public lo: u64 = 0, public hi: u64 = 0) {}

  static from(v: u64): U128 { return new U128(v, 0); }

  isZero(): bool { return this.lo == 0 && this.hi == 0; }

  lt(o: U128): bool { return this.hi < o.hi || (this.hi == o.hi && this.lo < o.lo); }

  eq(o: U128): bool { return this.hi == o.hi && this.lo == o.lo; }

  /** this + o, or null on overflow. */
  tryAdd(o: U128): U128 | null {
    const lo = this.lo + o.lo;
    const carry: u64 = lo < this.lo ? 1 : 0;
    const hi1 = this.hi + o.hi;
    if (hi1 < this.hi) return null;
    const hi = hi1 + carry;
    if (hi < hi1) return null;
    return new U128(lo, hi);
  }

  add(o: U128): U128 {
    const lo = this.lo + o.lo;
    const carry: u64 = lo < this.lo ? 1 : 0;
    const hi1 = this.hi + o.hi;
    if (hi1 < this.hi) throw new Error("balance overflow");
    const hi = hi1 + carry;
    if (hi < hi1) throw new Error("balance overflow");
    return new U128(lo, hi);
  }

  /** this - o; the caller has checked o <= this. */
  sub(o: U128): U128 {
    if (this.lt(o)) throw new Error("balance underflow");
    const lo = this.lo - o.lo;
    const borrow: u64 = this.lo < o.lo ? 1 : 0;
    return new U128(lo, this.hi - o.hi - borrow);
  }

  min(o: U128): U128 { return this.lt(o) ? this : o; }
}
