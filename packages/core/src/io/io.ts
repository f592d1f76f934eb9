// The TF.js model-artifact types and the handlers that do not touch the file system: in-memory
// artifacts, a custom save callback, and HTTP(S) loading with fetch.

/** Element types a weights manifest may declare (Zoo loads float32 only). */
export type WeightDataType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

/** One weight in a weights manifest, as TF.js writes it. */
export interface WeightsManifestEntry {
  /** Saved name, `<layer>/<weight>` (e.g. `dense_1/kernel`). */
  name: string;
  /** Dimensions. */
  shape: number[];
  /** Element type of the stored values. */
  dtype: WeightDataType;
  /** Optional group name (unused by Zoo). */
  group?: string;
  /** Quantization applied when saving (Zoo refuses quantized weights). */
  quantization?: { scale?: number; min?: number; dtype: 'uint16' | 'uint8' | 'float16' };
}

/** A group of weights stored in one or more shard files, as in `model.json`'s weightsManifest. */
export interface WeightsManifestGroupConfig {
  /** Shard file paths, relative to model.json, concatenated in this order. */
  paths: string[];
  /** The weights the shards hold, in byte order. */
  weights: WeightsManifestEntry[];
}

/** Weight bytes: one buffer, or shards to concatenate (as TF.js 4.x allows). */
export type WeightData = ArrayBuffer | ArrayBuffer[];

/**
 * A saved model in memory, with TF.js's field names: the Keras JSON topology, the weight specs
 * and the concatenated weight bytes (little-endian float32).
 */
export interface ModelArtifacts {
  /** Keras JSON `{ class_name, config, keras_version, backend }` (an ArrayBuffer is a graph model). */
  modelTopology?: object | ArrayBuffer;
  /** Format tag: 'layers-model'. */
  format?: string;
  /** Library that wrote the model. */
  generatedBy?: string;
  /** Converter that produced it, or null. */
  convertedBy?: string | null;
  /** Specs of the weights in `weightData`, in byte order. */
  weightSpecs?: WeightsManifestEntry[];
  /** The weights' bytes. */
  weightData?: WeightData;
  /** Training configuration, kept as is (Zoo does not read it). */
  trainingConfig?: object;
  /** User metadata, kept as is. */
  userDefinedMetadata?: { [key: string]: object };
}

/** The content of a `model.json` file. */
export interface ModelJSON {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  /** Where the weights are and what they hold. */
  weightsManifest: WeightsManifestGroupConfig[];
  trainingConfig?: object;
  userDefinedMetadata?: { [key: string]: object };
}

/** Sizes of what was saved. */
export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'Protobuf';
  /** UTF-8 bytes of the JSON topology. */
  modelTopologyBytes?: number;
  /** UTF-8 bytes of the JSON weight specs. */
  weightSpecsBytes?: number;
  /** Bytes of weight data. */
  weightDataBytes?: number;
}

/** What a save handler returns. */
export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  /** HTTP responses, for handlers that upload. */
  responses?: Response[];
  errors?: Array<object | string>;
}

/** Saves and/or loads model artifacts (TF.js's `tf.io.IOHandler`). */
export interface IOHandler {
  save?: (artifacts: ModelArtifacts) => Promise<SaveResult>;
  load?: () => Promise<ModelArtifacts>;
}

/** Options for loading over HTTP, as TF.js's `LoadOptions`. */
export interface LoadOptions {
  /** Passed to every `fetch` (headers, credentials, ...). */
  requestInit?: RequestInit;
  /** The fetch to use (default `globalThis.fetch`). */
  fetchFunc?: typeof fetch;
  /** Base URL for the weight files (default: the directory of model.json). */
  weightPathPrefix?: string;
}

/** The TF.js layers format version written in `keras_version`. */
export const KERAS_VERSION = 'tfjs-layers 4.22.0';
/** Zoo's version, written in `generatedBy`. */
export const ZOO_VERSION = '0.1.0';

/** UTF-8 length of a string. @internal */
export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}

/** Byte count of weight data (0 when absent). @internal */
export function weightDataBytes(data: WeightData | undefined): number {
  if (data === undefined || data === null) return 0;
  return Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
}

/** One ArrayBuffer from weight data (shards concatenated; a view copied). @internal */
export function concatWeightData(data: WeightData | ArrayBufferView): ArrayBuffer {
  if (ArrayBuffer.isView(data)) {
    const out = new Uint8Array(data.byteLength);
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return out.buffer;
  }
  if (!Array.isArray(data)) return data;
  if (data.length === 1) return data[0];
  const out = new Uint8Array(weightDataBytes(data));
  let pos = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), pos);
    pos += b.byteLength;
  }
  return out.buffer;
}

/** The SaveResult info TF.js computes for JSON artifacts. @internal */
export function artifactsInfo(a: ModelArtifacts): ModelArtifactsInfo {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology == null ? 0 : utf8Bytes(JSON.stringify(a.modelTopology)),
    weightSpecsBytes: a.weightSpecs == null ? 0 : utf8Bytes(JSON.stringify(a.weightSpecs)),
    weightDataBytes: weightDataBytes(a.weightData),
  };
}

/** The model.json object for artifacts whose weights go to `manifest` (as TF.js writes it). @internal */
export function modelJSONFor(a: ModelArtifacts, manifest: WeightsManifestGroupConfig[]): ModelJSON {
  const json: ModelJSON = {
    modelTopology: a.modelTopology as object,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
    weightsManifest: manifest,
  };
  if (a.trainingConfig != null) json.trainingConfig = a.trainingConfig;
  if (a.userDefinedMetadata != null) json.userDefinedMetadata = a.userDefinedMetadata;
  return json;
}

/** Parses model.json text, naming the source and the parse error on failure. @internal */
export function parseModelJSON(text: string, source: string): ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadLayersModel: ${source} is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(
      `loadLayersModel: ${source} must hold a JSON object, got ${Array.isArray(json) ? 'an array' : String(json)}`,
    );
  }
  const mj = json as ModelJSON;
  if (mj.modelTopology == null) {
    throw new Error(
      `loadLayersModel: ${source} has no 'modelTopology' (is it a TF.js layers model.json?)`,
    );
  }
  return mj;
}

/** Artifacts from a parsed model.json and its weight bytes. @internal */
export function artifactsFromModelJSON(json: ModelJSON, weightData?: WeightData): ModelArtifacts {
  const a: ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.weightsManifest != null) a.weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  if (weightData !== undefined) a.weightData = weightData;
  if (json.trainingConfig != null) a.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata != null) a.userDefinedMetadata = json.userDefinedMetadata;
  return a;
}

/**
 * A handler whose `save` calls your function with the artifacts (as `tf.io.withSaveHandler`):
 * `await model.save(zoo.io.withSaveHandler(async (a) => { keep(a); return { modelArtifactsInfo: ... }; }))`.
 */
export function withSaveHandler(
  saveHandler: (artifacts: ModelArtifacts) => Promise<SaveResult>,
): IOHandler {
  return { save: saveHandler };
}

/**
 * A handler that loads artifacts held in memory (as `tf.io.fromMemory`). Pass the artifacts
 * object, or a topology (or a parsed or textual model.json) with the weight specs and data.
 */
export function fromMemory(
  modelArtifacts: ModelArtifacts | ModelJSON | object | string,
  weightSpecs?: WeightsManifestEntry[],
  weightData?: WeightData | ArrayBufferView,
  trainingConfig?: object,
): IOHandler {
  return {
    load: async () => {
      let src: unknown = modelArtifacts;
      if (typeof src === 'string') src = parseModelJSON(src, 'the model JSON text');
      if (src === null || typeof src !== 'object') {
        throw new Error(
          `io.fromMemory: expected model artifacts or a model topology, got ${String(src)}`,
        );
      }
      const o = src as ModelArtifacts & Partial<ModelJSON>;
      const data = weightData === undefined ? undefined : concatWeightData(weightData);
      let a: ModelArtifacts;
      if (o.weightsManifest != null && o.modelTopology != null) {
        a = artifactsFromModelJSON(o as ModelJSON, data);
        if (weightSpecs !== undefined) a.weightSpecs = weightSpecs;
      } else if (
        o.modelTopology != null ||
        o.weightSpecs != null ||
        o.weightData != null ||
        o.format != null
      ) {
        a = { ...o };
        if (weightSpecs !== undefined) a.weightSpecs = weightSpecs;
        if (data !== undefined) a.weightData = data;
      } else {
        a = { modelTopology: o, weightSpecs, weightData: data };
      }
      if (trainingConfig !== undefined) a.trainingConfig = trainingConfig;
      return a;
    },
  };
}

async function fetchOk(
  fetchFunc: typeof fetch,
  url: string,
  init: RequestInit | undefined,
  what: string,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFunc(url, init);
  } catch (e) {
    throw new Error(`loadLayersModel: fetching ${what} ${url} failed: ${(e as Error).message}`);
  }
  if (!res.ok)
    throw new Error(
      `loadLayersModel: fetching ${what} ${url} failed with HTTP status ${res.status}`,
    );
  return res;
}

/**
 * A handler that loads `model.json` and its weight files over HTTP(S) with `fetch` (as
 * `tf.io.http`). Weight paths resolve against the model.json URL (or `weightPathPrefix`).
 */
export function http(url: string, options: LoadOptions = {}): IOHandler {
  return {
    load: async () => {
      const fetchFunc = options.fetchFunc ?? globalThis.fetch;
      if (typeof fetchFunc !== 'function')
        throw new Error(
          'loadLayersModel: no fetch function in this environment; pass options.fetchFunc',
        );
      const res = await fetchOk(fetchFunc, url, options.requestInit, 'model.json');
      const json = parseModelJSON(await res.text(), url);
      // As TF.js: weights live next to model.json and share its query string (signed URLs).
      const lastSlash = url.lastIndexOf('/');
      const query = url.lastIndexOf('?');
      const suffix = query > lastSlash ? url.slice(query) : '';
      let prefix = options.weightPathPrefix ?? url.slice(0, lastSlash + 1);
      if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        for (const p of group.paths) {
          const res = await fetchOk(
            fetchFunc,
            prefix + p + suffix,
            options.requestInit,
            'weights file',
          );
          buffers.push(await res.arrayBuffer());
        }
      }
      return artifactsFromModelJSON(json, concatWeightData(buffers));
    },
  };
}
