// Training metrics against tfjs-layers's on the same data, and Keras's rules for resolving
// 'accuracy' from the loss and the output shape.
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';
import {
  binaryCrossentropy,
  binaryCrossentropyFromLogits,
  categoricalCrossentropy,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  sparseCategoricalCrossentropyFromLogits,
} from '../src/train/losses.js';
import {
  binaryAccuracy,
  categoricalAccuracy,
  type MetricFn,
  mae,
  mse,
  resolveMetric,
  sparseCategoricalAccuracy,
} from '../src/train/metrics.js';
import { expectClose, prepare, rand, tf } from './oracle.js';

beforeAll(prepare);

let before = 0;
beforeEach(() => {
  before = zoo.memory().numTensors;
});
afterEach(() => {
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
});

type TfMetric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

function compare(
  zm: MetricFn,
  tm: TfMetric,
  yTrue: Float32Array | Int32Array,
  trueShape: number[],
  yPred: Float32Array,
  predShape: number[],
): number[] {
  const dtype = yTrue instanceof Int32Array ? 'int32' : 'float32';
  return zoo.tidy(() => {
    const z = zm(zoo.tensor(yTrue, trueShape, dtype), zoo.tensor(yPred, predShape));
    const tt = tf.tensor(yTrue, trueShape, dtype);
    const tp = tf.tensor(yPred, predShape);
    const t = tm(tt, tp);
    expect(z.shape).toEqual(t.shape);
    expectClose(z.dataSync(), t.dataSync() as Float32Array, 1e-6, 1e-6, 'metric');
    const out = Array.from(z.dataSync());
    tf.dispose([tt, tp, t]);
    return out;
  });
}

const binary = (n: number, seed: number) =>
  Float32Array.from(rand(n, seed, 0, 1), (v) => (v < 0.5 ? 0 : 1));

describe('metrics match tfjs-layers', () => {
  it('binaryAccuracy (threshold 0.5, strict) on [7,5], [9,1] and [2,3,4]', () => {
    for (const s of [
      [7, 5],
      [9, 1],
      [2, 3, 4],
    ]) {
      const n = s.reduce((a, b) => a * b, 1);
      compare(binaryAccuracy, tfl.metrics.binaryAccuracy, binary(n, 1), s, rand(n, 2, 0, 1), s);
    }
    // 0.5 exactly is predicted 0.
    const v = compare(
      binaryAccuracy,
      tfl.metrics.binaryAccuracy,
      Float32Array.of(0, 1, 1, 0),
      [4, 1],
      Float32Array.of(0.5, 0.5, 0.51, 0.2),
      [4, 1],
    );
    expect(v).toEqual([1, 0, 1, 1]);
  });

  it('categoricalAccuracy on one-hot and soft labels', () => {
    const rows = 40;
    const classes = 6;
    const p = rand(rows * classes, 3, 0, 1);
    const v = compare(
      categoricalAccuracy,
      tfl.metrics.categoricalAccuracy,
      rand(rows * classes, 4, 0, 1),
      [rows, classes],
      p,
      [rows, classes],
    );
    // Both outcomes occur, so the comparison is not trivially all-0 or all-1.
    expect(new Set(v)).toEqual(new Set([0, 1]));
    const labels = new Float32Array(rows * classes);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let j = 1; j < classes; j++) if (p[i * classes + j] > p[i * classes + best]) best = j;
      labels[i * classes + (i % 3 === 0 ? (best + 1) % classes : best)] = 1;
    }
    const w = compare(
      categoricalAccuracy,
      tfl.metrics.categoricalAccuracy,
      labels,
      [rows, classes],
      p,
      [rows, classes],
    );
    expect(w).toEqual(Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : 1)));
  });

  it('sparseCategoricalAccuracy with int32 and float labels of [b] and [b,1]', () => {
    const rows = 30;
    const classes = 4;
    const p = rand(rows * classes, 5, 0, 1);
    const ids = Int32Array.from(rand(rows, 6, 0, classes), Math.floor);
    for (const shape of [[rows], [rows, 1]]) {
      const a = compare(
        sparseCategoricalAccuracy,
        tfl.metrics.sparseCategoricalAccuracy,
        ids,
        shape,
        p,
        [rows, classes],
      );
      const b = compare(
        sparseCategoricalAccuracy,
        tfl.metrics.sparseCategoricalAccuracy,
        Float32Array.from(ids),
        shape,
        p,
        [rows, classes],
      );
      expect(a).toEqual(b);
      expect(new Set(a)).toEqual(new Set([0, 1]));
    }
    zoo.tidy(() => {
      expect(() =>
        sparseCategoricalAccuracy(zoo.zeros([rows, 2]), zoo.tensor(p, [rows, classes])),
      ).toThrow('sparseCategoricalAccuracy: sparse labels [30,2] must have a last dimension of 1');
    });
  });

  it('mse / mae (and their long names)', () => {
    const s = [8, 7];
    compare(mse, tfl.metrics.mse, rand(56, 7), s, rand(56, 8), s);
    compare(mae, tfl.metrics.meanAbsoluteError, rand(56, 9), s, rand(56, 10), s);
    expect(mse).toBe(meanSquaredError);
    expect(mae).toBe(meanAbsoluteError);
  });
});

describe('resolveMetric', () => {
  it("'accuracy' / 'acc': binary for binary CE or one unit, sparse for sparse CE, else categorical", () => {
    const cases: [string, Parameters<typeof resolveMetric>[1], number[], MetricFn][] = [
      ['accuracy', 'binaryCrossentropy', [-1, 3], binaryAccuracy],
      ['accuracy', 'binary_crossentropy', [-1, 3], binaryAccuracy],
      ['accuracy', binaryCrossentropy, [-1, 3], binaryAccuracy],
      ['accuracy', binaryCrossentropyFromLogits, [-1, 3], binaryAccuracy],
      ['acc', 'mse', [-1, 1], binaryAccuracy],
      ['accuracy', 'categoricalCrossentropy', [-1, 1], binaryAccuracy],
      ['accuracy', 'sparseCategoricalCrossentropy', [-1, 10], sparseCategoricalAccuracy],
      ['acc', 'sparse_categorical_crossentropy', [-1, 10], sparseCategoricalAccuracy],
      ['accuracy', sparseCategoricalCrossentropy, [-1, 10], sparseCategoricalAccuracy],
      ['accuracy', sparseCategoricalCrossentropyFromLogits, [-1, 10], sparseCategoricalAccuracy],
      ['accuracy', 'categoricalCrossentropy', [-1, 10], categoricalAccuracy],
      ['accuracy', 'mse', [-1, 10], categoricalAccuracy],
      ['accuracy', undefined, [-1, 10], categoricalAccuracy],
      ['accuracy', (t, p) => zoo.sub(t, p), [-1, 10], categoricalAccuracy],
      ['crossentropy', 'binaryCrossentropy', [-1, 4], binaryCrossentropy],
      ['ce', 'sparseCategoricalCrossentropy', [-1, 4], sparseCategoricalCrossentropy],
      ['ce', 'categoricalCrossentropy', [-1, 4], categoricalCrossentropy],
    ];
    for (const [id, loss, shape, fn] of cases) {
      const r = resolveMetric(id, loss, shape);
      expect(r.name, `${id} / ${String(loss)}`).toBe(id);
      expect(r.fn, `${id} / ${String(loss)} / ${JSON.stringify(shape)}`).toBe(fn);
    }
    // The batch dimension may be null.
    expect(resolveMetric('accuracy', 'mse', [null, 1]).fn).toBe(binaryAccuracy);
  });

  it('other names keep their spelling as the log name', () => {
    expect(resolveMetric('mse')).toEqual({ name: 'mse', fn: meanSquaredError });
    expect(resolveMetric('MSE')).toEqual({ name: 'MSE', fn: meanSquaredError });
    expect(resolveMetric('mae')).toEqual({ name: 'mae', fn: meanAbsoluteError });
    expect(resolveMetric('mean_squared_error')).toEqual({
      name: 'mean_squared_error',
      fn: meanSquaredError,
    });
    expect(resolveMetric('binary_accuracy')).toEqual({
      name: 'binary_accuracy',
      fn: binaryAccuracy,
    });
    expect(resolveMetric('categoricalAccuracy', 'binaryCrossentropy', [-1, 1])).toEqual({
      name: 'categoricalAccuracy',
      fn: categoricalAccuracy,
    });
    expect(resolveMetric('sparse_categorical_accuracy').fn).toBe(sparseCategoricalAccuracy);
    expect(resolveMetric('categorical_crossentropy').fn).toBe(categoricalCrossentropy);
  });

  it('functions use their name', () => {
    function myMetric(t: zoo.Tensor, p: zoo.Tensor): zoo.Tensor {
      return zoo.mean(zoo.sub(t, p), -1);
    }
    expect(resolveMetric(myMetric)).toEqual({ name: 'myMetric', fn: myMetric });
    expect(resolveMetric(binaryAccuracy).name).toBe('binaryAccuracy');
    const anon = [(t: zoo.Tensor, _p: zoo.Tensor) => t][0];
    expect(resolveMetric(anon).name).toBe('metric');
  });

  it('unknown names throw', () => {
    expect(() => resolveMetric('f1')).toThrow(/^Unknown metric 'f1'; expected one of accuracy/);
  });
});
