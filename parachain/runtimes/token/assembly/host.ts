// Host functions the PVF imports (module "env", sp-io names and FFI: parachain/host_functions.py) and the
// abort handler every failed rule ends in: it logs the reason at Error level (the executor attaches it to
// the verdict) and traps, so the candidate is invalid.

@external("env", "ext_allocator_free_version_1")
declare function ext_free(ptr: i32): void;
@external("env", "ext_hashing_blake2_128_version_1")
declare function ext_blake2_128(data: i64): i32;
@external("env", "ext_hashing_blake2_256_version_1")
declare function ext_blake2_256(data: i64): i32;
@external("env", "ext_hashing_twox_64_version_1")
declare function ext_twox_64(data: i64): i32;
@external("env", "ext_hashing_twox_128_version_1")
declare function ext_twox_128(data: i64): i32;
@external("env", "ext_crypto_sr25519_verify_version_2")
declare function ext_sr25519_verify(sig: i32, msg: i64, pubkey: i32): i32;
@external("env", "ext_crypto_ed25519_verify_version_1")
declare function ext_ed25519_verify(sig: i32, msg: i64, pubkey: i32): i32;
@external("env", "ext_logging_log_version_1")
declare function ext_log(level: i32, target: i64, message: i64): void;

function fat(data: Uint8Array): i64 {
  return (<i64><u32>data.dataStart) | (<i64><u32>data.length << 32);
}

import { checkBelowHostHeap } from "./heap";

function take(ptr: i32, len: i32): Uint8Array {
  const out = new Uint8Array(len);
  checkBelowHostHeap(out.dataStart, len);
  memory.copy(out.dataStart, <usize>ptr, <usize>len);
  ext_free(ptr);
  return out;
}

export function blake2_128(data: Uint8Array): Uint8Array { return take(ext_blake2_128(fat(data)), 16); }
export function blake2_256(data: Uint8Array): Uint8Array { return take(ext_blake2_256(fat(data)), 32); }
export function twox_64(data: Uint8Array): Uint8Array { return take(ext_twox_64(fat(data)), 8); }
export function twox_128(data: Uint8Array): Uint8Array { return take(ext_twox_128(fat(data)), 16); }

export function sr25519_verify(sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array): bool {
  return ext_sr25519_verify(<i32>sig.dataStart, fat(msg), <i32>pubkey.dataStart) == 1;
}

export function ed25519_verify(sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array): bool {
  return ext_ed25519_verify(<i32>sig.dataStart, fat(msg), <i32>pubkey.dataStart) == 1;
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** `abort` (AssemblyScript's `throw` and failed assertions): log the reason, then trap. */
export function pvfAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = message !== null ? message : "abort";
  ext_log(0, fat(utf8("token-pvf")), fat(utf8(text)));
  unreachable();
}
