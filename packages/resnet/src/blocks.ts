// Residual blocks on the functional API: basic (two 3x3 convolutions) and bottleneck (1x1, 3x3,
// 1x1 with 4x expansion), each conv followed by batch normalization, with an identity or
// projection (1x1 conv + batch norm) shortcut, joined by an Add layer and a ReLU.
import {
  Activation,
  type ActivationIdentifier,
  Add,
  BatchNormalization,
  type BatchNormalizationArgs,
  Concatenate,
  type ConcatenateArgs,
  Conv2D,
  type Initializer,
  type InitializerIdentifier,
  type Layer,
  type LayerArgs,
  type Regularizer,
  SymbolicTensor,
} from '@zoo/core';

/**
 * Batch normalization with Keras's semantics and defaults (`axis: -1`, `momentum: 0.99`,
 * `epsilon: 1e-3`, `center`, `scale`): batch statistics in training (the moving mean and
 * variance are updated then), the moving statistics in inference. See `@zoo/core`'s
 * `BatchNormalization`.
 */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}

/**
 * The element-wise sum of a list of same-shape inputs (Keras's `Add` merge layer):
 * `add().apply([shortcut, x])`. Inputs of different shapes are an error naming the layer.
 * (Here `add` is the layer; the tensor op of that name is `@zoo/core`'s `add`.)
 */
export function add(args: LayerArgs = {}): Add {
  return new Add(args);
}

/**
 * Joins a list of inputs along an axis (default the last, channels), as Keras's
 * `Concatenate`: `concatenate().apply([a, b])`. See `@zoo/core`'s `Concatenate`.
 */
export function concatenate(args: ConcatenateArgs = {}): Concatenate {
  return new Concatenate(args);
}

/** Options of {@link residualBlock}. */
export interface ResidualBlockArgs {
  /**
   * Filters of the block's convolutions: the output channels of a basic block; the bottleneck
   * width of a bottleneck block, whose output has `expansion × filters` channels (Keras's
   * `filters` in `resnet.py`).
   */
  filters: number;
  /** `'basic'` (3x3, 3x3; ResNet-18/34 and the CIFAR ResNets) or `'bottleneck'` (1x1, 3x3, 1x1; ResNet-50 and deeper). Default `'basic'`. */
  kind?: 'basic' | 'bottleneck';
  /** Window of the 3x3 convolutions (default 3). */
  kernelSize?: number;
  /** Stride of the block (default 1); 2 halves height and width. */
  strides?: number;
  /**
   * The shortcut: `true` a projection (1x1 convolution with the block's stride, then batch
   * normalization unless `projectionBatchNorm` is false), `false` the identity (the input's
   * shape must equal the output's), `'auto'` (default) a projection exactly when the shape
   * changes (stride ≠ 1 or channels differ): He et al.'s option B.
   */
  projection?: boolean | 'auto';
  /** Batch normalization after the projection convolution (default true, as keras.applications). */
  projectionBatchNorm?: boolean;
  /** Output channels over `filters` of a bottleneck block (default 4). */
  expansion?: number;
  /**
   * Which convolution of a bottleneck block carries the stride: `'first'` (the first 1x1, as
   * the original ResNet and keras.applications' ResNet50; default) or `'middle'` (the 3x3, as
   * "ResNet v1.5").
   */
  bottleneckStride?: 'first' | 'middle';
  /**
   * Layer name prefix, keras.applications style: with `'conv2_block1'` the layers are
   * `conv2_block1_0_conv`, `_0_bn` (projection), `_1_conv`, `_1_bn`, `_1_relu`, `_2_conv`,
   * `_2_bn`, (`_2_relu`, `_3_conv`, `_3_bn` in a bottleneck), `_add` and `_out`. Without it
   * the layers get unique default names.
   */
  namePrefix?: string;
  /** Batch-norm epsilon (default 1e-3, Keras's; keras.applications' ResNets use 1.001e-5). */
  bnEpsilon?: number;
  /** Batch-norm momentum of the moving statistics (default 0.99, Keras's). */
  bnMomentum?: number;
  /** Whether the convolutions have a bias (default true, as keras.applications' ResNet50). */
  useBias?: boolean;
  /** Kernel initializer of the convolutions (default `'glorotUniform'`, Keras's). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the convolution kernels, e.g. `regularizers.l2({ l2: 1e-4 })` (weight decay). */
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  /** Activation after each inner batch norm and after the addition (default `'relu'`). */
  activation?: ActivationIdentifier;
}

function positiveInt(fn: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new Error(`${fn}: ${what} must be a positive integer, got ${String(v)}`);
  }
  return v as number;
}

function fmtSym(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/**
 * Appends a residual block to a functional graph and returns its output:
 *
 * - basic: conv(k×k, stride) → BN → act → conv(k×k) → BN, plus the shortcut, → add → act;
 * - bottleneck: conv 1x1 (stride) → BN → act → conv k×k → BN → act → conv 1x1
 *   (`expansion × filters`) → BN, plus the shortcut, → add → act (keras.applications'
 *   `residual_block_v1`, whose layer names `namePrefix` reproduces).
 *
 * ```ts
 * const inp = input({ shape: [32, 32, 16] });
 * let x = residualBlock(inp, { filters: 16 });                 // identity shortcut
 * x = residualBlock(x, { filters: 32, strides: 2 });          // projection: the shape changes
 * ```
 */
export function residualBlock(x: SymbolicTensor, args: ResidualBlockArgs): SymbolicTensor {
  const who = `residualBlock${args?.namePrefix !== undefined ? ` '${args.namePrefix}'` : ''}`;
  if (!(x instanceof SymbolicTensor)) {
    throw new Error(
      `${who}: x must be a symbolic tensor (from input() or a layer's apply), got ${x === null ? 'null' : typeof x}`,
    );
  }
  if (args === null || typeof args !== 'object') throw new Error(`${who}: expected options`);
  if (x.rank !== 4) {
    throw new Error(
      `${who}: expected an NHWC input of rank 4 [batch, height, width, channels], got ${fmtSym(x.shape)}`,
    );
  }
  const inChannels = x.shape[3];
  if (inChannels === null) {
    throw new Error(`${who}: the input's channel dimension must be known, got ${fmtSym(x.shape)}`);
  }
  const filters = positiveInt(who, 'filters', args.filters);
  const kind = args.kind ?? 'basic';
  if (kind !== 'basic' && kind !== 'bottleneck') {
    throw new Error(`${who}: kind must be 'basic' or 'bottleneck', got '${String(args.kind)}'`);
  }
  const k = positiveInt(who, 'kernelSize', args.kernelSize ?? 3);
  const strides = positiveInt(who, 'strides', args.strides ?? 1);
  const expansion = kind === 'bottleneck' ? positiveInt(who, 'expansion', args.expansion ?? 4) : 1;
  const stridePos = args.bottleneckStride ?? 'first';
  if (stridePos !== 'first' && stridePos !== 'middle') {
    throw new Error(
      `${who}: bottleneckStride must be 'first' or 'middle', got '${String(args.bottleneckStride)}'`,
    );
  }
  const outChannels = filters * expansion;
  const projArg = args.projection ?? 'auto';
  if (projArg !== true && projArg !== false && projArg !== 'auto') {
    throw new Error(`${who}: projection must be true, false or 'auto', got ${String(projArg)}`);
  }
  const shapeChanges = strides !== 1 || inChannels !== outChannels;
  const projection = projArg === 'auto' ? shapeChanges : projArg;
  if (!projection && shapeChanges) {
    throw new Error(
      `${who}: an identity shortcut needs the output shape to equal the input's, but the input ${fmtSym(x.shape)} becomes ${outChannels} channels with stride ${strides}; use projection: true or 'auto'`,
    );
  }
  const act = args.activation ?? 'relu';
  const p = args.namePrefix;
  const name = (suffix: string) => (p === undefined ? undefined : `${p}_${suffix}`);
  const conv = (f: number, size: number, s: number, suffix: string): Conv2D =>
    new Conv2D({
      filters: f,
      kernelSize: size,
      strides: s,
      padding: size === 1 ? 'valid' : 'same',
      useBias: args.useBias ?? true,
      kernelInitializer: args.kernelInitializer,
      kernelRegularizer: args.kernelRegularizer,
      name: name(suffix),
    });
  const bn = (suffix: string): Layer =>
    new BatchNormalization({
      axis: -1,
      epsilon: args.bnEpsilon ?? 1e-3,
      momentum: args.bnMomentum ?? 0.99,
      name: name(suffix),
    });
  const relu = (suffix: string): Activation =>
    new Activation({ activation: act, name: name(suffix) });
  const apply = (l: Layer, t: SymbolicTensor) => l.apply(t) as SymbolicTensor;

  // The shortcut first, as keras.applications builds it (layer creation order = weight order).
  let shortcut = x;
  if (projection) {
    shortcut = apply(conv(outChannels, 1, strides, '0_conv'), x);
    if (args.projectionBatchNorm ?? true) shortcut = apply(bn('0_bn'), shortcut);
  }
  let y: SymbolicTensor;
  if (kind === 'basic') {
    y = apply(conv(filters, k, strides, '1_conv'), x);
    y = apply(bn('1_bn'), y);
    y = apply(relu('1_relu'), y);
    y = apply(conv(filters, k, 1, '2_conv'), y);
    y = apply(bn('2_bn'), y);
  } else {
    const first = stridePos === 'first' ? strides : 1;
    y = apply(conv(filters, 1, first, '1_conv'), x);
    y = apply(bn('1_bn'), y);
    y = apply(relu('1_relu'), y);
    y = apply(conv(filters, k, strides / first, '2_conv'), y);
    y = apply(bn('2_bn'), y);
    y = apply(relu('2_relu'), y);
    y = apply(conv(outChannels, 1, 1, '3_conv'), y);
    y = apply(bn('3_bn'), y);
  }
  const sum = new Add({ name: name('add') }).apply([shortcut, y]) as SymbolicTensor;
  return apply(relu('out'), sum);
}
