// Recurrent layers (Embedding, LSTM, GRU, Bidirectional, TimeDistributed) with Keras semantics
// and TF.js 4.22 config keys and weight names, on the fused sequence ops of ops/rnn.ts.
import { fromPythonic, toPythonic } from '../io/serialize.js';
import { add, mul } from '../ops/binary.js';
import { notEqual } from '../ops/compare.js';
import { ones, scalar, tensor } from '../ops/creation.js';
import { gruSequence, lstmSequence, type RnnActivation } from '../ops/rnn.js';
import { cast, concat, gather, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import { baseArgs, dropout } from './core.js';
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
  layerFactory,
  type Mask,
  type Regularizer,
  registerLayer,
  regularizerFromConfig,
  type Shape,
} from './layer.js';

type RegularizerArg = 'l1' | 'l2' | 'l1l2' | Regularizer;

const RNN_ACTIVATIONS: readonly RnnActivation[] = [
  'linear',
  'tanh',
  'sigmoid',
  'hardSigmoid',
  'relu',
];

/** Resolves an activation name for the recurrent kernels (camelCase or snake_case). */
function rnnActivation(
  name: string | null | undefined,
  owner: string,
  what: string,
  dflt: RnnActivation,
): RnnActivation {
  if (name === undefined) return dflt;
  if (name === null) return 'linear';
  const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as RnnActivation;
  if (!RNN_ACTIVATIONS.includes(key)) {
    throw new Error(
      `${owner}: unsupported ${what} '${name}'; recurrent layers support ${RNN_ACTIVATIONS.join(', ')}`,
    );
  }
  return key;
}

function regularizerJson(r: Regularizer | null): Record<string, unknown> | null {
  return r && { class_name: 'L1L2', config: r.getConfig() };
}

/** The first (primary) shape of a layer's input shape(s). */
function primaryShape(s: Shape | Shape[]): Shape {
  return s.length > 0 && Array.isArray(s[0]) ? (s as Shape[])[0] : (s as Shape);
}

/** The mask of the first input. */
function primaryMask(mask: Mask | undefined): Tensor | null {
  if (mask === undefined || mask === null) return null;
  return Array.isArray(mask) ? (mask[0] ?? null) : mask;
}

/** Frees intermediates (a tape holding one keeps it alive for the backward pass). */
function release(...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) t?.dispose();
}

/** A nested `{ class_name, config }` (snake_case config) as written inside wrapper configs. */
function nestedLayerJson(layer: Layer): { class_name: string; config: unknown } {
  const config = layer.getConfig();
  delete config.batchInputShape;
  delete config.dtype;
  return { class_name: layer.getClassName(), config: toPythonic(config) };
}

/** Rebuilds a wrapped layer from its nested saved `{ class_name, config }`. */
function nestedLayerFromJson(json: unknown, owner: string): Layer {
  const j = json as { class_name?: unknown; config?: unknown } | null;
  if (j === null || typeof j !== 'object' || typeof j.class_name !== 'string') {
    throw new Error(`${owner}: the wrapped 'layer' must be { class_name, config }`);
  }
  const factory = layerFactory(j.class_name);
  if (factory === undefined)
    throw new Error(`${owner}: unknown wrapped layer class '${j.class_name}'`);
  return factory((fromPythonic((j.config ?? {}) as never) ?? {}) as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// Embedding.

/** Options of {@link Embedding}. */
export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are in [0, inputDim). Inferred from `weights` when omitted. */
  inputDim?: number;
  /** Size of each vector. Inferred from `weights` when omitted. */
  outputDim?: number;
  /** Default 'randomUniform' (uniform in [-0.05, 0.05]), as Keras. */
  embeddingsInitializer?: InitializerIdentifier | Initializer;
  embeddingsRegularizer?: RegularizerArg;
  /**
   * Whether id 0 is padding: the layer then produces a mask ([batch, timesteps], 0 where the
   * id is 0) that recurrent layers downstream use to skip those steps.
   */
  maskZero?: boolean;
  /** Length of the sequences when fixed (sets the input shape [null, inputLength]). */
  inputLength?: number | number[];
  /** Shorthand for `trainable: false`: keep the vectors fixed (e.g. pretrained Word2Vec). */
  frozen?: boolean;
}

/**
 * Turns token ids into vectors: a lookup in an [inputDim, outputDim] matrix (`embeddings`).
 * Ids may be int32 or float32 (integral values); an id outside [0, inputDim) is an error that
 * names the id and its position. Start from a given matrix (e.g. Word2Vec vectors) with
 * `weights: [matrix]`, and keep it fixed with `frozen: true`. Output shape: the ids' shape
 * plus outputDim. As TF.js, a layer without an input shape declares [batch, inputLength]
 * (any length when inputLength is omitted), so applied directly to tensors it takes rank-2
 * ids; in a model, ids of other ranks work through `input({ shape })`.
 */
export class Embedding extends Layer {
  static readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly maskZero: boolean;
  readonly inputLength: number | number[] | undefined;
  /** The [inputDim, outputDim] matrix (after build). */
  embeddings: Tensor | undefined;
  private impliedShape = false;

  constructor(args: EmbeddingArgs) {
    super({ ...args, trainable: args.frozen === true ? false : args.trainable });
    const w = args.weights?.[0];
    const inputDim = args.inputDim ?? w?.shape[0];
    const outputDim = args.outputDim ?? w?.shape[1];
    for (const [k, v] of [
      ['inputDim', inputDim],
      ['outputDim', outputDim],
    ] as const) {
      if (!Number.isInteger(v) || (v as number) < 1)
        throw new Error(`${this.name}: ${k} must be a positive integer, got ${String(v)}`);
    }
    this.inputDim = inputDim as number;
    this.outputDim = outputDim as number;
    this.embeddingsInitializer = getInitializer(
      args.embeddingsInitializer ?? 'randomUniform',
      this.name,
    );
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer, this.name);
    this.maskZero = args.maskZero ?? false;
    this.inputLength = args.inputLength;
    // As TF.js: without an input shape, the layer declares [batch, inputLength] (any length).
    if (this.batchInputShape === undefined) {
      this.impliedShape = true;
      const len = args.inputLength;
      this.batchInputShape = [
        args.batchSize ?? null,
        ...(len === undefined ? [null] : Array.isArray(len) ? len : [len]),
      ];
    }
  }

  getClassName(): string {
    return Embedding.className;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.embeddings = this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      this.embeddingsInitializer,
      this.embeddingsRegularizer,
    );
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = primaryShape(inputShape).slice();
    const lens =
      this.inputLength === undefined
        ? []
        : Array.isArray(this.inputLength)
          ? this.inputLength
          : [this.inputLength];
    lens.forEach((l, i) => {
      if (s[i + 1] === null) s[i + 1] = l;
    });
    return [...s, this.outputDim];
  }

  /** Int32 ids, after checking every id is an integer in [0, inputDim). */
  private ids(x: Tensor): Tensor {
    x.assertLive(this.name);
    const d = x.dataSync();
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (Number.isInteger(v) && v >= 0 && v < this.inputDim) continue;
      const pos: number[] = [];
      let r = i;
      for (let k = x.rank - 1; k >= 0; k--) {
        pos.unshift(r % x.shape[k]);
        r = Math.floor(r / x.shape[k]);
      }
      const what = Number.isInteger(v) ? 'is outside' : 'is not an integer in';
      throw new Error(
        `${this.name}: token id ${v} at position [${pos.join(',')}] of the input ${fmt(x.shape)} ${what} [0, ${this.inputDim}) (inputDim ${this.inputDim})`,
      );
    }
    return x.dtype === 'int32' ? x : cast(x, 'int32');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const ids = this.ids(x);
    const flat = reshape(ids, [ids.size]);
    const rows = gather(this.embeddings!, flat, 0);
    const out = reshape(rows, [...x.shape, this.outputDim]);
    release(rows, flat);
    if (ids !== x) ids.dispose();
    return out;
  }

  /** With `maskZero`: 1 where the id is not 0, else 0 (float32, the ids' shape). */
  override computeMask(inputs: Tensor | Tensor[], _mask?: Mask): Mask {
    if (!this.maskZero) return null;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.dtype === 'float32') return notEqual(x, 0);
    const f = cast(x, 'float32');
    const m = notEqual(f, 0);
    f.dispose();
    return m;
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: initializerToConfig(this.embeddingsInitializer),
      embeddingsRegularizer: regularizerJson(this.embeddingsRegularizer),
      activityRegularizer: null,
      embeddingsConstraint: null,
      maskZero: this.maskZero,
      inputLength: this.inputLength ?? null,
      ...super.getConfig(),
    };
    if (this.impliedShape) delete c.dtype; // as TF.js, which sets only the shape then
    return c;
  }

  /** Rebuilds an Embedding from its (camelCase) config. */
  static fromConfig(c: Record<string, unknown>): Embedding {
    return new Embedding({
      ...baseArgs(c),
      inputDim: c.inputDim as number,
      outputDim: c.outputDim as number,
      embeddingsInitializer: initializerFromConfig(c.embeddingsInitializer, String(c.name)),
      embeddingsRegularizer: regularizerFromConfig(c.embeddingsRegularizer) ?? undefined,
      maskZero: (c.maskZero as boolean | null) ?? false,
      inputLength: (c.inputLength as number | number[] | null) ?? undefined,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// LSTM and GRU.

/** Options shared by {@link LSTM} and {@link GRU}. */
export interface RNNLayerArgs extends LayerArgs {
  /** Size of the hidden state (and of the output per step). */
  units: number;
  /** Candidate / output activation (default 'tanh'). */
  activation?: RnnActivation | (string & {});
  /**
   * Gate activation. Default 'hardSigmoid' (clip(0.2x + 0.5, 0, 1)) as TF.js's layers, so
   * models move between TF.js and Zoo unchanged; Keras (Python) defaults to 'sigmoid'.
   */
  recurrentActivation?: RnnActivation | (string & {});
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerIdentifier | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier | Initializer;
  kernelRegularizer?: RegularizerArg;
  recurrentRegularizer?: RegularizerArg;
  biasRegularizer?: RegularizerArg;
  /**
   * Fraction of the input features to drop while training (one mask per sequence, shared by
   * every timestep and gate, as Keras's implementation 2). Default 0.
   */
  dropout?: number;
  /**
   * Fraction of the recurrent state's units to drop while training, as TF.js's cells (Keras
   * implementation 2): one mask per sequence ([batch, units], sampled at each call, the same at
   * every timestep; kept units scaled by 1/(1-rate)) multiplies h_{t-1} before the recurrent
   * product, the same for every gate. The LSTM's cell state is not masked; the GRU uses the
   * masked h_{t-1} for the whole step including the carry z * h_{t-1} (as tfjs-layers' GRUCell).
   * Inference is unaffected. Default 0.
   */
  recurrentDropout?: number;
  /** Output h at every step [batch, timesteps, units] instead of the last h [batch, units]. */
  returnSequences?: boolean;
  /** Also output the final state(s): [output, h] (GRU) or [output, h, c] (LSTM). */
  returnState?: boolean;
  /** Process the sequence from its last step; returned sequences are in processing order. */
  goBackwards?: boolean;
  /** Only false (stateful RNNs are not supported). */
  stateful?: boolean;
  /** Accepted for TF.js configs and ignored (the fused kernel never unrolls). */
  unroll?: boolean;
}

/**
 * Base of {@link LSTM} and {@link GRU}: input [batch, timesteps, features]. Initial states are
 * given as extra inputs: `layer.apply([x, h0, c0])` (LSTM) or `layer.apply([x, h0])` (GRU),
 * eagerly or symbolically. A mask (from `embedding({ maskZero: true })`) makes masked steps
 * carry the state over unchanged (their output repeats the carried h), as TF.js.
 */
export abstract class RNNLayer extends Layer {
  readonly units: number;
  readonly activation: RnnActivation;
  readonly recurrentActivation: RnnActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /** Input kernel [inputDim, G*units] (after build). */
  kernel: Tensor | undefined;
  /** Recurrent kernel [units, G*units] (after build). */
  recurrentKernel: Tensor | undefined;
  /** Bias (after build, when useBias). */
  bias: Tensor | undefined;
  /** The constructor's arguments (Bidirectional clones the layer from them). @internal */
  readonly args: RNNLayerArgs;
  /** Gates per unit: 4 (LSTM) or 3 (GRU). */
  protected abstract readonly gates: number;
  /** Names of the state tensors, in order. */
  abstract readonly stateNames: readonly string[];
  private inputDim = 0;

  constructor(args: RNNLayerArgs) {
    super(args);
    this.args = { ...args };
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`${this.name}: units must be a positive integer, got ${String(args.units)}`);
    }
    if (args.stateful === true)
      throw new Error(`${this.name}: stateful recurrent layers are not supported`);
    this.units = args.units;
    this.activation = rnnActivation(args.activation, this.name, 'activation', 'tanh');
    this.recurrentActivation = rnnActivation(
      args.recurrentActivation,
      this.name,
      'recurrentActivation',
      'hardSigmoid',
    );
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', this.name);
    this.recurrentInitializer = getInitializer(
      args.recurrentInitializer ?? 'orthogonal',
      this.name,
    );
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', this.name);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, this.name);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer, this.name);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, this.name);
    for (const [k, v] of [
      ['dropout', args.dropout],
      ['recurrentDropout', args.recurrentDropout],
    ] as const) {
      if (v !== undefined && !(v >= 0 && v < 1))
        throw new Error(`${this.name}: ${k} must be in [0, 1), got ${String(v)}`);
    }
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
  }

  /** Shape of the bias weight. */
  protected abstract biasShape(): number[];

  /** The bias initializer used at build (LSTM's unitForgetBias wraps it). */
  protected buildBiasInitializer(): Initializer {
    return this.biasInitializer;
  }

  /** Runs the fused op (recMask: the recurrent dropout mask [batch, units], or null). */
  protected abstract run(
    x: Tensor,
    states: Tensor[],
    mask: Tensor | null,
    recMask: Tensor | null,
  ): { sequence: Tensor; states: Tensor[] };

  private expected(): string {
    return `[batch, timesteps, ${this.inputDim || 'features'}]`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = primaryShape(inputShape);
    if (s.length !== 3 || s[2] === null) {
      throw new Error(
        `${this.name}: expected input of shape [batch, timesteps, features] (rank 3, features known), got ${fmtShape(s)}`,
      );
    }
    this.inputDim = s[2];
    const g = this.gates * this.units;
    this.kernel = this.addWeight(
      'kernel',
      [s[2], g],
      this.kernelInitializer,
      this.kernelRegularizer,
    );
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [this.units, g],
      this.recurrentInitializer,
      this.recurrentRegularizer,
    );
    if (this.useBias)
      this.bias = this.addWeight(
        'bias',
        this.biasShape(),
        this.buildBiasInitializer(),
        this.biasRegularizer,
      );
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = primaryShape(inputShape);
    const out: Shape = this.returnSequences ? [s[0], s[1], this.units] : [s[0], this.units];
    if (!this.returnState) return out;
    return [out, ...this.stateNames.map((): Shape => [s[0], this.units])];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | undefined): Mask {
    const out = this.returnSequences ? primaryMask(mask) : null;
    return this.returnState ? [out, ...this.stateNames.map(() => null)] : out;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const states = list.slice(1);
    if (x.rank !== 3) {
      const hint =
        x.rank === 2
          ? ` (rank 2: a recurrent layer reads a batch of sequences; for one feature per step reshape to [${x.shape[0]}, ${x.shape[1]}, 1], for one step to [${x.shape[0]}, 1, ${x.shape[1]}])`
          : '';
      throw new Error(
        `${this.name}: expected input of shape ${this.expected()} (rank 3), got ${fmt(x.shape)}${hint}`,
      );
    }
    if (x.shape[2] !== this.inputDim) {
      throw new Error(
        `${this.name}: expected input of shape ${this.expected()}, got ${fmt(x.shape)} (${x.shape[2]} features)`,
      );
    }
    if (states.length !== 0 && states.length !== this.stateNames.length) {
      throw new Error(
        `${this.name}: expected ${this.stateNames.length} initial state tensor(s) (${this.stateNames.join(', ')}) after the input, got ${states.length}`,
      );
    }
    states.forEach((st, i) => {
      if (st.rank !== 2 || st.shape[0] !== x.shape[0] || st.shape[1] !== this.units) {
        throw new Error(
          `${this.name}: initial state ${this.stateNames[i]} must have shape [${x.shape[0]}, ${this.units}] (batch, units), got ${fmt(st.shape)}`,
        );
      }
    });
    const mask = primaryMask(args.mask);
    if (
      mask !== null &&
      (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])
    ) {
      throw new Error(
        `${this.name}: the mask must have shape [${x.shape[0]}, ${x.shape[1]}] (batch, timesteps), got ${fmt(mask.shape)}`,
      );
    }
    // Dropout masks: one per sequence (batch row), shared by every timestep and gate, drawn
    // afresh at each call (TF.js's cells: dropoutMask[0] and recurrentDropoutMask[0]).
    let xin = x;
    if (args.training && this.dropout > 0) {
      const keep = ones([x.shape[0], 1, x.shape[2]]);
      const m = dropout(keep, this.dropout);
      xin = mul(x, m);
      release(keep, m);
    }
    let recMask: Tensor | null = null;
    if (args.training && this.recurrentDropout > 0) {
      const keep = ones([x.shape[0], this.units]);
      recMask = dropout(keep, this.recurrentDropout);
      release(keep);
    }
    const r = this.run(xin, states, mask, recMask);
    if (xin !== x) xin.dispose();
    release(recMask);
    const last = r.states[0];
    const output = this.returnSequences ? r.sequence : last;
    if (!this.returnSequences) r.sequence.dispose();
    if (this.returnState) return [output, ...r.states];
    for (const s of r.states) if (s !== output) s.dispose();
    return output;
  }

  /** Config shared by LSTM and GRU, TF.js's keys. */
  protected rnnConfig(extra: Record<string, unknown>): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      kernelInitializer: initializerToConfig(this.kernelInitializer),
      recurrentInitializer: initializerToConfig(this.recurrentInitializer),
      biasInitializer: initializerToConfig(this.biasInitializer),
      ...extra,
      kernelRegularizer: regularizerJson(this.kernelRegularizer),
      recurrentRegularizer: regularizerJson(this.recurrentRegularizer),
      biasRegularizer: regularizerJson(this.biasRegularizer),
      activityRegularizer: null,
      kernelConstraint: null,
      recurrentConstraint: null,
      biasConstraint: null,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      implementation: null,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: false,
    };
  }

  /** A new unbuilt layer with the same options (and the given overrides). @internal */
  abstract cloneWith(overrides: Partial<RNNLayerArgs>): RNNLayer;
}

/** Constructor arguments shared by LSTM and GRU from a saved (camelCase) config. */
function rnnArgsFromConfig(c: Record<string, unknown>): RNNLayerArgs {
  const owner = String(c.name);
  return {
    ...baseArgs(c),
    units: c.units as number,
    activation: (c.activation as string | null | undefined) ?? undefined,
    recurrentActivation: (c.recurrentActivation as string | null | undefined) ?? undefined,
    useBias: (c.useBias as boolean | null) ?? true,
    kernelInitializer: initializerFromConfig(c.kernelInitializer ?? 'glorotUniform', owner),
    recurrentInitializer: initializerFromConfig(c.recurrentInitializer ?? 'orthogonal', owner),
    biasInitializer: initializerFromConfig(c.biasInitializer, owner),
    kernelRegularizer: regularizerFromConfig(c.kernelRegularizer) ?? undefined,
    recurrentRegularizer: regularizerFromConfig(c.recurrentRegularizer) ?? undefined,
    biasRegularizer: regularizerFromConfig(c.biasRegularizer) ?? undefined,
    dropout: (c.dropout as number | null) ?? 0,
    recurrentDropout: (c.recurrentDropout as number | null) ?? 0,
    returnSequences: (c.returnSequences as boolean | null) ?? false,
    returnState: (c.returnState as boolean | null) ?? false,
    goBackwards: (c.goBackwards as boolean | null) ?? false,
    stateful: (c.stateful as boolean | null) ?? false,
  };
}

/** Options of {@link LSTM}. */
export interface LSTMArgs extends RNNLayerArgs {
  /** Initialise the forget gate's bias to 1 (Keras's default, true). */
  unitForgetBias?: boolean;
}

/**
 * Long short-term memory layer, Keras semantics and weight layout (kernel [inputDim, 4*units],
 * recurrentKernel [units, 4*units], bias [4*units], gate order i, f, c, o), computed by one
 * fused kernel call per sequence forward and one backward. Outputs the last h [batch, units],
 * or every h with `returnSequences`, plus [h, c] with `returnState`. The gates default to
 * TF.js's 'hardSigmoid' (see {@link RNNLayerArgs.recurrentActivation}).
 */
export class LSTM extends RNNLayer {
  static readonly className = 'LSTM';
  protected readonly gates = 4;
  readonly stateNames = ['h', 'c'] as const;
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  getClassName(): string {
    return LSTM.className;
  }

  protected biasShape(): number[] {
    return [4 * this.units];
  }

  protected override buildBiasInitializer(): Initializer {
    const base = this.biasInitializer;
    if (!this.unitForgetBias) return base;
    const u = this.units;
    return {
      className: base.className,
      getConfig: () => base.getConfig(),
      apply: () => {
        const parts = [base.apply([u]), ones([u]), base.apply([2 * u])];
        const out = concat(parts, 0);
        release(...parts);
        return out;
      },
    };
  }

  protected run(x: Tensor, states: Tensor[], mask: Tensor | null, recMask: Tensor | null) {
    const r = lstmSequence({
      x,
      kernel: this.kernel!,
      recurrentKernel: this.recurrentKernel!,
      bias: this.bias,
      h0: states[0],
      c0: states[1],
      mask: mask ?? undefined,
      recurrentDropoutMask: recMask ?? undefined,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      goBackwards: this.goBackwards,
    });
    return { sequence: r.sequence, states: [r.lastH, r.lastC] };
  }

  override getConfig(): Record<string, unknown> {
    return this.rnnConfig({ unitForgetBias: this.unitForgetBias });
  }

  cloneWith(overrides: Partial<LSTMArgs>): LSTM {
    return new LSTM({ ...(this.args as LSTMArgs), ...overrides });
  }

  /** Rebuilds an LSTM from its (camelCase) config. */
  static fromConfig(c: Record<string, unknown>): LSTM {
    return new LSTM({
      ...rnnArgsFromConfig(c),
      unitForgetBias: (c.unitForgetBias as boolean | null) ?? true,
    });
  }
}

/** Options of {@link GRU}. */
export interface GRUArgs extends RNNLayerArgs {
  /**
   * Apply the reset gate after the recurrent product (bias [2, 3*units]) as Keras 2+/3's
   * default, or before it (bias [3*units]). Default false: TF.js 4.22's GRU only implements
   * false, so this keeps models interchangeable with it.
   */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit layer, Keras semantics and weight layout (kernel [inputDim, 3*units],
 * recurrentKernel [units, 3*units], gate order z, r, h), one fused kernel call per sequence
 * forward and one backward. Outputs as {@link LSTM}, with one state h.
 */
export class GRU extends RNNLayer {
  static readonly className = 'GRU';
  protected readonly gates = 3;
  readonly stateNames = ['h'] as const;
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? false;
  }

  getClassName(): string {
    return GRU.className;
  }

  protected biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected run(x: Tensor, states: Tensor[], mask: Tensor | null, recMask: Tensor | null) {
    const r = gruSequence({
      x,
      kernel: this.kernel!,
      recurrentKernel: this.recurrentKernel!,
      bias: this.bias,
      h0: states[0],
      mask: mask ?? undefined,
      recurrentDropoutMask: recMask ?? undefined,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      goBackwards: this.goBackwards,
      resetAfter: this.resetAfter,
    });
    return { sequence: r.sequence, states: [r.lastH] };
  }

  override getConfig(): Record<string, unknown> {
    return this.rnnConfig({ resetAfter: this.resetAfter });
  }

  cloneWith(overrides: Partial<GRUArgs>): GRU {
    return new GRU({ ...(this.args as GRUArgs), ...overrides });
  }

  /** Rebuilds a GRU from its (camelCase) config. */
  static fromConfig(c: Record<string, unknown>): GRU {
    return new GRU({
      ...rnnArgsFromConfig(c),
      resetAfter: (c.resetAfter as boolean | null) ?? false,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Wrappers.

/** How {@link Bidirectional} combines the two directions (null: output both). */
export type MergeMode = 'concat' | 'sum' | 'ave' | 'mul';

/** Options of {@link Bidirectional}. */
export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer to run both ways (an unbuilt LSTM or GRU; it serves as a template). */
  layer: RNNLayer;
  /** Default 'concat' (last axis); 'sum', 'ave', 'mul', or null for [forward, backward]. */
  mergeMode?: MergeMode | null;
}

/** Indices T-1 .. 0 along the time axis. */
function reverseTime(t: Tensor): Tensor {
  const T = t.shape[1];
  const idx = tensor(
    Int32Array.from({ length: T }, (_, i) => T - 1 - i),
    [T],
    'int32',
  );
  const out = gather(t, idx, 1);
  idx.dispose();
  return out;
}

/**
 * Runs a recurrent layer forwards and a copy of it backwards (`goBackwards`) over the same
 * input and merges their outputs (Keras semantics: with `returnSequences`, the backward
 * sequence is reversed back to input order first). Weights: the forward layer's then the
 * backward layer's, saved as `<name>/forward_<inner>/kernel`, ... as TF.js. Initial states are
 * extra inputs, the forward layer's then the backward layer's: `apply([x, fh, fc, bh, bc])`.
 * Masks reach both directions; as TF.js, masked steps are not zeroed in the output.
 */
export class Bidirectional extends Layer {
  static readonly className = 'Bidirectional';
  /** The wrapped layer as given (serialized as the config's `layer`). */
  readonly layer: RNNLayer;
  readonly forwardLayer: RNNLayer;
  readonly backwardLayer: RNNLayer;
  readonly mergeMode: MergeMode | null;
  readonly returnSequences: boolean;
  readonly returnState: boolean;

  constructor(args: BidirectionalArgs) {
    const inner = args.layer;
    super({
      ...args,
      batchInputShape:
        args.batchInputShape ??
        (args.inputShape === undefined ? inner?.batchInputShape : undefined),
    });
    if (!(inner instanceof RNNLayer)) {
      throw new Error(
        `${this.name}: layer must be an LSTM or GRU layer, got ${(inner as unknown) instanceof Layer ? (inner as Layer).getClassName() : String(inner)}`,
      );
    }
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (mode !== null && !['concat', 'sum', 'ave', 'mul'].includes(mode)) {
      throw new Error(
        `${this.name}: mergeMode must be 'concat', 'sum', 'ave', 'mul' or null, got '${String(mode)}'`,
      );
    }
    this.mergeMode = mode;
    this.layer = inner;
    const base = {
      batchInputShape: undefined,
      inputShape: undefined,
      weights: undefined,
      trainable: this.trainable,
    };
    this.forwardLayer = inner.cloneWith({ ...base, name: `forward_${inner.name}` });
    this.backwardLayer = inner.cloneWith({
      ...base,
      name: `backward_${inner.name}`,
      goBackwards: !inner.goBackwards,
    });
    this.returnSequences = inner.returnSequences;
    this.returnState = inner.returnState;
  }

  getClassName(): string {
    return Bidirectional.className;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = primaryShape(inputShape);
    this.forwardLayer.build(s);
    this.backwardLayer.build(s);
    for (const w of [...this.forwardLayer.layerWeights, ...this.backwardLayer.layerWeights])
      this.layerWeights.push({ ...w, originalName: `${this.name}/${w.originalName}` });
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const f = this.forwardLayer.computeOutputShape(primaryShape(inputShape));
    const shapes = (this.returnState ? f : [f]) as Shape[];
    const out = shapes[0].slice();
    const states = shapes.slice(1);
    const last = out.length - 1;
    if (this.mergeMode === 'concat') out[last] = out[last] === null ? null : out[last]! * 2;
    const outs = this.mergeMode === null ? [out, out.slice()] : [out];
    if (this.returnState) return [...outs, ...states, ...states.map((s) => s.slice())];
    return outs.length === 1 ? outs[0] : outs;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | undefined): Mask {
    const m = this.returnSequences ? primaryMask(mask) : null;
    const outs = this.mergeMode === null ? [m, m] : [m];
    if (!this.returnState) return outs.length === 1 ? outs[0] : outs;
    const n = 2 * this.forwardLayer.stateNames.length;
    return [...outs, ...Array.from({ length: n }, () => null)];
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const states = list.slice(1);
    const per = this.forwardLayer.stateNames.length;
    if (states.length !== 0 && states.length !== 2 * per) {
      throw new Error(
        `${this.name}: expected ${2 * per} initial state tensors after the input (the forward layer's ${this.forwardLayer.stateNames.join(', ')}, then the backward layer's), got ${states.length}`,
      );
    }
    const sub: CallArgs = { training: args.training, mask: primaryMask(args.mask) };
    const withStates = (s: Tensor[]) => (s.length > 0 ? [x, ...s] : x);
    let y = this.forwardLayer.call(withStates(states.slice(0, per)), sub);
    let yRev = this.backwardLayer.call(withStates(states.slice(per)), sub);
    let outStates: Tensor[] = [];
    if (this.returnState) {
      const fy = y as Tensor[];
      const by = yRev as Tensor[];
      outStates = [...fy.slice(1), ...by.slice(1)];
      y = fy[0];
      yRev = by[0];
    }
    let a = y as Tensor;
    let b = yRev as Tensor;
    const drop = (t: Tensor) => {
      if (!outStates.includes(t)) t.dispose();
    };
    if (this.returnSequences) {
      const r = reverseTime(b);
      drop(b);
      b = r;
    }
    let outs: Tensor[];
    if (this.mergeMode === null) {
      outs = [a, b];
    } else {
      let out: Tensor;
      if (this.mergeMode === 'concat') out = concat([a, b], a.rank - 1);
      else if (this.mergeMode === 'sum') out = add(a, b);
      else if (this.mergeMode === 'mul') out = mul(a, b);
      else {
        const s = add(a, b);
        const half = scalar(0.5);
        out = mul(s, half);
        release(s, half);
      }
      drop(a);
      drop(b);
      a = out;
      outs = [out];
    }
    if (this.returnState) return [...outs, ...outStates];
    return outs.length === 1 ? outs[0] : outs;
  }

  override getConfig(): Record<string, unknown> {
    return {
      mergeMode: this.mergeMode,
      layer: nestedLayerJson(this.layer),
      ...super.getConfig(),
    };
  }
}

/** Options of {@link TimeDistributed}. */
export interface TimeDistributedArgs extends LayerArgs {
  /** The layer to apply at every timestep (e.g. a Dense layer). */
  layer: Layer;
}

/**
 * Applies a layer to every timestep of [batch, timesteps, ...] independently, by running it
 * once on [batch*timesteps, ...]. Its weights are saved as `<name>/kernel`, ... as TF.js.
 * Passes masks through.
 */
export class TimeDistributed extends Layer {
  static readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    super(args);
    if (!(args.layer instanceof Layer)) {
      throw new Error(`${this.name}: layer must be a Layer, got ${String(args.layer)}`);
    }
    this.layer = args.layer;
    this.supportsMasking = true;
  }

  getClassName(): string {
    return TimeDistributed.className;
  }

  private childShape(inputShape: Shape | Shape[]): Shape {
    const s = primaryShape(inputShape);
    if (s.length < 3) {
      throw new Error(
        `${this.name}: expected input of rank >= 3 [batch, timesteps, ...], got ${fmtShape(s)}`,
      );
    }
    return [s[0] === null || s[1] === null ? null : s[0] * s[1], ...s.slice(2)];
  }

  override build(inputShape: Shape | Shape[]): void {
    const child = this.childShape(inputShape);
    child[0] = null;
    if (!this.layer.built) this.layer.build(child);
    const prefix = `${this.layer.name}/`;
    for (const w of this.layer.layerWeights) {
      const rest = w.originalName.startsWith(prefix)
        ? w.originalName.slice(prefix.length)
        : w.originalName;
      this.layerWeights.push({ ...w, originalName: `${this.name}/${rest}` });
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = primaryShape(inputShape);
    const child = this.childShape(inputShape);
    child[0] = s[0];
    const out = this.layer.computeOutputShape(child) as Shape;
    return [out[0], s[1], ...out.slice(1)];
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank < 3) {
      throw new Error(
        `${this.name}: expected input of rank >= 3 [batch, timesteps, ...], got ${fmt(x.shape)}`,
      );
    }
    const [b, T] = x.shape;
    const flat = reshape(x, [b * T, ...x.shape.slice(2)]);
    const y = this.layer.call(flat, {
      training: args.training,
      skipActivation: args.skipActivation,
    });
    if (Array.isArray(y))
      throw new Error(`${this.name}: the wrapped layer must have a single output`);
    const out = reshape(y, [b, T, ...y.shape.slice(1)]);
    release(flat, y);
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { layer: nestedLayerJson(this.layer), ...super.getConfig() };
  }
}

let registered = false;

/**
 * Registers Embedding, LSTM, GRU, Bidirectional and TimeDistributed for deserialization
 * (idempotent). @internal
 */
export function registerRecurrentLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer('Embedding', (c) => Embedding.fromConfig(c));
  registerLayer('LSTM', (c) => LSTM.fromConfig(c));
  registerLayer('GRU', (c) => GRU.fromConfig(c));
  registerLayer('Bidirectional', (c) => {
    const name = String(c.name);
    const inner = nestedLayerFromJson(c.layer, name);
    if (!(inner instanceof RNNLayer))
      throw new Error(`${name}: Bidirectional wraps an LSTM or GRU, got ${inner.getClassName()}`);
    return new Bidirectional({
      ...baseArgs(c),
      layer: inner,
      mergeMode: c.mergeMode === undefined ? 'concat' : (c.mergeMode as MergeMode | null),
    });
  });
  registerLayer('TimeDistributed', (c) => {
    const inner = nestedLayerFromJson(c.layer, String(c.name));
    return new TimeDistributed({ ...baseArgs(c), layer: inner });
  });
}

/** An embedding layer (see {@link Embedding}). */
export const embedding = (args: EmbeddingArgs): Embedding => new Embedding(args);
/** An LSTM layer (see {@link LSTM}). */
export const lstm = (args: LSTMArgs): LSTM => new LSTM(args);
/** A GRU layer (see {@link GRU}). */
export const gru = (args: GRUArgs): GRU => new GRU(args);
/** A bidirectional wrapper (see {@link Bidirectional}). */
export const bidirectional = (args: BidirectionalArgs): Bidirectional => new Bidirectional(args);
/** A per-timestep wrapper (see {@link TimeDistributed}). */
export const timeDistributed = (args: TimeDistributedArgs): TimeDistributed =>
  new TimeDistributed(args);
