#!/usr/bin/env node
// Builds the web demo into dist/: bundles the pages' TypeScript with esbuild, copies the
// static files and the shipped data the pages fetch, and trains the small pre-trained models
// in Node (skipped when the models in dist/ were trained from the same script and data).
//
//   node scripts/build.mjs [--retrain] [--no-train]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(app, '../..');
const dist = join(app, 'dist');
const dataDir = join(repo, 'data');
const { values: opts } = parseArgs({
  options: {
    retrain: { type: 'boolean', default: false },
    'no-train': { type: 'boolean', default: false },
  },
});

const t0 = performance.now();
const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const log = (msg) => process.stderr.write(`[web-demo] ${msg}\n`);

// 1. The pages: one bundle for the page, one for each of its two workers.
mkdirSync(dist, { recursive: true });
const entries = ['main', 'train-worker', 'w2v-worker'];
for (const e of entries) {
  for (const f of [`${e}.js`, `${e}.js.map`]) rmSync(join(dist, f), { force: true });
}
await build({
  entryPoints: entries.map((e) => join(app, `src/${e}.ts`)),
  outdir: dist,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari16'],
  minify: true,
  // @zoo/core tells losses apart by their function names (loss.name), which minifying renames.
  keepNames: true,
  sourcemap: true,
  // The packages import node:fs & co. lazily on Node-only paths; browsers never reach them.
  external: ['node:*'],
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css', 'favicon.svg']) {
  copyFileSync(join(app, 'src', f), join(dist, f));
}

// 2. The data the pages fetch: the MNIST subset (trained on in the page) and the Wikipedia
// subset (Word2Vec trained in the page), both gzip'd and decompressed by the browser.
const shipped = [
  'mnist-subset/train-images-idx3-ubyte.gz',
  'mnist-subset/train-labels-idx1-ubyte.gz',
  'mnist-subset/t10k-images-idx3-ubyte.gz',
  'mnist-subset/t10k-labels-idx1-ubyte.gz',
  'text-corpus-subset/enwiki-text8style-400k.txt.gz',
];
for (const f of shipped) {
  const to = join(dist, 'data', f);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(dataDir, f), to);
}
log(`pages bundled and data copied (${since()})`);

// 3. The pre-trained models. The training script shares src/preprocess.ts with the pages, so
// it is bundled too (the @zoo packages stay imports, resolved from node_modules).
const trainer = join(app, 'build/train-models.mjs');
await build({
  entryPoints: [join(app, 'scripts/train-models.ts')],
  outfile: trainer,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});

/** What each model is trained from: a change to any of these retrains it. */
const models = {
  // The longest first, so two lanes finish together.
  lstm: { dir: 'shakespeare-lstm', data: ['tinyshakespeare-subset/input.txt'] },
  cnn: { dir: 'digits-cnn', data: shipped.slice(0, 4) },
  word2vec: {
    dir: 'wiki-word2vec',
    data: [
      'text-corpus-subset/enwiki-text8style-400k.txt.gz',
      'text-corpus-subset/questions-words-subset.txt',
    ],
  },
};

function stampOf(name) {
  const h = createHash('sha256');
  h.update(name);
  h.update(readFileSync(trainer));
  for (const f of models[name].data) h.update(readFileSync(join(dataDir, f)));
  // A new release of the packages retrains too (their saved formats could change).
  for (const p of ['core', 'cnn', 'lstm', 'word2vec']) {
    h.update(JSON.parse(readFileSync(join(repo, 'packages', p, 'package.json'), 'utf8')).version);
  }
  return h.digest('hex');
}

function runTrainer(name) {
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [trainer, '--model', name, '--data', dataDir, '--out', join(dist, 'models')],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', fail);
    child.on('exit', (code, signal) =>
      code === 0
        ? ok()
        : fail(new Error(`training the ${name} model failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

if (!opts['no-train']) {
  const todo = [];
  for (const name of Object.keys(models)) {
    const dir = join(dist, 'models', models[name].dir);
    const stamp = stampOf(name);
    const stampFile = join(dir, '.stamp');
    const fresh =
      !opts.retrain &&
      existsSync(join(dir, 'info.json')) &&
      existsSync(stampFile) &&
      readFileSync(stampFile, 'utf8') === stamp;
    if (fresh) log(`${relative(app, dir)} is up to date`);
    else todo.push({ name, dir, stamp, stampFile });
  }
  // Two at a time at most: each trainer is single-threaded.
  const lanes = Math.max(1, Math.min(2, availableParallelism()));
  const queue = [...todo];
  await Promise.all(
    Array.from({ length: Math.min(lanes, queue.length) }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        rmSync(job.dir, { recursive: true, force: true });
        await runTrainer(job.name);
        writeFileSync(job.stampFile, job.stamp);
        log(`${job.name} trained (${since()})`);
      }
    }),
  );
}
log(`built ${relative(repo, dist)} in ${since()}`);
