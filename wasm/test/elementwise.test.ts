import { describe, expect, it } from 'vitest';
import { expectClose, type Harness, harness, randomArray, variants } from './harness.js';

const OP_NAMES = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'squaredDifference'];
const SIZES = [1, 2, 3, 4, 5, 7, 33, 64, 129, 256, 1001];

/** The binary ops in float64 JS (rounded to f32 by the caller's Float32Array). */
function binJs(op: number, a: number, b: number): number {
  switch (op) {
    case 0:
      return a + b;
    case 1:
      return a - b;
    case 2:
      return a * b;
    case 3:
      return a / b;
    case 4:
      return Math.max(a, b);
    case 5:
      return Math.min(a, b);
    case 6:
      return a ** b;
    default: {
      // f32 subtraction first, as the kernel does.
      const d = Math.fround(a - b);
      return d * d;
    }
  }
}

/** Inputs suited to the op: positive bases with small exponents for pow, b != 0 for div. */
function inputs(op: number, n: number, seed: number): [Float32Array, Float32Array] {
  const a = randomArray(n, seed);
  const b = randomArray(n, seed + 101);
  if (op === 6) {
    for (let i = 0; i < n; i++) {
      a[i] = Math.abs(a[i]) * 4 + 0.01;
      b[i] = b[i] * 5;
    }
  } else {
    for (let i = 0; i < n; i++) {
      a[i] *= 10;
      b[i] = b[i] * 10 + (b[i] >= 0 ? 0.1 : -0.1);
    }
  }
  return [a, b];
}

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (a !== e) throw new Error(`${what}: index ${i}: got ${a}, expected ${e}`);
  }
}

/** NumPy broadcasting of two shapes: the output shape and element strides (0 on broadcast). */
function broadcast(sa: number[], sb: number[]): { shape: number[]; as: number[]; bs: number[] } {
  const rank = Math.max(sa.length, sb.length);
  const pa = [...new Array(rank - sa.length).fill(1), ...sa];
  const pb = [...new Array(rank - sb.length).fill(1), ...sb];
  const shape = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error('incompatible');
    return Math.max(d, pb[i]);
  });
  const strides = (s: number[]) => {
    const st = new Array(rank).fill(0);
    let acc = 1;
    for (let i = rank - 1; i >= 0; i--) {
      st[i] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  return { shape, as: strides(pa), bs: strides(pb) };
}

/** Broadcast binary op in plain JS by explicit multi-index walk. */
function broadcastJs(
  op: number,
  a: Float32Array,
  b: Float32Array,
  shape: number[],
  as: number[],
  bs: number[],
): Float32Array {
  const total = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(total);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    let ao = 0;
    let bo = 0;
    for (let d = 0; d < shape.length; d++) {
      ao += idx[d] * as[d];
      bo += idx[d] * bs[d];
    }
    out[i] = binJs(op, a[ao], b[bo]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Ops whose f32 result equals the f64 result rounded (single IEEE operations). */
const EXACT_OPS = new Set([0, 1, 2, 3, 4, 5]);

function checkJs(op: number, got: Float32Array, expected: Float32Array, what: string): void {
  if (EXACT_OPS.has(op)) expectSame(got, expected, what);
  else expectClose(got, expected, 2e-6, 1e-30);
}

describe.each(variants)('elementwise kernels (%s)', (variant) => {
  let h: Harness;

  it('loads', async () => {
    h = await harness(variant);
  });

  it('binarySame matches Ref and JS on odd and round sizes', () => {
    for (let op = 0; op < 8; op++) {
      for (const n of SIZES) {
        h.reset();
        const [a, b] = inputs(op, n, n + op * 7);
        const pa = h.putF32(a);
        const pb = h.putF32(b);
        const out = h.alloc(n);
        const ref = h.alloc(n);
        h.k.binarySame(op, pa, pb, out, n);
        h.k.binarySameRef(op, pa, pb, ref, n);
        const what = `${OP_NAMES[op]} n=${n}`;
        expectSame(h.f32(out, n), h.f32(ref, n), what);
        const expected = new Float32Array(n);
        for (let i = 0; i < n; i++) expected[i] = binJs(op, a[i], b[i]);
        checkJs(op, h.f32(out, n), expected, what);
      }
    }
  });

  it('binarySame with out aliasing a or b', () => {
    for (let op = 0; op < 8; op++) {
      const n = 37;
      const [a, b] = inputs(op, n, 5 + op);
      const expected = new Float32Array(n);
      h.reset();
      const pa = h.putF32(a);
      const pb = h.putF32(b);
      const ref = h.alloc(n);
      h.k.binarySameRef(op, pa, pb, ref, n);
      expected.set(h.f32(ref, n));
      h.k.binarySame(op, pa, pb, pa, n);
      expectSame(h.f32(pa, n), expected, `${OP_NAMES[op]} out=a`);
      h.f32(pa, n).set(a);
      h.k.binarySame(op, pa, pb, pb, n);
      expectSame(h.f32(pb, n), expected, `${OP_NAMES[op]} out=b`);
    }
  });

  it('binarySame special values', () => {
    const sp = [0, -0, Infinity, -Infinity, Number.NaN, 1e-45, -1e-40, 3e38, -3e38, 1, -1, 2.5];
    const a: number[] = [];
    const b: number[] = [];
    for (const x of sp) {
      for (const y of sp) {
        a.push(x);
        b.push(y);
      }
    }
    const n = a.length;
    for (let op = 0; op < 8; op++) {
      h.reset();
      const pa = h.putF32(a);
      const pb = h.putF32(b);
      const out = h.alloc(n);
      const ref = h.alloc(n);
      h.k.binarySame(op, pa, pb, out, n);
      h.k.binarySameRef(op, pa, pb, ref, n);
      const got = h.f32(out, n);
      expectSame(got, h.f32(ref, n), `${OP_NAMES[op]} special`);
      const fa = Float32Array.from(a);
      const fb = Float32Array.from(b);
      const expected = new Float32Array(n);
      for (let i = 0; i < n; i++) expected[i] = binJs(op, fa[i], fb[i]);
      checkJs(op, got, expected, `${OP_NAMES[op]} special`);
      if (op === 4 || op === 5) {
        // Signed zeros as Math.max/min: max(-0, 0) = 0, min(-0, 0) = -0.
        for (let i = 0; i < n; i++) {
          if (got[i] === 0) expect(Object.is(got[i], expected[i])).toBe(true);
        }
      }
    }
  });

  const SHAPES: [number[], number[]][] = [
    [
      [3, 1, 7],
      [1, 5, 1],
    ],
    [[33], [1]],
    [[1], [129]],
    [[2, 3, 4], [4]],
    [[4], [2, 3, 4]],
    [
      [3, 1],
      [3, 5],
    ],
    [
      [5, 1],
      [1, 6],
    ],
    [
      [2, 1, 3, 1, 5],
      [1, 4, 1, 6, 5],
    ],
    [[1], [1]],
    [[7], [7]],
    [
      [2, 2, 2, 2, 2, 2, 2, 3],
      [2, 1, 2, 1, 2, 1, 2, 1],
    ],
    [
      [64, 1],
      [1, 1],
    ],
    [
      [1, 3, 1],
      [2, 1, 1],
    ],
  ];

  it('binaryBroadcast matches Ref and JS on broadcast shapes', () => {
    for (const [sa, sb] of SHAPES) {
      const { shape, as, bs } = broadcast(sa, sb);
      const na = sa.reduce((p, d) => p * d, 1);
      const nb = sb.reduce((p, d) => p * d, 1);
      const total = shape.reduce((p, d) => p * d, 1);
      for (let op = 0; op < 8; op++) {
        h.reset();
        const [a] = inputs(op, na, na + op);
        const [, b] = inputs(op, nb, nb * 3 + op);
        const pa = h.putF32(a);
        const pb = h.putF32(b);
        const pShape = h.putI32(shape);
        const pAs = h.putI32(as);
        const pBs = h.putI32(bs);
        const out = h.alloc(total);
        const ref = h.alloc(total);
        h.k.binaryBroadcast(op, pa, pb, out, shape.length, pShape, pAs, pBs);
        h.k.binaryBroadcastRef(op, pa, pb, ref, shape.length, pShape, pAs, pBs);
        const what = `${OP_NAMES[op]} [${sa}] x [${sb}]`;
        expectSame(h.f32(out, total), h.f32(ref, total), what);
        checkJs(op, h.f32(out, total), broadcastJs(op, a, b, shape, as, bs), what);
      }
    }
  });

  it('binaryBroadcast with general (non-unit) strides', () => {
    // a is a transposed [6, 5] view read as [5, 6]: strides [1, 5]; b is contiguous [5, 6].
    const shape = [5, 6];
    const as = [1, 5];
    const bs = [6, 1];
    const a = randomArray(30, 9);
    const b = randomArray(30, 10);
    for (let op = 0; op < 8; op++) {
      h.reset();
      const aa = op === 6 ? a.map((v) => Math.abs(v) + 0.1) : a;
      const pa = h.putF32(aa);
      const pb = h.putF32(b);
      const pShape = h.putI32(shape);
      const pAs = h.putI32(as);
      const pBs = h.putI32(bs);
      const out = h.alloc(30);
      const ref = h.alloc(30);
      h.k.binaryBroadcast(op, pa, pb, out, 2, pShape, pAs, pBs);
      h.k.binaryBroadcastRef(op, pa, pb, ref, 2, pShape, pAs, pBs);
      expectSame(h.f32(out, 30), h.f32(ref, 30), `${OP_NAMES[op]} strided`);
      checkJs(op, h.f32(out, 30), broadcastJs(op, aa, b, shape, as, bs), `${OP_NAMES[op]} strided`);
    }
  });

  it('addInto and scaleAdd', () => {
    for (const n of SIZES) {
      h.reset();
      const a = randomArray(n, n);
      const b = randomArray(n, n + 1);
      const pd = h.putF32(a);
      const pd2 = h.putF32(a);
      const ps = h.putF32(b);
      h.k.addInto(pd, ps, n);
      h.k.addIntoRef(pd2, ps, n);
      const expected = new Float32Array(n);
      for (let i = 0; i < n; i++) expected[i] = a[i] + b[i];
      expectSame(h.f32(pd, n), expected, `addInto n=${n}`);
      expectSame(h.f32(pd2, n), expected, `addIntoRef n=${n}`);

      const out = h.alloc(n);
      const ref = h.alloc(n);
      const scale = Math.fround(1.7);
      const shift = Math.fround(-0.3);
      h.k.scaleAdd(ps, out, n, scale, shift);
      h.k.scaleAddRef(ps, ref, n, scale, shift);
      for (let i = 0; i < n; i++) expected[i] = Math.fround(b[i] * scale) + shift;
      expectSame(h.f32(out, n), expected, `scaleAdd n=${n}`);
      expectSame(h.f32(ref, n), expected, `scaleAddRef n=${n}`);
      h.k.scaleAdd(ps, ps, n, scale, shift);
      expectSame(h.f32(ps, n), expected, `scaleAdd in place n=${n}`);
    }
  });

  it('fillF32 and fillI32 write exactly n elements', () => {
    for (const n of SIZES) {
      h.reset();
      const p = h.putF32(new Float32Array(n + 4).fill(7));
      h.k.fillF32(p, n, -2.5);
      const got = h.f32(p, n + 4);
      for (let i = 0; i < n; i++) expect(got[i]).toBe(-2.5);
      for (let i = n; i < n + 4; i++) expect(got[i]).toBe(7);
      h.k.fillF32Ref(p, n, 3);
      for (let i = 0; i < n; i++) expect(got[i]).toBe(3);
      const q = h.putI32(new Int32Array(n + 4).fill(7));
      h.k.fillI32(q, n, -123456789);
      const gi = h.i32(q, n + 4);
      for (let i = 0; i < n; i++) expect(gi[i]).toBe(-123456789);
      for (let i = n; i < n + 4; i++) expect(gi[i]).toBe(7);
      h.k.fillI32Ref(q, n, 5);
      for (let i = 0; i < n; i++) expect(gi[i]).toBe(5);
    }
  });

  it('castF32ToI32 truncates toward zero like Int32Array.from (JS ToInt32)', () => {
    const special = [
      0,
      -0,
      0.5,
      -0.5,
      1.99,
      -1.99,
      2.5,
      -2.5,
      1e-40,
      Number.NaN,
      Infinity,
      -Infinity,
      2147483520,
      -2147483648,
      2147483648,
      3e9,
      -3e9,
      4294967296,
      5e9,
      1e15,
      -1e15,
      1e20,
      3e38,
      -3e38,
      16777217,
      123456.789,
    ];
    for (const n of [...SIZES, special.length]) {
      h.reset();
      const r = randomArray(n, n + 3);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = n === special.length ? special[i] : r[i] * 1e5;
      const px = h.putF32(x);
      const out = h.alloc(n);
      const ref = h.alloc(n);
      h.k.castF32ToI32(px, out, n);
      h.k.castF32ToI32Ref(px, ref, n);
      const expected = new Int32Array(x);
      expect(Array.from(h.i32(out, n))).toEqual(Array.from(expected));
      expect(Array.from(h.i32(ref, n))).toEqual(Array.from(expected));
    }
  });

  it('castI32ToF32 rounds like Float32Array.from', () => {
    const special = [0, 1, -1, 16777217, -16777217, 2147483647, -2147483648, 123456789, 33554435];
    for (const n of [...SIZES, special.length]) {
      h.reset();
      const r = randomArray(n, n + 4);
      const x = new Int32Array(n);
      for (let i = 0; i < n; i++) x[i] = n === special.length ? special[i] : Math.round(r[i] * 2e9);
      const px = h.putI32(x);
      const out = h.alloc(n);
      const ref = h.alloc(n);
      h.k.castI32ToF32(px, out, n);
      h.k.castI32ToF32Ref(px, ref, n);
      const expected = new Float32Array(x);
      expectSame(h.f32(out, n), expected, `castI32ToF32 n=${n}`);
      expectSame(h.f32(ref, n), expected, `castI32ToF32Ref n=${n}`);
    }
  });

  it('allFinite finds the first NaN or Infinity', () => {
    for (const n of SIZES) {
      h.reset();
      const x = randomArray(n, n + 5);
      const p = h.putF32(x);
      expect(h.k.allFinite(p, n)).toBe(-1);
      expect(h.k.allFiniteRef(p, n)).toBe(-1);
      const view = h.f32(p, n);
      view[n - 1] = 3.4e38; // finite extreme
      view[0] = 1e-45;
      expect(h.k.allFinite(p, n)).toBe(-1);
      for (const bad of [Number.NaN, Infinity, -Infinity]) {
        for (const pos of [n - 1, Math.floor(n / 2), 0]) {
          view.set(x);
          view[pos] = bad;
          if (pos + 2 < n) view[pos + 2] = Number.NaN; // a later one must not win
          expect(h.k.allFinite(p, n)).toBe(pos);
          expect(h.k.allFiniteRef(p, n)).toBe(pos);
        }
      }
    }
    expect(h.k.allFinite(0, 0)).toBe(-1);
  });
});
