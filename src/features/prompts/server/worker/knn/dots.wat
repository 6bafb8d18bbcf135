(module
  (import "env" "memory" (memory 1))
  ;; out[i] = the integer dot product of the int8 vectors at byte offsets q and ids[i], for i < n;
  ;; `bytes` per vector, a multiple of 16. Products are summed in i32 lanes (512 dimensions of
  ;; ±127 stay far below 2^31). Vectors are read eight at a time, then four, then one by one: the
  ;; graph reads them at random, so a product mostly waits on memory, and independent streams wait
  ;; together (the lane sums of four accumulators are gathered by shuffles into one store).
  (func (export "dots") (param $q i32) (param $ids i32) (param $n i32) (param $out i32) (param $bytes i32)
    (local $i i32) (local $j i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32) (local $b4 i32) (local $b5 i32) (local $b6 i32) (local $b7 i32)
    (local $x v128) (local $xl v128) (local $xh v128) (local $y v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (block $done8
      (loop $each8
        (br_if $done8 (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (local.set $b0 (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b1 (i32.load offset=4 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b2 (i32.load offset=8 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b3 (i32.load offset=12 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b4 (i32.load offset=16 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b5 (i32.load offset=20 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b6 (i32.load offset=24 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b7 (i32.load offset=28 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0))
        (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0))
        (local.set $a7 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $inner8
          (local.set $x (v128.load (i32.add (local.get $q) (local.get $j))))
          (local.set $xl (i16x8.extend_low_i8x16_s (local.get $x)))
          (local.set $xh (i16x8.extend_high_i8x16_s (local.get $x)))
          (local.set $y (v128.load (i32.add (local.get $b0) (local.get $j))))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b1) (local.get $j))))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b2) (local.get $j))))
          (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b3) (local.get $j))))
          (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b4) (local.get $j))))
          (local.set $a4 (i32x4.add (local.get $a4) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b5) (local.get $j))))
          (local.set $a5 (i32x4.add (local.get $a5) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b6) (local.get $j))))
          (local.set $a6 (i32x4.add (local.get $a6) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b7) (local.get $j))))
          (local.set $a7 (i32x4.add (local.get $a7) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $inner8 (i32.lt_u (local.get $j) (local.get $bytes))))
        (local.set $x (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a0) (local.get $a1)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a0) (local.get $a1))))
        (local.set $y (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a2) (local.get $a3)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a2) (local.get $a3))))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x) (local.get $y)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x) (local.get $y))))
        (local.set $x (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a4) (local.get $a5)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a4) (local.get $a5))))
        (local.set $y (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a6) (local.get $a7)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a6) (local.get $a7))))
        (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x) (local.get $y)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x) (local.get $y))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $each8)))
    (block $done4
      (loop $each4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $b0 (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b1 (i32.load offset=4 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b2 (i32.load offset=8 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b3 (i32.load offset=12 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $inner4
          (local.set $x (v128.load (i32.add (local.get $q) (local.get $j))))
          (local.set $xl (i16x8.extend_low_i8x16_s (local.get $x)))
          (local.set $xh (i16x8.extend_high_i8x16_s (local.get $x)))
          (local.set $y (v128.load (i32.add (local.get $b0) (local.get $j))))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b1) (local.get $j))))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b2) (local.get $j))))
          (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $y (v128.load (i32.add (local.get $b3) (local.get $j))))
          (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $xl) (i16x8.extend_low_i8x16_s (local.get $y)))
            (i32x4.dot_i16x8_s (local.get $xh) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $inner4 (i32.lt_u (local.get $j) (local.get $bytes))))
        (local.set $x (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a0) (local.get $a1)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a0) (local.get $a1))))
        (local.set $y (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a2) (local.get $a3)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a2) (local.get $a3))))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x) (local.get $y)) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x) (local.get $y))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $each4)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b0 (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $x (v128.load (i32.add (local.get $q) (local.get $j))))
          (local.set $y (v128.load (i32.add (local.get $b0) (local.get $j))))
          (local.set $a0 (i32x4.add (local.get $a0)
            (i32x4.add
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $x)) (i16x8.extend_low_i8x16_s (local.get $y)))
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $x)) (i16x8.extend_high_i8x16_s (local.get $y))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $bytes))))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
            (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))))
