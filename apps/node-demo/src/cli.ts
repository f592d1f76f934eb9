#!/usr/bin/env node
// zoo-demo: the README's main job. With no arguments it trains, on real data shipped in the
// repo (a 2,000/1,000-image MNIST subset), a Keras-style MLP and a small CNN, reports held-out
// accuracy, and then fits a two-spiral problem with raw tensors and autograd.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conv2d, flatten, maxPooling2d } from '@zoo/cnn';
import * as zoo from '@zoo/core';
import { dense, dropout } from '@zoo/dnn';

interface Options {
  epochs: number;
  json: boolean;
  data: string;
  only: string | undefined;
}

const USAGE = `Usage: zoo-demo [mlp|cnn|autograd] [--epochs N] [--data DIR] [--json]

Trains Zoo models on real MNIST digits (the subset shipped in data/mnist-subset, or the
IDX files in --data DIR) and prints held-out accuracy; then fits two interleaved spirals
with raw tensors and autograd. Name one part to run only that part.
Progress goes to stderr, results to stdout (--json: one JSON object).`;

function fail(msg: string): never {
  process.stderr.write(`zoo-demo: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const here = dirname(fileURLToPath(import.meta.url));
  const opts: Options = {
    epochs: 0,
    json: false,
    data: join(here, '..', '..', '..', 'data', 'mnist-subset'),
    only: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a === '--epochs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) fail(`--epochs needs a positive integer, got ${argv[i]}`);
      opts.epochs = n;
    } else if (a === '--data') {
      const d = argv[++i];
      if (d === undefined) fail('--data needs a directory');
      opts.data = d;
    } else if (a === '--json') {
      opts.json = true;
    } else if (a === 'mlp' || a === 'cnn' || a === 'autograd') {
      opts.only = a;
    } else {
      fail(`unknown option ${a} (see --help)`);
    }
  }
  return opts;
}

type Results = Record<string, Record<string, number | string>>;

async function trainMnist(opts: Options, kind: 'mlp' | 'cnn', results: Results): Promise<void> {
  let data: Awaited<ReturnType<typeof zoo.data.loadMnist>>;
  try {
    data = await zoo.data.loadMnist(opts.data, { flatten: kind === 'mlp' });
  } catch (err) {
    fail(
      `cannot read MNIST from ${opts.data}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const { xTrain, yTrain, xTest, yTest } = data;
  zoo.setSeed(1);
  const model =
    kind === 'mlp'
      ? zoo.sequential({
          layers: [
            dense({ units: 128, activation: 'relu', inputShape: [784] }),
            dropout({ rate: 0.2 }),
            dense({ units: 10, activation: 'softmax' }),
          ],
        })
      : zoo.sequential({
          layers: [
            conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
            maxPooling2d({ poolSize: 2 }),
            conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
            maxPooling2d({ poolSize: 2 }),
            flatten(),
            dense({ units: 64, activation: 'relu' }),
            dense({ units: 10, activation: 'softmax' }),
          ],
        });
  model.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const epochs = opts.epochs || (kind === 'mlp' ? 10 : 6);
  process.stderr.write(
    `\n${kind.toUpperCase()} on ${xTrain.shape[0]} MNIST digits, ${model.countParams().toLocaleString('en-US')} parameters\n`,
  );
  const start = performance.now();
  await model.fit(xTrain, yTrain, { epochs, batchSize: 32, validationSplit: 0.1, verbose: 1 });
  const seconds = (performance.now() - start) / 1000;
  const [loss, acc] = model.evaluate(xTest, yTest, { batchSize: 256 }) as zoo.Tensor[];
  results[kind] = {
    task: `MNIST (${xTrain.shape[0]} train / ${xTest.shape[0]} held-out test images)`,
    epochs,
    testAccuracy: acc.dataSync()[0],
    testLoss: loss.dataSync()[0],
    seconds,
  };
  zoo.dispose([loss, acc, xTrain, yTrain, xTest, yTest]);
  model.dispose();
}

/** Two interleaved spirals with a little noise; a fixed seed makes the run repeatable. */
function spirals(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const t = 0.25 + rnd() * 3.5;
    const angle = t * Math.PI + cls * Math.PI;
    x[2 * i] = (t / 4) * Math.cos(angle) + (rnd() - 0.5) * 0.06;
    x[2 * i + 1] = (t / 4) * Math.sin(angle) + (rnd() - 0.5) * 0.06;
    y[i] = cls;
  }
  return { x, y };
}

/** Fits the spirals with variables, variableGrads and an optimizer: no layers involved. */
function autograd(opts: Options, results: Results): void {
  zoo.setSeed(1);
  const train = spirals(2000, 7);
  const test = spirals(1000, 99);
  const xTrain = zoo.tensor(train.x, [2000, 2]);
  const yTrain = zoo.tensor(train.y, [2000], 'int32');
  const xTest = zoo.tensor(test.x, [1000, 2]);
  const params = zoo.tidy(() => {
    const he = (fanIn: number, shape: number[]) => zoo.randomNormal(shape, 0, Math.sqrt(2 / fanIn));
    return [
      zoo.variable(he(2, [2, 64]), true, 'spiral/w1'),
      zoo.variable(zoo.zeros([64]), true, 'spiral/b1'),
      zoo.variable(he(64, [64, 64]), true, 'spiral/w2'),
      zoo.variable(zoo.zeros([64]), true, 'spiral/b2'),
      zoo.variable(he(64, [64, 2]), true, 'spiral/w3'),
      zoo.variable(zoo.zeros([2]), true, 'spiral/b3'),
    ];
  });
  const [w1, b1, w2, b2, w3, b3] = params;
  const forward = (x: zoo.Tensor) => {
    const h1 = zoo.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
    const h2 = zoo.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
    return zoo.fused.matMul({ a: h2, b: w3, bias: b3 });
  };
  const optimizer = zoo.train.adam(0.01);
  const steps = opts.epochs ? opts.epochs * 30 : 300;
  process.stderr.write('\nAutograd: two spirals, full-batch Adam on raw tensors\n');
  const start = performance.now();
  let lastLoss = Number.NaN;
  for (let step = 1; step <= steps; step++) {
    const cost = optimizer.minimize(
      () => zoo.mean(zoo.sparseSoftmaxCrossEntropyWithLogits(yTrain, forward(xTrain))),
      true,
      params,
    );
    lastLoss = cost?.dataSync()[0] ?? Number.NaN;
    cost?.dispose();
    if (step % 100 === 0 || step === 1)
      process.stderr.write(`step ${step}/${steps}  loss ${lastLoss.toFixed(4)}\n`);
  }
  const seconds = (performance.now() - start) / 1000;
  const predicted = zoo.tidy(() => zoo.argMax(forward(xTest), 1).dataSync());
  let correct = 0;
  for (let i = 0; i < test.y.length; i++) if (predicted[i] === test.y[i]) correct++;
  results.autograd = {
    task: 'two spirals (generated, 1,000 held-out points)',
    steps,
    trainLoss: lastLoss,
    testAccuracy: correct / test.y.length,
    seconds,
  };
  optimizer.dispose();
  zoo.dispose([xTrain, yTrain, xTest, ...params]);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await zoo.ready();
  const info = zoo.backendInfo();
  process.stderr.write(
    `Zoo kernels: SIMD${info.relaxedSimd ? ' + relaxed SIMD' : ''}, ${info.threads} thread\n`,
  );
  const results: Results = {};
  if (!opts.only || opts.only === 'mlp') await trainMnist(opts, 'mlp', results);
  if (!opts.only || opts.only === 'cnn') await trainMnist(opts, 'cnn', results);
  if (!opts.only || opts.only === 'autograd') autograd(opts, results);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  process.stdout.write('\nResults (held-out data)\n');
  for (const [name, r] of Object.entries(results)) {
    const acc = `${((r.testAccuracy as number) * 100).toFixed(1)}%`;
    process.stdout.write(
      `  ${name.padEnd(9)} ${acc.padStart(6)} test accuracy  ${r.task}, ${(r.seconds as number).toFixed(1)} s\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`zoo-demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
