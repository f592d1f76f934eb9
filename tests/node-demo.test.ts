// The zoo-demo CLI (apps/node-demo), run as a user runs it: `node apps/node-demo/dist/cli.js`
// (built by `npm test`'s turbo build). Small settings keep the whole file to well under a
// minute of CPU: help, bad flags and corrupt data (exit code 2, one line, no stack trace),
// Word2Vec and the LSTM on the shipped subsets, and an MLP saved, evaluated and run.
import type { SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runNode } from './shared/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'apps', 'node-demo', 'dist', 'cli.js');
const mnist = join(root, 'data', 'mnist-subset');
let tmp = '';

function run(...args: string[]): SpawnSyncReturns<string> {
  return runNode(cli, args, root, { ...process.env, ZOO_DEBUG: '' });
}

/** Parses stdout of a --json run. */
function json(r: SpawnSyncReturns<string>): {
  command: string;
  results: Record<string, Record<string, unknown>>;
} {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Exit code 2, a single `zoo-demo: ...` line on stderr matching `pattern`, no stack trace. */
function expectUsageError(r: SpawnSyncReturns<string>, pattern: RegExp): void {
  expectOneLineError(r, 'zoo-demo', pattern);
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npx turbo run build first`);
  tmp = mkdtempSync(join(tmpdir(), 'zoo-demo-test-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('zoo-demo command line', () => {
  it('--help explains the commands and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: zoo-demo \[command\]/);
    for (const c of ['mlp', 'cnn', 'resnet', 'lstm', 'word2vec', 'evaluate', 'predict']) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${c} `));
    }
    expect(r.stdout).toContain('--data DIR');
    const c = run('cnn', '--help');
    expect(c.status).toBe(0);
    expect(c.stdout).toMatch(/^Usage: zoo-demo cnn/);
    expect(c.stdout).toContain('default 12');
    expect(run('predict', '-h').stdout).toContain('--input FILE');
  });

  it('rejects unknown flags, commands and bad values with exit code 2 and one line', () => {
    expectUsageError(run('--frobnicate'), /unknown option --frobnicate/);
    expectUsageError(run('mlp', '--epochs', '0'), /--epochs needs an integer >= 1, got '0'/);
    expectUsageError(run('mlp', '--epochs'), /--epochs needs a value/);
    expectUsageError(run('train'), /unknown command 'train'/);
    expectUsageError(
      run('word2vec', '--batch', '8'),
      /--batch does not apply to zoo-demo word2vec/,
    );
    expectUsageError(run('cnn', '--dataset', 'cifar'), /--dataset must be mnist or fashion-mnist/);
    expectUsageError(run('evaluate'), /needs --model DIR/);
  });

  it('rejects missing and corrupt data files with exit code 2 and one line', () => {
    expectUsageError(run('mlp', '--data', join(tmp, 'nowhere')), /no mnist files/);
    // A datasets directory whose MNIST training images are a truncated gzip.
    const dir = join(tmp, 'corrupt');
    mkdirSync(join(dir, 'mnist'), { recursive: true });
    for (const f of ['train-labels', 't10k-images', 't10k-labels']) {
      const name = `${f}-idx${f.endsWith('images') ? 3 : 1}-ubyte.gz`;
      copyFileSync(join(mnist, name), join(dir, 'mnist', name));
    }
    const gz = readFileSync(join(mnist, 'train-images-idx3-ubyte.gz'));
    writeFileSync(join(dir, 'mnist', 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
    expectUsageError(run('mlp', '--data', dir, '--epochs', '1'), /corrupt or truncated gzip/);
    // A truncated Word2Vec corpus, an empty Shakespeare.
    mkdirSync(join(dir, 'text-corpus'));
    const corpus = readFileSync(
      join(root, 'data', 'text-corpus-subset', 'enwiki-text8style-400k.txt.gz'),
    );
    writeFileSync(
      join(dir, 'text-corpus', 'enwiki-wikitasks-text8style.txt.gz'),
      corpus.subarray(0, 5000),
    );
    expectUsageError(run('word2vec', '--data', dir, '--epochs', '1'), /cannot read the corpus/);
    mkdirSync(join(dir, 'tinyshakespeare'));
    writeFileSync(join(dir, 'tinyshakespeare', 'input.txt'), '');
    expectUsageError(run('lstm', '--data', dir), /Tiny Shakespeare .* is empty/);
    // Not a saved model.
    expectUsageError(run('evaluate', '--model', dir), /no saved model in/);
    const notJson = join(tmp, 'bad-model');
    mkdirSync(notJson);
    writeFileSync(join(notJson, 'model.json'), '{"modelTopology": ');
    expectUsageError(run('evaluate', '--model', notJson), /not valid JSON/);
  });
});

describe('zoo-demo on the shipped data', () => {
  it('word2vec --epochs 1 --json: neighbours, analogies and analogy accuracy', () => {
    const out = json(run('word2vec', '--epochs', '1', '--json'));
    expect(out.command).toBe('word2vec');
    const w = out.results.word2vec;
    expect(w.tokens).toBe(400_000);
    expect(w.epochs).toBe(1);
    expect(w.vocabulary as number).toBeGreaterThan(5000);
    expect(w.analogyQuestions).toBe(500);
    expect(w.analogyAccuracy as number).toBeGreaterThanOrEqual(0);
    expect(w.analogyAccuracy as number).toBeLessThanOrEqual(1);
    const neighbours = w.neighbours as Record<string, [string, number][]>;
    expect(neighbours.war).toHaveLength(5);
    for (const [word, sim] of neighbours.war) {
      expect(word).toMatch(/^[a-z]+$/);
      expect(sim).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect((w.analogies as { query: string }[]).map((a) => a.query)).toContain(
      'king - man + woman',
    );
  });

  it('lstm: trains, saves, evaluates to the same loss, and generates text', () => {
    const dir = join(tmp, 'lstm');
    const out = json(
      run('lstm', '--epochs', '1', '--limit', '4000', '--batch', '16', '--save', dir, '--json'),
    );
    const l = out.results.lstm;
    expect(l.trainCharacters).toBe(4000);
    const loss = l.validationLoss as number;
    expect(Number.isFinite(loss)).toBe(true);
    // Below the loss of a uniform guess over the characters (ln 62 = 4.13).
    expect(loss).toBeLessThan(Math.log(62));
    expect(l.sample as string).toMatch(/^ROMEO:\n/);
    const airline = l.airline as Record<string, number>;
    expect(airline.rmse).toBeGreaterThan(0);
    expect(airline.seasonalNaiveRmse).toBeCloseTo(49.99, 1);

    const ev = json(run('evaluate', '--model', dir, '--json')).results.lstm;
    expect(ev.validationLoss as number).toBeCloseTo(loss, 4);
    const gen = json(run('predict', '--model', dir, '--text', 'ROMEO:', '--length', '25', '--json'))
      .results.lstm;
    expect((gen.generated as string).length).toBe(25);
    // Same seed, same text.
    const again = run('predict', '--model', dir, '--text', 'ROMEO:', '--length', '25');
    expect(again.stdout).toContain(`ROMEO:${gen.generated}`);
    expectUsageError(
      run('predict', '--model', dir, '--text', 'ROMEO€'),
      /not in the model's vocabulary/,
    );
  });

  it('mlp --save, then evaluate and predict on an IDX file and on PGM digits', () => {
    const dir = join(tmp, 'mlp');
    const out = json(run('mlp', '--epochs', '2', '--save', dir, '--json'));
    const m = out.results.mlp;
    expect(m.testImages).toBe(1000);
    const acc = m.testAccuracy as number;
    expect(acc).toBeGreaterThan(0.8);
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'zoo-demo.json'), 'utf8')).family).toBe('mlp');

    const ev = json(run('evaluate', '--model', dir, '--json')).results.mlp;
    expect(ev.testAccuracy as number).toBeCloseTo(acc, 6);

    const idx = join(mnist, 't10k-images-idx3-ubyte.gz');
    const p = json(run('predict', '--model', dir, '--input', idx, '--limit', '3', '--json'));
    const preds = p.results.mlp.predictions as {
      predicted: string;
      top: { probability: number }[];
    }[];
    expect(preds).toHaveLength(3);
    for (const q of preds) {
      const sum = q.top.reduce((s, t) => s + t.probability, 0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-5);
    }

    // The first test image (a 7) as a binary PGM, and inverted (dark on light) as a text PGM.
    const pixels = gunzipSync(readFileSync(idx)).subarray(16, 16 + 784);
    const p5 = join(tmp, 'seven.pgm');
    writeFileSync(p5, Buffer.concat([Buffer.from('P5\n# a seven\n28 28\n255\n'), pixels]));
    const p2 = join(tmp, 'seven-inverted.pgm');
    writeFileSync(p2, `P2\n28 28\n255\n${Array.from(pixels, (v) => 255 - v).join(' ')}\n`);
    const a = json(run('predict', '--model', dir, '--input', p5, '--json')).results.mlp;
    const b = json(run('predict', '--model', dir, '--input', p2, '--json')).results.mlp;
    const first = (r: Record<string, unknown>) =>
      (r.predictions as { predicted: string }[])[0].predicted;
    expect(first(a)).toBe(preds[0].predicted);
    expect(first(b)).toBe(preds[0].predicted);
    expect(preds[0].predicted).toBe('7');

    const big = join(tmp, 'big.pgm');
    writeFileSync(big, Buffer.concat([Buffer.from('P5 32 32 255\n'), Buffer.alloc(1024)]));
    expectUsageError(
      run('predict', '--model', dir, '--input', big),
      /expected a 28x28 image, got 32x32/,
    );
    expectUsageError(run('predict', '--model', dir, '--text', 'seven'), /takes --input FILE/);
  });

  it('mlp --dataset fashion-mnist trains on the shipped Fashion-MNIST subset', () => {
    const dir = join(tmp, 'fashion');
    const m = json(
      run('mlp', '--dataset', 'fashion-mnist', '--epochs', '3', '--save', dir, '--json'),
    ).results.mlp;
    expect(m.testImages).toBe(500);
    expect(m.testAccuracy as number).toBeGreaterThan(0.65);
    const idx = join(root, 'data', 'fashion-mnist-subset', 't10k-images-idx3-ubyte.gz');
    const p = json(run('predict', '--model', dir, '--input', idx, '--limit', '20', '--json'));
    const names = (p.results.mlp.predictions as { predicted: string }[]).map((q) => q.predicted);
    expect(names).toHaveLength(20);
    // Class names, not digits; the first test image is an ankle boot.
    expect(names[0]).toBe('Ankle boot');
  });
});
