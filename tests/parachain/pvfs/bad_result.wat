;; Returns 4 in-bounds bytes that are not a ValidationResult: head_data claims 63 bytes (0xfc) but
;; only three follow.
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 16) "\fc\01\02\03")
  (func (export "validate_block") (param i32 i32) (result i64)
    (i64.or (i64.const 16) (i64.shl (i64.const 4) (i64.const 32)))))
