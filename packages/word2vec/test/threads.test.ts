// Hogwild worker threads: exact word counts, quality close to one thread, workers terminated,
// and a clean fallback to one thread where threads do not exist.
import { loadWord2VecThreadKernels, word2vecThreadsWasmBytes } from '@zoo/kernels';
import { Word2Vec } from '@zoo/word2vec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomCorpus, twoTopicCorpus, twoTopicGap } from '../../../tests/shared/corpus.mjs';
import { activeWorkerCount, threadOverrides } from '../src/threads.js';

afterEach(() => {
  threadOverrides.disabled = false;
  vi.unstubAllGlobals();
});

describe('the threads build of the word2vec kernels', () => {
  it('loads over a shared memory only, and instances over one memory share it', async () => {
    const plain = new WebAssembly.Memory({ initial: 2, maximum: 4 });
    await expect(loadWord2VecThreadKernels({ memory: plain })).rejects.toThrow(/shared/);
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
    const a = await loadWord2VecThreadKernels({ memory });
    expect(a.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const b = new WebAssembly.Instance(a.module, { env: { memory } }).exports as unknown as {
      w2vInitTables(ptr: number): void;
    };
    // Tables written through one instance are read through the other's memory.
    const p = a.heapBase + 64;
    b.w2vInitTables(p);
    const sig = new Float32Array(memory.buffer, p, 1000);
    expect(sig[500]).toBeCloseTo(0.5, 6);
    expect(word2vecThreadsWasmBytes().byteLength).toBeGreaterThan(1000);
  });
});

describe('Word2Vec with worker threads', () => {
  it('trains every token on 2 workers (exact counts over many chunks) and terminates them', async () => {
    // 400k tokens: 4 chunks per epoch, so both token buffers and the queue are exercised.
    const corpus = randomCorpus(4000, 100, 300, 9);
    const seen: number[] = [];
    const opts = { vectorSize: 12, minCount: 1, sample: 0, epochs: 2, window: 3 };
    const w2v = await Word2Vec.train(corpus, {
      ...opts,
      workers: 2,
      onProgress: () => void seen.push(activeWorkerCount()),
    });
    const r = w2v.lastTraining;
    expect(r.workers).toBe(2);
    expect(r.rawWords).toBe(800_000);
    expect(r.effectiveWords).toBe(800_000);
    expect(r.losses).toHaveLength(2);
    for (const l of r.losses) expect(Number.isFinite(l) && l > 0).toBe(true);
    // The loss is summed over every output trained, so it is close to one thread's.
    const one = await Word2Vec.train(corpus, { ...opts, workers: 1 });
    expect(one.lastTraining.workers).toBe(1);
    expect(r.losses[0] / one.lastTraining.losses[0]).toBeGreaterThan(0.95);
    expect(r.losses[0] / one.lastTraining.losses[0]).toBeLessThan(1.05);
    // The workers ran during training and are gone afterwards.
    expect(Math.max(...seen)).toBe(2);
    await vi.waitFor(() => expect(activeWorkerCount()).toBe(0), { timeout: 2000 });
    // Sub-sampling with 2 workers: raw words exact, trained words close to one thread's.
    const s2 = await Word2Vec.train(corpus, { ...opts, sample: 1e-3, workers: 2 });
    const s1 = await Word2Vec.train(corpus, { ...opts, sample: 1e-3, workers: 1 });
    expect(s2.lastTraining.rawWords).toBe(800_000);
    const ratio = s2.lastTraining.effectiveWords / s1.lastTraining.effectiveWords;
    expect(Math.abs(ratio - 1)).toBeLessThan(0.01);
    // Continued training on threads counts exactly too.
    const more = await w2v.train(corpus.slice(0, 500), { epochs: 1 });
    expect(more.workers).toBe(2);
    expect(more.rawWords).toBe(50_000);
    expect(more.effectiveWords).toBe(50_000);
    await vi.waitFor(() => expect(activeWorkerCount()).toBe(0), { timeout: 2000 });
  });

  it('reaches the quality of one worker on the topic-cluster test (sg 1 and 0)', async () => {
    // train.test.ts's topic test with 40 words per topic instead of 8: with only 16 words,
    // two threads update the same rows all the time and Hogwild loses a visible share of the
    // updates (gaps of 0.63-0.85 against 0.86 on one thread); with 80 words it does not.
    const { clusters, sentences: topical } = twoTopicCorpus(40, 2000);
    for (const sg of [1, 0] as const) {
      const opts = { vectorSize: 16, window: 3, minCount: 1, sample: 0, epochs: 10, sg, seed: 5 };
      const one = await Word2Vec.train(topical, { ...opts, workers: 1 });
      const two = await Word2Vec.train(topical, { ...opts, workers: 2 });
      expect(two.lastTraining.workers).toBe(2);
      expect(two.lastTraining.effectiveWords).toBe(10 * 2000 * 12);
      const g1 = twoTopicGap((a, b) => one.wv.similarity(a, b), clusters);
      const g2 = twoTopicGap((a, b) => two.wv.similarity(a, b), clusters);
      expect(g1, `sg ${sg}`).toBeGreaterThan(0.3);
      // Hogwild is not deterministic: how often the threads collide depends on scheduling
      // (gaps of 0.67-0.85 against 0.83 on one thread were seen on a loaded 2-core machine),
      // so this asks for clearly learnt topics, not a tie with one thread. A broken split
      // (lost updates, a worker training nothing) scores near 0.
      expect(g2, `sg ${sg}`).toBeGreaterThan(Math.max(0.3, g1 - 0.3));
    }
  });

  it('terminates its workers when training fails', async () => {
    const corpus = randomCorpus(3000, 100, 200, 4);
    let reads = 0;
    const failing = {
      *[Symbol.iterator]() {
        reads++;
        for (let i = 0; i < corpus.length; i++) {
          // The first read builds the vocabulary; the second (epoch 1) fails midway, after
          // a chunk was handed to the workers.
          if (reads === 2 && i === 2000) throw new Error('disk on fire');
          yield corpus[i];
        }
      },
    };
    await expect(
      Word2Vec.train(failing, { vectorSize: 8, minCount: 1, epochs: 1, workers: 2 }),
    ).rejects.toThrow(/disk on fire/);
    await vi.waitFor(() => expect(activeWorkerCount()).toBe(0), { timeout: 2000 });
  });

  it('falls back to one thread, bit-identical to workers 1, where threads do not exist', async () => {
    const corpus = randomCorpus(60, 30, 40, 2);
    const opts = { vectorSize: 10, minCount: 1, epochs: 2, seed: 3 };
    const one = await Word2Vec.train(corpus, { ...opts, workers: 1 });
    // As on workerd or a page without cross-origin isolation: no SharedArrayBuffer.
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const noSab = await Word2Vec.train(corpus, { ...opts, workers: 4 });
    vi.unstubAllGlobals();
    threadOverrides.disabled = true;
    const disabled = await Word2Vec.train(corpus, { ...opts, workers: 2 });
    for (const m of [noSab, disabled]) {
      expect(m.lastTraining.workers).toBe(1);
      expect(m.state().syn0).toEqual(one.state().syn0);
      expect(m.lastTraining.losses).toEqual(one.lastTraining.losses);
    }
    expect(activeWorkerCount()).toBe(0);
  });
});
