// Pooling kernels (pool.ts): fast against Ref bit for bit, both against plain-JS pooling, the
// average-pool backward against finite differences and the max-pool backward against a JS
// scatter.
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
  k: [number, number],
  s: [number, number],
  pad: Pad,
  d: [number, number] = [1, 1],
): Geom | null {
  const ah = axis(H, k[0], s[0], d[0], pad);
  const aw = axis(W, k[1], s[1], d[1], pad);
  if (!ah || !aw) return null;
  return {
    N,
    H,
    W,
    C,
    KH: k[0],
    KW: k[1],
    OH: ah[0],
    OW: aw[0],
    sH: s[0],
    sW: s[1],
    pT: ah[1],
    pL: aw[1],
    dH: d[0],
    dW: d[1],
  };
}

function geomArray(g: Geom): number[] {
  const { N, H, W, C, KH, KW, OH, OW, sH, sW, pT, pL, dH, dW } = g;
  return [N, H, W, C, KH, KW, OH, OW, sH, sW, pT, pL, dH, dW, 0, 0];
}

/** Input flat indices of the real (non-padding) cells of one output's window, in (kh, kw) order. */
function windowCells(g: Geom, n: number, oh: number, ow: number, c: number): number[] {
  const cells: number[] = [];
  for (let kh = 0; kh < g.KH; kh++)
    for (let kw = 0; kw < g.KW; kw++) {
      const ih = oh * g.sH - g.pT + kh * g.dH;
      const iw = ow * g.sW - g.pL + kw * g.dW;
      if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
        cells.push(((n * g.H + ih) * g.W + iw) * g.C + c);
    }
  return cells;
}

function outIndex(g: Geom, n: number, oh: number, ow: number, c: number): number {
  return ((n * g.OH + oh) * g.OW + ow) * g.C + c;
}

function forEachOut(g: Geom, f: (o: number, cells: number[]) => void): void {
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let c = 0; c < g.C; c++) f(outIndex(g, n, oh, ow, c), windowCells(g, n, oh, ow, c));
}

/** Plain-JS max pooling with the first max on ties. */
function jsMaxPool(g: Geom, x: Float32Array): { y: Float32Array; arg: Int32Array } {
  const len = g.N * g.OH * g.OW * g.C;
  const y = new Float32Array(len);
  const arg = new Int32Array(len);
  forEachOut(g, (o, cells) => {
    let best = cells[0];
    for (const i of cells) if (x[i] > x[best]) best = i;
    y[o] = x[best];
    arg[o] = best;
  });
  return { y, arg };
}

/** Plain-JS average pooling over the real cells, in float64. */
function jsAvgPool(g: Geom, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(g.N * g.OH * g.OW * g.C);
  forEachOut(g, (o, cells) => {
    let s = 0;
    for (const i of cells) s += x[i];
    y[o] = s / cells.length;
  });
  return y;
}

function expectSameBits(
  actual: Float32Array | Int32Array,
  expected: Float32Array | Int32Array,
  what: string,
): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      throw new Error(`${what}: index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function fillBuf(h: Harness, n: number, v: number): number {
  const p = h.alloc(n);
  h.f32(p, n).fill(v);
  return p;
}

/** Inputs with many ties (values on a coarse grid), so "first max" matters. */
function tiedArray(n: number, seed: number): Float32Array {
  const r = randomArray(n, seed);
  return r.map((v) => Math.round(v * 3) / 3);
}

function geometries(): Geom[] {
  const out: Geom[] = [];
  const windows: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [3, 2],
  ];
  const strides: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
  ];
  const sizes: [number, number][] = [
    [1, 1],
    [3, 3],
    [7, 7],
    [9, 9],
    [4, 7],
  ];
  let i = 0;
  for (const [H, W] of sizes)
    for (const C of [1, 3, 4, 5, 8, 17])
      for (const k of windows)
        for (const s of strides)
          for (const pad of ['same', 'valid'] as Pad[]) {
            const g = makeGeom(1 + (i++ % 2), H, W, C, k, s, pad);
            if (g) out.push(g);
          }
  const extra = [
    makeGeom(2, 7, 9, 33, [3, 3], [2, 2], 'same'),
    makeGeom(1, 8, 8, 64, [2, 2], [2, 2], 'valid'),
    makeGeom(1, 5, 5, 129, [3, 3], [1, 1], 'same'),
    makeGeom(2, 9, 9, 7, [3, 3], [1, 1], 'same', [2, 2]),
    makeGeom(1, 7, 9, 4, [2, 3], [2, 1], 'valid', [3, 2]),
    makeGeom(1, 4, 4, 6, [5, 5], [1, 1], 'same'),
    makeGeom(1, 4, 4, 6, [4, 4], [4, 4], 'valid'),
  ];
  for (const g of extra) if (g) out.push(g);
  return out;
}

function checkPool(h: Harness, g: Geom, seed: number): void {
  h.reset();
  const { k } = h;
  const label = JSON.stringify(g);
  const xLen = g.N * g.H * g.W * g.C;
  const yLen = g.N * g.OH * g.OW * g.C;
  const gp = h.putI32(geomArray(g));

  // Max pooling, with and without argmax, on tied inputs.
  const x = seed % 2 ? tiedArray(xLen, seed) : randomArray(xLen, seed);
  const xp = h.putF32(x);
  const y = fillBuf(h, yLen, Number.NaN);
  const arg = fillBuf(h, yLen, Number.NaN);
  const yRef = fillBuf(h, yLen, Number.NaN);
  const argRef = fillBuf(h, yLen, Number.NaN);
  const yNoArg = fillBuf(h, yLen, Number.NaN);
  k.maxPool(xp, y, arg, gp);
  k.maxPoolRef(xp, yRef, argRef, gp);
  k.maxPool(xp, yNoArg, 0, gp);
  expectSameBits(h.f32(y, yLen), h.f32(yRef, yLen), `maxPool ${label}`);
  expectSameBits(h.i32(arg, yLen), h.i32(argRef, yLen), `maxPool argmax ${label}`);
  expectSameBits(h.f32(yNoArg, yLen), h.f32(yRef, yLen), `maxPool no argmax ${label}`);
  const want = jsMaxPool(g, x);
  expectSameBits(h.f32(y, yLen), want.y, `maxPool vs JS ${label}`);
  expectSameBits(h.i32(arg, yLen), want.arg, `maxPool argmax vs JS ${label}`);

  // Max backward: zero + scatter-add at argmax.
  const dy = randomArray(yLen, seed + 1);
  const dyp = h.putF32(dy);
  const dx = fillBuf(h, xLen, Number.NaN);
  k.maxPoolBackward(dyp, arg, dx, yLen, xLen);
  const wantDx = new Float32Array(xLen);
  for (let o = 0; o < yLen; o++) wantDx[want.arg[o]] += dy[o];
  expectSameBits(h.f32(dx, xLen), wantDx, `maxPoolBackward ${label}`);
  // The geometry-aware backward (direct writes for non-overlapping windows) and its Ref.
  const dxg = fillBuf(h, xLen, Number.NaN);
  const dxgRef = fillBuf(h, xLen, Number.NaN);
  k.maxPoolBackwardGeom(dyp, arg, dxg, gp);
  k.maxPoolBackwardGeomRef(dyp, arg, dxgRef, gp);
  expectSameBits(h.f32(dxg, xLen), wantDx, `maxPoolBackwardGeom ${label}`);
  expectSameBits(h.f32(dxgRef, xLen), wantDx, `maxPoolBackwardGeomRef ${label}`);

  // Average pooling.
  const ya = fillBuf(h, yLen, Number.NaN);
  const yaRef = fillBuf(h, yLen, Number.NaN);
  k.avgPool(xp, ya, gp);
  k.avgPoolRef(xp, yaRef, gp);
  expectSameBits(h.f32(ya, yLen), h.f32(yaRef, yLen), `avgPool ${label}`);
  expectClose(h.f32(ya, yLen), jsAvgPool(g, x), 1e-5, 1e-6);

  // Average backward: fast == Ref, and the adjoint <avgPool(x), dy> == <x, avgPoolBackward(dy)>.
  const dxa = fillBuf(h, xLen, Number.NaN);
  const dxaRef = fillBuf(h, xLen, Number.NaN);
  k.avgPoolBackward(dyp, dxa, gp);
  k.avgPoolBackwardRef(dyp, dxaRef, gp);
  expectSameBits(h.f32(dxa, xLen), h.f32(dxaRef, xLen), `avgPoolBackward ${label}`);
  const yav = jsAvgPool(g, x);
  let lhs = 0;
  for (let o = 0; o < yLen; o++) lhs += yav[o] * dy[o];
  let rhs = 0;
  const dxav = h.f32(dxa, xLen);
  for (let i = 0; i < xLen; i++) rhs += x[i] * dxav[i];
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(lhs)));
}

describe.each(variants)('pool kernels (%s)', (variant) => {
  it('max and average pooling on a hand-checked same-padded case', async () => {
    const h = await harness(variant);
    // 1x3x3x1 input, 2x2 window, stride 2, 'same': OH = OW = 2, total pad 1, top/left 0.
    const g = makeGeom(1, 3, 3, 1, [2, 2], [2, 2], 'same')!;
    expect([g.OH, g.OW, g.pT, g.pL]).toEqual([2, 2, 0, 0]);
    const xp = h.putF32([1, 5, 2, 4, 3, 9, 7, 8, 6]);
    const gp = h.putI32(geomArray(g));
    const y = h.alloc(4);
    const arg = h.alloc(4);
    h.k.maxPool(xp, y, arg, gp);
    expect(Array.from(h.f32(y, 4))).toEqual([5, 9, 8, 6]);
    expect(Array.from(h.i32(arg, 4))).toEqual([1, 5, 7, 8]);
    h.k.avgPool(xp, y, gp);
    // Border windows divide by their real cells: (2+9)/2, (7+8)/2, 6/1.
    expect(Array.from(h.f32(y, 4))).toEqual([13 / 4, 5.5, 7.5, 6]);
  });

  it('first max wins on ties, NaN propagates, -Infinity inputs', async () => {
    const h = await harness(variant);
    for (const C of [1, 4, 6]) {
      h.reset();
      const g = makeGeom(1, 2, 2, C, [2, 2], [2, 2], 'valid')!;
      const gp = h.putI32(geomArray(g));
      const cases: [number[], number, number][] = [
        [[1, 1, 1, 1], 1, 0],
        [[0, 2, 2, 1], 2, 1],
        [[-Infinity, -Infinity, -Infinity, -Infinity], -Infinity, 0],
        [[1, Number.NaN, 3, Number.NaN], Number.NaN, 1],
        [[Number.NaN, 1, 3, 2], Number.NaN, 0],
      ];
      for (const [cells, val, at] of cases) {
        const x = new Float32Array(4 * C);
        for (let p = 0; p < 4; p++) for (let c = 0; c < C; c++) x[p * C + c] = cells[p];
        const xp = h.putF32(x);
        for (const fn of [h.k.maxPool, h.k.maxPoolRef]) {
          const y = h.alloc(C);
          const arg = h.alloc(C);
          fn(xp, y, arg, gp);
          for (let c = 0; c < C; c++) {
            expect(h.f32(y, C)[c]).toBe(val);
            expect(h.i32(arg, C)[c]).toBe(at * C + c);
          }
        }
      }
    }
  });

  it('fast == Ref == plain JS over windows, strides, pads and channel counts', async () => {
    const h = await harness(variant);
    const gs = geometries();
    expect(gs.length).toBeGreaterThan(300);
    gs.forEach((g, i) => {
      checkPool(h, g, 3 + i);
    });
  });

  it('avgPoolBackward matches finite differences of avgPool', async () => {
    const h = await harness(variant);
    const gs = [
      makeGeom(1, 5, 5, 3, [3, 3], [2, 2], 'same')!,
      makeGeom(2, 4, 7, 5, [2, 3], [1, 2], 'same')!,
      makeGeom(1, 7, 7, 4, [3, 3], [3, 3], 'valid')!,
      makeGeom(1, 3, 3, 1, [1, 1], [2, 2], 'valid')!,
    ];
    for (const g of gs) {
      h.reset();
      const xLen = g.N * g.H * g.W * g.C;
      const yLen = g.N * g.OH * g.OW * g.C;
      const gp = h.putI32(geomArray(g));
      const x = randomArray(xLen, 77);
      const dy = randomArray(yLen, 78);
      const xp = h.putF32(x);
      const yp = h.alloc(yLen);
      const dxp = h.alloc(xLen);
      h.k.avgPoolBackward(h.putF32(dy), dxp, gp);
      const dx = h.f32(dxp, xLen).slice();
      // L(x) = sum(dy * avgPool(x)); central differences through the wasm forward.
      const loss = (): number => {
        h.k.avgPool(xp, yp, gp);
        const y = h.f32(yp, yLen);
        let s = 0;
        for (let o = 0; o < yLen; o++) s += y[o] * dy[o];
        return s;
      };
      const eps = 0.25;
      const fd = new Float64Array(xLen);
      const xs = h.f32(xp, xLen);
      for (let i = 0; i < xLen; i++) {
        xs[i] = x[i] + eps;
        const up = loss();
        xs[i] = x[i] - eps;
        const down = loss();
        xs[i] = x[i];
        fd[i] = (up - down) / (2 * eps);
      }
      expectClose(dx, fd, 1e-3, 1e-5);
    }
  });

  it('2x2 stride-2 pooling (fast paths) == Ref == JS on CNN-sized layers, unaligned too', async () => {
    const h = await harness(variant);
    for (const [N, H, W, C, pad] of [
      [3, 26, 26, 32, 'valid'],
      [2, 11, 11, 64, 'valid'],
      [2, 13, 13, 8, 'same'],
      [1, 12, 10, 12, 'same'],
      [2, 7, 9, 3, 'valid'],
      [1, 6, 6, 129, 'valid'],
    ] as [number, number, number, number, Pad][]) {
      h.reset();
      const g = makeGeom(N, H, W, C, [2, 2], [2, 2], pad)!;
      const xLen = g.N * g.H * g.W * g.C;
      const yLen = g.N * g.OH * g.OW * g.C;
      const gp = h.putI32(geomArray(g));
      const x = tiedArray(xLen, H * C);
      const xp = h.alloc(xLen + 1) + 4;
      h.f32(xp, xLen).set(x);
      const y = h.alloc(yLen + 1) + 4;
      const arg = h.alloc(yLen);
      const yRef = h.alloc(yLen);
      const argRef = h.alloc(yLen);
      h.k.maxPool(xp, y, arg, gp);
      h.k.maxPoolRef(xp, yRef, argRef, gp);
      const want = jsMaxPool(g, x);
      expectSameBits(h.f32(y, yLen), want.y, 'maxPool 2x2');
      expectSameBits(h.i32(arg, yLen), want.arg, 'maxPool 2x2 argmax');
      expectSameBits(h.f32(yRef, yLen), want.y, 'maxPoolRef 2x2');
      const dy = randomArray(yLen, C);
      const dyp = h.putF32(dy);
      const wantDx = new Float32Array(xLen);
      for (let o = 0; o < yLen; o++) wantDx[want.arg[o]] += dy[o];
      const dx = fillBuf(h, xLen + 1, Number.NaN) + 4;
      const dxRef = fillBuf(h, xLen, Number.NaN);
      h.k.maxPoolBackwardGeom(dyp, arg, dx, gp);
      h.k.maxPoolBackwardGeomRef(dyp, arg, dxRef, gp);
      expectSameBits(h.f32(dx, xLen), wantDx, 'maxPoolBackwardGeom 2x2');
      expectSameBits(h.f32(dxRef, xLen), wantDx, 'maxPoolBackwardGeomRef 2x2');
    }
  });

  it('fast == Ref on larger layers and unaligned buffers', async () => {
    const h = await harness(variant);
    for (const [H, W, C] of [
      [33, 31, 33],
      [16, 16, 64],
      [9, 7, 256],
    ]) {
      for (const pad of ['same', 'valid'] as Pad[]) {
        h.reset();
        const g = makeGeom(2, H, W, C, [3, 3], [2, 2], pad)!;
        const xLen = g.N * g.H * g.W * g.C;
        const yLen = g.N * g.OH * g.OW * g.C;
        const gp = h.putI32(geomArray(g));
        const xp = h.alloc(xLen + 1) + 4;
        h.f32(xp, xLen).set(tiedArray(xLen, H + C));
        const pair = (): [number, number] => [h.alloc(yLen + 1) + 4, h.alloc(yLen)];
        const [y, yRef] = pair();
        const [arg, argRef] = pair();
        h.k.maxPool(xp, y, arg, gp);
        h.k.maxPoolRef(xp, yRef, argRef, gp);
        expectSameBits(h.f32(y, yLen), h.f32(yRef, yLen), 'maxPool large');
        expectSameBits(h.i32(arg, yLen), h.i32(argRef, yLen), 'maxPool argmax large');
        h.k.avgPool(xp, y, gp);
        h.k.avgPoolRef(xp, yRef, gp);
        expectSameBits(h.f32(y, yLen), h.f32(yRef, yLen), 'avgPool large');
        const dyp = h.putF32(randomArray(yLen, 9));
        const dx = h.alloc(xLen + 1) + 4;
        const dxRef = h.alloc(xLen);
        h.k.avgPoolBackward(dyp, dx, gp);
        h.k.avgPoolBackwardRef(dyp, dxRef, gp);
        expectSameBits(h.f32(dx, xLen), h.f32(dxRef, xLen), 'avgPoolBackward large');
      }
    }
  });
});
