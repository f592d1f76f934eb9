// The layer lifecycle every layer shares: config -> build(inputShape) -> call -> getConfig.
import { engine, isTensor } from '../engine.js';
import { add, mul } from '../ops/binary.js';
import { variable } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { abs, square } from '../ops/unary.js';
import type { Tensor, Variable } from '../tensor.js';
import { fmt } from '../util.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';

/**
 * The counter of weight changes that inference caches (folded batch norms) compare: moved by
 * `setWeights`, `Variable.assign`, optimizer steps, training-mode passes and any layer run under
 * a gradient tape. @internal
 */
export function weightsEpoch(): number {
  return engine.weightsEpoch;
}

/**
 * Tells inference caches that weights may have changed. Zoo calls it itself for every way it
 * writes weights; code that writes a variable's memory directly calls it.
 */
export function weightsChanged(): void {
  engine.weightsEpoch++;
}

/** A shape whose batch (first) dimension may be unknown (null). */
export type Shape = (number | null)[];

/** The input a single-input layer works on (the first of a list). @internal */
export function firstInput(inputs: Tensor | Tensor[]): Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** Formats a symbolic shape like Keras: `[null,784]`. */
export function fmtShape(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/** A placeholder for a tensor in a functional graph: it has a shape, no values. */
export class SymbolicTensor {
  readonly dtype = 'float32' as const;
  constructor(
    /** Shape with `null` for the batch dimension. */
    readonly shape: Shape,
    /** The layer whose call produces it. */
    readonly sourceLayer: Layer,
    /** Which application (node) of that layer. */
    readonly nodeIndex: number,
    /** Which output of that node. */
    readonly tensorIndex: number,
  ) {}

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }
}

/** One application of a layer to symbolic inputs. @internal */
export interface LayerNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

/** Weight penalties added to the loss. */
export interface Regularizer {
  readonly className: string;
  getConfig(): Record<string, unknown>;
  /** The penalty for one weight (a scalar tensor, differentiable). */
  apply(w: Tensor): Tensor;
}

class L1L2 implements Regularizer {
  readonly className = 'L1L2';
  constructor(
    readonly l1: number,
    readonly l2: number,
  ) {}
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
  /** l1 * sum(|w|) + l2 * sum(w^2) */
  apply(w: Tensor): Tensor {
    let out: Tensor | null = null;
    if (this.l1 !== 0) out = mul(sum(abs(w)), this.l1);
    if (this.l2 !== 0) {
      const p = mul(sum(square(w)), this.l2);
      out = out === null ? p : add(out, p);
    }
    return out ?? mul(sum(w), 0);
  }
}

/** Regularizer factories, as `tf.regularizers`. */
export const regularizers = {
  /** l1 * sum(|w|). */
  l1: (args: { l1?: number } = {}): Regularizer => new L1L2(args.l1 ?? 0.01, 0),
  /** l2 * sum(w^2). */
  l2: (args: { l2?: number } = {}): Regularizer => new L1L2(0, args.l2 ?? 0.01),
  /** Both penalties. */
  l1l2: (args: { l1?: number; l2?: number } = {}): Regularizer =>
    new L1L2(args.l1 ?? 0.01, args.l2 ?? 0.01),
};

/** Resolves 'l1' / 'l2' / 'l1l2' names or Regularizer objects. */
export function getRegularizer(
  id: string | Regularizer | null | undefined,
  owner: string,
): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'object') return id;
  const key = id.toLowerCase().replace('_', '');
  if (key === 'l1') return regularizers.l1();
  if (key === 'l2') return regularizers.l2();
  if (key === 'l1l2') return regularizers.l1l2();
  throw new Error(`${owner}: unknown regularizer '${id}'; expected l1, l2 or l1l2`);
}

/** Rebuilds a regularizer from Keras JSON. */
export function regularizerFromConfig(json: unknown): Regularizer | null {
  if (json === null || json === undefined) return null;
  const { config = {} } = json as { config?: { l1?: number; l2?: number } };
  return new L1L2(config.l1 ?? 0, config.l2 ?? 0);
}

/** Options every layer accepts. */
export interface LayerArgs {
  /** Unique name (default: the class name in snake case with a counter). */
  name?: string;
  /** Whether the layer's weights are updated by training. */
  trainable?: boolean;
  /** Shape of one example, for the first layer of a model. */
  inputShape?: number[];
  /** Full input shape including the batch dimension (null = any). */
  batchInputShape?: Shape;
  /** Batch size to pair with `inputShape`. */
  batchSize?: number;
  /** Only 'float32'. */
  dtype?: 'float32';
  /** Initial weight values, in `getWeights()` order. */
  weights?: Tensor[];
}

/** A weight a layer owns, with the name it is saved under. @internal */
export interface LayerWeight {
  variable: Variable;
  /** Name in saved models: `<layer name>/<weight name>`. */
  originalName: string;
  regularizer: Regularizer | null;
}

const nameCounts = new Map<string, number>();

/** As Keras / tfjs-layers's toSnakeCase: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d. */
function snake(s: string): string {
  return s
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A unique default name for a layer of this class, Keras-style: dense, dense_1, ... */
export function uniqueLayerName(className: string): string {
  const base = snake(className);
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Call-time options passed down to layers. */
export interface CallArgs {
  /** Training mode: dropout active, batch statistics used. */
  training: boolean;
  /** For the output layer when the loss fuses its activation (softmax + cross-entropy). */
  skipActivation?: boolean;
  /**
   * The input's mask (e.g. from `embedding({ maskZero: true })`): [batch, timesteps], 1 where a
   * step is real, 0 where it is padding; one entry per input for a list of inputs.
   */
  mask?: Mask;
}

/** A mask carried alongside a layer's input or output (null: no mask). */
export type Mask = Tensor | null | (Tensor | null)[];

/**
 * Base class of layers. A constructor only stores config; `build(inputShape)` creates the
 * weights with `addWeight`; `call` computes outputs; `getConfig` makes the layer
 * serializable, so save/load follows.
 */
export abstract class Layer {
  /** The layer's unique name. */
  readonly name: string;
  /** Whether training updates this layer's weights. */
  trainable: boolean;
  /** Whether `build` has run. */
  built = false;
  /** Input shape given to the constructor (batch dim first), if any. */
  batchInputShape: Shape | undefined;
  /** @internal weights in creation order. */
  readonly layerWeights: LayerWeight[] = [];
  /** @internal applications in functional graphs. */
  readonly inboundNodes: LayerNode[] = [];
  private initialWeights: Tensor[] | undefined;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueLayerName(this.getClassName());
    this.trainable = args.trainable ?? true;
    if (args.dtype !== undefined && args.dtype !== 'float32') {
      throw new Error(
        `${this.name}: only dtype 'float32' layers are supported, got '${args.dtype}'`,
      );
    }
    if (args.batchInputShape !== undefined) this.batchInputShape = args.batchInputShape.slice();
    else if (args.inputShape !== undefined)
      this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    this.initialWeights = args.weights;
  }

  /** The Keras class name ('Dense', ...), used when saving. */
  abstract getClassName(): string;

  /** Creates the weights for inputs of this shape. Subclasses call `super.build` last. */
  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
    if (this.initialWeights !== undefined) {
      this.setWeights(this.initialWeights);
      this.initialWeights = undefined;
    }
  }

  /** Computes the layer's output for concrete tensors. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[];

  /**
   * Whether the layer passes its input's mask through to its output unchanged (when it does
   * not override {@link Layer.computeMask}). Layers that do not support masking drop it.
   */
  supportsMasking = false;

  /**
   * The mask of the layer's output(s), given its input(s) and their mask. The default passes
   * the mask through when `supportsMasking`, else drops it (null). Embedding with `maskZero`
   * creates one; recurrent layers consume it.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Mask | undefined): Mask {
    return this.supportsMasking ? (mask ?? null) : null;
  }

  /** The output shape for an input shape (default: unchanged). */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** Serializable configuration (camelCase keys; saved as snake_case). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape !== undefined) {
      c.batchInputShape = this.batchInputShape;
      c.dtype = 'float32';
    }
    return c;
  }

  /** Creates a weight (a variable named `<layer>/<name>`) during `build`. */
  protected addWeight(
    name: string,
    shape: number[],
    initializer: Initializer | InitializerIdentifier,
    regularizer: Regularizer | null = null,
    trainable = true,
  ): Variable {
    const init = getInitializer(initializer, this.name);
    const originalName = `${this.name}/${name}`;
    const value = init.apply(shape);
    // Variable names must be unique for optimizers that look them up by name.
    let varName = originalName;
    for (let i = 1; engine.variableByName(varName) !== undefined; i++)
      varName = `${originalName}_${i}`;
    const v = variable(value, trainable && this.trainable, varName);
    value.dispose();
    this.layerWeights.push({ variable: v, originalName, regularizer });
    return v;
  }

  /** All weights (variables), trainable first as Keras orders them per layer. */
  get weights(): Variable[] {
    return this.layerWeights.map((w) => w.variable);
  }

  /** Weights training updates. */
  get trainableWeights(): Variable[] {
    return this.trainable
      ? this.layerWeights.filter((w) => w.variable.trainable).map((w) => w.variable)
      : [];
  }

  /** Weights training leaves alone (or all, when the layer is frozen). */
  get nonTrainableWeights(): Variable[] {
    return this.trainable
      ? this.layerWeights.filter((w) => !w.variable.trainable).map((w) => w.variable)
      : this.weights;
  }

  /** The weights' current values (the variables themselves, as TF.js returns them). */
  getWeights(): Tensor[] {
    return this.weights;
  }

  /** Copies new values into the weights; shapes must match, in `getWeights()` order. */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new Error(
        `${this.name}: setWeights expected ${ws.length} tensors, got ${values.length}`,
      );
    }
    ws.forEach((w, i) => {
      const v = values[i];
      if (v.shape.length !== w.shape.length || v.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(
          `${this.name}: weight '${this.layerWeights[i].originalName}' has shape ${fmt(w.shape)}, got ${fmt(v.shape)}`,
        );
      }
    });
    for (let i = 0; i < ws.length; i++) ws[i].assign(values[i]);
    weightsChanged();
  }

  /** Number of scalars in the weights. */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Sum of this layer's weight penalties (null when it has none). @internal */
  regularizationLoss(): Tensor | null {
    let total: Tensor | null = null;
    for (const w of this.layerWeights) {
      if (w.regularizer === null) continue;
      const p = w.regularizer.apply(w.variable);
      total = total === null ? p : add(total, p);
    }
    return total;
  }

  /** Checks an input's rank and last dimension against what the layer was built for. */
  protected assertInputCompatible(_x: Tensor): void {}

  /**
   * Applies the layer: to symbolic tensors (building a functional graph) or to concrete
   * tensors (inference). Builds the layer on first use.
   */
  apply(inputs: SymbolicTensor): SymbolicTensor;
  apply(inputs: SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[], args?: Partial<CallArgs>): Tensor | Tensor[];
  apply(
    inputs: SymbolicTensor | SymbolicTensor[] | Tensor | Tensor[],
    args: Partial<CallArgs> = {},
  ): SymbolicTensor | SymbolicTensor[] | Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length > 0 && list.every((t) => t instanceof SymbolicTensor)) {
      const sym = list as SymbolicTensor[];
      const shapes = sym.map((s) => s.shape);
      const inShape = Array.isArray(inputs) ? shapes : shapes[0];
      if (!this.built) this.build(inShape);
      const outShape = this.computeOutputShape(inShape);
      const nodeIndex = this.inboundNodes.length;
      const outShapes = isShapeList(outShape) ? outShape : [outShape as Shape];
      const outputs = outShapes.map((s, i) => new SymbolicTensor(s, this, nodeIndex, i));
      this.inboundNodes.push({ layer: this, inputs: sym, outputs });
      return isShapeList(outShape) ? outputs : outputs[0];
    }
    if (!list.every((t) => isTensor(t))) {
      throw new Error(
        `${this.name}: apply() takes symbolic tensors (from input()) or Tensors, not a mix`,
      );
    }
    const tensors = list as Tensor[];
    if (this.batchInputShape !== undefined && tensors.length === 1) {
      const want = this.batchInputShape;
      const x = tensors[0];
      if (x.rank !== want.length || want.some((d, i) => d !== null && d !== x.shape[i])) {
        throw new Error(
          `${this.name}: expected input of shape ${fmtShape(want)}, got ${fmt(x.shape)}`,
        );
      }
    }
    if (!this.built) {
      const shapes = tensors.map((t) => t.shape.slice() as Shape);
      this.build(Array.isArray(inputs) ? shapes : shapes[0]);
    }
    if (args.training === true || engine.tapes.length > 0) weightsChanged();
    return this.call(Array.isArray(inputs) ? tensors : tensors[0], {
      training: args.training ?? false,
      skipActivation: args.skipActivation,
      mask: args.mask,
    });
  }

  /** Frees the layer's weights. */
  dispose(): void {
    for (const w of this.layerWeights) w.variable.dispose();
  }
}

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** Class registry for deserialization: Keras class name -> factory from config. */
export type LayerFactory = (config: Record<string, unknown>) => Layer;
const registry = new Map<string, LayerFactory>();

/** Registers a layer class so saved models using it can be loaded. */
export function registerLayer(className: string, factory: LayerFactory): void {
  registry.set(className, factory);
}

/** Looks up a registered layer class. @internal */
export function layerFactory(className: string): LayerFactory | undefined {
  return registry.get(className);
}

/** Names of all registered layer classes. @internal */
export function registeredLayers(): string[] {
  return [...registry.keys()];
}
