/**
 * Bundle sizes: small browser apps that each use one Zoo package, bundled with esbuild
 * (minified ESM for the browser, es2022) from the built packages and gzipped at level 9, wasm
 * included (embedded as base64 by default; with the slim entry the `.wasm` file is fetched
 * separately and counted gzipped too). The same apps with TF.js (core + layers + the wasm
 * backend and its `.wasm` files) give the comparison. `tests/size-budget.test.ts` holds the
 * budgets; `npm run bench` writes the figures to BENCHMARKS.md.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The repository root (this file is apps/bench/src/sizes.ts or apps/bench/dist/sizes.js). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** One measured app. */
export interface SizeApp {
  /** Short name (`dnn`, `word2vec`, ...). */
  name: string;
  /** What the app does, for the report. */
  description: string;
  /** Its source: an ES module importing the package(s) it measures. */
  code: string;
  /** Budget of the gzipped total, in bytes, when there is one. */
  budget?: number;
  /** Export conditions besides the browser's (`zoo-slim` selects the entry without wasm). */
  conditions?: string[];
  /** Files fetched at run time besides the bundle (paths from the repository root). */
  extraFiles?: string[];
  /** Modules left out of the bundle (node builtins a browser build never loads). */
  external?: string[];
}

/** The size of one app. */
export interface SizeResult {
  name: string;
  description: string;
  /** Minified bundle, bytes. */
  minified: number;
  /** Minified bundle gzipped (level 9), bytes. */
  bundleGzip: number;
  /** The extra files (`.wasm`) gzipped (level 9), bytes. */
  extraGzip: number;
  /** bundleGzip + extraGzip. */
  totalGzip: number;
  budget?: number;
}

/** 1 KB = 1000 bytes in budgets and reports. */
export const KB = 1000;

const MLP_APP = (pkg: string) => `import * as zoo from '${pkg}';
await zoo.ready();
zoo.setSeed(1);
const model = zoo.mlp({ inputDim: 8, hidden: [16], numClasses: 3 });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = zoo.randomUniform([32, 8]);
const y = zoo.argMax(zoo.slice(x, [0, 0], [32, 3]), 1);
await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
globalThis.zooSizeApp = Array.from(model.predict(x).dataSync().slice(0, 3));
`;

/** The apps: the budgeted two, then the others for the report. */
export const SIZE_APPS: SizeApp[] = [
  {
    name: 'dnn',
    description: '`@zoo/dnn`: build an MLP, fit one epoch, predict',
    code: MLP_APP('@zoo/dnn'),
    budget: 150 * KB,
  },
  {
    name: 'word2vec',
    description: '`@zoo/word2vec`: train, then `mostSimilar`',
    code: `import { Word2Vec } from '@zoo/word2vec';
const sentences = [];
for (let i = 0; i < 50; i++) sentences.push(['the', 'cat', 'sat', 'on', 'the', 'mat', String(i % 5)]);
const w2v = await Word2Vec.train(sentences, { vectorSize: 16, window: 2, minCount: 1, epochs: 1 });
globalThis.zooSizeApp = w2v.wv.mostSimilar('cat', 3);
`,
    budget: 80 * KB,
  },
  {
    name: 'dnn (slim entry + .wasm file)',
    description:
      '`@zoo/dnn` bundled with the `zoo-slim` condition (as for Cloudflare Workers), `zoo-simd.wasm` fetched',
    code: MLP_APP('@zoo/dnn').replace(
      'await zoo.ready();',
      "await zoo.ready({ module: await WebAssembly.compileStreaming(fetch(new URL('zoo-simd.wasm', import.meta.url))) });",
    ),
    conditions: ['zoo-slim'],
    extraFiles: ['wasm/build/zoo-simd.wasm'],
  },
  {
    name: 'cnn',
    description: '`@zoo/cnn`: LeNet-5, predict',
    code: `import * as zoo from '@zoo/cnn';
await zoo.ready();
globalThis.zooSizeApp = zoo.lenet5({ numClasses: 10 }).predict(zoo.zeros([1, 28, 28, 1]));
`,
  },
  {
    name: 'lstm',
    description: '`@zoo/lstm`: text classifier, predict',
    code: `import * as zoo from '@zoo/lstm';
await zoo.ready();
const m = zoo.textClassifier({ vocabSize: 100, numClasses: 2, maxLength: 10 });
globalThis.zooSizeApp = m.predict(zoo.zeros([1, 10], 'int32'));
`,
  },
];

/** The TF.js version of the MLP app (core + layers + wasm backend), for comparison. */
export const TFJS_MLP_APP: SizeApp = {
  name: 'TF.js MLP',
  description:
    'TF.js 4.22 `tfjs-core` + `tfjs-layers` + `tfjs-backend-wasm` (its SIMD `.wasm` fetched): the same MLP',
  code: `import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const model = tfl.sequential();
model.add(tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }));
model.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.randomUniform([32, 8]);
const y = tf.argMax(tf.slice(x, [0, 0], [32, 3]), 1);
await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
globalThis.zooSizeApp = model.predict(x).dataSync();
`,
  extraFiles: ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'],
  // Emscripten's Node paths, which a browser build never takes.
  external: ['worker_threads', 'perf_hooks', 'os', 'fs', 'path'],
};

/**
 * Bundles `app` as a browser would get it (minified ESM, es2022), its imports resolved from
 * `root`, and returns the bundle.
 */
export async function bundleApp(
  app: Pick<SizeApp, 'name' | 'code' | 'conditions' | 'external'>,
  root = REPO_ROOT,
): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents: app.code, resolveDir: root, sourcefile: `${app.name}-app.js`, loader: 'js' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    conditions: app.conditions ?? [],
    external: app.external ?? [],
  });
  return result.outputFiles[0].contents;
}

const gzip = (bytes: Uint8Array): number => gzipSync(bytes, { level: 9 }).length;

/** Measures one app. */
export async function measureApp(app: SizeApp, root = REPO_ROOT): Promise<SizeResult> {
  const bundle = await bundleApp(app, root);
  const bundleGzip = gzip(bundle);
  let extraGzip = 0;
  for (const f of app.extraFiles ?? []) extraGzip += gzip(readFileSync(join(root, f)));
  return {
    name: app.name,
    description: app.description,
    minified: bundle.length,
    bundleGzip,
    extraGzip,
    totalGzip: bundleGzip + extraGzip,
    ...(app.budget === undefined ? {} : { budget: app.budget }),
  };
}

/** Measures every app (and TF.js's, unless `tfjs` is false). */
export async function measureSizes(
  options: { tfjs?: boolean; root?: string } = {},
): Promise<SizeResult[]> {
  const apps = options.tfjs === false ? SIZE_APPS : [...SIZE_APPS, TFJS_MLP_APP];
  const out: SizeResult[] = [];
  for (const app of apps) out.push(await measureApp(app, options.root));
  return out;
}

/** The wasm modules in wasm/build, raw and gzipped (level 9), bytes. */
export function wasmFileSizes(root = REPO_ROOT): { file: string; bytes: number; gzip: number }[] {
  const files = ['zoo-simd.wasm', 'zoo-relaxed.wasm', 'zoo-word2vec-simd.wasm'];
  return files.map((file) => {
    const bytes = readFileSync(join(root, 'wasm', 'build', file));
    return { file, bytes: bytes.length, gzip: gzip(bytes) };
  });
}

const kb = (n: number): string => `${(n / KB).toFixed(1)} KB`;

/** The "Sizes" section of BENCHMARKS.md. */
export function renderSizes(
  results: readonly SizeResult[],
  wasm: readonly { file: string; bytes: number; gzip: number }[] = [],
): string {
  const lines = [
    '## Sizes',
    '',
    'Small browser apps bundled with esbuild (minified ESM for the browser, es2022) from the',
    'built packages, gzipped at level 9, wasm included: embedded as base64 by default (the',
    'relaxed-SIMD build as a small delta against the SIMD one), or with the slim entry a',
    '`.wasm` file fetched separately and counted gzipped. 1 KB = 1000 bytes. Budgets are checked',
    'by `tests/size-budget.test.ts`.',
    '',
    '| app | minified | gzipped bundle | + .wasm gzipped | total gzipped | budget |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.description} | ${kb(r.minified)} | ${kb(r.bundleGzip)} | ${r.extraGzip > 0 ? kb(r.extraGzip) : '-'} | **${kb(r.totalGzip)}** | ${r.budget === undefined ? '-' : `${kb(r.budget)} ${r.totalGzip <= r.budget ? '(met)' : '(**over**)'}`} |`,
    );
  }
  if (wasm.length > 0) {
    lines.push('');
    lines.push(
      `Kernel modules: ${wasm.map((w) => `\`${w.file}\` ${kb(w.bytes)} (${kb(w.gzip)} gzipped)`).join(', ')}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The Sizes section for BENCHMARKS.md, measured now; if bundling fails, a section saying why
 * (the benchmarks still get written).
 */
export async function sizesSection(root = REPO_ROOT): Promise<string> {
  try {
    return renderSizes(await measureSizes({ root }), wasmFileSizes(root));
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return `## Sizes\n\nNot measured: ${why}\n`;
  }
}
