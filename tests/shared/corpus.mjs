// Deterministic corpora for the Word2Vec tests, shared by the package tests (vitest), the
// browser and runtime-matrix bundles (esbuild: Chromium, workerd, Deno, Bun) and the fixture
// generator (plain Node). Plain JavaScript with no imports, so that every one of them can load
// it as it is; the types are in corpus.d.mts. Every generator is built on xorshift32, whose
// integer arithmetic gives the same stream in every engine.

/**
 * xorshift32 (shifts 13, 17, 5) seeded with `seed` (0 becomes 1).
 * @param {number} seed
 * @returns {() => number} the next uint32 of the stream on each call
 */
export function xorshift32(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * {@link xorshift32} scaled to floats in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
export function uniform(seed) {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

/**
 * `sentences` sentences of `length` words `w0`..`w{vocab-1}`, Zipf-ish (the uniform draw is
 * squared, so low ids are frequent).
 * @param {number} sentences
 * @param {number} length
 * @param {number} vocab
 * @param {number} [seed]
 * @returns {string[][]}
 */
export function randomCorpus(sentences, length, vocab, seed = 1) {
  const r = uniform(seed);
  const out = [];
  for (let i = 0; i < sentences; i++) {
    const s = [];
    for (let j = 0; j < length; j++) s.push(`w${Math.floor(r() * r() * vocab)}`);
    out.push(s);
  }
  return out;
}

/**
 * Two topics of `words` words each (`t0w0`.., `t1w0`..) and `sentences` sentences of `length`
 * words, drawn uniformly from topic 0 for even sentences and topic 1 for odd ones.
 * @param {number} words
 * @param {number} sentences
 * @param {number} [length]
 * @param {number} [seed]
 * @returns {{ clusters: string[][]; sentences: string[][] }}
 */
export function twoTopicCorpus(words, sentences, length = 12, seed = 3) {
  const clusters = [0, 1].map((c) => Array.from({ length: words }, (_, i) => `t${c}w${i}`));
  const r = uniform(seed);
  const out = [];
  for (let i = 0; i < sentences; i++) {
    const ws = clusters[i % 2];
    out.push(Array.from({ length }, () => ws[Math.floor(r() * ws.length)]));
  }
  return { clusters, sentences: out };
}

/**
 * Mean similarity of word pairs within each topic of {@link twoTopicCorpus} minus the mean
 * across the two topics (> 0 once training has grouped the topics).
 * @param {(a: string, b: string) => number} similarity e.g. `(a, b) => w2v.wv.similarity(a, b)`
 * @param {string[][]} clusters the two topics' words
 * @returns {number}
 */
export function twoTopicGap(similarity, clusters) {
  const k = clusters[0].length;
  let within = 0;
  let across = 0;
  let nw = 0;
  let na = 0;
  for (let i = 0; i < k; i++) {
    for (const c of [0, 1]) {
      for (let j = i + 1; j < k; j++) {
        within += similarity(clusters[c][i], clusters[c][j]);
        nw++;
      }
    }
    for (let j = 0; j < k; j++) {
      across += similarity(clusters[0][i], clusters[1][j]);
      na++;
    }
  }
  return within / nw - across / na;
}

/**
 * A topic corpus: each sentence picks a topic, then a length in
 * `[minLength, minLength + lengthSpan)`, then each token is a function word with probability
 * `functionRate`, else a word of the topic (Zipf-like: index `floor(u * u * wordsPerTopic)`).
 * @param {import('./corpus.d.mts').TopicCorpusOptions} o
 * @returns {string[][]}
 */
export function topicCorpus(o) {
  const r = uniform(o.seed);
  const fn = o.functionWords;
  const out = [];
  for (let i = 0; i < o.sentences; i++) {
    const t = Math.floor(r() * o.topics);
    const len = o.minLength + Math.floor(r() * o.lengthSpan);
    const s = [];
    for (let k = 0; k < len; k++) {
      if (r() < o.functionRate) s.push(fn[Math.floor(r() * fn.length)]);
      else s.push(o.word(t, Math.floor(r() * r() * o.wordsPerTopic)));
    }
    out.push(s);
  }
  return out;
}
