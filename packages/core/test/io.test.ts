// Saving and loading models in the TF.js LayersModel format: round trips through memory, files
// and HTTP, the JSON layout, the older layouts TF.js and Keras wrote, and every load error
// (which must leave no tensor behind).
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as zoo from '../src/index.js';
import { io, loadLayersModel, type ModelArtifacts, type ModelJSON } from '../src/io/index.js';
import { activation, dense, dropoutLayer, input } from '../src/layers/core.js';
import { type LayersModel, model, Sequential, sequential } from '../src/layers/model.js';
import { rand } from './oracle.js';

let dir = '';
beforeAll(async () => {
  await zoo.ready();
  dir = await mkdtemp(join(tmpdir(), 'zoo-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Gives every weight deterministic values (the initializers' draws are not what we test). */
function setRandomWeights(m: LayersModel, seed: number): void {
  const ws = m.weights;
  zoo.tidy(() =>
    m.setWeights(ws.map((w, i) => zoo.tensor(rand(w.size, seed + i, -0.7, 0.7), w.shape))),
  );
}

function mlp(): Sequential {
  const m = sequential({
    layers: [
      dense({ units: 8, inputShape: [5], activation: 'relu' }),
      dropoutLayer({ rate: 0.3 }),
      dense({ units: 6, activation: 'tanh', kernelRegularizer: 'l2' }),
      dense({ units: 7, activation: 'sigmoid', useBias: false }),
      activation({ activation: 'elu' }),
      dense({
        units: 4,
        activation: 'softmax',
        kernelInitializer: 'heNormal',
        biasInitializer: 'ones',
      }),
    ],
  });
  setRandomWeights(m, 11);
  return m;
}

function chain(): LayersModel {
  const x = input({ shape: [6] });
  let h = dense({ units: 9, activation: 'selu' }).apply(x);
  h = dropoutLayer({ rate: 0.5 }).apply(h);
  h = dense({ units: 5, activation: 'softplus' }).apply(h);
  h = activation({ activation: 'relu6' }).apply(h);
  const y = dense({ units: 3, activation: 'softmax' }).apply(h);
  const m = model({ inputs: x, outputs: y, name: 'chain' });
  setRandomWeights(m, 23);
  return m;
}

async function toMemory(m: LayersModel): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | undefined;
  const result = await m.save(
    io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
  return saved!;
}

function predictData(m: LayersModel, x: zoo.Tensor): Float32Array {
  const y = m.predict(x);
  const d = y.dataSync() as Float32Array;
  y.dispose();
  return d;
}

/** Runs `fn`, which must throw matching `pattern`, and checks no tensor was left behind. */
async function expectLoadError(fn: () => Promise<unknown>, pattern: RegExp): Promise<string> {
  const before = zoo.memory().numTensors;
  let message = '';
  try {
    await fn();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message, 'expected the load to fail').not.toBe('');
  expect(message).toMatch(pattern);
  expect(zoo.memory().numTensors, 'a failed load left tensors behind').toBe(before);
  return message;
}

function topo(a: ModelArtifacts): Record<string, unknown> & { config: Record<string, unknown> } {
  return a.modelTopology as Record<string, unknown> & { config: Record<string, unknown> };
}

describe('save format', () => {
  it('writes the Keras JSON topology and weight specs as tfjs-layers 4.22 does', async () => {
    const m = mlp();
    const a = await toMemory(m);
    expect(a.format).toBe('layers-model');
    expect(a.generatedBy).toMatch(/^Zoo /);
    expect(a.convertedBy).toBeNull();
    const t = topo(a);
    expect(t.class_name).toBe('Sequential');
    expect(t.keras_version).toBe('tfjs-layers 4.22.0');
    expect(t.backend).toBe('tensor_flow.js');
    const layers = t.config.layers as { class_name: string; config: Record<string, unknown> }[];
    expect(t.config.name).toBe(m.name);
    expect(layers.map((l) => l.class_name)).toEqual([
      'Dense',
      'Dropout',
      'Dense',
      'Dense',
      'Activation',
      'Dense',
    ]);
    const d0 = layers[0].config;
    expect(Object.keys(d0).sort()).toEqual(
      [
        'activation',
        'activity_regularizer',
        'batch_input_shape',
        'bias_constraint',
        'bias_initializer',
        'bias_regularizer',
        'dtype',
        'kernel_constraint',
        'kernel_initializer',
        'kernel_regularizer',
        'name',
        'trainable',
        'units',
        'use_bias',
      ].sort(),
    );
    expect(d0.batch_input_shape).toEqual([null, 5]);
    expect(d0.kernel_initializer).toEqual({
      class_name: 'VarianceScaling',
      config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
    });
    expect(d0.bias_initializer).toEqual({ class_name: 'Zeros', config: {} });
    expect(layers[1].config).toEqual({
      name: layers[1].config.name,
      trainable: true,
      rate: 0.3,
      noise_shape: null,
      seed: null,
    });
    expect(layers[2].config.kernel_regularizer).toEqual({
      class_name: 'L1L2',
      config: { l1: 0, l2: 0.01 },
    });
    expect(layers[3].config.use_bias).toBe(false);
    expect(layers[5].config.bias_initializer).toEqual({ class_name: 'Ones', config: {} });
    // Weight specs: model.weights order, names <layer>/<weight>, float32, bytes to match.
    expect(a.weightSpecs!.map((s) => s.name)).toEqual(m.weightNames());
    expect(a.weightSpecs!.every((s) => s.dtype === 'float32')).toBe(true);
    expect(a.weightSpecs![0]).toEqual({
      name: `${layers[0].config.name}/kernel`,
      shape: [5, 8],
      dtype: 'float32',
    });
    const data = a.weightData as ArrayBuffer;
    expect(data.byteLength).toBe(m.countParams() * 4);
    expect(new Float32Array(data, 0, 40)).toEqual(m.weights[0].dataSync());
    m.dispose();
  });

  it('writes functional models with inbound nodes and input/output layers', async () => {
    const m = chain();
    const a = await toMemory(m);
    const t = topo(a);
    expect(t.class_name).toBe('Model');
    const c = t.config as {
      name: string;
      layers: {
        name: string;
        class_name: string;
        config: Record<string, unknown>;
        inbound_nodes: unknown[];
      }[];
      input_layers: unknown[];
      output_layers: unknown[];
    };
    expect(c.name).toBe('chain');
    const names = c.layers.map((l) => l.name);
    expect(c.layers[0].class_name).toBe('InputLayer');
    expect(c.layers[0].config).toEqual({
      batch_input_shape: [null, 6],
      dtype: 'float32',
      sparse: false,
      name: names[0],
    });
    expect(c.layers[0].inbound_nodes).toEqual([]);
    for (let i = 1; i < names.length; i++)
      expect(c.layers[i].inbound_nodes).toEqual([[[names[i - 1], 0, 0, {}]]]);
    expect(c.layers[4].config.activation).toBe('relu6');
    expect(c.input_layers).toEqual([[names[0], 0, 0]]);
    expect(c.output_layers).toEqual([[names[names.length - 1], 0, 0]]);
    m.dispose();
  });

  it('refuses destinations it cannot write', async () => {
    const m = mlp();
    await expect(m.save('indexeddb://my-model')).rejects.toThrow(
      /cannot save to 'indexeddb:\/\/'.*file:\/\//,
    );
    await expect(m.save({} as never)).rejects.toThrow(/IOHandler with a save\(\) method/);
    m.dispose();
  });
});

describe('round trips', () => {
  it('Sequential MLP: Zoo -> memory -> Zoo predicts bit-exactly', async () => {
    const m = mlp();
    const x = zoo.tensor(rand(13 * 5, 3), [13, 5]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const before = zoo.memory().numTensors;
    const loaded = await loadLayersModel(io.fromMemory(a));
    expect(loaded).toBeInstanceOf(Sequential);
    expect(loaded.name).toBe(m.name);
    expect(loaded.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    expect(loaded.getConfig()).toEqual(m.getConfig());
    expect(loaded.weightNames()).toEqual(m.weightNames());
    expect(zoo.memory().numTensors - before).toBe(m.weights.length);
    expect(predictData(loaded, x)).toEqual(expected);
    // The loaded weights are independent copies.
    for (const [i, w] of loaded.weights.entries())
      expect(w.dataSync()).toEqual(m.weights[i].dataSync());
    loaded.dispose();
    expect(predictData(m, x)).toEqual(expected);
    m.dispose();
    x.dispose();
  });

  it('functional chain: Zoo -> memory -> Zoo predicts bit-exactly', async () => {
    const m = chain();
    const x = zoo.tensor(rand(10 * 6, 4, -2, 2), [10, 6]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const loaded = await loadLayersModel(io.fromMemory(a));
    expect(loaded).not.toBeInstanceOf(Sequential);
    expect(loaded.getConfig()).toEqual(m.getConfig());
    expect(predictData(loaded, x)).toEqual(expected);
    loaded.dispose();
    m.dispose();
    x.dispose();
  });

  it('fromMemory takes (topology, specs, data), a model.json object or its text', async () => {
    const m = chain();
    const x = zoo.tensor(rand(4 * 6, 5), [4, 6]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const json: ModelJSON = {
      modelTopology: a.modelTopology as object,
      format: a.format,
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs! }],
    };
    const sources = [
      io.fromMemory(a.modelTopology as object, a.weightSpecs, a.weightData),
      io.fromMemory(json, undefined, a.weightData),
      io.fromMemory(JSON.stringify(json), undefined, new Uint8Array(a.weightData as ArrayBuffer)),
      io.fromMemory({
        ...a,
        weightData: [
          (a.weightData as ArrayBuffer).slice(0, 12),
          (a.weightData as ArrayBuffer).slice(12),
        ],
      }),
    ];
    for (const src of sources) {
      const loaded = await loadLayersModel(src);
      expect(predictData(loaded, x)).toEqual(expected);
      loaded.dispose();
    }
    m.dispose();
    x.dispose();
  });

  it('file:// round trip writes model.json + weights.bin like tfjs-node', async () => {
    const m = mlp();
    const x = zoo.tensor(rand(7 * 5, 6), [7, 5]);
    const expected = predictData(m, x);
    const out = join(dir, 'mlp', 'nested');
    const res = await m.save(`file://${out}`);
    const info = res.modelArtifactsInfo;
    expect(info.modelTopologyType).toBe('JSON');
    expect(info.dateSaved).toBeInstanceOf(Date);
    expect(info.weightDataBytes).toBe(m.countParams() * 4);
    const text = await readFile(join(out, 'model.json'), 'utf8');
    const json = JSON.parse(text) as ModelJSON;
    expect(Object.keys(json)).toEqual([
      'modelTopology',
      'format',
      'generatedBy',
      'convertedBy',
      'weightsManifest',
    ]);
    expect(info.modelTopologyBytes).toBe(Buffer.byteLength(JSON.stringify(json.modelTopology)));
    expect(info.weightSpecsBytes).toBe(
      Buffer.byteLength(JSON.stringify(json.weightsManifest[0].weights)),
    );
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual(m.weightNames());
    const bin = await readFile(join(out, 'weights.bin'));
    expect(bin.byteLength).toBe(m.countParams() * 4);
    for (const src of [
      `file://${join(out, 'model.json')}`,
      `file://${out}`,
      io.fileSystem(`file://${join(out, 'model.json')}`),
    ]) {
      const loaded = await loadLayersModel(src);
      expect(predictData(loaded, x)).toEqual(expected);
      loaded.dispose();
    }
    m.dispose();
    x.dispose();
  });

  it('http(s):// loads model.json and fetches weights next to it (query string kept)', async () => {
    const m = chain();
    const x = zoo.tensor(rand(3 * 6, 8), [3, 6]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const half = 20 * 4;
    const data = a.weightData as ArrayBuffer;
    const json: ModelJSON = {
      modelTopology: a.modelTopology as object,
      format: 'layers-model',
      weightsManifest: [
        { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: a.weightSpecs! },
      ],
    };
    const files: Record<string, BodyInit> = {
      'https://example.com/models/m/model.json?v=2': JSON.stringify(json),
      'https://example.com/models/m/group1-shard1of2.bin?v=2': data.slice(0, half),
      'https://example.com/models/m/group1-shard2of2.bin?v=2': data.slice(half),
    };
    const requested: string[] = [];
    const fake = vi.fn(async (url: string | URL | Request) => {
      requested.push(String(url));
      const body = files[String(url)];
      return body === undefined ? new Response('not found', { status: 404 }) : new Response(body);
    });
    vi.stubGlobal('fetch', fake);
    try {
      const loaded = await loadLayersModel('https://example.com/models/m/model.json?v=2');
      expect(requested).toEqual(Object.keys(files));
      expect(predictData(loaded, x)).toEqual(expected);
      loaded.dispose();
      await expectLoadError(
        () => loadLayersModel('https://example.com/models/other/model.json'),
        /model\.json https:\/\/example\.com\/models\/other\/model\.json failed with HTTP status 404/,
      );
      delete files['https://example.com/models/m/group1-shard2of2.bin?v=2'];
      await expectLoadError(
        () => loadLayersModel('https://example.com/models/m/model.json?v=2'),
        /weights file https:\/\/example\.com\/models\/m\/group1-shard2of2\.bin\?v=2 failed with HTTP status 404/,
      );
    } finally {
      vi.unstubAllGlobals();
    }
    m.dispose();
    x.dispose();
  });
});

describe('older and Keras layouts', () => {
  it('loads a Sequential whose config is a bare list of layers', async () => {
    const m = mlp();
    const x = zoo.tensor(rand(2 * 5, 9), [2, 5]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const t = topo(a);
    const old = { ...a, modelTopology: { ...t, config: t.config.layers } };
    const loaded = await loadLayersModel(io.fromMemory(old));
    expect(loaded).toBeInstanceOf(Sequential);
    expect(predictData(loaded, x)).toEqual(expected);
    loaded.dispose();
    m.dispose();
    x.dispose();
  });

  it("loads a Keras Sequential that starts with an InputLayer, wrapped in 'model_config'", async () => {
    const m = mlp();
    const x = zoo.tensor(rand(2 * 5, 10), [2, 5]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const t = topo(a);
    const layers = (
      t.config.layers as { class_name: string; config: Record<string, unknown> }[]
    ).map((l) => ({
      class_name: l.class_name,
      config: { ...l.config },
    }));
    delete layers[0].config.batch_input_shape;
    const keras = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          {
            class_name: 'InputLayer',
            config: {
              batch_input_shape: [null, 5],
              dtype: 'float32',
              sparse: false,
              name: 'input_1',
            },
          },
          ...layers,
        ],
      },
    };
    const loaded = await loadLayersModel(
      io.fromMemory({
        modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: keras },
        weightSpecs: a.weightSpecs,
        weightData: a.weightData,
      }),
    );
    expect(predictData(loaded, x)).toEqual(expected);
    loaded.dispose();
    m.dispose();
    x.dispose();
  });

  it("loads class_name 'Functional' with 3-element node refs, kwargs and layers listed out of order", async () => {
    const m = chain();
    const x = zoo.tensor(rand(5 * 6, 12), [5, 6]);
    const expected = predictData(m, x);
    const a = await toMemory(m);
    const t = topo(a);
    const c = t.config as { layers: { inbound_nodes: unknown[][][] }[] };
    const layers = c.layers.map((l, i) => ({
      ...l,
      inbound_nodes: l.inbound_nodes.map((node) =>
        node.map((ref) =>
          i % 2 === 0
            ? (ref as unknown[]).slice(0, 3)
            : [...(ref as unknown[]).slice(0, 3), { training: false }],
        ),
      ),
    }));
    layers.reverse();
    const loaded = await loadLayersModel(
      io.fromMemory({
        ...a,
        modelTopology: { ...t, class_name: 'Functional', config: { ...c, layers } },
      }),
    );
    expect(predictData(loaded, x)).toEqual(expected);
    loaded.dispose();
    m.dispose();
    x.dispose();
  });
});

describe('load errors name the problem and leave nothing behind', () => {
  let a: ModelArtifacts;
  let names: string[];
  beforeAll(async () => {
    const m = mlp();
    a = await toMemory(m);
    names = m.weightNames();
    m.dispose();
  });
  const data = () => a.weightData as ArrayBuffer;
  const load = (b: ModelArtifacts) => () => loadLayersModel(io.fromMemory(b));

  it('malformed JSON, with the parse error', async () => {
    const d = join(dir, 'bad-json');
    const m = mlp();
    await m.save(`file://${d}`);
    m.dispose();
    await writeFile(join(d, 'model.json'), '{"modelTopology": {"class_name": "Sequential",');
    const msg = await expectLoadError(
      () => loadLayersModel(`file://${join(d, 'model.json')}`),
      /model\.json is not valid JSON: .+/,
    );
    expect(msg).toContain(join(d, 'model.json'));
    await expectLoadError(
      load('{ nope' as unknown as ModelArtifacts),
      /the model JSON text is not valid JSON: .+/,
    );
  });

  it('missing modelTopology', async () => {
    await expectLoadError(
      load({ weightSpecs: a.weightSpecs, weightData: data() }),
      /no 'modelTopology'/,
    );
    const d = join(dir, 'no-topology');
    const m = mlp();
    await m.save(`file://${d}`);
    m.dispose();
    await writeFile(
      join(d, 'model.json'),
      JSON.stringify({ format: 'layers-model', weightsManifest: [] }),
    );
    await expectLoadError(
      () => loadLayersModel(`file://${d}/model.json`),
      /has no 'modelTopology'/,
    );
    await expectLoadError(
      load({ modelTopology: new ArrayBuffer(8) }),
      /binary \(a TF\.js graph model\)/,
    );
  });

  it('an unknown layer class, named with the known ones listed', async () => {
    const t = topo(a);
    const layers = (t.config.layers as { class_name: string }[]).map((l, i) =>
      i === 2 ? { ...l, class_name: 'Conv3D' } : l,
    );
    await expectLoadError(
      load({ ...a, modelTopology: { ...t, config: { ...t.config, layers } } }),
      /unknown layer class 'Conv3D'; known layer classes: .*Activation, .*Dense, Dropout, .*InputLayer/,
    );
  });

  it('weights shorter or longer than the manifest, with both byte counts', async () => {
    const n = data().byteLength;
    await expectLoadError(
      load({ ...a, weightData: data().slice(0, n - 4) }),
      new RegExp(`is ${n - 4} bytes but the weights manifest describes ${n} bytes.*truncated`),
    );
    const longer = new Uint8Array(n + 8);
    longer.set(new Uint8Array(data()));
    await expectLoadError(
      load({ ...a, weightData: longer.buffer }),
      new RegExp(`is ${n + 8} bytes but the weights manifest describes ${n} bytes.*longer`),
    );
    await expectLoadError(
      load({ ...a, weightData: undefined }),
      /list 7 weights but hold no weight data/,
    );
  });

  it('a weight whose shape differs from the layer, naming both shapes', async () => {
    const specs = a.weightSpecs!.map((s, i) => (i === 0 ? { ...s, shape: [8, 5] } : s));
    await expectLoadError(
      load({ ...a, weightSpecs: specs }),
      new RegExp(
        `weight '${names[0]}' has shape \\[8,5\\] in the manifest but \\[5,8\\] in the model`,
      ),
    );
  });

  it('a model weight missing from the manifest', async () => {
    const last = a.weightSpecs![a.weightSpecs!.length - 1];
    const bytes = last.shape.reduce((p, d) => p * d, 1) * 4;
    await expectLoadError(
      load({
        ...a,
        weightSpecs: a.weightSpecs!.slice(0, -1),
        weightData: data().slice(0, data().byteLength - bytes),
      }),
      new RegExp(`lacks weight\\(s\\) '${last.name}'`),
    );
  });

  it('an extra weight the model does not have', async () => {
    const more = new Uint8Array(data().byteLength + 8);
    more.set(new Uint8Array(data()));
    await expectLoadError(
      load({
        ...a,
        weightSpecs: [...a.weightSpecs!, { name: 'ghost/kernel', shape: [2], dtype: 'float32' }],
        weightData: more.buffer,
      }),
      /weight\(s\) the model does not: 'ghost\/kernel'/,
    );
  });

  it('int32 and quantized weights are refused clearly', async () => {
    const int = a.weightSpecs!.map((s, i) => (i === 1 ? { ...s, dtype: 'int32' as const } : s));
    await expectLoadError(
      load({ ...a, weightSpecs: int }),
      new RegExp(`'${names[1]}' has dtype int32; Zoo loads float32 weights only`),
    );
    const q = a.weightSpecs!.map((s, i) =>
      i === 1 ? { ...s, quantization: { dtype: 'uint8' as const, scale: 0.1, min: 0 } } : s,
    );
    await expectLoadError(
      load({ ...a, weightSpecs: q }),
      /quantized to uint8; Zoo loads float32 weights only/,
    );
  });

  it('a missing weights file', async () => {
    const d = join(dir, 'no-weights');
    const m = mlp();
    await m.save(`file://${d}`);
    m.dispose();
    await unlink(join(d, 'weights.bin'));
    await expectLoadError(
      () => loadLayersModel(`file://${d}/model.json`),
      /weights file .*weights\.bin \(listed in .*model\.json\) does not exist/,
    );
    await expectLoadError(
      () => loadLayersModel(`file://${join(dir, 'nowhere', 'model.json')}`),
      /model file .*nowhere.*does not exist/,
    );
  });

  it('a layer that fails mid-build frees the layers already built', async () => {
    // Sequential: the second Dense has an impossible config after the first was built.
    const t = topo(a);
    const layers = (
      t.config.layers as { class_name: string; config: Record<string, unknown> }[]
    ).map((l, i) => (i === 3 ? { ...l, config: { ...l.config, units: -1 } } : l));
    await expectLoadError(
      load({ ...a, modelTopology: { ...t, config: { ...t.config, layers } } }),
      /cannot create layer .*units must be a positive integer/,
    );
    // Functional: a layer whose input never exists, after the others were applied (and built).
    const f = chain();
    const fa = await toMemory(f);
    f.dispose();
    const ft = topo(fa);
    const fl = (ft.config.layers as { name: string; inbound_nodes: unknown[] }[]).map((l, i) =>
      i === 4 ? { ...l, inbound_nodes: [[['no_such_layer', 0, 0, {}]]] } : l,
    );
    await expectLoadError(
      load({ ...fa, modelTopology: { ...ft, config: { ...ft.config, layers: fl } } }),
      /takes input from unknown layer 'no_such_layer'/,
    );
    const unreachable = (ft.config.layers as { name: string; inbound_nodes: unknown[][][] }[]).map(
      (l, i) => (i === 4 ? { ...l, inbound_nodes: [[[l.inbound_nodes[0][0][0], 3, 0, {}]]] } : l),
    );
    await expectLoadError(
      load({ ...fa, modelTopology: { ...ft, config: { ...ft.config, layers: unreachable } } }),
      /cannot connect layer\(s\) .*their inputs are never produced/,
    );
  });

  it('unsupported sources', async () => {
    await expectLoadError(
      () => loadLayersModel('indexeddb://model'),
      /cannot load 'indexeddb:\/\/model'/,
    );
    await expectLoadError(() => loadLayersModel({} as never), /IOHandler with a load\(\) method/);
    await expectLoadError(
      load({ ...a, modelTopology: { ...topo(a), class_name: 'GraphModel' } }),
      /model class 'GraphModel' is not supported/,
    );
  });
});
