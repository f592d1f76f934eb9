/**
 * Zoo's benchmark suite: measures Zoo side by side with TF.js (its wasm and cpu backends) in
 * one Node process and renders the results as markdown. The CLI (`main.ts`) drives it; the
 * functions here are importable on their own (the smoke test runs them at tiny sizes).
 *
 * Adding a benchmark: measure it in {@link runBench} (store the numbers on
 * {@link BenchResults}), and append a {@link Section} that renders them to
 * {@link defaultSections}.
 *
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import * as zoo from '@zoo/core';
import { Word2Vec } from '@zoo/word2vec';
import { repoRoot } from './args.js';
import {
  type LstmBenchResult,
  lstmSection,
  lstmSummaryLines,
  lstmTargetChecks,
  runLstmBench,
} from './lstm.js';

/** The TF.js core namespace (the CommonJS build, shared by both backends). */
export type Tf = typeof TfCore;

/** The TF.js layers namespace (the CommonJS build, on the same tfjs-core). */
export type Tfl = typeof TfLayers;

/** A library under test. */
export type Lib = 'zoo' | 'tfjs-wasm' | 'tfjs-cpu';

/** Display names of the libraries. */
export const LIB_NAMES: Readonly<Record<Lib, string>> = {
  zoo: 'Zoo',
  'tfjs-wasm': 'TF.js wasm',
  'tfjs-cpu': 'TF.js cpu',
};

/** A GEMM form: `AB` is A·B, `AtB` is Aᵀ·B, `ABt` is A·Bᵀ. */
export type GemmForm = 'AB' | 'AtB' | 'ABt';

/** Every GEMM form, in report order. */
export const GEMM_FORMS: readonly GemmForm[] = ['AB', 'AtB', 'ABt'];

/** How each form is written in the report. */
export const FORM_LABELS: Readonly<Record<GemmForm, string>> = {
  AB: 'A·B',
  AtB: 'Aᵀ·B',
  ABt: 'A·Bᵀ',
};

/** One timed GEMM cell: a library, a square size n (an n×n by n×n product) and a form. */
export interface GemmResult {
  lib: Lib;
  size: number;
  form: GemmForm;
  /** 2·n³ / (median seconds per call) / 1e9. */
  gflops: number;
  /** GFLOP/s of the fastest sample (less sensitive to other load on the machine). */
  bestGflops: number;
  /** Median milliseconds per call. */
  msPerCall: number;
  /** Timed samples taken (the median is over these). */
  samples: number;
  /** Calls per timed sample. */
  callsPerSample: number;
  /** Process CPU time / wall time over the timed samples (see {@link Timing.cpuShare}). */
  cpuShare: number;
}

/** The per-op cost of a tiny add ([4] + [4] float32, output disposed each time). */
export interface DispatchResult {
  lib: Lib;
  /** Median microseconds per add (creating and disposing its output included). */
  usPerOp: number;
  /** Timed samples taken. */
  samples: number;
  /** Adds per timed sample. */
  itersPerSample: number;
}

/** The largest |Zoo − TF.js wasm| relative to max |TF.js wasm| for one form at one size. */
export interface AgreementResult {
  size: number;
  form: GemmForm;
  maxRelDiff: number;
}

/** Training throughput of the benchmark MLP for one library. */
export interface MlpTrainResult {
  lib: Lib;
  /** Examples per second over the timed steps (batch × steps / total seconds). */
  samplesPerSec: number;
  /** Examples per second of the fastest step. */
  bestSamplesPerSec: number;
  /** Median milliseconds per step. */
  msPerStep: number;
  /** Timed steps (after the warm-up ones). */
  steps: number;
  /** The loss the last step reported (a sanity check: finite, about ln 10 on random labels). */
  lastLoss: number;
}

/** Inference latency of the benchmark MLP for one library and batch size. */
export interface MlpInferResult {
  lib: Lib;
  batch: number;
  /** Median milliseconds per `predict` plus reading the output back. */
  msPerCall: number;
  /** Milliseconds of the fastest sample. */
  bestMsPerCall: number;
  samples: number;
  callsPerSample: number;
}

/** The MLP section's measurements. */
export interface MlpBenchResult {
  /** Layer widths, input first: e.g. [784, 128, 64, 10]. */
  layers: number[];
  /** Training batch size. */
  batch: number;
  train: MlpTrainResult[];
  infer: MlpInferResult[];
  /** Max |Zoo − TF.js| of the batch-256 predictions with the same weights. */
  maxPredictDiff: number;
}

/** Training throughput of the benchmark CNN for one library (or why it cannot train). */
export interface CnnTrainResult {
  lib: Lib;
  /** Training batch size (TF.js cpu uses a smaller one: it is very slow). */
  batch: number;
  /** Set when the library cannot train the CNN: the error's message (the numbers are then 0). */
  error?: string;
  /** Examples per second over the timed steps (batch × steps / total seconds). */
  samplesPerSec: number;
  /** Examples per second of the fastest step. */
  bestSamplesPerSec: number;
  /** Median milliseconds per step. */
  msPerStep: number;
  /** Timed steps (after the warm-up ones). */
  steps: number;
  /** The loss the last step reported (finite; about ln 10 on random labels). */
  lastLoss: number;
}

/** The CNN section's measurements. */
export interface CnnBenchResult {
  /** Height and width of the single-channel input images. */
  imageSize: number;
  /** Filters of the two 3x3 convolutions. */
  filters: [number, number];
  /** Units of the hidden dense layer. */
  denseUnits: number;
  /** Output classes. */
  classes: number;
  /** Training batch size (Zoo and TF.js wasm). */
  batch: number;
  train: CnnTrainResult[];
  /** Inference latency (the same record as the MLP's). */
  infer: MlpInferResult[];
  /** Max |Zoo − TF.js wasm| of the predictions at the largest inference batch, same weights. */
  maxPredictDiff: number;
}

/** Word2Vec training throughput of one library, mode and worker count. */
export interface W2vResult {
  lib: 'zoo' | 'gensim';
  /** 1: skip-gram, 0: CBOW. */
  sg: 0 | 1;
  /** Workers asked for. */
  workers: number;
  /** Threads that trained (Zoo falls back to 1 where threads do not exist). */
  threads: number;
  /** Raw words (tokens read) per second of training, vocabulary scan excluded. */
  rawWordsPerSec: number;
  /** Words kept by sub-sampling and trained, per second (0 when unknown). */
  effectiveWordsPerSec: number;
  /** Seconds of training (0 for reference figures). */
  seconds: number;
  /** `measured` here, or `reference`: issue 7's gensim 4.2 figures on this machine. */
  source: 'measured' | 'reference';
}

/** The Word2Vec section's measurements. */
export interface W2vBenchResult {
  /** What was trained on (the dataset file and slice, or the synthetic corpus). */
  corpus: string;
  /** Tokens of the slice (split into lines of `lineLength` tokens). */
  tokens: number;
  lineLength: number;
  /** Vocabulary size after minCount. */
  vocab: number;
  /** gensim's version when measured side by side, else why the reference figures are used. */
  gensim: string;
  /** 1/5/15-minute load averages when the section started. */
  load: string;
  /** Runs per library and cell (each library's fastest is reported). */
  rounds: number;
  results: W2vResult[];
}

/** gensim 4.2 on the text8-style corpus (issue 7), raw words/s by [sg][workers]. */
export const GENSIM_REFERENCE: Readonly<Record<0 | 1, Readonly<Record<number, number>>>> = {
  1: { 1: 224_000, 2: 357_000 },
  0: { 1: 867_000, 2: 1_810_000 },
};

/** Where the benchmark ran. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  os: string;
  node: string;
  /** 1/5/15-minute load averages when the run started (other work on the machine skews timings). */
  load: string;
  /** Zoo's kernel variant, e.g. `simd` or `relaxed-simd`, with its thread count. */
  zooKernels: string;
  /** TF.js version and what its wasm backend runs with. */
  tfjs: string;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Fewer and shorter samples (about 10x faster, noisier). */
  quick: boolean;
  /** Square GEMM sizes for Zoo and TF.js wasm. */
  gemmSizes: readonly number[];
  /** Square GEMM sizes for TF.js cpu (slow: about 1 GFLOP/s). */
  cpuGemmSizes: readonly number[];
  /** The size the targets are checked at. */
  targetSize: number;
  /** Minimum total timed seconds per GEMM cell (split over the samples). */
  gemmSeconds: number;
  /** Minimum timed samples per GEMM cell. */
  gemmMinSamples: number;
  /** Minimum total timed seconds per TF.js cpu GEMM cell. */
  cpuGemmSeconds: number;
  /** Minimum timed samples per TF.js cpu GEMM cell. */
  cpuGemmMinSamples: number;
  /** Minimum timed samples when one call takes over 0.2 s (TF.js's transposed GEMMs). */
  slowMinSamples: number;
  /** Adds per dispatch sample. */
  dispatchIters: number;
  /** Minimum warm-up seconds before the dispatch samples (the JIT needs many calls). */
  dispatchWarmSeconds: number;
  /** Dispatch samples (the median is taken). */
  dispatchSamples: number;
  /** Run the MLP section (training throughput and inference latency). */
  mlp: boolean;
  /** Layer widths of the benchmark MLP, input first (ReLU hidden, softmax output). */
  mlpLayers: readonly number[];
  /** Training batch size of the MLP section. */
  mlpBatch: number;
  /** Untimed training steps first (the JIT, allocator free lists and optimizer slots settle). */
  mlpWarmupSteps: number;
  /** Timed training steps. */
  mlpSteps: number;
  /** Batch sizes of the inference latency measurements. */
  mlpInferBatches: readonly number[];
  /** Minimum total timed seconds per inference cell. */
  mlpInferSeconds: number;
  /** Minimum timed samples per inference cell. */
  mlpInferMinSamples: number;
  /** Run the CNN section (training throughput and inference latency). */
  cnn: boolean;
  /** Height and width of the CNN's single-channel input (28: MNIST-sized). */
  cnnImageSize: number;
  /** Filters of the CNN's two 3x3 convolutions. */
  cnnFilters: readonly [number, number];
  /** Units of the CNN's hidden dense layer. */
  cnnDenseUnits: number;
  /** Training batch size of the CNN section (Zoo and TF.js wasm). */
  cnnBatch: number;
  /** Untimed CNN training steps first. */
  cnnWarmupSteps: number;
  /** Timed CNN training steps. */
  cnnSteps: number;
  /** TF.js cpu's CNN training batch (it trains at a few samples/s, so smaller). */
  cnnCpuBatch: number;
  /** TF.js cpu's untimed CNN training steps. */
  cnnCpuWarmupSteps: number;
  /** TF.js cpu's timed CNN training steps. */
  cnnCpuSteps: number;
  /** Batch sizes of the CNN inference measurements. */
  cnnInferBatches: readonly number[];
  /** Minimum total timed seconds per CNN inference cell. */
  cnnInferSeconds: number;
  /** Minimum timed samples per CNN inference cell. */
  cnnInferMinSamples: number;
  /** TF.js cpu CNN inference at batches above this is timed with one call (it takes seconds). */
  cnnCpuSingleCallBatch: number;
  /** Run the LSTM section (training throughput and inference latency, see lstm.ts). */
  lstm: boolean;
  /** LSTM units. */
  lstmUnits: number;
  /** Timesteps per input sequence. */
  lstmTimesteps: number;
  /** Features per timestep. */
  lstmFeatures: number;
  /** Training batch size of the LSTM section (Zoo and TF.js wasm). */
  lstmBatch: number;
  /** Zoo's untimed LSTM training steps. */
  lstmWarmupSteps: number;
  /** Zoo's timed LSTM training steps. */
  lstmSteps: number;
  /** TF.js's untimed LSTM training steps (both backends; a step takes about a second). */
  lstmTfWarmupSteps: number;
  /** TF.js's timed LSTM training steps. */
  lstmTfSteps: number;
  /** TF.js cpu's LSTM training batch (about 20 samples/s, so smaller). */
  lstmCpuBatch: number;
  /** Batch sizes of the LSTM inference measurements. */
  lstmInferBatches: readonly number[];
  /** Minimum total timed seconds per LSTM inference cell. */
  lstmInferSeconds: number;
  /** Minimum timed samples per Zoo LSTM inference cell. */
  lstmInferMinSamples: number;
  /** Minimum timed samples per TF.js LSTM inference cell (slow at the larger batch). */
  lstmTfInferMinSamples: number;
  /** Run the Word2Vec section (raw words/s, Zoo and gensim, skip-gram and CBOW). */
  w2v: boolean;
  /**
   * The shared datasets directory holding `text-corpus/enwiki-wikitasks-text8style.txt.gz`;
   * when it (or the file) is missing, or null, a synthetic Zipf corpus is trained instead.
   */
  w2vData: string | null;
  /** Tokens of the corpus slice trained (one epoch). */
  w2vTokens: number;
  /** Worker counts measured. */
  w2vWorkers: readonly number[];
  /** Runs per library and cell, alternating; each library's fastest is reported. */
  w2vRounds: number;
  /** Measure gensim side by side when `/usr/bin/python3 -c 'import gensim'` works. */
  w2vGensim: boolean;
  /** Progress lines (to stderr in the CLI). */
  log: (line: string) => void;
}

/** Everything one run measured, plus its context; sections render it. */
export interface BenchResults {
  /** ISO 8601 time the run started. */
  date: string;
  /** The command line that produced it. */
  command: string;
  machine: MachineInfo;
  options: Omit<BenchOptions, 'log'>;
  gemm: GemmResult[];
  dispatch: DispatchResult[];
  agreement: AgreementResult[];
  /** The MLP section (absent when `options.mlp` is false). */
  mlp?: MlpBenchResult;
  /** The CNN section (absent when `options.cnn` is false). */
  cnn?: CnnBenchResult;
  /** The LSTM section (absent when `options.lstm` is false). */
  lstm?: LstmBenchResult;
  /** The Word2Vec section (absent when `options.w2v` is false). */
  w2v?: W2vBenchResult;
  /** Wall-clock seconds the whole run took. */
  elapsedSeconds: number;
}

/** Default options: full run, or `quick` for a fast, noisier one. */
export function defaultOptions(quick = false): BenchOptions {
  return {
    quick,
    gemmSizes: [128, 256, 512, 1024],
    cpuGemmSizes: [128, 256, 512],
    targetSize: 512,
    gemmSeconds: quick ? 0.05 : 0.3,
    gemmMinSamples: quick ? 3 : 7,
    cpuGemmSeconds: quick ? 0.02 : 0.3,
    cpuGemmMinSamples: quick ? 1 : 3,
    slowMinSamples: quick ? 1 : 3,
    dispatchIters: quick ? 5000 : 20000,
    dispatchWarmSeconds: quick ? 0.1 : 0.3,
    dispatchSamples: quick ? 3 : 9,
    mlp: true,
    mlpLayers: [784, 128, 64, 10],
    mlpBatch: 128,
    mlpWarmupSteps: quick ? 3 : 10,
    mlpSteps: quick ? 10 : 30,
    mlpInferBatches: [1, 256],
    mlpInferSeconds: quick ? 0.05 : 0.3,
    mlpInferMinSamples: quick ? 3 : 7,
    cnn: true,
    cnnImageSize: 28,
    cnnFilters: [32, 64],
    cnnDenseUnits: 128,
    cnnBatch: 64,
    cnnWarmupSteps: quick ? 2 : 3,
    cnnSteps: quick ? 5 : 10,
    cnnCpuBatch: 8,
    cnnCpuWarmupSteps: 0,
    cnnCpuSteps: quick ? 1 : 2,
    cnnInferBatches: [1, 256],
    cnnInferSeconds: quick ? 0.1 : 0.5,
    cnnInferMinSamples: quick ? 3 : 7,
    cnnCpuSingleCallBatch: 16,
    lstm: true,
    lstmUnits: 128,
    lstmTimesteps: 50,
    lstmFeatures: 32,
    lstmBatch: 64,
    lstmWarmupSteps: quick ? 2 : 3,
    lstmSteps: quick ? 5 : 15,
    lstmTfWarmupSteps: 1,
    lstmTfSteps: quick ? 1 : 3,
    lstmCpuBatch: quick ? 16 : 64,
    lstmInferBatches: [1, 64],
    lstmInferSeconds: quick ? 0.1 : 0.5,
    lstmInferMinSamples: quick ? 3 : 7,
    lstmTfInferMinSamples: quick ? 1 : 3,
    w2v: true,
    w2vData: path.join(repoRoot, '..', 'shared', 'datasets'),
    w2vTokens: quick ? 500_000 : 2_000_000,
    w2vWorkers: [1, 2],
    w2vRounds: quick ? 1 : 2,
    w2vGensim: true,
    log: () => {},
  };
}

/** Both libraries, ready to run. */
export interface Libs {
  tf: Tf;
  /** TF.js layers, on the same tfjs-core as `tf`. */
  tfl: Tfl;
  /** The directory the TF.js wasm binaries were loaded from. */
  wasmDir: string;
}

let libsPromise: Promise<Libs> | undefined;

/**
 * Loads Zoo and TF.js (cpu and wasm backends) once. TF.js is loaded through `require` so that
 * tfjs-core and both backends resolve to the same CommonJS module instance (one engine, one
 * registry); the wasm backend reads its `.wasm` binaries from the installed package's `dist`
 * directory on disk, so nothing is fetched. It stays single-threaded: TF.js disables wasm
 * threads under Node.
 */
export function loadLibs(): Promise<Libs> {
  libsPromise ??= (async () => {
    await zoo.ready();
    const require = createRequire(import.meta.url);
    const tf = require('@tensorflow/tfjs-core') as Tf;
    require('@tensorflow/tfjs-backend-cpu');
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;
    // The package's main is dist/tf-backend-wasm.node.js, next to the .wasm files.
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    // Both backends must have registered with this very copy of tfjs-core.
    const wasmCore = createRequire(path.join(wasmDir, 'x.js')).resolve('@tensorflow/tfjs-core');
    if (wasmCore !== require.resolve('@tensorflow/tfjs-core')) {
      throw new Error(`two copies of @tensorflow/tfjs-core: ${wasmCore} and ours`);
    }
    if (tf.findBackendFactory('wasm') === null || tf.findBackendFactory('cpu') === null) {
      throw new Error('TF.js backends did not register with the loaded tfjs-core');
    }
    const tfl = require('@tensorflow/tfjs-layers') as Tfl;
    const layersDir = path.dirname(require.resolve('@tensorflow/tfjs-layers'));
    const layersCore = createRequire(path.join(layersDir, 'x.js')).resolve('@tensorflow/tfjs-core');
    if (layersCore !== require.resolve('@tensorflow/tfjs-core')) {
      throw new Error(`two copies of @tensorflow/tfjs-core: ${layersCore} (tfjs-layers) and ours`);
    }
    // Emscripten's Node path reads `prefix + file` from disk.
    wasm.setWasmPaths(wasmDir + path.sep);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to start');
    await tf.ready();
    return { tf, tfl, wasmDir };
  })();
  return libsPromise;
}

/** Describes the machine and the libraries' configurations. */
export async function machineInfo(libs: Libs): Promise<MachineInfo> {
  const cpus = os.cpus();
  const info = zoo.backendInfo();
  const tf = libs.tf;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    load: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / '),
    zooKernels: `${info.relaxedSimd ? 'relaxed-simd' : 'simd'}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    tfjs: `${tf.version_core} (wasm backend: ${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threaded' : 'single-threaded'})`,
  };
}

/** Deterministic pseudo-random values in [-1, 1) (a xorshift), so every run sees the same data. */
export function randomData(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Samples of {@link timeCalls}: seconds per call, one per timed sample. */
export interface Timing {
  secondsPerCall: number[];
  callsPerSample: number;
  /**
   * Process CPU time over wall time during the timed samples: about 1 when the benchmark had
   * a core to itself, lower when other processes took turns on it (then wall-clock speeds
   * understate the code's speed).
   */
  cpuShare: number;
}

/**
 * Times `call` (synchronous): warms it up, picks how many calls one timed sample makes so a
 * sample lasts about `totalSeconds / minSamples`, then takes samples until both `minSamples`
 * samples and `totalSeconds` of timed work are reached. A call slower than 0.2 s gets one
 * warm-up call and only `slowMinSamples` samples (TF.js wasm's Aᵀ·B at 1024 can take 10 s).
 */
export function timeCalls(
  call: () => void,
  totalSeconds: number,
  minSamples: number,
  slowMinSamples = Math.min(minSamples, 3),
): Timing {
  // Warm-up: at least two calls and ~10% of the budget, so the JIT and caches settle.
  let t0 = performance.now();
  call();
  let warm = 1;
  const slow = (performance.now() - t0) / 1000 > 0.2;
  while (!slow && (warm < 2 || (performance.now() - t0) / 1000 < totalSeconds * 0.1)) {
    call();
    warm++;
  }
  const perCall = (performance.now() - t0) / 1000 / warm;
  const target = totalSeconds / minSamples;
  const callsPerSample = Math.max(1, Math.round(target / Math.max(perCall, 1e-9)));
  const need = slow || perCall > 0.2 ? slowMinSamples : minSamples;
  const secondsPerCall: number[] = [];
  let total = 0;
  const cpu0 = process.cpuUsage();
  while (secondsPerCall.length < need || total < totalSeconds) {
    t0 = performance.now();
    for (let i = 0; i < callsPerSample; i++) call();
    const dt = (performance.now() - t0) / 1000;
    total += dt;
    secondsPerCall.push(dt / callsPerSample);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1e6 / total;
  return { secondsPerCall, callsPerSample, cpuShare };
}

function flags(form: GemmForm): [boolean, boolean] {
  return [form === 'AtB', form === 'ABt'];
}

/** Zoo's GEMM at size n for one form (the output tensor is made and disposed each call). */
export function timeZooGemm(
  n: number,
  form: GemmForm,
  seconds: number,
  minSamples: number,
  slowMinSamples?: number,
): Timing {
  const a = zoo.tensor(randomData(n * n, 1), [n, n]);
  const b = zoo.tensor(randomData(n * n, 2), [n, n]);
  const [ta, tb] = flags(form);
  try {
    return timeCalls(() => zoo.matMul(a, b, ta, tb).dispose(), seconds, minSamples, slowMinSamples);
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** TF.js's GEMM on its current backend at size n for one form (output disposed each call). */
export function timeTfGemm(
  tf: Tf,
  n: number,
  form: GemmForm,
  seconds: number,
  minSamples: number,
  slowMinSamples?: number,
): Timing {
  const a = tf.tensor2d(randomData(n * n, 1), [n, n]);
  const b = tf.tensor2d(randomData(n * n, 2), [n, n]);
  const [ta, tb] = flags(form);
  try {
    return timeCalls(() => tf.matMul(a, b, ta, tb).dispose(), seconds, minSamples, slowMinSamples);
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Microseconds per tiny add for Zoo, one value per sample, after `warmSeconds` (and at least
 * `iters` adds) of warm-up.
 */
export function timeZooDispatch(iters: number, samples: number, warmSeconds = 0.3): number[] {
  const a = zoo.tensor(new Float32Array([1, 2, 3, 4]), [4]);
  const b = zoo.tensor(new Float32Array([5, 6, 7, 8]), [4]);
  try {
    return dispatchSamples(() => zoo.add(a, b).dispose(), iters, samples, warmSeconds);
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** Microseconds per tiny add for TF.js on its current backend, as {@link timeZooDispatch}. */
export function timeTfDispatch(
  tf: Tf,
  iters: number,
  samples: number,
  warmSeconds = 0.3,
): number[] {
  const a = tf.tensor1d(new Float32Array([1, 2, 3, 4]));
  const b = tf.tensor1d(new Float32Array([5, 6, 7, 8]));
  try {
    return dispatchSamples(() => tf.add(a, b).dispose(), iters, samples, warmSeconds);
  } finally {
    a.dispose();
    b.dispose();
  }
}

function dispatchSamples(
  call: () => void,
  iters: number,
  samples: number,
  warmSeconds: number,
): number[] {
  // The JIT needs tens of thousands of calls to reach its top tier.
  const w0 = performance.now();
  let warm = 0;
  while (warm < iters || (performance.now() - w0) / 1000 < warmSeconds) {
    for (let i = 0; i < 100; i++) call();
    warm += 100;
  }
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) call();
    out.push(((performance.now() - t0) * 1000) / iters);
  }
  return out;
}

/** Max |Zoo − TF.js| / max |TF.js| of one product, on the current TF.js backend. */
export function gemmAgreement(tf: Tf, n: number, form: GemmForm): number {
  const da = randomData(n * n, 3);
  const db = randomData(n * n, 4);
  const [ta, tb] = flags(form);
  const za = zoo.tensor(da, [n, n]);
  const zb = zoo.tensor(db, [n, n]);
  const zc = zoo.matMul(za, zb, ta, tb);
  const z = zc.dataSync();
  zoo.dispose([za, zb, zc]);
  const t = tf.tidy(() => tf.matMul(tf.tensor2d(da, [n, n]), tf.tensor2d(db, [n, n]), ta, tb));
  const r = t.dataSync();
  t.dispose();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < r.length; i++) {
    diff = Math.max(diff, Math.abs(z[i] - r[i]));
    scale = Math.max(scale, Math.abs(r[i]));
  }
  return diff / (scale || 1);
}

/** Random class labels 0..classes-1 (deterministic). */
export function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const u = randomData(n, seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.min(classes - 1, Math.floor(((u[i] + 1) / 2) * classes));
  return out;
}

/** Zoo's benchmark MLP: ReLU hidden layers, softmax output, compiled with Adam. */
export function zooMlp(layers: readonly number[]): zoo.Sequential {
  const m = zoo.sequential();
  for (let i = 1; i < layers.length; i++) {
    m.add(
      zoo.layers.dense({
        units: layers[i],
        activation: i === layers.length - 1 ? 'softmax' : 'relu',
        ...(i === 1 ? { inputShape: [layers[0]] } : {}),
      }),
    );
  }
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** The same MLP in TF.js layers, on TF.js's current backend. */
export function tfMlp(tfl: Tfl, layers: readonly number[]): TfLayers.Sequential {
  const m = tfl.sequential();
  for (let i = 1; i < layers.length; i++) {
    m.add(
      tfl.layers.dense({
        units: layers[i],
        activation: i === layers.length - 1 ? 'softmax' : 'relu',
        ...(i === 1 ? { inputShape: [layers[0]] } : {}),
      }),
    );
  }
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Per-step seconds of `warmup` untimed then `steps` timed calls of `step`; the last loss. */
export async function timeSteps(
  step: () => number | Promise<number>,
  warmup: number,
  steps: number,
): Promise<{ seconds: number[]; lastLoss: number }> {
  let lastLoss = Number.NaN;
  for (let i = 0; i < warmup; i++) lastLoss = await step();
  const seconds: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    lastLoss = await step();
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, lastLoss };
}

function trainResult(
  lib: Lib,
  batch: number,
  t: { seconds: number[]; lastLoss: number },
): MlpTrainResult {
  const total = t.seconds.reduce((a, b) => a + b, 0);
  return {
    lib,
    samplesPerSec: (batch * t.seconds.length) / total,
    bestSamplesPerSec: batch / Math.min(...t.seconds),
    msPerStep: median(t.seconds) * 1000,
    steps: t.seconds.length,
    lastLoss: t.lastLoss,
  };
}

/**
 * Zoo's MLP training throughput: `trainOnBatch` on one random batch (Adam, sparse categorical
 * cross-entropy; each step reads its loss back, as TF.js's does).
 */
export async function timeZooMlpTrain(
  layers: readonly number[],
  batch: number,
  warmup: number,
  steps: number,
): Promise<MlpTrainResult> {
  const m = zooMlp(layers);
  const x = zoo.tensor(randomData(batch * layers[0], 11), [batch, layers[0]]);
  const y = zoo.tensor(randomLabels(batch, layers[layers.length - 1], 12), [batch], 'int32');
  try {
    const t = await timeSteps(() => m.trainOnBatch(x, y) as number, warmup, steps);
    return trainResult('zoo', batch, t);
  } finally {
    zoo.dispose([x, y]);
    m.dispose();
  }
}

/** TF.js layers' MLP training throughput on its current backend, as {@link timeZooMlpTrain}. */
export async function timeTfMlpTrain(
  libs: Libs,
  lib: Lib,
  layers: readonly number[],
  batch: number,
  warmup: number,
  steps: number,
): Promise<MlpTrainResult> {
  const { tf, tfl } = libs;
  const m = tfMlp(tfl, layers);
  const x = tf.tensor2d(randomData(batch * layers[0], 11), [batch, layers[0]]);
  // TF.js layers' sparse loss takes float labels.
  const y = tf.tensor1d(Float32Array.from(randomLabels(batch, layers[layers.length - 1], 12)));
  try {
    const t = await timeSteps(async () => (await m.trainOnBatch(x, y)) as number, warmup, steps);
    return trainResult(lib, batch, t);
  } finally {
    tf.dispose([x, y]);
    m.dispose();
  }
}

/** An inference cell from the timing of its calls (median and best ms per call). */
export function inferResult(lib: Lib, batch: number, t: Timing): MlpInferResult {
  return {
    lib,
    batch,
    msPerCall: median(t.secondsPerCall) * 1000,
    bestMsPerCall: Math.min(...t.secondsPerCall) * 1000,
    samples: t.secondsPerCall.length,
    callsPerSample: t.callsPerSample,
  };
}

/**
 * Zoo's inference latency of `m` on the batch `x` (of `batch` rows): `predict`, read the
 * output, dispose it. `x` stays the caller's.
 */
export function timeZooPredict(
  m: zoo.LayersModel,
  x: zoo.Tensor,
  batch: number,
  seconds: number,
  minSamples: number,
): MlpInferResult {
  const t = timeCalls(
    () => {
      const y = m.predict(x, { batchSize: batch });
      y.dataSync();
      y.dispose();
    },
    seconds,
    minSamples,
  );
  return inferResult('zoo', batch, t);
}

/**
 * TF.js layers' inference latency on its current backend, as {@link timeZooPredict}; with
 * `once`, a single timed call (no warm-up: TF.js cpu at a large batch takes seconds).
 */
export function timeTfPredict(
  lib: Lib,
  m: TfLayers.LayersModel,
  x: TfCore.Tensor,
  batch: number,
  seconds: number,
  minSamples: number,
  once = false,
): MlpInferResult {
  const call = () => {
    const y = m.predict(x, { batchSize: batch }) as TfCore.Tensor;
    y.dataSync();
    y.dispose();
  };
  if (once) {
    const t0 = performance.now();
    call();
    const sec = (performance.now() - t0) / 1000;
    return inferResult(lib, batch, { secondsPerCall: [sec], callsPerSample: 1, cpuShare: 1 });
  }
  return inferResult(lib, batch, timeCalls(call, seconds, minSamples));
}

/** Zoo's MLP inference latency at one batch size: `predict`, read the output, dispose it. */
export function timeZooMlpInfer(
  m: zoo.LayersModel,
  inputDim: number,
  batch: number,
  seconds: number,
  minSamples: number,
): MlpInferResult {
  const x = zoo.tensor(randomData(batch * inputDim, 13), [batch, inputDim]);
  try {
    return timeZooPredict(m, x, batch, seconds, minSamples);
  } finally {
    x.dispose();
  }
}

/** TF.js layers' MLP inference latency on its current backend, as {@link timeZooMlpInfer}. */
export function timeTfMlpInfer(
  tf: Tf,
  lib: Lib,
  m: TfLayers.LayersModel,
  inputDim: number,
  batch: number,
  seconds: number,
  minSamples: number,
): MlpInferResult {
  const x = tf.tensor2d(randomData(batch * inputDim, 13), [batch, inputDim]);
  try {
    return timeTfPredict(lib, m, x, batch, seconds, minSamples);
  } finally {
    x.dispose();
  }
}

/** Copies a Zoo model's weights into a TF.js layers model of the same architecture. */
function copyWeights(tf: Tf, from: zoo.LayersModel, to: TfLayers.LayersModel): void {
  const ws = from.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape]));
  to.setWeights(ws);
  tf.dispose(ws);
}

/**
 * Max |Zoo − TF.js| of the two models' predictions on the same batch (`data` of `shape`,
 * `shape[0]` rows, predicted in one batch by both), and the largest |TF.js prediction|, to
 * read the difference against.
 */
export function predictDiff(
  tf: Tf,
  zm: zoo.LayersModel,
  tm: TfLayers.LayersModel,
  data: Float32Array,
  shape: readonly number[],
): [diff: number, largest: number] {
  const batch = shape[0];
  const zx = zoo.tensor(data, [...shape]);
  const zy = zm.predict(zx, { batchSize: batch });
  const a = zy.dataSync().slice();
  zoo.dispose([zx, zy]);
  const b = tf.tidy(() =>
    (tm.predict(tf.tensor(data, [...shape]), { batchSize: batch }) as TfCore.Tensor).dataSync(),
  );
  let diff = 0;
  let largest = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    largest = Math.max(largest, Math.abs(b[i]));
  }
  return [diff, largest];
}

/**
 * The MLP section: training throughput (Adam, random data) and inference latency for Zoo,
 * TF.js wasm and TF.js cpu, plus a prediction agreement check. Leaves TF.js on wasm.
 */
export async function runMlpBench(libs: Libs, opts: BenchOptions): Promise<MlpBenchResult> {
  const { tf, tfl } = libs;
  const log = opts.log;
  const layers = [...opts.mlpLayers];
  const inputDim = layers[0];
  const train: MlpTrainResult[] = [];
  const infer: MlpInferResult[] = [];
  const logTrain = (r: MlpTrainResult) =>
    log(
      `  ${LIB_NAMES[r.lib]} training: ${Math.round(r.samplesPerSec)} samples/s (${r.msPerStep.toFixed(2)} ms/step)`,
    );
  const logInfer = (r: MlpInferResult) =>
    log(`  ${LIB_NAMES[r.lib]} predict batch ${r.batch}: ${r.msPerCall.toFixed(4)} ms`);

  log(`MLP ${layers.join('-')}, batch ${opts.mlpBatch}, Adam`);
  zoo.setSeed(7);
  const zm = zooMlp(layers);
  let maxPredictDiff = Number.NaN;
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(tf, backend);
    const lib: Lib = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
    const tm = tfMlp(tfl, layers);
    copyWeights(tf, zm, tm);
    if (backend === 'wasm') {
      [maxPredictDiff] = predictDiff(tf, zm, tm, randomData(256 * inputDim, 14), [256, inputDim]);
    }
    for (const b of opts.mlpInferBatches) {
      if (backend === 'wasm') {
        const z = timeZooMlpInfer(zm, inputDim, b, opts.mlpInferSeconds, opts.mlpInferMinSamples);
        infer.push(z);
        logInfer(z);
      }
      const t = timeTfMlpInfer(
        tf,
        lib,
        tm,
        inputDim,
        b,
        opts.mlpInferSeconds,
        opts.mlpInferMinSamples,
      );
      infer.push(t);
      logInfer(t);
    }
    tm.dispose();
    if (backend === 'wasm') {
      const z = await timeZooMlpTrain(layers, opts.mlpBatch, opts.mlpWarmupSteps, opts.mlpSteps);
      train.push(z);
      logTrain(z);
    }
    const t = await timeTfMlpTrain(
      libs,
      lib,
      layers,
      opts.mlpBatch,
      opts.mlpWarmupSteps,
      opts.mlpSteps,
    );
    train.push(t);
    logTrain(t);
  }
  zm.dispose();
  await useBackend(tf, 'wasm');
  return { layers, batch: opts.mlpBatch, train, infer, maxPredictDiff };
}

/** The benchmark CNN's shape: image size, conv filters, dense units, classes. */
export interface CnnShape {
  imageSize: number;
  filters: readonly [number, number];
  denseUnits: number;
  classes: number;
}

/** The CNN's name in the report, e.g. `conv32(3x3, relu)-maxpool2-…-dense10(softmax)`. */
export function cnnName(c: CnnShape): string {
  return `conv${c.filters[0]}(3x3, relu)-maxpool2-conv${c.filters[1]}(3x3, relu)-maxpool2-flatten-dense${c.denseUnits}(relu)-dense${c.classes}(softmax)`;
}

/** The layer configs of the benchmark CNN, shared by Zoo and TF.js layers. */
function cnnLayerArgs(c: CnnShape) {
  return {
    conv1: {
      filters: c.filters[0],
      kernelSize: 3,
      activation: 'relu',
      inputShape: [c.imageSize, c.imageSize, 1],
    },
    conv2: { filters: c.filters[1], kernelSize: 3, activation: 'relu' },
    pool: { poolSize: 2 },
    hidden: { units: c.denseUnits, activation: 'relu' },
    out: { units: c.classes, activation: 'softmax' },
  } as const;
}

/** Zoo's benchmark CNN (valid 3x3 convolutions), compiled with Adam. */
export function zooCnn(c: CnnShape): zoo.Sequential {
  const a = cnnLayerArgs(c);
  const m = zoo.sequential({
    layers: [
      new zoo.Conv2D({ ...a.conv1, inputShape: [...a.conv1.inputShape] }),
      new zoo.MaxPooling2D(a.pool),
      new zoo.Conv2D(a.conv2),
      new zoo.MaxPooling2D(a.pool),
      new zoo.Flatten(),
      zoo.layers.dense(a.hidden),
      zoo.layers.dense(a.out),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** The same CNN in TF.js layers, on TF.js's current backend. */
export function tfCnn(tfl: Tfl, c: CnnShape): TfLayers.Sequential {
  const a = cnnLayerArgs(c);
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ ...a.conv1, inputShape: [...a.conv1.inputShape] }),
      tfl.layers.maxPooling2d(a.pool),
      tfl.layers.conv2d(a.conv2),
      tfl.layers.maxPooling2d(a.pool),
      tfl.layers.flatten(),
      tfl.layers.dense(a.hidden),
      tfl.layers.dense(a.out),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Training speed of a batch-size-annotated run (CNN and LSTM sections). */
export function cnnTrainResult(
  lib: Lib,
  batch: number,
  t: { seconds: number[]; lastLoss: number },
): CnnTrainResult {
  return { ...trainResult(lib, batch, t), batch };
}

/** The training record of a library that failed to train, with the first line of its error. */
export function cnnTrainError(lib: Lib, batch: number, err: unknown): CnnTrainResult {
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

/** Zoo's CNN training throughput: `trainOnBatch` on one random batch (reads the loss back). */
export async function timeZooCnnTrain(
  c: CnnShape,
  batch: number,
  warmup: number,
  steps: number,
): Promise<CnnTrainResult> {
  const m = zooCnn(c);
  const s = c.imageSize;
  const x = zoo.tensor(randomData(batch * s * s, 21), [batch, s, s, 1]);
  const y = zoo.tensor(randomLabels(batch, c.classes, 22), [batch], 'int32');
  try {
    const t = await timeSteps(() => m.trainOnBatch(x, y) as number, warmup, steps);
    return cnnTrainResult('zoo', batch, t);
  } finally {
    zoo.dispose([x, y]);
    m.dispose();
  }
}

/**
 * TF.js layers' CNN training throughput on its current backend, as {@link timeZooCnnTrain}; a
 * backend that cannot train it (TF.js wasm lacks convolution gradients) gives the error.
 */
export async function timeTfCnnTrain(
  libs: Libs,
  lib: Lib,
  c: CnnShape,
  batch: number,
  warmup: number,
  steps: number,
): Promise<CnnTrainResult> {
  const { tf, tfl } = libs;
  const m = tfCnn(tfl, c);
  const s = c.imageSize;
  const x = tf.tensor4d(randomData(batch * s * s, 21), [batch, s, s, 1]);
  const y = tf.tensor1d(Float32Array.from(randomLabels(batch, c.classes, 22)));
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

/** Zoo's CNN inference latency at one batch size: `predict`, read the output, dispose it. */
export function timeZooCnnInfer(
  m: zoo.LayersModel,
  imageSize: number,
  batch: number,
  seconds: number,
  minSamples: number,
): MlpInferResult {
  const x = zoo.tensor(randomData(batch * imageSize * imageSize, 23), [
    batch,
    imageSize,
    imageSize,
    1,
  ]);
  try {
    return timeZooPredict(m, x, batch, seconds, minSamples);
  } finally {
    x.dispose();
  }
}

/**
 * TF.js layers' CNN inference latency on its current backend, as {@link timeZooCnnInfer};
 * with `once`, a single timed call (no warm-up: TF.js cpu at batch 256 takes seconds).
 */
export function timeTfCnnInfer(
  tf: Tf,
  lib: Lib,
  m: TfLayers.LayersModel,
  imageSize: number,
  batch: number,
  seconds: number,
  minSamples: number,
  once = false,
): MlpInferResult {
  const x = tf.tensor4d(randomData(batch * imageSize * imageSize, 23), [
    batch,
    imageSize,
    imageSize,
    1,
  ]);
  try {
    return timeTfPredict(lib, m, x, batch, seconds, minSamples, once);
  } finally {
    x.dispose();
  }
}

/**
 * The CNN section: training throughput (Adam, random data; TF.js cpu at a smaller batch,
 * TF.js wasm reports why it cannot train) and inference latency for Zoo, TF.js wasm and TF.js
 * cpu, plus a prediction agreement check. Leaves TF.js on wasm.
 */
export async function runCnnBench(libs: Libs, opts: BenchOptions): Promise<CnnBenchResult> {
  const { tf, tfl } = libs;
  const log = opts.log;
  const c: CnnShape = {
    imageSize: opts.cnnImageSize,
    filters: [opts.cnnFilters[0], opts.cnnFilters[1]],
    denseUnits: opts.cnnDenseUnits,
    classes: 10,
  };
  const s = c.imageSize;
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

  log(`CNN ${cnnName(c)} on ${s}x${s}x1, batch ${opts.cnnBatch}, Adam`);
  zoo.setSeed(8);
  const zm = zooCnn(c);
  const biggest = Math.max(...opts.cnnInferBatches);
  let maxPredictDiff = Number.NaN;
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(tf, backend);
    const lib: Lib = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
    const tm = tfCnn(tfl, c);
    copyWeights(tf, zm, tm);
    if (backend === 'wasm') {
      const data = randomData(biggest * s * s, 24);
      [maxPredictDiff] = predictDiff(tf, zm, tm, data, [biggest, s, s, 1]);
    }
    // Small batches first: they warm TF.js cpu up before its one slow large-batch call.
    for (const b of [...opts.cnnInferBatches].sort((p, q) => p - q)) {
      if (backend === 'wasm') {
        const z = timeZooCnnInfer(zm, s, b, opts.cnnInferSeconds, opts.cnnInferMinSamples);
        infer.push(z);
        logInfer(z);
      }
      const once = backend === 'cpu' && b > opts.cnnCpuSingleCallBatch;
      const t = timeTfCnnInfer(
        tf,
        lib,
        tm,
        s,
        b,
        opts.cnnInferSeconds,
        opts.cnnInferMinSamples,
        once,
      );
      infer.push(t);
      logInfer(t);
    }
    tm.dispose();
    if (backend === 'wasm') {
      const z = await timeZooCnnTrain(c, opts.cnnBatch, opts.cnnWarmupSteps, opts.cnnSteps);
      train.push(z);
      logTrain(z);
    }
    const cpu = backend === 'cpu';
    const t = await timeTfCnnTrain(
      libs,
      lib,
      c,
      cpu ? opts.cnnCpuBatch : opts.cnnBatch,
      cpu ? opts.cnnCpuWarmupSteps : opts.cnnWarmupSteps,
      cpu ? opts.cnnCpuSteps : opts.cnnSteps,
    );
    train.push(t);
    logTrain(t);
  }
  zm.dispose();
  await useBackend(tf, 'wasm');
  return {
    ...c,
    filters: c.filters as [number, number],
    batch: opts.cnnBatch,
    train,
    infer,
    maxPredictDiff,
  };
}

/** The text8-style corpus, relative to the datasets directory. */
export const W2V_CORPUS_FILE = path.join('text-corpus', 'enwiki-wikitasks-text8style.txt.gz');

/** The first `tokens` whitespace tokens of a gzipped text file. */
export async function readTokens(file: string, tokens: number): Promise<string[]> {
  const { createGunzip } = await import('node:zlib');
  const out: string[] = [];
  let carry = '';
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const parts = (carry + chunk.toString('utf8')).split(/\s+/);
      carry = parts.pop() ?? '';
      for (const t of parts) if (t !== '') out.push(t);
      if (out.length >= tokens) break;
    }
  } finally {
    stream.destroy();
  }
  if (out.length < tokens && carry !== '') out.push(carry);
  out.length = Math.min(out.length, tokens);
  return out;
}

/** A deterministic Zipf-like corpus (about 20,000 distinct words), when the dataset is absent. */
export function syntheticTokens(tokens: number): string[] {
  const out: string[] = [];
  let s = 12345;
  for (let i = 0; i < tokens; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    // Rank ~ 1/u: a Zipf law with exponent 1, capped.
    const u = (s / 4294967296) * 0.9999 + 0.00005;
    out.push(`w${Math.min(20_000, Math.floor(1 / u))}`);
  }
  return out;
}

/** The gensim measurement script: argv = lines file, sg, workers; prints JSON. */
const GENSIM_SCRIPT = `
import json, sys, time
from gensim.models import Word2Vec
path, sg, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, encoding='utf-8') as f:
    lines = [l.split() for l in f]
m = Word2Vec(vector_size=100, window=5, min_count=5, sg=sg, hs=0, negative=5, sample=1e-3,
             workers=workers, epochs=1, seed=1)
m.build_vocab(lines)
t = time.perf_counter()
effective, raw = m.train(lines, total_examples=m.corpus_count, epochs=1)
s = time.perf_counter() - t
print(json.dumps({'raw': raw, 'effective': effective, 'seconds': s}))
`;

const PYTHON = '/usr/bin/python3';

/** gensim's version when `/usr/bin/python3 -c 'import gensim'` works, else undefined. */
export function gensimVersion(): string | undefined {
  try {
    return execFileSync(PYTHON, ['-c', 'import gensim; print(gensim.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Word2Vec training throughput: one epoch over a slice of the text8-style corpus (or a
 * synthetic one) split into 1,000-token lines, gensim's default settings (vectorSize 100,
 * window 5, negative 5, hs 0, sample 1e-3, minCount 5), skip-gram and CBOW, for each worker
 * count; Zoo and gensim alternate cell by cell when gensim is installed (raw words / seconds
 * of `train()`, as gensim's logs count them), else gensim's reference figures.
 */
export async function runW2vBench(opts: BenchOptions): Promise<W2vBenchResult> {
  const log = opts.log;
  const file = opts.w2vData === null ? null : path.join(opts.w2vData, W2V_CORPUS_FILE);
  const real = file !== null && existsSync(file);
  const tokens = real ? await readTokens(file, opts.w2vTokens) : syntheticTokens(opts.w2vTokens);
  const lineLength = 1000;
  const lines: string[][] = [];
  for (let i = 0; i < tokens.length; i += lineLength) lines.push(tokens.slice(i, i + lineLength));
  const corpus = real
    ? `the first ${tokens.length.toLocaleString('en-US')} tokens of ${W2V_CORPUS_FILE}`
    : `a synthetic Zipf corpus of ${tokens.length.toLocaleString('en-US')} tokens (${W2V_CORPUS_FILE} not found)`;
  const version = opts.w2vGensim ? gensimVersion() : undefined;
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
  log(`Word2Vec on ${corpus}; gensim ${version ?? 'not measured (reference figures)'}`);
  let dir: string | undefined;
  let linesFile = '';
  if (version !== undefined) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zoo-bench-w2v-'));
    linesFile = path.join(dir, 'lines.txt');
    writeFileSync(linesFile, `${lines.map((l) => l.join(' ')).join('\n')}\n`);
  }
  const results: W2vResult[] = [];
  let vocab = 0;
  const name = (sg: 0 | 1) => (sg === 1 ? 'skip-gram' : 'CBOW');
  try {
    for (const sg of [1, 0] as const) {
      for (const workers of opts.w2vWorkers) {
        const zoo = async (): Promise<W2vResult> => {
          const m = await Word2Vec.train(lines, {
            vectorSize: 100,
            window: 5,
            negative: 5,
            hs: 0,
            sample: 1e-3,
            minCount: 5,
            epochs: 1,
            sg,
            workers,
          });
          vocab = m.wv.vocab.length;
          const t = m.lastTraining;
          return {
            lib: 'zoo',
            sg,
            workers,
            threads: t.workers,
            rawWordsPerSec: t.rawWords / t.seconds,
            effectiveWordsPerSec: t.effectiveWords / t.seconds,
            seconds: t.seconds,
            source: 'measured',
          };
        };
        const gensim = (): W2vResult => {
          const out = execFileSync(
            PYTHON,
            ['-c', GENSIM_SCRIPT, linesFile, `${sg}`, `${workers}`],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 },
          );
          const g = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
            raw: number;
            effective: number;
            seconds: number;
          };
          return {
            lib: 'gensim',
            sg,
            workers,
            threads: workers,
            rawWordsPerSec: g.raw / g.seconds,
            effectiveWordsPerSec: g.effective / g.seconds,
            seconds: g.seconds,
            source: 'measured',
          };
        };
        // Each library's fastest of `w2vRounds` runs, the two alternating: a busy host only
        // ever slows a run down, and threads suffer most when another process takes a core.
        const fastest = (a: W2vResult | undefined, b: W2vResult) =>
          a === undefined || b.rawWordsPerSec > a.rawWordsPerSec ? b : a;
        let z: W2vResult | undefined;
        let g: W2vResult | undefined;
        for (let round = 0; round < opts.w2vRounds; round++) {
          z = fastest(z, await zoo());
          log(
            `  Zoo ${name(sg)}, ${workers} worker(s): ${Math.round(z.rawWordsPerSec)} raw words/s`,
          );
          if (version !== undefined) {
            g = fastest(g, gensim());
            log(
              `  gensim ${name(sg)}, ${workers} worker(s): ${Math.round(g.rawWordsPerSec)} raw words/s`,
            );
          }
        }
        if (z !== undefined) results.push(z);
        if (g !== undefined) {
          results.push(g);
        } else {
          const ref = GENSIM_REFERENCE[sg][workers];
          if (ref !== undefined) {
            results.push({
              lib: 'gensim',
              sg,
              workers,
              threads: workers,
              rawWordsPerSec: ref,
              effectiveWordsPerSec: 0,
              seconds: 0,
              source: 'reference',
            });
          }
        }
      }
    }
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  return {
    corpus,
    tokens: tokens.length,
    lineLength,
    vocab,
    rounds: opts.w2vRounds,
    gensim:
      version !== undefined
        ? `gensim ${version}, measured side by side (${PYTHON})`
        : opts.w2vGensim
          ? `gensim not importable by ${PYTHON}: issue 7's reference figures (gensim 4.2 on this corpus)`
          : "not measured: issue 7's reference figures (gensim 4.2 on this corpus)",
    load,
    results,
  };
}

/** Zoo's Word2Vec raw words/s over gensim's, for a mode and worker count. */
export function w2vRatio(w: W2vBenchResult, sg: 0 | 1, workers: number): number | undefined {
  const find = (lib: 'zoo' | 'gensim') =>
    w.results.find((x) => x.lib === lib && x.sg === sg && x.workers === workers);
  return ratio(find('zoo')?.rawWordsPerSec, find('gensim')?.rawWordsPerSec);
}

/** The Word2Vec targets: Zoo trains at least as many raw words/s as gensim, per mode and workers. */
export function w2vTargetChecks(w: W2vBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const sg of [1, 0] as const) {
    for (const workers of [...new Set(w.results.map((x) => x.workers))].sort((a, b) => a - b)) {
      const q = w2vRatio(w, sg, workers);
      const g = w.results.find((x) => x.lib === 'gensim' && x.sg === sg && x.workers === workers);
      checks.push({
        target: `Zoo Word2Vec ${sg === 1 ? 'skip-gram' : 'CBOW'}, ${workers} worker${workers === 1 ? '' : 's'}: ≥ gensim raw words/s${g?.source === 'reference' ? ' (reference figure)' : ''}`,
        measured: q === undefined ? 'not measured' : `${q.toFixed(2)}x`,
        met: q === undefined ? undefined : q >= 1,
      });
    }
  }
  return checks;
}

function gemmResult(lib: Lib, size: number, form: GemmForm, t: Timing): GemmResult {
  const s = median(t.secondsPerCall);
  return {
    lib,
    size,
    form,
    gflops: (2 * size ** 3) / s / 1e9,
    bestGflops: (2 * size ** 3) / Math.min(...t.secondsPerCall) / 1e9,
    msPerCall: s * 1000,
    samples: t.secondsPerCall.length,
    callsPerSample: t.callsPerSample,
    cpuShare: t.cpuShare,
  };
}

/**
 * Runs every measurement: GEMM (Zoo and TF.js wasm at `gemmSizes`, TF.js cpu at
 * `cpuGemmSizes`, three forms each), tiny-add dispatch for all three, and a Zoo vs TF.js
 * agreement check at the smallest size. Leaves TF.js on the wasm backend.
 */
export async function runBench(
  partial: Partial<BenchOptions> = {},
  command = 'node apps/bench/dist/main.js',
): Promise<BenchResults> {
  const opts: BenchOptions = { ...defaultOptions(partial.quick ?? false), ...partial };
  const log = opts.log;
  const started = performance.now();
  const date = new Date().toISOString();
  const libs = await loadLibs();
  const tf = libs.tf;
  const machine = await machineInfo(libs);
  const gemm: GemmResult[] = [];
  const dispatch: DispatchResult[] = [];
  const agreement: AgreementResult[] = [];

  const cell = (lib: Lib, n: number, form: GemmForm) => {
    const cpu = lib === 'tfjs-cpu';
    const seconds = cpu ? opts.cpuGemmSeconds : opts.gemmSeconds;
    const samples = cpu ? opts.cpuGemmMinSamples : opts.gemmMinSamples;
    const slow = Math.min(samples, opts.slowMinSamples);
    const t =
      lib === 'zoo'
        ? timeZooGemm(n, form, seconds, samples, slow)
        : timeTfGemm(tf, n, form, seconds, samples, slow);
    const r = gemmResult(lib, n, form, t);
    gemm.push(r);
    log(`  ${LIB_NAMES[lib]} ${FORM_LABELS[form]} ${n}: ${r.gflops.toFixed(2)} GFLOP/s`);
  };

  // Zoo and TF.js wasm cell by cell, so a change in the machine's load skews both alike.
  await useBackend(tf, 'wasm');
  log('GEMM: Zoo and TF.js wasm');
  for (const n of opts.gemmSizes) {
    for (const form of GEMM_FORMS) {
      cell('zoo', n, form);
      cell('tfjs-wasm', n, form);
    }
  }
  const small = Math.min(...opts.gemmSizes);
  for (const form of GEMM_FORMS) {
    agreement.push({ size: small, form, maxRelDiff: gemmAgreement(tf, small, form) });
  }

  await useBackend(tf, 'cpu');
  log('GEMM: TF.js cpu');
  for (const n of opts.cpuGemmSizes) for (const form of GEMM_FORMS) cell('tfjs-cpu', n, form);

  log('Dispatch (tiny add)');
  const pushDispatch = (lib: Lib, us: number[]) => {
    const r: DispatchResult = {
      lib,
      usPerOp: median(us),
      samples: us.length,
      itersPerSample: opts.dispatchIters,
    };
    dispatch.push(r);
    log(`  ${LIB_NAMES[lib]}: ${r.usPerOp.toFixed(3)} us/op`);
  };
  pushDispatch(
    'tfjs-cpu',
    timeTfDispatch(tf, opts.dispatchIters, opts.dispatchSamples, opts.dispatchWarmSeconds),
  );
  await useBackend(tf, 'wasm');
  pushDispatch(
    'tfjs-wasm',
    timeTfDispatch(tf, opts.dispatchIters, opts.dispatchSamples, opts.dispatchWarmSeconds),
  );
  pushDispatch(
    'zoo',
    timeZooDispatch(opts.dispatchIters, opts.dispatchSamples, opts.dispatchWarmSeconds),
  );

  const mlp = opts.mlp ? await runMlpBench(libs, opts) : undefined;
  const cnn = opts.cnn ? await runCnnBench(libs, opts) : undefined;
  const lstm = opts.lstm ? await runLstmBench(libs, opts) : undefined;
  const w2v = opts.w2v ? await runW2vBench(opts) : undefined;

  const { log: _log, ...rest } = opts;
  return {
    date,
    command,
    machine,
    options: rest,
    gemm,
    dispatch,
    agreement,
    ...(mlp === undefined ? {} : { mlp }),
    ...(cnn === undefined ? {} : { cnn }),
    ...(lstm === undefined ? {} : { lstm }),
    ...(w2v === undefined ? {} : { w2v }),
    elapsedSeconds: (performance.now() - started) / 1000,
  };
}

/** Switches TF.js to the backend `name` (throws if it fails to start) and waits until ready. */
export async function useBackend(tf: Tf, name: 'wasm' | 'cpu'): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new Error(`TF.js backend '${name}' failed to start`);
  }
  await tf.ready();
}

/** The GEMM cell of one library, size and form, if measured. */
export function findGemm(
  r: BenchResults,
  lib: Lib,
  size: number,
  form: GemmForm,
): GemmResult | undefined {
  return r.gemm.find((g) => g.lib === lib && g.size === size && g.form === form);
}

/** Zoo's GFLOP/s over TF.js wasm's for one cell, if both were measured. */
export function zooOverWasm(r: BenchResults, size: number, form: GemmForm): number | undefined {
  const z = findGemm(r, 'zoo', size, form);
  const w = findGemm(r, 'tfjs-wasm', size, form);
  return z === undefined || w === undefined ? undefined : z.gflops / w.gflops;
}

/** One performance target and whether it was met. */
export interface TargetCheck {
  target: string;
  measured: string;
  /** `undefined` when the quantity was not measured. */
  met: boolean | undefined;
}

/** Checks Zoo against its targets at `options.targetSize` (A·B at 512 by default). */
export function targetChecks(r: BenchResults): TargetCheck[] {
  const n = r.options.targetSize;
  const checks: TargetCheck[] = [];
  const zab = findGemm(r, 'zoo', n, 'AB');
  checks.push({
    target: `Zoo A·B at ${n}: ≥ 35 GFLOP/s`,
    measured: zab === undefined ? 'not measured' : `${zab.gflops.toFixed(1)} GFLOP/s`,
    met: zab === undefined ? undefined : zab.gflops >= 35,
  });
  const ratioCheck = (form: GemmForm, want: number) => {
    const q = zooOverWasm(r, n, form);
    checks.push({
      target: `Zoo / TF.js wasm, ${FORM_LABELS[form]} at ${n}: ≥ ${want}x`,
      measured: q === undefined ? 'not measured' : `${q.toFixed(2)}x`,
      met: q === undefined ? undefined : q >= want,
    });
  };
  ratioCheck('AB', 1.2);
  ratioCheck('AtB', 10);
  ratioCheck('ABt', 10);
  const d = r.dispatch.find((x) => x.lib === 'zoo');
  checks.push({
    target: 'Zoo dispatch (tiny add): < 1 µs/op',
    measured: d === undefined ? 'not measured' : `${d.usPerOp.toFixed(3)} µs`,
    met: d === undefined ? undefined : d.usPerOp < 1,
  });
  if (r.mlp !== undefined) {
    const name = r.mlp.layers.join('-');
    const tr = r.mlp.train.find((x) => x.lib === 'zoo');
    checks.push({
      target: `Zoo MLP ${name} training (batch ${r.mlp.batch}, Adam): ≥ 30,000 samples/s`,
      measured: tr === undefined ? 'not measured' : `${Math.round(tr.samplesPerSec)} samples/s`,
      met: tr === undefined ? undefined : tr.samplesPerSec >= 30_000,
    });
    const inf = r.mlp.infer.find((x) => x.lib === 'zoo' && x.batch === 1);
    checks.push({
      target: `Zoo MLP ${name} inference, batch 1: < 0.05 ms`,
      measured: inf === undefined ? 'not measured' : `${inf.msPerCall.toFixed(4)} ms`,
      met: inf === undefined ? undefined : inf.msPerCall < 0.05,
    });
  }
  if (r.cnn !== undefined) checks.push(...cnnTargetChecks(r.cnn));
  if (r.lstm !== undefined) checks.push(...lstmTargetChecks(r.lstm));
  if (r.w2v !== undefined) checks.push(...w2vTargetChecks(r.w2v));
  return checks;
}

/** The CNN targets: training ≥ 1,500 samples/s, largest-batch inference ≥ 1.3x TF.js wasm,
 * batch-1 inference < 0.2 ms. */
export function cnnTargetChecks(c: CnnBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const tr = c.train.find((x) => x.lib === 'zoo' && x.error === undefined);
  checks.push({
    target: `Zoo CNN training (batch ${c.batch}, Adam): ≥ 1,500 samples/s`,
    measured: tr === undefined ? 'not measured' : `${Math.round(tr.samplesPerSec)} samples/s`,
    met: tr === undefined ? undefined : tr.samplesPerSec >= 1500,
  });
  const batches = c.infer.map((x) => x.batch);
  const inf = (lib: Lib, b: number) => c.infer.find((x) => x.lib === lib && x.batch === b);
  if (batches.length > 0) {
    const big = Math.max(...batches);
    const q = ratio(inf('tfjs-wasm', big)?.msPerCall, inf('zoo', big)?.msPerCall);
    checks.push({
      target: `Zoo CNN inference, batch ${big}: ≥ 1.3x TF.js wasm`,
      measured: q === undefined ? 'not measured' : `${q.toFixed(2)}x`,
      met: q === undefined ? undefined : q >= 1.3,
    });
    const one = inf('zoo', Math.min(...batches));
    checks.push({
      target: `Zoo CNN inference, batch ${Math.min(...batches)}: < 0.2 ms`,
      measured: one === undefined ? 'not measured' : `${one.msPerCall.toFixed(4)} ms`,
      met: one === undefined ? undefined : one.msPerCall < 0.2,
    });
  }
  return checks;
}

/** Renders one part of the report from the results. */
export type Section = (r: BenchResults) => string;

/** A markdown table from a header row and body rows. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A factor as "0.75x" or "12x" ("—" where missing or not finite). */
export function fmtTimes(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(x >= 10 ? 0 : 2)}x`;
}

/** A console-summary line of a training record: library and batch, samples/s or the error. */
export function trainSummaryLine(t: CnnTrainResult): string {
  return `  ${`${LIB_NAMES[t.lib]} b=${t.batch}`.padEnd(18)}${t.error !== undefined ? `cannot train (${t.error})` : t.samplesPerSec.toFixed(1).padStart(9)}`;
}

/** A console-summary line of an inference cell: ms per call to `digits` places in `width`. */
export function inferSummaryLine(t: MlpInferResult, digits: number, width = 11): string {
  return `  ${`${LIB_NAMES[t.lib]} b=${t.batch}`.padEnd(18)}${t.msPerCall.toFixed(digits).padStart(width)}`;
}

/** A console-summary line of a target check. */
export function targetSummaryLine(c: TargetCheck): string {
  return `  ${c.target}: ${c.measured} -> ${c.met === undefined ? 'n/a' : c.met ? 'met' : 'NOT met'}`;
}

const fmtG = (g: GemmResult | undefined) => (g === undefined ? '—' : g.gflops.toFixed(2));
const fmtX = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}x`);
const metText = (m: boolean | undefined) =>
  m === undefined ? 'n/a' : m ? '**met**' : '**not met**';

/** How much of a core the GEMM samples got (process CPU time / wall time). */
export function contention(r: BenchResults): string {
  const shares = r.gemm.map((g) => g.cpuShare);
  if (shares.length === 0) return 'CPU share: not measured';
  const low = shares.filter((x) => x < 0.9).length;
  return `CPU share during timed GEMM samples (process CPU time / wall time; 1.00 = a core to itself): median ${median(shares).toFixed(2)}, min ${Math.min(...shares).toFixed(2)}; ${low} of ${shares.length} cells below 0.90${low > 0 ? ', so other load slowed those cells and the "best" columns are closer to the code\'s own speed' : ''}`;
}

/** Title, date, machine and command. */
export const headerSection: Section = (r) => {
  const m = r.machine;
  return [
    '# Zoo benchmarks',
    '',
    `Generated by \`@zoo/bench\` (\`npm run bench\`). Speeds are measured, never asserted: they depend on the machine and on what else it runs.`,
    '',
    `- Date: ${r.date}`,
    `- Command: \`${r.command}\`${r.options.quick ? ' (quick mode: short, noisier samples)' : ''}`,
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- OS: ${m.os}`,
    `- Node: ${m.node}`,
    `- Load average at start (1/5/15 min): ${m.load}`,
    `- Zoo kernels: ${m.zooKernels}`,
    `- TF.js: ${m.tfjs}`,
    `- Run time: ${r.elapsedSeconds.toFixed(1)} s`,
    `- ${contention(r)}`,
  ].join('\n');
};

/** GEMM GFLOP/s per library, size and form, with Zoo / TF.js wasm ratios. */
export const gemmSection: Section = (r) => {
  const sizes = [...new Set(r.gemm.map((g) => g.size))].sort((a, b) => a - b);
  const header = [
    'Size',
    'Form',
    'Zoo',
    'TF.js wasm',
    'TF.js cpu',
    'Zoo / TF.js wasm',
    'Zoo best',
    'TF.js wasm best',
  ];
  const best = (g: GemmResult | undefined) => (g === undefined ? '—' : g.bestGflops.toFixed(2));
  const rows: string[][] = [];
  for (const n of sizes) {
    for (const form of GEMM_FORMS) {
      rows.push([
        `${n}`,
        FORM_LABELS[form],
        fmtG(findGemm(r, 'zoo', n, form)),
        fmtG(findGemm(r, 'tfjs-wasm', n, form)),
        fmtG(findGemm(r, 'tfjs-cpu', n, form)),
        fmtX(zooOverWasm(r, n, form)),
        best(findGemm(r, 'zoo', n, form)),
        best(findGemm(r, 'tfjs-wasm', n, form)),
      ]);
    }
  }
  const zooRows = r.gemm.filter((g) => g.lib === 'zoo');
  const samples = zooRows.length > 0 ? zooRows.map((g) => g.samples) : [0];
  const agree = r.agreement
    .map((a) => `${FORM_LABELS[a.form]} ${a.maxRelDiff.toExponential(1)}`)
    .join(', ');
  return [
    '## GEMM (single thread)',
    '',
    'GFLOP/s (2·n³ per n×n by n×n product; higher is better). Each call creates the output tensor and disposes it; data download is not timed. Medians of timed samples after a warm-up; the ratio is of medians; "best" columns give the fastest sample. Zoo and TF.js wasm are timed alternately, cell by cell.',
    '',
    mdTable(header, rows),
    '',
    `Timing: Zoo and TF.js wasm ≥ ${r.options.gemmSeconds} s and ≥ ${r.options.gemmMinSamples} samples per cell (Zoo took ${Math.min(...samples)}–${Math.max(...samples)} samples); TF.js cpu ≥ ${r.options.cpuGemmSeconds} s and ≥ ${r.options.cpuGemmMinSamples} samples; calls slower than 0.2 s get one warm-up call and ≥ ${r.options.slowMinSamples} samples. "—": not run.`,
    '',
    `Agreement with TF.js wasm at ${r.agreement[0]?.size ?? '—'} (max |Zoo − TF.js| / max |TF.js|): ${agree || '—'}.`,
  ].join('\n');
};

/** Per-op dispatch cost of a tiny add. */
export const dispatchSection: Section = (r) => {
  const order: Lib[] = ['zoo', 'tfjs-wasm', 'tfjs-cpu'];
  const rows = order
    .map((lib) => r.dispatch.find((d) => d.lib === lib))
    .filter((d): d is DispatchResult => d !== undefined)
    .map((d) => [LIB_NAMES[d.lib], d.usPerOp.toFixed(3), `${d.samples} × ${d.itersPerSample}`]);
  return [
    '## Dispatch (tiny add)',
    '',
    'Microseconds per `add` of two [4] float32 tensors, the output disposed each time (lower is better); median of samples.',
    '',
    mdTable(['Library', 'µs / op', 'Samples × adds'], rows),
  ].join('\n');
};

/** `z / w`, undefined where either is missing (e.g. Zoo's figure over TF.js wasm's). */
export function ratio(z: number | undefined, w: number | undefined): number | undefined {
  return z === undefined || w === undefined ? undefined : z / w;
}

/** MLP training throughput and inference latency per library. */
export const mlpSection: Section = (r) => {
  const m = r.mlp;
  if (m === undefined) return '';
  const order: Lib[] = ['zoo', 'tfjs-wasm', 'tfjs-cpu'];
  const tr = (lib: Lib) => m.train.find((x) => x.lib === lib);
  const inf = (lib: Lib, b: number) => m.infer.find((x) => x.lib === lib && x.batch === b);
  const trainRows = order
    .map((lib) => tr(lib))
    .filter((t): t is MlpTrainResult => t !== undefined)
    .map((t) => [
      LIB_NAMES[t.lib],
      Math.round(t.samplesPerSec).toLocaleString('en-US'),
      t.msPerStep.toFixed(2),
      Math.round(t.bestSamplesPerSec).toLocaleString('en-US'),
      fmtX(ratio(tr('zoo')?.samplesPerSec, t.samplesPerSec)),
    ]);
  const batches = [...new Set(m.infer.map((x) => x.batch))].sort((a, b) => a - b);
  const inferRows = batches.flatMap((b) =>
    order
      .map((lib) => inf(lib, b))
      .filter((t): t is MlpInferResult => t !== undefined)
      .map((t) => [
        `${b}`,
        LIB_NAMES[t.lib],
        t.msPerCall.toFixed(4),
        t.bestMsPerCall.toFixed(4),
        fmtX(ratio(t.msPerCall, inf('zoo', b)?.msPerCall)),
      ]),
  );
  const name = m.layers.join('-');
  return [
    `## MLP ${name} (training and inference)`,
    '',
    `A dense network ${name} (ReLU hidden layers, softmax output), Zoo's \`sequential\` + \`layers.dense\` and TF.js's \`@tensorflow/tfjs-layers\` built alike, both compiled with Adam (lr 0.001) and sparse categorical cross-entropy. Random inputs and labels (speed does not depend on the values).`,
    '',
    `Training: \`trainOnBatch\` on one batch of ${m.batch}, ${r.options.mlpWarmupSteps} untimed warm-up steps, then ${r.options.mlpSteps} timed steps; each step reads its loss back. Samples/s = batch × steps / total time (higher is better); "Zoo ×" is Zoo's samples/s over that library's.`,
    '',
    mdTable(
      ['Library', 'Samples / s', 'ms / step (median)', 'Best step, samples / s', 'Zoo ×'],
      trainRows,
    ),
    '',
    `Inference: \`predict\` on a batch, the output read back (\`dataSync\`) and disposed; median ms per call (lower is better); "Zoo ×" is that library's time over Zoo's. At least ${r.options.mlpInferSeconds} s and ${r.options.mlpInferMinSamples} samples per cell.`,
    '',
    mdTable(['Batch', 'Library', 'ms / call', 'Best ms / call', 'Zoo ×'], inferRows),
    '',
    `Agreement: with the same weights, Zoo's and TF.js wasm's batch-256 predictions differ by at most ${m.maxPredictDiff.toExponential(1)}.`,
  ].join('\n');
};

/** CNN training throughput and inference latency per library. */
export const cnnSection: Section = (r) => {
  const c = r.cnn;
  if (c === undefined) return '';
  const order: Lib[] = ['zoo', 'tfjs-wasm', 'tfjs-cpu'];
  const zooTrain = c.train.find((x) => x.lib === 'zoo' && x.error === undefined);
  const trainRows = order
    .map((lib) => c.train.find((x) => x.lib === lib))
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
            t.samplesPerSec >= 100
              ? Math.round(t.samplesPerSec).toLocaleString('en-US')
              : t.samplesPerSec.toFixed(2),
            t.msPerStep.toFixed(1),
            t.bestSamplesPerSec >= 100
              ? Math.round(t.bestSamplesPerSec).toLocaleString('en-US')
              : t.bestSamplesPerSec.toFixed(2),
            fmtX(ratio(zooTrain?.samplesPerSec, t.samplesPerSec)),
          ],
    );
  const inf = (lib: Lib, b: number) => c.infer.find((x) => x.lib === lib && x.batch === b);
  const batches = [...new Set(c.infer.map((x) => x.batch))].sort((a, b) => a - b);
  const inferRows = batches.flatMap((b) =>
    order
      .map((lib) => inf(lib, b))
      .filter((t): t is MlpInferResult => t !== undefined)
      .map((t) => [
        `${b}`,
        LIB_NAMES[t.lib],
        t.msPerCall.toFixed(4),
        t.samples === 1 ? 'one call' : t.bestMsPerCall.toFixed(4),
        fmtX(ratio(t.msPerCall, inf('zoo', b)?.msPerCall)),
      ]),
  );
  const o = r.options;
  const s = c.imageSize;
  const cpu = c.train.find((x) => x.lib === 'tfjs-cpu');
  return [
    `## CNN (training and inference)`,
    '',
    `The network ${cnnName(c)} (3x3 'valid' convolutions, 2x2 max pooling) on ${s}x${s}x1 images: Zoo's \`sequential\` of \`Conv2D\`, \`MaxPooling2D\`, \`Flatten\` and \`Dense\`, and TF.js's \`@tensorflow/tfjs-layers\` built alike, both compiled with Adam (lr 0.001) and sparse categorical cross-entropy. Random inputs and labels.`,
    '',
    `Training: \`trainOnBatch\` on one batch, ${o.cnnWarmupSteps} untimed warm-up steps, then ${o.cnnSteps} timed steps; each step reads its loss back. TF.js cpu trains at about one sample/s, so to keep the run short it gets a smaller batch of ${cpu?.batch ?? o.cnnCpuBatch}, ${o.cnnCpuWarmupSteps} warm-up and ${o.cnnCpuSteps} timed step(s). TF.js wasm has no gradient kernels for convolution or pooling: its error is shown. Samples/s = batch × steps / total time (higher is better); "Zoo ×" is Zoo's samples/s over that library's.`,
    '',
    mdTable(
      ['Library', 'Batch', 'Samples / s', 'ms / step (median)', 'Best step, samples / s', 'Zoo ×'],
      trainRows,
    ),
    '',
    `Inference: \`predict\` on a batch, the output read back and disposed; median ms per call (lower is better); "Zoo ×" is that library's time over Zoo's. At least ${o.cnnInferSeconds} s and ${o.cnnInferMinSamples} samples per cell, except TF.js cpu above batch ${o.cnnCpuSingleCallBatch}: one call (seconds long), after its smaller batches.`,
    '',
    mdTable(['Batch', 'Library', 'ms / call', 'Best ms / call', 'Zoo ×'], inferRows),
    '',
    `Agreement: with the same weights, Zoo's and TF.js wasm's batch-${batches[batches.length - 1] ?? '—'} predictions differ by at most ${c.maxPredictDiff.toExponential(1)}.`,
  ].join('\n');
};

const fmtWords = (x: number) =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1000).toLocaleString('en-US')}k`;

/** Word2Vec raw words/s, Zoo and gensim, per mode and worker count. */
export const w2vSection: Section = (r) => {
  const w = r.w2v;
  if (w === undefined) return '';
  const rows: string[][] = [];
  for (const sg of [1, 0] as const) {
    const counts = [...new Set(w.results.map((x) => x.workers))].sort((a, b) => a - b);
    for (const workers of counts) {
      const z = w.results.find((x) => x.lib === 'zoo' && x.sg === sg && x.workers === workers);
      const g = w.results.find((x) => x.lib === 'gensim' && x.sg === sg && x.workers === workers);
      rows.push([
        sg === 1 ? 'skip-gram' : 'CBOW',
        `${workers}${z !== undefined && z.threads !== workers ? ` (ran on ${z.threads})` : ''}`,
        z === undefined ? '—' : fmtWords(z.rawWordsPerSec),
        z === undefined ? '—' : fmtWords(z.effectiveWordsPerSec),
        g === undefined
          ? '—'
          : `${fmtWords(g.rawWordsPerSec)}${g.source === 'reference' ? ' (ref.)' : ''}`,
        g === undefined || g.effectiveWordsPerSec === 0 ? '—' : fmtWords(g.effectiveWordsPerSec),
        fmtX(w2vRatio(w, sg, workers)),
      ]);
    }
  }
  return [
    '## Word2Vec (training throughput)',
    '',
    `\`@zoo/word2vec\` and gensim's Word2Vec trained for one epoch on ${w.corpus}, split into ${w.lineLength.toLocaleString('en-US')}-token lines, with gensim's defaults: vectorSize 100, window 5, negative 5, hs 0, sample 1e-3, minCount 5 (${w.vocab.toLocaleString('en-US')} words). Raw words/s = tokens read / seconds of training (the vocabulary scan excluded), as gensim's logs count them; effective words are those kept by sub-sampling. More than one worker trains Hogwild style (threads update shared weights without locks). Zoo and gensim alternate cell by cell, ${w.rounds} run(s) each per cell; each figure is that library's fastest run (a busy host only slows runs down). gensim: ${w.gensim}. Load average when the section started: ${w.load} (threads compete with other work on a loaded machine).`,
    '',
    mdTable(
      [
        'Mode',
        'Workers',
        'Zoo raw words / s',
        'Zoo effective / s',
        'gensim raw words / s',
        'gensim effective / s',
        'Zoo / gensim',
      ],
      rows,
    ),
  ].join('\n');
};

/** Zoo's targets and whether they were met. */
export const targetsSection: Section = (r) =>
  [
    '## Targets',
    '',
    mdTable(
      ['Target', 'Measured', 'Status'],
      targetChecks(r).map((c) => [c.target, c.measured, metText(c.met)]),
    ),
  ].join('\n');

/**
 * The report's sections, in order. Later benchmarks (CNN, LSTM training) append theirs here.
 */
export const defaultSections: readonly Section[] = [
  headerSection,
  gemmSection,
  dispatchSection,
  mlpSection,
  cnnSection,
  lstmSection,
  w2vSection,
  targetsSection,
];

/** The whole markdown report. */
export function renderMarkdown(
  r: BenchResults,
  sections: readonly Section[] = defaultSections,
): string {
  return `${sections
    .map((s) => s(r).trimEnd())
    .filter((text) => text !== '')
    .join('\n\n')}\n`;
}

/** A plain-text summary for the terminal. */
export function renderSummary(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(
    `Zoo benchmarks, ${r.date} on ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
  );
  lines.push(`Zoo kernels: ${r.machine.zooKernels}; TF.js ${r.machine.tfjs}`);
  lines.push(contention(r));
  lines.push('');
  lines.push('GEMM GFLOP/s        Zoo   TF.js-wasm  TF.js-cpu   Zoo/wasm');
  const sizes = [...new Set(r.gemm.map((g) => g.size))].sort((a, b) => a - b);
  for (const n of sizes) {
    for (const form of GEMM_FORMS) {
      lines.push(
        `${`${FORM_LABELS[form]} ${n}`.padEnd(14)}${fmtG(findGemm(r, 'zoo', n, form)).padStart(10)}${fmtG(findGemm(r, 'tfjs-wasm', n, form)).padStart(13)}${fmtG(findGemm(r, 'tfjs-cpu', n, form)).padStart(11)}${fmtX(zooOverWasm(r, n, form)).padStart(11)}`,
      );
    }
  }
  lines.push('');
  lines.push('Dispatch (tiny add), us/op');
  for (const d of r.dispatch) lines.push(`  ${LIB_NAMES[d.lib].padEnd(12)}${d.usPerOp.toFixed(3)}`);
  if (r.mlp !== undefined) {
    const m = r.mlp;
    lines.push('');
    lines.push(`MLP ${m.layers.join('-')}: training samples/s (batch ${m.batch}, Adam)`);
    for (const t of m.train) {
      lines.push(
        `  ${LIB_NAMES[t.lib].padEnd(12)}${Math.round(t.samplesPerSec).toString().padStart(9)}`,
      );
    }
    lines.push('MLP inference, ms per predict');
    for (const t of m.infer) lines.push(inferSummaryLine(t, 4, 9));
  }
  if (r.cnn !== undefined) {
    const c = r.cnn;
    lines.push('');
    lines.push(`CNN ${cnnName(c)}: training samples/s (Adam)`);
    for (const t of c.train) lines.push(trainSummaryLine(t));
    lines.push('CNN inference, ms per predict');
    for (const t of c.infer) lines.push(inferSummaryLine(t, 4));
  }
  lines.push(...lstmSummaryLines(r));
  if (r.w2v !== undefined) {
    lines.push('');
    lines.push(`Word2Vec raw words/s (${r.w2v.tokens} tokens, 1 epoch)      Zoo     gensim`);
    for (const x of r.w2v.results.filter((y) => y.lib === 'zoo')) {
      const g = r.w2v.results.find(
        (y) => y.lib === 'gensim' && y.sg === x.sg && y.workers === x.workers,
      );
      lines.push(
        `  ${`${x.sg === 1 ? 'skip-gram' : 'CBOW'}, ${x.workers} worker(s)`.padEnd(38)}${Math.round(x.rawWordsPerSec).toString().padStart(9)}${(g === undefined ? '—' : `${Math.round(g.rawWordsPerSec)}${g.source === 'reference' ? ' (ref)' : ''}`).padStart(17)}`,
      );
    }
  }
  lines.push('');
  lines.push('Targets');
  for (const c of targetChecks(r)) lines.push(targetSummaryLine(c));
  return lines.join('\n');
}
