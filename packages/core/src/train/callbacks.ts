// The training callback protocol (Keras / TF.js): hooks called by fit() at the start and end
// of training, of each epoch and of each batch; History, EarlyStopping and TerminateOnNaN.
import { keep } from '../engine.js';
import { clone } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** Values logged by fit(): `loss`, metrics, `val_` ones, keyed by name. */
export interface Logs {
  [key: string]: number;
}

/** What fit() tells its callbacks before training starts (`callback.params`). */
export interface TrainingParams {
  /** Index one past the last epoch (`fit({ epochs })`). */
  epochs: number;
  /** First epoch index (`fit({ initialEpoch })`, default 0). */
  initialEpoch: number;
  /** Batches per epoch. */
  steps: number;
  /** Training examples per epoch. */
  samples: number;
  /** Examples per batch. */
  batchSize: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose: number;
  /** Names of the logged values (`loss`, metrics, and `val_` ones when validating). */
  metrics: string[];
  /** Whether validation runs at the end of each epoch. */
  doValidation: boolean;
}

/**
 * The part of a model callbacks use. `getWeights()` returns the model's current weight
 * tensors (owned by the model: callbacks copy them if they keep them); `setWeights()` copies
 * the given values into the model's weights.
 */
export interface CallbackModel {
  /** Set to true to end training after the current batch / epoch. */
  stopTraining: boolean;
  /** The model's weights, in a fixed order. */
  getWeights(): Tensor[];
  /** Copies values (same order and shapes as `getWeights()`) into the weights. */
  setWeights(weights: Tensor[]): void;
}

/** What a hook may return: nothing, or a promise fit() awaits before going on. */
export type HookResult = void | Promise<void>;

/**
 * Base class of training callbacks. Override the hooks you need; fit() awaits each one in
 * order. `epoch` and `batch` are 0-based; `logs` holds the values known at that point.
 */
export abstract class Callback {
  /** The model being trained (set by fit() before `onTrainBegin`). */
  model?: CallbackModel;
  /** The training parameters (set by fit() before `onTrainBegin`). */
  params?: TrainingParams;

  /** Called by fit() with the model being trained. */
  setModel(model: CallbackModel): void {
    this.model = model;
  }

  /** Called by fit() with the training parameters. */
  setParams(params: TrainingParams): void {
    this.params = params;
  }

  /** Called once before the first epoch. */
  onTrainBegin(_logs?: Logs): HookResult {}

  /** Called once after the last epoch (or when training stopped). */
  onTrainEnd(_logs?: Logs): HookResult {}

  /** Called at the start of each epoch. */
  onEpochBegin(_epoch: number, _logs?: Logs): HookResult {}

  /** Called at the end of each epoch with the epoch's averaged logs (and `val_` ones). */
  onEpochEnd(_epoch: number, _logs?: Logs): HookResult {}

  /** Called before each batch. */
  onBatchBegin(_batch: number, _logs?: Logs): HookResult {}

  /** Called after each batch with its logs. */
  onBatchEnd(_batch: number, _logs?: Logs): HookResult {}
}

/** Hooks of a {@link CustomCallback}, as TF.js accepts them in `fit({ callbacks })`. */
export interface CustomCallbackArgs {
  /** See {@link Callback.onTrainBegin}. */
  onTrainBegin?: (logs?: Logs) => HookResult;
  /** See {@link Callback.onTrainEnd}. */
  onTrainEnd?: (logs?: Logs) => HookResult;
  /** See {@link Callback.onEpochBegin}. */
  onEpochBegin?: (epoch: number, logs?: Logs) => HookResult;
  /** See {@link Callback.onEpochEnd}. */
  onEpochEnd?: (epoch: number, logs?: Logs) => HookResult;
  /** See {@link Callback.onBatchBegin}. */
  onBatchBegin?: (batch: number, logs?: Logs) => HookResult;
  /** See {@link Callback.onBatchEnd}. */
  onBatchEnd?: (batch: number, logs?: Logs) => HookResult;
}

/** A callback made from an object of hook functions (`{ onEpochEnd: async (e, logs) => … }`). */
export class CustomCallback extends Callback {
  private readonly hooks: CustomCallbackArgs;

  /** Wraps the given hooks; missing ones do nothing. */
  constructor(hooks: CustomCallbackArgs) {
    super();
    this.hooks = hooks;
  }

  override onTrainBegin(logs?: Logs): HookResult {
    return this.hooks.onTrainBegin?.(logs);
  }

  override onTrainEnd(logs?: Logs): HookResult {
    return this.hooks.onTrainEnd?.(logs);
  }

  override onEpochBegin(epoch: number, logs?: Logs): HookResult {
    return this.hooks.onEpochBegin?.(epoch, logs);
  }

  override onEpochEnd(epoch: number, logs?: Logs): HookResult {
    return this.hooks.onEpochEnd?.(epoch, logs);
  }

  override onBatchBegin(batch: number, logs?: Logs): HookResult {
    return this.hooks.onBatchBegin?.(batch, logs);
  }

  override onBatchEnd(batch: number, logs?: Logs): HookResult {
    return this.hooks.onBatchEnd?.(batch, logs);
  }
}

/** What fit() accepts as `callbacks`: one callback or hook object, or a list of them. */
export type CallbacksArg =
  | Callback
  | CustomCallbackArgs
  | readonly (Callback | CustomCallbackArgs)[];

/** Turns a `callbacks` argument into a list of callbacks (hook objects become CustomCallbacks). */
export function standardizeCallbacks(callbacks?: CallbacksArg | null): Callback[] {
  if (callbacks === undefined || callbacks === null) return [];
  const list = Array.isArray(callbacks)
    ? (callbacks as readonly (Callback | CustomCallbackArgs)[])
    : [callbacks as Callback | CustomCallbackArgs];
  return list.map((c) => {
    if (c instanceof Callback) return c;
    if (typeof c !== 'object' || c === null) {
      throw new TypeError(`callbacks: expected a Callback or an object of hooks, got ${typeof c}`);
    }
    return new CustomCallback(c);
  });
}

/** Calls every callback's hook in order, awaiting each before the next. */
export class CallbackList {
  /** The callbacks, in call order. */
  readonly callbacks: Callback[];

  /** A list of the given callbacks (hook objects are wrapped). */
  constructor(callbacks: CallbacksArg = []) {
    this.callbacks = standardizeCallbacks(callbacks);
  }

  /** Adds a callback at the end. */
  append(callback: Callback): void {
    this.callbacks.push(callback);
  }

  /** Sets the model on every callback. */
  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  /** Sets the training parameters on every callback. */
  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  /** Runs `onTrainBegin` on every callback in order. */
  async onTrainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin(logs);
  }

  /** Runs `onTrainEnd` on every callback in order. */
  async onTrainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }

  /** Runs `onEpochBegin` on every callback in order. */
  async onEpochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, logs);
  }

  /** Runs `onEpochEnd` on every callback in order. */
  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }

  /** Runs `onBatchBegin` on every callback in order. */
  async onBatchBegin(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin(batch, logs);
  }

  /** Runs `onBatchEnd` on every callback in order. */
  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd(batch, logs);
  }
}

/**
 * Records the logs of every epoch; `fit()` returns it. `history.loss[i]` is the loss of
 * epoch `epoch[i]`.
 */
export class History extends Callback {
  /** Epoch indices, in order. */
  epoch: number[] = [];
  /** Logged values per key, one per epoch (keys that appear later start later). */
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!Object.hasOwn(this.history, k)) this.history[k] = [];
      this.history[k].push(v);
    }
  }
}

/** Options of {@link EarlyStopping}, as Keras's and TF.js's. */
export interface EarlyStoppingArgs {
  /** Logged value to watch (default `'val_loss'`). */
  monitor?: string;
  /** Smallest change that counts as an improvement (absolute value used; default 0). */
  minDelta?: number;
  /** Epochs without improvement after which training stops (default 0). */
  patience?: number;
  /** 1 to print when stopping and restoring (default 0). */
  verbose?: number;
  /**
   * `'min'`: improvement is a decrease; `'max'`: an increase; `'auto'` (default): max if
   * the monitored name contains `'acc'`, else min.
   */
  mode?: 'auto' | 'min' | 'max';
  /** Value the monitored quantity must beat for the patience counter to reset. */
  baseline?: number;
  /**
   * Restore the weights of the best epoch when training ends (default false). Without any
   * improvement, the weights after the first monitored epoch are restored, as Keras.
   */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts (default 0). */
  startFromEpoch?: number;
}

/**
 * Stops training when a monitored value has stopped improving, with Keras's semantics: an
 * epoch improves if `current - minDelta` beats the best so far (`+ minDelta` in max mode);
 * after `patience` epochs without one (counting from the last epoch that also beat
 * `baseline`), `model.stopTraining` is set. With `restoreBestWeights`, copies of the best
 * epoch's weights are kept and written back when training ends.
 */
export class EarlyStopping extends Callback {
  /** The watched log key. */
  readonly monitor: string;
  /** Signed min delta: positive in max mode, negative in min mode. */
  readonly minDelta: number;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** 1 prints messages. */
  readonly verbose: number;
  /** Value to beat, if any. */
  readonly baseline: number | undefined;
  /** Whether the best weights are restored at the end. */
  readonly restoreBestWeights: boolean;
  /** Epochs ignored at the start. */
  readonly startFromEpoch: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epoch at which training was stopped (0 if it was not). */
  stoppedEpoch = 0;
  /** Best monitored value so far. */
  best: number;
  /** Epoch of the best value. */
  bestEpoch = 0;
  private readonly maxMode: boolean;
  private bestWeights: Tensor[] | null = null;
  private warned = false;

  /** Creates the callback (see {@link EarlyStoppingArgs} for the defaults). */
  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    const mode = args.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
      throw new Error(`EarlyStopping: mode must be 'auto', 'min' or 'max', got '${String(mode)}'`);
    }
    this.maxMode = mode === 'max' || (mode === 'auto' && this.monitor.includes('acc'));
    const delta = Math.abs(args.minDelta ?? 0);
    this.minDelta = this.maxMode ? delta : -delta;
    this.patience = args.patience ?? 0;
    if (!(this.patience >= 0)) {
      throw new Error(`EarlyStopping: patience must be >= 0, got ${args.patience}`);
    }
    this.verbose = args.verbose ?? 0;
    this.baseline = args.baseline ?? undefined;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    this.best = this.maxMode ? -Infinity : Infinity;
  }

  private isImprovement(value: number, reference: number): boolean {
    const v = value - this.minDelta;
    return this.maxMode ? v > reference : v < reference;
  }

  private releaseBest(): void {
    if (this.bestWeights !== null) for (const w of this.bestWeights) w.dispose();
    this.bestWeights = null;
  }

  private snapshot(): void {
    const model = this.requireModel();
    const copies = model.getWeights().map((w) => keep(clone(w)));
    this.releaseBest();
    this.bestWeights = copies;
  }

  private requireModel(): CallbackModel {
    if (this.model === undefined) {
      throw new Error('EarlyStopping: no model set (fit() calls setModel before training)');
    }
    return this.model;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.maxMode ? -Infinity : Infinity;
    this.bestEpoch = 0;
    this.warned = false;
    this.releaseBest();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined || current === null) {
      if (!this.warned) {
        this.warned = true;
        console.warn(
          `Early stopping conditioned on metric '${this.monitor}' which is not available. Available metrics are: ${Object.keys(logs).join(', ')}`,
        );
      }
      return;
    }
    if (epoch < this.startFromEpoch) return;
    // Without any improvement, the first monitored epoch's weights are the ones restored.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.snapshot();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.snapshot();
      // Only restart the count if the value beats both the baseline and the previous best.
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.requireModel().stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) {
      console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    }
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) {
        console.log(
          `Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`,
        );
      }
      this.requireModel().setWeights(this.bestWeights);
    }
    this.releaseBest();
  }
}

/** Stops training as soon as a batch (or epoch) logs a NaN or infinite `loss`. */
export class TerminateOnNaN extends Callback {
  private terminated = false;

  private check(where: string, logs: Logs | undefined): void {
    const loss = logs?.loss;
    if (loss !== undefined && loss !== null && !Number.isFinite(loss)) {
      if (!this.terminated) console.warn(`${where}: Invalid loss, terminating training`);
      this.terminated = true;
      if (this.model !== undefined) this.model.stopTraining = true;
    }
  }

  override onTrainBegin(): void {
    this.terminated = false;
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    this.check(`Batch ${batch}`, logs);
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    this.check(`Epoch ${epoch + 1}`, logs);
  }
}

/** Factories of the built-in callbacks, as `tf.callbacks`. */
export const callbacks = {
  /** An {@link EarlyStopping} callback. */
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
  /** A {@link TerminateOnNaN} callback. */
  terminateOnNaN: (): TerminateOnNaN => new TerminateOnNaN(),
} as const;
