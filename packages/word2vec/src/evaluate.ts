/**
 * Statistics and types for `KeyedVectors.evaluateWordAnalogies` / `evaluateWordPairs`,
 * computed as scipy does (float64 throughout).
 *
 * @module
 */

/** One analogy question `a : b :: c : expected`. */
export type AnalogyQuestion = [a: string, b: string, c: string, expected: string];

/** One section of an analogy evaluation, as gensim's `evaluate_word_analogies` returns it. */
export interface AnalogySection {
  /** Section name (the text after `: `), or `'Total accuracy'` for the last entry. */
  section: string;
  /** Questions answered correctly (words uppercased when `caseInsensitive`). */
  correct: AnalogyQuestion[];
  /** Questions answered wrongly (and, with `dummy4unknown`, those with unknown words). */
  incorrect: AnalogyQuestion[];
  /** `correct / (correct + incorrect)`, 0 when the section has no evaluated question. */
  accuracy: number;
}

/** Result of `KeyedVectors.evaluateWordAnalogies`. */
export interface AnalogyResult {
  /** Overall accuracy over every section (gensim's returned score). */
  accuracy: number;
  /** Per-section results in file order, then a `'Total accuracy'` entry (as gensim). */
  sections: AnalogySection[];
  /** Percentage of questions with a word outside the (restricted) vocabulary. */
  oovRatio: number;
}

/** Options of `KeyedVectors.evaluateWordAnalogies` (gensim's keyword arguments). */
export interface EvaluateAnalogiesOptions {
  /** Only the first `restrictVocab` words are known and searched. Default 300000. */
  restrictVocab?: number;
  /** Compare words uppercased; the first (most frequent) case variant is used. Default true. */
  caseInsensitive?: boolean;
  /** Count questions with unknown words as incorrect instead of skipping them. Default false. */
  dummy4unknown?: boolean;
}

/** Options of `KeyedVectors.evaluateWordPairs` (gensim's keyword arguments). */
export interface EvaluatePairsOptions {
  /** Field separator. Default `'\t'`. */
  delimiter?: string;
  /** Only the first `restrictVocab` words are known. Default 300000. */
  restrictVocab?: number;
  /** Compare words uppercased; the first (most frequent) case variant is used. Default true. */
  caseInsensitive?: boolean;
  /** Give pairs with unknown words similarity 0 instead of skipping them. Default false. */
  dummy4unknown?: boolean;
}

/** Result of `KeyedVectors.evaluateWordPairs`. */
export interface WordPairsResult {
  /** Pearson correlation between gold and model similarities (scipy `pearsonr` statistic). */
  pearson: number;
  /** Spearman rank correlation, average ranks for ties (scipy `spearmanr` statistic). */
  spearman: number;
  /** Percentage of pairs with an unknown word (gensim's `oov_ratio`). */
  oovRatio: number;
  /** Number of pairs that entered the correlations. */
  pairs: number;
}

/**
 * Pearson's correlation coefficient as `scipy.stats.pearsonr` computes it (centred vectors
 * normalised before the dot product, clipped to [-1, 1]); NaN when an input is constant.
 *
 * @throws if the lengths differ or there are fewer than 2 values.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (y.length !== n) throw new Error(`pearson: lengths differ (${n} and ${y.length})`);
  if (n < 2) throw new Error('pearson: at least 2 values are needed');
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < n; i++) {
    nx += (x[i] - mx) ** 2;
    ny += (y[i] - my) ** 2;
  }
  nx = Math.sqrt(nx);
  ny = Math.sqrt(ny);
  if (nx === 0 || ny === 0) return Number.NaN;
  let r = 0;
  for (let i = 0; i < n; i++) r += ((x[i] - mx) / nx) * ((y[i] - my) / ny);
  return Math.max(-1, Math.min(1, r));
}

/** 1-based ranks with ties given their average rank (`scipy.stats.rankdata(method='average')`). */
export function rankData(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]] === x[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's rank correlation (`scipy.stats.spearmanr`): Pearson on average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(rankData(x), rankData(y));
}

/**
 * Python's `float()` on a field: surrounding whitespace allowed, decimals, `nan`, `inf`,
 * `infinity`; undefined when not a number.
 */
export function parsePythonFloat(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)$/i.test(t)) {
    return undefined;
  }
  const low = t.toLowerCase();
  if (low.endsWith('nan')) return Number.NaN;
  if (low.endsWith('inf') || low.endsWith('infinity')) {
    return low.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(t);
}

/** Splits text into lines as Python iterates a file (keeps no terminator, no final empty line). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
