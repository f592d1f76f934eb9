// GEMM: C = op(A) · op(B) (+ C) (+ bias) (relu), row-major float32.
//
// Main path (Goto/BLIS layout): for each NC-wide column block of C and each KC-deep slice of
// k, op(B) is packed into NR-wide micro-panels (kc rows of NR contiguous floats); then for each
// MC-tall row block, op(A) is packed into MR-tall micro-panels with every value pre-broadcast
// to a full f32x4 (so the micro-kernel loads A with plain v128 loads whose offsets fold into
// the address: measured ~8% faster than load32_splat on V8). Transposition happens while
// packing, so one 4x8 micro-kernel (8 f32x4 accumulators, 14 live v128) serves A·B, Aᵀ·B,
// A·Bᵀ and Aᵀ·Bᵀ. Edges are packed with zeros; partial tiles go through a scratch tile.
// Shape-selected side paths (no or less packing where it would not be amortized):
//   m < SMALL_M (batch-1 inference): row by row, B read in place.
//   n < SMALL_N: dot products of A rows with op(B) columns, or (op(A) = Aᵀ) rows of Cᵀ.
//   n <= DIRECT_A_N: B packed, A read in place by the same micro-kernel (kernel4x8d).
// Determinism: the path and the summation order depend only on the shape and transpose flags.
// In the packed paths each KC slice is accumulated in increasing k from zero and the slices
// are added into C in increasing order; with beta = 0 the old contents of C are never read.

const MR: i32 = 4;
const NR: i32 = 8;
// Blocking. The build links with `--initialMemory 1`, so all static data of the module must fit
// in one 64 KiB page: the default blocking (KC 128, MC 4, NC 80) uses 49 KiB of scratch and
// repacks A for every 80-column block. With a larger initial memory (drop `--initialMemory 1`
// from scripts/build.mjs), BIG_SCRATCH = true (KC 256, MC 64, NC 512: 768 KiB of scratch,
// A packed once per 512 columns) measured about 8% faster on large products.
const BIG_SCRATCH = true;
const KC: i32 = BIG_SCRATCH ? 256 : 128;
const MC: i32 = BIG_SCRATCH ? 64 : 4;
const NC: i32 = BIG_SCRATCH ? 512 : 80;
// Products with fewer columns than this (and m >= MR) take the dot-product path.
const SMALL_N: i32 = 8;
// Products with fewer rows than this take the row-by-row path (B read in place, no packing).
const SMALL_M: i32 = 8;
// Products at most this wide read A in place instead of packing it.
const DIRECT_A_N: i32 = 40;

// Scratch: packed A block (MC x KC), packed B panel (KC x NC), one partial C tile. Static for
// the main instance; each worker instance of the threads build points them at its own area
// (gemmSetScratch), since all instances share one memory.
let packA: usize = memory.data(MC * KC * 16, 64);
let packB: usize = memory.data(KC * NC * 4, 64);
let tile: usize = memory.data(MR * NR * 4, 64);

/** Bytes of GEMM scratch one instance needs (see gemmSetScratch). */
export function gemmScratchSize(): i32 {
  return MC * KC * 16 + KC * NC * 4 + MR * NR * 4;
}

/**
 * Points this instance's GEMM scratch at `base` (gemmScratchSize() bytes, 64-byte aligned,
 * owned by this instance): worker instances of the threads build call it once at start.
 */
export function gemmSetScratch(base: usize): void {
  packA = base;
  packB = base + <usize>(MC * KC * 16);
  tile = packB + <usize>(KC * NC * 4);
}

// Write-back flags.
const F_ACC: i32 = 1; // add the existing C
const F_BIAS: i32 = 2; // add bias[j]
const F_RELU: i32 = 4; // max(x, 0)

@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** Finishes 4 results held in `v` and stores them at `cp` (bias read at `bp`). */
@inline
function fin4(cp: usize, v: v128, bp: usize, flags: i32): void {
  if (flags & F_ACC) v = f32x4.add(v128.load(cp), v);
  if (flags & F_BIAS) v = f32x4.add(v, v128.load(bp));
  if (flags & F_RELU) v = f32x4.max(v, f32x4.splat(0));
  v128.store(cp, v);
}

/** Scalar twin of fin4 (same operations in the same order). */
@inline
function fin1(cp: usize, v: f32, bp: usize, flags: i32): void {
  if (flags & F_ACC) v = load<f32>(cp) + v;
  if (flags & F_BIAS) v = v + load<f32>(bp);
  if (flags & F_RELU) v = Mathf.max(v, 0);
  store<f32>(cp, v);
}

/** Stores each lane of `v` broadcast to a full vector (the pre-broadcast A layout). */
@inline
function putA(dst: usize, v: v128): void {
  v128.store(dst, i32x4.shuffle(v, v, 0, 0, 0, 0));
  v128.store(dst, i32x4.shuffle(v, v, 1, 1, 1, 1), 16);
  v128.store(dst, i32x4.shuffle(v, v, 2, 2, 2, 2), 32);
  v128.store(dst, i32x4.shuffle(v, v, 3, 3, 3, 3), 48);
}

/** Byte address of element (row, col) of a row-major matrix with leading dimension ld. */
@inline
function ptr(base: usize, row: i32, ld: i32, col: i32): usize {
  return base + ((<usize>row * <usize>ld + <usize>col) << 2);
}

// ---------------------------------------------------------------------------------------
// Packing

/**
 * Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into packA as MR-row micro-panels: for each p, the MR
 * values each broadcast to 4 lanes (64 bytes); rows past mc are zeros.
 */
function packABlock(transA: i32, a: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32): void {
  const ldab = <usize>lda << 2;
  if (transA) {
    // op(A)[i][p] = A[p][i]: row p of A holds the MR values of one p for every panel; walk
    // the rows once (each cache line is read once) and scatter 4-float groups to the panels.
    const full = mc & ~(MR - 1);
    const pstride = <usize>(MR * kc) << 4;
    let src = ptr(a, p0, lda, i0);
    for (let p = 0; p < kc; p++) {
      let dst = packA + (<usize>(p * MR) << 4);
      let ir = 0;
      for (; ir < full; ir += MR) {
        putA(dst, v128.load(src + (<usize>ir << 2)));
        dst += pstride;
      }
      if (ir < mc) {
        for (let r = 0; r < MR; r++) {
          v128.store(dst + (<usize>r << 4), f32x4.splat(ir + r < mc ? load<f32>(src + (<usize>(ir + r) << 2)) : 0));
        }
      }
      src += ldab;
    }
    return;
  }
  let dst = packA;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const i = i0 + ir;
    // op(A)[i + r][p] = A[i + r][p]: broadcast each value straight from its row.
    const s0 = ptr(a, i, lda, p0);
    if (mr == MR) {
      const s1 = s0 + ldab;
      const s2 = s1 + ldab;
      const s3 = s2 + ldab;
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        v128.store(dst, v128.load32_splat(s0 + o));
        v128.store(dst, v128.load32_splat(s1 + o), 16);
        v128.store(dst, v128.load32_splat(s2 + o), 32);
        v128.store(dst, v128.load32_splat(s3 + o), 48);
        dst += 64;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        for (let r = 0; r < MR; r++) {
          v128.store(dst + (<usize>r << 4), f32x4.splat(r < mr ? load<f32>(s0 + <usize>r * ldab + o) : 0));
        }
        dst += 64;
      }
    }
  }
}

/**
 * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into `out` (packB, or a caller's buffer) as NR-column
 * micro-panels (zero padded): panel q (columns jr = q*NR ..) at out + q*kc*NR floats.
 */
function packBBlock(
  transB: i32,
  b: usize,
  ldb: i32,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  out: usize,
): void {
  const ldbb = <usize>ldb << 2;
  if (!transB) {
    // op(B)[p][j] = B[p][j]: walk the rows of B once, scattering 8-float groups to the panels.
    const full = nc & ~(NR - 1);
    const pstride = <usize>(NR * kc) << 2;
    let src = ptr(b, p0, ldb, j0);
    for (let p = 0; p < kc; p++) {
      let dst = out + (<usize>(p * NR) << 2);
      let jr = 0;
      for (; jr < full; jr += NR) {
        const s = src + (<usize>jr << 2);
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        dst += pstride;
      }
      if (jr < nc) {
        for (let q = 0; q < NR; q++) {
          store<f32>(dst + (<usize>q << 2), jr + q < nc ? load<f32>(src + (<usize>(jr + q) << 2)) : 0);
        }
      }
      src += ldbb;
    }
    return;
  }
  let dst = out;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const j = j0 + jr;
    // op(B)[p][j + c] = B[j + c][p]: read two 4x4 blocks and transpose them.
    const s0 = ptr(b, j, ldb, p0);
    if (nr == NR) {
      const s1 = s0 + ldbb;
      const s2 = s1 + ldbb;
      const s3 = s2 + ldbb;
      const s4 = s3 + ldbb;
      const s5 = s4 + ldbb;
      const s6 = s5 + ldbb;
      const s7 = s6 + ldbb;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        let r0 = v128.load(s0 + o);
        let r1 = v128.load(s1 + o);
        let r2 = v128.load(s2 + o);
        let r3 = v128.load(s3 + o);
        let t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
        let t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
        let t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        let t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
        v128.store(dst, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 32);
        v128.store(dst, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 64);
        v128.store(dst, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 96);
        r0 = v128.load(s4 + o);
        r1 = v128.load(s5 + o);
        r2 = v128.load(s6 + o);
        r3 = v128.load(s7 + o);
        t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
        t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
        t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5), 16);
        v128.store(dst, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 48);
        v128.store(dst, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 80);
        v128.store(dst, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 112);
        dst += 128;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        for (let q = 0; q < NR; q++) {
          store<f32>(dst + (<usize>q << 2), load<f32>(s0 + <usize>q * ldbb + o));
        }
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        for (let q = 0; q < NR; q++) {
          store<f32>(dst + (<usize>q << 2), q < nr ? load<f32>(s0 + <usize>q * ldbb + o) : 0);
        }
        dst += 32;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Micro-kernel: C[0..mr, 0..nr] (=|+=) Apanel (kc x MR) · Bpanel (kc x NR), 8 accumulators.

/** Writes a finished MR x NR tile (or its mr x nr corner) of C. */
@inline
function writeTile(
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  bias: usize,
  flags: i32,
  c00: v128,
  c01: v128,
  c10: v128,
  c11: v128,
  c20: v128,
  c21: v128,
  c30: v128,
  c31: v128,
): void {
  const ldcb = <usize>ldc << 2;
  if (mr == MR && nr == NR) {
    fin4(c, c00, bias, flags);
    fin4(c + 16, c01, bias + 16, flags);
    c += ldcb;
    fin4(c, c10, bias, flags);
    fin4(c + 16, c11, bias + 16, flags);
    c += ldcb;
    fin4(c, c20, bias, flags);
    fin4(c + 16, c21, bias + 16, flags);
    c += ldcb;
    fin4(c, c30, bias, flags);
    fin4(c + 16, c31, bias + 16, flags);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    for (let r = 0; r < mr; r++) {
      const t = tile + (<usize>(r * NR) << 2);
      for (let q = 0; q < nr; q++) {
        const o = <usize>q << 2;
        fin1(c + o, load<f32>(t + o), bias + o, flags);
      }
      c += ldcb;
    }
  }
}

function kernel4x8(
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  bias: usize,
  flags: i32,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load(pa, 16);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load(pa, 32);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load(pa, 48);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 64;
    pb += 32;
  }
  writeTile(c, ldc, mr, nr, bias, flags, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * Same micro-kernel with A read in place (no packing), for products too narrow to amortize
 * packing A: a(r, p) at ar + p * sp (r = 0..3; rows past m alias a valid row).
 */
function kernel4x8d(
  kc: i32,
  a0: usize,
  a1: usize,
  a2: usize,
  a3: usize,
  sp: usize,
  pb: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  bias: usize,
  flags: i32,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let o: usize = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(a0 + o);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(a1 + o);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(a2 + o);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(a3 + o);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    o += sp;
    pb += 32;
  }
  writeTile(c, ldc, mr, nr, bias, flags, c00, c01, c10, c11, c20, c21, c30, c31);
}

// ---------------------------------------------------------------------------------------
// Unpacked paths for few rows (m < SMALL_M) and few columns (n < SMALL_N).

/** One row of C = a_row · op(B) where op(B) = B (k x n, contiguous rows). a(p) at a + p*sa. */
function rowTimesB(
  n: i32,
  k: i32,
  a: usize,
  sa: usize,
  b: usize,
  ldb: i32,
  c: usize,
  bias: usize,
  flags: i32,
): void {
  const ldbb = <usize>ldb << 2;
  let j = 0;
  // 32 columns per pass: eight independent sums hide the add latency, and each row of B is
  // read two cache lines at a time.
  for (; j + 32 <= n; j += 32) {
    let c0 = f32x4.splat(0);
    let c1 = f32x4.splat(0);
    let c2 = f32x4.splat(0);
    let c3 = f32x4.splat(0);
    let c4 = f32x4.splat(0);
    let c5 = f32x4.splat(0);
    let c6 = f32x4.splat(0);
    let c7 = f32x4.splat(0);
    let ap = a;
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const s = v128.load32_splat(ap);
      c0 = madd(s, v128.load(bp), c0);
      c1 = madd(s, v128.load(bp, 16), c1);
      c2 = madd(s, v128.load(bp, 32), c2);
      c3 = madd(s, v128.load(bp, 48), c3);
      c4 = madd(s, v128.load(bp, 64), c4);
      c5 = madd(s, v128.load(bp, 80), c5);
      c6 = madd(s, v128.load(bp, 96), c6);
      c7 = madd(s, v128.load(bp, 112), c7);
      ap += sa;
      bp += ldbb;
    }
    const o = <usize>j << 2;
    fin4(c + o, c0, bias + o, flags);
    fin4(c + o + 16, c1, bias + o + 16, flags);
    fin4(c + o + 32, c2, bias + o + 32, flags);
    fin4(c + o + 48, c3, bias + o + 48, flags);
    fin4(c + o + 64, c4, bias + o + 64, flags);
    fin4(c + o + 80, c5, bias + o + 80, flags);
    fin4(c + o + 96, c6, bias + o + 96, flags);
    fin4(c + o + 112, c7, bias + o + 112, flags);
  }
  for (; j + 16 <= n; j += 16) {
    let c0 = f32x4.splat(0);
    let c1 = f32x4.splat(0);
    let c2 = f32x4.splat(0);
    let c3 = f32x4.splat(0);
    let ap = a;
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const s = v128.load32_splat(ap);
      c0 = madd(s, v128.load(bp), c0);
      c1 = madd(s, v128.load(bp, 16), c1);
      c2 = madd(s, v128.load(bp, 32), c2);
      c3 = madd(s, v128.load(bp, 48), c3);
      ap += sa;
      bp += ldbb;
    }
    const o = <usize>j << 2;
    fin4(c + o, c0, bias + o, flags);
    fin4(c + o + 16, c1, bias + o + 16, flags);
    fin4(c + o + 32, c2, bias + o + 32, flags);
    fin4(c + o + 48, c3, bias + o + 48, flags);
  }
  for (; j + 4 <= n; j += 4) {
    let c0 = f32x4.splat(0);
    let ap = a;
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      c0 = madd(v128.load32_splat(ap), v128.load(bp), c0);
      ap += sa;
      bp += ldbb;
    }
    const o = <usize>j << 2;
    fin4(c + o, c0, bias + o, flags);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let ap = a;
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(ap) * load<f32>(bp);
      ap += sa;
      bp += ldbb;
    }
    const o = <usize>j << 2;
    fin1(c + o, s, bias + o, flags);
  }
}

@inline
function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/** One row of C = a_row · Bᵀ where B is n x k (contiguous rows) and a_row is contiguous. */
function rowTimesBt(
  n: i32,
  k: i32,
  a: usize,
  b: usize,
  ldb: i32,
  c: usize,
  bias: usize,
  flags: i32,
): void {
  const ldbb = <usize>ldb << 2;
  const k4 = k & ~3;
  let j = 0;
  for (; j < n; j += 4) {
    const nj = min(4, n - j);
    // Rows past n alias the last row: computed and discarded (keeps one code path).
    const b0 = b + <usize>j * ldbb;
    const b1 = b + <usize>(j + min(1, nj - 1)) * ldbb;
    const b2 = b + <usize>(j + min(2, nj - 1)) * ldbb;
    const b3 = b + <usize>(j + min(3, nj - 1)) * ldbb;
    let c0 = f32x4.splat(0);
    let c1 = f32x4.splat(0);
    let c2 = f32x4.splat(0);
    let c3 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const av = v128.load(a + o);
      c0 = madd(av, v128.load(b0 + o), c0);
      c1 = madd(av, v128.load(b1 + o), c1);
      c2 = madd(av, v128.load(b2 + o), c2);
      c3 = madd(av, v128.load(b3 + o), c3);
    }
    let s0 = hsum(c0);
    let s1 = hsum(c1);
    let s2 = hsum(c2);
    let s3 = hsum(c3);
    for (let p = k4; p < k; p++) {
      const o = <usize>p << 2;
      const x = load<f32>(a + o);
      s0 += x * load<f32>(b0 + o);
      s1 += x * load<f32>(b1 + o);
      s2 += x * load<f32>(b2 + o);
      s3 += x * load<f32>(b3 + o);
    }
    const o = <usize>j << 2;
    fin1(c + o, s0, bias + o, flags);
    if (nj > 1) fin1(c + o + 4, s1, bias + o + 4, flags);
    if (nj > 2) fin1(c + o + 8, s2, bias + o + 8, flags);
    if (nj > 3) fin1(c + o + 12, s3, bias + o + 12, flags);
  }
}

/**
 * Few-column path: C[i][j] = dot(A row i, bt row j) for j < n, with A's rows and bt's rows
 * (op(B) columns) contiguous; four rows of A at a time share each load of bt.
 */
function dotRows(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  bt: usize,
  ldbt: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  flags: i32,
): void {
  const ldab = <usize>lda << 2;
  const k4 = k & ~3;
  for (let j = 0; j < n; j++) {
    const bj = bt + <usize>j * (<usize>ldbt << 2);
    const bp = bias + (<usize>j << 2);
    for (let i = 0; i < m; i += 4) {
      const ni = min(4, m - i);
      // Rows past m alias the last row: computed and discarded.
      const a0 = a + <usize>i * ldab;
      const a1 = a + <usize>(i + min(1, ni - 1)) * ldab;
      const a2 = a + <usize>(i + min(2, ni - 1)) * ldab;
      const a3 = a + <usize>(i + min(3, ni - 1)) * ldab;
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let c2 = f32x4.splat(0);
      let c3 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        const bv = v128.load(bj + o);
        c0 = madd(v128.load(a0 + o), bv, c0);
        c1 = madd(v128.load(a1 + o), bv, c1);
        c2 = madd(v128.load(a2 + o), bv, c2);
        c3 = madd(v128.load(a3 + o), bv, c3);
      }
      let s0 = hsum(c0);
      let s1 = hsum(c1);
      let s2 = hsum(c2);
      let s3 = hsum(c3);
      for (let p = k4; p < k; p++) {
        const o = <usize>p << 2;
        const y = load<f32>(bj + o);
        s0 += load<f32>(a0 + o) * y;
        s1 += load<f32>(a1 + o) * y;
        s2 += load<f32>(a2 + o) * y;
        s3 += load<f32>(a3 + o) * y;
      }
      const cp = ptr(c, i, ldc, j);
      const ldcb = <usize>ldc << 2;
      fin1(cp, s0, bp, flags);
      if (ni > 1) fin1(cp + ldcb, s1, bp, flags);
      if (ni > 2) fin1(cp + 2 * ldcb, s2, bp, flags);
      if (ni > 3) fin1(cp + 3 * ldcb, s3, bp, flags);
    }
  }
}

// ---------------------------------------------------------------------------------------

/**
 * C (m x n, row stride ldc) = op(A) · op(B), row-major, leading dimensions in elements.
 * op(A) = A (m x k, stride lda) or, if transA = 1, Aᵀ with A stored k x m; op(B) = B (k x n,
 * stride ldb) or, if transB = 1, Bᵀ with B stored n x k. beta != 0 adds into C, beta = 0
 * overwrites it (old contents ignored). Then bias[j] (n floats) is added if bias != 0, then
 * act = 1 applies relu (max(x, 0)).
 */
export function gemm(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  act: i32,
  beta: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const post = (bias != 0 ? F_BIAS : 0) | (act == 1 ? F_RELU : 0);
  if (k <= 0) {
    const flags = (beta != 0 ? F_ACC : 0) | post;
    for (let i = 0; i < m; i++) {
      const cr = ptr(c, i, ldc, 0);
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 2;
        fin1(cr + o, 0, bias + o, flags);
      }
    }
    return;
  }
  if (n < SMALL_N && m >= MR && !transA && (transB || k <= (KC * NC) / n)) {
    // Few columns (e.g. a 1-output layer): dot products; op(B)'s columns gathered if strided.
    const flags = (beta != 0 ? F_ACC : 0) | post;
    let bt = b;
    let ldbt = ldb;
    if (!transB) {
      for (let j = 0; j < n; j++) {
        for (let p = 0; p < k; p++) {
          store<f32>(packB + (<usize>(j * k + p) << 2), load<f32>(ptr(b, p, ldb, j)));
        }
      }
      bt = packB;
      ldbt = k;
    }
    dotRows(m, n, k, a, lda, bt, ldbt, c, ldc, bias, flags);
    return;
  }
  if (n < SMALL_N && m >= MR && transA && m <= KC * NC) {
    // Few columns of Aᵀ·op(B) (e.g. the weight gradient of a 1-output layer): column j of C
    // is the row op(B)[:, j]ᵀ · A, computed contiguously into scratch, then scattered.
    const flags = (beta != 0 ? F_ACC : 0) | post;
    const sb: usize = transB ? 4 : <usize>ldb << 2;
    for (let j = 0; j < n; j++) {
      const bcol = transB ? ptr(b, j, ldb, 0) : ptr(b, 0, ldb, j);
      rowTimesB(m, k, bcol, sb, a, lda, packB, 0, 0);
      const bp = bias + (<usize>j << 2);
      for (let i = 0; i < m; i++) {
        fin1(ptr(c, i, ldc, j), load<f32>(packB + (<usize>i << 2)), bp, flags);
      }
    }
    return;
  }
  if (m < SMALL_M && (!(transA && transB) || k <= KC * NC)) {
    const flags = (beta != 0 ? F_ACC : 0) | post;
    for (let i = 0; i < m; i++) {
      const cr = ptr(c, i, ldc, 0);
      if (!transB) {
        // a(i, p) = A[i][p] (stride 1) or, transposed, A[p][i] (stride lda).
        const ar = transA ? ptr(a, 0, lda, i) : ptr(a, i, lda, 0);
        const sa: usize = transA ? <usize>lda << 2 : 4;
        rowTimesB(n, k, ar, sa, b, ldb, cr, bias, flags);
      } else if (!transA) {
        rowTimesBt(n, k, ptr(a, i, lda, 0), b, ldb, cr, bias, flags);
      } else {
        // Aᵀ·Bᵀ: gather the strided row of op(A) first.
        for (let p = 0; p < k; p++) store<f32>(packB + (<usize>p << 2), load<f32>(ptr(a, p, lda, i)));
        rowTimesBt(n, k, packB, b, ldb, cr, bias, flags);
      }
    }
    return;
  }
  // k-blocking: one block when both packing buffers can hold all of k (fewer rows per A
  // block), else equal blocks of at most KC, so no thin tail block re-reads C. Depends only
  // on the shape, so the summation order stays fixed.
  const ncMax = min(NC, n);
  const ncPad = (ncMax + NR - 1) & ~(NR - 1);
  let kcap = KC;
  if (k > KC && k * ncPad <= KC * NC && (MC * KC) / k >= MR * 4) kcap = k;
  const kBlocks = (k + kcap - 1) / kcap;
  const kcb = (k + kBlocks - 1) / kBlocks;
  const mcb = min(MC, ((MC * KC) / kcb) & ~(MR - 1));
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcb) {
      const kc = min(kcb, k - pc);
      const flags = (pc > 0 || beta != 0 ? F_ACC : 0) | (pc + kc >= k ? post : 0);
      packBBlock(transB, b, ldb, pc, kc, jc, nc, packB);
      if (n <= DIRECT_A_N) {
        // Narrow: each A micro-panel would serve at most a few B panels; read A in place.
        const sr: usize = transA ? 4 : <usize>lda << 2;
        const sp: usize = transA ? <usize>lda << 2 : 4;
        for (let i = 0; i < m; i += MR) {
          const mr = min(MR, m - i);
          const a0 = transA ? ptr(a, pc, lda, i) : ptr(a, i, lda, pc);
          const a1 = a0 + <usize>min(1, mr - 1) * sr;
          const a2 = a0 + <usize>min(2, mr - 1) * sr;
          const a3 = a0 + <usize>min(3, mr - 1) * sr;
          for (let jr = 0; jr < nc; jr += NR) {
            const bj = bias != 0 ? bias + (<usize>(jc + jr) << 2) : 0;
            const pb = packB + (<usize>(jr * kc) << 2);
            const cp = ptr(c, i, ldc, jc + jr);
            kernel4x8d(kc, a0, a1, a2, a3, sp, pb, cp, ldc, mr, min(NR, nc - jr), bj, flags);
          }
        }
        continue;
      }
      for (let ic = 0; ic < m; ic += mcb) {
        const mc = min(mcb, m - ic);
        packABlock(transA, a, lda, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packB + (<usize>(jr * kc) << 2);
          const bj = bias != 0 ? bias + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x8(
              kc,
              packA + (<usize>(ir * kc) << 4),
              pb,
              ptr(c, ic + ir, ldc, jc + jr),
              ldc,
              min(MR, mc - ir),
              nr,
              bj,
              flags,
            );
          }
        }
      }
    }
  }
}

/** Reference twin of gemm: a plain triple loop, same signature and meaning. */
export function gemmRef(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  act: i32,
  beta: i32,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? load<f32>(ptr(a, p, lda, i)) : load<f32>(ptr(a, i, lda, p));
        const y = transB ? load<f32>(ptr(b, j, ldb, p)) : load<f32>(ptr(b, p, ldb, j));
        s += x * y;
      }
      const cp = ptr(c, i, ldc, j);
      let v = beta != 0 ? load<f32>(cp) + s : s;
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      if (act == 1) v = Mathf.max(v, 0);
      store<f32>(cp, v);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Pre-packed B: pack op(B) once (e.g. a recurrent kernel used at every timestep), then run
// many products against it without repacking.
//
// Layout (gemmPackB): op(B) is k x n; panel q holds columns 8q .. 8q+7 over the whole depth k,
// at dst + q*k*8 floats, row p of the panel at +p*8; columns past n are zeros. Total
// gemmPackedSize(k, n) = k * ceil(n / 8) * 8 floats.

/** Floats gemmPackB writes for an op(B) of k x n: k times n rounded up to a multiple of 8. */
export function gemmPackedSize(k: i32, n: i32): i32 {
  return k * ((n + NR - 1) & ~(NR - 1));
}

/**
 * Packs op(B) (k x n; B itself n x k when transB = 1), leading dimension ldb, into dst
 * (gemmPackedSize(k, n) floats, layout above), for gemmPacked.
 */
export function gemmPackB(transB: i32, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  if (k <= 0 || n <= 0) return;
  packBBlock(transB, b, ldb, 0, k, 0, n, dst);
}

/** Reference twin of gemmPackB (plain loops, same layout). */
export function gemmPackBRef(transB: i32, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  const np = (n + NR - 1) & ~(NR - 1);
  for (let j = 0; j < np; j++) {
    for (let p = 0; p < k; p++) {
      const v: f32 = j >= n ? 0 : transB ? load<f32>(ptr(b, j, ldb, p)) : load<f32>(ptr(b, p, ldb, j));
      store<f32>(dst + (<usize>((j / NR) * k * NR + p * NR + (j % NR)) << 2), v);
    }
  }
}

/**
 * C (m x n, stride ldc) = op(A) · op(B) with op(B) pre-packed by gemmPackB(.., k, n, ..) at pb;
 * op(A), bias, act and beta as in gemm. One pass over the whole depth k per 4x8 tile (each
 * element of C is one sum over p in increasing order, then + C, + bias, relu). op(A) is packed
 * in blocks of rows; with m < 4 or k > 4096 it is read in place instead.
 */
export function gemmPacked(
  transA: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  pb: usize,
  c: usize,
  ldc: i32,
  bias: usize,
  act: i32,
  beta: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const flags = (beta != 0 ? F_ACC : 0) | (bias != 0 ? F_BIAS : 0) | (act == 1 ? F_RELU : 0);
  if (k <= 0) {
    for (let i = 0; i < m; i++) {
      const cr = ptr(c, i, ldc, 0);
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 2;
        fin1(cr + o, 0, bias + o, flags);
      }
    }
    return;
  }
  const sr: usize = transA ? 4 : <usize>lda << 2;
  const sp: usize = transA ? <usize>lda << 2 : 4;
  const panel = <usize>(k * NR) << 2;
  const mcb = min(MC, ((MC * KC) / k) & ~(MR - 1));
  if (m >= MR && mcb >= MR) {
    // op(A) packed (pre-broadcast) a block of rows at a time, as in gemm's main path: measured
    // ~10% faster than reading A in place for (64 x 128)·(128 x 512).
    for (let ic = 0; ic < m; ic += mcb) {
      const mc = min(mcb, m - ic);
      packABlock(transA, a, lda, ic, mc, 0, k);
      let bp = pb;
      for (let j = 0; j < n; j += NR) {
        const bj = bias != 0 ? bias + (<usize>j << 2) : 0;
        const nr = min(NR, n - j);
        for (let ir = 0; ir < mc; ir += MR) {
          kernel4x8(k, packA + (<usize>(ir * k) << 4), bp, ptr(c, ic + ir, ldc, j), ldc, min(MR, mc - ir), nr, bj, flags);
        }
        bp += panel;
      }
    }
    return;
  }
  let bp = pb;
  for (let j = 0; j < n; j += NR) {
    const bj = bias != 0 ? bias + (<usize>j << 2) : 0;
    const nr = min(NR, n - j);
    for (let i = 0; i < m; i += MR) {
      const mr = min(MR, m - i);
      const a0 = transA ? ptr(a, 0, lda, i) : ptr(a, i, lda, 0);
      const a1 = a0 + <usize>min(1, mr - 1) * sr;
      const a2 = a0 + <usize>min(2, mr - 1) * sr;
      const a3 = a0 + <usize>min(3, mr - 1) * sr;
      kernel4x8d(k, a0, a1, a2, a3, sp, bp, ptr(c, i, ldc, j), ldc, mr, nr, bj, flags);
    }
    bp += panel;
  }
}

/** Reference twin of gemmPacked: a plain triple loop reading op(B) from the packed layout. */
export function gemmPackedRef(
  transA: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  pb: usize,
  c: usize,
  ldc: i32,
  bias: usize,
  act: i32,
  beta: i32,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? load<f32>(ptr(a, p, lda, i)) : load<f32>(ptr(a, i, lda, p));
        const y = load<f32>(pb + (<usize>((j / NR) * k * NR + p * NR + (j % NR)) << 2));
        s += x * y;
      }
      const cp = ptr(c, i, ldc, j);
      let v = beta != 0 ? load<f32>(cp) + s : s;
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      if (act == 1) v = Mathf.max(v, 0);
      store<f32>(cp, v);
    }
  }
}
