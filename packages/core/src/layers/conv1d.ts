// One-dimensional convolution and pooling over [batch, steps, channels] sequences (text,
// signals), as Keras's Conv1D, MaxPooling1D and AveragePooling1D. Each runs the 2-D kernels on
// a [batch, 1, steps, channels] view, so it gets their SIMD code and fused bias + activation.
import { tidy } from '../engine.js';
import { avgPool, fusedConv2d, maxPool } from '../ops/conv.js';
import { pad, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import {
  BaseConv,
  type BaseConvArgs,
  baseConvArgs,
  checkFormat,
  checkPadding,
  outLength,
} from './conv.js';
import { baseArgs } from './core.js';
import {
  type CallArgs,
  firstInput,
  fmtShape,
  Layer,
  type LayerArgs,
  registerLayer,
  type Shape,
} from './layer.js';

/** A positive integer given as n or [n] (as TF.js saves it). */
function single(owner: string, what: string, v: unknown, dflt: number): number {
  const n = v === undefined || v === null ? dflt : Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!Number.isInteger(n) || (n as number) < 1) {
    throw new Error(
      `${owner}: ${what} must be a positive integer (or [n]), got ${JSON.stringify(v)}`,
    );
  }
  return n as number;
}

/** Checks a rank-3 [batch, steps, channels] input and returns its shape. */
function sequence(owner: string, shape: readonly (number | null)[]): (number | null)[] {
  if (shape.length !== 3) {
    throw new Error(
      `${owner}: expected input of rank 3 [batch, steps, channels], got ${fmtShape(shape as Shape)}`,
    );
  }
  return shape.slice();
}

/** Options of {@link Conv1D}. */
export interface Conv1DArgs extends BaseConvArgs {
  /** Window length: n or [n]. */
  kernelSize: number | [number];
  strides?: number | [number];
  /** 'causal' pads only the start, so step t sees steps <= t (as Keras). */
  padding?: 'same' | 'valid' | 'causal';
  dilationRate?: number | [number];
}

/**
 * 1-D convolution over [batch, steps, channels] with a [kernelSize, channels, filters] kernel
 * (Keras's `Conv1D`); bias and activation run fused with the convolution.
 */
export class Conv1D extends BaseConv {
  static readonly className = 'Conv1D';
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid' | 'causal';
  readonly dilationRate: number;

  constructor(args: Conv1DArgs) {
    super(args);
    this.kernelSize = single(this.name, 'kernelSize', args.kernelSize, 1);
    this.strides = single(this.name, 'strides', args.strides, 1);
    this.dilationRate = single(this.name, 'dilationRate', args.dilationRate, 1);
    const padding = args.padding ?? 'valid';
    if (padding !== 'same' && padding !== 'valid' && padding !== 'causal') {
      throw new Error(
        `${this.name}: padding must be 'same', 'valid' or 'causal', got '${String(args.padding)}'`,
      );
    }
    this.padding = padding;
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new Error(
        `${this.name}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras)`,
      );
    }
  }

  getClassName(): string {
    return Conv1D.className;
  }

  /** Zeros added before the first step ('causal' only). */
  private get causalPad(): number {
    return this.padding === 'causal' ? (this.kernelSize - 1) * this.dilationRate : 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = sequence(this.name, inputShape as Shape);
    const c = s[2];
    if (c === null) {
      throw new Error(
        `${this.name}: the channel dimension of the input must be known, got ${fmtShape(s)}`,
      );
    }
    this.computeOutputShape(s); // validates that the window fits
    this.addKernelAndBias([this.kernelSize, c, this.filters]);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = sequence(this.name, inputShape as Shape);
    const len = s[1] === null ? null : s[1] + this.causalPad;
    const p = this.padding === 'causal' ? 'valid' : this.padding;
    const out = outLength(len, this.kernelSize, this.strides, this.dilationRate, p);
    if (out !== null && out < 1) {
      throw new Error(
        `${this.name}: the kernel of ${this.kernelSize} steps is longer than the input ${fmtShape(s)} with padding '${this.padding}'`,
      );
    }
    return [s[0], out, this.filters];
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = firstInput(inputs);
    if (x.rank !== 3 || x.shape[2] !== this.inChannels) {
      throw new Error(
        `${this.name}: expected input of shape [batch, steps, ${this.inChannels}], got ${fmt(x.shape)}`,
      );
    }
    this.computeOutputShape(x.shape as Shape);
    const k = this.kernel!;
    return tidy(() => {
      const xp =
        this.causalPad > 0
          ? pad(x, [
              [0, 0],
              [this.causalPad, 0],
              [0, 0],
            ])
          : x;
      const [b, steps, c] = xp.shape;
      const image = reshape(xp, [b, 1, steps, c]);
      return this.withActivation(args, (activation) => {
        const y = fusedConv2d({
          x: image,
          filter: reshape(k, [1, ...k.shape]),
          strides: [1, this.strides],
          pad: this.padding === 'causal' ? 'valid' : this.padding,
          dilations: [1, this.dilationRate],
          bias: this.bias,
          activation,
        });
        return reshape(y, [b, y.shape[2], this.filters]);
      });
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: [this.dilationRate],
      ...this.activationConfig(),
    };
  }

  /** Rebuilds a Conv1D layer from its (camelCase) config. */
  static fromConfig(c: Record<string, unknown>): Conv1D {
    return new Conv1D({
      ...baseConvArgs(c),
      kernelSize: c.kernelSize as [number],
      strides: (c.strides as [number]) ?? undefined,
      padding: (c.padding as 'same' | 'valid' | 'causal') ?? 'valid',
      dilationRate: (c.dilationRate as [number]) ?? undefined,
    });
  }
}

/** Options of {@link MaxPooling1D} and {@link AveragePooling1D}. */
export interface Pooling1DArgs extends LayerArgs {
  /** Window length: n or [n] (default 2). */
  poolSize?: number | [number];
  /** Step: n or [n] (default: the pool size). */
  strides?: number | [number];
  padding?: 'same' | 'valid';
  dataFormat?: 'channelsLast';
}

abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  constructor(args: Pooling1DArgs) {
    super(args);
    checkFormat(this.name, args.dataFormat);
    this.poolSize = single(this.name, 'poolSize', args.poolSize, 2);
    this.strides = single(this.name, 'strides', args.strides, this.poolSize);
    this.padding = checkPadding(this.name, args.padding);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = sequence(this.name, inputShape as Shape);
    const out = outLength(s[1], this.poolSize, this.strides, 1, this.padding);
    if (out !== null && out < 1) {
      throw new Error(
        `${this.name}: the pooling window of ${this.poolSize} steps does not fit the input ${fmtShape(s)}`,
      );
    }
    return [s[0], out, s[2]];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  protected pool(inputs: Tensor | Tensor[], op: typeof maxPool): Tensor {
    const x = firstInput(inputs);
    sequence(this.name, x.shape);
    this.computeOutputShape(x.shape as Shape);
    const [b, steps, c] = x.shape;
    return tidy(() => {
      const y = op(
        reshape(x, [b, 1, steps, c]),
        [1, this.poolSize],
        [1, this.strides],
        this.padding,
      );
      return reshape(y, [b, y.shape[2], c]);
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      poolSize: [this.poolSize],
      padding: this.padding,
      strides: [this.strides],
      dataFormat: 'channelsLast',
    };
  }
}

/** Maximum over windows of steps: [batch, steps, channels] -> [batch, steps', channels]. */
export class MaxPooling1D extends Pooling1D {
  static readonly className = 'MaxPooling1D';
  getClassName(): string {
    return MaxPooling1D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.pool(inputs, maxPool);
  }
}

/**
 * Mean over windows of steps. With 'same' padding the border windows divide by the steps they
 * cover, as Keras and TF.js.
 */
export class AveragePooling1D extends Pooling1D {
  static readonly className = 'AveragePooling1D';
  getClassName(): string {
    return AveragePooling1D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.pool(inputs, avgPool);
  }
}

let registered = false;

/** Registers Conv1D and the 1-D poolings for deserialization (idempotent). @internal */
export function registerConv1dLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer('Conv1D', (c) => Conv1D.fromConfig(c));
  const pool = (c: Record<string, unknown>): Pooling1DArgs => ({
    ...baseArgs(c),
    poolSize: c.poolSize as [number],
    strides: (c.strides as [number] | null) ?? undefined,
    padding: (c.padding as 'same' | 'valid') ?? 'valid',
    dataFormat: c.dataFormat as 'channelsLast',
  });
  registerLayer('MaxPooling1D', (c) => new MaxPooling1D(pool(c)));
  registerLayer('AveragePooling1D', (c) => new AveragePooling1D(pool(c)));
}

/** A Conv1D layer (see {@link Conv1D}). */
export const conv1d = (args: Conv1DArgs): Conv1D => new Conv1D(args);
/** A MaxPooling1D layer (see {@link MaxPooling1D}). */
export const maxPooling1d = (args: Pooling1DArgs = {}): MaxPooling1D => new MaxPooling1D(args);
/** An AveragePooling1D layer (see {@link AveragePooling1D}). */
export const averagePooling1d = (args: Pooling1DArgs = {}): AveragePooling1D =>
  new AveragePooling1D(args);
