;; Asks the host allocator for 64 MiB in one request (the maximum is 32 MiB).
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    (drop (call $malloc (i32.const 0x4000000)))
    unreachable))
