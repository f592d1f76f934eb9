// The layers every network uses: Input, Dense, Dropout, Activation.
import { kernels } from '../backend.js';
import { engine, tidy } from '../engine.js';
import { add, maximum, minimum, mul, pow } from '../ops/binary.js';
import { setSeed } from '../ops/creation.js';
import { type FusedActivation, fusedMatMul } from '../ops/matmul.js';
import { reshape } from '../ops/shape.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import { erf } from '../ops/special.js';
import {
  elu,
  leakyRelu,
  relu,
  relu6,
  selu,
  sigmoid,
  softplus,
  softsign,
  tanh,
} from '../ops/unary.js';
import { empty, type Tensor, view } from '../tensor.js';
import { fmt } from '../util.js';
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
  SymbolicTensor,
} from './layer.js';

/** Activation names layers accept (Keras / TF.js names; snake_case works too). */
export type ActivationIdentifier =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'tanh'
  | 'softmax'
  | 'logSoftmax'
  | 'elu'
  | 'selu'
  | 'softplus'
  | 'softsign'
  | 'swish'
  | 'mish'
  | 'gelu'
  | 'geluNew'
  | 'leakyRelu';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

// Composite activations run in tidy, so their intermediates are freed (a tape keeps what its
// backward pass needs); single ops need no scope.
const ACTIVATIONS: Record<ActivationIdentifier, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu,
  relu6,
  sigmoid,
  // clip(0.2x + 0.5, 0, 1), as TF.js and Keras 2
  hardSigmoid: (x) => tidy(() => minimum(maximum(add(mul(x, 0.2), 0.5), 0), 1)),
  tanh,
  softmax: (x) => softmax(x),
  logSoftmax: (x) => logSoftmax(x),
  elu: (x) => elu(x),
  selu,
  softplus,
  softsign,
  swish: (x) => tidy(() => mul(x, sigmoid(x))),
  mish: (x) => tidy(() => mul(x, tanh(softplus(x)))),
  // x·Φ(x) with the normal CDF from erf, as TF.js's 'gelu'
  gelu: (x) => tidy(() => mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1))),
  // the tanh approximation, TF.js's 'gelu_new'
  geluNew: (x) =>
    tidy(() =>
      mul(mul(x, 0.5), add(tanh(mul(add(x, mul(pow(x, 3), 0.044715)), SQRT_2_OVER_PI)), 1)),
    ),
  leakyRelu: (x) => leakyRelu(x),
};

/**
 * Activations the fused GEMM and convolution kernels apply in their epilogue; the others run
 * after them. @internal
 */
export const FUSED_ACTIVATIONS: ReadonlySet<string> = new Set<ActivationIdentifier>([
  'linear',
  'relu',
  'sigmoid',
  'tanh',
  'elu',
  'relu6',
  'selu',
  'softplus',
  'softsign',
]);

/** Resolves an activation name (camelCase or snake_case); the error lists the known ones. */
export function getActivation(
  name: string | null | undefined,
  owner: string,
): ActivationIdentifier {
  if (name === null || name === undefined) return 'linear';
  const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as ActivationIdentifier;
  if (!(key in ACTIVATIONS)) {
    throw new Error(
      `${owner}: unknown activation '${name}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  return key;
}

/** Applies a named activation with its gradient. */
export function activate(x: Tensor, name: ActivationIdentifier): Tensor {
  return ACTIVATIONS[name](x);
}

/** Options of {@link input}. */
export interface InputArgs {
  /** Shape of one example (no batch dimension). */
  shape?: number[];
  /** Full shape with the batch dimension (null = any). */
  batchShape?: Shape;
  batchSize?: number;
  name?: string;
  dtype?: 'float32';
}

/** The layer behind `input()`: it only declares the shape. */
export class InputLayer extends Layer {
  static readonly className = 'InputLayer';
  constructor(args: LayerArgs & { sparse?: boolean }) {
    super(args);
    if (this.batchInputShape === undefined) throw new Error(`${this.name}: an input needs a shape`);
    this.built = true;
  }
  getClassName(): string {
    return InputLayer.className;
  }
  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }
  override getConfig(): Record<string, unknown> {
    return {
      batchInputShape: this.batchInputShape,
      dtype: 'float32',
      sparse: false,
      name: this.name,
    };
  }
  /** The symbolic tensor this input stands for. */
  get output(): SymbolicTensor {
    if (this.inboundNodes.length === 0) {
      const out = new SymbolicTensor(this.batchInputShape!.slice(), this, 0, 0);
      this.inboundNodes.push({ layer: this, inputs: [], outputs: [out] });
    }
    return this.inboundNodes[0].outputs[0];
  }
}

/** A symbolic input for the functional API: `input({ shape: [784] })`. */
export function input(args: InputArgs): SymbolicTensor {
  if (args.shape === undefined && args.batchShape === undefined) {
    throw new Error('input: give shape (one example) or batchShape');
  }
  const layer = new InputLayer({
    name: args.name,
    batchInputShape: args.batchShape ?? [args.batchSize ?? null, ...(args.shape ?? [])],
  });
  return layer.output;
}

/** Options of {@link dense}. */
export interface DenseArgs extends LayerArgs {
  /** Output size. */
  units: number;
  activation?: ActivationIdentifier | (string & {});
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier | Initializer;
  biasInitializer?: InitializerIdentifier | Initializer;
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  biasRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/**
 * Densely connected layer: activation(x · kernel + bias), with kernel [inputDim, units]. The
 * product, bias and activation run as one fused GEMM call. Inputs of rank > 2 are
 * multiplied along their last axis.
 */
export class Dense extends Layer {
  static readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationIdentifier;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Tensor | undefined;
  bias: Tensor | undefined;
  private inputDim = 0;

  constructor(args: DenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`${this.name}: units must be a positive integer, got ${String(args.units)}`);
    }
    this.supportsMasking = true;
    this.units = args.units;
    this.activation = getActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', this.name);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', this.name);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, this.name);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, this.name);
  }

  getClassName(): string {
    return Dense.className;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const last = shape[shape.length - 1];
    if (shape.length < 2 || last === null) {
      throw new Error(
        `${this.name}: expected input of shape [batch, features], got ${fmtShape(shape)}`,
      );
    }
    this.inputDim = last;
    this.kernel = this.addWeight(
      'kernel',
      [last, this.units],
      this.kernelInitializer,
      this.kernelRegularizer,
    );
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.units], this.biasInitializer, this.biasRegularizer);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (inputShape as Shape).slice();
    s[s.length - 1] = this.units;
    return s;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.inputDim) {
      throw new Error(
        `${this.name}: expected input of shape [batch, ${this.inputDim}], got ${fmt(x.shape)}`,
      );
    }
    const act = args.skipActivation ? 'linear' : this.activation;
    const fusable = FUSED_ACTIVATIONS.has(act);
    const x2 = x.rank === 2 ? x : reshape(x, [-1, this.inputDim]);
    let y = fusedMatMul({
      a: x2,
      b: this.kernel!,
      bias: this.bias,
      activation: fusable ? (act as FusedActivation) : 'linear',
    });
    if (!fusable) {
      const pre = y;
      y = activate(pre, act);
      pre.dispose(); // a tape holding it keeps it alive for the backward pass
    }
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      ...kernelBiasConfig(this),
    };
  }

  /** Rebuilds a Dense layer from its (camelCase) config. */
  static fromConfig(c: Record<string, unknown>): Dense {
    return new Dense({
      ...baseArgs(c),
      units: c.units as number,
      activation: (c.activation as string) ?? 'linear',
      useBias: (c.useBias as boolean) ?? true,
      ...kernelBiasArgs(c),
    });
  }
}

/** The initializers and regularizers of a layer with a kernel and a bias. @internal */
export interface KernelBiasOptions {
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  kernelRegularizer?: Regularizer | null;
  biasRegularizer?: Regularizer | null;
}

/** Keras config entries for a kernel-and-bias layer (Dense, Conv2D). @internal */
export function kernelBiasConfig(l: KernelBiasOptions): Record<string, unknown> {
  const reg = (r: Regularizer | null | undefined) =>
    r ? { class_name: 'L1L2', config: r.getConfig() } : null;
  return {
    kernelInitializer: initializerToConfig(l.kernelInitializer),
    biasInitializer: initializerToConfig(l.biasInitializer),
    kernelRegularizer: reg(l.kernelRegularizer),
    biasRegularizer: reg(l.biasRegularizer),
    activityRegularizer: null,
    kernelConstraint: null,
    biasConstraint: null,
  };
}

/** The initializer and regularizer arguments back from a saved config. @internal */
export function kernelBiasArgs(c: Record<string, unknown>): {
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
} {
  return {
    kernelInitializer: initializerFromConfig(c.kernelInitializer, String(c.name)),
    biasInitializer: initializerFromConfig(c.biasInitializer, String(c.name)),
    kernelRegularizer: regularizerFromConfig(c.kernelRegularizer) ?? undefined,
    biasRegularizer: regularizerFromConfig(c.biasRegularizer) ?? undefined,
  };
}

/** Common layer arguments from a saved config. @internal */
export function baseArgs(c: Record<string, unknown>): LayerArgs {
  const args: LayerArgs = { name: c.name as string, trainable: (c.trainable as boolean) ?? true };
  if (Array.isArray(c.batchInputShape)) args.batchInputShape = c.batchInputShape as Shape;
  return args;
}

/**
 * Inverted dropout: while training, zeroes each value with probability `rate` and scales the
 * rest by 1 / (1 - rate) (the mask comes from the seeded generator); identity in inference.
 */
export function dropout(x: Tensor, rate: number, seed?: number): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return view(x, x.shape);
  if (seed !== undefined) setSeed(seed);
  const mask = empty(x.shape);
  kernels().dropoutMask(mask.ptr, mask.size, rate);
  const out = mul(x, mask);
  if (!engine.needsGrad([x])) mask.dispose();
  return out;
}

/** Options of {@link Dropout}. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of inputs to drop, in [0, 1). */
  rate: number;
  /** Seed for the masks (default: the global generator). */
  seed?: number;
}

/** Dropout: active only in training (`fit`), identity in `predict` and `evaluate`. */
export class Dropout extends Layer {
  static readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number | undefined;
  constructor(args: DropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1))
      throw new Error(`${this.name}: rate must be in [0, 1), got ${String(args.rate)}`);
    this.supportsMasking = true;
    this.rate = args.rate;
    this.seed = args.seed;
  }
  getClassName(): string {
    return Dropout.className;
  }
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return args.training && this.rate > 0 ? dropout(x, this.rate) : view(x, x.shape);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: null, seed: this.seed ?? null };
  }
}

/** Options of {@link Activation}. */
export interface ActivationArgs extends LayerArgs {
  activation: ActivationIdentifier | (string & {});
}

/** Applies an activation function. */
export class Activation extends Layer {
  static readonly className = 'Activation';
  readonly activation: ActivationIdentifier;
  constructor(args: ActivationArgs) {
    super(args);
    this.supportsMasking = true;
    this.activation = getActivation(args.activation, this.name);
  }
  getClassName(): string {
    return Activation.className;
  }
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return args.skipActivation ? view(x, x.shape) : activate(x, this.activation);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

let registered = false;

/** Registers Input, Dense, Dropout and Activation for deserialization (idempotent). @internal */
export function registerCoreLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer(
    'InputLayer',
    (c) => new InputLayer({ name: c.name as string, batchInputShape: c.batchInputShape as Shape }),
  );
  registerLayer('Dense', (c) => Dense.fromConfig(c));
  registerLayer(
    'Dropout',
    (c) =>
      new Dropout({
        ...baseArgs(c),
        rate: c.rate as number,
        seed: (c.seed as number | null) ?? undefined,
      }),
  );
  registerLayer(
    'Activation',
    (c) => new Activation({ ...baseArgs(c), activation: c.activation as string }),
  );
}

/** A dense layer (see {@link Dense}). */
export const dense = (args: DenseArgs): Dense => new Dense(args);
/** A dropout layer (see {@link Dropout}). */
export const dropoutLayer = (args: DropoutArgs): Dropout => new Dropout(args);
/** An activation layer (see {@link Activation}). */
export const activation = (args: ActivationArgs): Activation => new Activation(args);
