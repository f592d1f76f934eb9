import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const pairs: [number[], number[]][] = [
  [[1], [1]],
  [[3], [3]],
  [
    [7, 33],
    [7, 33],
  ],
  [[129], [129]],
  [
    [64, 64],
    [64, 64],
  ],
  [
    [3, 1, 7],
    [1, 5, 1],
  ],
  [[2, 3, 4], [4]],
  [[33], [1]],
  [[1], [129]],
  [[4, 1], []],
  [
    [2, 1, 3, 1],
    [1, 7, 1, 5],
  ],
];

/** Values on two offset grids, so |a - b| >= 0.05 and finite differences never cross a kink. */
const apart = (arg: number, n: number, seed: number) =>
  rand(n, seed).map((v) => Math.round(v * 10) / 10 + (arg === 0 ? 0.03 : 0.08));

type Z = (a: zoo.Tensor, b: zoo.Tensor) => zoo.Tensor;
type T = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const ops: {
  name: string;
  zoo: Z;
  tf: T;
  input?: (arg: number, n: number, seed: number) => Float32Array;
}[] = [
  { name: 'add', zoo: zoo.add, tf: tf.add },
  { name: 'sub', zoo: zoo.sub, tf: tf.sub },
  { name: 'mul', zoo: zoo.mul, tf: tf.mul },
  {
    name: 'div',
    zoo: zoo.div,
    tf: tf.div,
    input: (arg, n, seed) => (arg === 1 ? rand(n, seed, 0.5, 2) : rand(n, seed)),
  },
  { name: 'maximum', zoo: zoo.maximum, tf: tf.maximum, input: apart },
  { name: 'minimum', zoo: zoo.minimum, tf: tf.minimum, input: apart },
  {
    name: 'pow',
    zoo: zoo.pow,
    tf: tf.pow,
    input: (arg, n, seed) => (arg === 0 ? rand(n, seed, 0.5, 2) : rand(n, seed, -2, 2)),
  },
  { name: 'squaredDifference', zoo: zoo.squaredDifference, tf: tf.squaredDifference },
];

const BROKEN_TF_BROADCAST_GRAD = new Set(['maximum', 'minimum', 'squaredDifference']);

describe('binary ops match TF.js (forward, gradients, finite differences)', () => {
  for (const op of ops) {
    for (const [a, b] of pairs) {
      it(`${op.name} ${JSON.stringify(a)} x ${JSON.stringify(b)}`, () => {
        // TF.js's maximum/minimum/squaredDifference gradients do not un-broadcast (they return
        // the output's shape), so TF's side broadcasts explicitly first; broadcastTo's gradient sums.
        const tfOp: T = BROKEN_TF_BROADCAST_GRAD.has(op.name)
          ? (x, y) => {
              const shape = tf
                .broadcastArgs(tf.tensor1d(x.shape, 'int32'), tf.tensor1d(y.shape, 'int32'))
                .arraySync() as number[];
              return op.tf(tf.broadcastTo(x, shape), tf.broadcastTo(y, shape));
            }
          : op.tf;
        checkOp({ shapes: [a, b], zoo: op.zoo, tf: tfOp, input: op.input });
      });
    }
  }
});

describe('comparisons give float32 masks', () => {
  const cmp: [string, Z, T][] = [
    ['equal', zoo.equal, tf.equal],
    ['notEqual', zoo.notEqual, tf.notEqual],
    ['greater', zoo.greater, tf.greater],
    ['greaterEqual', zoo.greaterEqual, tf.greaterEqual],
    ['less', zoo.less, tf.less],
    ['lessEqual', zoo.lessEqual, tf.lessEqual],
  ];
  for (const [name, z, t] of cmp) {
    it(name, () => {
      // Rounded values so that ties occur.
      const a = rand(7 * 33, 3).map((v) => Math.round(v * 3));
      const b = rand(33, 4).map((v) => Math.round(v * 3));
      zoo.tidy(() => {
        const out = z(zoo.tensor(a, [7, 33]), zoo.tensor(b, [33]));
        const ref = t(tf.tensor(a, [7, 33]), tf.tensor(b, [33]));
        expect(Array.from(out.dataSync())).toEqual(Array.from(ref.dataSync()));
        ref.dispose();
      });
    });
  }
});

describe('binary op errors', () => {
  it('names the op and both shapes when shapes do not broadcast', () => {
    zoo.tidy(() => {
      expect(() => zoo.add(zoo.zeros([2, 3]), zoo.zeros([4]))).toThrow(
        'add: shapes [2,3] and [4] cannot be broadcast together',
      );
    });
  });
  it('rejects int32 operands', () => {
    zoo.tidy(() => {
      expect(() => zoo.mul(zoo.zeros([2], 'int32'), zoo.zeros([2]))).toThrow(
        'mul: expected float32 tensors, got int32 [2]',
      );
    });
  });
  it('accepts numbers and arrays as operands', () => {
    zoo.tidy(() => {
      expect(Array.from(zoo.add(zoo.tensor([1, 2]), 3).dataSync())).toEqual([4, 5]);
      expect(Array.from(zoo.sub([10, 20], zoo.tensor([1, 2])).dataSync())).toEqual([9, 18]);
    });
  });
});
