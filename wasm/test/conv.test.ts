// Convolution kernels (conv.ts): im2col/col2im against their scalar twins, composed with a
// plain-JS matmul against the direct references, and the references against naive JS loops.
import { describe, expect, it } from 'vitest';
import { expectClose, type Harness, harness, randomArray, variants } from './harness.js';

type Pad = 'same' | 'valid';

interface Geom {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  sH: number;
  sW: number;
  pT: number;
  pL: number;
  dH: number;
  dW: number;
  OC: number;
}

/** TF's output size and leading pad for one spatial axis. */
function axis(size: number, k: number, s: number, d: number, pad: Pad): [number, number] | null {
  const eff = (k - 1) * d + 1;
  if (pad === 'valid') {
    if (size < eff) return null;
    return [Math.floor((size - eff) / s) + 1, 0];
  }
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  return [out, Math.floor(total / 2)];
}

function makeGeom(
  N: number,
  H: number,
  W: number,
  C: number,
  KH: number,
  KW: number,
  OC: number,
  s: [number, number],
  d: [number, number],
  pad: Pad,
): Geom | null {
  const ah = axis(H, KH, s[0], d[0], pad);
  const aw = axis(W, KW, s[1], d[1], pad);
  if (!ah || !aw) return null;
  return {
    N,
    H,
    W,
    C,
    KH,
    KW,
    OH: ah[0],
    OW: aw[0],
    sH: s[0],
    sW: s[1],
    pT: ah[1],
    pL: aw[1],
    dH: d[0],
    dW: d[1],
    OC,
  };
}

function geomArray(g: Geom): number[] {
  return [g.N, g.H, g.W, g.C, g.KH, g.KW, g.OH, g.OW, g.sH, g.sW, g.pT, g.pL, g.dH, g.dW, g.OC, 0];
}

function describeGeom(g: Geom): string {
  return JSON.stringify(g);
}

/** c[m, n] = a[m, k] · b[k, n] in float64 (optionally with a transposed operand). */
function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  transA = false,
  transB = false,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Naive direct convolution written independently of the kernels (float64). */
function jsConv(
  g: Geom,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
): Float64Array {
  const y = new Float64Array(g.N * g.OH * g.OW * g.OC);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let oc = 0; oc < g.OC; oc++) {
          let s = bias ? bias[oc] : 0;
          for (let kh = 0; kh < g.KH; kh++)
            for (let kw = 0; kw < g.KW; kw++) {
              const ih = oh * g.sH - g.pT + kh * g.dH;
              const iw = ow * g.sW - g.pL + kw * g.dW;
              if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
              for (let c = 0; c < g.C; c++) {
                s +=
                  x[((n * g.H + ih) * g.W + iw) * g.C + c] *
                  w[((kh * g.KW + kw) * g.C + c) * g.OC + oc];
              }
            }
          y[((n * g.OH + oh) * g.OW + ow) * g.OC + oc] = s;
        }
  return y;
}

/** Naive gradients of jsConv: dx and dw for upstream dy (float64). */
function jsConvGrads(
  g: Geom,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(g.N * g.H * g.W * g.C);
  const dw = new Float64Array(g.KH * g.KW * g.C * g.OC);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let oc = 0; oc < g.OC; oc++) {
          const gy = dy[((n * g.OH + oh) * g.OW + ow) * g.OC + oc];
          for (let kh = 0; kh < g.KH; kh++)
            for (let kw = 0; kw < g.KW; kw++) {
              const ih = oh * g.sH - g.pT + kh * g.dH;
              const iw = ow * g.sW - g.pL + kw * g.dW;
              if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
              for (let c = 0; c < g.C; c++) {
                const xi = ((n * g.H + ih) * g.W + iw) * g.C + c;
                const wi = ((kh * g.KW + kw) * g.C + c) * g.OC + oc;
                dx[xi] += gy * w[wi];
                dw[wi] += gy * x[xi];
              }
            }
        }
  return { dx, dw };
}

/** Bitwise equality of two float32 arrays (NaN patterns included). */
function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      throw new Error(`${what}: index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Allocates n floats filled with NaN (so a kernel that forgets to write shows). */
function nanBuf(h: Harness, n: number): number {
  const p = h.alloc(n);
  h.f32(p, n).fill(Number.NaN);
  return p;
}

/** Allocates n zeroed floats (the harness reuses memory after reset). */
function zeroBuf(h: Harness, n: number): number {
  const p = h.alloc(n);
  h.f32(p, n).fill(0);
  return p;
}

/** Runs every check on one geometry. */
function checkConv(h: Harness, g: Geom, seed: number): void {
  h.reset();
  const { k } = h;
  const label = describeGeom(g);
  const xLen = g.N * g.H * g.W * g.C;
  const kLen = g.KH * g.KW * g.C;
  const rows = g.N * g.OH * g.OW;
  const yLen = rows * g.OC;
  const x = randomArray(xLen, seed);
  const w = randomArray(kLen * g.OC, seed + 1);
  const bias = randomArray(g.OC, seed + 2);
  const dy = randomArray(yLen, seed + 3);
  const xp = h.putF32(x);
  const wp = h.putF32(w);
  const bp = h.putF32(bias);
  const dyp = h.putF32(dy);
  const gp = h.putI32(geomArray(g));

  // im2col: fast == Ref bit for bit (both overwrite a NaN-filled buffer).
  const colsLen = rows * kLen;
  const colsP = nanBuf(h, colsLen);
  const colsRefP = nanBuf(h, colsLen);
  k.im2col(xp, colsP, gp, 0, g.N);
  k.im2colRef(xp, colsRefP, gp, 0, g.N);
  const cols = h.f32(colsP, colsLen).slice();
  expectSameBits(cols, h.f32(colsRefP, colsLen), `im2col ${label}`);

  // Chunked: images [0, n1) and [n1, N) into separate buffers reproduce the full rows.
  const split = Math.max(1, g.N >> 1);
  const rowFloats = g.OH * g.OW * kLen;
  for (const [n0, n1] of [
    [0, split],
    [split, g.N],
  ]) {
    if (n1 <= n0) continue;
    const part = nanBuf(h, (n1 - n0) * rowFloats);
    k.im2col(xp, part, gp, n0, n1);
    expectSameBits(
      h.f32(part, (n1 - n0) * rowFloats),
      cols.subarray(n0 * rowFloats, n1 * rowFloats),
      `im2col chunk [${n0}, ${n1}) ${label}`,
    );
  }

  // Forward: im2col · w (+ bias) == conv2dRef == naive JS.
  const yRefP = nanBuf(h, yLen);
  k.conv2dRef(xp, wp, bp, yRefP, gp);
  const yRef = h.f32(yRefP, yLen).slice();
  const expectedY = jsConv(g, x, w, bias);
  expectClose(yRef, expectedY, 1e-4, 1e-5);
  const yGemm = matmul(cols, w, rows, g.OC, kLen);
  for (let r = 0; r < rows; r++) for (let oc = 0; oc < g.OC; oc++) yGemm[r * g.OC + oc] += bias[oc];
  expectClose(yGemm, expectedY, 1e-9, 1e-9);
  // No bias.
  k.conv2dRef(xp, wp, 0, yRefP, gp);
  expectClose(h.f32(yRefP, yLen), jsConv(g, x, w, null), 1e-4, 1e-5);

  // col2im: fast == Ref bit for bit, adjoint of im2col, and dcols = dy · wᵀ gives dx.
  const c = randomArray(colsLen, seed + 4);
  const cP = h.putF32(c);
  const dxP = zeroBuf(h, xLen);
  const dxRefP = zeroBuf(h, xLen);
  k.col2im(cP, dxP, gp, 0, g.N);
  k.col2imRef(cP, dxRefP, gp, 0, g.N);
  const dxc = h.f32(dxP, xLen).slice();
  expectSameBits(dxc, h.f32(dxRefP, xLen), `col2im ${label}`);
  const lhs = dot(cols, c);
  const rhs = dot(x, dxc);
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
  // Chunked col2im adds into the same dx and matches the full pass.
  const dxChunkP = zeroBuf(h, xLen);
  k.col2im(cP, dxChunkP, gp, 0, split);
  if (split < g.N) k.col2im(cP + split * rowFloats * 4, dxChunkP, gp, split, g.N);
  expectSameBits(h.f32(dxChunkP, xLen), dxc, `col2im chunked ${label}`);

  const { dx: expectedDx, dw: expectedDw } = jsConvGrads(g, x, w, dy);
  const dcols = Float32Array.from(matmul(dy, w, rows, kLen, g.OC, false, true));
  const dcolsP = h.putF32(dcols);
  const dx2P = zeroBuf(h, xLen);
  k.col2im(dcolsP, dx2P, gp, 0, g.N);
  expectClose(h.f32(dx2P, xLen), expectedDx, 1e-4, 1e-5);
  const dxBpP = nanBuf(h, xLen);
  k.conv2dBackpropInputRef(dyp, wp, dxBpP, gp);
  expectClose(h.f32(dxBpP, xLen), expectedDx, 1e-4, 1e-5);

  // Filter gradient: colsᵀ · dy == conv2dBackpropFilterRef == naive JS.
  const dwLen = kLen * g.OC;
  const dwP = nanBuf(h, dwLen);
  k.conv2dBackpropFilterRef(xp, dyp, dwP, gp);
  expectClose(h.f32(dwP, dwLen), expectedDw, 1e-4, 1e-5);
  expectClose(matmul(cols, dy, kLen, g.OC, rows, true, false), expectedDw, 1e-9, 1e-9);

  // Bias gradient over the rows of dy.
  const dbP = nanBuf(h, g.OC);
  const dbRefP = nanBuf(h, g.OC);
  k.biasGradNHWC(dyp, dbP, rows, g.OC);
  k.biasGradNHWCRef(dyp, dbRefP, rows, g.OC);
  expectSameBits(h.f32(dbP, g.OC), h.f32(dbRefP, g.OC), `biasGrad ${label}`);
}

/** The grid of geometries: every size/stride/dilation/pad combination, kernels up to input size. */
function geometries(): Geom[] {
  const out: Geom[] = [];
  const sizes: [number, number][] = [
    [1, 1],
    [3, 3],
    [7, 7],
    [9, 9],
    [3, 7],
    [9, 1],
  ];
  const channels = [1, 3, 4, 5, 8];
  const ocs = [1, 3, 16];
  let i = 0;
  for (const [H, W] of sizes)
    for (const C of channels)
      for (const s of [1, 2])
        for (const d of [1, 2])
          for (const pad of ['same', 'valid'] as Pad[]) {
            // Kernels: 1x1, 3x3, 2x3 (asymmetric), the whole input, and larger than it.
            const kernels: [number, number][] = [
              [1, 1],
              [3, 3],
              [2, 3],
              [H, W],
              [H + 2, W + 1],
            ];
            for (const [KH, KW] of kernels) {
              const OC = ocs[i % ocs.length];
              const N = 1 + (i % 3);
              i++;
              const g = makeGeom(N, H, W, C, KH, KW, OC, [s, s], [d, d], pad);
              if (g) out.push(g);
            }
          }
  // Mixed strides/dilations per axis and wider channels.
  const extra: (Geom | null)[] = [
    makeGeom(2, 9, 7, 5, 3, 2, 3, [2, 1], [1, 2], 'same'),
    makeGeom(2, 9, 7, 5, 3, 2, 3, [1, 3], [2, 1], 'valid'),
    makeGeom(3, 7, 9, 33, 3, 3, 16, [2, 2], [1, 1], 'same'),
    makeGeom(1, 8, 8, 64, 3, 3, 7, [1, 1], [1, 1], 'same'),
    makeGeom(2, 5, 6, 3, 5, 5, 4, [3, 3], [1, 1], 'same'),
  ];
  for (const g of extra) if (g) out.push(g);
  return out;
}

describe.each(variants)('conv kernels (%s)', (variant) => {
  it('TF padding helper matches known values', () => {
    // 'same', H=7, K=3, stride 2: OH 4, total pad 2, top 1. H=6: OH 3, total 1, top 0.
    expect(axis(7, 3, 2, 1, 'same')).toEqual([4, 1]);
    expect(axis(6, 3, 2, 1, 'same')).toEqual([3, 0]);
    expect(axis(7, 3, 1, 2, 'valid')).toEqual([3, 0]);
  });

  it('im2col on a hand-checked case', async () => {
    const h = await harness(variant);
    // 1x3x3x1 input 1..9, 2x2 kernel, stride 1, 'same' (pad bottom/right only).
    const g = makeGeom(1, 3, 3, 1, 2, 2, 1, [1, 1], [1, 1], 'same')!;
    expect([g.OH, g.OW, g.pT, g.pL]).toEqual([3, 3, 0, 0]);
    const xp = h.putF32([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const gp = h.putI32(geomArray(g));
    const colsP = h.alloc(36);
    h.k.im2col(xp, colsP, gp, 0, 1);
    expect(Array.from(h.f32(colsP, 36))).toEqual([
      1, 2, 4, 5, 2, 3, 5, 6, 3, 0, 6, 0, 4, 5, 7, 8, 5, 6, 8, 9, 6, 0, 9, 0, 7, 8, 0, 0, 8, 9, 0,
      0, 9, 0, 0, 0,
    ]);
  });

  it('im2col, col2im and the references agree with plain JS on every geometry', async () => {
    const h = await harness(variant);
    const gs = geometries();
    expect(gs.length).toBeGreaterThan(300);
    gs.forEach((g, i) => {
      checkConv(h, g, 11 + i * 7);
    });
  });

  it('biasGradNHWC matches its Ref and a JS sum on odd and round sizes', async () => {
    const h = await harness(variant);
    for (const rows of [1, 3, 7, 33, 129])
      for (const ch of [1, 3, 4, 7, 16, 33, 64, 129, 256]) {
        h.reset();
        const dy = randomArray(rows * ch, rows * 1000 + ch);
        const dyp = h.putF32(dy);
        const db = nanBuf(h, ch);
        const dbRef = nanBuf(h, ch);
        h.k.biasGradNHWC(dyp, db, rows, ch);
        h.k.biasGradNHWCRef(dyp, dbRef, rows, ch);
        expectSameBits(h.f32(db, ch), h.f32(dbRef, ch), `biasGrad ${rows}x${ch}`);
        const expected = new Float64Array(ch);
        for (let r = 0; r < rows; r++) for (let c = 0; c < ch; c++) expected[c] += dy[r * ch + c];
        expectClose(h.f32(db, ch), expected, 1e-5, 1e-5);
      }
  });

  it('reluBiasGradNHWC matches its Ref and plain JS (mask, then a row-order sum)', async () => {
    const h = await harness(variant);
    for (const rows of [1, 3, 7, 33, 129])
      for (const ch of [1, 3, 4, 7, 16, 33, 64, 129, 256]) {
        h.reset();
        const n = rows * ch;
        // About half the outputs are relu-clamped zeros; one NaN gradient where y > 0.
        const y = randomArray(n, rows * 31 + ch).map((v) => Math.max(v, 0));
        const dy = randomArray(n, rows * 1000 + ch);
        const hot = y.findIndex((v) => v > 0);
        if (hot >= 0) dy[hot] = Number.NaN;
        const yp = h.putF32(y);
        const dyp = h.putF32(dy);
        const dz = nanBuf(h, n + 1) + 4;
        const dzRef = nanBuf(h, n);
        const db = nanBuf(h, ch);
        const dbRef = nanBuf(h, ch);
        h.k.reluBiasGradNHWC(yp, dyp, dz, db, rows, ch);
        h.k.reluBiasGradNHWCRef(yp, dyp, dzRef, dbRef, rows, ch);
        const label = `${rows}x${ch}`;
        expectSameBits(h.f32(dz, n), h.f32(dzRef, n), `reluBiasGrad dz ${label}`);
        expectSameBits(h.f32(db, ch), h.f32(dbRef, ch), `reluBiasGrad db ${label}`);
        const wantDz = new Float32Array(n);
        for (let i = 0; i < n; i++) wantDz[i] = y[i] > 0 ? dy[i] : 0;
        expectSameBits(h.f32(dz, n), wantDz, `reluBiasGrad dz vs JS ${label}`);
        const wantDb = new Float32Array(ch);
        for (let r = 0; r < rows; r++) for (let c = 0; c < ch; c++) wantDb[c] += wantDz[r * ch + c];
        expectSameBits(h.f32(db, ch), wantDb, `reluBiasGrad db vs JS ${label}`);
        // db = 0: only dz is written.
        const dz2 = nanBuf(h, n);
        h.k.reluBiasGradNHWC(yp, dyp, dz2, 0, rows, ch);
        expectSameBits(h.f32(dz2, n), wantDz, `reluBiasGrad no db ${label}`);
      }
  });

  it('im2col handles a large layer and unaligned buffers identically to its Ref', async () => {
    const h = await harness(variant);
    const g = makeGeom(2, 33, 31, 33, 3, 3, 8, [1, 1], [1, 1], 'same')!;
    const xLen = g.N * g.H * g.W * g.C;
    const colsLen = g.N * g.OH * g.OW * g.KH * g.KW * g.C;
    const x = randomArray(xLen, 5);
    // Offset by one float so vector accesses are unaligned.
    const xp = h.alloc(xLen + 1) + 4;
    h.f32(xp, xLen).set(x);
    const gp = h.putI32(geomArray(g));
    const a = h.alloc(colsLen + 1) + 4;
    const b = h.alloc(colsLen);
    h.k.im2col(xp, a, gp, 0, g.N);
    h.k.im2colRef(xp, b, gp, 0, g.N);
    expectSameBits(h.f32(a, colsLen), h.f32(b, colsLen), 'im2col unaligned');
    const dxa = zeroBuf(h, xLen + 1) + 4;
    const dxb = zeroBuf(h, xLen);
    h.k.col2im(a, dxa, gp, 0, g.N);
    h.k.col2imRef(b, dxb, gp, 0, g.N);
    expectSameBits(h.f32(dxa, xLen), h.f32(dxb, xLen), 'col2im unaligned');
  });
});

describe.each(variants)('conv2dDirect, the few-channel direct convolution (%s)', (variant) => {
  /** Every geometry of the grid with C <= 8, with OC a multiple of 4 (4, 8, 12 or 36). */
  function directGeometries(): Geom[] {
    const ocs = [4, 8, 12, 36];
    return geometries()
      .filter((g) => g.C <= 8)
      .map((g, i) => ({ ...g, OC: ocs[i % ocs.length] }));
  }

  it('equals its Ref, naive JS, and im2col + gemm bit for bit', async () => {
    const h = await harness(variant);
    const gs = directGeometries();
    expect(gs.length).toBeGreaterThan(200);
    gs.forEach((g, i) => {
      h.reset();
      const { k } = h;
      const label = describeGeom(g);
      const rows = g.N * g.OH * g.OW;
      const kLen = g.KH * g.KW * g.C;
      const yLen = rows * g.OC;
      const x = randomArray(g.N * g.H * g.W * g.C, 7 + i);
      const w = randomArray(kLen * g.OC, 8 + i);
      const bias = randomArray(g.OC, 9 + i);
      const xp = h.putF32(x);
      const wp = h.putF32(w);
      const bp = h.putF32(bias);
      const gp = h.putI32(geomArray(g));
      for (const act of [0, 1]) {
        for (const withBias of [true, false]) {
          const b = withBias ? bp : 0;
          const y = nanBuf(h, yLen);
          const yRef = nanBuf(h, yLen);
          k.conv2dDirect(xp, wp, b, y, gp, act);
          k.conv2dDirectRef(xp, wp, b, yRef, gp, act);
          const got = h.f32(y, yLen).slice();
          const what = `${label} act ${act} bias ${withBias}`;
          // The relaxed build fuses multiply-adds; its Ref rounds each product.
          if (variant === 'simd') expectSameBits(got, h.f32(yRef, yLen), `direct vs Ref ${what}`);
          else expectClose(got, h.f32(yRef, yLen), 1e-5, 1e-5);
          const want = jsConv(g, x, w, withBias ? bias : null);
          if (act === 1) for (let j = 0; j < want.length; j++) want[j] = Math.max(want[j], 0);
          expectClose(got, want, 1e-4, 1e-5);
          // im2col + gemm (its register-blocked path: at least 8 rows and 8 columns) gives the
          // same bits: the same products summed in the same order, then bias, then relu.
          if (rows >= 8 && g.OC >= 8) {
            const cols = h.alloc(rows * kLen);
            k.im2col(xp, cols, gp, 0, g.N);
            const yg = nanBuf(h, yLen);
            k.gemm(0, 0, rows, g.OC, kLen, cols, kLen, wp, g.OC, yg, g.OC, b, act, 0);
            expectSameBits(got, h.f32(yg, yLen), `direct vs im2col + gemm ${what}`);
          }
        }
      }
    });
  });

  it('handles an MNIST-sized first layer and unaligned buffers', async () => {
    const h = await harness(variant);
    for (const pad of ['valid', 'same'] as Pad[]) {
      h.reset();
      const g = makeGeom(3, 28, 28, 1, 3, 3, 32, [1, 1], [1, 1], pad)!;
      const yLen = g.N * g.OH * g.OW * g.OC;
      const xLen = g.N * g.H * g.W;
      const xp = h.alloc(xLen + 1) + 4;
      h.f32(xp, xLen).set(randomArray(xLen, 3));
      const wp = h.putF32(randomArray(9 * 32, 4));
      const bp = h.putF32(randomArray(32, 5));
      const gp = h.putI32(geomArray(g));
      const y = nanBuf(h, yLen + 1) + 4;
      const yRef = nanBuf(h, yLen);
      h.k.conv2dDirect(xp, wp, bp, y, gp, 1);
      h.k.conv2dDirectRef(xp, wp, bp, yRef, gp, 1);
      expectClose(h.f32(y, yLen), h.f32(yRef, yLen), 1e-5, 1e-5);
    }
  });
});
