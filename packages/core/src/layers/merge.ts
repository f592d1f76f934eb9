// Merge layers: combine several inputs of one shape elementwise (Add, Subtract, Multiply,
// Average, Maximum, Minimum), or join them along an axis (Concatenate).
import { add, maximum, minimum, mul, sub } from '../ops/binary.js';
import { ones } from '../ops/creation.js';
import { concat } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { baseArgs } from './core.js';
import { fmtShape, Layer, type LayerArgs, type Mask, registerLayer, type Shape } from './layer.js';

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/**
 * Base of the elementwise merge layers: takes a list of at least two inputs of the same shape
 * (unknown dimensions, such as the batch, match anything) and returns one tensor of that
 * shape. Unlike `zoo.add` the op, it does not broadcast: different shapes are an error naming
 * the layer and the shapes.
 */
export abstract class Merge extends Layer {
  /** Exact number of inputs, when the layer needs one (Subtract: 2). */
  protected readonly arity: number | null = null;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  /** Combines the (checked) input tensors. */
  protected abstract merge(xs: Tensor[]): Tensor;

  protected shapes(inputShape: Shape | Shape[]): Shape[] {
    if (!isShapeList(inputShape) || inputShape.length < 2) {
      const n = isShapeList(inputShape) ? inputShape.length : 1;
      throw new Error(
        `${this.name}: a ${this.getClassName()} layer takes a list of at least 2 inputs, got ${n}`,
      );
    }
    if (this.arity !== null && inputShape.length !== this.arity) {
      throw new Error(
        `${this.name}: a ${this.getClassName()} layer takes exactly ${this.arity} inputs, got ${inputShape.length}`,
      );
    }
    return inputShape;
  }

  /** The common shape of the inputs (nulls filled in from the others), or an error. */
  protected mergedShape(shapes: Shape[]): Shape {
    const out = shapes[0].slice();
    const bad = () =>
      new Error(
        `${this.name}: ${this.getClassName()} needs inputs of the same shape (it does not broadcast), got ${shapes.map((s) => fmtShape(s)).join(', ')}`,
      );
    for (const s of shapes.slice(1)) {
      if (s.length !== out.length) throw bad();
      for (let i = 0; i < s.length; i++) {
        const d = s[i];
        if (d === null) continue;
        if (out[i] === null) out[i] = d;
        else if (out[i] !== d) throw bad();
      }
    }
    return out;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.mergedShape(this.shapes(inputShape));
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.mergedShape(this.shapes(inputShape));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.mergedShape(this.shapes(xs.map((x) => x.shape.slice())));
    return this.merge(xs);
  }

  /** As Keras: a step is real where it is real in every masked input (null: no masks). */
  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | undefined): Mask {
    if (mask === undefined || mask === null) return null;
    const present = (Array.isArray(mask) ? mask : [mask]).filter((m): m is Tensor => m !== null);
    if (present.length === 0) return null;
    return present.slice(1).reduce((a, b) => mul(a, b), present[0]);
  }
}

function fold(xs: Tensor[], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let acc = op(xs[0], xs[1]);
  for (let i = 2; i < xs.length; i++) {
    const next = op(acc, xs[i]);
    acc.dispose(); // held by a tape if the backward pass needs it
    acc = next;
  }
  return acc;
}

/** Elementwise sum of its inputs (the skip connection of residual networks). */
export class Add extends Merge {
  static readonly className = 'Add';
  getClassName(): string {
    return Add.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, add);
  }
}

/** First input minus the second (exactly two inputs). */
export class Subtract extends Merge {
  static readonly className = 'Subtract';
  protected override readonly arity = 2;
  getClassName(): string {
    return Subtract.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return sub(xs[0], xs[1]);
  }
}

/** Elementwise product of its inputs. */
export class Multiply extends Merge {
  static readonly className = 'Multiply';
  getClassName(): string {
    return Multiply.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, mul);
  }
}

/** Elementwise mean of its inputs. */
export class Average extends Merge {
  static readonly className = 'Average';
  getClassName(): string {
    return Average.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    const s = fold(xs, add);
    const out = mul(s, 1 / xs.length);
    s.dispose();
    return out;
  }
}

/** Elementwise maximum of its inputs. */
export class Maximum extends Merge {
  static readonly className = 'Maximum';
  getClassName(): string {
    return Maximum.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, maximum);
  }
}

/** Elementwise minimum of its inputs. */
export class Minimum extends Merge {
  static readonly className = 'Minimum';
  getClassName(): string {
    return Minimum.className;
  }
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, minimum);
  }
}

/** Options of {@link Concatenate}. */
export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along (default -1, the last). The batch axis 0 is not allowed. */
  axis?: number;
}

/** Joins its inputs along an axis; the other dimensions must match. */
export class Concatenate extends Merge {
  static readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) {
      throw new Error(`${this.name}: axis must be an integer, got ${String(args.axis)}`);
    }
  }
  getClassName(): string {
    return Concatenate.className;
  }

  private resolveAxis(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 1 || a >= rank) {
      throw new Error(
        `${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be joined)`,
      );
    }
    return a;
  }

  protected override mergedShape(shapes: Shape[]): Shape {
    const rank = shapes[0].length;
    const bad = () =>
      new Error(
        `${this.name}: Concatenate needs inputs whose shapes match except along axis ${this.axis}, got ${shapes.map((s) => fmtShape(s)).join(', ')}`,
      );
    if (shapes.some((s) => s.length !== rank)) throw bad();
    const a = this.resolveAxis(rank);
    const out = shapes[0].slice();
    let total: number | null = 0;
    for (const s of shapes) {
      for (let i = 0; i < rank; i++) {
        if (i === a) continue;
        const d = s[i];
        if (d === null) continue;
        if (out[i] === null) out[i] = d;
        else if (out[i] !== d) throw bad();
      }
      total = total === null || s[a] === null ? null : total + (s[a] as number);
    }
    out[a] = total;
    return out;
  }

  protected merge(xs: Tensor[]): Tensor {
    return concat(xs, this.resolveAxis(xs[0].rank));
  }

  /** Joining along time (axis 1 of [batch, time, ...]) joins the masks; otherwise as Merge. */
  override computeMask(inputs: Tensor | Tensor[], mask: Mask | undefined): Mask {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (!Array.isArray(mask) || mask.every((m) => m === null) || xs[0].rank < 3) {
      return super.computeMask(inputs, mask);
    }
    if (this.resolveAxis(xs[0].rank) !== 1) return super.computeMask(inputs, mask);
    const parts = xs.map((x, i) => {
      const m = mask[i] ?? null;
      if (m !== null) return m;
      // An unmasked input: every step is real.
      return ones([x.shape[0], x.shape[1]]);
    });
    return concat(parts, 1);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

let registered = false;

/** Registers the merge layers for deserialization (idempotent). @internal */
export function registerMergeLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer('Add', (c) => new Add(baseArgs(c)));
  registerLayer('Subtract', (c) => new Subtract(baseArgs(c)));
  registerLayer('Multiply', (c) => new Multiply(baseArgs(c)));
  registerLayer('Average', (c) => new Average(baseArgs(c)));
  registerLayer('Maximum', (c) => new Maximum(baseArgs(c)));
  registerLayer('Minimum', (c) => new Minimum(baseArgs(c)));
  registerLayer(
    'Concatenate',
    (c) => new Concatenate({ ...baseArgs(c), axis: (c.axis as number | undefined) ?? -1 }),
  );
}

/** An Add layer: `layers.add().apply([a, b])` (see {@link Add}). */
export const addLayer = (args: LayerArgs = {}): Add => new Add(args);
/** A Subtract layer (see {@link Subtract}). */
export const subtractLayer = (args: LayerArgs = {}): Subtract => new Subtract(args);
/** A Multiply layer (see {@link Multiply}). */
export const multiplyLayer = (args: LayerArgs = {}): Multiply => new Multiply(args);
/** An Average layer (see {@link Average}). */
export const averageLayer = (args: LayerArgs = {}): Average => new Average(args);
/** A Maximum layer (see {@link Maximum}). */
export const maximumLayer = (args: LayerArgs = {}): Maximum => new Maximum(args);
/** A Minimum layer (see {@link Minimum}). */
export const minimumLayer = (args: LayerArgs = {}): Minimum => new Minimum(args);
/** A Concatenate layer (see {@link Concatenate}). */
export const concatenate = (args: ConcatenateArgs = {}): Concatenate => new Concatenate(args);
