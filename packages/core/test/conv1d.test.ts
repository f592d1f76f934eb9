// Conv1D, MaxPooling1D and AveragePooling1D: forward, input gradient and weight gradients
// against tfjs-layers 4.22 / tfjs-core and finite differences on odd lengths and channel counts
// (valid, same and causal padding, strides, dilation); a text CNN saved by one library loads in
// the other; a small Conv1D classifier learns a toy sequence task; errors name the layer.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfArtifacts, zooArtifacts } from './artifacts.js';
import {
  fillTfWeights,
  fillZooWeights,
  type SharedLayerName,
  tfLayer,
  zooLayer,
} from './layer-helpers.js';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

type ConvCase = {
  args: {
    filters: number;
    kernelSize: number;
    strides?: number;
    padding?: 'valid' | 'same' | 'causal';
    dilationRate?: number;
    activation?: 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'elu';
    useBias?: boolean;
  };
  shape: [number, number, number];
};

const CONV: ConvCase[] = [
  { args: { filters: 1, kernelSize: 1 }, shape: [1, 1, 1] },
  { args: { filters: 4, kernelSize: 3 }, shape: [3, 7, 3] },
  { args: { filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }, shape: [2, 33, 5] },
  { args: { filters: 3, kernelSize: 5, strides: 2, activation: 'relu' }, shape: [2, 33, 4] },
  { args: { filters: 7, kernelSize: 4, strides: 3, padding: 'same' }, shape: [2, 129, 2] },
  { args: { filters: 3, kernelSize: 3, padding: 'causal' }, shape: [2, 7, 3] },
  {
    args: { filters: 4, kernelSize: 2, padding: 'causal', dilationRate: 4, activation: 'sigmoid' },
    shape: [3, 33, 2],
  },
  { args: { filters: 6, kernelSize: 3, dilationRate: 2, useBias: false }, shape: [1, 33, 7] },
  { args: { filters: 16, kernelSize: 5, padding: 'same', activation: 'elu' }, shape: [4, 64, 8] },
];

/**
 * The same Conv1D in differentiable tfjs-core ops: causal = left padding then 'valid'; a
 * dilated kernel is written out with zeros between its taps (tfjs-core has no gradient for
 * dilated convolutions, and tfjs-layers no causal padding).
 */
function tfConv1d(c: ConvCase['args'], x: tf.Tensor, k: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  const d = c.dilationRate ?? 1;
  const p = c.padding === 'causal' ? (c.kernelSize - 1) * d : 0;
  const xp =
    p > 0
      ? tf.pad(x, [
          [0, 0],
          [p, 0],
          [0, 0],
        ])
      : x;
  let kernel = k;
  if (d > 1) {
    const taps = tf.split(k, c.kernelSize, 0);
    const gap = tf.zeros([d - 1, k.shape[1] as number, k.shape[2] as number]);
    kernel = tf.concat(
      taps.flatMap((t, i) => (i === 0 ? [t] : [gap, t])),
      0,
    );
  }
  const pad = c.padding === 'same' ? 'same' : 'valid';
  let y: tf.Tensor = tf.conv1d(xp as tf.Tensor3D, kernel as tf.Tensor3D, c.strides ?? 1, pad);
  if (b !== null) y = tf.add(y, b);
  const act = c.activation ?? 'linear';
  return act === 'linear' ? y : (tf[act] as (t: tf.Tensor) => tf.Tensor)(y);
}

const label = (c: ConvCase) => `${JSON.stringify(c.args)} on ${JSON.stringify(c.shape)}`;

describe('Conv1D against tfjs-core, tfjs-layers and finite differences', () => {
  for (const c of CONV) {
    it(label(c), () => {
      const zl = new zoo.Conv1D(c.args);
      const [, , inC] = c.shape;
      const kShape = [c.args.kernelSize, inC, c.args.filters];
      const kd = rand(
        kShape.reduce((a, b) => a * b, 1),
        31,
        -0.5,
        0.5,
      );
      const bd = rand(c.args.filters, 32, -0.5, 0.5);
      const useBias = c.args.useBias ?? true;
      zoo.tidy(() => {
        zl.apply(zoo.zeros(c.shape));
        zl.setWeights(
          useBias ? [zoo.tensor(kd, kShape), zoo.tensor(bd)] : [zoo.tensor(kd, kShape)],
        );
      });
      if (c.args.padding !== 'causal') {
        // The layer against tfjs-layers' (which has no causal padding).
        const tl = tfl.layers.conv1d(c.args);
        tf.tidy(() => {
          tl.apply(tf.zeros(c.shape));
          tl.setWeights(useBias ? [tf.tensor(kd, kShape), tf.tensor(bd)] : [tf.tensor(kd, kShape)]);
        });
        const xd0 = rand(c.shape[0] * c.shape[1] * c.shape[2], 35);
        const want = tf.tidy(() => (tl.apply(tf.tensor(xd0, c.shape)) as tf.Tensor).dataSync());
        const got = zoo.tidy(() => (zl.apply(zoo.tensor(xd0, c.shape)) as zoo.Tensor).dataSync());
        expectClose(got, want as Float32Array, 1e-5, 1e-6, 'forward against tfjs-layers');
        tl.dispose();
      }
      // Forward and dx against the tfjs-core composition, and finite differences.
      checkOp({
        shapes: [c.shape],
        zoo: (x) => zl.apply(x) as zoo.Tensor,
        tf: (x) => tfConv1d(c.args, x, tf.tensor(kd, kShape), useBias ? tf.tensor(bd) : null),
      });
      // dKernel and dBias: the layer's variables against tf.grads of the same convolution.
      const n = c.shape.reduce((a, b) => a * b, 1);
      const xd = rand(n, 33);
      const outShape = zoo.tidy(() => (zl.apply(zoo.zeros(c.shape)) as zoo.Tensor).shape);
      const dy = rand(
        outShape.reduce((a, b) => a * b, 1),
        34,
        0.5,
        1.5,
      );
      const vars = [zl.kernel!, ...(useBias ? [zl.bias!] : [])] as zoo.Variable[];
      const zg = zoo.tidy(() => {
        const { grads } = zoo.variableGrads(
          () =>
            zoo.sum(
              zoo.mul(zl.apply(zoo.tensor(xd, c.shape)) as zoo.Tensor, zoo.tensor(dy, outShape)),
            ),
          vars,
        );
        return vars.map((v) => grads[v.name].dataSync().slice());
      });
      const tg = tf.tidy(() => {
        const x = tf.tensor3d(xd, c.shape);
        const w = tf.tensor(dy, [...outShape]);
        const f = (k: tf.Tensor, b?: tf.Tensor) =>
          tf.sum(tf.mul(tfConv1d(c.args, x, k, b ?? null), w));
        const args = [
          tf.tensor3d(kd, kShape as [number, number, number]),
          ...(useBias ? [tf.tensor1d(bd)] : []),
        ];
        return tf
          .grads(f)(args)
          .map((g) => g.dataSync() as Float32Array);
      });
      expectClose(zg[0], tg[0], 1e-4, 1e-4, 'dKernel');
      if (useBias) expectClose(zg[1], tg[1], 1e-4, 1e-4, 'dBias');
      zl.dispose();
    });
  }

  it('causal padding: step t depends only on steps <= t', () => {
    const l = new zoo.Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2 });
    zoo.tidy(() => {
      const a = rand(1 * 20 * 3, 5);
      const b = a.slice();
      for (let i = 12 * 3; i < b.length; i++) b[i] += 1; // change steps 12..19 only
      const ya = (l.apply(zoo.tensor(a, [1, 20, 3])) as zoo.Tensor).arraySync() as number[][][];
      const yb = (l.apply(zoo.tensor(b, [1, 20, 3])) as zoo.Tensor).arraySync() as number[][][];
      expect(ya[0]).toHaveLength(20);
      for (let t = 0; t < 12; t++) expect(yb[0][t]).toEqual(ya[0][t]);
      expect(yb[0][12]).not.toEqual(ya[0][12]);
    });
    l.dispose();
  });
});

describe('MaxPooling1D and AveragePooling1D against tfjs-layers', () => {
  const cases: [
    'maxPooling1d' | 'averagePooling1d',
    { poolSize?: number; strides?: number; padding?: 'same' | 'valid' },
    [number, number, number],
  ][] = [
    ['maxPooling1d', {}, [1, 2, 1]],
    ['maxPooling1d', { poolSize: 3 }, [3, 7, 3]],
    ['maxPooling1d', { poolSize: 3, strides: 2, padding: 'same' }, [2, 33, 5]],
    ['maxPooling1d', { poolSize: 4, strides: 1 }, [2, 129, 2]],
    ['averagePooling1d', {}, [1, 2, 1]],
    ['averagePooling1d', { poolSize: 3 }, [3, 7, 3]],
    ['averagePooling1d', { poolSize: 5, strides: 2 }, [2, 33, 5]],
    ['averagePooling1d', { poolSize: 3, strides: 2, padding: 'same' }, [2, 33, 4]],
  ];
  for (const [kind, args, shape] of cases) {
    it(`${kind}(${JSON.stringify(args)}) on ${JSON.stringify(shape)}`, () => {
      const zl = zoo.layers[kind](args);
      const tl = tfl.layers[kind](args);
      // TF.js's avgPool gradient divides by the full window at 'same' borders while its forward
      // divides by the cells covered; Zoo's gradient is the forward's exact adjoint (pool.test.ts
      // checks it against finite differences), so that case compares the forward only.
      const sameAvg = kind === 'averagePooling1d' && args.padding === 'same';
      checkOp({
        shapes: [shape],
        zoo: (x) => zl.apply(x) as zoo.Tensor,
        tf: (x) => tl.apply(x) as tf.Tensor,
        gradArgs: sameAvg ? [] : [0],
      });
      const sym = zoo.layers[kind](args).apply(zoo.input({ shape: shape.slice(1) }));
      expect(sym.shape).toEqual(tl.computeOutputShape([null, ...shape.slice(1)]));
    });
  }
});

// ---------------------------------------------------------------------------------------------

type Spec = [SharedLayerName, Record<string, unknown>];
const TEXT_CNN: Spec[] = [
  ['embedding', { inputDim: 20, outputDim: 6, inputLength: 17 }],
  ['conv1d', { filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }],
  ['maxPooling1d', { poolSize: 2 }],
  ['conv1d', { filters: 5, kernelSize: 2, dilationRate: 2, activation: 'tanh' }], // TF.js: no causal
  ['averagePooling1d', { poolSize: 3, strides: 1 }],
  ['conv1d', { filters: 4, kernelSize: 3, strides: 2 }],
  ['globalMaxPooling1d', {}],
  ['dense', { units: 3, activation: 'softmax' }],
];

const ids = Float32Array.from(rand(4 * 17, 77, 0, 20), (v) => Math.floor(v));

describe('a text CNN moves between Zoo and tfjs-layers', () => {
  it('saved by tfjs-layers, loads in Zoo and predicts the same', async () => {
    const tm = tfl.sequential({
      layers: TEXT_CNN.map(([k, a]) => tfLayer(k, a)),
    });
    fillTfWeights(tm, 90);
    const want = tf.tidy(() => (tm.predict(tf.tensor(ids, [4, 17])) as tf.Tensor).dataSync());
    const zm = await zoo.loadLayersModel(zoo.io.fromMemory(await tfArtifacts(tm)));
    expect(zm.layers.map((l) => l.getClassName())).toEqual(tm.layers.map((l) => l.getClassName()));
    const got = zoo.tidy(() => zm.predict(zoo.tensor(ids, [4, 17])).dataSync());
    expectClose(got, want as Float32Array, 1e-5, 1e-6, 'predictions');
    zm.dispose();
    tm.dispose();
  });

  it('saved by Zoo, loads in tfjs-layers and predicts the same', async () => {
    const zm = zoo.sequential({ layers: TEXT_CNN.map(([k, a]) => zooLayer(k, a)) });
    fillZooWeights(zm, 70);
    const want = zoo.tidy(() => zm.predict(zoo.tensor(ids, [4, 17])).dataSync());
    const tm = await tfl.loadLayersModel(
      tf.io.fromMemory(await zooArtifacts(zm)) as tf.io.IOHandler,
    );
    expect(tm.layers.map((l) => l.getClassName())).toEqual(zm.layers.map((l) => l.getClassName()));
    const got = tf.tidy(() => (tm.predict(tf.tensor(ids, [4, 17])) as tf.Tensor).dataSync());
    expectClose(got as Float32Array, want, 1e-5, 1e-6, 'predictions');
    zm.dispose();
    tm.dispose();
  });
});

describe('training', () => {
  it('a Conv1D classifier learns whether a sequence holds the motif 3, 5', async () => {
    // 400 random sequences of 24 tokens; half get the two-token motif at a random place.
    const n = 400;
    const len = 24;
    const r = rand(n * (len + 2), 5, 0, 1);
    const x = new Float32Array(n * len);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < len; t++) x[i * len + t] = 6 + Math.floor(r[i * len + t] * 10); // 6..15
      if (i % 2 === 0) {
        const at = Math.floor(r[n * len + i] * (len - 1));
        x[i * len + at] = 3;
        x[i * len + at + 1] = 5;
        y[i] = 1;
      }
    }
    zoo.setSeed(3);
    const m = zoo.sequential({
      layers: [
        zoo.layers.embedding({ inputDim: 16, outputDim: 8, inputLength: len }),
        zoo.layers.conv1d({ filters: 16, kernelSize: 2, activation: 'relu' }),
        zoo.layers.globalMaxPooling1d(),
        zoo.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    m.compile({
      optimizer: zoo.train.adam(0.01),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const xt = zoo.tensor(x, [n, len]);
    const yt = zoo.tensor(y, [n, 1]);
    const h = await m.fit(xt, yt, { epochs: 15, batchSize: 32, verbose: 0, validationSplit: 0.25 });
    const valAcc = h.history.val_accuracy as number[];
    expect(valAcc.at(-1)).toBeGreaterThan(0.95);
    zoo.dispose([xt, yt]);
    m.dispose();
  });
});

describe('bad input names the layer', () => {
  it('rank, lengths, options', () => {
    const c = new zoo.Conv1D({ filters: 2, kernelSize: 3, name: 'c1' });
    expect(() => c.apply(zoo.input({ shape: [10] }))).toThrow(
      /c1: expected input of rank 3 \[batch, steps, channels\], got \[null,10\]/,
    );
    expect(() =>
      new zoo.Conv1D({ filters: 2, kernelSize: 5, name: 'c2' }).apply(zoo.input({ shape: [4, 3] })),
    ).toThrow(
      /c2: the kernel of 5 steps is longer than the input \[null,4,3\] with padding 'valid'/,
    );
    const c3 = new zoo.Conv1D({ filters: 2, kernelSize: 3, name: 'c3' });
    c3.apply(zoo.input({ shape: [8, 3] }));
    expect(() => zoo.tidy(() => c3.apply(zoo.zeros([2, 8, 4])))).toThrow(
      /c3: expected input of shape \[batch, steps, 3\], got \[2,8,4\]/,
    );
    expect(
      () => new zoo.Conv1D({ filters: 2, kernelSize: [3, 3] as unknown as [number], name: 'c4' }),
    ).toThrow(/c4: kernelSize must be a positive integer \(or \[n\]\), got \[3,3\]/);
    expect(
      () => new zoo.Conv1D({ filters: 2, kernelSize: 3, padding: 'full' as 'same', name: 'c5' }),
    ).toThrow(/c5: padding must be 'same', 'valid' or 'causal', got 'full'/);
    expect(() =>
      zoo.layers.maxPooling1d({ poolSize: 9, name: 'p1' }).apply(zoo.input({ shape: [4, 3] })),
    ).toThrow(/p1: the pooling window of 9 steps does not fit the input \[null,4,3\]/);
  });
});
