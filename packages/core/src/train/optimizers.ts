// Optimizers: SGD, momentum (and Nesterov), Adam, AdamW, RMSProp and Adagrad, with the
// formulas of TF.js's tfjs-core optimizers. Each update is one fused kernel call per variable,
// in place on the variable and its slots, so after the first step a step allocates nothing.
import { kernels } from '../backend.js';
import { engine, isTensor, tidy } from '../engine.js';
import { variableGrads } from '../grad.js';
import { fill, scalar, variable } from '../ops/creation.js';
import { sameShape, type Tensor, type Variable } from '../tensor.js';
import { fmt } from '../util.js';

/** A tensor with a name: a gradient for the variable of that name, or a saved optimizer weight. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Gradients keyed by variable name (as `variableGrads` returns them), or a list of them. */
export type NamedGradients = Record<string, Tensor | null | undefined> | NamedTensor[];

/** The per-variable state of an optimizer: the variable and its slot variables. */
interface SlotEntry {
  variable: Variable;
  slots: Variable[];
}

function checkFinite(who: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${who}: ${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function checkRange(
  who: string,
  name: string,
  value: unknown,
  lo: number,
  hi: number,
  hiOpen = true,
): number {
  const v = checkFinite(who, name, value);
  if (v < lo || (hiOpen ? v >= hi : v > hi)) {
    throw new Error(`${who}: ${name} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
  return v;
}

/**
 * The base of every optimizer (as TF.js's `tf.Optimizer`). An optimizer updates variables in
 * place from their gradients; its per-variable state ("slots", such as Adam's moments) lives in
 * non-trainable variables created on the first update of each variable and reused afterwards.
 *
 * ```ts
 * const w = zoo.variable(zoo.zeros([3]));
 * const opt = zoo.train.adam(0.01);
 * for (let i = 0; i < 100; i++) opt.minimize(() => zoo.sum(zoo.square(zoo.sub(w, 1))));
 * ```
 *
 * Subclasses declare their slots with {@link Optimizer.slotNames} / {@link Optimizer.slotInit}
 * and implement {@link Optimizer.updateVariable}.
 */
export abstract class Optimizer {
  /** Number of {@link Optimizer.applyGradients} calls so far (the step count t is this + 1). */
  iterations = 0;
  private lr = 0;
  private readonly state = new Map<number, SlotEntry>();

  /** @param learningRate the step size (may be changed between steps, for schedules). */
  constructor(learningRate: number) {
    this.learningRate = learningRate;
  }

  /** The step size; setting it (e.g. from a schedule) takes effect at the next update. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = checkFinite(this.getClassName(), 'learningRate', value);
  }

  /** Sets the learning rate (as TF.js's `setLearningRate`). */
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }

  /** Name of the optimizer class for serialization (TF.js / Keras names: 'Adam', 'SGD', ...). */
  abstract getClassName(): string;

  /** The constructor arguments, by TF.js's names, such that `fromConfig` rebuilds it. */
  abstract getConfig(): Record<string, unknown>;

  /** Names of the slots kept per variable (saved as `<variable name>/<slot name>`). */
  protected abstract slotNames(): readonly string[];

  /** Initial value of slot `index` (0 unless overridden). */
  protected slotInit(_index: number): number {
    return 0;
  }

  /**
   * Updates `variable` in place from `gradient` (same shape, float32, already checked), with
   * its slots in the order of {@link Optimizer.slotNames}. `step` is t = iterations + 1.
   */
  protected abstract updateVariable(
    variable: Variable,
    gradient: Tensor,
    slots: readonly Variable[],
    step: number,
  ): void;

  /**
   * Applies one update to each named variable from its gradient, then increments
   * {@link Optimizer.iterations}. Variables are looked up by name among the live variables;
   * a null or missing gradient leaves its variable unchanged (as TF.js). Every entry is checked
   * before any variable changes: an unknown name or a gradient whose shape differs from its
   * variable's throws and updates nothing.
   */
  applyGradients(grads: NamedGradients): void {
    const who = `${this.getClassName()}.applyGradients`;
    if (grads === null || typeof grads !== 'object') {
      throw new TypeError(
        `${who}: expected gradients keyed by variable name or a list of {name, tensor}, got ${String(grads)}`,
      );
    }
    const pairs: [Variable, Tensor][] = [];
    const entries: [string, Tensor | null | undefined][] = Array.isArray(grads)
      ? grads.map((e) => [e.name, e.tensor])
      : Object.entries(grads);
    for (const [name, g] of entries) {
      if (g === null || g === undefined) continue;
      const v = engine.variableByName(name);
      if (v === undefined) {
        throw new Error(`${who}: unknown variable '${name}' (no live variable has this name)`);
      }
      if (!isTensor(g)) {
        throw new TypeError(`${who}: the gradient of '${name}' is not a Tensor`);
      }
      g.assertLive(who);
      if (v.dtype !== 'float32' || g.dtype !== 'float32') {
        throw new Error(
          `${who}: variable '${name}' and its gradient must be float32, got ${v.dtype} and ${g.dtype}`,
        );
      }
      if (!sameShape(g.shape, v.shape)) {
        throw new Error(
          `${who}: the gradient of '${name}' has shape ${fmt(g.shape)}, the variable has shape ${fmt(v.shape)}`,
        );
      }
      pairs.push([v, g]);
    }
    const step = this.iterations + 1;
    for (const [v, g] of pairs) this.updateVariable(v, g, this.slotsFor(v), step);
    this.iterations++;
    engine.weightsEpoch++; // inference caches (folded batch norms) must refold
  }

  /**
   * The value of `f` (a scalar) and its gradients with respect to `varList` (by default every
   * trainable variable), keyed by variable name, as `variableGrads`.
   */
  computeGradients(
    f: () => Tensor,
    varList?: readonly Variable[],
  ): { value: Tensor; grads: Record<string, Tensor> } {
    return variableGrads(f, varList);
  }

  /**
   * Computes the gradients of the scalar `f` with respect to `varList` (default: every
   * trainable variable), applies them, and frees them. Returns the value of `f` when
   * `returnCost` is true (the caller disposes it), otherwise null.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const { value, grads } = this.computeGradients(f, varList);
    try {
      this.applyGradients(grads);
    } catch (err) {
      value.dispose();
      throw err;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** The slot variables of `v`, created (once) on first use. */
  private slotsFor(v: Variable): Variable[] {
    const found = this.state.get(v.id);
    if (found !== undefined) return found.slots;
    this.forgetDisposed();
    const names = this.slotNames();
    const slots = names.map((slot, i) =>
      tidy(() => variable(fill(v.shape, this.slotInit(i)), false, `${v.name}/${slot}`)),
    );
    this.state.set(v.id, { variable: v, slots });
    return slots;
  }

  /** Frees the slots of variables that have been disposed since. */
  private forgetDisposed(): void {
    for (const [id, entry] of this.state) {
      if (entry.variable.isDisposed) {
        for (const s of entry.slots) s.dispose();
        this.state.delete(id);
      }
    }
  }

  /**
   * The optimizer's state, as TF.js: first `{ name: 'iter', tensor }` (an int32 scalar the
   * caller disposes), then every slot variable (owned by the optimizer: do not dispose) named
   * `<variable name>/<slot name>`, grouped by slot.
   */
  async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'iter', tensor: scalar(this.iterations, 'int32') }];
    const names = this.slotNames();
    for (let i = 0; i < names.length; i++) {
      for (const entry of this.state.values()) {
        if (!entry.variable.isDisposed)
          out.push({ name: entry.slots[i].name, tensor: entry.slots[i] });
      }
    }
    return out;
  }

  /**
   * Restores state saved by {@link Optimizer.getWeights}: 'iter' sets `iterations`; each
   * `<variable name>/<slot name>` is copied into that slot of the live variable of that name.
   */
  async setWeights(weights: NamedTensor[]): Promise<void> {
    const who = `${this.getClassName()}.setWeights`;
    const names = this.slotNames();
    for (const { name, tensor } of weights) {
      if (name === 'iter') {
        this.iterations = Number(tensor.dataSync()[0]);
        continue;
      }
      const cut = name.lastIndexOf('/');
      const slot = cut < 0 ? -1 : names.indexOf(name.slice(cut + 1));
      if (slot < 0) {
        throw new Error(
          `${who}: weight '${name}' is not a slot of ${this.getClassName()} (expected '<variable>/${names.join("' or '<variable>/")}')`,
        );
      }
      const v = engine.variableByName(name.slice(0, cut));
      if (v === undefined) {
        throw new Error(`${who}: unknown variable '${name.slice(0, cut)}' for weight '${name}'`);
      }
      this.slotsFor(v)[slot].assign(tensor);
    }
  }

  /** Frees every slot variable. The optimizer stays usable (slots are made again on demand). */
  dispose(): void {
    for (const entry of this.state.values()) for (const s of entry.slots) s.dispose();
    this.state.clear();
  }
}

/**
 * Stochastic gradient descent (TF.js `tf.train.sgd`, Keras `SGD` without momentum):
 *
 *     w ← w − lr · g
 */
export class SGDOptimizer extends Optimizer {
  /** The class name used for serialization. */
  static readonly className: string = 'SGD';

  /** Rebuilds an optimizer from {@link Optimizer.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): SGDOptimizer {
    return new SGDOptimizer(config['learningRate'] as number);
  }

  override getClassName(): string {
    return 'SGD';
  }

  override getConfig(): Record<string, unknown> {
    return { learningRate: this.learningRate };
  }

  protected override slotNames(): readonly string[] {
    return [];
  }

  protected override updateVariable(
    v: Variable,
    g: Tensor,
    _slots: readonly Variable[],
    _step: number,
  ): void {
    kernels().sgdStep(v.ptr, g.ptr, v.size, this.learningRate);
  }
}

/**
 * SGD with momentum (TF.js `tf.train.momentum`), with one accumulator `a` per variable
 * (slot `momentum`, starting at 0):
 *
 *     a ← μ · a + g
 *     w ← w − lr · a                 (classical momentum)
 *     w ← w − lr · (g + μ · a)       (Nesterov, with the updated a)
 *
 * For a constant learning rate this equals Keras's `SGD(momentum, nesterov)` (whose velocity
 * is −lr · a); when the learning rate changes between steps, the accumulated gradients are
 * scaled by the new rate (TF.js's behaviour), where Keras keeps the old rates in its velocity.
 */
export class MomentumOptimizer extends SGDOptimizer {
  /** The class name used for serialization. */
  static override readonly className: string = 'Momentum';
  /** The momentum coefficient μ. */
  momentum: number;
  /** Whether the Nesterov variant is used. */
  readonly useNesterov: boolean;

  /** Rebuilds an optimizer from {@link Optimizer.getConfig}'s output. */
  static override fromConfig(config: Record<string, unknown>): MomentumOptimizer {
    return new MomentumOptimizer(
      config['learningRate'] as number,
      config['momentum'] as number,
      (config['useNesterov'] as boolean | undefined) ?? false,
    );
  }

  /**
   * @param learningRate the step size lr.
   * @param momentum the momentum μ, in [0, 1].
   * @param useNesterov use Nesterov momentum.
   */
  constructor(learningRate: number, momentum: number, useNesterov = false) {
    super(learningRate);
    this.momentum = checkRange('Momentum', 'momentum', momentum, 0, 1, false);
    this.useNesterov = Boolean(useNesterov);
  }

  /** Sets the momentum coefficient (as TF.js). */
  setMomentum(momentum: number): void {
    this.momentum = checkRange('Momentum', 'momentum', momentum, 0, 1, false);
  }

  override getClassName(): string {
    return 'Momentum';
  }

  override getConfig(): Record<string, unknown> {
    return {
      learningRate: this.learningRate,
      momentum: this.momentum,
      useNesterov: this.useNesterov,
    };
  }

  protected override slotNames(): readonly string[] {
    return ['momentum'];
  }

  protected override updateVariable(v: Variable, g: Tensor, slots: readonly Variable[]): void {
    kernels().momentumStep(
      v.ptr,
      g.ptr,
      slots[0].ptr,
      v.size,
      this.learningRate,
      this.momentum,
      this.useNesterov ? 1 : 0,
    );
  }
}

/**
 * Adam (TF.js `tf.train.adam`; Kingma & Ba, Algorithm 1), with moments `m` and `v` per
 * variable (slots `m`, `v`, starting at 0). At step t = iterations + 1:
 *
 *     m ← β₁ · m + (1 − β₁) · g
 *     v ← β₂ · v + (1 − β₂) · g²
 *     m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
 *     w ← w − lr · m̂ / (√v̂ + ε)
 *
 * (β₁ᵗ and β₂ᵗ are float32 running products, as TF.js's accBeta1/accBeta2; t resumes from
 * `iterations` after `setWeights`.) Keras's Adam puts ε outside the
 * bias correction instead (w ← w − lr · √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)); the two differ
 * only by the scale of ε.
 */
export class AdamOptimizer extends Optimizer {
  /** The class name used for serialization. */
  static readonly className: string = 'Adam';
  /** Decay of the first moment, β₁. */
  readonly beta1: number;
  /** Decay of the second moment, β₂. */
  readonly beta2: number;
  /** ε, added to √v̂. */
  readonly epsilon: number;
  /** β₁ᵗ and β₂ᵗ in float32 for t = powerStep, kept as products (as TF.js). */
  private beta1Power = 1;
  private beta2Power = 1;
  private powerStep = 0;

  /** Rebuilds an optimizer from {@link Optimizer.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): AdamOptimizer {
    return new AdamOptimizer(
      config['learningRate'] as number,
      config['beta1'] as number,
      config['beta2'] as number,
      config['epsilon'] as number,
    );
  }

  /**
   * @param learningRate the step size lr (default 0.001).
   * @param beta1 β₁ in [0, 1) (default 0.9).
   * @param beta2 β₂ in [0, 1) (default 0.999).
   * @param epsilon ε ≥ 0 (default 1e-7, TF.js's backend epsilon).
   */
  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    super(learningRate);
    const who = this.getClassName();
    this.beta1 = checkRange(who, 'beta1', beta1, 0, 1);
    this.beta2 = checkRange(who, 'beta2', beta2, 0, 1);
    this.epsilon = checkRange(who, 'epsilon', epsilon, 0, Number.MAX_VALUE, false);
  }

  override getClassName(): string {
    return 'Adam';
  }

  override getConfig(): Record<string, unknown> {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }

  protected override slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  /** The decoupled weight decay applied before each step (0 for Adam). */
  protected decay(): number {
    return 0;
  }

  protected override updateVariable(
    v: Variable,
    g: Tensor,
    slots: readonly Variable[],
    step: number,
  ): void {
    if (this.powerStep !== step) {
      if (this.powerStep === step - 1) {
        this.beta1Power = Math.fround(this.beta1Power * Math.fround(this.beta1));
        this.beta2Power = Math.fround(this.beta2Power * Math.fround(this.beta2));
      } else {
        // After setWeights (or a first step): redo the products, so a resumed run is exact.
        let p1 = 1;
        let p2 = 1;
        for (let t = 1; t <= step; t++) {
          p1 = Math.fround(p1 * Math.fround(this.beta1));
          p2 = Math.fround(p2 * Math.fround(this.beta2));
        }
        this.beta1Power = p1;
        this.beta2Power = p2;
      }
      this.powerStep = step;
    }
    const bc1 = 1 - this.beta1Power;
    const bc2 = 1 - this.beta2Power;
    kernels().adamStep(
      v.ptr,
      g.ptr,
      slots[0].ptr,
      slots[1].ptr,
      v.size,
      this.learningRate,
      this.beta1,
      this.beta2,
      this.epsilon,
      bc1,
      bc2,
      this.decay(),
    );
  }
}

/**
 * AdamW (Loshchilov & Hutter; Keras `AdamW`): Adam with decoupled weight decay λ, applied to
 * the weights before the Adam step of {@link AdamOptimizer}:
 *
 *     w ← w − lr · λ · w
 *     (then the Adam update of w)
 *
 * The decay applies to every variable the optimizer updates (Keras's default; pass only the
 * gradients of the variables to decay, or use two optimizers, to exclude biases).
 */
export class AdamWOptimizer extends AdamOptimizer {
  /** The class name used for serialization. */
  static override readonly className: string = 'AdamW';
  /** The weight decay λ. */
  readonly weightDecay: number;

  /** Rebuilds an optimizer from {@link Optimizer.getConfig}'s output. */
  static override fromConfig(config: Record<string, unknown>): AdamWOptimizer {
    return new AdamWOptimizer(
      config['learningRate'] as number,
      config['weightDecay'] as number,
      config['beta1'] as number,
      config['beta2'] as number,
      config['epsilon'] as number,
    );
  }

  /**
   * @param learningRate the step size lr (default 0.001).
   * @param weightDecay λ ≥ 0 (default 0.004, as Keras).
   * @param beta1 β₁ (default 0.9).
   * @param beta2 β₂ (default 0.999).
   * @param epsilon ε (default 1e-7).
   */
  constructor(
    learningRate = 0.001,
    weightDecay = 0.004,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon = 1e-7,
  ) {
    super(learningRate, beta1, beta2, epsilon);
    this.weightDecay = checkRange('AdamW', 'weightDecay', weightDecay, 0, Number.MAX_VALUE, false);
  }

  override getClassName(): string {
    return 'AdamW';
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }

  protected override decay(): number {
    return this.weightDecay;
  }
}

/**
 * RMSProp (TF.js `tf.train.rmsprop`), with slots `rms` (mean square, ms), `momentum` (mom)
 * and, when centered, `mg` (mean gradient), all starting at 0, and decay ρ:
 *
 *     ms  ← ρ · ms + (1 − ρ) · g²
 *     mom ← μ · mom + lr · g / √(ms + ε)
 *     w   ← w − mom
 *
 * Centered (normalising by an estimate of the variance instead of the second moment):
 *
 *     mg  ← ρ · mg + (1 − ρ) · g
 *     mom ← μ · mom + lr · g / √(ms − mg² + ε)
 *
 * The centered denominator is TF's (`ApplyCenteredRMSProp`); TF.js computes √(ms − mg² − ε),
 * which is NaN when a gradient stays 0, so here the two agree except for that sign of ε.
 * With μ = 0 this is Keras's RMSprop with ε inside the square root.
 */
export class RMSPropOptimizer extends Optimizer {
  /** The class name used for serialization. */
  static readonly className: string = 'RMSProp';
  /** The decay ρ of the moving averages. */
  readonly decay: number;
  /** The momentum μ. */
  readonly momentum: number;
  /** ε, added under the square root. */
  readonly epsilon: number;
  /** Whether the centered variant is used. */
  readonly centered: boolean;

  /** Rebuilds an optimizer from {@link Optimizer.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): RMSPropOptimizer {
    return new RMSPropOptimizer(
      config['learningRate'] as number,
      config['decay'] as number,
      config['momentum'] as number,
      config['epsilon'] as number,
      config['centered'] as boolean,
    );
  }

  /**
   * @param learningRate the step size lr.
   * @param decay ρ in [0, 1] (default 0.9).
   * @param momentum μ in [0, 1] (default 0).
   * @param epsilon ε ≥ 0 (default 1e-7).
   * @param centered use the centered variant (default false).
   */
  constructor(learningRate: number, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false) {
    super(learningRate);
    const who = this.getClassName();
    this.decay = checkRange(who, 'decay', decay, 0, 1, false);
    this.momentum = checkRange(who, 'momentum', momentum, 0, 1, false);
    this.epsilon = checkRange(who, 'epsilon', epsilon, 0, Number.MAX_VALUE, false);
    this.centered = Boolean(centered);
  }

  override getClassName(): string {
    return 'RMSProp';
  }

  override getConfig(): Record<string, unknown> {
    return {
      learningRate: this.learningRate,
      decay: this.decay,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    };
  }

  protected override slotNames(): readonly string[] {
    return this.centered ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum'];
  }

  protected override updateVariable(v: Variable, g: Tensor, slots: readonly Variable[]): void {
    kernels().rmspropStep(
      v.ptr,
      g.ptr,
      slots[0].ptr,
      slots[1].ptr,
      this.centered ? slots[2].ptr : 0,
      v.size,
      this.learningRate,
      this.decay,
      this.momentum,
      this.epsilon,
      this.centered ? 1 : 0,
    );
  }
}

/** ε of Adagrad's denominator (TF.js uses its backend epsilon, 1e-7 on CPU). */
const ADAGRAD_EPSILON = 1e-7;

/**
 * Adagrad (TF.js `tf.train.adagrad`), with an accumulator `a` per variable (slot
 * `accumulator`, starting at `initialAccumulatorValue`):
 *
 *     a ← a + g²
 *     w ← w − lr · g / √(a + ε)        (ε = 1e-7)
 */
export class AdagradOptimizer extends Optimizer {
  /** The class name used for serialization. */
  static readonly className: string = 'Adagrad';
  /** Starting value of the accumulators. */
  readonly initialAccumulatorValue: number;

  /** Rebuilds an optimizer from {@link Optimizer.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): AdagradOptimizer {
    return new AdagradOptimizer(
      config['learningRate'] as number,
      config['initialAccumulatorValue'] as number,
    );
  }

  /**
   * @param learningRate the step size lr.
   * @param initialAccumulatorValue starting value of the accumulators, ≥ 0 (default 0.1).
   */
  constructor(learningRate: number, initialAccumulatorValue = 0.1) {
    super(learningRate);
    this.initialAccumulatorValue = checkRange(
      'Adagrad',
      'initialAccumulatorValue',
      initialAccumulatorValue,
      0,
      Number.MAX_VALUE,
      false,
    );
  }

  override getClassName(): string {
    return 'Adagrad';
  }

  override getConfig(): Record<string, unknown> {
    return {
      learningRate: this.learningRate,
      initialAccumulatorValue: this.initialAccumulatorValue,
    };
  }

  protected override slotNames(): readonly string[] {
    return ['accumulator'];
  }

  protected override slotInit(): number {
    return this.initialAccumulatorValue;
  }

  protected override updateVariable(v: Variable, g: Tensor, slots: readonly Variable[]): void {
    kernels().adagradStep(v.ptr, g.ptr, slots[0].ptr, v.size, this.learningRate, ADAGRAD_EPSILON);
  }
}

/** Options of {@link sgd} (Keras's SGD arguments). */
export interface SGDOptions {
  /** Momentum μ; above 0, {@link sgd} returns a {@link MomentumOptimizer} (default 0). */
  momentum?: number;
  /** Nesterov momentum (default false; needs momentum > 0 to matter). */
  nesterov?: boolean;
}

/**
 * SGD: w ← w − lr · g (as `tf.train.sgd`). With `{ momentum }` above 0 (Keras-style), a
 * {@link MomentumOptimizer} instead, Nesterov if `nesterov`.
 */
export function sgd(learningRate: number, options: SGDOptions = {}): SGDOptimizer {
  const m = options.momentum ?? 0;
  checkRange('sgd', 'momentum', m, 0, 1, false);
  if (m > 0) return new MomentumOptimizer(learningRate, m, options.nesterov ?? false);
  return new SGDOptimizer(learningRate);
}

/** SGD with momentum μ (Nesterov if `useNesterov`), as `tf.train.momentum`. */
export function momentum(
  learningRate: number,
  momentum: number,
  useNesterov = false,
): MomentumOptimizer {
  return new MomentumOptimizer(learningRate, momentum, useNesterov);
}

/** Adam, as `tf.train.adam` (ε defaults to 1e-7 as TF.js's). */
export function adam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon = 1e-7,
): AdamOptimizer {
  return new AdamOptimizer(learningRate, beta1, beta2, epsilon);
}

/** AdamW: Adam with decoupled weight decay (Keras's `AdamW` defaults). */
export function adamw(
  learningRate = 0.001,
  weightDecay = 0.004,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon = 1e-7,
): AdamWOptimizer {
  return new AdamWOptimizer(learningRate, weightDecay, beta1, beta2, epsilon);
}

/** RMSProp, as `tf.train.rmsprop`. */
export function rmsprop(
  learningRate: number,
  decay = 0.9,
  momentum = 0,
  epsilon = 1e-7,
  centered = false,
): RMSPropOptimizer {
  return new RMSPropOptimizer(learningRate, decay, momentum, epsilon, centered);
}

/** Adagrad, as `tf.train.adagrad`. */
export function adagrad(learningRate: number, initialAccumulatorValue = 0.1): AdagradOptimizer {
  return new AdagradOptimizer(learningRate, initialAccumulatorValue);
}

/** The optimizer factories, as `tf.train`. */
export const train = { sgd, momentum, adam, adamw, rmsprop, adagrad } as const;

/** Optimizers by the names `compile()` accepts, with TF.js layers' (Keras's) defaults. */
const BY_NAME = new Map<string, () => Optimizer>([
  ['sgd', () => sgd(0.01)],
  ['adam', () => adam(0.001, 0.9, 0.999, 1e-7)],
  ['adamw', () => adamw(0.001, 0.004, 0.9, 0.999, 1e-7)],
  ['rmsprop', () => rmsprop(0.001, 0.9, 0, 1e-7)],
  ['adagrad', () => adagrad(0.01)],
]);

/**
 * Resolves an optimizer identifier as `model.compile({ optimizer })` does: an
 * {@link Optimizer} is returned as is; a name ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad',
 * case-insensitive) gives a new optimizer with the defaults of TF.js layers / Keras (learning
 * rates sgd 0.01, adam 0.001, adamw 0.001, rmsprop 0.001, adagrad 0.01).
 */
export function getOptimizer(identifier: string | Optimizer): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier !== 'string') {
    throw new TypeError(
      `getOptimizer: expected an optimizer name or an Optimizer, got ${typeof identifier}`,
    );
  }
  const make = BY_NAME.get(identifier.toLowerCase());
  if (make === undefined) {
    throw new Error(
      `Unknown optimizer '${identifier}'; expected one of ${[...BY_NAME.keys()]
        .map((k) => `'${k}'`)
        .join(', ')}, or an Optimizer`,
    );
  }
  return make();
}
