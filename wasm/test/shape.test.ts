// Shape and data-movement kernels: fast kernels vs their Ref twins vs plain-JS NumPy-like
// implementations, compared bit for bit (the kernels move raw 32-bit patterns).
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness, variants } from './harness.js';

// ---------------------------------------------------------------------------------------------
// Plain-JS references (NumPy semantics).

const prod = (a: readonly number[]): number => a.reduce((p, d) => p * d, 1);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** Calls fn(multiIndex, flat) for every index of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = prod(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    fn(idx, f);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

function jsTranspose(x: Int32Array, shape: number[], perm: number[]): Int32Array {
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const out = new Int32Array(prod(outShape));
  forEachIndex(outShape, (idx, f) => {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i] * xs[perm[i]];
    out[f] = x[src];
  });
  return out;
}

function jsSlice(x: Int32Array, shape: number[], begin: number[], size: number[]): Int32Array {
  const xs = stridesOf(shape);
  const out = new Int32Array(prod(size));
  forEachIndex(size, (idx, f) => {
    let src = 0;
    for (let k = 0; k < shape.length; k++) src += (begin[k] + idx[k]) * xs[k];
    out[f] = x[src];
  });
  return out;
}

function jsPad(
  x: Int32Array,
  shape: number[],
  before: number[],
  after: number[],
  bits: number,
): Int32Array {
  const xs = stridesOf(shape);
  const outShape = shape.map((d, k) => d + before[k] + after[k]);
  const out = new Int32Array(prod(outShape)).fill(bits);
  forEachIndex(outShape, (idx, f) => {
    let src = 0;
    for (let k = 0; k < shape.length; k++) {
      const i = idx[k] - before[k];
      if (i < 0 || i >= shape[k]) return;
      src += i * xs[k];
    }
    out[f] = x[src];
  });
  return out;
}

function jsTile(x: Int32Array, shape: number[], reps: number[]): Int32Array {
  const xs = stridesOf(shape);
  const outShape = shape.map((d, k) => d * reps[k]);
  const out = new Int32Array(prod(outShape));
  forEachIndex(outShape, (idx, f) => {
    let src = 0;
    for (let k = 0; k < shape.length; k++) src += (idx[k] % shape[k]) * xs[k];
    out[f] = x[src];
  });
  return out;
}

function jsGather(
  x: Int32Array,
  indices: number[],
  outer: number,
  len: number,
  inner: number,
): Int32Array {
  const n = indices.length;
  const out = new Int32Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) {
        out[(o * n + j) * inner + i] = x[(o * len + indices[j]) * inner + i];
      }
    }
  }
  return out;
}

/** Scatter-add in float32, j ascending (the order the kernel promises). */
function jsScatter(
  dy: Float32Array,
  indices: number[],
  outer: number,
  len: number,
  inner: number,
): Float32Array {
  const n = indices.length;
  const dx = new Float32Array(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const ix = indices[j];
      if (ix < 0 || ix >= len) continue;
      for (let i = 0; i < inner; i++) {
        const p = (o * len + ix) * inner + i;
        dx[p] = Math.fround(dx[p] + dy[(o * n + j) * inner + i]);
      }
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------
// Inputs: random 32-bit patterns with NaN payloads, -0 and infinities sprinkled in.

const SPECIAL = [
  0x7fc00001,
  0x7f800001,
  0xffa12345 | 0,
  0x80000000 | 0,
  0x7f800000,
  0xff800000 | 0,
];

function bits(n: number, seed = 1): Int32Array {
  let s = seed >>> 0 || 1;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s % 17 === 0 ? SPECIAL[s % SPECIAL.length] : s | 0;
  }
  return out;
}

const SENTINEL = 0x5a5a5a5a;
const GUARD = 20;

/** Allocates an output of n elements followed by a guard, all set to SENTINEL. */
function outBuf(h: Harness, n: number): number {
  const p = h.alloc(n + GUARD);
  h.i32(p, n + GUARD).fill(SENTINEL);
  return p;
}

/** Reads n elements and checks the guard behind them is untouched. */
function readOut(h: Harness, p: number, n: number): Int32Array {
  const guard = h.i32(p + n * 4, GUARD);
  for (let i = 0; i < GUARD; i++) {
    if (guard[i] !== SENTINEL) throw new Error(`wrote past the end (guard ${i})`);
  }
  return h.i32(p, n).slice();
}

/** Bitwise comparison that names the first differing element. */
function expectBits(actual: Int32Array, expected: Int32Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new Error(
        `${what}: element ${i} is 0x${(actual[i] >>> 0).toString(16)}, expected 0x${(expected[i] >>> 0).toString(16)}`,
      );
    }
  }
}

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) {
    for (let pos = 0; pos <= p.length; pos++)
      out.push([...p.slice(0, pos), n - 1, ...p.slice(pos)]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

for (const variant of variants) {
  describe(`shape kernels (${variant})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness(variant);
    });

    function runTranspose(shape: number[], perm: number[], seed = 1): void {
      h.reset();
      const n = prod(shape);
      const x = bits(n, seed);
      const xp = h.putI32(x);
      const sp = h.putI32(shape);
      const pp = h.putI32(perm);
      const expected = jsTranspose(x, shape, perm);
      const what = `transpose [${shape}] perm [${perm}]`;
      const o1 = outBuf(h, n);
      h.k.transpose(xp, o1, shape.length, sp, pp);
      expectBits(readOut(h, o1, n), expected, what);
      const o2 = outBuf(h, n);
      h.k.transposeRef(xp, o2, shape.length, sp, pp);
      expectBits(readOut(h, o2, n), expected, `${what} (Ref)`);
      expectBits(h.i32(xp, n).slice(), x, `${what}: input modified`);
    }

    it('transpose rank 1 and 2 (odd, round, thin and blocked sizes)', () => {
      for (const d of [1, 3, 7, 33, 129, 256]) runTranspose([d], [0]);
      const dims = [1, 2, 3, 4, 5, 7, 8, 9, 33, 64, 129, 256];
      for (const a of dims) {
        for (const b of dims) {
          runTranspose([a, b], [1, 0], a * 1000 + b);
          runTranspose([a, b], [0, 1], a * 1000 + b);
        }
      }
      runTranspose([1024, 3], [1, 0]);
      runTranspose([3, 1024], [1, 0]);
      runTranspose([300, 257], [1, 0]);
      runTranspose([1024, 1024], [1, 0]);
    });

    it('transpose every permutation of rank 3', () => {
      const shapes = [
        [2, 3, 7],
        [7, 33, 3],
        [33, 1, 129],
        [1, 7, 1],
        [3, 129, 33],
        [129, 2, 7],
        [8, 16, 12],
      ];
      for (const s of shapes) for (const p of permutations(3)) runTranspose(s, p);
    });

    it('transpose rank 4 and 5 (all / some permutations)', () => {
      for (const s of [
        [2, 3, 7, 5],
        [3, 1, 33, 7],
        [7, 9, 1, 2],
      ]) {
        for (const p of permutations(4)) runTranspose(s, p);
      }
      const p5 = permutations(5);
      for (const s of [
        [2, 3, 7, 1, 5],
        [3, 2, 2, 33, 3],
        [1, 7, 3, 2, 9],
      ]) {
        for (let i = 0; i < p5.length; i += 7) runTranspose(s, p5[i]);
        runTranspose(s, [4, 3, 2, 1, 0]);
        runTranspose(s, [0, 1, 2, 4, 3]);
        runTranspose(s, [0, 1, 2, 3, 4]);
      }
      runTranspose([2, 3, 2, 3, 2, 3, 2, 3], [7, 0, 6, 1, 5, 2, 4, 3]);
      runTranspose([4, 33, 129], [0, 2, 1]);
      runTranspose([16, 64, 64], [0, 2, 1]);
    });

    function runSlice(shape: number[], begin: number[], size: number[], seed = 2): void {
      h.reset();
      const n = prod(shape);
      const m = prod(size);
      const x = bits(n, seed);
      const xp = h.putI32(x);
      const sp = h.putI32(shape);
      const bp = h.putI32(begin);
      const zp = h.putI32(size);
      const expected = jsSlice(x, shape, begin, size);
      const what = `slice [${shape}] begin [${begin}] size [${size}]`;
      const o1 = outBuf(h, m);
      h.k.slice(xp, o1, shape.length, sp, bp, zp);
      expectBits(readOut(h, o1, m), expected, what);
      const o2 = outBuf(h, m);
      h.k.sliceRef(xp, o2, shape.length, sp, bp, zp);
      expectBits(readOut(h, o2, m), expected, `${what} (Ref)`);
    }

    it('slice ranks 1-5, edges, full and empty', () => {
      for (const d of [1, 3, 7, 33, 129, 256]) {
        runSlice([d], [0], [d]);
        runSlice([d], [d - 1], [1]);
        runSlice([d], [0], [0]);
        if (d > 2) runSlice([d], [1], [d - 2]);
      }
      let seed = 3;
      const dimsList = [1, 2, 3, 7, 33, 129];
      for (let rank = 2; rank <= 5; rank++) {
        for (let t = 0; t < 40; t++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          const r = bits(rank * 4, seed);
          const shape: number[] = [];
          for (let k = 0; k < rank; k++) {
            const cap = rank >= 4 ? 4 : dimsList.length;
            shape.push(dimsList[(r[k] >>> 0) % cap]);
          }
          const begin = shape.map((d, k) => (r[rank + k] >>> 0) % d);
          const size = shape.map((d, k) => {
            const mode = (r[2 * rank + k] >>> 0) % 4;
            if (mode === 0) return d - begin[k]; // to the end
            if (mode === 1) return 1;
            return 1 + ((r[3 * rank + k] >>> 0) % (d - begin[k]));
          });
          runSlice(shape, begin, size, seed);
          // Whole-row slices and edge boxes at both ends.
          runSlice(shape, new Array(rank).fill(0), shape.slice(), seed);
          runSlice(
            shape,
            shape.map((d) => d - 1),
            new Array(rank).fill(1),
            seed,
          );
        }
      }
      runSlice([33, 129], [32, 0], [1, 129]);
      runSlice([33, 129], [0, 128], [33, 1]);
      runSlice([7, 33, 129], [2, 0, 0], [3, 33, 129]);
      runSlice([7, 33, 129], [0, 5, 64], [7, 0, 65]);
    });

    function runPad(shape: number[], before: number[], after: number[], value: number): void {
      h.reset();
      const n = prod(shape);
      const outShape = shape.map((d, k) => d + before[k] + after[k]);
      const m = prod(outShape);
      const x = bits(n, n + 5);
      const xp = h.putI32(x);
      const sp = h.putI32(shape);
      const bp = h.putI32(before);
      const ap = h.putI32(after);
      const vbits = new Int32Array(new Float32Array([value]).buffer)[0];
      const expected = jsPad(x, shape, before, after, vbits);
      const what = `pad [${shape}] before [${before}] after [${after}] value ${value}`;
      const o1 = outBuf(h, m);
      h.k.pad(xp, o1, shape.length, sp, bp, ap, value);
      expectBits(readOut(h, o1, m), expected, what);
      const o2 = outBuf(h, m);
      h.k.padRef(xp, o2, shape.length, sp, bp, ap, value);
      expectBits(readOut(h, o2, m), expected, `${what} (Ref)`);
    }

    it('pad ranks 1-4 with zero, -0 and other fill values', () => {
      for (const d of [1, 3, 7, 33, 129]) {
        runPad([d], [0], [0], 0);
        runPad([d], [2], [0], -0);
        runPad([d], [0], [5], 1.5);
        runPad([d], [17], [3], 0);
      }
      const cases: [number[], number[], number[]][] = [
        [
          [3, 7],
          [1, 2],
          [2, 1],
        ],
        [
          [33, 129],
          [0, 3],
          [1, 0],
        ],
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        [
          [2, 3, 7],
          [1, 0, 2],
          [0, 3, 1],
        ],
        [
          [7, 2, 33],
          [0, 0, 0],
          [0, 0, 0],
        ],
        [
          [2, 3, 5, 7],
          [1, 2, 0, 1],
          [1, 0, 2, 3],
        ],
        [
          [2, 8, 8, 3],
          [0, 1, 1, 0],
          [0, 1, 1, 0],
        ],
        [
          [2, 0, 3],
          [1, 1, 1],
          [1, 1, 1],
        ],
        [
          [4, 3, 2, 7, 5],
          [1, 0, 2, 1, 0],
          [0, 2, 1, 0, 3],
        ],
      ];
      for (const [s, b, a] of cases) {
        for (const v of [0, -0, 3.25, Number.NEGATIVE_INFINITY]) runPad(s, b, a, v);
      }
    });

    function runTile(shape: number[], reps: number[]): void {
      h.reset();
      const n = prod(shape);
      const outShape = shape.map((d, k) => d * reps[k]);
      const m = prod(outShape);
      const x = bits(n, n + 11);
      const xp = h.putI32(x);
      const sp = h.putI32(shape);
      const rp = h.putI32(reps);
      const expected = jsTile(x, shape, reps);
      const what = `tile [${shape}] reps [${reps}]`;
      const o1 = outBuf(h, m);
      h.k.tile(xp, o1, shape.length, sp, rp);
      expectBits(readOut(h, o1, m), expected, what);
      const o2 = outBuf(h, m);
      h.k.tileRef(xp, o2, shape.length, sp, rp);
      expectBits(readOut(h, o2, m), expected, `${what} (Ref)`);
    }

    it('tile ranks 1-5', () => {
      for (const d of [1, 3, 7, 33, 129]) for (const r of [1, 2, 3, 7]) runTile([d], [r]);
      const dims = [1, 2, 3, 7];
      for (const a of dims) {
        for (const b of dims) {
          for (const ra of [1, 2, 3]) for (const rb of [1, 3]) runTile([a, b], [ra, rb]);
        }
      }
      runTile([2, 3, 7], [3, 1, 2]);
      runTile([7, 1, 3], [1, 5, 1]);
      runTile([1, 2, 3, 2], [2, 2, 2, 2]);
      runTile([3, 2, 1, 2, 3], [2, 1, 3, 2, 1]);
      runTile([33, 5], [2, 3]);
      runTile([4, 129], [3, 2]);
      runTile([2, 3], [0, 2]);
    });

    it('copyBlock', () => {
      const cases = [
        [1, 1, 1, 1],
        [3, 7, 7, 7],
        [3, 7, 9, 11],
        [33, 129, 129, 200],
        [129, 33, 40, 33],
        [7, 16, 20, 16],
        [5, 3, 3, 4],
      ];
      for (const [rows, cols, ss, ds] of cases) {
        h.reset();
        const x = bits(rows * ss, rows + cols);
        const xp = h.putI32(x);
        const m = rows * ds;
        const op = outBuf(h, m);
        h.k.copyBlock(xp, op, rows, cols, ss, ds);
        const expected = new Int32Array(m).fill(SENTINEL);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) expected[r * ds + c] = x[r * ss + c];
        }
        expectBits(readOut(h, op, m), expected, `copyBlock ${rows}x${cols} ${ss}->${ds}`);
      }
    });

    function runGather(outer: number, len: number, inner: number, indices: number[]): void {
      h.reset();
      const x = bits(outer * len * inner, outer + len + inner);
      const xp = h.putI32(x);
      const ip = h.putI32(indices);
      const m = outer * indices.length * inner;
      const expected = jsGather(x, indices, outer, len, inner);
      const what = `gather [${outer}, ${len}, ${inner}] idx [${indices.slice(0, 8)}...]`;
      const o1 = outBuf(h, m);
      expect(h.k.gather(xp, ip, o1, outer, len, inner, indices.length)).toBe(-1);
      expectBits(readOut(h, o1, m), expected, what);
      const o2 = outBuf(h, m);
      expect(h.k.gatherRef(xp, ip, o2, outer, len, inner, indices.length)).toBe(-1);
      expectBits(readOut(h, o2, m), expected, `${what} (Ref)`);
    }

    it('gather on the first, a middle and the last axis with repeated indices', () => {
      // x of shape [7, 33, 3]
      const shape = [7, 33, 3];
      for (let axis = 0; axis < 3; axis++) {
        const outer = prod(shape.slice(0, axis));
        const len = shape[axis];
        const inner = prod(shape.slice(axis + 1));
        const idx = [len - 1, 0, 0, Math.floor(len / 2), len - 1, 1 % len, 0];
        runGather(outer, len, inner, idx);
        runGather(outer, len, inner, [0]);
        runGather(outer, len, inner, []);
      }
      for (const inner of [1, 2, 3, 4, 7, 15, 16, 17, 33, 129, 256]) {
        runGather(3, 5, inner, [4, 4, 0, 2, 1, 3, 4]);
      }
      runGather(
        2,
        129,
        64,
        Array.from({ length: 300 }, (_, i) => (i * 37) % 129),
      );
    });

    it('gather rejects an out-of-range index and writes nothing', () => {
      h.reset();
      const x = bits(2 * 5 * 3, 9);
      const xp = h.putI32(x);
      for (const [idx, bad] of [
        [[0, 1, 5, 2], 2],
        [[-1, 0], 0],
        [[4, 4, 4, 2147483647], 3],
        [[3, -2147483648, 9], 1],
      ] as [number[], number][]) {
        const ip = h.putI32(idx);
        const m = 2 * idx.length * 3;
        const o1 = outBuf(h, m);
        expect(h.k.gather(xp, ip, o1, 2, 5, 3, idx.length)).toBe(bad);
        expectBits(readOut(h, o1, m), new Int32Array(m).fill(SENTINEL), 'gather error output');
        const o2 = outBuf(h, m);
        expect(h.k.gatherRef(xp, ip, o2, 2, 5, 3, idx.length)).toBe(bad);
        expectBits(readOut(h, o2, m), new Int32Array(m).fill(SENTINEL), 'gatherRef error output');
        const o3 = outBuf(h, m);
        expect(h.k.gather(xp, ip, o3, 6, 5, 1, idx.length)).toBe(bad);
      }
    });

    it('gatherBackward matches a float32 scatter-add with repeated indices', () => {
      const cases: [number, number, number, number[]][] = [
        [1, 7, 99, [6, 0, 0, 3, 6, 1, 0]],
        [7, 33, 3, [32, 0, 0, 16, 32, 1, 0, 0, 0]],
        [231, 3, 1, [2, 0, 0, 1, 2, 1, 0]],
        [3, 5, 129, [4, 4, 4, 4, 0, 2]],
        [2, 4, 5, [0, 1, 2, 3]],
        [2, 4, 6, []],
        [2, 4, 6, [1, -1, 4, 1]], // out-of-range indices are skipped
      ];
      for (const [outer, len, inner, idx] of cases) {
        h.reset();
        const dy = new Float32Array(outer * idx.length * inner);
        const r = bits(dy.length, outer + len);
        for (let i = 0; i < dy.length; i++) dy[i] = (r[i] % 1000) / 7;
        const dyp = h.putF32(dy);
        const ip = h.putI32(idx);
        const m = outer * len * inner;
        const dxp = outBuf(h, m); // pre-filled with garbage: the kernel must zero it
        h.k.gatherBackward(dyp, ip, dxp, outer, len, inner, idx.length);
        const expected = jsScatter(dy, idx, outer, len, inner);
        expectBits(
          readOut(h, dxp, m),
          new Int32Array(expected.buffer),
          `gatherBackward [${outer}, ${len}, ${inner}]`,
        );
      }
    });

    it('oneHot writes on/off and rejects out-of-range labels', () => {
      h.reset();
      const idx = [0, 4, 2, 2, 1, 0, 3];
      const depth = 5;
      const ip = h.putI32(idx);
      const m = idx.length * depth;
      const op = outBuf(h, m);
      expect(h.k.oneHot(ip, op, idx.length, depth, 1, 0)).toBe(-1);
      const expected = new Float32Array(m);
      idx.forEach((c, i) => {
        expected[i * depth + c] = 1;
      });
      expectBits(readOut(h, op, m), new Int32Array(expected.buffer), 'oneHot');
      const op2 = outBuf(h, m);
      expect(h.k.oneHot(ip, op2, idx.length, depth, 0.9, -0)).toBe(-1);
      const e2 = new Float32Array(m).fill(-0);
      idx.forEach((c, i) => {
        e2[i * depth + c] = 0.9;
      });
      expectBits(readOut(h, op2, m), new Int32Array(e2.buffer), 'oneHot 0.9/-0');
      for (const [bad, pos] of [
        [[0, 1, 5, 2], 2],
        [[-1], 0],
        [[4, 3, 2, 1, 0, 7, -3], 5],
      ] as [number[], number][]) {
        const bp = h.putI32(bad);
        const mm = bad.length * depth;
        const o = outBuf(h, mm);
        expect(h.k.oneHot(bp, o, bad.length, depth, 1, 0)).toBe(pos);
        expectBits(readOut(h, o, mm), new Int32Array(mm).fill(SENTINEL), 'oneHot error output');
      }
      const o0 = outBuf(h, 0);
      expect(h.k.oneHot(ip, o0, 0, depth, 1, 0)).toBe(-1);
      readOut(h, o0, 0);
    });
  });
}
