// Word2Vec: options, vocabulary building, the epoch loop that feeds chunks of token ids to the
// wasm kernels, progress, continued training and the state used by save/load.

import { type Corpus, checkCorpus, forEachSentence } from './corpus.js';
import {
  Engine,
  type EngineSettings,
  type KernelSource,
  type Trainer,
  type Weights,
} from './engine.js';
import { KeyedVectors } from './keyed-vectors.js';
import { decodeModel, encodeModel } from './model-file.js';
import { ThreadedEngine } from './threads.js';
import { finalizeVocab, type Vocab, VocabCounter } from './vocab.js';

/** Progress reported during training (at most about once a second, and at every epoch end). */
export interface Word2VecProgress {
  /** The current epoch, 1-based. */
  epoch: number;
  /** Epochs of this training call. */
  epochs: number;
  /** Raw words (tokens read, in vocabulary or not) done in this call, over all epochs. */
  wordsDone: number;
  /** Words trained (kept by sub-sampling) in this call, over all epochs. */
  effectiveWords: number;
  /** Raw words per second since the call started training. */
  wordsPerSec: number;
  /** The learning rate reached. */
  alpha: number;
  /** The loss summed (float64) over the current epoch so far. */
  loss: number;
  /** True on the report that closes an epoch (its `loss` is the epoch's loss). */
  epochEnd: boolean;
}

/** Options of {@link Word2Vec.train} (gensim's names in camelCase, gensim's defaults). */
export interface Word2VecOptions {
  /** Dimensions of the word vectors (100). */
  vectorSize?: number;
  /** Maximum distance between the predicted word and a context word (5). */
  window?: number;
  /** Words rarer than this are ignored (5). */
  minCount?: number;
  /** 1: skip-gram, 0: CBOW (0). */
  sg?: 0 | 1;
  /** Noise words per target for negative sampling; 0 disables it (5). */
  negative?: number;
  /** 1: hierarchical softmax (0). */
  hs?: 0 | 1;
  /** Sub-sampling threshold for frequent words; 0 disables it (1e-3). */
  sample?: number;
  /** Exponent shaping the negative-sampling distribution count^nsExponent (0.75). */
  nsExponent?: number;
  /** CBOW: 1 averages the context vectors, 0 sums them (1). */
  cbowMean?: 0 | 1;
  /** Initial learning rate (0.025). */
  alpha?: number;
  /** Learning rate reached at the end, decaying linearly over all epochs (1e-4). */
  minAlpha?: number;
  /** Passes over the corpus (5). */
  epochs?: number;
  /**
   * Training threads (1). More than 1 trains Hogwild style (threads update the shared weights
   * without locks, as word2vec.c and gensim; results then vary from run to run) on Node
   * worker_threads or, in browsers, module workers when `crossOriginIsolated`; where threads
   * do not exist (workerd, pages that are not cross-origin isolated, or a precompiled
   * `kernels.module`) it trains on one thread. 1 worker is deterministic.
   */
  workers?: number;
  /** Seed of the random generator (1): the same seed trains bit-identical vectors. */
  seed?: number;
  /** Prune the rarest words while counting whenever the vocabulary exceeds this (none). */
  maxVocabSize?: number | null;
  /** Raise the effective minCount so that at most this many words remain (none). */
  maxFinalVocab?: number | null;
  /** Called with progress during training. */
  onProgress?: (progress: Word2VecProgress) => void;
  /** Where the kernels come from (a precompiled module for workerd, or a variant). */
  kernels?: KernelSource;
}

/** Options of {@link Word2Vec.prototype.train} (continued training). */
export interface ContinueOptions {
  /** Passes over the new corpus (the model's `epochs`). */
  epochs?: number;
  /** Learning rate at the start of this call (the model's `alpha`). */
  alpha?: number;
  /** Learning rate at its end (the model's `minAlpha`). */
  minAlpha?: number;
  /** Called with progress during training. */
  onProgress?: (progress: Word2VecProgress) => void;
  /** Where the kernels come from. */
  kernels?: KernelSource;
}

/** The settings of a model (every option resolved). */
export interface Word2VecSettings {
  vectorSize: number;
  window: number;
  minCount: number;
  sg: 0 | 1;
  negative: number;
  hs: 0 | 1;
  sample: number;
  nsExponent: number;
  cbowMean: 0 | 1;
  alpha: number;
  minAlpha: number;
  epochs: number;
  workers: number;
  seed: number;
  maxVocabSize: number | null;
  maxFinalVocab: number | null;
}

/** What one training call did. */
export interface TrainingReport {
  /** Epochs trained. */
  epochs: number;
  /** Raw words read (tokens, in vocabulary or not), over all epochs. */
  rawWords: number;
  /** Words trained (in vocabulary and kept by sub-sampling), over all epochs. */
  effectiveWords: number;
  /** Seconds spent training (vocabulary scan excluded). */
  seconds: number;
  /** Raw words per second. */
  wordsPerSec: number;
  /** The loss summed in float64 over each epoch. */
  losses: number[];
  /** Threads that trained (1 where threads are unavailable, whatever `workers` asked). */
  workers: number;
}

/**
 * Everything needed to rebuild a model and continue training it (the content of a full save).
 * Arrays are unpadded, row-major [vocab x vectorSize]; words are in index order (descending
 * count). The Huffman tree and the noise and sub-sampling tables are derived from `counts`.
 */
export interface Word2VecState {
  /** Layout version of this object (1). */
  version: 1;
  settings: Word2VecSettings;
  words: string[];
  counts: number[];
  /** Input vectors (the word vectors). */
  syn0: Float32Array;
  /** Negative-sampling output weights, when negative > 0. */
  syn1neg: Float32Array | null;
  /** Hierarchical-softmax node weights (rows 0 .. vocab-2 used), when hs = 1. */
  syn1: Float32Array | null;
  /** The random generator's state (word2vec.c's 64-bit LCG). */
  rng: bigint;
  /** Epochs trained so far, over every training call. */
  epochsTrained: number;
  /** Raw words per epoch of the last training corpus (gensim's corpus_total_words). */
  corpusTotalWords: number;
  /** The learning rate where the last training call stopped. */
  alphaReached: number;
}

const DEFAULTS: Word2VecSettings = {
  vectorSize: 100,
  window: 5,
  minCount: 5,
  sg: 0,
  negative: 5,
  hs: 0,
  sample: 1e-3,
  nsExponent: 0.75,
  cbowMean: 1,
  alpha: 0.025,
  minAlpha: 1e-4,
  epochs: 5,
  workers: 1,
  seed: 1,
  maxVocabSize: null,
  maxFinalVocab: null,
};

const INT_MIN: Partial<Record<keyof Word2VecSettings, number>> = {
  vectorSize: 1,
  window: 1,
  minCount: 0,
  negative: 0,
  epochs: 1,
  workers: 1,
  maxVocabSize: 1,
  maxFinalVocab: 1,
};

function resolveOptions(options: unknown, caller: string): Word2VecSettings {
  if (options === undefined) return { ...DEFAULTS };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object`);
  }
  const out: Word2VecSettings = { ...DEFAULTS };
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const value = o[key];
    if (key === 'onProgress') {
      if (value !== undefined && typeof value !== 'function') {
        throw new TypeError(`${caller}: onProgress must be a function`);
      }
      continue;
    }
    if (key === 'kernels') continue;
    if (!(key in DEFAULTS)) throw new TypeError(`${caller}: unknown option '${key}'`);
    if (value === undefined) continue;
    const k = key as keyof Word2VecSettings;
    if ((k === 'maxVocabSize' || k === 'maxFinalVocab') && value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${caller}: ${key} must be a finite number, got ${String(value)}`);
    }
    if (k === 'sg' || k === 'hs' || k === 'cbowMean') {
      if (value !== 0 && value !== 1) throw new RangeError(`${caller}: ${key} must be 0 or 1`);
    } else if (k in INT_MIN) {
      const min = INT_MIN[k]!;
      if (!Number.isInteger(value) || value < min) {
        throw new RangeError(`${caller}: ${key} must be an integer >= ${min}, got ${value}`);
      }
    } else if (k === 'seed') {
      if (!Number.isSafeInteger(value)) {
        throw new RangeError(`${caller}: seed must be a safe integer`);
      }
    } else if (k === 'sample' || k === 'minAlpha') {
      if (value < 0) throw new RangeError(`${caller}: ${key} must be >= 0, got ${value}`);
    } else if (k === 'alpha') {
      if (value <= 0) throw new RangeError(`${caller}: alpha must be > 0, got ${value}`);
    }
    (out as unknown as Record<string, number>)[k] = value;
  }
  if (out.negative === 0 && out.hs === 0) {
    throw new RangeError(
      `${caller}: negative is 0 and hs is 0, so nothing would be trained; set negative > 0 (negative sampling) or hs: 1 (hierarchical softmax)`,
    );
  }
  return out;
}

/**
 * gensim's Word2Vec: skip-gram or CBOW embeddings trained with negative sampling and/or
 * hierarchical softmax, the inner loop in WebAssembly SIMD.
 *
 * ```ts
 * const w2v = await Word2Vec.train(sentences, { vectorSize: 100, sg: 1 });
 * w2v.wv.mostSimilar({ positive: ['king', 'woman'], negative: ['man'] });
 * ```
 */
export class Word2Vec {
  /** The trained word vectors. */
  wv: KeyedVectors;
  /** The report of the last training call. */
  lastTraining: TrainingReport;
  private st: Word2VecState;

  private constructor(state: Word2VecState, report: TrainingReport) {
    this.st = state;
    this.lastTraining = report;
    this.wv = new KeyedVectors(state.words, state.syn0, state.settings.vectorSize, state.counts);
  }

  /** The resolved settings of this model. */
  get settings(): Readonly<Word2VecSettings> {
    return this.st.settings;
  }

  /**
   * Builds the vocabulary from `corpus`, then trains `epochs` passes over it. The corpus is
   * read `epochs + 1` times (so async iterables must be re-iterable).
   */
  static async train(corpus: Corpus, options?: Word2VecOptions): Promise<Word2Vec> {
    const caller = 'Word2Vec.train';
    const s = resolveOptions(options, caller);
    checkCorpus(corpus, caller);
    const counter = new VocabCounter(s.maxVocabSize ?? undefined);
    await forEachSentence(corpus, caller, (t) => counter.add(t));
    if (counter.rawWords === 0) throw new Error(`${caller}: the corpus is empty (no tokens)`);
    const vocab = finalizeVocab(counter.counts, s.minCount, s.maxFinalVocab ?? undefined);
    if (vocab.words.length === 0) {
      let best = 0;
      for (const c of counter.counts.values()) best = Math.max(best, c);
      throw new Error(
        `${caller}: no word reaches minCount ${s.minCount}${s.maxFinalVocab ? ` (raised by maxFinalVocab ${s.maxFinalVocab})` : ''}; the most frequent word occurs ${best} time${best === 1 ? '' : 's'}`,
      );
    }
    const engine = await makeEngine(s, vocab, null, BigInt(s.seed), options?.kernels);
    let run: Awaited<ReturnType<typeof trainEpochs>>;
    let w: Weights;
    try {
      run = await trainEpochs(engine, corpus, caller, vocab.words, {
        epochs: s.epochs,
        totalWords: counter.rawWords,
        alpha: s.alpha,
        minAlpha: s.minAlpha,
        onProgress: options?.onProgress,
      });
      w = engine.weights();
    } finally {
      await engine.close();
    }
    const state: Word2VecState = {
      version: 1,
      settings: s,
      words: vocab.words,
      counts: vocab.counts,
      syn0: w.syn0,
      syn1neg: w.syn1neg,
      syn1: w.syn1,
      rng: engine.rng(),
      epochsTrained: s.epochs,
      corpusTotalWords: counter.rawWords,
      alphaReached: run.alphaReached,
    };
    return new Word2Vec(state, run.report);
  }

  /**
   * Continues training on `corpus` with the vocabulary fixed (unknown words are skipped) and
   * the output layers kept; alpha decays from `alpha` to `minAlpha` over this call's epochs,
   * as gensim's `train()`. On error the model is left unchanged. Refreshes {@link wv}.
   */
  async train(corpus: Corpus, options: ContinueOptions = {}): Promise<TrainingReport> {
    const caller = 'Word2Vec#train';
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${caller}: options must be an object`);
    }
    const known = new Set(['epochs', 'alpha', 'minAlpha', 'onProgress', 'kernels']);
    for (const key of Object.keys(options)) {
      if (!known.has(key)) throw new TypeError(`${caller}: unknown option '${key}'`);
    }
    const base = this.st.settings;
    const s = resolveOptions(
      {
        ...base,
        epochs: options.epochs ?? base.epochs,
        alpha: options.alpha ?? base.alpha,
        minAlpha: options.minAlpha ?? base.minAlpha,
        onProgress: options.onProgress,
      },
      caller,
    );
    checkCorpus(corpus, caller);
    let total = 0;
    await forEachSentence(corpus, caller, (t) => {
      total += t.length;
    });
    if (total === 0) throw new Error(`${caller}: the corpus is empty (no tokens)`);
    const st = this.st;
    const engine = await makeEngine(
      s,
      { words: st.words, counts: st.counts },
      st,
      st.rng,
      options.kernels,
    );
    let run: Awaited<ReturnType<typeof trainEpochs>>;
    let w: Weights;
    try {
      run = await trainEpochs(engine, corpus, caller, st.words, {
        epochs: s.epochs,
        totalWords: total,
        alpha: s.alpha,
        minAlpha: s.minAlpha,
        onProgress: options.onProgress,
      });
      w = engine.weights();
    } finally {
      await engine.close();
    }
    this.st = {
      ...st,
      syn0: w.syn0,
      syn1neg: w.syn1neg,
      syn1: w.syn1,
      rng: engine.rng(),
      epochsTrained: st.epochsTrained + s.epochs,
      corpusTotalWords: total,
      alphaReached: run.alphaReached,
    };
    this.lastTraining = run.report;
    this.wv = new KeyedVectors(st.words, w.syn0, st.settings.vectorSize, st.counts);
    return run.report;
  }

  /**
   * The model's complete state, for a full save (see {@link Word2VecState}). The arrays are
   * the model's own (copy them before mutating).
   */
  state(): Word2VecState {
    return { ...this.st, settings: { ...this.st.settings } };
  }

  /**
   * The whole model as bytes (vectors, output weights, vocabulary, counts, settings, random
   * state and schedule position), so `Word2Vec.load` can continue training where it stopped.
   */
  save(): Uint8Array<ArrayBuffer> {
    return encodeModel(this.st);
  }

  /** Loads a model saved with {@link Word2Vec.save}; errors give the byte offset. */
  static async load(bytes: Uint8Array | ArrayBuffer): Promise<Word2Vec> {
    return Word2Vec.fromState(decodeModel(bytes));
  }

  /** Rebuilds a model from {@link Word2Vec.state}'s output (validated; errors name the field). */
  static async fromState(state: Word2VecState): Promise<Word2Vec> {
    const caller = 'Word2Vec.fromState';
    if (typeof state !== 'object' || state === null) {
      throw new TypeError(`${caller}: state must be an object`);
    }
    if (state.version !== 1) throw new Error(`${caller}: unknown state version ${state.version}`);
    const s = resolveOptions(state.settings, caller);
    const v = state.words?.length;
    if (!Array.isArray(state.words) || v === 0) throw new Error(`${caller}: words is empty`);
    if (!Array.isArray(state.counts) || state.counts.length !== v) {
      throw new Error(`${caller}: counts must have one entry per word (${v})`);
    }
    const n = v * s.vectorSize;
    const check = (name: string, a: unknown, needed: boolean): void => {
      if (!needed) return;
      if (!(a instanceof Float32Array) || a.length !== n) {
        throw new Error(`${caller}: ${name} must be a Float32Array of ${v} x ${s.vectorSize}`);
      }
    };
    check('syn0', state.syn0, true);
    check('syn1neg', state.syn1neg, s.negative > 0);
    check('syn1', state.syn1, s.hs === 1);
    if (typeof state.rng !== 'bigint') throw new Error(`${caller}: rng must be a bigint`);
    const copy: Word2VecState = { ...state, settings: s };
    const report: TrainingReport = {
      epochs: 0,
      rawWords: 0,
      effectiveWords: 0,
      seconds: 0,
      wordsPerSec: 0,
      losses: [],
      workers: 0,
    };
    return new Word2Vec(copy, report);
  }
}

/**
 * The engine for `s.workers`: Hogwild threads when more than 1 is asked, threads exist here
 * and start (and no precompiled single-thread module was given), else one thread.
 */
async function makeEngine(
  s: Word2VecSettings & EngineSettings,
  vocab: Vocab,
  weights: Weights | null,
  rng: bigint,
  kernels: KernelSource | undefined,
): Promise<Trainer> {
  if (s.workers > 1 && kernels?.module === undefined) {
    let threaded: ThreadedEngine | null = null;
    try {
      threaded = await ThreadedEngine.create(s, vocab, weights, rng, s.workers);
    } catch {
      // Workers that cannot start (e.g. a content security policy refusing blob: workers):
      // train on one thread, as where threads do not exist.
    }
    if (threaded !== null) return threaded;
  }
  return Engine.create(s, vocab, weights, rng, kernels);
}

interface EpochPlan {
  epochs: number;
  /** Raw words per epoch (for the alpha schedule). */
  totalWords: number;
  alpha: number;
  minAlpha: number;
  onProgress: ((p: Word2VecProgress) => void) | undefined;
}

/** Token ids kept in JS memory to replay epochs after the first (128 MB). */
const CACHE_IDS = 1 << 25;

/** gensim's schedule: alpha decays linearly with the raw words done, floored at minAlpha. */
export function scheduledAlpha(alpha: number, minAlpha: number, progress: number): number {
  return Math.max(minAlpha, alpha - (alpha - minAlpha) * progress);
}

async function trainEpochs(
  engine: Trainer,
  corpus: Corpus,
  caller: string,
  words: readonly string[],
  plan: EpochPlan,
): Promise<{ report: TrainingReport; alphaReached: number }> {
  const index = new Map<string, number>();
  for (let i = 0; i < words.length; i++) index.set(words[i], i);
  const { epochs, totalWords, alpha, minAlpha, onProgress } = plan;
  const grand = epochs * totalWords;
  const cap = engine.capacity;
  const losses: number[] = [];
  let rawDone = 0; // over all epochs of this call
  let effective = 0;
  let alphaNow = alpha;
  const t0 = performance.now();
  let lastReport = t0;
  // The first epoch keeps its chunks (ids and raw counts) when they fit CACHE_IDS, so later
  // epochs skip reading, tokenizing and looking up (same chunks, so the same bits).
  let cache: { ids: Int32Array; raw: number }[] | null = epochs > 1 ? [] : null;
  let cachedIds = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    engine.resetTallies();
    let view = engine.tokenView();
    let fill = 0;
    let chunkRaw = 0;
    // Hands the chunk to the engine; a threaded engine returns a promise (awaited before the
    // next chunk is filled: it may still be training this one in another buffer).
    const flush = (): void | Promise<void> => {
      if (fill === 0 && chunkRaw === 0) return;
      if (epoch === 0 && cache) {
        cachedIds += fill;
        if (cachedIds > CACHE_IDS) cache = null;
        else cache.push({ ids: view.slice(0, fill), raw: chunkRaw });
      }
      const a0 = scheduledAlpha(alpha, minAlpha, rawDone / grand);
      rawDone += chunkRaw;
      const a1 = scheduledAlpha(alpha, minAlpha, rawDone / grand);
      const n = fill;
      alphaNow = a1;
      fill = 0;
      chunkRaw = 0;
      if (n > 0) return engine.submit(n, a0, a1);
    };
    const report = (epochEnd: boolean): void => {
      if (!onProgress) return;
      const now = performance.now();
      if (!epochEnd && now - lastReport < 1000) return;
      lastReport = now;
      const t = engine.tallies();
      onProgress({
        epoch: epoch + 1,
        epochs,
        wordsDone: rawDone,
        effectiveWords: effective + t.trained,
        wordsPerSec: rawDone / Math.max(1e-9, (now - t0) / 1000),
        alpha: alphaNow,
        loss: t.loss,
        epochEnd,
      });
    };
    const add = (sentence: readonly string[]): void => {
      for (let i = 0; i < sentence.length; i++) {
        const id = index.get(sentence[i]);
        if (id !== undefined) view[fill++] = id;
      }
      view[fill++] = -1;
      chunkRaw += sentence.length;
    };
    if (epoch > 0 && cache) {
      for (const chunk of cache) {
        view = engine.tokenView();
        view.set(chunk.ids);
        fill = chunk.ids.length;
        chunkRaw = chunk.raw;
        const pending = flush();
        if (pending) await pending;
        report(false);
      }
    } else {
      await forEachSentence(corpus, caller, (sentence) => {
        // A sentence (<= MAX_SENTENCE tokens) goes whole into one chunk.
        if (fill + sentence.length + 1 > cap) {
          const pending = flush();
          if (pending) {
            return pending.then(() => {
              report(false);
              view = engine.tokenView();
              add(sentence);
            });
          }
          report(false);
          view = engine.tokenView();
        }
        add(sentence);
      });
    }
    const pending = flush();
    if (pending) await pending;
    await engine.drain();
    const t = engine.tallies();
    effective += t.trained;
    losses.push(t.loss);
    report(true);
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    report: {
      epochs,
      rawWords: rawDone,
      effectiveWords: effective,
      seconds,
      wordsPerSec: rawDone / Math.max(1e-9, seconds),
      losses,
      workers: engine.workers,
    },
    alphaReached: alphaNow,
  };
}

/**
 * @internal For tests: builds the vocabulary of an in-memory corpus and trains it with the SIMD
 * kernel or (`ref`) its scalar reference twin, returning the raw weights.
 */
export async function trainWeights(
  corpus: string[][],
  options: Word2VecOptions,
  ref: boolean,
): Promise<Weights> {
  const s = resolveOptions(options, 'trainWeights');
  const counter = new VocabCounter(undefined);
  for (const t of corpus) counter.add(t);
  const vocab = finalizeVocab(counter.counts, s.minCount, undefined);
  const engine = await Engine.create(s, vocab, null, BigInt(s.seed), {}, ref);
  await trainEpochs(engine, corpus, 'trainWeights', vocab.words, {
    epochs: s.epochs,
    totalWords: counter.rawWords,
    alpha: s.alpha,
    minAlpha: s.minAlpha,
    onProgress: undefined,
  });
  return engine.weights();
}
