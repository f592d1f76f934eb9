// Issue 7's last acceptance item: Word2Vec trained with 1 worker and the same seed gives
// bit-identical vectors in Node and in headless Chromium, for skip-gram and CBOW with negative
// sampling and hierarchical softmax. The same module (fixtures/word2vec-run.ts) runs in both:
// imported here, and bundled with esbuild for the page. The browser's multi-worker path
// (module workers over a shared memory, the page being cross-origin isolated) is exercised
// too: it must train every word and give sensible vectors (Hogwild is not deterministic).
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWord2Vec, type W2vRunConfig, type W2vRunResult } from './fixtures/word2vec-run.js';
import {
  bundle,
  chromiumAvailable,
  type LaunchedBrowser,
  launchChromium,
  modulePage,
  openModulePage,
  type Served,
  serve,
} from './harness.js';

const base: W2vRunConfig = {
  sg: 1,
  hs: 0,
  negative: 5,
  workers: 1,
  seed: 42,
  epochs: 5,
  vectorSize: 33,
  window: 4,
  sentences: 1500,
};

const cases: [string, Partial<W2vRunConfig>][] = [
  ['skip-gram, negative sampling', { sg: 1, hs: 0, negative: 5 }],
  ['CBOW, negative sampling', { sg: 0, hs: 0, negative: 5, seed: 7, epochs: 10 }],
  ['skip-gram, hierarchical softmax', { sg: 1, hs: 1, negative: 0 }],
  [
    'CBOW, hierarchical softmax + negative',
    { sg: 0, hs: 1, negative: 3, vectorSize: 16, epochs: 10 },
  ],
];

function inPage(page: Page, cfg: W2vRunConfig): Promise<W2vRunResult> {
  return page.evaluate(
    (c) =>
      (
        globalThis as unknown as {
          zooWord2vec: { runWord2Vec(c: W2vRunConfig): Promise<W2vRunResult> };
        }
      ).zooWord2vec.runWord2Vec(c),
    cfg,
  );
}

describe.skipIf(!chromiumAvailable())('Word2Vec in headless Chromium', () => {
  let browser: LaunchedBrowser;
  let server: Served;
  let page: Page;

  beforeAll(async () => {
    const code = await bundle({
      entry: fileURLToPath(new URL('./fixtures/word2vec-page.ts', import.meta.url)),
    });
    server = await serve({ files: { '/': modulePage(), '/bundle.js': code } });
    browser = await launchChromium();
    page = await browser.newPage();
    await openModulePage(page, `${server.origin}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [name, over] of cases) {
    it(`${name}: 1 worker, same seed -> bit-identical vectors in Node and Chromium`, async () => {
      const cfg = { ...base, ...over };
      const [node, chrome] = await Promise.all([runWord2Vec(cfg), inPage(page, cfg)]);
      // Training really happened, and the vectors are not degenerate.
      expect(node.workers).toBe(1);
      expect(node.vocab).toBeGreaterThan(60);
      expect(node.rawWords).toBeGreaterThan(10_000 * cfg.epochs);
      expect(node.topicGap).toBeGreaterThan(0.1);
      expect(chrome.crossOriginIsolated).toBe(true);
      // Bit-identical: the same vectors, losses and counts.
      expect(chrome.firstBits).toEqual(node.firstBits);
      expect(chrome.vectorsSha256).toBe(node.vectorsSha256);
      expect(chrome.lossSha256).toBe(node.lossSha256);
      expect({ ...chrome, crossOriginIsolated: null, relaxedSimd: node.relaxedSimd }).toEqual(node);
    });
  }

  it('a different seed gives different vectors (the digest can fail)', async () => {
    const a = await inPage(page, base);
    const b = await inPage(page, { ...base, seed: base.seed + 1 });
    expect(b.vectorsSha256).not.toBe(a.vectorsSha256);
  });

  it("Chromium's relaxed-SIMD build (picked by 'auto') trains the same bits as Node's SIMD build", async () => {
    const chrome = await inPage(page, { ...base, variant: 'auto' });
    const node = await runWord2Vec(base);
    expect(chrome.relaxedSimd).toBe(true);
    expect(chrome.vectorsSha256).toBe(node.vectorsSha256);
  });

  it('2 workers in the cross-origin isolated page: module workers train every word', async () => {
    const cfg: W2vRunConfig = { ...base, workers: 2, sentences: 3000 };
    const chrome = await inPage(page, cfg);
    const single = await runWord2Vec({ ...cfg, workers: 1 });
    expect(chrome.crossOriginIsolated).toBe(true);
    expect(chrome.workers).toBe(2);
    // Every token is read whatever the threads; sub-sampling is random, so effective words
    // match only approximately.
    expect(chrome.rawWords).toBe(single.rawWords);
    expect(chrome.vocab).toBe(single.vocab);
    expect(Math.abs(chrome.effectiveWords / single.effectiveWords - 1)).toBeLessThan(0.05);
    expect(chrome.topicGap).toBeGreaterThan(0.1);
    expect(chrome.topicGap).toBeGreaterThan(single.topicGap - 0.15);
    for (const l of chrome.losses) expect(Number.isFinite(l) && l > 0).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
