import { describe, expect, it } from 'vitest';
import { expectClose, type Harness, harness, randomArray, variants } from './harness.js';

const NAMES = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'square',
  'relu',
  'sigmoid',
  'tanh',
  'reciprocal',
  'softplus',
  'elu',
  'leakyRelu',
  'relu6',
  'sign',
  'rsqrt',
  'log1p',
  'selu',
  'softsign',
];
const OPS = NAMES.map((_, i) => i);
const SIZES = [1, 2, 3, 5, 7, 33, 64, 129, 256, 1001];
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** The forward ops in float64 JS. */
function fJs(op: number, x: number, alpha: number): number {
  switch (op) {
    case 0:
      return -x;
    case 1:
      return Math.abs(x);
    case 2:
      return Math.exp(x);
    case 3:
      return Math.log(x);
    case 4:
      return Math.sqrt(x);
    case 5:
      return x * x;
    case 6:
      return Math.max(x, 0);
    case 7:
      return 1 / (1 + Math.exp(-x));
    case 8:
      return Math.tanh(x);
    case 9:
      return 1 / x;
    case 10:
      return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case 11:
      return x >= 0 ? x : alpha * Math.expm1(x);
    case 12:
      return x >= 0 ? x : alpha * x;
    case 13:
      return Math.min(Math.max(x, 0), 6);
    case 14:
      return Math.sign(x);
    case 15:
      return 1 / Math.sqrt(x);
    case 16:
      return Math.log1p(x);
    case 17:
      return x >= 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
    default:
      return x / (1 + Math.abs(x));
  }
}

/** Random inputs inside the op's domain (and away from kinks for the derivative checks). */
function domain(op: number, n: number, seed: number): Float32Array {
  const r = randomArray(n, seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = r[i];
    switch (op) {
      case 2:
        x[i] = v * 20;
        break;
      case 3:
      case 4:
      case 15:
        x[i] = Math.abs(v) * 50 + 0.01;
        break;
      case 16:
        x[i] = (v + 1) * 5 - 0.95;
        break;
      case 9:
        x[i] = v * 4 + (v >= 0 ? 0.05 : -0.05);
        break;
      case 7:
      case 8:
        x[i] = v * 3;
        break;
      default:
        x[i] = v * 8;
    }
  }
  return x;
}

const SPECIAL = [
  0,
  -0,
  Infinity,
  -Infinity,
  Number.NaN,
  1e-45,
  -1e-45,
  1e-40,
  -1e-40,
  1.1754944e-38,
  1e-30,
  -1e-30,
  1e-8,
  -1e-8,
  1e-4,
  -1e-4,
  0.5,
  -0.5,
  0.625,
  -0.625,
  1,
  -1,
  2,
  -2,
  6,
  -6,
  9,
  -9,
  20,
  -20,
  50,
  -50,
  87.5,
  88.7,
  88.8,
  89,
  -87.3,
  -88,
  -100,
  -103.9,
  -104,
  -105,
  100,
  -100,
  1e10,
  -1e10,
  3e38,
  -3e38,
];

/** |a - b| <= rtol |b| + atol, with NaN == NaN and exact equality (infinities) accepted. */
function closeOrSame(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= rtol * Math.abs(b) + atol;
}

/** Smallest f32 denormal: results that underflow may differ by one of them. */
const DENORM = 1.401298464324817e-45;

function run(h: Harness, fast: boolean, op: number, x: ArrayLike<number>, alpha: number) {
  const n = x.length;
  const px = h.putF32(x);
  const out = h.alloc(n);
  if (fast) h.k.unary(op, px, out, n, alpha);
  else h.k.unaryRef(op, px, out, n, alpha);
  return Float32Array.from(h.f32(out, n));
}

describe.each(variants)('unary kernels (%s)', (variant) => {
  let h: Harness;

  it('loads', async () => {
    h = await harness(variant);
  });

  it('unary matches Ref and float64 JS on odd and round sizes', () => {
    for (const op of OPS) {
      for (const alpha of op === 11 || op === 12 ? [1, 0.3] : [1]) {
        for (const n of SIZES) {
          h.reset();
          const x = domain(op, n, n * 31 + op);
          const fast = run(h, true, op, x, alpha);
          const ref = run(h, false, op, x, alpha);
          const what = `${NAMES[op]} n=${n} alpha=${alpha}`;
          expectClose(fast, ref, 1e-6, 1e-30);
          const expected = new Float32Array(n);
          for (let i = 0; i < n; i++) expected[i] = fJs(op, x[i], Math.fround(alpha));
          for (let i = 0; i < n; i++) {
            if (!closeOrSame(fast[i], expected[i], 4e-7, 2 * DENORM)) {
              throw new Error(`${what}: x=${x[i]}: got ${fast[i]}, expected ${expected[i]}`);
            }
          }
        }
      }
    }
  });

  it('unary special values (0, -0, ±Inf, NaN, denormals, huge, overflow edges)', () => {
    for (const op of OPS) {
      h.reset();
      const x = Float32Array.from(SPECIAL);
      const fast = run(h, true, op, x, 0.7);
      const ref = run(h, false, op, x, 0.7);
      for (let i = 0; i < x.length; i++) {
        const e = Math.fround(fJs(op, x[i], Math.fround(0.7)));
        const what = `${NAMES[op]}(${Object.is(x[i], -0) ? '-0' : x[i]})`;
        if (!closeOrSame(fast[i], e, 4e-7, 2 * DENORM)) {
          throw new Error(`${what}: got ${fast[i]}, expected ${e}`);
        }
        if (!closeOrSame(ref[i], e, 4e-7, 2 * DENORM)) {
          throw new Error(`${what} (Ref): got ${ref[i]}, expected ${e}`);
        }
      }
    }
    h.reset();
    // Signed zeros where they are defined.
    const z = Float32Array.from([0, -0]);
    for (const op of [0, 4, 6, 8, 11, 12, 14, 16, 17, 18]) {
      const got = run(h, true, op, z, 1);
      for (let i = 0; i < 2; i++) {
        const e = fJs(op, z[i], 1);
        expect(Object.is(got[i], e) || (e === 0 && got[i] === 0 && op === 6)).toBe(true);
      }
    }
    // Anchors.
    const near = (op: number, xs: number[], expected: number[]) => {
      const got = run(h, true, op, xs, 1);
      for (let i = 0; i < xs.length; i++) {
        if (!closeOrSame(got[i], Math.fround(expected[i]), 2.5e-7, 2 * DENORM)) {
          throw new Error(`${NAMES[op]}(${xs[i]}): got ${got[i]}, expected ${expected[i]}`);
        }
      }
    };
    expect(Array.from(run(h, true, 7, [0, -0, 100, 1000, -1000], 1))).toEqual([0.5, 0.5, 1, 1, 0]);
    near(
      7,
      [-100, -20, 20],
      [1 / (1 + Math.exp(100)), 1 / (1 + Math.exp(20)), 1 / (1 + Math.exp(-20))],
    );
    near(
      2,
      [0, 1, 88.72283, 88.7229, -103.98, -200, -90],
      [1, Math.E, Math.exp(Math.fround(88.72283)), Infinity, 0, 0, Math.exp(-90)],
    );
    expect(Array.from(run(h, true, 8, [30, -30, 1e30, -Infinity], 1))).toEqual([1, -1, 1, -1]);
    near(
      3,
      [1, 0, -0, -1, Infinity, 1e-45, 3e38],
      [0, -Infinity, -Infinity, Number.NaN, Infinity, Math.log(Math.fround(1e-45)), Math.log(3e38)],
    );
    near(
      16,
      [-1, -2, Infinity, 1e-10, -1e-10],
      [-Infinity, Number.NaN, Infinity, Math.log1p(1e-10), Math.log1p(-1e-10)],
    );
  });

  it('dense sweeps against float64 Math (worst relative error)', () => {
    const N = 100_000;
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const cases: [number, number, number, boolean, (v: number) => number][] = [
      [2, -87, 88.7, false, Math.exp],
      [2, -1, 1, false, Math.exp],
      [3, 1e-37, 3e38, true, Math.log],
      [3, 0.5, 2, false, Math.log],
      [8, -20, 20, false, Math.tanh],
      [8, 1e-30, 2, true, Math.tanh],
      [7, -20, 20, false, sig],
      [7, -80, 80, false, sig],
      [16, -0.999, 10, false, Math.log1p],
      [16, 1e-30, 1e30, true, Math.log1p],
      [10, -80, 80, false, (v) => fJs(10, v, 1)],
      [11, -20, 1, false, (v) => fJs(11, v, 1)],
      [17, -20, 1, false, (v) => fJs(17, v, 1)],
    ];
    const report: string[] = [];
    for (const [op, lo, hi, logScale, f] of cases) {
      h.reset();
      const x = new Float32Array(N);
      for (let i = 0; i < N; i++) {
        const t = i / (N - 1);
        x[i] = logScale
          ? Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * t)
          : lo + (hi - lo) * t;
      }
      const got = run(h, true, op, x, 1);
      let worst = 0;
      let at = 0;
      for (let i = 0; i < N; i++) {
        const e = f(x[i]);
        if (Math.abs(e) < 1e-37) continue; // denormal results: absolute check only
        const rel = Math.abs(got[i] - e) / Math.abs(e);
        if (rel > worst) {
          worst = rel;
          at = x[i];
        }
      }
      report.push(`${NAMES[op]} [${lo}, ${hi}]: worst rel ${worst.toExponential(2)} at ${at}`);
      expect(worst, `${NAMES[op]} at ${at}`).toBeLessThan(3e-7);
    }
    console.log(`${variant}:\n  ${report.join('\n  ')}`);
  });

  it('aliasing out == x and tail independence', () => {
    for (const op of OPS) {
      for (const n of [1, 3, 7, 33, 64]) {
        h.reset();
        const x = domain(op, n, n + op * 3);
        const expected = run(h, true, op, x, 0.5);
        const px = h.putF32(x);
        h.k.unary(op, px, px, n, 0.5);
        expect(Array.from(h.f32(px, n)), `${NAMES[op]} in place n=${n}`).toEqual(
          Array.from(expected),
        );
        // Each element computed alone (always in the tail) gives the same bits.
        for (let i = 0; i < n; i++) {
          const one = run(h, true, op, [x[i]], 0.5);
          if (
            !Object.is(one[0], expected[i]) &&
            !(Number.isNaN(one[0]) && Number.isNaN(expected[i]))
          ) {
            throw new Error(
              `${NAMES[op]}: element ${i} differs alone: ${one[0]} vs ${expected[i]}`,
            );
          }
        }
      }
    }
  });

  it('unary leaves elements past n untouched', () => {
    for (const n of [0, 1, 2, 3, 5]) {
      h.reset();
      const px = h.putF32(new Float32Array(8).fill(2));
      const out = h.putF32(new Float32Array(8).fill(-7));
      h.k.unary(2, px, out, n, 1);
      const got = h.f32(out, 8);
      for (let i = n; i < 8; i++) expect(got[i]).toBe(-7);
    }
  });

  function backward(
    fast: boolean,
    op: number,
    x: ArrayLike<number>,
    y: ArrayLike<number>,
    dy: ArrayLike<number>,
    alpha: number,
  ): Float32Array {
    const n = x.length;
    const px = h.putF32(x);
    const py = h.putF32(y);
    const pd = h.putF32(dy);
    const dx = h.alloc(n);
    if (fast) h.k.unaryBackward(op, px, py, pd, dx, n, alpha);
    else h.k.unaryBackwardRef(op, px, py, pd, dx, n, alpha);
    return Float32Array.from(h.f32(dx, n));
  }

  it('unaryBackward matches Ref on odd and round sizes, and in place', () => {
    for (const op of OPS) {
      for (const n of SIZES) {
        h.reset();
        const x = domain(op, n, n * 7 + op);
        const y = run(h, true, op, x, 0.4);
        const dy = randomArray(n, n + 77);
        const fast = backward(true, op, x, y, dy, 0.4);
        const ref = backward(false, op, x, y, dy, 0.4);
        expectClose(fast, ref, 1e-6, 1e-30);
        // dx aliasing dy.
        const px = h.putF32(x);
        const py = h.putF32(y);
        const pd = h.putF32(dy);
        h.k.unaryBackward(op, px, py, pd, pd, n, 0.4);
        expect(Array.from(h.f32(pd, n)), `${NAMES[op]} in place`).toEqual(Array.from(fast));
      }
    }
  });

  it('unaryBackward agrees with float64 central differences for the smooth ops', () => {
    // Smooth ops, with domains away from kinks (elu/selu: x < 0 only; leakyRelu, relu, relu6,
    // abs are piecewise linear and checked at their kinks below).
    const smooth = [0, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 18, 11, 17, 1, 6, 12, 13];
    const n = 257;
    for (const op of smooth) {
      for (const alpha of [1, 0.3]) {
        h.reset();
        let x = domain(op, n, op + 1000);
        if (op === 11 || op === 17) x = x.map((v) => -Math.abs(v) / 2 - 1e-3);
        if (op === 1 || op === 6 || op === 12 || op === 13) {
          x = x.map((v) => (Math.abs(v) < 1e-3 || Math.abs(v - 6) < 1e-3 ? v + 0.01 : v));
        }
        const y = run(h, true, op, x, alpha);
        const dy = randomArray(n, op + 2000);
        const dx = backward(true, op, x, y, dy, alpha);
        const a = Math.fround(alpha);
        for (let i = 0; i < n; i++) {
          const v = x[i];
          const step = 1e-6 * Math.max(1, Math.abs(v));
          const fd = (fJs(op, v + step, a) - fJs(op, v - step, a)) / (2 * step);
          const e = dy[i] * fd;
          if (!closeOrSame(dx[i], e, 1e-4, 1e-6)) {
            throw new Error(`${NAMES[op]}'(${v}) alpha=${alpha}: got ${dx[i]}, expected ${e}`);
          }
        }
      }
    }
  });

  it('unaryBackward at kinks and special points follows TF', () => {
    h.reset();
    const x = [0, -0, 6, 6.0001, -1, 1, 5.9999, 1e-30, -1e-30];
    const dy = x.map(() => 2);
    const at = (op: number, alpha = 0.25) =>
      Array.from(backward(true, op, x, run(h, true, op, x, alpha), dy, alpha));
    expect(at(6)).toEqual([0, 0, 2, 2, 0, 2, 2, 2, 0]); // relu: x > 0
    expect(at(13)).toEqual([0, 0, 2, 0, 0, 2, 2, 2, 0]); // relu6: 0 < x <= 6 (TF.js)
    expect(at(12)).toEqual([0.5, 0.5, 2, 2, 0.5, 2, 2, 2, 0.5]); // leakyRelu: x > 0
    expect(at(1)).toEqual([0, 0, 2, 2, -2, 2, 2, 2, -2]); // abs: sign(x)
    expect(at(14)).toEqual(x.map(() => 0)); // sign
    // elu: x >= 0 -> dy, else dy * (y + alpha)
    const elu = at(11, 1);
    expect(elu[0]).toBe(2);
    expect(elu[4]).toBeCloseTo(2 * Math.exp(-1), 6);
    // selu: x > 0 -> dy * scale, else dy * scale * alpha * exp(x) (TF.js)
    const selu = at(17);
    expect(selu[0]).toBeCloseTo(2 * SELU_SCALE * SELU_ALPHA, 5);
    expect(selu[5]).toBeCloseTo(2 * SELU_SCALE, 6);
    // sigmoid and tanh far out: no NaN.
    const far = [100, -100, 1000, -1000];
    for (const op of [7, 8, 10]) {
      const y = run(h, true, op, far, 1);
      const g = backward(true, op, far, y, [1, 1, 1, 1], 1);
      for (const v of g) expect(Number.isNaN(v)).toBe(false);
    }
  });
});
