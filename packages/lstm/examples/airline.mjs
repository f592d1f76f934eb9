#!/usr/bin/env node
// An LSTM forecaster on the airline passengers series (Box & Jenkins, monthly totals in
// thousands, 1949-1960, 144 months), holding out the last 24 months. Reports the RMSE of
// one-step-ahead forecasts over those 24 months (each forecast reads only the actual values
// before its month) beside the seasonal-naive forecast (the value 12 months earlier).
//
//   node packages/lstm/examples/airline.mjs [--data DIR] [--transform diff|seasonal]
//     [--steps 12] [--units 32] [--epochs 300] [--batch 16] [--lr 0.005] [--seed 1]
//
// DIR holds airline-passengers.csv (or a timeseries/ folder with it); default
// ../shared/datasets next to the repository.
//
// Preprocessing (the usual way to make this series stationary; scaling fitted on the 120
// training months only):
// - diff (default): z_t = log(x_t) − log(x_{t−1}), the monthly log growth; the model reads
//   the last `steps` z and predicts the next, and the forecast is x_{t−1} · exp(ẑ_t).
// - seasonal: z_t = log(x_t) − log(x_{t−12}), the yearly log growth; the forecast is
//   x_{t−12} · exp(ẑ_t), i.e. the model learns a correction to the seasonal-naive forecast.
// Then standardScaler on the training part, windows of `steps` inputs and horizon 1
// (`windowed`), forecaster({ inputSteps: steps, units }), MSE, Adam.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as zoo from '@zoo/lstm';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values: opts } = parseArgs({
  options: {
    data: { type: 'string' },
    transform: { type: 'string', default: 'diff' },
    steps: { type: 'string', default: '12' },
    units: { type: 'string', default: '32' },
    epochs: { type: 'string', default: '300' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.005' },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: node packages/lstm/examples/airline.mjs [--data DIR] [--transform diff|seasonal]\n' +
      '  [--steps 12] [--units 32] [--epochs 300] [--batch 16] [--lr 0.005] [--seed 1]',
  );
  process.exit(0);
}
const int = (name) => {
  const v = Number(opts[name]);
  if (!(Number.isInteger(v) && v >= 0)) throw new Error(`--${name}: bad value ${opts[name]}`);
  return v;
};
const steps = int('steps');
const units = int('units');
const epochs = int('epochs');
const batchSize = int('batch');
const seed = int('seed');
const lr = Number(opts.lr);
const transform = opts.transform;
if (transform !== 'diff' && transform !== 'seasonal')
  throw new Error(`--transform: diff or seasonal, got ${transform}`);

function findData() {
  const name = 'airline-passengers.csv';
  const candidates =
    opts.data !== undefined
      ? [resolve(opts.data), join(resolve(opts.data), 'timeseries')]
      : [join(repoRoot, '../shared/datasets/timeseries')];
  for (const dir of candidates) if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(`no ${name} in ${candidates.join(' or ')} (pass --data DIR)`);
}

const file = findData();
const series = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => Number(line.split(',')[1]));
const TEST = 24;
const SEASON = 12;
const n = series.length;
const trainEnd = n - TEST; // months [0, trainEnd) train, [trainEnd, n) test

await zoo.ready();
zoo.setSeed(seed);

// z[t] for t >= lag: the log growth over `lag` months.
const lag = transform === 'diff' ? 1 : SEASON;
const logs = series.map(Math.log);
const z = logs.map((v, t) => (t >= lag ? v - logs[t - lag] : Number.NaN)).slice(lag); // z[i] is month i + lag
const zTrainEnd = trainEnd - lag;
const scaler = zoo.standardScaler().fit(z.slice(0, zTrainEnd));
const zs = scaler.transform(z);

// Training windows lie wholly inside the training months.
const { x, y } = zoo.windowed(zs.slice(0, zTrainEnd), steps, 1);
const model = zoo.forecaster({ inputSteps: steps, units });
model.compile({ optimizer: zoo.train.adam(lr), loss: 'meanSquaredError' });
const t0 = performance.now();
const h = await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
const sec = (performance.now() - t0) / 1000;

// One-step-ahead forecasts of the test months: month m reads z of months m-steps .. m-1.
const windows = [];
for (let m = trainEnd; m < n; m++) windows.push(zs.slice(m - lag - steps, m - lag));
const xt = zoo.tensor(windows.flat(), [TEST, steps, 1]);
const pred = model.predict(xt);
const zHat = scaler.inverseTransform(Array.from(pred.dataSync()));
zoo.dispose([x, y, xt, pred]);
const forecast = zHat.map((d, i) => series[trainEnd + i - lag] * Math.exp(d));
const actual = series.slice(trainEnd);
const naive = zoo.seasonalNaive(series, SEASON).slice(-TEST);
const rmseModel = zoo.rmse(actual, forecast);
const rmseNaive = zoo.rmse(actual, naive);

console.log(
  `${file}: ${n} months; training on the first ${trainEnd}, forecasting the last ${TEST} one step ahead`,
);
console.log(
  `forecaster: LSTM(${units}) over ${steps} months of ${transform === 'diff' ? 'monthly' : 'yearly'} log growth (standardized) → Dense(1); ${model.countParams()} parameters, ${epochs} epochs in ${sec.toFixed(1)} s, final training MSE ${h.history.loss[epochs - 1].toFixed(4)}`,
);
console.log('month    actual  forecast  seasonal-naive');
for (let i = 0; i < TEST; i++) {
  console.log(
    `${String(trainEnd + i).padStart(5)} ${String(actual[i]).padStart(9)} ${forecast[i].toFixed(1).padStart(9)} ${String(naive[i]).padStart(15)}`,
  );
}
console.log(
  `RMSE over the last ${TEST} months: LSTM forecaster ${rmseModel.toFixed(2)}, seasonal naive ${rmseNaive.toFixed(2)} (${rmseModel < rmseNaive ? 'beats it' : 'does NOT beat it'}, ratio ${(rmseModel / rmseNaive).toFixed(3)})`,
);
