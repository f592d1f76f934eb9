import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { scheduledAlpha, Word2Vec, type Word2VecProgress } from '@zoo/word2vec';
import { describe, expect, it } from 'vitest';
import { randomCorpus, twoTopicCorpus, twoTopicGap } from '../../../tests/shared/corpus.mjs';
import { trainWeights } from '../src/word2vec.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Word2Vec kernel', () => {
  const corpus = randomCorpus(30, 25, 40);
  for (const dim of [1, 3, 7, 33, 100, 129]) {
    for (const [sg, hs, negative, cbowMean] of [
      [1, 1, 3, 1],
      [0, 1, 3, 1],
      [0, 0, 4, 0],
    ] as const) {
      it(`SIMD matches the scalar reference: dim ${dim}, sg ${sg}, hs ${hs}, negative ${negative}, cbowMean ${cbowMean}`, async () => {
        const options = {
          vectorSize: dim,
          window: 3,
          minCount: 1,
          sg,
          hs,
          negative,
          cbowMean,
          sample: 1e-2,
          epochs: 2,
        };
        const fast = await trainWeights(corpus, options, false);
        const ref = await trainWeights(corpus, options, true);
        expect(fast.syn0.length).toBe(ref.syn0.length);
        expect(maxAbsDiff(fast.syn0, ref.syn0)).toBeLessThan(1e-4);
        expect(maxAbsDiff(fast.syn1neg!, ref.syn1neg!)).toBeLessThan(1e-4);
        if (hs) expect(maxAbsDiff(fast.syn1!, ref.syn1!)).toBeLessThan(1e-4);
        // Training moved the weights.
        expect(fast.syn1neg!.some((x) => x !== 0)).toBe(true);
      });
    }
  }

  it('matches a plain-JS skip-gram / hierarchical-softmax step (2 words, dim 3)', async () => {
    const seed = 7;
    const dim = 3;
    const alpha = 0.025;
    const w2v = await Word2Vec.train([['a', 'b']], {
      vectorSize: dim,
      window: 1,
      minCount: 1,
      sg: 1,
      hs: 1,
      negative: 0,
      sample: 0,
      epochs: 1,
      seed,
      alpha,
    });
    // word2vec.c's init from the seeded LCG (upper 32 of the low 48 bits).
    let state = BigInt(seed);
    const rand32 = (): number => {
      const r = Number((state >> 16n) & 0xffffffffn);
      state = BigInt.asUintN(64, state * 25214903917n + 11n);
      return r;
    };
    const syn0 = [0, 1].map(() =>
      Array.from({ length: dim }, () => Math.fround((rand32() / 2 ** 32 - 0.5) / dim)),
    );
    const syn1 = [0, 0, 0];
    const sig = (f: number): number => {
      const i = Math.trunc((f + 6) * (1000 / 6 / 2));
      const e = Math.exp(((i / 1000) * 2 - 1) * 6);
      return Math.fround(e / (e + 1));
    };
    const dot = (x: number[], y: number[]): number => x.reduce((s, v, i) => s + v * y[i], 0);
    // Huffman over counts [1, 1]: word 0 ('a') has code [1], word 1 ('b') code [0], one node.
    // Position 0 predicts 'a' from 'b', then position 1 predicts 'b' from 'a'.
    let loss = 0;
    for (const [word, ctx, code] of [
      [0, 1, 1],
      [1, 0, 0],
    ]) {
      const f = dot(syn0[ctx], syn1);
      loss += -Math.log(sig(code ? -f : f));
      const g = (1 - code - sig(f)) * alpha;
      const neu1e = syn1.map((v) => g * v);
      for (let i = 0; i < dim; i++) syn1[i] += g * syn0[ctx][i];
      for (let i = 0; i < dim; i++) syn0[ctx][i] += neu1e[i];
      expect(word).toBe(1 - ctx);
    }
    const st = w2v.state();
    expect(st.words).toEqual(['a', 'b']);
    for (let w = 0; w < 2; w++) {
      for (let i = 0; i < dim; i++) expect(st.syn0[w * dim + i]).toBeCloseTo(syn0[w][i], 6);
    }
    for (let i = 0; i < dim; i++) expect(st.syn1![i]).toBeCloseTo(syn1[i], 6);
    expect(w2v.lastTraining.losses[0]).toBeCloseTo(loss, 5);
  });
});

describe('Word2Vec training', () => {
  // Two topics: sentences draw words from one cluster only.
  const { clusters, sentences: topical } = twoTopicCorpus(8, 400);
  for (const sg of [1, 0] as const) {
    it(`words of one topic end up more similar than across topics (sg ${sg})`, async () => {
      const w2v = await Word2Vec.train(topical, {
        vectorSize: 16,
        window: 3,
        minCount: 1,
        sample: 0,
        epochs: 10,
        sg,
        seed: 5,
      });
      expect(twoTopicGap((a, b) => w2v.wv.similarity(a, b), clusters)).toBeGreaterThan(0.3);
    });
  }

  it('trains every token of every epoch: one long line, many short lines, files', async () => {
    const long = randomCorpus(1, 25_000, 60, 9)[0];
    const short: string[][] = [];
    for (let i = 0; i < long.length; i += 10) short.push(long.slice(i, i + 10));
    const opts = { vectorSize: 8, minCount: 1, sample: 0, epochs: 3, window: 2 };
    const a = await Word2Vec.train([long], opts);
    const b = await Word2Vec.train(short, opts);
    expect(a.lastTraining.rawWords).toBe(75_000);
    expect(a.lastTraining.effectiveWords).toBe(75_000);
    expect(b.lastTraining.effectiveWords).toBe(75_000);
    const dir = mkdtempSync(join(tmpdir(), 'w2v-'));
    const text = `${long.join(' ')}\n`;
    writeFileSync(join(dir, 'long.txt'), text);
    writeFileSync(join(dir, 'long.txt.gz'), gzipSync(text));
    writeFileSync(join(dir, 'short.txt'), `${short.map((s) => s.join(' ')).join('\n')}\n`);
    for (const f of ['long.txt', 'long.txt.gz', 'short.txt']) {
      const m = await Word2Vec.train({ path: join(dir, f) }, opts);
      expect(m.lastTraining.effectiveWords, f).toBe(75_000);
      expect(m.lastTraining.rawWords, f).toBe(75_000);
      expect(m.wv.vocab.length, f).toBe(a.wv.vocab.length);
    }
    // The long line as a file trains the same ids as in memory (both cut at 10,000 tokens).
    const fileLong = await Word2Vec.train({ path: join(dir, 'long.txt.gz') }, opts);
    expect(fileLong.state().syn0).toEqual(a.state().syn0);
    // Out-of-vocabulary tokens count as raw words only.
    const withRare = [...long, 'rare1', 'rare2'];
    const c = await Word2Vec.train([withRare], { ...opts, minCount: 2, epochs: 2 });
    let inVocab = 0;
    for (const t of withRare) if (c.wv.has(t)) inVocab++;
    expect(c.lastTraining.rawWords).toBe(2 * withRare.length);
    expect(c.lastTraining.effectiveWords).toBe(2 * inVocab);
    // Sub-sampling drops some frequent words, deterministically.
    const s1 = await Word2Vec.train([long], { ...opts, sample: 1e-3 });
    const s2 = await Word2Vec.train([long], { ...opts, sample: 1e-3 });
    expect(s1.lastTraining.effectiveWords).toBeLessThan(75_000);
    expect(s1.lastTraining.effectiveWords).toBe(s2.lastTraining.effectiveWords);
  });

  it('trains bit-identical vectors from the same seed', async () => {
    const corpus = randomCorpus(50, 30, 50, 4);
    const opts = { vectorSize: 20, minCount: 1, epochs: 2, sg: 1 as const, hs: 1 as const };
    const a = await Word2Vec.train(corpus, { ...opts, seed: 11 });
    const b = await Word2Vec.train(corpus, { ...opts, seed: 11 });
    const c = await Word2Vec.train(corpus, { ...opts, seed: 12 });
    expect(Buffer.from(a.state().syn0.buffer).equals(Buffer.from(b.state().syn0.buffer))).toBe(
      true,
    );
    expect(a.lastTraining.losses).toEqual(b.lastTraining.losses);
    expect(a.state().syn0).not.toEqual(c.state().syn0);
  });

  it('decays alpha linearly from alpha to minAlpha and reports progress', async () => {
    expect(scheduledAlpha(0.025, 1e-4, 0)).toBe(0.025);
    expect(scheduledAlpha(0.025, 1e-4, 1)).toBeCloseTo(1e-4, 12);
    expect(scheduledAlpha(0.025, 1e-4, 0.5)).toBeCloseTo((0.025 + 1e-4) / 2, 12);
    expect(scheduledAlpha(0.025, 1e-4, 1.5)).toBe(1e-4);
    const reports: Word2VecProgress[] = [];
    const corpus = randomCorpus(40, 20, 30, 2);
    const w2v = await Word2Vec.train(corpus, {
      vectorSize: 8,
      minCount: 1,
      epochs: 4,
      alpha: 0.05,
      minAlpha: 0.001,
      onProgress: (p) => reports.push(p),
    });
    const ends = reports.filter((p) => p.epochEnd);
    expect(ends.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    expect(ends.map((p) => p.wordsDone)).toEqual([800, 1600, 2400, 3200]);
    for (let e = 0; e < 4; e++) {
      expect(ends[e].alpha).toBeCloseTo(0.05 - (0.049 * (e + 1)) / 4, 10);
      expect(ends[e].loss).toBe(w2v.lastTraining.losses[e]);
      expect(ends[e].loss).toBeGreaterThan(0);
    }
    expect(w2v.state().alphaReached).toBeCloseTo(0.001, 12);
  });

  it('continues training, and fromState(state()) continues identically', async () => {
    const corpus = randomCorpus(40, 20, 30, 6);
    const more = randomCorpus(40, 20, 35, 7);
    const a = await Word2Vec.train(corpus, { vectorSize: 12, minCount: 1, epochs: 2, hs: 1 });
    const b = await Word2Vec.fromState(a.state());
    const before = a.state().syn0.slice();
    const report = await a.train(more, { epochs: 3 });
    await b.train(more, { epochs: 3 });
    expect(report.epochs).toBe(3);
    expect(a.state().epochsTrained).toBe(5);
    expect(a.state().syn0).not.toEqual(before);
    expect(a.state().syn0).toEqual(b.state().syn0);
    expect(a.state().syn1neg).toEqual(b.state().syn1neg);
    expect(a.state().syn1).toEqual(b.state().syn1);
    expect(a.state().rng).toBe(b.state().rng);
    expect(Array.from(a.wv.get(a.state().words[0]))).toEqual(
      Array.from(a.state().syn0.subarray(0, 12)),
    );
    // A failed continuation leaves the model unchanged.
    const snapshot = a.state().syn0.slice();
    await expect(a.train([], { epochs: 1 })).rejects.toThrow(/empty/);
    await expect(a.train(more, { epochs: 0 })).rejects.toThrow(/epochs/);
    expect(a.state().syn0).toEqual(snapshot);
  });

  it('reads async iterables (threads: see threads.test.ts)', async () => {
    const corpus = randomCorpus(30, 20, 20, 8);
    const iterable = {
      async *[Symbol.asyncIterator]() {
        for (const s of corpus) yield s;
      },
    };
    const opts = { vectorSize: 8, minCount: 1, epochs: 2 };
    const a = await Word2Vec.train(iterable, opts);
    const b = await Word2Vec.train(corpus, { ...opts, workers: 1 });
    expect(a.state().syn0).toEqual(b.state().syn0);
    expect(a.lastTraining.rawWords).toBe(1200);
  });

  it('rejects bad input with clear errors', async () => {
    const ok = [['a', 'b', 'a']];
    const t = (corpus: unknown, options?: unknown) =>
      Word2Vec.train(corpus as string[][], options as object);
    await expect(t([])).rejects.toThrow(/empty/);
    await expect(t([[], []])).rejects.toThrow(/empty/);
    await expect(t(ok, { minCount: 3 })).rejects.toThrow(
      /no word reaches minCount 3; the most frequent word occurs 2 times/,
    );
    await expect(t(ok, { negative: 0, hs: 0 })).rejects.toThrow(/negative is 0 and hs is 0/);
    await expect(t(ok, { minCount: 1, vectorSize: 0 })).rejects.toThrow(/vectorSize/);
    await expect(t(ok, { minCount: 1, window: 0 })).rejects.toThrow(/window/);
    await expect(t(ok, { window: '5' })).rejects.toThrow(/window must be a finite number/);
    await expect(t(ok, { vectorSize: 2.5 })).rejects.toThrow(/vectorSize must be an integer/);
    await expect(t(ok, { sg: 2 })).rejects.toThrow(/sg must be 0 or 1/);
    await expect(t(ok, { alpha: -1 })).rejects.toThrow(/alpha/);
    await expect(t(ok, { sample: -1 })).rejects.toThrow(/sample/);
    await expect(t(ok, { vector_size: 10 })).rejects.toThrow(/unknown option 'vector_size'/);
    await expect(t(ok, { onProgress: 3 })).rejects.toThrow(/onProgress/);
    await expect(t('a b c')).rejects.toThrow(/corpus must be/);
    await expect(t(['a b c'], { minCount: 1 })).rejects.toThrow(/string/);
    async function* gen() {
      yield ['a'];
    }
    await expect(t(gen(), { minCount: 1 })).rejects.toThrow(/one-shot/);
    await expect(t({ path: '/nonexistent/corpus.txt' })).rejects.toThrow(/ENOENT/);
  });
});
