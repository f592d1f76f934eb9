// The training engines: the memory layout (model struct, weights, tables, jobs with their
// scratch, chunks of token ids) and chunk runs, on one thread (Engine) or on Hogwild worker
// threads sharing one wasm memory (ThreadedEngine, in threads.ts).
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
export const CHUNK = 1 << 17;

// Model struct field offsets (see wasm/assembly/word2vec/train.ts).
export const M = {
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
export const J = {
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

/** What a training loop needs from an engine (one thread or several). */
export interface Trainer {
  /** Capacity of a token chunk, in ids (sentence ends included). */
  readonly capacity: number;
  /** Threads that train (1 for {@link Engine}). */
  readonly workers: number;
  /** A view of the chunk buffer to fill next (re-made if memory moved). */
  tokenView(): Int32Array;
  /** Zeroes the per-epoch accumulators (loss, words, trained) of every job. */
  resetTallies(): void;
  /**
   * Trains the first `n` ids of the chunk {@link tokenView} returned, alpha going linearly from
   * alpha0 to alpha1. May return before the chunk is trained (then {@link tokenView} hands out
   * another buffer); {@link drain} waits for it.
   */
  submit(n: number, alpha0: number, alpha1: number): void | Promise<void>;
  /** Waits until every submitted chunk is trained. */
  drain(): Promise<void>;
  /** The tallies since {@link resetTallies}, summed over jobs (float64). */
  tallies(): Tallies;
  /** The RNG state of the first job (word2vec.c's LCG, u64). */
  rng(): bigint;
  /** Copies the weights out of wasm memory, without padding. */
  weights(): Weights;
  /** Releases threads (a no-op for one thread). */
  close(): Promise<void>;
}

/** Per-epoch accumulators of the jobs. */
export interface Tallies {
  loss: number;
  words: number;
  trained: number;
}

/** Pointers of one job struct and its scratch. */
export interface JobLayout {
  job: number;
  sent: number;
  reduce: number;
  neu1: number;
  neu1e: number;
}

/** Where everything lives in wasm memory. */
export interface Layout {
  tables: number;
  model: number;
  jobs: JobLayout[];
  syn0: number;
  syn1neg: number;
  syn1: number;
  keep: number;
  alias: number;
  codeStart: number;
  codes: number;
  points: number;
  /** Token chunk buffers (CHUNK ids each). */
  tokens: number[];
  /** Work queues, one per token buffer (threads only): see threads.ts. */
  queues: number[];
  /** First byte past the layout. */
  top: number;
}

/**
 * Lays out a model with `jobs` job structs, `buffers` token chunks and `queueBytes` bytes of
 * work queue per token chunk, from `heapBase` up (64-byte aligned blocks). With 1 job, 1
 * buffer and no queue this is the single-thread layout.
 */
export function planLayout(
  s: EngineSettings,
  vocabSize: number,
  huff: { codes: Uint8Array; points: Int32Array } | null,
  heapBase: number,
  jobs: number,
  buffers: number,
  queueBytes: number,
): Layout {
  const v = vocabSize;
  const stride = (s.vectorSize + 3) & ~3;
  let top = (heapBase + 63) & ~63;
  const alloc = (bytes: number): number => {
    const p = top;
    top = (top + Math.max(bytes, 1) + 63) & ~63;
    return p;
  };
  const rowBytes = v * stride * 4;
  const tables = alloc(8000);
  const model = alloc(128);
  // Several jobs (threads): each struct in its own 256 bytes, 128-aligned, so one thread's
  // tally updates never share a cache line (or an adjacent-line prefetch pair) with another's.
  if (jobs > 1) top = (top + 127) & ~127;
  const jobPtrs: number[] = [];
  for (let i = 0; i < jobs; i++) jobPtrs.push(alloc(jobs > 1 ? 256 : 128));
  const out = {
    tables,
    model,
    syn0: alloc(rowBytes),
    syn1neg: s.negative > 0 ? alloc(rowBytes) : 0,
    syn1: s.hs ? alloc(rowBytes) : 0,
    keep: alloc(v * 4),
    alias: s.negative > 0 ? alloc(v * 8) : 0,
    codeStart: huff ? alloc((v + 1) * 4) : 0,
    codes: huff ? alloc(huff.codes.length) : 0,
    points: huff ? alloc(huff.points.length * 4) : 0,
  };
  const jobLayouts: JobLayout[] = jobPtrs.map((job) => ({
    job,
    sent: alloc(MAX_SENTENCE * 4),
    reduce: alloc(MAX_SENTENCE * 4),
    neu1: alloc(stride * 4),
    neu1e: alloc(stride * 4),
  }));
  const tokens: number[] = [];
  for (let i = 0; i < buffers; i++) tokens.push(alloc(CHUNK * 4));
  const queues: number[] = [];
  if (queueBytes > 0) for (let i = 0; i < buffers; i++) queues.push(alloc(queueBytes));
  return { ...out, jobs: jobLayouts, tokens, queues, top };
}

/**
 * Writes the tables, the model struct and the job structs of `layout` (memory must already be
 * large enough), then the weights (given, or word2vec.c's random init from `rng` through the
 * first job's RNG). Job i > 0 gets its own RNG seeded from `rng` and i.
 */
export function writeModel(
  k: Word2VecKernelExports,
  buf: ArrayBufferLike,
  layout: Layout,
  s: EngineSettings,
  vocab: Vocab,
  huff: ReturnType<typeof buildHuffman> | null,
  weights: Weights | null,
  rng: bigint,
): void {
  const v = vocab.words.length;
  const dim = s.vectorSize;
  const stride = (dim + 3) & ~3;
  const ptr = layout;
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
  for (let i = 0; i < layout.jobs.length; i++) {
    const jl = layout.jobs[i];
    const j = jl.job;
    dv.setInt32(j + J.tokens, layout.tokens[0], true);
    dv.setInt32(j + J.sent, jl.sent, true);
    dv.setInt32(j + J.reduce, jl.reduce, true);
    dv.setInt32(j + J.neu1, jl.neu1, true);
    dv.setInt32(j + J.neu1e, jl.neu1e, true);
    // Job 0 continues the model's RNG; the others get their own streams from it and i.
    const seed = i === 0 ? rng : rng * 6364136223846793005n + BigInt(i) * 1442695040888963407n;
    dv.setBigUint64(j + J.rng, BigInt.asUintN(64, seed), true);
  }
  if (weights) {
    putRows(buf, ptr.syn0, weights.syn0, v, dim, stride);
    if (ptr.syn1neg) putRows(buf, ptr.syn1neg, weights.syn1neg, v, dim, stride);
    if (ptr.syn1) putRows(buf, ptr.syn1, weights.syn1, v, dim, stride);
  } else {
    k.w2vInitVectors(ptr.syn0, v, stride, dim, layout.jobs[0].job + J.rng);
  }
}

/** Copies unpadded rows into padded rows of `stride` floats. */
function putRows(
  buf: ArrayBufferLike,
  p: number,
  data: Float32Array | null,
  v: number,
  dim: number,
  stride: number,
): void {
  if (!data) return;
  const dst = new Float32Array(buf, p, v * stride);
  if (stride === dim) {
    dst.set(data);
    return;
  }
  for (let r = 0; r < v; r++) dst.set(data.subarray(r * dim, (r + 1) * dim), r * stride);
}

/** Copies padded rows of `stride` floats out, without padding. */
export function getRows(
  buf: ArrayBufferLike,
  p: number,
  v: number,
  dim: number,
  stride: number,
): Float32Array {
  const src = new Float32Array(buf, p, v * stride);
  if (stride === dim) return src.slice();
  const out = new Float32Array(v * dim);
  for (let r = 0; r < v; r++) out.set(src.subarray(r * stride, r * stride + dim), r * dim);
  return out;
}

/** Sums the tallies of the given job structs. */
export function sumTallies(buf: ArrayBufferLike, jobs: readonly JobLayout[]): Tallies {
  const dv = new DataView(buf);
  const t: Tallies = { loss: 0, words: 0, trained: 0 };
  for (const { job } of jobs) {
    t.loss += dv.getFloat64(job + J.loss, true);
    t.words += dv.getFloat64(job + J.words, true);
    t.trained += dv.getFloat64(job + J.trained, true);
  }
  return t;
}

/** Zeroes the tallies of the given job structs. */
export function resetJobTallies(buf: ArrayBufferLike, jobs: readonly JobLayout[]): void {
  const dv = new DataView(buf);
  for (const { job } of jobs) {
    dv.setFloat64(job + J.loss, 0, true);
    dv.setFloat64(job + J.words, 0, true);
    dv.setFloat64(job + J.trained, 0, true);
  }
}

/** A single-thread training instance: weights live in wasm memory until {@link weights}. */
export class Engine implements Trainer {
  readonly workers = 1;

  private constructor(
    private readonly k: Word2VecKernelExports,
    private readonly memory: WebAssembly.Memory,
    private readonly vocabSize: number,
    private readonly dim: number,
    private readonly stride: number,
    private readonly ptr: Layout,
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
    const huff = s.hs ? buildHuffman(vocab.counts) : null;
    const ptr = planLayout(s, v, huff, heapBase, 1, 1, 0);
    const need = ptr.top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    writeModel(k, memory.buffer, ptr, s, vocab, huff, weights, rng);
    return new Engine(k, memory, v, s.vectorSize, (s.vectorSize + 3) & ~3, ptr, ref);
  }

  get capacity(): number {
    return CHUNK;
  }

  tokenView(): Int32Array {
    return new Int32Array(this.memory.buffer, this.ptr.tokens[0], CHUNK);
  }

  resetTallies(): void {
    resetJobTallies(this.memory.buffer, this.ptr.jobs);
  }

  /** Trains the first `n` ids of the chunk with alpha going linearly from alpha0 to alpha1. */
  run(n: number, alpha0: number, alpha1: number): void {
    const dv = new DataView(this.memory.buffer);
    const j = this.ptr.jobs[0].job;
    dv.setInt32(j + J.nTokens, n, true);
    dv.setFloat32(j + J.alpha0, alpha0, true);
    dv.setFloat32(j + J.alpha1, alpha1, true);
    if (this.ref) this.k.w2vTrainRef(this.ptr.model, j);
    else this.k.w2vTrain(this.ptr.model, j);
  }

  submit(n: number, alpha0: number, alpha1: number): void {
    this.run(n, alpha0, alpha1);
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  tallies(): Tallies {
    return sumTallies(this.memory.buffer, this.ptr.jobs);
  }

  rng(): bigint {
    return new DataView(this.memory.buffer).getBigUint64(this.ptr.jobs[0].job + J.rng, true);
  }

  weights(): Weights {
    const { vocabSize: v, dim, stride } = this;
    const buf = this.memory.buffer;
    return {
      syn0: getRows(buf, this.ptr.syn0, v, dim, stride),
      syn1neg: this.ptr.syn1neg ? getRows(buf, this.ptr.syn1neg, v, dim, stride) : null,
      syn1: this.ptr.syn1 ? getRows(buf, this.ptr.syn1, v, dim, stride) : null,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
