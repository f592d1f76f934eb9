// The training engine: one word2vec kernel instance, its memory layout (model struct, weights,
// tables, one job with its scratch and the current chunk of token ids) and chunk runs.
import {
  type KernelVariant,
  type LoadedWord2VecKernels,
  loadWord2VecKernels,
  type Word2VecKernelExports,
} from '@zoo/kernels';
import { MAX_SENTENCE } from './corpus.js';
import { aliasTable, buildHuffman, keepTable, type Vocab } from './vocab.js';

/** Where the word2vec kernels come from (for workerd: a precompiled module). */
export interface KernelSource {
  /** A precompiled `@zoo/kernels/zoo-word2vec-simd.wasm` (or `-relaxed`) module. */
  module?: WebAssembly.Module;
  /** `'auto'` (default), `'simd'` or `'relaxed'`; both compute identical bits. */
  variant?: KernelVariant | 'auto';
}

/** The settings the engine needs. */
export interface EngineSettings {
  vectorSize: number;
  window: number;
  sg: 0 | 1;
  hs: 0 | 1;
  negative: number;
  cbowMean: 0 | 1;
  sample: number;
  nsExponent: number;
}

/** Weights without padding, [vocab x vectorSize] each. */
export interface Weights {
  syn0: Float32Array;
  syn1neg: Float32Array | null;
  syn1: Float32Array | null;
}

/** Token ids per kernel call (sentence ends included). */
const CHUNK = 1 << 17;

// Model struct field offsets (see wasm/assembly/word2vec/train.ts).
const M = {
  syn0: 0,
  syn1neg: 4,
  syn1: 8,
  stride: 12,
  dim: 16,
  vocab: 20,
  window: 24,
  negative: 28,
  hs: 32,
  sg: 36,
  cbowMean: 40,
  sample: 44,
  keep: 48,
  alias: 52,
  codeStart: 56,
  codes: 60,
  points: 64,
  tables: 68,
  maxSentence: 72,
} as const;
// Job struct field offsets.
const J = {
  tokens: 0,
  nTokens: 4,
  sent: 8,
  reduce: 12,
  neu1: 16,
  neu1e: 20,
  alpha0: 24,
  alpha1: 28,
  rng: 32,
  loss: 40,
  words: 48,
  trained: 56,
} as const;

let cachedModule: Promise<WebAssembly.Module> | undefined;
let cachedVariant: string | undefined;

async function instantiate(source: KernelSource | undefined): Promise<LoadedWord2VecKernels> {
  if (source?.module !== undefined) return loadWord2VecKernels({ module: source.module });
  const variant = source?.variant ?? 'auto';
  if (cachedModule === undefined || cachedVariant !== variant) {
    cachedVariant = variant;
    cachedModule = loadWord2VecKernels({ variant }).then((l) => l.module);
  }
  return loadWord2VecKernels({ module: await cachedModule });
}

/** A training instance: weights live in wasm memory until {@link Engine.weights} copies them. */
export class Engine {
  private constructor(
    private readonly k: Word2VecKernelExports,
    private readonly memory: WebAssembly.Memory,
    private readonly vocabSize: number,
    private readonly dim: number,
    private readonly stride: number,
    private readonly ptr: {
      model: number;
      job: number;
      syn0: number;
      syn1neg: number;
      syn1: number;
      tokens: number;
    },
    readonly ref: boolean,
  ) {}

  /**
   * Lays out a model for `vocab` and fills its weights from `weights` (or word2vec.c's random
   * init from `rng` and zero output layers). The noise, keep and Huffman tables are derived
   * from the vocabulary counts.
   */
  static async create(
    s: EngineSettings,
    vocab: Vocab,
    weights: Weights | null,
    rng: bigint,
    source?: KernelSource,
    ref = false,
  ): Promise<Engine> {
    const { exports: k, memory, heapBase } = await instantiate(source);
    const v = vocab.words.length;
    const dim = s.vectorSize;
    const stride = (dim + 3) & ~3;
    const huff = s.hs ? buildHuffman(vocab.counts) : null;
    let top = (heapBase + 63) & ~63;
    const alloc = (bytes: number): number => {
      const p = top;
      top = (top + Math.max(bytes, 1) + 63) & ~63;
      return p;
    };
    const rowBytes = v * stride * 4;
    const ptr = {
      tables: alloc(8000),
      model: alloc(128),
      job: alloc(128),
      syn0: alloc(rowBytes),
      syn1neg: s.negative > 0 ? alloc(rowBytes) : 0,
      syn1: s.hs ? alloc(rowBytes) : 0,
      keep: alloc(v * 4),
      alias: s.negative > 0 ? alloc(v * 8) : 0,
      codeStart: huff ? alloc((v + 1) * 4) : 0,
      codes: huff ? alloc(huff.codes.length) : 0,
      points: huff ? alloc(huff.points.length * 4) : 0,
      sent: alloc(MAX_SENTENCE * 4),
      reduce: alloc(MAX_SENTENCE * 4),
      neu1: alloc(stride * 4),
      neu1e: alloc(stride * 4),
      tokens: alloc(CHUNK * 4),
    };
    const need = top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    const buf = memory.buffer;
    const dv = new DataView(buf);
    k.w2vInitTables(ptr.tables);
    const keep = keepTable(vocab.counts, s.sample);
    if (keep) new Uint32Array(buf, ptr.keep, v).set(keep);
    if (s.negative > 0) {
      new Uint32Array(buf, ptr.alias, 2 * v).set(
        aliasTable(vocab.counts, s.nsExponent, (x, y) => k.w2vPow(x, y)),
      );
    }
    if (huff) {
      new Int32Array(buf, ptr.codeStart, v + 1).set(huff.start);
      new Uint8Array(buf, ptr.codes, huff.codes.length).set(huff.codes);
      new Int32Array(buf, ptr.points, huff.points.length).set(huff.points);
    }
    const m = ptr.model;
    const fields: [number, number][] = [
      [M.syn0, ptr.syn0],
      [M.syn1neg, ptr.syn1neg],
      [M.syn1, ptr.syn1],
      [M.stride, stride],
      [M.dim, dim],
      [M.vocab, v],
      [M.window, s.window],
      [M.negative, s.negative],
      [M.hs, s.hs],
      [M.sg, s.sg],
      [M.cbowMean, s.cbowMean],
      [M.sample, keep ? 1 : 0],
      [M.keep, ptr.keep],
      [M.alias, ptr.alias],
      [M.codeStart, ptr.codeStart],
      [M.codes, ptr.codes],
      [M.points, ptr.points],
      [M.tables, ptr.tables],
      [M.maxSentence, MAX_SENTENCE],
    ];
    for (const [off, val] of fields) dv.setInt32(m + off, val, true);
    const j = ptr.job;
    dv.setInt32(j + J.tokens, ptr.tokens, true);
    dv.setInt32(j + J.sent, ptr.sent, true);
    dv.setInt32(j + J.reduce, ptr.reduce, true);
    dv.setInt32(j + J.neu1, ptr.neu1, true);
    dv.setInt32(j + J.neu1e, ptr.neu1e, true);
    dv.setBigUint64(j + J.rng, BigInt.asUintN(64, rng), true);
    const engine = new Engine(k, memory, v, dim, stride, ptr, ref);
    if (weights) {
      engine.put(ptr.syn0, weights.syn0);
      if (ptr.syn1neg) engine.put(ptr.syn1neg, weights.syn1neg);
      if (ptr.syn1) engine.put(ptr.syn1, weights.syn1);
    } else {
      k.w2vInitVectors(ptr.syn0, v, stride, dim, j + J.rng);
    }
    return engine;
  }

  /** Capacity of the token chunk, in ids (sentence ends included). */
  get capacity(): number {
    return CHUNK;
  }

  /** A view of the chunk buffer (re-made if memory moved). */
  tokenView(): Int32Array {
    return new Int32Array(this.memory.buffer, this.ptr.tokens, CHUNK);
  }

  /** Zeroes the per-epoch accumulators (loss, words, trained). */
  resetTallies(): void {
    const dv = new DataView(this.memory.buffer);
    dv.setFloat64(this.ptr.job + J.loss, 0, true);
    dv.setFloat64(this.ptr.job + J.words, 0, true);
    dv.setFloat64(this.ptr.job + J.trained, 0, true);
  }

  /** Trains the first `n` ids of the chunk with alpha going linearly from alpha0 to alpha1. */
  run(n: number, alpha0: number, alpha1: number): void {
    const dv = new DataView(this.memory.buffer);
    const j = this.ptr.job;
    dv.setInt32(j + J.nTokens, n, true);
    dv.setFloat32(j + J.alpha0, alpha0, true);
    dv.setFloat32(j + J.alpha1, alpha1, true);
    if (this.ref) this.k.w2vTrainRef(this.ptr.model, j);
    else this.k.w2vTrain(this.ptr.model, j);
  }

  /** The job's tallies since {@link resetTallies}: loss, tokens read, tokens trained. */
  tallies(): { loss: number; words: number; trained: number } {
    const dv = new DataView(this.memory.buffer);
    const j = this.ptr.job;
    return {
      loss: dv.getFloat64(j + J.loss, true),
      words: dv.getFloat64(j + J.words, true),
      trained: dv.getFloat64(j + J.trained, true),
    };
  }

  /** The RNG state (word2vec.c's LCG, u64). */
  rng(): bigint {
    return new DataView(this.memory.buffer).getBigUint64(this.ptr.job + J.rng, true);
  }

  /** Copies the weights out of wasm memory, without padding. */
  weights(): Weights {
    return {
      syn0: this.get(this.ptr.syn0),
      syn1neg: this.ptr.syn1neg ? this.get(this.ptr.syn1neg) : null,
      syn1: this.ptr.syn1 ? this.get(this.ptr.syn1) : null,
    };
  }

  private get(p: number): Float32Array {
    const { vocabSize: v, dim, stride } = this;
    const src = new Float32Array(this.memory.buffer, p, v * stride);
    if (stride === dim) return src.slice();
    const out = new Float32Array(v * dim);
    for (let r = 0; r < v; r++) out.set(src.subarray(r * stride, r * stride + dim), r * dim);
    return out;
  }

  private put(p: number, data: Float32Array | null): void {
    if (!data) return;
    const { vocabSize: v, dim, stride } = this;
    const dst = new Float32Array(this.memory.buffer, p, v * stride);
    if (stride === dim) {
      dst.set(data);
      return;
    }
    for (let r = 0; r < v; r++) dst.set(data.subarray(r * dim, (r + 1) * dim), r * stride);
  }
}
