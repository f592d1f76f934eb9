// Training kernels for 3x3 stride-1 convolutions (NHWC, filters [3, 3, C, OC]), all Winograd
// F(4x4, 3x3): the filter gradient (winogradFilterGrad), the convolution (winograd4Filter +
// winograd4Conv, at the end of the file) that runs the forward pass and, with convFlipFilter's
// filter, the input gradient.
//
// Filter gradient. The forward pass of one 4x4 output tile is, per channel pair (c, oc),
//   Y = Aᵀ [ U ⊙ V ] A,   U = G g Gᵀ,   V = Bᵀ d B   (6x6; d the 6x6 input patch; the matrices
// of winograd.ts: Lavin & Gray, points 0, ±1, ±2, ∞). Y is linear in U and U in g, so with the
// tile's output gradient dY (4x4, zero past the output's edge) the filter gradient is
//   dg = Gᵀ [ Σ_tiles (A dY Aᵀ) ⊙ V ] G,
// exact in exact arithmetic. Summed over channels and tiles, the bracket is 36 independent
// products S_f[C, OC] = Σ_t V_f[t, c] · Ŷ_f[t, oc] (Ŷ = A dY Aᵀ): 36 multiplies per tile and
// channel pair where im2col's product takes 144, plus transforms linear in C and OC.
//
// Numerics: the transforms scale values up by ~100 and the final Gᵀ S G back down; with the
// block sums below, results differ from a float64 direct sum by about as much as im2col's
// float32 sums do (~1e-6 to 1e-5 of the gradient's largest entries at 8k tiles).
//
// Layouts (floats): geom as in conv.ts (16 int32: [N, H, W, C, KH, KW, OH, OW, sH, sW, padTop,
// padLeft, dH, dW, OC, 0]), KH = KW = 3, strides and dilations 1. Work (winogradFilterGradWorkSize):
//   scratch (384 floats) | V [36][T][Cp] | Ŷ [36][T][OCp] | S [36][Cp][OCp]
// with Cp = C rounded up to 4, OCp = OC rounded up to 8 (the padded lanes hold zeros) and T
// tiles per block (winogradFilterGradBlock). Tiles are numbered n-major, then tile row, then
// tile column. Each block's products are summed from zero in tile order, then added to S (block
// sums keep float32 rounding near that of im2col's chunked sums, where one running sum over
// thousands of tiles was several times worse); the result depends on the shape only (T is a
// function of C and OC) and equals the scalar twin's bit for bit in the SIMD build.

// Constant vectors, loaded once per call (so that they stay in registers).
const KG: usize = memory.data<f32>(
  [
    4, 4, 4, 4,
    2, 2, 2, 2,
    8, 8, 8, 8,
    0.25, 0.25, 0.25, 0.25,
    <f32>1 / 6, <f32>1 / 6, <f32>1 / 6, <f32>1 / 6,
    <f32>1 / 12, <f32>1 / 12, <f32>1 / 12, <f32>1 / 12,
    <f32>1 / 24, <f32>1 / 24, <f32>1 / 24, <f32>1 / 24,
    <f32>-1 / 6, <f32>-1 / 6, <f32>-1 / 6, <f32>-1 / 6,
  ],
  16,
);

/** Floats of scratch at the start of the work area (two-step transforms). */
const SCRATCH: i32 = 384;

@inline function gi(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** min(n, 4) floats at p as a vector (the rest zero); zero when n <= 0. */
@inline function loadPart(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (n <= 0) return v;
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first min(n, 4) lanes of v at p. */
@inline function storePart(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Tiles per block of the filter gradient: V and Ŷ of a block take about 192 KiB. */
export function winogradFilterGradBlock(C: i32, OC: i32): i32 {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const t = (192 * 1024) / (36 * 4 * (cp + ocp));
  return max(16, min(128, t & ~3));
}

/** Floats of work {@link winogradFilterGrad} needs for C input and OC output channels. */
export function winogradFilterGradWorkSize(C: i32, OC: i32): i32 {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  return SCRATCH + 36 * winogradFilterGradBlock(C, OC) * (cp + ocp) + 36 * cp * ocp;
}

// ---------------------------------------------------------------------------------------------
// The three 1-D transforms, on four lanes at once (SIMD) or one (scalar twins): the same
// operations in the same order, so both round alike.

/** Bᵀ·(x0..x5) stored at o + i*st, i = 0..5 (the input transform). */
@inline function bT(
  x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128,
  o: usize, st: usize, four: v128, two: v128,
): void {
  const a = f32x4.sub(x4, f32x4.mul(x2, four));
  const b = f32x4.sub(x3, f32x4.mul(x1, four));
  const c = f32x4.sub(x4, x2);
  const d = f32x4.mul(f32x4.sub(x3, x1), two);
  v128.store(o, f32x4.add(f32x4.mul(f32x4.sub(x0, x2), four), c));
  v128.store(o + st, f32x4.add(a, b));
  v128.store(o + 2 * st, f32x4.sub(a, b));
  v128.store(o + 3 * st, f32x4.add(c, d));
  v128.store(o + 4 * st, f32x4.sub(c, d));
  v128.store(o + 5 * st, f32x4.add(f32x4.mul(f32x4.sub(x1, x3), four), f32x4.sub(x5, x3)));
}

@inline function bTRef(x0: f32, x1: f32, x2: f32, x3: f32, x4: f32, x5: f32, o: usize, st: usize): void {
  const a = x4 - x2 * 4;
  const b = x3 - x1 * 4;
  const c = x4 - x2;
  const d = (x3 - x1) * 2;
  store<f32>(o, (x0 - x2) * 4 + c);
  store<f32>(o + st, a + b);
  store<f32>(o + 2 * st, a - b);
  store<f32>(o + 3 * st, c + d);
  store<f32>(o + 4 * st, c - d);
  store<f32>(o + 5 * st, (x1 - x3) * 4 + (x5 - x3));
}

/**
 * A·(y0..y3) stored at o + i*st, i = 0..5, with A = (Aᵀ)ᵀ the 6x4 matrix of rows
 * [1 0 0 0], [1 1 1 1], [1 -1 1 -1], [1 2 4 8], [1 -2 4 -8], [0 0 0 1] (the adjoint of the
 * output transform).
 */
@inline function aT(
  y0: v128, y1: v128, y2: v128, y3: v128,
  o: usize, st: usize, two: v128, four: v128, eight: v128,
): void {
  const e = f32x4.add(y0, y2);
  const od = f32x4.add(y1, y3);
  const e2 = f32x4.add(y0, f32x4.mul(y2, four));
  const o2 = f32x4.add(f32x4.mul(y1, two), f32x4.mul(y3, eight));
  v128.store(o, y0);
  v128.store(o + st, f32x4.add(e, od));
  v128.store(o + 2 * st, f32x4.sub(e, od));
  v128.store(o + 3 * st, f32x4.add(e2, o2));
  v128.store(o + 4 * st, f32x4.sub(e2, o2));
  v128.store(o + 5 * st, y3);
}

@inline function aTRef(y0: f32, y1: f32, y2: f32, y3: f32, o: usize, st: usize): void {
  const e = y0 + y2;
  const od = y1 + y3;
  const e2 = y0 + y2 * 4;
  const o2 = y1 * 2 + y3 * 8;
  store<f32>(o, y0);
  store<f32>(o + st, e + od);
  store<f32>(o + 2 * st, e - od);
  store<f32>(o + 3 * st, e2 + o2);
  store<f32>(o + 4 * st, e2 - o2);
  store<f32>(o + 5 * st, y3);
}

/**
 * Gᵀ·(s0..s5) stored at o + a*st, a = 0..2, with G's rows [1/4 0 0], [-1/6 -1/6 -1/6],
 * [-1/6 1/6 -1/6], [1/24 1/12 1/6], [1/24 -1/12 1/6], [0 0 1].
 */
@inline function gT(
  s0: v128, s1: v128, s2: v128, s3: v128, s4: v128, s5: v128,
  o: usize, st: usize, q: v128, r6: v128, r12: v128, r24: v128,
): void {
  const p = f32x4.add(s1, s2);
  const m = f32x4.sub(s2, s1);
  const p34 = f32x4.add(s3, s4);
  const m34 = f32x4.sub(s3, s4);
  v128.store(o, f32x4.add(f32x4.sub(f32x4.mul(s0, q), f32x4.mul(p, r6)), f32x4.mul(p34, r24)));
  v128.store(o + st, f32x4.add(f32x4.mul(m, r6), f32x4.mul(m34, r12)));
  v128.store(o + 2 * st, f32x4.add(f32x4.mul(f32x4.sub(p34, p), r6), s5));
}

@inline function gTRef(s0: f32, s1: f32, s2: f32, s3: f32, s4: f32, s5: f32, o: usize, st: usize): void {
  const p = s1 + s2;
  const m = s2 - s1;
  const p34 = s3 + s4;
  const m34 = s3 - s4;
  store<f32>(o, s0 * 0.25 - p * (<f32>1 / 6) + p34 * (<f32>1 / 24));
  store<f32>(o + st, m * (<f32>1 / 6) + m34 * (<f32>1 / 12));
  store<f32>(o + 2 * st, (p34 - p) * (<f32>1 / 6) + s5);
}

// ---------------------------------------------------------------------------------------------
// Filter gradient, SIMD

/** V (Bᵀ d B) of `count` tiles from tile t0: V[f][t][c] at v (row stride Cp, plane T*Cp). */
function fgInput(x: usize, geom: usize, t0: i32, count: i32, T: i32, v: usize, tmp: usize): void {
  const H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const OH = gi(geom, 6), OW = gi(geom, 7), pT = gi(geom, 10), pL = gi(geom, 11);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const cp = (C + 3) & ~3;
  const fStride = <usize>(T * cp) << 2;
  const pix = <usize>C << 2;
  const zero = f32x4.splat(0);
  const four = v128.load(KG);
  const two = v128.load(KG, 16);
  let n = t0 / (TH * TW);
  const rem = t0 - n * TH * TW;
  let th = rem / TW;
  let tw = rem - th * TW;
  for (let t = 0; t < count; t++) {
    const ih0 = th * 4 - pT;
    const iw0 = tw * 4 - pL;
    const xn = x + <usize>n * <usize>H * <usize>W * pix;
    const inside = iw0 >= 0 && iw0 + 6 <= W;
    for (let c = 0; c < cp; c += 4) {
      const nc = C - c;
      // Step 1: each row r of d -> tmp[r][0..5] (row stride 96 bytes).
      for (let r = 0; r < 6; r++) {
        const ih = ih0 + r;
        const o = tmp + <usize>r * 96;
        if (<u32>ih >= <u32>H) {
          for (let j = 0; j < 6; j++) v128.store(o + (<usize>j << 4), zero);
          continue;
        }
        const row = xn + ((<usize>ih * <usize>W) * pix) + (<usize>c << 2);
        if (inside && nc >= 4) {
          const p = row + <usize>iw0 * pix;
          bT(
            v128.load(p), v128.load(p + pix), v128.load(p + 2 * pix),
            v128.load(p + 3 * pix), v128.load(p + 4 * pix), v128.load(p + 5 * pix),
            o, 16, four, two,
          );
        } else {
          let d0 = zero, d1 = zero, d2 = zero, d3 = zero, d4 = zero, d5 = zero;
          if (<u32>iw0 < <u32>W) d0 = loadPart(row + <usize>iw0 * pix, nc);
          if (<u32>(iw0 + 1) < <u32>W) d1 = loadPart(row + <usize>(iw0 + 1) * pix, nc);
          if (<u32>(iw0 + 2) < <u32>W) d2 = loadPart(row + <usize>(iw0 + 2) * pix, nc);
          if (<u32>(iw0 + 3) < <u32>W) d3 = loadPart(row + <usize>(iw0 + 3) * pix, nc);
          if (<u32>(iw0 + 4) < <u32>W) d4 = loadPart(row + <usize>(iw0 + 4) * pix, nc);
          if (<u32>(iw0 + 5) < <u32>W) d5 = loadPart(row + <usize>(iw0 + 5) * pix, nc);
          bT(d0, d1, d2, d3, d4, d5, o, 16, four, two);
        }
      }
      // Step 2: each column j of tmp -> V[i*6 + j][t][c..c+3].
      const dst = v + (<usize>(t * cp + c) << 2);
      for (let j = 0; j < 6; j++) {
        const s = tmp + (<usize>j << 4);
        bT(
          v128.load(s), v128.load(s, 96), v128.load(s, 192),
          v128.load(s, 288), v128.load(s, 384), v128.load(s, 480),
          dst + <usize>j * fStride, 6 * fStride, four, two,
        );
      }
    }
    if (++tw == TW) {
      tw = 0;
      if (++th == TH) {
        th = 0;
        n++;
      }
    }
  }
}

/** Ŷ (A dY Aᵀ) of `count` tiles from tile t0: Ŷ[f][t][oc] at yh (row stride OCp). */
function fgOutput(dy: usize, geom: usize, t0: i32, count: i32, T: i32, yh: usize, tmp: usize): void {
  const OH = gi(geom, 6), OW = gi(geom, 7), OC = gi(geom, 14);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const ocp = (OC + 7) & ~7;
  const fStride = <usize>(T * ocp) << 2;
  const pix = <usize>OC << 2;
  const zero = f32x4.splat(0);
  const four = v128.load(KG);
  const two = v128.load(KG, 16);
  const eight = v128.load(KG, 32);
  let n = t0 / (TH * TW);
  const rem = t0 - n * TH * TW;
  let th = rem / TW;
  let tw = rem - th * TW;
  for (let t = 0; t < count; t++) {
    const oh0 = th * 4;
    const ow0 = tw * 4;
    const rows = min(4, OH - oh0);
    const cols = min(4, OW - ow0);
    const yt = dy + ((<usize>n * <usize>OH + <usize>oh0) * <usize>OW + <usize>ow0) * pix;
    for (let k = 0; k < ocp; k += 4) {
      const nk = OC - k;
      // Step 1: each row i of dY -> tmp[i][0..5] (row stride 96 bytes); rows past OH are zero.
      for (let i = 0; i < 4; i++) {
        const o = tmp + <usize>i * 96;
        if (i >= rows || nk <= 0) {
          for (let j = 0; j < 6; j++) v128.store(o + (<usize>j << 4), zero);
          continue;
        }
        const p = yt + <usize>i * <usize>OW * pix + (<usize>k << 2);
        if (cols == 4 && nk >= 4) {
          aT(v128.load(p), v128.load(p + pix), v128.load(p + 2 * pix), v128.load(p + 3 * pix), o, 16, two, four, eight);
        } else {
          const y0 = loadPart(p, nk);
          const y1 = cols > 1 ? loadPart(p + pix, nk) : zero;
          const y2 = cols > 2 ? loadPart(p + 2 * pix, nk) : zero;
          const y3 = cols > 3 ? loadPart(p + 3 * pix, nk) : zero;
          aT(y0, y1, y2, y3, o, 16, two, four, eight);
        }
      }
      // Step 2: each column j of tmp -> Ŷ[r*6 + j][t][k..k+3], r = 0..5.
      const dst = yh + (<usize>(t * ocp + k) << 2);
      for (let j = 0; j < 6; j++) {
        const s = tmp + (<usize>j << 4);
        aT(v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288), dst + <usize>j * fStride, 6 * fStride, two, four, eight);
      }
    }
    if (++tw == TW) {
      tw = 0;
      if (++th == TH) {
        th = 0;
        n++;
      }
    }
  }
}

/** p[0..8) += (a, b). */
@inline function addTo(p: usize, a: v128, b: v128): void {
  v128.store(p, f32x4.add(v128.load(p), a));
  v128.store(p, f32x4.add(v128.load(p, 16), b), 16);
}

/**
 * S_f[c, oc] += P_f[c, oc] for every f, where P_f = Σ_t V_f[t, c] · Ŷ_f[t, oc] is summed over
 * the block's `count` tiles in order from zero.
 */
function fgProducts(v: usize, yh: usize, s: usize, count: i32, T: i32, cp: i32, ocp: i32): void {
  const zero = f32x4.splat(0);
  const lda = <usize>cp << 2;
  const ldb = <usize>ocp << 2;
  for (let f = 0; f < 36; f++) {
    const vf = v + <usize>f * <usize>T * lda;
    const yf = yh + <usize>f * <usize>T * ldb;
    const sf = s + <usize>f * <usize>cp * ldb;
    for (let c = 0; c < cp; c += 4) {
      const sr = sf + <usize>c * ldb;
      for (let o = 0; o < ocp; o += 8) {
        const sp = sr + (<usize>o << 2);
        let c00 = zero, c01 = zero, c10 = zero, c11 = zero;
        let c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        let pa = vf + (<usize>c << 2);
        let pb = yf + (<usize>o << 2);
        for (let t = 0; t < count; t++) {
          const b0 = v128.load(pb);
          const b1 = v128.load(pb, 16);
          let a = v128.load32_splat(pa);
          c00 = madd(a, b0, c00);
          c01 = madd(a, b1, c01);
          a = v128.load32_splat(pa, 4);
          c10 = madd(a, b0, c10);
          c11 = madd(a, b1, c11);
          a = v128.load32_splat(pa, 8);
          c20 = madd(a, b0, c20);
          c21 = madd(a, b1, c21);
          a = v128.load32_splat(pa, 12);
          c30 = madd(a, b0, c30);
          c31 = madd(a, b1, c31);
          pa += lda;
          pb += ldb;
        }
        addTo(sp, c00, c01);
        addTo(sp + ldb, c10, c11);
        addTo(sp + 2 * ldb, c20, c21);
        addTo(sp + 3 * ldb, c30, c31);
      }
    }
  }
}

/** dw[a, b, c, oc] = (Gᵀ S G)[a][b] from S [36][Cp][OCp]. */
function fgFinish(s: usize, dw: usize, C: i32, OC: i32, tmp: usize): void {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const fStride = <usize>(cp * ocp) << 2;
  const tap = <usize>(C * OC) << 2;
  const q = v128.load(KG, 48);
  const r6 = v128.load(KG, 64);
  const r12 = v128.load(KG, 80);
  const r24 = v128.load(KG, 96);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < OC; k += 4) {
      const nk = OC - k;
      const src = s + (<usize>(c * ocp + k) << 2);
      // Step 1: each column j of S -> tmp[a][j] (3 x 6 vectors, row stride 96 bytes).
      for (let j = 0; j < 6; j++) {
        const p = src + <usize>j * fStride;
        gT(
          v128.load(p), v128.load(p + 6 * fStride), v128.load(p + 12 * fStride),
          v128.load(p + 18 * fStride), v128.load(p + 24 * fStride), v128.load(p + 30 * fStride),
          tmp + (<usize>j << 4), 96, q, r6, r12, r24,
        );
      }
      // Step 2: each row a of tmp -> dw[a][0..2].
      for (let a = 0; a < 3; a++) {
        const r = tmp + <usize>a * 96;
        const o = tmp + 288;
        gT(
          v128.load(r), v128.load(r, 16), v128.load(r, 32),
          v128.load(r, 48), v128.load(r, 64), v128.load(r, 80),
          o, 16, q, r6, r12, r24,
        );
        const d = dw + <usize>(a * 3) * tap + (<usize>(c * OC + k) << 2);
        storePart(d, v128.load(o), nk);
        storePart(d + tap, v128.load(o, 16), nk);
        storePart(d + 2 * tap, v128.load(o, 32), nk);
      }
    }
  }
}

/**
 * dw = conv2dBackpropFilter(x, dy) for a 3x3 stride-1 undilated convolution, by Winograd
 * F(4x4, 3x3) (see the file comment). work holds winogradFilterGradWorkSize(C, OC) floats
 * (16-byte aligned). Overwrites dw [3, 3, C, OC].
 */
export function winogradFilterGrad(x: usize, dy: usize, dw: usize, geom: usize, work: usize): void {
  const N = gi(geom, 0), C = gi(geom, 3), OH = gi(geom, 6), OW = gi(geom, 7), OC = gi(geom, 14);
  const tiles = N * ((OH + 3) >> 2) * ((OW + 3) >> 2);
  const T = winogradFilterGradBlock(C, OC);
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const tmp = work;
  const v = work + (<usize>SCRATCH << 2);
  const yh = v + (<usize>(36 * T * cp) << 2);
  const s = yh + (<usize>(36 * T * ocp) << 2);
  const sBytes = <usize>(36 * cp * ocp) << 2;
  const zero = f32x4.splat(0);
  for (let o: usize = 0; o < sBytes; o += 16) v128.store(s + o, zero);
  for (let t0 = 0; t0 < tiles; t0 += T) {
    const count = min(T, tiles - t0);
    fgInput(x, geom, t0, count, T, v, tmp);
    fgOutput(dy, geom, t0, count, T, yh, tmp);
    fgProducts(v, yh, s, count, T, cp, ocp);
  }
  fgFinish(s, dw, C, OC, tmp);
}

// ---------------------------------------------------------------------------------------------
// Filter gradient, scalar twin

/**
 * Scalar twin of {@link winogradFilterGrad}: one tile and channel at a time, the same
 * transforms, blocks and order of sums. work holds winogradFilterGradWorkSize(C, OC) floats.
 */
export function winogradFilterGradRef(x: usize, dy: usize, dw: usize, geom: usize, work: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const OH = gi(geom, 6), OW = gi(geom, 7), pT = gi(geom, 10), pL = gi(geom, 11);
  const OC = gi(geom, 14);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const tiles = N * TH * TW;
  const T = winogradFilterGradBlock(C, OC);
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  // work: t1 (36 floats) and row (8) in the scratch, then V [36][T][C], Ŷ [36][T][OC] and
  // S [36][C][OC] inside the SIMD kernel's areas.
  const t1 = work;
  const row = work + 144;
  const v = work + (<usize>SCRATCH << 2);
  const yh = v + (<usize>(36 * T * cp) << 2);
  const s = yh + (<usize>(36 * T * ocp) << 2);
  for (let i = 0; i < 36 * C * OC; i++) store<f32>(s + (<usize>i << 2), 0);
  for (let t0 = 0; t0 < tiles; t0 += T) {
    const count = min(T, tiles - t0);
    for (let t = 0; t < count; t++) {
      const n = (t0 + t) / (TH * TW);
      const th = ((t0 + t) - n * TH * TW) / TW;
      const tw = (t0 + t) - n * TH * TW - th * TW;
      const ih0 = th * 4 - pT;
      const iw0 = tw * 4 - pL;
      // V of every input channel: V[f][t][c].
      for (let c = 0; c < C; c++) {
        for (let r = 0; r < 6; r++) {
          for (let e = 0; e < 6; e++) {
            const ih = ih0 + r, iw = iw0 + e;
            let val: f32 = 0;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
              val = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
            }
            store<f32>(row + (<usize>e << 2), val);
          }
          bTRef(
            load<f32>(row), load<f32>(row, 4), load<f32>(row, 8),
            load<f32>(row, 12), load<f32>(row, 16), load<f32>(row, 20),
            t1 + <usize>r * 24, 4,
          );
        }
        const fs = <usize>(T * C) << 2;
        for (let j = 0; j < 6; j++) {
          const p = t1 + (<usize>j << 2);
          bTRef(
            load<f32>(p), load<f32>(p, 24), load<f32>(p, 48),
            load<f32>(p, 72), load<f32>(p, 96), load<f32>(p, 120),
            v + <usize>j * fs + (<usize>(t * C + c) << 2), 6 * fs,
          );
        }
      }
      // Ŷ of every output channel: Ŷ[f][t][k].
      for (let k = 0; k < OC; k++) {
        for (let i = 0; i < 4; i++) {
          for (let e = 0; e < 4; e++) {
            const oh = th * 4 + i, ow = tw * 4 + e;
            let val: f32 = 0;
            if (oh < OH && ow < OW) {
              val = load<f32>(dy + (<usize>(((n * OH + oh) * OW + ow) * OC + k) << 2));
            }
            store<f32>(row + (<usize>e << 2), val);
          }
          aTRef(load<f32>(row), load<f32>(row, 4), load<f32>(row, 8), load<f32>(row, 12), t1 + <usize>i * 24, 4);
        }
        const fs = <usize>(T * OC) << 2;
        for (let j = 0; j < 6; j++) {
          const p = t1 + (<usize>j << 2);
          aTRef(
            load<f32>(p), load<f32>(p, 24), load<f32>(p, 48), load<f32>(p, 72),
            yh + <usize>j * fs + (<usize>(t * OC + k) << 2), 6 * fs,
          );
        }
      }
    }
    // S_f[c][k] += sum over the block's tiles (from zero, in order) of V_f[t][c] * Ŷ_f[t][k].
    for (let f = 0; f < 36; f++) {
      for (let c = 0; c < C; c++) {
        for (let k = 0; k < OC; k++) {
          let acc: f32 = 0;
          for (let t = 0; t < count; t++) {
            acc += load<f32>(v + (<usize>((f * T + t) * C + c) << 2)) * load<f32>(yh + (<usize>((f * T + t) * OC + k) << 2));
          }
          const p = s + (<usize>((f * C + c) * OC + k) << 2);
          store<f32>(p, load<f32>(p) + acc);
        }
      }
    }
  }
  // dw = Gᵀ S G per channel pair.
  const fs = <usize>(C * OC) << 2;
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < OC; k++) {
      for (let j = 0; j < 6; j++) {
        const p = s + (<usize>(j * C * OC + c * OC + k) << 2);
        gTRef(
          load<f32>(p), load<f32>(p + 6 * fs), load<f32>(p + 12 * fs),
          load<f32>(p + 18 * fs), load<f32>(p + 24 * fs), load<f32>(p + 30 * fs),
          t1 + (<usize>j << 2), 24,
        );
      }
      for (let a = 0; a < 3; a++) {
        const r = t1 + <usize>a * 24;
        gTRef(
          load<f32>(r), load<f32>(r, 4), load<f32>(r, 8),
          load<f32>(r, 12), load<f32>(r, 16), load<f32>(r, 20),
          row, 4,
        );
        for (let b = 0; b < 3; b++) {
          store<f32>(dw + (<usize>(((a * 3 + b) * C + c) * OC + k) << 2), load<f32>(row + (<usize>b << 2)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Filter flip for the input gradient

/**
 * wf[kh, kw, oc, c] = w[KH-1-kh, KW-1-kw, c, oc]: the filter [KH, KW, C, OC] rotated by 180
 * degrees with its channel axes swapped, so that for a stride-1 undilated convolution
 * dx = conv2d(dy, wf) with padding (KH-1-padTop, KW-1-padLeft). Overwrites wf [KH, KW, OC, C].
 * (Scalar: a copy of KH*KW*C*OC floats.)
 */
export function convFlipFilter(w: usize, KH: i32, KW: i32, C: i32, OC: i32, wf: usize): void {
  const taps = KH * KW;
  for (let t = 0; t < taps; t++) {
    const src = w + (<usize>((taps - 1 - t) * C * OC) << 2);
    const dst = wf + (<usize>(t * C * OC) << 2);
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < OC; k++) {
        store<f32>(dst + (<usize>(k * C + c) << 2), load<f32>(src + (<usize>(c * OC + k) << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Training convolution by Winograd F(4x4, 3x3)
//
// y = conv2d(x, w) (+ bias, relu) for 3x3 stride-1 undilated convolutions, as training runs them
// (the forward pass, and the input gradient: the convolution of dy with convFlipFilter's
// filter): Y = Aᵀ [ U ⊙ V ] A per 4x4 output tile, summed over input channels as 36 products
// M_f[tiles, OC] = V_f[tiles, C] · U_f[C, OC]: 4x fewer multiplies than im2col (winograd.ts's
// inference convolution uses F(2x2, 3x3), 2.25x fewer, for its tighter rounding). Rounding:
// ~1e-6 to 1e-5 of the output's scale, immaterial to training (the gradients are held to 1e-4
// of TF.js's in the tests).
//
// Layouts (floats): u (winograd4Filter's output, winograd4FilterSize floats): U [36][Cp][OCp]
// (rows c, columns oc; zero past C and OC). Work (winograd4WorkSize): scratch (384 floats) |
// V [36][T][Cp] | M [36][T][OCp], T = winograd4Block(C, OC) tiles per block (a multiple of 4).
// Every output is the same sequence of float operations whatever the block, so results do not
// depend on N, and equal the scalar twin's bit for bit in the SIMD build.

/** Tiles per block of {@link winograd4Conv}: V and M of a block take about 192 KiB. */
export function winograd4Block(C: i32, OC: i32): i32 {
  return winogradFilterGradBlock(C, OC);
}

/** Floats of the transformed filter of {@link winograd4Filter}: 36 * Cp * OCp. */
export function winograd4FilterSize(C: i32, OC: i32): i32 {
  return 36 * ((C + 3) & ~3) * ((OC + 7) & ~7);
}

/** Floats of work {@link winograd4Conv} needs for C input and OC output channels. */
export function winograd4WorkSize(C: i32, OC: i32): i32 {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  return SCRATCH + 36 * winograd4Block(C, OC) * (cp + ocp);
}

/** G·(g0, g1, g2) stored at o + i*st, i = 0..5 (the filter transform). */
@inline function gN(
  g0: v128, g1: v128, g2: v128,
  o: usize, st: usize, q: v128, m6: v128, r12: v128, r24: v128, four: v128,
): void {
  const e = f32x4.add(g0, g2);
  const h = f32x4.mul(f32x4.add(g0, f32x4.mul(g2, four)), r24);
  const k = f32x4.mul(g1, r12);
  v128.store(o, f32x4.mul(g0, q));
  v128.store(o + st, f32x4.mul(f32x4.add(e, g1), m6));
  v128.store(o + 2 * st, f32x4.mul(f32x4.sub(e, g1), m6));
  v128.store(o + 3 * st, f32x4.add(h, k));
  v128.store(o + 4 * st, f32x4.sub(h, k));
  v128.store(o + 5 * st, g2);
}

@inline function gNRef(g0: f32, g1: f32, g2: f32, o: usize, st: usize): void {
  const e = g0 + g2;
  const h = (g0 + g2 * 4) * (<f32>1 / 24);
  const k = g1 * (<f32>1 / 12);
  store<f32>(o, g0 * 0.25);
  store<f32>(o + st, (e + g1) * (<f32>-1 / 6));
  store<f32>(o + 2 * st, (e - g1) * (<f32>-1 / 6));
  store<f32>(o + 3 * st, h + k);
  store<f32>(o + 4 * st, h - k);
  store<f32>(o + 5 * st, g2);
}

/** Aᵀ·(m0..m5) stored at o + i*st, i = 0..3 (the output transform). */
@inline function aN(
  m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128,
  o: usize, st: usize, two: v128, four: v128, eight: v128,
): void {
  const s12 = f32x4.add(m1, m2);
  const d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4);
  const d34 = f32x4.sub(m3, m4);
  v128.store(o, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(o + st, f32x4.add(d12, f32x4.mul(d34, two)));
  v128.store(o + 2 * st, f32x4.add(s12, f32x4.mul(s34, four)));
  v128.store(o + 3 * st, f32x4.add(f32x4.add(d12, f32x4.mul(d34, eight)), m5));
}

@inline function aNRef(m0: f32, m1: f32, m2: f32, m3: f32, m4: f32, m5: f32, o: usize, st: usize): void {
  const s12 = m1 + m2;
  const d12 = m1 - m2;
  const s34 = m3 + m4;
  const d34 = m3 - m4;
  store<f32>(o, m0 + s12 + s34);
  store<f32>(o + st, d12 + d34 * 2);
  store<f32>(o + 2 * st, s12 + s34 * 4);
  store<f32>(o + 3 * st, d12 + d34 * 8 + m5);
}

/** Transforms w [3, 3, C, OC] into u (layout above) for {@link winograd4Conv}. */
export function winograd4Filter(w: usize, C: i32, OC: i32, u: usize, work: usize): void {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const fStride = <usize>(cp * ocp) << 2;
  const tap = <usize>(C * OC) << 2;
  const zero = f32x4.splat(0);
  const four = v128.load(KG);
  const q = v128.load(KG, 48);
  const r12 = v128.load(KG, 80);
  const r24 = v128.load(KG, 96);
  const m6 = v128.load(KG, 112);
  const tmp = work;
  for (let c = 0; c < cp; c++) {
    for (let k = 0; k < ocp; k += 4) {
      const n = c < C ? OC - k : 0;
      const src = w + (<usize>(c * OC + k) << 2);
      // Step 1: each column kw of g -> tmp[i][kw] (6 x 3 vectors, row stride 48 bytes).
      for (let kw = 0; kw < 3; kw++) {
        const p = src + <usize>kw * tap;
        const g0 = n > 0 ? loadPart(p, n) : zero;
        const g1 = n > 0 ? loadPart(p + 3 * tap, n) : zero;
        const g2 = n > 0 ? loadPart(p + 6 * tap, n) : zero;
        gN(g0, g1, g2, tmp + (<usize>kw << 4), 48, q, m6, r12, r24, four);
      }
      // Step 2: each row i of tmp -> U[i*6 + j][c][k..k+3].
      const dst = u + (<usize>(c * ocp + k) << 2);
      for (let i = 0; i < 6; i++) {
        const r = tmp + <usize>i * 48;
        gN(v128.load(r), v128.load(r, 16), v128.load(r, 32), dst + <usize>(i * 6) * fStride, fStride, q, m6, r12, r24, four);
      }
    }
  }
}

/** Scalar twin of {@link winograd4Filter} (work: at least 64 floats). */
export function winograd4FilterRef(w: usize, C: i32, OC: i32, u: usize, work: usize): void {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const t1 = work; // 6 x 3 floats
  // Padded rows and columns transform zeros (as the SIMD kernel does, signs of zero included).
  for (let c = 0; c < cp; c++) {
    for (let k = 0; k < ocp; k++) {
      for (let kw = 0; kw < 3; kw++) {
        let g0: f32 = 0, g1: f32 = 0, g2: f32 = 0;
        if (c < C && k < OC) {
          g0 = load<f32>(w + (<usize>(((0 * 3 + kw) * C + c) * OC + k) << 2));
          g1 = load<f32>(w + (<usize>(((1 * 3 + kw) * C + c) * OC + k) << 2));
          g2 = load<f32>(w + (<usize>(((2 * 3 + kw) * C + c) * OC + k) << 2));
        }
        gNRef(g0, g1, g2, t1 + (<usize>kw << 2), 12);
      }
      for (let i = 0; i < 6; i++) {
        const r = t1 + <usize>i * 12;
        const o = u + (<usize>((i * 6) * cp * ocp + c * ocp + k) << 2);
        gNRef(load<f32>(r), load<f32>(r, 4), load<f32>(r, 8), o, <usize>(cp * ocp) << 2);
      }
    }
  }
}

/** M_f[t, oc] = Σ_c V_f[t, c] · U_f[c, oc] (c in order from zero) for the block's tiles. */
function w4Products(v: usize, u: usize, m: usize, count: i32, T: i32, C: i32, cp: i32, ocp: i32): void {
  const lda = <usize>cp << 2;
  const ldb = <usize>ocp << 2;
  const end = <usize>C << 2;
  const last = count - 1;
  for (let f = 0; f < 36; f++) {
    const vf = v + <usize>f * <usize>T * lda;
    const uf = u + <usize>f * <usize>cp * ldb;
    const mf = m + <usize>f * <usize>T * ldb;
    for (let t = 0; t < count; t += 4) {
      // Rows past the block's tiles alias its last one (their results are never read).
      const a0 = vf + <usize>t * lda;
      const a1 = vf + <usize>min(t + 1, last) * lda;
      const a2 = vf + <usize>min(t + 2, last) * lda;
      const a3 = vf + <usize>min(t + 3, last) * lda;
      let cq = mf + <usize>t * ldb;
      for (let o = 0; o < ocp; o += 8) {
        let c00 = f32x4.splat(0);
        let c01 = f32x4.splat(0);
        let c10 = f32x4.splat(0);
        let c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0);
        let c21 = f32x4.splat(0);
        let c30 = f32x4.splat(0);
        let c31 = f32x4.splat(0);
        let pb = uf + (<usize>o << 2);
        for (let e: usize = 0; e < end; e += 4) {
          const b0 = v128.load(pb);
          const b1 = v128.load(pb, 16);
          let a = v128.load32_splat(a0 + e);
          c00 = madd(a, b0, c00);
          c01 = madd(a, b1, c01);
          a = v128.load32_splat(a1 + e);
          c10 = madd(a, b0, c10);
          c11 = madd(a, b1, c11);
          a = v128.load32_splat(a2 + e);
          c20 = madd(a, b0, c20);
          c21 = madd(a, b1, c21);
          a = v128.load32_splat(a3 + e);
          c30 = madd(a, b0, c30);
          c31 = madd(a, b1, c31);
          pb += ldb;
        }
        let p = cq;
        v128.store(p, c00);
        v128.store(p, c01, 16);
        p += ldb;
        v128.store(p, c10);
        v128.store(p, c11, 16);
        p += ldb;
        v128.store(p, c20);
        v128.store(p, c21, 16);
        p += ldb;
        v128.store(p, c30);
        v128.store(p, c31, 16);
        cq += 32;
      }
    }
  }
}

/** Y = Aᵀ M A (+ bias, relu when act = 1) of the block's tiles into y. */
function w4Output(
  m: usize, bias: usize, y: usize, geom: usize, t0: i32, count: i32, T: i32, act: i32, tmp: usize,
): void {
  const OH = gi(geom, 6), OW = gi(geom, 7), OC = gi(geom, 14);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const ocp = (OC + 7) & ~7;
  const fStride = <usize>(T * ocp) << 2;
  const pix = <usize>OC << 2;
  const zero = f32x4.splat(0);
  const four = v128.load(KG);
  const two = v128.load(KG, 16);
  const eight = v128.load(KG, 32);
  let n = t0 / (TH * TW);
  const rem = t0 - n * TH * TW;
  let th = rem / TW;
  let tw = rem - th * TW;
  for (let t = 0; t < count; t++) {
    const oh0 = th * 4;
    const ow0 = tw * 4;
    const rows = min(4, OH - oh0);
    const cols = min(4, OW - ow0);
    const yt = y + ((<usize>n * <usize>OH + <usize>oh0) * <usize>OW + <usize>ow0) * pix;
    for (let k = 0; k < OC; k += 4) {
      const nk = OC - k;
      const src = m + (<usize>(t * ocp + k) << 2);
      // Step 1: each column j of M -> tmp[r][j], r = 0..3 (row stride 96 bytes).
      for (let j = 0; j < 6; j++) {
        const p = src + <usize>j * fStride;
        aN(
          v128.load(p), v128.load(p + 6 * fStride), v128.load(p + 12 * fStride),
          v128.load(p + 18 * fStride), v128.load(p + 24 * fStride), v128.load(p + 30 * fStride),
          tmp + (<usize>j << 4), 96, two, four, eight,
        );
      }
      // Step 2: each row r of tmp -> outputs (r, 0..3).
      const bv = bias != 0 ? loadPart(bias + (<usize>k << 2), nk) : zero;
      for (let r = 0; r < rows; r++) {
        const s = tmp + <usize>r * 96;
        const o = tmp + 384;
        aN(
          v128.load(s), v128.load(s, 16), v128.load(s, 32),
          v128.load(s, 48), v128.load(s, 64), v128.load(s, 80),
          o, 16, two, four, eight,
        );
        const yr = yt + <usize>r * <usize>OW * pix + (<usize>k << 2);
        for (let jj = 0; jj < cols; jj++) {
          let v = f32x4.add(v128.load(o + (<usize>jj << 4)), bv);
          if (act == 1) v = f32x4.max(v, zero);
          storePart(yr + <usize>jj * pix, v, nk);
        }
      }
    }
    if (++tw == TW) {
      tw = 0;
      if (++th == TH) {
        th = 0;
        n++;
      }
    }
  }
}

/**
 * y = conv2d(x, w) (+ bias[oc] when bias != 0, then relu when act = 1) for a 3x3 stride-1
 * undilated convolution by Winograd F(4x4, 3x3); u = winograd4Filter(w); work holds
 * winograd4WorkSize(C, OC) floats (16-byte aligned). Overwrites y [N, OH, OW, OC].
 */
export function winograd4Conv(x: usize, u: usize, bias: usize, y: usize, geom: usize, act: i32, work: usize): void {
  const N = gi(geom, 0), C = gi(geom, 3), OH = gi(geom, 6), OW = gi(geom, 7), OC = gi(geom, 14);
  const tiles = N * ((OH + 3) >> 2) * ((OW + 3) >> 2);
  const T = winograd4Block(C, OC);
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const tmp = work;
  const v = work + (<usize>SCRATCH << 2);
  const m = v + (<usize>(36 * T * cp) << 2);
  for (let t0 = 0; t0 < tiles; t0 += T) {
    const count = min(T, tiles - t0);
    fgInput(x, geom, t0, count, T, v, tmp);
    w4Products(v, u, m, count, T, C, cp, ocp);
    w4Output(m, bias, y, geom, t0, count, T, act, tmp);
  }
}

/**
 * Scalar twin of {@link winograd4Conv}: one tile and output channel at a time, the same
 * transforms, products and sums in the same order. work: at least winograd4WorkSize floats.
 */
export function winograd4ConvRef(x: usize, u: usize, bias: usize, y: usize, geom: usize, act: i32, work: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const OH = gi(geom, 6), OW = gi(geom, 7), pT = gi(geom, 10), pL = gi(geom, 11);
  const OC = gi(geom, 14);
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  // work: t1 (36 floats), row (8), mm (36), t3 (24), t4 (4) in the scratch, then V [C][36].
  const t1 = work;
  const row = work + 144;
  const mm = work + 176;
  const t3 = work + 320;
  const t4 = work + 416;
  const vt = work + (<usize>SCRATCH << 2);
  for (let n = 0; n < N; n++) {
    for (let th = 0; th < TH; th++) {
      for (let tw = 0; tw < TW; tw++) {
        const ih0 = th * 4 - pT;
        const iw0 = tw * 4 - pL;
        for (let c = 0; c < C; c++) {
          for (let r = 0; r < 6; r++) {
            for (let e = 0; e < 6; e++) {
              const ih = ih0 + r, iw = iw0 + e;
              let val: f32 = 0;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                val = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
              }
              store<f32>(row + (<usize>e << 2), val);
            }
            bTRef(
              load<f32>(row), load<f32>(row, 4), load<f32>(row, 8),
              load<f32>(row, 12), load<f32>(row, 16), load<f32>(row, 20),
              t1 + <usize>r * 24, 4,
            );
          }
          const vc = vt + (<usize>(c * 36) << 2);
          for (let j = 0; j < 6; j++) {
            const p = t1 + (<usize>j << 2);
            bTRef(
              load<f32>(p), load<f32>(p, 24), load<f32>(p, 48),
              load<f32>(p, 72), load<f32>(p, 96), load<f32>(p, 120),
              vc + (<usize>j << 2), 24,
            );
          }
        }
        for (let k = 0; k < OC; k++) {
          for (let f = 0; f < 36; f++) {
            let acc: f32 = 0;
            for (let c = 0; c < C; c++) {
              acc += load<f32>(vt + (<usize>(c * 36 + f) << 2)) * load<f32>(u + (<usize>((f * cp + c) * ocp + k) << 2));
            }
            store<f32>(mm + (<usize>f << 2), acc);
          }
          for (let j = 0; j < 6; j++) {
            const s = mm + (<usize>j << 2);
            aNRef(
              load<f32>(s), load<f32>(s, 24), load<f32>(s, 48),
              load<f32>(s, 72), load<f32>(s, 96), load<f32>(s, 120),
              t3 + (<usize>j << 2), 24,
            );
          }
          const b: f32 = bias != 0 ? load<f32>(bias + (<usize>k << 2)) : 0;
          for (let r = 0; r < 4; r++) {
            const s = t3 + <usize>r * 24;
            aNRef(load<f32>(s), load<f32>(s, 4), load<f32>(s, 8), load<f32>(s, 12), load<f32>(s, 16), load<f32>(s, 20), t4, 4);
            const oh = th * 4 + r;
            if (oh >= OH) continue;
            for (let jj = 0; jj < 4; jj++) {
              const ow = tw * 4 + jj;
              if (ow >= OW) continue;
              let val = load<f32>(t4 + (<usize>jj << 2)) + b;
              if (act == 1) val = Mathf.max(val, 0);
              store<f32>(y + (<usize>(((n * OH + oh) * OW + ow) * OC + k) << 2), val);
            }
          }
        }
      }
    }
  }
}
