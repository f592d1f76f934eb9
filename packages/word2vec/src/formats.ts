/**
 * The word2vec.c vector file formats (text and binary), read and written byte-compatibly with
 * the C tool and with gensim's `KeyedVectors.load_word2vec_format` / `save_word2vec_format`.
 *
 * Both formats start with an ASCII header line `<count> <dim>\n`. Then, per word:
 * - text: `word v1 v2 ... vdim\n`, values in decimal;
 * - binary: `word ` (UTF-8 bytes, then a space), `dim` little-endian float32 values, then `\n`
 *   as word2vec.c writes it (gensim writes no `\n`; both are read).
 *
 * @module
 */

/** How {@link encodeWord2VecFormat} lays out the values. */
export type Word2VecFlavor = 'gensim' | 'word2vec.c';

/** Options of {@link encodeWord2VecFormat} (and `KeyedVectors.saveWord2VecFormat`). */
export interface SaveWord2VecOptions {
  /** Binary format (word2vec.c `-binary 1`) instead of text. Default false. */
  binary?: boolean;
  /**
   * Which tool's output to reproduce byte for byte. The default writes binary files as
   * word2vec.c does (a `\n` after each vector, which gensim reads too) and text files as
   * gensim does (each float32 value with the fewest digits that read back to the same float32,
   * numpy's `repr`, so a text round trip is lossless).
   * - `'word2vec.c'`: binary with `\n` after each vector; text with `printf("%lf ")`
   *   (6 decimals, a space after every value, lossy).
   * - `'gensim'`: binary without the `\n`; text with numpy `repr` values joined by spaces.
   */
  flavor?: Word2VecFlavor;
}

/** Options of {@link decodeWord2VecFormat} (and `KeyedVectors.loadWord2VecFormat`). */
export interface LoadWord2VecOptions {
  /** Binary format instead of text. Default false. */
  binary?: boolean;
  /** Read at most this many words (the first ones of the file), as gensim's `limit`. */
  limit?: number;
  /**
   * What to do with words that are not valid UTF-8 (word2vec.c cuts words at 100 bytes, which
   * can split a character): `'strict'` (default) throws, `'replace'` puts U+FFFD.
   */
  unicodeErrors?: 'strict' | 'replace';
}

/** The content of a word2vec-format file. */
export interface Word2VecData {
  /** Words in file order. */
  words: string[];
  /** Row-major `[words.length x vectorSize]` values. */
  vectors: Float32Array;
  /** Dimension of each vector. */
  vectorSize: number;
}

/**
 * A malformed or truncated word2vec file. `line` (1-based, the header is line 1) is set for
 * text files, `offset` (bytes from the start of the file) for binary files.
 */
export class Word2VecFormatError extends Error {
  /** 1-based line number (text format). */
  readonly line: number | undefined;
  /** Byte offset from the start of the file (binary format). */
  readonly offset: number | undefined;

  /** @param message - description; the line or offset is prepended. */
  constructor(message: string, where: { line?: number; offset?: number }) {
    const prefix = where.line !== undefined ? `line ${where.line}` : `byte offset ${where.offset}`;
    super(`word2vec file, ${prefix}: ${message}`);
    this.name = 'Word2VecFormatError';
    this.line = where.line;
    this.offset = where.offset;
  }
}

// ---------------------------------------------------------------------------------------------
// Float formatting

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new Uint32Array(f64.buffer);
const hostLittleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Sign of `c * 10^scale - d`, exactly (c > 0 an integer, d > 0 a finite normal double). */
function compareExact(c: number, scale: number, d: number): number {
  f64[0] = d;
  const hi = u64[hostLittleEndian ? 1 : 0];
  const lo = u64[hostLittleEndian ? 0 : 1];
  const mant = BigInt((hi & 0xfffff) + 0x100000) * 2n ** 32n + BigInt(lo);
  const exp = ((hi >>> 20) & 0x7ff) - 1075;
  let left = BigInt(c);
  let right = mant;
  if (scale >= 0) left *= 10n ** BigInt(scale);
  else right *= 10n ** BigInt(-scale);
  if (exp >= 0) right *= 2n ** BigInt(exp);
  else left *= 2n ** BigInt(-exp);
  return left < right ? -1 : left > right ? 1 : 0;
}

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i); // exact doubles

/** Sign of `c * 10^scale - d`, using exact arithmetic only when the fast check is ambiguous. */
function compareDecimal(c: number, scale: number, d: number): number {
  // For |scale| <= 22 (and c < 2^53) one multiplication or division of exact doubles is
  // correctly rounded, like parsing the decimal; an equal result is settled exactly.
  const v =
    scale >= 0
      ? scale <= 22
        ? c * POW10[scale]
        : Number(`${c}e${scale}`)
      : scale >= -22
        ? c / POW10[-scale]
        : Number(`${c}e${scale}`);
  if (v < d) return -1;
  if (v > d) return 1;
  return compareExact(c, scale, d);
}

/**
 * The shortest decimal digits that a correctly rounding parser reads back as the positive
 * float32 `x`, as numpy's Dragon4 (`repr`) picks them: the fewest digits, then the closest to
 * `x`, ties to the even digit; the rounding interval's bounds count when x's mantissa is even.
 * Returns the digits (no trailing zeros) and the decimal exponent of the first digit.
 */
function shortestDigits(x: number): [string, number] {
  f32[0] = x;
  const bits = u32[0];
  u32[0] = bits - 1;
  const prev = bits === 0 ? 0 : f32[0];
  u32[0] = bits + 1;
  const next = f32[0];
  const low = (x + prev) / 2; // exact in float64
  const high = next === Number.POSITIVE_INFINITY ? x + (x - prev) / 2 : (x + next) / 2;
  const inclusive = (bits & 1) === 0;
  const inside = (c: number, scale: number): boolean => {
    if (c <= 0) return false;
    const a = compareDecimal(c, scale, low);
    if (inclusive ? a < 0 : a <= 0) return false;
    const b = compareDecimal(c, scale, high);
    return inclusive ? b <= 0 : b < 0;
  };
  // 17 significant digits, correctly rounded: rounding them again to p <= 9 digits is exact
  // unless the dropped digits read 5000...; then x.toExponential(p - 1) decides.
  const s17 = x.toExponential(16);
  const ePos = s17.indexOf('e');
  const d17 = s17[0] + s17.slice(2, ePos);
  const exp0 = Number(s17.slice(ePos + 1));
  const head = Number(d17.slice(0, 9));
  const tailNonZero = /[1-9]/.test(d17.slice(9));
  for (let p = 1; p <= 9; p++) {
    const scale = exp0 - p + 1;
    const div = POW10[9 - p];
    let m = Math.floor(head / div);
    const rem = head - m * div;
    const half = div / 2; // p = 9: div 1, half 0.5, rem 0
    let maybeTie = false;
    if (p === 9) {
      const r = d17.charCodeAt(9) - 48;
      const rest = /[1-9]/.test(d17.slice(10));
      if (r > 5 || (r === 5 && rest)) m++;
      else if (r === 5) maybeTie = true;
    } else if (rem > half || (rem === half && tailNonZero)) {
      m++;
    } else if (rem === half) {
      maybeTie = true;
    }
    if (maybeTie) {
      const t = x.toExponential(p - 1); // correctly rounded, ties away from zero
      m = Number(t.slice(0, t.indexOf('e')).replace('.', ''));
    }
    let pick = -1;
    if (inside(m, scale)) {
      pick = m;
      // An exact tie between m - 1 and m: keep the even one.
      if (maybeTie && m % 2 === 1 && compareDecimal(10 * m - 5, scale - 1, x) === 0) {
        if (inside(m - 1, scale)) pick = m - 1;
      }
    } else if (inside(m - 1, scale)) {
      pick = m - 1;
    } else if (inside(m + 1, scale)) {
      pick = m + 1;
    }
    if (pick > 0) {
      const digits = String(pick);
      return [digits.replace(/0+$/, ''), scale + digits.length - 1];
    }
  }
  throw new Error(`no shortest representation found for ${x}`); // unreachable: 9 digits suffice
}

/**
 * Formats a float32 value as numpy's `repr(np.float32(x))` does (numpy 1.x), which is what
 * gensim's text `save_word2vec_format` writes: the shortest digits that round-trip, positional
 * (`0.0001`, `123.0`) when `1e-4 <= |x| < 1e16` or x is 0, else scientific (`1e-05`,
 * `3.4028235e+38`); `nan`, `inf`, `-inf`.
 */
export function formatFloat32Repr(x: number): string {
  f32[0] = x;
  x = f32[0];
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  const [digits, exp] = shortestDigits(a);
  if (a >= 1e-4 && a < 1e16) {
    if (exp >= 0) {
      const intLen = exp + 1;
      if (digits.length <= intLen) return `${sign}${digits.padEnd(intLen, '0')}.0`;
      return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const es = exp < 0 ? '-' : '+';
  return `${sign}${mant}e${es}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/**
 * Formats a float32 value as C's `printf("%lf", (double)x)` with glibc (what word2vec.c's text
 * output writes): 6 decimals, correctly rounded with ties to even, all integer digits;
 * `nan`, `-nan`, `inf`, `-inf`.
 */
export function formatFloatC(x: number): string {
  f32[0] = x;
  x = f32[0];
  if (Number.isNaN(x)) {
    return u32[0] >>> 31 ? '-nan' : 'nan';
  }
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  if (a >= 1e21) {
    body = `${BigInt(a).toString()}.000000`; // float32 values this large are integers
  } else {
    const scaled = a * 128;
    if (Number.isInteger(scaled) && scaled % 2 === 1) {
      // An exact tie at the 6th decimal (a = m / 128 with m odd): glibc rounds to even,
      // toFixed away from zero. a * 1e6 = m * 15625 / 2.
      const twice = scaled * 15625; // odd integer, exact below 2^53
      let n = (twice - 1) / 2;
      if (n % 2 === 1) n += 1;
      const s = String(n).padStart(7, '0');
      body = `${s.slice(0, -6)}.${s.slice(-6)}`;
    } else {
      body = a.toFixed(6);
    }
  }
  return neg ? `-${body}` : body;
}

// ---------------------------------------------------------------------------------------------
// Writing

const encoder = new TextEncoder();

function checkWord(word: string): void {
  if (word.length === 0) throw new Error('an empty word cannot be stored in word2vec format');
  if (/[ \n]/.test(word)) {
    throw new Error(
      `word ${JSON.stringify(word)} contains a space or a newline and cannot be stored in word2vec format`,
    );
  }
}

/**
 * Encodes vectors as a word2vec.c file (see {@link SaveWord2VecOptions} for the layout).
 *
 * @param words - words, in the order to write.
 * @param vectors - row-major `[words.length x vectorSize]`.
 * @param vectorSize - dimension.
 * @param options - `binary` and `flavor`.
 * @returns the file's bytes.
 * @throws if a word is empty or contains a space or newline.
 */
export function encodeWord2VecFormat(
  words: readonly string[],
  vectors: Float32Array,
  vectorSize: number,
  options: SaveWord2VecOptions = {},
): Uint8Array {
  const binary = options.binary ?? false;
  const flavor = options.flavor ?? (binary ? 'word2vec.c' : 'gensim');
  for (const w of words) checkWord(w);
  const header = encoder.encode(`${words.length} ${vectorSize}\n`);
  if (binary) {
    const wordBytes = words.map((w) => encoder.encode(w));
    const nl = flavor === 'word2vec.c' ? 1 : 0;
    let total = header.length;
    for (const b of wordBytes) total += b.length + 1 + 4 * vectorSize + nl;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    out.set(header, 0);
    let pos = header.length;
    const vecBytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    for (let i = 0; i < words.length; i++) {
      out.set(wordBytes[i], pos);
      pos += wordBytes[i].length;
      out[pos++] = 0x20;
      if (hostLittleEndian) {
        out.set(vecBytes.subarray(4 * i * vectorSize, 4 * (i + 1) * vectorSize), pos);
        pos += 4 * vectorSize;
      } else {
        for (let j = 0; j < vectorSize; j++, pos += 4) {
          view.setFloat32(pos, vectors[i * vectorSize + j], true);
        }
      }
      if (nl) out[pos++] = 0x0a;
    }
    return out;
  }
  const parts: string[] = [`${words.length} ${vectorSize}\n`];
  const vals: string[] = new Array(vectorSize);
  for (let i = 0; i < words.length; i++) {
    const base = i * vectorSize;
    if (flavor === 'word2vec.c') {
      for (let j = 0; j < vectorSize; j++) vals[j] = `${formatFloatC(vectors[base + j])} `;
      parts.push(`${words[i]} ${vals.join('')}\n`);
    } else {
      for (let j = 0; j < vectorSize; j++) vals[j] = formatFloat32Repr(vectors[base + j]);
      parts.push(`${words[i]} ${vals.join(' ')}\n`);
    }
  }
  return encoder.encode(parts.join(''));
}

// ---------------------------------------------------------------------------------------------
// Reading

function toBytes(data: Uint8Array | ArrayBuffer | string): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('loadWord2VecFormat expects a Uint8Array, an ArrayBuffer or a string');
}

/** Parses the header line `<count> <dim>`; `where` locates errors. */
function parseHeader(text: string, where: { line?: number; offset?: number }): [number, number] {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 2 || fields[0] === '') {
    throw new Word2VecFormatError(
      `the header must be '<count> <dimension>', found ${JSON.stringify(text.slice(0, 80))}`,
      where,
    );
  }
  const nums = fields.map((f) => (/^[+-]?\d+$/.test(f) ? Number(f) : Number.NaN));
  if (nums.some((v) => Number.isNaN(v))) {
    throw new Word2VecFormatError(
      `the header must be two integers '<count> <dimension>', found ${JSON.stringify(text.slice(0, 80))}`,
      where,
    );
  }
  if (nums[0] < 0) throw new Word2VecFormatError(`negative word count ${nums[0]}`, where);
  if (nums[1] < 1) throw new Word2VecFormatError(`vector size ${nums[1]} must be >= 1`, where);
  if (!Number.isSafeInteger(nums[0]) || !Number.isSafeInteger(nums[1] * Math.max(1, nums[0]))) {
    throw new Word2VecFormatError('the header sizes are too large', where);
  }
  return [nums[0], nums[1]];
}

const NUMBER_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)$/i;

/**
 * Python's `float()` on a token without surrounding spaces (decimals, `nan`, `inf`,
 * `infinity`, any case), or undefined if it is not a number.
 */
function parseValue(s: string): number | undefined {
  const c = s.charCodeAt(s.length - 1);
  // Fast path: plain decimals end in a digit or '.'. Number() also takes 0x/0b/0o literals
  // (rejected here) and '' (which ends in neither).
  if ((c >= 48 && c <= 57) || c === 46) {
    const v = Number(s);
    if (!Number.isNaN(v) && !/[xXbBoO]/.test(s)) return v;
  }
  if (!NUMBER_RE.test(s)) return undefined;
  const low = s.toLowerCase();
  if (low.endsWith('nan')) return Number.NaN;
  if (low.endsWith('inf') || low.endsWith('infinity')) {
    return low.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(s);
}

function decodeText(
  bytes: Uint8Array,
  count: number,
  dim: number,
  limit: number,
  fatal: boolean,
): Word2VecData {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal }).decode(bytes);
  } catch {
    // Find the offending line for the message.
    let start = 0;
    let line = 1;
    const dec = new TextDecoder('utf-8', { fatal: true });
    for (;;) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        dec.decode(bytes.subarray(start, end));
      } catch {
        throw new Word2VecFormatError('invalid UTF-8', { line });
      }
      start = end + 1;
      line++;
    }
  }
  const n = Math.min(count, limit);
  const words: string[] = new Array(n);
  const vectors = new Float32Array(n * dim);
  const seen = new Map<string, number>();
  let pos = text.indexOf('\n') + 1;
  for (let i = 0; i < n; i++) {
    const lineNo = i + 2;
    if (pos >= text.length) {
      throw new Word2VecFormatError(
        `unexpected end of file: the header declares ${count} words but the file has ${i}`,
        { line: lineNo },
      );
    }
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trimEnd();
    pos = end + 1;
    const sp = line.indexOf(' ');
    const word = sp < 0 ? line : line.slice(0, sp);
    if (word.length === 0) {
      throw new Word2VecFormatError(
        line.length === 0 ? 'empty line where a word was expected' : 'the line starts with a space',
        { line: lineNo },
      );
    }
    const first = seen.get(word);
    if (first !== undefined) {
      throw new Word2VecFormatError(`duplicate word '${word}' (first on line ${first})`, {
        line: lineNo,
      });
    }
    seen.set(word, lineNo);
    const values =
      sp < 0
        ? []
        : line
            .slice(sp + 1)
            .trimStart()
            .split(/ +/);
    if (values.length !== dim) {
      throw new Word2VecFormatError(
        `expected ${dim} values after the word '${word}', found ${values.length}`,
        { line: lineNo },
      );
    }
    const base = i * dim;
    for (let j = 0; j < dim; j++) {
      const s = values[j];
      const v = parseValue(s);
      if (v === undefined) {
        throw new Word2VecFormatError(
          `value ${j + 1} of word '${word}' is not a number: ${JSON.stringify(s.slice(0, 40))}`,
          { line: lineNo },
        );
      }
      vectors[base + j] = v;
    }
    words[i] = word;
  }
  return { words, vectors, vectorSize: dim };
}

function decodeBinary(
  bytes: Uint8Array,
  headerEnd: number,
  count: number,
  dim: number,
  limit: number,
  fatal: boolean,
): Word2VecData {
  const n = Math.min(count, limit);
  const words: string[] = new Array(n);
  const vectors = new Float32Array(n * dim);
  const vecBytes = new Uint8Array(vectors.buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8', { fatal });
  const seen = new Map<string, number>();
  const rowBytes = 4 * dim;
  let pos = headerEnd;
  for (let i = 0; i < n; i++) {
    while (pos < bytes.length && bytes[pos] === 0x0a) pos++; // word2vec.c's '\n' after a vector
    const start = pos;
    const sp = bytes.indexOf(0x20, pos);
    if (sp < 0) {
      throw new Word2VecFormatError(
        `unexpected end of file: the header declares ${count} words but the file has ${i}` +
          (start < bytes.length ? ' and a partial word' : ''),
        { offset: start },
      );
    }
    if (sp === start)
      throw new Word2VecFormatError(`empty word (word #${i + 1})`, { offset: start });
    let word: string;
    try {
      word = dec.decode(bytes.subarray(start, sp));
    } catch {
      throw new Word2VecFormatError(`word #${i + 1} is not valid UTF-8`, { offset: start });
    }
    const vecStart = sp + 1;
    if (bytes.length - vecStart < rowBytes) {
      throw new Word2VecFormatError(
        `truncated vector of word '${word}': ${rowBytes} bytes needed, ${bytes.length - vecStart} left`,
        { offset: vecStart },
      );
    }
    const first = seen.get(word);
    if (first !== undefined) {
      throw new Word2VecFormatError(`duplicate word '${word}' (first at byte offset ${first})`, {
        offset: start,
      });
    }
    seen.set(word, start);
    if (hostLittleEndian) {
      vecBytes.set(bytes.subarray(vecStart, vecStart + rowBytes), i * rowBytes);
    } else {
      for (let j = 0; j < dim; j++) vectors[i * dim + j] = view.getFloat32(vecStart + 4 * j, true);
    }
    words[i] = word;
    pos = vecStart + rowBytes;
  }
  return { words, vectors, vectorSize: dim };
}

/**
 * Decodes a word2vec.c file, text or binary. Text files accept what gensim and word2vec.c write
 * (a trailing space or `\r` on lines, any decimal or `nan`/`inf` spelling Python's `float`
 * takes; runs of spaces between values are also accepted); binary files accept vectors with or
 * without the `\n` after them. Lines after the declared count are ignored, as in gensim.
 *
 * @param data - the file's bytes (a string is taken as a text file's content).
 * @param options - `binary`, `limit`, `unicodeErrors`.
 * @returns words, row-major vectors and the dimension.
 * @throws {@link Word2VecFormatError} with the line (text) or byte offset (binary) when the
 *   header is missing or invalid (not two integers, negative count, dimension < 1), a line has
 *   the wrong number of values or a non-numeric one, the file ends before the declared count of
 *   words, a word repeats, or a word is not valid UTF-8.
 */
export function decodeWord2VecFormat(
  data: Uint8Array | ArrayBuffer | string,
  options: LoadWord2VecOptions = {},
): Word2VecData {
  const bytes = toBytes(data);
  const binary = options.binary ?? false;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0)) throw new RangeError(`limit must be >= 0, got ${options.limit}`);
  const fatal = (options.unicodeErrors ?? 'strict') === 'strict';
  const where = binary ? { offset: 0 } : { line: 1 };
  if (bytes.length === 0) throw new Word2VecFormatError('empty file: the header is missing', where);
  let nl = bytes.indexOf(0x0a);
  if (nl < 0) {
    if (binary || !/^\s*\d+\s+\d+\s*$/.test(new TextDecoder().decode(bytes.subarray(0, 200)))) {
      throw new Word2VecFormatError('the header line is not terminated by a newline', where);
    }
    nl = bytes.length;
  }
  const headerText = new TextDecoder('utf-8').decode(bytes.subarray(0, Math.min(nl, 1000)));
  const [count, dim] = parseHeader(headerText, where);
  return binary
    ? decodeBinary(bytes, nl + 1, count, dim, limit, fatal)
    : decodeText(bytes, count, dim, limit, fatal);
}
