// The runtime-agnostic body of the runtime matrix (runtime-matrix.test.ts). It is bundled with
// esbuild once per platform and run in Node, Chromium, workerd, Deno and Bun; each runtime
// hands it the same fixture bytes and it returns SHA-256 digests of raw float bytes:
// - a CNN saved by TF.js (conv-pool-conv-pool-dense): predictions on a fixed input;
// - an LSTM saved by TF.js (embedding + LSTM + dense): predictions on fixed token ids;
// - Word2Vec vectors in word2vec.c binary format: unit-normalised vectors, norms, and
//   mostSimilar / mostSimilarCosmul / doesntMatch answers;
// - a tiny MLP (dense-dropout-dense) trained a few steps with Adam, seeded: its weights;
// - Word2Vec trained for 2 epochs on 1 worker, seeded: its vectors.
// Kernels: the plain 'simd' build everywhere. Relaxed SIMD is allowed to differ between
// engines (e.g. relaxed FMA may or may not fuse), so Chromium, Deno, Bun and workerd, which
// validate it, would otherwise load a build whose bits need not match Node 20's.
// Inputs are made from integers (no Math.sin & co., whose last bit may vary between engines).
import * as cnn from '@zoo/cnn';
import * as dnn from '@zoo/dnn';
import * as lstm from '@zoo/lstm';
import { KeyedVectors, Word2Vec } from '@zoo/word2vec';
import { xorshift32 } from '../shared/corpus.mjs';

/** The fixture files, as bytes or text. */
export interface MatrixFixtures {
  /** cnn/model.json text. */
  cnnModel: string;
  /** cnn/weights.bin. */
  cnnWeights: Uint8Array;
  /** lstm/model.json text. */
  lstmModel: string;
  /** lstm/weights.bin. */
  lstmWeights: Uint8Array;
  /** vectors.bin (word2vec.c binary format). */
  vectors: Uint8Array;
}

/** Precompiled kernel modules (workerd refuses to compile wasm from bytes). */
export interface MatrixModules {
  /** `@zoo/kernels/zoo-simd.wasm`. */
  kernels?: WebAssembly.Module;
  /** `@zoo/kernels/zoo-word2vec-simd.wasm`. */
  word2vec?: WebAssembly.Module;
  /** The build to load from the embedded bytes: 'simd' (default, the matrix) or 'auto'. */
  variant?: 'simd' | 'auto';
}

/** What one runtime computed. */
export interface MatrixResult {
  /** SHA-256 digests (hex) by check name. */
  hashes: Record<string, string>;
  /** A few plain values, for checks against TF.js and readable diffs. */
  values: {
    cnn: number[];
    lstm: number[];
    mostSimilar: [string, number][];
    doesntMatch: string;
    mlpLoss: number[];
    w2vLosses: number[];
  };
  /** The kernel build that ran. */
  backend: { simd: boolean; relaxedSimd: boolean; threads: number };
  /** Milliseconds spent. */
  ms: number;
}

/** Shapes of the fixed inputs. */
export const CNN_INPUT = [3, 19, 19, 2] as const;
export const LSTM_INPUT = [5, 9] as const;

/** `n` values in [-1, 1), multiples of 2^-15 (exact in float32). */
export function fixedFloats(n: number, seed: number): Float32Array {
  const r = xorshift32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((r() >>> 16) - 32768) / 32768;
  return out;
}

/** `n` token ids in [0, vocab). */
export function fixedTokens(n: number, vocab: number, seed: number): Int32Array {
  const r = xorshift32(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() % vocab;
  return out;
}

function bytesOf(a: ArrayBufferView): Uint8Array<ArrayBuffer> {
  return new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
}

async function sha256(parts: ArrayBufferView[]): Promise<string> {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    all.set(bytesOf(p), o);
    o += p.byteLength;
  }
  const d = await crypto.subtle.digest('SHA-256', all);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The float64 bits of numbers (scores, losses) as bytes. */
function f64(xs: readonly number[]): Float64Array {
  return Float64Array.from(xs);
}

async function predictFrom(
  json: string,
  weights: Uint8Array,
  x: lstm.Tensor,
): Promise<Float32Array> {
  const model = await lstm.loadLayersModel(
    lstm.io.fromMemory(JSON.parse(json), undefined, weights),
  );
  const y = model.predict(x) as lstm.Tensor;
  const out = (y.dataSync() as Float32Array).slice();
  y.dispose();
  model.dispose();
  return out;
}

/** A deterministic small corpus for the Word2Vec training check. */
function w2vCorpus(): string[][] {
  const r = xorshift32(99);
  const out: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const t = r() % 4;
    const s: string[] = [];
    const len = 5 + (r() % 9);
    for (let k = 0; k < len; k++) s.push(r() % 4 === 0 ? 'the' : `g${t}_${r() % 9}`);
    out.push(s);
  }
  return out;
}

/**
 * Runs every check and returns the digests. `modules` must carry precompiled kernels where
 * the runtime cannot compile wasm from bytes (workerd); elsewhere the embedded bytes are used.
 */
export async function runMatrix(
  fixtures: MatrixFixtures,
  modules: MatrixModules = {},
): Promise<MatrixResult> {
  const t0 = Date.now();
  const variant = modules.variant ?? 'simd';
  await cnn.ready(modules.kernels ? { module: modules.kernels } : { variant });
  const backend = cnn.backendInfo();
  const hashes: Record<string, string> = {};

  // CNN predictions.
  const xc = cnn.tensor(fixedFloats(3 * 19 * 19 * 2, 1), [...CNN_INPUT]);
  const yc = await predictFrom(fixtures.cnnModel, fixtures.cnnWeights, xc);
  xc.dispose();
  hashes.cnn = await sha256([yc]);

  // LSTM predictions.
  const xl = lstm.tensor(fixedTokens(5 * 9, 40, 2), [...LSTM_INPUT], 'int32');
  const yl = await predictFrom(fixtures.lstmModel, fixtures.lstmWeights, xl);
  xl.dispose();
  hashes.lstm = await sha256([yl]);

  // Word2Vec vectors: normalisation and queries.
  const kv = KeyedVectors.loadWord2VecFormat(fixtures.vectors, { binary: true });
  hashes.w2vVectors = await sha256([kv.vectors]);
  const unit = new Float32Array(kv.size * kv.vectorSize);
  kv.vocab.forEach((w, i) => {
    unit.set(kv.getVector(w, true), i * kv.vectorSize);
  });
  hashes.w2vUnit = await sha256([unit, kv.norms]);
  const queries: [string, number][][] = [];
  for (const w of ['topic0_w0', 'topic3_w2', 'the', 'topic5_w1']) {
    queries.push(kv.mostSimilar({ positive: [w], topn: 8 }));
  }
  queries.push(
    kv.mostSimilar({ positive: ['topic1_w0', 'topic2_w1'], negative: ['topic2_w0'], topn: 5 }),
  );
  queries.push(kv.mostSimilarCosmul({ positive: ['topic4_w0', 'topic0_w1'], negative: ['of'] }));
  const doesntMatch = kv.doesntMatch(['topic2_w0', 'topic2_w1', 'topic2_w3', 'topic5_w0']);
  hashes.w2vQueries = await sha256([
    new TextEncoder().encode(JSON.stringify(queries.map((q) => q.map(([w]) => w)))),
    f64(queries.flat().map(([, s]) => s)),
    new TextEncoder().encode(doesntMatch),
  ]);
  hashes.w2vSimilarity = await sha256([
    f64([
      kv.similarity('topic0_w0', 'topic0_w1'),
      kv.similarity('topic0_w0', 'topic1_w0'),
      kv.distance('the', 'of'),
      kv.nSimilarity(['topic3_w0', 'topic3_w1'], ['topic3_w2', 'a']),
    ]),
  ]);

  // A tiny MLP trained a few steps (Adam, dropout, shuffling: all from the seeded generator).
  dnn.setSeed(1234);
  const mlp = dnn.sequential({
    layers: [
      dnn.dense({ units: 13, activation: 'relu', inputShape: [7] }),
      dnn.dropout({ rate: 0.2 }),
      dnn.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  mlp.compile({ optimizer: dnn.train.adam(0.02), loss: 'sparseCategoricalCrossentropy' });
  const n = 37;
  const xm = fixedFloats(n * 7, 3);
  const ym = new Int32Array(n);
  for (let i = 0; i < n; i++)
    ym[i] = (xm[i * 7] + xm[i * 7 + 1] > 0 ? 1 : 0) + (xm[i * 7 + 2] > 0.5 ? 1 : 0);
  const xt = dnn.tensor(xm, [n, 7]);
  const yt = dnn.tensor(ym, [n], 'int32');
  const hist = await mlp.fit(xt, yt, { epochs: 4, batchSize: 8, verbose: 0, shuffle: true });
  xt.dispose();
  yt.dispose();
  const mlpLoss = (hist.history.loss as number[]).slice();
  const weights = mlp.getWeights().map((w) => (w.dataSync() as Float32Array).slice());
  hashes.mlpWeights = await sha256(weights);
  hashes.mlpLoss = await sha256([f64(mlpLoss)]);
  mlp.dispose();

  // Word2Vec training, 1 worker, seeded (its own small kernel module).
  const w2v = await Word2Vec.train(w2vCorpus(), {
    vectorSize: 19,
    window: 3,
    minCount: 2,
    sg: 0,
    hs: 1,
    negative: 3,
    epochs: 2,
    seed: 77,
    workers: 1,
    kernels: modules.word2vec ? { module: modules.word2vec } : { variant },
  });
  hashes.w2vTrained = await sha256([w2v.wv.vectors, f64(w2v.lastTraining.losses)]);

  return {
    hashes,
    values: {
      cnn: Array.from(yc),
      lstm: Array.from(yl),
      mostSimilar: queries[0],
      doesntMatch,
      mlpLoss,
      w2vLosses: w2v.lastTraining.losses,
    },
    backend,
    ms: Date.now() - t0,
  };
}
