import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const shapes = [[1, 1], [3, 7], [33, 129], [64, 10], [2, 3, 5], [129], [1, 256]];
const wide = (_: number, n: number, seed: number) => rand(n, seed, -4, 4);

function noLeak(fn: () => void): void {
  const before = zoo.memory().numTensors;
  zoo.tidy(fn);
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
}

/** Deterministic class ids in [0, classes). */
function classIds(rows: number, classes: number, seed: number): Int32Array {
  return Int32Array.from(rand(rows, seed, 0, classes), (v) => Math.min(classes - 1, Math.floor(v)));
}

describe('softmax and logSoftmax match TF.js (forward, gradients, finite differences)', () => {
  for (const s of shapes) {
    it(`softmax ${JSON.stringify(s)}`, () => {
      checkOp({ shapes: [s], zoo: (x) => zoo.softmax(x), tf: (x) => tf.softmax(x), input: wide });
    });
    it(`logSoftmax ${JSON.stringify(s)}`, () => {
      checkOp({
        shapes: [s],
        zoo: (x) => zoo.logSoftmax(x),
        tf: (x) => tf.logSoftmax(x),
        input: wide,
      });
    });
  }
  it('softmax rows sum to 1 and explicit last axis is accepted', () => {
    noLeak(() => {
      const y = zoo.softmax(zoo.tensor(rand(33 * 7, 1, -3, 3), [33, 7]), 1);
      const sums = zoo.sum(y, 1).dataSync();
      expectClose(sums, new Float32Array(33).fill(1), 1e-6, 1e-6);
      expect(() => zoo.softmax(zoo.zeros([3, 4]), 0)).toThrow(
        'softmax: only the last axis is supported (as TF.js), got dim 0 of [3,4]',
      );
      expect(() => zoo.logSoftmax(zoo.scalar(1))).toThrow('logSoftmax: input must have rank >= 1');
    });
  });
  it('large logits (±1000) stay finite and match TF', () => {
    const vals = [1000, -1000, 0, 999, 1000, -1000, -1000, -999, -1000, 1000, 1000, 1000];
    noLeak(() => {
      const x = zoo.tensor(vals, [3, 4]);
      const tx = tf.tensor(vals, [3, 4]);
      for (const [zf, tfn] of [
        [zoo.softmax, tf.softmax],
        [zoo.logSoftmax, tf.logSoftmax],
      ] as const) {
        const y = zf(x).dataSync();
        for (const v of y) expect(Number.isFinite(v)).toBe(true);
        const ref = tfn(tx);
        expectClose(y, ref.dataSync() as Float32Array, 1e-5, 1e-5);
        ref.dispose();
        const g = zoo
          .grad((t) => zoo.sum(zoo.mul(zf(t), zoo.tensor(rand(12, 4), [3, 4]))))(x)
          .dataSync();
        for (const v of g) expect(Number.isFinite(v)).toBe(true);
      }
      expectClose(
        zoo.softmax(x).dataSync().slice(0, 4),
        [1 / (1 + Math.exp(-1)), 0, 0, Math.exp(-1) / (1 + Math.exp(-1))],
        1e-6,
        1e-7,
      );
      tx.dispose();
    });
  });
});

/** TF's reference loss: -sum(labels * logSoftmax(logits)) over the last axis. */
const tfCrossEntropy = (labels: tf.Tensor, logits: tf.Tensor) =>
  tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1));

describe('softmaxCrossEntropyWithLogits matches TF.js', () => {
  for (const s of [[1, 1], [3, 7], [33, 129], [64, 10], [2, 3, 5], [7]]) {
    const classes = s[s.length - 1];
    const rows = s.reduce((a, b) => a * b, 1) / classes;
    it(`one-hot labels ${JSON.stringify(s)}`, () => {
      const ids = classIds(rows, classes, 17);
      const labels = new Float32Array(rows * classes);
      ids.forEach((c, r) => {
        labels[r * classes + c] = 1;
      });
      checkOp({
        shapes: [s],
        zoo: (x) => zoo.softmaxCrossEntropyWithLogits(zoo.tensor(labels, s), x),
        tf: (x) => tfCrossEntropy(tf.tensor(labels, s), x),
        input: wide,
        atol: 1e-5,
      });
    });
    it(`soft labels ${JSON.stringify(s)}`, () => {
      // Rows that do not sum to 1 too: the gradient is probs * sum(labels) - labels.
      const labels = rand(rows * classes, 23, 0, 1);
      checkOp({
        shapes: [s],
        zoo: (x) => zoo.softmaxCrossEntropyWithLogits(zoo.tensor(labels, s), x),
        tf: (x) => tfCrossEntropy(tf.tensor(labels, s), x),
        input: wide,
        atol: 1e-5,
        rtol: 2e-5,
      });
    });
  }
  it('large logits give the exact finite loss', () => {
    noLeak(() => {
      const loss = zoo.softmaxCrossEntropyWithLogits(
        zoo.tensor([
          [1, 0, 0],
          [0, 0, 1],
        ]),
        zoo.tensor([
          [1000, -1000, 0],
          [1000, -1000, 0],
        ]),
      );
      expectClose(loss.dataSync(), [0, 1000], 1e-6, 1e-6);
    });
  });
  it('shape mismatch names the op and both shapes', () => {
    noLeak(() => {
      expect(() => zoo.softmaxCrossEntropyWithLogits(zoo.zeros([3, 4]), zoo.zeros([3, 5]))).toThrow(
        'softmaxCrossEntropy: labels [3,4] and logits [3,5] must have the same shape',
      );
    });
  });
});

describe('sparseSoftmaxCrossEntropyWithLogits matches TF.js', () => {
  for (const s of [[1, 1], [3, 7], [33, 129], [64, 10], [2, 3, 5], [7]]) {
    const classes = s[s.length - 1];
    const rows = s.reduce((a, b) => a * b, 1) / classes;
    it(`${JSON.stringify(s)}`, () => {
      const ids = classIds(rows, classes, 29);
      const lshape = s.slice(0, -1);
      const tIds = tf.tensor(ids, lshape, 'int32');
      checkOp({
        shapes: [s],
        zoo: (x) => zoo.sparseSoftmaxCrossEntropyWithLogits(zoo.tensor(ids, lshape), x),
        // tf.oneHot refuses depth 1; there the one-hot labels are all ones.
        tf: (x) => tfCrossEntropy(classes > 1 ? tf.oneHot(tIds, classes) : tf.onesLike(x), x),
        input: wide,
        atol: 1e-5,
      });
      tIds.dispose();
    });
  }
  it('equals the dense version on one-hot labels', () => {
    noLeak(() => {
      const ids = zoo.tensor(Int32Array.from([2, 0, 4]));
      const logits = zoo.tensor(rand(15, 3, -2, 2), [3, 5]);
      const a = zoo.sparseSoftmaxCrossEntropyWithLogits(ids, logits).dataSync();
      const b = zoo.softmaxCrossEntropyWithLogits(zoo.oneHot(ids, 5), logits).dataSync();
      expectClose(a, b, 1e-6, 1e-7);
    });
  });
  it('a label out of range names it and its example', () => {
    noLeak(() => {
      const logits = zoo.zeros([4, 5]);
      expect(() =>
        zoo.sparseSoftmaxCrossEntropyWithLogits(zoo.tensor(Int32Array.from([0, 4, 5, 1])), logits),
      ).toThrow('sparseSoftmaxCrossEntropy: label 5 of example 2 is outside [0, 5)');
      expect(() =>
        zoo.sparseSoftmaxCrossEntropyWithLogits(zoo.tensor(Int32Array.from([-1, 0, 0, 0])), logits),
      ).toThrow('sparseSoftmaxCrossEntropy: label -1 of example 0 is outside [0, 5)');
      expect(() =>
        zoo.sparseSoftmaxCrossEntropyWithLogits(zoo.tensor([0, 1, 2, 3]), logits),
      ).toThrow('sparseSoftmaxCrossEntropy: labels must be int32 class ids, got float32 [4]');
      expect(() =>
        zoo.sparseSoftmaxCrossEntropyWithLogits(zoo.tensor(Int32Array.from([0, 1, 2])), logits),
      ).toThrow('sparseSoftmaxCrossEntropy: labels [3] must have shape [4] for logits [4,5]');
    });
  });
  it('an out-of-range label under a tape leaks nothing', () => {
    noLeak(() => {
      const logits = zoo.zeros([2, 3]);
      expect(() =>
        zoo.grad((x) =>
          zoo.sum(zoo.sparseSoftmaxCrossEntropyWithLogits(zoo.tensor(Int32Array.from([0, 3])), x)),
        )(logits),
      ).toThrow('label 3 of example 1');
    });
  });
});
