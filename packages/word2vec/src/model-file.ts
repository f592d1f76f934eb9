// The full-model file: everything Word2Vec.fromState needs, so training can continue.
//
// Layout (little-endian): the 8 bytes "ZOOW2V1\n", a u32 byte length of the UTF-8 JSON header,
// the header (settings, vocabulary, counts, RNG state as a decimal string, schedule
// position and the element counts of each array), zero padding to a multiple of 4, then the
// float32 arrays syn0, syn1neg and syn1 (those present) back to back.
import type { Word2VecState } from './word2vec.js';

const MAGIC = 'ZOOW2V1\n';

interface Header {
  version: 1;
  settings: Word2VecState['settings'];
  words: string[];
  counts: number[];
  rng: string;
  epochsTrained: number;
  corpusTotalWords: number;
  alphaReached: number;
  sizes: { syn0: number; syn1neg: number | null; syn1: number | null };
}

/** Serialises a model state to bytes. */
export function encodeModel(state: Word2VecState): Uint8Array<ArrayBuffer> {
  const header: Header = {
    version: 1,
    settings: state.settings,
    words: state.words,
    counts: state.counts,
    rng: state.rng.toString(),
    epochsTrained: state.epochsTrained,
    corpusTotalWords: state.corpusTotalWords,
    alphaReached: state.alphaReached,
    sizes: {
      syn0: state.syn0.length,
      syn1neg: state.syn1neg?.length ?? null,
      syn1: state.syn1?.length ?? null,
    },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = (8 + 4 + json.length + 3) & ~3;
  const arrays = [state.syn0, state.syn1neg, state.syn1].filter(
    (a): a is Float32Array => a !== null,
  );
  const total = start + arrays.reduce((n, a) => n + a.length * 4, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** Parses bytes written by {@link encodeModel}; errors give the byte offset of the problem. */
export function decodeModel(bytes: Uint8Array | ArrayBuffer): Word2VecState {
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  const fail = (offset: number, what: string): never => {
    throw new Error(`Word2Vec.load: byte offset ${offset}: ${what}`);
  };
  if (b.length < 12 || new TextDecoder().decode(b.subarray(0, 8)) !== MAGIC) {
    fail(0, 'not a Zoo Word2Vec model file (expected the "ZOOW2V1" header)');
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > b.length)
    fail(12, `header of ${jsonLength} bytes runs past the end of the file (${b.length} bytes)`);
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(12, 12 + jsonLength)),
    ) as Header;
  } catch (err) {
    return fail(12, `malformed header: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (header.version !== 1) fail(12, `unknown model file version ${String(header.version)}`);
  const sizes = header.sizes ?? fail(12, 'the header has no array sizes');
  let at = (12 + jsonLength + 3) & ~3;
  const take = (n: number | null, name: string): Float32Array | null => {
    if (n === null) return null;
    if (!Number.isInteger(n) || n < 0) fail(12, `bad size for ${name}: ${String(n)}`);
    if (at + n * 4 > b.length) {
      fail(at, `${name} needs ${n * 4} bytes, only ${b.length - at} remain (truncated file)`);
    }
    const a = new Float32Array(n);
    new Uint8Array(a.buffer).set(b.subarray(at, at + n * 4));
    at += n * 4;
    return a;
  };
  const syn0 = take(sizes.syn0, 'syn0') as Float32Array;
  const syn1neg = take(sizes.syn1neg, 'syn1neg');
  const syn1 = take(sizes.syn1, 'syn1');
  if (at !== b.length) fail(at, `${b.length - at} unexpected bytes after the last array`);
  let rng: bigint;
  try {
    rng = BigInt(header.rng);
  } catch {
    return fail(12, `bad random state '${String(header.rng)}'`);
  }
  return {
    version: 1,
    settings: header.settings,
    words: header.words,
    counts: header.counts,
    syn0,
    syn1neg,
    syn1,
    rng,
    epochsTrained: header.epochsTrained,
    corpusTotalWords: header.corpusTotalWords,
    alphaReached: header.alphaReached,
  };
}
