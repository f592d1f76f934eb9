#!/usr/bin/env node
// zoo-demo: the README's main job. With no command it trains each of Zoo's five model
// families briefly on real data shipped in the repository (MNIST digits, Tiny Shakespeare, a
// Wikipedia subset, the airline passengers series) and prints figures measured on held-out
// data; commands train one family in full, evaluate a saved model, or run one.
import { parseArgs } from 'node:util';
import * as zoo from '@zoo/core';
import { autograd } from './autograd.js';
import { type ImageDataset, log, type Outcome, type RunOptions, secs } from './context.js';
import { DataError, oneLine, UsageError } from './errors.js';
import { evaluateImages, predictImages, trainImages } from './images.js';
import { evaluateLstm, predictLstm, trainLstm } from './lstm.js';
import { type Family, loadLayersModel, readManifest } from './saved.js';
import { evaluateWord2Vec, predictWord2Vec, trainWord2Vec } from './word2vec.js';

const COMMANDS = [
  'mlp',
  'cnn',
  'resnet',
  'lstm',
  'word2vec',
  'evaluate',
  'predict',
  'autograd',
] as const;
type Command = (typeof COMMANDS)[number] | 'tour';

const OPTIONS = {
  data: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  limit: { type: 'string' },
  save: { type: 'string' },
  dataset: { type: 'string' },
  seed: { type: 'string' },
  model: { type: 'string' },
  input: { type: 'string' },
  text: { type: 'string' },
  length: { type: 'string' },
  temperature: { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = keyof typeof OPTIONS;

const COMMON: OptionName[] = ['json', 'help', 'seed'];
const TRAIN: OptionName[] = [...COMMON, 'data', 'epochs', 'batch', 'limit', 'save'];
const ALLOWED: Record<Command, OptionName[]> = {
  tour: [...COMMON, 'data', 'epochs', 'limit'],
  mlp: [...TRAIN, 'dataset'],
  cnn: [...TRAIN, 'dataset'],
  resnet: [...TRAIN, 'dataset'],
  lstm: TRAIN,
  word2vec: [...COMMON, 'data', 'epochs', 'limit', 'save'],
  evaluate: [...COMMON, 'model', 'data', 'dataset'],
  predict: [...COMMON, 'model', 'input', 'text', 'length', 'temperature', 'top', 'limit'],
  autograd: [...COMMON, 'epochs'],
};

const USAGE = `Usage: zoo-demo [command] [options]

Trains Zoo's model families on real data and prints figures measured on held-out data.
With no command, the tour: each family trains briefly on the small subsets shipped in
data/ (about 80 s of CPU: one to two minutes on an idle machine): an MLP, a CNN and a
ResNet on 2,000 MNIST digits (scored on 1,000 others), a character LSTM on 225 kB of Tiny
Shakespeare (validation loss on the next 25 kB, generated text) plus an LSTM forecast of
the airline passengers series, and Word2Vec on 400,000 words of Wikipedia (neighbours,
analogies, analogy accuracy).

Commands:
  mlp        train an MLP on MNIST (Keras's mnist_mlp: 512-512, 20 epochs)
  cnn        train a CNN on MNIST (Keras's mnist_cnn, 12 epochs)
  resnet     train a small residual network on MNIST (3 blocks, 10 epochs)
  lstm       train a character LSTM on Tiny Shakespeare (256 units, 10 epochs) and the
             airline passengers forecaster
  word2vec   train skip-gram Word2Vec on the Wikipedia corpus (gensim's settings, 5 epochs)
  evaluate   score a saved model on held-out data (--model DIR)
  predict    run a saved model (--model DIR with --input FILE or --text "...")
  autograd   fit two spirals with raw tensors and autograd (no layers)
The training commands use the shipped subsets unless --data points at the full data.

Options:
  --data DIR        a datasets directory laid out as mnist/, fashion-mnist/,
                    tinyshakespeare/input.txt, text-corpus/, word-embeddings/, timeseries/
                    (e.g. ../shared/datasets); default: the subsets shipped in data/
  --epochs N        epochs (default: per command, see zoo-demo <command> --help)
  --batch N         batch size
  --limit N         train on the first N images, characters or tokens only
  --save DIR        save the trained model to DIR (for evaluate and predict)
  --dataset NAME    mnist (default) or fashion-mnist, for mlp, cnn and resnet
  --seed N          seed of weights, shuffling and sampling (default 1)
  --json            print the results as one JSON object
  -h, --help        this help; zoo-demo <command> --help for one command

Progress (Keras-style bars) goes to stderr, results to stdout. Exit code 0 when done,
2 for a bad command line or a missing or corrupt data or model file, 1 otherwise.

Examples:
  zoo-demo                                   the tour (npm run demo)
  zoo-demo cnn --data ../shared/datasets --epochs 12 --save /tmp/zoo-cnn
  zoo-demo evaluate --model /tmp/zoo-cnn
  zoo-demo predict --model /tmp/zoo-cnn --input digit.pgm
  zoo-demo lstm --epochs 3 --save /tmp/zoo-lstm
  zoo-demo predict --model /tmp/zoo-lstm --text "ROMEO:" --length 300
  zoo-demo word2vec --save /tmp/zoo-w2v
  zoo-demo predict --model /tmp/zoo-w2v --text "king - man + woman"`;

const TRAIN_OPTIONS = `  --data DIR      datasets directory (default: the subsets shipped in data/)
  --epochs N      epochs (default %EPOCHS%)
  --batch N       batch size (default %BATCH%)
  --limit N       train on the first N %UNIT% only
  --save DIR      save the trained model (zoo-demo evaluate/predict --model DIR)
  --seed N        seed (default 1)
  --json          results as JSON`;

function trainHelp(
  cmd: string,
  what: string,
  epochs: number,
  batch: number,
  unit: string,
  extra = '',
): string {
  return `Usage: zoo-demo ${cmd} [options]\n\n${what}\n\nOptions:\n${TRAIN_OPTIONS.replace(
    '%EPOCHS%',
    String(epochs),
  )
    .replace('%BATCH%', String(batch))
    .replace('%UNIT%', unit)}${extra}`;
}

const IMAGE_DATA = `Data: DIR/mnist/ (or DIR/fashion-mnist/ with --dataset fashion-mnist, or DIR itself)
holding the four IDX files (train-images-idx3-ubyte.gz, ...); default data/mnist-subset
(2,000 training and 1,000 test images) or, with --dataset fashion-mnist,
data/fashion-mnist-subset (1,000 and 500). 10% of the training images are held out for the
progress bar's val_ figures; the accuracy printed is on the test images.`;
const DATASET_OPTION = '\n  --dataset NAME  mnist (default) or fashion-mnist';

const COMMAND_HELP: Record<Command, string> = {
  tour: USAGE,
  mlp: trainHelp(
    'mlp',
    `Trains Keras's mnist_mlp (784 → 512 → 512 → 10, relu, dropout 0.2; Adam) and prints
its test accuracy.\n\n${IMAGE_DATA}`,
    20,
    128,
    'training images',
    DATASET_OPTION,
  ),
  cnn: trainHelp(
    'cnn',
    `Trains Keras's mnist_cnn (conv 32 → conv 64 → max-pool → dropout → dense 128 → dropout →
10; Adam) and prints its test accuracy.\n\n${IMAGE_DATA}`,
    12,
    128,
    'training images',
    DATASET_OPTION,
  ),
  resnet: trainHelp(
    'resnet',
    `Trains a small residual network (stride-2 stem, basic residual blocks of 16, 32 and 64
channels with batch norm, global average pooling; Adam) and prints its test accuracy.\n\n${IMAGE_DATA}`,
    10,
    32,
    'training images',
    DATASET_OPTION,
  ),
  lstm: trainHelp(
    'lstm',
    `Trains a character-level language model (Embedding 64 → LSTM 256 → softmax over the
characters; windows of 100 characters; Adam) on Tiny Shakespeare, the last 10% of the text
held out: prints the validation loss in nats per character beside what character
frequencies alone give, and 400 generated characters. Then trains an LSTM forecaster of the
airline passengers series (1949-1958) and prints the RMSE of its one-step forecasts of
1959-1960 beside the seasonal-naive forecast's.

Data: DIR/tinyshakespeare/input.txt and DIR/timeseries/airline-passengers.csv; default
data/tinyshakespeare-subset/input.txt (the first 250 kB) and data/timeseries/.`,
    10,
    32,
    'training characters',
  ),
  word2vec: `Usage: zoo-demo word2vec [options]

Trains skip-gram Word2Vec (100 dimensions, window 5, 5 negative samples, sub-sampling 1e-3,
words seen at least 5 times) and prints nearest neighbours, analogies and the accuracy on
word2vec.c's analogy questions (questions-words.txt: in DIR/word-embeddings/ with --data,
otherwise the 500 of them whose words are frequent in the shipped subset); with --data also
the wordsim353 Spearman correlation.

Data: DIR/text-corpus/enwiki-wikitasks-text8style.txt.gz (10.5M tokens); default
data/text-corpus-subset/enwiki-text8style-400k.txt.gz (its first 400,000 tokens).

Options:
  --data DIR      datasets directory (default: the subset shipped in data/)
  --epochs N      epochs (default 5; the tour: 15, with 64 dimensions, window 8, min count 10)
  --limit N       train on the first N tokens only
  --save DIR      save the model (word2vec.model; zoo-demo predict --model DIR --text WORD)
  --seed N        seed (default 1)
  --json          results as JSON`,
  evaluate: `Usage: zoo-demo evaluate --model DIR [--data DIR] [--json]

Scores a model saved with --save on held-out data of the kind it was trained on (the family
comes from DIR/zoo-demo.json, or is guessed from the files): MLP, CNN and ResNet models
give the test accuracy and loss on the test images; an LSTM the validation loss on the last
10% of Tiny Shakespeare; Word2Vec the analogy accuracy. --data DIR reads the full data
instead of the shipped subsets (--dataset overrides the image data set if the model does
not name one).`,
  predict: `Usage: zoo-demo predict --model DIR (--input FILE | --text "...") [options]

Runs a model saved with --save:
  image models (mlp, cnn, resnet): --input FILE, a 28x28 greyscale PGM (P5 or P2; a light
      background is inverted to MNIST's white on black) or an IDX image file such as
      data/mnist-subset/t10k-images-idx3-ubyte.gz (the first --limit images, default 10);
      prints the predicted class and the top-3 probabilities
  lstm: --text "seed text", prints the seed and --length N generated characters (default 300)
      at --temperature T (default 0.8)
  word2vec: --text "word" for its --top N nearest neighbours (default 10), or an analogy
      --text "king - man + woman"

Options: --model DIR, --input FILE, --text "...", --length N, --temperature T, --top N,
--limit N, --seed N, --json`,
  autograd: `Usage: zoo-demo autograd [--epochs N] [--json]

Fits two interleaved spirals (2,000 generated points) with a 2-64-64-2 network written with
raw tensors, variables and an optimizer (no layers); prints the accuracy on 1,000 other
points. --epochs N runs 30·N steps (default 300 steps).`,
};

interface Parsed {
  command: Command;
  values: Partial<Record<OptionName, string | boolean>>;
}

function parse(argv: string[]): Parsed {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const m = /'([^']+)'/.exec(e.message);
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown option ${m?.[1] ?? ''} (see zoo-demo --help)`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = m?.[1]
        .split(/[\s,]+/)
        .filter((t) => t.startsWith('--'))
        .pop();
      throw new UsageError(`option ${flag ?? ''} needs a value (see zoo-demo --help)`);
    }
    throw new UsageError(`${oneLine(err)} (see zoo-demo --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `one command at a time, got ${positionals.join(' ')} (see zoo-demo --help)`,
    );
  }
  const word = positionals[0];
  if (word !== undefined && !(COMMANDS as readonly string[]).includes(word)) {
    throw new UsageError(
      `unknown command '${word}' (commands: ${COMMANDS.join(', ')}; see zoo-demo --help)`,
    );
  }
  const command = (word ?? 'tour') as Command;
  if (!values.help) {
    for (const k of Object.keys(values) as OptionName[]) {
      if (!ALLOWED[command].includes(k)) {
        throw new UsageError(
          `--${k} does not apply to ${command === 'tour' ? 'the tour (no command)' : `zoo-demo ${command}`} (see zoo-demo ${command === 'tour' ? '' : `${command} `}--help)`,
        );
      }
    }
  }
  return { command, values };
}

function positiveInt(values: Parsed['values'], name: OptionName, min = 1): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} needs an integer >= ${min}, got '${String(v)}'`);
  }
  return n;
}

function runOptions(p: Parsed): RunOptions {
  const v = p.values;
  const dataset = (v.dataset as string | undefined) ?? 'mnist';
  if (dataset !== 'mnist' && dataset !== 'fashion-mnist') {
    throw new UsageError(`--dataset must be mnist or fashion-mnist, got '${dataset}'`);
  }
  for (const k of ['data', 'save', 'model', 'input'] as const) {
    if (v[k] === '') throw new UsageError(`--${k} needs a path`);
  }
  return {
    full: p.command !== 'tour',
    dataDir: v.data as string | undefined,
    epochs: positiveInt(v, 'epochs'),
    batch: positiveInt(v, 'batch'),
    limit: positiveInt(v, 'limit'),
    seed: positiveInt(v, 'seed', 0) ?? 1,
    save: v.save as string | undefined,
    dataset: dataset as ImageDataset,
    json: v.json === true,
  };
}

const TRAINERS: Record<Family, (opts: RunOptions) => Promise<Outcome>> = {
  mlp: (o) => trainImages('mlp', o),
  cnn: (o) => trainImages('cnn', o),
  resnet: (o) => trainImages('resnet', o),
  lstm: trainLstm,
  word2vec: trainWord2Vec,
};

async function evaluate(p: Parsed, opts: RunOptions): Promise<Record<string, Outcome>> {
  const dir = p.values.model as string | undefined;
  if (dir === undefined)
    throw new UsageError('evaluate needs --model DIR (a model saved with --save)');
  const manifest = readManifest(dir);
  const family = manifest.family;
  log(`Evaluating the ${family} model in ${dir} (trained on ${manifest.data})`);
  if (family === 'word2vec') return { word2vec: await evaluateWord2Vec(dir, opts) };
  if (family === 'lstm') return { lstm: await evaluateLstm(dir, manifest, opts) };
  const model = await loadLayersModel(dir);
  try {
    return { [family]: await evaluateImages(model, manifest, opts) };
  } finally {
    model.dispose();
  }
}

function number(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${name} needs a number >= 0, got '${String(v)}'`);
  }
  return n;
}

async function predict(p: Parsed, opts: RunOptions): Promise<Record<string, Outcome>> {
  const v = p.values;
  const dir = v.model as string | undefined;
  if (dir === undefined)
    throw new UsageError('predict needs --model DIR (a model saved with --save)');
  const manifest = readManifest(dir);
  const family = manifest.family;
  if (family === 'word2vec') {
    if (v.input !== undefined) throw new UsageError('a Word2Vec model takes --text, not --input');
    return {
      word2vec: await predictWord2Vec(
        dir,
        v.text as string | undefined,
        positiveInt(v, 'top') ?? 10,
      ),
    };
  }
  if (family === 'lstm') {
    if (v.input !== undefined) throw new UsageError('an LSTM model takes --text, not --input');
    const length = positiveInt(v, 'length', 0) ?? 300;
    const temperature = number(v.temperature, 'temperature', 0.8);
    return {
      lstm: await predictLstm(dir, v.text as string | undefined, length, temperature, opts),
    };
  }
  if (v.text !== undefined)
    throw new UsageError(`an image model (${family}) takes --input FILE, not --text`);
  const model = await loadLayersModel(dir);
  try {
    return { [family]: await predictImages(model, manifest, v.input as string | undefined, opts) };
  } finally {
    model.dispose();
  }
}

function print(outcomes: Record<string, Outcome>): void {
  for (const o of Object.values(outcomes)) process.stdout.write(`${o.text.join('\n')}\n`);
}

async function main(): Promise<number> {
  const p = parse(process.argv.slice(2));
  if (p.values.help) {
    process.stdout.write(`${COMMAND_HELP[p.command]}\n`);
    return 0;
  }
  const opts = runOptions(p);
  await zoo.ready();
  const info = zoo.backendInfo();
  if (p.command === 'tour') {
    log(
      `Zoo kernels: WebAssembly SIMD${info.relaxedSimd ? ' + relaxed SIMD' : ''}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    );
  }
  const start = performance.now();
  const outcomes: Record<string, Outcome> = {};
  const errors: Record<string, string> = {};
  if (p.command === 'tour') {
    for (const family of Object.keys(TRAINERS) as Family[]) {
      try {
        outcomes[family] = await TRAINERS[family](opts);
        if (!opts.json) {
          process.stdout.write(`\n${outcomes[family].text.join('\n')}\n`);
        }
      } catch (err) {
        if (err instanceof UsageError || err instanceof DataError) throw err;
        // Keep touring: one family's failure should not hide the others' results.
        errors[family] = oneLine(err);
        log(`zoo-demo: ${family} failed: ${errors[family]}`);
      }
    }
  } else if (p.command === 'evaluate') {
    Object.assign(outcomes, await evaluate(p, opts));
  } else if (p.command === 'predict') {
    Object.assign(outcomes, await predict(p, opts));
  } else if (p.command === 'autograd') {
    outcomes.autograd = autograd(opts);
  } else {
    outcomes[p.command] = await TRAINERS[p.command](opts);
  }
  const ms = performance.now() - start;
  if (opts.json) {
    const results: Record<string, unknown> = {};
    for (const [k, o] of Object.entries(outcomes)) results[k] = o.json;
    for (const [k, e] of Object.entries(errors)) results[k] = { error: e };
    process.stdout.write(
      `${JSON.stringify({ command: p.command, results, seconds: ms / 1000, backend: info })}\n`,
    );
  } else if (p.command === 'tour') {
    process.stdout.write('\nSummary (all figures on held-out data)\n');
    for (const o of Object.values(outcomes)) process.stdout.write(`  ${o.summary}\n`);
    for (const [k, e] of Object.entries(errors))
      process.stdout.write(`  ${k.padEnd(8)} FAILED: ${e}\n`);
    process.stdout.write(`  total ${secs(ms)}\n`);
  } else {
    process.stdout.write('\n');
    print(outcomes);
  }
  return Object.keys(errors).length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || err instanceof DataError;
    process.stderr.write(`zoo-demo: ${oneLine(err)}\n`);
    if (!usage && process.env.ZOO_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
