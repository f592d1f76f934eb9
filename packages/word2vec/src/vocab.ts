// Vocabulary: counting (with gensim's max_vocab_size pruning), minCount / maxFinalVocab,
// descending-count order, the sub-sampling keep table, the Huffman tree and the noise table.

/** Counts words sentence by sentence, pruning as gensim does when `maxVocabSize` is exceeded. */
export class VocabCounter {
  readonly counts = new Map<string, number>();
  /** Tokens seen, pruned or not (gensim's corpus_total_words). */
  rawWords = 0;
  private minReduce = 1;

  constructor(private readonly maxVocabSize: number | undefined) {}

  add(sentence: readonly string[]): void {
    const counts = this.counts;
    for (let i = 0; i < sentence.length; i++) {
      const w = sentence[i];
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    this.rawWords += sentence.length;
    if (this.maxVocabSize !== undefined && counts.size > this.maxVocabSize) {
      // gensim's utils.prune_vocab: drop every word rarer than minReduce, then raise it.
      for (const [w, c] of counts) if (c < this.minReduce) counts.delete(w);
      this.minReduce++;
    }
  }
}

/** The final vocabulary: words in index order (descending count) and their counts. */
export interface Vocab {
  words: string[];
  counts: number[];
}

/**
 * gensim's prepare_vocab: the effective min count (raised by maxFinalVocab), then the words
 * that reach it sorted by descending count; ties keep their first-seen order.
 */
export function finalizeVocab(
  counts: Map<string, number>,
  minCount: number,
  maxFinalVocab: number | undefined,
): Vocab {
  let effectiveMin = minCount;
  if (maxFinalVocab !== undefined && maxFinalVocab < counts.size) {
    const sorted = [...counts.values()].sort((a, b) => b - a);
    effectiveMin = Math.max(minCount, sorted[maxFinalVocab] + 1);
  }
  const kept: [string, number][] = [];
  for (const entry of counts) if (entry[1] >= effectiveMin) kept.push(entry);
  kept.sort((a, b) => b[1] - a[1]); // Array.prototype.sort is stable
  return { words: kept.map((e) => e[0]), counts: kept.map((e) => e[1]) };
}

/**
 * The sub-sampling keep thresholds (gensim's sample_int): word w is kept when a uniform
 * 32-bit draw is <= keep[w], with word2vec.c's keep probability
 * (sqrt(f / (s T)) + 1) (s T) / f. `null` when sample is 0 (no sub-sampling).
 */
export function keepTable(counts: readonly number[], sample: number): Uint32Array | null {
  if (sample === 0) return null;
  let total = 0;
  for (const c of counts) total += c;
  const threshold = sample < 1 ? sample * total : Math.trunc((sample * (3 + Math.sqrt(5))) / 2);
  const keep = new Uint32Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    const p = (Math.sqrt(v / threshold) + 1) * (threshold / v);
    keep[i] = p >= 1 ? 0xffffffff : Math.min(0xffffffff, Math.round(p * 2 ** 32));
  }
  return keep;
}

/** A Huffman tree in flat arrays: word w's code is codes/points[start[w] .. start[w + 1]). */
export interface Huffman {
  start: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
}

/** word2vec.c's CreateBinaryTree over counts sorted in descending order; root first. */
export function buildHuffman(counts: readonly number[]): Huffman {
  const v = counts.length;
  const start = new Int32Array(v + 1);
  if (v < 2) return { start, codes: new Uint8Array(0), points: new Int32Array(0) };
  const count = new Float64Array(2 * v);
  const parent = new Int32Array(2 * v);
  const binary = new Uint8Array(2 * v);
  for (let a = 0; a < v; a++) count[a] = counts[a];
  for (let a = v; a < 2 * v; a++) count[a] = 1e15;
  let pos1 = v - 1;
  let pos2 = v;
  for (let a = 0; a < v - 1; a++) {
    let min1: number;
    let min2: number;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min1 = pos1--;
    else min1 = pos2++;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min2 = pos1--;
    else min2 = pos2++;
    count[v + a] = count[min1] + count[min2];
    parent[min1] = v + a;
    parent[min2] = v + a;
    binary[min2] = 1;
  }
  const root = 2 * v - 2;
  const lengths = new Int32Array(v);
  let total = 0;
  for (let a = 0; a < v; a++) {
    let len = 0;
    for (let b = a; b !== root; b = parent[b]) len++;
    lengths[a] = len;
    start[a] = total;
    total += len;
  }
  start[v] = total;
  const codes = new Uint8Array(total);
  const points = new Int32Array(total);
  for (let a = 0; a < v; a++) {
    const len = lengths[a];
    const s = start[a];
    // Walk leaf -> root, writing root-first: code of node b at depth i, point = its parent.
    let i = len - 1;
    for (let b = a; b !== root; b = parent[b], i--) {
      codes[s + i] = binary[b];
      points[s + i] = parent[b] - v;
    }
  }
  return { start, codes, points };
}

/**
 * The noise distribution count^exponent as a Walker alias table (Vose's construction): pairs
 * (u32 threshold, i32 alias). Drawing j uniformly, then j if rand32 < threshold[j] else
 * alias[j], samples exactly that distribution in two memory reads. `pow` must be
 * deterministic across engines (the kernel module's w2vPow).
 */
export function aliasTable(
  counts: readonly number[],
  exponent: number,
  pow: (x: number, y: number) => number,
): Uint32Array {
  const n = counts.length;
  const prob = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    prob[i] = pow(counts[i], exponent);
    sum += prob[i];
  }
  for (let i = 0; i < n; i++) prob[i] = (prob[i] * n) / sum;
  const alias = new Int32Array(n);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = n - 1; i >= 0; i--) (prob[i] < 1 ? small : large).push(i);
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    alias[s] = l;
    prob[l] = prob[l] + prob[s] - 1;
    (prob[l] < 1 ? small : large).push(l);
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = prob[i] >= 1 ? 0xffffffff : Math.floor(prob[i] * 2 ** 32);
    out[2 * i + 1] = prob[i] >= 1 ? i : alias[i];
  }
  return out;
}
