#!/usr/bin/env node
// ResNet-20 (He et al. 2015, section 4.2) trained on Fashion-MNIST with Zoo, resumable.
//
// The 28x28 images are padded to 32x32x1 (the CIFAR ResNet's input), and each training batch is
// augmented as in the paper's CIFAR runs: pad 4 pixels, take a random 32x32 crop, flip left-right
// with probability 0.5 (seeded: epoch e always sees the same shuffle and augmentation, also
// after a resume). Pixels are normalized with Fashion-MNIST's mean and std. SGD with momentum
// 0.9 (or Adam), an L2 penalty of 1e-4 on the convolution kernels, batch 128, and a cosine
// (default, updated every batch, after a 1-epoch linear warm-up) or step learning-rate schedule.
// Every epoch prints its training time and the test accuracy.
//
//   node packages/resnet/examples/fashion-mnist.mjs [--data DIR] [--epochs 30] [--batch 128]
//     [--optimizer sgd|adam] [--lr 0.1] [--schedule cosine|step] [--warmup 1]
//     [--weight-decay 1e-4] [--seed 1] [--limit N] [--test-limit N]
//     [--save DIR] [--resume DIR] [--stop-after N] [--threads 1|2|auto] [--json]
//
// DIR (--data) holds the four Fashion-MNIST files (train-images-idx3-ubyte.gz, ...; plain or
// gzip'd) or a datasets directory with a fashion-mnist/ folder; default ../shared/datasets next
// to the repository when it exists, else the 1,000/500-image subset shipped in
// data/fashion-mnist-subset (quick checks only). --limit N trains on the first N training
// images; --test-limit N evaluates on the first N test images.
//
// Training takes hours on a 2-core machine, so it is resumable: with --save DIR the model
// (DIR/model.json + weights.bin, the TF.js layers format), the optimizer's state
// (DIR/optimizer.json + optimizer.bin) and DIR/state.json (options, epochs done, per-epoch
// figures) are written after every epoch. --resume DIR continues from there with the saved
// options (and keeps saving to DIR unless --save says otherwise); --epochs may be raised.
// --stop-after N ends the run once N epochs are done (with --save), to be resumed later: a
// run cut into pieces this way gives the same figures as one that never stopped.
// The saved model loads anywhere with `loadLayersModel('file:///abs/DIR/model.json')`.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as zoo from '@zoo/resnet';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Ends the run with one line on stderr and exit code 2 (bad options, missing or bad files). */
function fail(message) {
  console.error(`fashion-mnist: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      data: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      schedule: { type: 'string' },
      warmup: { type: 'string' },
      'weight-decay': { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      save: { type: 'string' },
      resume: { type: 'string' },
      'stop-after': { type: 'string' },
      threads: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  fail(`${err.message} (--help lists the options)`);
}
const cli = parsed.values;
const usage =
  'usage: node packages/resnet/examples/fashion-mnist.mjs [--data DIR] [--epochs 30] [--batch 128]\n' +
  '  [--optimizer sgd|adam] [--lr 0.1 (sgd) | 0.001 (adam)] [--schedule cosine|step] [--warmup 1]\n' +
  '  [--weight-decay 1e-4] [--seed 1] [--limit N] [--test-limit N] [--save DIR] [--resume DIR]\n' +
  '  [--stop-after N] [--threads 1|2|auto] [--json]';
if (cli.help) {
  console.log(usage);
  process.exit(0);
}
/** A JSON file's content, or a one-line failure naming it. */
function readJson(file, what) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`${what}: cannot read ${file}: ${err.message}`);
  }
}

/** Logs go to stderr when --json owns stdout. */
const log = cli.json ? (...a) => console.error(...a) : (...a) => console.log(...a);

function num(name, v, check) {
  const x = Number(v);
  if (v === undefined || !check(x)) fail(`--${name}: bad value ${v}`);
  return x;
}
const posInt = (x) => Number.isInteger(x) && x > 0;

// Options: a resumed run takes the saved ones (the command line may raise --epochs).
let state = null;
const resumeDir = cli.resume === undefined ? undefined : resolve(cli.resume);
if (resumeDir !== undefined) {
  const f = join(resumeDir, 'state.json');
  if (!existsSync(f)) fail(`--resume ${cli.resume}: no state.json in ${resumeDir}`);
  state = readJson(f, '--resume');
  if (!Number.isInteger(state?.epochsDone) || typeof state.options !== 'object') {
    fail(`--resume ${cli.resume}: ${f} is not a state file of this script`);
  }
}
const saved = state?.options ?? {};
const optimizerName = cli.optimizer ?? saved.optimizer ?? 'sgd';
if (!['sgd', 'adam'].includes(optimizerName))
  fail(`--optimizer: sgd or adam, got ${optimizerName}`);
const opts = {
  epochs: num('epochs', cli.epochs ?? saved.epochs ?? '30', posInt),
  batch: num('batch', cli.batch ?? saved.batch ?? '128', posInt),
  optimizer: optimizerName,
  lr: num('lr', cli.lr ?? saved.lr ?? (optimizerName === 'sgd' ? '0.1' : '0.001'), (x) => x > 0),
  schedule: cli.schedule ?? saved.schedule ?? 'cosine',
  warmup: num('warmup', cli.warmup ?? saved.warmup ?? '1', (x) => x >= 0),
  weightDecay: num(
    'weight-decay',
    cli['weight-decay'] ?? saved.weightDecay ?? '1e-4',
    (x) => x >= 0,
  ),
  seed: num('seed', cli.seed ?? saved.seed ?? '1', Number.isInteger),
  limit: cli.limit !== undefined ? num('limit', cli.limit, posInt) : (saved.limit ?? null),
  testLimit:
    cli['test-limit'] !== undefined
      ? num('test-limit', cli['test-limit'], posInt)
      : (saved.testLimit ?? null),
};
if (!['cosine', 'step'].includes(opts.schedule))
  fail(`--schedule: cosine or step, got ${opts.schedule}`);
if (state !== null) {
  for (const k of [
    'batch',
    'optimizer',
    'lr',
    'schedule',
    'warmup',
    'weightDecay',
    'seed',
    'limit',
  ]) {
    if (saved[k] !== undefined && saved[k] !== opts[k]) {
      fail(
        `--resume: the saved run used ${k} ${JSON.stringify(saved[k])}, not ${JSON.stringify(opts[k])}; drop that option to continue it`,
      );
    }
  }
}
const saveDir = cli.save !== undefined ? resolve(cli.save) : resumeDir;
const startEpoch = state?.epochsDone ?? 0;
if (startEpoch >= opts.epochs) {
  log(
    `${resumeDir}: already trained ${startEpoch} epochs (--epochs ${opts.epochs}); nothing to do`,
  );
  process.exit(0);
}
// --stop-after N: stop once N epochs are done (to be resumed); not part of the saved options.
const stopAfter =
  cli['stop-after'] === undefined ? opts.epochs : num('stop-after', cli['stop-after'], posInt);
if (stopAfter < opts.epochs && saveDir === undefined) {
  fail('--stop-after: needs --save DIR (a stopped run is only worth its saved state)');
}
if (stopAfter <= startEpoch) {
  log(
    `${resumeDir}: already trained ${startEpoch} epochs (--stop-after ${stopAfter}); nothing to do`,
  );
  process.exit(0);
}

function hasData(dir) {
  return ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz'].some((f) =>
    existsSync(join(dir, f)),
  );
}
/** The data directory: --data, else ../shared/datasets, else the subset shipped in data/. */
function findData() {
  const shared = resolve(repoRoot, '../shared/datasets');
  const base =
    cli.data !== undefined
      ? resolve(cli.data)
      : existsSync(shared)
        ? shared
        : resolve(repoRoot, 'data/fashion-mnist-subset');
  for (const d of [base, join(base, 'fashion-mnist')]) if (hasData(d)) return d;
  fail(`Fashion-MNIST not found in ${base} or ${join(base, 'fashion-mnist')}; pass --data DIR`);
}

/** The learning rate at fractional epoch t. */
const schedule =
  opts.schedule === 'cosine'
    ? zoo.cosineDecay({
        initial: opts.lr,
        epochs: Math.max(opts.epochs - opts.warmup, 1e-9),
        warmup: opts.warmup,
        warmupStart: opts.lr / 10,
      })
    : (() => {
        // He et al.: divide by 10 at 50% and 75% of training (32k and 48k of 64k iterations).
        const steps = zoo.stepDecay({
          initial: opts.lr,
          boundaries: [Math.round(opts.epochs * 0.5), Math.round(opts.epochs * 0.75)],
        });
        return (t) =>
          t < opts.warmup ? opts.lr / 10 + ((opts.lr * 9) / 10) * (t / opts.warmup) : steps(t);
      })();

/** A deterministic permutation of 0..n-1 for one epoch (xorshift32 Fisher-Yates). */
function permutation(n, seed) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

const MEAN = 0.286;
const STD = 0.353;

function makeOptimizer() {
  return opts.optimizer === 'sgd'
    ? zoo.train.sgd(opts.lr, { momentum: 0.9 })
    : zoo.train.adam(opts.lr);
}

async function saveRun(model, optimizer, history) {
  mkdirSync(saveDir, { recursive: true });
  await model.save(pathToFileURL(saveDir).href);
  const ow = await optimizer.getWeights();
  const specs = [];
  const chunks = [];
  for (const { name, tensor } of ow) {
    specs.push({ name, shape: tensor.shape, dtype: tensor.dtype });
    chunks.push(Buffer.from(tensor.dataSync().slice().buffer));
  }
  ow[0].tensor.dispose(); // 'iter' is a fresh scalar; the slots belong to the optimizer
  writeFileSync(join(saveDir, 'optimizer.bin'), Buffer.concat(chunks));
  writeFileSync(
    join(saveDir, 'optimizer.json'),
    JSON.stringify({ className: optimizer.getClassName(), weightSpecs: specs }),
  );
  const tmp = join(saveDir, 'state.json.tmp');
  writeFileSync(
    tmp,
    JSON.stringify({ options: opts, epochsDone: history.length, history }, null, 1),
  );
  renameSync(tmp, join(saveDir, 'state.json'));
}

async function loadOptimizer(optimizer) {
  const meta = readJson(join(resumeDir, 'optimizer.json'), '--resume');
  if (meta.className !== optimizer.getClassName()) {
    fail(`--resume: saved optimizer is ${meta.className}, not ${optimizer.getClassName()}`);
  }
  const bytes = readFileSync(join(resumeDir, 'optimizer.bin'));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let off = 0;
  const named = meta.weightSpecs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const data =
      s.dtype === 'int32' ? new Int32Array(buf, off, size) : new Float32Array(buf, off, size);
    off += size * 4;
    return { name: s.name, tensor: zoo.tensor(data, s.shape, s.dtype) };
  });
  await optimizer.setWeights(named);
  zoo.dispose(named.map((n) => n.tensor));
}

// Worker threads (opt-in) split the large GEMMs and convolutions; results match 1 thread except
// the filter gradients' summation order.
const threads = cli.threads === 'auto' ? 'auto' : Number(cli.threads);
if (threads !== 'auto' && !posInt(threads))
  fail(`--threads: 1, 2, ... or auto, got ${cli.threads}`);
await zoo.ready({ threads }).catch((err) => fail(`--threads ${cli.threads}: ${err.message}`));
const dataDir = findData();
const t0 = performance.now();
const raw = await zoo.data
  .loadMnist(dataDir, {
    ...(opts.limit === null ? {} : { trainLimit: opts.limit }),
    ...(opts.testLimit === null ? {} : { testLimit: opts.testLimit }),
  })
  .catch((err) => fail(`cannot read Fashion-MNIST from ${dataDir}: ${err.message}`));
// Test images: padded to 32x32 and normalized once.
const xTest = zoo.tidy(() => zoo.normalize(zoo.padImages(raw.xTest, 2), MEAN, STD));
raw.xTest.dispose();
const xTrain = raw.xTrain; // 28x28; padded and augmented per batch
const yTrain = raw.yTrain;
const yTest = raw.yTest;
const nTrain = xTrain.shape[0];
const steps = Math.ceil(nTrain / opts.batch);
log(
  `Fashion-MNIST from ${dataDir}: ${nTrain} train, ${yTest.shape[0]} test (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s); ` +
    `backend ${JSON.stringify(zoo.backendInfo())}`,
);

zoo.setSeed(opts.seed);
const model = zoo.resnet20({ inputShape: [32, 32, 1], classes: 10, weightDecay: opts.weightDecay });
const optimizer = makeOptimizer();
model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const history = state?.history ?? [];
if (state !== null) {
  try {
    await zoo.loadWeights(model, pathToFileURL(join(resumeDir, 'model.json')).href);
    await loadOptimizer(optimizer);
  } catch (err) {
    fail(`--resume ${resumeDir}: ${err.message}`);
  }
  log(`resumed from ${resumeDir} after epoch ${startEpoch}`);
}
log(
  `ResNet-20 (${model.countParams().toLocaleString('en-US')} parameters), ${opts.optimizer} lr ${opts.lr} ` +
    `(${opts.schedule}${opts.warmup > 0 ? `, ${opts.warmup}-epoch warm-up` : ''}), weight decay ${opts.weightDecay}, ` +
    `batch ${opts.batch}, epochs ${startEpoch + 1}..${opts.epochs}${saveDir === undefined ? '' : `; saving to ${saveDir}`}`,
);

const tty = process.stderr.isTTY && !cli.json;
for (let epoch = startEpoch; epoch < Math.min(opts.epochs, stopAfter); epoch++) {
  const perm = permutation(nTrain, opts.seed * 1000 + epoch);
  zoo.setSeed(opts.seed * 1000 + epoch); // the crops and flips of this epoch
  const tEpoch = performance.now();
  let lossSum = 0;
  let accSum = 0;
  for (let b = 0; b < steps; b++) {
    const start = b * opts.batch;
    const size = Math.min(opts.batch, nTrain - start);
    optimizer.learningRate = schedule(epoch + b / steps);
    const [loss, acc] = zoo.tidy(() => {
      const idx = zoo.tensor(perm.subarray(start, start + size), [size], 'int32');
      const x = zoo.normalize(
        zoo.randomFlipLeftRight(
          zoo.randomCrop(zoo.padImages(zoo.gather(xTrain, idx), 6), [32, 32]),
        ),
        MEAN,
        STD,
      );
      return model.trainOnBatch(x, zoo.gather(yTrain, idx));
    });
    lossSum += loss * size;
    accSum += acc * size;
    if (tty && (b % 10 === 9 || b === steps - 1)) {
      const s = (performance.now() - tEpoch) / 1000;
      process.stderr.write(
        `\r  epoch ${epoch + 1} batch ${b + 1}/${steps}: loss ${(lossSum / (start + size)).toFixed(4)}, ` +
          `acc ${((accSum / (start + size)) * 100).toFixed(2)}%, ${((start + size) / s).toFixed(0)} samples/s   `,
      );
    }
  }
  if (tty) process.stderr.write('\n');
  const trainSeconds = (performance.now() - tEpoch) / 1000;
  const tEval = performance.now();
  const [tl, ta] = model.evaluate(xTest, yTest, { batchSize: 500 });
  const testLoss = tl.dataSync()[0];
  const testAccuracy = ta.dataSync()[0];
  zoo.dispose([tl, ta]);
  const evalSeconds = (performance.now() - tEval) / 1000;
  const row = {
    epoch: epoch + 1,
    lr: schedule(epoch),
    trainSeconds,
    samplesPerSecond: nTrain / trainSeconds,
    loss: lossSum / nTrain,
    accuracy: accSum / nTrain,
    testLoss,
    testAccuracy,
    evalSeconds,
  };
  history.push(row);
  log(
    `epoch ${epoch + 1}/${opts.epochs}: ${trainSeconds.toFixed(1)} s (${row.samplesPerSecond.toFixed(0)} samples/s), ` +
      `lr ${row.lr.toPrecision(3)}, loss ${row.loss.toFixed(4)}, train acc ${(row.accuracy * 100).toFixed(2)}%, ` +
      `test loss ${testLoss.toFixed(4)}, test accuracy ${(testAccuracy * 100).toFixed(2)}% (eval ${evalSeconds.toFixed(1)} s)`,
  );
  if (saveDir !== undefined) await saveRun(model, optimizer, history);
}

const best = history.reduce((a, r) => (r.testAccuracy > a.testAccuracy ? r : a), history[0]);
const last = history.at(-1);
const totalTrain = history.reduce((a, r) => a + r.trainSeconds, 0);
if (last.epoch < opts.epochs) {
  log(`stopped after epoch ${last.epoch} of ${opts.epochs}; continue with --resume ${saveDir}`);
}
log(
  `${last.epoch < opts.epochs ? 'so far' : 'done'}: test accuracy ${(last.testAccuracy * 100).toFixed(2)}% after ${last.epoch} epochs (best ${(best.testAccuracy * 100).toFixed(2)}% at epoch ${best.epoch}); ` +
    `${(totalTrain / history.length).toFixed(1)} s per epoch on average`,
);
if (cli.json) {
  console.log(
    JSON.stringify(
      {
        dataDir,
        train: nTrain,
        test: yTest.shape[0],
        options: opts,
        backend: zoo.backendInfo(),
        node: process.version,
        history,
      },
      null,
      2,
    ),
  );
}
zoo.dispose([xTrain, yTrain, xTest, yTest]);
model.dispose();
