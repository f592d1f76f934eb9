import {
  type AnalogyQuestion,
  type AnalogyResult,
  type AnalogySection,
  type EvaluateAnalogiesOptions,
  type EvaluatePairsOptions,
  parsePythonFloat,
  pearson,
  spearman,
  splitLines,
  type WordPairsResult,
} from './evaluate.js';
import {
  decodeWord2VecFormat,
  encodeWord2VecFormat,
  type LoadWord2VecOptions,
  type SaveWord2VecOptions,
} from './formats.js';

export type {
  AnalogyQuestion,
  AnalogyResult,
  AnalogySection,
  EvaluateAnalogiesOptions,
  EvaluatePairsOptions,
  WordPairsResult,
} from './evaluate.js';
export {
  type LoadWord2VecOptions,
  type SaveWord2VecOptions,
  type Word2VecFlavor,
  Word2VecFormatError,
} from './formats.js';

/** A query term: a word of the vocabulary, or a raw vector of length `vectorSize`. */
export type WordOrVector = string | Float32Array | Float64Array | readonly number[];

/**
 * A term of {@link KeyedVectors.mostSimilar}: a word or vector (weight +1 in `positive`,
 * -1 in `negative`), or a `[wordOrVector, weight]` pair with an explicit weight (gensim's
 * `(key, weight)` tuples).
 */
export type MostSimilarTerm = WordOrVector | readonly [WordOrVector, number];

/** Options of {@link KeyedVectors.mostSimilar}. */
export interface MostSimilarOptions {
  /** Terms that pull towards the result. */
  positive?: string | readonly MostSimilarTerm[];
  /** Terms that push away from the result. */
  negative?: string | readonly MostSimilarTerm[];
  /** How many results. Default 10; below 1 gives `[]`. */
  topn?: number;
  /** Search only the first `restrictVocab` words (in index order). */
  restrictVocab?: number;
}

/** Options of {@link KeyedVectors.mostSimilarCosmul}. */
export interface MostSimilarCosmulOptions {
  /** Words (or raw vectors) in the numerator. At least one. */
  positive?: string | readonly WordOrVector[];
  /** Words (or raw vectors) in the denominator. */
  negative?: string | readonly WordOrVector[];
  /** How many results. Default 10; below 1 gives `[]`. */
  topn?: number;
  /**
   * Search only the first `restrictVocab` words. (gensim 4.2 accepts this argument but
   * ignores it; Zoo applies it.)
   */
  restrictVocab?: number;
}

const EPS_COSMUL = 0.000001;

/** Compares strings by Unicode code point, as Python does. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/**
 * Keeps the `k` best (highest score, then lowest index) of `scores[0..n)` not in `exclude`,
 * best first, with a binary min-heap: one pass, O(n log k).
 */
function topK(
  scores: Float64Array,
  offset: number,
  n: number,
  k: number,
  exclude: ReadonlySet<number> | undefined,
): number[] {
  if (k <= 0) return [];
  const heap: number[] = []; // indices; heap[0] is the worst kept
  // a is worse than b: lower score (NaN lowest), or the same score and a higher index.
  const worse = (a: number, b: number): boolean => {
    let sa = scores[offset + a];
    let sb = scores[offset + b];
    if (Number.isNaN(sa)) sa = Number.NEGATIVE_INFINITY;
    if (Number.isNaN(sb)) sb = Number.NEGATIVE_INFINITY;
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (i: number): void => {
    const len = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < len && worse(heap[l], heap[m])) m = l;
      if (r < len && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  };
  // Score of the worst kept entry once the heap is full: most candidates fail `< floor`.
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const sc = scores[offset + i];
    if (heap.length === k && sc < floor) continue;
    if (exclude?.has(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      let c = heap.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(heap[c], heap[p])) break;
        const t = heap[c];
        heap[c] = heap[p];
        heap[p] = t;
        c = p;
      }
    } else if (worse(heap[0], i)) {
      heap[0] = i;
      siftDown(0);
    } else {
      continue;
    }
    if (heap.length === k) {
      floor = scores[offset + heap[0]];
      if (Number.isNaN(floor)) floor = Number.NEGATIVE_INFINITY;
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : -1));
}

/** `out[i] = (rows[ob + i] + rows[oc + i] - rows[oa + i]) * scale` for i in [0, n). */
function combineRows(
  out: Float64Array,
  rows: Float64Array,
  oa: number,
  ob: number,
  oc: number,
  scale: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) out[i] = (rows[ob + i] + rows[oc + i] - rows[oa + i]) * scale;
}

/**
 * Word vectors with gensim's `KeyedVectors` API (camelCase names): lookups, cosine
 * similarities, nearest neighbours, analogies, evaluation on the standard benchmarks, and the
 * word2vec.c file formats.
 *
 * ```ts
 * const wv = KeyedVectors.loadWord2VecFormat(bytes, { binary: true });
 * wv.similarity('woman', 'man');
 * wv.mostSimilar({ positive: ['king', 'woman'], negative: ['man'], topn: 5 });
 * ```
 *
 * Similarities are computed in float64 from the float32 vectors; nearest-neighbour searches use
 * unit-normalised copies of the vectors computed once, on first use (see {@link fillNorms}).
 */
export class KeyedVectors {
  /** The vectors, row-major `[vocab.length x vectorSize]` (row i is word i). */
  readonly vectors: Float32Array;
  /** Dimension of each vector. */
  readonly vectorSize: number;
  readonly #words: string[];
  readonly #index: Map<string, number>;
  readonly #counts: number[] | undefined;
  #unit: Float32Array | undefined;
  #norms: Float64Array | undefined;
  #scratch: Float64Array | undefined;

  /**
   * @param words - the vocabulary, in index order (usually by descending frequency); distinct.
   * @param vectors - row-major `[words.length x vectorSize]` (kept, not copied).
   * @param vectorSize - dimension, an integer >= 1.
   * @param counts - optional corpus frequency of each word.
   * @throws on a size mismatch or a duplicate word.
   */
  constructor(words: string[], vectors: Float32Array, vectorSize: number, counts?: number[]) {
    if (!Number.isInteger(vectorSize) || vectorSize < 1) {
      throw new RangeError(`vectorSize must be an integer >= 1, got ${vectorSize}`);
    }
    if (!(vectors instanceof Float32Array)) throw new TypeError('vectors must be a Float32Array');
    if (vectors.length !== words.length * vectorSize) {
      throw new RangeError(
        `vectors has ${vectors.length} values, expected ${words.length} words x ${vectorSize} = ${words.length * vectorSize}`,
      );
    }
    if (counts !== undefined && counts.length !== words.length) {
      throw new RangeError(`counts has ${counts.length} entries for ${words.length} words`);
    }
    const index = new Map<string, number>();
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (typeof w !== 'string') throw new TypeError(`word ${i} is not a string`);
      if (index.has(w))
        throw new Error(`duplicate word '${w}' at indices ${index.get(w)} and ${i}`);
      index.set(w, i);
    }
    this.#words = words;
    this.#index = index;
    this.vectors = vectors;
    this.vectorSize = vectorSize;
    this.#counts = counts;
  }

  /** The words in index order (a copy). */
  get vocab(): string[] {
    return this.#words.slice();
  }

  /** Number of words. */
  get size(): number {
    return this.#words.length;
  }

  /** The corpus counts given to the constructor, if any. */
  get counts(): readonly number[] | undefined {
    return this.#counts;
  }

  /** Whether `word` is in the vocabulary. */
  has(word: string): boolean {
    return this.#index.has(word);
  }

  /** Index of `word`, or -1 if it is not in the vocabulary. */
  indexOf(word: string): number {
    return this.#index.get(word) ?? -1;
  }

  #require(word: string): number {
    const i = this.#index.get(word);
    if (i === undefined) throw new Error(`word '${word}' is not in the vocabulary`);
    return i;
  }

  /**
   * The vector of `word`: a view into {@link vectors} (no copy), as gensim's `wv[word]`.
   * If you modify it, call `fillNorms(true)` before the next similarity search.
   *
   * @throws if the word is not in the vocabulary (the message names it).
   */
  get(word: string): Float32Array {
    const i = this.#require(word);
    return this.vectors.subarray(i * this.vectorSize, (i + 1) * this.vectorSize);
  }

  /**
   * The vector of `word`, unit-normalised when `norm` is true (a fresh copy), as gensim's
   * `get_vector(key, norm)`; without `norm`, the same view as {@link get}.
   */
  getVector(word: string, norm = false): Float32Array {
    if (!norm) return this.get(word);
    const i = this.#require(word);
    const unit = this.#unitVectors();
    return unit.slice(i * this.vectorSize, (i + 1) * this.vectorSize);
  }

  /**
   * The corpus count of `word`, or undefined when the counts are unknown (vectors loaded from
   * a word2vec file, which stores none).
   */
  count(word: string): number | undefined {
    const i = this.#require(word);
    return this.#counts?.[i];
  }

  /**
   * Computes the norms and unit-normalised vectors used by the similarity searches (done
   * lazily on first use). Call with `force` after changing {@link vectors} in place.
   */
  fillNorms(force = false): void {
    if (this.#unit && !force) return;
    const n = this.#words.length;
    const d = this.vectorSize;
    const v = this.vectors;
    const unit = new Float32Array(n * d);
    const norms = new Float64Array(n);
    for (let i = 0, base = 0; i < n; i++, base += d) {
      let s = 0;
      for (let j = 0; j < d; j++) s += v[base + j] * v[base + j];
      const norm = Math.sqrt(s);
      norms[i] = norm;
      if (norm > 0) for (let j = 0; j < d; j++) unit[base + j] = v[base + j] / norm;
    }
    this.#unit = unit;
    this.#norms = norms;
  }

  /** L2 norm of every vector (computed on first use). */
  get norms(): Float64Array {
    this.fillNorms();
    return this.#norms!;
  }

  #unitVectors(): Float32Array {
    this.fillNorms();
    return this.#unit!;
  }

  #cosineIndex(i: number, j: number): number {
    const d = this.vectorSize;
    const v = this.vectors;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0, a = i * d, b = j * d; k < d; k++) {
      dot += v[a + k] * v[b + k];
      na += v[a + k] * v[a + k];
      nb += v[b + k] * v[b + k];
    }
    return na > 0 && nb > 0 ? dot / (Math.sqrt(na) * Math.sqrt(nb)) : 0;
  }

  /**
   * Cosine similarity of two words (0 when a vector is zero).
   *
   * @throws if a word is not in the vocabulary.
   */
  similarity(a: string, b: string): number {
    return this.#cosineIndex(this.#require(a), this.#require(b));
  }

  /** Cosine distance `1 - similarity(a, b)`. */
  distance(a: string, b: string): number {
    return 1 - this.similarity(a, b);
  }

  /**
   * Cosine similarity between the means of two word lists (raw vectors averaged, as gensim's
   * `n_similarity`).
   */
  nSimilarity(words1: readonly string[], words2: readonly string[]): number {
    if (words1.length === 0 || words2.length === 0) {
      throw new Error('nSimilarity: both word lists must be non-empty');
    }
    const mean = (ws: readonly string[]): Float64Array => {
      const m = new Float64Array(this.vectorSize);
      for (const w of ws) {
        const v = this.get(w);
        for (let j = 0; j < m.length; j++) m[j] += v[j];
      }
      return m;
    };
    const a = mean(words1);
    const b = mean(words2);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < a.length; j++) {
      dot += a[j] * b[j];
      na += a[j] * a[j];
      nb += b[j] * b[j];
    }
    return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }

  #checkVector(v: Float32Array | Float64Array | readonly number[]): void {
    if (v.length !== this.vectorSize) {
      throw new RangeError(`a query vector has length ${v.length}, expected ${this.vectorSize}`);
    }
  }

  /**
   * gensim's `get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True)`:
   * sum of weight x (unit vector of a word, or a raw vector as given), unit-normalised.
   * Collects the indices of the words into `used`.
   */
  #meanOf(terms: [WordOrVector, number][], used: Set<number>, lookup: (w: string) => number) {
    const d = this.vectorSize;
    const unit = this.#unitVectors();
    const mean = new Float64Array(d);
    for (const [term, weight] of terms) {
      if (typeof term === 'string') {
        const i = lookup(term);
        used.add(i);
        for (let j = 0, b = i * d; j < d; j++) mean[j] += weight * unit[b + j];
      } else {
        this.#checkVector(term);
        for (let j = 0; j < d; j++) mean[j] += weight * term[j];
      }
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += mean[j] * mean[j];
    const norm = Math.sqrt(s);
    if (norm > 0) for (let j = 0; j < d; j++) mean[j] /= norm;
    return mean;
  }

  #scratchFor(len: number): Float64Array {
    if (!this.#scratch || this.#scratch.length < len) this.#scratch = new Float64Array(len);
    return this.#scratch;
  }

  /**
   * Dot products of unit vectors `[0, end)` with `nq` query vectors (`queries` row-major
   * `[nq x vectorSize]`) into `out[outOffsets[q] + i]`. Each row of the vocabulary is read
   * once for all queries, four queries at a time.
   */
  #scoreBatch(
    queries: Float64Array,
    nq: number,
    end: number,
    out: Float64Array,
    outOffsets: readonly number[],
  ): void {
    const d = this.vectorSize;
    const u = this.#unitVectors();
    if (nq < 4) {
      const d4 = d - (d % 4);
      for (let i = 0, base = 0; i < end; i++, base += d) {
        for (let q = 0, qb = 0; q < nq; q++, qb += d) {
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let j = 0;
          for (; j < d4; j += 4) {
            s0 += u[base + j] * queries[qb + j];
            s1 += u[base + j + 1] * queries[qb + j + 1];
            s2 += u[base + j + 2] * queries[qb + j + 2];
            s3 += u[base + j + 3] * queries[qb + j + 3];
          }
          for (; j < d; j++) s0 += u[base + j] * queries[qb + j];
          out[outOffsets[q] + i] = s0 + s1 + (s2 + s3);
        }
      }
      return;
    }
    const row = new Float64Array(d);
    for (let i = 0, base = 0; i < end; i++, base += d) {
      for (let j = 0; j < d; j++) row[j] = u[base + j];
      let q = 0;
      for (; q + 3 < nq; q += 4) {
        const b0 = q * d;
        const b1 = b0 + d;
        const b2 = b1 + d;
        const b3 = b2 + d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < d; j++) {
          const r = row[j];
          s0 += r * queries[b0 + j];
          s1 += r * queries[b1 + j];
          s2 += r * queries[b2 + j];
          s3 += r * queries[b3 + j];
        }
        out[outOffsets[q] + i] = s0;
        out[outOffsets[q + 1] + i] = s1;
        out[outOffsets[q + 2] + i] = s2;
        out[outOffsets[q + 3] + i] = s3;
      }
      for (; q < nq; q++) {
        let s0 = 0;
        const b0 = q * d;
        for (let j = 0; j < d; j++) s0 += row[j] * queries[b0 + j];
        out[outOffsets[q] + i] = s0;
      }
    }
  }

  #searchEnd(restrictVocab: number | undefined): number {
    const n = this.#words.length;
    if (restrictVocab === undefined || restrictVocab === 0) return n;
    if (!(restrictVocab > 0))
      throw new RangeError(`restrictVocab must be >= 0, got ${restrictVocab}`);
    return Math.min(n, Math.floor(restrictVocab));
  }

  /**
   * The `topn` words closest (cosine) to the weighted mean of the unit vectors of the
   * `positive` (weight +1) and `negative` (weight -1) terms, excluding the query words, as
   * gensim's `most_similar` (raw vectors enter the mean as given; the mean is normalised).
   * `mostSimilar('king')` is short for `mostSimilar({ positive: ['king'] })`.
   *
   * @returns `[word, cosine]` pairs, best first (ties by index).
   * @throws if a word is not in the vocabulary, or there is no term.
   */
  mostSimilar(query: string | MostSimilarOptions, topn?: number): [string, number][] {
    const opts: MostSimilarOptions =
      typeof query === 'string' ? { positive: [query], topn } : query;
    const k = opts.topn ?? 10;
    if (k < 1) return [];
    const terms = [
      ...normaliseTerms(opts.positive, 1, 'positive'),
      ...normaliseTerms(opts.negative, -1, 'negative'),
    ];
    if (terms.length === 0) throw new Error('mostSimilar: cannot compute the mean with no input');
    const used = new Set<number>();
    const mean = this.#meanOf(terms, used, (w) => this.#require(w));
    const end = this.#searchEnd(opts.restrictVocab);
    const scores = this.#scratchFor(end);
    this.#scoreBatch(mean, 1, end, scores, [0]);
    return topK(scores, 0, end, k, used).map((i) => [this.#words[i], scores[i]]);
  }

  /** gensim's `similar_by_word`: `mostSimilar({ positive: [word], topn, restrictVocab })`. */
  similarByWord(word: string, topn = 10, restrictVocab?: number): [string, number][] {
    return this.mostSimilar({ positive: [word], topn, restrictVocab });
  }

  /** gensim's `similar_by_vector`: the words closest to a raw vector. */
  similarByVector(
    vector: Float32Array | Float64Array | readonly number[],
    topn = 10,
    restrictVocab?: number,
  ): [string, number][] {
    return this.mostSimilar({ positive: [vector], topn, restrictVocab });
  }

  /**
   * Levy & Goldberg's 3CosMul, as gensim's `most_similar_cosmul`: the score of word w is
   * `prod_p (1 + cos(w, p)) / 2` over positive terms divided by
   * `prod_n (1 + cos(w, n)) / 2 + 1e-6` over negative terms (words enter as unit vectors,
   * raw vectors as given), excluding the query words.
   *
   * @returns `[word, score]` pairs, best first.
   * @throws if a word is not in the vocabulary, or `positive` is empty.
   */
  mostSimilarCosmul(options: MostSimilarCosmulOptions): [string, number][] {
    const k = options.topn ?? 10;
    if (k < 1) return [];
    const pos =
      typeof options.positive === 'string' ? [options.positive] : (options.positive ?? []);
    const neg =
      typeof options.negative === 'string' ? [options.negative] : (options.negative ?? []);
    if (pos.length === 0)
      throw new Error('mostSimilarCosmul: cannot compute similarity with no input');
    const d = this.vectorSize;
    const unit = this.#unitVectors();
    const used = new Set<number>();
    const all = [...pos, ...neg];
    const queries = new Float64Array(all.length * d);
    all.forEach((t, q) => {
      if (typeof t === 'string') {
        const i = this.#require(t);
        used.add(i);
        for (let j = 0; j < d; j++) queries[q * d + j] = unit[i * d + j];
      } else {
        this.#checkVector(t);
        for (let j = 0; j < d; j++) queries[q * d + j] = t[j];
      }
    });
    const end = this.#searchEnd(options.restrictVocab);
    const dots = new Float64Array(all.length * end);
    this.#scoreBatch(
      queries,
      all.length,
      end,
      dots,
      all.map((_, q) => q * end),
    );
    const scores = this.#scratchFor(end);
    for (let i = 0; i < end; i++) {
      let num = 1;
      let den = 1;
      for (let q = 0; q < pos.length; q++) num *= (1 + dots[q * end + i]) / 2;
      for (let q = pos.length; q < all.length; q++) den *= (1 + dots[q * end + i]) / 2;
      scores[i] = num / (den + EPS_COSMUL);
    }
    return topK(scores, 0, end, k, used).map((i) => [this.#words[i], scores[i]]);
  }

  /**
   * The given words (those in the vocabulary; others are ignored, as gensim) ranked by cosine
   * to the normalised mean of their unit vectors, as gensim's `rank_by_centrality`.
   *
   * @returns `[word, cosine]` pairs, most central first (ties: later code point first, as
   *   Python's `sorted(..., reverse=True)` on `(cosine, word)`).
   * @throws if no word is in the vocabulary.
   */
  rankByCentrality(words: readonly string[]): [string, number][] {
    const usedWords = words.filter((w) => this.#index.has(w));
    if (usedWords.length === 0) throw new Error('cannot select a word from an empty list');
    const d = this.vectorSize;
    const unit = this.#unitVectors();
    const mean = new Float64Array(d);
    for (const w of usedWords) {
      const b = this.#index.get(w)! * d;
      for (let j = 0; j < d; j++) mean[j] += unit[b + j];
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += mean[j] * mean[j];
    const norm = Math.sqrt(s);
    const ranked: [string, number][] = usedWords.map((w) => {
      const b = this.#index.get(w)! * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += unit[b + j] * mean[j];
      return [w, norm > 0 ? dot / norm : 0];
    });
    return ranked.sort((x, y) => y[1] - x[1] || compareCodePoints(y[0], x[0]));
  }

  /**
   * The word that fits least with the others: the lowest cosine to the mean of their unit
   * vectors (gensim's `doesnt_match`). Words not in the vocabulary are ignored, as gensim.
   *
   * @throws if no word is in the vocabulary.
   */
  doesntMatch(words: readonly string[]): string {
    const ranked = this.rankByCentrality(words);
    return ranked[ranked.length - 1][0];
  }

  /**
   * gensim's restricted vocabulary for the evaluations: the first `restrictVocab` words,
   * keyed by their uppercase form when case-insensitive (the first variant wins).
   */
  #okVocab(restrictVocab: number, caseInsensitive: boolean): Map<string, number> {
    const end = Math.min(this.#words.length, Math.max(0, Math.floor(restrictVocab)));
    const ok = new Map<string, number>();
    for (let i = end - 1; i >= 0; i--) {
      const w = this.#words[i];
      ok.set(caseInsensitive ? w.toUpperCase() : w, i);
    }
    return ok;
  }

  /**
   * Accuracy on an analogy test set in the questions-words format (`: section` lines, then
   * `a b c expected` lines), exactly as gensim's `evaluate_word_analogies`: only the first
   * `restrictVocab` words are known and searched; words are uppercased when
   * `caseInsensitive`; questions with an unknown word are skipped (or counted incorrect with
   * `dummy4unknown`); the answer is the best of `mostSimilar({ positive: [b, c],
   * negative: [a], topn: 5 })` that is not a (case variant of an) input word; lines that are
   * not 4 words are skipped.
   *
   * @param text - the file's content.
   * @returns overall accuracy, per-section results plus a `'Total accuracy'` entry, OOV ratio.
   * @throws if a question comes before the first section header, or there is no question.
   */
  evaluateWordAnalogies(text: string, options: EvaluateAnalogiesOptions = {}): AnalogyResult {
    const restrictVocab = options.restrictVocab ?? 300000;
    const caseInsensitive = options.caseInsensitive ?? true;
    const dummy4unknown = options.dummy4unknown ?? false;
    const ok = this.#okVocab(restrictVocab, caseInsensitive);
    const end = this.#searchEnd(restrictVocab);
    const d = this.vectorSize;
    const unit = this.#unitVectors();

    // The score of word i for question (a, b, c) is (s_b[i] + s_c[i] - s_a[i]) / |u_b + u_c - u_a|
    // where s_w = unit vectors . u_w: the similarity rows of the (few hundred) distinct
    // question words are computed once per block of questions and combined per question.
    interface Pending {
      section: AnalogySection;
      question: AnalogyQuestion;
      ia: number;
      ib: number;
      ic: number;
      norm: number;
    }
    const sections: AnalogySection[] = [];
    let section: AnalogySection | undefined;
    let oov = 0;
    let questions = 0;
    const capacity = Math.max(3, Math.min(1024, Math.floor(4_000_000 / Math.max(1, end))));
    const rows = new Float64Array(capacity * end);
    const slotOf = new Map<number, number>(); // word index -> row slot
    let nextSlot = 0;
    const blockWords = new Set<number>();
    const pending: Pending[] = [];
    const scores = new Float64Array(end);
    const chunk = 64;
    const queries = new Float64Array(chunk * d);

    const flush = (): void => {
      if (pending.length === 0) return;
      const free: number[] = [];
      for (const [w, slot] of slotOf) {
        if (!blockWords.has(w)) {
          slotOf.delete(w);
          free.push(slot);
        }
      }
      const missing = [...blockWords].filter((w) => !slotOf.has(w));
      for (const w of missing) slotOf.set(w, free.length > 0 ? free.pop()! : nextSlot++);
      for (let m0 = 0; m0 < missing.length; m0 += chunk) {
        const part = missing.slice(m0, m0 + chunk);
        part.forEach((w, q) => {
          queries.set(unit.subarray(w * d, (w + 1) * d), q * d);
        });
        const offsets = part.map((w) => slotOf.get(w)! * end);
        this.#scoreBatch(queries, part.length, end, rows, offsets);
      }
      for (const { section: sec, question, ia, ib, ic, norm } of pending) {
        const [a, b, c, expected] = question;
        const oa = slotOf.get(ia)! * end;
        const ob = slotOf.get(ib)! * end;
        const oc = slotOf.get(ic)! * end;
        combineRows(scores, rows, oa, ob, oc, norm > 0 ? 1 / norm : 0, end);
        const sims = topK(scores, 0, end, 5, new Set([ia, ib, ic]));
        let predicted: string | undefined;
        for (const i of sims) {
          predicted = caseInsensitive ? this.#words[i].toUpperCase() : this.#words[i];
          if (ok.has(predicted) && predicted !== a && predicted !== b && predicted !== c) break;
        }
        (predicted === expected ? sec.correct : sec.incorrect).push(question);
      }
      pending.length = 0;
      blockWords.clear();
    };

    const lines = splitLines(text);
    for (let lineNo = 0; lineNo < lines.length; lineNo++) {
      const line = lines[lineNo];
      if (line.startsWith(': ')) {
        if (section) sections.push(section);
        section = {
          section: line.replace(/^[: ]+/, '').trim(),
          correct: [],
          incorrect: [],
          accuracy: 0,
        };
        continue;
      }
      if (!section) throw new Error(`Missing section header before line #${lineNo}`);
      const fields = line.split(/\s+/).filter((f) => f.length > 0);
      if (fields.length !== 4) continue; // gensim skips invalid lines
      const [a, b, c, expected] = caseInsensitive ? fields.map((f) => f.toUpperCase()) : fields;
      const question: AnalogyQuestion = [a, b, c, expected];
      questions++;
      const ia = ok.get(a);
      const ib = ok.get(b);
      const ic = ok.get(c);
      if (ia === undefined || ib === undefined || ic === undefined || !ok.has(expected)) {
        oov++;
        if (dummy4unknown) section.incorrect.push(question);
        continue;
      }
      // most_similar(positive=[b, c], negative=[a]): mean = unitvec(u_b + u_c - u_a)
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = unit[ib * d + j] + unit[ic * d + j] - unit[ia * d + j];
        s += v * v;
      }
      let added = 0;
      for (const w of [ia, ib, ic]) if (!blockWords.has(w)) added++;
      if (blockWords.size + added > capacity || pending.length >= 8192) flush();
      blockWords.add(ia).add(ib).add(ic);
      pending.push({ section, question, ia, ib, ic, norm: Math.sqrt(s) });
    }
    flush();
    if (section) sections.push(section);
    if (questions === 0) throw new Error('evaluateWordAnalogies: no analogy question in the text');

    const total: AnalogySection = {
      section: 'Total accuracy',
      correct: sections.flatMap((x) => x.correct),
      incorrect: sections.flatMap((x) => x.incorrect),
      accuracy: 0,
    };
    sections.push(total);
    for (const sec of sections) {
      const n = sec.correct.length + sec.incorrect.length;
      sec.accuracy = n === 0 ? 0 : sec.correct.length / n;
    }
    return { accuracy: total.accuracy, sections, oovRatio: (oov / questions) * 100 };
  }

  /**
   * Correlation with human similarity judgements (wordsim353.tsv format: `word1<TAB>word2<TAB>
   * score` lines, `#` comments), exactly as gensim's `evaluate_word_pairs`: the first
   * `restrictVocab` words are known; words uppercased when `caseInsensitive`; pairs with an
   * unknown word are skipped (or scored 0 with `dummy4unknown`); invalid lines are skipped.
   *
   * @returns Pearson and Spearman (average ranks for ties, as scipy) coefficients and the
   *   percentage of pairs with an unknown word.
   * @throws if no pair could be evaluated.
   */
  evaluateWordPairs(text: string, options: EvaluatePairsOptions = {}): WordPairsResult {
    const delimiter = options.delimiter ?? '\t';
    const caseInsensitive = options.caseInsensitive ?? true;
    const dummy4unknown = options.dummy4unknown ?? false;
    const ok = this.#okVocab(options.restrictVocab ?? 300000, caseInsensitive);
    const gold: number[] = [];
    const model: number[] = [];
    let oov = 0;
    for (const raw of splitLines(text)) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.startsWith('#')) continue;
      const fields = line.split(delimiter);
      if (fields.length !== 3) continue;
      const [a, b] = caseInsensitive ? fields.map((f) => f.toUpperCase()) : fields;
      const sim = parsePythonFloat(fields[2]);
      if (sim === undefined) continue;
      const ia = ok.get(a);
      const ib = ok.get(b);
      if (ia === undefined || ib === undefined) {
        oov++;
        if (dummy4unknown) {
          model.push(0);
          gold.push(sim);
        }
        continue;
      }
      gold.push(sim);
      model.push(this.#cosineIndex(ia, ib));
    }
    if (gold.length === 0) {
      throw new Error(
        'evaluateWordPairs: no valid similarity judgement found: either an invalid format or all pairs are out of the vocabulary',
      );
    }
    const oovRatio = dummy4unknown ? (oov / gold.length) * 100 : (oov / (gold.length + oov)) * 100;
    const n = gold.length;
    return {
      pearson: n < 2 ? Number.NaN : pearson(gold, model),
      spearman: n < 2 ? Number.NaN : spearman(gold, model),
      oovRatio,
      pairs: n,
    };
  }

  /**
   * The vectors as a word2vec.c file (text, or binary with `binary: true`), in index order.
   * See {@link SaveWord2VecOptions} for the exact bytes.
   *
   * @throws if a word is empty or contains a space or newline.
   */
  saveWord2VecFormat(options: SaveWord2VecOptions = {}): Uint8Array {
    return encodeWord2VecFormat(this.#words, this.vectors, this.vectorSize, options);
  }

  /**
   * Reads a word2vec.c file (as written by word2vec.c, gensim or {@link saveWord2VecFormat}).
   * The file stores no counts, so {@link count} returns undefined.
   *
   * @param data - the file's bytes (a string is taken as a text file's content).
   * @param options - `binary` (default false), `limit`, `unicodeErrors`.
   * @throws `Word2VecFormatError` with the line (text) or byte offset (binary) of the problem.
   */
  static loadWord2VecFormat(
    data: Uint8Array | ArrayBuffer | string,
    options: LoadWord2VecOptions = {},
  ): KeyedVectors {
    const { words, vectors, vectorSize } = decodeWord2VecFormat(data, options);
    return new KeyedVectors(words, vectors, vectorSize);
  }
}

function isTerm(x: unknown): x is WordOrVector {
  return (
    typeof x === 'string' ||
    x instanceof Float32Array ||
    x instanceof Float64Array ||
    Array.isArray(x)
  );
}

/** Turns gensim-style positive/negative arguments into `[term, weight]` pairs. */
function normaliseTerms(
  terms: string | readonly MostSimilarTerm[] | undefined,
  defaultWeight: number,
  name: string,
): [WordOrVector, number][] {
  if (terms === undefined) return [];
  if (typeof terms === 'string') return [[terms, defaultWeight]];
  return terms.map((t): [WordOrVector, number] => {
    if (
      Array.isArray(t) &&
      t.length === 2 &&
      typeof t[1] === 'number' &&
      (typeof t[0] === 'string' || ArrayBuffer.isView(t[0]) || Array.isArray(t[0]))
    ) {
      return [t[0] as WordOrVector, t[1]];
    }
    if (!isTerm(t)) throw new TypeError(`mostSimilar: invalid ${name} term ${String(t)}`);
    return [t as WordOrVector, defaultWeight];
  });
}
