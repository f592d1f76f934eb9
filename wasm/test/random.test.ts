import { describe, expect, it } from 'vitest';
import { type Harness, harness, variants } from './harness.js';

/** Independent JS model of the generator: splitmix64 seeding + xoshiro128**. */
function jsGenerator(seed: number): () => number {
  const M = (1n << 64n) - 1n;
  let x = BigInt(seed >>> 0);
  const splitmix = () => {
    x = (x + 0x9e3779b97f4a7c15n) & M;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  const a = splitmix();
  const b = splitmix();
  const s = new Uint32Array([
    Number(a & 0xffffffffn),
    Number(a >> 32n),
    Number(b & 0xffffffffn),
    Number(b >> 32n),
  ]);
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

function uniform(h: Harness, n: number, lo = 0, hi = 1): Float32Array {
  h.reset();
  const p = h.alloc(n);
  h.k.randomUniform(p, n, lo, hi);
  return Float32Array.from(h.f32(p, n));
}

function normal(h: Harness, n: number, mean = 0, std = 1, truncated = false): Float32Array {
  h.reset();
  const p = h.alloc(n);
  (truncated ? h.k.truncatedNormal : h.k.randomNormal)(p, n, mean, std);
  return Float32Array.from(h.f32(p, n));
}

function ints(h: Harness, n: number, lo: number, hi: number): Int32Array {
  h.reset();
  const p = h.alloc(n);
  h.k.randomInt(p, n, lo, hi);
  return Int32Array.from(h.i32(p, n));
}

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, variance: v / x.length };
}

for (const variant of variants) {
  describe(`random (${variant})`, async () => {
    const h = await harness(variant);
    const { k } = h;

    it('known answer for seed 42 (first 4 uniform floats)', () => {
      k.seedRandom(42);
      expect(Array.from(uniform(h, 4))).toEqual([
        0.4137016534805298, 0.9697872400283813, 0.003983974456787109, 0.5395373106002808,
      ]);
    });

    it('matches an independent JS model of splitmix64 + xoshiro128**', () => {
      for (const seed of [0, 1, 42, 0xffffffff]) {
        k.seedRandom(seed);
        const got = uniform(h, 1000);
        const next = jsGenerator(seed);
        for (let i = 0; i < 1000; i++) expect(got[i]).toBe((next() >>> 8) * 2 ** -24);
      }
    });

    it('default state equals seedRandom(0)', async () => {
      const fresh = await harness(variant);
      const a = uniform(fresh, 64);
      k.seedRandom(0);
      expect(uniform(h, 64)).toEqual(a);
    });

    it('seeded streams repeat, different seeds differ', () => {
      k.seedRandom(7);
      const a = uniform(h, 100);
      const b = uniform(h, 100);
      k.seedRandom(7);
      expect(uniform(h, 100)).toEqual(a);
      expect(uniform(h, 100)).toEqual(b);
      expect(b).not.toEqual(a);
      k.seedRandom(8);
      expect(uniform(h, 100)).not.toEqual(a);
      k.seedRandom(7);
      const n1 = normal(h, 33);
      k.seedRandom(7);
      expect(normal(h, 33)).toEqual(n1);
    });

    it('getRandomState/setRandomState save and restore the stream', () => {
      k.seedRandom(123);
      uniform(h, 5);
      h.reset();
      const st = h.alloc(4);
      k.getRandomState(st);
      const saved = Int32Array.from(h.i32(st, 4));
      const a = normal(h, 10);
      const b = ints(h, 10, 0, 100);
      const c = uniform(h, 10);
      const ps = h.putI32(saved);
      k.setRandomState(ps);
      expect(normal(h, 10)).toEqual(a);
      expect(ints(h, 10, 0, 100)).toEqual(b);
      expect(uniform(h, 10)).toEqual(c);
      // An all-zero state is replaced by the seed-0 state.
      const z = h.putI32([0, 0, 0, 0]);
      k.setRandomState(z);
      const fromZero = uniform(h, 8);
      k.seedRandom(0);
      expect(uniform(h, 8)).toEqual(fromZero);
    });

    it('uniform: range, mean and variance', () => {
      k.seedRandom(1);
      const n = 200000;
      const u = uniform(h, n, -2, 3);
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of u) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBeGreaterThanOrEqual(-2);
      expect(max).toBeLessThan(3);
      expect(min).toBeLessThan(-1.99);
      expect(max).toBeGreaterThan(2.99);
      const { mean, variance } = moments(u);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
      expect(Math.abs(variance - 25 / 12) / (25 / 12)).toBeLessThan(0.01);
      // Values that would round up to hi stay below it.
      const v = uniform(h, 100000, 1, 1.0000001);
      expect(v.every((x) => x >= 1 && x < Math.fround(1.0000001))).toBe(true);
      expect(Array.from(uniform(h, 3, 5, 5))).toEqual([5, 5, 5]);
    });

    it('normal: mean ~0, std ~1, tail fraction beyond 2 std', () => {
      k.seedRandom(2);
      const n = 200000;
      const z = normal(h, n);
      const { mean, variance } = moments(z);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.01);
      let tail = 0;
      for (const v of z) if (Math.abs(v) > 2) tail++;
      expect(Math.abs(tail / n - 0.0455)).toBeLessThan(0.003);
      const y = normal(h, 50001, 3, 0.5);
      const m = moments(y);
      expect(Math.abs(m.mean - 3)).toBeLessThan(0.01);
      expect(Math.abs(Math.sqrt(m.variance) - 0.5)).toBeLessThan(0.01);
    });

    it('truncatedNormal never goes beyond 2 std', () => {
      k.seedRandom(3);
      const n = 100001;
      const mean = -1.5;
      const std = 2;
      const z = normal(h, n, mean, std, true);
      const bound = 2 * std * (1 + 1e-6);
      let near = 0;
      let worst = 0;
      for (const v of z) {
        worst = Math.max(worst, Math.abs(v - mean));
        if (Math.abs(v - mean) > 1.9 * std) near++;
      }
      expect(worst).toBeLessThanOrEqual(bound);
      expect(near).toBeGreaterThan(0);
      const m = moments(z);
      expect(Math.abs(m.mean - mean)).toBeLessThan(0.02);
      // Standard deviation of a standard normal truncated at +-2: 0.8796.
      expect(Math.abs(Math.sqrt(m.variance) / std - 0.8796)).toBeLessThan(0.01);
    });

    it('randomInt: range coverage without bias', () => {
      k.seedRandom(4);
      const lo = -3;
      const hi = 7;
      const n = 100000;
      const r = ints(h, n, lo, hi);
      const counts = new Array(hi - lo).fill(0);
      expect(r.every((v) => v >= lo && v < hi)).toBe(true);
      for (const v of r) counts[v - lo]++;
      // Chi-square with 9 degrees of freedom: 99.9% quantile is 27.9.
      const e = n / (hi - lo);
      const chi = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
      expect(chi).toBeLessThan(27.9);
      // A range where modulo would be visibly biased: 3 * 2^30 values.
      const big = ints(h, 60000, 0, 2 ** 31 - 1);
      let low = 0;
      expect(big.every((v) => v >= 0 && v < 2 ** 31 - 1)).toBe(true);
      for (const v of big) if (v < 2 ** 30) low++;
      expect(Math.abs(low / 60000 - 0.5)).toBeLessThan(0.01);
      const full = ints(h, 1000, -(2 ** 31), 2 ** 31 - 1);
      let neg = 0;
      for (const v of full) if (v < 0) neg++;
      expect(neg).toBeGreaterThan(400);
      expect(neg).toBeLessThan(600);
      expect(Array.from(ints(h, 3, 5, 5))).toEqual([5, 5, 5]);
      expect(Array.from(ints(h, 4, 9, 10))).toEqual([9, 9, 9, 9]);
    });

    it('shuffleI32 is a seeded permutation', () => {
      for (const n of [0, 1, 2, 33, 1000]) {
        k.seedRandom(5);
        h.reset();
        const p = h.putI32(Int32Array.from({ length: n }, (_, i) => i));
        k.shuffleI32(p, n);
        const a = Int32Array.from(h.i32(p, n));
        expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
        if (n >= 33) expect(Array.from(a)).not.toEqual(Array.from({ length: n }, (_, i) => i));
        k.seedRandom(5);
        h.i32(p, n).set(Int32Array.from({ length: n }, (_, i) => i));
        k.shuffleI32(p, n);
        expect(Int32Array.from(h.i32(p, n))).toEqual(a);
      }
      // Every element reaches every position (n = 4, many shuffles).
      k.seedRandom(6);
      const seen = new Array(16).fill(0);
      h.reset();
      const p = h.alloc(4);
      for (let t = 0; t < 4000; t++) {
        h.i32(p, 4).set([0, 1, 2, 3]);
        k.shuffleI32(p, 4);
        const a = h.i32(p, 4);
        for (let i = 0; i < 4; i++) seen[a[i] * 4 + i]++;
      }
      for (const c of seen) expect(Math.abs(c - 1000)).toBeLessThan(150);
    });

    it('dropoutMask keeps 1 - rate of the values, scaled by 1 / (1 - rate)', () => {
      k.seedRandom(9);
      const n = 100000;
      for (const rate of [0, 0.1, 0.5, 0.9]) {
        h.reset();
        const p = h.alloc(n);
        k.dropoutMask(p, n, rate);
        const m = h.f32(p, n);
        const scale = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
        expect(m.every((v) => v === 0 || v === scale)).toBe(true);
        let kept = 0;
        for (const v of m) if (v !== 0) kept++;
        expect(Math.abs(kept / n - (1 - rate))).toBeLessThan(0.01);
      }
      h.reset();
      const p = h.alloc(100);
      k.dropoutMask(p, 100, 1);
      for (const v of h.f32(p, 100)) expect(v).toBe(0);
    });
  });
}

describe('random is the same in every variant', () => {
  it('streams agree across variants', async () => {
    const outs: number[][] = [];
    for (const variant of variants) {
      const h = await harness(variant);
      h.k.seedRandom(77);
      outs.push([...uniform(h, 16), ...normal(h, 16), ...ints(h, 16, 0, 1000)]);
    }
    for (const o of outs) expect(o).toEqual(outs[0]);
  });
});
