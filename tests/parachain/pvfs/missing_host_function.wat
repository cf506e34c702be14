;; Imports a host function validators do not provide (storage: PVFs have none). Instantiation must
;; succeed; the import traps only if called, which happens when block_data starts with byte 1.
;; Otherwise returns ValidationResult { head_data: [0x07], .., hrmp_watermark: relay_parent_number }.
(module
  (import "env" "ext_storage_set_version_1" (func $storage_set (param i64 i64)))
  (import "env" "memory" (memory 1))
  (global (export "__heap_base") i32 (i32.const 1024))
  ;; Compact(1) 0x07 | None | [] | [] | 0u32 | (watermark written below)
  (data (i32.const 16) "\04\07\00\00\00\00\00\00\00")
  (func (export "validate_block") (param $p i32) (param $len i32) (result i64)
    ;; params: parent_head = [] (0x00), block_data = Compact(n) ++ bytes, then the relay parent
    (if (i32.eq (i32.load8_u offset=2 (local.get $p)) (i32.const 1))
      (then (call $storage_set (i64.const 0) (i64.const 0))))
    ;; relay_parent_number sits 36 bytes before the end of the params
    (i32.store offset=25 (i32.const 0)
      (i32.load (i32.sub (i32.add (local.get $p) (local.get $len)) (i32.const 36))))
    (i64.or (i64.const 16) (i64.shl (i64.const 13) (i64.const 32)))))
