// The Substrate trie, state version 1 (SPEC.md "Trie"; mirrors relaychain/trie/codec.py and root.py):
// the root of a sorted key/value list built like trie-root's streaming builder, and a read-proof walk
// from a root through the proof's nodes.

import { blake2_256 } from "./host";
import { Reader, Writer, toHex } from "./scale";

const LEAF: u32 = 0x40, BRANCH_NO_VALUE: u32 = 0x80, BRANCH_WITH_VALUE: u32 = 0xC0;
const HASHED_VALUE_LEAF: u32 = 0x20, HASHED_VALUE_BRANCH: u32 = 0x10;
const VALUE_NODE_THRESHOLD = 33;

function nibblesOf(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i] >> 4;
    out[2 * i + 1] = key[i] & 15;
  }
  return out;
}

function header(w: Writer, base: u32, bits: u32, count: i32): void {
  if (count > 0xFFFF) throw new Error("trie: partial key too long");
  const mask: u32 = (<u32>1 << bits) - 1;
  if (<u32>count < mask) { w.u8(base | <u32>count); return; }
  w.u8(base | mask);
  let rest = <u32>count - mask;
  while (rest >= 255) { w.u8(255); rest -= 255; }
  w.u8(rest);
}

function partial(w: Writer, nib: Uint8Array, from: i32, to: i32): void {
  let i = from;
  if ((to - from) & 1) { w.u8(nib[i]); i++; }
  for (; i < to; i += 2) w.u8((<u32>nib[i] << 4) | nib[i + 1]);
}

class Builder {
  constructor(public keys: Array<Uint8Array>, public values: Array<Uint8Array>) {}

  /** Append the value part; return whether it is hashed. */
  value(w: Writer, v: Uint8Array): void {
    if (v.length >= VALUE_NODE_THRESHOLD) w.bytes(blake2_256(v));
    else w.vecBytes(v);
  }

  reference(w: Writer, encoded: Uint8Array): void {
    if (encoded.length < 32) w.vecBytes(encoded);
    else { w.u8(0x80); w.bytes(blake2_256(encoded)); }
  }

  build(lo: i32, hi: i32, depth: i32): Uint8Array {
    const keys = this.keys;
    const first = keys[lo];
    const w = new Writer(64);
    if (hi - lo == 1) {
      const v = this.values[lo];
      const hashed = v.length >= VALUE_NODE_THRESHOLD;
      header(w, hashed ? HASHED_VALUE_LEAF : LEAF, hashed ? 5 : 6, first.length - depth);
      partial(w, first, depth, first.length);
      this.value(w, v);
      return w.finish();
    }
    const last = keys[hi - 1];
    let end = depth;
    const limit = first.length < last.length ? first.length : last.length;
    while (end < limit && first[end] == last[end]) end++;
    let hasValue = false;
    let start = lo;
    if (first.length == end) { hasValue = true; start = lo + 1; }
    // Children first (into their own buffer), since the bitmap precedes them.
    const children = new Writer(256);
    let bitmap: u32 = 0;
    let i = start;
    while (i < hi) {
      const nibble = keys[i][end];
      let j = i + 1;
      while (j < hi && keys[j][end] == nibble) j++;
      bitmap |= 1 << nibble;
      this.reference(children, this.build(i, j, end + 1));
      i = j;
    }
    if (hasValue) {
      const v = this.values[lo];
      const hashed = v.length >= VALUE_NODE_THRESHOLD;
      header(w, hashed ? HASHED_VALUE_BRANCH : BRANCH_WITH_VALUE, hashed ? 4 : 6, end - depth);
    } else {
      header(w, BRANCH_NO_VALUE, 6, end - depth);
    }
    partial(w, first, depth, end);
    w.u8(bitmap & 0xFF).u8(bitmap >> 8);
    if (hasValue) this.value(w, this.values[lo]);
    w.bytes(children.finish());
    return w.finish();
  }
}

/** blake2_256 of the root node of `keys` (strictly ascending) -> `values` under state version 1. */
export function trieRoot(keys: Array<Uint8Array>, values: Array<Uint8Array>): Uint8Array {
  if (keys.length == 0) { const e = new Uint8Array(1); return blake2_256(e); }
  const nib = new Array<Uint8Array>(keys.length);
  for (let i = 0; i < keys.length; i++) nib[i] = nibblesOf(keys[i]);
  return blake2_256(new Builder(nib, values).build(0, keys.length, 0));
}

let keysForSort: Array<Uint8Array> = [];

function trieRootOrdered(keys: Array<Uint8Array>, values: Array<Uint8Array>, order: Array<i32>): Uint8Array {
  const k = new Array<Uint8Array>(keys.length), v = new Array<Uint8Array>(keys.length);
  for (let i = 0; i < keys.length; i++) { k[i] = keys[order[i]]; v[i] = values[order[i]]; }
  return trieRoot(k, v);
}

/** ordered_trie_root: keys Compact<u32>(index), values as given (SPEC.md §1). */
export function orderedRoot(values: Array<Uint8Array>): Uint8Array {
  const keys = new Array<Uint8Array>(values.length);
  for (let i = 0; i < values.length; i++) keys[i] = new Writer(5).compact(<u64>i).finish();
  keysForSort = keys;
  const order = new Array<i32>(values.length);
  for (let i = 0; i < values.length; i++) order[i] = i;
  order.sort((a: i32, b: i32): i32 => {
    const ka = keysForSort[a], kb = keysForSort[b];
    const n = ka.length < kb.length ? ka.length : kb.length;
    for (let i = 0; i < n; i++) if (ka[i] != kb[i]) return <i32>ka[i] - <i32>kb[i];
    return ka.length - kb.length;
  });
  return trieRootOrdered(keys, values, order);
}

/** The nodes of a storage proof, by hash. */
export class ProofDb {
  nodes: Map<string, Uint8Array> = new Map();
  constructor(nodes: Array<Uint8Array>) {
    for (let i = 0; i < nodes.length; i++) this.nodes.set(toHex(blake2_256(nodes[i])), nodes[i]);
  }

  get(hash: Uint8Array, what: string): Uint8Array {
    const h = toHex(hash);
    if (!this.nodes.has(h)) throw new Error("relay proof: " + what + " missing (0x" + h + ")");
    return this.nodes.get(h);
  }
}

/** The value at `key` in the trie with root `root`, or null if absent; a node the walk needs that the
 *  proof lacks fails the block. */
export function readProof(db: ProofDb, root: Uint8Array, key: Uint8Array): Uint8Array | null {
  const nib = nibblesOf(key);
  let at = 0;
  let node = db.get(root, "node");
  while (true) {
    if (node.length == 1 && node[0] == 0) return null; // the empty trie
    const r = new Reader(node, "relay proof node");
    const first = r.u8();
    let kind: i32, bits: u32;
    if ((first >> 6) == 1) { kind = 0; bits = 6; }            // leaf
    else if ((first >> 6) == 2) { kind = 1; bits = 6; }       // branch without value
    else if ((first >> 6) == 3) { kind = 2; bits = 6; }       // branch with value
    else if ((first >> 5) == 1) { kind = 3; bits = 5; }       // hashed-value leaf
    else if ((first >> 4) == 1) { kind = 4; bits = 4; }       // hashed-value branch
    else throw new Error("relay proof: invalid node header");
    const mask: u32 = (1 << bits) - 1;
    let count = <i32>(first & mask);
    if (<u32>count == mask) {
      while (true) {
        const b = r.u8();
        count += <i32>b;
        if (count > 0xFFFF) throw new Error("relay proof: nibble count too large");
        if (b < 255) break;
      }
    }
    const pbytes = r.bytes((count + 1) >> 1);
    // Compare the partial key with the key's next nibbles.
    let matches = at + count <= nib.length;
    for (let i = 0; matches && i < count; i++) {
      const pi = (count & 1) ? i + 1 : i;
      const n = (pi & 1) ? pbytes[pi >> 1] & 15 : pbytes[pi >> 1] >> 4;
      if (n != nib[at + i]) matches = false;
    }
    if ((count & 1) && (pbytes[0] >> 4) != 0) throw new Error("relay proof: bad partial key padding");
    if (!matches) return null;
    at += count;
    const isLeaf = kind == 0 || kind == 3;
    let bitmap: u32 = 0;
    if (!isLeaf) {
      bitmap = r.u8() | (r.u8() << 8);
      if (bitmap == 0) throw new Error("relay proof: branch without children");
    }
    // A hashed value is fetched only if it is the one asked for: a walk passing a branch does not need it.
    let value: Uint8Array | null = null;
    let valueHash: Uint8Array | null = null;
    if (kind == 3 || kind == 4) valueHash = r.bytes(32);
    else if (kind == 0 || kind == 2) value = r.vecBytes();
    if (isLeaf && at != nib.length) return null;
    if (at == nib.length) return valueHash !== null ? db.get(valueHash!, "value node") : value;
    const want = nib[at];
    at++;
    let child: Uint8Array | null = null;
    for (let i: u32 = 0; i < 16; i++) {
      if (!((bitmap >> i) & 1)) continue;
      const ref = r.vecBytes();
      if (ref.length == 0 || ref.length > 32) throw new Error("relay proof: bad child reference");
      if (i == want) { child = ref; break; }
    }
    if (child === null) return null;
    const c = child!;
    node = c.length == 32 ? db.get(c, "node") : c;
  }
}

