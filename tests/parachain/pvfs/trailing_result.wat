;; Returns a well-formed ValidationResult (empty head, no messages) followed by one extra byte.
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  ;; head_data [] | None | [] | [] | 0u32 | 0u32 | trailing 0x2a
  (data (i32.const 16) "\00\00\00\00\00\00\00\00\00\00\00\00\2a")
  (func (export "validate_block") (param i32 i32) (result i64)
    (i64.or (i64.const 16) (i64.shl (i64.const 13) (i64.const 32)))))
