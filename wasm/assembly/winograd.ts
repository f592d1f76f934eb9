// Winograd F(2x2, 3x3) convolution for 3x3, stride-1, undilated NHWC convolutions (inference).
//
// Each 2x2 block of outputs (a tile) is computed from the 4x4 input patch under it:
//   Y = Aᵀ [ U ⊙ V ] A,   U = G g Gᵀ (4x4, per in/out channel pair),   V = Bᵀ d B (4x4),
// with Lavin & Gray's matrices:
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//   G  = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 -1 -1]
// Summed over input channels, the elementwise products become 16 independent GEMMs (one per
// frequency f = 4i + j): M_f[tiles, OC] = V_f[tiles, C] · U_f[C, OC]. That is 16 multiplies
// per tile and channel pair instead of 4 * 9 = 36 for the direct 2x2 outputs: 2.25x fewer.
//
// Numerics: F(2x2, 3x3) only adds and halves, so it stays within a few float32 roundings of
// a direct convolution: errors of ~1e-6 of the output's scale, inside the 1e-5 relative
// tolerance that direct convolutions are held to. (F(4x4, 3x3), with 4x fewer multiplies,
// measured ~1e-5 of the scale, too loose for that tolerance.) Training keeps the im2col path.
//
// Layouts:
//   x [N, H, W, C], y [N, OH, OW, OC] (NHWC); geom as in conv.ts (16 int32:
//   [N, H, W, C, KH, KW, OH, OW, sH, sW, padTop, padLeft, dH, dW, OC, 0]), KH = KW = 3,
//   strides and dilations 1.
//   w [3, 3, C, OC] (TF's filter layout).
//   u (winogradFilter's output): for each f, U_f (C x OCp, OCp = OC rounded up to 8) packed in
//   8-column panels: element (f, c, k) at u + f*C*OCp + (k >> 3)*C*8 + c*8 + (k & 7) floats;
//   columns past OC hold the transform of zeros.
//   work (winogradWorkSize floats): 64 floats of transform scratch, V for a block of T tiles,
//   [16][T][Cp] (Cp = C rounded up to 4), then M, [16][T][OCp]. winogradConv uses no static
//   memory, so instances sharing one memory (the threads build) may run it at once on their
//   own workspaces.
// The tiles of all images are numbered n-major, then tile row, then tile column, and processed
// T at a time (T from winogradBlock, a function of C and OC only). Every output is the same
// sequence of float operations whatever the block, so results do not depend on N.

// Scratch of the filter transform and the scalar twins (up to 48 vectors), and one row of four
// floats.
const tmp: usize = memory.data(768, 16);
const xs: usize = memory.data(16, 16);

/**
 * Tiles per block: V and M of one block take about 256 KiB (half of L2; the speed measured flat
 * from 80 to 640 KiB for 32 -> 64 channels), 4 to 128 tiles.
 */
export function winogradBlock(C: i32, OC: i32): i32 {
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const t = (256 * 1024) / (16 * 4 * (cp + ocp));
  return max(4, min(128, t & ~3));
}

/** Floats of the transformed filter for C input and OC output channels: 16 * C * OCp. */
export function winogradFilterSize(C: i32, OC: i32): i32 {
  return 16 * C * ((OC + 7) & ~7);
}

/** Floats of workspace winogradConv needs for C input and OC output channels. */
export function winogradWorkSize(C: i32, OC: i32): i32 {
  return 64 + 16 * winogradBlock(C, OC) * (((C + 3) & ~3) + ((OC + 7) & ~7));
}

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

/** min(n, 4) floats at p as a vector (the rest zero). */
@inline function loadPart(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
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

// ---------------------------------------------------------------------------------------------
// Filter transform: U = G g Gᵀ

/** The four rows of G·(g0, g1, g2) stored at o + i*st. */
@inline function gCol(g0: v128, g1: v128, g2: v128, o: usize, st: usize): void {
  const e = f32x4.add(g0, g2);
  const half = f32x4.splat(0.5);
  v128.store(o, g0);
  v128.store(o + st, f32x4.mul(f32x4.add(e, g1), half));
  v128.store(o + 2 * st, f32x4.mul(f32x4.sub(e, g1), half));
  v128.store(o + 3 * st, g2);
}

/** Scalar twin of gCol. */
@inline function gColRef(g0: f32, g1: f32, g2: f32, o: usize, st: usize): void {
  const e = g0 + g2;
  store<f32>(o, g0);
  store<f32>(o + st, (e + g1) * 0.5);
  store<f32>(o + 2 * st, (e - g1) * 0.5);
  store<f32>(o + 3 * st, g2);
}

/**
 * Transforms w [3, 3, C, OC] into u (winogradFilterSize(C, OC) floats, layout above) for
 * winogradConv.
 */
export function winogradFilter(w: usize, C: i32, OC: i32, u: usize): void {
  const ocp = (OC + 7) & ~7;
  const fStride = <usize>(C * ocp) << 2;
  const tapStride = <usize>(C * OC) << 2;
  const z = f32x4.splat(0);
  // Panel by panel, channel by channel: each of the 16 output streams is written in order.
  for (let k0 = 0; k0 < ocp; k0 += 8) {
    let dst = u + (<usize>(k0 * C) << 2);
    for (let c = 0; c < C; c++) {
      for (let half = 0; half < 2; half++) {
        const k = k0 + half * 4;
        const n = OC - k;
        const src = w + (<usize>(c * OC + k) << 2);
        // Step 1: columns kw of g -> tmp[i][kw] (4 x 3 vectors, row stride 48 bytes). Columns
        // past OC transform zeros (as the reference does).
        for (let kw = 0; kw < 3; kw++) {
          const s = src + <usize>kw * tapStride;
          const g0 = n > 0 ? loadPart(s, n) : z;
          const g1 = n > 0 ? loadPart(s + 3 * tapStride, n) : z;
          const g2 = n > 0 ? loadPart(s + 6 * tapStride, n) : z;
          gCol(g0, g1, g2, tmp + (<usize>kw << 4), 48);
        }
        // Step 2: rows i of tmp -> U[i][0..3] at tmp2 + (i*4 + j)*32 + half*16.
        const t2 = tmp + 192 + (<usize>half << 4);
        for (let i = 0; i < 4; i++) {
          const r = tmp + <usize>i * 48;
          gCol(v128.load(r), v128.load(r, 16), v128.load(r, 32), t2 + <usize>i * 128, 32);
        }
      }
      let d = dst;
      for (let f = 0; f < 16; f++) {
        const s = tmp + 192 + (<usize>f << 5);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        d += fStride;
      }
      dst += 32;
    }
  }
}

/** Scalar twin of {@link winogradFilter} (same operations in the same order, same layout). */
export function winogradFilterRef(w: usize, C: i32, OC: i32, u: usize): void {
  const ocp = (OC + 7) & ~7;
  const t1 = tmp; // 4 x 3 floats
  const t2 = tmp + 64; // 16 floats
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < ocp; k++) {
      for (let kw = 0; kw < 3; kw++) {
        let g0: f32 = 0, g1: f32 = 0, g2: f32 = 0;
        if (k < OC) {
          g0 = load<f32>(w + (<usize>(((0 * 3 + kw) * C + c) * OC + k) << 2));
          g1 = load<f32>(w + (<usize>(((1 * 3 + kw) * C + c) * OC + k) << 2));
          g2 = load<f32>(w + (<usize>(((2 * 3 + kw) * C + c) * OC + k) << 2));
        }
        gColRef(g0, g1, g2, t1 + (<usize>kw << 2), 12);
      }
      for (let i = 0; i < 4; i++) {
        const r = t1 + <usize>i * 12;
        gColRef(load<f32>(r), load<f32>(r, 4), load<f32>(r, 8), t2 + (<usize>i * 16), 4);
      }
      for (let f = 0; f < 16; f++) {
        const o = f * C * ocp + (k >> 3) * C * 8 + c * 8 + (k & 7);
        store<f32>(u + (<usize>o << 2), load<f32>(t2 + (<usize>f << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Input transform: V = Bᵀ d B

/** Bᵀ·(x0..x3) stored at o + i*st, i = 0..3. */
@inline function bCol(x0: v128, x1: v128, x2: v128, x3: v128, o: usize, st: usize): void {
  v128.store(o, f32x4.sub(x0, x2));
  v128.store(o + st, f32x4.add(x1, x2));
  v128.store(o + 2 * st, f32x4.sub(x2, x1));
  v128.store(o + 3 * st, f32x4.sub(x1, x3));
}

/** Scalar twin of bCol. */
@inline function bColRef(x0: f32, x1: f32, x2: f32, x3: f32, o: usize, st: usize): void {
  store<f32>(o, x0 - x2);
  store<f32>(o + st, x1 + x2);
  store<f32>(o + 2 * st, x2 - x1);
  store<f32>(o + 3 * st, x1 - x3);
}

/**
 * Transforms `count` tiles starting at tile `t0` into V ([16][T][Cp]), with 64 floats of
 * scratch at `scratch`.
 */
function inputTransform(x: usize, geom: usize, t0: i32, count: i32, T: i32, v: usize, scratch: usize): void {
  const H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const OH = gi(geom, 6), OW = gi(geom, 7), pT = gi(geom, 10), pL = gi(geom, 11);
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const cp = (C + 3) & ~3;
  const fStride = <usize>(T * cp) << 2;
  const pix = <usize>C << 2;
  const zero = f32x4.splat(0);
  let n = t0 / (TH * TW);
  let rem = t0 - n * TH * TW;
  let th = rem / TW;
  let tw = rem - th * TW;
  for (let t = 0; t < count; t++) {
    const ih0 = th * 2 - pT;
    const iw0 = tw * 2 - pL;
    const xn = x + <usize>n * <usize>H * <usize>W * pix;
    const inside = ih0 >= 0 && ih0 + 4 <= H && iw0 >= 0 && iw0 + 4 <= W;
    const dst = v + (<usize>(t * cp) << 2);
    if (inside && (C & 3) == 0) {
      // Interior tile: rows transformed straight from the image.
      const p0 = xn + (<usize>(ih0 * W + iw0) * pix);
      const rowBytes = <usize>W * pix;
      for (let c = 0; c < C; c += 4) {
        const p = p0 + (<usize>c << 2);
        for (let r = 0; r < 4; r++) {
          const q = p + <usize>r * rowBytes;
          bCol(v128.load(q), v128.load(q + pix), v128.load(q + 2 * pix), v128.load(q + 3 * pix), scratch + <usize>r * 64, 16);
        }
        const d = dst + (<usize>c << 2);
        for (let j = 0; j < 4; j++) {
          const s = scratch + (<usize>j << 4);
          bCol(v128.load(s), v128.load(s, 64), v128.load(s, 128), v128.load(s, 192), d + <usize>j * fStride, 4 * fStride);
        }
      }
    } else {
      for (let c = 0; c < C; c += 4) {
        const nc = C - c;
        // Step 1: each row r of d -> scratch[r][0..3] (row stride 64 bytes); outside reads zero.
        for (let r = 0; r < 4; r++) {
          const ih = ih0 + r;
          const o = scratch + <usize>r * 64;
          if (<u32>ih >= <u32>H) {
            for (let j = 0; j < 4; j++) v128.store(o + (<usize>j << 4), zero);
            continue;
          }
          const row = xn + (<usize>ih * <usize>W << 2) * <usize>C + (<usize>c << 2);
          let d0 = zero, d1 = zero, d2 = zero, d3 = zero;
          if (<u32>iw0 < <u32>W) d0 = loadPart(row + <usize>iw0 * pix, nc);
          if (<u32>(iw0 + 1) < <u32>W) d1 = loadPart(row + <usize>(iw0 + 1) * pix, nc);
          if (<u32>(iw0 + 2) < <u32>W) d2 = loadPart(row + <usize>(iw0 + 2) * pix, nc);
          if (<u32>(iw0 + 3) < <u32>W) d3 = loadPart(row + <usize>(iw0 + 3) * pix, nc);
          bCol(d0, d1, d2, d3, o, 16);
        }
        // Step 2: each column j of scratch -> V[i*4 + j][t][c..c+3].
        const d = dst + (<usize>c << 2);
        for (let j = 0; j < 4; j++) {
          const s = scratch + (<usize>j << 4);
          bCol(v128.load(s), v128.load(s, 64), v128.load(s, 128), v128.load(s, 192), d + <usize>j * fStride, 4 * fStride);
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

// ---------------------------------------------------------------------------------------------
// The 16 GEMMs: M_f[rows, OCp] = V_f[rows, C] · U_f[C, OCp]: 4x8 register blocks, then the last
// rows one by one. Every element is one sum over c in increasing order from zero.

function frequencyGemms(v: usize, u: usize, m: usize, rows: i32, T: i32, C: i32, ocp: i32): void {
  const cp = (C + 3) & ~3;
  const lda = <usize>cp << 2;
  const ldc = <usize>ocp << 2;
  const panel = <usize>(C * 8) << 2;
  const end = <usize>C << 2;
  for (let f = 0; f < 16; f++) {
    const vf = v + <usize>f * <usize>T * lda;
    const uf = u + <usize>f * <usize>C * (<usize>ocp << 2);
    const mf = m + <usize>f * <usize>T * ldc;
    let t = 0;
    for (; t + 4 <= rows; t += 4) {
      const a0 = vf + <usize>t * lda;
      const a1 = a0 + lda;
      const a2 = a1 + lda;
      const a3 = a2 + lda;
      let cq0 = mf + <usize>t * ldc;
      let pb = uf;
      for (let q = 0; q < ocp; q += 8) {
        let c00 = f32x4.splat(0);
        let c01 = f32x4.splat(0);
        let c10 = f32x4.splat(0);
        let c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0);
        let c21 = f32x4.splat(0);
        let c30 = f32x4.splat(0);
        let c31 = f32x4.splat(0);
        let b = pb;
        for (let o: usize = 0; o < end; o += 4) {
          const b0 = v128.load(b);
          const b1 = v128.load(b, 16);
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
          b += 32;
        }
        let cq = cq0;
        v128.store(cq, c00);
        v128.store(cq, c01, 16);
        cq += ldc;
        v128.store(cq, c10);
        v128.store(cq, c11, 16);
        cq += ldc;
        v128.store(cq, c20);
        v128.store(cq, c21, 16);
        cq += ldc;
        v128.store(cq, c30);
        v128.store(cq, c31, 16);
        cq0 += 32;
        pb += panel;
      }
    }
    // The last 1 to 3 rows one at a time: 16 columns (two panels), then 8.
    for (; t < rows; t++) {
      const a0 = vf + <usize>t * lda;
      let cq = mf + <usize>t * ldc;
      let pb = uf;
      let q = 0;
      for (; q + 16 <= ocp; q += 16) {
        let c0 = f32x4.splat(0);
        let c1 = f32x4.splat(0);
        let c2 = f32x4.splat(0);
        let c3 = f32x4.splat(0);
        let b = pb;
        for (let o: usize = 0; o < end; o += 4) {
          const a = v128.load32_splat(a0 + o);
          c0 = madd(a, v128.load(b), c0);
          c1 = madd(a, v128.load(b, 16), c1);
          c2 = madd(a, v128.load(b + panel), c2);
          c3 = madd(a, v128.load(b + panel, 16), c3);
          b += 32;
        }
        v128.store(cq, c0);
        v128.store(cq, c1, 16);
        v128.store(cq, c2, 32);
        v128.store(cq, c3, 48);
        cq += 64;
        pb += 2 * panel;
      }
      if (q < ocp) {
        let c0 = f32x4.splat(0);
        let c1 = f32x4.splat(0);
        let b = pb;
        for (let o: usize = 0; o < end; o += 4) {
          const a = v128.load32_splat(a0 + o);
          c0 = madd(a, v128.load(b), c0);
          c1 = madd(a, v128.load(b, 16), c1);
          b += 32;
        }
        v128.store(cq, c0);
        v128.store(cq, c1, 16);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output transform: Y = Aᵀ M A, + bias, relu

/** r + b, then relu when act = 1. */
@inline function finish(r: v128, b: v128, act: i32): v128 {
  r = f32x4.add(r, b);
  return act == 1 ? f32x4.max(r, f32x4.splat(0)) : r;
}

function outputTransform(
  m: usize,
  bias: usize,
  y: usize,
  geom: usize,
  t0: i32,
  count: i32,
  T: i32,
  act: i32,
): void {
  const OH = gi(geom, 6), OW = gi(geom, 7), OC = gi(geom, 14);
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const ocp = (OC + 7) & ~7;
  const fStride = <usize>(T * ocp) << 2;
  const pix = <usize>OC << 2;
  const rowBytes = <usize>OW * pix;
  const zero = f32x4.splat(0);
  let n = t0 / (TH * TW);
  let rem = t0 - n * TH * TW;
  let th = rem / TW;
  let tw = rem - th * TW;
  for (let t = 0; t < count; t++) {
    const oh0 = th * 2;
    const ow0 = tw * 2;
    const two = oh0 + 2 <= OH;
    const twoCols = ow0 + 2 <= OW;
    const yt = y + ((<usize>n * <usize>OH + <usize>oh0) * <usize>OW + <usize>ow0) * pix;
    for (let k = 0; k < OC; k += 4) {
      const nk = OC - k;
      const s = m + (<usize>(t * ocp + k) << 2);
      // Step 1 (columns j): o0[j] = m0j + m1j + m2j, o1[j] = m1j - m2j - m3j.
      const m00 = v128.load(s), m01 = v128.load(s + fStride), m02 = v128.load(s + 2 * fStride), m03 = v128.load(s + 3 * fStride);
      const m10 = v128.load(s + 4 * fStride), m11 = v128.load(s + 5 * fStride), m12 = v128.load(s + 6 * fStride), m13 = v128.load(s + 7 * fStride);
      const m20 = v128.load(s + 8 * fStride), m21 = v128.load(s + 9 * fStride), m22 = v128.load(s + 10 * fStride), m23 = v128.load(s + 11 * fStride);
      const m30 = v128.load(s + 12 * fStride), m31 = v128.load(s + 13 * fStride), m32 = v128.load(s + 14 * fStride), m33 = v128.load(s + 15 * fStride);
      const a0 = f32x4.add(f32x4.add(m00, m10), m20);
      const a1 = f32x4.add(f32x4.add(m01, m11), m21);
      const a2 = f32x4.add(f32x4.add(m02, m12), m22);
      const a3 = f32x4.add(f32x4.add(m03, m13), m23);
      const b0 = f32x4.sub(f32x4.sub(m10, m20), m30);
      const b1 = f32x4.sub(f32x4.sub(m11, m21), m31);
      const b2 = f32x4.sub(f32x4.sub(m12, m22), m32);
      const b3 = f32x4.sub(f32x4.sub(m13, m23), m33);
      // Step 2 (rows): y[i][0] = o[i]0 + o[i]1 + o[i]2, y[i][1] = o[i]1 - o[i]2 - o[i]3.
      const bv = bias != 0 ? loadPart(bias + (<usize>k << 2), nk) : zero;
      const p = yt + (<usize>k << 2);
      storePart(p, finish(f32x4.add(f32x4.add(a0, a1), a2), bv, act), nk);
      if (twoCols) storePart(p + pix, finish(f32x4.sub(f32x4.sub(a1, a2), a3), bv, act), nk);
      if (two) {
        storePart(p + rowBytes, finish(f32x4.add(f32x4.add(b0, b1), b2), bv, act), nk);
        if (twoCols) storePart(p + rowBytes + pix, finish(f32x4.sub(f32x4.sub(b1, b2), b3), bv, act), nk);
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
 * undilated convolution, by Winograd F(2x2, 3x3). u = winogradFilter(w); work holds
 * winogradWorkSize(C, OC) floats. Overwrites y [N, OH, OW, OC].
 */
export function winogradConv(
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  geom: usize,
  act: i32,
  work: usize,
): void {
  const N = gi(geom, 0), C = gi(geom, 3), OH = gi(geom, 6), OW = gi(geom, 7), OC = gi(geom, 14);
  const tiles = N * ((OH + 1) >> 1) * ((OW + 1) >> 1);
  const T = winogradBlock(C, OC);
  const cp = (C + 3) & ~3;
  const ocp = (OC + 7) & ~7;
  const scratch = work;
  const v = work + 256;
  const m = v + (<usize>(16 * T * cp) << 2);
  for (let t0 = 0; t0 < tiles; t0 += T) {
    const count = min(T, tiles - t0);
    inputTransform(x, geom, t0, count, T, v, scratch);
    frequencyGemms(v, u, m, count, T, C, ocp);
    outputTransform(m, bias, y, geom, t0, count, T, act);
  }
}

/**
 * Scalar twin of {@link winogradConv}: the same transforms, products and sums in the same order,
 * one tile and output channel at a time (work is unused).
 */
export function winogradConvRef(
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  geom: usize,
  act: i32,
  work: usize,
): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const OH = gi(geom, 6), OW = gi(geom, 7), pT = gi(geom, 10), pL = gi(geom, 11);
  const OC = gi(geom, 14);
  const ocp = (OC + 7) & ~7;
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  // Scratch in tmp: rows transformed (16 floats), V (16), M (16), step-1 out (8).
  const t1 = tmp;
  const vv = tmp + 64;
  const mm = tmp + 128;
  const t3 = tmp + 192;
  for (let n = 0; n < N; n++) {
    for (let th = 0; th < TH; th++) {
      for (let tw = 0; tw < TW; tw++) {
        const ih0 = th * 2 - pT;
        const iw0 = tw * 2 - pL;
        for (let k = 0; k < OC; k++) {
          for (let f = 0; f < 16; f++) store<f32>(mm + (<usize>f << 2), 0);
          for (let c = 0; c < C; c++) {
            for (let r = 0; r < 4; r++) {
              for (let s = 0; s < 4; s++) {
                const ih = ih0 + r, iw = iw0 + s;
                let v: f32 = 0;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                  v = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
                }
                store<f32>(xs + (<usize>s << 2), v);
              }
              bColRef(load<f32>(xs), load<f32>(xs, 4), load<f32>(xs, 8), load<f32>(xs, 12), t1 + <usize>r * 16, 4);
            }
            for (let j = 0; j < 4; j++) {
              const s = t1 + (<usize>j << 2);
              bColRef(load<f32>(s), load<f32>(s, 16), load<f32>(s, 32), load<f32>(s, 48), vv + (<usize>j << 2), 16);
            }
            for (let f = 0; f < 16; f++) {
              const uo = f * C * ocp + (k >> 3) * C * 8 + c * 8 + (k & 7);
              const p = mm + (<usize>f << 2);
              store<f32>(p, load<f32>(p) + load<f32>(vv + (<usize>f << 2)) * load<f32>(u + (<usize>uo << 2)));
            }
          }
          // Aᵀ over rows (per column j), then over columns, as winogradConv's output transform.
          for (let j = 0; j < 4; j++) {
            const s = mm + (<usize>j << 2);
            const m0 = load<f32>(s), m1 = load<f32>(s, 16), m2 = load<f32>(s, 32), m3 = load<f32>(s, 48);
            store<f32>(t3 + (<usize>j << 2), m0 + m1 + m2);
            store<f32>(t3 + (<usize>j << 2), m1 - m2 - m3, 16);
          }
          const b: f32 = bias != 0 ? load<f32>(bias + (<usize>k << 2)) : 0;
          for (let i = 0; i < 2; i++) {
            const s = t3 + <usize>i * 16;
            const o0 = load<f32>(s), o1 = load<f32>(s, 4), o2 = load<f32>(s, 8), o3 = load<f32>(s, 12);
            const oh = th * 2 + i;
            if (oh >= OH) continue;
            for (let jj = 0; jj < 2; jj++) {
              const ow = tw * 2 + jj;
              if (ow >= OW) continue;
              let r = (jj == 0 ? o0 + o1 + o2 : o1 - o2 - o3) + b;
              if (act == 1) r = Mathf.max(r, 0);
              store<f32>(y + (<usize>(((n * OH + oh) * OW + ow) * OC + k) << 2), r);
            }
          }
        }
      }
    }
  }
}
