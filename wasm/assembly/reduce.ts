// Reductions over the middle axis of a contiguous float32 tensor viewed as [outer, len, inner]:
// out[o, j] = op over l of x[o, l, j], out is [outer, inner].
//
// Ops: 0 sum, 1 mean, 2 max, 3 min, 4 prod.
// - sum, mean and prod accumulate in float64 (like TF.js cpu, whose JS accumulators are
//   doubles) and round to float32 once at the end; mean is f32(sum / len).
// - max and min are exact and propagate NaN (any NaN in the slice gives NaN, like TF).
// - len = 0 gives the identity: sum 0, mean NaN, max -Inf, min +Inf, prod 1.
// Fast paths: SIMD across `inner` when inner >= 4 (per output the order over `len` is the plain
// sequential one), SIMD across `len` when inner == 1 (several lane accumulators combined in a
// fixed order). Results depend only on the data and the shape.

const OP_SUM: i32 = 0;
const OP_MEAN: i32 = 1;
const OP_MAX: i32 = 2;
const OP_MIN: i32 = 3;
const OP_PROD: i32 = 4;

// Scratch for combining lane accumulators.
const scratch = memory.data(64, 16);

// ---------------------------------------------------------------------------------------------
// Small SIMD helpers.

/** Lanes 0, 1 of a float32x4 as float64x2. */
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2, 3 of a float32x4 as float64x2. */
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** Two float64x2 rounded into one float32x4: [a0, a1, b0, b1]. */
@inline function demote2(a: v128, b: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

@inline function hsum64(a: v128): f64 {
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
}

@inline function acc64(isProd: bool, a: v128, b: v128): v128 {
  return isProd ? f64x2.mul(a, b) : f64x2.add(a, b);
}

@inline function vmm(isMax: bool, a: v128, b: v128): v128 {
  return isMax ? f32x4.max(a, b) : f32x4.min(a, b);
}

@inline function smm(isMax: bool, a: f32, b: f32): f32 {
  return isMax ? Mathf.max(a, b) : Mathf.min(a, b);
}

// ---------------------------------------------------------------------------------------------
// reduce

/** Sum or product (float64) of the contiguous run p[0..len). */
@inline function rowSumProd(isProd: bool, p: usize, len: i32): f64 {
  const init = isProd ? f64x2.splat(1.0) : f64x2.splat(0.0);
  let a0 = init;
  let a1 = init;
  let a2 = init;
  let a3 = init;
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const q = p + (<usize>i << 2);
    const v = v128.load(q);
    const w = v128.load(q, 16);
    a0 = acc64(isProd, a0, lo64(v));
    a1 = acc64(isProd, a1, hi64(v));
    a2 = acc64(isProd, a2, lo64(w));
    a3 = acc64(isProd, a3, hi64(w));
  }
  if (i + 4 <= len) {
    const v = v128.load(p + (<usize>i << 2));
    a0 = acc64(isProd, a0, lo64(v));
    a1 = acc64(isProd, a1, hi64(v));
    i += 4;
  }
  a0 = acc64(isProd, a0, a2);
  a1 = acc64(isProd, a1, a3);
  a0 = acc64(isProd, a0, a1);
  let s: f64 = isProd
    ? f64x2.extract_lane(a0, 0) * f64x2.extract_lane(a0, 1)
    : f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  for (; i < len; i++) {
    const v = <f64>load<f32>(p + (<usize>i << 2));
    s = isProd ? s * v : s + v;
  }
  return s;
}

/** Max or min (NaN-propagating) of the contiguous run p[0..len), len >= 1. */
@inline function rowMinMax(isMax: bool, p: usize, len: i32): f32 {
  if (len < 4) {
    let r = load<f32>(p);
    for (let i = 1; i < len; i++) r = smm(isMax, r, load<f32>(p + (<usize>i << 2)));
    return r;
  }
  let a0 = v128.load(p);
  let i = 4;
  if (len >= 16) {
    let a1 = v128.load(p, 16);
    let a2 = v128.load(p, 32);
    let a3 = v128.load(p, 48);
    for (i = 16; i + 16 <= len; i += 16) {
      const q = p + (<usize>i << 2);
      a0 = vmm(isMax, a0, v128.load(q));
      a1 = vmm(isMax, a1, v128.load(q, 16));
      a2 = vmm(isMax, a2, v128.load(q, 32));
      a3 = vmm(isMax, a3, v128.load(q, 48));
    }
    a0 = vmm(isMax, vmm(isMax, a0, a1), vmm(isMax, a2, a3));
  }
  for (; i + 4 <= len; i += 4) a0 = vmm(isMax, a0, v128.load(p + (<usize>i << 2)));
  let r = smm(
    isMax,
    smm(isMax, f32x4.extract_lane(a0, 0), f32x4.extract_lane(a0, 1)),
    smm(isMax, f32x4.extract_lane(a0, 2), f32x4.extract_lane(a0, 3)),
  );
  for (; i < len; i++) r = smm(isMax, r, load<f32>(p + (<usize>i << 2)));
  return r;
}

/** Sum/mean/prod of one [len, inner] slab into inner outputs (SIMD across inner). */
@inline function slabSumProd(
  isProd: bool,
  isMean: bool,
  x: usize,
  out: usize,
  len: i32,
  inner: i32,
): void {
  const stride = <usize>inner << 2;
  const init = isProd ? f64x2.splat(1.0) : f64x2.splat(0.0);
  const vlen = f64x2.splat(<f64>len);
  let j = 0;
  for (; j + 8 <= inner; j += 8) {
    let a0 = init;
    let a1 = init;
    let a2 = init;
    let a3 = init;
    let q = x + (<usize>j << 2);
    for (let l = 0; l < len; l++) {
      const v = v128.load(q);
      const w = v128.load(q, 16);
      a0 = acc64(isProd, a0, lo64(v));
      a1 = acc64(isProd, a1, hi64(v));
      a2 = acc64(isProd, a2, lo64(w));
      a3 = acc64(isProd, a3, hi64(w));
      q += stride;
    }
    if (isMean) {
      a0 = f64x2.div(a0, vlen);
      a1 = f64x2.div(a1, vlen);
      a2 = f64x2.div(a2, vlen);
      a3 = f64x2.div(a3, vlen);
    }
    const o = out + (<usize>j << 2);
    v128.store(o, demote2(a0, a1));
    v128.store(o, demote2(a2, a3), 16);
  }
  for (; j + 4 <= inner; j += 4) {
    let a0 = init;
    let a1 = init;
    let q = x + (<usize>j << 2);
    for (let l = 0; l < len; l++) {
      const v = v128.load(q);
      a0 = acc64(isProd, a0, lo64(v));
      a1 = acc64(isProd, a1, hi64(v));
      q += stride;
    }
    if (isMean) {
      a0 = f64x2.div(a0, vlen);
      a1 = f64x2.div(a1, vlen);
    }
    v128.store(out + (<usize>j << 2), demote2(a0, a1));
  }
  for (; j < inner; j++) {
    let s: f64 = isProd ? 1.0 : 0.0;
    let q = x + (<usize>j << 2);
    for (let l = 0; l < len; l++) {
      const v = <f64>load<f32>(q);
      s = isProd ? s * v : s + v;
      q += stride;
    }
    if (isMean) s /= <f64>len;
    store<f32>(out + (<usize>j << 2), <f32>s);
  }
}

/** Max/min of one [len, inner] slab into inner outputs (SIMD across inner), len >= 1. */
@inline function slabMinMax(isMax: bool, x: usize, out: usize, len: i32, inner: i32): void {
  const stride = <usize>inner << 2;
  let j = 0;
  for (; j + 16 <= inner; j += 16) {
    let q = x + (<usize>j << 2);
    let a0 = v128.load(q);
    let a1 = v128.load(q, 16);
    let a2 = v128.load(q, 32);
    let a3 = v128.load(q, 48);
    for (let l = 1; l < len; l++) {
      q += stride;
      a0 = vmm(isMax, a0, v128.load(q));
      a1 = vmm(isMax, a1, v128.load(q, 16));
      a2 = vmm(isMax, a2, v128.load(q, 32));
      a3 = vmm(isMax, a3, v128.load(q, 48));
    }
    const o = out + (<usize>j << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j + 4 <= inner; j += 4) {
    let q = x + (<usize>j << 2);
    let a0 = v128.load(q);
    for (let l = 1; l < len; l++) {
      q += stride;
      a0 = vmm(isMax, a0, v128.load(q));
    }
    v128.store(out + (<usize>j << 2), a0);
  }
  for (; j < inner; j++) {
    let q = x + (<usize>j << 2);
    let r = load<f32>(q);
    for (let l = 1; l < len; l++) {
      q += stride;
      r = smm(isMax, r, load<f32>(q));
    }
    store<f32>(out + (<usize>j << 2), r);
  }
}

@inline function reduceSumProd(
  isProd: bool,
  isMean: bool,
  x: usize,
  out: usize,
  outer: i32,
  len: i32,
  inner: i32,
): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      let s = rowSumProd(isProd, x + ((<usize>o * <usize>len) << 2), len);
      if (isMean) s /= <f64>len;
      store<f32>(out + (<usize>o << 2), <f32>s);
    }
  } else {
    const slab = (<usize>len * <usize>inner) << 2;
    for (let o = 0; o < outer; o++) {
      slabSumProd(
        isProd,
        isMean,
        x + <usize>o * slab,
        out + ((<usize>o * <usize>inner) << 2),
        len,
        inner,
      );
    }
  }
}

@inline function reduceMinMax(
  isMax: bool,
  x: usize,
  out: usize,
  outer: i32,
  len: i32,
  inner: i32,
): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      store<f32>(out + (<usize>o << 2), rowMinMax(isMax, x + ((<usize>o * <usize>len) << 2), len));
    }
  } else {
    const slab = (<usize>len * <usize>inner) << 2;
    for (let o = 0; o < outer; o++) {
      slabMinMax(isMax, x + <usize>o * slab, out + ((<usize>o * <usize>inner) << 2), len, inner);
    }
  }
}

function identityOf(op: i32): f32 {
  if (op == OP_MEAN) return NaN;
  if (op == OP_MAX) return -Infinity;
  if (op == OP_MIN) return Infinity;
  if (op == OP_PROD) return 1;
  return 0;
}

function fillIdentity(op: i32, out: usize, n: i32): void {
  const v = identityOf(op);
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), v);
}

/**
 * out[o, j] = op_l x[o, l, j] for a contiguous [outer, len, inner] float32 x; out is
 * [outer, inner]. op: 0 sum, 1 mean, 2 max, 3 min, 4 prod (others: no-op).
 */
export function reduce(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  if (outer <= 0 || inner <= 0) return;
  if (len <= 0) {
    fillIdentity(op, out, outer * inner);
    return;
  }
  if (op == OP_SUM) reduceSumProd(false, false, x, out, outer, len, inner);
  else if (op == OP_MEAN) reduceSumProd(false, true, x, out, outer, len, inner);
  else if (op == OP_MAX) reduceMinMax(true, x, out, outer, len, inner);
  else if (op == OP_MIN) reduceMinMax(false, x, out, outer, len, inner);
  else if (op == OP_PROD) reduceSumProd(true, false, x, out, outer, len, inner);
}

/** Scalar twin of {@link reduce}: sequential float64 sum/prod, NaN-propagating max/min. */
export function reduceRef(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  if (outer <= 0 || inner <= 0) return;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s: f64 = op == OP_PROD ? 1.0 : 0.0;
      let m: f32 = identityOf(op);
      for (let l = 0; l < len; l++) {
        const v = load<f32>(x + ((<usize>(o * len + l) * <usize>inner + <usize>j) << 2));
        if (op == OP_MAX) m = Mathf.max(m, v); // NaN-propagating (wasm f32.max)
        else if (op == OP_MIN) m = Mathf.min(m, v);
        else if (op == OP_PROD) s *= <f64>v;
        else s += <f64>v;
      }
      let r: f32;
      if (op == OP_MAX || op == OP_MIN) r = m;
      else if (op == OP_MEAN) r = <f32>(s / <f64>len);
      else r = <f32>s;
      store<f32>(out + ((<usize>o * <usize>inner + <usize>j) << 2), r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// argReduce

/** First index of the max (isMax) or min of p[0..len) with TF.js cpu semantics (strict
 *  comparison against the running best, so NaN never wins unless it is element 0). */
@inline function argRow(isMax: bool, p: usize, len: i32): i32 {
  let best = load<f32>(p);
  let bi = 0;
  if (best != best) return 0;
  let i = 1;
  if (len >= 8) {
    // Lane k of (m0, m1) follows the elements i with i % 8 == k, starting from (x[0], 0); as
    // x[0] is not NaN, every lane best stays non-NaN.
    let m0 = f32x4.splat(best);
    let m1 = m0;
    let i0 = i32x4.splat(0);
    let i1 = i0;
    let idx0 = i32x4(0, 1, 2, 3);
    let idx1 = i32x4(4, 5, 6, 7);
    const step = i32x4.splat(8);
    for (i = 0; i + 8 <= len; i += 8) {
      const q = p + (<usize>i << 2);
      const v = v128.load(q);
      const w = v128.load(q, 16);
      const c0 = isMax ? f32x4.gt(v, m0) : f32x4.lt(v, m0);
      const c1 = isMax ? f32x4.gt(w, m1) : f32x4.lt(w, m1);
      m0 = v128.bitselect(v, m0, c0);
      m1 = v128.bitselect(w, m1, c1);
      i0 = v128.bitselect(idx0, i0, c0);
      i1 = v128.bitselect(idx1, i1, c1);
      idx0 = i32x4.add(idx0, step);
      idx1 = i32x4.add(idx1, step);
    }
    v128.store(scratch, m0);
    v128.store(scratch, m1, 16);
    v128.store(scratch, i0, 32);
    v128.store(scratch, i1, 48);
    // The overall best value; among lanes holding it, the smallest index.
    for (let k = 0; k < 8; k++) {
      const mv = load<f32>(scratch + (<usize>k << 2));
      const mi = load<i32>(scratch + 32 + (<usize>k << 2));
      if ((isMax ? mv > best : mv < best) || (mv == best && mi < bi)) {
        best = mv;
        bi = mi;
      }
    }
  }
  for (; i < len; i++) {
    const v = load<f32>(p + (<usize>i << 2));
    if (isMax ? v > best : v < best) {
      best = v;
      bi = i;
    }
  }
  return bi;
}

/** argMax/argMin of one [len, inner] slab into inner int32 outputs (SIMD across inner). */
@inline function argSlab(isMax: bool, x: usize, out: usize, len: i32, inner: i32): void {
  const stride = <usize>inner << 2;
  let j = 0;
  for (; j + 8 <= inner; j += 8) {
    let q = x + (<usize>j << 2);
    let m0 = v128.load(q);
    let m1 = v128.load(q, 16);
    let i0 = i32x4.splat(0);
    let i1 = i0;
    for (let l = 1; l < len; l++) {
      q += stride;
      const v = v128.load(q);
      const w = v128.load(q, 16);
      const li = i32x4.splat(l);
      const c0 = isMax ? f32x4.gt(v, m0) : f32x4.lt(v, m0);
      const c1 = isMax ? f32x4.gt(w, m1) : f32x4.lt(w, m1);
      m0 = v128.bitselect(v, m0, c0);
      m1 = v128.bitselect(w, m1, c1);
      i0 = v128.bitselect(li, i0, c0);
      i1 = v128.bitselect(li, i1, c1);
    }
    const o = out + (<usize>j << 2);
    v128.store(o, i0);
    v128.store(o, i1, 16);
  }
  for (; j + 4 <= inner; j += 4) {
    let q = x + (<usize>j << 2);
    let m0 = v128.load(q);
    let i0 = i32x4.splat(0);
    for (let l = 1; l < len; l++) {
      q += stride;
      const v = v128.load(q);
      const c0 = isMax ? f32x4.gt(v, m0) : f32x4.lt(v, m0);
      m0 = v128.bitselect(v, m0, c0);
      i0 = v128.bitselect(i32x4.splat(l), i0, c0);
    }
    v128.store(out + (<usize>j << 2), i0);
  }
  for (; j < inner; j++) {
    let q = x + (<usize>j << 2);
    let best = load<f32>(q);
    let bi = 0;
    for (let l = 1; l < len; l++) {
      q += stride;
      const v = load<f32>(q);
      if (isMax ? v > best : v < best) {
        best = v;
        bi = l;
      }
    }
    store<i32>(out + (<usize>j << 2), bi);
  }
}

@inline function argReduceOp(
  isMax: bool,
  x: usize,
  out: usize,
  outer: i32,
  len: i32,
  inner: i32,
): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      store<i32>(out + (<usize>o << 2), argRow(isMax, x + ((<usize>o * <usize>len) << 2), len));
    }
  } else {
    const slab = (<usize>len * <usize>inner) << 2;
    for (let o = 0; o < outer; o++) {
      argSlab(isMax, x + <usize>o * slab, out + ((<usize>o * <usize>inner) << 2), len, inner);
    }
  }
}

/**
 * int32 out[o, j] = index l of the max (op 0) or min (op 1) of x[o, :, j] over a contiguous
 * [outer, len, inner] float32 x. Ties give the first index; comparisons are strict against the
 * running best like TF.js cpu, so NaN wins only when it is at index 0. len = 0 gives -1.
 */
export function argReduce(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  if (outer <= 0 || inner <= 0) return;
  if (len <= 0) {
    const n = outer * inner;
    for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), -1);
    return;
  }
  if (op == 0) argReduceOp(true, x, out, outer, len, inner);
  else if (op == 1) argReduceOp(false, x, out, outer, len, inner);
}

/** Scalar twin of {@link argReduce}. */
export function argReduceRef(
  op: i32,
  x: usize,
  out: usize,
  outer: i32,
  len: i32,
  inner: i32,
): void {
  if (outer <= 0 || inner <= 0) return;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let bi = len > 0 ? 0 : -1;
      let best: f32 = len > 0 ? load<f32>(x + ((<usize>(o * len) * <usize>inner + <usize>j) << 2)) : 0;
      for (let l = 1; l < len; l++) {
        const v = load<f32>(x + ((<usize>(o * len + l) * <usize>inner + <usize>j) << 2));
        if (op == 0 ? v > best : v < best) {
          best = v;
          bi = l;
        }
      }
      store<i32>(out + ((<usize>o * <usize>inner + <usize>j) << 2), bi);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Norms and dot products (float64 accumulation over exact float64 products).

@inline function dotLike(isSq: bool, a: usize, b: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const v = v128.load(a + off);
    const w = v128.load(a + off, 16);
    const vb = isSq ? v : v128.load(b + off);
    const wb = isSq ? w : v128.load(b + off, 16);
    a0 = f64x2.add(a0, f64x2.mul(lo64(v), lo64(vb)));
    a1 = f64x2.add(a1, f64x2.mul(hi64(v), hi64(vb)));
    a2 = f64x2.add(a2, f64x2.mul(lo64(w), lo64(wb)));
    a3 = f64x2.add(a3, f64x2.mul(hi64(w), hi64(wb)));
  }
  let s = hsum64(f64x2.add(f64x2.add(a0, a2), f64x2.add(a1, a3)));
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = <f64>load<f32>(a + off);
    s += isSq ? v * v : v * <f64>load<f32>(b + off);
  }
  return s;
}

/** sum_i x[i]^2 over n float32, accumulated in float64 (SIMD lanes, fixed order). */
export function sumSquares(x: usize, n: i32): f64 {
  return dotLike(true, x, 0, n);
}

/** sum_i a[i] * b[i] over n float32, accumulated in float64 (SIMD lanes, fixed order). */
export function dot(a: usize, b: usize, n: i32): f64 {
  return dotLike(false, a, b, n);
}

/** Scalar twin of {@link sumSquares} (sequential float64). */
export function sumSquaresRef(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** Scalar twin of {@link dot} (sequential float64). */
export function dotRef(a: usize, b: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    s += <f64>load<f32>(a + off) * <f64>load<f32>(b + off);
  }
  return s;
}
