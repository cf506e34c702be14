;; The "adder" test parachain's validation function (PVF), written by hand in WebAssembly text.
;;
;; Same rules and bytes as polkadot-sdk `polkadot/parachain/test-parachains/adder/src/{lib.rs,
;; wasm_validation.rs}` (parachains spec §12):
;;
;;   HeadData  = { number: u64, parent_hash: [u8; 32], post_state: [u8; 32] }   (72 bytes, SCALE)
;;   BlockData = { state: u64, add: u64 }                                       (16 bytes, SCALE)
;;   hash      = keccak-256 (host function `ext_hashing_keccak_256_version_1`)
;;
;;   validate_block(params):
;;     decode ValidationParams; decode HeadData from parent_head and BlockData from block_data
;;     (trailing bytes after either are ignored, as `Decode::decode` ignores them);
;;     parent_hash = keccak(parent_head bytes); assert parent_hash == keccak(SCALE(HeadData));
;;     assert keccak(SCALE(block.state)) == parent.post_state;
;;     new head = { parent.number + 1, parent_hash, keccak(SCALE(state +wrapping add)) };
;;     return ValidationResult { head_data: SCALE(new head), new_validation_code: None,
;;       upward_messages: [], horizontal_messages: [], processed_downward_messages: 0,
;;       hrmp_watermark: relay_parent_number }.
;;
;; Every place where the Rust code panics (`expect`, `assert_eq!`) executes `unreachable` (a trap).
;; Block numbers wrap at 2^64 like the release-built Rust Wasm (no overflow checks).
;; Linear memory is imported (`env.memory`), as Substrate-built PVFs do; the host allocator works
;; above `__heap_base`; bytes 0..1024 are this module's scratch space.
(module
  (import "env" "memory" (memory 1))
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (import "env" "ext_hashing_keccak_256_version_1" (func $keccak_256 (param i64) (result i32)))

  (global $heap_base i32 (i32.const 1024))
  (export "__heap_base" (global $heap_base))

  ;; SCALE input cursor over the params: bytes [$cur, $end).
  (global $cur (mut i32) (i32.const 0))
  (global $end (mut i32) (i32.const 0))

  ;; 8 bytes of scratch for encoding a u64 state before hashing it.
  (global $scratch i32 (i32.const 16))

  ;; Trap unless at least $n input bytes remain (the decoder's "not enough data").
  (func $need (param $n i32)
    (if (i32.gt_u (local.get $n) (i32.sub (global.get $end) (global.get $cur)))
      (then unreachable)))

  ;; Compact<u32>, canonical only (parity-scale-codec rejects over-long encodings).
  (func $compact_u32 (result i32)
    (local $b0 i32) (local $v i32)
    (call $need (i32.const 1))
    (local.set $b0 (i32.load8_u (global.get $cur)))
    (block $done
      (block $mode3
        (block $mode2
          (block $mode1
            (block $mode0
              (br_table $mode0 $mode1 $mode2 $mode3 (i32.and (local.get $b0) (i32.const 3))))
            ;; 0b00: the value is in the upper six bits of one byte
            (local.set $v (i32.shr_u (local.get $b0) (i32.const 2)))
            (global.set $cur (i32.add (global.get $cur) (i32.const 1)))
            (br $done))
          ;; 0b01: two bytes, value in 64 ..= 2^14 - 1
          (call $need (i32.const 2))
          (local.set $v (i32.shr_u (i32.load16_u (global.get $cur)) (i32.const 2)))
          (if (i32.lt_u (local.get $v) (i32.const 64)) (then unreachable))
          (global.set $cur (i32.add (global.get $cur) (i32.const 2)))
          (br $done))
        ;; 0b10: four bytes, value in 2^14 ..= 2^30 - 1
        (call $need (i32.const 4))
        (local.set $v (i32.shr_u (i32.load (global.get $cur)) (i32.const 2)))
        (if (i32.lt_u (local.get $v) (i32.const 16384)) (then unreachable))
        (global.set $cur (i32.add (global.get $cur) (i32.const 4)))
        (br $done))
      ;; 0b11: big-integer mode; a u32 allows exactly four following bytes holding >= 2^30
      (if (i32.ne (local.get $b0) (i32.const 3)) (then unreachable))
      (call $need (i32.const 5))
      (local.set $v (i32.load offset=1 (global.get $cur)))
      (if (i32.lt_u (local.get $v) (i32.const 0x40000000)) (then unreachable))
      (global.set $cur (i32.add (global.get $cur) (i32.const 5))))
    (local.get $v))

  ;; keccak-256 of memory [ptr, ptr+len) through the host; returns a pointer to 32 bytes.
  (func $keccak (param $ptr i32) (param $len i32) (result i32)
    (call $keccak_256
      (i64.or (i64.extend_i32_u (local.get $ptr))
              (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32)))))

  (func $eq32 (param $a i32) (param $b i32) (result i32)
    (i32.and
      (i32.and (i64.eq (i64.load offset=0 (local.get $a)) (i64.load offset=0 (local.get $b)))
               (i64.eq (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b))))
      (i32.and (i64.eq (i64.load offset=16 (local.get $a)) (i64.load offset=16 (local.get $b)))
               (i64.eq (i64.load offset=24 (local.get $a)) (i64.load offset=24 (local.get $b))))))

  (func $copy32 (param $dst i32) (param $src i32)
    (i64.store offset=0 (local.get $dst) (i64.load offset=0 (local.get $src)))
    (i64.store offset=8 (local.get $dst) (i64.load offset=8 (local.get $src)))
    (i64.store offset=16 (local.get $dst) (i64.load offset=16 (local.get $src)))
    (i64.store offset=24 (local.get $dst) (i64.load offset=24 (local.get $src))))

  ;; keccak(SCALE(state)): a u64 encodes as its 8 little-endian bytes.
  (func $hash_state (param $state i64) (result i32)
    (i64.store (global.get $scratch) (local.get $state))
    (call $keccak (global.get $scratch) (i32.const 8)))

  (func $validate_block (export "validate_block") (param $params i32) (param $len i32) (result i64)
    (local $head i32) (local $head_len i32)
    (local $block i32) (local $block_len i32)
    (local $relay_parent_number i32)
    (local $parent_hash i32) (local $state i64) (local $new_state_hash i32)
    (local $out i32)

    ;; ValidationParams { parent_head, block_data, relay_parent_number, relay_parent_storage_root }
    (global.set $cur (local.get $params))
    (global.set $end (i32.add (local.get $params) (local.get $len)))
    (local.set $head_len (call $compact_u32))
    (call $need (local.get $head_len))
    (local.set $head (global.get $cur))
    (global.set $cur (i32.add (global.get $cur) (local.get $head_len)))
    (local.set $block_len (call $compact_u32))
    (call $need (local.get $block_len))
    (local.set $block (global.get $cur))
    (global.set $cur (i32.add (global.get $cur) (local.get $block_len)))
    (call $need (i32.const 36))
    (local.set $relay_parent_number (i32.load (global.get $cur)))

    ;; "invalid parent head format." / "invalid block data format."
    (if (i32.lt_u (local.get $head_len) (i32.const 72)) (then unreachable))
    (if (i32.lt_u (local.get $block_len) (i32.const 16)) (then unreachable))

    ;; parent_hash = keccak(parent_head bytes) must equal parent_head.hash() = keccak(SCALE(HeadData));
    ;; the two hash the same bytes exactly when parent_head has no trailing bytes.
    (local.set $parent_hash (call $keccak (local.get $head) (local.get $head_len)))
    (if (i32.ne (local.get $head_len) (i32.const 72))
      (then
        (if (i32.eqz (call $eq32 (local.get $parent_hash) (call $keccak (local.get $head) (i32.const 72))))
          (then unreachable))))

    ;; StateMismatch: the block's starting state must hash to the parent's post_state.
    (local.set $state (i64.load (local.get $block)))
    (if (i32.eqz (call $eq32 (call $hash_state (local.get $state)) (i32.add (local.get $head) (i32.const 40))))
      (then unreachable))
    (local.set $new_state_hash
      (call $hash_state (i64.add (local.get $state) (i64.load offset=8 (local.get $block)))))

    ;; SCALE(ValidationResult), 85 bytes: Compact(72) = 0x21 0x01, the new HeadData, then
    ;; None, [], [], processed_downward_messages = 0, hrmp_watermark = relay_parent_number.
    (local.set $out (call $malloc (i32.const 85)))
    (i32.store16 (local.get $out) (i32.const 0x0121))
    (i64.store offset=2 (local.get $out) (i64.add (i64.load (local.get $head)) (i64.const 1)))
    (call $copy32 (i32.add (local.get $out) (i32.const 10)) (local.get $parent_hash))
    (call $copy32 (i32.add (local.get $out) (i32.const 42)) (local.get $new_state_hash))
    (i32.store8 offset=74 (local.get $out) (i32.const 0))
    (i32.store8 offset=75 (local.get $out) (i32.const 0))
    (i32.store8 offset=76 (local.get $out) (i32.const 0))
    (i32.store offset=77 (local.get $out) (i32.const 0))
    (i32.store offset=81 (local.get $out) (local.get $relay_parent_number))
    (i64.or (i64.extend_i32_u (local.get $out)) (i64.shl (i64.const 85) (i64.const 32))))
)
