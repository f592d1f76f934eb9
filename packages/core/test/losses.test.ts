// Training losses against TF.js's (tfjs-layers) on the same data: forward values, and the
// gradient with respect to yPred through Zoo's autograd against tf.grad.
import * as tfl from '@tensorflow/tfjs-layers';
import * as tflLosses from '@tensorflow/tfjs-layers/dist/losses.js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';
import {
  binaryCrossentropy,
  binaryCrossentropyFromLogits,
  canonicalLossName,
  categoricalCrossentropy,
  categoricalCrossentropyFromLogits,
  EPSILON,
  fromLogitsVariant,
  getLoss,
  type LossFn,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  sparseCategoricalCrossentropyFromLogits,
} from '../src/train/losses.js';
import { expectClose, prepare, rand, tf } from './oracle.js';

beforeAll(prepare);

let before = 0;
beforeEach(() => {
  before = zoo.memory().numTensors;
});
afterEach(() => {
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
});

type TfLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** One-hot rows (float) of deterministic class ids. */
function oneHotData(rows: number, classes: number, seed: number): Float32Array {
  const ids = rand(rows, seed, 0, classes);
  const out = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) out[i * classes + Math.min(classes - 1, Math.floor(ids[i]))] = 1;
  return out;
}

/** Soft labels: positive rows that sum to 1. */
function softLabels(rows: number, classes: number, seed: number): Float32Array {
  const d = rand(rows * classes, seed, 0.01, 1);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += d[i * classes + j];
    for (let j = 0; j < classes; j++) d[i * classes + j] /= s;
  }
  return d;
}

function binaryLabels(n: number, seed: number): Float32Array {
  return Float32Array.from(rand(n, seed, 0, 1), (v) => (v < 0.5 ? 0 : 1));
}

/** Forward values and d(sum(loss * dy))/dyPred against TF.js on the same data. */
function compare(
  zooLoss: LossFn,
  tfLoss: TfLoss,
  yTrue: Float32Array,
  yPred: Float32Array,
  shape: number[],
  opts: { rtol?: number; atol?: number; grad?: boolean; trueShape?: number[] } = {},
): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  const trueShape = opts.trueShape ?? shape;
  zoo.tidy(() => {
    const zt = zoo.tensor(yTrue, trueShape);
    const zp = zoo.tensor(yPred, shape);
    const tt = tf.tensor(yTrue, trueShape);
    const tp = tf.tensor(yPred, shape);
    const zl = zooLoss(zt, zp);
    const tl = tfLoss(tt, tp);
    expect(zl.shape, 'loss shape').toEqual(tl.shape);
    expectClose(zl.dataSync(), tl.dataSync() as Float32Array, rtol, atol, 'loss');
    if (opts.grad ?? true) {
      const dy = rand(zl.size, 99, 0.5, 1.5);
      const zg = zoo.grad((p) => zooLoss(zt, p))(zp, zoo.tensor(dy, zl.shape));
      const tg = tf.grad((p: tf.Tensor) => tfLoss(tt, p))(tp, tf.tensor(dy, tl.shape));
      expect(zg.shape).toEqual(tg.shape);
      expectClose(zg.dataSync(), tg.dataSync() as Float32Array, 1e-4, 1e-5, 'gradient');
      tf.dispose([tg]);
    }
    tf.dispose([tt, tp, tl]);
  });
}

const shapes: number[][] = [
  [1, 1],
  [7, 5],
  [33, 10],
  [4, 3, 6],
];

describe('probability losses match tfjs-layers (forward and gradient wrt yPred)', () => {
  for (const s of shapes) {
    const n = s.reduce((a, b) => a * b, 1);
    const rows = n / s[s.length - 1];
    const classes = s[s.length - 1];
    it(`categoricalCrossentropy ${JSON.stringify(s)} one-hot and soft labels`, () => {
      const p = rand(n, 3, 0.05, 1);
      compare(
        categoricalCrossentropy,
        tfl.metrics.categoricalCrossentropy,
        oneHotData(rows, classes, 1),
        p,
        s,
      );
      compare(
        categoricalCrossentropy,
        tfl.metrics.categoricalCrossentropy,
        softLabels(rows, classes, 2),
        p,
        s,
      );
    });
    it(`binaryCrossentropy ${JSON.stringify(s)} hard and soft labels`, () => {
      const p = rand(n, 4, 0.02, 0.98);
      compare(binaryCrossentropy, tfl.metrics.binaryCrossentropy, binaryLabels(n, 5), p, s, {
        rtol: 1e-4,
      });
      compare(binaryCrossentropy, tfl.metrics.binaryCrossentropy, rand(n, 6, 0, 1), p, s, {
        rtol: 1e-4,
      });
    });
    it(`meanSquaredError ${JSON.stringify(s)}`, () => {
      compare(meanSquaredError, tfl.metrics.meanSquaredError, rand(n, 7), rand(n, 8), s);
    });
    it(`meanAbsoluteError ${JSON.stringify(s)}`, () => {
      compare(meanAbsoluteError, tfl.metrics.meanAbsoluteError, rand(n, 9), rand(n, 10), s);
    });
  }

  it('clip at the edges of [eps, 1 - eps] as Keras (forward)', () => {
    const p = Float32Array.of(0, 1, 1e-9, 1 - 1e-9, 0.5, 0.25, 1e-3, 0.999);
    const t = Float32Array.of(1, 0, 1, 0, 1, 0, 1, 1);
    compare(binaryCrossentropy, tfl.metrics.binaryCrossentropy, t, p, [4, 2], {
      grad: false,
      rtol: 1e-4,
    });
    compare(
      categoricalCrossentropy,
      tfl.metrics.categoricalCrossentropy,
      Float32Array.of(1, 0, 0, 0, 1, 0),
      Float32Array.of(0, 0.5, 0.5, 0.2, 0, 0.8),
      [2, 3],
      { grad: false },
    );
    zoo.tidy(() => {
      // -log(eps) where the true class has probability 0.
      const l = binaryCrossentropy(zoo.tensor([[1]]), zoo.tensor([[0]])).dataSync()[0];
      expect(l).toBeCloseTo(-Math.log(EPSILON), 3);
    });
  });

  it('categoricalCrossentropy normalises unnormalised predictions', () => {
    zoo.tidy(() => {
      const a = categoricalCrossentropy(zoo.tensor([[0, 1, 0]]), zoo.tensor([[1, 2, 1]]));
      expect(a.dataSync()[0]).toBeCloseTo(-Math.log(0.5), 5);
    });
  });

  it('accepts int32 yTrue for the dense losses', () => {
    zoo.tidy(() => {
      const ti = zoo.tensor(Int32Array.of(1, 0, 1, 1), [2, 2], 'int32');
      const tf32 = zoo.tensor([
        [1, 0],
        [1, 1],
      ]);
      const p = zoo.tensor([
        [0.9, 0.2],
        [0.6, 0.7],
      ]);
      for (const f of [binaryCrossentropy, meanSquaredError, meanAbsoluteError]) {
        expectClose(f(ti, p).dataSync(), f(tf32, p).dataSync());
      }
    });
  });

  it('shape mismatch is an error naming both shapes', () => {
    zoo.tidy(() => {
      expect(() => meanSquaredError(zoo.zeros([2, 3]), zoo.zeros([2, 4]))).toThrow(
        'meanSquaredError: yTrue [2,3] and yPred [2,4] must have the same shape',
      );
    });
  });
});

describe('sparseCategoricalCrossentropy', () => {
  const rows = 9;
  const classes = 4;
  const ids = Int32Array.from(rand(rows, 21, 0, classes), (v) => Math.floor(v));
  const p = rand(rows * classes, 22, 0.05, 1);
  const tfSparse: TfLoss = (t, y) => tflLosses.sparseCategoricalCrossentropy(t, y);

  for (const [label, shape] of [
    ['[batch]', [rows]],
    ['[batch, 1]', [rows, 1]],
  ] as const) {
    it(`int32 and float labels ${label} match tfjs-layers (forward and gradient)`, () => {
      const floats = Float32Array.from(ids);
      compare(sparseCategoricalCrossentropy, tfSparse, floats, p, [rows, classes], {
        trueShape: [...shape],
      });
      zoo.tidy(() => {
        const zi = zoo.tensor(ids, [...shape], 'int32');
        const zf = zoo.tensor(floats, [...shape]);
        const zp = zoo.tensor(p, [rows, classes]);
        const a = sparseCategoricalCrossentropy(zi, zp);
        expect(a.shape).toEqual([rows]);
        expectClose(a.dataSync(), sparseCategoricalCrossentropy(zf, zp).dataSync());
        // Same as the categorical loss on one-hot labels.
        const oh = zoo.oneHot(zoo.tensor(ids, [rows], 'int32'), classes);
        expectClose(a.dataSync(), categoricalCrossentropy(oh, zp).dataSync(), 1e-6, 1e-6);
      });
    });
  }

  it('labels outside [0, classes) are errors naming the label', () => {
    zoo.tidy(() => {
      const zp = zoo.tensor(p, [rows, classes]);
      const bad = Int32Array.from(ids);
      bad[3] = 4;
      expect(() => sparseCategoricalCrossentropy(zoo.tensor(bad, [rows], 'int32'), zp)).toThrow(
        'sparseCategoricalCrossentropy: label 4 of example 3 is outside [0, 4)',
      );
      bad[3] = -1;
      expect(() =>
        sparseCategoricalCrossentropyFromLogits(zoo.tensor(bad, [rows], 'int32'), zp),
      ).toThrow('sparseCategoricalCrossentropyFromLogits: label -1 of example 3 is outside [0, 4)');
      const f = Float32Array.from(ids);
      f[0] = Number.NaN;
      expect(() => sparseCategoricalCrossentropy(zoo.tensor(f, [rows]), zp)).toThrow(
        'label NaN of example 0',
      );
      expect(() =>
        sparseCategoricalCrossentropy(zoo.tensor(rand(rows * 2, 1), [rows, 2]), zp),
      ).toThrow('sparse labels [9,2] must have shape [9] or [9,1]');
    });
  });
});

describe('fused from-logits losses', () => {
  const rows = 12;
  const classes = 5;
  const logits = rand(rows * classes, 31, -3, 3);

  /** Values and gradients wrt logits of a fused loss and its composed probability twin. */
  function fusedVsComposed(
    fused: LossFn,
    prob: LossFn,
    act: (x: zoo.Tensor) => zoo.Tensor,
    yTrue: zoo.Tensor,
    shape: number[],
  ): void {
    const x = zoo.tensor(logits, shape);
    const composed = (l: zoo.Tensor) => prob(yTrue, act(l));
    expectClose(fused(yTrue, x).dataSync(), composed(x).dataSync(), 1e-5, 1e-5, 'value');
    const gf = zoo.grad((l) => fused(yTrue, l))(x);
    const gc = zoo.grad(composed)(x);
    expectClose(gf.dataSync(), gc.dataSync(), 1e-4, 1e-5, 'gradient');
  }

  it('categoricalCrossentropyFromLogits = categoricalCrossentropy(softmax(x))', () => {
    zoo.tidy(() => {
      for (const y of [oneHotData(rows, classes, 32), softLabels(rows, classes, 33)]) {
        fusedVsComposed(
          categoricalCrossentropyFromLogits,
          categoricalCrossentropy,
          (l) => zoo.softmax(l),
          zoo.tensor(y, [rows, classes]),
          [rows, classes],
        );
      }
    });
  });

  it('sparseCategoricalCrossentropyFromLogits = sparse CE of softmax(x), labels [b] and [b,1]', () => {
    zoo.tidy(() => {
      const ids = Int32Array.from(rand(rows, 34, 0, classes), (v) => Math.floor(v));
      for (const y of [
        zoo.tensor(ids, [rows], 'int32'),
        zoo.tensor(ids, [rows, 1], 'int32'),
        zoo.tensor(Float32Array.from(ids), [rows]),
      ]) {
        fusedVsComposed(
          sparseCategoricalCrossentropyFromLogits,
          sparseCategoricalCrossentropy,
          (l) => zoo.softmax(l),
          y,
          [rows, classes],
        );
      }
    });
  });

  it('binaryCrossentropyFromLogits = binaryCrossentropy(sigmoid(x)), and tf sigmoidCrossEntropy', () => {
    zoo.tidy(() => {
      for (const y of [binaryLabels(rows * classes, 35), rand(rows * classes, 36, 0, 1)]) {
        const zy = zoo.tensor(y, [rows, classes]);
        fusedVsComposed(
          binaryCrossentropyFromLogits,
          binaryCrossentropy,
          (l) => zoo.sigmoid(l),
          zy,
          [rows, classes],
        );
      }
    });
    // Large logits: finite and equal to TF.js's stable sigmoid cross-entropy.
    const big = Float32Array.of(-80, -30, -1, 0, 1, 30, 80, 5);
    const z = Float32Array.of(1, 0, 1, 0, 1, 1, 0, 0.5);
    compare(
      binaryCrossentropyFromLogits,
      (t, x) => tf.mean(tf.losses.sigmoidCrossEntropy(t, x, undefined, 0, tf.Reduction.NONE), -1),
      z,
      big,
      [2, 4],
    );
  });

  it('fromLogitsVariant maps the three probability losses to their fused twins', () => {
    expect(fromLogitsVariant(categoricalCrossentropy)).toBe(categoricalCrossentropyFromLogits);
    expect(fromLogitsVariant(sparseCategoricalCrossentropy)).toBe(
      sparseCategoricalCrossentropyFromLogits,
    );
    expect(fromLogitsVariant(binaryCrossentropy)).toBe(binaryCrossentropyFromLogits);
    expect(fromLogitsVariant(meanSquaredError)).toBeUndefined();
  });
});

describe('getLoss', () => {
  it('resolves camelCase, snake_case and aliases', () => {
    expect(getLoss('categoricalCrossentropy')).toBe(categoricalCrossentropy);
    expect(getLoss('categorical_crossentropy')).toBe(categoricalCrossentropy);
    expect(getLoss('sparse_categorical_crossentropy')).toBe(sparseCategoricalCrossentropy);
    expect(getLoss('binary_crossentropy')).toBe(binaryCrossentropy);
    expect(getLoss('binaryCrossentropyFromLogits')).toBe(binaryCrossentropyFromLogits);
    expect(getLoss('mean_squared_error')).toBe(meanSquaredError);
    expect(getLoss('mse')).toBe(meanSquaredError);
    expect(getLoss('MSE')).toBe(meanSquaredError);
    expect(getLoss('mae')).toBe(meanAbsoluteError);
    expect(getLoss('MAE')).toBe(meanAbsoluteError);
    expect(getLoss('mean_absolute_error')).toBe(meanAbsoluteError);
    expect(canonicalLossName('sparse_categorical_crossentropy_from_logits')).toBe(
      'sparseCategoricalCrossentropyFromLogits',
    );
    const custom: LossFn = (t, p) => zoo.sum(zoo.sub(p, t), -1);
    expect(getLoss(custom)).toBe(custom);
  });

  it('unknown names throw listing the known ones', () => {
    expect(() => getLoss('xyz')).toThrow(
      /^Unknown loss 'xyz'; expected one of categoricalCrossentropy, sparseCategoricalCrossentropy, .*mse, mae/,
    );
    expect(() => getLoss('toString')).toThrow("Unknown loss 'toString'");
  });
});
