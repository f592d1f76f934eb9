// Learning-rate schedules (step and cosine decay) and a Keras-style LearningRateScheduler
// callback that applies one to the compiled optimizer, per epoch or per batch.
import { Callback, type Optimizer } from '@zoo/core';

/**
 * What a schedule is counted in: `'epoch'` (t = epochs done, fractional when the scheduler
 * updates per batch) or `'step'` (t = optimizer steps, i.e. batches, since training began).
 */
export type ScheduleUnit = 'epoch' | 'step';

/**
 * A learning-rate schedule: the rate at time `t` (0-based, in {@link LearningRateSchedule.unit}s).
 * Call it directly in a custom loop (`opt.learningRate = schedule(epoch + batch / steps)`) or
 * hand it to {@link learningRateScheduler} for `fit`.
 */
export interface LearningRateSchedule {
  (t: number): number;
  /** The unit `t` is counted in. */
  readonly unit: ScheduleUnit;
}

function positive(fn: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${fn}: ${what} must be a positive finite number, got ${String(v)}`);
  }
  return v;
}

function nonNegative(fn: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${fn}: ${what} must be a non-negative finite number, got ${String(v)}`);
  }
  return v;
}

function unitArg(fn: string, u: unknown, dflt: ScheduleUnit): ScheduleUnit {
  const v = u ?? dflt;
  if (v !== 'epoch' && v !== 'step') {
    throw new Error(`${fn}: unit must be 'epoch' or 'step', got '${String(u)}'`);
  }
  return v;
}

function makeSchedule(unit: ScheduleUnit, f: (t: number) => number): LearningRateSchedule {
  const s = ((t: number) => {
    if (typeof t !== 'number' || Number.isNaN(t)) {
      throw new Error(`learning-rate schedule: t must be a number, got ${String(t)}`);
    }
    return f(Math.max(0, t));
  }) as LearningRateSchedule;
  Object.defineProperty(s, 'unit', { value: unit, enumerable: true });
  return s;
}

/** Options of {@link stepDecay}. Give `dropEvery` or `boundaries`, not both. */
export interface StepDecayArgs {
  /** The rate before the first drop. */
  initial: number;
  /** Multiply the rate by `factor` every `dropEvery` units: lr = initial · factor^⌊t / dropEvery⌋. */
  dropEvery?: number;
  /**
   * Increasing times at which the rate is multiplied by `factor` (piecewise constant, as He et
   * al.'s 0.1 → 0.01 → 0.001 at 32k and 48k iterations): lr = initial · factor^(boundaries ≤ t).
   */
  boundaries?: readonly number[];
  /** The multiplier at each drop (default 0.1). */
  factor?: number;
  /** The unit of `dropEvery` / `boundaries` (default `'epoch'`). */
  unit?: ScheduleUnit;
}

/**
 * Step decay: the rate is multiplied by `factor` (default 0.1) every `dropEvery` epochs, or at
 * each of the `boundaries`.
 *
 * ```ts
 * const s = stepDecay({ initial: 0.1, boundaries: [15, 25], factor: 0.1 });
 * s(0); // 0.1   s(15); // 0.01   s(25); // 0.001
 * ```
 */
export function stepDecay(args: StepDecayArgs): LearningRateSchedule {
  const fn = 'stepDecay';
  if (args === null || typeof args !== 'object') throw new Error(`${fn}: expected options`);
  const initial = positive(fn, 'initial', args.initial);
  const factor = positive(fn, 'factor', args.factor ?? 0.1);
  const unit = unitArg(fn, args.unit, 'epoch');
  if ((args.dropEvery === undefined) === (args.boundaries === undefined)) {
    throw new Error(`${fn}: give either dropEvery or boundaries (exactly one of them)`);
  }
  if (args.dropEvery !== undefined) {
    const every = positive(fn, 'dropEvery', args.dropEvery);
    return makeSchedule(unit, (t) => initial * factor ** Math.floor(t / every + 1e-9));
  }
  const b = args.boundaries!;
  if (
    !Array.isArray(b) ||
    b.some((v, i) => !(typeof v === 'number' && v >= 0 && (i === 0 || v > b[i - 1])))
  ) {
    throw new Error(
      `${fn}: boundaries must be an increasing list of non-negative numbers, got ${JSON.stringify(b)}`,
    );
  }
  const bounds = [...b];
  return makeSchedule(unit, (t) => initial * factor ** bounds.filter((v) => t >= v).length);
}

/** Options of {@link cosineDecay}. Give `epochs` or `decaySteps`, not both. */
export interface CosineDecayArgs {
  /** The peak rate (reached at the end of the warm-up, or at t = 0 without one). */
  initial: number;
  /** Length of the decay in epochs (the schedule's unit becomes `'epoch'`). */
  epochs?: number;
  /** Length of the decay in optimizer steps (the schedule's unit becomes `'step'`). */
  decaySteps?: number;
  /** The final rate as a fraction of `initial` (default 0), as Keras's `alpha`. */
  alpha?: number;
  /**
   * Linear warm-up length, in the same unit, before the decay starts (default 0): the rate
   * rises from `warmupStart` to `initial`, then follows the cosine over the next
   * `epochs`/`decaySteps` units. With an epoch-counted warm-up, update per batch
   * (`learningRateScheduler(s, { updateEvery: 'batch' })`) so the first epoch does not run at
   * `warmupStart`.
   */
  warmup?: number;
  /** The rate at t = 0 of the warm-up (default 0). */
  warmupStart?: number;
}

/**
 * Cosine decay (Loshchilov and Hutter's SGDR without restarts, Keras's `CosineDecay`):
 * lr(t) = initial · ((1 − alpha) · ½ · (1 + cos(π · min(t, T) / T)) + alpha), with T the decay
 * length, after an optional linear warm-up.
 *
 * ```ts
 * const s = cosineDecay({ initial: 0.1, epochs: 30, alpha: 0.001 });
 * s(0); // 0.1   s(15); // ≈ 0.05   s(30); // 1e-4
 * ```
 */
export function cosineDecay(args: CosineDecayArgs): LearningRateSchedule {
  const fn = 'cosineDecay';
  if (args === null || typeof args !== 'object') throw new Error(`${fn}: expected options`);
  const initial = positive(fn, 'initial', args.initial);
  if ((args.epochs === undefined) === (args.decaySteps === undefined)) {
    throw new Error(`${fn}: give either epochs or decaySteps (exactly one of them)`);
  }
  const unit: ScheduleUnit = args.epochs !== undefined ? 'epoch' : 'step';
  const length = positive(
    fn,
    unit === 'epoch' ? 'epochs' : 'decaySteps',
    args.epochs ?? args.decaySteps,
  );
  const alpha = nonNegative(fn, 'alpha', args.alpha ?? 0);
  if (alpha > 1) throw new Error(`${fn}: alpha must be in [0, 1], got ${alpha}`);
  const warmup = nonNegative(fn, 'warmup', args.warmup ?? 0);
  const warmupStart = nonNegative(fn, 'warmupStart', args.warmupStart ?? 0);
  return makeSchedule(unit, (t) => {
    if (t < warmup) return warmupStart + ((initial - warmupStart) * t) / warmup;
    const p = Math.min(t - warmup, length) / length;
    return initial * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * p)) + alpha);
  });
}

/** A Keras-style schedule: `(epoch, currentRate) => newRate`. */
export type EpochScheduleFn = (epoch: number, lr: number) => number;

/** Options of {@link LearningRateScheduler}. */
export interface LearningRateSchedulerArgs {
  /**
   * When the rate is set: `'epoch'` (at each epoch's start) or `'batch'` (before each batch).
   * Default: `'batch'` for step-counted schedules, `'epoch'` otherwise. An epoch-counted
   * schedule updated per batch sees fractional epochs (epoch + batch / batches per epoch).
   */
  updateEvery?: 'epoch' | 'batch';
  /**
   * The optimizer to drive (default: the trained model's, i.e. the one `compile` set). Give it
   * when the callback is used outside `fit`.
   */
  optimizer?: Optimizer;
  /** 1 to print the rate at each epoch's start (default 0). */
  verbose?: number;
}

/**
 * Sets the optimizer's learning rate from a schedule during `fit`, as Keras's
 * `LearningRateScheduler`. The schedule is a {@link LearningRateSchedule} ({@link stepDecay},
 * {@link cosineDecay}) or a Keras-style function `(epoch, lr) => lr` (called at each epoch's
 * start). Times count from epoch 0 even with `fit({ initialEpoch })`, so a resumed run
 * continues the same curve; step-counted schedules count `epoch × batches per epoch + batch`.
 */
export class LearningRateScheduler extends Callback {
  /** The schedule. */
  readonly schedule: LearningRateSchedule | EpochScheduleFn;
  /** When the rate is set. */
  readonly updateEvery: 'epoch' | 'batch';
  /** 1 prints the rate at each epoch's start. */
  readonly verbose: number;
  private readonly explicitOptimizer: Optimizer | undefined;
  private epoch = 0;

  /** Creates the callback (see {@link LearningRateSchedulerArgs}). */
  constructor(
    schedule: LearningRateSchedule | EpochScheduleFn,
    args: LearningRateSchedulerArgs = {},
  ) {
    super();
    if (typeof schedule !== 'function') {
      throw new TypeError(
        `LearningRateScheduler: schedule must be a function (stepDecay(...), cosineDecay(...) or (epoch, lr) => lr), got ${typeof schedule}`,
      );
    }
    this.schedule = schedule;
    const unit = (schedule as Partial<LearningRateSchedule>).unit;
    const every = args.updateEvery ?? (unit === 'step' ? 'batch' : 'epoch');
    if (every !== 'epoch' && every !== 'batch') {
      throw new Error(
        `LearningRateScheduler: updateEvery must be 'epoch' or 'batch', got '${String(args.updateEvery)}'`,
      );
    }
    if (every === 'batch' && unit === undefined) {
      throw new Error(
        "LearningRateScheduler: a plain (epoch, lr) => lr function is called per epoch; use updateEvery 'epoch', or a stepDecay / cosineDecay schedule",
      );
    }
    this.updateEvery = every;
    this.verbose = args.verbose ?? 0;
    this.explicitOptimizer = args.optimizer;
  }

  /** The optimizer being driven. */
  get optimizer(): Optimizer {
    const o =
      this.explicitOptimizer ?? (this.model as { optimizer?: Optimizer } | undefined)?.optimizer;
    if (o === undefined) {
      throw new Error(
        'LearningRateScheduler: no optimizer: compile the model before fit(), or pass { optimizer }',
      );
    }
    return o;
  }

  /** The rate the schedule gives at this epoch and batch (batch ignored for per-epoch updates). */
  rateAt(epoch: number, batch = 0): number {
    const s = this.schedule;
    const unit = (s as Partial<LearningRateSchedule>).unit;
    const steps = this.params?.steps ?? 1;
    let lr: number;
    if (unit === undefined) lr = (s as EpochScheduleFn)(epoch, this.optimizer.learningRate);
    else if (unit === 'epoch')
      lr = (s as LearningRateSchedule)(
        this.updateEvery === 'batch' ? epoch + batch / steps : epoch,
      );
    else
      lr = (s as LearningRateSchedule)(epoch * steps + (this.updateEvery === 'batch' ? batch : 0));
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new Error(
        `LearningRateScheduler: the schedule returned ${String(lr)} at epoch ${epoch}${this.updateEvery === 'batch' ? `, batch ${batch}` : ''}; expected a non-negative finite number`,
      );
    }
    return lr;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    const lr = this.rateAt(epoch, 0);
    this.optimizer.learningRate = lr;
    if (this.verbose > 0) {
      console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
    }
  }

  override onBatchBegin(batch: number): void {
    if (this.updateEvery === 'batch') this.optimizer.learningRate = this.rateAt(this.epoch, batch);
  }
}

/**
 * A {@link LearningRateScheduler} callback for `fit({ callbacks })`:
 *
 * ```ts
 * await model.fit(x, y, { epochs: 30, callbacks: [
 *   learningRateScheduler(cosineDecay({ initial: 0.1, epochs: 30 }), { updateEvery: 'batch' }) ] });
 * ```
 */
export function learningRateScheduler(
  schedule: LearningRateSchedule | EpochScheduleFn,
  args: LearningRateSchedulerArgs = {},
): LearningRateScheduler {
  return new LearningRateScheduler(schedule, args);
}
