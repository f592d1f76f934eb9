// Softmax, log-softmax and softmax cross-entropy over the last axis of a row-major
// [rows, cols] float32 matrix, with their backward passes.
//
// Numerics: every row is shifted by its max (NaN-propagating, so a row holding NaN gives NaN,
// and a row holding +Inf gives NaN like the naive TF formula); row sums and dot products
// accumulate in float64 (like TF.js cpu, whose JS accumulators are doubles); exp is a private
// SIMD Cephes-style expf (<= 2 ulp, exact 0 / Inf at the ends), also used for the scalar tails
// so a value never depends on its position. The Ref twins use Mathf.exp and sequential sums.

// ---------------------------------------------------------------------------------------------
// SIMD exp

// exp constants, four lanes each, read from memory: V8 rebuilds every v128.const inside loops
// with several instructions, which made the polynomial ~2x slower than these loads.
const EXPC = memory.data<f32>(
  [
    12582912.0, 12582912.0, 12582912.0, 12582912.0, // 0: 1.5 * 2^23 (round-to-integer)
    -104.0, -104.0, -104.0, -104.0, // 16: lower clamp (exp rounds to 0 below)
    88.8, 88.8, 88.8, 88.8, // 32: upper clamp (exp overflows above 88.72)
    1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, // 48
    0.693359375, 0.693359375, 0.693359375, 0.693359375, // 64: ln2 high part
    -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // 80: ln2 low part
    1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // 96: Cephes p0..p5
    1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, // 112
    8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, // 128
    4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, // 144
    1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, // 160
    5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, // 176
    1.0, 1.0, 1.0, 1.0, // 192
  ],
  16,
);
const EXPBIAS = memory.data<i32>([127, 127, 127, 127], 16);

/**
 * exp of four float32 lanes. x = n ln2 + r with |r| <= ln2/2 (n rounded to nearest by the
 * 1.5 * 2^23 trick, ln2 split in two so n*C1 is exact), exp(r) by the Cephes degree-6
 * polynomial, then * 2^n applied as 2^(n>>1) * 2^(n-(n>>1)) so results in the denormal range and
 * up to overflow round only once. Inputs are clamped to [-104, 88.8] (pmax/pmin keep NaN):
 * below, exp rounds to 0; above, the result overflows to +Inf. NaN stays NaN.
 */
@inline function vexp(x: v128): v128 {
  const magic = v128.load(EXPC);
  const xc = f32x4.pmin(f32x4.pmax(x, v128.load(EXPC, 16)), v128.load(EXPC, 32));
  const t = f32x4.add(f32x4.mul(xc, v128.load(EXPC, 48)), magic);
  const fn = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(fn, v128.load(EXPC, 64)));
  r = f32x4.sub(r, f32x4.mul(fn, v128.load(EXPC, 80)));
  let p = v128.load(EXPC, 96);
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPC, 112));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPC, 128));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPC, 144));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPC, 160));
  p = f32x4.add(f32x4.mul(p, r), v128.load(EXPC, 176));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), v128.load(EXPC, 192));
  const n = i32x4.sub(t, magic); // integer n (|n| <= 151) from the low mantissa bits
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = v128.load(EXPBIAS);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** Scalar exp through the same SIMD code (so tails match the vector body bit for bit). */
@inline function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

// ---------------------------------------------------------------------------------------------
// Row helpers (fast)

@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** NaN-propagating max of p[0..n), n >= 1. */
@inline function rowMax(p: usize, n: i32): f32 {
  let r = load<f32>(p);
  let i = 0;
  if (n >= 8) {
    let a0 = v128.load(p);
    let a1 = v128.load(p, 16);
    for (i = 8; i + 8 <= n; i += 8) {
      const q = p + (<usize>i << 2);
      a0 = f32x4.max(a0, v128.load(q));
      a1 = f32x4.max(a1, v128.load(q, 16));
    }
    a0 = f32x4.max(a0, a1);
    r = Mathf.max(
      Mathf.max(f32x4.extract_lane(a0, 0), f32x4.extract_lane(a0, 1)),
      Mathf.max(f32x4.extract_lane(a0, 2), f32x4.extract_lane(a0, 3)),
    );
  }
  for (; i < n; i++) r = Mathf.max(r, load<f32>(p + (<usize>i << 2)));
  return r;
}

/** sum_i exp(x[i] - m) in float64; when doStore, also out[i] = exp(x[i] - m). */
@inline function expSum(doStore: bool, x: usize, out: usize, n: i32, m: f32): f64 {
  const vm = f32x4.splat(m);
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const e0 = vexp(f32x4.sub(v128.load(x + off), vm));
    const e1 = vexp(f32x4.sub(v128.load(x + off, 16), vm));
    if (doStore) {
      v128.store(out + off, e0);
      v128.store(out + off, e1, 16);
    }
    a0 = f64x2.add(a0, lo64(e0));
    a1 = f64x2.add(a1, hi64(e0));
    a2 = f64x2.add(a2, lo64(e1));
    a3 = f64x2.add(a3, hi64(e1));
  }
  a0 = f64x2.add(f64x2.add(a0, a2), f64x2.add(a1, a3));
  let s = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const e = sexp(load<f32>(x + off) - m);
    if (doStore) store<f32>(out + off, e);
    s += <f64>e;
  }
  return s;
}

/** p[i] = p[i] / d. */
@inline function divRow(p: usize, n: i32, d: f32): void {
  const vd = f32x4.splat(d);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, f32x4.div(v128.load(q), vd));
  }
  for (; i < n; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, load<f32>(q) / d);
  }
}

/** sum_i p[i] in float64. */
@inline function sumRow(p: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    a0 = f64x2.add(a0, lo64(v));
    a1 = f64x2.add(a1, hi64(v));
  }
  a0 = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  for (; i < n; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

/** sum_i a[i] * b[i] in float64 (exact float64 products). */
@inline function dotRow(a: usize, b: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const v = v128.load(a + off);
    const w = v128.load(b + off);
    a0 = f64x2.add(a0, f64x2.mul(lo64(v), lo64(w)));
    a1 = f64x2.add(a1, f64x2.mul(hi64(v), hi64(w)));
  }
  a0 = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  for (; i < n; i++) {
    const off = <usize>i << 2;
    s += <f64>load<f32>(a + off) * <f64>load<f32>(b + off);
  }
  return s;
}

/** Cross-entropy pieces of a row: A = sum_j l_j * (x_j - m) and L = sum_j l_j (float64). */
@inline function labelDot(x: usize, l: usize, n: i32, m: f32, outL: usize): f64 {
  const vm = f32x4.splat(m);
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let b0 = a0;
  let b1 = a0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const d = f32x4.sub(v128.load(x + off), vm);
    const w = v128.load(l + off);
    a0 = f64x2.add(a0, f64x2.mul(lo64(w), lo64(d)));
    a1 = f64x2.add(a1, f64x2.mul(hi64(w), hi64(d)));
    b0 = f64x2.add(b0, lo64(w));
    b1 = f64x2.add(b1, hi64(w));
  }
  a0 = f64x2.add(a0, a1);
  b0 = f64x2.add(b0, b1);
  let a = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  let s = f64x2.extract_lane(b0, 0) + f64x2.extract_lane(b0, 1);
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const w = <f64>load<f32>(l + off);
    a += w * <f64>(load<f32>(x + off) - m);
    s += w;
  }
  store<f64>(outL, s);
  return a;
}

const scratch = memory.data(16, 16);

// ---------------------------------------------------------------------------------------------
// Forward

/** out[r, :] = softmax(x[r, :]) for a row-major [rows, cols] x; out may alias x. */
export function softmax(x: usize, out: usize, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const or = out + <usize>r * rowBytes;
    const m = rowMax(xr, cols);
    const s = expSum(true, xr, or, cols, m);
    divRow(or, cols, <f32>s);
  }
}

/** out[r, :] = x - max - log(sum(exp(x - max))) per row; out may alias x. */
export function logSoftmax(x: usize, out: usize, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const or = out + <usize>r * rowBytes;
    const m = rowMax(xr, cols);
    const lse = <f32>Math.log(expSum(false, xr, 0, cols, m));
    const vm = f32x4.splat(m);
    const vl = f32x4.splat(lse);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      v128.store(or + off, f32x4.sub(f32x4.sub(v128.load(xr + off), vm), vl));
    }
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      store<f32>(or + off, load<f32>(xr + off) - m - lse);
    }
  }
}

/**
 * Dense softmax cross-entropy: loss[r] = -sum_j labels[r, j] * logSoftmax(logits)[r, j]
 * (float32 [rows]); labels are float32 [rows, cols] (one-hot or soft). When probs != 0 it
 * receives softmax(logits) ([rows, cols]) for the backward pass. cols = 0 gives loss 0.
 */
export function softmaxCrossEntropy(
  logits: usize,
  labels: usize,
  loss: usize,
  probs: usize,
  rows: i32,
  cols: i32,
): void {
  if (rows <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    if (cols <= 0) {
      store<f32>(loss + (<usize>r << 2), 0);
      continue;
    }
    const xr = logits + <usize>r * rowBytes;
    const lr = labels + <usize>r * rowBytes;
    const m = rowMax(xr, cols);
    let s: f64;
    if (probs != 0) {
      const pr = probs + <usize>r * rowBytes;
      s = expSum(true, xr, pr, cols, m);
      divRow(pr, cols, <f32>s);
    } else {
      s = expSum(false, xr, 0, cols, m);
    }
    const a = labelDot(xr, lr, cols, m, scratch);
    const lsum = load<f64>(scratch);
    store<f32>(loss + (<usize>r << 2), <f32>(Math.log(s) * lsum - a));
  }
}

/**
 * Sparse softmax cross-entropy: labels are int32 [rows] class indices; loss[r] =
 * log(sum(exp(x - max))) - (x[label] - max). probs (optional, != 0) receives the softmax.
 * All labels are checked first: returns the first row whose label is outside [0, cols) (and
 * writes nothing), else -1.
 */
export function sparseSoftmaxCrossEntropy(
  logits: usize,
  labels: usize,
  loss: usize,
  probs: usize,
  rows: i32,
  cols: i32,
): i32 {
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(labels + (<usize>r << 2));
    if (t < 0 || t >= cols) return r;
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = logits + <usize>r * rowBytes;
    const m = rowMax(xr, cols);
    let s: f64;
    if (probs != 0) {
      const pr = probs + <usize>r * rowBytes;
      s = expSum(true, xr, pr, cols, m);
      divRow(pr, cols, <f32>s);
    } else {
      s = expSum(false, xr, 0, cols, m);
    }
    const t = load<i32>(labels + (<usize>r << 2));
    const xt = load<f32>(xr + (<usize>t << 2)) - m;
    store<f32>(loss + (<usize>r << 2), <f32>(Math.log(s) - <f64>xt));
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Backward

/** dx = y * (dy - sum_j dy_j y_j) per row, y the softmax output. dx may alias y or dy. */
export function softmaxBackward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * rowBytes;
    const yr = y + base;
    const gr = dy + base;
    const dr = dx + base;
    const s = <f32>dotRow(gr, yr, cols);
    const vs = f32x4.splat(s);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      v128.store(dr + off, f32x4.mul(v128.load(yr + off), f32x4.sub(v128.load(gr + off), vs)));
    }
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      store<f32>(dr + off, load<f32>(yr + off) * (load<f32>(gr + off) - s));
    }
  }
}

/** dx = dy - exp(y) * sum_j dy_j per row, y the logSoftmax output. dx may alias y or dy. */
export function logSoftmaxBackward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * rowBytes;
    const yr = y + base;
    const gr = dy + base;
    const dr = dx + base;
    const s = <f32>sumRow(gr, cols);
    const vs = f32x4.splat(s);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      v128.store(dr + off, f32x4.sub(v128.load(gr + off), f32x4.mul(vexp(v128.load(yr + off)), vs)));
    }
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      store<f32>(dr + off, load<f32>(gr + off) - sexp(load<f32>(yr + off)) * s);
    }
  }
}

/**
 * dlogits[r, i] = dloss[r] * (probs[r, i] * sum_j labels[r, j] - labels[r, i]); probs is the
 * softmax saved by {@link softmaxCrossEntropy}, dloss float32 [rows].
 */
export function softmaxCrossEntropyBackward(
  probs: usize,
  labels: usize,
  dloss: usize,
  dlogits: usize,
  rows: i32,
  cols: i32,
): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * rowBytes;
    const pr = probs + base;
    const lr = labels + base;
    const dr = dlogits + base;
    const g = load<f32>(dloss + (<usize>r << 2));
    const lsum = <f32>sumRow(lr, cols);
    const vg = f32x4.splat(g);
    const vl = f32x4.splat(lsum);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      const d = f32x4.sub(f32x4.mul(v128.load(pr + off), vl), v128.load(lr + off));
      v128.store(dr + off, f32x4.mul(vg, d));
    }
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      store<f32>(dr + off, g * (load<f32>(pr + off) * lsum - load<f32>(lr + off)));
    }
  }
}

/**
 * dlogits[r, i] = dloss[r] * (probs[r, i] - (i == labels[r] ? 1 : 0)); labels int32 [rows]
 * (a label outside [0, cols) subtracts nothing: the forward pass rejects those).
 */
export function sparseSoftmaxCrossEntropyBackward(
  probs: usize,
  labels: usize,
  dloss: usize,
  dlogits: usize,
  rows: i32,
  cols: i32,
): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * rowBytes;
    const pr = probs + base;
    const dr = dlogits + base;
    const g = load<f32>(dloss + (<usize>r << 2));
    const t = load<i32>(labels + (<usize>r << 2));
    const vg = f32x4.splat(g);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const off = <usize>i << 2;
      v128.store(dr + off, f32x4.mul(vg, v128.load(pr + off)));
    }
    for (; i < cols; i++) {
      const off = <usize>i << 2;
      store<f32>(dr + off, g * load<f32>(pr + off));
    }
    if (t >= 0 && t < cols) {
      const off = <usize>t << 2;
      store<f32>(dr + off, g * (load<f32>(pr + off) - 1));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scalar reference twins (Mathf.exp, sequential float64 sums, same formulas).

function rowMaxRef(p: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  for (let i = 0; i < n; i++) m = Mathf.max(m, load<f32>(p + (<usize>i << 2)));
  return m;
}

/** Scalar twin of {@link softmax}. */
export function softmaxRef(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>cols) << 2);
    const or = out + ((<usize>r * <usize>cols) << 2);
    const m = rowMaxRef(xr, cols);
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>i << 2)) - m);
      store<f32>(or + (<usize>i << 2), e);
      s += <f64>e;
    }
    const sf = <f32>s;
    for (let i = 0; i < cols; i++) store<f32>(or + (<usize>i << 2), load<f32>(or + (<usize>i << 2)) / sf);
  }
}

/** Scalar twin of {@link logSoftmax}. */
export function logSoftmaxRef(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>cols) << 2);
    const or = out + ((<usize>r * <usize>cols) << 2);
    const m = rowMaxRef(xr, cols);
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) s += <f64>Mathf.exp(load<f32>(xr + (<usize>i << 2)) - m);
    const lse = <f32>Math.log(s);
    for (let i = 0; i < cols; i++) store<f32>(or + (<usize>i << 2), load<f32>(xr + (<usize>i << 2)) - m - lse);
  }
}

/** Scalar twin of {@link softmaxCrossEntropy}. */
export function softmaxCrossEntropyRef(
  logits: usize,
  labels: usize,
  loss: usize,
  probs: usize,
  rows: i32,
  cols: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const xr = logits + ((<usize>r * <usize>cols) << 2);
    const lr = labels + ((<usize>r * <usize>cols) << 2);
    if (cols <= 0) {
      store<f32>(loss + (<usize>r << 2), 0);
      continue;
    }
    const m = rowMaxRef(xr, cols);
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) s += <f64>Mathf.exp(load<f32>(xr + (<usize>i << 2)) - m);
    let a: f64 = 0;
    let lsum: f64 = 0;
    for (let i = 0; i < cols; i++) {
      const w = <f64>load<f32>(lr + (<usize>i << 2));
      a += w * <f64>(load<f32>(xr + (<usize>i << 2)) - m);
      lsum += w;
    }
    store<f32>(loss + (<usize>r << 2), <f32>(Math.log(s) * lsum - a));
    if (probs != 0) {
      const pr = probs + ((<usize>r * <usize>cols) << 2);
      const sf = <f32>s;
      for (let i = 0; i < cols; i++) {
        store<f32>(pr + (<usize>i << 2), Mathf.exp(load<f32>(xr + (<usize>i << 2)) - m) / sf);
      }
    }
  }
}

/** Scalar twin of {@link sparseSoftmaxCrossEntropy}. */
export function sparseSoftmaxCrossEntropyRef(
  logits: usize,
  labels: usize,
  loss: usize,
  probs: usize,
  rows: i32,
  cols: i32,
): i32 {
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(labels + (<usize>r << 2));
    if (t < 0 || t >= cols) return r;
  }
  for (let r = 0; r < rows; r++) {
    const xr = logits + ((<usize>r * <usize>cols) << 2);
    const m = rowMaxRef(xr, cols);
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) s += <f64>Mathf.exp(load<f32>(xr + (<usize>i << 2)) - m);
    const t = load<i32>(labels + (<usize>r << 2));
    const xt = load<f32>(xr + (<usize>t << 2)) - m;
    store<f32>(loss + (<usize>r << 2), <f32>(Math.log(s) - <f64>xt));
    if (probs != 0) {
      const pr = probs + ((<usize>r * <usize>cols) << 2);
      const sf = <f32>s;
      for (let i = 0; i < cols; i++) {
        store<f32>(pr + (<usize>i << 2), Mathf.exp(load<f32>(xr + (<usize>i << 2)) - m) / sf);
      }
    }
  }
  return -1;
}

/** Scalar twin of {@link softmaxBackward}. */
export function softmaxBackwardRef(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * <usize>cols) << 2;
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) {
      const off = base + (<usize>i << 2);
      s += <f64>load<f32>(dy + off) * <f64>load<f32>(y + off);
    }
    const sf = <f32>s;
    for (let i = 0; i < cols; i++) {
      const off = base + (<usize>i << 2);
      store<f32>(dx + off, load<f32>(y + off) * (load<f32>(dy + off) - sf));
    }
  }
}

/** Scalar twin of {@link logSoftmaxBackward}. */
export function logSoftmaxBackwardRef(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * <usize>cols) << 2;
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) s += <f64>load<f32>(dy + base + (<usize>i << 2));
    const sf = <f32>s;
    for (let i = 0; i < cols; i++) {
      const off = base + (<usize>i << 2);
      store<f32>(dx + off, load<f32>(dy + off) - Mathf.exp(load<f32>(y + off)) * sf);
    }
  }
}

/** Scalar twin of {@link softmaxCrossEntropyBackward}. */
export function softmaxCrossEntropyBackwardRef(
  probs: usize,
  labels: usize,
  dloss: usize,
  dlogits: usize,
  rows: i32,
  cols: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * <usize>cols) << 2;
    const g = load<f32>(dloss + (<usize>r << 2));
    let s: f64 = 0;
    for (let i = 0; i < cols; i++) s += <f64>load<f32>(labels + base + (<usize>i << 2));
    const sf = <f32>s;
    for (let i = 0; i < cols; i++) {
      const off = base + (<usize>i << 2);
      store<f32>(dlogits + off, g * (load<f32>(probs + off) * sf - load<f32>(labels + off)));
    }
  }
}

/** Scalar twin of {@link sparseSoftmaxCrossEntropyBackward}. */
export function sparseSoftmaxCrossEntropyBackwardRef(
  probs: usize,
  labels: usize,
  dloss: usize,
  dlogits: usize,
  rows: i32,
  cols: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * <usize>cols) << 2;
    const g = load<f32>(dloss + (<usize>r << 2));
    const t = load<i32>(labels + (<usize>r << 2));
    for (let i = 0; i < cols; i++) {
      const off = base + (<usize>i << 2);
      const onehot: f32 = i == t ? 1 : 0;
      store<f32>(dlogits + off, g * (load<f32>(probs + off) - onehot));
    }
  }
}
