import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

type AxisArg = number | number[] | undefined;

/** Shapes with the axes to reduce over (each tried with keepDims false and true). */
const cases: [number[], AxisArg][] = [
  [[1], undefined],
  [[1], 0],
  [[3], undefined],
  [[3], -1],
  [[129], 0],
  [[7, 33], undefined],
  [[7, 33], 0],
  [[7, 33], 1],
  [[7, 33], -1],
  [
    [7, 33],
    [0, 1],
  ],
  [[64, 256], 1],
  [[64, 256], -2],
  [[3, 7, 33], 1],
  [
    [3, 7, 33],
    [0, 2],
  ],
  [
    [3, 7, 33],
    [-1, 0],
  ],
  [
    [3, 7, 33],
    [1, 2],
  ],
  [[33, 1, 7], [1]],
  [
    [2, 3, 4, 5],
    [0, 2, 3],
  ],
  [
    [2, 3, 4, 5],
    [1, 3],
  ],
];

/** A random permutation of evenly spaced distinct values in (lo, hi): no ties anywhere. */
function distinct(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const keys = rand(n, seed);
  const order = [...keys.keys()].sort((a, b) => keys[a] - keys[b]);
  const out = new Float32Array(n);
  order.forEach((pos, rank) => {
    out[pos] = lo + ((rank + 0.5) / n) * (hi - lo);
  });
  return out;
}

type ZR = (x: zoo.Tensor, axis?: AxisArg, keepDims?: boolean) => zoo.Tensor;
type TR = (x: tf.Tensor, axis?: AxisArg, keepDims?: boolean) => tf.Tensor;

const ops: {
  name: string;
  zoo: ZR;
  tf: TR;
  input?: (arg: number, n: number, seed: number) => Float32Array;
  /** Skip full reductions of more elements than this (products of many values underflow). */
  maxSize?: number;
  /** Finite differences only up to this size (beyond, neighbours are closer than the step). */
  fdMaxSize?: number;
  atol?: number;
}[] = [
  { name: 'sum', zoo: zoo.sum, tf: tf.sum, atol: 1e-4 },
  { name: 'mean', zoo: zoo.mean, tf: tf.mean },
  { name: 'max', zoo: zoo.max, tf: tf.max, input: (_, n, s) => distinct(n, s), fdMaxSize: 150 },
  {
    name: 'min',
    zoo: zoo.min,
    tf: tf.min,
    input: (_, n, s) => distinct(n, s, -1.5, 1),
    fdMaxSize: 150,
  },
  {
    // TF.js 4.22's Prod gradient crashes (permutedX.reshape is not a function), so TF's side is
    // exp(sum(log x)), the same function for x > 0, whose gradient is prod / x.
    name: 'prod',
    zoo: zoo.prod,
    tf: (x, axis, keepDims) => tf.exp(tf.sum(tf.log(x), axis, keepDims)),
    input: (_, n, s) => rand(n, s, 0.5, 1.5),
    maxSize: 300,
  },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('reductions match TF.js (forward, gradients, finite differences)', () => {
  for (const op of ops) {
    for (const [shape, axis] of cases) {
      for (const keepDims of [false, true]) {
        if (op.maxSize !== undefined && size(shape) > op.maxSize && axis === undefined) continue;
        it(`${op.name} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => {
          checkOp({
            shapes: [shape],
            zoo: (x) => op.zoo(x, axis, keepDims),
            tf: (x) => op.tf(x, axis, keepDims),
            input: op.input,
            fd: size(shape) <= (op.fdMaxSize ?? Number.POSITIVE_INFINITY),
            atol: op.atol,
            rtol: op.name === 'prod' ? 1e-4 : 1e-5,
          });
        });
      }
    }
  }

  it('default axis reduces everything to a scalar', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(zoo.sum(x).shape).toEqual([]);
      expect(zoo.sum(x).dataSync()[0]).toBe(21);
      expect(zoo.mean(x).dataSync()[0]).toBe(3.5);
      expect(zoo.max(x).dataSync()[0]).toBe(6);
      expect(zoo.min(x).dataSync()[0]).toBe(1);
      expect(zoo.prod(x).dataSync()[0]).toBe(720);
      expect(Array.from(zoo.sum(x, 0, true).dataSync())).toEqual([5, 7, 9]);
      expect(zoo.sum(x, 0, true).shape).toEqual([1, 3]);
      expect(Array.from(zoo.max(x, -1).dataSync())).toEqual([3, 6]);
    });
  });

  it('max/min gradients share dy between tied extremes as TF does', () => {
    checkOp({
      shapes: [[4, 6]],
      zoo: (x) => zoo.max(x, 1),
      tf: (x) => tf.max(x, 1),
      input: (_, n) => Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 2 : i * 0.01)),
      fd: false,
    });
  });
});

describe('argMax and argMin match TF.js (int32)', () => {
  const argCases: [number[], number][] = [
    [[1], 0],
    [[3], 0],
    [[129], -1],
    [[7, 33], 0],
    [[7, 33], 1],
    [[64, 256], 1],
    [[64, 256], 0],
    [[3, 7, 33], 1],
    [[3, 7, 33], -1],
    [[2, 3, 4, 5], 2],
  ];
  for (const [name, zf, tfn] of [
    ['argMax', zoo.argMax, tf.argMax],
    ['argMin', zoo.argMin, tf.argMin],
  ] as const) {
    for (const [shape, axis] of argCases) {
      it(`${name} ${JSON.stringify(shape)} axis ${axis}`, () => {
        const data = distinct(size(shape), 11 + axis);
        const before = zoo.memory().numTensors;
        zoo.tidy(() => {
          const out = zf(zoo.tensor(data, shape), axis);
          const ref = tfn(tf.tensor(data, shape), axis);
          expect(out.dtype).toBe('int32');
          expect(out.shape).toEqual(ref.shape);
          const got = out.dataSync();
          expect(got).toBeInstanceOf(Int32Array);
          expect(Array.from(got)).toEqual(Array.from(ref.dataSync()));
          ref.dispose();
        });
        expect(zoo.memory().numTensors).toBe(before);
      });
    }
  }

  it('ties give the first index, default axis is 0', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([
        [1, 5, 5],
        [5, 5, 0],
      ]);
      expect(Array.from(zoo.argMax(x, 1).dataSync())).toEqual([1, 0]);
      expect(Array.from(zoo.argMin(x, 1).dataSync())).toEqual([0, 2]);
      expect(Array.from(zoo.argMax(x).dataSync())).toEqual([1, 0, 0]);
      expect(Array.from(zoo.argMin(x).dataSync())).toEqual([0, 0, 1]);
    });
  });
});

describe('reduction errors', () => {
  for (const name of ['sum', 'mean', 'max', 'min', 'prod'] as const) {
    it(`${name} names the op and rank for an axis out of range`, () => {
      const before = zoo.memory().numTensors;
      zoo.tidy(() => {
        const x = zoo.zeros([2, 3]);
        expect(() => zoo[name](x, 2)).toThrow(
          `${name}: axis 2 is out of range for a tensor of rank 2`,
        );
        expect(() => zoo[name](x, [0, -3])).toThrow(
          `${name}: axis -3 is out of range for a tensor of rank 2`,
        );
      });
      expect(zoo.memory().numTensors).toBe(before);
    });
  }
  it('argMax/argMin name the op and rank', () => {
    zoo.tidy(() => {
      expect(() => zoo.argMax(zoo.zeros([4]), 1)).toThrow(
        'argMax: axis 1 is out of range for a tensor of rank 1',
      );
      expect(() => zoo.argMin(zoo.zeros([4, 2]), -3)).toThrow(
        'argMin: axis -3 is out of range for a tensor of rank 2',
      );
      expect(() => zoo.argMax(zoo.scalar(1))).toThrow('argMax');
    });
  });
  it('mean of a reduced sum composes under grad', () => {
    const x = rand(21, 5);
    zoo.tidy(() => {
      const g = zoo.grad((t) => zoo.mean(zoo.sum(zoo.mul(t, t), 1)))(zoo.tensor(x, [3, 7]));
      expectClose(
        g.dataSync(),
        x.map((v) => (2 * v) / 3),
        1e-5,
        1e-6,
      );
    });
  });
});
