#!/usr/bin/env node
// A character-level LSTM language model on Tiny Shakespeare (Karpathy's char-rnn data set,
// 1,115,394 characters, 65 distinct), the last 10% held out for validation. Reports the
// validation loss in nats per character after every epoch, the time per epoch, and a sample
// generated from a seed.
//
//   node packages/lstm/examples/shakespeare.mjs [--data DIR] [--epochs 12] [--units 256]
//     [--layers 2] [--embedding 64] [--seq 100] [--batch 32] [--lr 0.002] [--decay 0.9]
//     [--dropout 0] [--limit CHARS] [--seed 42] [--sample 400] [--temperature 0.8]
//     [--save DIR]
//
// DIR holds input.txt (or a tinyshakespeare/ folder with it); default ../shared/datasets next
// to the repository. Each epoch trains on every `seq`-character window of the training text
// starting at a random offset in [0, seq) (a fresh offset each epoch, so windows straddle
// different boundaries), shuffled, batch `batch`, Adam; the learning rate is multiplied by
// `decay` after each epoch. Validation reads the held-out text in consecutive windows of
// `seq` characters, each from a zero state, and averages the cross-entropy over every
// predicted character (nats; divide by ln 2 for bits). --limit N trains on the first N
// training characters only (for a quick timing run).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as zoo from '@zoo/lstm';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values: opts } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    units: { type: 'string', default: '256' },
    layers: { type: 'string', default: '2' },
    embedding: { type: 'string', default: '64' },
    seq: { type: 'string', default: '100' },
    batch: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.002' },
    decay: { type: 'string', default: '0.9' },
    dropout: { type: 'string', default: '0' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '42' },
    sample: { type: 'string', default: '400' },
    temperature: { type: 'string', default: '0.8' },
    save: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: node packages/lstm/examples/shakespeare.mjs [--data DIR] [--epochs 12] [--units 256]\n' +
      '  [--layers 2] [--embedding 64] [--seq 100] [--batch 32] [--lr 0.002] [--decay 0.9]\n' +
      '  [--dropout 0] [--limit CHARS] [--seed 42] [--sample 400] [--temperature 0.8] [--save DIR]',
  );
  process.exit(0);
}
const int = (name, min = 1) => {
  const v = Number(opts[name]);
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`--${name}: bad value ${opts[name]}`);
  return v;
};
const epochs = int('epochs');
const units = int('units');
const depth = int('layers');
const embeddingDim = int('embedding');
const seq = int('seq');
const batchSize = int('batch');
const seed = int('seed', 0);
const sampleLength = int('sample', 0);
const lr = Number(opts.lr);
const decay = Number(opts.decay);
const dropout = Number(opts.dropout);
const temperature = Number(opts.temperature);
const limit = opts.limit === undefined ? undefined : int('limit');

function findData() {
  const candidates =
    opts.data !== undefined
      ? [resolve(opts.data), join(resolve(opts.data), 'tinyshakespeare')]
      : [join(repoRoot, '../shared/datasets/tinyshakespeare')];
  for (const dir of candidates)
    if (existsSync(join(dir, 'input.txt'))) return join(dir, 'input.txt');
  throw new Error(`no input.txt in ${candidates.join(' or ')} (pass --data DIR)`);
}

await zoo.ready();
zoo.setSeed(seed);
const file = findData();
const text = readFileSync(file, 'utf8');
const vocab = zoo.CharVocab.fromText(text);
const ids = vocab.encode(text);
const split = Math.floor(ids.length * 0.9);
const trainIds = ids.subarray(0, limit === undefined ? split : Math.min(split, limit));
const valIds = ids.subarray(split);
console.log(
  `${file}: ${ids.length} characters, ${vocab.size} distinct; training on ${trainIds.length}, validating on the last ${valIds.length}`,
);

const model = zoo.charLanguageModel({ vocab, units, layers: depth, embeddingDim, dropout });
const optimizer = zoo.train.adam(lr);
model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
console.log(
  `Embedding(${vocab.size}, ${embeddingDim}) → ${depth} × LSTM(${units}) → Dense(${vocab.size}, softmax): ${model.countParams()} parameters; seq ${seq}, batch ${batchSize}, Adam ${lr} × ${decay}/epoch`,
);

const val = zoo.charSequences(valIds, seq);
/** Validation loss in nats per character. */
function validate() {
  const v = model.evaluate(val.x, val.y, { batchSize: 256 });
  const loss = v.dataSync()[0];
  v.dispose();
  return loss;
}

let rng = seed + 1;
const nextOffset = () => {
  rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
  return rng % seq;
};
const results = [];
const t0 = performance.now();
for (let epoch = 0; epoch < epochs; epoch++) {
  const train = zoo.charSequences(trainIds, seq, { offset: nextOffset() });
  const te = performance.now();
  const h = await model.fit(train.x, train.y, {
    epochs: 1,
    batchSize,
    shuffle: true,
    verbose: process.stderr.isTTY ? 1 : 0,
    // Without a terminal (a log file), a line every 40 batches instead of the progress bar.
    callbacks: process.stderr.isTTY
      ? []
      : [
          {
            onBatchEnd: (batch, logs) => {
              if ((batch + 1) % 40 === 0)
                console.log(
                  `  epoch ${epoch + 1} batch ${batch + 1}: loss ${logs.loss.toFixed(4)}, ${((performance.now() - te) / 1000).toFixed(0)} s`,
                );
            },
          },
        ],
  });
  const epochSec = (performance.now() - te) / 1000;
  zoo.dispose([train.x, train.y]);
  const tv = performance.now();
  const valLoss = validate();
  const valSec = (performance.now() - tv) / 1000;
  const chars = train.x.shape[0] * seq;
  results.push({ epoch: epoch + 1, loss: h.history.loss[0], valLoss, epochSec });
  console.log(
    `epoch ${epoch + 1}/${epochs}: train loss ${h.history.loss[0].toFixed(4)}, validation loss ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits), ${epochSec.toFixed(0)} s (${Math.round(chars / epochSec)} chars/s), validation ${valSec.toFixed(0)} s, lr ${optimizer.learningRate.toPrecision(3)}`,
  );
  console.log(
    `  sample: ${JSON.stringify(model.generate('ROMEO:', { length: 120, temperature, seed }))}`,
  );
  optimizer.learningRate = optimizer.learningRate * decay;
}
const total = (performance.now() - t0) / 1000;
const best = Math.min(...results.map((r) => r.valLoss));
const final = results[results.length - 1];
console.log(
  `\nfinal validation loss ${final.valLoss.toFixed(4)} nats/char (best ${best.toFixed(4)}; target <= 1.55): ${best <= 1.55 ? 'reached' : 'not reached'}; ${total.toFixed(0)} s in all, ${(results.reduce((a, r) => a + r.epochSec, 0) / results.length).toFixed(0)} s per training epoch`,
);
const seedText = 'ROMEO:\n';
console.log(
  `\nsample (seed ${JSON.stringify(seedText)}, temperature ${temperature}, seed ${seed}):`,
);
console.log(
  model.generate(seedText, { length: sampleLength, temperature, seed, includeSeed: true }),
);
if (opts.save !== undefined) {
  const dir = resolve(opts.save);
  await model.save(pathToFileURL(dir).href);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  console.log(`saved the model and vocab.json to ${dir}`);
}
