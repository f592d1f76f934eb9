/**
 * @zoo/resnet: residual networks. Re-exports `@zoo/cnn` (and through it `@zoo/core` and
 * `@zoo/dnn`: tensors, `input`/`model`, `compile`/`fit`, optimizers, save/load, `conv2d`,
 * pooling, `dense`, `activation`, ...), so `npm i @zoo/resnet` alone is enough, and adds:
 *
 * - the layer factories `batchNormalization`, `add` and `concatenate` (Keras's
 *   BatchNormalization, Add and Concatenate; here `add` is the merge layer, the tensor op of
 *   that name is `@zoo/core`'s);
 * - `residualBlock(x, { filters, kind: 'basic' | 'bottleneck', strides, projection })` for
 *   functional graphs;
 * - He et al.'s CIFAR ResNets `resnet20`, `resnet32`, `resnet56` (`resnetCifar({ depth })`)
 *   and the ImageNet ones `resnet18`, `resnet34`, `resnet50` (keras.applications' options
 *   and, for ResNet-50, its layer names), with `loadWeights` to fill them from a converted
 *   Keras model by weight name;
 * - learning-rate schedules `stepDecay`, `cosineDecay` and the `learningRateScheduler`
 *   callback for `fit`.
 *
 * ```ts
 * import { resnet20, train, cosineDecay, learningRateScheduler } from '@zoo/resnet';
 * const m = resnet20({ inputShape: [32, 32, 3], classes: 10, weightDecay: 1e-4 });
 * m.compile({ optimizer: train.sgd(0.1, { momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
 * await m.fit(x, y, { epochs: 30, batchSize: 128,
 *   callbacks: [learningRateScheduler(cosineDecay({ initial: 0.1, epochs: 30 }), { updateEvery: 'batch' })] });
 * ```
 *
 * @packageDocumentation
 */
export * from '@zoo/cnn';
export {
  add,
  batchNormalization,
  concatenate,
  type ResidualBlockArgs,
  residualBlock,
} from './blocks.js';
export {
  type CifarResNetArgs,
  type ImageNetResNetArgs,
  type ResNetCifarArgs,
  resnet18,
  resnet20,
  resnet32,
  resnet34,
  resnet50,
  resnet56,
  resnetCifar,
} from './models.js';
export {
  type CosineDecayArgs,
  cosineDecay,
  type EpochScheduleFn,
  type LearningRateSchedule,
  LearningRateScheduler,
  type LearningRateSchedulerArgs,
  learningRateScheduler,
  type ScheduleUnit,
  type StepDecayArgs,
  stepDecay,
} from './schedules.js';
export {
  type LoadWeightsOptions,
  type LoadWeightsResult,
  loadWeights,
  setWeightsFromArtifacts,
} from './weights.js';

import { activation, layers as cnnLayers } from '@zoo/cnn';
import { add, batchNormalization, concatenate } from './blocks.js';

/**
 * Layer factories, as `tf.layers`: `@zoo/cnn`'s (dense, dropout, activation, conv2d, pooling,
 * flatten, zeroPadding2d, ...) plus `batchNormalization` and the merge layer `add`:
 * `layers.batchNormalization({ epsilon: 1.001e-5 })`, `layers.add().apply([a, b])`.
 */
export const layers = {
  ...cnnLayers,
  activation,
  batchNormalization,
  add,
  concatenate,
} as const;
