// Training kernels of convgrad.ts: the Winograd F(4x4, 3x3) filter gradient and convolution
// against their scalar twins (bit for bit in the SIMD build: same operations in the same
// order) and against float64 direct sums written here; the filter flip against JS; and the
// input gradient the ops build from them (convFlipFilter, then winograd4Filter +
// winograd4Conv) against float64.
import { describe, expect, it } from 'vitest';
import { type Harness, harness, randomArray, variants } from './harness.js';

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
  /** Padding on every side: 'same' (1), 'valid' (0) or 2. */
  pad: 'same' | 'valid' | 2;
}

/** [OH, OW, pad] of a 3x3 stride-1 convolution. */
function outGeom(cs: Case): [number, number, number] {
  const p = cs.pad === 'same' ? 1 : cs.pad === 'valid' ? 0 : 2;
  return [cs.h + 2 * p - 2, cs.w + 2 * p - 2, p];
}

/** dw[kh, kw, c, oc] = sum over (n, oh, ow) of x[n, ih, iw, c] * dy[n, oh, ow, oc], float64. */
function filterGrad(cs: Case, x: Float32Array, dy: Float32Array): Float64Array {
  const [oh, ow, p] = outGeom(cs);
  const dw = new Float64Array(9 * cs.c * cs.oc);
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++)
      for (let n = 0; n < cs.n; n++)
        for (let i = 0; i < oh; i++) {
          const ih = i - p + a;
          if (ih < 0 || ih >= cs.h) continue;
          for (let j = 0; j < ow; j++) {
            const iw = j - p + b;
            if (iw < 0 || iw >= cs.w) continue;
            const xo = ((n * cs.h + ih) * cs.w + iw) * cs.c;
            const yo = ((n * oh + i) * ow + j) * cs.oc;
            for (let c = 0; c < cs.c; c++)
              for (let k = 0; k < cs.oc; k++) {
                dw[((a * 3 + b) * cs.c + c) * cs.oc + k] += x[xo + c] * dy[yo + k];
              }
          }
        }
  return dw;
}

/** dx[n, ih, iw, c] = sum over the taps reading it of dy[n, oh, ow, oc] * w[kh, kw, c, oc], float64. */
function inputGrad(cs: Case, dy: Float32Array, w: Float32Array): Float64Array {
  const [oh, ow, p] = outGeom(cs);
  const dx = new Float64Array(cs.n * cs.h * cs.w * cs.c);
  for (let n = 0; n < cs.n; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) {
            const ih = i - p + a;
            const iw = j - p + b;
            if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) continue;
            for (let c = 0; c < cs.c; c++) {
              let s = 0;
              for (let k = 0; k < cs.oc; k++) {
                s +=
                  dy[((n * oh + i) * ow + j) * cs.oc + k] * w[((a * 3 + b) * cs.c + c) * cs.oc + k];
              }
              dx[((n * cs.h + ih) * cs.w + iw) * cs.c + c] += s;
            }
          }
  return dx;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) throw new Error(`${what}: index ${i}: got ${a[i]}, expected ${b[i]}`);
  }
}

/** max |a - b| <= tol * max(1e-3, max |b|) (Winograd's error scales with the result's magnitude). */
function closeToScale(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 1e-3;
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
  const [oh, ow, p] = outGeom(cs);
  const label = JSON.stringify(cs);
  const x = randomArray(cs.n * cs.h * cs.w * cs.c, seed);
  const dy = randomArray(cs.n * oh * ow * cs.oc, seed + 1);
  const w = randomArray(9 * cs.c * cs.oc, seed + 2);
  const xp = h.putF32(x);
  const dyp = h.putF32(dy);
  const wp = h.putF32(w);
  const geom = h.putI32([cs.n, cs.h, cs.w, cs.c, 3, 3, oh, ow, 1, 1, p, p, 1, 1, cs.oc, 0]);

  // Filter gradient.
  const nw = 9 * cs.c * cs.oc;
  const wsize = k.winogradFilterGradWorkSize(cs.c, cs.oc);
  const work = h.alloc(wsize);
  h.f32(work, wsize).fill(Number.NaN); // the kernel must not read stale workspace
  const dw = h.alloc(nw);
  const dwRef = h.alloc(nw);
  h.f32(dw, nw).fill(Number.NaN);
  h.f32(dwRef, nw).fill(Number.NaN);
  k.winogradFilterGrad(xp, dyp, dw, geom, work);
  const got = h.f32(dw, nw).slice();
  h.f32(work, wsize).fill(Number.NaN);
  k.winogradFilterGradRef(xp, dyp, dwRef, geom, work);
  const ref = h.f32(dwRef, nw).slice();
  if (relaxed) closeToScale(got, ref, 1e-6, `${label} filter grad vs ref`);
  else sameBits(got, ref, `${label} filter grad vs ref`);
  const want = filterGrad(cs, x, dy);
  // Sums of N*OH*OW products: tolerance relative to the gradient's scale.
  const terms = cs.n * oh * ow;
  closeToScale(got, want, 1e-5 + 1e-7 * Math.sqrt(terms), `${label} filter grad vs direct`);
  closeToScale(ref, want, 1e-5 + 1e-7 * Math.sqrt(terms), `${label} filter grad ref vs direct`);

  // The flip, then the input gradient as a forward Winograd convolution of dy.
  const wf = h.alloc(nw);
  k.convFlipFilter(wp, 3, 3, cs.c, cs.oc, wf);
  const flipped = h.f32(wf, nw);
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++)
      for (let c = 0; c < cs.c; c++)
        for (let q = 0; q < cs.oc; q++) {
          const v = flipped[(((2 - a) * 3 + (2 - b)) * cs.oc + q) * cs.c + c];
          if (v !== w[((a * 3 + b) * cs.c + c) * cs.oc + q]) {
            throw new Error(`${label} flip: tap (${a}, ${b}) c ${c} oc ${q}`);
          }
        }
  const nx = cs.n * cs.h * cs.w * cs.c;
  const geomT = h.putI32([
    cs.n,
    oh,
    ow,
    cs.oc,
    3,
    3,
    cs.h,
    cs.w,
    1,
    1,
    2 - p,
    2 - p,
    1,
    1,
    cs.c,
    0,
  ]);
  const dx = conv4(h, dyp, wf, cs.oc, cs.c, 0, geomT, nx, 0, relaxed, `${label} input grad`);
  closeToScale(dx, inputGrad(cs, dy, w), 1e-5 * Math.sqrt(cs.oc), `${label} input grad`);

  // The forward convolution itself, with a bias and relu.
  const bias = randomArray(cs.oc, seed + 3);
  const bp = h.putF32(bias);
  const y = conv4(
    h,
    xp,
    wp,
    cs.c,
    cs.oc,
    bp,
    geom,
    cs.n * oh * ow * cs.oc,
    1,
    relaxed,
    `${label} forward`,
  );
  const wantY = forward(cs, x, w, bias);
  closeToScale(y, wantY, 1e-5 * Math.sqrt(cs.c), `${label} forward`);
}

/**
 * winograd4Filter + winograd4Conv of x (c -> oc channels) against their scalar twins (bit for
 * bit in the SIMD build), on NaN-filled work areas; returns the SIMD result.
 */
function conv4(
  h: Harness,
  xp: number,
  wp: number,
  c: number,
  oc: number,
  bp: number,
  geom: number,
  ny: number,
  act: number,
  relaxed: boolean,
  what: string,
): Float32Array {
  const { k } = h;
  const usize = k.winograd4FilterSize(c, oc);
  expect(usize).toBe(36 * Math.ceil(c / 4) * 4 * Math.ceil(oc / 8) * 8);
  const wsize = k.winograd4WorkSize(c, oc);
  const work = h.alloc(wsize);
  const u = h.alloc(usize);
  const uRef = h.alloc(usize);
  h.f32(u, usize).fill(Number.NaN);
  h.f32(uRef, usize).fill(Number.NaN);
  h.f32(work, wsize).fill(Number.NaN);
  k.winograd4Filter(wp, c, oc, u, work);
  h.f32(work, wsize).fill(Number.NaN);
  k.winograd4FilterRef(wp, c, oc, uRef, work);
  sameBits(h.f32(u, usize), h.f32(uRef, usize), `${what} filter transform vs ref`);
  const y = h.alloc(ny);
  const yRef = h.alloc(ny);
  h.f32(y, ny).fill(Number.NaN);
  h.f32(yRef, ny).fill(Number.NaN);
  h.f32(work, wsize).fill(Number.NaN); // the kernel must not read stale workspace
  k.winograd4Conv(xp, u, bp, y, geom, act, work);
  h.f32(work, wsize).fill(Number.NaN);
  k.winograd4ConvRef(xp, u, bp, yRef, geom, act, work);
  const got = h.f32(y, ny).slice();
  if (relaxed) closeToScale(got, h.f32(yRef, ny), 1e-6, `${what} vs ref`);
  else sameBits(got, h.f32(yRef, ny).slice(), `${what} vs ref`);
  return got;
}

/** relu(conv2d(x, w) + bias) in float64. */
function forward(cs: Case, x: Float32Array, w: Float32Array, bias: Float32Array): Float64Array {
  const [oh, ow, p] = outGeom(cs);
  const y = new Float64Array(cs.n * oh * ow * cs.oc);
  for (let n = 0; n < cs.n; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let q = 0; q < cs.oc; q++) {
          let s = bias[q];
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++) {
              const ih = i - p + a;
              const iw = j - p + b;
              if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) continue;
              for (let c = 0; c < cs.c; c++) {
                s +=
                  x[((n * cs.h + ih) * cs.w + iw) * cs.c + c] *
                  w[((a * 3 + b) * cs.c + c) * cs.oc + q];
              }
            }
          y[((n * oh + i) * ow + j) * cs.oc + q] = Math.max(s, 0);
        }
  return y;
}

const cases: Case[] = [
  { n: 1, h: 1, w: 1, c: 1, oc: 1, pad: 'same' },
  { n: 1, h: 3, w: 3, c: 3, oc: 3, pad: 'same' },
  { n: 2, h: 3, w: 7, c: 7, oc: 9, pad: 'valid' },
  { n: 1, h: 7, w: 7, c: 4, oc: 8, pad: 'same' },
  { n: 3, h: 7, w: 3, c: 33, oc: 7, pad: 'same' },
  { n: 1, h: 9, w: 5, c: 5, oc: 11, pad: 2 },
  { n: 1, h: 33, w: 33, c: 3, oc: 33, pad: 'valid' },
  { n: 2, h: 33, w: 7, c: 8, oc: 16, pad: 'same' },
  { n: 2, h: 13, w: 13, c: 32, oc: 64, pad: 'valid' },
  { n: 1, h: 10, w: 10, c: 1, oc: 1, pad: 'valid' },
  { n: 3, h: 8, w: 8, c: 64, oc: 64, pad: 'same' },
  // Many tiles: several blocks, the last one partial.
  { n: 5, h: 28, w: 28, c: 16, oc: 24, pad: 'same' },
  { n: 4, h: 32, w: 32, c: 16, oc: 16, pad: 'same' },
];

describe('winogradFilterGrad, winograd4Conv and the input gradient by a flipped filter', () => {
  for (const variant of variants) {
    it(`${variant}: equal their twins and float64 direct sums`, async () => {
      const h = await harness(variant);
      cases.forEach((cs, i) => {
        run(h, cs, 20 + i, variant === 'relaxed');
      });
    });
  }

  it('blocks hold 16 to 128 tiles (multiples of 4) and the workspace fits them', async () => {
    const { k } = await harness('simd');
    for (const [c, oc] of [
      [1, 1],
      [3, 7],
      [16, 16],
      [64, 64],
      [512, 512],
    ]) {
      const t = k.winogradFilterGradBlock(c, oc);
      expect(t % 4).toBe(0);
      expect(t).toBeGreaterThanOrEqual(16);
      expect(t).toBeLessThanOrEqual(128);
      const cp = Math.ceil(c / 4) * 4;
      const ocp = Math.ceil(oc / 8) * 8;
      expect(k.winogradFilterGradWorkSize(c, oc)).toBe(384 + 36 * t * (cp + ocp) + 36 * cp * ocp);
    }
  });
});
