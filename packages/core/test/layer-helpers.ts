// Helpers shared by the layer tests: a layer built by name in both libraries, the same weights
// into a Zoo layer and its tfjs-layers twin, and a small masked text classifier that must train
// on a zero-padded batch.
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { rand, tf, zoo } from './oracle.js';

/** Names of layer factories that `tfl.layers` and `zoo.layers` share, with the same options. */
export type SharedLayerName = keyof typeof zoo.layers & keyof typeof tfl.layers;

/** `tfl.layers[name](args)`; the args are copied (tfjs-layers edits some, e.g. Reshape's). */
export function tfLayer(
  name: SharedLayerName,
  args: Record<string, unknown> = {},
): tfl.layers.Layer {
  // biome-ignore lint/suspicious/noExplicitAny: one options object serves both libraries.
  return (tfl.layers[name] as (a: any) => tfl.layers.Layer)(structuredClone(args));
}

/** `zoo.layers[name](args)`. */
export function zooLayer(name: SharedLayerName, args: Record<string, unknown> = {}): zoo.Layer {
  // biome-ignore lint/suspicious/noExplicitAny: one options object serves both libraries.
  return (zoo.layers[name] as (a: any) => zoo.Layer)(args);
}

/** Deterministic weights in [-scale, scale) for each shape (weight i from seed + i). */
export function randomWeights(shapes: number[][], seed: number, scale = 0.5): Float32Array[] {
  return shapes.map((s, i) =>
    rand(
      s.reduce((a, b) => a * b, 1),
      seed + i,
      -scale,
      scale,
    ),
  );
}

/** Sets every weight of a tfjs-layers model to {@link randomWeights}. */
export function fillTfWeights(m: tfl.LayersModel, seed: number, scale = 0.5): void {
  const shapes = m.weights.map((w) => w.shape as number[]);
  const values = randomWeights(shapes, seed, scale).map((d, i) => tf.tensor(d, shapes[i]));
  m.setWeights(values);
  tf.dispose(values);
}

/** Sets every weight of a Zoo model to {@link randomWeights}. */
export function fillZooWeights(m: zoo.LayersModel, seed: number, scale = 0.5): void {
  const shapes = m.weights.map((w) => [...w.shape]);
  zoo.tidy(() =>
    m.setWeights(randomWeights(shapes, seed, scale).map((d, i) => zoo.tensor(d, shapes[i]))),
  );
}

/**
 * The same deterministic values (`rand(size, seed + i, -scale, scale)` for weight `i`) into
 * both layers' (or models') weights; Zoo's weight shapes must equal TF.js's.
 */
export function sameWeights(z: zoo.Layer, t: tfl.layers.Layer, seed: number, scale = 0.5): void {
  const shapes = z.weights.map((w) => [...w.shape]);
  expect(
    t.weights.map((w) => w.shape),
    'weight shapes',
  ).toEqual(shapes);
  const data = shapes.map((s, i) =>
    rand(
      s.reduce((a, b) => a * b, 1),
      seed + i,
      -scale,
      scale,
    ),
  );
  zoo.tidy(() => z.setWeights(data.map((d, i) => zoo.tensor(d, shapes[i]))));
  const tv = data.map((d, i) => tf.tensor(d, shapes[i]));
  t.setWeights(tv);
  tf.dispose(tv);
}

/** Settings of {@link expectPaddedClassifierLearns}. */
export interface PaddedClassifierOptions {
  /** Dropout options of the LSTM layer (8 units), e.g. `{ recurrentDropout: 0.2 }`. */
  lstm: { dropout?: number; recurrentDropout?: number };
  /** `zoo.setSeed` before the model is built. */
  seed: number;
  /** Seed of the token ids ({@link rand}). */
  dataSeed: number;
}

/**
 * Fits embedding(maskZero) + LSTM(8) + dense softmax on 48 sequences of ids 1-7 (lengths 2 to
 * 6, zero-padded to 6; label: whether id 7 occurs) for 25 epochs and expects the loss to fall
 * below 70% of the first epoch's, then one more epoch to leave the tensor count unchanged.
 */
export async function expectPaddedClassifierLearns(o: PaddedClassifierOptions): Promise<void> {
  zoo.setSeed(o.seed);
  const m = zoo.sequential({
    layers: [
      zoo.layers.embedding({ inputDim: 8, outputDim: 6, maskZero: true }),
      zoo.layers.lstm({ units: 8, ...o.lstm }),
      zoo.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: new zoo.AdamOptimizer(0.03), loss: 'sparseCategoricalCrossentropy' });
  const n = 48;
  const r = rand(n * 6, o.dataSeed, 1, 8);
  const ids = new Float32Array(n * 6);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 2 + (i % 5);
    for (let t = 0; t < len; t++) {
      ids[i * 6 + t] = Math.floor(r[i * 6 + t]);
      if (ids[i * 6 + t] === 7) y[i] = 1;
    }
  }
  const xs = zoo.tensor(ids, [n, 6]);
  const ys = zoo.tensor(y, [n]);
  const h = await m.fit(xs, ys, { epochs: 25, batchSize: 16, verbose: 0 });
  const loss = h.history.loss as number[];
  expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.7);
  // No per-step leaks: another epoch leaves the tensor count where it was.
  const steady = zoo.memory().numTensors;
  await m.fit(xs, ys, { epochs: 1, batchSize: 16, verbose: 0 });
  expect(zoo.memory().numTensors, 'tensors leaked by a training epoch').toBe(steady);
  zoo.dispose([xs, ys]);
  m.dispose();
}
