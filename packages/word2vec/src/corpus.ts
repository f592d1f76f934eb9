// Corpus sources: arrays (or any re-iterable) of token arrays, re-iterable async iterables, and
// in Node a file path streamed in chunks (gunzipped when it ends in .gz), split into lines and
// whitespace tokens. Sentences longer than MAX_SENTENCE tokens are cut into pieces, never
// truncated.

/** A training corpus: token arrays, an async iterable of them, or (Node) a text file path. */
export type Corpus = Iterable<readonly string[]> | AsyncIterable<readonly string[]> | CorpusFile;

/** A whitespace-tokenized text file, one sentence per line, read in chunks (Node only). */
export interface CorpusFile {
  /** Path of the file; `.gz` files are gunzipped on the fly. */
  path: string;
}

/** Longest sentence trained at once (word2vec.c's MAX_SENTENCE_LENGTH, gensim's MAX_WORDS). */
export const MAX_SENTENCE = 10000;

const WS = /\s+/;

function isFile(c: unknown): c is CorpusFile {
  return typeof c === 'object' && c !== null && typeof (c as CorpusFile).path === 'string';
}

/** Checks that `corpus` is a usable corpus (throws a TypeError naming the problem). */
export function checkCorpus(corpus: unknown, caller: string): asserts corpus is Corpus {
  if (isFile(corpus)) return;
  if (typeof corpus === 'string' || corpus === null || typeof corpus !== 'object') {
    throw new TypeError(
      `${caller}: corpus must be an array of token arrays, an AsyncIterable<string[]> or { path }, got ${corpus === null ? 'null' : typeof corpus}`,
    );
  }
  const c = corpus as Partial<Iterable<unknown> & AsyncIterable<unknown>>;
  if (typeof c[Symbol.asyncIterator] === 'function') {
    if ((c as { next?: unknown }).next !== undefined) {
      throw new TypeError(
        `${caller}: the corpus is a one-shot iterator (e.g. an async generator object) but training reads it once per epoch plus once for the vocabulary; pass an object whose [Symbol.asyncIterator]() returns a fresh iterator each time`,
      );
    }
    return;
  }
  if (typeof c[Symbol.iterator] === 'function') {
    if ((c as { next?: unknown }).next !== undefined) {
      throw new TypeError(
        `${caller}: the corpus is a one-shot iterator (e.g. a generator object) but training reads it several times; pass an array or a re-iterable object`,
      );
    }
    return;
  }
  throw new TypeError(
    `${caller}: corpus must be an array of token arrays, an AsyncIterable<string[]> or { path }`,
  );
}

function checkSentence(s: unknown, caller: string): asserts s is readonly string[] {
  if (!Array.isArray(s)) {
    throw new TypeError(
      `${caller}: every sentence must be an array of string tokens, got ${typeof s === 'string' ? 'a string (split it into tokens first)' : typeof s}`,
    );
  }
}

/**
 * Calls `onSentence` for every sentence of the corpus, in order, each at most MAX_SENTENCE
 * tokens long (longer ones arrive as consecutive pieces). `onSentence` may return a promise
 * (awaited) to let the caller pause.
 */
export async function forEachSentence(
  corpus: Corpus,
  caller: string,
  onSentence: (tokens: readonly string[]) => void | Promise<void>,
): Promise<void> {
  const emit = async (s: readonly string[]): Promise<void> => {
    if (s.length <= MAX_SENTENCE) {
      const r = onSentence(s);
      if (r) await r;
      return;
    }
    for (let i = 0; i < s.length; i += MAX_SENTENCE) {
      const r = onSentence(s.slice(i, i + MAX_SENTENCE));
      if (r) await r;
    }
  };
  if (isFile(corpus)) {
    await readFileSentences(corpus.path, emit);
    return;
  }
  if (typeof (corpus as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const s of corpus as AsyncIterable<unknown>) {
      checkSentence(s, caller);
      await emit(s);
    }
    return;
  }
  for (const s of corpus as Iterable<unknown>) {
    checkSentence(s, caller);
    await emit(s);
  }
}

async function readFileSentences(
  path: string,
  emit: (s: readonly string[]) => Promise<void>,
): Promise<void> {
  // Dynamic imports: browsers and workers never load node:fs.
  const fs = await import('node:fs');
  let stream: AsyncIterable<Uint8Array> = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  if (path.endsWith('.gz')) {
    const zlib = await import('node:zlib');
    stream = (stream as import('node:fs').ReadStream).pipe(zlib.createGunzip());
  }
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let current: string[] = [];
  const flushFull = async (): Promise<void> => {
    while (current.length >= MAX_SENTENCE) {
      await emit(current.slice(0, MAX_SENTENCE));
      current = current.slice(MAX_SENTENCE);
    }
  };
  const take = async (body: string, final: boolean): Promise<void> => {
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.length > 0) {
        for (const t of line.split(WS)) if (t.length > 0) current.push(t);
        if (current.length >= MAX_SENTENCE) await flushFull();
      }
      if (i < lines.length - 1 || final) {
        if (current.length > 0) await emit(current);
        current = [];
      }
    }
  };
  for await (const chunk of stream) {
    const text = carry + decoder.decode(chunk, { stream: true });
    // Keep the trailing partial token for the next chunk.
    let cut = text.length;
    while (cut > 0 && !WS.test(text[cut - 1])) cut--;
    carry = text.slice(cut);
    if (cut > 0) await take(text.slice(0, cut), false);
  }
  await take(carry + decoder.decode(), true);
}
