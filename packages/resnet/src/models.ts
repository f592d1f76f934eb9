// Ready-made residual networks: He et al.'s CIFAR ResNets (6n+2 layers) and the ImageNet ones
// (ResNet-18/34 with basic blocks, ResNet-50 layer for layer as keras.applications.ResNet50).
import {
  Activation,
  type ActivationIdentifier,
  BatchNormalization,
  Conv2D,
  Dense,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type Initializer,
  type InitializerIdentifier,
  InputLayer,
  type Layer,
  type LayersModel,
  MaxPooling2D,
  model,
  type Regularizer,
  regularizers,
  type SymbolicTensor,
  ZeroPadding2D,
} from '@zoo/core';
import { residualBlock } from './blocks.js';

function positiveInt(fn: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new Error(`${fn}: ${what} must be a positive integer, got ${String(v)}`);
  }
  return v as number;
}

/** Checks `inputShape` is [height, width, channels]; height and width may be null when allowed. */
function imageShape(
  fn: string,
  inputShape: unknown,
  minSide: number,
  allowUnknown: boolean,
): (number | null)[] {
  const ok =
    Array.isArray(inputShape) &&
    inputShape.length === 3 &&
    inputShape.every(
      (d, i) =>
        (Number.isInteger(d) && d >= 1) || (allowUnknown && i < 2 && (d === null || d === -1)),
    );
  if (!ok) {
    throw new Error(
      `${fn}: inputShape must be [height, width, channels] of positive integers${allowUnknown ? ' (height and width may be null without a top)' : ''}, got ${JSON.stringify(inputShape)}`,
    );
  }
  const s = (inputShape as (number | null)[]).map((d) => (d === -1 ? null : d));
  if (s.slice(0, 2).some((d) => d !== null && d < minSide)) {
    throw new Error(
      `${fn}: inputShape ${JSON.stringify(s)} is too small: height and width must be at least ${minSide}`,
    );
  }
  return s;
}

function weightDecayArg(fn: string, v: unknown): Regularizer | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${fn}: weightDecay must be a non-negative number, got ${String(v)}`);
  }
  return regularizers.l2({ l2: v });
}

function makeInput(shape: (number | null)[]): SymbolicTensor {
  return new InputLayer({ name: 'input_1', batchInputShape: [null, ...shape] }).output;
}

const apply = (l: Layer, t: SymbolicTensor) => l.apply(t) as SymbolicTensor;

// ---------------------------------------------------------------------------------------------
// CIFAR ResNets

/** Options of {@link resnet20}, {@link resnet32}, {@link resnet56} and {@link resnetCifar}. */
export interface CifarResNetArgs {
  /** [height, width, channels] of one image (default [32, 32, 3]); Fashion-MNIST padded: [32, 32, 1]. */
  inputShape?: number[];
  /** Output classes (default 10). */
  classes?: number;
  /**
   * L2 penalty on every convolution kernel, added to the loss as `weightDecay · Σ w²`
   * (default 1e-4, as Keras's cifar10 ResNet example; 0 for none).
   */
  weightDecay?: number;
  /** Batch norm after the 1x1 projection shortcuts (default false, as Keras's cifar10 example). */
  shortcutBatchNorm?: boolean;
  /** Kernel initializer of the convolutions and the classifier (default `'heNormal'`, as the paper and Keras's example). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Batch-norm epsilon (default 1e-3, Keras's). */
  bnEpsilon?: number;
  /** Batch-norm momentum (default 0.99, Keras's). */
  bnMomentum?: number;
  /** Activation of the classifier (default `'softmax'`; `'linear'` for logits). */
  classifierActivation?: ActivationIdentifier;
  /** Model name (default `resnet<depth>`). */
  name?: string;
}

/** Options of {@link resnetCifar}: the depth 6n + 2 (20, 32, 44, 56, 110, ...). */
export interface ResNetCifarArgs extends CifarResNetArgs {
  depth: number;
}

/**
 * He et al. 2015's CIFAR-10 ResNet (section 4.2), uncompiled: a 3x3 convolution of 16 filters
 * with batch norm and ReLU, three stages of n basic residual blocks of 16, 32 and 64 filters
 * (the first block of stages 2 and 3 with stride 2), global average pooling and a dense
 * softmax: 6n + 2 weighted layers (`depth`).
 *
 * Shortcuts are He et al.'s option B as in Keras's cifar10 ResNet v1 example: identity, and a
 * 1x1 projection convolution where the shape changes (the paper's CIFAR runs use option A,
 * zero-padded identity shortcuts, which have no weights: its 0.27M, 0.46M and 0.85M for
 * ResNet-20/32/56 are slightly below these models' 274,442, 470,218 and 861,770,
 * counting batch-norm moving statistics as Keras does). As that
 * example, convolutions have biases, He-normal kernels and an L2 penalty of 1e-4.
 *
 * Layers are named as keras.applications' ResNets, with the stages called conv2 to conv4:
 * `conv1_conv`, `conv1_bn`, `conv1_relu`, `conv2_block1_1_conv`, ..., `conv4_block3_out`,
 * `avg_pool`, `predictions`.
 */
export function resnetCifar(args: ResNetCifarArgs): LayersModel {
  const depth = args?.depth;
  const fn = `resnetCifar(depth ${String(depth)})`;
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new Error(
      `resnetCifar: depth must be 6n + 2 (20, 32, 44, 56, 110, ...), got ${String(depth)}`,
    );
  }
  return cifar(fn, depth, args);
}

const KNOWN_CIFAR_KEYS = new Set([
  'depth',
  'inputShape',
  'classes',
  'weightDecay',
  'shortcutBatchNorm',
  'kernelInitializer',
  'bnEpsilon',
  'bnMomentum',
  'classifierActivation',
  'name',
]);

/** Throws on an option the builder does not know (a typo would otherwise be ignored). */
function checkKeys(fn: string, args: object, known: Set<string>): void {
  for (const k of Object.keys(args)) {
    if (!known.has(k)) {
      throw new Error(`${fn}: unknown option '${k}'; expected ${[...known].join(', ')}`);
    }
  }
}

function cifar(fn: string, depth: number, args: CifarResNetArgs): LayersModel {
  if (args === null || typeof args !== 'object') throw new Error(`${fn}: expected options`);
  checkKeys(fn, args, KNOWN_CIFAR_KEYS);
  const shape = imageShape(fn, args.inputShape ?? [32, 32, 3], 1, false);
  const classes = positiveInt(fn, 'classes', args.classes ?? 10);
  const reg = weightDecayArg(fn, args.weightDecay ?? 1e-4);
  const init = args.kernelInitializer ?? 'heNormal';
  const eps = args.bnEpsilon ?? 1e-3;
  const momentum = args.bnMomentum ?? 0.99;
  const n = (depth - 2) / 6;
  const inp = makeInput(shape);
  let x = apply(
    new Conv2D({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: init,
      kernelRegularizer: reg,
      name: 'conv1_conv',
    }),
    inp,
  );
  x = apply(new BatchNormalization({ axis: -1, epsilon: eps, momentum, name: 'conv1_bn' }), x);
  x = apply(new Activation({ activation: 'relu', name: 'conv1_relu' }), x);
  [16, 32, 64].forEach((filters, stage) => {
    for (let b = 1; b <= n; b++) {
      x = residualBlock(x, {
        kind: 'basic',
        filters,
        strides: stage > 0 && b === 1 ? 2 : 1,
        projection: 'auto',
        projectionBatchNorm: args.shortcutBatchNorm ?? false,
        namePrefix: `conv${stage + 2}_block${b}`,
        bnEpsilon: eps,
        bnMomentum: momentum,
        kernelInitializer: init,
        kernelRegularizer: reg,
      });
    }
  });
  x = apply(new GlobalAveragePooling2D({ name: 'avg_pool' }), x);
  const out = apply(
    new Dense({
      units: classes,
      activation: args.classifierActivation ?? 'softmax',
      kernelInitializer: init,
      name: 'predictions',
    }),
    x,
  );
  return model({ inputs: inp, outputs: out, name: args.name ?? `resnet${depth}` });
}

/**
 * ResNet-20 for CIFAR-style 32x32 images (n = 3; 274,442 parameters on [32, 32, 3] with 10
 * classes, the paper's 0.27M), uncompiled. See {@link resnetCifar} for the architecture.
 *
 * ```ts
 * const m = resnet20({ inputShape: [32, 32, 1], classes: 10 });
 * m.compile({ optimizer: train.sgd(0.1, { momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export function resnet20(args: CifarResNetArgs = {}): LayersModel {
  return cifar('resnet20', 20, args);
}

/**
 * ResNet-32 for CIFAR-style images (n = 5): 470,218 parameters on [32, 32, 3] with 10 classes
 * (the paper's 0.46M is with option A shortcuts, which have no weights). See {@link resnetCifar}.
 */
export function resnet32(args: CifarResNetArgs = {}): LayersModel {
  return cifar('resnet32', 32, args);
}

/**
 * ResNet-56 for CIFAR-style images (n = 9): 861,770 parameters on [32, 32, 3] with 10 classes
 * (the paper's 0.85M is with option A shortcuts). See {@link resnetCifar}.
 */
export function resnet56(args: CifarResNetArgs = {}): LayersModel {
  return cifar('resnet56', 56, args);
}

// ---------------------------------------------------------------------------------------------
// ImageNet ResNets

/** Options of {@link resnet18}, {@link resnet34} and {@link resnet50}, as keras.applications'. */
export interface ImageNetResNetArgs {
  /**
   * [height, width, channels] of one image. Default [224, 224, 3] with the top; without it
   * [null, null, 3] (any size). Height and width at least 32 (Keras's minimum).
   */
  inputShape?: (number | null)[];
  /** Whether the classifier (global average pooling `avg_pool` + dense `predictions`) is included (default true). */
  includeTop?: boolean;
  /**
   * Without the top: `'avg'` (global average pooling, layer `avg_pool`), `'max'` (`max_pool`)
   * or undefined / null (the last block's 4-D output). Ignored with the top, as in Keras.
   */
  pooling?: 'avg' | 'max' | null;
  /** Output classes of the top (default 1000). */
  classes?: number;
  /**
   * Only `null` (random initialization; the default). To use Keras's ImageNet weights, convert
   * them (`tensorflowjs_converter --input_format keras`) and load them with `loadWeights`.
   */
  weights?: null;
  /** Activation of the `predictions` layer (default `'softmax'`; `'linear'` for logits). */
  classifierActivation?: ActivationIdentifier | null;
  /** Kernel initializer of the convolutions (default `'glorotUniform'`, Keras's). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** L2 penalty on the convolution kernels (default none, as keras.applications). */
  weightDecay?: number;
  /** Whether convolutions have biases (default true, as keras.applications' ResNet50). */
  useBias?: boolean;
  /** Batch-norm epsilon (default 1.001e-5, keras.applications'). */
  bnEpsilon?: number;
  /** Model name (default `'resnet18'`, `'resnet34'`, `'resnet50'`). */
  name?: string;
}

const KNOWN_IMAGENET_KEYS = new Set([
  'inputShape',
  'includeTop',
  'pooling',
  'classes',
  'weights',
  'classifierActivation',
  'kernelInitializer',
  'weightDecay',
  'useBias',
  'bnEpsilon',
  'name',
]);

function imagenet(
  fn: string,
  kind: 'basic' | 'bottleneck',
  blocks: readonly number[],
  args: ImageNetResNetArgs,
): LayersModel {
  if (args === null || typeof args !== 'object') throw new Error(`${fn}: expected options`);
  checkKeys(fn, args, KNOWN_IMAGENET_KEYS);
  if (args.weights !== undefined && args.weights !== null) {
    throw new Error(
      `${fn}: only weights: null (random initialization) is supported, got ${JSON.stringify(args.weights)}; to use Keras's ImageNet weights, convert them with tensorflowjs_converter and load them with loadWeights(model, 'file:///.../model.json')`,
    );
  }
  const includeTop = args.includeTop ?? true;
  if (typeof includeTop !== 'boolean') {
    throw new Error(`${fn}: includeTop must be true or false, got ${String(args.includeTop)}`);
  }
  const shape = imageShape(
    fn,
    args.inputShape ?? (includeTop ? [224, 224, 3] : [null, null, 3]),
    32,
    !includeTop,
  );
  const classes = positiveInt(fn, 'classes', args.classes ?? 1000);
  const pooling = args.pooling ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') {
    throw new Error(`${fn}: pooling must be 'avg', 'max' or null, got '${String(args.pooling)}'`);
  }
  const reg = weightDecayArg(fn, args.weightDecay);
  const init = args.kernelInitializer ?? 'glorotUniform';
  const useBias = args.useBias ?? true;
  const eps = args.bnEpsilon ?? 1.001e-5;

  const inp = makeInput(shape);
  let x = apply(
    new ZeroPadding2D({
      padding: [
        [3, 3],
        [3, 3],
      ],
      name: 'conv1_pad',
    }),
    inp,
  );
  x = apply(
    new Conv2D({
      filters: 64,
      kernelSize: 7,
      strides: 2,
      useBias,
      kernelInitializer: init,
      kernelRegularizer: reg,
      name: 'conv1_conv',
    }),
    x,
  );
  x = apply(new BatchNormalization({ axis: -1, epsilon: eps, name: 'conv1_bn' }), x);
  x = apply(new Activation({ activation: 'relu', name: 'conv1_relu' }), x);
  x = apply(
    new ZeroPadding2D({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'pool1_pad',
    }),
    x,
  );
  x = apply(new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
  blocks.forEach((count, stage) => {
    const filters = 64 * 2 ** stage;
    for (let b = 1; b <= count; b++) {
      x = residualBlock(x, {
        kind,
        filters,
        strides: stage > 0 && b === 1 ? 2 : 1,
        // keras.applications: a projection on each stage's first block, identity elsewhere
        // (the same as 'auto' here: those are exactly the blocks that change the shape).
        projection: b === 1 && (kind === 'bottleneck' || stage > 0),
        namePrefix: `conv${stage + 2}_block${b}`,
        bnEpsilon: eps,
        useBias,
        kernelInitializer: init,
        kernelRegularizer: reg,
      });
    }
  });
  if (includeTop) {
    x = apply(new GlobalAveragePooling2D({ name: 'avg_pool' }), x);
    x = apply(
      new Dense({
        units: classes,
        activation: args.classifierActivation ?? 'softmax',
        name: 'predictions',
      }),
      x,
    );
  } else if (pooling === 'avg') {
    x = apply(new GlobalAveragePooling2D({ name: 'avg_pool' }), x);
  } else if (pooling === 'max') {
    x = apply(new GlobalMaxPooling2D({ name: 'max_pool' }), x);
  }
  return model({ inputs: inp, outputs: x, name: args.name ?? fn });
}

/**
 * ResNet-50 (He et al. 2015), uncompiled, following keras.applications.ResNet50 layer for
 * layer with the same layer names and weight shapes, so weights converted from Keras load by
 * name: `conv1_pad`, `conv1_conv` (7x7/2, 64), `conv1_bn` (epsilon 1.001e-5), `conv1_relu`,
 * `pool1_pad`, `pool1_pool` (3x3/2 max), then bottleneck blocks [3, 4, 6, 3] of 64, 128, 256 and
 * 512 filters (stride on the first 1x1 convolution, as Keras's v1), named
 * `conv2_block1_0_conv` / `_0_bn` (projection shortcut), `_1_conv`, `_1_bn`, `_1_relu`, ...,
 * `_3_bn`, `conv2_block1_add`, `conv2_block1_out`, ..., `conv5_block3_out`, and with the top
 * `avg_pool` and `predictions`: 177 layers counting the input, 25,636,712 parameters
 * (23,587,712 without the top).
 *
 * ```ts
 * const m = resnet50({ includeTop: true, classes: 1000 }); // weights: null (random)
 * await loadWeights(m, 'file:///models/resnet50/model.json');  // converted from Keras
 * ```
 */
export function resnet50(args: ImageNetResNetArgs = {}): LayersModel {
  return imagenet('resnet50', 'bottleneck', [3, 4, 6, 3], args);
}

/**
 * ResNet-18 (He et al. 2015, table 1), uncompiled: the stem of {@link resnet50} then basic
 * blocks [2, 2, 2, 2] of 64, 128, 256 and 512 filters (3x3 'same' convolutions, the stride on
 * the first), named with resnet50's scheme (`conv2_block1_1_conv`, ..., `conv5_block2_out`).
 * Keras has no ResNet-18 application; this one uses keras.applications' conventions (conv
 * biases, batch-norm epsilon 1.001e-5): 11,703,912 parameters with the top, counting the
 * batch norms' moving statistics as Keras does; with `useBias: false` 11,699,112, which is
 * torchvision's 11,689,512 plus its 9,600 running statistics.
 */
export function resnet18(args: ImageNetResNetArgs = {}): LayersModel {
  return imagenet('resnet18', 'basic', [2, 2, 2, 2], args);
}

/**
 * ResNet-34 (He et al. 2015, table 1), uncompiled: as {@link resnet18} with basic blocks
 * [3, 4, 6, 3]. Keras has no ResNet-34 application; same conventions as resnet18:
 * 21,823,208 parameters with the top; with `useBias: false` 21,814,696, which is
 * torchvision's 21,797,672 plus its 17,024 running statistics.
 */
export function resnet34(args: ImageNetResNetArgs = {}): LayersModel {
  return imagenet('resnet34', 'basic', [3, 4, 6, 3], args);
}
