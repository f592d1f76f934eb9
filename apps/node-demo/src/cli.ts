#!/usr/bin/env node
// zoo-demo: trains a small two-layer network on a generated two-spiral problem with Zoo's
// tensors and autograd (no layers API yet), then reports held-out accuracy.
import * as zoo from '@zoo/core';

interface Options {
  epochs: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { epochs: 300, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(
        'Usage: zoo-demo [--epochs N] [--json]\n\nTrains a 2-64-64-2 network on two interleaved spirals with Zoo autograd and\nprints the loss as it goes (stderr) and the held-out accuracy (stdout).\n',
      );
      process.exit(0);
    } else if (a === '--epochs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) fail(`--epochs needs a positive integer, got ${argv[i]}`);
      opts.epochs = n;
    } else if (a === '--json') {
      opts.json = true;
    } else {
      fail(`unknown option ${a} (see --help)`);
    }
  }
  return opts;
}

function fail(msg: string): never {
  process.stderr.write(`zoo-demo: ${msg}\n`);
  process.exit(2);
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await zoo.ready();
  const info = zoo.backendInfo();
  process.stderr.write(
    `Zoo kernels: SIMD${info.relaxedSimd ? ' + relaxed SIMD' : ''}, ${info.threads} thread\n`,
  );
  zoo.setSeed(1);
  const train = spirals(2000, 7);
  const test = spirals(1000, 99);
  const xTrain = zoo.tensor(train.x, [2000, 2]);
  const yTrain = zoo.tensor(train.y, [2000], 'int32');
  const xTest = zoo.tensor(test.x, [1000, 2]);
  const he = (fanIn: number, shape: number[]) => zoo.randomNormal(shape, 0, Math.sqrt(2 / fanIn));
  const params = [
    zoo.variable(he(2, [2, 64]), true, 'w1'),
    zoo.variable(zoo.zeros([64]), true, 'b1'),
    zoo.variable(he(64, [64, 64]), true, 'w2'),
    zoo.variable(zoo.zeros([64]), true, 'b2'),
    zoo.variable(he(64, [64, 2]), true, 'w3'),
    zoo.variable(zoo.zeros([2]), true, 'b3'),
  ];
  const [w1, b1, w2, b2, w3, b3] = params;
  const forward = (x: zoo.Tensor) => {
    const h1 = zoo.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
    const h2 = zoo.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
    return zoo.fused.matMul({ a: h2, b: w3, bias: b3 });
  };
  // Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr * mhat / (sqrt(vhat) + eps)
  const m = params.map((p) => zoo.variable(zoo.zerosLike(p), false));
  const v = params.map((p) => zoo.variable(zoo.zerosLike(p), false));
  const lr = 0.01;
  const start = performance.now();
  let lastLoss = Number.NaN;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    lastLoss = zoo.tidy(() => {
      const { value, grads } = zoo.variableGrads(
        () => zoo.mean(zoo.sparseSoftmaxCrossEntropyWithLogits(yTrain, forward(xTrain))),
        params,
      );
      const c1 = 1 - 0.9 ** epoch;
      const c2 = 1 - 0.999 ** epoch;
      params.forEach((p, i) => {
        const g = grads[p.name];
        m[i].assign(zoo.add(zoo.mul(m[i], 0.9), zoo.mul(g, 0.1)));
        v[i].assign(zoo.add(zoo.mul(v[i], 0.999), zoo.mul(zoo.square(g), 0.001)));
        const step = zoo.div(zoo.mul(m[i], lr / c1), zoo.add(zoo.sqrt(zoo.div(v[i], c2)), 1e-7));
        p.assign(zoo.sub(p, step));
      });
      return value.dataSync()[0];
    });
    if (epoch % 50 === 0 || epoch === 1) {
      process.stderr.write(`epoch ${epoch}/${opts.epochs}  loss ${lastLoss.toFixed(4)}\n`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const predicted = zoo.tidy(() => zoo.argMax(forward(xTest), 1).dataSync());
  let correct = 0;
  for (let i = 0; i < test.y.length; i++) if (predicted[i] === test.y[i]) correct++;
  const accuracy = correct / test.y.length;
  const result = {
    task: 'two spirals (generated)',
    epochs: opts.epochs,
    trainLoss: lastLoss,
    testAccuracy: accuracy,
    seconds,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    process.stdout.write(
      `two spirals: held-out accuracy ${(accuracy * 100).toFixed(1)}% after ${opts.epochs} full-batch Adam steps (${seconds.toFixed(1)} s)\n`,
    );
  zoo.dispose([xTrain, yTrain, xTest, ...params, ...m, ...v]);
}

main().catch((err: unknown) => {
  process.stderr.write(`zoo-demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
