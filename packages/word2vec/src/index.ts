/**
 * @zoo/word2vec: gensim's Word2Vec in WebAssembly SIMD. Trains skip-gram or CBOW embeddings
 * (negative sampling and/or hierarchical softmax) with word2vec.c's semantics, and queries
 * them through {@link KeyedVectors}. Depends on `@zoo/kernels` only (its own small wasm module).
 *
 * @packageDocumentation
 */
export { type Corpus, type CorpusFile, MAX_SENTENCE } from './corpus.js';
export type { KernelSource } from './engine.js';
export * from './keyed-vectors.js';
export {
  type ContinueOptions,
  scheduledAlpha,
  type TrainingReport,
  Word2Vec,
  type Word2VecOptions,
  type Word2VecProgress,
  type Word2VecSettings,
  type Word2VecState,
} from './word2vec.js';
