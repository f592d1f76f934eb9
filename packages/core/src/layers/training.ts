// compile / fit / evaluate / predict / trainOnBatch for LayersModel.
import { heap, kernels } from '../backend.js';
import { engine, tidy } from '../engine.js';
import { variableGrads } from '../grad.js';
import { add, mul } from '../ops/binary.js';
import { type TensorLike, tensor, toTensor } from '../ops/creation.js';
import { mean } from '../ops/reduce.js';
import { concat, gather, slice } from '../ops/shape.js';
import { empty, type Tensor } from '../tensor.js';
import {
  type Callback,
  CallbackList,
  CustomCallback,
  type CustomCallbackArgs,
  History,
  type Logs,
} from '../train/callbacks.js';
import { fromLogitsVariant, getLoss, type LossFn } from '../train/losses.js';
import { type MetricFn, type ResolvedMetric, resolveMetric } from '../train/metrics.js';
import { getOptimizer, type Optimizer } from '../train/optimizers.js';
import { ProgressLogger } from '../train/progress.js';
import { fmt } from '../util.js';
import { type ActivationIdentifier, activate } from './core.js';
import type { LayersModel } from './model.js';

/** Arguments of `model.compile`. */
export interface CompileArgs {
  /** An optimizer, or a name: 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'. */
  optimizer: string | Optimizer;
  /** A loss name (e.g. 'categoricalCrossentropy') or a per-example loss function. */
  loss: string | LossFn;
  /** Metric names ('accuracy', 'mse', ...) or functions. */
  metrics?: (string | MetricFn)[];
}

/** @internal what compile() settled. */
export interface Compiled {
  optimizer: Optimizer;
  lossName: string;
  loss: LossFn;
  /** The from-logits loss when the output activation can be fused with the loss. */
  fused: LossFn | null;
  outputActivation: ActivationIdentifier;
  metrics: ResolvedMetric[];
}

/** Configures the model for training. */
export function compile(model: LayersModel, args: CompileArgs): Compiled {
  if (model.outputs.length !== 1) {
    throw new Error(
      `${model.name}: compile supports models with one output, this one has ${model.outputs.length}`,
    );
  }
  const optimizer = getOptimizer(args.optimizer);
  const loss = getLoss(args.loss);
  const outLayer = model.outputs[0].sourceLayer as { activation?: unknown };
  const outputActivation = (
    typeof outLayer.activation === 'string' ? outLayer.activation : 'linear'
  ) as ActivationIdentifier;
  const logitsLoss = fromLogitsVariant(loss);
  const fusable =
    logitsLoss !== undefined &&
    ((outputActivation === 'softmax' && loss.name !== 'binaryCrossentropy') ||
      (outputActivation === 'sigmoid' && loss.name === 'binaryCrossentropy'));
  const metrics = (args.metrics ?? []).map((m) =>
    resolveMetric(m, args.loss, model.outputs[0].shape),
  );
  return {
    optimizer,
    lossName: typeof args.loss === 'string' ? args.loss : args.loss.name,
    loss,
    fused: fusable ? (logitsLoss ?? null) : null,
    outputActivation,
    metrics,
  };
}

/** Arguments of `model.fit`. */
export interface ModelFitArgs {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Examples per gradient step (default 32). */
  batchSize?: number;
  /** Shuffle the training examples every epoch (default true), with the seeded generator. */
  shuffle?: boolean;
  /** Fraction of the data, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Held-out data: [x, y]. */
  validationData?: [TensorLike, TensorLike];
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. Node only. */
  verbose?: 0 | 1 | 2;
  /** Callback objects or `{ onEpochEnd: ... }` literals. */
  callbacks?: (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs;
  /** Weight of each class in the loss: `{ 0: 1, 1: 5 }`. */
  classWeight?: Record<number, number>;
  /** Epoch to start from (for resuming); epochs counts from 0 as Keras. */
  initialEpoch?: number;
  /** Aborting ends training after the current batch; `fit` resolves with the history so far. */
  signal?: AbortSignal;
  /** Where the progress bar goes (default process.stderr in Node). */
  progressStream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

const YIELD_EVERY_MS = 25;
let lastYield = 0;

/** Lets the event loop run (a browser page repaint, an abort click) at most every 25 ms. */
async function maybeYield(): Promise<void> {
  const now = performance.now();
  if (now - lastYield < YIELD_EVERY_MS) return;
  lastYield = now;
  await new Promise<void>((resolve) => {
    const g = globalThis as { setImmediate?: (f: () => void) => void };
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else if (typeof MessageChannel !== 'undefined') {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    } else setTimeout(resolve, 0);
  });
}

/** Checks data before training: sample counts, feature shape, finite values, label range. */
function checkData(model: LayersModel, c: Compiled, op: string, x: Tensor, y: Tensor): void {
  if (x.rank === 0 || y.rank === 0)
    throw new Error(
      `${op}: x and y need a batch dimension, got ${fmt(x.shape)} and ${fmt(y.shape)}`,
    );
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${op}: x has ${x.shape[0]} samples but y has ${y.shape[0]}`);
  }
  const expected = model.inputs[0].shape;
  if (
    x.rank !== expected.length ||
    expected.some((d, i) => i > 0 && d !== null && d !== x.shape[i])
  ) {
    throw new Error(
      `${op}: expected x of shape [null,${expected.slice(1).join(',')}], got ${fmt(x.shape)} (wrong feature count?)`,
    );
  }
  for (const [t, name] of [
    [x, 'x'],
    [y, 'y'],
  ] as const) {
    if (t.dtype !== 'float32') continue;
    const bad = kernels().allFinite(t.ptr, t.size);
    if (bad >= 0) {
      const per = t.size / t.shape[0];
      throw new Error(
        `${op}: ${name} contains ${Number.isNaN(heap().f32[(t.ptr >> 2) + bad]) ? 'NaN' : 'Infinity'} (sample ${Math.floor(bad / per)}, element ${bad % per})`,
      );
    }
  }
  const units = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  const sparse = c.loss.name === 'sparseCategoricalCrossentropy';
  if (sparse && units !== null) {
    const labels = y.dataSync();
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (!(l >= 0 && l < units) || !Number.isInteger(l)) {
        throw new Error(
          `${op}: label ${l} of sample ${i} is outside [0, ${units}) (the model has ${units} classes)`,
        );
      }
    }
  } else if (!sparse && y.rank !== model.outputs[0].shape.length) {
    throw new Error(
      `${op}: y has shape ${fmt(y.shape)} but the model's output is [null,${model.outputs[0].shape.slice(1).join(',')}] (for integer class labels use loss 'sparseCategoricalCrossentropy')`,
    );
  }
}

/** Per-example loss and batch-mean metrics on one batch, with the tape running. */
function lossAndMetrics(
  model: LayersModel,
  c: Compiled,
  xb: Tensor,
  yb: Tensor,
  sw: Tensor | null,
  training: boolean,
): { loss: Tensor; metrics: number[] } {
  const out = model.execute([xb], { training, skipActivation: c.fused !== null })[0];
  let per = (c.fused ?? c.loss)(yb, out);
  if (sw !== null) per = mul(per, sw);
  let loss = mean(per);
  const reg = model.regularizationLoss();
  if (reg !== null) loss = add(loss, reg);
  const metrics = engine.noGrad(() => {
    if (c.metrics.length === 0) return [];
    const preds = c.fused !== null ? activate(out, c.outputActivation) : out;
    return c.metrics.map((m) => mean(m.fn(yb, preds)).dataSync()[0]);
  });
  return { loss, metrics };
}

/** One optimizer step on a batch; returns [loss, ...metrics]. */
export function trainStep(
  model: LayersModel,
  c: Compiled,
  xb: Tensor,
  yb: Tensor,
  sw: Tensor | null,
): number[] {
  return tidy(() => {
    let metrics: number[] = [];
    const { value, grads } = variableGrads(() => {
      const r = lossAndMetrics(model, c, xb, yb, sw, true);
      metrics = r.metrics;
      return r.loss;
    }, model.trainableWeights);
    c.optimizer.applyGradients(grads);
    return [value.dataSync()[0], ...metrics];
  });
}

function sampleWeights(
  c: Compiled,
  y: Tensor,
  classWeight: Record<number, number> | undefined,
): Tensor | null {
  if (classWeight === undefined) return null;
  const labels = y.dataSync();
  const n = y.shape[0];
  const per = y.size / n;
  const w = new Float32Array(n);
  const sparse = c.loss.name.startsWith('sparse') || per === 1;
  for (let i = 0; i < n; i++) {
    let cls = 0;
    if (sparse) cls = labels[i * per];
    else {
      for (let j = 1; j < per; j++) if (labels[i * per + j] > labels[i * per + cls]) cls = j;
    }
    w[i] = classWeight[cls] ?? 1;
  }
  return tensor(w, [n]);
}

/** Trains the model; resolves with the History of per-epoch logs. */
export async function fit(
  model: LayersModel,
  c: Compiled | undefined,
  xl: TensorLike,
  yl: TensorLike,
  args: ModelFitArgs = {},
): Promise<History> {
  if (c === undefined) throw new Error(`${model.name}: call compile() before fit()`);
  const owned: Tensor[] = [];
  const own = (t: Tensor, v: TensorLike) => {
    if (t !== v) owned.push(t);
    return t;
  };
  const xAll = own(toTensor('fit', xl, 'x'), xl);
  const yAll = own(toTensor('fit', yl, 'y'), yl);
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  checkData(model, c, 'fit', xAll, yAll);
  let x = xAll;
  let y = yAll;
  let xVal: Tensor | null = null;
  let yVal: Tensor | null = null;
  if (args.validationData !== undefined) {
    xVal = own(
      toTensor('fit', args.validationData[0], 'validationData[0]'),
      args.validationData[0],
    );
    yVal = own(
      toTensor('fit', args.validationData[1], 'validationData[1]'),
      args.validationData[1],
    );
    checkData(model, c, 'fit (validation data)', xVal, yVal);
  } else if (args.validationSplit !== undefined && args.validationSplit > 0) {
    if (!(args.validationSplit < 1))
      throw new Error(`fit: validationSplit must be in [0, 1), got ${args.validationSplit}`);
    const n = xAll.shape[0];
    const split = Math.floor(n * (1 - args.validationSplit));
    if (split === 0 || split === n)
      throw new Error(
        `fit: validationSplit ${args.validationSplit} leaves no training or no validation samples out of ${n}`,
      );
    x = own(slice(xAll, [0], [split]), xl);
    y = own(slice(yAll, [0], [split]), yl);
    xVal = own(slice(xAll, [split], [n - split]), xl);
    yVal = own(slice(yAll, [split], [n - split]), yl);
  }
  const sw = sampleWeights(c, y, args.classWeight);
  if (sw !== null) owned.push(sw);
  const n = x.shape[0];
  const steps = Math.ceil(n / batchSize);
  const history = new History();
  const list: Callback[] = [history];
  const user =
    args.callbacks === undefined
      ? []
      : Array.isArray(args.callbacks)
        ? args.callbacks
        : [args.callbacks];
  for (const cb of user) list.push(isCallback(cb) ? cb : new CustomCallback(cb));
  const verbose = args.verbose ?? 1;
  const metricNames = ['loss', ...c.metrics.map((m) => m.name)];
  const doValidation = xVal !== null;
  if (verbose > 0) {
    const stream = args.progressStream ?? nodeStderr();
    if (stream !== undefined) list.push(new ProgressLogger(verbose, stream));
  }
  const callbacks = new CallbackList(list);
  callbacks.setModel(model);
  callbacks.setParams({
    epochs,
    initialEpoch: args.initialEpoch ?? 0,
    steps,
    samples: n,
    batchSize,
    verbose,
    metrics: doValidation ? [...metricNames, ...metricNames.map((m) => `val_${m}`)] : metricNames,
    doValidation,
  });
  model.stopTraining = false;
  const indices = empty([n], 'int32');
  owned.push(indices);
  for (let i = 0; i < n; i++) heap().i32[(indices.ptr >> 2) + i] = i;
  try {
    await callbacks.onTrainBegin({});
    for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !model.stopTraining; epoch++) {
      if (args.shuffle ?? true) kernels().shuffleI32(indices.ptr, n);
      await callbacks.onEpochBegin(epoch, {});
      const sums = new Array<number>(metricNames.length).fill(0);
      let seen = 0;
      for (let step = 0; step < steps; step++) {
        if (args.signal?.aborted) {
          model.stopTraining = true;
          break;
        }
        const start = step * batchSize;
        const size = Math.min(batchSize, n - start);
        await callbacks.onBatchBegin(step, { batch: step, size });
        const values = tidy(() => {
          const idx = slice(indices, [start], [size]);
          const xb = gather(x, idx);
          const yb = gather(y, idx);
          const swb = sw === null ? null : gather(sw, idx);
          return trainStep(model, c, xb, yb, swb);
        });
        const logs: Logs = { batch: step, size };
        values.forEach((v, i) => {
          sums[i] += v * size;
          logs[metricNames[i]] = v;
        });
        seen += size;
        await callbacks.onBatchEnd(step, logs);
        await maybeYield();
        if (model.stopTraining) break;
      }
      if (seen === 0) break;
      const epochLogs: Logs = {};
      metricNames.forEach((m, i) => {
        epochLogs[m] = sums[i] / seen;
      });
      if (xVal !== null && yVal !== null) {
        const val = evaluateValues(model, c, xVal, yVal, batchSize);
        metricNames.forEach((m, i) => {
          epochLogs[`val_${m}`] = val[i];
        });
      }
      await callbacks.onEpochEnd(epoch, epochLogs);
      await maybeYield();
    }
    await callbacks.onTrainEnd({});
  } finally {
    for (const t of owned) t.dispose();
  }
  return history;
}

function isCallback(cb: unknown): cb is Callback {
  return (
    typeof (cb as Callback).setParams === 'function' &&
    typeof (cb as Callback).setModel === 'function'
  );
}

function nodeStderr():
  | { write(s: string): unknown; isTTY?: boolean; columns?: number }
  | undefined {
  const p = (
    globalThis as {
      process?: { stderr?: { write(s: string): unknown; isTTY?: boolean; columns?: number } };
    }
  ).process;
  return p?.stderr;
}

/** Loss and metrics over a dataset, batch by batch, averaged over examples. */
function evaluateValues(
  model: LayersModel,
  c: Compiled,
  x: Tensor,
  y: Tensor,
  batchSize: number,
): number[] {
  const n = x.shape[0];
  const sums = new Array<number>(1 + c.metrics.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const values = tidy(() => {
      const r = lossAndMetrics(
        model,
        c,
        slice(x, [start], [size]),
        slice(y, [start], [size]),
        null,
        false,
      );
      return [r.loss.dataSync()[0], ...r.metrics];
    });
    values.forEach((v, i) => {
      sums[i] += v * size;
    });
  }
  return sums.map((s) => s / Math.max(1, n));
}

/** Loss then metrics over `x`, `y` as scalar tensors (a single tensor without metrics), as TF.js. */
export function evaluate(
  model: LayersModel,
  c: Compiled | undefined,
  xl: TensorLike,
  yl: TensorLike,
  args: { batchSize?: number } = {},
): Tensor | Tensor[] {
  if (c === undefined) throw new Error(`${model.name}: call compile() before evaluate()`);
  const x = toTensor('evaluate', xl, 'x');
  const y = toTensor('evaluate', yl, 'y');
  try {
    checkData(model, c, 'evaluate', x, y);
    const values = evaluateValues(model, c, x, y, args.batchSize ?? 32);
    const out = values.map((v) => tensor([v], []));
    return out.length === 1 ? out[0] : out;
  } finally {
    if (x !== xl) x.dispose();
    if (y !== yl) y.dispose();
  }
}

/** Runs the model in inference mode, batch by batch; returns one tensor. */
export function predict(
  model: LayersModel,
  xl: TensorLike,
  args: { batchSize?: number } = {},
): Tensor {
  const x = toTensor('predict', xl, 'x');
  try {
    const batchSize = args.batchSize ?? 32;
    const n = x.shape[0];
    if (n <= batchSize) return tidy(() => model.execute([x], { training: false })[0]);
    const parts: Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(tidy(() => model.execute([slice(x, [start], [size])], { training: false })[0]));
    }
    const out = concat(parts, 0);
    for (const p of parts) p.dispose();
    return out;
  } finally {
    if (x !== xl) x.dispose();
  }
}

/** One gradient step on one batch; returns the loss, or [loss, ...metrics]. */
export function trainOnBatch(
  model: LayersModel,
  c: Compiled | undefined,
  xl: TensorLike,
  yl: TensorLike,
): number | number[] {
  if (c === undefined) throw new Error(`${model.name}: call compile() before trainOnBatch()`);
  const x = toTensor('trainOnBatch', xl, 'x');
  const y = toTensor('trainOnBatch', yl, 'y');
  try {
    checkData(model, c, 'trainOnBatch', x, y);
    const v = trainStep(model, c, x, y, null);
    return v.length === 1 ? v[0] : v;
  } finally {
    if (x !== xl) x.dispose();
    if (y !== yl) y.dispose();
  }
}
