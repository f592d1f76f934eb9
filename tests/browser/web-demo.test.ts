// End-to-end test of the web demo (apps/web-demo) in headless Chromium: the demo's own server
// (node apps/web-demo/server.mjs, COOP/COEP headers) serves the built dist/, and the test
// draws digits with the mouse, trains a network for an epoch, queries Word2Vec, trains
// Word2Vec on threads, generates LSTM text and checks the error banner when wasm cannot load.
// Screenshots go to test-results/screenshots/web-demo-*.png.
//
// The demo is built by `npm run build` (turbo); when apps/web-demo/dist is missing the test
// builds it first (node apps/web-demo/scripts/build.mjs, which trains the small models).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, type LaunchedBrowser, launchChromium, repoRoot } from './harness.js';

const app = join(repoRoot, 'apps/web-demo');
const dist = join(app, 'dist');
const shots = join(repoRoot, 'test-results/screenshots');
const needed = [
  'index.html',
  'main.js',
  'train-worker.js',
  'models/digits-cnn/model.json',
  'models/shakespeare-lstm/model.json',
  'models/wiki-word2vec/vectors.bin',
];

/** Starts the demo's server on a free port; resolves with its origin once it listens. */
function startServer(extra: string[] = []): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(app, 'server.mjs'), '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`server did not start: ${out}${err}`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        ok({ origin: m[1], child });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with code ${code}: ${out}${err}`));
    });
  });
}

/** Mouse stroke through `points` (canvas pixels of the 280x280 drawing canvas). */
async function stroke(page: Page, points: [number, number][]): Promise<void> {
  const box = await page.locator('#draw-canvas').boundingBox();
  if (box === null) throw new Error('the drawing canvas is not visible');
  const at = ([x, y]: [number, number]): [number, number] => [
    box.x + (x * box.width) / 280,
    box.y + (y * box.height) / 280,
  ];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

/** The digit the page shows once the prediction settles. */
async function predicted(page: Page): Promise<{ digit: string; confidence: number }> {
  await page.waitForFunction(
    () => document.getElementById('prediction')?.dataset.digit !== '',
    undefined,
    { timeout: 10_000 },
  );
  // One more frame so the last stroke segment is classified.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  return page.evaluate(() => {
    const el = document.getElementById('prediction')!;
    return { digit: el.dataset.digit ?? '', confidence: Number(el.dataset.confidence) };
  });
}

const run = chromiumAvailable();

describe.skipIf(!run)('web demo in Chromium', () => {
  let server: { origin: string; child: ChildProcess } | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;

  beforeAll(async () => {
    if (!needed.every((f) => existsSync(join(dist, f)))) {
      const r = spawnSync(process.execPath, [join(app, 'scripts/build.mjs')], {
        stdio: 'inherit',
        timeout: 240_000,
      });
      if (r.status !== 0) throw new Error(`building the web demo failed (status ${r.status})`);
    }
    mkdirSync(shots, { recursive: true });
    server = await startServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setViewportSize({ width: 1200, height: 860 });
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => document.body.dataset.zoo !== undefined, undefined, {
      timeout: 30_000,
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill();
  });

  it('loads the kernels, cross-origin isolated, with no error banner', async () => {
    expect(await page.evaluate(() => document.body.dataset.zoo)).toBe('ready');
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    expect(await page.locator('#error-banner').isHidden()).toBe(true);
    expect(await page.locator('#backend').textContent()).toMatch(/SIMD/);
  });

  it('classifies digits drawn with the mouse', async () => {
    await page.waitForFunction(() =>
      /accurate on/.test(document.getElementById('draw-info')?.textContent ?? ''),
    );
    // A "1": one vertical stroke.
    await stroke(page, [
      [140, 40],
      [138, 140],
      [136, 240],
    ]);
    const one = await predicted(page);
    expect(one.digit).toBe('1');
    expect(one.confidence).toBeGreaterThan(0.5);
    const bars = await page.$$eval('#probs .fill', (els) =>
      els.map((e) => Number((e as HTMLElement).dataset.p)),
    );
    expect(bars).toHaveLength(10);
    expect(bars.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    await page.screenshot({ path: join(shots, 'web-demo-draw-1.png') });

    // A "0": an ellipse, so the answer depends on the drawing.
    await page.click('#draw-clear');
    expect(await page.evaluate(() => document.getElementById('prediction')?.dataset.digit)).toBe(
      '',
    );
    const ellipse: [number, number][] = [];
    for (let i = 0; i <= 40; i++) {
      const t = (i / 40) * 2 * Math.PI;
      ellipse.push([140 + 62 * Math.sin(t), 140 - 95 * Math.cos(t)]);
    }
    await stroke(page, ellipse);
    expect((await predicted(page)).digit).toBe('0');
    await page.screenshot({ path: join(shots, 'web-demo-draw-0.png') });
  });

  it('trains an MLP for one epoch with a live chart, and stops on request', async () => {
    await page.click('[data-tab="train"]');
    await page.selectOption('#train-model', 'mlp');
    await page.fill('#train-epochs', '1');
    await page.click('#train-start');
    await page.waitForFunction(
      () =>
        ['done', 'error'].includes(document.getElementById('train-metrics')?.dataset.state ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    const m = await page.evaluate(() => {
      const d = document.getElementById('train-metrics')!.dataset;
      return {
        state: d.state,
        steps: d.steps,
        epochs: d.epochs,
        firstLoss: Number(d.firstLoss),
        lastLoss: Number(d.lastLoss),
        valAccuracy: Number(d.valAccuracy),
        points: document.getElementById('train-chart')!.dataset.points,
        frames: Number(document.getElementById('m-frames')!.textContent),
      };
    });
    expect(m.state, (await page.locator('#error-text').textContent()) ?? '').toBe('done');
    expect(m.steps).toBe('63'); // ceil(2000 / 32) batches
    expect(m.epochs).toBe('1');
    expect(m.points).toBe('63');
    expect(m.lastLoss).toBeLessThan(m.firstLoss);
    expect(m.valAccuracy).toBeGreaterThan(0.75);
    expect(m.frames).toBeGreaterThan(2); // the page kept drawing while the worker trained
    await page.screenshot({ path: join(shots, 'web-demo-train.png') });

    // Stop: a 50-epoch run ends early with the history so far.
    await page.fill('#train-epochs', '50');
    await page.click('#train-start');
    await page.waitForFunction(
      () => Number(document.getElementById('train-metrics')?.dataset.steps) > 5,
    );
    await page.click('#train-stop');
    await page.waitForFunction(
      () => document.getElementById('train-metrics')?.dataset.state === 'stopped',
      undefined,
      { timeout: 20_000 },
    );
    const steps = Number(
      await page.evaluate(() => document.getElementById('train-metrics')?.dataset.steps),
    );
    expect(steps).toBeLessThan(50 * 63);
    // The trained model can classify drawings too.
    await page.click('#train-use');
    await page.waitForFunction(() =>
      /you trained/.test(document.getElementById('draw-info')?.textContent ?? ''),
    );
  });

  it('finds Word2Vec neighbours and analogies, and trains vectors on threads', async () => {
    await page.click('[data-tab="words"]');
    await page.waitForFunction(
      () => Number(document.getElementById('nn-results')?.dataset.count) > 0,
      undefined,
      {
        timeout: 20_000,
      },
    );
    const months = [
      'february',
      'march',
      'april',
      'may',
      'june',
      'july',
      'august',
      'september',
      'october',
      'november',
      'december',
    ];
    const near = await page.$$eval('#nn-results li', (els) =>
      els.map((e) => (e as HTMLElement).dataset.word),
    );
    expect(near).toHaveLength(10);
    expect(near.some((w) => months.includes(w ?? ''))).toBe(true);
    expect(
      Number(await page.evaluate(() => document.getElementById('an-results')?.dataset.count)),
    ).toBe(8);

    await page.fill('#nn-word', 'river');
    await page.click('#nn-form button');
    await page.waitForFunction(
      () =>
        document.getElementById('nn-results')?.dataset.first !== '' &&
        !document.querySelector('#nn-results li[data-word="january"]'),
    );
    expect(await page.evaluate(() => document.getElementById('nn-results')?.dataset.count)).toBe(
      '10',
    );

    await page.fill('#nn-word', 'qwertyuiop');
    await page.click('#nn-form button');
    expect(await page.locator('#nn-results .error').textContent()).toMatch(/qwertyuiop/);
    await page.fill('#nn-word', 'january');
    await page.click('#nn-form button');
    await page.screenshot({ path: join(shots, 'web-demo-words.png') });

    await page.click('#w2v-train');
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.getElementById('w2v-status')?.dataset.state ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    const status = await page.locator('#w2v-status').textContent();
    expect(status).toMatch(/trained in this page: .* on [2-4] thread\(s\)/);
    expect(
      Number(await page.evaluate(() => document.getElementById('nn-results')?.dataset.count)),
    ).toBe(10);
  });

  it('generates text with the LSTM', async () => {
    await page.click('[data-tab="text"]');
    await page.waitForFunction(
      () => Number(document.getElementById('gen-output')?.dataset.chars) > 0,
      undefined,
      {
        timeout: 20_000,
      },
    );
    const before = await page.locator('#gen-output').textContent();
    await page.fill('#gen-length', '250');
    await page.click('#gen-go');
    await page.waitForFunction(
      (prev) => document.getElementById('gen-output')?.textContent !== prev,
      before,
    );
    expect(await page.evaluate(() => document.getElementById('gen-output')?.dataset.chars)).toBe(
      '250',
    );
    const text = (await page.locator('#gen-output').textContent()) ?? '';
    expect(text.startsWith('ROMEO:')).toBe(true);
    // Mostly letters and spaces, as English text is.
    const letters = (text.match(/[a-zA-Z ]/g) ?? []).length;
    expect(letters / text.length).toBeGreaterThan(0.7);
    await page.screenshot({ path: join(shots, 'web-demo-text.png') });
  });

  it('works without cross-origin isolation (no COOP/COEP headers)', async () => {
    const plain = await startServer(['--no-isolation']);
    const other = await browser!.newPage();
    try {
      await other.goto(`${plain.origin}/#draw`);
      await other.waitForFunction(() => document.body.dataset.zoo !== undefined);
      expect(await other.evaluate(() => document.body.dataset.zoo)).toBe('ready');
      expect(await other.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
      await other.waitForFunction(() =>
        /accurate on/.test(document.getElementById('draw-info')?.textContent ?? ''),
      );
      await stroke(other, [
        [140, 40],
        [138, 140],
        [136, 240],
      ]);
      expect((await predicted(other)).digit).toBe('1');
      // Word2Vec trains on one thread then, in its worker.
      await other.click('[data-tab="words"]');
      await other.waitForFunction(
        () => Number(document.getElementById('nn-results')?.dataset.count) > 0,
      );
      await other.click('#w2v-train');
      await other.waitForFunction(
        () =>
          ['done', 'error'].includes(document.getElementById('w2v-status')?.dataset.state ?? ''),
        undefined,
        { timeout: 60_000 },
      );
      expect(await other.locator('#w2v-status').textContent()).toMatch(
        /on 1 thread\(s\) \(the page is not cross-origin isolated/,
      );
    } finally {
      await other.close();
      plain.child.kill();
    }
  });

  it('shows the error banner when WebAssembly cannot load', async () => {
    const broken = await browser!.newPage();
    await broken.addInitScript(() => {
      WebAssembly.compile = () => Promise.reject(new Error('WebAssembly disabled by the test'));
    });
    await broken.goto(`${server!.origin}/`);
    await broken.waitForFunction(() => document.body.dataset.zoo === 'failed', undefined, {
      timeout: 20_000,
    });
    expect(await broken.locator('#error-banner').isVisible()).toBe(true);
    expect(await broken.locator('#error-text').textContent()).toMatch(/disabled by the test/);
    await broken.screenshot({ path: join(shots, 'web-demo-error.png') });
    await broken.close();
  });
});
