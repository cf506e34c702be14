;; Returns a result location far outside its one page of memory: ptr = 0xffff_0000, len = 100.
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    (i64.or (i64.const 0xffff0000) (i64.shl (i64.const 100) (i64.const 32)))))
