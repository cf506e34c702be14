;; Frees a pointer the allocator never returned (its header is not an occupied one).
(module
  (import "env" "ext_allocator_free_version_1" (func $free (param i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    (call $free (i32.const 4096))
    unreachable))
