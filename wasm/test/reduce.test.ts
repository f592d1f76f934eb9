import { describe, expect, it } from 'vitest';
import { expectClose, harness, randomArray, variants } from './harness.js';

const SUM = 0;
const MEAN = 1;
const MAX = 2;
const MIN = 3;
const PROD = 4;
const OPS = [SUM, MEAN, MAX, MIN, PROD];
const OP_NAMES = ['sum', 'mean', 'max', 'min', 'prod'];

/** Plain float64 JS reduction over the middle axis of [outer, len, inner]. */
function reduceJs(
  op: number,
  x: ArrayLike<number>,
  outer: number,
  len: number,
  inner: number,
): Float32Array {
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let acc = op === PROD ? 1 : op === MAX ? -Infinity : op === MIN ? Infinity : 0;
      let nan = false;
      for (let l = 0; l < len; l++) {
        const v = x[(o * len + l) * inner + j];
        if (Number.isNaN(v)) nan = true;
        if (op === SUM || op === MEAN) acc += v;
        else if (op === PROD) acc *= v;
        else if (op === MAX) acc = Math.max(acc, v);
        else acc = Math.min(acc, v);
      }
      if (op === MEAN) acc /= len;
      if (nan && (op === MAX || op === MIN)) acc = Number.NaN;
      out[o * inner + j] = acc;
    }
  }
  return out;
}

/** TF.js cpu argMax/argMin: strict comparison against the running best. */
function argReduceJs(
  op: number,
  x: ArrayLike<number>,
  outer: number,
  len: number,
  inner: number,
): Int32Array {
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = x[o * len * inner + j];
      let bi = 0;
      for (let l = 0; l < len; l++) {
        const v = x[(o * len + l) * inner + j];
        if (op === 0 ? v > best : v < best) {
          best = v;
          bi = l;
        }
      }
      out[o * inner + j] = len === 0 ? -1 : bi;
    }
  }
  return out;
}

const SHAPES: [number, number, number][] = [];
for (const len of [1, 3, 7, 33, 129, 256]) {
  for (const inner of [1, 3, 4, 7, 8, 33, 129, 256]) {
    SHAPES.push([len === 256 ? 1 : 3, len, inner]);
  }
}
SHAPES.push([7, 33, 1], [33, 7, 1], [129, 3, 5], [256, 16, 1], [1, 1000, 1], [2, 5000, 1]);

function inputFor(op: number, n: number, seed: number): Float32Array {
  const x = randomArray(n, seed);
  if (op === PROD) for (let i = 0; i < n; i++) x[i] = 1 + 0.01 * x[i];
  return x;
}

for (const variant of variants) {
  describe(`reduce (${variant})`, async () => {
    const h = await harness(variant);
    const { k } = h;

    function runReduce(fast: boolean, op: number, x: ArrayLike<number>, s: number[]) {
      const [outer, len, inner] = s;
      h.reset();
      const px = h.putF32(x);
      const po = h.alloc(outer * inner);
      h.f32(po, outer * inner).fill(12345);
      (fast ? k.reduce : k.reduceRef)(op, px, po, outer, len, inner);
      return Float32Array.from(h.f32(po, outer * inner));
    }

    function runArg(fast: boolean, op: number, x: ArrayLike<number>, s: number[]) {
      const [outer, len, inner] = s;
      h.reset();
      const px = h.putF32(x);
      const po = h.alloc(outer * inner);
      h.i32(po, outer * inner).fill(12345);
      (fast ? k.argReduce : k.argReduceRef)(op, px, po, outer, len, inner);
      return Int32Array.from(h.i32(po, outer * inner));
    }

    it('matches Ref and float64 JS on odd and round shapes', () => {
      let seed = 1;
      for (const s of SHAPES) {
        const [outer, len, inner] = s;
        for (const op of OPS) {
          const x = inputFor(op, outer * len * inner, seed++);
          const fast = runReduce(true, op, x, s);
          const ref = runReduce(false, op, x, s);
          const js = reduceJs(op, x, outer, len, inner);
          const what = `${OP_NAMES[op]} [${s}]`;
          if (op === MAX || op === MIN) {
            expect(fast, what).toEqual(ref);
            expect(fast, what).toEqual(js);
          } else {
            // float64 accumulation: only the final rounding to float32 may differ.
            expectClose(fast, ref, 1e-6, 1e-6);
            expectClose(fast, js, 1e-6, 1e-6);
            expectClose(ref, js, 1e-6, 1e-6);
          }
        }
      }
    });

    it('argMax/argMin match Ref and TF.js semantics', () => {
      let seed = 1000;
      for (const s of SHAPES) {
        const [outer, len, inner] = s;
        for (const op of [0, 1]) {
          const x = randomArray(outer * len * inner, seed++);
          const fast = runArg(true, op, x, s);
          const ref = runArg(false, op, x, s);
          const js = argReduceJs(op, x, outer, len, inner);
          expect(fast, `arg${op} [${s}]`).toEqual(js);
          expect(ref, `arg${op} [${s}]`).toEqual(js);
        }
      }
    });

    it('argMax/argMin: ties give the first index, NaN wins only at index 0', () => {
      for (const inner of [1, 4, 8, 3]) {
        for (const len of [5, 8, 17, 40]) {
          const s = [2, len, inner];
          const n = 2 * len * inner;
          // Few distinct values so ties are everywhere.
          const x = new Float32Array(n);
          for (let i = 0; i < n; i++) x[i] = ((i * 7919) % 5) - 2;
          // NaN inside every column of outer 0, at index 0 for the columns of outer 1.
          for (let j = 0; j < inner; j++) {
            x[(0 * len + 3) * inner + j] = Number.NaN;
            x[(1 * len + 0) * inner + j] = Number.NaN;
          }
          for (const op of [0, 1]) {
            const js = argReduceJs(op, x, 2, len, inner);
            expect(runArg(true, op, x, s)).toEqual(js);
            expect(runArg(false, op, x, s)).toEqual(js);
            for (let j = 0; j < inner; j++) expect(js[inner + j]).toBe(0);
          }
          // All equal: index 0.
          const same = new Float32Array(n).fill(1.5);
          expect(Array.from(runArg(true, 0, same, s))).toEqual(new Array(2 * inner).fill(0));
          expect(Array.from(runArg(true, 1, same, s))).toEqual(new Array(2 * inner).fill(0));
          // Later max/min tie repeated: first occurrence.
          const t = new Float32Array(n).fill(0);
          for (let j = 0; j < inner; j++) {
            t[(0 * len + 2) * inner + j] = 9;
            t[(0 * len + len - 1) * inner + j] = 9;
            t[(1 * len + 1) * inner + j] = -9;
            t[(1 * len + len - 1) * inner + j] = -9;
          }
          expect(Array.from(runArg(true, 0, t, s))).toEqual([
            ...new Array(inner).fill(2),
            ...new Array(inner).fill(0),
          ]);
          expect(Array.from(runArg(true, 1, t, s))).toEqual([
            ...new Array(inner).fill(0),
            ...new Array(inner).fill(1),
          ]);
        }
      }
    });

    it('max/min propagate NaN; sums follow IEEE with Inf', () => {
      for (const [outer, len, inner] of [
        [2, 37, 1],
        [2, 9, 8],
        [2, 9, 3],
        [2, 3, 5],
      ]) {
        const s = [outer, len, inner];
        const x = randomArray(outer * len * inner, 7);
        x[(0 * len + len - 1) * inner] = Number.NaN; // column 0 of outer 0
        x[(1 * len + 1) * inner + inner - 1] = Number.POSITIVE_INFINITY;
        for (const op of OPS) {
          const fast = runReduce(true, op, x, s);
          const ref = runReduce(false, op, x, s);
          expectClose(fast, ref, 1e-6, 1e-6);
          expectClose(fast, reduceJs(op, x, outer, len, inner), 1e-6, 1e-6);
          expect(Number.isNaN(fast[0])).toBe(true);
        }
        expect(runReduce(true, MAX, x, s)[outer * inner - 1]).toBe(Number.POSITIVE_INFINITY);
        expect(runReduce(true, SUM, x, s)[outer * inner - 1]).toBe(Number.POSITIVE_INFINITY);
        const y = Float32Array.from(x);
        y[(1 * len + 2) * inner + inner - 1] = Number.NEGATIVE_INFINITY;
        expect(Number.isNaN(runReduce(true, SUM, y, s)[outer * inner - 1])).toBe(true);
      }
    });

    it('len 0 gives the identities', () => {
      const expected = [0, Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 1];
      for (const inner of [1, 5]) {
        for (const op of OPS) {
          for (const fast of [true, false]) {
            const out = runReduce(fast, op, [], [3, 0, inner]);
            for (const v of out) expect(v).toBe(expected[op]);
          }
        }
        for (const fast of [true, false]) {
          expect(Array.from(runArg(fast, 0, [], [3, 0, inner]))).toEqual(
            new Array(3 * inner).fill(-1),
          );
        }
      }
    });

    it('sums large rows more accurately than float32 sequential accumulation', () => {
      const n = 100000;
      const x = new Float32Array(n).fill(0.1);
      const expected = Math.fround(n * Math.fround(0.1));
      expect(runReduce(true, SUM, x, [1, n, 1])[0]).toBe(expected);
      expect(runReduce(true, SUM, x, [1, n / 4, 4])[0]).toBe(
        Math.fround((n / 4) * Math.fround(0.1)),
      );
      // float32 sequential summation would be off by far more than one ulp here.
      let f = 0;
      for (let i = 0; i < n; i++) f = Math.fround(f + x[i]);
      expect(Math.abs(f - expected)).toBeGreaterThan(1);
    });

    it('sumSquares and dot match Ref and float64 JS', () => {
      for (const n of [0, 1, 3, 7, 8, 33, 129, 256, 1000, 4099]) {
        h.reset();
        const a = randomArray(n, n + 1);
        const b = randomArray(n, n + 2);
        const pa = h.putF32(a);
        const pb = h.putF32(b);
        let ss = 0;
        let d = 0;
        for (let i = 0; i < n; i++) {
          ss += a[i] * a[i];
          d += a[i] * b[i];
        }
        const tol = 1e-12 * (1 + n);
        expect(Math.abs(k.sumSquares(pa, n) - ss)).toBeLessThanOrEqual(tol);
        expect(Math.abs(k.sumSquaresRef(pa, n) - ss)).toBeLessThanOrEqual(tol);
        expect(Math.abs(k.dot(pa, pb, n) - d)).toBeLessThanOrEqual(tol);
        expect(Math.abs(k.dotRef(pa, pb, n) - d)).toBeLessThanOrEqual(tol);
      }
    });

    it('does not depend on alignment', () => {
      const s = [3, 33, 7];
      const n = 3 * 33 * 7;
      const x = randomArray(n, 99);
      for (const op of OPS) {
        const aligned = runReduce(true, op, x, s);
        h.reset();
        const p = h.alloc(n + 1);
        h.f32(p + 4, n).set(x);
        const po = h.alloc(21);
        k.reduce(op, p + 4, po, 3, 33, 7);
        expect(Float32Array.from(h.f32(po, 21))).toEqual(aligned);
      }
    });
  });
}

describe('reduce speed (informational)', async () => {
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
    const n = 1 << 20;
    h.reset();
    const px = h.putF32(randomArray(n, 3));
    const po = h.alloc(n);
    const rows: string[] = [];
    for (const [outer, len, inner] of [
      [1024, 1024, 1],
      [1, 1024, 1024],
      [64, 128, 128],
    ]) {
      for (const op of [SUM, MAX]) {
        const f = time(() => k.reduce(op, px, po, outer, len, inner), 10);
        const r = time(() => k.reduceRef(op, px, po, outer, len, inner), 3);
        rows.push(
          `${OP_NAMES[op]} [${outer},${len},${inner}]: ${f.toFixed(3)} ms (ref ${r.toFixed(3)})`,
        );
      }
      const f = time(() => k.argReduce(0, px, po, outer, len, inner), 10);
      const r = time(() => k.argReduceRef(0, px, po, outer, len, inner), 3);
      rows.push(`argMax [${outer},${len},${inner}]: ${f.toFixed(3)} ms (ref ${r.toFixed(3)})`);
    }
    const f = time(() => k.sumSquares(px, n), 10);
    const r = time(() => k.sumSquaresRef(px, n), 3);
    rows.push(`sumSquares 1M: ${f.toFixed(3)} ms (ref ${r.toFixed(3)})`);
    console.log(rows.join('\n'));
    expect(rows.length).toBeGreaterThan(0);
  });
});
