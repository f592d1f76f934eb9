/**
 * @zoo/cnn: convolutional networks. Re-exports `@zoo/core` (tensors, `sequential`, `model`,
 * `compile`/`fit`, optimizers, losses, save/load, the image helpers) and `@zoo/dnn`'s
 * `dense`, `dropout`, `activation` and `mlp`, so `npm i @zoo/cnn` alone is enough for a CNN,
 * and adds the layer factories `conv2d`, `maxPooling2d`, `averagePooling2d`,
 * `globalAveragePooling2d`, `globalMaxPooling2d`, `flatten`, `zeroPadding2d`, the 1-D
 * `conv1d`, `maxPooling1d`, `averagePooling1d` for sequences, and the ready-made models
 * `lenet5` and `mnistCnn`.
 *
 * As in `@zoo/dnn` (where `dropout` is the layer factory), the top-level `conv2d` here is the
 * layer factory; the convolution op is `fused.conv2d`.
 *
 * @packageDocumentation
 */
export * from '@zoo/core';
export { activation, dense, dropout, type MlpArgs, mlp } from '@zoo/dnn';
export {
  averagePooling1d,
  averagePooling2d,
  conv1d,
  conv2d,
  flatten,
  globalAveragePooling2d,
  globalMaxPooling2d,
  maxPooling1d,
  maxPooling2d,
  zeroPadding2d,
} from './layers.js';
export { type LeNet5Args, lenet5, type MnistCnnArgs, mnistCnn } from './models.js';

import { layers as coreLayers } from '@zoo/core';
import {
  averagePooling2d,
  conv2d,
  flatten,
  globalAveragePooling2d,
  globalMaxPooling2d,
  maxPooling2d,
  zeroPadding2d,
} from './layers.js';

/**
 * Layer factories, as `tf.layers`: `@zoo/core`'s `dense`, `dropout`, `activation` plus the
 * convolutional ones (`layers.conv2d({ filters: 32, kernelSize: 3 })`, ...).
 */
export const layers = {
  ...coreLayers,
  conv2d,
  maxPooling2d,
  averagePooling2d,
  globalAveragePooling2d,
  globalMaxPooling2d,
  flatten,
  zeroPadding2d,
} as const;
