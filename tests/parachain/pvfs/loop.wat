;; Never returns: an empty infinite loop (stopped only by fuel or the timeout).
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    unreachable))
