// Node file-system handler: `file://` paths, writing model.json + weights.bin like tfjs-node.
// node:fs is imported lazily so browsers and workers never load it.
import {
  artifactsFromModelJSON,
  artifactsInfo,
  concatWeightData,
  type IOHandler,
  type ModelArtifacts,
  modelJSONFor,
  parseModelJSON,
  type SaveResult,
} from './io.js';

type Fs = typeof import('node:fs/promises');
type PathMod = typeof import('node:path');

const FS = 'node:fs/promises';
const PATH = 'node:path';

async function nodeModules(): Promise<{ fs: Fs; path: PathMod }> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode)
    throw new Error(
      "io: 'file://' paths need Node.js; in browsers use http(s):// URLs or io.fromMemory",
    );
  const [fs, path] = await Promise.all([
    import(/* @vite-ignore */ /* webpackIgnore: true */ FS) as Promise<Fs>,
    import(/* @vite-ignore */ /* webpackIgnore: true */ PATH) as Promise<PathMod>,
  ]);
  return { fs, path };
}

/** The file-system path of a `file://` URL (the prefix stripped, as tfjs-node does). */
function toPath(url: string): string {
  let p = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (/^\/[A-Za-z]:[\\/]/.test(p)) p = p.slice(1); // file:///C:/dir on Windows
  return p;
}

/** Name of the weights file written next to model.json. */
export const WEIGHTS_BIN = 'weights.bin';
/** Name of the model file. */
export const MODEL_JSON = 'model.json';

/**
 * A Node handler for `file://` paths (as tfjs-node's `tf.io.fileSystem`). `save` takes a
 * directory (created if needed) and writes `model.json` and `weights.bin` there; `load` takes
 * the path of a `model.json` (or its directory) and reads the weight files its manifest lists.
 */
export function fileSystem(url: string): IOHandler {
  const target = toPath(url);
  return {
    save: async (artifacts: ModelArtifacts): Promise<SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(
          'model.save: graph-model (binary) topologies cannot be saved as a layers model',
        );
      }
      const { fs, path } = await nodeModules();
      const stat = await fs.stat(target).catch(() => null);
      if (stat !== null && !stat.isDirectory()) {
        throw new Error(
          `model.save: ${target} exists and is not a directory; give the directory to save into`,
        );
      }
      await fs.mkdir(target, { recursive: true });
      const json = modelJSONFor(artifacts, [
        { paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] },
      ]);
      const data = new Uint8Array(concatWeightData(artifacts.weightData ?? new ArrayBuffer(0)));
      await fs.writeFile(path.join(target, WEIGHTS_BIN), data);
      await fs.writeFile(path.join(target, MODEL_JSON), JSON.stringify(json), 'utf8');
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    load: async (): Promise<ModelArtifacts> => {
      const { fs, path } = await nodeModules();
      let file = target;
      const stat = await fs.stat(file).catch(() => null);
      if (stat === null) throw new Error(`loadLayersModel: model file ${file} does not exist`);
      if (stat.isDirectory()) file = path.join(file, MODEL_JSON);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        throw new Error(`loadLayersModel: cannot read ${file}: ${(e as Error).message}`);
      }
      const json = parseModelJSON(text, file);
      const dir = path.dirname(file);
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        for (const p of group.paths) {
          const wpath = path.join(dir, p);
          let bytes: Uint8Array;
          try {
            bytes = await fs.readFile(wpath);
          } catch (e) {
            const code = (e as { code?: string }).code;
            throw new Error(
              code === 'ENOENT'
                ? `loadLayersModel: weights file ${wpath} (listed in ${file}) does not exist`
                : `loadLayersModel: cannot read weights file ${wpath}: ${(e as Error).message}`,
            );
          }
          buffers.push(concatWeightData(bytes));
        }
      }
      return artifactsFromModelJSON(json, concatWeightData(buffers));
    },
  };
}
