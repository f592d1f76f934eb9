// Times training steps on one thread and split over worker threads (ready({ threads })),
// back to back: the bench CNN (conv32-pool-conv64-pool-flatten-dense128-dense10 on 28x28x1,
// batch 64) and ResNet-20 (32x32x3, batch 32 and 64), with trainOnBatch. One process loads the
// kernels with `--threads` threads and alternates steps with the workers off (every op on the
// calling thread: the same kernels and bits as threads: 1) and on, so load from other
// processes on the machine hits both alike; it reports the median step time of each and their
// ratio. The packages are bundled from their TypeScript sources with esbuild.
//
//   node scripts/bench-threads.mjs [--steps 15] [--models cnn,resnet20] [--threads 2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const steps = Number(opt('--steps', 15));
const models = opt('--models', 'cnn,resnet20').split(',');
const threads = Number(opt('--threads', 2));

const ENTRY = `
import * as zoo from '@zoo/resnet';
import { parallelStats } from ${JSON.stringify(join(root, 'packages/core/src/parallel.ts'))};
const [threads, steps] = process.argv.slice(2, 4).map(Number);
const models = process.argv[4].split(',');
await zoo.ready({ threads });
if (zoo.backendInfo().threads !== threads) throw new Error('threads did not start');
function build(model) {
  zoo.setSeed(1);
  if (model === 'cnn') {
    const shape = [28, 28, 1];
    const m = zoo.sequential({ layers: [
      new zoo.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: shape }),
      new zoo.MaxPooling2D({ poolSize: 2 }),
      new zoo.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new zoo.MaxPooling2D({ poolSize: 2 }),
      new zoo.Flatten(),
      new zoo.Dense({ units: 128, activation: 'relu' }),
      new zoo.Dense({ units: 10, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    return { m, shape, batches: [64] };
  }
  const shape = [32, 32, 3];
  const m = zoo.resnet20({ inputShape: shape, classes: 10 });
  m.compile({ optimizer: zoo.train.sgd(0.05, { momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
  return { m, shape, batches: [32, 64] };
}
const med = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const model of models) {
  const { m, shape, batches } = build(model);
  for (const batch of batches) {
    const size = batch * shape[0] * shape[1] * shape[2];
    const xd = new Float32Array(size);
    for (let i = 0; i < size; i++) xd[i] = Math.sin(i * 0.37);
    const yd = new Int32Array(batch);
    for (let i = 0; i < batch; i++) yd[i] = i % 10;
    const x = zoo.tensor(xd, [batch, ...shape]);
    const y = zoo.tensor(yd, [batch], 'int32');
    let splitMs = 0;
    const step = (single) => {
      parallelStats.singleThread = single;
      const t0 = performance.now();
      const s0 = parallelStats.ms;
      m.trainOnBatch(x, y);
      if (!single) splitMs += parallelStats.ms - s0;
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) { step(true); step(false); }
    splitMs = 0;
    const one = [], many = [], pairs = [];
    for (let i = 0; i < steps; i++) {
      const a = step(i % 2 === 0);
      const b = step(i % 2 !== 0);
      const [s, p] = i % 2 === 0 ? [a, b] : [b, a];
      one.push(s); many.push(p); pairs.push(s / p);
    }
    parallelStats.singleThread = false;
    const split = splitMs / steps;
    console.log(JSON.stringify({ model, batch, one: med(one), many: med(many), pair: med(pairs), split }));
    zoo.dispose([x, y]);
  }
  m.dispose();
}
`;

const tmp = mkdtempSync(join(tmpdir(), 'zoo-bench-threads-'));
try {
  const entry = join(tmp, 'entry.ts');
  writeFileSync(entry, ENTRY);
  const src = (p) => join(root, p);
  await build({
    entryPoints: [entry],
    bundle: true,
    outfile: join(tmp, 'app.mjs'),
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    logLevel: 'silent',
    external: ['node:*'],
    alias: {
      '@zoo/core': src('packages/core/src/index.ts'),
      '@zoo/cnn': src('packages/cnn/src/index.ts'),
      '@zoo/resnet': src('packages/resnet/src/index.ts'),
      '@zoo/kernels': src('wasm/src/index.ts'),
    },
  });
  const started = Date.now();
  const out = execFileSync(
    process.execPath,
    [join(tmp, 'app.mjs'), String(threads), String(steps), models.join(',')],
    { encoding: 'utf8' },
  );
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line);
    const sps = (ms) => Math.round((r.batch * 1000) / ms);
    // The ops left on one thread take about the same time either way: what the split ops take
    // on one thread is the one-thread step minus them.
    const rest = r.many - r.split;
    console.log(
      `${r.model} batch ${r.batch}: 1 thread ${r.one.toFixed(1)} ms/step (${sps(r.one)} samples/s), ${threads} threads ${r.many.toFixed(1)} ms/step (${sps(r.many)} samples/s): ${(r.one / r.many).toFixed(2)}x (median of step pairs ${r.pair.toFixed(2)}x); split ops ${r.split.toFixed(1)} ms (about ${((r.one - rest) / r.split).toFixed(2)}x), ${rest.toFixed(1)} ms on one thread`,
    );
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
