// Batch-norm kernels: each SIMD kernel equals its scalar Ref bit for bit, and both match a
// float64 JavaScript computation, on odd and round [m, c] shapes (every channel-block path:
// 16, 8, 4 and scalar tails).
import { describe, expect, it } from 'vitest';
import { expectClose, harness, randomArray, variants } from './harness.js';

const SHAPES: [number, number][] = [];
for (const m of [1, 3, 7, 33, 129]) {
  for (const c of [1, 3, 4, 7, 8, 12, 16, 20, 33, 64, 129]) SHAPES.push([m, c]);
}
SHAPES.push([1024, 16], [2048, 32], [0, 5]);

/** Bit-for-bit equality (NaN equals NaN), naming the first difference; fast on big arrays. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what = 'values'): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i]) && !(a[i] === 0 && b[i] === 0)) {
      expect.fail(`${what}: index ${i} differs: ${a[i]} vs ${b[i]}`);
    }
  }
}

function shifted(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = randomArray(n, seed);
  return r.map((v) => lo + ((v + 1) / 2) * (hi - lo));
}

describe.each(variants)('batch-norm kernels (%s)', async (variant) => {
  const h = await harness(variant);
  const { k } = h;

  function stats(fast: boolean, x: Float32Array, m: number, c: number) {
    h.reset();
    const px = h.putF32(x);
    const pm = h.alloc(c);
    const pv = h.alloc(c);
    (fast ? k.bnStats : k.bnStatsRef)(px, m, c, pm, pv);
    return [Float32Array.from(h.f32(pm, c)), Float32Array.from(h.f32(pv, c))];
  }

  it('bnStats: mean and biased variance, SIMD = Ref, close to float64', () => {
    let seed = 1;
    for (const [m, c] of SHAPES) {
      // Values far from zero check the two-pass variance.
      const x = shifted(m * c, seed++, 50, 53);
      const fast = stats(true, x, m, c);
      const ref = stats(false, x, m, c);
      same(fast[0], ref[0], `mean [${m},${c}]`);
      same(fast[1], ref[1], `variance [${m},${c}]`);
      const mean = new Float64Array(c);
      const v = new Float64Array(c);
      for (let i = 0; i < m * c; i++) mean[i % c] += x[i] / m;
      for (let i = 0; i < m * c; i++) v[i % c] += (x[i] - mean[i % c]) ** 2 / m;
      if (m === 0) {
        expect(fast[0].every(Number.isNaN)).toBe(true);
        continue;
      }
      expectClose(fast[0], mean, 1e-6, 0);
      expectClose(fast[1], v, 1e-4, 1e-6);
    }
  });

  it('bnAffine: x * s + t (and relu), SIMD = Ref', () => {
    let seed = 100;
    for (const [m, c] of SHAPES) {
      for (const relu of [0, 1]) {
        const x = randomArray(m * c, seed++);
        const s = randomArray(c, seed++);
        const t = randomArray(c, seed++);
        const run = (fast: boolean) => {
          h.reset();
          const px = h.putF32(x);
          const ps = h.putF32(s);
          const pt = h.putF32(t);
          const py = h.alloc(m * c);
          (fast ? k.bnAffine : k.bnAffineRef)(px, py, m, c, ps, pt, relu);
          return Float32Array.from(h.f32(py, m * c));
        };
        const fast = run(true);
        same(fast, run(false), `[${m},${c}] relu ${relu}`);
        const js = x.map((v, i) => {
          const y = Math.fround(Math.fround(v * s[i % c]) + t[i % c]);
          return relu && y < 0 ? 0 : y;
        });
        same(fast, js, 'float32 JS');
      }
    }
  });

  it('bnAffine works in place', () => {
    const m = 5;
    const c = 16;
    const x = randomArray(m * c, 9);
    h.reset();
    const px = h.putF32(x);
    const ps = h.putF32(new Float32Array(c).fill(2));
    const pt = h.putF32(new Float32Array(c).fill(1));
    k.bnAffine(px, px, m, c, ps, pt, 0);
    same(
      h.f32(px, m * c),
      x.map((v) => Math.fround(2 * v + 1)),
    );
  });

  it('bnSums: sum dy and sum dy * (x - mean), SIMD = Ref, close to float64', () => {
    let seed = 300;
    for (const [m, c] of SHAPES) {
      const x = randomArray(m * c, seed++);
      const dy = randomArray(m * c, seed++);
      const mean = randomArray(c, seed++);
      const run = (fast: boolean) => {
        h.reset();
        const px = h.putF32(x);
        const pg = h.putF32(dy);
        const pm = h.putF32(mean);
        const p1 = h.alloc(c);
        const p2 = h.alloc(c);
        (fast ? k.bnSums : k.bnSumsRef)(px, pg, m, c, pm, p1, p2);
        return [Float32Array.from(h.f32(p1, c)), Float32Array.from(h.f32(p2, c))];
      };
      const fast = run(true);
      const ref = run(false);
      same(fast[0], ref[0], `s1 [${m},${c}]`);
      same(fast[1], ref[1], `s2 [${m},${c}]`);
      const s1 = new Float64Array(c);
      const s2 = new Float64Array(c);
      for (let i = 0; i < m * c; i++) {
        s1[i % c] += dy[i];
        s2[i % c] += dy[i] * (x[i] - mean[i % c]);
      }
      expectClose(fast[0], s1, 1e-5, 1e-6);
      expectClose(fast[1], s2, 1e-5, 1e-6);
    }
  });

  it('bnBackward: a * dy + b * (x - mean) + d, SIMD = Ref', () => {
    let seed = 500;
    for (const [m, c] of SHAPES) {
      const arrays = [m * c, m * c, c, c, c, c].map((n) => randomArray(n, seed++));
      const [x, dy, mean, a, b, d] = arrays;
      const run = (fast: boolean) => {
        h.reset();
        const [px, pg, pm, pa, pb, pd] = arrays.map((v) => h.putF32(v));
        const po = h.alloc(m * c);
        (fast ? k.bnBackward : k.bnBackwardRef)(px, pg, po, m, c, pm, pa, pb, pd);
        return Float32Array.from(h.f32(po, m * c));
      };
      const fast = run(true);
      same(fast, run(false), `[${m},${c}]`);
      const js = x.map((v, i) => {
        const j = i % c;
        const t1 = Math.fround(a[j] * dy[i]);
        const t3 = Math.fround(b[j] * Math.fround(v - mean[j]));
        return Math.fround(Math.fround(t1 + t3) + d[j]);
      });
      same(fast, js, 'float32 JS');
    }
  });
});
