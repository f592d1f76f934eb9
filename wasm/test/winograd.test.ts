// Winograd F(2x2, 3x3) kernels (winograd.ts): the filter transform and the convolution against
// their scalar twins (bitwise in the SIMD build: same operations in the same order), and against
// a float64 direct convolution written here (within ~1e-6 of the output's scale per sqrt(C)).
import { describe, expect, it } from 'vitest';
import { type Harness, harness, randomArray, variants } from './harness.js';

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
  pad: 'same' | 'valid';
  bias: boolean;
  relu: boolean;
}

/** [OH, OW, padTop, padLeft] of a 3x3 stride-1 convolution. */
function outGeom(cs: Case): [number, number, number, number] {
  if (cs.pad === 'same') return [cs.h, cs.w, 1, 1];
  return [cs.h - 2, cs.w - 2, 0, 0];
}

/** Direct convolution in float64, independent of the kernels. */
function direct(cs: Case, x: Float32Array, w: Float32Array, b: Float32Array | null): Float64Array {
  const [oh, ow, pt, pl] = outGeom(cs);
  const y = new Float64Array(cs.n * oh * ow * cs.oc);
  for (let n = 0; n < cs.n; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < cs.oc; k++) {
          let s = b ? b[k] : 0;
          for (let a = 0; a < 3; a++)
            for (let e = 0; e < 3; e++) {
              const ih = i - pt + a;
              const iw = j - pl + e;
              if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) continue;
              for (let c = 0; c < cs.c; c++) {
                s +=
                  x[((n * cs.h + ih) * cs.w + iw) * cs.c + c] *
                  w[((a * 3 + e) * cs.c + c) * cs.oc + k];
              }
            }
          if (cs.relu) s = Math.max(s, 0);
          y[((n * oh + i) * ow + j) * cs.oc + k] = s;
        }
  return y;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) throw new Error(`${what}: index ${i}: got ${a[i]}, expected ${b[i]}`);
  }
}

/** max |a - b| <= tol * max(1, max |b|) (Winograd's error scales with the output's magnitude). */
function closeToScale(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * scale)) {
      throw new Error(`${what}: index ${i}: got ${a[i]}, expected ${b[i]} (tol ${tol} x ${scale})`);
    }
  }
}

function run(h: Harness, cs: Case, seed: number, relaxed: boolean): void {
  h.reset();
  const { k } = h;
  const [oh, ow, pt, pl] = outGeom(cs);
  const label = JSON.stringify(cs);
  const x = randomArray(cs.n * cs.h * cs.w * cs.c, seed);
  const w = randomArray(9 * cs.c * cs.oc, seed + 1);
  const b = cs.bias ? randomArray(cs.oc, seed + 2) : null;
  const xp = h.putF32(x);
  const wp = h.putF32(w);
  const bp = b ? h.putF32(b) : 0;
  const geom = h.putI32([cs.n, cs.h, cs.w, cs.c, 3, 3, oh, ow, 1, 1, pt, pl, 1, 1, cs.oc, 0]);
  const usize = k.winogradFilterSize(cs.c, cs.oc);
  expect(usize).toBe(16 * cs.c * Math.ceil(cs.oc / 8) * 8);
  const u = h.alloc(usize);
  const uRef = h.alloc(usize);
  h.f32(u, usize).fill(Number.NaN);
  h.f32(uRef, usize).fill(Number.NaN);
  k.winogradFilter(wp, cs.c, cs.oc, u);
  k.winogradFilterRef(wp, cs.c, cs.oc, uRef);
  sameBits(h.f32(u, usize), h.f32(uRef, usize), `${label} filter`);
  const ny = cs.n * oh * ow * cs.oc;
  const y = h.alloc(ny);
  const yRef = h.alloc(ny);
  h.f32(y, ny).fill(Number.NaN);
  h.f32(yRef, ny).fill(Number.NaN);
  const wsize = k.winogradWorkSize(cs.c, cs.oc);
  const work = h.alloc(wsize);
  h.f32(work, wsize).fill(Number.NaN); // the kernel must not read stale workspace
  const act = cs.relu ? 1 : 0;
  k.winogradConv(xp, u, bp, y, geom, act, work);
  k.winogradConvRef(xp, uRef, bp, yRef, geom, act, 0);
  const got = h.f32(y, ny).slice();
  const ref = h.f32(yRef, ny).slice();
  if (relaxed) closeToScale(got, ref, 1e-6, `${label} vs ref`);
  else sameBits(got, ref, `${label} vs ref`);
  const want = direct(cs, x, w, b);
  // 3x3xC products per output: tolerance relative to the output's scale.
  closeToScale(got, want, 1e-6 * Math.sqrt(cs.c), `${label} vs direct`);
  closeToScale(ref, want, 1e-6 * Math.sqrt(cs.c), `${label} ref vs direct`);
}

const cases: Case[] = [
  { n: 1, h: 1, w: 1, c: 1, oc: 1, pad: 'same', bias: false, relu: false },
  { n: 1, h: 3, w: 3, c: 3, oc: 3, pad: 'same', bias: true, relu: true },
  { n: 2, h: 3, w: 7, c: 7, oc: 9, pad: 'valid', bias: true, relu: false },
  { n: 1, h: 7, w: 7, c: 4, oc: 8, pad: 'same', bias: false, relu: true },
  { n: 3, h: 7, w: 3, c: 33, oc: 7, pad: 'same', bias: true, relu: true },
  { n: 1, h: 33, w: 33, c: 3, oc: 33, pad: 'valid', bias: true, relu: false },
  { n: 2, h: 33, w: 7, c: 8, oc: 16, pad: 'same', bias: true, relu: true },
  { n: 2, h: 13, w: 13, c: 32, oc: 64, pad: 'valid', bias: true, relu: true },
  { n: 1, h: 10, w: 10, c: 1, oc: 1, pad: 'valid', bias: false, relu: false },
  // Many tiles: several blocks, the last one partial.
  { n: 5, h: 28, w: 28, c: 16, oc: 24, pad: 'same', bias: true, relu: true },
];

describe('winograd F(2x2,3x3)', () => {
  for (const variant of variants) {
    it(`${variant}: filter transform and convolution equal their twins and a direct conv`, async () => {
      const h = await harness(variant);
      cases.forEach((cs, i) => {
        run(h, cs, 10 + i, variant === 'relaxed');
      });
    });
  }

  it('blocks hold 4 to 128 tiles (multiples of 4) and the workspace fits them', async () => {
    const { k } = await harness('simd');
    for (const [c, oc] of [
      [1, 1],
      [3, 7],
      [32, 64],
      [512, 512],
    ]) {
      const t = k.winogradBlock(c, oc);
      expect(t % 4).toBe(0);
      expect(t).toBeGreaterThanOrEqual(4);
      expect(t).toBeLessThanOrEqual(128);
      const cp = Math.ceil(c / 4) * 4;
      const ocp = Math.ceil(oc / 8) * 8;
      expect(k.winogradWorkSize(c, oc)).toBe(64 + 16 * t * (cp + ocp));
    }
  });
});
