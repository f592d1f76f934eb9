// Types of corpus.mjs (plain JavaScript so that the Node fixture generator can import it).

/** xorshift32 (shifts 13, 17, 5) seeded with `seed` (0 becomes 1): a uint32 per call. */
export declare function xorshift32(seed: number): () => number;

/** {@link xorshift32} scaled to floats in [0, 1). */
export declare function uniform(seed: number): () => number;

/** `sentences` sentences of `length` Zipf-ish words `w0`..`w{vocab-1}`. */
export declare function randomCorpus(
  sentences: number,
  length: number,
  vocab: number,
  seed?: number,
): string[][];

/** Two topics of `words` words each and sentences alternating between them. */
export declare function twoTopicCorpus(
  words: number,
  sentences: number,
  length?: number,
  seed?: number,
): { clusters: string[][]; sentences: string[][] };

/** Mean similarity within each of two topics minus the mean across them. */
export declare function twoTopicGap(
  similarity: (a: string, b: string) => number,
  clusters: string[][],
): number;

/** Settings of {@link topicCorpus}. */
export interface TopicCorpusOptions {
  /** Number of sentences. */
  sentences: number;
  /** Seed of the {@link uniform} stream. */
  seed: number;
  /** Number of topics. */
  topics: number;
  /** Shortest sentence. */
  minLength: number;
  /** Sentence lengths span `[minLength, minLength + lengthSpan)`. */
  lengthSpan: number;
  /** Probability that a token is a function word. */
  functionRate: number;
  /** The function words. */
  functionWords: readonly string[];
  /** Words per topic. */
  wordsPerTopic: number;
  /** The `j`-th word of topic `t`. */
  word: (t: number, j: number) => string;
}

/** A deterministic topic corpus (see corpus.mjs). */
export declare function topicCorpus(options: TopicCorpusOptions): string[][];
