// Size budgets, minified and gzipped with the wasm included: a browser app using only
// @zoo/dnn is at most 150 KB, one using only @zoo/word2vec at most 80 KB. The apps are
// bundled from the built packages (apps/bench/src/sizes.ts, which BENCHMARKS.md's figures
// also come from), and each bundle is run once, so what is measured works.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundleApp,
  KB,
  measureApp,
  REPO_ROOT,
  SIZE_APPS,
  type SizeApp,
} from '../apps/bench/src/sizes.js';

const app = (name: string): SizeApp => {
  const a = SIZE_APPS.find((x) => x.name === name);
  if (a === undefined) throw new Error(`no size app ${name}`);
  return a;
};

for (const dir of ['wasm', 'packages/core', 'packages/dnn', 'packages/word2vec']) {
  if (!existsSync(join(REPO_ROOT, dir, 'dist', 'index.js'))) {
    throw new Error(`${dir} is not built: run npm run build before the size budgets`);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'zoo-size-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a bundle (an ES module) and returns what the app left in globalThis.zooSizeApp. */
async function runBundle(name: string, bundle: Uint8Array): Promise<unknown> {
  const file = join(tmp, `${name}.mjs`);
  writeFileSync(file, bundle);
  const g = globalThis as { zooSizeApp?: unknown };
  delete g.zooSizeApp;
  await import(/* @vite-ignore */ pathToFileURL(file).href);
  return g.zooSizeApp;
}

describe('size budgets (esbuild, minified, gzip -9, wasm included)', () => {
  it('an app using only @zoo/dnn is at most 150 KB', async () => {
    const a = app('dnn');
    const r = await measureApp(a);
    console.log(`dnn app: ${r.minified} B minified, ${r.totalGzip} B gzipped`);
    expect(r.budget).toBe(150 * KB);
    expect(r.totalGzip).toBeLessThanOrEqual(150 * KB);
    // The embedded wasm is in there (a bundle without it would be much smaller).
    expect(r.totalGzip).toBeGreaterThan(40 * KB);
    const out = (await runBundle('dnn', await bundleApp(a))) as number[];
    expect(out).toHaveLength(3);
    expect(out[0] + out[1] + out[2]).toBeCloseTo(1, 5);
  });

  it('an app using only @zoo/word2vec is at most 80 KB, without the main kernels', async () => {
    const a = app('word2vec');
    const r = await measureApp(a);
    console.log(`word2vec app: ${r.minified} B minified, ${r.totalGzip} B gzipped`);
    expect(r.totalGzip).toBeLessThanOrEqual(80 * KB);
    const bundle = await bundleApp(a);
    // The main kernel module (over 100 KB of base64) is not in a word2vec-only bundle.
    expect(r.minified).toBeLessThan(100 * KB);
    const out = (await runBundle('word2vec', bundle)) as [string, number][];
    expect(out).toHaveLength(3);
    expect(out.map(([w]) => w)).not.toContain('cat');
  });

  it('the slim entry (zoo-slim condition) carries no embedded wasm', async () => {
    const a = app('dnn (slim entry + .wasm file)');
    const r = await measureApp(a);
    const full = await measureApp(app('dnn'));
    console.log(
      `slim dnn app: ${r.bundleGzip} B gzipped + ${r.extraGzip} B gzipped wasm = ${r.totalGzip} B`,
    );
    // Only the JavaScript: at least the gzipped wasm smaller than the full bundle.
    expect(r.bundleGzip).toBeLessThan(full.totalGzip - r.extraGzip + 5 * KB);
    expect(r.bundleGzip).toBeLessThan(50 * KB);
    expect(r.totalGzip).toBeLessThanOrEqual(150 * KB);
    const text = new TextDecoder().decode(await bundleApp(a));
    expect(text).not.toMatch(/[A-Za-z0-9+/]{2000}/); // no long base64 run
    expect(text).toContain('this is the slim build of @zoo/kernels');
  });
});
