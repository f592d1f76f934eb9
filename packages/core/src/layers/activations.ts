// Activation layers with parameters, as Keras's and tfjs-layers's "advanced activations":
// ReLU (maxValue), LeakyReLU (alpha), PReLU (a learnt alpha), ELU (alpha), ThresholdedReLU
// (theta) and Softmax (axis). Each saves and loads under the TF.js class name and config keys.
import { tidy } from '../engine.js';
import { add, greaterEqualMask, minimum, mul } from '../ops/binary.js';
import { transpose } from '../ops/shape.js';
import { softmax } from '../ops/softmax.js';
import { elu, leakyRelu, relu } from '../ops/unary.js';
import type { Tensor, Variable } from '../tensor.js';
import { fmt } from '../util.js';
import { baseArgs } from './core.js';
import {
  getInitializer,
  type Initializer,
  type InitializerIdentifier,
  initializerFromConfig,
  initializerToConfig,
} from './initializers.js';
import {
  firstInput,
  fmtShape,
  getRegularizer,
  Layer,
  type LayerArgs,
  type Regularizer,
  registerLayer,
  regularizerFromConfig,
  type Shape,
} from './layer.js';

function finiteNumber(owner: string, what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new Error(`${owner}: ${what} must be a finite number >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** A layer whose output has its input's shape and mask. */
abstract class ElementwiseLayer extends Layer {
  constructor(args: LayerArgs) {
    super(args);
    this.supportsMasking = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }
}

/** Options of {@link ReLU}. */
export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (none by default). */
  maxValue?: number | null;
}

/** max(x, 0), capped at `maxValue` when given (Keras's `ReLU` layer). */
export class ReLU extends ElementwiseLayer {
  static readonly className = 'ReLU';
  readonly maxValue: number | null;
  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue =
      args.maxValue === undefined || args.maxValue === null
        ? null
        : finiteNumber(this.name, 'maxValue', args.maxValue, 0);
  }
  getClassName(): string {
    return ReLU.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    const max = this.maxValue;
    return max === null ? relu(x) : tidy(() => minimum(relu(x), max));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxValue: this.maxValue };
  }
}

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (default 0.3, as Keras and TF.js's layer). */
  alpha?: number;
}

/** x for x >= 0, alpha * x below (Keras's `LeakyReLU` layer; default alpha 0.3). */
export class LeakyReLU extends ElementwiseLayer {
  static readonly className = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    this.alpha = finiteNumber(this.name, 'alpha', args.alpha ?? 0.3, 0);
  }
  getClassName(): string {
    return LeakyReLU.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(firstInput(inputs), this.alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Options of {@link PReLU}. */
export interface PReLUArgs extends LayerArgs {
  /** Initializer of the learnt slopes (default zeros, so the layer starts as a ReLU). */
  alphaInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the slopes. */
  alphaRegularizer?: Regularizer | 'l1' | 'l2' | 'l1l2' | null;
  /**
   * Axes (1-based, the batch is 0) along which one slope is shared, e.g. `[1, 2]` for one
   * slope per channel of [batch, height, width, channels] images.
   */
  sharedAxes?: number | number[] | null;
}

/**
 * Parametric ReLU: x for x >= 0, alpha * x below, with alpha a weight learnt per element of
 * the input (or per channel with `sharedAxes`), as Keras's `PReLU`.
 */
export class PReLU extends ElementwiseLayer {
  static readonly className = 'PReLU';
  readonly alphaInitializer: Initializer;
  readonly alphaRegularizer: Regularizer | null;
  readonly sharedAxes: number[] | null;
  alpha: Variable | undefined;
  constructor(args: PReLUArgs = {}) {
    super(args);
    this.alphaInitializer = getInitializer(args.alphaInitializer ?? 'zeros', this.name);
    this.alphaRegularizer = getRegularizer(args.alphaRegularizer ?? null, this.name);
    const s = args.sharedAxes;
    this.sharedAxes = s === undefined || s === null ? null : Array.isArray(s) ? [...s] : [s];
    if (this.sharedAxes?.some((a) => !Number.isInteger(a) || a < 1)) {
      throw new Error(
        `${this.name}: sharedAxes are 1-based axes of the input (the batch is 0), got ${JSON.stringify(s)}`,
      );
    }
  }
  getClassName(): string {
    return PReLU.className;
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const param = s.slice(1);
    for (const a of this.sharedAxes ?? []) {
      if (a >= s.length) {
        throw new Error(
          `${this.name}: sharedAxes ${JSON.stringify(this.sharedAxes)} do not fit an input of shape ${fmtShape(s)}`,
        );
      }
      param[a - 1] = 1;
    }
    if (param.some((d) => d === null)) {
      throw new Error(
        `${this.name}: every dimension of the input but the batch must be known (or shared with sharedAxes), got ${fmtShape(s)}`,
      );
    }
    this.alpha = this.addWeight(
      'alpha',
      param as number[],
      this.alphaInitializer,
      this.alphaRegularizer,
    );
    this.built = true;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    const want = this.alpha!.shape;
    if (x.rank !== want.length + 1 || want.some((d, i) => d !== 1 && d !== x.shape[i + 1])) {
      throw new Error(
        `${this.name}: expected input of shape [null,${want.join(',')}] (1 = any), got ${fmt(x.shape)}`,
      );
    }
    return tidy(() => add(relu(x), mul(this.alpha!, minimum(x, 0))));
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alphaInitializer: initializerToConfig(this.alphaInitializer),
      alphaRegularizer: this.alphaRegularizer && {
        class_name: 'L1L2',
        config: this.alphaRegularizer.getConfig(),
      },
      alphaConstraint: null,
      sharedAxes: this.sharedAxes,
    };
  }
}

/** Options of {@link ELU}. */
export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part (default 1). */
  alpha?: number;
}

/**
 * x for x > 0, alpha * (exp(x) - 1) below (Keras's `ELU` layer). TF.js 4.22 loads only
 * alpha 1; Zoo takes any alpha >= 0.
 */
export class ELU extends ElementwiseLayer {
  static readonly className = 'ELU';
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = finiteNumber(this.name, 'alpha', args.alpha ?? 1, 0);
  }
  getClassName(): string {
    return ELU.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return elu(firstInput(inputs), this.alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Options of {@link ThresholdedReLU}. */
export interface ThresholdedReLUArgs extends LayerArgs {
  /** Threshold (default 1). */
  theta?: number;
}

/** x where x > theta, 0 elsewhere (Keras's `ThresholdedReLU`). */
export class ThresholdedReLU extends ElementwiseLayer {
  static readonly className = 'ThresholdedReLU';
  readonly theta: number;
  constructor(args: ThresholdedReLUArgs = {}) {
    super(args);
    this.theta = finiteNumber(this.name, 'theta', args.theta ?? 1, 0);
  }
  getClassName(): string {
    return ThresholdedReLU.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    return tidy(() => mul(x, greaterEqualMask(x, this.theta, true)));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), theta: this.theta };
  }
}

/** Options of {@link Softmax}. */
export interface SoftmaxArgs extends LayerArgs {
  /** The axis normalised over (default -1, the last, as Keras). */
  axis?: number;
}

/**
 * Softmax over one axis (Keras's `Softmax` layer). Any axis works; TF.js's default axis is
 * 1 and its softmax takes only the last axis, so a saved `axis: -1` is the portable choice.
 */
export class Softmax extends ElementwiseLayer {
  static readonly className = 'Softmax';
  readonly axis: number;
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) {
      throw new Error(`${this.name}: axis must be an integer, got ${JSON.stringify(args.axis)}`);
    }
    this.axis = axis;
  }
  getClassName(): string {
    return Softmax.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    const axis = this.axis < 0 ? this.axis + x.rank : this.axis;
    if (axis < 1 || axis >= x.rank) {
      throw new Error(
        `${this.name}: axis ${this.axis} is not a non-batch axis of an input of shape ${fmt(x.shape)}`,
      );
    }
    if (axis === x.rank - 1) return softmax(x, -1);
    // Move the axis last, normalise, move it back (the swap is its own inverse).
    const perm = x.shape.map((_, i) => i);
    perm[axis] = x.rank - 1;
    perm[x.rank - 1] = axis;
    return tidy(() => transpose(softmax(transpose(x, perm), -1), perm));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

let registered = false;

/** Registers the activation layers for deserialization (idempotent). @internal */
export function registerActivationLayers(): void {
  if (registered) return;
  registered = true;
  const num = (v: unknown) => (v === null || v === undefined ? undefined : (v as number));
  registerLayer('ReLU', (c) => {
    // Keras's ReLU also takes negative_slope and threshold; TF.js's has neither.
    for (const k of ['negativeSlope', 'threshold'] as const) {
      if (c[k] !== undefined && c[k] !== null && c[k] !== 0) {
        throw new Error(
          `${String(c.name)}: ReLU with ${k === 'negativeSlope' ? 'negative_slope' : 'threshold'} ${String(c[k])} is not supported (only maxValue); use LeakyReLU for a slope`,
        );
      }
    }
    return new ReLU({ ...baseArgs(c), maxValue: num(c.maxValue) ?? null });
  });
  // Keras 3 saves LeakyReLU's slope as negative_slope.
  registerLayer(
    'LeakyReLU',
    (c) => new LeakyReLU({ ...baseArgs(c), alpha: num(c.alpha) ?? num(c.negativeSlope) }),
  );
  registerLayer('ELU', (c) => new ELU({ ...baseArgs(c), alpha: num(c.alpha) }));
  registerLayer(
    'ThresholdedReLU',
    (c) => new ThresholdedReLU({ ...baseArgs(c), theta: num(c.theta) }),
  );
  registerLayer('Softmax', (c) => {
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis;
    return new Softmax({ ...baseArgs(c), axis: num(axis) });
  });
  registerLayer(
    'PReLU',
    (c) =>
      new PReLU({
        ...baseArgs(c),
        alphaInitializer:
          c.alphaInitializer === undefined || c.alphaInitializer === null
            ? undefined
            : initializerFromConfig(c.alphaInitializer, String(c.name)),
        alphaRegularizer: regularizerFromConfig(c.alphaRegularizer),
        sharedAxes: (c.sharedAxes as number | number[] | null | undefined) ?? null,
      }),
  );
}

/** A ReLU layer (see {@link ReLU}). */
export const reLU = (args: ReLUArgs = {}): ReLU => new ReLU(args);
/** A LeakyReLU layer (see {@link LeakyReLU}). */
export const leakyReLU = (args: LeakyReLUArgs = {}): LeakyReLU => new LeakyReLU(args);
/** A PReLU layer (see {@link PReLU}). */
export const prelu = (args: PReLUArgs = {}): PReLU => new PReLU(args);
/** An ELU layer (see {@link ELU}). */
export const eluLayer = (args: ELUArgs = {}): ELU => new ELU(args);
/** A ThresholdedReLU layer (see {@link ThresholdedReLU}). */
export const thresholdedReLU = (args: ThresholdedReLUArgs = {}): ThresholdedReLU =>
  new ThresholdedReLU(args);
/** A Softmax layer (see {@link Softmax}). */
export const softmaxLayer = (args: SoftmaxArgs = {}): Softmax => new Softmax(args);
