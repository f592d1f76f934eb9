// gemm (packed SIMD) against gemmRef (triple loop) and against a plain-JS matmul.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Harness, harness, randomArray, variants } from './harness.js';

interface Case {
  transA: number;
  transB: number;
  m: number;
  n: number;
  k: number;
  /** Extra elements per row of A, B and C (submatrix views). */
  pad: number;
  beta: number;
  bias: boolean;
  act: number;
}

/** Absolute floor grows like sqrt(k): rounding differences between summation orders. */
const atolFor = (k: number): number => 4e-6 * Math.sqrt(k + 1);

/** Runs one case through `fn` (gemm or gemmRef); returns C with its padding (m x ldc). */
function run(h: Harness, fn: 'gemm' | 'gemmRef', c: Case, seed: number): Float32Array {
  const { transA, transB, m, n, k, pad } = c;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const aRows = transA ? k : m;
  const bRows = transB ? n : k;
  h.reset();
  const a = h.putF32(randomArray(Math.max(1, aRows * lda), seed));
  const b = h.putF32(randomArray(Math.max(1, bRows * ldb), seed + 1));
  const bias = c.bias ? h.putF32(randomArray(n, seed + 2)) : 0;
  // beta = 0 must ignore C entirely, even NaN; beta = 1 adds into it.
  const c0 = c.beta ? randomArray(m * ldc, seed + 3) : new Float32Array(m * ldc).fill(Number.NaN);
  // The padding columns of C (outside the m x n view) must survive untouched.
  for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) c0[i * ldc + j] = 1000 + j;
  const cp = h.putF32(c0);
  h.k[fn](transA, transB, m, n, k, a, lda, b, ldb, cp, ldc, bias, c.act, c.beta);
  return h.f32(cp, m * ldc).slice();
}

/** Plain-JS C = op(A)·op(B) (+C) (+bias) (relu) in float64 over the same float32 inputs. */
function jsGemm(c: Case, seed: number): Float64Array {
  const { transA, transB, m, n, k, pad } = c;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const a = randomArray(Math.max(1, (transA ? k : m) * lda), seed);
  const b = randomArray(Math.max(1, (transB ? n : k) * ldb), seed + 1);
  const bias = randomArray(n, seed + 2);
  const c0 = c.beta ? randomArray(m * ldc, seed + 3) : new Float32Array(m * ldc);
  const out = new Float64Array(m * ldc);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      if (j >= n) {
        out[i * ldc + j] = 1000 + j;
        continue;
      }
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[p * lda + i] : a[i * lda + p];
        const y = transB ? b[j * ldb + p] : b[p * ldb + j];
        s += x * y;
      }
      if (c.beta) s += c0[i * ldc + j];
      if (c.bias) s += bias[j];
      if (c.act === 1) s = Math.max(s, 0);
      out[i * ldc + j] = s;
    }
  }
  return out;
}

// Shapes mixing odd sizes (1, 3, 7, 33, 129) with round ones (64, 256). They reach every
// path of gemm: few rows (m < 8: B read in place; Aᵀ·Bᵀ gathers op(A) rows, or falls back to
// packing when k is huge), few columns (n < 8: dot products or rows of Cᵀ; past the scratch
// size, packed), narrow (n <= 40: A read in place) and fully packed (k past
// one 128-deep slice, n past one 80-wide panel, partial tiles on both edges).
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 33],
  [3, 33, 7],
  [7, 3, 129],
  [2, 129, 64],
  // Few rows, B read in place 32, 16, 4 and 1 columns at a time.
  [3, 55, 100],
  [1, 256, 129],
  [33, 1, 64],
  [33, 33, 33],
  [64, 64, 64],
  [129, 7, 3],
  [7, 129, 256],
  [129, 129, 129],
  [64, 256, 33],
  [256, 33, 1],
  [4, 8, 300],
  [5, 9, 1],
  [3, 1, 256],
  [9, 100, 300],
  [12, 41, 129],
  [40, 5, 300],
  [16, 7, 2000],
  [2, 5, 11000],
  [10300, 2, 3],
];

function cases(): Case[] {
  const out: Case[] = [];
  let v = 0;
  for (const [m, n, k] of shapes) {
    for (let t = 0; t < 4; t++) {
      v++;
      out.push({
        transA: t & 1,
        transB: t >> 1,
        m,
        n,
        k,
        pad: v % 3 === 0 ? 0 : v % 3 === 1 ? 3 : 16,
        beta: (v >> 1) & 1,
        bias: v % 5 < 3,
        act: v % 7 < 3 ? 1 : 0,
      });
    }
  }
  return out;
}

const label = (c: Case) =>
  `${c.transA ? 'Aᵀ' : 'A'}·${c.transB ? 'Bᵀ' : 'B'} m=${c.m} n=${c.n} k=${c.k} pad=${c.pad} beta=${c.beta} bias=${c.bias} act=${c.act}`;

for (const variant of variants) {
  describe(`gemm (${variant})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(variant);
    });

    it('matches gemmRef on all transpose combos, odd and round shapes', () => {
      let seed = 10;
      for (const c of cases()) {
        seed += 7;
        const got = run(h, 'gemm', c, seed);
        const want = run(h, 'gemmRef', c, seed);
        try {
          expectClose(got, want, 1e-5, atolFor(c.k));
        } catch (e) {
          throw new Error(`${label(c)}: ${(e as Error).message}`);
        }
      }
    });

    it('beta = 0 ignores NaN in C; beta = 1 accumulates', () => {
      for (const beta of [0, 1]) {
        for (let t = 0; t < 4; t++) {
          const c: Case = {
            transA: t & 1,
            transB: t >> 1,
            m: 9,
            n: 17,
            k: 200,
            pad: 2,
            beta,
            bias: false,
            act: 0,
          };
          const got = run(h, 'gemm', c, 99 + t);
          expect(got.every((x) => Number.isFinite(x))).toBe(true);
          expectClose(got, jsGemm(c, 99 + t), 1e-5, atolFor(c.k));
        }
      }
    });

    it('k = 0 gives bias (or keeps C with beta = 1), relu applied', () => {
      for (const beta of [0, 1]) {
        const c: Case = {
          transA: 0,
          transB: 0,
          m: 5,
          n: 6,
          k: 0,
          pad: 1,
          beta,
          bias: true,
          act: 1,
        };
        expectClose(run(h, 'gemm', c, 5), jsGemm(c, 5), 1e-6, 0);
        expectClose(run(h, 'gemmRef', c, 5), jsGemm(c, 5), 1e-6, 0);
      }
    });

    it('matches a plain-JS matmul (training-like shapes)', () => {
      const js: Case[] = [
        { transA: 0, transB: 0, m: 64, n: 128, k: 200, pad: 0, beta: 0, bias: true, act: 1 },
        { transA: 1, transB: 0, m: 33, n: 90, k: 129, pad: 0, beta: 1, bias: false, act: 0 },
        { transA: 0, transB: 1, m: 17, n: 100, k: 300, pad: 5, beta: 0, bias: true, act: 0 },
        { transA: 1, transB: 1, m: 12, n: 20, k: 40, pad: 1, beta: 1, bias: true, act: 1 },
        { transA: 0, transB: 0, m: 1, n: 128, k: 784, pad: 0, beta: 0, bias: true, act: 1 },
        { transA: 0, transB: 1, m: 2, n: 10, k: 128, pad: 3, beta: 1, bias: true, act: 0 },
        { transA: 1, transB: 0, m: 3, n: 7, k: 64, pad: 0, beta: 0, bias: false, act: 0 },
      ];
      for (const c of js) {
        for (const fn of ['gemm', 'gemmRef'] as const) {
          try {
            expectClose(run(h, fn, c, 42), jsGemm(c, 42), 1e-5, atolFor(c.k));
          } catch (e) {
            throw new Error(`${fn} ${label(c)}: ${(e as Error).message}`);
          }
        }
      }
    });

    it('gemmPackB matches gemmPackBRef; gemmPacked matches gemmRef and gemmPackedRef', () => {
      let seed = 500;
      for (const c of cases()) {
        seed += 7;
        const { transA, transB, m, n, k, pad } = c;
        // Unpacked reference through gemmRef (same data, same C contents).
        const want = run(h, 'gemmRef', c, seed);
        const lda = (transA ? m : k) + pad;
        const ldb = (transB ? k : n) + pad;
        const ldc = n + pad;
        const size = h.k.gemmPackedSize(k, n);
        expect(size).toBe(k * Math.ceil(n / 8) * 8);
        const results: Float32Array[] = [];
        for (const [packFn, mulFn] of [
          ['gemmPackB', 'gemmPacked'],
          ['gemmPackBRef', 'gemmPackedRef'],
        ] as const) {
          h.reset();
          const a = h.putF32(randomArray(Math.max(1, (transA ? k : m) * lda), seed));
          const b = h.putF32(randomArray(Math.max(1, (transB ? n : k) * ldb), seed + 1));
          const bias = c.bias ? h.putF32(randomArray(n, seed + 2)) : 0;
          const c0 = c.beta
            ? randomArray(m * ldc, seed + 3)
            : new Float32Array(m * ldc).fill(Number.NaN);
          for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) c0[i * ldc + j] = 1000 + j;
          const cp = h.putF32(c0);
          // Poison the packed buffer: every float of it must be written.
          const pk = h.putF32(new Float32Array(Math.max(1, size)).fill(Number.NaN));
          h.k[packFn](transB, k, n, b, ldb, pk);
          results.push(h.f32(pk, size).slice());
          h.k[mulFn](transA, m, n, k, a, lda, pk, cp, ldc, bias, c.act, c.beta);
          try {
            expectClose(h.f32(cp, m * ldc).slice(), want, 1e-5, atolFor(k));
          } catch (e) {
            throw new Error(`${mulFn} ${label(c)}: ${(e as Error).message}`);
          }
        }
        expect(Array.from(results[0])).toEqual(Array.from(results[1]));
      }
    });

    it('gemmPacked matches a plain-JS matmul (recurrent shapes)', () => {
      const js: Case[] = [
        { transA: 0, transB: 0, m: 64, n: 512, k: 128, pad: 0, beta: 0, bias: false, act: 0 },
        { transA: 0, transB: 1, m: 64, n: 128, k: 512, pad: 7, beta: 1, bias: false, act: 0 },
        { transA: 0, transB: 0, m: 5, n: 44, k: 11, pad: 2, beta: 0, bias: true, act: 1 },
        { transA: 1, transB: 1, m: 9, n: 13, k: 600, pad: 1, beta: 1, bias: true, act: 0 },
        { transA: 0, transB: 0, m: 1, n: 20, k: 5000, pad: 0, beta: 0, bias: false, act: 0 },
      ];
      for (const c of js) {
        const { transA, transB, m, n, k, pad } = c;
        const lda = (transA ? m : k) + pad;
        const ldb = (transB ? k : n) + pad;
        const ldc = n + pad;
        h.reset();
        const a = h.putF32(randomArray((transA ? k : m) * lda, 42));
        const b = h.putF32(randomArray((transB ? n : k) * ldb, 43));
        const bias = c.bias ? h.putF32(randomArray(n, 44)) : 0;
        const c0 = c.beta ? randomArray(m * ldc, 45) : new Float32Array(m * ldc);
        for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) c0[i * ldc + j] = 1000 + j;
        const cp = h.putF32(c0);
        const pk = h.alloc(h.k.gemmPackedSize(k, n));
        h.k.gemmPackB(transB, k, n, b, ldb, pk);
        h.k.gemmPacked(transA, m, n, k, a, lda, pk, cp, ldc, bias, c.act, c.beta);
        try {
          expectClose(h.f32(cp, m * ldc).slice(), jsGemm(c, 42), 1e-5, atolFor(k));
        } catch (e) {
          throw new Error(`gemmPacked ${label(c)}: ${(e as Error).message}`);
        }
      }
    });

    it('is deterministic: same shape gives bit-identical results at other addresses', () => {
      const c: Case = {
        transA: 1,
        transB: 0,
        m: 37,
        n: 45,
        k: 333,
        pad: 0,
        beta: 0,
        bias: true,
        act: 0,
      };
      const first = run(h, 'gemm', c, 7);
      h.reset();
      // Every buffer shifted by one float (4 bytes): other alignments, same values.
      const { m, n, k } = c;
      const put = (data: Float32Array): number => {
        const p = h.alloc(data.length + 1) + 4;
        h.f32(p, data.length).set(data);
        return p;
      };
      const a = put(randomArray(k * m, 7));
      const b = put(randomArray(k * n, 8));
      const bias = put(randomArray(n, 9));
      const cp = put(new Float32Array(m * n));
      h.k.gemm(1, 0, m, n, k, a, m, b, n, cp, n, bias, 0, 0);
      expect(Array.from(h.f32(cp, m * n))).toEqual(Array.from(first));
    });
  });
}
