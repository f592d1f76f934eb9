#!/usr/bin/env node
// Keras's mnist_cnn example, on Zoo: conv 32 3x3 → conv 64 3x3 → max-pool 2 → dropout 0.25 →
// flatten → dense 128 → dropout 0.5 → dense 10 softmax, 12 epochs of batch 128, then the
// test accuracy (Keras reports 99.25%). Keras trains it with Adadelta (lr 1.0); Zoo has no
// Adadelta, so this uses Adam (lr 0.001) unless --optimizer says otherwise.
//
//   node packages/cnn/examples/mnist-cnn.mjs [--data DIR] [--epochs 12] [--batch 128]
//     [--fashion] [--model mnistCnn|lenet5|mlp|all] [--optimizer adam|rmsprop|sgd|...]
//     [--limit N] [--validate] [--save DIR] [--verbose 0|1|2] [--json]
//
// DIR holds the four MNIST files (train-images-idx3-ubyte.gz, ...; plain or gzip'd), or a
// datasets directory with an `mnist/` (or `fashion-mnist/`) folder in it. By default it is
// ../shared/datasets next to the repository when that exists, otherwise the 2,000/1,000-image
// subset shipped in data/mnist-subset. --fashion reads Fashion-MNIST (same file names).
// --model all trains mnistCnn, then LeNet-5 and Keras's mnist_mlp (784-512-512-10) beside it.
// --limit N trains on the first N training images only; --validate prints the test accuracy
// after every epoch (not counted in the epoch time). --json prints the results as one JSON
// object on stdout (logs go to stderr).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as zoo from '@zoo/cnn';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values: opts } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    batch: { type: 'string', default: '128' },
    model: { type: 'string', default: 'mnistCnn' },
    optimizer: { type: 'string', default: 'adam' },
    fashion: { type: 'boolean', default: false },
    limit: { type: 'string' },
    validate: { type: 'boolean', default: false },
    save: { type: 'string' },
    verbose: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const usage =
  'usage: node packages/cnn/examples/mnist-cnn.mjs [--data DIR] [--epochs 12] [--batch 128]\n' +
  '  [--fashion] [--model mnistCnn|lenet5|mlp|all] [--optimizer adam|rmsprop|sgd|...]\n' +
  '  [--limit N] [--validate] [--save DIR] [--verbose 0|1|2] [--json]';
if (opts.help) {
  console.log(usage);
  process.exit(0);
}
const epochs = Number(opts.epochs);
const batchSize = Number(opts.batch);
const verbose = Number(opts.verbose);
const limit = opts.limit === undefined ? undefined : Number(opts.limit);
if (!(Number.isInteger(epochs) && epochs > 0))
  throw new Error(`--epochs: bad value ${opts.epochs}`);
if (!(Number.isInteger(batchSize) && batchSize > 0))
  throw new Error(`--batch: bad value ${opts.batch}`);
if (![0, 1, 2].includes(verbose)) throw new Error(`--verbose: 0, 1 or 2, got ${opts.verbose}`);
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
  throw new Error(`--limit: bad value ${opts.limit}`);
const MODELS = ['mnistCnn', 'lenet5', 'mlp'];
if (![...MODELS, 'all'].includes(opts.model))
  throw new Error(`--model: one of ${[...MODELS, 'all'].join(', ')}, got ${opts.model}`);
const sub = opts.fashion ? 'fashion-mnist' : 'mnist';
/** Logs go to stderr when --json owns stdout. */
const log = opts.json ? (...a) => console.error(...a) : (...a) => console.log(...a);

function hasMnist(dir) {
  return ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz'].some((f) =>
    existsSync(join(dir, f)),
  );
}

function findData() {
  if (opts.data !== undefined) {
    const dir = resolve(opts.data);
    if (hasMnist(dir)) return dir;
    if (hasMnist(join(dir, sub))) return join(dir, sub);
    throw new Error(
      `--data ${opts.data}: no train-images-idx3-ubyte(.gz) in it or in its ${sub}/ folder`,
    );
  }
  const shared = resolve(repoRoot, '../shared/datasets', sub);
  if (hasMnist(shared)) return shared;
  if (opts.fashion) throw new Error(`Fashion-MNIST not found at ${shared}; pass --data DIR`);
  log(
    'note: full MNIST not found at ../shared/datasets/mnist; using the shipped subset data/mnist-subset ' +
      '(2,000 training / 1,000 test images), so expect about 95% (mnistCnn, 12 epochs) rather than 99%.',
  );
  return join(repoRoot, 'data', 'mnist-subset');
}

/** The models by name, with their description. */
const builders = {
  mnistCnn: () => ({
    label: 'mnistCnn (Keras mnist_cnn: conv32-conv64-maxpool-dense128)',
    model: zoo.mnistCnn(),
    flat: false,
  }),
  lenet5: () => ({
    label: 'lenet5 (conv6 same-avgpool-conv16-avgpool-dense120-dense84, relu)',
    model: zoo.lenet5(),
    flat: false,
  }),
  mlp: () => ({
    label: 'mlp (Keras mnist_mlp: 784-512-512-10, dropout 0.2)',
    model: zoo.mlp({ inputDim: 784, hidden: [512, 512], numClasses: 10, dropout: 0.2 }),
    flat: true,
  }),
};

/** Trains and evaluates one model; returns its figures. */
async function run(name, data) {
  zoo.setSeed(1);
  const { label, model, flat } = builders[name]();
  const shape = (x) => (flat ? zoo.reshape(x, [x.shape[0], 784]) : x);
  const xTrain = shape(data.xTrain);
  const xTest = shape(data.xTest);
  log(`\n== ${label}: ${model.countParams().toLocaleString('en-US')} parameters`);
  if (verbose > 0) model.summary(72, undefined, log);
  model.compile({
    optimizer: opts.optimizer,
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const epochMs = [];
  const perEpochTest = [];
  let t0 = 0;
  let trainMs = 0;
  const history = await model.fit(xTrain, data.yTrain, {
    epochs,
    batchSize,
    verbose,
    callbacks: {
      onEpochBegin: () => {
        t0 = performance.now();
      },
      onEpochEnd: (epoch) => {
        const ms = performance.now() - t0;
        epochMs.push(ms);
        trainMs += ms;
        if (opts.validate) {
          const [l, a] = model.evaluate(xTest, data.yTest, { batchSize: 250 });
          const acc = a.dataSync()[0];
          perEpochTest.push(acc);
          log(
            `  epoch ${epoch + 1}: ${(ms / 1000).toFixed(1)} s, test accuracy ${(acc * 100).toFixed(2)}%, test loss ${l.dataSync()[0].toFixed(4)}`,
          );
          l.dispose();
          a.dispose();
        }
      },
    },
  });
  const tEval = performance.now();
  const [lossT, accT] = model.evaluate(xTest, data.yTest, { batchSize: 250 });
  const evalMs = performance.now() - tEval;
  const testLoss = lossT.dataSync()[0];
  const testAccuracy = accT.dataSync()[0];
  lossT.dispose();
  accT.dispose();
  const sorted = [...epochMs].sort((a, b) => a - b);
  const result = {
    name,
    label,
    params: model.countParams(),
    optimizer: opts.optimizer,
    epochs,
    batchSize,
    trainImages: xTrain.shape[0],
    trainLoss: history.history.loss.at(-1),
    trainAccuracy: history.history.acc?.at(-1) ?? history.history.accuracy?.at(-1),
    testLoss,
    testAccuracy,
    perEpochTestAccuracy: opts.validate ? perEpochTest : undefined,
    trainSeconds: trainMs / 1000,
    secondsPerEpochMean: trainMs / 1000 / epochMs.length,
    secondsPerEpochMedian: sorted[Math.floor(sorted.length / 2)] / 1000,
    samplesPerSecond: (xTrain.shape[0] * epochs) / (trainMs / 1000),
    evalSeconds: evalMs / 1000,
  };
  log(
    `${name}: test accuracy ${(testAccuracy * 100).toFixed(2)}%, test loss ${testLoss.toFixed(4)}; ` +
      `${result.secondsPerEpochMean.toFixed(1)} s/epoch (median ${result.secondsPerEpochMedian.toFixed(1)} s), ` +
      `${Math.round(result.samplesPerSecond).toLocaleString('en-US')} samples/s; evaluation ${result.evalSeconds.toFixed(1)} s`,
  );
  if (opts.save !== undefined && name === (opts.model === 'all' ? 'mnistCnn' : opts.model)) {
    const url = pathToFileURL(resolve(opts.save)).href;
    await model.save(url);
    log(`saved to ${url}`);
  }
  if (flat) {
    xTrain.dispose();
    xTest.dispose();
  }
  model.dispose();
  return result;
}

await zoo.ready();
const dir = findData();
const tLoad = performance.now();
const data = await zoo.data.loadMnist(dir, limit === undefined ? {} : { trainLimit: limit });
const loadMs = performance.now() - tLoad;
log(
  `${opts.fashion ? 'Fashion-MNIST' : 'MNIST'} from ${dir}: ${data.xTrain.shape[0]} train, ${data.xTest.shape[0]} test ` +
    `(loaded in ${(loadMs / 1000).toFixed(2)} s); backend ${JSON.stringify(zoo.backendInfo())}; ` +
    `${epochs} epochs of batch ${batchSize}, ${opts.optimizer}`,
);

const names = opts.model === 'all' ? MODELS : [opts.model];
const results = [];
for (const name of names) results.push(await run(name, data));
const nTrain = data.xTrain.shape[0];
const nTest = data.xTest.shape[0];
for (const t of Object.values(data)) t.dispose();

if (opts.json) {
  console.log(
    JSON.stringify(
      {
        dataset: opts.fashion ? 'fashion-mnist' : 'mnist',
        dataDir: dir,
        train: nTrain,
        test: nTest,
        backend: zoo.backendInfo(),
        node: process.version,
        results,
      },
      null,
      2,
    ),
  );
}
