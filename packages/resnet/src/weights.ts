// Loading saved weights into an already-built model by weight name (`<layer>/<weight>`), so a
// model file converted from Keras (or saved by TF.js or Zoo) fills a Zoo ResNet of the same
// architecture; every mismatch is reported with the layer it concerns.
import {
  type IOHandler,
  io,
  type LayersModel,
  type ModelArtifacts,
  tensor,
  tidy,
  type Variable,
} from '@zoo/core';

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /**
   * Require the file's weights and the model's to be the same set (default true). With false,
   * weights of the file that the model lacks are skipped, and model weights the file lacks keep
   * their values (e.g. loading a no-top file into a model with a different head).
   */
  strict?: boolean;
}

/** What {@link loadWeights} did. */
export interface LoadWeightsResult {
  /** Names of the weights written. */
  loaded: string[];
  /** Names of the file's weights the model has no use for (non-strict mode). */
  skipped: string[];
  /** Names of the model's weights the file lacks (non-strict mode). */
  missing: string[];
}

function handlerFor(source: string | IOHandler): IOHandler {
  if (typeof source === 'string') {
    if (source.startsWith('file://')) return io.fileSystem(source);
    if (/^https?:\/\//i.test(source)) return io.http(source);
    throw new Error(
      `loadWeights: cannot load '${source}'; give 'file:///abs/model.json' (Node), an http(s):// URL, or an IOHandler`,
    );
  }
  if (source === null || typeof source !== 'object' || typeof source.load !== 'function') {
    throw new Error('loadWeights: expected a URL string or an IOHandler with a load() method');
  }
  return source;
}

function concat(data: ArrayBuffer | ArrayBuffer[] | ArrayBufferView): ArrayBuffer {
  if (ArrayBuffer.isView(data)) {
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let pos = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), pos);
    pos += b.byteLength;
  }
  return out.buffer;
}

const dims = (s: readonly number[]) => `[${s.join(',')}]`;

/** Keras-converted names may carry a TF variable suffix (`conv1_conv/kernel:0`). */
const canonical = (name: string) => name.replace(/:0$/, '');

/**
 * Loads the weights of a saved TF.js layers model (`model.json` + weights: from
 * `tensorflowjs_converter` on a Keras model, `tfjs` `model.save`, or Zoo's `save`) into
 * `model`, matching weights by name (`<layer name>/<weight name>`, e.g. `conv1_bn/moving_mean`)
 * rather than by position, so the order of the file's layers does not matter. Every name,
 * dtype (float32) and shape is checked before any weight is written; an error names the
 * layer and gives both shapes. The file's topology is not used: build the architecture first
 * (`resnet50({ weights: null })`).
 *
 * @param source `'file:///abs/model.json'` (Node), an `http(s)://` URL, or an IOHandler
 *   (e.g. `io.fromMemory(artifacts)`).
 */
export async function loadWeights(
  model: LayersModel,
  source: string | IOHandler,
  options: LoadWeightsOptions = {},
): Promise<LoadWeightsResult> {
  const artifacts = await handlerFor(source).load!();
  return setWeightsFromArtifacts(model, artifacts, options);
}

/** {@link loadWeights} from artifacts already in memory. */
export function setWeightsFromArtifacts(
  model: LayersModel,
  artifacts: ModelArtifacts,
  options: LoadWeightsOptions = {},
): LoadWeightsResult {
  const who = `loadWeights(${model.name})`;
  const strict = options.strict ?? true;
  const specs = artifacts?.weightSpecs;
  if (!Array.isArray(specs))
    throw new Error(`${who}: the model file lists no weights (weightSpecs)`);
  const data =
    artifacts.weightData === undefined ? new ArrayBuffer(0) : concat(artifacts.weightData);
  const file = new Map<string, { offset: number; shape: number[] }>();
  let offset = 0;
  for (const s of specs) {
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.name !== 'string' ||
      !Array.isArray(s.shape)
    ) {
      throw new Error(`${who}: malformed weight spec ${JSON.stringify(s)}`);
    }
    if (s.dtype !== 'float32' || s.quantization != null) {
      throw new Error(
        `${who}: weight '${s.name}' is ${s.quantization != null ? `quantized to ${s.quantization.dtype}` : s.dtype}; only float32 weights load`,
      );
    }
    const name = canonical(s.name);
    if (file.has(name)) throw new Error(`${who}: the file lists weight '${name}' twice`);
    file.set(name, { offset, shape: s.shape });
    offset += s.shape.reduce((n, d) => n * d, 1) * 4;
  }
  if (offset !== data.byteLength) {
    throw new Error(
      `${who}: the weight data is ${data.byteLength} bytes but the manifest describes ${offset}; the weights file is ${data.byteLength < offset ? 'truncated' : 'longer than its manifest'}`,
    );
  }
  const targets: { layer: string; name: string; v: Variable }[] = [];
  for (const l of model.layers) {
    for (const w of l.layerWeights)
      targets.push({ layer: l.name, name: w.originalName, v: w.variable });
  }
  const missing = targets.filter((t) => !file.has(t.name));
  if (strict && missing.length > 0) {
    const m = missing[0];
    throw new Error(
      `${who}: layer '${m.layer}': the file has no weight '${m.name}'${
        missing.length > 1
          ? ` (and ${missing.length - 1} more missing: ${missing
              .slice(1, 6)
              .map((t) => `'${t.name}'`)
              .join(', ')}${missing.length > 6 ? ', ...' : ''})`
          : ''
      }; does the file hold this architecture? Its weights start ${[...file.keys()]
        .slice(0, 4)
        .map((n) => `'${n}'`)
        .join(', ')}`,
    );
  }
  const known = new Set(targets.map((t) => t.name));
  const skipped = [...file.keys()].filter((n) => !known.has(n));
  if (strict && skipped.length > 0) {
    const layer = skipped[0].split('/')[0];
    throw new Error(
      `${who}: the file has weight '${skipped[0]}' (layer '${layer}') that the model does not${skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : ''}; pass { strict: false } to skip such weights`,
    );
  }
  const present = targets.filter((t) => file.has(t.name));
  for (const t of present) {
    const f = file.get(t.name)!;
    const shape = t.v.shape;
    if (f.shape.length !== shape.length || f.shape.some((d, i) => d !== shape[i])) {
      throw new Error(
        `${who}: layer '${t.layer}': weight '${t.name}' has shape ${dims(shape)} in the model but ${dims(f.shape)} in the file`,
      );
    }
  }
  tidy(() => {
    for (const t of present) {
      const { offset: o } = file.get(t.name)!;
      t.v.assign(tensor(new Float32Array(data, o, t.v.size), t.v.shape));
    }
  });
  return {
    loaded: present.map((t) => t.name),
    skipped,
    missing: missing.map((t) => t.name),
  };
}
