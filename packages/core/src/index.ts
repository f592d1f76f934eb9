/**
 * @zoo/core: float32 and int32 tensors stored in WebAssembly memory, ops that run in SIMD
 * kernels, and reverse-mode automatic differentiation, with the TF.js API's names.
 *
 * ```ts
 * import * as zoo from '@zoo/core';
 * await zoo.ready();
 * const x = zoo.tensor([[1, 2], [3, 4]]);
 * const dx = zoo.grad((t) => zoo.sum(zoo.square(t)))(x); // 2x
 * ```
 *
 * @packageDocumentation
 */
export {
  type BackendInfo,
  backendInfo,
  isReady,
  type ReadyOptions,
  ready,
  shutdown,
  ZooOutOfMemoryError,
} from './backend.js';
export * as data from './data/idx.js';
export { dispose, isTensor, keep, type MemoryInfo, memory, tidy } from './engine.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './grad.js';
export {
  type IOHandler,
  io,
  type LoadOptions,
  loadLayersModel,
  type ModelArtifacts,
  type ModelArtifactsInfo,
  type ModelJSON,
  type SaveResult,
  type WeightsManifestEntry,
} from './io/index.js';
export {
  ELU,
  type ELUArgs,
  LeakyReLU,
  type LeakyReLUArgs,
  PReLU,
  type PReLUArgs,
  ReLU,
  type ReLUArgs,
  Softmax,
  type SoftmaxArgs,
  ThresholdedReLU,
  type ThresholdedReLUArgs,
} from './layers/activations.js';
export {
  AveragePooling2D,
  Conv2D,
  type Conv2DArgs,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type GlobalPooling2DArgs,
  MaxPooling2D,
  type Pooling2DArgs,
  ZeroPadding2D,
  type ZeroPadding2DArgs,
} from './layers/conv.js';
export {
  AveragePooling1D,
  Conv1D,
  type Conv1DArgs,
  MaxPooling1D,
  type Pooling1DArgs,
} from './layers/conv1d.js';
export {
  Activation,
  type ActivationArgs,
  type ActivationIdentifier,
  Dense,
  type DenseArgs,
  Dropout,
  type DropoutArgs,
  dropout,
  type InputArgs,
  InputLayer,
  input,
} from './layers/core.js';
export {
  getInitializer,
  type Initializer,
  type InitializerIdentifier,
} from './layers/initializers.js';
export {
  type CallArgs,
  Layer,
  type LayerArgs,
  type Mask,
  type Regularizer,
  registerLayer,
  regularizers,
  type Shape,
  SymbolicTensor,
  weightsChanged,
} from './layers/layer.js';
export {
  Add,
  Average,
  Concatenate,
  type ConcatenateArgs,
  Maximum,
  Merge,
  Minimum,
  Multiply,
  Subtract,
} from './layers/merge.js';
export {
  LayersModel,
  type ModelArgs,
  model,
  Sequential,
  type SequentialArgs,
  sequential,
} from './layers/model.js';
export {
  BatchNormalization,
  type BatchNormalizationArgs,
} from './layers/normalization.js';
export {
  Bidirectional,
  type BidirectionalArgs,
  Embedding,
  type EmbeddingArgs,
  GRU,
  type GRUArgs,
  LSTM,
  type LSTMArgs,
  type MergeMode,
  RNNLayer,
  type RNNLayerArgs,
  TimeDistributed,
  type TimeDistributedArgs,
} from './layers/recurrent.js';
export {
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  type GlobalPooling1DArgs,
  Permute,
  type PermuteArgs,
  RepeatVector,
  type RepeatVectorArgs,
  Reshape,
  type ReshapeArgs,
} from './layers/reshaping.js';
export type { CompileArgs, ModelFitArgs } from './layers/training.js';
export {
  type BatchNormTrainingResult,
  batchNorm,
  batchNormTraining,
  moments,
} from './ops/batchnorm.js';
export {
  add,
  div,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  squaredDifference,
  sub,
} from './ops/binary.js';
export { equal, greater, greaterEqual, less, lessEqual, notEqual } from './ops/compare.js';
export { avgPool, conv2d, type FusedConv2dArgs, maxPool, type Padding } from './ops/conv.js';
export {
  clone,
  fill,
  oneHot,
  ones,
  onesLike,
  randomNormal,
  randomUniform,
  scalar,
  setSeed,
  type TensorData,
  type TensorLike,
  tensor,
  truncatedNormal,
  variable,
  zeros,
  zerosLike,
} from './ops/creation.js';
export {
  flipLeftRight,
  type ImagePadding,
  normalize,
  padImages,
  type RandomFlipOptions,
  type RandomImageOptions,
  randomCrop,
  randomFlipLeftRight,
} from './ops/image.js';
export { dot, type FusedActivation, type FusedMatMulArgs, matMul } from './ops/matmul.js';
export { type Axis, argMax, argMin, max, mean, min, prod, sum } from './ops/reduce.js';
export {
  type GruSequenceArgs,
  type GruSequenceResult,
  gruSequence,
  type LstmSequenceArgs,
  type LstmSequenceResult,
  lstmSequence,
  type RnnActivation,
  type RnnSequenceArgs,
} from './ops/rnn.js';
export {
  cast,
  concat,
  expandDims,
  gather,
  pad,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  tile,
  transpose,
} from './ops/shape.js';
export {
  logSoftmax,
  softmax,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
} from './ops/softmax.js';
export { erf } from './ops/special.js';
export {
  abs,
  elu,
  exp,
  leakyRelu,
  log,
  log1p,
  reciprocal,
  relu,
  relu6,
  rsqrt,
  selu,
  sigmoid,
  sign,
  softplus,
  softsign,
  sqrt,
  square,
  tanh,
} from './ops/unary.js';
export { type DType, type NestedArray, Tensor, Variable } from './tensor.js';
export {
  Callback,
  CallbackList,
  type CallbackModel,
  type CallbacksArg,
  CustomCallback,
  type CustomCallbackArgs,
  callbacks,
  EarlyStopping,
  type EarlyStoppingArgs,
  History,
  type Logs,
  TerminateOnNaN,
  type TrainingParams,
} from './train/callbacks.js';
export type { LossFn } from './train/losses.js';
export * as losses from './train/losses.js';
export type { MetricFn } from './train/metrics.js';
export * as metrics from './train/metrics.js';
export {
  AdagradOptimizer,
  AdamOptimizer,
  AdamWOptimizer,
  getOptimizer,
  MomentumOptimizer,
  type NamedGradients,
  type NamedTensor,
  Optimizer,
  RMSPropOptimizer,
  SGDOptimizer,
  type SGDOptions,
  train,
} from './train/optimizers.js';
export {
  ProgressLogger,
  type ProgressLoggerOptions,
  type ProgressStream,
} from './train/progress.js';

import {
  eluLayer,
  leakyReLU,
  prelu,
  reLU,
  softmaxLayer,
  thresholdedReLU,
} from './layers/activations.js';
import {
  AveragePooling2D,
  Conv2D,
  type Conv2DArgs,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type GlobalPooling2DArgs,
  MaxPooling2D,
  type Pooling2DArgs,
  ZeroPadding2D,
  type ZeroPadding2DArgs,
} from './layers/conv.js';
import { averagePooling1d, conv1d, maxPooling1d } from './layers/conv1d.js';
import { activation, dense, dropoutLayer } from './layers/core.js';
import type { LayerArgs } from './layers/layer.js';
import {
  addLayer,
  averageLayer,
  concatenate,
  maximumLayer,
  minimumLayer,
  multiplyLayer,
  subtractLayer,
} from './layers/merge.js';
import { batchNormalization } from './layers/normalization.js';
import { bidirectional, embedding, gru, lstm, timeDistributed } from './layers/recurrent.js';
import {
  globalAveragePooling1d,
  globalMaxPooling1d,
  permute,
  repeatVector,
  reshapeLayer,
} from './layers/reshaping.js';
import { fusedConv2d } from './ops/conv.js';
import { fusedMatMul } from './ops/matmul.js';

/** Fused ops, as `tf.fused`: one kernel call does the product, the bias and the activation. */
export const fused = { matMul: fusedMatMul, conv2d: fusedConv2d } as const;

/** Layer factories, as `tf.layers`. */
export const layers = {
  dense,
  dropout: dropoutLayer,
  activation,
  conv2d: (args: Conv2DArgs) => new Conv2D(args),
  maxPooling2d: (args: Pooling2DArgs = {}) => new MaxPooling2D(args),
  averagePooling2d: (args: Pooling2DArgs = {}) => new AveragePooling2D(args),
  globalAveragePooling2d: (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(args),
  globalMaxPooling2d: (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  zeroPadding2d: (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args),
  conv1d,
  maxPooling1d,
  averagePooling1d,
  embedding,
  lstm,
  gru,
  bidirectional,
  timeDistributed,
  batchNormalization,
  add: addLayer,
  subtract: subtractLayer,
  multiply: multiplyLayer,
  average: averageLayer,
  maximum: maximumLayer,
  minimum: minimumLayer,
  concatenate,
  reLU,
  leakyReLU,
  prelu,
  elu: eluLayer,
  thresholdedReLU,
  softmax: softmaxLayer,
  reshape: reshapeLayer,
  permute,
  repeatVector,
  globalAveragePooling1d,
  globalMaxPooling1d,
} as const;
