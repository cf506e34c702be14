;; Traps at once: `validate_block` executes `unreachable` (what a Rust PVF's panic compiles to).
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    unreachable))
