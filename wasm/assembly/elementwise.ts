// Elementwise kernels: binary ops (same shape and NumPy broadcasting), gradient accumulation,
// affine scaling, fills, casts and a finiteness check. f32 data unless named otherwise.
//
// Binary op codes (binarySame, binaryBroadcast and their Refs):
//   0 add   1 sub   2 mul   3 div   4 maximum   5 minimum   6 pow   7 squaredDifference (a-b)^2
//   comparisons, giving 1.0 or 0.0 (NaN compares false, except notEqual):
//   8 equal   9 notEqual   10 greater   11 greaterEqual   12 less   13 lessEqual
// maximum/minimum follow wasm f32.max/min (= JS Math.max/min): NaN propagates, max(-0, 0) = 0.
// pow is Mathf.pow per lane (with JS Math.pow's special cases) (the others are single IEEE operations, so fast and Ref agree
// bit for bit). Unknown op codes leave the output untouched.

// Counters of the broadcast walk (rank <= 8).
const counters = memory.data(32, 16);

/**
 * pow with JavaScript's Math.pow semantics (what TF.js computes): as C pow, except that
 * (±1) ** (±Infinity or NaN) is NaN instead of 1.
 */
// @ts-ignore: decorator
@inline function powJs(a: f32, b: f32): f32 {
  if (Mathf.abs(a) == 1 && !isFinite<f32>(b)) return NaN;
  return Mathf.pow(a, b);
}

// ---------------------------------------------------------------------------------------------
// Binary ops

// @ts-ignore: decorator
@inline function sBin(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return Mathf.max(a, b);
    case 5: return Mathf.min(a, b);
    case 6: return powJs(a, b);
    case 7: {
      const d = a - b;
      return d * d;
    }
    case 8: return a == b ? 1 : 0;
    case 9: return a != b ? 1 : 0;
    case 10: return a > b ? 1 : 0;
    case 11: return a >= b ? 1 : 0;
    case 12: return a < b ? 1 : 0;
    case 13: return a <= b ? 1 : 0;
    default: return a;
  }
}

// @ts-ignore: decorator
@inline function vBin(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    case 4: return f32x4.max(a, b);
    case 5: return f32x4.min(a, b);
    case 6: {
      let r = f32x4.splat(powJs(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
      r = f32x4.replace_lane(r, 1, powJs(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
      r = f32x4.replace_lane(r, 2, powJs(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
      r = f32x4.replace_lane(r, 3, powJs(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
      return r;
    }
    case 7: {
      const d = f32x4.sub(a, b);
      return f32x4.mul(d, d);
    }
    // A comparison mask (all ones or zeros per lane) ANDed with 1.0f gives 1.0 or 0.0.
    case 8: return v128.and(f32x4.eq(a, b), f32x4.splat(1));
    case 9: return v128.and(f32x4.ne(a, b), f32x4.splat(1));
    case 10: return v128.and(f32x4.gt(a, b), f32x4.splat(1));
    case 11: return v128.and(f32x4.ge(a, b), f32x4.splat(1));
    case 12: return v128.and(f32x4.lt(a, b), f32x4.splat(1));
    case 13: return v128.and(f32x4.le(a, b), f32x4.splat(1));
    default: return a;
  }
}

/** out[i] = a[i] op b[i] for i < n. */
// @ts-ignore: decorator
@inline function rowSame(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, vBin(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, sBin(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/** out[i] = av op b[i]. */
// @ts-ignore: decorator
@inline function rowSplatA(op: i32, av: f32, b: usize, out: usize, n: i32): void {
  const va = f32x4.splat(av);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, vBin(op, va, v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, sBin(op, av, load<f32>(b + o)));
  }
}

/** out[i] = a[i] op bv. */
// @ts-ignore: decorator
@inline function rowSplatB(op: i32, a: usize, bv: f32, out: usize, n: i32): void {
  const vb = f32x4.splat(bv);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, vBin(op, v128.load(a + o), vb));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, sBin(op, load<f32>(a + o), bv));
  }
}

// @ts-ignore: decorator
@inline function sameOp(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  rowSame(op, a, b, out, n);
}

/** out[i] = a[i] op b[i], i < n, all contiguous f32; out may alias a or b. */
export function binarySame(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case 0: sameOp(0, a, b, out, n); break;
    case 1: sameOp(1, a, b, out, n); break;
    case 2: sameOp(2, a, b, out, n); break;
    case 3: sameOp(3, a, b, out, n); break;
    case 4: sameOp(4, a, b, out, n); break;
    case 5: sameOp(5, a, b, out, n); break;
    case 6: sameOp(6, a, b, out, n); break;
    case 7: sameOp(7, a, b, out, n); break;
    case 8: sameOp(8, a, b, out, n); break;
    case 9: sameOp(9, a, b, out, n); break;
    case 10: sameOp(10, a, b, out, n); break;
    case 11: sameOp(11, a, b, out, n); break;
    case 12: sameOp(12, a, b, out, n); break;
    case 13: sameOp(13, a, b, out, n); break;
    default: break;
  }
}

/** Scalar reference of `binarySame`. */
export function binarySameRef(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  if (op < 0 || op > 13) return;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, sBin(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/** One innermost row of the broadcast walk: n elements, element strides sa and sb. */
// @ts-ignore: decorator
@inline function bcastRow(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  n: i32,
  sa: i32,
  sb: i32,
): void {
  if (sa == 1 && sb == 1) {
    rowSame(op, a, b, out, n);
  } else if (sa == 0 && sb == 1) {
    rowSplatA(op, load<f32>(a), b, out, n);
  } else if (sa == 1 && sb == 0) {
    rowSplatB(op, a, load<f32>(b), out, n);
  } else if (sa == 0 && sb == 0) {
    const v = sBin(op, load<f32>(a), load<f32>(b));
    const vv = f32x4.splat(v);
    const n4 = n & ~3;
    let i = 0;
    for (; i < n4; i += 4) v128.store(out + ((<usize>i) << 2), vv);
    for (; i < n; i++) store<f32>(out + ((<usize>i) << 2), v);
  } else {
    for (let i = 0; i < n; i++) {
      store<f32>(
        out + ((<usize>i) << 2),
        sBin(op, load<f32>(a + ((<usize>(i * sa)) << 2)), load<f32>(b + ((<usize>(i * sb)) << 2))),
      );
    }
  }
}

// @ts-ignore: decorator
@inline function bcastOp(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  rank: i32,
  outShape: usize,
  aStrides: usize,
  bStrides: usize,
): void {
  if (rank <= 0) {
    store<f32>(out, sBin(op, load<f32>(a), load<f32>(b)));
    return;
  }
  const last = rank - 1;
  let outer = 1;
  for (let d = 0; d < rank; d++) {
    const s = load<i32>(outShape + ((<usize>d) << 2));
    if (s <= 0) return;
    if (d < last) outer *= s;
    if (d < 8) store<i32>(counters + ((<usize>d) << 2), 0);
  }
  const lastOff = (<usize>last) << 2;
  const len = load<i32>(outShape + lastOff);
  const sa = load<i32>(aStrides + lastOff);
  const sb = load<i32>(bStrides + lastOff);
  let aOff = 0;
  let bOff = 0;
  let o = out;
  const rowBytes = (<usize>len) << 2;
  for (let it = 0; it < outer; it++) {
    bcastRow(op, a + ((<usize>aOff) << 2), b + ((<usize>bOff) << 2), o, len, sa, sb);
    o += rowBytes;
    // Odometer step over the outer dims, last outer dim fastest.
    for (let d = last - 1; d >= 0; d--) {
      const dOff = (<usize>d) << 2;
      const c = load<i32>(counters + dOff) + 1;
      const as = load<i32>(aStrides + dOff);
      const bs = load<i32>(bStrides + dOff);
      if (c < load<i32>(outShape + dOff)) {
        store<i32>(counters + dOff, c);
        aOff += as;
        bOff += bs;
        break;
      }
      store<i32>(counters + dOff, 0);
      aOff -= (c - 1) * as;
      bOff -= (c - 1) * bs;
    }
  }
}

/**
 * NumPy broadcasting: out (contiguous, shape outShape) = a op b, where element
 * (i0..i{rank-1}) reads a[sum ik * aStrides[k]] and b[sum ik * bStrides[k]]. outShape, aStrides,
 * bStrides are i32 arrays of length rank (1..8), strides in elements, 0 on broadcast dims.
 * The innermost dim runs with SIMD when its strides are (1,1), (0,1) or (1,0).
 */
export function binaryBroadcast(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  rank: i32,
  outShape: usize,
  aStrides: usize,
  bStrides: usize,
): void {
  switch (op) {
    case 0: bcastOp(0, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 1: bcastOp(1, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 2: bcastOp(2, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 3: bcastOp(3, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 4: bcastOp(4, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 5: bcastOp(5, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 6: bcastOp(6, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 7: bcastOp(7, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 8: bcastOp(8, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 9: bcastOp(9, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 10: bcastOp(10, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 11: bcastOp(11, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 12: bcastOp(12, a, b, out, rank, outShape, aStrides, bStrides); break;
    case 13: bcastOp(13, a, b, out, rank, outShape, aStrides, bStrides); break;
    default: break;
  }
}

/** Scalar reference of `binaryBroadcast`: decomposes every flat output index. */
export function binaryBroadcastRef(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  rank: i32,
  outShape: usize,
  aStrides: usize,
  bStrides: usize,
): void {
  if (op < 0 || op > 13) return;
  let total = 1;
  for (let d = 0; d < rank; d++) total *= load<i32>(outShape + ((<usize>d) << 2));
  for (let i = 0; i < total; i++) {
    let rest = i;
    let aOff = 0;
    let bOff = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const dOff = (<usize>d) << 2;
      const s = load<i32>(outShape + dOff);
      const c = rest % s;
      rest = rest / s;
      aOff += c * load<i32>(aStrides + dOff);
      bOff += c * load<i32>(bStrides + dOff);
    }
    store<f32>(
      out + ((<usize>i) << 2),
      sBin(op, load<f32>(a + ((<usize>aOff) << 2)), load<f32>(b + ((<usize>bOff) << 2))),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Accumulate, affine, fill

/** dst[i] += src[i] (gradient accumulation). */
export function addInto(dst: usize, src: usize, n: i32): void {
  rowSame(0, dst, src, dst, n);
}

/** Scalar reference of `addInto`. */
export function addIntoRef(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** out[i] = x[i] * scale + shift (a multiply then an add, never fused); out may alias x. */
export function scaleAdd(x: usize, out: usize, n: i32, scale: f32, shift: f32): void {
  const vs = f32x4.splat(scale);
  const vt = f32x4.splat(shift);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.add(f32x4.mul(v128.load(x + o), vs), vt));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(x + o) * scale + shift);
  }
}

/** Scalar reference of `scaleAdd`. */
export function scaleAddRef(x: usize, out: usize, n: i32, scale: f32, shift: f32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(x + o) * scale + shift);
  }
}

/** out[i] = value (f32). */
export function fillF32(out: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(out + ((<usize>i) << 2), v);
  for (; i < n; i++) store<f32>(out + ((<usize>i) << 2), value);
}

/** Scalar reference of `fillF32`. */
export function fillF32Ref(out: usize, n: i32, value: f32): void {
  for (let i = 0; i < n; i++) store<f32>(out + ((<usize>i) << 2), value);
}

/** out[i] = value (i32). */
export function fillI32(out: usize, n: i32, value: i32): void {
  const v = i32x4.splat(value);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(out + ((<usize>i) << 2), v);
  for (; i < n; i++) store<i32>(out + ((<usize>i) << 2), value);
}

/** Scalar reference of `fillI32`. */
export function fillI32Ref(out: usize, n: i32, value: i32): void {
  for (let i = 0; i < n; i++) store<i32>(out + ((<usize>i) << 2), value);
}

// ---------------------------------------------------------------------------------------------
// Casts and checks

/**
 * JavaScript's ToInt32 of an f32 (what `new Int32Array(float32Array)` does, hence TF.js cast):
 * truncation toward zero, NaN and ±Inf give 0, values beyond the i32 range wrap modulo 2^32.
 */
// @ts-ignore: decorator
@inline function toInt32(v: f32): i32 {
  const a = Mathf.abs(v);
  if (a < 2147483648.0) return <i32>v;
  if (a < 9223372036854775808.0) return <i32>(<i64>v);
  return 0; // NaN, ±Inf, or a multiple of 2^40
}

/** out[i] = ToInt32(x[i]) (see toInt32: truncate toward zero, NaN/Inf -> 0, wraps like JS). */
export function castF32ToI32(x: usize, out: usize, n: i32): void {
  const lim = f32x4.splat(2147483648.0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const v = v128.load(x + o);
    if (v128.all_true<i32>(f32x4.lt(f32x4.abs(v), lim))) {
      v128.store(out + o, i32x4.trunc_sat_f32x4_s(v));
    } else {
      for (let j = 0; j < 4; j++) {
        const oj = o + ((<usize>j) << 2);
        store<i32>(out + oj, toInt32(load<f32>(x + oj)));
      }
    }
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<i32>(out + o, toInt32(load<f32>(x + o)));
  }
}

/** Scalar reference of `castF32ToI32`. */
export function castF32ToI32Ref(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<i32>(out + o, toInt32(load<f32>(x + o)));
  }
}

/** out[i] = f32(x[i]) (round to nearest even, as JS). */
export function castI32ToF32(x: usize, out: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.convert_i32x4_s(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, <f32>load<i32>(x + o));
  }
}

/** Scalar reference of `castI32ToF32`. */
export function castI32ToF32Ref(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, <f32>load<i32>(x + o));
  }
}

/** -1 when every x[i] is finite, else the index of the first NaN or ±Infinity. */
export function allFinite(x: usize, n: i32): i32 {
  const expMask = i32x4.splat(0x7f800000);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const v = v128.load(x + ((<usize>i) << 2));
    if (v128.any_true(i32x4.eq(v128.and(v, expMask), expMask))) break;
  }
  for (; i < n; i++) {
    if ((load<u32>(x + ((<usize>i) << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}

/** Scalar reference of `allFinite`. */
export function allFiniteRef(x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    if (!isFinite<f32>(load<f32>(x + ((<usize>i) << 2)))) return i;
  }
  return -1;
}
