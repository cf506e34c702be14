;; Checks a signature with the host: parent_head = Compact(2) ++ [scheme, mode], scheme 0 sr25519
;; (ext_crypto_sr25519_verify_version_2), 1 ed25519 (ext_crypto_ed25519_verify_version_1); block_data in
;; the 4-byte Compact mode = signature (64) ++ public key (32) ++ message.
;; mode 0 passes the real pointers; 1 a signature pointer past the memory's end; 2 a public key pointer
;; past it; 3 a message length running past it.
;; Returns ValidationResult { head_data: [verdict], None, [], [], 0, 0 }.
(module
  (import "env" "ext_crypto_sr25519_verify_version_2" (func $sr (param i32 i64 i32) (result i32)))
  (import "env" "ext_crypto_ed25519_verify_version_1" (func $ed (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))

  (func (export "validate_block") (param $p i32) (param $len i32) (result i64)
    (local $scheme i32) (local $mode i32) (local $data i32) (local $n i32)
    (local $sig i32) (local $pub i32) (local $msg i64) (local $verdict i32)
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 8)) (then unreachable))
    (local.set $scheme (i32.load8_u offset=1 (local.get $p)))
    (local.set $mode (i32.load8_u offset=2 (local.get $p)))
    (if (i32.ne (i32.and (i32.load8_u offset=3 (local.get $p)) (i32.const 3)) (i32.const 2)) (then unreachable))
    (local.set $n (i32.shr_u (i32.load offset=3 (local.get $p)) (i32.const 2)))
    (local.set $data (i32.add (local.get $p) (i32.const 7)))
    (if (i32.lt_u (local.get $n) (i32.const 96)) (then unreachable))
    (local.set $sig (local.get $data))
    (local.set $pub (i32.add (local.get $data) (i32.const 64)))
    (local.set $msg (i64.or (i64.extend_i32_u (i32.add (local.get $data) (i32.const 96)))
                            (i64.shl (i64.extend_i32_u (i32.sub (local.get $n) (i32.const 96))) (i64.const 32))))
    (if (i32.eq (local.get $mode) (i32.const 1)) (then (local.set $sig (i32.const 0xFFFFFFE0))))
    (if (i32.eq (local.get $mode) (i32.const 2)) (then (local.set $pub (i32.const 0x7FFFFFF0))))
    (if (i32.eq (local.get $mode) (i32.const 3))
      (then (local.set $msg (i64.or (i64.extend_i32_u (local.get $data)) (i64.shl (i64.const 0x1000000) (i64.const 32))))))
    (if (i32.eqz (local.get $scheme))
      (then (local.set $verdict (call $sr (local.get $sig) (local.get $msg) (local.get $pub))))
      (else (local.set $verdict (call $ed (local.get $sig) (local.get $msg) (local.get $pub)))))
    ;; Compact(1) ++ [verdict] | None | [] | [] | 0 u32 | 0 u32
    (i32.store8 (i32.const 512) (i32.const 4))
    (i32.store8 (i32.const 513) (local.get $verdict))
    (i32.store8 (i32.const 514) (i32.const 0))
    (i32.store8 (i32.const 515) (i32.const 0))
    (i32.store8 (i32.const 516) (i32.const 0))
    (i32.store (i32.const 517) (i32.const 0))
    (i32.store (i32.const 521) (i32.const 0))
    (i64.or (i64.const 512) (i64.shl (i64.const 13) (i64.const 32)))))
