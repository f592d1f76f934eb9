// Shape and data-movement kernels: transpose, slice, pad, tile, copyBlock, gather, oneHot.
//
// Every kernel here (except gatherBackward) moves 4-byte elements as raw i32/v128 bits, never as
// float arithmetic, so float32 and int32 tensors both work and NaN payloads and -0 survive.
// Shapes, perms, begins, sizes, pads and reps are pointers to int32 arrays of `rank` entries
// (1 <= rank <= 8); all tensors are dense row-major; strides and counts are in elements.
// Inputs and outputs must not overlap.
//
// transpose, slice and the interior of pad all reduce to one strided N-D copy (`stridedCopy`):
// size-1 axes are dropped and adjacent axes that stay adjacent are merged, then the innermost
// work is either contiguous row copies or a cache-blocked 2-D transpose with 4x4 i32x4 shuffles.

// ---------------------------------------------------------------------------------------------
// Scratch (8 axes max): dims, src strides, dst strides, counters of the strided copy engine, and
// separate arrays for the loop axes and the reference kernels.
const scratch = memory.data(16 * 8 * 4, 64);
const SD: usize = scratch; // dims
const SS: usize = scratch + 32; // src strides
const SDS: usize = scratch + 64; // dst strides
const LD: usize = scratch + 96; // loop dims
const LS: usize = scratch + 128; // loop src strides
const LDS: usize = scratch + 160; // loop dst strides
const IDX: usize = scratch + 192; // loop counters
const RST: usize = scratch + 224; // reference kernels: input strides
const TST: usize = scratch + 256; // tile: output strides

@inline function geti(p: usize, k: i32): i32 {
  return load<i32>(p + (<usize>k << 2));
}
@inline function seti(p: usize, k: i32, v: i32): void {
  store<i32>(p + (<usize>k << 2), v);
}
@inline function addr(p: usize, elems: i32): usize {
  return p + (<usize>elems << 2);
}

/** Copies n 4-byte elements (non-overlapping). */
@inline function copyElems(dst: usize, src: usize, n: i32): void {
  if (n >= 16) {
    memory.copy(dst, src, <usize>n << 2);
  } else {
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(addr(dst, i), v128.load(addr(src, i)));
    for (; i < n; i++) store<i32>(addr(dst, i), load<i32>(addr(src, i)));
  }
}

/** Writes n copies of the 32-bit pattern `bits`. */
function fill32(dst: usize, n: i32, bits: i32): void {
  if (bits == 0) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = addr(dst, i);
    v128.store(p, v);
    v128.store(p, v, 16);
    v128.store(p, v, 32);
    v128.store(p, v, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(addr(dst, i), v);
  for (; i < n; i++) store<i32>(addr(dst, i), bits);
}

/** The block [dst, dst + len) is repeated to fill [dst, dst + len * count) by doubling copies. */
function repeatBlock(dst: usize, len: i32, count: i32): void {
  const total = len * count;
  let done = len;
  while (done < total) {
    const n = min(done, total - done);
    memory.copy(addr(dst, done), dst, <usize>n << 2);
    done += n;
  }
}

// ---------------------------------------------------------------------------------------------
// 2-D transpose: dst[j * dStride + i] = src[i * sStride + j] for i < R, j < C.

const TILE_I: i32 = 128;
const TILE_J: i32 = 8;

@inline function tr4x4(src: usize, sRow: usize, dst: usize, dRow: usize): void {
  const a = v128.load(src);
  const b = v128.load(src + sRow);
  const c = v128.load(src + 2 * sRow);
  const d = v128.load(src + 3 * sRow);
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dRow, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dRow, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dRow, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

function transpose2d(src: usize, dst: usize, R: i32, sStride: i32, C: i32, dStride: i32): void {
  const sRow = <usize>sStride << 2;
  const dRow = <usize>dStride << 2;
  if (R < 4 || C < 4) {
    // Too thin for 4x4 blocks: walk the destination contiguously.
    for (let j = 0; j < C; j++) {
      const d = addr(dst, j * dStride);
      const s = addr(src, j);
      for (let i = 0; i < R; i++) store<i32>(addr(d, i), load<i32>(s + <usize>i * sRow));
    }
    return;
  }
  for (let ib = 0; ib < R; ib += TILE_I) {
    const iEnd = min(ib + TILE_I, R);
    const iEnd4 = ib + ((iEnd - ib) & ~3);
    for (let jb = 0; jb < C; jb += TILE_J) {
      const jEnd = min(jb + TILE_J, C);
      const jEnd4 = jb + ((jEnd - jb) & ~3);
      for (let i = ib; i < iEnd4; i += 4) {
        const s = src + <usize>i * sRow;
        const d = addr(dst, i);
        let j = jb;
        for (; j < jEnd4; j += 4) tr4x4(addr(s, j), sRow, d + <usize>j * dRow, dRow);
        for (; j < jEnd; j++) {
          const sp = addr(s, j);
          const dp = d + <usize>j * dRow;
          store<i32>(dp, load<i32>(sp));
          store<i32>(dp, load<i32>(sp + sRow), 4);
          store<i32>(dp, load<i32>(sp + 2 * sRow), 8);
          store<i32>(dp, load<i32>(sp + 3 * sRow), 12);
        }
      }
      for (let i = iEnd4; i < iEnd; i++) {
        const s = src + <usize>i * sRow;
        const d = addr(dst, i);
        for (let j = jb; j < jEnd; j++) store<i32>(d + <usize>j * dRow, load<i32>(addr(s, j)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Strided N-D copy engine: dst[sum i_k * SDS[k]] = src[sum i_k * SS[k]] over the box SD[0..n).
// The caller fills SD/SS/SDS (n axes, outer to inner).

const MODE_ROWS: i32 = 0;
const MODE_T2D: i32 = 1;
const MODE_SCALAR: i32 = 2;

function stridedCopy(src: usize, dst: usize, rank: i32): void {
  // Drop size-1 axes, merge adjacent axes that are contiguous in both src and dst.
  let n = 0;
  for (let k = 0; k < rank; k++) {
    const d = geti(SD, k);
    if (d == 0) return;
    if (d == 1) continue;
    const s = geti(SS, k);
    const t = geti(SDS, k);
    if (n > 0 && geti(SS, n - 1) == s * d && geti(SDS, n - 1) == t * d) {
      seti(SD, n - 1, geti(SD, n - 1) * d);
      seti(SS, n - 1, s);
      seti(SDS, n - 1, t);
    } else {
      seti(SD, n, d);
      seti(SS, n, s);
      seti(SDS, n, t);
      n++;
    }
  }
  if (n == 0) {
    store<i32>(dst, load<i32>(src));
    return;
  }
  const last = n - 1;
  const L = geti(SD, last);
  const lastS = geti(SS, last);
  const lastD = geti(SDS, last);
  let mode = MODE_SCALAR;
  let b = -1; // MODE_T2D: the axis that is contiguous in src
  if (lastS == 1 && lastD == 1) {
    mode = MODE_ROWS;
  } else if (lastD == 1) {
    for (let k = 0; k < last; k++) {
      if (geti(SS, k) == 1) b = k;
    }
    if (b >= 0) mode = MODE_T2D;
  }
  const C = b >= 0 ? geti(SD, b) : 0;
  const bD = b >= 0 ? geti(SDS, b) : 0;
  // Loop axes: every axis but the last (and b).
  let m = 0;
  let total = 1;
  for (let k = 0; k < last; k++) {
    if (k == b) continue;
    seti(LD, m, geti(SD, k));
    seti(LS, m, geti(SS, k));
    seti(LDS, m, geti(SDS, k));
    seti(IDX, m, 0);
    total *= geti(SD, k);
    m++;
  }
  let so = 0;
  let dof = 0;
  for (let t = 0; t < total; t++) {
    const s = addr(src, so);
    const d = addr(dst, dof);
    if (mode == MODE_ROWS) {
      copyElems(d, s, L);
    } else if (mode == MODE_T2D) {
      transpose2d(s, d, L, lastS, C, bD);
    } else {
      for (let i = 0; i < L; i++) {
        store<i32>(addr(d, i * lastD), load<i32>(addr(s, i * lastS)));
      }
    }
    // Odometer step.
    let k = m - 1;
    while (k >= 0) {
      const c = geti(IDX, k) + 1;
      so += geti(LS, k);
      dof += geti(LDS, k);
      if (c < geti(LD, k)) {
        seti(IDX, k, c);
        break;
      }
      so -= c * geti(LS, k);
      dof -= c * geti(LDS, k);
      seti(IDX, k, 0);
      k--;
    }
  }
}

/** Row-major strides of `shape` into `strides`; returns the element count. */
function rowStrides(shape: usize, rank: i32, strides: usize): i32 {
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    seti(strides, k, s);
    s *= geti(shape, k);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// transpose

/**
 * out = x with axes permuted (NumPy/TF semantics): out.shape[i] = shape[perm[i]] and
 * out[i_0, ..., i_{r-1}] = x[j] where j[perm[i]] = i_i. `perm` must be a permutation of 0..rank-1.
 */
export function transpose(x: usize, out: usize, rank: i32, shape: usize, perm: usize): void {
  rowStrides(shape, rank, RST);
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    const p = geti(perm, k);
    const d = geti(shape, p);
    seti(SD, k, d);
    seti(SS, k, geti(RST, p));
    seti(SDS, k, s);
    s *= d;
  }
  stridedCopy(x, out, rank);
}

/** Scalar reference of {@link transpose}: one element at a time by div/mod. */
export function transposeRef(x: usize, out: usize, rank: i32, shape: usize, perm: usize): void {
  rowStrides(shape, rank, RST);
  let total = 1;
  for (let k = 0; k < rank; k++) total *= geti(shape, k);
  for (let f = 0; f < total; f++) {
    let rem = f;
    let src = 0;
    for (let k = rank - 1; k >= 0; k--) {
      const p = geti(perm, k);
      const d = geti(shape, p);
      src += (rem % d) * geti(RST, p);
      rem /= d;
    }
    store<i32>(addr(out, f), load<i32>(addr(x, src)));
  }
}

// ---------------------------------------------------------------------------------------------
// slice

/**
 * out = x[begin_0 : begin_0 + size_0, ...] (contiguous out of shape `size`). The caller
 * guarantees 0 <= begin_k and begin_k + size_k <= shape_k.
 */
export function slice(x: usize, out: usize, rank: i32, shape: usize, begin: usize, size: usize): void {
  let xs = 1;
  let os = 1;
  let off = 0;
  for (let k = rank - 1; k >= 0; k--) {
    const d = geti(size, k);
    seti(SD, k, d);
    seti(SS, k, xs);
    seti(SDS, k, os);
    off += geti(begin, k) * xs;
    xs *= geti(shape, k);
    os *= d;
  }
  stridedCopy(addr(x, off), out, rank);
}

/** Scalar reference of {@link slice}. */
export function sliceRef(x: usize, out: usize, rank: i32, shape: usize, begin: usize, size: usize): void {
  rowStrides(shape, rank, RST);
  let total = 1;
  for (let k = 0; k < rank; k++) total *= geti(size, k);
  for (let f = 0; f < total; f++) {
    let rem = f;
    let src = 0;
    for (let k = rank - 1; k >= 0; k--) {
      const d = geti(size, k);
      src += (geti(begin, k) + (rem % d)) * geti(RST, k);
      rem /= d;
    }
    store<i32>(addr(out, f), load<i32>(addr(x, src)));
  }
}

// ---------------------------------------------------------------------------------------------
// copyBlock

/**
 * 2-D strided copy: dst[r * dstStride + c] = src[r * srcStride + c] for r < rows, c < cols
 * (strides in elements). Used for concat and for writing a slice back into a bigger tensor.
 */
export function copyBlock(src: usize, dst: usize, rows: i32, cols: i32, srcStride: i32, dstStride: i32): void {
  if (rows <= 0 || cols <= 0) return;
  if (srcStride == cols && dstStride == cols) {
    memory.copy(dst, src, (<usize>rows * <usize>cols) << 2);
    return;
  }
  for (let r = 0; r < rows; r++) {
    copyElems(addr(dst, r * dstStride), addr(src, r * srcStride), cols);
  }
}

// ---------------------------------------------------------------------------------------------
// pad

/**
 * Constant padding: out has shape[k] + before[k] + after[k] along axis k; the x box sits at
 * offset before[k]; every other element is `value` (its float32 bits).
 */
export function pad(x: usize, out: usize, rank: i32, shape: usize, before: usize, after: usize, value: f32): void {
  const bits = reinterpret<i32>(value);
  const last = rank - 1;
  let total = 1;
  for (let k = 0; k < rank; k++) {
    const d = geti(shape, k) + geti(before, k) + geti(after, k);
    seti(LD, k, d);
    seti(IDX, k, 0);
    total *= d;
  }
  if (total == 0) return;
  const W = geti(LD, last);
  const bl = geti(before, last);
  const xl = geti(shape, last);
  const al = geti(after, last);
  const rows = total / W;
  let xo = 0;
  let oo = 0;
  for (let r = 0; r < rows; r++) {
    // Row r of out covers outer index IDX[0..last); it holds x data iff every coord is inside.
    let inside = xl > 0;
    for (let k = 0; k < last; k++) {
      const i = geti(IDX, k) - geti(before, k);
      if (i < 0 || i >= geti(shape, k)) {
        inside = false;
        break;
      }
    }
    const d = addr(out, oo);
    if (inside) {
      fill32(d, bl, bits);
      copyElems(addr(d, bl), addr(x, xo), xl);
      fill32(addr(d, bl + xl), al, bits);
      xo += xl;
    } else {
      fill32(d, W, bits);
    }
    oo += W;
    for (let k = last - 1; k >= 0; k--) {
      const c = geti(IDX, k) + 1;
      if (c < geti(LD, k)) {
        seti(IDX, k, c);
        break;
      }
      seti(IDX, k, 0);
    }
  }
}

/** Scalar reference of {@link pad}. */
export function padRef(x: usize, out: usize, rank: i32, shape: usize, before: usize, after: usize, value: f32): void {
  const bits = reinterpret<i32>(value);
  rowStrides(shape, rank, RST);
  let total = 1;
  for (let k = 0; k < rank; k++) total *= geti(shape, k) + geti(before, k) + geti(after, k);
  for (let f = 0; f < total; f++) {
    let rem = f;
    let src = 0;
    let inside = true;
    for (let k = rank - 1; k >= 0; k--) {
      const d = geti(shape, k) + geti(before, k) + geti(after, k);
      const i = (rem % d) - geti(before, k);
      rem /= d;
      if (i < 0 || i >= geti(shape, k)) inside = false;
      src += i * geti(RST, k);
    }
    store<i32>(addr(out, f), inside ? load<i32>(addr(x, src)) : bits);
  }
}

// ---------------------------------------------------------------------------------------------
// tile

/**
 * NumPy tile with reps given per axis (same rank as x): out.shape[k] = shape[k] * reps[k],
 * out[i] = x[i mod shape] per axis.
 */
export function tile(x: usize, out: usize, rank: i32, shape: usize, reps: usize): void {
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    seti(TST, k, s);
    s *= geti(shape, k) * geti(reps, k);
  }
  if (s == 0) return;
  const last = rank - 1;
  const W = geti(shape, last);
  const rl = geti(reps, last);
  // 1. The rows of x go to their first-copy positions in out, each repeated along the last axis.
  let outerX = 1;
  for (let k = 0; k < last; k++) {
    outerX *= geti(shape, k);
    seti(IDX, k, 0);
  }
  let oo = 0;
  for (let r = 0; r < outerX; r++) {
    const d = addr(out, oo);
    copyElems(d, addr(x, r * W), W);
    repeatBlock(d, W, rl);
    for (let k = last - 1; k >= 0; k--) {
      const c = geti(IDX, k) + 1;
      oo += geti(TST, k);
      if (c < geti(shape, k)) {
        seti(IDX, k, c);
        break;
      }
      oo -= c * geti(TST, k);
      seti(IDX, k, 0);
    }
  }
  // 2. Inner to outer: each complete first-copy block along axis k is repeated reps[k] times.
  for (let a = last - 1; a >= 0; a--) {
    const ra = geti(reps, a);
    if (ra == 1) continue;
    const B = geti(shape, a) * geti(TST, a);
    let outer = 1;
    for (let k = 0; k < a; k++) {
      outer *= geti(shape, k);
      seti(IDX, k, 0);
    }
    oo = 0;
    for (let r = 0; r < outer; r++) {
      repeatBlock(addr(out, oo), B, ra);
      for (let k = a - 1; k >= 0; k--) {
        const c = geti(IDX, k) + 1;
        oo += geti(TST, k);
        if (c < geti(shape, k)) {
          seti(IDX, k, c);
          break;
        }
        oo -= c * geti(TST, k);
        seti(IDX, k, 0);
      }
    }
  }
}

/** Scalar reference of {@link tile}. */
export function tileRef(x: usize, out: usize, rank: i32, shape: usize, reps: usize): void {
  rowStrides(shape, rank, RST);
  let total = 1;
  for (let k = 0; k < rank; k++) total *= geti(shape, k) * geti(reps, k);
  for (let f = 0; f < total; f++) {
    let rem = f;
    let src = 0;
    for (let k = rank - 1; k >= 0; k--) {
      const s = geti(shape, k);
      const d = s * geti(reps, k);
      src += ((rem % d) % s) * geti(RST, k);
      rem /= d;
    }
    store<i32>(addr(out, f), load<i32>(addr(x, src)));
  }
}

// ---------------------------------------------------------------------------------------------
// gather / gatherBackward / oneHot

/** Position of the first index outside [0, len), or -1. */
function firstBad(indices: usize, n: i32, len: i32): i32 {
  for (let j = 0; j < n; j++) {
    if (<u32>geti(indices, j) >= <u32>len) return j;
  }
  return -1;
}

/**
 * x viewed as [outer, len, inner], out as [outer, nIdx, inner]: out[o, j, :] = x[o, indices[j], :]
 * (indices int32). Returns the position j of the first index outside [0, len) without writing
 * anything, else -1.
 */
export function gather(x: usize, indices: usize, out: usize, outer: i32, len: i32, inner: i32, nIdx: i32): i32 {
  const bad = firstBad(indices, nIdx, len);
  if (bad >= 0) return bad;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const xs = addr(x, o * len);
      const d = addr(out, o * nIdx);
      for (let j = 0; j < nIdx; j++) store<i32>(addr(d, j), load<i32>(addr(xs, geti(indices, j))));
    }
    return -1;
  }
  for (let o = 0; o < outer; o++) {
    const xs = addr(x, o * len * inner);
    const d = addr(out, o * nIdx * inner);
    for (let j = 0; j < nIdx; j++) {
      copyElems(addr(d, j * inner), addr(xs, geti(indices, j) * inner), inner);
    }
  }
  return -1;
}

/** Scalar reference of {@link gather}. */
export function gatherRef(x: usize, indices: usize, out: usize, outer: i32, len: i32, inner: i32, nIdx: i32): i32 {
  for (let j = 0; j < nIdx; j++) {
    const ix = geti(indices, j);
    if (ix < 0 || ix >= len) return j;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const ix = geti(indices, j);
      for (let i = 0; i < inner; i++) {
        store<i32>(addr(out, (o * nIdx + j) * inner + i), load<i32>(addr(x, (o * len + ix) * inner + i)));
      }
    }
  }
  return -1;
}

/**
 * Gradient of gather: dx ([outer, len, inner] float32) is zeroed, then for o, then j ascending,
 * dx[o, indices[j], :] += dy[o, j, :] (float32 adds in that fixed order, so repeated indices sum
 * deterministically). Indices outside [0, len) are skipped (gather rejects them anyway).
 */
export function gatherBackward(dy: usize, indices: usize, dx: usize, outer: i32, len: i32, inner: i32, nIdx: i32): void {
  memory.fill(dx, 0, (<usize>outer * <usize>len * <usize>inner) << 2);
  for (let o = 0; o < outer; o++) {
    const dxo = addr(dx, o * len * inner);
    const dyo = addr(dy, o * nIdx * inner);
    for (let j = 0; j < nIdx; j++) {
      const ix = geti(indices, j);
      if (<u32>ix >= <u32>len) continue;
      const d = addr(dxo, ix * inner);
      const s = addr(dyo, j * inner);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = addr(d, i);
        v128.store(p, f32x4.add(v128.load(p), v128.load(addr(s, i))));
      }
      for (; i < inner; i++) {
        const p = addr(d, i);
        store<f32>(p, load<f32>(p) + load<f32>(addr(s, i)));
      }
    }
  }
}

/**
 * out [n, depth] float32: out[i, indices[i]] = on, everything else off. Returns the position of
 * the first index outside [0, depth) without writing anything, else -1.
 */
export function oneHot(indices: usize, out: usize, n: i32, depth: i32, on: f32, off: f32): i32 {
  const bad = firstBad(indices, n, depth);
  if (bad >= 0) return bad;
  fill32(out, n * depth, reinterpret<i32>(off));
  for (let i = 0; i < n; i++) store<f32>(addr(out, i * depth + geti(indices, i)), on);
  return -1;
}
