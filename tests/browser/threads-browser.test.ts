// ready({ threads }) in headless Chromium: on a cross-origin-isolated page two threads (a
// module worker over the shared memory; the page's thread spins, as browsers forbid
// Atomics.wait there) give the one-thread bits for a matrix product and convolution input
// gradients, the filter gradients within rounding; without isolation threads: 2 is refused
// with a clear error and 'auto' runs one thread.
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadsPageResult } from './fixtures/threads-page.js';
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

function inPage(page: Page, threads: number | 'auto'): Promise<ThreadsPageResult> {
  return page.evaluate(
    (n) =>
      (
        globalThis as unknown as {
          zooThreads: { run(n: number | 'auto'): Promise<ThreadsPageResult> };
        }
      ).zooThreads.run(n),
    threads,
  );
}

describe.skipIf(!chromiumAvailable())('kernel threads in headless Chromium', () => {
  let browser: LaunchedBrowser;
  let isolated: Served;
  let plain: Served;

  beforeAll(async () => {
    const code = await bundle({
      entry: fileURLToPath(new URL('./fixtures/threads-page.ts', import.meta.url)),
    });
    const files = { '/': modulePage(), '/bundle.js': code };
    isolated = await serve({ files });
    plain = await serve({ files, isolated: false });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await isolated?.close();
    await plain?.close();
  });

  async function open(server: Served): Promise<Page> {
    const page = await browser.newPage();
    await openModulePage(page, `${server.origin}/`);
    return page;
  }

  it('threads: 2 on a cross-origin-isolated page: the one-thread bits (relaxed SIMD build)', async () => {
    const page = await open(isolated);
    const r = await inPage(page, 2);
    expect(r.error).toBeUndefined();
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.relaxedSimd).toBe(true);
    // matMul, and the forward and both backward kernels of each convolution.
    expect(r.jobs).toBeGreaterThanOrEqual(5);
    expect(r.same).toEqual([true, true, true, true, true]);
    for (const d of r.dwRelDiff) expect(d).toBeLessThan(1e-5);
    await page.close();
    expect(browser.errors).toEqual([]);
  });

  it('without cross-origin isolation threads: 2 is refused and auto runs one thread', async () => {
    const page = await open(plain);
    const refused = await inPage(page, 2);
    expect(refused.crossOriginIsolated).toBe(false);
    expect(refused.error).toMatch(/threads: 2 needs worker threads .*cross-origin-isolated page/);
    const auto = await inPage(page, 'auto');
    expect(auto.error).toBeUndefined();
    expect(auto.threads).toBe(1);
    expect(auto.jobs).toBe(0);
    expect(auto.same).toEqual([true, true, true, true, true]);
    await page.close();
  });
});
