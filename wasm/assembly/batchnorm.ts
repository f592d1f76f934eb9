// Batch normalization kernels over a float32 tensor viewed as [m, c]: c channels contiguous
// (the last axis of NHWC), m = N*H*W rows. Every statistic is per channel.
//
//   bnStats     mean[c] = sum_i x / m;  variance[c] = sum_i (x - mean)^2 / m   (biased)
//   bnAffine    y = x * s[c] + t[c], then max(y, 0) when relu != 0
//   bnSums      s1[c] = sum_i dy;  s2[c] = sum_i dy * (x - mean)
//   bnBackward  dx = a[c] * dy + b[c] * (x - mean[c]) + d[c]
//
// Sums accumulate in float64, one accumulator per channel, rows in order, and round to float32
// once; the variance is two-pass (around the float32 mean). SIMD runs across channels (blocks
// of 16, 8 or 4, then scalar), so each channel's arithmetic is exactly the scalar Ref's and
// the results agree bit for bit. m = 0 gives NaN statistics (0 / 0) and zero sums.

// @ts-ignore: decorator
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** Two float64x2 rounded into one float32x4: [a0, a1, b0, b1]. */
// @ts-ignore: decorator
@inline function demote2(a: v128, b: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** Stores (a, b) / m (float64) as four float32 at p. */
// @ts-ignore: decorator
@inline function storeScaled(p: usize, a: v128, b: v128, inv: v128): void {
  v128.store(p, demote2(f64x2.mul(a, inv), f64x2.mul(b, inv)));
}

// @ts-ignore: decorator
@inline function sq64(d: v128): v128 {
  return f64x2.mul(d, d);
}

// ---------------------------------------------------------------------------------------------
// bnStats

/** Per-channel mean and biased variance of x [m, c] (see the file comment). */
export function bnStats(x: usize, m: i32, c: i32, mean: usize, variance: usize): void {
  const stride = <usize>c << 2;
  const invS: f64 = 1.0 / <f64>m;
  const inv = f64x2.splat(invS);
  const z = f64x2.splat(0);
  let j = 0;
  for (; j + 16 <= c; j += 16) {
    const off = <usize>j << 2;
    let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    let p = x + off;
    for (let i = 0; i < m; i++) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const v2 = v128.load(p, 32);
      const v3 = v128.load(p, 48);
      a0 = f64x2.add(a0, lo64(v0));
      a1 = f64x2.add(a1, hi64(v0));
      a2 = f64x2.add(a2, lo64(v1));
      a3 = f64x2.add(a3, hi64(v1));
      a4 = f64x2.add(a4, lo64(v2));
      a5 = f64x2.add(a5, hi64(v2));
      a6 = f64x2.add(a6, lo64(v3));
      a7 = f64x2.add(a7, hi64(v3));
      p += stride;
    }
    const q = mean + off;
    storeScaled(q, a0, a1, inv);
    storeScaled(q + 16, a2, a3, inv);
    storeScaled(q + 32, a4, a5, inv);
    storeScaled(q + 48, a6, a7, inv);
    const u0 = v128.load(q);
    const u1 = v128.load(q, 16);
    const u2 = v128.load(q, 32);
    const u3 = v128.load(q, 48);
    a0 = z; a1 = z; a2 = z; a3 = z; a4 = z; a5 = z; a6 = z; a7 = z;
    p = x + off;
    for (let i = 0; i < m; i++) {
      const d0 = f32x4.sub(v128.load(p), u0);
      const d1 = f32x4.sub(v128.load(p, 16), u1);
      const d2 = f32x4.sub(v128.load(p, 32), u2);
      const d3 = f32x4.sub(v128.load(p, 48), u3);
      a0 = f64x2.add(a0, sq64(lo64(d0)));
      a1 = f64x2.add(a1, sq64(hi64(d0)));
      a2 = f64x2.add(a2, sq64(lo64(d1)));
      a3 = f64x2.add(a3, sq64(hi64(d1)));
      a4 = f64x2.add(a4, sq64(lo64(d2)));
      a5 = f64x2.add(a5, sq64(hi64(d2)));
      a6 = f64x2.add(a6, sq64(lo64(d3)));
      a7 = f64x2.add(a7, sq64(hi64(d3)));
      p += stride;
    }
    const r = variance + off;
    storeScaled(r, a0, a1, inv);
    storeScaled(r + 16, a2, a3, inv);
    storeScaled(r + 32, a4, a5, inv);
    storeScaled(r + 48, a6, a7, inv);
  }
  for (; j + 4 <= c; j += 4) {
    const off = <usize>j << 2;
    let a0 = z, a1 = z;
    let p = x + off;
    for (let i = 0; i < m; i++) {
      const v0 = v128.load(p);
      a0 = f64x2.add(a0, lo64(v0));
      a1 = f64x2.add(a1, hi64(v0));
      p += stride;
    }
    storeScaled(mean + off, a0, a1, inv);
    const u0 = v128.load(mean + off);
    a0 = z;
    a1 = z;
    p = x + off;
    for (let i = 0; i < m; i++) {
      const d0 = f32x4.sub(v128.load(p), u0);
      a0 = f64x2.add(a0, sq64(lo64(d0)));
      a1 = f64x2.add(a1, sq64(hi64(d0)));
      p += stride;
    }
    storeScaled(variance + off, a0, a1, inv);
  }
  for (; j < c; j++) statsColumn(x, m, c, j, mean, variance, invS);
}

// @ts-ignore: decorator
@inline function statsColumn(
  x: usize,
  m: i32,
  c: i32,
  j: i32,
  mean: usize,
  variance: usize,
  inv: f64,
): void {
  const stride = <usize>c << 2;
  const off = <usize>j << 2;
  let a: f64 = 0;
  let p = x + off;
  for (let i = 0; i < m; i++) {
    a += <f64>load<f32>(p);
    p += stride;
  }
  const mu = <f32>(a * inv);
  store<f32>(mean + off, mu);
  a = 0;
  p = x + off;
  for (let i = 0; i < m; i++) {
    const d = <f64>(load<f32>(p) - mu);
    a += d * d;
    p += stride;
  }
  store<f32>(variance + off, <f32>(a * inv));
}

/** Scalar reference of {@link bnStats}. */
export function bnStatsRef(x: usize, m: i32, c: i32, mean: usize, variance: usize): void {
  const inv: f64 = 1.0 / <f64>m;
  for (let j = 0; j < c; j++) statsColumn(x, m, c, j, mean, variance, inv);
}

// ---------------------------------------------------------------------------------------------
// bnAffine

/** y = x * s + t per channel (max(., 0) when relu != 0); y may alias x. */
export function bnAffine(x: usize, y: usize, m: i32, c: i32, s: usize, t: usize, relu: i32): void {
  const stride = <usize>c << 2;
  const zero = f32x4.splat(0);
  const c4 = c & ~3;
  if (c == 4 || c == 8 || c == 16) {
    // Whole rows fit a few registers: keep s and t loaded.
    const s0 = v128.load(s);
    const t0 = v128.load(t);
    const s1 = c >= 8 ? v128.load(s, 16) : s0;
    const t1 = c >= 8 ? v128.load(t, 16) : t0;
    const s2 = c >= 16 ? v128.load(s, 32) : s0;
    const t2 = c >= 16 ? v128.load(t, 32) : t0;
    const s3 = c >= 16 ? v128.load(s, 48) : s0;
    const t3 = c >= 16 ? v128.load(t, 48) : t0;
    const n = <usize>m * stride;
    for (let o: usize = 0; o < n; o += stride) {
      let r0 = f32x4.add(f32x4.mul(v128.load(x + o), s0), t0);
      if (relu != 0) r0 = f32x4.max(r0, zero);
      v128.store(y + o, r0);
      if (c >= 8) {
        let r1 = f32x4.add(f32x4.mul(v128.load(x + o, 16), s1), t1);
        if (relu != 0) r1 = f32x4.max(r1, zero);
        v128.store(y + o, r1, 16);
      }
      if (c >= 16) {
        let r2 = f32x4.add(f32x4.mul(v128.load(x + o, 32), s2), t2);
        let r3 = f32x4.add(f32x4.mul(v128.load(x + o, 48), s3), t3);
        if (relu != 0) {
          r2 = f32x4.max(r2, zero);
          r3 = f32x4.max(r3, zero);
        }
        v128.store(y + o, r2, 32);
        v128.store(y + o, r3, 48);
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = <usize>i * stride;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = row + (<usize>j << 2);
      const q = <usize>j << 2;
      let r = f32x4.add(f32x4.mul(v128.load(x + o), v128.load(s + q)), v128.load(t + q));
      if (relu != 0) r = f32x4.max(r, zero);
      v128.store(y + o, r);
    }
    for (; j < c; j++) {
      const o = row + (<usize>j << 2);
      const q = <usize>j << 2;
      let r = load<f32>(x + o) * load<f32>(s + q) + load<f32>(t + q);
      if (relu != 0) r = Mathf.max(r, 0);
      store<f32>(y + o, r);
    }
  }
}

/** Scalar reference of {@link bnAffine}. */
export function bnAffineRef(
  x: usize,
  y: usize,
  m: i32,
  c: i32,
  s: usize,
  t: usize,
  relu: i32,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < c; j++) {
      const o = (<usize>i * <usize>c + <usize>j) << 2;
      const q = <usize>j << 2;
      let r = load<f32>(x + o) * load<f32>(s + q) + load<f32>(t + q);
      if (relu != 0) r = Mathf.max(r, 0);
      store<f32>(y + o, r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// bnSums

/** s1 = sum dy and s2 = sum dy * (x - mean), per channel (see the file comment). */
export function bnSums(
  x: usize,
  dy: usize,
  m: i32,
  c: i32,
  mean: usize,
  s1: usize,
  s2: usize,
): void {
  const stride = <usize>c << 2;
  const z = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= c; j += 8) {
    const off = <usize>j << 2;
    const u0 = v128.load(mean + off);
    const u1 = v128.load(mean + off, 16);
    let a0 = z, a1 = z, a2 = z, a3 = z;
    let b0 = z, b1 = z, b2 = z, b3 = z;
    let p = off;
    for (let i = 0; i < m; i++) {
      const g0 = v128.load(dy + p);
      const g1 = v128.load(dy + p, 16);
      const d0 = f32x4.sub(v128.load(x + p), u0);
      const d1 = f32x4.sub(v128.load(x + p, 16), u1);
      const gl0 = lo64(g0);
      const gh0 = hi64(g0);
      const gl1 = lo64(g1);
      const gh1 = hi64(g1);
      a0 = f64x2.add(a0, gl0);
      a1 = f64x2.add(a1, gh0);
      a2 = f64x2.add(a2, gl1);
      a3 = f64x2.add(a3, gh1);
      b0 = f64x2.add(b0, f64x2.mul(gl0, lo64(d0)));
      b1 = f64x2.add(b1, f64x2.mul(gh0, hi64(d0)));
      b2 = f64x2.add(b2, f64x2.mul(gl1, lo64(d1)));
      b3 = f64x2.add(b3, f64x2.mul(gh1, hi64(d1)));
      p += stride;
    }
    v128.store(s1 + off, demote2(a0, a1));
    v128.store(s1 + off, demote2(a2, a3), 16);
    v128.store(s2 + off, demote2(b0, b1));
    v128.store(s2 + off, demote2(b2, b3), 16);
  }
  for (; j + 4 <= c; j += 4) {
    const off = <usize>j << 2;
    const u0 = v128.load(mean + off);
    let a0 = z, a1 = z, b0 = z, b1 = z;
    let p = off;
    for (let i = 0; i < m; i++) {
      const g0 = v128.load(dy + p);
      const d0 = f32x4.sub(v128.load(x + p), u0);
      const gl0 = lo64(g0);
      const gh0 = hi64(g0);
      a0 = f64x2.add(a0, gl0);
      a1 = f64x2.add(a1, gh0);
      b0 = f64x2.add(b0, f64x2.mul(gl0, lo64(d0)));
      b1 = f64x2.add(b1, f64x2.mul(gh0, hi64(d0)));
      p += stride;
    }
    v128.store(s1 + off, demote2(a0, a1));
    v128.store(s2 + off, demote2(b0, b1));
  }
  for (; j < c; j++) sumsColumn(x, dy, m, c, j, mean, s1, s2);
}

// @ts-ignore: decorator
@inline function sumsColumn(
  x: usize,
  dy: usize,
  m: i32,
  c: i32,
  j: i32,
  mean: usize,
  s1: usize,
  s2: usize,
): void {
  const stride = <usize>c << 2;
  const off = <usize>j << 2;
  const mu = load<f32>(mean + off);
  let a: f64 = 0;
  let b: f64 = 0;
  let p = off;
  for (let i = 0; i < m; i++) {
    const g = <f64>load<f32>(dy + p);
    a += g;
    b += g * <f64>(load<f32>(x + p) - mu);
    p += stride;
  }
  store<f32>(s1 + off, <f32>a);
  store<f32>(s2 + off, <f32>b);
}

/** Scalar reference of {@link bnSums}. */
export function bnSumsRef(
  x: usize,
  dy: usize,
  m: i32,
  c: i32,
  mean: usize,
  s1: usize,
  s2: usize,
): void {
  for (let j = 0; j < c; j++) sumsColumn(x, dy, m, c, j, mean, s1, s2);
}

// ---------------------------------------------------------------------------------------------
// bnBackward

/** dx = a * dy + b * (x - mean) + d per channel; dx may alias dy. */
export function bnBackward(
  x: usize,
  dy: usize,
  dx: usize,
  m: i32,
  c: i32,
  mean: usize,
  a: usize,
  b: usize,
  d: usize,
): void {
  const stride = <usize>c << 2;
  const c4 = c & ~3;
  for (let i = 0; i < m; i++) {
    const row = <usize>i * stride;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = row + (<usize>j << 2);
      const q = <usize>j << 2;
      const t1 = f32x4.mul(v128.load(a + q), v128.load(dy + o));
      const t3 = f32x4.mul(v128.load(b + q), f32x4.sub(v128.load(x + o), v128.load(mean + q)));
      v128.store(dx + o, f32x4.add(f32x4.add(t1, t3), v128.load(d + q)));
    }
    for (; j < c; j++) {
      const o = row + (<usize>j << 2);
      const q = <usize>j << 2;
      const t1 = load<f32>(a + q) * load<f32>(dy + o);
      const t3 = load<f32>(b + q) * (load<f32>(x + o) - load<f32>(mean + q));
      store<f32>(dx + o, t1 + t3 + load<f32>(d + q));
    }
  }
}

/** Scalar reference of {@link bnBackward}. */
export function bnBackwardRef(
  x: usize,
  dy: usize,
  dx: usize,
  m: i32,
  c: i32,
  mean: usize,
  a: usize,
  b: usize,
  d: usize,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < c; j++) {
      const o = (<usize>i * <usize>c + <usize>j) << 2;
      const q = <usize>j << 2;
      const t1 = load<f32>(a + q) * load<f32>(dy + o);
      const t3 = load<f32>(b + q) * (load<f32>(x + o) - load<f32>(mean + q));
      store<f32>(dx + o, t1 + t3 + load<f32>(d + q));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Batch norm fused with a following relu (training): the backward pass of r = relu(x*s + t)
// takes dr and masks it on the fly, g = dr where x*s + t > 0 (the forward's own arithmetic,
// recomputed bit for bit from x), else +0, so no separate relu-backward pass is needed:
//   bnSumsRelu      s1[c] = sum_i g;  s2[c] = sum_i g * (x - mean)
//   bnBackwardRelu  dx = a[c] * g + b[c] * (x - mean[c]) + d[c]
// Same sums and rounding as bnSums / bnBackward of the masked gradient.

/** g = dy where x * s + t > 0, else +0 (NaN dy passes where the mask holds). */
// @ts-ignore: decorator
@inline function reluMask(x: v128, dy: v128, s: v128, t: v128): v128 {
  return v128.and(dy, f32x4.gt(f32x4.add(f32x4.mul(x, s), t), f32x4.splat(0)));
}

/** Per-channel s1, s2 of the relu-masked gradient (see above). */
export function bnSumsRelu(
  x: usize,
  dy: usize,
  m: i32,
  c: i32,
  mean: usize,
  s: usize,
  t: usize,
  s1: usize,
  s2: usize,
): void {
  const stride = <usize>c << 2;
  const z = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= c; j += 8) {
    const off = <usize>j << 2;
    const u0 = v128.load(mean + off);
    const u1 = v128.load(mean + off, 16);
    const sc0 = v128.load(s + off);
    const sc1 = v128.load(s + off, 16);
    const sh0 = v128.load(t + off);
    const sh1 = v128.load(t + off, 16);
    let a0 = z, a1 = z, a2 = z, a3 = z;
    let b0 = z, b1 = z, b2 = z, b3 = z;
    let p = off;
    for (let i = 0; i < m; i++) {
      const x0 = v128.load(x + p);
      const x1 = v128.load(x + p, 16);
      const g0 = reluMask(x0, v128.load(dy + p), sc0, sh0);
      const g1 = reluMask(x1, v128.load(dy + p, 16), sc1, sh1);
      const d0 = f32x4.sub(x0, u0);
      const d1 = f32x4.sub(x1, u1);
      const gl0 = lo64(g0);
      const gh0 = hi64(g0);
      const gl1 = lo64(g1);
      const gh1 = hi64(g1);
      a0 = f64x2.add(a0, gl0);
      a1 = f64x2.add(a1, gh0);
      a2 = f64x2.add(a2, gl1);
      a3 = f64x2.add(a3, gh1);
      b0 = f64x2.add(b0, f64x2.mul(gl0, lo64(d0)));
      b1 = f64x2.add(b1, f64x2.mul(gh0, hi64(d0)));
      b2 = f64x2.add(b2, f64x2.mul(gl1, lo64(d1)));
      b3 = f64x2.add(b3, f64x2.mul(gh1, hi64(d1)));
      p += stride;
    }
    v128.store(s1 + off, demote2(a0, a1));
    v128.store(s1 + off, demote2(a2, a3), 16);
    v128.store(s2 + off, demote2(b0, b1));
    v128.store(s2 + off, demote2(b2, b3), 16);
  }
  for (; j + 4 <= c; j += 4) {
    const off = <usize>j << 2;
    const u0 = v128.load(mean + off);
    const sc0 = v128.load(s + off);
    const sh0 = v128.load(t + off);
    let a0 = z, a1 = z, b0 = z, b1 = z;
    let p = off;
    for (let i = 0; i < m; i++) {
      const x0 = v128.load(x + p);
      const g0 = reluMask(x0, v128.load(dy + p), sc0, sh0);
      const d0 = f32x4.sub(x0, u0);
      const gl0 = lo64(g0);
      const gh0 = hi64(g0);
      a0 = f64x2.add(a0, gl0);
      a1 = f64x2.add(a1, gh0);
      b0 = f64x2.add(b0, f64x2.mul(gl0, lo64(d0)));
      b1 = f64x2.add(b1, f64x2.mul(gh0, hi64(d0)));
      p += stride;
    }
    v128.store(s1 + off, demote2(a0, a1));
    v128.store(s2 + off, demote2(b0, b1));
  }
  for (; j < c; j++) sumsReluColumn(x, dy, m, c, j, mean, s, t, s1, s2);
}

// @ts-ignore: decorator
@inline function sumsReluColumn(
  x: usize,
  dy: usize,
  m: i32,
  c: i32,
  j: i32,
  mean: usize,
  s: usize,
  t: usize,
  s1: usize,
  s2: usize,
): void {
  const stride = <usize>c << 2;
  const off = <usize>j << 2;
  const mu = load<f32>(mean + off);
  const sc = load<f32>(s + off);
  const sh = load<f32>(t + off);
  let a: f64 = 0;
  let b: f64 = 0;
  let p = off;
  for (let i = 0; i < m; i++) {
    const xv = load<f32>(x + p);
    const g = <f64>(xv * sc + sh > 0 ? load<f32>(dy + p) : <f32>0);
    a += g;
    b += g * <f64>(xv - mu);
    p += stride;
  }
  store<f32>(s1 + off, <f32>a);
  store<f32>(s2 + off, <f32>b);
}

/** Scalar reference of {@link bnSumsRelu}. */
export function bnSumsReluRef(
  x: usize,
  dy: usize,
  m: i32,
  c: i32,
  mean: usize,
  s: usize,
  t: usize,
  s1: usize,
  s2: usize,
): void {
  for (let j = 0; j < c; j++) sumsReluColumn(x, dy, m, c, j, mean, s, t, s1, s2);
}

/** dx = a * g + b * (x - mean) + d per channel, g the relu-masked dy; dx may alias dy. */
export function bnBackwardRelu(
  x: usize,
  dy: usize,
  dx: usize,
  m: i32,
  c: i32,
  mean: usize,
  a: usize,
  b: usize,
  d: usize,
  s: usize,
  t: usize,
): void {
  const stride = <usize>c << 2;
  const c4 = c & ~3;
  for (let i = 0; i < m; i++) {
    const row = <usize>i * stride;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = row + (<usize>j << 2);
      const q = <usize>j << 2;
      const xv = v128.load(x + o);
      const g = reluMask(xv, v128.load(dy + o), v128.load(s + q), v128.load(t + q));
      const t1 = f32x4.mul(v128.load(a + q), g);
      const t3 = f32x4.mul(v128.load(b + q), f32x4.sub(xv, v128.load(mean + q)));
      v128.store(dx + o, f32x4.add(f32x4.add(t1, t3), v128.load(d + q)));
    }
    for (; j < c; j++) {
      const o = row + (<usize>j << 2);
      const q = <usize>j << 2;
      const xv = load<f32>(x + o);
      const g: f32 = xv * load<f32>(s + q) + load<f32>(t + q) > 0 ? load<f32>(dy + o) : 0;
      const t1 = load<f32>(a + q) * g;
      const t3 = load<f32>(b + q) * (xv - load<f32>(mean + q));
      store<f32>(dx + o, t1 + t3 + load<f32>(d + q));
    }
  }
}

/** Scalar reference of {@link bnBackwardRelu}. */
export function bnBackwardReluRef(
  x: usize,
  dy: usize,
  dx: usize,
  m: i32,
  c: i32,
  mean: usize,
  a: usize,
  b: usize,
  d: usize,
  s: usize,
  t: usize,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < c; j++) {
      const o = (<usize>i * <usize>c + <usize>j) << 2;
      const q = <usize>j << 2;
      const xv = load<f32>(x + o);
      const g: f32 = xv * load<f32>(s + q) + load<f32>(t + q) > 0 ? load<f32>(dy + o) : 0;
      const t1 = load<f32>(a + q) * g;
      const t3 = load<f32>(b + q) * (xv - load<f32>(mean + q));
      store<f32>(dx + o, t1 + t3 + load<f32>(d + q));
    }
  }
}
