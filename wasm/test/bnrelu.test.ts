// The batch-norm kernels fused with a following relu (batchnorm.ts: bnSumsRelu, bnBackwardRelu):
// SIMD equals the scalar Ref bit for bit, both equal bnSums / bnBackward of the masked gradient
// computed here in JS (mask x*s + t > 0 in float32, as bnAffine computes it), on odd and round
// [m, c] shapes (channel blocks of 8, 4 and scalar tails), with inputs around the relu's kink
// and NaN gradients.
import { describe, expect, it } from 'vitest';
import { harness, randomArray, variants } from './harness.js';

const SHAPES: [number, number][] = [];
for (const m of [1, 3, 7, 33, 129]) {
  for (const c of [1, 3, 4, 7, 8, 12, 16, 20, 33, 64]) SHAPES.push([m, c]);
}
SHAPES.push([1024, 16], [0, 5]);

/** Bit-for-bit equality (NaN equals NaN), naming the first difference. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${what}: index ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** Inputs x, dy, s, t with many zeros of x*s + t (x = 0, t = 0) and a few NaN gradients. */
function inputs(m: number, c: number, seed: number) {
  const x = randomArray(m * c, seed);
  const dy = randomArray(m * c, seed + 1);
  const s = randomArray(c, seed + 2);
  const t = randomArray(c, seed + 3).map((v, j) => (j % 3 === 0 ? 0 : v));
  for (let i = 0; i < x.length; i += 5) x[i] = 0;
  for (let i = 3; i < dy.length; i += 17) dy[i] = Number.NaN;
  return { x, dy, s, t };
}

/** dy where x*s + t > 0 (float32 arithmetic), else +0. */
function masked(x: Float32Array, dy: Float32Array, s: Float32Array, t: Float32Array, c: number) {
  return dy.map((g, i) => {
    const j = i % c;
    return Math.fround(Math.fround(x[i] * s[j]) + t[j]) > 0 ? g : 0;
  });
}

describe.each(variants)('batch norm fused with relu (%s)', async (variant) => {
  const h = await harness(variant);
  const { k } = h;

  it('bnSumsRelu equals its Ref and bnSums of the masked gradient', () => {
    let seed = 700;
    for (const [m, c] of SHAPES) {
      const { x, dy, s, t } = inputs(m, c, seed);
      seed += 4;
      const mean = randomArray(c, seed++);
      const run = (kind: 'fast' | 'ref' | 'plain') => {
        h.reset();
        const px = h.putF32(x);
        const pg = h.putF32(kind === 'plain' ? masked(x, dy, s, t, c) : dy);
        const pm = h.putF32(mean);
        const ps = h.putF32(s);
        const pt = h.putF32(t);
        const p1 = h.alloc(c);
        const p2 = h.alloc(c);
        if (kind === 'plain') k.bnSums(px, pg, m, c, pm, p1, p2);
        else (kind === 'fast' ? k.bnSumsRelu : k.bnSumsReluRef)(px, pg, m, c, pm, ps, pt, p1, p2);
        return [Float32Array.from(h.f32(p1, c)), Float32Array.from(h.f32(p2, c))];
      };
      const fast = run('fast');
      const ref = run('ref');
      const plain = run('plain');
      for (const [i, what] of ['s1', 's2'].entries()) {
        same(fast[i], ref[i], `${what} [${m},${c}] vs Ref`);
        same(fast[i], plain[i], `${what} [${m},${c}] vs bnSums of the masked gradient`);
      }
    }
  });

  it('bnBackwardRelu equals its Ref and bnBackward of the masked gradient', () => {
    let seed = 900;
    for (const [m, c] of SHAPES) {
      const { x, dy, s, t } = inputs(m, c, seed);
      seed += 4;
      const [mean, a, b, d] = [c, c, c, c].map((n) => randomArray(n, seed++));
      const run = (kind: 'fast' | 'ref' | 'plain') => {
        h.reset();
        const [px, pm, pa, pb, pd, ps, pt] = [x, mean, a, b, d, s, t].map((v) => h.putF32(v));
        const pg = h.putF32(kind === 'plain' ? masked(x, dy, s, t, c) : dy);
        const po = h.alloc(m * c);
        if (kind === 'plain') k.bnBackward(px, pg, po, m, c, pm, pa, pb, pd);
        else {
          (kind === 'fast' ? k.bnBackwardRelu : k.bnBackwardReluRef)(
            px,
            pg,
            po,
            m,
            c,
            pm,
            pa,
            pb,
            pd,
            ps,
            pt,
          );
        }
        return Float32Array.from(h.f32(po, m * c));
      };
      const fast = run('fast');
      same(fast, run('ref'), `[${m},${c}] vs Ref`);
      same(fast, run('plain'), `[${m},${c}] vs bnBackward of the masked gradient`);
    }
  });

  it('bnBackwardRelu may write over dy', () => {
    const [m, c] = [33, 20];
    const { x, dy, s, t } = inputs(m, c, 1100);
    const [mean, a, b, d] = [c, c, c, c].map((n) => randomArray(n, 1200 + n));
    h.reset();
    const [px, pm, pa, pb, pd, ps, pt] = [x, mean, a, b, d, s, t].map((v) => h.putF32(v));
    const pg = h.putF32(dy);
    const po = h.alloc(m * c);
    k.bnBackwardRelu(px, pg, po, m, c, pm, pa, pb, pd, ps, pt);
    const apart = Float32Array.from(h.f32(po, m * c));
    k.bnBackwardRelu(px, pg, pg, m, c, pm, pa, pb, pd, ps, pt);
    same(h.f32(pg, m * c), apart, 'in place');
  });
});
