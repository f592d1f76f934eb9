// Batch norm fused with a following relu in training (batchNormTraining's `relu`, which a
// LayersModel uses for BatchNormalization -> Activation('relu') pairs): against TF.js
// (relu of tf.moments + tf.batchNorm) and finite differences, bit for bit against the unfused
// ops, and a model trained with the fusion against the same layers applied one by one.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { checkOp, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const EPS = 1e-3;

function tfTrainRelu(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const axes = [...Array(x.rank - 1).keys()];
  const { mean, variance } = tf.moments(x, axes);
  return tf.relu(tf.batchNorm(x, mean, variance, b, g, EPS));
}

/** Bit-for-bit equality of two float arrays. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${what}: index ${i}: ${a[i]} vs ${b[i]}`);
  }
}

describe('batchNormTraining with relu', () => {
  for (const shape of [
    [7, 3],
    [2, 5, 7, 3],
    [1, 3, 7, 33],
    [4, 3, 3, 16],
    [2, 4, 4, 13],
  ]) {
    const c = shape[shape.length - 1];
    it(`matches relu(tf.moments + tf.batchNorm), forward and gradients, ${JSON.stringify(shape)}`, () => {
      checkOp({
        shapes: [shape, [c], [c]],
        input: (arg, n, seed) =>
          arg === 0 ? rand(n, seed, -2, 3) : arg === 1 ? rand(n, seed, 0.5, 1.5) : rand(n, seed),
        zoo: (x, g, b) => zoo.batchNormTraining(x, g, b, EPS, true).y,
        tf: (x, g, b) => tfTrainRelu(x, g, b),
        rtol: 1e-4,
        atol: 1e-5,
        gradRtol: 1e-3,
        gradAtol: 1e-4,
        // Here a finite-difference step of gamma moves outputs across the relu's kink (the
        // gradients still match TF.js).
        fd: shape[3] !== 33,
      });
    });
  }

  it('equals relu(batchNormTraining(...)) bit for bit, values and gradients', () => {
    const shape = [3, 5, 6, 20];
    const n = shape.reduce((a, b) => a * b);
    const x = zoo.tensor(rand(n, 3, -2, 2), shape);
    const g = zoo.tensor(rand(20, 4, 0.5, 1.5), [20]);
    const b = zoo.tensor(rand(20, 5, -0.5, 0.5), [20]);
    const w = zoo.tensor(rand(n, 6), shape);
    const fused = (xx: zoo.Tensor, gg: zoo.Tensor, bb: zoo.Tensor) =>
      zoo.sum(zoo.mul(zoo.batchNormTraining(xx, gg, bb, EPS, true).y, w));
    const apart = (xx: zoo.Tensor, gg: zoo.Tensor, bb: zoo.Tensor) =>
      zoo.sum(zoo.mul(zoo.relu(zoo.batchNormTraining(xx, gg, bb, EPS).y), w));
    const a = zoo.valueAndGrads(fused as (...t: zoo.Tensor[]) => zoo.Tensor)([x, g, b]);
    const r = zoo.valueAndGrads(apart as (...t: zoo.Tensor[]) => zoo.Tensor)([x, g, b]);
    same(a.value.dataSync(), r.value.dataSync(), 'value');
    a.grads.forEach((t, i) => {
      same(t.dataSync(), r.grads[i].dataSync(), `gradient ${i}`);
    });
    zoo.dispose([x, g, b, w, a.value, r.value, ...a.grads, ...r.grads]);
  });
});

describe('a model fuses BatchNormalization -> Activation(relu) when training', () => {
  /** conv -> bn -> relu -> conv -> bn -> relu -> gap -> dense, as layers to apply. */
  function layers() {
    return [
      zoo.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'c1' }),
      new zoo.BatchNormalization({ name: 'b1' }),
      new zoo.Activation({ activation: 'relu', name: 'r1' }),
      zoo.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'c2' }),
      new zoo.BatchNormalization({ name: 'b2' }),
      new zoo.Activation({ activation: 'relu', name: 'r2' }),
      zoo.layers.globalAveragePooling2d({ name: 'gap' }),
      zoo.layers.dense({ units: 3, name: 'd' }),
    ];
  }

  it('gives the loss gradients of the layers applied one by one, bit for bit', () => {
    zoo.setSeed(7);
    const ls = layers();
    const inp = zoo.input({ shape: [6, 7, 2] });
    let s: zoo.SymbolicTensor = inp;
    for (const l of ls) s = l.apply(s) as zoo.SymbolicTensor;
    const m = zoo.model({ inputs: inp, outputs: s });
    const x = zoo.tensor(rand(4 * 6 * 7 * 2, 8), [4, 6, 7, 2]);
    const loss = (y: zoo.Tensor) => zoo.sum(zoo.square(y));
    const vars = m.trainableWeights;
    // Through the model (fused pairs) ...
    const spy = vi.spyOn(zoo.BatchNormalization.prototype, 'callTrainingRelu');
    const a = zoo.variableGrads(() => loss(m.apply(x, { training: true }) as zoo.Tensor), vars);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    // ... and through each layer's own call (no fusion).
    const b = zoo.variableGrads(() => {
      let y = x;
      for (const l of ls) y = l.apply(y, { training: true }) as zoo.Tensor;
      return loss(y);
    }, vars);
    same(a.value.dataSync(), b.value.dataSync(), 'loss');
    for (const v of vars) same(a.grads[v.name].dataSync(), b.grads[v.name].dataSync(), v.name);
    zoo.dispose([x, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    m.dispose();
  });

  it('keeps a pair apart when the batch norm output has another consumer', () => {
    zoo.setSeed(9);
    const inp = zoo.input({ shape: [4, 4, 3] });
    const bn = new zoo.BatchNormalization({ name: 'bn' }).apply(inp) as zoo.SymbolicTensor;
    const r = new zoo.Activation({ activation: 'relu' }).apply(bn) as zoo.SymbolicTensor;
    const sum = new zoo.Add({}).apply([r, bn]) as zoo.SymbolicTensor;
    const m = zoo.model({ inputs: inp, outputs: sum });
    const xv = rand(2 * 4 * 4 * 3, 10, -2, 2);
    const y = m.apply(zoo.tensor(xv, [2, 4, 4, 3]), { training: true }) as zoo.Tensor;
    const t = tf.tensor(xv, [2, 4, 4, 3]);
    const { mean, variance } = tf.moments(t, [0, 1, 2]);
    const bnT = tf.batchNorm(t, mean, variance, undefined, undefined, EPS);
    const want = tf.add(tf.relu(bnT), bnT).dataSync();
    const got = y.dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    tf.dispose([t, mean, variance, bnT]);
    m.dispose();
  });
});
