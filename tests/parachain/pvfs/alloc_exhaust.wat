;; Asks the host allocator for 32 MiB again and again, never freeing: the heap must run out.
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    (loop $more
      (drop (call $malloc (i32.const 0x2000000)))
      (br $more))
    unreachable))
