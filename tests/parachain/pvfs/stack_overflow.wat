;; Unbounded recursion: every call waits on the next one, until the Wasm stack is exhausted.
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func $deeper (param $n i64) (result i64)
    (i64.add (call $deeper (i64.add (local.get $n) (i64.const 1))) (local.get $n)))
  (func (export "validate_block") (param i32 i32) (result i64)
    (call $deeper (i64.const 0))))
