/**
 * @zoo/lstm: recurrent networks. Re-exports `@zoo/core` (tensors, `sequential`, `model`,
 * `compile`/`fit`, optimizers, losses, save/load, the fused `lstmSequence` / `gruSequence`
 * ops) and `@zoo/dnn`'s `dense`, `dropout`, `activation` and `mlp`, so `npm i @zoo/lstm` alone
 * is enough for a recurrent model, and adds the layer factories `lstm`, `gru`, `embedding`,
 * `bidirectional`, `timeDistributed`, the ready-made `textClassifier`, `charLanguageModel`
 * (with `generate`) and `forecaster`, the character table `CharVocab`, and time-series
 * helpers (`windowed`, `minMaxScaler`, `standardScaler`, `seasonalNaive`, `rmse`).
 *
 * @packageDocumentation
 */
export * from '@zoo/core';
export { activation, dense, dropout, type MlpArgs, mlp } from '@zoo/dnn';
export { bidirectional, embedding, gru, lstm, timeDistributed } from './layers.js';
export {
  asCharLanguageModel,
  type CharLanguageModel,
  type CharLanguageModelArgs,
  charLanguageModel,
  charSequences,
  type ForecasterArgs,
  forecaster,
  type GenerateOptions,
  type TextClassifierArgs,
  textClassifier,
} from './models.js';
export {
  minMaxScaler,
  rmse,
  type Scaler,
  type Series,
  seasonalNaive,
  standardScaler,
  type Windows,
  windowed,
} from './timeseries.js';
export { CharVocab } from './vocab.js';

import { layers as coreLayers } from '@zoo/core';

/**
 * Layer factories, as `tf.layers`: `@zoo/core`'s (`dense`, `dropout`, `activation`, the
 * convolutional ones) including `embedding`, `lstm`, `gru`, `bidirectional`,
 * `timeDistributed`.
 */
export const layers = coreLayers;
