// Trains the demo's small pre-trained models in Node on the data shipped in the repository
// (data/), a few seconds each, and writes them where the pages load them:
//
//   digits-cnn/       model.json + weights.bin (TF.js layers format) and info.json
//   shakespeare-lstm/ model.json + weights.bin, vocab.json and info.json
//   wiki-word2vec/    vectors.bin (word2vec.c binary format) and info.json
//
// Run by scripts/build.mjs (bundled with esbuild first, so it can share src/preprocess.ts):
//   node build/train-models.mjs --model cnn|lstm|word2vec --data DIR --out DIR
// Every model is seeded, so a rebuild gives the same weights on the same kernels.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as cnn from '@zoo/cnn';
import * as lstm from '@zoo/lstm';
import { Word2Vec } from '@zoo/word2vec';
import { SIDE, toMnist } from '../src/preprocess.js';

const { values: opts } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
  },
});
if (opts.model === undefined || opts.data === undefined || opts.out === undefined) {
  throw new Error('usage: train-models --model cnn|lstm|word2vec --data DIR --out DIR');
}
const dataDir = resolve(opts.data);
const outDir = resolve(opts.out);

/** 32-bit seeded generator (mulberry32): floats in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function log(msg: string): void {
  process.stderr.write(`[train ${opts.model}] ${msg}\n`);
}

function writeInfo(dir: string, info: Record<string, unknown>): void {
  writeFileSync(join(dir, 'info.json'), `${JSON.stringify(info, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Digits: a small CNN on the 2,000-image MNIST subset, with augmented copies drawn the way
// the draw page prepares its input (crop, scale into 20x20, centre of mass at the centre).

/**
 * A randomly distorted copy of one 28x28 digit: rotation, scale, shear and stroke width
 * changed a little, then normalised by {@link toMnist} like a drawing.
 */
function distort(src: Float32Array, rand: () => number): Float32Array {
  const big = 56; // work at twice the resolution so thin strokes survive
  const angle = (rand() - 0.5) * 0.5; // about +-14 degrees
  const scale = 0.85 + rand() * 0.3;
  const shear = (rand() - 0.5) * 0.4;
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const img = new Float32Array(big * big);
  for (let y = 0; y < big; y++) {
    for (let x = 0; x < big; x++) {
      // Output pixel -> source coordinate (inverse map around the centre), bilinear sample.
      const u = (x + 0.5) / 2 - SIDE / 2;
      const v = (y + 0.5) / 2 - SIDE / 2;
      const sx = cos * (u + shear * v) - sin * v + SIDE / 2 - 0.5;
      const sy = sin * (u + shear * v) + cos * v + SIDE / 2 - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const at = (xx: number, yy: number) =>
        xx < 0 || yy < 0 || xx >= SIDE || yy >= SIDE ? 0 : src[yy * SIDE + xx];
      img[y * big + x] =
        at(x0, y0) * (1 - fx) * (1 - fy) +
        at(x0 + 1, y0) * fx * (1 - fy) +
        at(x0, y0 + 1) * (1 - fx) * fy +
        at(x0 + 1, y0 + 1) * fx * fy;
    }
  }
  const r = rand();
  const thick = r < 0.35 ? morph(img, big, Math.max) : r > 0.85 ? morph(img, big, Math.min) : img;
  return toMnist(thick, big, big) ?? src;
}

/** A 3x3 dilation (max) or erosion (min). */
function morph(img: Float32Array, side: number, op: (...v: number[]) => number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v: number[] = [];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          v.push(xx < 0 || yy < 0 || xx >= side || yy >= side ? 0 : img[yy * side + xx]);
        }
      }
      out[y * side + x] = op(...v);
    }
  }
  return out;
}

async function trainCnn(): Promise<void> {
  const dir = join(outDir, 'digits-cnn');
  mkdirSync(dir, { recursive: true });
  await cnn.ready();
  cnn.setSeed(7);
  const data = await cnn.data.loadMnist(join(dataDir, 'mnist-subset'));
  const n = data.xTrain.shape[0];
  const px = SIDE * SIDE;
  const raw = data.xTrain.dataSync() as Float32Array;
  const labels = data.yTrain.dataSync() as Int32Array;
  const copies = 2;
  const rand = rng(11);
  const x = new Float32Array(n * (copies + 1) * px);
  const y = new Int32Array(n * (copies + 1));
  for (let i = 0; i < n; i++) {
    const img = raw.subarray(i * px, (i + 1) * px);
    for (let c = 0; c <= copies; c++) {
      const k = c * n + i;
      x.set(c === 0 ? (toMnist(img, SIDE, SIDE) ?? img) : distort(img, rand), k * px);
      y[k] = labels[i];
    }
  }
  const xTrain = cnn.tensor(x, [y.length, SIDE, SIDE, 1]);
  const yTrain = cnn.tensor(y, [y.length], 'int32');
  const model = cnn.sequential({
    name: 'digits_cnn',
    layers: [
      cnn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      cnn.layers.maxPooling2d({ poolSize: 2 }),
      cnn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      cnn.layers.maxPooling2d({ poolSize: 2 }),
      cnn.layers.flatten(),
      cnn.layers.dense({ units: 64, activation: 'relu' }),
      cnn.layers.dropout({ rate: 0.25 }),
      cnn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: cnn.train.adam(0.002),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const epochs = 8;
  const t0 = performance.now();
  await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 32,
    verbose: 0,
    callbacks: {
      onEpochEnd: (e, logs) =>
        log(
          `epoch ${e + 1}/${epochs}: loss ${logs?.loss.toFixed(4)}, accuracy ${logs?.accuracy.toFixed(4)}`,
        ),
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = (model.evaluate(data.xTest, data.yTest) as cnn.Tensor[]).map(
    (t) => t.dataSync()[0],
  );
  log(
    `test accuracy ${(acc * 100).toFixed(2)}% (loss ${loss.toFixed(4)}), ${seconds.toFixed(1)} s`,
  );
  await model.save(pathToFileURL(dir).href);
  writeInfo(dir, {
    model: 'Conv(8,5x5) → MaxPool → Conv(16,5x5) → MaxPool → Dense(64) → Dense(10)',
    params: model.countParams(),
    trainImages: n,
    augmentedCopies: copies,
    epochs,
    testImages: data.xTest.shape[0],
    testAccuracy: acc,
    testLoss: loss,
    trainSeconds: seconds,
  });
}

// ---------------------------------------------------------------------------------------------
// Text: a one-layer character LSTM on the Tiny Shakespeare subset, the last 5% held out.

async function trainLstm(): Promise<void> {
  const dir = join(outDir, 'shakespeare-lstm');
  mkdirSync(dir, { recursive: true });
  await lstm.ready();
  lstm.setSeed(3);
  const text = readFileSync(join(dataDir, 'tinyshakespeare-subset', 'input.txt'), 'utf8');
  const vocab = lstm.CharVocab.fromText(text);
  const ids = vocab.encode(text);
  const split = Math.floor(ids.length * 0.95);
  const units = 128;
  const seq = 50;
  const epochs = 3;
  const model = lstm.charLanguageModel({ vocab, units, embeddingDim: 32, name: 'char_lstm' });
  const optimizer = lstm.train.adam(0.01);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  const val = lstm.charSequences(ids.subarray(split), seq);
  const t0 = performance.now();
  let valLoss = Number.NaN;
  for (let e = 0; e < epochs; e++) {
    const tr = lstm.charSequences(ids.subarray(0, split), seq, { offset: (e * 17) % seq });
    const h = await model.fit(tr.x, tr.y, { epochs: 1, batchSize: 64, verbose: 0 });
    lstm.dispose([tr.x, tr.y]);
    const v = model.evaluate(val.x, val.y, { batchSize: 256 }) as lstm.Tensor;
    valLoss = v.dataSync()[0];
    v.dispose();
    log(
      `epoch ${e + 1}/${epochs}: loss ${h.history.loss[0].toFixed(4)}, validation ${valLoss.toFixed(4)} nats/char`,
    );
    optimizer.learningRate *= 0.7;
  }
  const seconds = (performance.now() - t0) / 1000;
  await model.save(pathToFileURL(dir).href);
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeInfo(dir, {
    model: `Embedding(${vocab.size}, 32) → LSTM(${units}) → Dense(${vocab.size})`,
    params: model.countParams(),
    trainChars: split,
    validationChars: ids.length - split,
    epochs,
    validationLoss: valLoss,
    trainSeconds: seconds,
    sample: model.generate('ROMEO:\n', { length: 120, temperature: 0.6, seed: 1 }),
  });
}

// ---------------------------------------------------------------------------------------------
// Words: skip-gram Word2Vec on the 400k-token Wikipedia subset.

async function trainWord2Vec(): Promise<void> {
  const dir = join(outDir, 'wiki-word2vec');
  mkdirSync(dir, { recursive: true });
  const corpusDir = join(dataDir, 'text-corpus-subset');
  const text = gunzipSync(readFileSync(join(corpusDir, 'enwiki-text8style-400k.txt.gz'))).toString(
    'utf8',
  );
  const sentences = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(' '));
  const settings = {
    vectorSize: 64,
    window: 5,
    minCount: 5,
    sg: 1 as const,
    negative: 5,
    epochs: 5,
  };
  const t0 = performance.now();
  const model = await Word2Vec.train(sentences, { ...settings, workers: 1, seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const questions = readFileSync(join(corpusDir, 'questions-words-subset.txt'), 'utf8');
  const analogies = model.wv.evaluateWordAnalogies(questions);
  const total = analogies.sections[analogies.sections.length - 1];
  log(
    `${model.wv.size} words, ${seconds.toFixed(1)} s; analogy accuracy ${(analogies.accuracy * 100).toFixed(1)}%`,
  );
  writeFileSync(join(dir, 'vectors.bin'), model.wv.saveWord2VecFormat({ binary: true }));
  writeInfo(dir, {
    ...settings,
    tokens: sentences.reduce((a, s) => a + s.length, 0),
    words: model.wv.size,
    analogyQuestions: total.correct.length + total.incorrect.length,
    analogyAccuracy: analogies.accuracy,
    trainSeconds: seconds,
  });
}

const jobs: Record<string, () => Promise<void>> = {
  cnn: trainCnn,
  lstm: trainLstm,
  word2vec: trainWord2Vec,
};
const job = jobs[opts.model];
if (job === undefined) throw new Error(`train-models: unknown --model ${opts.model}`);
await job();
