(module
  (import "env" "memory" (memory 1))
  ;; out[i] = the integer dot product of the int8 vectors at byte offsets q and ids[i], for i < n;
  ;; `bytes` per vector, a multiple of 16. Products are summed in i32 lanes (512 dimensions of
  ;; ±127 stay far below 2^31).
  (func (export "dots") (param $q i32) (param $ids i32) (param $n i32) (param $out i32) (param $bytes i32)
    (local $i i32) (local $b i32) (local $j i32) (local $x v128) (local $y v128) (local $acc v128)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $x (v128.load (i32.add (local.get $q) (local.get $j))))
          (local.set $y (v128.load (i32.add (local.get $b) (local.get $j))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.add
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $x)) (i16x8.extend_low_i8x16_s (local.get $y)))
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $x)) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $bytes))))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))))
