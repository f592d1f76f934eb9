import { describe, expect, it } from 'vitest';
import { pearson, rankData, spearman } from '../src/evaluate.js';
import { KeyedVectors } from '../src/keyed-vectors.js';

// A tiny 2-d vocabulary whose cosines are easy to compute by hand.
const WORDS = ['a', 'b', 'c', 'd', 'e'];
const VECS = [
  [1, 0],
  [0, 1],
  [1, 1],
  [-1, 0],
  [3, 4],
];
const kv = new KeyedVectors(WORDS, Float32Array.from(VECS.flat()), 2, [50, 40, 30, 20, 10]);
const S = Math.SQRT1_2; // cos 45 degrees

function cos(x: number[], y: number[]): number {
  const dot = x[0] * y[0] + x[1] * y[1];
  return dot / (Math.hypot(x[0], x[1]) * Math.hypot(y[0], y[1]));
}

function expectPairs(got: [string, number][], want: [string, number][]): void {
  expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
  got.forEach((p, i) => {
    expect(p[1]).toBeCloseTo(want[i][1], 6);
  });
}

describe('KeyedVectors lookups', () => {
  it('get / has / indexOf / vocab / vectors / count', () => {
    expect(Array.from(kv.get('e'))).toEqual([3, 4]);
    expect(kv.get('e').buffer).toBe(kv.vectors.buffer); // a view, as gensim's wv[word]
    expect(kv.has('c')).toBe(true);
    expect(kv.has('z')).toBe(false);
    expect(kv.indexOf('d')).toBe(3);
    expect(kv.indexOf('z')).toBe(-1);
    expect(kv.vocab).toEqual(WORDS);
    expect(kv.vectorSize).toBe(2);
    expect(kv.size).toBe(5);
    expect(kv.count('b')).toBe(40);
    expect(new KeyedVectors(['x'], new Float32Array(2), 2).count('x')).toBeUndefined();
    const unit = kv.getVector('e', true);
    expect(unit[0]).toBeCloseTo(0.6, 7);
    expect(unit[1]).toBeCloseTo(0.8, 7);
  });

  it('names the missing word', () => {
    expect(() => kv.get('xyz')).toThrow("word 'xyz' is not in the vocabulary");
    expect(() => kv.similarity('a', 'xyz')).toThrow("word 'xyz' is not in the vocabulary");
    expect(() => kv.mostSimilar({ positive: ['a'], negative: ['nope'] })).toThrow(
      "word 'nope' is not in the vocabulary",
    );
    expect(() => kv.mostSimilarCosmul({ positive: ['q'] })).toThrow(
      "word 'q' is not in the vocabulary",
    );
    expect(() => kv.count('zz')).toThrow("word 'zz' is not in the vocabulary");
  });

  it('rejects inconsistent construction', () => {
    expect(() => new KeyedVectors(['a', 'b'], new Float32Array(3), 2)).toThrow(
      /expected 2 words x 2/,
    );
    expect(() => new KeyedVectors(['a', 'a'], new Float32Array(4), 2)).toThrow(
      "duplicate word 'a'",
    );
    expect(() => new KeyedVectors(['a'], new Float32Array(0), 0)).toThrow(/vectorSize/);
    expect(() => new KeyedVectors(['a'], new Float32Array(2), 2, [1, 2])).toThrow(/counts/);
  });
});

describe('similarities (hand-computed)', () => {
  it('similarity and distance are the cosine and 1 - cosine', () => {
    expect(kv.similarity('a', 'c')).toBeCloseTo(S, 12);
    expect(kv.similarity('a', 'e')).toBeCloseTo(0.6, 12);
    expect(kv.similarity('a', 'd')).toBeCloseTo(-1, 12);
    expect(kv.distance('a', 'b')).toBeCloseTo(1, 12);
    expect(kv.distance('b', 'e')).toBeCloseTo(0.2, 12);
    expect(kv.nSimilarity(['a', 'b'], ['c'])).toBeCloseTo(1, 12);
  });

  it('mostSimilar of one word ranks every other word by cosine', () => {
    expectPairs(kv.mostSimilar('a'), [
      ['c', S],
      ['e', 0.6],
      ['b', 0],
      ['d', -1],
    ]);
    expectPairs(kv.mostSimilar('a', 2), [
      ['c', S],
      ['e', 0.6],
    ]);
    expect(kv.mostSimilar({ positive: ['a'], topn: 0 })).toEqual([]);
  });

  it('mostSimilar with positive and negative words uses the mean of unit vectors', () => {
    // unit(a) + unit(b) points along (1, 1)
    expectPairs(kv.mostSimilar({ positive: ['a', 'b'] }), [
      ['c', 1],
      ['e', 7 / (5 * Math.SQRT2)],
      ['d', -S],
    ]);
    // unit(c) - unit(a), normalised
    const m = [S - 1, S];
    expectPairs(kv.mostSimilar({ positive: ['c'], negative: ['a'], topn: 3 }), [
      ['b', cos(m, [0, 1])],
      ['e', cos(m, [3, 4])],
      ['d', cos(m, [-1, 0])],
    ]);
    // a single negative string, as gensim's negative='a'
    expectPairs(kv.mostSimilar({ positive: 'c', negative: 'a', topn: 1 }), [['b', cos(m, [0, 1])]]);
  });

  it('mostSimilar takes raw vectors (not excluded, not normalised) and weights', () => {
    // A raw vector is not excluded from the results; (0, 10) is along b.
    expectPairs(kv.mostSimilar({ positive: [[0, 10]], topn: 2 }), [
      ['b', 1],
      ['e', 0.8],
    ]);
    expectPairs(kv.similarByVector(Float32Array.of(1, 0), 1), [['a', 1]]);
    // 3 * unit(a) + unit(b) ~ (3, 1); a raw (0, 2) counts twice as much as unit(b).
    const m1 = [3, 1];
    expectPairs(kv.mostSimilar({ positive: [['a', 3], 'b'], topn: 2 }), [
      ['c', cos(m1, [1, 1])], // 0.894
      ['e', cos(m1, [3, 4])], // 0.822
    ]);
    const m2 = [1, 2];
    expectPairs(kv.mostSimilar({ positive: ['a', [0, 2]], topn: 2 }), [
      ['e', cos(m2, [3, 4])], // 0.984
      ['c', cos(m2, [1, 1])], // 0.949
    ]);
    expect(() => kv.mostSimilar({ positive: [[1, 2, 3]] })).toThrow(/length 3, expected 2/);
    expect(() => kv.mostSimilar({})).toThrow(/no input/);
  });

  it('restrictVocab searches only the first words', () => {
    expectPairs(kv.mostSimilar({ positive: ['a'], restrictVocab: 3 }), [
      ['c', S],
      ['b', 0],
    ]);
    expectPairs(kv.similarByWord('a', 10, 2), [['b', 0]]);
  });

  it('mostSimilarCosmul is 3CosMul with cosines shifted to [0, 1] and eps 1e-6', () => {
    const score = (w: number[]): number =>
      (1 + cos(w, [1, 1])) / 2 / ((1 + cos(w, [1, 0])) / 2 + 1e-6);
    // d is opposite to a: the denominator is ~0, gensim's known blow-up.
    const want: [string, number][] = (
      [
        ['d', score([-1, 0])],
        ['b', score([0, 1])],
        ['e', score([3, 4])],
      ] as [string, number][]
    ).sort((x, y) => y[1] - x[1]);
    const got = kv.mostSimilarCosmul({ positive: ['c'], negative: ['a'] });
    expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
    got.forEach((p, i) => {
      expect(p[1] / want[i][1]).toBeCloseTo(1, 6);
    });
    // One positive word: same ranking as mostSimilar, scores (1 + cos) / 2 / (1 + 1e-6).
    const single = kv.mostSimilarCosmul({ positive: ['a'], topn: 2 });
    expectPairs(single, [
      ['c', (1 + S) / 2 / (1 + 1e-6)],
      ['e', 1.6 / 2 / (1 + 1e-6)],
    ]);
    expect(() => kv.mostSimilarCosmul({ negative: ['a'] })).toThrow(/no input/);
  });

  it('doesntMatch picks the word farthest from the mean of unit vectors, ignoring OOV words', () => {
    expect(kv.doesntMatch(['a', 'c', 'e', 'd'])).toBe('d');
    // mean of unit vectors ~ (2.31, 2.51), at 47 degrees: a (0 degrees) is farther than b (90)
    expect(kv.doesntMatch(['a', 'c', 'e', 'b', 'unknown'])).toBe('a');
    // The mean is at 45 degrees: c first, then a tie between a and b, which Python's
    // sorted((cos, word), reverse=True) breaks by the word, so 'a' is last.
    const ranked = kv.rankByCentrality(['a', 'b', 'c']);
    expect(ranked.map((p) => p[0])).toEqual(['c', 'b', 'a']);
    expect(kv.doesntMatch(['b', 'a', 'c'])).toBe('a');
    expect(() => kv.doesntMatch(['x', 'y'])).toThrow(/empty list/);
  });

  it('handles zero vectors without NaN', () => {
    const z = new KeyedVectors(['z', 'a'], Float32Array.of(0, 0, 1, 0), 2);
    expect(z.similarity('z', 'a')).toBe(0);
    expect(z.mostSimilar('a')).toEqual([['z', 0]]);
  });

  it('recomputes unit vectors after fillNorms(true)', () => {
    const m = new KeyedVectors(['p', 'q', 'r'], Float32Array.of(1, 0, 0, 1, 1, 0.1), 2);
    expect(m.mostSimilar('p', 1)[0][0]).toBe('r');
    m.get('q').set([1, 0.01]);
    m.fillNorms(true);
    expect(m.mostSimilar('p', 1)[0][0]).toBe('q');
  });
});

describe('statistics', () => {
  it('rankData averages ties as scipy', () => {
    expect(Array.from(rankData([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
    expect(Array.from(rankData([3, 1, 2, 2, 5]))).toEqual([4, 1, 2.5, 2.5, 5]);
  });
  it('pearson and spearman equal scipy', () => {
    expect(pearson([1, 2, 3, 4], [2, 1, 4, 3])).toBeCloseTo(0.6, 14);
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(0.9486832980505139, 14);
    expect(spearman([3, 1, 2, 2, 5], [0.5, 0.1, 0.2, 0.3, 0.3])).toBeCloseTo(
      0.7631578947368421,
      14,
    );
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

// man : king :: woman : queen holds exactly; the rest are distractors.
const A_WORDS = ['man', 'woman', 'king', 'queen', 'Queen', 'boy', 'girl', 'car', 'apple'];
const A_VECS = [
  [1, 0, 0, 0, 0],
  [1, 1, 0, 0, 0],
  [1, 0, 1, 0, 0],
  [1, 1, 1, 0, 0],
  [1, 1, 1, 0.05, 0],
  [1, 0, 0, 1, 0],
  [1, 1, 0, 1, 0.3],
  [0, 0, 0, 0, 1],
  [0, 0.2, 0, 0, 1],
];
const akv = new KeyedVectors(A_WORDS, Float32Array.from(A_VECS.flat()), 5);

describe('evaluateWordAnalogies (handmade)', () => {
  const text = [
    ': family',
    'man king woman queen', // right: king - man + woman = queen
    'man woman king queen', // right
    'man boy woman girl', // right
    'king man queen car', // wrong: predicts woman
    'man king woman unknownword', // OOV: skipped
    '',
    'not four words',
    ': other',
    'MAN KING WOMAN QUEEN', // right when case-insensitive, OOV otherwise
    'car apple man woman', // right: apple - car + man is nearest woman
  ].join('\n');
  // The expected counts below are what gensim 4.2 returns on these vectors and lines.

  it('scores sections and a total as gensim', () => {
    const r = akv.evaluateWordAnalogies(text);
    expect(r.sections.map((s) => [s.section, s.correct.length, s.incorrect.length])).toEqual([
      ['family', 3, 1],
      ['other', 2, 0],
      ['Total accuracy', 5, 1],
    ]);
    expect(r.accuracy).toBeCloseTo(5 / 6, 14);
    expect(r.sections[0].accuracy).toBeCloseTo(0.75, 14);
    expect(r.sections[0].incorrect).toEqual([['KING', 'MAN', 'QUEEN', 'CAR']]);
    expect(r.oovRatio).toBeCloseTo((1 / 7) * 100, 12);
    expect(r.sections[0].correct[0]).toEqual(['MAN', 'KING', 'WOMAN', 'QUEEN']);
  });

  it('case-insensitive answers skip case variants of the input words', () => {
    // 'Queen' (index 4) is nearly 'queen': for "man king woman Queen" gensim excludes
    // index 3 ('queen', the first QUEEN) only through the uppercase check.
    const r = akv.evaluateWordAnalogies(': s\nwoman queen man king\nman king woman Queen\n');
    expect(r.sections.map((x) => [x.section, x.correct.length, x.incorrect.length])).toEqual([
      ['s', 2, 0],
      ['Total accuracy', 2, 0],
    ]);
  });

  it('caseInsensitive false, dummy4unknown, restrictVocab', () => {
    const cs = akv.evaluateWordAnalogies(text, { caseInsensitive: false });
    expect(cs.sections.map((s) => [s.correct.length, s.incorrect.length])).toEqual([
      [3, 1],
      [1, 0],
      [4, 1],
    ]);
    const dummy = akv.evaluateWordAnalogies(text, { dummy4unknown: true });
    expect(dummy.sections.map((s) => [s.correct.length, s.incorrect.length])).toEqual([
      [3, 2],
      [2, 0],
      [5, 2],
    ]);
    expect(dummy.accuracy).toBeCloseTo(5 / 7, 14);
    // Only the first 4 words are known: boy, girl, car, apple are unknown.
    const small = akv.evaluateWordAnalogies(text, { restrictVocab: 4 });
    expect(small.sections.map((s) => [s.correct.length, s.incorrect.length])).toEqual([
      [2, 0],
      [1, 0],
      [3, 0],
    ]);
  });

  it('rejects a question before any section, and a file without questions', () => {
    expect(() => akv.evaluateWordAnalogies('man king woman queen\n')).toThrow(
      'Missing section header before line #0',
    );
    expect(() => akv.evaluateWordAnalogies(': empty\n')).toThrow(/no analogy question/);
  });
});

describe('evaluateWordPairs (handmade)', () => {
  it('computes Pearson, Spearman and the OOV ratio as gensim', () => {
    const text = [
      '# word1\tword2\tscore',
      'man\tking\t7.0',
      'man\tcar\t1.0',
      'woman\tqueen\t7.5',
      'king\tqueen\t9.0',
      'car\tunknown\t2.0',
      'bad line',
      'man\twoman\tnot-a-number',
      'MAN\tBOY\t8',
    ].join('\n');
    const gold = [7.0, 1.0, 7.5, 9.0, 8];
    const model = [
      akv.similarity('man', 'king'),
      akv.similarity('man', 'car'),
      akv.similarity('woman', 'queen'),
      akv.similarity('king', 'queen'),
      akv.similarity('man', 'boy'),
    ];
    const r = akv.evaluateWordPairs(text);
    expect(r.pairs).toBe(5);
    expect(r.pearson).toBeCloseTo(pearson(gold, model), 14);
    expect(r.spearman).toBeCloseTo(pearson(rankData(gold), rankData(model)), 14);
    expect(r.oovRatio).toBeCloseTo((1 / 6) * 100, 12);
    const d = akv.evaluateWordPairs(text, { dummy4unknown: true });
    expect(d.pairs).toBe(6);
    expect(d.oovRatio).toBeCloseTo((1 / 6) * 100, 12);
    expect(d.pearson).toBeCloseTo(
      pearson([...gold.slice(0, 4), 2.0, 8], [...model.slice(0, 4), 0, model[4]]),
      14,
    );
    const cs = akv.evaluateWordPairs(text, { caseInsensitive: false });
    expect(cs.pairs).toBe(4);
    expect(cs.oovRatio).toBeCloseTo((2 / 6) * 100, 12);
    const semi = akv.evaluateWordPairs('a;b;1\nman;king;3\nman;car;1\n', { delimiter: ';' });
    expect(semi.spearman).toBeCloseTo(1, 14);
    expect(() => akv.evaluateWordPairs('x\ty\t1\n')).toThrow(/no valid similarity/);
  });
});
