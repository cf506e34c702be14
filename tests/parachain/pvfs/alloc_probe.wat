;; Drives the host allocator through malloc(1), malloc(9), free(second), malloc(16), malloc(1) and
;; returns the four pointers as head_data (4 x u32 LE). `__heap_base` = 1001 is deliberately not a
;; multiple of 8. The result is built in static memory below the heap so it does not disturb it.
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (import "env" "ext_allocator_free_version_1" (func $free (param i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1001))
  ;; Compact(16) = 0x40, 16 bytes of pointers at 17, then None, [], [], 0u32, 0u32 (28 bytes at 16)
  (data (i32.const 16) "\40")
  (func (export "validate_block") (param i32 i32) (result i64)
    (local $second i32)
    (i32.store offset=17 (i32.const 0) (call $malloc (i32.const 1)))
    (local.set $second (call $malloc (i32.const 9)))
    (i32.store offset=21 (i32.const 0) (local.get $second))
    (call $free (local.get $second))
    (i32.store offset=25 (i32.const 0) (call $malloc (i32.const 16)))
    (i32.store offset=29 (i32.const 0) (call $malloc (i32.const 1)))
    (i64.or (i64.const 16) (i64.shl (i64.const 28) (i64.const 32)))))
