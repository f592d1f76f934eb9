// Batch normalization: the ops (batchNorm, batchNormTraining, moments) against tfjs-core's cpu
// backend and finite differences, and the BatchNormalization layer against tfjs-layers (moving
// statistics after training steps, inference with moving statistics, serialization).
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const EPS = 1e-3;

/** tf's training-mode batch norm: tf.moments over all axes but the last, then tf.batchNorm. */
function tfTrain(x: tf.Tensor, g: tf.Tensor | null, b: tf.Tensor | null, eps = EPS): tf.Tensor {
  const axes = [...Array(x.rank - 1).keys()];
  const { mean, variance } = tf.moments(x, axes);
  // tf's batchNorm gradient needs both offset and scale: pass the neutral ones when absent.
  const c = x.shape[x.rank - 1];
  return tf.batchNorm(x, mean, variance, b ?? tf.zeros([c]), g ?? tf.ones([c]), eps);
}

const SHAPES: number[][] = [
  [7, 3],
  [2, 5, 7, 3],
  [1, 3, 7, 33],
  [3, 1, 1, 5],
  [4, 3, 3, 16],
  [33, 1],
  [2, 4, 4, 129],
];

describe('batchNormTraining', () => {
  for (const shape of SHAPES) {
    const c = shape[shape.length - 1];
    it(`matches tf.moments + tf.batchNorm, forward and gradients (x, gamma, beta), ${JSON.stringify(shape)}`, () => {
      checkOp({
        shapes: [shape, [c], [c]],
        input: (arg, n, seed) =>
          arg === 0 ? rand(n, seed, -2, 3) : arg === 1 ? rand(n, seed, 0.5, 1.5) : rand(n, seed),
        zoo: (x, g, b) => zoo.batchNormTraining(x, g, b, EPS).y,
        tf: (x, g, b) => tfTrain(x, g, b),
        rtol: 1e-4,
        atol: 1e-5,
        gradRtol: 1e-3,
        gradAtol: 1e-4,
      });
    });
  }

  it('works without gamma or beta (scale = false, center = false)', () => {
    checkOp({
      shapes: [[3, 4, 5, 6]],
      zoo: (x) => zoo.batchNormTraining(x, null, null, 0.01).y,
      tf: (x) => tfTrain(x, null, null, 0.01),
      rtol: 1e-4,
      atol: 1e-5,
      gradRtol: 1e-3,
      gradAtol: 1e-4,
    });
  });

  it('returns the batch mean and biased variance, and leaks nothing', () => {
    const before = zoo.memory().numTensors;
    const shape = [5, 3, 2, 7];
    const d = rand(5 * 3 * 2 * 7, 3, -1, 4);
    zoo.tidy(() => {
      const r = zoo.batchNormTraining(zoo.tensor(d, shape), null, null);
      const t = tf.moments(tf.tensor(d, shape), [0, 1, 2]);
      expectClose(r.mean.dataSync(), t.mean.dataSync() as Float32Array, 1e-5, 1e-6, 'mean');
      expectClose(r.variance.dataSync(), t.variance.dataSync() as Float32Array, 1e-4, 1e-6, 'var');
      tf.dispose([t.mean, t.variance]);
    });
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('keeps precision when values sit far from zero', () => {
    const shape = [64, 8, 8, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    const d = rand(n, 9, 999, 1001);
    zoo.tidy(() => {
      const r = zoo.batchNormTraining(zoo.tensor(d, shape), null, null);
      const t = tf.moments(tf.tensor(d, shape), [0, 1, 2]);
      // Exact statistics in float64.
      const mean = new Float64Array(3);
      const v = new Float64Array(3);
      for (let i = 0; i < n; i++) mean[i % 3] += d[i] / (n / 3);
      for (let i = 0; i < n; i++) v[i % 3] += (d[i] - mean[i % 3]) ** 2 / (n / 3);
      expectClose(r.mean.dataSync(), mean, 1e-6, 0, 'mean');
      expectClose(r.variance.dataSync(), v, 1e-3, 0, 'variance');
      tf.dispose([t.mean, t.variance]);
    });
  });

  it('rejects parameters of the wrong size, naming the op and shapes', () => {
    zoo.tidy(() => {
      expect(() => zoo.batchNormTraining(zoo.zeros([2, 3]), zoo.ones([4]), null)).toThrow(
        'batchNormTraining: gamma must hold one value per channel of the last axis (3 for x [2,3]), got shape [4]',
      );
    });
  });
});

describe('batchNorm (inference, given statistics)', () => {
  for (const shape of [
    [7, 3],
    [2, 5, 7, 3],
    [1, 3, 7, 33],
  ]) {
    const c = shape[shape.length - 1];
    it(`matches tf.batchNorm with gradients for every input, ${JSON.stringify(shape)}`, () => {
      checkOp({
        shapes: [shape, [c], [c], [c], [c]],
        input: (arg, n, seed) =>
          arg === 2 ? rand(n, seed, 0.2, 2) : arg === 4 ? rand(n, seed, 0.5, 1.5) : rand(n, seed),
        zoo: (x, m, v, b, g) => zoo.batchNorm(x, m, v, b, g, EPS),
        tf: (x, m, v, b, g) => tf.batchNorm(x, m, v, b, g, EPS),
        rtol: 1e-5,
        atol: 1e-5,
        gradRtol: 1e-3,
        gradAtol: 1e-4,
      });
    });
  }

  it('takes [1, 1, 1, C] parameters and no offset / scale', () => {
    checkOp({
      shapes: [
        [2, 3, 3, 4],
        [1, 1, 1, 4],
        [1, 1, 1, 4],
      ],
      input: (arg, n, seed) => (arg === 2 ? rand(n, seed, 0.2, 2) : rand(n, seed)),
      zoo: (x, m, v) => zoo.batchNorm(x, m, v, null, null, 0.01),
      tf: (x, m, v) =>
        tf.batchNorm(x, tf.reshape(m, [4]), tf.reshape(v, [4]), tf.zeros([4]), tf.ones([4]), 0.01),
      gradRtol: 1e-3,
      gradAtol: 1e-4,
    });
  });
});

describe('moments', () => {
  it('matches tf.moments with gradients', () => {
    checkOp({
      shapes: [[3, 4, 5]],
      zoo: (x) => zoo.moments(x, [0, 1]).variance,
      tf: (x) => tf.moments(x, [0, 1]).variance,
      gradRtol: 1e-3,
      gradAtol: 1e-5,
    });
    checkOp({
      shapes: [[3, 4, 5]],
      zoo: (x) => zoo.moments(x, 2, true).mean,
      tf: (x) => tf.moments(x, 2, true).mean,
    });
  });
});

/** A tfjs-layers BatchNormalization and a Zoo one with the same (non-trivial) weights. */
function pair(c: number, args: Record<string, unknown>, inputShape: number[]) {
  const tl = tfl.layers.batchNormalization(args);
  tl.build([null, ...inputShape]);
  const zl = new zoo.BatchNormalization(args);
  zl.build([null, ...inputShape]);
  const ws = tl.getWeights().map((_w, i) => {
    const lo = i === tl.getWeights().length - 1 ? 0.3 : -1;
    return rand(c, 40 + i, lo, 2);
  });
  tl.setWeights(ws.map((d) => tf.tensor(d, [c])));
  zoo.tidy(() => zl.setWeights(ws.map((d) => zoo.tensor(d, [c]))));
  return { tl, zl };
}

describe('BatchNormalization layer', () => {
  const configs: Record<string, unknown>[] = [
    {},
    { momentum: 0.8, epsilon: 0.01 },
    { center: false },
    { scale: false, momentum: 0.5 },
  ];
  for (const args of configs) {
    it(`updates moving statistics like tfjs-layers in training, uses them in inference (${JSON.stringify(args)})`, () => {
      const inputShape = [5, 3, 7];
      const c = 7;
      const { tl, zl } = pair(c, args, inputShape);
      const suffix = (n: string) => n.slice(n.indexOf('/') + 1).replace(/_\d+$/, '');
      expect(zl.weights.map((w) => suffix(w.name))).toEqual(tl.weights.map((w) => suffix(w.name)));
      expect(zl.trainableWeights.length).toBe(tl.trainableWeights.length);
      const before = zoo.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        const d = rand(4 * 5 * 3 * 7, 60 + step, -2 + step, 3);
        const shape = [4, ...inputShape];
        // tfjs-layers 4.22 crashes in training when center or scale is false (it reads a null
        // gamma / beta); compare the training output only where it runs.
        const tfCanTrain = args.center !== false && args.scale !== false;
        const zy = zoo.tidy(() =>
          (zl.apply(zoo.tensor(d, shape), { training: true }) as zoo.Tensor).dataSync(),
        );
        if (tfCanTrain) {
          const ty = tf.tidy(() =>
            (tl.apply(tf.tensor(d, shape), { training: true }) as tf.Tensor).dataSync(),
          );
          expectClose(zy, ty as Float32Array, 1e-4, 1e-5, `training output, step ${step}`);
        } else {
          const g = args.scale === false ? null : tf.tensor(zl.gamma!.dataSync(), [c]);
          const b = args.center === false ? null : tf.tensor(zl.beta!.dataSync(), [c]);
          const ty = tf.tidy(() => tfTrain(tf.tensor(d, shape), g, b, zl.epsilon).dataSync());
          expectClose(zy, ty as Float32Array, 1e-4, 1e-5, `training output, step ${step}`);
          // tfjs-layers's update: moving -= (moving - batch) * (1 - momentum), biased variance.
          const t = tf.moments(tf.tensor(d, shape), [0, 1, 2]);
          const mom = zl.momentum;
          const mm = tl.getWeights()[tl.getWeights().length - 2];
          const mv = tl.getWeights()[tl.getWeights().length - 1];
          const nm = tf.sub(mm, tf.mul(tf.sub(mm, t.mean), 1 - mom));
          const nv = tf.sub(mv, tf.mul(tf.sub(mv, t.variance), 1 - mom));
          const rest = tl.getWeights().slice(0, -2);
          tl.setWeights([...rest, nm, nv]);
        }
        expect(zoo.memory().numTensors, 'tensors leaked by a training step').toBe(before);
      }
      const names = ['moving_mean', 'moving_variance'];
      const tw = tl.getWeights();
      names.forEach((n, i) => {
        const zw = zl.weights[zl.weights.length - 2 + i].dataSync();
        expectClose(zw, tw[tw.length - 2 + i].dataSync() as Float32Array, 1e-5, 1e-6, n);
      });
      // Inference uses the moving statistics.
      const d = rand(2 * 5 * 3 * 7, 99, -1, 1);
      const shape = [2, ...inputShape];
      const zy = zoo.tidy(() => (zl.apply(zoo.tensor(d, shape)) as zoo.Tensor).dataSync());
      const ty = tf.tidy(() => (tl.apply(tf.tensor(d, shape)) as tf.Tensor).dataSync());
      expectClose(zy, ty as Float32Array, 1e-5, 1e-5, 'inference output');
      zl.dispose();
    });
  }

  it('does not record the moving-statistics update on the tape, and gradients match tf', () => {
    const c = 3;
    const shape = [4, 2, 2, c];
    const d = rand(4 * 2 * 2 * c, 5, -1, 2);
    const zl = new zoo.BatchNormalization({});
    zl.build([null, 2, 2, c]);
    const before = zoo.memory().numTensors;
    zoo.tidy(() => {
      const x = zoo.tensor(d, shape);
      const w = zoo.tensor(rand(d.length, 6, 0.5, 1.5), shape);
      const { value, grads } = zoo.variableGrads(
        () => zoo.sum(zoo.mul(zl.apply(x, { training: true }) as zoo.Tensor, w)),
        zl.trainableWeights,
      );
      expect(Object.keys(grads).sort()).toEqual(zl.trainableWeights.map((v) => v.name).sort());
      const tx = tf.tensor(d, shape);
      const tw = tf.tensor(w.dataSync(), shape);
      const [tg, tb] = tf.grads((g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tfTrain(tx, g, b), tw)),
      )([tf.ones([c]), tf.zeros([c])]);
      expectClose(grads[zl.gamma!.name].dataSync(), tg.dataSync() as Float32Array, 1e-4, 1e-4);
      expectClose(grads[zl.beta!.name].dataSync(), tb.dataSync() as Float32Array, 1e-4, 1e-4);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      tf.dispose([tx, tw, tg, tb]);
    });
    expect(zoo.memory().numTensors).toBe(before);
    // One update with momentum 0.99 from (0, 1).
    const t = tf.moments(tf.tensor(d, shape), [0, 1, 2]);
    expectClose(
      zl.movingMean!.dataSync(),
      tf.mul(t.mean, 0.01).dataSync() as Float32Array,
      1e-5,
      1e-7,
    );
    expectClose(
      zl.movingVariance!.dataSync(),
      tf.add(tf.mul(t.variance, 0.01), 0.99).dataSync() as Float32Array,
      1e-5,
      1e-7,
    );
    zl.dispose();
  });

  it('a frozen layer (trainable = false) runs in inference mode even when training', () => {
    const zl = new zoo.BatchNormalization({ trainable: false });
    zl.build([null, 3]);
    zoo.tidy(() => {
      const x = zoo.tensor(rand(12, 1, 2, 4), [4, 3]);
      const y = zl.apply(x, { training: true }) as zoo.Tensor;
      expectClose(
        y.dataSync(),
        x.dataSync().map((v) => v / Math.sqrt(1 + EPS)),
        1e-6,
        1e-6,
      );
    });
    expectClose(zl.movingMean!.dataSync(), [0, 0, 0]);
    zl.dispose();
  });

  it('refuses an axis other than the last, and a changed channel count', () => {
    const bn = new zoo.BatchNormalization({ axis: 1, name: 'bn_axis' });
    expect(() => bn.build([null, 3, 8, 8])).toThrow(
      'bn_axis: only the last axis (channels-last, axis -1 or 3) is supported, got axis 1 for input [null,3,8,8]',
    );
    const ok = new zoo.BatchNormalization({ axis: [3], name: 'bn_ok' });
    ok.build([null, 4, 4, 5]);
    expect(ok.weights.map((w) => w.shape)).toEqual([[5], [5], [5], [5]]);
    zoo.tidy(() => {
      expect(() => ok.apply(zoo.zeros([2, 4, 4, 6]))).toThrow(
        'bn_ok: expected input of shape [batch, ..., 5], got [2,4,4,6]',
      );
    });
    ok.dispose();
  });

  it('has the Keras config and round-trips through it', () => {
    const bn = new zoo.BatchNormalization({
      name: 'bn_cfg',
      momentum: 0.9,
      epsilon: 1e-5,
      center: false,
      gammaRegularizer: zoo.regularizers.l2({ l2: 1e-4 }),
      movingVarianceInitializer: 'zeros',
    });
    const tb = tfl.layers.batchNormalization({
      name: 'bn_cfg',
      momentum: 0.9,
      epsilon: 1e-5,
      center: false,
      gammaRegularizer: tfl.regularizers.l2({ l2: 1e-4 }),
      movingVarianceInitializer: 'zeros',
    });
    const zc = bn.getConfig();
    const tc = tb.getConfig();
    expect(Object.keys(zc).sort()).toEqual(Object.keys(tc).sort());
    for (const k of ['axis', 'momentum', 'epsilon', 'center', 'scale', 'name', 'trainable'])
      expect(zc[k], k).toEqual(tc[k]);
    const again = zoo.BatchNormalization.fromConfig({ ...zc, name: 'bn_cfg2' });
    expect(again.getConfig()).toEqual({ ...zc, name: 'bn_cfg2' });
    again.build([null, 4]);
    expect(again.weights.map((w) => w.name)).toEqual([
      'bn_cfg2/gamma',
      'bn_cfg2/moving_mean',
      'bn_cfg2/moving_variance',
    ]);
    expectClose(again.movingVariance!.dataSync(), [0, 0, 0, 0]);
    again.dispose();
  });
});
