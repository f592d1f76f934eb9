// Batch-norm folding in inference: conv/dense -> batch norm (-> activation) chains run as one
// fused call with folded weights and give the unfolded predictions (1e-5 relative); the cache
// follows training, setWeights and gradient computations; chains that cannot fold are left alone.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { expectClose, prepare, rand, zoo } from './oracle.js';

beforeAll(prepare);

const SHAPE = [10, 10, 3];

/**
 * Every kind of chain: conv-bn-relu (foldable, activation fused), conv-bn into an add whose
 * other input is a projection (foldable), conv(relu)-bn (not foldable: the conv has an
 * activation), conv feeding both a bn and the add (not foldable), dense-bn-tanh (foldable), and
 * a dense-bn whose batch norm is the model's output.
 */
function net(): zoo.LayersModel {
  const L = zoo.layers;
  const x = zoo.input({ shape: SHAPE });
  let h = L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(x);
  h = L.batchNormalization({}).apply(h) as zoo.SymbolicTensor;
  h = L.activation({ activation: 'relu' }).apply(h) as zoo.SymbolicTensor;
  let a = L.conv2d({ filters: 12, kernelSize: 3, strides: 2, padding: 'same' }).apply(h);
  a = L.batchNormalization({ epsilon: 1e-5, center: false }).apply(a) as zoo.SymbolicTensor;
  const p = L.conv2d({ filters: 12, kernelSize: 1, strides: 2, activation: 'relu' }).apply(h);
  const pb = L.batchNormalization({ scale: false }).apply(p) as zoo.SymbolicTensor;
  h = L.add({}).apply([a, pb]) as zoo.SymbolicTensor;
  const shared = L.conv2d({ filters: 12, kernelSize: 3, padding: 'same' }).apply(h);
  const sb = L.batchNormalization({}).apply(shared) as zoo.SymbolicTensor;
  h = L.add({}).apply([sb, shared]) as zoo.SymbolicTensor;
  h = L.globalAveragePooling2d({}).apply(h) as zoo.SymbolicTensor;
  let d = L.dense({ units: 9 }).apply(h) as zoo.SymbolicTensor;
  d = L.batchNormalization({ momentum: 0.5 }).apply(d) as zoo.SymbolicTensor;
  d = L.activation({ activation: 'tanh' }).apply(d) as zoo.SymbolicTensor;
  const out = L.dense({ units: 4 }).apply(d) as zoo.SymbolicTensor;
  const out2 = L.batchNormalization({}).apply(out) as zoo.SymbolicTensor;
  return zoo.model({ inputs: x, outputs: out2 });
}

function randomize(m: zoo.LayersModel, seed: number): void {
  const names = m.weightNames();
  zoo.tidy(() =>
    m.setWeights(
      m.weights.map((w, i) => {
        const n = names[i];
        const [lo, hi] = n.endsWith('moving_variance')
          ? [0.2, 2.5]
          : n.endsWith('gamma')
            ? [0.5, 1.6]
            : [-0.6, 0.6];
        return zoo.tensor(rand(w.size, seed + i, lo, hi), w.shape as number[]);
      }),
    ),
  );
}

const N = 6;
const x = rand(N * SHAPE.reduce((a, b) => a * b, 1), 3, -1, 2);

function predict(m: zoo.LayersModel, fold: boolean): Float32Array {
  m.foldBatchNorm = fold;
  return zoo.tidy(() => m.predict(zoo.tensor(x, [N, ...SHAPE])).dataSync() as Float32Array);
}

/**
 * Within 1e-5 relative to the output's scale: folding rounds differently (W * s before the
 * product instead of after it; and the Winograd path's rounding follows the kernel's scale).
 */
function expectNear(folded: Float32Array, unfolded: Float32Array, what: string): void {
  const scale = Math.max(...unfolded.map(Math.abs));
  expectClose(folded, unfolded, 1e-5, 1e-5 * scale, what);
}

function expectSame(m: zoo.LayersModel, what: string): void {
  const unfolded = predict(m, false);
  expectNear(predict(m, true), unfolded, what);
}

describe('batch-norm folding', () => {
  it('predicts as the unfolded model and skips the folded batch norms', () => {
    const m = net();
    randomize(m, 10);
    const spy = vi.spyOn(zoo.BatchNormalization.prototype, 'call');
    spy.mockClear();
    predict(m, false);
    expect(spy).toHaveBeenCalledTimes(6);
    spy.mockClear();
    const unfolded = predict(m, false);
    spy.mockClear();
    const folded = predict(m, true);
    // conv-bn-relu, conv-bn (into add), dense-bn-tanh and the output dense-bn fold; the
    // batch norms after an activated conv and after a conv that also feeds an add run.
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    expectNear(folded, unfolded, 'folded vs unfolded');
    expect(Math.max(...folded.map(Math.abs))).toBeGreaterThan(0.1);
    m.dispose();
  });

  it('leaks no counted tensor, and frees its cache with the model', () => {
    const m = net();
    randomize(m, 20);
    // The allocator settles its free lists over the first calls.
    for (let i = 0; i < 3; i++) predict(m, true);
    const before = zoo.memory();
    for (let i = 0; i < 3; i++) predict(m, true);
    const after = zoo.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.heapBytes).toBe(before.heapBytes);
    const n0 = zoo.memory().numTensors;
    const count = m.weights.length;
    m.dispose();
    expect(zoo.memory().numTensors).toBe(n0 - count);
  });

  it('follows training (weights and moving statistics change)', async () => {
    const m = net();
    randomize(m, 30);
    expectSame(m, 'before training');
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const y = zoo.tensor(rand(N * 4, 5, -1, 1), [N, 4]);
    const xt = zoo.tensor(x, [N, ...SHAPE]);
    const first = predict(m, true);
    await m.fit(xt, y, { epochs: 2, batchSize: 3, verbose: 0 });
    const second = predict(m, true);
    expect(Math.max(...second.map((v, i) => Math.abs(v - first[i])))).toBeGreaterThan(1e-3);
    expectSame(m, 'after fit');
    m.trainOnBatch(xt, y);
    expectSame(m, 'after trainOnBatch');
    zoo.dispose([xt, y]);
    m.dispose();
  });

  it('follows setWeights, Variable.assign and optimizer steps', () => {
    const m = net();
    randomize(m, 40);
    predict(m, true);
    randomize(m, 50);
    expectSame(m, 'after model.setWeights');
    predict(m, true);
    const bn = m.layers.find((l) => l instanceof zoo.BatchNormalization)!;
    zoo.tidy(() =>
      bn.setWeights(
        bn
          .getWeights()
          .map((w, i) => zoo.tensor(rand(w.size, 60 + i, 0.3, 1.5), w.shape as number[])),
      ),
    );
    expectSame(m, 'after layer.setWeights');
    predict(m, true);
    const conv = m.layers.find((l) => l instanceof zoo.Conv2D)!;
    zoo.tidy(() =>
      conv.weights[0].assign(
        zoo.tensor(rand(conv.weights[0].size, 70), conv.weights[0].shape as number[]),
      ),
    );
    expectSame(m, 'after Variable.assign');
    predict(m, true);
    const opt = new zoo.SGDOptimizer(0.5);
    zoo.tidy(() =>
      opt.applyGradients({
        [conv.weights[0].name]: zoo.tensor(
          rand(conv.weights[0].size, 75),
          conv.weights[0].shape as number[],
        ),
      }),
    );
    expectSame(m, 'after a hand-run optimizer step');
    // A batch norm used on its own in training mode moves its statistics.
    predict(m, true);
    zoo.tidy(() =>
      bn.apply(zoo.tensor(rand(2 * 5 * 5 * 8, 80, 1, 3), [2, 5, 5, 8]), { training: true }),
    );
    expectSame(m, 'after a training-mode apply of a batch norm');
    m.dispose();
  });

  it('gradients through an inference-mode pass reach the real weights', () => {
    const m = net();
    randomize(m, 90);
    predict(m, true);
    const conv = m.layers.find((l) => l instanceof zoo.Conv2D)!;
    const grad = (fold: boolean) =>
      zoo.tidy(() => {
        m.foldBatchNorm = fold;
        const xt = zoo.tensor(x, [N, ...SHAPE]);
        const { grads } = zoo.variableGrads(
          () => zoo.sum(zoo.square(m.apply(xt) as zoo.Tensor)),
          [conv.weights[0]],
        );
        return grads[conv.weights[0].name].dataSync() as Float32Array;
      });
    const g = grad(true);
    expectClose(g, grad(false), 1e-6, 1e-7, 'kernel gradient');
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(0);
    m.dispose();
  });

  it('folds a Sequential conv-bn-relu stack too', () => {
    const L = zoo.layers;
    const m = zoo.sequential({
      layers: [
        L.conv2d({ filters: 5, kernelSize: 3, inputShape: SHAPE }),
        L.batchNormalization({}),
        L.activation({ activation: 'relu6' }),
        L.flatten({}),
        L.dense({ units: 7, useBias: false }),
        L.batchNormalization({}),
        L.activation({ activation: 'softmax' }),
      ],
    });
    randomize(m, 100);
    const spy = vi.spyOn(zoo.BatchNormalization.prototype, 'call');
    spy.mockClear();
    const folded = predict(m, true);
    // The dense-bn pair folds, but softmax is not fusable: it runs on its own.
    expect(spy).toHaveBeenCalledTimes(0);
    spy.mockRestore();
    expectNear(folded, predict(m, false), 'sequential');
    m.dispose();
  });
});
