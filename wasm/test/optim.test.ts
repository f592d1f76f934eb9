import { describe, expect, it } from 'vitest';
import { expectClose, type Harness, harness, randomArray, variants } from './harness.js';

const SIZES = [1, 2, 3, 4, 5, 7, 33, 64, 129, 256, 1001];
const STEPS = 3;
const f = Math.fround;

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (a !== e) throw new Error(`${what}: index ${i}: got ${a}, expected ${e}`);
  }
}

/**
 * One optimizer under test: `arrays` are the initial contents of w, g and the slots;
 * `call` runs the kernel (fast or Ref) on pointers; `js` is the same update on plain arrays,
 * each operation rounded to float32 as in the kernel.
 */
interface Case {
  name: string;
  arrays: (n: number, seed: number) => Float32Array[];
  call: (h: Harness, ref: boolean, ptrs: number[], n: number) => void;
  js: (arrs: Float32Array[], n: number) => void;
}

function gradLike(n: number, seed: number, scale = 1): Float32Array {
  const g = randomArray(n, seed);
  for (let i = 0; i < n; i++) g[i] *= scale;
  return g;
}

const zerosN = (n: number) => new Float32Array(n);

function momentumCase(nesterov: number): Case {
  const lr = 0.05;
  const mom = 0.9;
  return {
    name: `momentumStep nesterov=${nesterov}`,
    arrays: (n, s) => [randomArray(n, s), gradLike(n, s + 1), gradLike(n, s + 2, 0.3)],
    call: (h, ref, [w, g, a], n) =>
      (ref ? h.k.momentumStepRef : h.k.momentumStep)(w, g, a, n, lr, mom, nesterov),
    js: ([w, g, a], n) => {
      const m = f(mom);
      const nlr = -f(lr);
      for (let i = 0; i < n; i++) {
        a[i] = f(f(m * a[i]) + g[i]);
        const step = nesterov ? f(g[i] + f(a[i] * m)) : a[i];
        w[i] = f(w[i] + f(nlr * step));
      }
    },
  };
}

function adamCase(weightDecay: number): Case {
  const lr = 0.01;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-7;
  const bc1 = 1 - b1 ** 2;
  const bc2 = 1 - b2 ** 2;
  return {
    name: `adamStep weightDecay=${weightDecay}`,
    arrays: (n, s) => {
      const v = gradLike(n, s + 3, 0.5);
      for (let i = 0; i < n; i++) v[i] *= v[i];
      return [randomArray(n, s), gradLike(n, s + 1), gradLike(n, s + 2, 0.2), v];
    },
    call: (h, ref, [w, g, m, v], n) =>
      (ref ? h.k.adamStepRef : h.k.adamStep)(w, g, m, v, n, lr, b1, b2, eps, bc1, bc2, weightDecay),
    js: ([w, g, m, v], n) => {
      const fb1 = f(b1);
      const fb2 = f(b2);
      // float32(1 - beta) from the float64 beta, as the kernel (and TF.js).
      const omb1 = f(1 - b1);
      const omb2 = f(1 - b2);
      const lrwd = f(f(lr) * f(weightDecay));
      for (let i = 0; i < n; i++) {
        let wi = w[i];
        if (lrwd !== 0) wi = f(wi - f(lrwd * wi));
        m[i] = f(f(m[i] * fb1) + f(g[i] * omb1));
        v[i] = f(f(v[i] * fb2) + f(f(g[i] * g[i]) * omb2));
        const den = f(f(Math.sqrt(f(v[i] / f(bc2)))) + f(eps));
        w[i] = f(wi + f(f(f(m[i] / f(bc1)) / den) * -f(lr)));
      }
    },
  };
}

function rmspropCase(centered: number): Case {
  const lr = 0.01;
  const rho = 0.9;
  const mom = 0.5;
  const eps = 1e-7;
  return {
    name: `rmspropStep centered=${centered}`,
    arrays: (n, s) => {
      const ms = gradLike(n, s + 3, 1);
      for (let i = 0; i < n; i++) ms[i] = ms[i] * ms[i] + 0.5;
      return [
        randomArray(n, s),
        gradLike(n, s + 1),
        ms,
        gradLike(n, s + 2, 0.1),
        gradLike(n, s + 4, 0.1),
      ];
    },
    call: (h, ref, [w, g, ms, mo, mg], n) =>
      (ref ? h.k.rmspropStepRef : h.k.rmspropStep)(
        w,
        g,
        ms,
        mo,
        mg,
        n,
        lr,
        rho,
        mom,
        eps,
        centered,
      ),
    js: ([w, g, ms, mo, mg], n) => {
      const r = f(rho);
      const omr = f(1 - rho);
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        ms[i] = f(f(ms[i] * r) + f(f(gi * gi) * omr));
        let den: number;
        if (centered) {
          mg[i] = f(f(mg[i] * r) + f(gi * omr));
          den = f(Math.sqrt(f(f(ms[i] - f(mg[i] * mg[i])) + f(eps))));
        } else {
          den = f(Math.sqrt(f(ms[i] + f(eps))));
        }
        mo[i] = f(f(mo[i] * f(mom)) + f(f(gi * f(lr)) / den));
        w[i] = f(w[i] - mo[i]);
      }
    },
  };
}

const CASES: Case[] = [
  {
    name: 'sgdStep',
    arrays: (n, s) => [randomArray(n, s), gradLike(n, s + 1)],
    call: (h, ref, [w, g], n) => (ref ? h.k.sgdStepRef : h.k.sgdStep)(w, g, n, 0.1),
    js: ([w, g], n) => {
      for (let i = 0; i < n; i++) w[i] = f(w[i] + f(-f(0.1) * g[i]));
    },
  },
  momentumCase(0),
  momentumCase(1),
  adamCase(0),
  adamCase(0.004),
  rmspropCase(0),
  rmspropCase(1),
  {
    name: 'adagradStep',
    arrays: (n, s) => {
      const a = zerosN(n).fill(0.1);
      return [randomArray(n, s), gradLike(n, s + 1), a];
    },
    call: (h, ref, [w, g, a], n) =>
      (ref ? h.k.adagradStepRef : h.k.adagradStep)(w, g, a, n, 0.05, 1e-7),
    js: ([w, g, a], n) => {
      for (let i = 0; i < n; i++) {
        a[i] = f(a[i] + f(g[i] * g[i]));
        w[i] = f(w[i] + f(f(g[i] / f(Math.sqrt(f(a[i] + f(1e-7))))) * -f(0.05)));
      }
    },
  },
];

/** Runs `steps` updates with the fast or Ref kernel and returns every array afterwards. */
function run(h: Harness, c: Case, ref: boolean, n: number, seed: number): Float32Array[] {
  h.reset();
  const ptrs = c.arrays(n, seed).map((a) => h.putF32(a));
  for (let s = 0; s < STEPS; s++) c.call(h, ref, ptrs, n);
  return ptrs.map((p) => h.f32(p, n).slice());
}

for (const variant of variants) {
  describe(`optimizer kernels (${variant})`, () => {
    for (const c of CASES) {
      it(`${c.name}: fast equals Ref bit for bit, and the float32 rule in JS`, async () => {
        const h = await harness(variant);
        for (const n of SIZES) {
          const fast = run(h, c, false, n, n + 11);
          const ref = run(h, c, true, n, n + 11);
          fast.forEach((a, k) => {
            expectSame(a, ref[k], `${c.name} n=${n} array ${k}`);
          });
          const expected = c.arrays(n, n + 11);
          for (let s = 0; s < STEPS; s++) c.js(expected, n);
          expected.forEach((e, k) => {
            // The gradient (array 1) is read only.
            expectClose(fast[k], e, 1e-6, 1e-7);
          });
          expectSame(fast[1], c.arrays(n, n + 11)[1], `${c.name} n=${n} gradient untouched`);
        }
      });
    }

    it('zero elements is a no-op', async () => {
      const h = await harness(variant);
      h.reset();
      const w = h.putF32([5]);
      const g = h.putF32([1]);
      h.k.sgdStep(w, g, 0, 1);
      h.k.adamStep(w, g, g, g, 0, 1, 0.9, 0.999, 1e-7, 0.1, 0.001, 0);
      expect(h.f32(w, 1)[0]).toBe(5);
    });

    it('adam weight decay shrinks weights with a zero gradient (lr*wd*w)', async () => {
      const h = await harness(variant);
      h.reset();
      const n = 9;
      const w0 = randomArray(n, 5);
      const w = h.putF32(w0);
      const g = h.putF32(zerosN(n));
      const m = h.putF32(zerosN(n));
      const v = h.putF32(zerosN(n));
      h.k.adamStep(w, g, m, v, n, 0.1, 0.9, 0.999, 1e-7, 0.1, 0.001, 0.5);
      expectClose(
        h.f32(w, n),
        Array.from(w0, (x) => x - 0.05 * x),
        1e-6,
        1e-7,
      );
    });
  });
}
