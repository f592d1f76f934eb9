// Acceptance: models move both ways between Zoo and @tensorflow/tfjs-layers 4.22 through the
// LayersModel format (model.json topology + weight specs + float32 bytes) and predict the same.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';
import { io, loadLayersModel } from '../src/io/index.js';
import { activation, dense, dropoutLayer, input } from '../src/layers/core.js';
import { type LayersModel, model, Sequential, sequential } from '../src/layers/model.js';
import { tfArtifacts, zooArtifacts } from './artifacts.js';
import { expectClose, prepare, rand, tf } from './oracle.js';

beforeAll(prepare);

const IN = 7;
const BATCH = 9;

/** Deterministic weights for a TF.js model (not its initializers' draws). */
function setTfWeights(m: tfl.LayersModel, seed: number): void {
  const values = m.weights.map((w, i) => {
    const shape = w.shape as number[];
    return tf.tensor(
      rand(
        shape.reduce((a, b) => a * b, 1),
        seed + i,
        -0.8,
        0.8,
      ),
      shape,
    );
  });
  m.setWeights(values);
  tf.dispose(values);
}

function setZooWeights(m: LayersModel, seed: number): void {
  const ws = m.weights;
  zoo.tidy(() =>
    m.setWeights(ws.map((w, i) => zoo.tensor(rand(w.size, seed + i, -0.8, 0.8), w.shape))),
  );
}

function tfPredict(m: tfl.LayersModel, x: Float32Array): Float32Array {
  return tf.tidy(
    () => (m.predict(tf.tensor(x, [BATCH, IN])) as tf.Tensor).dataSync() as Float32Array,
  );
}

function zooPredict(m: LayersModel, x: Float32Array): Float32Array {
  return zoo.tidy(() => m.predict(zoo.tensor(x, [BATCH, IN])).dataSync() as Float32Array);
}

// The same MLP in both libraries: relu, tanh, sigmoid, elu, softmax, with dropout.
function tfSequential(): tfl.Sequential {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 16, inputShape: [IN], activation: 'relu' }),
      tfl.layers.dropout({ rate: 0.25 }),
      tfl.layers.dense({ units: 12, activation: 'tanh' }),
      tfl.layers.dense({
        units: 10,
        activation: 'sigmoid',
        kernelRegularizer: tfl.regularizers.l2({ l2: 0.001 }),
      }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 8, activation: 'elu', useBias: false }),
      tfl.layers.activation({ activation: 'tanh' }),
      tfl.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
  setTfWeights(m, 101);
  return m;
}

function tfFunctional(): tfl.LayersModel {
  const x = tfl.input({ shape: [IN] });
  let h = tfl.layers.dense({ units: 16, activation: 'elu' }).apply(x) as tfl.SymbolicTensor;
  h = tfl.layers.dropout({ rate: 0.3 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ units: 11, activation: 'sigmoid' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.activation({ activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ units: 9, activation: 'tanh' }).apply(h) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: x, outputs: y });
  setTfWeights(m, 202);
  return m;
}

function zooSequential(): Sequential {
  const m = sequential({
    layers: [
      dense({ units: 16, inputShape: [IN], activation: 'relu' }),
      dropoutLayer({ rate: 0.25 }),
      dense({ units: 12, activation: 'tanh' }),
      dense({ units: 10, activation: 'sigmoid', kernelRegularizer: 'l2' }),
      dropoutLayer({ rate: 0.5 }),
      dense({ units: 8, activation: 'elu', useBias: false, kernelInitializer: 'heNormal' }),
      activation({ activation: 'tanh' }),
      dense({ units: 5, activation: 'softmax', biasInitializer: 'ones' }),
    ],
  });
  setZooWeights(m, 303);
  return m;
}

function zooFunctional(): LayersModel {
  const x = input({ shape: [IN] });
  let h = dense({ units: 16, activation: 'elu' }).apply(x);
  h = dropoutLayer({ rate: 0.3 }).apply(h);
  h = dense({ units: 11, activation: 'sigmoid' }).apply(h);
  h = activation({ activation: 'relu' }).apply(h);
  h = dense({ units: 9, activation: 'tanh', kernelInitializer: 'lecunNormal' }).apply(h);
  const y = dense({ units: 4, activation: 'softmax' }).apply(h);
  const m = model({ inputs: x, outputs: y, name: 'zoo_functional' });
  setZooWeights(m, 404);
  return m;
}

const x = rand(BATCH * IN, 7, -2, 2);

describe('TF.js -> Zoo', () => {
  for (const [kind, make] of [
    ['Sequential', tfSequential],
    ['functional', tfFunctional],
  ] as const) {
    it(`a ${kind} MLP saved by tfjs-layers loads via io.fromMemory and predicts the same`, async () => {
      const tm = make();
      const expected = tfPredict(tm, x);
      const artifacts = await tfArtifacts(tm);
      expect(artifacts.generatedBy).toBe('TensorFlow.js tfjs-layers v4.22.0');
      const before = zoo.memory().numTensors;
      const zm = await loadLayersModel(io.fromMemory(artifacts));
      expect(zm instanceof Sequential).toBe(kind === 'Sequential');
      expect(zm.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name)).toEqual(
        tm.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name),
      );
      expect(zm.weightNames()).toEqual(artifacts.weightSpecs!.map((s) => s.name));
      expectClose(zooPredict(zm, x), expected, 1e-5, 1e-5, `${kind} predictions`);
      zm.dispose();
      expect(zoo.memory().numTensors).toBe(before);
      tm.dispose();
    });
  }
});

describe('Zoo -> TF.js', () => {
  for (const [kind, make] of [
    ['Sequential', zooSequential],
    ['functional', zooFunctional],
  ] as const) {
    it(`a ${kind} MLP saved by Zoo loads in tfl.loadLayersModel and predicts the same`, async () => {
      const zm = make();
      const expected = zooPredict(zm, x);
      const artifacts = await zooArtifacts(zm);
      const tm = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      expect(tm.getClassName()).toBe(kind === 'Sequential' ? 'Sequential' : 'Model');
      expect(tm.weights.map((w) => w.originalName)).toEqual(zm.weightNames());
      expectClose(tfPredict(tm, x), expected, 1e-5, 1e-5, `${kind} predictions`);
      // And back: TF.js re-saves what Zoo wrote, Zoo reloads it unchanged.
      const again = await loadLayersModel(io.fromMemory(await tfArtifacts(tm)));
      expect(zooPredict(again, x)).toEqual(expected);
      again.dispose();
      tm.dispose();
      zm.dispose();
    });
  }

  it('writes the same JSON layout as tfjs-layers for the same architecture', async () => {
    const zm = zooSequential();
    const tm = tfSequential();
    const za = await zooArtifacts(zm);
    const ta = await tfArtifacts(tm);
    type Topo = {
      class_name: string;
      keras_version: string;
      backend: string;
      config: { name: string; layers: { class_name: string; config: Record<string, unknown> }[] };
    };
    const zt = za.modelTopology as Topo;
    const tt = ta.modelTopology as unknown as Topo;
    expect(Object.keys(zt).sort()).toEqual(Object.keys(tt).sort());
    expect(zt.keras_version).toBe(tt.keras_version);
    expect(zt.backend).toBe(tt.backend);
    expect(Object.keys(za).sort()).toEqual(Object.keys(ta).sort());
    expect(za.format).toBe(ta.format);
    expect(zt.config.layers.map((l) => l.class_name)).toEqual(
      tt.config.layers.map((l) => l.class_name),
    );
    zt.config.layers.forEach((l, i) => {
      const t = tt.config.layers[i];
      expect(Object.keys(l.config).sort(), `layer ${i} config keys`).toEqual(
        Object.keys(t.config).sort(),
      );
      for (const k of [
        'units',
        'activation',
        'use_bias',
        'rate',
        'noise_shape',
        'seed',
        'batch_input_shape',
        'dtype',
        'trainable',
      ]) {
        expect(l.config[k], `layer ${i} ${k}`).toEqual(t.config[k]);
      }
    });
    expect(za.weightSpecs!.map((s) => [s.shape, s.dtype])).toEqual(
      ta.weightSpecs!.map((s) => [s.shape, s.dtype]),
    );
    expect((za.weightData as ArrayBuffer).byteLength).toBe(
      (ta.weightData as ArrayBuffer).byteLength,
    );
    zm.dispose();
    tm.dispose();
  });
});
