// The LSTM family: a character-level language model on Tiny Shakespeare (the last 10% of the
// text held out for the validation loss), text generated from it, and an LSTM forecaster of
// the airline passengers series scored on its last 24 months.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zoo from '@zoo/lstm';
import { int, log, type Outcome, plural, type RunOptions, secs } from './context.js';
import { dataLabel, loadAirline, loadShakespeare } from './datasets.js';
import { DataError, oneLine, UsageError } from './errors.js';
import { loadLayersModel, type Manifest, readModelJson, saveLayersModel } from './saved.js';

/** Fraction of the text kept for training; the rest (the end) is held out. */
const TRAIN_FRACTION = 0.9;
/** Seed text of the generated samples. */
const SEED_TEXT = 'ROMEO:\n';

interface Settings {
  units: number;
  layers: number;
  embeddingDim: number;
  seq: number;
  batch: number;
  epochs: number;
  learningRate: number;
  sampleLength: number;
}

const BRIEF: Settings = {
  units: 128,
  layers: 1,
  embeddingDim: 32,
  seq: 64,
  batch: 32,
  epochs: 6,
  learningRate: 0.005,
  sampleLength: 240,
};

const FULL: Settings = {
  units: 256,
  layers: 1,
  embeddingDim: 64,
  seq: 100,
  batch: 32,
  epochs: 10,
  learningRate: 0.002,
  sampleLength: 400,
};

/** The held-out part of a text's ids. */
function split(ids: Int32Array): { train: Int32Array; val: Int32Array } {
  const cut = Math.floor(ids.length * TRAIN_FRACTION);
  return { train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

/**
 * Cross-entropy (nats per character) of the validation ids under the training text's
 * character frequencies (add-one smoothed): what a model that ignores context scores.
 */
function unigramLoss(train: Int32Array, val: Int32Array, size: number): number {
  const counts = new Float64Array(size).fill(1);
  for (const id of train) counts[id]++;
  const total = train.length + size;
  let loss = 0;
  for (const id of val) loss -= Math.log(counts[id] / total);
  return loss / val.length;
}

/** Mean validation loss (nats per character) over windows of `seq` characters. */
function validationLoss(model: zoo.LayersModel, val: Int32Array, seq: number): number {
  const v = zoo.charSequences(val, seq);
  try {
    const out = model.evaluate(v.x, v.y, { batchSize: 128 }) as zoo.Tensor;
    const loss = out.dataSync()[0];
    out.dispose();
    return loss;
  } finally {
    zoo.dispose([v.x, v.y]);
  }
}

/** The seed text, or the start of the held-out text when the vocabulary lacks a character. */
function seedFor(vocab: zoo.CharVocab, valText: string): string {
  return [...SEED_TEXT].every((c) => vocab.has(c)) ? SEED_TEXT : valText.slice(0, 20);
}

/** Trains the character model (and the airline forecaster) and reports held-out figures. */
export async function trainLstm(opts: RunOptions): Promise<Outcome> {
  const { path, text: corpus } = loadShakespeare(opts);
  const s = opts.full ? FULL : BRIEF;
  const epochs = opts.epochs ?? s.epochs;
  const batch = opts.batch ?? s.batch;
  const vocab = zoo.CharVocab.fromText(corpus);
  const ids = vocab.encode(corpus);
  const parts = split(ids);
  const train = opts.limit === undefined ? parts.train : parts.train.subarray(0, opts.limit);
  if (train.length < s.seq + 1) {
    throw new UsageError(
      `--limit ${opts.limit} leaves fewer than ${s.seq + 1} training characters`,
    );
  }
  zoo.setSeed(opts.seed);
  const model = zoo.charLanguageModel({
    vocab,
    units: s.units,
    layers: s.layers,
    embeddingDim: s.embeddingDim,
  });
  model.compile({
    optimizer: zoo.train.adam(s.learningRate),
    loss: 'sparseCategoricalCrossentropy',
  });
  const description = `Embedding(${vocab.size}, ${s.embeddingDim}) → ${s.layers > 1 ? `${s.layers} × ` : ''}LSTM(${s.units}) → Dense(${vocab.size}, softmax)`;
  log(
    `\nLSTM: character language model ${description}, ${int(model.countParams())} parameters. Tiny Shakespeare (${dataLabel(opts)}): ${int(train.length)} training characters in windows of ${s.seq}, the last ${int(parts.val.length)} held out`,
  );
  const tr = zoo.charSequences(train, s.seq);
  const val = zoo.charSequences(parts.val, s.seq);
  const start = performance.now();
  try {
    await model.fit(tr.x, tr.y, {
      epochs,
      batchSize: batch,
      shuffle: true,
      validationData: [val.x, val.y],
      verbose: 1,
    });
  } finally {
    zoo.dispose([tr.x, tr.y, val.x, val.y]);
  }
  const ms = performance.now() - start;
  const validation = validationLoss(model, parts.val, s.seq);
  const baseline = unigramLoss(train, parts.val, vocab.size);
  const valText = vocab.decode(parts.val);
  const seedText = seedFor(vocab, valText);
  const sample = model.generate(seedText, {
    length: s.sampleLength,
    temperature: 0.8,
    seed: opts.seed,
    includeSeed: true,
  });
  const airline = await forecastAirline(opts);
  const json: Record<string, unknown> = {
    model: description,
    parameters: model.countParams(),
    data: dataLabel(opts),
    trainCharacters: train.length,
    validationCharacters: parts.val.length,
    epochs,
    batchSize: batch,
    validationLoss: validation,
    validationBitsPerChar: validation / Math.LN2,
    unigramBaselineLoss: baseline,
    sampleSeed: seedText,
    sampleTemperature: 0.8,
    sample,
    seconds: ms / 1000,
    airline: airline.json,
  };
  if (opts.save !== undefined) {
    const dir = await saveLayersModel(model, opts.save, {
      format: 'zoo-demo',
      version: 1,
      family: 'lstm',
      data: dataLabel(opts),
      epochs,
      metrics: { validationLoss: validation },
      settings: { seq: s.seq, trainFraction: TRAIN_FRACTION, file: path },
      created: new Date().toISOString(),
    });
    writeFileSync(join(dir, 'vocab.json'), `${JSON.stringify(vocab.toJSON())}\n`);
    json.saved = dir;
  }
  model.dispose();
  const text: string[] = [
    `LSTM     validation loss ${validation.toFixed(3)} nats/char (${(validation / Math.LN2).toFixed(2)} bits) on the last ${int(parts.val.length)} characters of Tiny Shakespeare; character frequencies alone give ${baseline.toFixed(3)}; ${plural(epochs, 'epoch')} in ${secs(ms)}`,
    `         generated (temperature 0.8):`,
    ...sample.split('\n').map((l) => `         | ${l}`),
    ...airline.text,
  ];
  if (json.saved !== undefined) text.push(`         saved to ${json.saved}`);
  return {
    json,
    text,
    summary: `LSTM     ${validation.toFixed(3)} nats/char validation loss (unigram ${baseline.toFixed(3)}); airline RMSE ${(airline.json.rmse as number).toFixed(1)} vs seasonal naive ${(airline.json.seasonalNaiveRmse as number).toFixed(1)}`,
  };
}

/**
 * An LSTM forecaster of the airline passengers series: it reads 12 months of monthly log
 * growth (standardized on the training months) and predicts the next; the last 24 months are
 * forecast one step ahead and scored against the seasonal-naive forecast (same month last year).
 */
export async function forecastAirline(
  opts: RunOptions,
): Promise<{ json: Record<string, unknown>; text: string[] }> {
  const { series, months } = loadAirline(opts);
  const TEST = 24;
  const STEPS = 12;
  const n = series.length;
  const trainEnd = n - TEST;
  const epochs = opts.full ? 300 : 100;
  zoo.setSeed(opts.seed);
  const logs = series.map(Math.log);
  const z = logs.slice(1).map((v, i) => v - logs[i]); // z[i] is the growth into month i + 1
  const scaler = zoo.standardScaler().fit(z.slice(0, trainEnd - 1));
  const zs = scaler.transform(z) as number[];
  const { x, y } = zoo.windowed(zs.slice(0, trainEnd - 1), STEPS, 1);
  const model = zoo.forecaster({ inputSteps: STEPS, units: 32 });
  model.compile({ optimizer: zoo.train.adam(0.005), loss: 'meanSquaredError' });
  log(
    `\nLSTM forecaster: LSTM(32) → Dense(1) over 12 months of monthly log growth; airline passengers ${months[0]}..${months[trainEnd - 1]} for training, ${plural(epochs, 'epoch')}`,
  );
  const start = performance.now();
  await model.fit(x, y, { epochs, batchSize: 16, shuffle: true, verbose: 0 });
  const ms = performance.now() - start;
  const windows: number[] = [];
  for (let m = trainEnd; m < n; m++) windows.push(...zs.slice(m - 1 - STEPS, m - 1));
  const pred = zoo.tidy(() =>
    Array.from((model.predict(zoo.tensor(windows, [TEST, STEPS, 1])) as zoo.Tensor).dataSync()),
  );
  zoo.dispose([x, y]);
  model.dispose();
  const growth = scaler.inverseTransform(pred) as number[];
  const forecast = growth.map((g, i) => series[trainEnd + i - 1] * Math.exp(g));
  const actual = series.slice(trainEnd);
  const naive = zoo.seasonalNaive(series, 12).slice(-TEST);
  const rmse = zoo.rmse(actual, forecast);
  const naiveRmse = zoo.rmse(actual, naive);
  log(`done in ${secs(ms)}`);
  return {
    json: {
      heldOutMonths: `${months[trainEnd]}..${months[n - 1]}`,
      epochs,
      rmse,
      seasonalNaiveRmse: naiveRmse,
      forecast: forecast.map((v) => Math.round(v * 10) / 10),
      actual,
    },
    text: [
      `         airline passengers, one-step forecasts of ${months[trainEnd]}..${months[n - 1]} (held out): RMSE ${rmse.toFixed(1)} thousand vs ${naiveRmse.toFixed(1)} for the seasonal-naive forecast`,
    ],
  };
}

/** Loads a saved character model with its vocabulary. */
async function loadCharModel(dir: string): Promise<zoo.CharLanguageModel> {
  const model = await loadLayersModel(dir);
  const json = readModelJson(dir, 'vocab.json');
  try {
    const vocab = zoo.CharVocab.fromJSON(json as { chars: string[] });
    if (!(model instanceof zoo.Sequential)) throw new Error('the model is not a Sequential');
    return zoo.asCharLanguageModel(model, vocab);
  } catch (err) {
    model.dispose();
    throw new DataError(`${dir} is not a saved character model: ${oneLine(err)}`);
  }
}

/** Validation loss of a saved character model on the held-out end of the text. */
export async function evaluateLstm(
  dir: string,
  manifest: Manifest,
  opts: RunOptions,
): Promise<Outcome> {
  const model = await loadCharModel(dir);
  const vocab = model.vocab as zoo.CharVocab;
  const seq = Number(manifest.settings?.seq ?? 100);
  const { path, text } = loadShakespeare(opts);
  if (manifest.data !== 'unknown' && manifest.data !== dataLabel(opts)) {
    log(
      `note: the model was trained on ${manifest.data}, evaluated on ${dataLabel(opts)}; its held-out part may overlap the training text`,
    );
  }
  const valText = text.slice(Math.floor(text.length * TRAIN_FRACTION));
  let val: Int32Array;
  try {
    val = vocab.encode(valText);
  } catch (err) {
    model.dispose();
    throw new DataError(`the held-out text of ${path} does not fit the model: ${oneLine(err)}`);
  }
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const loss = validationLoss(model, val, seq);
  model.dispose();
  return {
    json: {
      family: 'lstm',
      data: path,
      validationCharacters: val.length,
      validationLoss: loss,
      validationBitsPerChar: loss / Math.LN2,
    },
    text: [
      `lstm: validation loss ${loss.toFixed(3)} nats/char (${(loss / Math.LN2).toFixed(2)} bits) on the last ${int(val.length)} characters of ${path}`,
    ],
    summary: '',
  };
}

/** Text generated by a saved character model from `--text`. */
export async function predictLstm(
  dir: string,
  seedText: string | undefined,
  length: number,
  temperature: number,
  opts: RunOptions,
): Promise<Outcome> {
  if (seedText === undefined || seedText.length === 0) {
    throw new UsageError('predict with an LSTM model needs --text "seed text"');
  }
  const model = await loadCharModel(dir);
  try {
    const vocab = model.vocab as zoo.CharVocab;
    for (const c of seedText) {
      if (!vocab.has(c)) {
        throw new UsageError(
          `--text: character ${JSON.stringify(c)} is not in the model's vocabulary of ${vocab.size} characters`,
        );
      }
    }
    const generated = model.generate(seedText, { length, temperature, seed: opts.seed });
    return {
      json: { family: 'lstm', seed: seedText, temperature, generated },
      text: [`${seedText}${generated}`],
      summary: '',
    };
  } finally {
    model.dispose();
  }
}
