;; The item format and checksum of Scenarios/PROTOCOL.md ("Items") in WebAssembly, for the Node
;; scenarios: the same bytes and 64-bit hashes as ScenarioKit's ItemCodec and Checksum. In plain
;; JavaScript the 64-bit multiplies cost ~85 µs per 16 KiB item (185 MiB/s, slower than the
;; transfer it checks); here they are native i64 operations.
;;
;; codec.wasm.mjs embeds the compiled bytes; after editing this file regenerate it with
;;   make node-codec        (wat2wasm from Debian's wabt)
(module
  (memory (export "memory") 1)

  ;; One word into the item hash: (h ^ w) * 0x9E3779B97F4A7C15, then h ^= h >> 29.
  (func $mix (param $h i64) (param $w i64) (result i64)
    (local $x i64)
    (local.set $x (i64.mul (i64.xor (local.get $h) (local.get $w)) (i64.const 0x9E3779B97F4A7C15)))
    (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29))))

  ;; The item at $p, $n bytes long: word 0 (the sequence number), the timestamp slot skipped,
  ;; then every whole word from byte 16, then each trailing byte.
  (func $hash (export "hash") (param $p i32) (param $n i32) (result i64)
    (local $h i64) (local $o i32)
    (local.set $h (call $mix (i64.const 0xCBF29CE484222325) (i64.load (local.get $p))))
    (local.set $o (i32.const 16))
    (block $done (loop $words
      (br_if $done (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $n)))
      (local.set $h (call $mix (local.get $h) (i64.load (i32.add (local.get $p) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $words)))
    (block $end (loop $bytes
      (br_if $end (i32.ge_u (local.get $o) (local.get $n)))
      (local.set $h (call $mix (local.get $h) (i64.load8_u (i32.add (local.get $p) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $bytes)))
    (local.get $h))

  ;; xorshift64* step.
  (func $next (param $s i64) (result i64)
    (local.set $s (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 12))))
    (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 25))))
    (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 27))))

  ;; Item $seq into $p: the sequence number, a zero timestamp, the pattern.
  (func $fill (export "fill") (param $p i32) (param $seq i64) (param $n i32)
    (local $s i64) (local $o i32) (local $w i64) (local $k i64)
    (i64.store (local.get $p) (local.get $seq))
    (i64.store offset=8 (local.get $p) (i64.const 0))
    (local.set $s (i64.or (i64.mul (i64.add (local.get $seq) (i64.const 1)) (i64.const 0x9E3779B97F4A7C15)) (i64.const 1)))
    (local.set $o (i32.const 16))
    (block $done (loop $words
      (br_if $done (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $n)))
      (local.set $s (call $next (local.get $s)))
      (i64.store (i32.add (local.get $p) (local.get $o)) (i64.mul (local.get $s) (i64.const 0x2545F4914F6CDD1D)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $words)))
    (if (i32.lt_u (local.get $o) (local.get $n)) (then
      (local.set $s (call $next (local.get $s)))
      (local.set $w (i64.mul (local.get $s) (i64.const 0x2545F4914F6CDD1D)))
      (block $end (loop $bytes
        (br_if $end (i32.ge_u (local.get $o) (local.get $n)))
        (i64.store8 (i32.add (local.get $p) (local.get $o)) (i64.shr_u (local.get $w) (local.get $k)))
        (local.set $k (i64.add (local.get $k) (i64.const 8)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $bytes))))))

  ;; The ordered checksum's step: rotl(v, 7) ^ hash, times 0x100000001B3.
  (func $checksumAdd (export "checksumAdd") (param $v i64) (param $h i64) (result i64)
    (i64.mul (i64.xor (i64.rotl (local.get $v) (i64.const 7)) (local.get $h)) (i64.const 0x100000001B3)))

  ;; The ordered checksum of items 0..<$items of $n bytes, generated at address 0.
  (func (export "expected") (param $items i64) (param $n i32) (result i64)
    (local $seq i64) (local $v i64)
    (block $done (loop $each
      (br_if $done (i64.ge_u (local.get $seq) (local.get $items)))
      (call $fill (i32.const 0) (local.get $seq) (local.get $n))
      (local.set $v (call $checksumAdd (local.get $v) (call $hash (i32.const 0) (local.get $n))))
      (local.set $seq (i64.add (local.get $seq) (i64.const 1)))
      (br $each)))
    (local.get $v))
)
