// Convolutional layers, channels-last (NHWC) as Keras and TF.js.
import { avgPool, fusedConv2d, maxPool, type Padding, WinogradCache } from '../ops/conv.js';
import { max, mean } from '../ops/reduce.js';
import { pad, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import {
  type ActivationIdentifier,
  activate,
  baseArgs,
  FUSED_ACTIVATIONS,
  getActivation,
  kernelBiasArgs,
  kernelBiasConfig,
} from './core.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import {
  type CallArgs,
  fmtShape,
  getRegularizer,
  Layer,
  type LayerArgs,
  type Regularizer,
  registerLayer,
  type Shape,
} from './layer.js';

type Pair = [number, number];

function pairArg(
  owner: string,
  what: string,
  v: number | readonly number[] | undefined,
  dflt: number,
): Pair {
  const p: number[] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(
      `${owner}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p as Pair;
}

/** Refuses any data format but channels-last. @internal */
export function checkFormat(owner: string, f: unknown): void {
  if (f !== undefined && f !== null && f !== 'channelsLast' && f !== 'channels_last') {
    throw new Error(
      `${owner}: only dataFormat 'channelsLast' (NHWC) is supported, got '${String(f)}'`,
    );
  }
}

/** 'same' or 'valid' (default), else an error naming the layer. @internal */
export function checkPadding(owner: string, p: unknown): 'same' | 'valid' {
  const v = p ?? 'valid';
  if (v !== 'same' && v !== 'valid')
    throw new Error(`${owner}: padding must be 'same' or 'valid', got '${String(p)}'`);
  return v;
}

/** Output length of one spatial axis, as TF computes it (null stays null). @internal */
export function outLength(
  len: number | null,
  k: number,
  stride: number,
  dilation: number,
  padding: 'same' | 'valid',
): number | null {
  if (len === null) return null;
  const ek = (k - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(len / stride) : Math.floor((len - ek) / stride) + 1;
}

/** Checks a rank-4 NHWC input (symbolic or concrete) and returns its shape. */
function image(owner: string, shape: readonly (number | null)[]): (number | null)[] {
  if (shape.length !== 4) {
    throw new Error(
      `${owner}: expected input of rank 4 [batch, height, width, channels], got ${fmtShape(shape as Shape)}`,
    );
  }
  return shape.slice();
}

/** Options every convolution takes ({@link Conv1D}, {@link Conv2D}). */
export interface BaseConvArgs extends LayerArgs {
  /** Number of output channels. */
  filters: number;
  dataFormat?: 'channelsLast';
  activation?: ActivationIdentifier | (string & {});
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier | Initializer;
  biasInitializer?: InitializerIdentifier | Initializer;
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  biasRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** Options of {@link Conv2D}. */
export interface Conv2DArgs extends BaseConvArgs {
  /** Window size: a number or [height, width]. */
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'same' | 'valid';
  dilationRate?: number | [number, number];
}

/**
 * What the convolutions share: filters, the kernel and bias weights with their initializers
 * and regularizers, an activation fused into the kernel's epilogue where it can be, and those
 * entries of the config. @internal
 */
export abstract class BaseConv extends Layer {
  readonly filters: number;
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Tensor | undefined;
  bias: Tensor | undefined;
  /** Input channels, known once built. */
  protected inChannels = 0;

  constructor(args: BaseConvArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new Error(
        `${this.name}: filters must be a positive integer, got ${String(args.filters)}`,
      );
    }
    checkFormat(this.name, args.dataFormat);
    this.filters = args.filters;
    this.activation = getActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', this.name);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', this.name);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, this.name);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, this.name);
  }

  /** Creates the kernel (of `shape`, whose second-to-last entry is the input channels) and bias. */
  protected addKernelAndBias(shape: number[]): void {
    this.inChannels = shape[shape.length - 2];
    this.kernel = this.addWeight('kernel', shape, this.kernelInitializer, this.kernelRegularizer);
    if (this.useBias) {
      this.bias = this.addWeight(
        'bias',
        [this.filters],
        this.biasInitializer,
        this.biasRegularizer,
      );
    }
  }

  /**
   * Runs `conv` with the activation it can fuse ('linear' otherwise) and applies the rest
   * after it.
   */
  protected withActivation(args: CallArgs, conv: (fused: 'linear') => Tensor): Tensor {
    const act = args.skipActivation ? 'linear' : this.activation;
    const fused = FUSED_ACTIVATIONS.has(act);
    const y = conv(fused ? (act as 'linear') : 'linear');
    if (fused) return y;
    const out = activate(y, act);
    y.dispose(); // the pre-activation (a tape holding it keeps it alive for the backward pass)
    return out;
  }

  /** The config entries after the window's: activation, bias, initializers, regularizers. */
  protected activationConfig(): Record<string, unknown> {
    return { activation: this.activation, useBias: this.useBias, ...kernelBiasConfig(this) };
  }
}

/** The {@link BaseConvArgs} of a saved (camelCase) config. @internal */
export function baseConvArgs(c: Record<string, unknown>): BaseConvArgs {
  return {
    ...baseArgs(c),
    dataFormat: c.dataFormat as 'channelsLast',
    filters: c.filters as number,
    activation: (c.activation as string) ?? 'linear',
    useBias: (c.useBias as boolean) ?? true,
    ...kernelBiasArgs(c),
  };
}

/**
 * 2-D convolution over NHWC images with a [kh, kw, inChannels, filters] kernel; bias and
 * activation run fused with the convolution's GEMM.
 */
export class Conv2D extends BaseConv {
  static readonly className = 'Conv2D';
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: 'same' | 'valid';
  readonly dilationRate: Pair;
  /** The kernel's Winograd transform, reused across inference calls (see fusedConv2d). */
  private readonly winograd = new WinogradCache();

  constructor(args: Conv2DArgs) {
    super(args);
    this.kernelSize = pairArg(this.name, 'kernelSize', args.kernelSize, 1);
    this.strides = pairArg(this.name, 'strides', args.strides, 1);
    this.dilationRate = pairArg(this.name, 'dilationRate', args.dilationRate, 1);
    this.padding = checkPadding(this.name, args.padding);
    if (
      (this.strides[0] > 1 || this.strides[1] > 1) &&
      (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)
    ) {
      throw new Error(
        `${this.name}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras)`,
      );
    }
  }

  getClassName(): string {
    return Conv2D.className;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = image(this.name, inputShape as Shape);
    const c = s[3];
    if (c === null)
      throw new Error(
        `${this.name}: the channel dimension of the input must be known, got ${fmtShape(s)}`,
      );
    this.computeOutputShape(s); // validates that the window fits
    this.addKernelAndBias([this.kernelSize[0], this.kernelSize[1], c, this.filters]);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = image(this.name, inputShape as Shape);
    const oh = outLength(
      s[1],
      this.kernelSize[0],
      this.strides[0],
      this.dilationRate[0],
      this.padding,
    );
    const ow = outLength(
      s[2],
      this.kernelSize[1],
      this.strides[1],
      this.dilationRate[1],
      this.padding,
    );
    if ((oh !== null && oh < 1) || (ow !== null && ow < 1)) {
      throw new Error(
        `${this.name}: the ${this.kernelSize[0]}x${this.kernelSize[1]} kernel is larger than the input ${fmtShape(s)} with padding '${this.padding}'`,
      );
    }
    return [s[0], oh, ow, this.filters];
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(
        `${this.name}: expected input of shape [batch, height, width, ${this.inChannels}], got ${fmt(x.shape)}`,
      );
    }
    this.computeOutputShape(x.shape as Shape); // the window must fit images of unknown size too
    return this.withActivation(args, (activation) =>
      fusedConv2d({
        x,
        filter: this.kernel!,
        strides: this.strides,
        pad: this.padding,
        dilations: this.dilationRate,
        bias: this.bias,
        activation,
        winogradCache: this.winograd,
      }),
    );
  }

  override dispose(): void {
    this.winograd.dispose();
    super.dispose();
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: this.dilationRate,
      ...this.activationConfig(),
    };
  }

  /** Rebuilds a Conv2D layer from its (camelCase) config. */
  static fromConfig(c: Record<string, unknown>): Conv2D {
    return new Conv2D({
      ...baseConvArgs(c),
      kernelSize: c.kernelSize as [number, number],
      strides: (c.strides as [number, number]) ?? undefined,
      padding: (c.padding as 'same' | 'valid') ?? 'valid',
      dilationRate: (c.dilationRate as [number, number]) ?? undefined,
    });
  }
}

/** Options of {@link MaxPooling2D} and {@link AveragePooling2D}. */
export interface Pooling2DArgs extends LayerArgs {
  /** Window: a number or [height, width] (default [2, 2]). */
  poolSize?: number | [number, number];
  /** Step (default: the pool size). */
  strides?: number | [number, number];
  padding?: 'same' | 'valid';
  dataFormat?: 'channelsLast';
}

abstract class Pooling2D extends Layer {
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: 'same' | 'valid';
  constructor(args: Pooling2DArgs) {
    super(args);
    checkFormat(this.name, args.dataFormat);
    this.poolSize = pairArg(this.name, 'poolSize', args.poolSize, 2);
    this.strides =
      args.strides === undefined || args.strides === null
        ? this.poolSize
        : pairArg(this.name, 'strides', args.strides, 1);
    this.padding = checkPadding(this.name, args.padding);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = image(this.name, inputShape as Shape);
    const oh = outLength(s[1], this.poolSize[0], this.strides[0], 1, this.padding);
    const ow = outLength(s[2], this.poolSize[1], this.strides[1], 1, this.padding);
    if ((oh !== null && oh < 1) || (ow !== null && ow < 1)) {
      throw new Error(
        `${this.name}: the ${this.poolSize[0]}x${this.poolSize[1]} pooling window does not fit the input ${fmtShape(s)}`,
      );
    }
    return [s[0], oh, ow, s[3]];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  protected pool(x: Tensor, op: (x: Tensor, f: Pair, s: Pair, p: Padding) => Tensor): Tensor {
    if (x.rank !== 4)
      throw new Error(
        `${this.name}: expected input of rank 4 [batch, height, width, channels], got ${fmt(x.shape)}`,
      );
    this.computeOutputShape(x.shape as Shape);
    return op(x, this.poolSize, this.strides, this.padding);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      padding: this.padding,
      strides: this.strides,
      dataFormat: 'channelsLast',
    };
  }
}

/** Max pooling over windows of each channel. */
export class MaxPooling2D extends Pooling2D {
  static readonly className = 'MaxPooling2D';
  getClassName(): string {
    return MaxPooling2D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.pool(Array.isArray(inputs) ? inputs[0] : inputs, maxPool);
  }
}

/** Average pooling over windows of each channel ('same' borders average their real cells). */
export class AveragePooling2D extends Pooling2D {
  static readonly className = 'AveragePooling2D';
  getClassName(): string {
    return AveragePooling2D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.pool(Array.isArray(inputs) ? inputs[0] : inputs, avgPool);
  }
}

/** Options of the global pooling layers. */
export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: 'channelsLast';
}

abstract class GlobalPooling2D extends Layer {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
    checkFormat(this.name, args.dataFormat);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = image(this.name, inputShape as Shape);
    return [s[0], s[3]];
  }
  protected input(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== 4)
      throw new Error(
        `${this.name}: expected input of rank 4 [batch, height, width, channels], got ${fmt(x.shape)}`,
      );
    return x;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: 'channelsLast' };
  }
}

/** Mean over height and width: [batch, h, w, c] -> [batch, c]. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  static readonly className = 'GlobalAveragePooling2D';
  getClassName(): string {
    return GlobalAveragePooling2D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return mean(this.input(inputs), [1, 2]);
  }
}

/** Maximum over height and width: [batch, h, w, c] -> [batch, c]. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  static readonly className = 'GlobalMaxPooling2D';
  getClassName(): string {
    return GlobalMaxPooling2D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return max(this.input(inputs), [1, 2]);
  }
}

/** Flattens every dimension but the batch: [batch, ...] -> [batch, product]. */
export class Flatten extends Layer {
  static readonly className = 'Flatten';
  constructor(args: LayerArgs & { dataFormat?: 'channelsLast' } = {}) {
    super(args);
    checkFormat(this.name, args.dataFormat);
  }
  getClassName(): string {
    return Flatten.className;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    if (s.length < 2)
      throw new Error(`${this.name}: expected input of rank >= 2, got ${fmtShape(s)}`);
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) {
      throw new Error(
        `${this.name}: cannot flatten ${fmtShape(s)}: every non-batch dimension must be known`,
      );
    }
    return [s[0], (rest as number[]).reduce((a, b) => a * b, 1)];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank < 2)
      throw new Error(`${this.name}: expected input of rank >= 2, got ${fmt(x.shape)}`);
    return reshape(x, [x.shape[0], -1]);
  }
}

/** Options of {@link ZeroPadding2D}. */
export interface ZeroPadding2DArgs extends LayerArgs {
  /** n (all sides), [rows, cols] (symmetric), or [[top, bottom], [left, right]]. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  dataFormat?: 'channelsLast';
}

/** Adds rows and columns of zeros around each image. */
export class ZeroPadding2D extends Layer {
  static readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    checkFormat(this.name, args.dataFormat);
    const p = args.padding ?? 1;
    if (typeof p === 'number')
      this.padding = [
        [p, p],
        [p, p],
      ];
    else if (typeof p[0] === 'number')
      this.padding = [
        [p[0], p[0]],
        [p[1] as number, p[1] as number],
      ];
    else
      this.padding = [[...(p[0] as [number, number])], [...(p[1] as [number, number])]] as [
        [number, number],
        [number, number],
      ];
    if (this.padding.flat().some((v) => !Number.isInteger(v) || v < 0)) {
      throw new Error(
        `${this.name}: padding must hold non-negative integers, got ${JSON.stringify(args.padding)}`,
      );
    }
  }
  getClassName(): string {
    return ZeroPadding2D.className;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = image(this.name, inputShape as Shape);
    const [[t, b], [l, r]] = this.padding;
    return [s[0], s[1] === null ? null : s[1] + t + b, s[2] === null ? null : s[2] + l + r, s[3]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== 4)
      throw new Error(
        `${this.name}: expected input of rank 4 [batch, height, width, channels], got ${fmt(x.shape)}`,
      );
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding, dataFormat: 'channelsLast' };
  }
}

let registered = false;

/** Registers the convolutional layers for deserialization (idempotent). @internal */
export function registerConvLayers(): void {
  if (registered) return;
  registered = true;
  // dataFormat is passed on so that a channels_first model is refused, not misread as NHWC.
  const fmtArgs = (c: Record<string, unknown>) => ({
    ...baseArgs(c),
    dataFormat: c.dataFormat as 'channelsLast',
  });
  const pool = (c: Record<string, unknown>): Pooling2DArgs => ({
    ...fmtArgs(c),
    poolSize: c.poolSize as [number, number],
    strides: (c.strides as [number, number] | null) ?? undefined,
    padding: (c.padding as 'same' | 'valid') ?? 'valid',
  });
  registerLayer('Conv2D', (c) => Conv2D.fromConfig(c));
  registerLayer('MaxPooling2D', (c) => new MaxPooling2D(pool(c)));
  registerLayer('AveragePooling2D', (c) => new AveragePooling2D(pool(c)));
  registerLayer('GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(fmtArgs(c)));
  registerLayer('GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D(fmtArgs(c)));
  registerLayer('Flatten', (c) => new Flatten(fmtArgs(c)));
  registerLayer(
    'ZeroPadding2D',
    (c) =>
      new ZeroPadding2D({
        ...fmtArgs(c),
        padding: c.padding as [[number, number], [number, number]],
      }),
  );
}
