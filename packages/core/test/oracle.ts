// The numerical oracle: every Zoo op and gradient is compared with TF.js's cpu backend on the
// same random inputs, and gradients also with central finite differences.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as zoo from '@zoo/core';
import { expect } from 'vitest';

export { tf, zoo };

let prepared: Promise<void> | undefined;

/** Loads Zoo's kernels and selects TF.js's cpu backend (once per test file). */
export function prepare(): Promise<void> {
  prepared ??= (async () => {
    await zoo.ready();
    await tf.setBackend('cpu');
  })();
  return prepared;
}

/** Deterministic floats in [lo, hi) (xorshift32), independent of both libraries' RNGs. */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return out;
}

/** |actual - expected| <= atol + rtol * |expected| everywhere; NaN matches NaN. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
  what = 'values',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    const excess = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: index ${worst} differs: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Options of {@link checkOp}. */
export interface CheckOpOptions {
  /** Shapes of the inputs. */
  shapes: number[][];
  zoo: (...xs: zoo.Tensor[]) => zoo.Tensor;
  tf: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Input values per argument (default uniform in [-1, 1)). */
  input?: (arg: number, n: number, seed: number) => Float32Array;
  /** Indices of arguments to differentiate (default all); [] for none. */
  gradArgs?: number[];
  /** Finite-difference check (default true when gradients are checked). */
  fd?: boolean;
  rtol?: number;
  atol?: number;
  gradRtol?: number;
  gradAtol?: number;
  seed?: number;
}

/**
 * Runs the op in Zoo and TF.js on the same inputs, compares outputs, then gradients with the
 * same random output weights dy, then (optionally) finite differences of sum(f(x) * dy).
 */
export function checkOp(o: CheckOpOptions): void {
  const seed = o.seed ?? 7;
  const data = o.shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return o.input ? o.input(i, n, seed + i) : rand(n, seed + i);
  });
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  const before = zoo.memory().numTensors;
  zoo.tidy(() => {
    const zx = data.map((d, i) => zoo.tensor(d, o.shapes[i]));
    const tx = data.map((d, i) => tf.tensor(d, o.shapes[i]));
    const zy = o.zoo(...zx);
    const ty = o.tf(...tx);
    expect(zy.shape, 'output shape').toEqual(ty.shape);
    expectClose(zy.dataSync(), ty.dataSync() as Float32Array, rtol, atol, 'forward');
    const args = o.gradArgs ?? o.shapes.map((_, i) => i);
    if (args.length > 0) {
      const dyData = rand(zy.size, seed + 101, 0.5, 1.5);
      const zdy = zoo.tensor(dyData, zy.shape);
      const tdy = tf.tensor(dyData, ty.shape);
      const zfn = (...sub: zoo.Tensor[]) =>
        o.zoo(...zx.map((x, i) => (args.includes(i) ? sub[args.indexOf(i)] : x)));
      const tfn = (...sub: tf.Tensor[]) =>
        o.tf(...tx.map((x, i) => (args.includes(i) ? sub[args.indexOf(i)] : x)));
      const zg = zoo.grads(zfn)(
        args.map((i) => zx[i]),
        zdy,
      );
      const tg = tf.grads(tfn)(
        args.map((i) => tx[i]),
        tdy,
      );
      const grtol = o.gradRtol ?? 1e-4;
      const gatol = o.gradAtol ?? 1e-5;
      args.forEach((a, j) => {
        expect(zg[j].shape, `gradient ${a} shape`).toEqual(tg[j].shape);
        expectClose(
          zg[j].dataSync(),
          tg[j].dataSync() as Float32Array,
          grtol,
          gatol,
          `gradient of argument ${a}`,
        );
      });
      if (o.fd ?? true) {
        args.forEach((a, j) => {
          finiteDifferences(o.zoo, zx, a, dyData, zg[j].dataSync(), seed);
        });
      }
    }
    tf.dispose([...tx, ty]);
  });
  expect(zoo.memory().numTensors, 'tensors leaked by the op').toBe(before);
}

/** Central differences of L = sum(f(x) * dy) at a few coordinates of argument `arg`. */
function finiteDifferences(
  f: (...xs: zoo.Tensor[]) => zoo.Tensor,
  xs: zoo.Tensor[],
  arg: number,
  dy: Float32Array,
  analytic: ArrayLike<number>,
  seed: number,
): void {
  const base = Float64Array.from(xs[arg].dataSync());
  const n = base.length;
  const picks =
    n <= 6 ? [...Array(n).keys()] : [0, n - 1, ...Array.from(rand(4, seed + 55, 0, n), Math.floor)];
  const loss = (vals: Float64Array): number =>
    zoo.tidy(() => {
      const args = xs.map((x, i) => (i === arg ? zoo.tensor(Float32Array.from(vals), x.shape) : x));
      const y = f(...args).dataSync();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
      return s;
    });
  for (const p of picks) {
    const eps = 1e-2 * Math.max(1, Math.abs(base[p]));
    const plus = base.slice();
    const minus = base.slice();
    plus[p] += eps;
    minus[p] -= eps;
    const fd = (loss(plus) - loss(minus)) / (2 * eps);
    const g = analytic[p];
    const tol = 2e-2 * Math.max(1, Math.abs(g), Math.abs(fd));
    if (!(Math.abs(fd - g) <= tol)) {
      expect.fail(`finite differences: argument ${arg} index ${p}: analytic ${g}, numeric ${fd}`);
    }
  }
}
