// Model <-> TF.js LayersModel artifacts: Keras JSON (snake_case) topology, weight specs and
// little-endian float32 weight bytes; rebuilding Sequential and functional models from them.
import { tidy } from '../engine.js';
import { registerActivationLayers } from '../layers/activations.js';
import { registerConvLayers } from '../layers/conv.js';
import { registerConv1dLayers } from '../layers/conv1d.js';
import { InputLayer, registerCoreLayers } from '../layers/core.js';
import {
  type Layer,
  layerFactory,
  registeredLayers,
  type SymbolicTensor,
  weightsChanged,
} from '../layers/layer.js';
import { registerMergeLayers } from '../layers/merge.js';
import { LayersModel, Sequential } from '../layers/model.js';
import { registerNormalizationLayers } from '../layers/normalization.js';
import { registerRecurrentLayers } from '../layers/recurrent.js';
import { registerReshapingLayers } from '../layers/reshaping.js';
import { tensor } from '../ops/creation.js';
import { fileSystem } from './file.js';
import {
  concatWeightData,
  http,
  type IOHandler,
  KERAS_VERSION,
  type LoadOptions,
  type ModelArtifacts,
  type SaveResult,
  type WeightsManifestEntry,
  ZOO_VERSION,
} from './io.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Dict = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// Key conversion, as tfjs-layers's serialization_utils.ts.

/** camelCase -> snake_case exactly as tfjs-layers's `toSnakeCase`. @internal */
export function toSnakeCase(name: string): string {
  const s = name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return s[0] !== '_' ? s : `private${s}`;
}

/** snake_case -> camelCase exactly as tfjs-layers's `toCamelCase`. @internal */
export function toCamelCase(id: string): string {
  if (id.length <= 1 || !id.includes('_')) return id;
  return id.replace(/[_]+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

const NAME_LISTS = new Set(['inboundNodes', 'outputLayers', 'inputLayers']);

function isKerasObject(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'class_name' in v;
}

/**
 * A Zoo config (camelCase keys) as TF.js writes it (`convertTsToPythonic`): keys and string
 * values in snake_case, except names (`name`, `className`, and layer names in node lists);
 * `undefined` becomes null. Nested Keras JSON (`{ class_name, config }`, e.g. initializers) is
 * already in that form and is copied as is. @internal
 */
export function toPythonic(value: unknown, key?: string): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toSnakeCase(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      key !== undefined && NAME_LISTS.has(key) && i === 0 && typeof item === 'string'
        ? item
        : toPythonic(item, key),
    );
  }
  if (typeof value === 'object') {
    if (isKerasObject(value)) return JSON.parse(JSON.stringify(value)) as Json;
    const out: Dict = {};
    for (const [k, v] of Object.entries(value)) {
      out[toSnakeCase(k)] =
        (k === 'name' || k === 'className') && typeof v === 'string' ? v : toPythonic(v, k);
    }
    return out;
  }
  throw new Error(`model.save: cannot serialize a ${typeof value} in a layer config`);
}

/**
 * A saved layer config with camelCase keys, for the layer factories. String values stay as
 * written; nested Keras JSON objects (initializers, regularizers) are left untouched. @internal
 */
export function fromPythonic(value: Json): unknown {
  if (Array.isArray(value)) return value.map(fromPythonic);
  if (value === null || typeof value !== 'object') return value;
  if (isKerasObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Dict)) out[toCamelCase(k)] = fromPythonic(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Saving.

/** Resolves a save destination: a handler with `save`, or a `file://` directory. */
function saveHandler(dest: IOHandler | string): IOHandler {
  if (typeof dest === 'string') {
    if (dest.startsWith('file://')) return fileSystem(dest);
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(dest)?.[0] ?? dest;
    throw new Error(
      `model.save: cannot save to '${scheme}'; use 'file:///absolute/dir' (Node) or io.withSaveHandler(...)`,
    );
  }
  if (dest === null || typeof dest !== 'object' || typeof dest.save !== 'function') {
    throw new Error('model.save: expected a file:// URL or an IOHandler with a save() method');
  }
  return dest;
}

/**
 * The artifacts of a model: Keras JSON topology (as tfjs-layers 4.22 writes it), the weight
 * specs and the weights as one little-endian float32 buffer, in `model.weights` order.
 */
export function modelToArtifacts(model: LayersModel): ModelArtifacts {
  const modelTopology = {
    class_name: model.getClassName(),
    config: toPythonic(model.getConfig()),
    keras_version: KERAS_VERSION,
    backend: 'tensor_flow.js',
  };
  const names = model.weightNames();
  const weights = model.weights;
  const seen = new Set<string>();
  const weightSpecs: WeightsManifestEntry[] = weights.map((w, i) => {
    const name = names[i];
    if (seen.has(name)) {
      throw new Error(
        `model.save: two weights are named '${name}'; give the layers of '${model.name}' unique names`,
      );
    }
    seen.add(name);
    if (w.dtype !== 'float32')
      throw new Error(
        `model.save: weight '${name}' is ${w.dtype}; only float32 weights can be saved`,
      );
    return { name, shape: w.shape.slice(), dtype: 'float32' };
  });
  const bytes = weights.reduce((n, w) => n + w.size * 4, 0);
  const data = new Float32Array(bytes / 4);
  let pos = 0;
  for (const w of weights) {
    data.set(w.dataSync() as Float32Array, pos);
    pos += w.size;
  }
  return {
    modelTopology,
    format: 'layers-model',
    generatedBy: `Zoo ${ZOO_VERSION}`,
    convertedBy: null,
    weightSpecs,
    weightData: data.buffer,
  };
}

/** Saves a model through a handler or to a `file://` directory. @internal (use `model.save`) */
export async function saveModel(model: LayersModel, dest: IOHandler | string): Promise<SaveResult> {
  const handler = saveHandler(dest);
  if (model.outputs.length === 0) {
    throw new Error(
      `model.save: '${model.name}' has no graph yet; give the first layer an inputShape or build the model`,
    );
  }
  return handler.save!(modelToArtifacts(model));
}

// ---------------------------------------------------------------------------------------------
// Loading.

function fail(msg: string): never {
  throw new Error(`loadLayersModel: ${msg}`);
}

function loadHandler(src: IOHandler | string, options: LoadOptions): IOHandler {
  if (typeof src === 'string') {
    if (src.startsWith('file://')) return fileSystem(src);
    if (/^https?:\/\//i.test(src)) return http(src, options);
    fail(
      `cannot load '${src}'; give 'file:///abs/model.json' (Node), an http(s):// URL, or an IOHandler`,
    );
  }
  if (src === null || typeof src !== 'object' || typeof src.load !== 'function') {
    fail('expected a URL string or an IOHandler with a load() method');
  }
  return src;
}

function fmtDims(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Checks the weight specs against the data (dtype, quantization, total bytes); returns byte offsets. */
function checkWeightSpecs(
  specs: WeightsManifestEntry[],
  data: ArrayBuffer,
): Map<string, { spec: WeightsManifestEntry; offset: number }> {
  const byName = new Map<string, { spec: WeightsManifestEntry; offset: number }>();
  let offset = 0;
  for (const spec of specs) {
    if (
      spec === null ||
      typeof spec !== 'object' ||
      typeof spec.name !== 'string' ||
      !Array.isArray(spec.shape)
    ) {
      fail(`malformed weight spec ${JSON.stringify(spec)}; expected { name, shape, dtype }`);
    }
    if (spec.quantization != null) {
      fail(
        `weight '${spec.name}' is quantized to ${spec.quantization.dtype}; Zoo loads float32 weights only (save the model without quantization)`,
      );
    }
    if (spec.dtype !== 'float32') {
      fail(`weight '${spec.name}' has dtype ${String(spec.dtype)}; Zoo loads float32 weights only`);
    }
    if (spec.shape.some((d) => !Number.isInteger(d) || d < 0))
      fail(`weight '${spec.name}' has an invalid shape ${JSON.stringify(spec.shape)}`);
    if (byName.has(spec.name)) fail(`the weights manifest lists '${spec.name}' twice`);
    byName.set(spec.name, { spec, offset });
    offset += spec.shape.reduce((n, d) => n * d, 1) * 4;
  }
  if (offset !== data.byteLength) {
    fail(
      `the weight data is ${data.byteLength} bytes but the weights manifest describes ${offset} bytes (${specs.length} float32 weights); the weights file is ${data.byteLength < offset ? 'truncated' : 'longer than its manifest'}`,
    );
  }
  return byName;
}

/** Creates a layer from its saved `{ class_name, config }`. */
function createLayer(entry: Dict, created: Layer[]): Layer {
  const cls = entry.class_name;
  if (typeof cls !== 'string')
    fail(`a layer entry has no class_name: ${JSON.stringify(entry).slice(0, 200)}`);
  const factory = layerFactory(cls);
  if (factory === undefined) {
    const nested =
      cls === 'Sequential' || cls === 'Model' || cls === 'Functional'
        ? ' (nested models are not supported yet)'
        : '';
    fail(
      `unknown layer class '${cls}'${nested}; known layer classes: ${registeredLayers().sort().join(', ')}`,
    );
  }
  const raw = entry.config;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(`layer class '${cls}' has no config object`);
  const config = fromPythonic(raw) as Record<string, unknown>;
  if (config.name === undefined && typeof entry.name === 'string') config.name = entry.name;
  if (
    cls === 'InputLayer' &&
    config.batchInputShape === undefined &&
    Array.isArray(config.batchShape)
  ) {
    config.batchInputShape = config.batchShape; // Keras 3 spelling
  }
  let layer: Layer;
  try {
    layer = factory(config);
  } catch (e) {
    fail(`cannot create layer '${String(config.name)}' (${cls}): ${(e as Error).message}`);
  }
  created.push(layer);
  return layer;
}

function buildSequential(config: Json, created: Layer[]): LayersModel {
  // Old TF.js / Keras wrote the config as the bare list of layers.
  const layersJson = Array.isArray(config) ? config : (config as Dict | null)?.layers;
  const name = Array.isArray(config) ? undefined : (config as Dict | null)?.name;
  if (!Array.isArray(layersJson)) fail("the Sequential config has no 'layers' list");
  const layers = layersJson.map((l) => createLayer(l as Dict, created));
  const model = new Sequential({ name: typeof name === 'string' ? name : undefined });
  for (const l of layers) model.add(l);
  if (model.outputs.length === 0)
    fail("the first layer of the Sequential model has no 'batch_input_shape'");
  return model;
}

type NodeRef = [string, number, number];

function parseNodeRef(x: Json, where: string): NodeRef {
  if (
    !Array.isArray(x) ||
    x.length < 3 ||
    typeof x[0] !== 'string' ||
    typeof x[1] !== 'number' ||
    typeof x[2] !== 'number'
  ) {
    fail(
      `${where}: expected [layer_name, node_index, tensor_index, kwargs?], got ${JSON.stringify(x)}`,
    );
  }
  return [x[0], x[1], x[2]];
}

function buildFunctional(config: Json, created: Layer[]): LayersModel {
  if (
    config === null ||
    typeof config !== 'object' ||
    Array.isArray(config) ||
    !Array.isArray(config.layers)
  ) {
    fail("the functional model config has no 'layers' list");
  }
  const entries = config.layers as Dict[];
  const byName = new Map<string, Layer>();
  // Outputs of each processed node, per layer: outputs[layer][nodeIndex][tensorIndex].
  const outputs = new Map<Layer, SymbolicTensor[][]>();
  const pending: { layer: Layer; nodes: NodeRef[][] }[] = [];
  for (const entry of entries) {
    const layer = createLayer(entry, created);
    if (byName.has(layer.name)) fail(`two layers are named '${layer.name}'`);
    byName.set(layer.name, layer);
    const inbound = entry.inbound_nodes ?? [];
    if (!Array.isArray(inbound)) fail(`layer '${layer.name}': inbound_nodes must be a list`);
    const nodes = inbound.map((node, i) => {
      if (!Array.isArray(node)) {
        fail(
          `layer '${layer.name}': inbound node ${i} is not a list of [layer, node, tensor, kwargs] (Keras 3 format is not supported)`,
        );
      }
      return node.map((ref) => parseNodeRef(ref, `layer '${layer.name}' inbound node ${i}`));
    });
    if (layer instanceof InputLayer) outputs.set(layer, [[layer.output]]);
    else outputs.set(layer, []);
    if (nodes.length > 0) pending.push({ layer, nodes });
  }
  // Apply layers to their inputs as soon as those exist (Keras's deferred node processing).
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      while (p.nodes.length > 0) {
        const refs = p.nodes[0];
        const ins: SymbolicTensor[] = [];
        for (const [ln, ni, ti] of refs) {
          const src = byName.get(ln);
          if (src === undefined)
            fail(`layer '${p.layer.name}' takes input from unknown layer '${ln}'`);
          const t = outputs.get(src)![ni]?.[ti];
          if (t === undefined) break;
          ins.push(t);
        }
        if (ins.length < refs.length) break;
        const out = ins.length === 1 ? p.layer.apply(ins[0]) : p.layer.apply(ins);
        outputs.get(p.layer)!.push(Array.isArray(out) ? out : [out]);
        p.nodes.shift();
        progress = true;
      }
      if (p.nodes.length === 0) pending.splice(i--, 1);
    }
  }
  if (pending.length > 0) {
    fail(
      `cannot connect layer(s) ${pending.map((p) => `'${p.layer.name}'`).join(', ')}: their inputs are never produced`,
    );
  }
  const resolve = (refs: Json | undefined, what: string): SymbolicTensor[] => {
    if (!Array.isArray(refs) || refs.length === 0)
      fail(`the functional model config has no '${what}'`);
    return refs.map((r) => {
      const [ln, ni, ti] = parseNodeRef(r, what);
      const src = byName.get(ln);
      const t = src === undefined ? undefined : outputs.get(src)![ni]?.[ti];
      if (t === undefined)
        fail(`${what} refers to [${ln}, ${ni}, ${ti}], which the graph does not produce`);
      return t;
    });
  };
  const inputs = resolve(config.input_layers, 'input_layers');
  const outs = resolve(config.output_layers, 'output_layers');
  const model = new LayersModel({
    inputs,
    outputs: outs,
    name: typeof config.name === 'string' ? config.name : undefined,
  });
  return model;
}

/**
 * Builds a model from artifacts and loads its weights. Everything is checked before any weight
 * is written; on failure every layer created so far is disposed and the error rethrown.
 */
export function modelFromArtifacts(artifacts: ModelArtifacts): LayersModel {
  registerCoreLayers();
  registerConvLayers();
  registerRecurrentLayers();
  registerNormalizationLayers();
  registerMergeLayers();
  registerActivationLayers();
  registerReshapingLayers();
  registerConv1dLayers();
  if (artifacts === null || typeof artifacts !== 'object')
    fail('the IOHandler returned no model artifacts');
  let topology = artifacts.modelTopology as Dict | ArrayBuffer | undefined;
  if (topology == null) fail("the model artifacts have no 'modelTopology'");
  if (topology instanceof ArrayBuffer || ArrayBuffer.isView(topology)) {
    fail('the model topology is binary (a TF.js graph model); Zoo loads layers models only');
  }
  if (typeof topology !== 'object' || Array.isArray(topology))
    fail('modelTopology must be a JSON object');
  // Keras-converted models wrap the model in model_config.
  if (topology.model_config != null && typeof topology.model_config === 'object')
    topology = topology.model_config as Dict;
  const cls = topology.class_name;
  if (typeof cls !== 'string') fail("modelTopology has no 'class_name'");
  if (cls !== 'Sequential' && cls !== 'Model' && cls !== 'Functional') {
    fail(`the model class '${cls}' is not supported; expected Sequential, Model or Functional`);
  }

  // Weight specs and bytes first: they need no model.
  const specs = artifacts.weightSpecs ?? [];
  if (!Array.isArray(specs)) fail('weightSpecs must be a list');
  const rawData = artifacts.weightData as ArrayBuffer | ArrayBuffer[] | ArrayBufferView | undefined;
  if (rawData == null && specs.length > 0)
    fail(`the model artifacts list ${specs.length} weights but hold no weight data`);
  const data = rawData == null ? new ArrayBuffer(0) : concatWeightData(rawData);
  const manifest = checkWeightSpecs(specs, data);

  const created: Layer[] = [];
  try {
    const model =
      cls === 'Sequential'
        ? buildSequential(topology.config, created)
        : buildFunctional(topology.config, created);
    const names = model.weightNames();
    const vars = model.weights;
    const missing = names.filter((n) => !manifest.has(n));
    if (missing.length > 0) {
      fail(
        `the weights manifest lacks weight(s) ${missing.map((n) => `'${n}'`).join(', ')} of the model`,
      );
    }
    const known = new Set(names);
    const extra = [...manifest.keys()].filter((n) => !known.has(n));
    if (extra.length > 0) {
      fail(
        `the weights manifest has weight(s) the model does not: ${extra.map((n) => `'${n}'`).join(', ')}; model weights: ${names.join(', ')}`,
      );
    }
    names.forEach((n, i) => {
      const { spec } = manifest.get(n)!;
      const shape = vars[i].shape;
      if (spec.shape.length !== shape.length || spec.shape.some((d, j) => d !== shape[j])) {
        fail(
          `weight '${n}' has shape ${fmtDims(spec.shape)} in the manifest but ${fmtDims(shape)} in the model`,
        );
      }
    });
    tidy(() => {
      names.forEach((n, i) => {
        const { offset } = manifest.get(n)!;
        const v = vars[i];
        v.assign(tensor(new Float32Array(data, offset, v.size), v.shape));
      });
    });
    weightsChanged();
    return model;
  } catch (e) {
    for (const l of created) l.dispose();
    throw e;
  }
}

/**
 * Loads a TF.js layers model (`model.json` + weights): from `'file:///abs/model.json'` (Node),
 * an `http(s)://` URL (weights fetched next to model.json), or an IOHandler such as
 * `io.fromMemory(artifacts)`. Rebuilds Sequential and functional models (class_name
 * 'Sequential', 'Model' or 'Functional') made of registered layers, and checks every weight's
 * name, dtype (float32) and shape and the total byte count before writing any. A failed load
 * frees everything it created.
 */
export async function loadLayersModel(
  pathOrHandler: string | IOHandler,
  options: LoadOptions = {},
): Promise<LayersModel> {
  const handler = loadHandler(pathOrHandler, options);
  const artifacts = await handler.load!();
  return modelFromArtifacts(artifacts);
}
