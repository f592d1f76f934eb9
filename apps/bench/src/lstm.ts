/**
 * The LSTM section of the benchmark: an LSTM layer feeding a softmax, trained with Adam (Zoo's
 * fused sequence kernels against TF.js layers on its wasm and cpu backends), and its inference
 * latency at batch 1 and at the training batch. Kept apart from `bench.ts`, which wires it in
 * (options, results, targets, report); only function declarations here, so the two modules may
 * import each other.
 *
 * @packageDocumentation
 */

import type * as TfLayers from '@tensorflow/tfjs-layers';
import * as zoo from '@zoo/core';
import {
  type BenchOptions,
  type BenchResults,
  type CnnTrainResult,
  cnnTrainError,
  cnnTrainResult,
  fmtTimes,
  inferSummaryLine,
  LIB_NAMES,
  type Lib,
  type Libs,
  type MlpInferResult,
  mdTable,
  predictDiff,
  randomData,
  randomLabels,
  ratio,
  type TargetCheck,
  type Tf,
  type Tfl,
  timeSteps,
  timeTfPredict,
  timeZooPredict,
  trainSummaryLine,
  useBackend,
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
  const y = zoo.tensor(randomLabels(batch, c.classes, 32), [batch], 'int32');
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
  const y = tf.tensor1d(Float32Array.from(randomLabels(batch, c.classes, 32)));
  try {
    const t = await timeSteps(async () => (await m.trainOnBatch(x, y)) as number, warmup, steps);
    return cnnTrainResult(lib, batch, t);
  } catch (err) {
    return cnnTrainError(lib, batch, err);
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
    return timeZooPredict(m, x, batch, seconds, minSamples);
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
    return timeTfPredict(lib, m, x, batch, seconds, minSamples);
  } finally {
    x.dispose();
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
    await useBackend(tf, backend);
    const lib: Lib = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
    const tm = tfLstm(tfl, c);
    const ws = zm.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape]));
    tm.setWeights(ws);
    tf.dispose(ws);
    if (backend === 'wasm') {
      const data = randomData(biggest * c.timesteps * c.features, 34);
      [maxPredictDiff] = predictDiff(tf, zm, tm, data, [biggest, c.timesteps, c.features]);
    }
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
  await useBackend(tf, 'wasm');
  return { ...c, batch: opts.lstmBatch, train, infer, maxPredictDiff };
}

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
    const q = ratio(inf('tfjs-wasm', small)?.msPerCall, inf('zoo', small)?.msPerCall);
    checks.push({
      target: `Zoo LSTM(${l.units}) inference, batch ${small}: ≥ 10x TF.js wasm`,
      measured: q === undefined ? 'not measured' : `${q.toFixed(1)}x`,
      met: q === undefined ? undefined : q >= 10,
    });
  }
  return checks;
}

const fmtRate = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

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
            fmtTimes(ratio(zooTrain?.samplesPerSec, t.samplesPerSec)),
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
        fmtTimes(ratio(t.msPerCall, inf('zoo', b)?.msPerCall)),
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
  for (const t of l.train) lines.push(trainSummaryLine(t));
  lines.push('LSTM inference, ms per predict');
  for (const t of l.infer) lines.push(inferSummaryLine(t, 3));
  return lines;
}
