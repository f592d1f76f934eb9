// Not a model family: two interleaved spirals fitted with raw tensors, variables,
// variableGrads and an optimizer, to show @zoo/core without layers (`zoo-demo autograd`).
import * as zoo from '@zoo/core';
import { log, type Outcome, pct, type RunOptions, secs } from './context.js';

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

/** Fits the spirals with full-batch Adam on a 2-64-64-2 network written with raw ops. */
export function autograd(opts: RunOptions): Outcome {
  zoo.setSeed(opts.seed);
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
  log('\nAutograd: two spirals, full-batch Adam on raw tensors');
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
    if (step % 100 === 0 || step === 1) log(`step ${step}/${steps}  loss ${lastLoss.toFixed(4)}`);
  }
  const ms = performance.now() - start;
  const predicted = zoo.tidy(() => zoo.argMax(forward(xTest), 1).dataSync());
  let correct = 0;
  for (let i = 0; i < test.y.length; i++) if (predicted[i] === test.y[i]) correct++;
  optimizer.dispose();
  zoo.dispose([xTrain, yTrain, xTest, ...params]);
  const testAccuracy = correct / test.y.length;
  return {
    json: {
      task: 'two spirals (generated; 1,000 held-out points)',
      steps,
      trainLoss: lastLoss,
      testAccuracy,
      seconds: ms / 1000,
    },
    text: [
      `autograd ${pct(testAccuracy)} accuracy on 1,000 held-out spiral points after ${steps} Adam steps (${secs(ms)})`,
    ],
    summary: '',
  };
}
