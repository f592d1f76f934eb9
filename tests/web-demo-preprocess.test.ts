// The web demo's drawing preprocessing (apps/web-demo/src/preprocess.ts): area resampling
// against a supersampled reference, and toMnist's crop / 20x20 box / centre-of-mass placement.
import { describe, expect, it } from 'vitest';
import { areaResample, BOX, SIDE, toMnist } from '../apps/web-demo/src/preprocess.js';

/** Seeded uniform floats in [0, 1). */
function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Area average by brute force: each output pixel sampled on a k x k grid of sub-points. */
function supersample(src: Float32Array, w: number, h: number, ow: number, oh: number, k: number) {
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        for (let i = 0; i < k; i++) {
          const x = Math.floor(((ox + (i + 0.5) / k) * w) / ow);
          const y = Math.floor(((oy + (j + 0.5) / k) * h) / oh);
          sum += src[y * w + x];
        }
      }
      out[oy * ow + ox] = sum / (k * k);
    }
  }
  return out;
}

function inkBox(img: Float32Array, side: number) {
  let x0 = side;
  let y0 = side;
  let x1 = -1;
  let y1 = -1;
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = img[y * side + x];
      if (v > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, mass, cx: mx / mass, cy: my / mass };
}

describe('web demo preprocessing', () => {
  it('areaResample matches a supersampled area average (odd sizes, fractional ratios)', () => {
    const r = rand(5);
    for (const [w, h, ow, oh] of [
      [7, 33, 3, 7],
      [33, 7, 20, 3],
      [129, 33, 20, 7],
      [3, 3, 1, 1],
      [20, 20, 7, 3],
    ]) {
      const src = Float32Array.from({ length: w * h }, r);
      const got = areaResample(src, w, 0, 0, w, h, ow, oh);
      // k sub-samples per axis misplace each pixel edge by at most 1/k of a pixel.
      const k = 256;
      const want = supersample(src, w, h, ow, oh, k);
      got.forEach((v, i) => {
        expect(Math.abs(v - want[i])).toBeLessThanOrEqual(4 / k);
      });
    }
  });

  it('areaResample reads a window of a larger image', () => {
    const r = rand(9);
    const big = Float32Array.from({ length: 40 * 30 }, r);
    const win = new Float32Array(13 * 11);
    for (let y = 0; y < 11; y++) {
      for (let x = 0; x < 13; x++) win[y * 13 + x] = big[(y + 7) * 40 + x + 5];
    }
    expect(Array.from(areaResample(big, 40, 5, 7, 13, 11, 5, 4))).toEqual(
      Array.from(areaResample(win, 13, 0, 0, 13, 11, 5, 4)),
    );
  });

  it('toMnist returns null for an empty drawing and rejects a wrong size', () => {
    expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeNull();
    expect(() => toMnist(new Float32Array(10), 3, 3)).toThrow(/expected 3x3 = 9 values, got 10/);
  });

  it('toMnist scales the ink into a 20x20 box and centres its mass', () => {
    // A solid 100 x 50 rectangle: scaled by 1/5 into 20 x 10, mass 200, centred at (14, 14).
    const ink = new Float32Array(280 * 280);
    for (let y = 30; y < 80; y++) for (let x = 150; x < 250; x++) ink[y * 280 + x] = 1;
    const out = toMnist(ink, 280, 280)!;
    expect(out).toHaveLength(SIDE * SIDE);
    const b = inkBox(out, SIDE);
    expect([b.w, b.h]).toEqual([BOX, 10]);
    expect(b.mass).toBeCloseTo(200, 3);
    expect(Math.abs(b.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(b.cy - 14)).toBeLessThanOrEqual(0.5);
    for (const v of out) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('toMnist ignores where and how large the digit was drawn', () => {
    // The same L shape drawn at two places and at two scales (3x the size, 3x the stroke).
    const draw = (x0: number, y0: number, s: number) => {
      const ink = new Float32Array(280 * 280);
      for (let y = 0; y < 30 * s; y++) {
        for (let x = 0; x < 3 * s; x++) ink[(y0 + y) * 280 + x0 + x] = 1;
      }
      for (let y = 27 * s; y < 30 * s; y++) {
        for (let x = 0; x < 20 * s; x++) ink[(y0 + y) * 280 + x0 + x] = 1;
      }
      return toMnist(ink, 280, 280)!;
    };
    const a = draw(10, 10, 1);
    const b = draw(200, 150, 1);
    const c = draw(60, 40, 3);
    expect(Array.from(b)).toEqual(Array.from(a));
    c.forEach((v, i) => {
      expect(v).toBeCloseTo(a[i], 4);
    });
    const box = inkBox(a, SIDE);
    expect(box.h).toBe(BOX);
  });

  it('toMnist keeps a thin vertical stroke thin (aspect ratio kept, to whole pixels)', () => {
    // 18 x 200 ink scales by 1/10 to 1.8 x 20, rounded to 2 x 20 pixels of full ink.
    const ink = new Float32Array(280 * 280);
    for (let y = 40; y < 240; y++) for (let x = 131; x < 149; x++) ink[y * 280 + x] = 1;
    const b = inkBox(toMnist(ink, 280, 280)!, SIDE);
    expect([b.w, b.h]).toEqual([2, BOX]);
    expect(b.mass).toBeCloseTo(40, 3);
  });
});
