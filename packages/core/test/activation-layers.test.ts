// The activation layers (ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax) and the
// reshaping layers (Reshape, Permute, RepeatVector, GlobalAveragePooling1D,
// GlobalMaxPooling1D): forward and gradients against the same layers of tfjs-layers 4.22 and
// finite differences, on odd and round shapes; models using them saved by one library and
// loaded by the other; Keras's masked mean in GlobalAveragePooling1D; errors naming the layer.
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

/** Uniform in [-2, 2), kept 0.02 away from the kinks at `kinks` (finite differences stay smooth). */
function awayFrom(kinks: number[]) {
  return (_arg: number, n: number, seed: number): Float32Array => {
    const v = rand(n, seed, -2, 2);
    for (let i = 0; i < n; i++) {
      for (const k of kinks) if (Math.abs(v[i] - k) < 0.02) v[i] = k + (v[i] < k ? -0.02 : 0.02);
    }
    return v;
  };
}

type Kind = SharedLayerName;
type Args = Record<string, unknown>;

const ODD = [
  [1, 1],
  [3, 7],
  [7, 33],
];

type LayerCase = {
  kind: Kind;
  args?: Args;
  /** Input shapes (default ODD). */
  shapes?: number[][];
  kinks?: number[];
  /** A differentiable TF.js equivalent, where tfjs-core has no gradient for the layer's ops. */
  tfGrad?: (x: tf.Tensor) => tf.Tensor;
};

const ELEMENTWISE: LayerCase[] = [
  { kind: 'reLU', shapes: [...ODD, [2, 3, 129]], kinks: [0] },
  { kind: 'reLU', args: { maxValue: 0.7 }, shapes: [...ODD, [4, 32]], kinks: [0, 0.7] },
  { kind: 'leakyReLU', shapes: [...ODD, [2, 5, 129]], kinks: [0] }, // default alpha 0.3
  { kind: 'leakyReLU', args: { alpha: 0.05 }, shapes: [[8, 64]], kinks: [0] },
  { kind: 'elu', shapes: [...ODD, [2, 3, 129]], kinks: [0] },
  {
    kind: 'thresholdedReLU', // default theta 1
    shapes: [...ODD, [3, 129]],
    kinks: [1],
    tfGrad: (x) => tf.mul(x, tf.step(tf.sub(x, 1))),
  },
  {
    kind: 'thresholdedReLU',
    args: { theta: 0.25 },
    kinks: [0.25],
    tfGrad: (x) => tf.mul(x, tf.step(tf.sub(x, 0.25))),
  },
  { kind: 'softmax', args: { axis: -1 }, shapes: [...ODD, [2, 3, 129]] },
];

const label = (c: LayerCase, shape: number[]) =>
  `${c.kind}(${JSON.stringify(c.args ?? {})}) on ${JSON.stringify(shape)}`;

/**
 * One layer case on one shape: forward and gradients against tfjs-layers (or `tfGrad`) and
 * finite differences; where tfjs-core lacks the gradient, the forward against the layer too;
 * the symbolic output shape against the eager one.
 */
function checkLayerCase(c: LayerCase, shape: number[]): void {
  const zl = zooLayer(c.kind, c.args);
  const tl = tfLayer(c.kind, c.args);
  checkOp({
    shapes: [shape],
    zoo: (x) => zl.apply(x) as zoo.Tensor,
    tf: (x) => (c.tfGrad ?? ((t) => tl.apply(t) as tf.Tensor))(x),
    input: awayFrom(c.kinks ?? []),
  });
  if (c.tfGrad !== undefined) {
    // The layer itself too (its gradient is not defined in tfjs-core).
    const n = shape.reduce((a, b) => a * b, 1);
    const xd = awayFrom(c.kinks ?? [])(0, n, 11);
    const want = tf.tidy(() => (tl.apply(tf.tensor(xd, shape)) as tf.Tensor).dataSync());
    const got = zoo.tidy(() => (zl.apply(zoo.tensor(xd, shape)) as zoo.Tensor).dataSync());
    expectClose(got, want as Float32Array, 0, 0, 'forward against the tfjs-layers layer');
  }
  const sym = zooLayer(c.kind, c.args).apply(zoo.input({ shape: shape.slice(1) }));
  const eager = zoo.tidy(() => (zl.apply(zoo.zeros(shape)) as zoo.Tensor).shape);
  expect(sym.shape).toEqual([null, ...eager.slice(1)]);
}

describe('activation layers against tfjs-layers and finite differences', () => {
  for (const c of ELEMENTWISE) {
    for (const shape of c.shapes ?? ODD) it(label(c, shape), () => checkLayerCase(c, shape));
  }

  it('Softmax over a middle axis equals a transposed last-axis softmax (TF.js has only the last)', () => {
    const shape = [2, 7, 3, 5];
    for (const axis of [1, 2, -3]) {
      const zl = new zoo.Softmax({ axis });
      const a = axis < 0 ? axis + 4 : axis;
      const perm = [0, 1, 2, 3];
      perm[a] = 3;
      perm[3] = a;
      checkOp({
        shapes: [shape],
        zoo: (x) => zl.apply(x) as zoo.Tensor,
        tf: (x) => tf.transpose(tf.softmax(tf.transpose(x, perm)), perm),
        input: (_i, n, s) => rand(n, s, -3, 3),
      });
    }
  });

  for (const [shape, sharedAxes] of [
    [[3, 7], null],
    [[5, 33], null],
    [[2, 3, 7], [1]],
    [
      [2, 5, 4, 3],
      [1, 2],
    ],
  ] as [number[], number[] | null][]) {
    it(`PReLU on ${JSON.stringify(shape)}, sharedAxes ${JSON.stringify(sharedAxes)}: output, dx and dalpha`, () => {
      const zl = new zoo.PReLU(sharedAxes === null ? {} : { sharedAxes });
      const tl = tfl.layers.prelu(sharedAxes === null ? {} : { sharedAxes });
      const n = shape.reduce((a, b) => a * b, 1);
      const xd = awayFrom([0])(0, n, 3);
      zoo.tidy(() => {
        zl.apply(zoo.tensor(xd, shape));
      });
      tf.tidy(() => {
        tl.apply(tf.tensor(xd, shape));
      });
      const alphaShape = [...zl.alpha!.shape];
      expect(alphaShape).toEqual(tl.getWeights()[0].shape);
      const ad = rand(
        alphaShape.reduce((a, b) => a * b, 1),
        5,
        0.05,
        0.6,
      );
      zoo.tidy(() => zl.setWeights([zoo.tensor(ad, alphaShape)]));
      tf.tidy(() => tl.setWeights([tf.tensor(ad, alphaShape)]));
      // The layer itself: forward and dx against tfjs-layers and finite differences.
      checkOp({
        shapes: [shape],
        zoo: (x) => zl.apply(x) as zoo.Tensor,
        tf: (x) => tl.apply(x) as tf.Tensor,
        input: awayFrom([0]),
        seed: 3,
      });
      // d(alpha): the layer's weight gradient against tf.prelu's.
      const dy = rand(n, 9, 0.5, 1.5);
      const zg = zoo.tidy(() => {
        const x = zoo.tensor(xd, shape);
        const w = zoo.tensor(dy, shape);
        const { grads } = zoo.variableGrads(
          () => zoo.sum(zoo.mul(zl.apply(x) as zoo.Tensor, w)),
          [zl.alpha!],
        );
        return grads[zl.alpha!.name].dataSync().slice();
      });
      const tg = tf.tidy(() => {
        const x = tf.tensor(xd, shape);
        const w = tf.tensor(dy, shape);
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.prelu(x, a), w)));
        return g(tf.tensor(ad, alphaShape)).dataSync() as Float32Array;
      });
      expectClose(zg, tg, 1e-4, 1e-5, 'd(alpha)');
      zl.dispose();
      tl.dispose();
    });
  }
});

describe('reshaping layers against tfjs-layers', () => {
  const cases: LayerCase[] = [
    {
      kind: 'reshape',
      args: { targetShape: [-1, 3] },
      shapes: [
        [1, 3],
        [7, 33],
        [2, 3, 7],
      ],
    },
    {
      kind: 'reshape',
      args: { targetShape: [7, 1, 3] },
      shapes: [
        [5, 21],
        [2, 3, 7],
      ],
    },
    {
      kind: 'permute',
      args: { dims: [2, 1] },
      shapes: [
        [1, 1, 1],
        [3, 7, 33],
      ],
    },
    { kind: 'permute', args: { dims: [3, 1, 2] }, shapes: [[2, 3, 7, 5]] },
    { kind: 'repeatVector', args: { n: 4 } },
    {
      kind: 'globalAveragePooling1d',
      shapes: [
        [1, 1, 1],
        [3, 7, 33],
        [2, 129, 3],
      ],
    },
    {
      kind: 'globalMaxPooling1d',
      shapes: [
        [1, 1, 1],
        [3, 7, 33],
        [2, 129, 3],
      ],
    },
  ];
  for (const c of cases) {
    for (const shape of c.shapes ?? ODD) it(label(c, shape), () => checkLayerCase(c, shape));
  }

  it('GlobalAveragePooling1D averages only the unmasked steps, as Keras; the mask stops there', () => {
    const ids = [
      [3, 1, 4, 0, 0],
      [2, 0, 0, 0, 0],
      [5, 9, 2, 6, 5],
    ];
    const inp = zoo.input({ shape: [5] });
    const emb = new zoo.Embedding({ inputDim: 10, outputDim: 4, maskZero: true });
    const e = emb.apply(inp);
    const pooled = new zoo.GlobalAveragePooling1D().apply(e);
    const out = new zoo.Dense({ units: 2 }).apply(pooled);
    const m = zoo.model({ inputs: inp, outputs: [out] });
    const table = emb.getWeights()[0].arraySync() as number[][];
    const pool = zoo.model({ inputs: inp, outputs: pooled });
    const got = zoo.tidy(() => pool.predict(zoo.tensor(ids)).arraySync() as number[][]);
    ids.forEach((row, b) => {
      const real = row.filter((t) => t !== 0);
      for (let f = 0; f < 4; f++) {
        const want = real.reduce((s, t) => s + table[t][f], 0) / real.length;
        expect(got[b][f]).toBeCloseTo(want, 6);
      }
    });
    // Gradients flow through the masked mean: a short fit lowers the loss.
    m.compile({ optimizer: zoo.train.adam(0.05), loss: 'meanSquaredError' });
    const x = zoo.tensor(ids);
    const y = zoo.tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const first = m.trainOnBatch(x, y) as number;
    let last = first;
    for (let i = 0; i < 30; i++) last = m.trainOnBatch(x, y) as number;
    expect(last).toBeLessThan(first * 0.2);
    zoo.dispose([x, y]);
    m.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// Save / load both ways

const SHAPE = [6, 5];
const BATCH = 4;
const xData = rand(BATCH * SHAPE[0] * SHAPE[1], 21, -2, 2);

/** Two Sequential models that together use every new layer, between Dense layers. */
const MODELS: [Kind, Record<string, unknown>][][] = [
  [
    ['dense', { units: 8, inputShape: SHAPE }],
    ['leakyReLU', { alpha: 0.1 }],
    ['prelu', { sharedAxes: [1] }],
    ['permute', { dims: [2, 1] }],
    ['elu', {}],
    ['globalMaxPooling1d', {}],
    ['repeatVector', { n: 3 }],
    ['reLU', { maxValue: 0.9 }],
    ['globalAveragePooling1d', {}],
    ['reshape', { targetShape: [-1, 2] }], // TF.js saves [null, 2]
    ['globalMaxPooling1d', {}],
    ['dense', { units: 5 }],
    ['softmax', {}],
  ],
  [
    // TF.js cannot build a Dense after targetShape [-1] (its output shape is [null, null]).
    ['reshape', { targetShape: [30], inputShape: SHAPE }],
    ['dense', { units: 12 }],
    ['thresholdedReLU', { theta: 0.3 }],
    ['reshape', { targetShape: [3, 4] }],
    ['reLU', {}],
    ['flatten', {}],
    ['dense', { units: 3 }],
  ],
];

function buildTf(which: number): tfl.LayersModel {
  return tfl.sequential({ layers: MODELS[which].map(([k, a]) => tfLayer(k, a)) });
}

function buildZoo(which: number): zoo.LayersModel {
  return zoo.sequential({ layers: MODELS[which].map(([k, a]) => zooLayer(k, a)) });
}

const classes = (ls: { getClassName(): string }[]) =>
  ls.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer');

describe('save and load with tfjs-layers', () => {
  for (const which of [0, 1]) {
    it(`model ${which}: saved by tfjs-layers, loads in Zoo and predicts the same`, async () => {
      const tm = buildTf(which);
      fillTfWeights(tm, 40 + which, 0.8);
      const expected = tf.tidy(() =>
        (tm.predict(tf.tensor(xData, [BATCH, ...SHAPE])) as tf.Tensor).dataSync(),
      ) as Float32Array;
      const before = zoo.memory().numTensors;
      const zm = await zoo.loadLayersModel(zoo.io.fromMemory(await tfArtifacts(tm)));
      expect(classes(zm.layers)).toEqual(classes(tm.layers));
      const got = zoo.tidy(
        () => zm.predict(zoo.tensor(xData, [BATCH, ...SHAPE])).dataSync() as Float32Array,
      );
      expectClose(got, expected, 1e-5, 1e-6, `model ${which}`);
      zm.dispose();
      expect(zoo.memory().numTensors).toBe(before);
      tm.dispose();
    });

    it(`model ${which}: saved by Zoo, loads in tfjs-layers and predicts the same`, async () => {
      const zm = buildZoo(which);
      fillZooWeights(zm, 60 + which, 0.8);
      const expected = zoo.tidy(
        () => zm.predict(zoo.tensor(xData, [BATCH, ...SHAPE])).dataSync() as Float32Array,
      );
      const tm = await tfl.loadLayersModel(
        tf.io.fromMemory(await zooArtifacts(zm)) as tf.io.IOHandler,
      );
      expect(classes(tm.layers)).toEqual(classes(zm.layers));
      const got = tf.tidy(() =>
        (tm.predict(tf.tensor(xData, [BATCH, ...SHAPE])) as tf.Tensor).dataSync(),
      ) as Float32Array;
      expectClose(got, expected, 1e-5, 1e-6, `model ${which}`);
      // And back: Zoo reloads its own file with the same configs.
      const again = await zoo.loadLayersModel(zoo.io.fromMemory(await zooArtifacts(zm)));
      expect(again.layers.map((l) => l.getConfig())).toEqual(zm.layers.map((l) => l.getConfig()));
      again.dispose();
      zm.dispose();
      tm.dispose();
    });
  }
});

describe('bad input names the layer', () => {
  it('Reshape, Permute, RepeatVector, PReLU, Softmax and the 1D poolings', () => {
    expect(() => new zoo.Reshape({ targetShape: [-1, -1], name: 'r' })).toThrow(
      /r: targetShape must be positive integers with at most one -1, got \[-1,-1\]/,
    );
    const r = new zoo.Reshape({ targetShape: [4, -1], name: 'r4' });
    expect(() => r.apply(zoo.input({ shape: [6] }))).toThrow(
      /r4: cannot reshape an input of shape \[null,6\] \(6 values per example\) to \[4,-1\]/,
    );
    expect(() =>
      zoo.tidy(() => new zoo.Reshape({ targetShape: [5] }).apply(zoo.zeros([2, 6]))),
    ).toThrow(/cannot reshape an input of shape \[2,6\] \(6 values per example\) to \[5\]/);
    expect(() => new zoo.Permute({ dims: [0, 1], name: 'p' })).toThrow(
      /p: dims must be a permutation of 1\.\.n/,
    );
    expect(() =>
      new zoo.Permute({ dims: [2, 1], name: 'p2' }).apply(zoo.input({ shape: [3] })),
    ).toThrow(/p2: dims \[2,1\] permute 2 axes; expected input of rank 3, got \[null,3\]/);
    expect(() => new zoo.RepeatVector({ n: 0, name: 'rv' })).toThrow(
      /rv: n must be a positive integer, got 0/,
    );
    expect(() =>
      new zoo.RepeatVector({ n: 2, name: 'rv2' }).apply(zoo.input({ shape: [3, 4] })),
    ).toThrow(/rv2: expected input of rank 2 \[batch, features\], got \[null,3,4\]/);
    expect(() =>
      new zoo.PReLU({ sharedAxes: [3], name: 'pr' }).apply(zoo.input({ shape: [4, 5] })),
    ).toThrow(/pr: sharedAxes \[3\] do not fit an input of shape \[null,4,5\]/);
    expect(() =>
      new zoo.PReLU({ name: 'pr2' }).apply(zoo.input({ shape: [null as unknown as number, 5] })),
    ).toThrow(/pr2: every dimension of the input but the batch must be known/);
    expect(() => new zoo.LeakyReLU({ alpha: -1, name: 'lr' })).toThrow(
      /lr: alpha must be a finite number >= 0, got -1/,
    );
    expect(() =>
      zoo.tidy(() => new zoo.Softmax({ axis: 0, name: 'sm' }).apply(zoo.zeros([2, 3]))),
    ).toThrow(/sm: axis 0 is not a non-batch axis of an input of shape \[2,3\]/);
    expect(() =>
      new zoo.GlobalAveragePooling1D({ name: 'gap' }).apply(zoo.input({ shape: [4] })),
    ).toThrow(/gap: expected input of rank 3 \[batch, steps, features\], got \[null,4\]/);
  });
});

describe('the activations TF.js names, in Activation and Dense layers', () => {
  const NAMES = ['hardSigmoid', 'swish', 'mish', 'gelu', 'gelu_new', 'logSoftmax'] as const;
  for (const name of NAMES) {
    for (const shape of [
      [1, 1],
      [3, 7],
      [7, 33],
      [2, 129],
    ]) {
      it(`activation '${name}' on ${JSON.stringify(shape)}`, () => {
        const zl = zoo.layers.activation({ activation: name });
        const tl = tfl.layers.activation({ activation: name as 'swish' });
        checkOp({
          shapes: [shape],
          zoo: (x) => zl.apply(x) as zoo.Tensor,
          tf: (x) => tl.apply(x) as tf.Tensor,
          // hardSigmoid has kinks at ±2.5
          input: awayFrom(name === 'hardSigmoid' ? [-2.5, 2.5] : []),
        });
      });
    }
  }

  it('erf against tfjs-core and finite differences', () => {
    for (const shape of [[1], [3, 7], [7, 33], [129]]) {
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.erf(x),
        tf: (x) => tf.erf(x),
        input: (_i, n, s) => rand(n, s, -3, 3),
        atol: 5e-7, // float32 ops: 1 - poly·exp(-x²) loses a little near 0
      });
    }
  });

  for (const acts of [
    ['hardSigmoid', 'swish', 'mish', 'gelu'],
    // TF.js reads its own 'gelu_new' back as 'geluNew', which it does not know: TF.js -> Zoo only.
    ['gelu_new', 'swish'],
  ]) {
    it(`Dense layers with ${acts.join(', ')} save and load ${acts.includes('gelu_new') ? 'TF.js -> Zoo' : 'both ways'}`, async () => {
      const x = rand(5 * 6, 8, -2, 2);
      const tm = tfl.sequential({
        layers: acts.map((activation, i) =>
          tfl.layers.dense({
            units: 6,
            activation: activation as 'swish',
            ...(i === 0 ? { inputShape: [6] } : {}),
          }),
        ),
      });
      fillTfWeights(tm, 50, 0.8);
      const want = tf.tidy(() => (tm.predict(tf.tensor(x, [5, 6])) as tf.Tensor).dataSync());
      const zm = await zoo.loadLayersModel(zoo.io.fromMemory(await tfArtifacts(tm)));
      const got = zoo.tidy(() => zm.predict(zoo.tensor(x, [5, 6])).dataSync());
      expectClose(got, want as Float32Array, 1e-5, 1e-6, 'TF.js -> Zoo');
      if (!acts.includes('gelu_new')) {
        const back = await tfl.loadLayersModel(
          tf.io.fromMemory(await zooArtifacts(zm)) as tf.io.IOHandler,
        );
        const again = tf.tidy(() => (back.predict(tf.tensor(x, [5, 6])) as tf.Tensor).dataSync());
        expectClose(again as Float32Array, want as Float32Array, 1e-6, 1e-7, 'Zoo -> TF.js');
        back.dispose();
      }
      zm.dispose();
      tm.dispose();
    });
  }
});

describe('edge cases the review asked for', () => {
  it("erf's gradient is 2/sqrt(pi)·exp(-x²), also at exactly 0, and erf leaves no tensors", () => {
    const xs = [0, -1e-3, 0.5, -2];
    const before = zoo.memory().numTensors;
    const g = zoo.tidy(() =>
      zoo
        .grad((x: zoo.Tensor) => zoo.sum(zoo.erf(x)))(zoo.tensor(xs))
        .dataSync()
        .slice(),
    );
    xs.forEach((x, i) => {
      expect(g[i]).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), 6);
    });
    const x = zoo.tensor(xs);
    const y = zoo.erf(x);
    expect(zoo.memory().numTensors).toBe(before + 2);
    zoo.dispose([x, y]);
  });

  it('each new layer, and composite activations, leave only their output when applied outside tidy', () => {
    const cases: [zoo.Layer, number[]][] = [
      [zooLayer('conv1d', { filters: 3, kernelSize: 2, padding: 'causal' }), [2, 5, 3]],
      [zooLayer('conv1d', { filters: 3, kernelSize: 2, activation: 'swish' }), [2, 5, 3]],
      [zooLayer('maxPooling1d'), [2, 6, 3]],
      [zooLayer('averagePooling1d'), [2, 6, 3]],
      [zooLayer('globalAveragePooling1d'), [2, 6, 3]],
      [zooLayer('globalMaxPooling1d'), [2, 6, 3]],
      [zooLayer('reLU', { maxValue: 1 }), [2, 6]],
      [zooLayer('prelu'), [2, 6]],
      [zooLayer('thresholdedReLU'), [2, 6]],
      [zooLayer('softmax', { axis: 1 }), [2, 6, 3]],
      [zooLayer('repeatVector', { n: 3 }), [2, 6]],
      [zooLayer('reshape', { targetShape: [3, -1] }), [2, 6]],
      [zooLayer('permute', { dims: [2, 1] }), [2, 6, 3]],
      [zooLayer('dense', { units: 4, activation: 'gelu' }), [2, 6]],
      [zooLayer('conv2d', { filters: 2, kernelSize: 2, activation: 'mish' }), [1, 4, 4, 2]],
    ];
    for (const [layer, shape] of cases) {
      const x = zoo.zeros(shape);
      zoo.dispose(layer.apply(x) as zoo.Tensor); // builds the layer (its weights stay)
      const before = zoo.memory().numTensors;
      const y = layer.apply(x) as zoo.Tensor;
      expect(zoo.memory().numTensors, `${layer.getClassName()} ${layer.name}`).toBe(before + 1);
      zoo.dispose([x, y]);
      layer.dispose();
    }
  });

  it('ThresholdedReLU is strict: x == theta gives 0', () => {
    const l = zooLayer('thresholdedReLU', { theta: 0.5 });
    const y = zoo.tidy(() =>
      (l.apply(zoo.tensor([0.5, 0.5000001, 0.4999999, 2])) as zoo.Tensor).dataSync(),
    );
    expect(Array.from(y)).toEqual([0, Math.fround(0.5000001), 0, 2]);
  });

  it('the 1D global poolings end the mask; a causal Conv1D saves and reloads in Zoo', async () => {
    const gap = zooLayer('globalAveragePooling1d');
    zoo.tidy(() => {
      const mask = zoo.tensor([[1, 1, 0]]);
      expect(gap.computeMask(zoo.zeros([1, 3, 2]), mask)).toBeNull();
    });
    const m = zoo.sequential({
      layers: [
        zooLayer('conv1d', {
          filters: 2,
          kernelSize: 3,
          padding: 'causal',
          dilationRate: 2,
          inputShape: [9, 2],
        }),
        zooLayer('globalMaxPooling1d'),
      ],
    });
    fillZooWeights(m, 3);
    const x = rand(2 * 9 * 2, 4);
    const want = zoo.tidy(() => m.predict(zoo.tensor(x, [2, 9, 2])).dataSync());
    const again = await zoo.loadLayersModel(zoo.io.fromMemory(await zooArtifacts(m)));
    expect(again.layers[0].getConfig()).toEqual(m.layers[0].getConfig());
    expect(Array.from(zoo.tidy(() => again.predict(zoo.tensor(x, [2, 9, 2])).dataSync()))).toEqual(
      Array.from(want),
    );
    m.dispose();
    again.dispose();
  });

  it("Keras's ReLU negative_slope/threshold are refused, Keras 3's LeakyReLU negative_slope is read, channels_first and keepdims are refused", async () => {
    const m = zoo.sequential({
      layers: [
        zooLayer('reLU', { inputShape: [4, 3] }),
        zooLayer('leakyReLU'),
        zooLayer('globalAveragePooling1d'),
      ],
    });
    const artifacts = await zooArtifacts(m);
    m.dispose();
    const edit = (f: (layers: { config: Record<string, unknown> }[]) => void) => {
      const a = structuredClone(artifacts);
      f(
        (a.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config
          .layers,
      );
      return zoo.loadLayersModel(zoo.io.fromMemory(a));
    };
    await expect(
      edit((ls) => Object.assign(ls[0].config, { negative_slope: 0.5 })),
    ).rejects.toThrow(/re_lu\w*: ReLU with negative_slope 0\.5 is not supported/);
    await expect(edit((ls) => Object.assign(ls[0].config, { threshold: 1 }))).rejects.toThrow(
      /ReLU with threshold 1 is not supported/,
    );
    const k3 = await edit((ls) => {
      delete ls[1].config.alpha;
      ls[1].config.negative_slope = 0.1;
    });
    expect((k3.layers[1] as zoo.LeakyReLU).alpha).toBe(0.1);
    k3.dispose();
    await expect(
      edit((ls) => Object.assign(ls[2].config, { data_format: 'channels_first' })),
    ).rejects.toThrow(/only dataFormat 'channelsLast'/);
    await expect(edit((ls) => Object.assign(ls[2].config, { keepdims: true }))).rejects.toThrow(
      /keepdims: true is not supported/,
    );
  });
});
