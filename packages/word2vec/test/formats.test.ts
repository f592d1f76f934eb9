import { describe, expect, it } from 'vitest';
import {
  decodeWord2VecFormat,
  formatFloat32Repr,
  formatFloatC,
  Word2VecFormatError,
} from '../src/formats.js';
import { KeyedVectors } from '../src/keyed-vectors.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function f32bits(bits: number): number {
  return new Float32Array(Uint32Array.of(bits).buffer)[0];
}

/** The error thrown by `fn`, checked to be a Word2VecFormatError. */
function formatError(fn: () => unknown): Word2VecFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Word2VecFormatError);
    return e as Word2VecFormatError;
  }
  throw new Error('no error thrown');
}

const WORDS = ['the', 'café', '日本', 'x'];
const VECS = Float32Array.of(
  0.1,
  -2.5,
  1e-5,
  3,
  0,
  -0,
  123456.79,
  1 / 3,
  7,
  8,
  9,
  10,
  -1e20,
  5e-8,
  2,
  1,
);
const kv = new KeyedVectors(WORDS, VECS, 4);

describe('float formatting', () => {
  it("formatFloat32Repr is numpy's repr(np.float32(x)) (values checked with numpy 1.24)", () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1, '1.0'],
      [100, '100.0'],
      [1e-4, '1e-04'], // float32(1e-4) is just below 1e-4: scientific
      [9.9e-5, '9.9e-05'],
      [1.5e-5, '1.5e-05'],
      [1e16, '1e+16'],
      [9.999e15, '9999000000000000.0'],
      [123456789, '123456790.0'],
      [-0, '-0.0'],
      [0, '0.0'],
      [3.4028235e38, '3.4028235e+38'],
      [1e-45, '1e-45'],
      [0.00012345, '0.00012345'],
      [16777216, '16777216.0'],
      [1e15, '1000000000000000.0'],
      [Number.NaN, 'nan'],
      [Number.POSITIVE_INFINITY, 'inf'],
      [Number.NEGATIVE_INFINITY, '-inf'],
      [2097152.75, '2097152.8'], // exact tie: even digit
      [f32bits(3390555429), '-2486601.2'], // exact tie: even digit
      [f32bits(260046848), '1.2621775e-29'], // power of two: asymmetric rounding interval
      [f32bits(1795162112), '1.5474251e+26'],
      [30000001024, '30000000000.0'], // interval bound counts (even mantissa)
      [29999998976, '29999999000.0'], // and does not (odd mantissa)
    ];
    for (const [x, want] of cases) expect(formatFloat32Repr(x), String(x)).toBe(want);
  });

  it('formatFloat32Repr round-trips every value it prints', () => {
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      u[0] = seed;
      if (!Number.isFinite(f[0])) continue;
      expect(Math.fround(Number(formatFloat32Repr(f[0])))).toBe(f[0]);
    }
  });

  it('formatFloatC is glibc printf("%lf") (values checked with Python "%f")', () => {
    const cases: [number, string][] = [
      [0.1, '0.100000'],
      [1e-5, '0.000010'],
      [-1e-9, '-0.000000'],
      [-0, '-0.000000'],
      [0.0078125, '0.007812'], // exact tie at the 6th decimal: to even
      [0.0234375, '0.023438'],
      [-0.0078125, '-0.007812'],
      [1e16, '10000000272564224.000000'],
      [3.4028235e38, '340282346638528859811704183484516925440.000000'],
      [123456789, '123456792.000000'],
      [Number.NaN, 'nan'],
      [Number.NEGATIVE_INFINITY, '-inf'],
    ];
    for (const [x, want] of cases) expect(formatFloatC(x), String(x)).toBe(want);
  });
});

describe('writing', () => {
  it("text, default (gensim's layout): repr values joined by spaces", () => {
    const text = dec.decode(kv.saveWord2VecFormat());
    expect(text.split('\n')[0]).toBe('4 4');
    expect(text.split('\n')[1]).toBe('the 0.1 -2.5 1e-05 3.0');
    expect(text.split('\n')[2]).toBe('café 0.0 -0.0 123456.79 0.33333334');
    expect(text.endsWith('x -1e+20 5e-08 2.0 1.0\n')).toBe(true);
  });

  it('text, word2vec.c flavor: "%lf " after every value', () => {
    const text = dec.decode(kv.saveWord2VecFormat({ flavor: 'word2vec.c' }));
    expect(text.split('\n')[1]).toBe('the 0.100000 -2.500000 0.000010 3.000000 ');
  });

  it('binary: word, space, little-endian float32s, then \\n (word2vec.c) or not (gensim)', () => {
    const small = new KeyedVectors(['é', 'b'], Float32Array.of(1, -2, 0.5, 3), 2);
    const c = small.saveWord2VecFormat({ binary: true });
    const want = [...enc.encode('2 2\né ')];
    const le = (x: number) => [...new Uint8Array(Float32Array.of(x).buffer)];
    want.push(...le(1), ...le(-2), 0x0a, ...enc.encode('b '), ...le(0.5), ...le(3), 0x0a);
    expect(Array.from(c)).toEqual(want);
    expect(c[c.length - 1]).toBe(0x0a);
    const g = small.saveWord2VecFormat({ binary: true, flavor: 'gensim' });
    expect(Array.from(g)).toEqual(want.filter((_, i) => i !== 15 && i !== want.length - 1));
  });

  it('refuses words that cannot be stored', () => {
    const bad = new KeyedVectors(['a b'], new Float32Array(1), 1);
    expect(() => bad.saveWord2VecFormat()).toThrow(/contains a space or a newline/);
    expect(() => new KeyedVectors([''], new Float32Array(1), 1).saveWord2VecFormat()).toThrow(
      /empty word/,
    );
  });
});

describe('round trips', () => {
  for (const binary of [false, true]) {
    for (const flavor of ['gensim', 'word2vec.c'] as const) {
      it(`${binary ? 'binary' : 'text'} ${flavor}: load, then re-save byte-identical`, () => {
        const bytes = kv.saveWord2VecFormat({ binary, flavor });
        const back = KeyedVectors.loadWord2VecFormat(bytes, { binary });
        expect(back.vocab).toEqual(WORDS);
        if (binary || flavor === 'gensim') {
          expect(Object.is(back.vectors[5], -0)).toBe(true);
          expect(Array.from(back.vectors)).toEqual(Array.from(VECS)); // lossless
        }
        expect(back.saveWord2VecFormat({ binary, flavor })).toEqual(bytes);
      });
    }
  }

  it('random vectors survive text and binary exactly', () => {
    const n = 300;
    const d = 17;
    const v = new Float32Array(n * d);
    for (let i = 0; i < v.length; i++) v[i] = (Math.sin(i * 12.9898) * 43758.5453) % 1;
    const words = Array.from({ length: n }, (_, i) => `w${i}`);
    const m = new KeyedVectors(words, v, d);
    for (const binary of [false, true]) {
      const back = KeyedVectors.loadWord2VecFormat(m.saveWord2VecFormat({ binary }), { binary });
      expect(back.vectors).toEqual(v);
    }
  });

  it('limit reads the first words only', () => {
    for (const binary of [false, true]) {
      const back = decodeWord2VecFormat(kv.saveWord2VecFormat({ binary }), { binary, limit: 2 });
      expect(back.words).toEqual(['the', 'café']);
      expect(Array.from(back.vectors)).toEqual(Array.from(VECS.subarray(0, 8)));
    }
  });
});

describe('reading what other tools write', () => {
  it('text: trailing spaces, \\r\\n, runs of spaces, nan/inf spellings, extra lines', () => {
    const text = '2 3\r\nfoo 1.000000 -2.5 3e2 \r\nbar  NaN  -inf +Infinity\nextra 1 2 3\n';
    const r = decodeWord2VecFormat(text);
    expect(r.words).toEqual(['foo', 'bar']);
    expect(Array.from(r.vectors)).toEqual([1, -2.5, 300, Number.NaN, -Infinity, Infinity]);
  });

  it('binary: without the trailing newline, or with it', () => {
    const small = new KeyedVectors(['a', 'b'], Float32Array.of(1, 2, 3, 4), 2);
    const g = small.saveWord2VecFormat({ binary: true, flavor: 'gensim' });
    const c = small.saveWord2VecFormat({ binary: true, flavor: 'word2vec.c' });
    for (const bytes of [g, c, c.subarray(0, c.length - 1)]) {
      const r = KeyedVectors.loadWord2VecFormat(bytes, { binary: true });
      expect(r.vocab).toEqual(['a', 'b']);
      expect(Array.from(r.vectors)).toEqual([1, 2, 3, 4]);
    }
  });

  it('accepts an ArrayBuffer and zero words', () => {
    const bytes = kv.saveWord2VecFormat({ binary: true });
    const copy = bytes.slice().buffer;
    expect(KeyedVectors.loadWord2VecFormat(copy, { binary: true }).vocab).toEqual(WORDS);
    expect(KeyedVectors.loadWord2VecFormat('0 5\n').size).toBe(0);
  });
});

describe('malformed text files: the error gives the line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['empty file', '', 1, /header is missing/],
    ['header not numbers', 'hello world\na 1\n', 1, /two integers/],
    ['header with one field', '3\na 1 2 3\n', 1, /<count> <dimension>/],
    ['negative count', '-1 3\n', 1, /negative word count -1/],
    ['zero dimension', '2 0\n', 1, /vector size 0/],
    ['too few values', '2 3\na 1 2 3\nb 1 2\n', 3, /expected 3 values after the word 'b', found 2/],
    ['too many values', '1 2\na 1 2 3\n', 2, /expected 2 values .* found 3/],
    ['non-numeric value', '2 2\na 1 2\nb 1 x2\n', 3, /value 2 of word 'b' is not a number: "x2"/],
    ['hex is not a number', '1 1\na 0x10\n', 2, /not a number/],
    ['fewer words than the header', '3 1\na 1\nb 2\n', 4, /declares 3 words but the file has 2/],
    ['duplicate word', '3 1\na 1\nb 2\na 3\n', 4, /duplicate word 'a' \(first on line 2\)/],
    ['empty line', '2 1\na 1\n\nb 2\n', 3, /empty line/],
    ['line starting with a space', '1 1\n a 1\n', 2, /starts with a space/],
  ];
  for (const [name, text, line, msg] of cases) {
    it(name, () => {
      const e = formatError(() => KeyedVectors.loadWord2VecFormat(text));
      expect(e.line).toBe(line);
      expect(e.offset).toBeUndefined();
      expect(e.message).toMatch(msg);
      expect(e.message).toContain(`line ${line}:`);
    });
  }
  it('invalid UTF-8', () => {
    const bytes = Uint8Array.of(...enc.encode('2 1\na 1\n'), 0xc3, 0x28, ...enc.encode(' 2\n'));
    expect(formatError(() => decodeWord2VecFormat(bytes)).line).toBe(3);
    expect(decodeWord2VecFormat(bytes, { unicodeErrors: 'replace' }).words[1]).toBe('\ufffd(');
  });
});

describe('malformed binary files: the error gives the byte offset', () => {
  const le = (...xs: number[]) => [...new Uint8Array(Float32Array.from(xs).buffer)];
  const file = (...parts: (string | number[])[]) =>
    Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc.encode(p)] : p)));
  const cases: [string, Uint8Array, number, RegExp][] = [
    ['empty file', new Uint8Array(0), 0, /header is missing/],
    ['no header line', file('2 2'), 0, /not terminated/],
    ['header not numbers', file('two 2\n'), 0, /two integers/],
    ['negative dimension', file('2 -2\n'), 0, /vector size -2/],
    // 'a ' at 4..5, vector 6..13, 'b ' at 15..16, vector from 17 but only 4 bytes left
    [
      'truncated vector',
      file('2 2\na ', le(1, 2), '\nb ', le(3)),
      17,
      /truncated vector of word 'b': 8 bytes needed, 4 left/,
    ],
    [
      'fewer words than the header',
      file('3 1\na ', le(1), '\nb ', le(2), '\n'),
      18,
      /declares 3 words but the file has 2$/,
    ],
    [
      'a partial word at the end',
      file('2 1\na ', le(1), '\nbc'),
      11,
      /file has 1 and a partial word/,
    ],
    [
      'duplicate word',
      file('2 1\nab ', le(1), '\nab ', le(2)),
      12,
      /duplicate word 'ab' \(first at byte offset 4\)/,
    ],
    ['invalid UTF-8 word', file('1 1\n', [0xff, 0xfe], ' ', le(1)), 4, /not valid UTF-8/],
    ['empty word', file('1 1\n ', le(1)), 4, /empty word/],
  ];
  for (const [name, bytes, offset, msg] of cases) {
    it(name, () => {
      const e = formatError(() => KeyedVectors.loadWord2VecFormat(bytes, { binary: true }));
      expect(e.offset).toBe(offset);
      expect(e.line).toBeUndefined();
      expect(e.message).toMatch(msg);
      expect(e.message).toContain(`byte offset ${offset}:`);
    });
  }
});
