// The Word2Vec family: skip-gram embeddings of the Wikipedia corpus (the shipped 400,000-token
// subset, or the full 10.5M-token corpus with --data), their nearest neighbours, analogies, and
// the accuracy on word2vec.c's analogy questions (and, with --data, the wordsim353 correlation).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressLogger } from '@zoo/core';
import { type KeyedVectors, Word2Vec, type Word2VecOptions } from '@zoo/word2vec';
import { int, log, type Outcome, pct, plural, type RunOptions, secs } from './context.js';
import { corpusFiles, dataLabel, readPairs, readQuestions, scanCorpus } from './datasets.js';
import { asDataError, UsageError } from './errors.js';
import { type Manifest, prepareDir, readModelFile, writeManifest } from './saved.js';

/** Words whose neighbours are shown (those in the vocabulary). */
const PROBES = ['war', 'river', 'university', 'music', 'king', 'water'];
/** Analogies shown: a is to b as c is to expected, answered by b - a + c. */
const ANALOGIES: [string, string, string, string][] = [
  ['man', 'king', 'woman', 'queen'],
  ['he', 'his', 'she', 'her'],
  ['china', 'chinese', 'russia', 'russian'],
];
/** Neighbours are searched among this many most frequent words (rare words are noisy). */
const SEARCH_VOCAB = 10000;

/** The tour's settings: small vectors, a wide window and many epochs suit a small corpus. */
const BRIEF: Word2VecOptions = {
  vectorSize: 64,
  window: 8,
  minCount: 10,
  sg: 1,
  negative: 5,
  sample: 1e-3,
  epochs: 15,
  workers: 1,
};

/** gensim's defaults (skip-gram). */
const FULL: Word2VecOptions = { ...BRIEF, vectorSize: 100, window: 5, minCount: 5, epochs: 5 };

/** A Keras-style progress bar for Word2Vec training (steps of 1,000 words). */
function progressBar(
  tokens: number,
  epochs: number,
): (p: import('@zoo/word2vec').Word2VecProgress) => void {
  const bar = new ProgressLogger({ verbose: 1, stream: process.stderr, averageBatchLogs: false });
  const steps = Math.max(1, Math.ceil(tokens / 1000));
  bar.setParams({
    epochs,
    initialEpoch: 0,
    steps,
    samples: tokens,
    batchSize: 1000,
    verbose: 1,
    metrics: ['loss'],
    doValidation: false,
  });
  let epoch = 0;
  bar.onTrainBegin();
  return (p) => {
    while (epoch < p.epoch) {
      bar.onEpochBegin(epoch);
      epoch++;
    }
    const inEpoch = p.wordsDone - (p.epoch - 1) * tokens;
    const step = Math.min(steps, Math.max(1, Math.round(inEpoch / 1000)));
    const logs = { loss: p.loss / Math.max(1, inEpoch) };
    if (p.epochEnd) {
      bar.onBatchEnd(steps - 1, logs);
      bar.onEpochEnd(p.epoch - 1, logs);
      if (p.epoch === p.epochs) bar.onTrainEnd();
    } else {
      bar.onBatchEnd(step - 1, logs);
    }
  };
}

type Neighbours = Record<string, [string, number][]>;

/** Nearest neighbours of the probe words that are in the vocabulary. */
function neighbours(wv: KeyedVectors, topn = 5): Neighbours {
  const out: Neighbours = {};
  for (const w of PROBES) {
    if (!wv.has(w)) continue;
    out[w] = wv.mostSimilar({ positive: [w], topn, restrictVocab: SEARCH_VOCAB });
  }
  return out;
}

interface Analogy {
  query: string;
  expected: string;
  answers: [string, number][];
  correct: boolean;
}

function analogies(wv: KeyedVectors): Analogy[] {
  const out: Analogy[] = [];
  for (const [a, b, c, expected] of ANALOGIES) {
    if (![a, b, c, expected].every((w) => wv.has(w))) continue;
    const answers = wv.mostSimilar({
      positive: [b, c],
      negative: [a],
      topn: 3,
      restrictVocab: SEARCH_VOCAB,
    });
    out.push({
      query: `${b} - ${a} + ${c}`,
      expected,
      answers,
      correct: answers[0]?.[0] === expected,
    });
  }
  return out;
}

interface Scores {
  analogyAccuracy: number | null;
  analogyQuestions: number;
  analogyFile: string;
  wordsim353Spearman?: number;
}

/** Accuracy on the analogy file (and the wordsim353 Spearman correlation when present). */
function scores(wv: KeyedVectors, files: { questions: string; pairs: string | undefined }): Scores {
  const questions = readQuestions(files.questions);
  const out: Scores = { analogyAccuracy: null, analogyQuestions: 0, analogyFile: files.questions };
  try {
    const r = wv.evaluateWordAnalogies(questions, { restrictVocab: 30000 });
    const total = r.sections[r.sections.length - 1];
    out.analogyAccuracy = r.accuracy;
    out.analogyQuestions = total.correct.length + total.incorrect.length;
  } catch {
    // every question has a word outside the vocabulary (e.g. a tiny --limit)
  }
  if (files.pairs !== undefined) {
    try {
      out.wordsim353Spearman = wv.evaluateWordPairs(readPairs(files.pairs)).spearman;
    } catch {
      // no pair in the vocabulary
    }
  }
  return out;
}

function describeScores(s: Scores): string {
  const parts: string[] = [];
  if (s.analogyAccuracy === null)
    parts.push('no analogy question has all its words in the vocabulary');
  else
    parts.push(
      `analogy accuracy ${pct(s.analogyAccuracy)} on ${int(s.analogyQuestions)} questions-words questions`,
    );
  if (s.wordsim353Spearman !== undefined)
    parts.push(`wordsim353 Spearman ${s.wordsim353Spearman.toFixed(3)}`);
  return parts.join(', ');
}

function describe(wv: KeyedVectors, n: Neighbours, a: Analogy[]): string[] {
  const lines: string[] = [];
  for (const [w, list] of Object.entries(n)) {
    lines.push(
      `         ${w.padEnd(11)} → ${list.map(([x, s]) => `${x} ${s.toFixed(2)}`).join(', ')}`,
    );
  }
  for (const q of a) {
    lines.push(
      `         ${q.query} → ${q.answers.map(([x]) => x).join(', ')}  (expected ${q.expected}: ${q.correct ? 'right' : 'wrong'})`,
    );
  }
  if (lines.length === 0)
    lines.push(`         (none of the probe words is among the ${int(wv.size)} words)`);
  return lines;
}

/** Trains Word2Vec on the corpus and reports neighbours, analogies and scores. */
export async function trainWord2Vec(opts: RunOptions): Promise<Outcome> {
  const files = corpusFiles(opts);
  const scan = await scanCorpus(files.corpus, opts.limit);
  const settings = { ...(opts.full ? FULL : BRIEF), seed: opts.seed };
  if (opts.epochs !== undefined) settings.epochs = opts.epochs;
  if (opts.batch !== undefined) {
    throw new UsageError('word2vec has no --batch (it trains word by word)');
  }
  const epochs = settings.epochs as number;
  log(
    `\nWord2Vec: skip-gram, ${settings.vectorSize} dimensions, window ${settings.window}, ${settings.negative} negative samples, ${plural(epochs, 'epoch')}; Wikipedia text (${dataLabel(opts)}): ${int(scan.tokens)} tokens, words seen at least ${settings.minCount} times`,
  );
  const start = performance.now();
  const w2v = await asDataError(`cannot train on ${files.corpus}`, () =>
    Word2Vec.train(scan.sentences ?? { path: files.corpus }, {
      ...settings,
      onProgress: progressBar(scan.tokens, epochs),
    }),
  );
  const ms = performance.now() - start;
  const wv = w2v.wv;
  const n = neighbours(wv);
  const a = analogies(wv);
  const s = scores(wv, files);
  const json: Record<string, unknown> = {
    model: `skip-gram, ${settings.vectorSize} dimensions, window ${settings.window}, negative ${settings.negative}`,
    data: dataLabel(opts),
    tokens: scan.tokens,
    vocabulary: wv.size,
    epochs,
    neighbours: n,
    analogies: a,
    ...s,
    seconds: ms / 1000,
  };
  if (opts.save !== undefined) {
    const dir = prepareDir(opts.save);
    writeFileSync(join(dir, 'word2vec.model'), w2v.save());
    const manifest: Manifest = {
      format: 'zoo-demo',
      version: 1,
      family: 'word2vec',
      data: dataLabel(opts),
      epochs,
      metrics: { analogyAccuracy: s.analogyAccuracy },
      created: new Date().toISOString(),
    };
    writeManifest(dir, manifest);
    json.saved = dir;
  }
  const text = [
    `Word2Vec ${int(wv.size)} words from ${int(scan.tokens)} tokens, ${plural(epochs, 'epoch')} in ${secs(ms)}; ${describeScores(s)}; nearest neighbours (cosine) and analogies:`,
    ...describe(wv, n, a),
  ];
  if (json.saved !== undefined) text.push(`         saved to ${json.saved}`);
  const first = Object.entries(n)[0];
  return {
    json,
    text,
    summary: `Word2Vec ${s.analogyAccuracy === null ? 'n/a' : pct(s.analogyAccuracy)} analogy accuracy (${int(s.analogyQuestions)} questions)${
      first
        ? `; ${first[0]} → ${first[1]
            .slice(0, 3)
            .map(([x]) => x)
            .join(', ')}`
        : ''
    }${a[0] ? `; ${a[0].query} → ${a[0].answers[0]?.[0]}` : ''}`,
  };
}

async function loadWord2Vec(dir: string): Promise<Word2Vec> {
  const bytes = readModelFile(dir, 'word2vec.model');
  return asDataError(`cannot load ${join(dir, 'word2vec.model')}`, () => Word2Vec.load(bytes));
}

/** Scores a saved Word2Vec model on the analogy questions (and wordsim353 with --data). */
export async function evaluateWord2Vec(dir: string, opts: RunOptions): Promise<Outcome> {
  const w2v = await loadWord2Vec(dir);
  const files = corpusFiles(opts);
  const s = scores(w2v.wv, files);
  const n = neighbours(w2v.wv);
  return {
    json: { family: 'word2vec', vocabulary: w2v.wv.size, ...s, neighbours: n },
    text: [
      `word2vec: ${int(w2v.wv.size)} words; ${describeScores(s)} (${files.questions})`,
      ...describe(w2v.wv, n, []),
    ],
    summary: '',
  };
}

/**
 * Neighbours of a word, or an analogy, from a saved model: `--text "king"` or
 * `--text "king - man + woman"`.
 */
export async function predictWord2Vec(
  dir: string,
  query: string | undefined,
  top: number,
): Promise<Outcome> {
  if (query === undefined || query.trim().length === 0) {
    throw new UsageError(
      'predict with a Word2Vec model needs --text "word" or --text "king - man + woman"',
    );
  }
  const w2v = await loadWord2Vec(dir);
  const positive: string[] = [];
  const negative: string[] = [];
  let sign = 1;
  for (const tok of query
    .trim()
    .toLowerCase()
    .split(/\s+|(?=[+-])|(?<=[+-])/)) {
    if (tok === '+' || tok === '') sign = tok === '+' ? 1 : sign;
    else if (tok === '-') sign = -1;
    else {
      if (!w2v.wv.has(tok)) {
        throw new UsageError(
          `--text: '${tok}' is not in the model's vocabulary of ${int(w2v.wv.size)} words`,
        );
      }
      (sign > 0 ? positive : negative).push(tok);
      sign = 1;
    }
  }
  if (positive.length === 0) throw new UsageError(`--text: no positive word in '${query}'`);
  const result = w2v.wv.mostSimilar({ positive, negative, topn: top });
  return {
    json: { family: 'word2vec', query, positive, negative, neighbours: result },
    text: result.map(([w, s]) => `${w.padEnd(16)} ${s.toFixed(3)}`),
    summary: '',
  };
}
