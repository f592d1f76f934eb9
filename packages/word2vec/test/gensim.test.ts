/**
 * gensim interop. The fixture checks always run: gensim-written files (test/fixtures, made by
 * make_fixtures.py with Debian's python3-gensim 4.2) load in Zoo, Zoo writes the same bytes, and
 * Zoo's similarity searches and evaluations give gensim's numbers. When `/usr/bin/python3 -c
 * "import gensim"` works, the live checks also load Zoo's files in gensim and gensim's fresh
 * files in Zoo.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyedVectors, type MostSimilarTerm } from '../src/keyed-vectors.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIX, name));

interface Results {
  words: string[];
  vectorSize: number;
  bits: number[];
  similarity: [string, string, number][];
  distance: [string, string, number][];
  mostSimilar: {
    positive?: string[];
    negative?: string[];
    positiveVector?: number[];
    weighted?: [string, number][];
    topn: number;
    restrictVocab?: number;
    result: [string, number][];
  }[];
  mostSimilarCosmul: {
    positive: string[];
    negative: string[];
    topn: number;
    result: [string, number][];
  }[];
  doesntMatch: [string[], string][];
  analogies: {
    options: { restrict_vocab?: number; case_insensitive?: boolean; dummy4unknown?: boolean };
    accuracy: number;
    sections: { section: string; correct: string[][]; incorrect: string[][] }[];
  }[];
  wordPairs: {
    options: { restrict_vocab?: number; case_insensitive?: boolean; dummy4unknown?: boolean };
    pearson: number;
    spearman: number;
    oovRatio: number;
  }[];
}

const R = JSON.parse(fixture('gensim-results.json').toString('utf8')) as Results;
const VECTORS = new Float32Array(Uint32Array.from(R.bits).buffer);
const kv = new KeyedVectors(R.words.slice(), VECTORS.slice(), R.vectorSize);

/** gensim computes in float32; Zoo in float64 from the same float32 vectors. */
const TOL = 1e-6;

function expectSame(got: [string, number][], want: [string, number][]): void {
  expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
  got.forEach((p, i) => {
    expect(Math.abs(p[1] - want[i][1])).toBeLessThan(TOL);
  });
}

function insertNewlines(gensimBinary: Uint8Array, n: number, dim: number): Uint8Array {
  // word2vec.c writes '\n' after each vector; gensim does not.
  const out: number[] = [];
  let pos = gensimBinary.indexOf(0x0a) + 1;
  out.push(...gensimBinary.subarray(0, pos));
  for (let i = 0; i < n; i++) {
    const sp = gensimBinary.indexOf(0x20, pos);
    const end = sp + 1 + 4 * dim;
    out.push(...gensimBinary.subarray(pos, end), 0x0a);
    pos = end;
  }
  return Uint8Array.from(out);
}

describe('gensim fixtures (no python needed)', () => {
  it('loads gensim-written text and binary files exactly', () => {
    for (const [name, binary] of [
      ['gensim-vectors.txt', false],
      ['gensim-vectors.bin', true],
    ] as const) {
      const loaded = KeyedVectors.loadWord2VecFormat(fixture(name), { binary });
      expect(loaded.vocab).toEqual(R.words);
      expect(loaded.vectorSize).toBe(R.vectorSize);
      expect(loaded.vectors).toEqual(VECTORS);
    }
  });

  it("writes gensim's bytes (flavor 'gensim'), and word2vec.c's binary by default", () => {
    expect(Buffer.from(kv.saveWord2VecFormat())).toEqual(fixture('gensim-vectors.txt'));
    expect(Buffer.from(kv.saveWord2VecFormat({ binary: true, flavor: 'gensim' }))).toEqual(
      fixture('gensim-vectors.bin'),
    );
    const c = kv.saveWord2VecFormat({ binary: true });
    expect(c).toEqual(insertNewlines(fixture('gensim-vectors.bin'), R.words.length, R.vectorSize));
  });

  it('similarity and distance equal gensim', () => {
    for (const [a, b, s] of R.similarity)
      expect(Math.abs(kv.similarity(a, b) - s)).toBeLessThan(TOL);
    for (const [a, b, s] of R.distance) expect(Math.abs(kv.distance(a, b) - s)).toBeLessThan(TOL);
  });

  it('mostSimilar equals gensim (words, negatives, restrictVocab, raw vectors, weights)', () => {
    for (const q of R.mostSimilar) {
      let positive: MostSimilarTerm[] = q.positive ?? [];
      if (q.positiveVector) positive = [q.positiveVector];
      if (q.weighted) positive = q.weighted;
      const got = kv.mostSimilar({
        positive,
        negative: q.negative ?? [],
        topn: q.topn,
        restrictVocab: q.restrictVocab,
      });
      expectSame(got, q.result);
    }
  });

  it('mostSimilarCosmul equals gensim', () => {
    for (const q of R.mostSimilarCosmul) {
      expectSame(
        kv.mostSimilarCosmul({ positive: q.positive, negative: q.negative, topn: q.topn }),
        q.result,
      );
    }
  });

  it('doesntMatch equals gensim', () => {
    for (const [words, odd] of R.doesntMatch) expect(kv.doesntMatch(words)).toBe(odd);
  });

  it('evaluateWordAnalogies equals gensim section by section', () => {
    const text = fixture('analogies.txt').toString('utf8');
    for (const a of R.analogies) {
      const r = kv.evaluateWordAnalogies(text, {
        restrictVocab: a.options.restrict_vocab,
        caseInsensitive: a.options.case_insensitive,
        dummy4unknown: a.options.dummy4unknown,
      });
      expect(r.accuracy).toBeCloseTo(a.accuracy, 12);
      expect(
        r.sections.map(({ section, correct, incorrect }) => ({ section, correct, incorrect })),
      ).toEqual(a.sections);
    }
  });

  it('evaluateWordPairs equals gensim (scipy pearsonr / spearmanr)', () => {
    const text = fixture('wordsim.tsv').toString('utf8');
    for (const p of R.wordPairs) {
      const r = kv.evaluateWordPairs(text, {
        restrictVocab: p.options.restrict_vocab,
        caseInsensitive: p.options.case_insensitive,
        dummy4unknown: p.options.dummy4unknown,
      });
      expect(Math.abs(r.pearson - p.pearson)).toBeLessThan(TOL);
      expect(Math.abs(r.spearman - p.spearman)).toBeLessThan(TOL);
      expect(r.oovRatio).toBeCloseTo(p.oovRatio, 10);
    }
  });
});

const PYTHON = '/usr/bin/python3';
const hasGensim = spawnSync(PYTHON, ['-c', 'import gensim'], { stdio: 'ignore' }).status === 0;

function python(script: string, ...args: string[]): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

// In CI (.ci/run installs Debian's python3-gensim) these run; elsewhere they need it installed.
describe.skipIf(!hasGensim && !process.env.CI)('live gensim (python3-gensim installed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zoo-w2v-gensim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // 60 words (some non-ASCII) x 16 dims of pseudo-random values spanning many magnitudes.
  const words = Array.from({ length: 60 }, (_, i) =>
    i % 7 === 3 ? `wörd${i}` : i % 11 === 5 ? `語${i}` : `w${i}`,
  );
  const dim = 16;
  const vecs = new Float32Array(words.length * dim);
  for (let i = 0; i < vecs.length; i++) {
    vecs[i] = Math.sin(i * 1.618) * 10 ** ((i % 9) - 5);
  }
  const zoo = new KeyedVectors(words, vecs, dim);

  const READ = `
import sys, json, numpy as np
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=sys.argv[2] == '1')
print(json.dumps({'words': kv.index_to_key,
                  'bits': [int(b) for b in kv.vectors.view(np.uint32).reshape(-1)],
                  'sim': float(kv.similarity(kv.index_to_key[0], kv.index_to_key[1])),
                  'most': [[w, float(s)] for w, s in kv.most_similar(kv.index_to_key[2], topn=5)]}))
`;

  const cases = [
    ['zoo-c.bin', { binary: true }],
    ['zoo-gensim.bin', { binary: true, flavor: 'gensim' }],
    ['zoo.txt', { binary: false }],
    ['zoo-c.txt', { binary: false, flavor: 'word2vec.c' }],
  ] as const;
  for (const [name, opts] of cases) {
    it(`gensim loads Zoo's ${name}`, () => {
      const path = join(dir, name);
      writeFileSync(path, zoo.saveWord2VecFormat(opts));
      const g = JSON.parse(python(READ, path, opts.binary ? '1' : '0'));
      expect(g.words).toEqual(words);
      const back = new Float32Array(Uint32Array.from(g.bits).buffer);
      if (name === 'zoo-c.txt') {
        // "%lf" keeps 6 decimals: gensim reads what Zoo reads back.
        expect(back).toEqual(KeyedVectors.loadWord2VecFormat(readFileSync(path)).vectors);
      } else {
        expect(back).toEqual(vecs);
        expect(Math.abs(zoo.similarity(words[0], words[1]) - g.sim)).toBeLessThan(TOL);
        expectSame(zoo.mostSimilar(words[2], 5), g.most);
      }
    });
  }

  it('Zoo loads files gensim writes from known vectors', () => {
    const WRITE = `
import sys, json, numpy as np
from gensim.models import KeyedVectors
rng = np.random.RandomState(3)
words = ['w%d' % i for i in range(40)] + ['ünï', '中文', 'a-b', 'Q']
vecs = (rng.normal(size=(len(words), 12)) * 10.0 ** rng.randint(-6, 6, size=(len(words), 12))).astype(np.float32)
kv = KeyedVectors(12)
kv.add_vectors(words, vecs)
kv.save_word2vec_format(sys.argv[1] + '/g.txt', binary=False)
kv.save_word2vec_format(sys.argv[1] + '/g.bin', binary=True)
print(json.dumps({'words': words, 'bits': [int(b) for b in vecs.view(np.uint32).reshape(-1)],
                  'sim': float(kv.similarity('w0', 'w1'))}))
`;
    const g = JSON.parse(python(WRITE, dir));
    const want = new Float32Array(Uint32Array.from(g.bits).buffer);
    for (const [file, binary] of [
      ['g.txt', false],
      ['g.bin', true],
    ] as const) {
      const bytes = readFileSync(join(dir, file));
      const loaded = KeyedVectors.loadWord2VecFormat(bytes, { binary });
      expect(loaded.vocab).toEqual(g.words);
      expect(loaded.vectors).toEqual(want);
      expect(Math.abs(loaded.similarity('w0', 'w1') - g.sim)).toBeLessThan(TOL);
      // and Zoo writes the very same bytes back
      expect(Buffer.from(loaded.saveWord2VecFormat({ binary, flavor: 'gensim' }))).toEqual(bytes);
    }
  });
});
