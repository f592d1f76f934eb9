// Convolutional models move both ways between Zoo and @tensorflow/tfjs-layers 4.22 through the
// LayersModel format and predict the same: every conv layer (Conv2D, MaxPooling2D,
// AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, ZeroPadding2D) with
// Dense and Dropout, in Sequential and functional form.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';
import { io, loadLayersModel } from '../src/io/index.js';
import { type LayersModel, Sequential } from '../src/layers/model.js';
import { tfArtifacts, zooArtifacts } from './artifacts.js';
import { expectClose, prepare, rand, tf } from './oracle.js';

beforeAll(prepare);

const SHAPE = [12, 12, 3];
const BATCH = 5;

type Kind =
  | 'conv2d'
  | 'maxPooling2d'
  | 'averagePooling2d'
  | 'globalAveragePooling2d'
  | 'globalMaxPooling2d'
  | 'flatten'
  | 'zeroPadding2d'
  | 'dense'
  | 'dropout';
type Spec = [Kind, Record<string, unknown>];

// Three branch-free architectures that together use every conv layer in several configurations.
const ARCHS: Record<string, Spec[]> = {
  'global max': [
    ['zeroPadding2d', { padding: 1 }],
    ['conv2d', { filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }],
    ['maxPooling2d', { poolSize: 2 }],
    ['conv2d', { filters: 5, kernelSize: 3, padding: 'valid', activation: 'tanh' }],
    ['averagePooling2d', { poolSize: 2, strides: 1 }],
    ['dropout', { rate: 0.3 }],
    ['conv2d', { filters: 7, kernelSize: [2, 3], strides: [1, 2], activation: 'elu' }],
    ['globalMaxPooling2d', {}],
    ['dense', { units: 4, activation: 'softmax' }],
  ],
  flatten: [
    ['conv2d', { filters: 4, kernelSize: [5, 3], strides: 2, padding: 'same', useBias: false }],
    ['maxPooling2d', { poolSize: [3, 2], strides: [1, 2], padding: 'same' }],
    ['zeroPadding2d', { padding: [1, 0] }],
    ['flatten', {}],
    ['dense', { units: 9, activation: 'sigmoid' }],
    ['dropout', { rate: 0.5 }],
    ['dense', { units: 3 }],
  ],
  'global average': [
    ['conv2d', { filters: 5, kernelSize: 3, dilationRate: 2, activation: 'relu' }],
    [
      'zeroPadding2d',
      {
        padding: [
          [0, 2],
          [1, 0],
        ],
      },
    ],
    ['averagePooling2d', { poolSize: 3, strides: 2, padding: 'same' }],
    ['conv2d', { filters: 6, kernelSize: 1, activation: 'tanh' }],
    ['globalAveragePooling2d', {}],
    ['dense', { units: 2, activation: 'tanh' }],
  ],
};

function zooLayer(kind: Kind, args: Record<string, unknown>): zoo.Layer {
  // biome-ignore lint/suspicious/noExplicitAny: the specs are shared with tfjs-layers.
  const a = args as any;
  switch (kind) {
    case 'conv2d':
      return new zoo.Conv2D(a);
    case 'maxPooling2d':
      return new zoo.MaxPooling2D(a);
    case 'averagePooling2d':
      return new zoo.AveragePooling2D(a);
    case 'globalAveragePooling2d':
      return new zoo.GlobalAveragePooling2D(a);
    case 'globalMaxPooling2d':
      return new zoo.GlobalMaxPooling2D(a);
    case 'flatten':
      return new zoo.Flatten(a);
    case 'zeroPadding2d':
      return new zoo.ZeroPadding2D(a);
    case 'dense':
      return new zoo.Dense(a);
    case 'dropout':
      return new zoo.Dropout(a);
  }
}

function tfLayer(kind: Kind, args: Record<string, unknown>): tfl.layers.Layer {
  // biome-ignore lint/suspicious/noExplicitAny: the specs are shared with Zoo.
  return (tfl.layers[kind] as (a: any) => tfl.layers.Layer)(args);
}

type Form = 'Sequential' | 'functional';

function buildZoo(specs: Spec[], form: Form): LayersModel {
  if (form === 'Sequential') {
    return zoo.sequential({
      layers: specs.map(([k, a], i) => zooLayer(k, i === 0 ? { ...a, inputShape: SHAPE } : a)),
    });
  }
  const x = zoo.input({ shape: SHAPE });
  let h = x;
  for (const [k, a] of specs) h = zooLayer(k, a).apply(h);
  return zoo.model({ inputs: x, outputs: h });
}

function buildTf(specs: Spec[], form: Form): tfl.LayersModel {
  if (form === 'Sequential') {
    return tfl.sequential({
      layers: specs.map(([k, a], i) => tfLayer(k, i === 0 ? { ...a, inputShape: SHAPE } : a)),
    });
  }
  const x = tfl.input({ shape: SHAPE });
  let h = x;
  for (const [k, a] of specs) h = tfLayer(k, a).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: h });
}

/** Deterministic weights (not the initializers' draws), so biases are nonzero too. */
function weightValues(shapes: number[][], seed: number): Float32Array[] {
  return shapes.map((s, i) =>
    rand(
      s.reduce((a, b) => a * b, 1),
      seed + i,
      -0.6,
      0.6,
    ),
  );
}

function setTfWeights(m: tfl.LayersModel, seed: number): void {
  const shapes = m.weights.map((w) => w.shape as number[]);
  const values = weightValues(shapes, seed).map((d, i) => tf.tensor(d, shapes[i]));
  m.setWeights(values);
  tf.dispose(values);
}

function setZooWeights(m: LayersModel, seed: number): void {
  const shapes = m.weights.map((w) => [...w.shape]);
  zoo.tidy(() => m.setWeights(weightValues(shapes, seed).map((d, i) => zoo.tensor(d, shapes[i]))));
}

const x = rand(BATCH * SHAPE[0] * SHAPE[1] * SHAPE[2], 17, -1, 1);

function tfPredict(m: tfl.LayersModel): Float32Array {
  return tf.tidy(
    () => (m.predict(tf.tensor(x, [BATCH, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array,
  );
}

function zooPredict(m: LayersModel): Float32Array {
  return zoo.tidy(() => m.predict(zoo.tensor(x, [BATCH, ...SHAPE])).dataSync() as Float32Array);
}

/** The non-input layers' class names. */
const classes = (ls: { getClassName(): string }[]) =>
  ls.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer');

const FORMS: Form[] = ['Sequential', 'functional'];

describe('TF.js -> Zoo', () => {
  Object.entries(ARCHS).forEach(([arch, specs], a) => {
    for (const form of FORMS) {
      it(`a ${form} CNN (${arch}) saved by tfjs-layers loads in Zoo and predicts the same`, async () => {
        const tm = buildTf(specs, form);
        setTfWeights(tm, 100 + 10 * a);
        const expected = tfPredict(tm);
        const artifacts = await tfArtifacts(tm);
        const before = zoo.memory().numTensors;
        const zm = await loadLayersModel(io.fromMemory(artifacts));
        expect(zm instanceof Sequential).toBe(form === 'Sequential');
        expect(classes(zm.layers)).toEqual(classes(tm.layers));
        expect(zm.layers.map((l) => l.name)).toEqual(tm.layers.map((l) => l.name));
        expect(zm.weightNames()).toEqual(artifacts.weightSpecs!.map((s) => s.name));
        expect(zm.outputs[0].shape).toEqual(tm.outputs[0].shape);
        const got = zooPredict(zm);
        expect(got.length).toBe(expected.length);
        expectClose(got, expected, 1e-5, 1e-5, `${arch} ${form} predictions`);
        zm.dispose();
        expect(zoo.memory().numTensors, 'Zoo tensors left after dispose').toBe(before);
        tm.dispose();
      });
    }
  });

  it('refuses a channels_first model instead of reading it as NHWC', async () => {
    const tm = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          filters: 2,
          kernelSize: 3,
          dataFormat: 'channelsFirst',
          inputShape: [3, 8, 8],
          name: 'cf_conv',
        }),
        tfl.layers.flatten(),
      ],
    });
    const artifacts = await tfArtifacts(tm);
    const before = zoo.memory().numTensors;
    await expect(loadLayersModel(io.fromMemory(artifacts))).rejects.toThrow(
      "cf_conv: only dataFormat 'channelsLast' (NHWC) is supported, got 'channels_first'",
    );
    expect(zoo.memory().numTensors).toBe(before);
    tm.dispose();
    const tp = tfl.sequential({
      layers: [
        tfl.layers.maxPooling2d({
          dataFormat: 'channelsFirst',
          inputShape: [3, 8, 8],
          name: 'cf_mp',
        }),
      ],
    });
    await expect(loadLayersModel(io.fromMemory(await tfArtifacts(tp)))).rejects.toThrow(
      "cf_mp: only dataFormat 'channelsLast' (NHWC) is supported",
    );
    tp.dispose();
  });
});

describe('Zoo -> TF.js', () => {
  Object.entries(ARCHS).forEach(([arch, specs], a) => {
    for (const form of FORMS) {
      it(`a ${form} CNN (${arch}) saved by Zoo loads in tfl.loadLayersModel and predicts the same`, async () => {
        const before = zoo.memory().numTensors;
        const zm = buildZoo(specs, form);
        setZooWeights(zm, 200 + 10 * a);
        const expected = zooPredict(zm);
        const artifacts = await zooArtifacts(zm);
        const tm = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
        expect(tm.getClassName()).toBe(form === 'Sequential' ? 'Sequential' : 'Model');
        expect(classes(tm.layers)).toEqual(classes(zm.layers));
        expect(tm.weights.map((w) => w.originalName)).toEqual(zm.weightNames());
        const got = tfPredict(tm);
        expect(got.length).toBe(expected.length);
        expectClose(got, expected, 1e-5, 1e-5, `${arch} ${form} predictions`);
        // And back: TF.js re-saves what Zoo wrote, Zoo reloads it and predicts the same.
        const again = await loadLayersModel(io.fromMemory(await tfArtifacts(tm)));
        expect(zooPredict(again)).toEqual(expected);
        again.dispose();
        tm.dispose();
        zm.dispose();
        expect(zoo.memory().numTensors, 'Zoo tensors left after dispose').toBe(before);
      });
    }
  });

  it('writes the same layer configs as tfjs-layers for the same architectures', async () => {
    for (const specs of Object.values(ARCHS)) {
      const zm = buildZoo(specs, 'Sequential');
      const tm = buildTf(specs, 'Sequential');
      type Topo = { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
      const zt = (await zooArtifacts(zm)).modelTopology as Topo;
      const tt = (await tfArtifacts(tm)).modelTopology as unknown as Topo;
      expect(zt.config.layers.map((l) => l.class_name)).toEqual(
        tt.config.layers.map((l) => l.class_name),
      );
      zt.config.layers.forEach((l, i) => {
        const t = tt.config.layers[i].config;
        const what = `layer ${i} (${l.class_name})`;
        expect(Object.keys(l.config).sort(), `${what} config keys`).toEqual(Object.keys(t).sort());
        for (const [k, v] of Object.entries(l.config)) {
          // Names and initializer seeds differ; everything else must be equal.
          if (k === 'name' || k.endsWith('_initializer')) continue;
          expect(v, `${what} ${k}`).toEqual(t[k]);
        }
      });
      zm.dispose();
      tm.dispose();
    }
  });
});
