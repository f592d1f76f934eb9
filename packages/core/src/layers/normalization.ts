// Batch normalization, with Keras / tfjs-layers semantics, over the last (channels) axis.
import { batchNorm, batchNormTraining, movingAverageUpdate } from '../ops/batchnorm.js';
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
  type CallArgs,
  fmtShape,
  getRegularizer,
  Layer,
  type LayerArgs,
  type Regularizer,
  registerLayer,
  regularizerFromConfig,
  type Shape,
  weightsChanged,
} from './layer.js';

/** Options of {@link BatchNormalization} (Keras / tfjs-layers names and defaults). */
export interface BatchNormalizationArgs extends LayerArgs {
  /** The feature axis; only the last axis (-1, the default, or rank - 1) is supported. */
  axis?: number | number[];
  /** Momentum of the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Whether to add the learned offset beta (default true). */
  center?: boolean;
  /** Whether to multiply by the learned scale gamma (default true). */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerIdentifier | Initializer;
  /** Default 'ones'. */
  gammaInitializer?: InitializerIdentifier | Initializer;
  /** Default 'zeros'. */
  movingMeanInitializer?: InitializerIdentifier | Initializer;
  /** Default 'ones'. */
  movingVarianceInitializer?: InitializerIdentifier | Initializer;
  betaRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  gammaRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  /** Not supported: must be null / absent. */
  betaConstraint?: null;
  /** Not supported: must be null / absent. */
  gammaConstraint?: null;
}

/**
 * Batch normalization (Ioffe & Szegedy 2015) over the last axis, as Keras / tfjs-layers.
 *
 * - Training (`fit`, or `apply(x, { training: true })`): normalises with the batch's mean and
 *   biased variance over every axis but the last, `y = (x - mean) / sqrt(var + epsilon) *
 *   gamma + beta`, and moves the statistics `moving = moving * momentum + batch * (1 -
 *   momentum)`. As tfjs-layers 4.x (and Keras 3), the moving variance is updated with the
 *   *biased* batch variance (tf.keras 2's fused kernel used the unbiased one, M / (M - 1)
 *   times larger). The update is done in place, outside any gradient tape.
 * - Inference (`predict`, `evaluate`): uses the moving statistics.
 * - As in Keras (TF 2), a layer with `trainable = false` always runs in inference mode, so a
 *   frozen network keeps its statistics while fine-tuning.
 *
 * Weights, in Keras order: gamma, beta (trainable; absent when `scale` / `center` is false),
 * moving_mean, moving_variance (non-trainable).
 */
export class BatchNormalization extends Layer {
  static readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | undefined;
  beta: Variable | undefined;
  movingMean: Variable | undefined;
  movingVariance: Variable | undefined;
  private channels = 0;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.supportsMasking = true;
    let axis = args.axis ?? -1;
    if (Array.isArray(axis)) {
      if (axis.length !== 1) {
        throw new Error(
          `${this.name}: only one feature axis (the last) is supported, got axis ${JSON.stringify(axis)}`,
        );
      }
      axis = axis[0];
    }
    if (!Number.isInteger(axis)) {
      throw new Error(`${this.name}: axis must be an integer, got ${JSON.stringify(args.axis)}`);
    }
    this.axis = axis as number;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`${this.name}: momentum must be in [0, 1], got ${String(args.momentum)}`);
    }
    if (!(this.epsilon >= 0)) {
      throw new Error(`${this.name}: epsilon must be >= 0, got ${String(args.epsilon)}`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros', this.name);
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones', this.name);
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros', this.name);
    this.movingVarianceInitializer = getInitializer(
      args.movingVarianceInitializer ?? 'ones',
      this.name,
    );
    this.betaRegularizer = getRegularizer(args.betaRegularizer, this.name);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, this.name);
    for (const k of ['betaConstraint', 'gammaConstraint'] as const) {
      if (args[k] !== undefined && args[k] !== null) {
        throw new Error(`${this.name}: ${k} is not supported, got ${JSON.stringify(args[k])}`);
      }
    }
  }

  getClassName(): string {
    return BatchNormalization.className;
  }

  private checkAxis(shape: readonly (number | null)[]): number {
    const rank = shape.length;
    if (rank < 2) {
      throw new Error(
        `${this.name}: expected input of rank >= 2 [batch, ..., channels], got ${fmtShape(shape as Shape)}`,
      );
    }
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a !== rank - 1) {
      throw new Error(
        `${this.name}: only the last axis (channels-last, axis -1 or ${rank - 1}) is supported, got axis ${this.axis} for input ${fmtShape(shape as Shape)}`,
      );
    }
    return a;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (Array.isArray(inputShape[0])) {
      throw new Error(`${this.name}: expects one input, got ${inputShape.length}`);
    }
    const shape = inputShape as Shape;
    const a = this.checkAxis(shape);
    const c = shape[a];
    if (c === null) {
      throw new Error(
        `${this.name}: the channel (last) dimension must be known, got ${fmtShape(shape)}`,
      );
    }
    this.channels = c;
    if (this.scale)
      this.gamma = this.addWeight('gamma', [c], this.gammaInitializer, this.gammaRegularizer);
    if (this.center)
      this.beta = this.addWeight('beta', [c], this.betaInitializer, this.betaRegularizer);
    this.movingMean = this.addWeight('moving_mean', [c], this.movingMeanInitializer, null, false);
    this.movingVariance = this.addWeight(
      'moving_variance',
      [c],
      this.movingVarianceInitializer,
      null,
      false,
    );
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    this.checkAxis(inputShape as Shape);
    return inputShape;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    if (Array.isArray(inputs) && inputs.length !== 1) {
      throw new Error(`${this.name}: expects one input, got ${inputs.length}`);
    }
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.channels) {
      throw new Error(
        `${this.name}: expected input of shape [batch, ..., ${this.channels}], got ${fmt(x.shape)}`,
      );
    }
    if (args.training && this.trainable) return this.trainingCall(x, false);
    return batchNorm(
      x,
      this.movingMean!,
      this.movingVariance!,
      this.beta ?? null,
      this.gamma ?? null,
      this.epsilon,
    );
  }

  /** Training mode: batch statistics, moving statistics updated (then relu when `relu`). */
  private trainingCall(x: Tensor, relu: boolean): Tensor {
    const { y, mean, variance } = batchNormTraining(
      x,
      this.gamma ?? null,
      this.beta ?? null,
      this.epsilon,
      relu,
    );
    movingAverageUpdate(this.movingMean!, mean, this.momentum);
    movingAverageUpdate(this.movingVariance!, variance, this.momentum);
    weightsChanged();
    mean.dispose();
    variance.dispose();
    return y;
  }

  /**
   * relu(call(x, { training: true })) in the batch norm's own passes (the relu's forward and
   * backward fused into them): a model runs a BatchNormalization whose output only feeds an
   * Activation('relu') this way when training. Null (nothing done) when the layer would not
   * run in training mode (`trainable` false) or x does not fit. @internal
   */
  callTrainingRelu(x: Tensor): Tensor | null {
    if (!this.trainable || x.rank < 2 || x.shape[x.rank - 1] !== this.channels) return null;
    return this.trainingCall(x, true);
  }

  override getConfig(): Record<string, unknown> {
    const reg = (r: Regularizer | null) =>
      r === null ? null : { class_name: r.className, config: r.getConfig() };
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initializerToConfig(this.betaInitializer),
      gammaInitializer: initializerToConfig(this.gammaInitializer),
      movingMeanInitializer: initializerToConfig(this.movingMeanInitializer),
      movingVarianceInitializer: initializerToConfig(this.movingVarianceInitializer),
      betaRegularizer: reg(this.betaRegularizer),
      gammaRegularizer: reg(this.gammaRegularizer),
      betaConstraint: null,
      gammaConstraint: null,
    };
  }

  /** Rebuilds the layer from its (camelCase) config, as saved by Zoo, tfjs-layers or Keras. */
  static fromConfig(c: Record<string, unknown>): BatchNormalization {
    const owner = String(c.name);
    const init = (v: unknown, dflt: string) =>
      v === undefined || v === null ? getInitializer(dflt, owner) : initializerFromConfig(v, owner);
    return new BatchNormalization({
      ...baseArgs(c),
      axis: (c.axis as number | number[] | undefined) ?? -1,
      momentum: (c.momentum as number | undefined) ?? 0.99,
      epsilon: (c.epsilon as number | undefined) ?? 1e-3,
      center: (c.center as boolean | undefined) ?? true,
      scale: (c.scale as boolean | undefined) ?? true,
      betaInitializer: init(c.betaInitializer, 'zeros'),
      gammaInitializer: init(c.gammaInitializer, 'ones'),
      movingMeanInitializer: init(c.movingMeanInitializer, 'zeros'),
      movingVarianceInitializer: init(c.movingVarianceInitializer, 'ones'),
      betaRegularizer: regularizerFromConfig(c.betaRegularizer) ?? undefined,
      gammaRegularizer: regularizerFromConfig(c.gammaRegularizer) ?? undefined,
      betaConstraint: (c.betaConstraint as null | undefined) ?? null,
      gammaConstraint: (c.gammaConstraint as null | undefined) ?? null,
    });
  }
}

let registered = false;

/** Registers BatchNormalization for deserialization (idempotent). @internal */
export function registerNormalizationLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer('BatchNormalization', (c) => BatchNormalization.fromConfig(c));
}

/** A batch normalization layer (see {@link BatchNormalization}). */
export const batchNormalization = (args: BatchNormalizationArgs = {}): BatchNormalization =>
  new BatchNormalization(args);
