// Saved models: a directory with the model's files and zoo-demo.json, which names the family
// and the data it was trained on. Layers models are model.json + weights.bin (TF.js's format,
// loadable by tf.loadLayersModel), the LSTM adds vocab.json (its character table), Word2Vec
// is word2vec.model (Word2Vec.save's bytes). Without zoo-demo.json the family is guessed
// from the files: word2vec.model → word2vec; model.json with LSTM → lstm, with Add → resnet,
// with Conv2D → cnn, otherwise mlp.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as zoo from '@zoo/core';
import { asDataError, DataError } from './errors.js';

/** The families `zoo-demo` trains. */
export const FAMILIES = ['mlp', 'cnn', 'resnet', 'lstm', 'word2vec'] as const;

/** One of {@link FAMILIES}. */
export type Family = (typeof FAMILIES)[number];

/** Contents of zoo-demo.json. */
export interface Manifest {
  format: 'zoo-demo';
  version: 1;
  family: Family;
  /** Image data set (image families). */
  dataset?: string;
  /** Where the training data came from ('shipped subset' or a directory). */
  data: string;
  epochs: number;
  /** Figures measured on held-out data right after training. */
  metrics: Record<string, number | null>;
  /** Family-specific settings (e.g. the LSTM's window length). */
  settings?: Record<string, unknown>;
  created: string;
}

/** Name of the manifest file in a saved-model directory. */
export const MANIFEST = 'zoo-demo.json';

/** Creates `dir` (and parents), failing with a DataError if it cannot be written. */
export function prepareDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
  } catch (err) {
    throw new DataError(`cannot create ${abs}: ${(err as Error).message}`);
  }
  return abs;
}

/** Writes zoo-demo.json into `dir`. */
export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Saves a layers model (model.json + weights.bin) and its manifest; returns the directory. */
export async function saveLayersModel(
  model: zoo.LayersModel,
  dir: string,
  manifest: Manifest,
): Promise<string> {
  const abs = prepareDir(dir);
  await asDataError(`cannot save the model to ${abs}`, () => model.save(`file://${abs}`));
  writeManifest(abs, manifest);
  return abs;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Class names of every layer in a model.json topology (nested models included). */
function layerClasses(topology: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(topology)) {
    for (const t of topology) layerClasses(t, out);
  } else if (topology !== null && typeof topology === 'object') {
    const o = topology as Record<string, unknown>;
    if (typeof o.class_name === 'string') out.add(o.class_name);
    for (const v of Object.values(o)) if (typeof v === 'object') layerClasses(v, out);
  }
  return out;
}

/** Reads a saved-model directory's manifest, or guesses one from its files. */
export function readManifest(dir: string): Manifest {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new DataError(`no saved model: ${abs} is not a directory`);
  }
  const path = join(abs, MANIFEST);
  if (existsSync(path)) {
    const m = readJson(path, 'manifest') as Partial<Manifest> | null;
    if (m === null || typeof m !== 'object' || !FAMILIES.includes(m.family as Family)) {
      throw new DataError(
        `manifest ${path} names no known family (expected one of ${FAMILIES.join(', ')})`,
      );
    }
    return { data: 'unknown', epochs: 0, metrics: {}, created: '', ...m } as Manifest;
  }
  const guess = (family: Family): Manifest => ({
    format: 'zoo-demo',
    version: 1,
    family,
    data: 'unknown',
    epochs: 0,
    metrics: {},
    created: '',
  });
  if (existsSync(join(abs, 'word2vec.model'))) return guess('word2vec');
  const modelJson = join(abs, 'model.json');
  if (!existsSync(modelJson)) {
    throw new DataError(
      `no saved model in ${abs} (expected ${MANIFEST}, model.json or word2vec.model)`,
    );
  }
  const json = readJson(modelJson, 'model file') as { modelTopology?: unknown };
  const classes = layerClasses(json.modelTopology);
  if (classes.has('LSTM')) return guess('lstm');
  if (classes.has('Add')) return guess('resnet');
  if (classes.has('Conv2D')) return guess('cnn');
  if (classes.has('Dense')) return guess('mlp');
  throw new DataError(
    `cannot tell the family of the model in ${modelJson} (layers: ${[...classes].join(', ') || 'none'})`,
  );
}

/** Loads model.json + weights from a saved-model directory. */
export async function loadLayersModel(dir: string): Promise<zoo.LayersModel> {
  const path = join(resolve(dir), 'model.json');
  if (!existsSync(path)) throw new DataError(`no model.json in ${resolve(dir)}`);
  return asDataError(`cannot load the model ${path}`, () => zoo.loadLayersModel(`file://${path}`));
}

/** Reads a file of a saved model as bytes (DataError when missing). */
export function readModelFile(dir: string, name: string): Uint8Array {
  const path = join(resolve(dir), name);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new DataError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Reads a JSON file of a saved model. */
export function readModelJson(dir: string, name: string): unknown {
  const path = join(resolve(dir), name);
  if (!existsSync(path)) throw new DataError(`no ${name} in ${resolve(dir)}`);
  return readJson(path, name);
}
