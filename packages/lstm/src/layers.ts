// Layer factories of the recurrent layers (as tf.layers.lstm, ...).
import {
  Bidirectional,
  type BidirectionalArgs,
  Embedding,
  type EmbeddingArgs,
  GRU,
  type GRUArgs,
  LSTM,
  type LSTMArgs,
  TimeDistributed,
  type TimeDistributedArgs,
} from '@zoo/core';

/**
 * A long short-term memory layer over [batch, timesteps, features]: Keras semantics and weight
 * layout (kernel [features, 4·units], recurrentKernel [units, 4·units], bias [4·units], gate
 * order i, f, c, o; 4·units·(features + units + 1) parameters), one fused kernel call per
 * sequence forward and one for backpropagation through time. Gates default to TF.js's
 * 'hardSigmoid' (pass `recurrentActivation: 'sigmoid'` for Keras's). See `LSTM`.
 */
export function lstm(args: LSTMArgs): LSTM {
  return new LSTM(args);
}

/**
 * A gated recurrent unit layer (kernel [features, 3·units], gate order z, r, h). `resetAfter`
 * defaults to false, the only mode TF.js 4.x implements; true is Keras 2+'s default. See `GRU`.
 */
export function gru(args: GRUArgs): GRU {
  return new GRU(args);
}

/**
 * Token ids → vectors ([inputDim, outputDim] table). `maskZero: true` makes id 0 padding that
 * downstream recurrent layers skip; `weights: [matrix]` starts from given vectors (e.g.
 * Word2Vec's) and `frozen: true` keeps them fixed. See `Embedding`.
 */
export function embedding(args: EmbeddingArgs): Embedding {
  return new Embedding(args);
}

/**
 * Runs an LSTM or GRU layer forwards and a copy backwards and merges the outputs
 * (`mergeMode` 'concat' (default), 'sum', 'ave', 'mul' or null). See `Bidirectional`.
 */
export function bidirectional(args: BidirectionalArgs): Bidirectional {
  return new Bidirectional(args);
}

/** Applies a layer (e.g. `dense`) at every timestep. See `TimeDistributed`. */
export function timeDistributed(args: TimeDistributedArgs): TimeDistributed {
  return new TimeDistributed(args);
}
