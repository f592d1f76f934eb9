/**
 * The LSTM section of the benchmark: an LSTM layer feeding a softmax, trained with Adam (Zoo's
 * fused sequence kernels against TF.js layers on its wasm and cpu backends), and its inference
 * latency at batch 1 and at the training batch. Kept apart from `bench.ts`, which wires it in
 * (options, results, targets, report); only function declarations here, so the two modules may
 * import each other.
 *
 * @packageDocumentation
 */

import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import * as zoo from '@zoo/core';
import {
  type BenchOptions,
  type BenchResults,
  type CnnTrainResult,
  cnnTrainResult,
  LIB_NAMES,
  type Lib,
  type Libs,
  type MlpInferResult,
  mdTable,
  median,
  randomData,
  type TargetCheck,
  type Tf,
  type Tfl,
  type Timing,
  timeCalls,
  timeSteps,
} from './bench.js';

/** The benchmark LSTM's shape. */
export interface LstmShape {
  /** Timesteps per sequence. */
  timesteps: number;
  /** Features per timestep. */
  features: number;
  /** LSTM units. */
  units: number;
  /** Output classes (dense softmax head). */
  classes: number;
}

/** The LSTM section's measurements. */
export interface LstmBenchResult extends LstmShape {
  /** Training batch size (Zoo and TF.js wasm). */
  batch: number;
  /** Training throughput per library (the CNN's record: batch, error, samples/s, ...). */
  train: CnnTrainResult[];
  /** Inference latency per library and batch. */
  infer: MlpInferResult[];
  /** Max |Zoo − TF.js wasm| of the predictions at the largest inference batch, same weights. */
  maxPredictDiff: number;
}

/** The network's name in the report. */
export function lstmName(c: LstmShape): string {
  return `lstm${c.units}(tanh, sigmoid gates)-dense${c.classes}(softmax)`;
}

/** Zoo's benchmark LSTM, compiled with Adam and sparse categorical cross-entropy. */
export function zooLstm(c: LstmShape): zoo.Sequential {
  const m = zoo.sequential({
    layers: [
      new zoo.LSTM({
        units: c.units,
        recurrentActivation: 'sigmoid',
        inputShape: [c.timesteps, c.features],
      }),
      zoo.layers.dense({ units: c.classes, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** The same network in TF.js layers, on TF.js's current backend. */
export function tfLstm(tfl: Tfl, c: LstmShape): TfLayers.Sequential {
  const m = tfl.sequential({
    layers: [
      tfl.layers.lstm({
        units: c.units,
        recurrentActivation: 'sigmoid',
        // TF.js's default 'orthogonal' initializer fails here (its QR returns a plain array:
        // "rMat.flatten is not a function"); the initial values do not change the speed.
        recurrentInitializer: 'glorotUniform',
        inputShape: [c.timesteps, c.features],
      }),
      tfl.layers.dense({ units: c.classes, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Random class labels 0..classes-1 (deterministic). */
function labels(n: number, classes: number, seed: number): Int32Array {
  const u = randomData(n, seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.min(classes - 1, Math.floor(((u[i] + 1) / 2) * classes));
  }
  return out;
}

function lstmTrainError(lib: Lib, batch: number, err: unknown): CnnTrainResult {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return {
    lib,
    batch,
    error: message,
    samplesPerSec: 0,
    bestSamplesPerSec: 0,
    msPerStep: 0,
    steps: 0,
    lastLoss: 0,
  };
}

function lstmInferResult(lib: Lib, batch: number, t: Timing): MlpInferResult {
  return {
    lib,
    batch,
    msPerCall: median(t.secondsPerCall) * 1000,
    bestMsPerCall: Math.min(...t.secondsPerCall) * 1000,
    samples: t.secondsPerCall.length,
    callsPerSample: t.callsPerSample,
  };
}

/** Zoo's LSTM training throughput: `trainOnBatch` on one random batch (reads the loss back). */
export async function timeZooLstmTrain(
  c: LstmShape,
  batch: number,
  warmup: number,
  steps: number,
): Promise<CnnTrainResult> {
  const m = zooLstm(c);
  const x = zoo.tensor(randomData(batch * c.timesteps * c.features, 31), [
    batch,
    c.timesteps,
    c.features,
  ]);
  const y = zoo.tensor(labels(batch, c.classes, 32), [batch], 'int32');
  try {
    const t = await timeSteps(() => m.trainOnBatch(x, y) as number, warmup, steps);
    return cnnTrainResult('zoo', batch, t);
  } finally {
    zoo.dispose([x, y]);
    m.dispose();
  }
}

/** TF.js layers' LSTM training throughput on its current backend, as {@link timeZooLstmTrain}. */
export async function timeTfLstmTrain(
  libs: Libs,
  lib: Lib,
  c: LstmShape,
  batch: number,
  warmup: number,
  steps: number,
): Promise<CnnTrainResult> {
  const { tf, tfl } = libs;
  const m = tfLstm(tfl, c);
  const x = tf.tensor3d(randomData(batch * c.timesteps * c.features, 31), [
    batch,
    c.timesteps,
    c.features,
  ]);
  const y = tf.tensor1d(Float32Array.from(labels(batch, c.classes, 32)));
  try {
    const t = await timeSteps(async () => (await m.trainOnBatch(x, y)) as number, warmup, steps);
    return cnnTrainResult(lib, batch, t);
  } catch (err) {
    return lstmTrainError(lib, batch, err);
  } finally {
    tf.dispose([x, y]);
    m.dispose();
  }
}

/** Zoo's LSTM inference latency at one batch: `predict`, read the output, dispose it. */
export function timeZooLstmInfer(
  m: zoo.LayersModel,
  c: LstmShape,
  batch: number,
  seconds: number,
  minSamples: number,
): MlpInferResult {
  const x = zoo.tensor(randomData(batch * c.timesteps * c.features, 33), [
    batch,
    c.timesteps,
    c.features,
  ]);
  try {
    const t = timeCalls(
      () => {
        const y = m.predict(x, { batchSize: batch });
        y.dataSync();
        y.dispose();
      },
      seconds,
      minSamples,
    );
    return lstmInferResult('zoo', batch, t);
  } finally {
    x.dispose();
  }
}

/** TF.js layers' LSTM inference latency on its current backend, as {@link timeZooLstmInfer}. */
export function timeTfLstmInfer(
  tf: Tf,
  lib: Lib,
  m: TfLayers.LayersModel,
  c: LstmShape,
  batch: number,
  seconds: number,
  minSamples: number,
): MlpInferResult {
  const x = tf.tensor3d(randomData(batch * c.timesteps * c.features, 33), [
    batch,
    c.timesteps,
    c.features,
  ]);
  try {
    const t = timeCalls(
      () => {
        const y = m.predict(x, { batchSize: batch }) as TfCore.Tensor;
        y.dataSync();
        y.dispose();
      },
      seconds,
      minSamples,
    );
    return lstmInferResult(lib, batch, t);
  } finally {
    x.dispose();
  }
}

/** Max |Zoo − TF.js| of the two networks' predictions on the same random batch. */
function lstmPredictDiff(
  tf: Tf,
  zm: zoo.LayersModel,
  tm: TfLayers.LayersModel,
  c: LstmShape,
  batch: number,
): number {
  const shape = [batch, c.timesteps, c.features];
  const data = randomData(batch * c.timesteps * c.features, 34);
  const zx = zoo.tensor(data, shape);
  const zy = zm.predict(zx, { batchSize: batch });
  const a = zy.dataSync();
  zoo.dispose([zx, zy]);
  const b = tf.tidy(() =>
    (tm.predict(tf.tensor(data, shape), { batchSize: batch }) as TfCore.Tensor).dataSync(),
  );
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

async function useTfBackend(tf: Tf, name: 'wasm' | 'cpu'): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new Error(`TF.js backend '${name}' failed to start`);
  }
}

/**
 * The LSTM section: training throughput (Adam, random data; TF.js at fewer steps, cpu at a
 * smaller batch: they are slow) and inference latency for Zoo, TF.js wasm and TF.js cpu, plus a
 * prediction agreement check (same weights). Leaves TF.js on wasm.
 */
export async function runLstmBench(libs: Libs, opts: BenchOptions): Promise<LstmBenchResult> {
  const { tf, tfl } = libs;
  const log = opts.log;
  const c: LstmShape = {
    timesteps: opts.lstmTimesteps,
    features: opts.lstmFeatures,
    units: opts.lstmUnits,
    classes: 10,
  };
  const train: CnnTrainResult[] = [];
  const infer: MlpInferResult[] = [];
  const logTrain = (r: CnnTrainResult) =>
    log(
      r.error !== undefined
        ? `  ${LIB_NAMES[r.lib]} training: cannot train (${r.error})`
        : `  ${LIB_NAMES[r.lib]} training (batch ${r.batch}): ${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(1)} ms/step)`,
    );
  const logInfer = (r: MlpInferResult) =>
    log(`  ${LIB_NAMES[r.lib]} predict batch ${r.batch}: ${r.msPerCall.toFixed(4)} ms`);

  log(
    `LSTM ${lstmName(c)} on [${opts.lstmBatch}, ${c.timesteps}, ${c.features}], batch ${opts.lstmBatch}, Adam`,
  );
  const z = await timeZooLstmTrain(c, opts.lstmBatch, opts.lstmWarmupSteps, opts.lstmSteps);
  train.push(z);
  logTrain(z);
  zoo.setSeed(9);
  const zm = zooLstm(c);
  const batches = [...opts.lstmInferBatches].sort((p, q) => p - q);
  const biggest = batches[batches.length - 1];
  let maxPredictDiff = Number.NaN;
  for (const backend of ['wasm', 'cpu'] as const) {
    await useTfBackend(tf, backend);
    const lib: Lib = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
    const tm = tfLstm(tfl, c);
    const ws = zm.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape]));
    tm.setWeights(ws);
    tf.dispose(ws);
    if (backend === 'wasm') maxPredictDiff = lstmPredictDiff(tf, zm, tm, c, biggest);
    for (const b of batches) {
      if (backend === 'wasm') {
        const zi = timeZooLstmInfer(zm, c, b, opts.lstmInferSeconds, opts.lstmInferMinSamples);
        infer.push(zi);
        logInfer(zi);
      }
      const ti = timeTfLstmInfer(
        tf,
        lib,
        tm,
        c,
        b,
        opts.lstmInferSeconds,
        opts.lstmTfInferMinSamples,
      );
      infer.push(ti);
      logInfer(ti);
    }
    tm.dispose();
    const cpu = backend === 'cpu';
    const t = await timeTfLstmTrain(
      libs,
      lib,
      c,
      cpu ? opts.lstmCpuBatch : opts.lstmBatch,
      opts.lstmTfWarmupSteps,
      opts.lstmTfSteps,
    );
    train.push(t);
    logTrain(t);
  }
  zm.dispose();
  await useTfBackend(tf, 'wasm');
  return { ...c, batch: opts.lstmBatch, train, infer, maxPredictDiff };
}

const ratioOf = (z: number | undefined, w: number | undefined) =>
  z === undefined || w === undefined ? undefined : z / w;

/**
 * The LSTM targets (issue 6): training ≥ 1,000 samples/s; batch-1 inference ≥ 10x TF.js wasm.
 */
export function lstmTargetChecks(l: LstmBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const tr = l.train.find((x) => x.lib === 'zoo' && x.error === undefined);
  checks.push({
    target: `Zoo LSTM(${l.units}) training (batch ${l.batch}, ${l.timesteps} steps of ${l.features}, Adam): ≥ 1,000 samples/s`,
    measured: tr === undefined ? 'not measured' : `${Math.round(tr.samplesPerSec)} samples/s`,
    met: tr === undefined ? undefined : tr.samplesPerSec >= 1000,
  });
  const inf = (lib: Lib, b: number) => l.infer.find((x) => x.lib === lib && x.batch === b);
  const small = Math.min(...l.infer.map((x) => x.batch));
  if (Number.isFinite(small)) {
    const q = ratioOf(inf('tfjs-wasm', small)?.msPerCall, inf('zoo', small)?.msPerCall);
    checks.push({
      target: `Zoo LSTM(${l.units}) inference, batch ${small}: ≥ 10x TF.js wasm`,
      measured: q === undefined ? 'not measured' : `${q.toFixed(1)}x`,
      met: q === undefined ? undefined : q >= 10,
    });
  }
  return checks;
}

const fmtRate = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
const fmtTimes = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(x >= 10 ? 0 : 2)}x`;

/** LSTM training throughput and inference latency per library (markdown). */
export function lstmSection(r: BenchResults): string {
  const l = r.lstm;
  if (l === undefined) return '';
  const order: Lib[] = ['zoo', 'tfjs-wasm', 'tfjs-cpu'];
  const zooTrain = l.train.find((x) => x.lib === 'zoo' && x.error === undefined);
  const trainRows = order
    .map((lib) => l.train.find((x) => x.lib === lib))
    .filter((t): t is CnnTrainResult => t !== undefined)
    .map((t) =>
      t.error !== undefined
        ? [
            LIB_NAMES[t.lib],
            `${t.batch}`,
            `cannot train (${t.error.replaceAll('|', '\\|')})`,
            '—',
            '—',
            '—',
          ]
        : [
            LIB_NAMES[t.lib],
            `${t.batch}`,
            fmtRate(t.samplesPerSec),
            t.msPerStep.toFixed(1),
            `${t.steps}`,
            fmtTimes(ratioOf(zooTrain?.samplesPerSec, t.samplesPerSec)),
          ],
    );
  const inf = (lib: Lib, b: number) => l.infer.find((x) => x.lib === lib && x.batch === b);
  const batches = [...new Set(l.infer.map((x) => x.batch))].sort((a, b) => a - b);
  const inferRows = batches.flatMap((b) =>
    order
      .map((lib) => inf(lib, b))
      .filter((t): t is MlpInferResult => t !== undefined)
      .map((t) => [
        `${b}`,
        LIB_NAMES[t.lib],
        t.msPerCall.toFixed(3),
        t.bestMsPerCall.toFixed(3),
        fmtTimes(ratioOf(t.msPerCall, inf('zoo', b)?.msPerCall)),
      ]),
  );
  const o = r.options;
  const cpu = l.train.find((x) => x.lib === 'tfjs-cpu');
  return [
    `## LSTM (training and inference)`,
    '',
    `The network ${lstmName(l)} on sequences of ${l.timesteps} timesteps × ${l.features} features: Zoo's \`sequential\` of \`LSTM\` (one fused kernel call for the whole sequence forward, one for backpropagation through time) and \`Dense\`, and TF.js's \`@tensorflow/tfjs-layers\` \`lstm\` + \`dense\`, both with \`recurrentActivation: 'sigmoid'\`, compiled with Adam (lr 0.001) and sparse categorical cross-entropy. Random inputs and labels.`,
    '',
    `Training: \`trainOnBatch\` on one batch; Zoo ${o.lstmWarmupSteps} untimed warm-up steps then ${o.lstmSteps} timed; TF.js (slow: thousands of small kernels per step) ${o.lstmTfWarmupSteps} warm-up and ${o.lstmTfSteps} timed step(s), TF.js cpu at batch ${cpu?.batch ?? o.lstmCpuBatch}. Each step reads its loss back. Samples/s = batch × steps / total time (higher is better); "Zoo ×" is Zoo's samples/s over that library's.`,
    '',
    mdTable(
      ['Library', 'Batch', 'Samples / s', 'ms / step (median)', 'Timed steps', 'Zoo ×'],
      trainRows,
    ),
    '',
    `Inference: \`predict\` on a batch, the output read back and disposed; median ms per call (lower is better); "Zoo ×" is that library's time over Zoo's. At least ${o.lstmInferSeconds} s per cell, ${o.lstmInferMinSamples} samples (TF.js: ${o.lstmTfInferMinSamples}).`,
    '',
    mdTable(['Batch', 'Library', 'ms / call', 'Best ms / call', 'Zoo ×'], inferRows),
    '',
    `Agreement: with the same weights, Zoo's and TF.js wasm's batch-${batches[batches.length - 1] ?? '—'} predictions differ by at most ${l.maxPredictDiff.toExponential(1)}.`,
  ].join('\n');
}

/** The LSTM lines of the console summary. */
export function lstmSummaryLines(r: BenchResults): string[] {
  const l = r.lstm;
  if (l === undefined) return [];
  const lines = ['', `LSTM ${lstmName(l)}: training samples/s (Adam)`];
  for (const t of l.train) {
    lines.push(
      `  ${`${LIB_NAMES[t.lib]} b=${t.batch}`.padEnd(18)}${t.error !== undefined ? `cannot train (${t.error})` : t.samplesPerSec.toFixed(1).padStart(9)}`,
    );
  }
  lines.push('LSTM inference, ms per predict');
  for (const t of l.infer) {
    lines.push(
      `  ${`${LIB_NAMES[t.lib]} b=${t.batch}`.padEnd(18)}${t.msPerCall.toFixed(3).padStart(11)}`,
    );
  }
  return lines;
}
