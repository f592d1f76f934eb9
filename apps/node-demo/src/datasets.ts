// Where the data lives and how it is read: the subsets shipped in the repository's data/
// directory by default, or a datasets directory given with --data (laid out as
// ../shared/datasets: mnist/, fashion-mnist/, tinyshakespeare/, text-corpus/,
// word-embeddings/, timeseries/). Every failure here is a DataError (exit code 2).
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import * as zoo from '@zoo/core';
import type { ImageDataset, RunOptions } from './context.js';
import { asDataError, DataError } from './errors.js';

/** The repository's data/ directory (next to apps/), where the shipped subsets are. */
export const SHIPPED = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data');

/** Shipped files, relative to {@link SHIPPED}. */
export const SHIPPED_FILES = {
  mnist: 'mnist-subset',
  'fashion-mnist': 'fashion-mnist-subset',
  shakespeare: 'tinyshakespeare-subset/input.txt',
  corpus: 'text-corpus-subset/enwiki-text8style-400k.txt.gz',
  questions: 'text-corpus-subset/questions-words-subset.txt',
  airline: 'timeseries/airline-passengers.csv',
} as const;

/** Files of a full datasets directory (--data DIR), relative to DIR. */
export const FULL_FILES = {
  shakespeare: 'tinyshakespeare/input.txt',
  corpus: 'text-corpus/enwiki-wikitasks-text8style.txt.gz',
  questions: 'word-embeddings/questions-words.txt',
  pairs: 'word-embeddings/wordsim353.tsv',
  airline: 'timeseries/airline-passengers.csv',
} as const;

/** A short description of where data came from, for the results. */
export function dataLabel(opts: RunOptions): string {
  return opts.dataDir === undefined ? 'shipped subset' : resolve(opts.dataDir);
}

function firstExisting(candidates: string[], what: string): string {
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  throw new DataError(`${what} not found (looked for ${candidates.join(', ')})`);
}

/** The directory holding the four IDX files of `dataset`. */
export function imageDir(opts: RunOptions, dataset: ImageDataset = opts.dataset): string {
  if (opts.dataDir === undefined) return join(SHIPPED, SHIPPED_FILES[dataset]);
  const base = resolve(opts.dataDir);
  for (const dir of [join(base, dataset), base]) {
    for (const name of ['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte']) {
      if (existsSync(join(dir, name))) return dir;
    }
  }
  throw new DataError(
    `no ${dataset} files (train-images-idx3-ubyte.gz, ...) in ${join(base, dataset)} or ${base}`,
  );
}

/** Reads an image data set (MNIST layout), the training part cut to --limit examples. */
export async function loadImages(
  opts: RunOptions,
  flatten: boolean,
  dataset: ImageDataset = opts.dataset,
): Promise<zoo.data.MnistData & { dir: string }> {
  const dir = imageDir(opts, dataset);
  const data = await asDataError(`cannot read ${dataset} from ${dir}`, () =>
    zoo.data.loadMnist(dir, { flatten, trainLimit: opts.limit }),
  );
  return { ...data, dir };
}

/** Path of a text/CSV file: the shipped one, or `full` under --data DIR (or DIR/`base`). */
function dataFile(opts: RunOptions, shipped: string, full: string, what: string): string {
  if (opts.dataDir === undefined) return firstExisting([join(SHIPPED, shipped)], what);
  const base = resolve(opts.dataDir);
  const name = full.slice(full.lastIndexOf('/') + 1);
  return firstExisting([join(base, full), join(base, name)], what);
}

/** Reads a text file that must be non-empty UTF-8 (a DataError otherwise). */
function readText(path: string, what: string): string {
  const bytes = (() => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new DataError(`cannot read ${what} ${path}: ${(err as Error).message}`);
    }
  })();
  if (bytes.length === 0) throw new DataError(`${what} ${path} is empty`);
  if (bytes.includes(0)) throw new DataError(`${what} ${path} is not text (it has NUL bytes)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`${what} ${path} is not valid UTF-8 text`);
  }
  return text;
}

/** Tiny Shakespeare (or its shipped first 250 kB). */
export function loadShakespeare(opts: RunOptions): { path: string; text: string } {
  const path = dataFile(
    opts,
    SHIPPED_FILES.shakespeare,
    FULL_FILES.shakespeare,
    'Tiny Shakespeare',
  );
  const text = readText(path, 'Tiny Shakespeare');
  if (text.length < 5000) {
    throw new DataError(`Tiny Shakespeare ${path} has only ${text.length} characters (need 5,000)`);
  }
  return { path, text };
}

/** The airline passengers series: 144 monthly totals, 1949-1960. */
export function loadAirline(opts: RunOptions): {
  path: string;
  months: string[];
  series: number[];
} {
  const path = dataFile(opts, SHIPPED_FILES.airline, FULL_FILES.airline, 'airline passengers CSV');
  const rows = readText(path, 'airline passengers CSV').trim().split(/\r?\n/);
  const months: string[] = [];
  const series: number[] = [];
  rows.slice(1).forEach((row, i) => {
    const [m, v] = row.split(',');
    const value = Number(v);
    if (m === undefined || !(Number.isFinite(value) && value > 0)) {
      throw new DataError(`airline passengers CSV ${path}: bad row ${i + 2}: ${row.slice(0, 40)}`);
    }
    months.push(m.replace(/"/g, ''));
    series.push(value);
  });
  if (series.length < 48) {
    throw new DataError(`airline passengers CSV ${path} has ${series.length} months (need 48)`);
  }
  return { path, months, series };
}

/** The Word2Vec corpus file and the analogy questions to score it with. */
export function corpusFiles(opts: RunOptions): {
  corpus: string;
  questions: string;
  pairs: string | undefined;
} {
  const corpus = dataFile(opts, SHIPPED_FILES.corpus, FULL_FILES.corpus, 'Wikipedia corpus');
  let questions = join(SHIPPED, SHIPPED_FILES.questions);
  let pairs: string | undefined;
  if (opts.dataDir !== undefined) {
    const base = resolve(opts.dataDir);
    if (existsSync(join(base, FULL_FILES.questions))) questions = join(base, FULL_FILES.questions);
    if (existsSync(join(base, FULL_FILES.pairs))) pairs = join(base, FULL_FILES.pairs);
  }
  return { corpus, questions, pairs };
}

/** Reads an analogy file (questions-words format). */
export function readQuestions(path: string): string {
  const text = readText(path, 'analogy questions');
  if (!/^:/m.test(text)) throw new DataError(`analogy questions ${path} has no ': section' line`);
  return text;
}

/** Reads a word-pairs file (wordsim353 format). */
export function readPairs(path: string): string {
  return readText(path, 'word pairs');
}

/**
 * Streams a whitespace-tokenized corpus file (gunzipped when it ends in .gz) and counts its
 * tokens, which checks that it is readable and not corrupt; with `keep` it also returns the
 * first `keep` tokens as sentences of 1,000 tokens (for --limit) and stops there.
 */
export async function scanCorpus(
  path: string,
  keep?: number,
): Promise<{ tokens: number; sentences: string[][] | undefined }> {
  return asDataError(`cannot read the corpus ${path}`, async () => {
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    const stream: AsyncIterable<Buffer> = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
    const decoder = new TextDecoder('utf-8');
    let tokens = 0;
    let inToken = false;
    let binary = false;
    const sentences: string[][] | undefined = keep === undefined ? undefined : [];
    let carry = '';
    let current: string[] = [];
    try {
      for await (const chunk of stream) {
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i];
          const ws = c === 32 || c === 10 || c === 9 || c === 13;
          if (c === 0) binary = true;
          if (!ws && !inToken) tokens++;
          inToken = !ws;
        }
        if (binary) throw new Error('the file is not text (it has NUL bytes)');
        if (sentences !== undefined && keep !== undefined) {
          const parts = (carry + decoder.decode(chunk, { stream: true })).split(/\s+/);
          carry = parts.pop() ?? '';
          for (const t of parts) {
            if (t.length === 0) continue;
            current.push(t);
            if (current.length === 1000) {
              sentences.push(current);
              current = [];
            }
            if (sentences.length * 1000 + current.length >= keep) break;
          }
          if (sentences.length * 1000 + current.length >= keep) break;
        }
      }
    } finally {
      file.destroy();
    }
    if (sentences !== undefined) {
      if (carry.length > 0 && sentences.length * 1000 + current.length < (keep ?? 0)) {
        current.push(carry);
      }
      if (current.length > 0) sentences.push(current);
      tokens = sentences.reduce((s, x) => s + x.length, 0);
    }
    if (tokens === 0) throw new Error('the corpus has no tokens');
    return { tokens, sentences };
  });
}
