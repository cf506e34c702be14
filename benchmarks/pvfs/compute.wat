;; A compute-bound PVF for measuring the executor's instruction metering (fuel) overhead.
;;
;; Expects ValidationParams with an empty parent_head and a 4-byte block_data holding N (u32 LE);
;; runs N rounds of branchy integer code that reads and writes a 64 KiB table in memory,
;; and returns a ValidationResult whose head_data is the final 8-byte accumulator.
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (memory (export "memory") 2)
  (global (export "__heap_base") i32 (i32.const 65536))

  (func (export "validate_block") (param $p i32) (param $len i32) (result i64)
    (local $n i32) (local $i i32) (local $x i64) (local $slot i32) (local $out i32)
    ;; parent_head = [] (0x00), block_data = Compact(4) (0x10) ++ N
    (if (i32.lt_u (local.get $len) (i32.const 42)) (then unreachable))
    (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x1000)) (then unreachable))
    (local.set $n (i32.load offset=2 (local.get $p)))
    ;; Branchy integer code over a 64 KiB table: the shape of decoding and state-transition loops.
    (local.set $x (i64.const 0x9e3779b97f4a7c15))
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $slot (i32.and (i32.mul (local.get $i) (i32.const 56)) (i32.const 0xfff8)))
        (if (i64.eqz (i64.and (local.get $x) (i64.const 1)))
          (then (local.set $x (i64.add (local.get $x) (i64.load (local.get $slot)))))
          (else (local.set $x (i64.xor (i64.shr_u (local.get $x) (i64.const 1))
                                       (i64.shl (i64.load (local.get $slot)) (i64.const 3))))))
        (i64.store (local.get $slot) (i64.add (local.get $x) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $round)))
    ;; head_data = Compact(8) ++ x, then None, [], [], 0u32, 0u32
    (local.set $out (call $malloc (i32.const 20)))
    (i32.store8 (local.get $out) (i32.const 0x20))
    (i64.store offset=1 (local.get $out) (local.get $x))
    (i64.store offset=9 (local.get $out) (i64.const 0))
    (i32.store offset=16 (local.get $out) (i32.const 0))
    (i64.or (i64.extend_i32_u (local.get $out)) (i64.shl (i64.const 20) (i64.const 32))))
)
