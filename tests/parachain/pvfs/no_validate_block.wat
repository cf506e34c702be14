;; A well-formed module that is not a PVF: its entry point is misnamed.
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_blocks") (param i32 i32) (result i64)
    (i64.const 0)))
