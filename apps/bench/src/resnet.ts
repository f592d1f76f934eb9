/**
 * The ResNet section of the benchmark: the small ResNet of TARGETS.md (a 3x3 convolution of 16
 * channels with batch norm and ReLU, three basic residual blocks of 16 channels, global
 * average pooling, a dense softmax; 32x32x3 images) trained at batch 32 in Zoo (TF.js wasm
 * cannot train it: it lacks convolution gradients; TF.js cpu manages about 0.4 samples/s, so
 * its TARGETS.md figure is quoted rather than measured), its inference at batch 256 and 1 in
 * Zoo and TF.js wasm with the same random weights, and keras.applications' ResNet-50 at
 * 224x224, batch 1, in Zoo (`@zoo/resnet`'s `resnet50`) and TF.js wasm (the same network
 * built layer for layer in `@tensorflow/tfjs-layers`, weights copied by layer name).
 *
 * `main.ts` runs it after the other sections and appends its markdown and summary lines.
 *
 * @packageDocumentation
 */

import type * as TfLayers from '@tensorflow/tfjs-layers';
import * as zoo from '@zoo/resnet';
import {
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
  targetSummaryLine,
  timeSteps,
  timeTfPredict,
  timeZooPredict,
  trainSummaryLine,
  useBackend,
} from './bench.js';

/** What the ResNet section measures and how long (see {@link resnetOptions}). */
export interface ResnetBenchOptions {
  /** Short, noisier samples. */
  quick: boolean;
  /** Residual blocks of the small ResNet (TARGETS.md: 3). */
  blocks: number;
  /** Channels of the small ResNet (TARGETS.md: 16). */
  channels: number;
  /** Height and width of its input images (TARGETS.md: 32x32x3). */
  imageSize: number;
  /** Training batch (TARGETS.md: 32). */
  batch: number;
  /** Untimed training steps. */
  warmupSteps: number;
  /** Timed training steps. */
  steps: number;
  /** Inference batches of the small ResNet. */
  inferBatches: readonly number[];
  /** Seconds of timed work per inference cell (at least). */
  inferSeconds: number;
  /** Samples per inference cell (at least). */
  inferMinSamples: number;
  /** Also time TF.js cpu's small-ResNet inference at batch 1 (about 39 ms per call). */
  tfjsCpuBatch1: boolean;
  /** Run the ResNet-50 part. */
  resnet50: boolean;
  /** Seconds of timed work per ResNet-50 cell (at least; each call is 0.1–1 s). */
  resnet50Seconds: number;
  /** Samples per ResNet-50 cell (at least). */
  resnet50MinSamples: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Default options, full or `quick`. */
export function resnetOptions(
  quick: boolean,
  log: (line: string) => void = () => {},
): ResnetBenchOptions {
  return {
    quick,
    blocks: 3,
    channels: 16,
    imageSize: 32,
    batch: 32,
    warmupSteps: quick ? 2 : 3,
    steps: quick ? 4 : 12,
    inferBatches: [1, 256],
    inferSeconds: quick ? 0.2 : 1,
    inferMinSamples: quick ? 3 : 7,
    tfjsCpuBatch1: !quick,
    resnet50: true,
    resnet50Seconds: quick ? 0.5 : 3,
    resnet50MinSamples: quick ? 2 : 5,
    log,
  };
}

/** TARGETS.md's TF.js figures on this machine (quoted where the bench does not measure them). */
export const RESNET_REFERENCE = {
  tfjsCpuTrainSamplesPerSec: 0.4,
  tfjsWasmInferMs: { 1: 1.8, 256: 391 } as Record<number, number>,
  tfjsCpuInferMs: { 1: 39, 256: 9852 } as Record<number, number>,
} as const;

/** The section's measurements. */
export interface ResnetBenchResult {
  options: Omit<ResnetBenchOptions, 'log'>;
  /** Parameters of the small ResNet. */
  smallParams: number;
  /** Training of the small ResNet (Zoo; TF.js wasm's attempt with its error). */
  train: CnnTrainResult[];
  /** Small-ResNet inference per library and batch. */
  infer: MlpInferResult[];
  /** Max |Zoo − TF.js wasm| of the small ResNet's largest-batch predictions, same weights. */
  maxPredictDiff: number;
  /** ResNet-50 at 224x224, batch 1 (absent when skipped). */
  resnet50?: {
    params: number;
    infer: MlpInferResult[];
    /** Max |Zoo − TF.js wasm| of the logits (linear classifier), same weights. */
    maxPredictDiff: number;
    /** Largest |logit|, to read the difference against. */
    maxLogit: number;
  };
  /** Wall seconds of the section. */
  seconds: number;
}

/** The small ResNet's name in the report. */
export function smallResnetName(o: Pick<ResnetBenchOptions, 'blocks' | 'channels'>): string {
  return `conv${o.channels}-bn-relu, ${o.blocks} × basic block(${o.channels}), gap, dense10(softmax)`;
}

// ---------------------------------------------------------------------------------------------
// The networks

/** Zoo's small ResNet (layers named as keras.applications' ResNets), uncompiled. */
export function zooSmallResnet(o: ResnetBenchOptions): zoo.LayersModel {
  const inp = zoo.input({ shape: [o.imageSize, o.imageSize, 3] });
  let x = zoo
    .conv2d({ filters: o.channels, kernelSize: 3, padding: 'same', name: 'conv1_conv' })
    .apply(inp) as zoo.SymbolicTensor;
  x = zoo.batchNormalization({ name: 'conv1_bn' }).apply(x) as zoo.SymbolicTensor;
  x = zoo.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as zoo.SymbolicTensor;
  for (let b = 1; b <= o.blocks; b++) {
    x = zoo.residualBlock(x, { filters: o.channels, kind: 'basic', namePrefix: `conv2_block${b}` });
  }
  x = zoo.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as zoo.SymbolicTensor;
  const out = zoo.dense({ units: 10, activation: 'softmax', name: 'predictions' }).apply(x);
  return zoo.model({ inputs: inp, outputs: out as zoo.SymbolicTensor, name: 'small_resnet' });
}

type TfSym = TfLayers.SymbolicTensor;

/** The same small ResNet in TF.js layers, with the same layer names. */
export function tfSmallResnet(tfl: Tfl, o: ResnetBenchOptions): TfLayers.LayersModel {
  const inp = tfl.input({ shape: [o.imageSize, o.imageSize, 3] });
  const c = o.channels;
  const conv = (name: string) =>
    tfl.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same', name });
  const bn = (name: string) => tfl.layers.batchNormalization({ name });
  const relu = (name: string) => tfl.layers.activation({ activation: 'relu', name });
  let x = conv('conv1_conv').apply(inp) as TfSym;
  x = bn('conv1_bn').apply(x) as TfSym;
  x = relu('conv1_relu').apply(x) as TfSym;
  for (let b = 1; b <= o.blocks; b++) {
    const p = `conv2_block${b}`;
    let y = conv(`${p}_1_conv`).apply(x) as TfSym;
    y = bn(`${p}_1_bn`).apply(y) as TfSym;
    y = relu(`${p}_1_relu`).apply(y) as TfSym;
    y = conv(`${p}_2_conv`).apply(y) as TfSym;
    y = bn(`${p}_2_bn`).apply(y) as TfSym;
    x = tfl.layers.add({ name: `${p}_add` }).apply([x, y]) as TfSym;
    x = relu(`${p}_out`).apply(x) as TfSym;
  }
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as TfSym;
  const out = tfl.layers
    .dense({ units: 10, activation: 'softmax', name: 'predictions' })
    .apply(x) as TfSym;
  return tfl.model({ inputs: inp, outputs: out });
}

/**
 * keras.applications.ResNet50 in TF.js layers (its `resnet.py` rebuilt: same layers, names,
 * epsilon 1.001e-5, strides on the first 1x1 convolution), with a linear classifier.
 */
export function tfResnet50(tfl: Tfl): TfLayers.LayersModel {
  const eps = 1.001e-5;
  const inp = tfl.input({ shape: [224, 224, 3] });
  const bn = (name: string) => tfl.layers.batchNormalization({ axis: 3, epsilon: eps, name });
  const relu = (name: string) => tfl.layers.activation({ activation: 'relu', name });
  let x = tfl.layers
    .zeroPadding2d({
      padding: [
        [3, 3],
        [3, 3],
      ],
      name: 'conv1_pad',
    })
    .apply(inp) as TfSym;
  x = tfl.layers
    .conv2d({ filters: 64, kernelSize: 7, strides: 2, name: 'conv1_conv' })
    .apply(x) as TfSym;
  x = bn('conv1_bn').apply(x) as TfSym;
  x = relu('conv1_relu').apply(x) as TfSym;
  x = tfl.layers
    .zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'pool1_pad',
    })
    .apply(x) as TfSym;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as TfSym;
  const block = (
    input: TfSym,
    filters: number,
    stride: number,
    shortcut: boolean,
    name: string,
  ) => {
    let sc = input;
    if (shortcut) {
      sc = tfl.layers
        .conv2d({ filters: 4 * filters, kernelSize: 1, strides: stride, name: `${name}_0_conv` })
        .apply(input) as TfSym;
      sc = bn(`${name}_0_bn`).apply(sc) as TfSym;
    }
    let y = tfl.layers
      .conv2d({ filters, kernelSize: 1, strides: stride, name: `${name}_1_conv` })
      .apply(input) as TfSym;
    y = bn(`${name}_1_bn`).apply(y) as TfSym;
    y = relu(`${name}_1_relu`).apply(y) as TfSym;
    y = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` })
      .apply(y) as TfSym;
    y = bn(`${name}_2_bn`).apply(y) as TfSym;
    y = relu(`${name}_2_relu`).apply(y) as TfSym;
    y = tfl.layers
      .conv2d({ filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` })
      .apply(y) as TfSym;
    y = bn(`${name}_3_bn`).apply(y) as TfSym;
    const s = tfl.layers.add({ name: `${name}_add` }).apply([sc, y]) as TfSym;
    return relu(`${name}_out`).apply(s) as TfSym;
  };
  const stages: [number, number, number][] = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ];
  stages.forEach(([filters, blocks, stride1], i) => {
    x = block(x, filters, stride1, true, `conv${i + 2}_block1`);
    for (let b = 2; b <= blocks; b++) x = block(x, filters, 1, false, `conv${i + 2}_block${b}`);
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as TfSym;
  const out = tfl.layers.dense({ units: 1000, name: 'predictions' }).apply(x) as TfSym;
  return tfl.model({ inputs: inp, outputs: out, name: 'resnet50' });
}

/**
 * Gives the batch norms of `m` non-trivial statistics and scales (deterministic), so the
 * networks are compared away from the identity initialization; kernels keep their values.
 */
function randomizeBatchNorms(m: zoo.LayersModel, seed: number): void {
  let s = seed;
  for (const l of m.layers) {
    if (!(l instanceof zoo.BatchNormalization)) continue;
    for (const w of l.layerWeights) {
      const n = w.originalName;
      const u = randomData(w.variable.size, s++);
      const [lo, hi] = n.endsWith('moving_variance')
        ? [0.5, 1.5]
        : n.endsWith('gamma')
          ? [0.2, 0.6]
          : [-0.2, 0.2];
      const v = u.map((r) => lo + ((r + 1) / 2) * (hi - lo));
      const t = zoo.tensor(v, w.variable.shape);
      w.variable.assign(t);
      t.dispose();
    }
  }
}

/** Copies Zoo's weights into the TF.js model layer by layer, by name. */
function copyByName(tf: Tf, from: zoo.LayersModel, to: TfLayers.LayersModel): void {
  for (const l of from.layers) {
    if (l.weights.length === 0) continue;
    const ws = l.weights.map((w) => tf.tensor(w.dataSync(), [...w.shape]));
    to.getLayer(l.name).setWeights(ws);
    tf.dispose(ws);
  }
}

// ---------------------------------------------------------------------------------------------
// Timing

/** Zoo: `predict`, read the output back, dispose it. */
function timeZooInfer(
  m: zoo.LayersModel,
  size: number,
  batch: number,
  seconds: number,
  min: number,
) {
  const x = zoo.tensor(randomData(batch * size * size * 3, 41), [batch, size, size, 3]);
  try {
    return timeZooPredict(m, x, batch, seconds, min);
  } finally {
    x.dispose();
  }
}

/** TF.js (current backend), as {@link timeZooInfer}. */
function timeTfInfer(
  tf: Tf,
  lib: Lib,
  m: TfLayers.LayersModel,
  size: number,
  batch: number,
  seconds: number,
  min: number,
) {
  const x = tf.tensor4d(randomData(batch * size * size * 3, 41), [batch, size, size, 3]);
  try {
    return timeTfPredict(lib, m, x, batch, seconds, min);
  } finally {
    x.dispose();
  }
}

/**
 * Runs the section: small-ResNet training (Zoo; TF.js wasm's attempt), its inference in Zoo,
 * TF.js wasm (and TF.js cpu at batch 1 in a full run), then ResNet-50 at batch 1. Leaves TF.js
 * on wasm.
 */
export async function runResnetBench(
  libs: Libs,
  opts: ResnetBenchOptions,
): Promise<ResnetBenchResult> {
  const started = performance.now();
  const { tf, tfl } = libs;
  const log = opts.log;
  const size = opts.imageSize;
  const train: CnnTrainResult[] = [];
  const infer: MlpInferResult[] = [];
  const logInfer = (what: string, r: MlpInferResult) =>
    log(`  ${LIB_NAMES[r.lib]} ${what} predict batch ${r.batch}: ${r.msPerCall.toFixed(2)} ms`);
  log(`ResNet: small ResNet (${smallResnetName(opts)}) on ${size}x${size}x3`);

  // Training, Zoo: Adam, sparse categorical cross-entropy, one random batch.
  zoo.setSeed(10);
  const zt = zooSmallResnet(opts);
  const smallParams = zt.countParams();
  zt.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  {
    const b = opts.batch;
    const x = zoo.tensor(randomData(b * size * size * 3, 43), [b, size, size, 3]);
    const y = zoo.tensor(randomLabels(b, 10, 44), [b], 'int32');
    try {
      const t = await timeSteps(
        () => zt.trainOnBatch(x, y) as number,
        opts.warmupSteps,
        opts.steps,
      );
      const r = cnnTrainResult('zoo', b, t);
      train.push(r);
      log(
        `  Zoo training (batch ${b}): ${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(1)} ms/step)`,
      );
    } finally {
      zoo.dispose([x, y]);
      zt.dispose();
    }
  }
  // Training, TF.js wasm: one attempt (it lacks the convolution gradients).
  await useBackend(tf, 'wasm');
  {
    const tm = tfSmallResnet(tfl, opts);
    tm.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const b = opts.batch;
    const x = tf.tensor4d(randomData(b * size * size * 3, 43), [b, size, size, 3]);
    const y = tf.tensor1d(Float32Array.from(randomLabels(b, 10, 44)));
    try {
      const t = await timeSteps(async () => (await tm.trainOnBatch(x, y)) as number, 1, 1);
      train.push(cnnTrainResult('tfjs-wasm', b, t));
    } catch (err) {
      train.push(cnnTrainError('tfjs-wasm', b, err));
    } finally {
      tf.dispose([x, y]);
      tm.dispose();
    }
    const r = train.at(-1)!;
    log(
      r.error !== undefined
        ? `  TF.js wasm training: cannot train (${r.error})`
        : `  TF.js wasm training: ${r.samplesPerSec.toFixed(1)} samples/s`,
    );
  }

  // Inference with the same weights (non-trivial batch-norm statistics).
  zoo.setSeed(11);
  const zm = zooSmallResnet(opts);
  randomizeBatchNorms(zm, 50);
  const tm = tfSmallResnet(tfl, opts);
  copyByName(tf, zm, tm);
  const batches = [...opts.inferBatches].sort((a, b) => a - b);
  const big = batches[batches.length - 1];
  const [maxPredictDiff] = predictDiff(tf, zm, tm, randomData(big * size * size * 3, 42), [
    big,
    size,
    size,
    3,
  ]);
  for (const b of batches) {
    const z = timeZooInfer(zm, size, b, opts.inferSeconds, opts.inferMinSamples);
    infer.push(z);
    logInfer('small', z);
    const w = timeTfInfer(tf, 'tfjs-wasm', tm, size, b, opts.inferSeconds, opts.inferMinSamples);
    infer.push(w);
    logInfer('small', w);
  }
  tm.dispose();
  if (opts.tfjsCpuBatch1) {
    await useBackend(tf, 'cpu');
    const cm = tfSmallResnet(tfl, opts);
    copyByName(tf, zm, cm);
    const c = timeTfInfer(tf, 'tfjs-cpu', cm, size, 1, opts.inferSeconds, 3);
    infer.push(c);
    logInfer('small', c);
    cm.dispose();
    await useBackend(tf, 'wasm');
  }
  zm.dispose();

  let resnet50: ResnetBenchResult['resnet50'];
  if (opts.resnet50) {
    log('ResNet-50 (keras.applications layout) at 224x224x3, batch 1');
    zoo.setSeed(12);
    const z50 = zoo.resnet50({ includeTop: true, classes: 1000, classifierActivation: 'linear' });
    randomizeBatchNorms(z50, 60);
    const t50 = tfResnet50(tfl);
    copyByName(tf, z50, t50);
    const [diff, big] = predictDiff(tf, z50, t50, randomData(224 * 224 * 3, 42), [1, 224, 224, 3]);
    const cells: MlpInferResult[] = [];
    const z = timeZooInfer(z50, 224, 1, opts.resnet50Seconds, opts.resnet50MinSamples);
    cells.push(z);
    logInfer('ResNet-50', z);
    const w = timeTfInfer(
      tf,
      'tfjs-wasm',
      t50,
      224,
      1,
      opts.resnet50Seconds,
      opts.resnet50MinSamples,
    );
    cells.push(w);
    logInfer('ResNet-50', w);
    resnet50 = { params: z50.countParams(), infer: cells, maxPredictDiff: diff, maxLogit: big };
    log(
      `  agreement: max |Zoo − TF.js wasm| ${diff.toExponential(1)} on logits up to ${big.toFixed(1)}`,
    );
    z50.dispose();
    t50.dispose();
  }
  const { log: _log, ...rest } = opts;
  return {
    options: rest,
    smallParams,
    train,
    infer,
    maxPredictDiff,
    ...(resnet50 === undefined ? {} : { resnet50 }),
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const find = (cells: readonly MlpInferResult[], lib: Lib, b: number) =>
  cells.find((x) => x.lib === lib && x.batch === b);
const metText = (m: boolean | undefined) => (m === undefined ? 'n/a' : m ? 'met' : '**not met**');

/** The ResNet targets of issue 5. */
export function resnetTargetChecks(r: ResnetBenchResult): TargetCheck[] {
  const o = r.options;
  const tr = r.train.find((t) => t.lib === 'zoo' && t.error === undefined);
  const big = Math.max(...o.inferBatches);
  const q = ratio(find(r.infer, 'tfjs-wasm', big)?.msPerCall, find(r.infer, 'zoo', big)?.msPerCall);
  return [
    {
      target: `Zoo small ResNet training (batch ${o.batch}): ≥ 200 samples/s`,
      measured: tr === undefined ? 'not measured' : `${tr.samplesPerSec.toFixed(0)} samples/s`,
      met: tr === undefined ? undefined : tr.samplesPerSec >= 200,
    },
    {
      target: `Zoo small ResNet inference, batch ${big}: ≥ 1.3x TF.js wasm`,
      measured: q === undefined ? 'not measured' : `${q.toFixed(2)}x`,
      met: q === undefined ? undefined : q >= 1.3,
    },
  ];
}

/** The section's markdown. */
export function resnetSection(r: ResnetBenchResult): string {
  const o = r.options;
  const ref = RESNET_REFERENCE;
  const zooTrain = r.train.find((t) => t.lib === 'zoo' && t.error === undefined);
  const trainRows = r.train.map((t) =>
    t.error !== undefined
      ? [
          LIB_NAMES[t.lib],
          `${t.batch}`,
          `cannot train (${t.error.replaceAll('|', '\\|')})`,
          '—',
          '—',
        ]
      : [
          LIB_NAMES[t.lib],
          `${t.batch}`,
          t.samplesPerSec.toFixed(1),
          t.msPerStep.toFixed(1),
          `${t.steps}`,
        ],
  );
  trainRows.push([
    LIB_NAMES['tfjs-cpu'],
    `${o.batch}`,
    `${ref.tfjsCpuTrainSamplesPerSec} (TARGETS.md, not measured here)`,
    '—',
    '—',
  ]);
  const inferRows: string[][] = [];
  for (const b of [...new Set(r.infer.map((x) => x.batch))].sort((p, q) => p - q)) {
    for (const lib of ['zoo', 'tfjs-wasm', 'tfjs-cpu'] as const) {
      const c = find(r.infer, lib, b);
      if (c === undefined) continue;
      inferRows.push([
        `${b}`,
        LIB_NAMES[lib],
        c.msPerCall.toFixed(2),
        c.bestMsPerCall.toFixed(2),
        fmtTimes(ratio(c.msPerCall, find(r.infer, 'zoo', b)?.msPerCall)),
      ]);
    }
  }
  const lines = [
    '## ResNet (training and inference)',
    '',
    `The small ResNet of TARGETS.md: ${smallResnetName(o)}, on ${o.imageSize}x${o.imageSize}x3 images (${r.smallParams.toLocaleString('en-US')} parameters): Zoo's \`@zoo/resnet\` (\`residualBlock\`, \`batchNormalization\`) and the same network in \`@tensorflow/tfjs-layers\`, layer for layer with the same names.`,
    '',
    `Training: \`trainOnBatch\` with Adam and sparse categorical cross-entropy on one random batch of ${o.batch}; ${o.warmupSteps} untimed then ${o.steps} timed steps, each reading its loss back. TF.js wasm lacks the convolution gradients; TF.js cpu's figure (about 80 s per step) is quoted from TARGETS.md.${zooTrain === undefined ? '' : ` Zoo is ${fmtTimes(zooTrain.samplesPerSec / ref.tfjsCpuTrainSamplesPerSec)} TF.js cpu's quoted figure.`}`,
    '',
    mdTable(['Library', 'Batch', 'Samples / s', 'ms / step (median)', 'Timed steps'], trainRows),
    '',
    `Inference: \`predict\` (inference mode: batch norm uses its moving statistics, here random non-trivial ones shared by both libraries), the output read back and disposed; median ms per call; "Zoo ×" is that library's time over Zoo's. At least ${o.inferSeconds} s and ${o.inferMinSamples} samples per cell. TARGETS.md quotes TF.js wasm at ${ref.tfjsWasmInferMs[1]} / ${ref.tfjsWasmInferMs[256]} ms and TF.js cpu at ${ref.tfjsCpuInferMs[1]} / ${ref.tfjsCpuInferMs[256].toLocaleString('en-US')} ms (batch 1 / 256). With the same weights the batch-${Math.max(...o.inferBatches)} predictions differ by at most ${r.maxPredictDiff.toExponential(1)}.`,
    '',
    mdTable(['Batch', 'Library', 'ms / call', 'Best ms / call', 'Zoo ×'], inferRows),
  ];
  if (r.resnet50 !== undefined) {
    const g = r.resnet50;
    lines.push(
      '',
      `ResNet-50 at 224x224x3, batch 1: \`resnet50()\` (keras.applications' layout, ${g.params.toLocaleString('en-US')} parameters, linear classifier) and the same network in tfjs-layers (keras's \`resnet.py\` rebuilt layer for layer), weights copied by layer name, random batch-norm statistics. Logits agree within ${g.maxPredictDiff.toExponential(1)} (largest |logit| ${g.maxLogit.toFixed(1)}). At least ${o.resnet50Seconds} s and ${o.resnet50MinSamples} samples per cell.`,
      '',
      mdTable(
        ['Library', 'ms / call', 'Best ms / call', 'Zoo ×'],
        g.infer.map((c) => [
          LIB_NAMES[c.lib],
          c.msPerCall.toFixed(1),
          c.bestMsPerCall.toFixed(1),
          fmtTimes(ratio(c.msPerCall, find(g.infer, 'zoo', 1)?.msPerCall)),
        ]),
      ),
    );
  }
  lines.push(
    '',
    '### ResNet targets',
    '',
    mdTable(
      ['Target', 'Measured', 'Status'],
      resnetTargetChecks(r).map((c) => [c.target, c.measured, metText(c.met)]),
    ),
  );
  return lines.join('\n');
}

/** The section's lines of the console summary. */
export function resnetSummaryLines(r: ResnetBenchResult): string[] {
  const lines = ['', `ResNet small (${smallResnetName(r.options)}): training samples/s (Adam)`];
  for (const t of r.train) lines.push(trainSummaryLine(t));
  lines.push(
    `  ${`${LIB_NAMES['tfjs-cpu']} b=${r.options.batch}`.padEnd(18)}${'0.4'.padStart(9)} (TARGETS.md)`,
  );
  lines.push('ResNet small inference, ms per predict');
  for (const c of r.infer) lines.push(inferSummaryLine(c, 2));
  if (r.resnet50 !== undefined) {
    lines.push('ResNet-50 224x224 inference, batch 1, ms per predict');
    for (const c of r.resnet50.infer) {
      lines.push(`  ${LIB_NAMES[c.lib].padEnd(18)}${c.msPerCall.toFixed(1).padStart(11)}`);
    }
  }
  lines.push('ResNet targets');
  for (const c of resnetTargetChecks(r)) lines.push(targetSummaryLine(c));
  return lines;
}
