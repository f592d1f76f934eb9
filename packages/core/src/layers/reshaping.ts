// Layers that move values around without weights, as Keras and tfjs-layers: Reshape,
// Permute, RepeatVector, and the 1D global poolings that turn a sequence into one vector
// (GlobalAveragePooling1D averages only the real steps when a mask comes with the input, as
// Keras does; TF.js refuses masked input there).
import { tidy } from '../engine.js';
import { div, mul } from '../ops/binary.js';
import { max, sum } from '../ops/reduce.js';
import { expandDims, reshape, tile, transpose } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import { checkFormat } from './conv.js';
import { baseArgs } from './core.js';
import {
  type CallArgs,
  firstInput,
  fmtShape,
  Layer,
  type LayerArgs,
  type Mask,
  registerLayer,
  type Shape,
} from './layer.js';

/** Options of {@link Reshape}. */
export interface ReshapeArgs extends LayerArgs {
  /**
   * Shape of one example after the layer (no batch dimension); one entry may be -1 (or null,
   * as TF.js writes it), inferred from the input's size.
   */
  targetShape: (number | null)[];
}

/**
 * Reshapes each example to `targetShape` (Keras's `Reshape`; one -1 is inferred). Saved with
 * -1 as Keras does; TF.js files with null there load too.
 */
export class Reshape extends Layer {
  static readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: ReshapeArgs) {
    super(args);
    const t = Array.isArray(args.targetShape)
      ? args.targetShape.map((d) => (d === null ? -1 : d))
      : args.targetShape;
    if (
      !Array.isArray(t) ||
      !t.every((d) => Number.isInteger(d) && (d >= 1 || d === -1)) ||
      t.filter((d) => d === -1).length > 1
    ) {
      throw new Error(
        `${this.name}: targetShape must be positive integers with at most one -1, got ${JSON.stringify(t)}`,
      );
    }
    this.targetShape = t;
  }
  getClassName(): string {
    return Reshape.className;
  }
  /** The target shape for `size` values per example (-1 resolved), or an error naming both. */
  private resolve(inputShape: readonly (number | null)[], size: number | null): Shape {
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const free = this.targetShape.indexOf(-1);
    if (size === null) return this.targetShape.map((d) => (d === -1 ? null : d));
    if (free < 0 ? size !== known : size % known !== 0) {
      throw new Error(
        `${this.name}: cannot reshape an input of shape ${fmtShape(inputShape as Shape)} (${size} values per example) to ${fmtShape(this.targetShape)}`,
      );
    }
    return this.targetShape.map((d) => (d === -1 ? size / known : d));
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const rest = s.slice(1);
    const size = rest.some((d) => d === null)
      ? null
      : (rest as number[]).reduce((a, b) => a * b, 1);
    return [s[0], ...this.resolve(s, size)];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    const size = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return reshape(x, [x.shape[0], ...(this.resolve(x.shape, size) as number[])]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

/** Options of {@link Permute}. */
export interface PermuteArgs extends LayerArgs {
  /** A permutation of 1..rank-1 (the batch axis stays first), e.g. [2, 1] swaps two axes. */
  dims: number[];
}

/** Permutes the non-batch axes (Keras's `Permute`; `dims` is 1-based). */
export class Permute extends Layer {
  static readonly className = 'Permute';
  readonly dims: number[];
  constructor(args: PermuteArgs) {
    super(args);
    const d = args.dims;
    const ok =
      Array.isArray(d) && d.length > 0 && [...d].sort((a, b) => a - b).every((v, i) => v === i + 1);
    if (!ok) {
      throw new Error(
        `${this.name}: dims must be a permutation of 1..n (the batch axis 0 stays), got ${JSON.stringify(d)}`,
      );
    }
    this.dims = [...d];
  }
  getClassName(): string {
    return Permute.className;
  }
  private check(rank: number, shape: string): void {
    if (rank !== this.dims.length + 1) {
      throw new Error(
        `${this.name}: dims ${JSON.stringify(this.dims)} permute ${this.dims.length} axes; expected input of rank ${this.dims.length + 1}, got ${shape}`,
      );
    }
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.check(s.length, fmtShape(s));
    return [s[0], ...this.dims.map((d) => s[d])];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    this.check(x.rank, fmt(x.shape));
    return transpose(x, [0, ...this.dims]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims };
  }
}

/** Options of {@link RepeatVector}. */
export interface RepeatVectorArgs extends LayerArgs {
  /** How many times to repeat. */
  n: number;
}

/** Repeats each example's vector n times: [batch, features] -> [batch, n, features]. */
export class RepeatVector extends Layer {
  static readonly className = 'RepeatVector';
  readonly n: number;
  constructor(args: RepeatVectorArgs) {
    super(args);
    if (!Number.isInteger(args.n) || args.n < 1) {
      throw new Error(`${this.name}: n must be a positive integer, got ${String(args.n)}`);
    }
    this.n = args.n;
  }
  getClassName(): string {
    return RepeatVector.className;
  }
  private check(rank: number, shape: string): void {
    if (rank !== 2) {
      throw new Error(`${this.name}: expected input of rank 2 [batch, features], got ${shape}`);
    }
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    this.check(s.length, fmtShape(s));
    return [s[0], this.n, s[1]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    this.check(x.rank, fmt(x.shape));
    return tidy(() => tile(expandDims(x, 1), [1, this.n, 1]));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

/** Options of {@link GlobalAveragePooling1D} and {@link GlobalMaxPooling1D}. */
export interface GlobalPooling1DArgs extends LayerArgs {
  dataFormat?: 'channelsLast';
  /** Keras's keepdims: only false (the steps axis is dropped). */
  keepdims?: boolean;
}

/** Shared by the 1D global poolings: [batch, steps, features] -> [batch, features]. */
abstract class GlobalPooling1D extends Layer {
  constructor(args: GlobalPooling1DArgs = {}) {
    super(args);
    checkFormat(this.name, args.dataFormat);
    if (args.keepdims === true) {
      throw new Error(`${this.name}: keepdims: true is not supported (the steps axis is dropped)`);
    }
  }
  protected input(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    if (x.rank !== 3) {
      throw new Error(
        `${this.name}: expected input of rank 3 [batch, steps, features], got ${fmt(x.shape)}`,
      );
    }
    return x;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    if (s.length !== 3) {
      throw new Error(
        `${this.name}: expected input of rank 3 [batch, steps, features], got ${fmtShape(s)}`,
      );
    }
    return [s[0], s[2]];
  }
  /** The steps are pooled away, and with them any mask. */
  override computeMask(): Mask {
    return null;
  }
}

/**
 * Mean over the steps: [batch, steps, features] -> [batch, features]. With a mask (e.g. from
 * `embedding({ maskZero: true })`) only the real steps count, as Keras.
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalAveragePooling1D';
  getClassName(): string {
    return GlobalAveragePooling1D.className;
  }
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = this.input(inputs);
    const mask = Array.isArray(args.mask) ? args.mask[0] : args.mask;
    return tidy(() => {
      if (mask === null || mask === undefined) return div(sum(x, 1), x.shape[1]);
      const m = expandDims(mask, 2); // [batch, steps, 1]
      return div(sum(mul(x, m), 1), sum(m, 1));
    });
  }
}

/** Maximum over the steps: [batch, steps, features] -> [batch, features]. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalMaxPooling1D';
  getClassName(): string {
    return GlobalMaxPooling1D.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return max(this.input(inputs), 1);
  }
}

let registered = false;

/** Registers the reshaping and 1D global pooling layers for deserialization. @internal */
export function registerReshapingLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer(
    'Reshape',
    (c) => new Reshape({ ...baseArgs(c), targetShape: c.targetShape as (number | null)[] }),
  );
  registerLayer('Permute', (c) => new Permute({ ...baseArgs(c), dims: c.dims as number[] }));
  registerLayer('RepeatVector', (c) => new RepeatVector({ ...baseArgs(c), n: c.n as number }));
  const pool = (c: Record<string, unknown>): GlobalPooling1DArgs => ({
    ...baseArgs(c),
    dataFormat: c.dataFormat as 'channelsLast',
    keepdims: c.keepdims as boolean | undefined,
  });
  registerLayer('GlobalAveragePooling1D', (c) => new GlobalAveragePooling1D(pool(c)));
  registerLayer('GlobalMaxPooling1D', (c) => new GlobalMaxPooling1D(pool(c)));
}

/** A Reshape layer (see {@link Reshape}). */
export const reshapeLayer = (args: ReshapeArgs): Reshape => new Reshape(args);
/** A Permute layer (see {@link Permute}). */
export const permute = (args: PermuteArgs): Permute => new Permute(args);
/** A RepeatVector layer (see {@link RepeatVector}). */
export const repeatVector = (args: RepeatVectorArgs): RepeatVector => new RepeatVector(args);
/** A GlobalAveragePooling1D layer (see {@link GlobalAveragePooling1D}). */
export const globalAveragePooling1d = (args: GlobalPooling1DArgs = {}): GlobalAveragePooling1D =>
  new GlobalAveragePooling1D(args);
/** A GlobalMaxPooling1D layer (see {@link GlobalMaxPooling1D}). */
export const globalMaxPooling1d = (args: GlobalPooling1DArgs = {}): GlobalMaxPooling1D =>
  new GlobalMaxPooling1D(args);
