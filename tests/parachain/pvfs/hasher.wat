;; Hashes block_data with the host hash function chosen by parent_head[0]:
;;   0 blake2_128, 1 blake2_256, 2 keccak_256, 3 twox_64, 4 twox_128, 5 twox_256.
;; Returns ValidationResult { head_data: digest, processed_downward_messages: ext_logging_max_level(),
;; hrmp_watermark: 0 } after logging "hashed" under target "hasher" at Info level.
;; Params layout it expects: parent_head = Compact(1) ++ [selector], then block_data (Compact length
;; in the 1-, 2- or 4-byte mode) ++ bytes.
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (import "env" "ext_hashing_blake2_128_version_1" (func $blake2_128 (param i64) (result i32)))
  (import "env" "ext_hashing_blake2_256_version_1" (func $blake2_256 (param i64) (result i32)))
  (import "env" "ext_hashing_keccak_256_version_1" (func $keccak_256 (param i64) (result i32)))
  (import "env" "ext_hashing_twox_64_version_1" (func $twox_64 (param i64) (result i32)))
  (import "env" "ext_hashing_twox_128_version_1" (func $twox_128 (param i64) (result i32)))
  (import "env" "ext_hashing_twox_256_version_1" (func $twox_256 (param i64) (result i32)))
  (import "env" "ext_logging_log_version_1" (func $log (param i32 i64 i64)))
  (import "env" "ext_logging_max_level_version_1" (func $max_level (result i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 64) "hasher")
  (data (i32.const 80) "hashed")

  (func $fat (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $ptr)) (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))

  (func (export "validate_block") (param $p i32) (param $len i32) (result i64)
    (local $sel i32) (local $b0 i32) (local $data i32) (local $n i32)
    (local $digest i32) (local $dlen i32) (local $out i32) (local $i i32) (local $level i32)
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 4)) (then unreachable))
    (local.set $sel (i32.load8_u offset=1 (local.get $p)))
    (local.set $b0 (i32.load8_u offset=2 (local.get $p)))
    (block $parsed
      (if (i32.eqz (i32.and (local.get $b0) (i32.const 3)))
        (then (local.set $n (i32.shr_u (local.get $b0) (i32.const 2)))
              (local.set $data (i32.add (local.get $p) (i32.const 3)))
              (br $parsed)))
      (if (i32.eq (i32.and (local.get $b0) (i32.const 3)) (i32.const 1))
        (then (local.set $n (i32.shr_u (i32.load16_u offset=2 (local.get $p)) (i32.const 2)))
              (local.set $data (i32.add (local.get $p) (i32.const 4)))
              (br $parsed)))
      (if (i32.eq (i32.and (local.get $b0) (i32.const 3)) (i32.const 2))
        (then (local.set $n (i32.shr_u (i32.load offset=2 (local.get $p)) (i32.const 2)))
              (local.set $data (i32.add (local.get $p) (i32.const 6)))
              (br $parsed)))
      unreachable)

    (block $hashed
      (block $t256 (block $t128 (block $t64 (block $k256 (block $b256 (block $b128
        (br_table $b128 $b256 $k256 $t64 $t128 $t256 (local.get $sel))
      ) (local.set $digest (call $blake2_128 (call $fat (local.get $data) (local.get $n))))
        (local.set $dlen (i32.const 16)) (br $hashed)
      ) (local.set $digest (call $blake2_256 (call $fat (local.get $data) (local.get $n))))
        (local.set $dlen (i32.const 32)) (br $hashed)
      ) (local.set $digest (call $keccak_256 (call $fat (local.get $data) (local.get $n))))
        (local.set $dlen (i32.const 32)) (br $hashed)
      ) (local.set $digest (call $twox_64 (call $fat (local.get $data) (local.get $n))))
        (local.set $dlen (i32.const 8)) (br $hashed)
      ) (local.set $digest (call $twox_128 (call $fat (local.get $data) (local.get $n))))
        (local.set $dlen (i32.const 16)) (br $hashed)
      ) (local.set $digest (call $twox_256 (call $fat (local.get $data) (local.get $n))))
        (local.set $dlen (i32.const 32)))

    (call $log (i32.const 2) (call $fat (i32.const 64) (i32.const 6)) (call $fat (i32.const 80) (i32.const 6)))
    (local.set $level (call $max_level))

    ;; Compact(dlen) ++ digest | None | [] | [] | level u32 | 0 u32
    (local.set $out (call $malloc (i32.add (local.get $dlen) (i32.const 12))))
    (i32.store8 (local.get $out) (i32.shl (local.get $dlen) (i32.const 2)))
    (loop $copy
      (i32.store8 offset=1 (i32.add (local.get $out) (local.get $i))
                  (i32.load8_u (i32.add (local.get $digest) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $copy (i32.lt_u (local.get $i) (local.get $dlen))))
    (local.set $i (i32.add (i32.add (local.get $out) (local.get $dlen)) (i32.const 1)))
    (i32.store8 (local.get $i) (i32.const 0))
    (i32.store8 offset=1 (local.get $i) (i32.const 0))
    (i32.store8 offset=2 (local.get $i) (i32.const 0))
    (i32.store offset=3 (local.get $i) (local.get $level))
    (i32.store offset=7 (local.get $i) (i32.const 0))
    (i64.or (i64.extend_i32_u (local.get $out))
            (i64.shl (i64.extend_i32_u (i32.add (local.get $dlen) (i32.const 12))) (i64.const 32)))))
