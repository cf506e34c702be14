;; Grows its linear memory one page at a time, writing to every new page, until `memory.grow`
;; refuses (-1), then aborts like an allocator out of memory.
(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "validate_block") (param i32 i32) (result i64)
    (local $old i32)
    (loop $more
      (local.set $old (memory.grow (i32.const 1)))
      (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
      ;; touch the new page so it is really backed
      (i64.store (i32.mul (local.get $old) (i32.const 65536)) (i64.const -1))
      (br $more))
    unreachable))
