// Residual networks move both ways between Zoo and @tensorflow/tfjs-layers 4.22 through the
// LayersModel format: conv-bn-relu-conv-bn-add blocks (one with a projection shortcut), random
// weights and non-trivial moving statistics; predictions agree in inference mode, and a
// training-mode forward pass moves the moving statistics the same way.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';
import { io, loadLayersModel, type ModelArtifacts } from '../src/io/index.js';
import type { LayersModel } from '../src/layers/model.js';
import { tfArtifacts, zooArtifacts } from './artifacts.js';
import { expectClose, prepare, rand, tf } from './oracle.js';

beforeAll(prepare);

const SHAPE = [9, 9, 3];
const BATCH = 3;

/** The layer factories both libraries share by name. */
interface Lib {
  // biome-ignore lint/suspicious/noExplicitAny: shared by Zoo and tfjs-layers.
  layers: Record<string, (args: any) => { apply(x: any): any }>;
  // biome-ignore lint/suspicious/noExplicitAny: shared by Zoo and tfjs-layers.
  input(args: { shape: number[] }): any;
  // biome-ignore lint/suspicious/noExplicitAny: shared by Zoo and tfjs-layers.
  model(args: { inputs: any; outputs: any }): any;
}

/**
 * conv(8)-bn-relu, then a block with a projection shortcut (stride 2, 8 -> 12 channels), then
 * an identity block, then global average pooling and a dense head.
 */
function resnet(lib: Lib, p: string, variants = true) {
  const L = lib.layers;
  const conv = (x: unknown, f: number, k: number, s: number, name: string, useBias = true) =>
    L.conv2d({ filters: f, kernelSize: k, strides: s, padding: 'same', useBias, name }).apply(x);
  const bn = (x: unknown, name: string, args: Record<string, unknown> = {}) =>
    L.batchNormalization({ name, ...args }).apply(x);
  const relu = (x: unknown, name: string) => L.activation({ activation: 'relu', name }).apply(x);
  const inp = lib.input({ shape: SHAPE });
  let h = relu(bn(conv(inp, 8, 3, 1, `${p}conv0`), `${p}bn0`, { epsilon: 1.001e-5 }), `${p}r0`);
  // Block 1: projection shortcut.
  let a = relu(bn(conv(h, 12, 3, 2, `${p}b1_conv1`, false), `${p}b1_bn1`), `${p}b1_r1`);
  a = bn(conv(a, 12, 3, 1, `${p}b1_conv2`), `${p}b1_bn2`, { momentum: 0.9 });
  const sc = bn(conv(h, 12, 1, 2, `${p}b1_proj`), `${p}b1_bnp`);
  h = relu(L.add({ name: `${p}b1_add` }).apply([a, sc]), `${p}b1_out`);
  // Block 2: identity shortcut; one BN without scale, one without center.
  a = relu(
    bn(conv(h, 12, 3, 1, `${p}b2_conv1`), `${p}b2_bn1`, variants ? { scale: false } : {}),
    `${p}b2_r1`,
  );
  a = bn(conv(a, 12, 3, 1, `${p}b2_conv2`), `${p}b2_bn2`, variants ? { center: false } : {});
  h = relu(L.add({ name: `${p}b2_add` }).apply([h, a]), `${p}b2_out`);
  const g = L.globalAveragePooling2d({ name: `${p}gap` }).apply(h);
  const out = L.dense({ units: 5, activation: 'softmax', name: `${p}head` }).apply(g);
  return lib.model({ inputs: inp, outputs: out });
}

const zooLib = zoo as unknown as Lib;
const tfLib = tfl as unknown as Lib;

/** Values for a weight by its name: positive variances, gammas near 1, small others. */
function valuesFor(name: string, size: number, seed: number): Float32Array {
  if (name.endsWith('moving_variance')) return rand(size, seed, 0.2, 2.5);
  if (name.endsWith('gamma')) return rand(size, seed, 0.5, 1.6);
  if (name.endsWith('moving_mean')) return rand(size, seed, -0.8, 0.8);
  return rand(size, seed, -0.5, 0.5);
}

function baseName(n: string): string {
  return n.replace(/_\d+$/, '');
}

const x = rand(BATCH * SHAPE[0] * SHAPE[1] * SHAPE[2], 21, -1.5, 2);

describe('residual models between tfjs-layers and Zoo', () => {
  /** A tfjs-layers ResNet with set weights, its artifacts, and the Zoo model loaded from them. */
  async function fromTf(variants: boolean) {
    const tm = resnet(tfLib, variants ? 't_' : 'tt_', variants) as tfl.LayersModel;
    const tw = tm.weights.map((w, i) =>
      tf.tensor(
        valuesFor(baseName(w.name), w.shape.reduce((a, b) => a! * b!, 1)!, 300 + i),
        w.shape as number[],
      ),
    );
    tm.setWeights(tw);
    tf.dispose(tw);
    const artifacts = await tfArtifacts(tm);
    const zm = await loadLayersModel(io.fromMemory(artifacts));
    return { tm, zm, artifacts };
  }

  it('a ResNet saved by tfjs-layers loads in Zoo and predicts the same (inference)', async () => {
    const before = zoo.memory().numTensors;
    const { tm, zm, artifacts } = await fromTf(true);
    const expected = tf.tidy(
      () => (tm.predict(tf.tensor(x, [BATCH, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array,
    );
    const topo = JSON.stringify(artifacts.modelTopology);
    expect(topo).toContain('"class_name":"BatchNormalization"');
    expect(topo).toContain('"class_name":"Add"');
    expect(zm.layers.map((l) => l.name)).toEqual(tm.layers.map((l) => l.name));
    expect(zm.layers.map((l) => l.getClassName())).toEqual(tm.layers.map((l) => l.getClassName()));
    expect(zm.weightNames()).toEqual(tm.weights.map((w) => w.originalName));
    expect(zm.countParams()).toBe(tm.countParams());
    expect(zm.trainableWeights.length).toBe(tm.trainableWeights.length);
    const got = zoo.tidy(
      () => zm.predict(zoo.tensor(x, [BATCH, ...SHAPE])).dataSync() as Float32Array,
    );
    expectClose(got, expected, 1e-4, 1e-5, 'predictions');
    // The probabilities are not trivially uniform (the weights matter).
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.05);
    zm.dispose();
    expect(zoo.memory().numTensors, 'Zoo tensors left after dispose').toBe(before);
    tm.dispose();
  });

  it('a loaded ResNet runs a training-mode pass like tfjs-layers (batch stats, moving stats)', async () => {
    // tfjs-layers 4.22 cannot run BatchNormalization with center or scale false in training.
    const { tm, zm } = await fromTf(false);
    const zt = zoo.tidy(
      () =>
        (
          zm.apply(zoo.tensor(x, [BATCH, ...SHAPE]), { training: true }) as zoo.Tensor
        ).dataSync() as Float32Array,
    );
    const tt = tf.tidy(() =>
      (tm.apply(tf.tensor(x, [BATCH, ...SHAPE]), { training: true }) as tf.Tensor).dataSync(),
    );
    expectClose(zt, tt as Float32Array, 1e-4, 1e-5, 'training-mode outputs');
    const zByName = new Map(zm.weights.map((w, i) => [zm.weightNames()[i], w]));
    let checked = 0;
    for (const w of tm.weights) {
      if (!w.originalName.includes('moving')) continue;
      const zw = zByName.get(w.originalName);
      expect(zw, w.originalName).toBeDefined();
      expectClose(zw!.dataSync(), w.read().dataSync() as Float32Array, 1e-5, 1e-6, w.originalName);
      checked++;
    }
    expect(checked).toBe(12); // 6 BatchNormalization layers
    zm.dispose();
    tm.dispose();
  });

  it('a ResNet saved by Zoo loads in tfl.loadLayersModel and predicts the same (inference)', async () => {
    const before = zoo.memory().numTensors;
    const zm = resnet(zooLib, 'z_') as LayersModel;
    const names = zm.weightNames();
    zoo.tidy(() =>
      zm.setWeights(
        zm.weights.map((w, i) =>
          zoo.tensor(valuesFor(names[i], w.size, 500 + i), w.shape as number[]),
        ),
      ),
    );
    const expected = zoo.tidy(
      () => zm.predict(zoo.tensor(x, [BATCH, ...SHAPE])).dataSync() as Float32Array,
    );
    const artifacts = await zooArtifacts(zm);
    const tm = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(tm.layers.map((l) => l.name)).toEqual(zm.layers.map((l) => l.name));
    expect(tm.layers.map((l) => l.getClassName())).toEqual(zm.layers.map((l) => l.getClassName()));
    expect(tm.countParams()).toBe(zm.countParams());
    const got = tf.tidy(
      () => (tm.predict(tf.tensor(x, [BATCH, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array,
    );
    expectClose(got, expected, 1e-4, 1e-5, 'predictions');
    // And back: Zoo -> Zoo keeps the config and the predictions.
    const again = await loadLayersModel(io.fromMemory(artifacts));
    expect(again.getConfig()).toEqual(zm.getConfig());
    const back = zoo.tidy(
      () => again.predict(zoo.tensor(x, [BATCH, ...SHAPE])).dataSync() as Float32Array,
    );
    expectClose(back, expected, 0, 0, 'Zoo round trip');
    again.dispose();
    zm.dispose();
    expect(zoo.memory().numTensors).toBe(before);
    tm.dispose();
  });
});

/** A model.json as tensorflowjs_converter writes it for a Keras 2 functional model. */
function kerasTopology() {
  const bn = (name: string, inbound: string) => ({
    class_name: 'BatchNormalization',
    config: {
      name,
      trainable: true,
      dtype: 'float32',
      axis: [3],
      momentum: 0.99,
      epsilon: 1.001e-5,
      center: true,
      scale: true,
      beta_initializer: { class_name: 'Zeros', config: {} },
      gamma_initializer: { class_name: 'Ones', config: {} },
      moving_mean_initializer: { class_name: 'Zeros', config: {} },
      moving_variance_initializer: { class_name: 'Ones', config: {} },
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    },
    name,
    inbound_nodes: [[[inbound, 0, 0, {}]]],
  });
  const conv = (name: string, inbound: string, filters: number, k: number, s: number) => ({
    class_name: 'Conv2D',
    config: {
      name,
      trainable: true,
      dtype: 'float32',
      filters,
      kernel_size: [k, k],
      strides: [s, s],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'linear',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    },
    name,
    inbound_nodes: [[[inbound, 0, 0, {}]]],
  });
  const act = (name: string, inbound: string) => ({
    class_name: 'Activation',
    config: { name, trainable: true, dtype: 'float32', activation: 'relu' },
    name,
    inbound_nodes: [[[inbound, 0, 0, {}]]],
  });
  return {
    keras_version: '2.13.1',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Functional',
      config: {
        name: 'mini_resnet',
        layers: [
          {
            class_name: 'InputLayer',
            config: {
              batch_input_shape: [null, 8, 8, 3],
              dtype: 'float32',
              sparse: false,
              ragged: false,
              name: 'input_1',
            },
            name: 'input_1',
            inbound_nodes: [],
          },
          conv('conv1_conv', 'input_1', 6, 3, 2),
          bn('conv1_bn', 'conv1_conv'),
          act('conv1_relu', 'conv1_bn'),
          conv('block_0_conv', 'conv1_relu', 10, 1, 1),
          conv('block_1_conv', 'conv1_relu', 10, 3, 1),
          bn('block_0_bn', 'block_0_conv'),
          bn('block_1_bn', 'block_1_conv'),
          {
            class_name: 'Add',
            config: { name: 'block_add', trainable: true, dtype: 'float32' },
            name: 'block_add',
            inbound_nodes: [
              [
                ['block_0_bn', 0, 0, {}],
                ['block_1_bn', 0, 0, {}],
              ],
            ],
          },
          act('block_out', 'block_add'),
        ],
        input_layers: [['input_1', 0, 0]],
        output_layers: [['block_out', 0, 0]],
      },
    },
  };
}

describe('a Keras 2 functional ResNet model.json (tensorflowjs_converter layout)', () => {
  it('loads in Zoo and predicts as tfjs-layers does on the same artifacts', async () => {
    const topology = kerasTopology();
    const layers = topology.model_config.config.layers;
    const specs: { name: string; shape: number[]; dtype: 'float32' }[] = [];
    const channels: Record<string, [number, number, number]> = {
      conv1_conv: [3, 3, 6],
      block_0_conv: [1, 6, 10],
      block_1_conv: [3, 6, 10],
    };
    for (const l of layers) {
      if (l.class_name === 'Conv2D') {
        const [k, cin, cout] = channels[l.name];
        specs.push({ name: `${l.name}/kernel`, shape: [k, k, cin, cout], dtype: 'float32' });
        specs.push({ name: `${l.name}/bias`, shape: [cout], dtype: 'float32' });
      }
      if (l.class_name === 'BatchNormalization') {
        const c = l.name === 'conv1_bn' ? 6 : 10;
        for (const w of ['gamma', 'beta', 'moving_mean', 'moving_variance'])
          specs.push({ name: `${l.name}/${w}`, shape: [c], dtype: 'float32' });
      }
    }
    const parts = specs.map((s, i) =>
      valuesFor(
        s.name,
        s.shape.reduce((a, b) => a * b, 1),
        700 + i,
      ),
    );
    const total = parts.reduce((n, p) => n + p.length, 0);
    const data = new Float32Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    const artifacts = {
      modelTopology: topology,
      weightSpecs: specs,
      weightData: data.buffer,
      format: 'layers-model',
    };
    const zm = await loadLayersModel(io.fromMemory(artifacts as unknown as ModelArtifacts));
    const tm2 = await tfl.loadLayersModel({
      load: async () => artifacts as unknown as tf.io.ModelArtifacts,
    });
    expect(zm.name).toBe('mini_resnet');
    expect(zm.layers.map((l) => l.name)).toEqual(tm2.layers.map((l) => l.name));
    const input = rand(2 * 8 * 8 * 3, 77, -1, 1);
    const expected = tf.tidy(
      () => (tm2.predict(tf.tensor(input, [2, 8, 8, 3])) as tf.Tensor).dataSync() as Float32Array,
    );
    const got = zoo.tidy(
      () => zm.predict(zoo.tensor(input, [2, 8, 8, 3])).dataSync() as Float32Array,
    );
    expectClose(got, expected, 1e-4, 1e-5, 'Keras model predictions');
    zm.dispose();
    tm2.dispose();
    // A weight whose shape does not fit the architecture is refused, naming it.
    const bad = specs.map((s) => (s.name === 'block_1_bn/gamma' ? { ...s, shape: [5, 2] } : s));
    const before = zoo.memory().numTensors;
    await expect(
      loadLayersModel(
        io.fromMemory({ ...artifacts, weightSpecs: bad } as unknown as ModelArtifacts),
      ),
    ).rejects.toThrow(
      "loadLayersModel: weight 'block_1_bn/gamma' has shape [5,2] in the manifest but [10] in the model",
    );
    expect(zoo.memory().numTensors).toBe(before);
  });
});
