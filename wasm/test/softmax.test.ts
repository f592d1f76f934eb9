import { describe, expect, it } from 'vitest';
import { expectClose, harness, randomArray, variants } from './harness.js';

// Plain float64 JS versions (independent of the kernels).

function softmaxJs(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < cols; i++) m = Math.max(m, x[r * cols + i]);
    let s = 0;
    for (let i = 0; i < cols; i++) s += Math.exp(x[r * cols + i] - m);
    for (let i = 0; i < cols; i++) out[r * cols + i] = Math.exp(x[r * cols + i] - m) / s;
  }
  return out;
}

function logSoftmaxJs(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < cols; i++) m = Math.max(m, x[r * cols + i]);
    let s = 0;
    for (let i = 0; i < cols; i++) s += Math.exp(x[r * cols + i] - m);
    const ls = Math.log(s);
    for (let i = 0; i < cols; i++) out[r * cols + i] = x[r * cols + i] - m - ls;
  }
  return out;
}

function crossEntropyJs(
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  rows: number,
  cols: number,
): Float64Array {
  const ls = logSoftmaxJs(x, rows, cols);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < cols; i++) s -= labels[r * cols + i] * ls[r * cols + i];
    out[r] = s;
  }
  return out;
}

function oneHot(t: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out[r * cols + t[r]] = 1;
  return out;
}

/** Central finite differences (float64) of a scalar function f at x. */
function numericGrad(f: (x: Float64Array) => number, x: ArrayLike<number>): Float64Array {
  const xx = Float64Array.from(x);
  const g = new Float64Array(xx.length);
  const h = 1e-5;
  for (let i = 0; i < xx.length; i++) {
    const v = xx[i];
    xx[i] = v + h;
    const fp = f(xx);
    xx[i] = v - h;
    const fm = f(xx);
    xx[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

function dotJs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function scaled(n: number, seed: number, scale: number): Float32Array {
  const x = randomArray(n, seed);
  for (let i = 0; i < n; i++) x[i] *= scale;
  return x;
}

/** Soft labels: non-negative, rows summing to about 1 (not exactly). */
function softLabels(rows: number, cols: number, seed: number): Float32Array {
  const l = randomArray(rows * cols, seed);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < cols; i++) s += l[r * cols + i] = Math.abs(l[r * cols + i]);
    for (let i = 0; i < cols; i++) l[r * cols + i] /= s;
  }
  return l;
}

const ROWS = [1, 3, 7];
const COLS = [1, 3, 7, 8, 33, 64, 129, 256];

for (const variant of variants) {
  describe(`softmax (${variant})`, async () => {
    const h = await harness(variant);
    const { k } = h;
    type Rows2 = (x: number, out: number, rows: number, cols: number) => void;

    function run2(f: Rows2, x: ArrayLike<number>, rows: number, cols: number): Float32Array {
      h.reset();
      const px = h.putF32(x);
      const po = h.alloc(rows * cols);
      f(px, po, rows, cols);
      return Float32Array.from(h.f32(po, rows * cols));
    }

    type Ce = (
      logits: number,
      labels: number,
      loss: number,
      probs: number,
      rows: number,
      cols: number,
    ) => unknown;

    function runCe(
      f: Ce,
      x: ArrayLike<number>,
      labels: Float32Array | Int32Array,
      rows: number,
      cols: number,
      withProbs = true,
    ) {
      h.reset();
      const px = h.putF32(x);
      const pl = labels instanceof Int32Array ? h.putI32(labels) : h.putF32(labels);
      const ploss = h.alloc(rows);
      h.f32(ploss, rows).fill(777);
      const pp = withProbs ? h.alloc(rows * cols) : 0;
      const ret = f(px, pl, ploss, pp, rows, cols);
      return {
        ret,
        loss: Float32Array.from(h.f32(ploss, rows)),
        probs: withProbs ? Float32Array.from(h.f32(pp, rows * cols)) : new Float32Array(0),
      };
    }

    type Back = (a: number, b: number, c: number, rows: number, cols: number) => void;

    function run3(
      f: Back,
      a: ArrayLike<number>,
      b: ArrayLike<number>,
      rows: number,
      cols: number,
    ): Float32Array {
      h.reset();
      const pa = h.putF32(a);
      const pb = h.putF32(b);
      const pc = h.alloc(rows * cols);
      f(pa, pb, pc, rows, cols);
      return Float32Array.from(h.f32(pc, rows * cols));
    }

    it('softmax and logSoftmax match Ref and float64 JS', () => {
      let seed = 1;
      for (const rows of ROWS) {
        for (const cols of COLS) {
          for (const scale of [1, 8, 1000]) {
            const x = scaled(rows * cols, seed++, scale);
            const sm = run2(k.softmax, x, rows, cols);
            const smRef = run2(k.softmaxRef, x, rows, cols);
            expectClose(sm, smRef, 2e-6, 1e-30);
            expectClose(sm, softmaxJs(x, rows, cols), 1e-5, 1e-30);
            expectClose(smRef, softmaxJs(x, rows, cols), 1e-5, 1e-30);
            for (const v of sm) expect(Number.isFinite(v)).toBe(true);
            const ls = run2(k.logSoftmax, x, rows, cols);
            const lsRef = run2(k.logSoftmaxRef, x, rows, cols);
            expectClose(ls, lsRef, 2e-6, 1e-6);
            expectClose(ls, logSoftmaxJs(x, rows, cols), 1e-5, 1e-6);
            for (const v of ls) expect(Number.isFinite(v)).toBe(true);
          }
        }
      }
    });

    it('softmax rows sum to 1 and may run in place', () => {
      const rows = 5;
      const cols = 257;
      const x = scaled(rows * cols, 42, 10);
      const expected = run2(k.softmax, x, rows, cols);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let i = 0; i < cols; i++) s += expected[r * cols + i];
        expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      }
      for (const f of [k.softmax, k.softmaxRef, k.logSoftmax, k.logSoftmaxRef]) {
        h.reset();
        const p = h.putF32(x);
        f(p, p, rows, cols);
        expect(Float32Array.from(h.f32(p, rows * cols))).toEqual(run2(f, x, rows, cols));
      }
    });

    it('handles -Inf, +Inf and NaN entries like the naive stable formula', () => {
      const cols = 9;
      const x = scaled(4 * cols, 5, 3);
      x[1] = Number.NEGATIVE_INFINITY; // row 0: that entry gets probability 0
      x[cols + 2] = Number.NaN; // row 1: all NaN
      x[2 * cols + 3] = Number.POSITIVE_INFINITY; // row 2: all NaN (Inf - Inf)
      for (let i = 0; i < cols; i++) x[3 * cols + i] = Number.NEGATIVE_INFINITY; // row 3: NaN
      for (const f of [k.softmax, k.softmaxRef]) {
        const y = run2(f, x, 4, cols);
        expect(y[1]).toBe(0);
        expectClose(y.subarray(0, cols), softmaxJs(x.subarray(0, cols), 1, cols), 1e-5, 1e-30);
        for (let i = cols; i < 4 * cols; i++) expect(Number.isNaN(y[i])).toBe(true);
      }
      for (const f of [k.logSoftmax, k.logSoftmaxRef]) {
        const y = run2(f, x, 4, cols);
        expect(y[1]).toBe(Number.NEGATIVE_INFINITY);
        for (let i = cols; i < 4 * cols; i++) expect(Number.isNaN(y[i])).toBe(true);
      }
    });

    it('exp stays accurate down to the underflow range', () => {
      // One big logit, others spread over [-110, 0] below it: probs go into denormals.
      const cols = 111;
      const x = new Float32Array(cols);
      for (let i = 0; i < cols; i++) x[i] = -i - 0.37;
      const y = run2(k.softmax, x, 1, cols);
      const yRef = run2(k.softmaxRef, x, 1, cols);
      const js = softmaxJs(x, 1, cols);
      for (let i = 0; i < cols; i++) {
        const e = Math.fround(js[i]);
        // Relative 1e-5 in the normal range (x - max rounds in float32, as in TF.js), a couple
        // of denormal steps below it.
        const tol = Math.max(1e-5 * Math.abs(e), 3e-45);
        expect(Math.abs(y[i] - e), `i=${i}`).toBeLessThanOrEqual(tol);
        expect(Math.abs(yRef[i] - e), `i=${i}`).toBeLessThanOrEqual(tol);
      }
      expect(y[cols - 1]).toBe(0);
    });

    it('softmaxCrossEntropy matches Ref and float64 JS (one-hot and soft labels)', () => {
      let seed = 100;
      for (const rows of ROWS) {
        for (const cols of COLS) {
          for (const scale of [1, 8, 1000]) {
            const x = scaled(rows * cols, seed++, scale);
            const t = Int32Array.from({ length: rows }, (_, r) => (r * 7 + 3) % cols);
            for (const labels of [oneHot(t, rows, cols), softLabels(rows, cols, seed++)]) {
              const a = runCe(k.softmaxCrossEntropy, x, labels, rows, cols);
              const b = runCe(k.softmaxCrossEntropyRef, x, labels, rows, cols);
              const js = crossEntropyJs(x, labels, rows, cols);
              expectClose(a.loss, b.loss, 2e-6, 1e-6);
              expectClose(a.loss, js, 1e-5, 1e-6);
              expectClose(a.probs, b.probs, 2e-6, 1e-30);
              expectClose(a.probs, run2(k.softmax, x, rows, cols), 0, 0);
              for (const v of a.loss) expect(Number.isFinite(v)).toBe(true);
              const noProbs = runCe(k.softmaxCrossEntropy, x, labels, rows, cols, false);
              expect(noProbs.loss).toEqual(a.loss);
            }
            const s = runCe(k.sparseSoftmaxCrossEntropy, x, t, rows, cols);
            const sRef = runCe(k.sparseSoftmaxCrossEntropyRef, x, t, rows, cols);
            expect(s.ret).toBe(-1);
            expect(sRef.ret).toBe(-1);
            const js = crossEntropyJs(x, oneHot(t, rows, cols), rows, cols);
            expectClose(s.loss, sRef.loss, 2e-6, 1e-6);
            expectClose(s.loss, js, 1e-5, 1e-6);
            expectClose(s.probs, run2(k.softmax, x, rows, cols), 0, 0);
          }
        }
      }
    });

    it('sparseSoftmaxCrossEntropy rejects out-of-range labels before writing', () => {
      const rows = 4;
      const cols = 5;
      const x = scaled(rows * cols, 3, 2);
      for (const f of [k.sparseSoftmaxCrossEntropy, k.sparseSoftmaxCrossEntropyRef]) {
        for (const [labels, bad] of [
          [[0, 1, 5, -1], 2],
          [[-1, 1, 2, 3], 0],
          [[0, 1, 2, 7], 3],
        ] as [number[], number][]) {
          const r = runCe(f, x, Int32Array.from(labels), rows, cols);
          expect(r.ret).toBe(bad);
          expect(Array.from(r.loss)).toEqual([777, 777, 777, 777]);
        }
      }
    });

    it('cross-entropy with 0 columns gives 0 loss', () => {
      for (const f of [k.softmaxCrossEntropy, k.softmaxCrossEntropyRef]) {
        const r = runCe(f, [], new Float32Array(0), 3, 0);
        expect(Array.from(r.loss)).toEqual([0, 0, 0]);
      }
    });

    it('backward kernels match Ref and float64 finite differences', () => {
      let seed = 500;
      for (const rows of [1, 3]) {
        for (const cols of [1, 3, 7, 8, 33]) {
          const n = rows * cols;
          const x = scaled(n, seed++, 3);
          const dy = scaled(n, seed++, 1);
          // softmax
          const y = run2(k.softmax, x, rows, cols);
          const dx = run3(k.softmaxBackward, y, dy, rows, cols);
          expectClose(dx, run3(k.softmaxBackwardRef, y, dy, rows, cols), 1e-5, 1e-7);
          const gs = numericGrad((v) => dotJs(dy, softmaxJs(v, rows, cols)), x);
          expectClose(dx, gs, 1e-4, 1e-6);
          // logSoftmax
          const ly = run2(k.logSoftmax, x, rows, cols);
          const ldx = run3(k.logSoftmaxBackward, ly, dy, rows, cols);
          expectClose(ldx, run3(k.logSoftmaxBackwardRef, ly, dy, rows, cols), 1e-5, 1e-6);
          const gl = numericGrad((v) => dotJs(dy, logSoftmaxJs(v, rows, cols)), x);
          expectClose(ldx, gl, 1e-4, 1e-5);
          // dense cross-entropy with soft labels (rows not summing to exactly 1)
          const labels = softLabels(rows, cols, seed++);
          for (let i = 0; i < n; i++) labels[i] *= 1.25;
          const dloss = scaled(rows, seed++, 2);
          const ce = runCe(k.softmaxCrossEntropy, x, labels, rows, cols);
          h.reset();
          const pp = h.putF32(ce.probs);
          const pl = h.putF32(labels);
          const pd = h.putF32(dloss);
          const pg = h.alloc(n);
          k.softmaxCrossEntropyBackward(pp, pl, pd, pg, rows, cols);
          const g = Float32Array.from(h.f32(pg, n));
          k.softmaxCrossEntropyBackwardRef(pp, pl, pd, pg, rows, cols);
          expectClose(g, h.f32(pg, n), 1e-5, 1e-7);
          const gce = numericGrad((v) => dotJs(dloss, crossEntropyJs(v, labels, rows, cols)), x);
          expectClose(g, gce, 1e-4, 1e-5);
          // sparse cross-entropy
          const t = Int32Array.from({ length: rows }, (_, r) => (r * 5 + 1) % cols);
          const sce = runCe(k.sparseSoftmaxCrossEntropy, x, t, rows, cols);
          h.reset();
          const sp = h.putF32(sce.probs);
          const st = h.putI32(t);
          const sd = h.putF32(dloss);
          const sg = h.alloc(n);
          k.sparseSoftmaxCrossEntropyBackward(sp, st, sd, sg, rows, cols);
          const g2 = Float32Array.from(h.f32(sg, n));
          k.sparseSoftmaxCrossEntropyBackwardRef(sp, st, sd, sg, rows, cols);
          expectClose(g2, h.f32(sg, n), 1e-6, 0);
          const oh = oneHot(t, rows, cols);
          const gsp = numericGrad((v) => dotJs(dloss, crossEntropyJs(v, oh, rows, cols)), x);
          expectClose(g2, gsp, 1e-4, 1e-5);
        }
      }
    });

    it('backward kernels agree with Ref on wide rows', () => {
      for (const [rows, cols] of [
        [3, 129],
        [7, 256],
        [2, 1001],
      ]) {
        const n = rows * cols;
        const x = scaled(n, rows + cols, 4);
        const dy = scaled(n, cols, 1);
        const y = run2(k.softmax, x, rows, cols);
        expectClose(
          run3(k.softmaxBackward, y, dy, rows, cols),
          run3(k.softmaxBackwardRef, y, dy, rows, cols),
          1e-5,
          1e-8,
        );
        const ly = run2(k.logSoftmax, x, rows, cols);
        expectClose(
          run3(k.logSoftmaxBackward, ly, dy, rows, cols),
          run3(k.logSoftmaxBackwardRef, ly, dy, rows, cols),
          1e-5,
          1e-6,
        );
      }
    });
  });
}

describe('softmax speed (informational)', async () => {
  const h = await harness('simd');
  it('reports timings', () => {
    const { k } = h;
    const time = (f: () => void, reps: number) => {
      f();
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) f();
        best = Math.min(best, (performance.now() - t0) / reps);
      }
      return best;
    };
    const rows = 256;
    const cols = 1000;
    const n = rows * cols;
    h.reset();
    const px = h.putF32(scaled(n, 1, 5));
    const po = h.alloc(n);
    const pl = h.putF32(softLabels(rows, cols, 2));
    const ploss = h.alloc(rows);
    const lines: string[] = [];
    const pairs: [string, () => void, () => void][] = [
      ['softmax', () => k.softmax(px, po, rows, cols), () => k.softmaxRef(px, po, rows, cols)],
      [
        'logSoftmax',
        () => k.logSoftmax(px, po, rows, cols),
        () => k.logSoftmaxRef(px, po, rows, cols),
      ],
      [
        'softmaxCrossEntropy',
        () => k.softmaxCrossEntropy(px, pl, ploss, po, rows, cols),
        () => k.softmaxCrossEntropyRef(px, pl, ploss, po, rows, cols),
      ],
      [
        'softmaxBackward',
        () => k.softmaxBackward(px, pl, po, rows, cols),
        () => k.softmaxBackwardRef(px, pl, po, rows, cols),
      ],
    ];
    for (const [name, fast, ref] of pairs) {
      lines.push(
        `${name} [${rows}x${cols}]: ${time(fast, 10).toFixed(3)} ms (ref ${time(ref, 3).toFixed(3)})`,
      );
    }
    console.log(lines.join('\n'));
    expect(lines.length).toBe(4);
  });
});
