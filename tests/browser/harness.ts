// Shared helpers for tests that run Zoo in a real browser (headless Debian Chromium through
// playwright-core): find and launch the browser with a fresh profile, bundle an entry with
// esbuild (the @zoo/* packages resolved to their TypeScript sources, as vitest does), and
// serve files on 127.0.0.1 with the cross-origin isolation headers that wasm threads need.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const chromiumPath = '/usr/bin/chromium';

/** Chromium flags for tests (headless, no sandbox or GPU, no background network). */
export const chromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether browser tests can run here. Chromium missing: in CI (`CI` set) this throws, so the
 * suite fails rather than silently skipping; elsewhere it returns false (use with `it.skipIf`).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI) {
    throw new Error(
      `browser tests: Chromium not found at ${chromiumPath} (apt-get install chromium); CI must not skip them`,
    );
  }
  return false;
}

/** A launched browser with its own throw-away profile. */
export interface LaunchedBrowser {
  /** The persistent context over the fresh user-data dir. */
  context: BrowserContext;
  /** Opens a page; console errors and page errors are collected in {@link errors}. */
  newPage(): Promise<Page>;
  /** Messages of uncaught page errors and `console.error` calls, for assertions and debugging. */
  errors: string[];
  /** Closes the browser and deletes the profile. */
  close(): Promise<void>;
}

/** Launches headless Chromium with {@link chromiumArgs} and a fresh user-data dir. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'zoo-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [...chromiumArgs],
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const errors: string[] = [];
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
      });
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** A directory whose files are served (paths outside it are refused). */
  dir?: string;
  /** In-memory files by URL path (e.g. `{ '/index.html': '<!doctype html>...' }`), served first. */
  files?: Record<string, string | Uint8Array>;
  /** Send COOP `same-origin` and COEP `require-corp` (default true): `crossOriginIsolated`. */
  isolated?: boolean;
}

/** A running static server. */
export interface Served {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  /** Paths requested so far (for assertions). */
  requests: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.map': 'application/json',
};

/**
 * Serves `files` and/or `dir` on 127.0.0.1 at a random free port, with COOP/COEP headers
 * (unless `isolated: false`) so pages are cross-origin isolated and may use threads.
 */
export async function serve(options: ServeOptions): Promise<Served> {
  const { files = {}, isolated = true } = options;
  const root = options.dir === undefined ? undefined : resolve(options.dir);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(path);
      const headers: Record<string, string> = { 'cache-control': 'no-store' };
      if (isolated) {
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
        headers['cross-origin-resource-policy'] = 'same-origin';
      }
      // `/dir/` means `/dir/index.html`, in `files` as in `dir`.
      const file = path.endsWith('/') ? `${path}index.html` : path;
      let body: string | Uint8Array | undefined = files[path] ?? files[file];
      if (body === undefined && root !== undefined) {
        const full = normalize(join(root, file));
        if (full === root || full.startsWith(root + sep)) {
          try {
            if ((await stat(full)).isFile()) body = await readFile(full);
          } catch {
            body = undefined;
          }
        }
      }
      if (body === undefined) {
        res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
        res.end(`not found: ${path}`);
        return;
      }
      headers['content-type'] = MIME[extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, headers);
      res.end(body);
    })().catch((err) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('serve: no TCP address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** `@zoo/*` mapped to their TypeScript sources (as in vitest.config.ts). */
export const zooSourceAliases: Readonly<Record<string, string>> = {
  '@zoo/core': join(repoRoot, 'packages/core/src/index.ts'),
  '@zoo/cnn': join(repoRoot, 'packages/cnn/src/index.ts'),
  '@zoo/dnn': join(repoRoot, 'packages/dnn/src/index.ts'),
  '@zoo/kernels': join(repoRoot, 'wasm/src/index.ts'),
  '@zoo/resnet': join(repoRoot, 'packages/resnet/src/index.ts'),
  '@zoo/lstm': join(repoRoot, 'packages/lstm/src/index.ts'),
  '@zoo/word2vec': join(repoRoot, 'packages/word2vec/src/index.ts'),
};

/** Options of {@link bundle}. */
export interface BundleOptions {
  /** The entry file (absolute path). */
  entry: string;
  /** esbuild platform (default `'browser'`). */
  platform?: 'browser' | 'neutral' | 'node';
  /** Resolve `@zoo/*` to the TypeScript sources (default true) or to the installed packages. */
  sources?: boolean;
  /** Minify (default false). */
  minify?: boolean;
  /** Extra esbuild `external` entries (e.g. `['*.wasm']` for workerd). */
  external?: string[];
  /** Extra esbuild `define`s. */
  define?: Record<string, string>;
  /** Extra aliases, over {@link zooSourceAliases} (e.g. `@zoo/kernels` to the slim entry). */
  alias?: Record<string, string>;
}

/**
 * Bundles `entry` into one ES module (format esm, target es2022) and returns its code. Node
 * built-ins imported dynamically by the packages (e.g. `node:worker_threads`) stay external.
 */
export async function bundle(options: BundleOptions): Promise<string> {
  const { entry, platform = 'browser', sources = true, minify = false } = options;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    target: 'es2022',
    minify,
    logLevel: 'silent',
    alias: { ...(sources ? zooSourceAliases : {}), ...options.alias },
    external: ['node:*', ...(options.external ?? [])],
    define: options.define ?? {},
    mainFields: platform === 'neutral' ? ['module', 'main'] : undefined,
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error(`bundle: esbuild produced no output for ${entry}`);
  return out.text;
}

/**
 * An HTML page that imports `script` as a module and sets `window.__zooReady` to `true`
 * (or to the error message) once it has loaded, so tests can wait for it.
 */
export function modulePage(script = '/bundle.js'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>zoo test</title><link rel="icon" href="data:,"></head><body>
<script type="module">
try { await import(${JSON.stringify(script)}); window.__zooReady = true; }
catch (e) { window.__zooReady = String((e && e.stack) || e); }
</script></body></html>`;
}

/** Opens `url` and waits until a {@link modulePage} has imported its module (throws on failure). */
export async function openModulePage(page: Page, url: string, timeout = 30_000): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    () => (globalThis as { __zooReady?: unknown }).__zooReady !== undefined,
    undefined,
    { timeout },
  );
  const ready = await page.evaluate(() => (globalThis as { __zooReady?: unknown }).__zooReady);
  if (ready !== true) throw new Error(`the page failed to load its module: ${String(ready)}`);
}
