;; Hashes the whole PoV: blake2_256 of block_data through the host (`ext_hashing_blake2_256_version_1`),
;; returned as head_data. For measuring the executor's cost per MiB of PoV when the PVF reads all of it.
;; Expects an empty parent_head; block_data's Compact length may use the 1-, 2- or 4-byte mode.
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (import "env" "ext_hashing_blake2_256_version_1" (func $blake2_256 (param i64) (result i32)))
  (import "env" "memory" (memory 1))
  (global (export "__heap_base") i32 (i32.const 1024))

  (func (export "validate_block") (param $p i32) (param $len i32) (result i64)
    (local $b0 i32) (local $data i32) (local $n i32) (local $digest i32) (local $out i32) (local $i i32)
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0)) (then unreachable))
    (local.set $b0 (i32.load8_u offset=1 (local.get $p)))
    (block $parsed
      (if (i32.eqz (i32.and (local.get $b0) (i32.const 3)))
        (then (local.set $n (i32.shr_u (local.get $b0) (i32.const 2)))
              (local.set $data (i32.add (local.get $p) (i32.const 2))) (br $parsed)))
      (if (i32.eq (i32.and (local.get $b0) (i32.const 3)) (i32.const 1))
        (then (local.set $n (i32.shr_u (i32.load16_u offset=1 (local.get $p)) (i32.const 2)))
              (local.set $data (i32.add (local.get $p) (i32.const 3))) (br $parsed)))
      (if (i32.eq (i32.and (local.get $b0) (i32.const 3)) (i32.const 2))
        (then (local.set $n (i32.shr_u (i32.load offset=1 (local.get $p)) (i32.const 2)))
              (local.set $data (i32.add (local.get $p) (i32.const 5))) (br $parsed)))
      unreachable)
    (local.set $digest
      (call $blake2_256 (i64.or (i64.extend_i32_u (local.get $data))
                                (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 32)))))
    ;; Compact(32) = 0x80 ++ digest | None | [] | [] | 0u32 | 0u32: 44 bytes
    (local.set $out (call $malloc (i32.const 44)))
    (i32.store8 (local.get $out) (i32.const 0x80))
    (loop $copy
      (i64.store offset=1 (i32.add (local.get $out) (local.get $i))
                 (i64.load (i32.add (local.get $digest) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $copy (i32.lt_u (local.get $i) (i32.const 32))))
    (i64.store offset=33 (local.get $out) (i64.const 0))
    (i32.store offset=40 (local.get $out) (i32.const 0))
    (i64.or (i64.extend_i32_u (local.get $out)) (i64.shl (i64.const 44) (i64.const 32)))))
