// Ready-made recurrent models: textClassifier, charLanguageModel (with generate), forecaster.
import {
  add,
  Bidirectional,
  Dense,
  Dropout,
  Embedding,
  gather,
  LSTM,
  type LSTMArgs,
  lstmSequence,
  matMul,
  type RnnActivation,
  reshape,
  type Sequential,
  sequential,
  type Tensor,
  tensor,
  tidy,
} from '@zoo/core';
import { CharVocab } from './vocab.js';

function checkInt(fn: string, name: string, v: unknown, min: number): number {
  if (!Number.isInteger(v) || (v as number) < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v as number;
}

function checkRate(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new Error(`${fn}: ${name} must be in [0, 1), got ${String(v)}`);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// textClassifier.

/** Options of {@link textClassifier}. */
export interface TextClassifierArgs {
  /** Token ids are in [0, vocabSize); with `maskZero` id 0 is padding. */
  vocabSize: number;
  /** Size of the token vectors (default 64). */
  embeddingDim?: number;
  /** LSTM units (default 64; with `bidirectional` each direction has this many). */
  units?: number;
  /** Output classes (softmax over numClasses units, also for 2 classes). */
  numClasses: number;
  /** Read the text both ways (a Bidirectional LSTM, outputs concatenated). Default false. */
  bidirectional?: boolean;
  /** Id 0 is padding: padded steps are skipped by the LSTM (default true). */
  maskZero?: boolean;
  /** Fixed sequence length (sets the input shape [null, maxLength]); any length when omitted. */
  maxLength?: number;
  /** Dropout on the LSTM's inputs while training (default 0). */
  dropout?: number;
  /** Gate activation (default 'sigmoid', as Keras; TF.js layers default to 'hardSigmoid'). */
  recurrentActivation?: RnnActivation;
  /** Model name. */
  name?: string;
}

/**
 * A sequence classifier, uncompiled: Embedding(vocabSize, embeddingDim, maskZero) →
 * LSTM(units) (or Bidirectional(LSTM(units)), concatenated) → Dense(numClasses, softmax).
 *
 * Input: int32 (or integral float32) token ids [batch, timesteps], padded with 0 when
 * `maskZero` (pad at either end: masked steps are skipped). Output: class probabilities
 * [batch, numClasses]. Two classes also get a 2-unit softmax (not a 1-unit sigmoid), so
 * train every classifier the same way with integer labels:
 * `compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] })`.
 * Parameters: vocabSize·embeddingDim + 4·units·(embeddingDim + units + 1) (twice with
 * `bidirectional`) + (units or 2·units)·numClasses + numClasses.
 */
export function textClassifier(args: TextClassifierArgs): Sequential {
  const fn = 'textClassifier';
  const vocabSize = checkInt(fn, 'vocabSize', args.vocabSize, 1);
  const embeddingDim = checkInt(fn, 'embeddingDim', args.embeddingDim ?? 64, 1);
  const units = checkInt(fn, 'units', args.units ?? 64, 1);
  const numClasses = checkInt(fn, 'numClasses', args.numClasses, 2);
  const maxLength =
    args.maxLength === undefined ? undefined : checkInt(fn, 'maxLength', args.maxLength, 1);
  const dropout = checkRate(fn, 'dropout', args.dropout ?? 0);
  const m = sequential({ name: args.name });
  m.add(
    new Embedding({
      inputDim: vocabSize,
      outputDim: embeddingDim,
      maskZero: args.maskZero ?? true,
      inputLength: maxLength,
    }),
  );
  const rnn = new LSTM({
    units,
    dropout,
    recurrentActivation: args.recurrentActivation ?? 'sigmoid',
  });
  m.add(args.bidirectional ? new Bidirectional({ layer: rnn }) : rnn);
  m.add(new Dense({ units: numClasses, activation: 'softmax' }));
  return m;
}

// ---------------------------------------------------------------------------------------------
// charLanguageModel.

/** Options of {@link CharLanguageModel.generate}. */
export interface GenerateOptions {
  /** Characters to generate after the seed (default 200). */
  length?: number;
  /**
   * Softmax temperature (default 1): probabilities ∝ p^(1/temperature); below 1 is more
   * conservative, above 1 more varied; 0 always takes the most likely character.
   */
  temperature?: number;
  /** Seed of the sampler: the same seed (and model and seed text) gives the same text. */
  seed?: number;
  /** Return the seed text followed by the generated text (default false: generated only). */
  includeSeed?: boolean;
}

/** A character-level language model: a Sequential with its vocabulary and `generate`. */
export type CharLanguageModel = Sequential & {
  /** The character table of the model's input and output ids (null when built from vocabSize). */
  readonly vocab: CharVocab | null;
  /**
   * Feeds `seedText` (at least one character, all in the vocabulary), then samples `length`
   * characters one at a time, carrying the LSTM states (h, c) from step to step: the seed is
   * one fused sequence call per layer and each new character one length-1 call, so a
   * character costs one step, not a re-run of a window. Returns the generated text. Needs
   * the vocabulary (`charLanguageModel({ vocab })` or {@link asCharLanguageModel}).
   */
  generate(seedText: string, options?: GenerateOptions): string;
  /** {@link CharLanguageModel.generate} on ids: seed ids in, generated ids out. */
  generateIds(seedIds: ArrayLike<number>, options?: GenerateOptions): Int32Array;
};

/** Options of {@link charLanguageModel}. */
export interface CharLanguageModelArgs {
  /** The character table (e.g. `CharVocab.fromText(corpus)`); sets vocabSize. */
  vocab?: CharVocab;
  /**
   * Number of characters, when no `vocab` is given (then `generate` needs one attached with
   * {@link asCharLanguageModel}; `generateIds` works without).
   */
  vocabSize?: number;
  /** LSTM units per layer (default 256). */
  units?: number;
  /** Size of the character vectors (default 64). */
  embeddingDim?: number;
  /** Stacked LSTM layers (default 1). */
  layers?: number;
  /** Dropout after each LSTM layer while training (default 0). */
  dropout?: number;
  /** Gate activation (default 'sigmoid', which trains better than TF.js's 'hardSigmoid'). */
  recurrentActivation?: RnnActivation;
  /** Model name. */
  name?: string;
}

/** 32-bit seeded generator (mulberry32): floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples an index from logits at a temperature (0: argmax). */
function sample(logits: Float32Array, temperature: number, rand: () => number): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const p = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i] - logits[best]) / temperature);
    total += p[i];
  }
  let r = rand() * total;
  for (let i = 0; i < p.length; i++) {
    r -= p[i];
    if (r < 0) return i;
  }
  return best;
}

/**
 * Adds `vocab` and `generate` to a model laid out as {@link charLanguageModel} builds it
 * (Embedding → LSTM layers [with Dropout] → Dense over the vocabulary), e.g. one loaded with
 * `loadLayersModel` whose vocabulary was saved with `vocab.toJSON()`.
 */
export function asCharLanguageModel(model: Sequential, vocab: CharVocab | null): CharLanguageModel {
  const fn = 'asCharLanguageModel';
  if (vocab !== null && !(vocab instanceof CharVocab))
    throw new Error(`${fn}: vocab must be a CharVocab (or null)`);
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const emb = layers[0];
  const out = layers[layers.length - 1];
  const rnns = layers.slice(1, -1).filter((l) => !(l instanceof Dropout));
  if (
    !(emb instanceof Embedding) ||
    !(out instanceof Dense) ||
    rnns.length === 0 ||
    !rnns.every((l) => l instanceof LSTM && l.returnSequences && !l.goBackwards)
  ) {
    throw new Error(
      `${fn}: expected Embedding → LSTM(returnSequences) layers [with Dropout] → Dense, got ${layers.map((l) => l.getClassName()).join(' → ')}`,
    );
  }
  if (emb.inputDim !== out.units) {
    throw new Error(`${fn}: the model reads ${emb.inputDim} characters but predicts ${out.units}`);
  }
  if (vocab !== null && emb.inputDim !== vocab.size) {
    throw new Error(
      `${fn}: the model has ${emb.inputDim} characters but the vocabulary has ${vocab.size}`,
    );
  }
  const lstms = rnns as LSTM[];
  const generateIds = (seedIdsIn: ArrayLike<number>, options: GenerateOptions = {}): Int32Array => {
    const g = 'generateIds';
    const seedIds = Int32Array.from(seedIdsIn);
    if (seedIds.length === 0) throw new Error(`${g}: the seed must have at least one id`);
    seedIds.forEach((id, i) => {
      if (!(id >= 0 && id < emb.inputDim) || id !== seedIdsIn[i]) {
        throw new Error(`${g}: seed id ${seedIdsIn[i]} at ${i} is outside [0, ${emb.inputDim})`);
      }
    });
    const length = checkInt(g, 'length', options.length ?? 200, 0);
    const temperature = options.temperature ?? 1;
    if (!(Number.isFinite(temperature) && temperature >= 0)) {
      throw new Error(`${g}: temperature must be a finite number >= 0, got ${temperature}`);
    }
    const rand = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    if (!model.built || emb.embeddings === undefined) {
      throw new Error(`${g}: the model has no weights yet (build or train it first)`);
    }
    let states: Tensor[] = [];
    /** Runs ids through the network from `states`; returns the last step's logits. */
    const step = (ids: Int32Array): Float32Array => {
      const next = tidy(() => {
        const idx = tensor(ids, [ids.length], 'int32');
        let x = reshape(gather(emb.embeddings!, idx), [1, ids.length, emb.outputDim]);
        const st: Tensor[] = [];
        lstms.forEach((l, i) => {
          const r = lstmSequence({
            x,
            kernel: l.kernel!,
            recurrentKernel: l.recurrentKernel!,
            bias: l.bias,
            h0: states[2 * i],
            c0: states[2 * i + 1],
            activation: l.activation,
            recurrentActivation: l.recurrentActivation,
          });
          st.push(r.lastH, r.lastC);
          x = r.sequence;
        });
        let logits = matMul(st[st.length - 2], out.kernel!);
        if (out.bias !== undefined) logits = add(logits, out.bias);
        return [logits, ...st];
      });
      for (const s of states) s.dispose();
      const [logits, ...rest] = next;
      states = rest;
      // The output layer's activation is softmax: sampling from its logits at temperature 1
      // is sampling from the model's distribution.
      const v = logits.dataSync() as Float32Array;
      const copy = Float32Array.from(v);
      logits.dispose();
      return copy;
    };
    const outIds: number[] = [];
    try {
      let logits = step(seedIds);
      for (let k = 0; k < length; k++) {
        const id = sample(logits, temperature, rand);
        outIds.push(id);
        if (k + 1 < length) logits = step(Int32Array.of(id));
      }
    } finally {
      for (const s of states) s.dispose();
    }
    return Int32Array.from(outIds);
  };
  const generate = (seedText: string, options: GenerateOptions = {}): string => {
    const g = 'generate';
    if (vocab === null) {
      throw new Error(
        `${g}: the model has no vocabulary; build it with charLanguageModel({ vocab }) or attach one with asCharLanguageModel(model, vocab) (or use generateIds)`,
      );
    }
    if (typeof seedText !== 'string' || seedText.length === 0) {
      throw new Error(`${g}: seedText must be a non-empty string`);
    }
    const text = vocab.decode(generateIds(vocab.encode(seedText), options));
    return options.includeSeed ? seedText + text : text;
  };
  return Object.assign(model, { vocab, generate, generateIds }) as CharLanguageModel;
}

/**
 * A character-level language model, uncompiled: Embedding(vocab.size, embeddingDim) →
 * `layers` × LSTM(units, returnSequences) [→ Dropout] → Dense(vocab.size, softmax) at every
 * step. Input: character ids [batch, timesteps]; output: next-character probabilities
 * [batch, timesteps, vocab.size]. Train it on ids shifted by one
 * (`y[b, t] = x[b, t + 1]`) with `loss: 'sparseCategoricalCrossentropy'`, whose value is the
 * loss in nats per character (the softmax is fused with it). Then `model.generate(seed)`.
 */
export function charLanguageModel(args: CharLanguageModelArgs): CharLanguageModel {
  const fn = 'charLanguageModel';
  if (args.vocab !== undefined && !(args.vocab instanceof CharVocab)) {
    throw new Error(`${fn}: vocab must be a CharVocab (e.g. CharVocab.fromText(corpus))`);
  }
  if (args.vocab === undefined && args.vocabSize === undefined) {
    throw new Error(`${fn}: give vocab (a CharVocab) or vocabSize`);
  }
  const V = args.vocab?.size ?? checkInt(fn, 'vocabSize', args.vocabSize, 1);
  if (args.vocab !== undefined && args.vocabSize !== undefined && args.vocabSize !== V) {
    throw new Error(`${fn}: vocabSize ${args.vocabSize} differs from vocab.size ${V}`);
  }
  const units = checkInt(fn, 'units', args.units ?? 256, 1);
  const embeddingDim = checkInt(fn, 'embeddingDim', args.embeddingDim ?? 64, 1);
  const depth = checkInt(fn, 'layers', args.layers ?? 1, 1);
  const dropout = checkRate(fn, 'dropout', args.dropout ?? 0);
  const m = sequential({ name: args.name });
  m.add(new Embedding({ inputDim: V, outputDim: embeddingDim }));
  for (let i = 0; i < depth; i++) {
    const a: LSTMArgs = {
      units,
      returnSequences: true,
      recurrentActivation: args.recurrentActivation ?? 'sigmoid',
    };
    m.add(new LSTM(a));
    if (dropout > 0) m.add(new Dropout({ rate: dropout }));
  }
  m.add(new Dense({ units: V, activation: 'softmax' }));
  return asCharLanguageModel(m, args.vocab ?? null);
}

/**
 * Training pairs for a character model from a text: `count` windows of `seqLength + 1`
 * characters starting every `stride` characters (from `offset`), x = ids of the first
 * seqLength, y = ids of the last seqLength (the next character at every step). Both
 * int32 [count, seqLength].
 */
export function charSequences(
  ids: Int32Array,
  seqLength: number,
  options: { stride?: number; offset?: number } = {},
): { x: Tensor; y: Tensor } {
  const fn = 'charSequences';
  checkInt(fn, 'seqLength', seqLength, 1);
  const stride = checkInt(fn, 'stride', options.stride ?? seqLength, 1);
  const offset = checkInt(fn, 'offset', options.offset ?? 0, 0);
  const count = Math.floor((ids.length - offset - seqLength - 1) / stride) + 1;
  if (!(count >= 1)) {
    throw new Error(
      `${fn}: ${ids.length} ids (from offset ${offset}) are too few for one window of ${seqLength + 1}`,
    );
  }
  const x = new Int32Array(count * seqLength);
  const y = new Int32Array(count * seqLength);
  for (let s = 0; s < count; s++) {
    const start = offset + s * stride;
    x.set(ids.subarray(start, start + seqLength), s * seqLength);
    y.set(ids.subarray(start + 1, start + 1 + seqLength), s * seqLength);
  }
  return {
    x: tensor(x, [count, seqLength], 'int32'),
    y: tensor(y, [count, seqLength], 'int32'),
  };
}

// ---------------------------------------------------------------------------------------------
// forecaster.

/** Options of {@link forecaster}. */
export interface ForecasterArgs {
  /** Steps of history each prediction reads. */
  inputSteps: number;
  /** Features per step (default 1). */
  features?: number;
  /** LSTM units (default 32). */
  units?: number;
  /** Steps predicted at once (default 1). */
  horizon?: number;
  /** Gate activation (default 'sigmoid'). */
  recurrentActivation?: RnnActivation;
  /** Model name. */
  name?: string;
}

/**
 * A time-series forecaster, uncompiled: LSTM(units) over [inputSteps, features] →
 * Dense(horizon · features, linear). Input [batch, inputSteps, features]; output the next
 * `horizon` steps [batch, horizon · features] (step-major), the layout {@link windowed}
 * produces. Train with `loss: 'meanSquaredError'` on scaled data (see `standardScaler`).
 */
export function forecaster(args: ForecasterArgs): Sequential {
  const fn = 'forecaster';
  const inputSteps = checkInt(fn, 'inputSteps', args.inputSteps, 1);
  const features = checkInt(fn, 'features', args.features ?? 1, 1);
  const units = checkInt(fn, 'units', args.units ?? 32, 1);
  const horizon = checkInt(fn, 'horizon', args.horizon ?? 1, 1);
  const m = sequential({ name: args.name });
  m.add(
    new LSTM({
      units,
      inputShape: [inputSteps, features],
      recurrentActivation: args.recurrentActivation ?? 'sigmoid',
    }),
  );
  m.add(new Dense({ units: horizon * features }));
  return m;
}
