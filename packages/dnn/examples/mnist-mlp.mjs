#!/usr/bin/env node
// Keras's mnist_mlp example, on Zoo: 784-512-512-10 with ReLU and dropout 0.2, RMSprop,
// 20 epochs of batch 128, then the test accuracy (Keras reports 98.40%).
//
//   node packages/dnn/examples/mnist-mlp.mjs [--data DIR] [--epochs 20] [--batch 128]
//     [--optimizer rmsprop|adam] [--fashion] [--no-compare] [--save DIR] [--verbose 0|1|2] [--json]
//
// DIR holds the four MNIST files (train-images-idx3-ubyte.gz, ...; plain or gzip'd), or a
// datasets directory with an `mnist/` (or `fashion-mnist/`) folder in it. By default it is
// ../shared/datasets next to the repository when that exists, otherwise the 2,000/1,000-image
// subset shipped in data/mnist-subset. --fashion reads Fashion-MNIST (same file names).
// After the main model, a quick second model (784-128-10, Adam, 5 epochs) is trained for
// comparison unless --no-compare. --json prints the results as one JSON object on stdout.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as dnn from '@zoo/dnn';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values: opts } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '20' },
    batch: { type: 'string', default: '128' },
    optimizer: { type: 'string', default: 'rmsprop' },
    fashion: { type: 'boolean', default: false },
    'no-compare': { type: 'boolean', default: false },
    save: { type: 'string' },
    verbose: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: node packages/dnn/examples/mnist-mlp.mjs [--data DIR] [--epochs 20] [--batch 128]\n' +
      '  [--optimizer rmsprop|adam] [--fashion] [--no-compare] [--save DIR] [--verbose 0|1|2] [--json]',
  );
  process.exit(0);
}
const epochs = Number(opts.epochs);
const batchSize = Number(opts.batch);
const verbose = Number(opts.verbose);
if (!(Number.isInteger(epochs) && epochs > 0))
  throw new Error(`--epochs: bad value ${opts.epochs}`);
if (!(Number.isInteger(batchSize) && batchSize > 0))
  throw new Error(`--batch: bad value ${opts.batch}`);
if (![0, 1, 2].includes(verbose)) throw new Error(`--verbose: 0, 1 or 2, got ${opts.verbose}`);
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
      '(2,000 training / 1,000 test images), so expect about 85-88% rather than 98%.',
  );
  return join(repoRoot, 'data', 'mnist-subset');
}

/** Trains and evaluates one model; returns its figures. */
async function run(name, model, optimizer, nEpochs, data) {
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const epochMs = [];
  let t0 = 0;
  const tStart = performance.now();
  const history = await model.fit(data.xTrain, data.yTrain, {
    epochs: nEpochs,
    batchSize,
    verbose,
    // Keras's example validates on the test set every epoch; we evaluate once at the end
    // so that the epoch times are training time only.
    callbacks: {
      onEpochBegin: () => {
        t0 = performance.now();
      },
      onEpochEnd: () => {
        epochMs.push(performance.now() - t0);
      },
    },
  });
  const trainMs = performance.now() - tStart;
  const tEval = performance.now();
  const [lossT, accT] = model.evaluate(data.xTest, data.yTest, { batchSize: 1000 });
  const evalMs = performance.now() - tEval;
  const testLoss = lossT.dataSync()[0];
  const testAccuracy = accT.dataSync()[0];
  lossT.dispose();
  accT.dispose();
  const sorted = [...epochMs].sort((a, b) => a - b);
  const result = {
    name,
    params: model.countParams(),
    optimizer,
    epochs: nEpochs,
    batchSize,
    trainLoss: history.history.loss.at(-1),
    trainAccuracy: history.history.acc?.at(-1) ?? history.history.accuracy?.at(-1),
    testLoss,
    testAccuracy,
    trainSeconds: trainMs / 1000,
    msPerEpochMean: epochMs.reduce((a, b) => a + b, 0) / epochMs.length,
    msPerEpochMedian: sorted[Math.floor(sorted.length / 2)],
    samplesPerSecond: (data.xTrain.shape[0] * nEpochs) / (trainMs / 1000),
    evalMs,
  };
  log(
    `${name}: test accuracy ${(testAccuracy * 100).toFixed(2)}%, test loss ${testLoss.toFixed(4)}; ` +
      `${(result.msPerEpochMean / 1000).toFixed(2)} s/epoch (median ${(result.msPerEpochMedian / 1000).toFixed(2)} s), ` +
      `${Math.round(result.samplesPerSecond).toLocaleString('en-US')} samples/s`,
  );
  return result;
}

await dnn.ready();
const dir = findData();
const tLoad = performance.now();
const data = await dnn.data.loadMnist(dir, { flatten: true });
const loadMs = performance.now() - tLoad;
log(
  `${opts.fashion ? 'Fashion-MNIST' : 'MNIST'} from ${dir}: ${data.xTrain.shape[0]} train, ${data.xTest.shape[0]} test ` +
    `(loaded in ${(loadMs / 1000).toFixed(2)} s); backend ${JSON.stringify(dnn.backendInfo())}`,
);

dnn.setSeed(1);
const model = dnn.mlp({ inputDim: 784, hidden: [512, 512], numClasses: 10, dropout: 0.2 });
if (verbose > 0) model.summary(65, undefined, log);
const results = [await run('mlp 784-512-512-10, dropout 0.2', model, opts.optimizer, epochs, data)];
if (opts.save !== undefined) {
  const url = pathToFileURL(resolve(opts.save)).href;
  await model.save(url);
  log(`saved to ${url}`);
}
model.dispose();

if (!opts['no-compare']) {
  dnn.setSeed(2);
  const small = dnn.mlp({ inputDim: 784, hidden: [128], numClasses: 10 });
  results.push(await run('mlp 784-128-10', small, 'adam', Math.min(5, epochs), data));
  small.dispose();
}
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
        backend: dnn.backendInfo(),
        node: process.version,
        results,
      },
      null,
      2,
    ),
  );
}
