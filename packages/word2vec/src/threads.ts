// Hogwild training on worker threads: one shared wasm memory holds the model, the jobs (one
// per worker, each with its own RNG, scratch and float64 tallies) and two token chunks (one
// is filled while the workers train the other). Each chunk is cut at sentence ends into
// pieces that the workers claim with an atomic counter and train without locks on the shared
// weights, as word2vec.c and gensim do. Node uses node:worker_threads (imported dynamically,
// so browsers never load it); browsers use a module Worker from a Blob URL when
// crossOriginIsolated; elsewhere (workerd, pages that are not cross-origin isolated)
// `ThreadedEngine.create` returns null and training runs on one thread.
import {
  loadWord2VecThreadKernels,
  type Word2VecKernelExports,
  word2vecThreadsWasmBytes,
} from '@zoo/kernels';
import {
  CHUNK,
  type EngineSettings,
  getRows,
  J,
  type Layout,
  planLayout,
  resetJobTallies,
  sumTallies,
  type Tallies,
  type Trainer,
  type Weights,
  writeModel,
} from './engine.js';
import { buildHuffman, type Vocab } from './vocab.js';

/** Pieces a chunk is cut into per worker (a finished worker claims the next piece). */
const PIECES_PER_WORKER = 4;

/**
 * Work queue layout (per token chunk, i32/f32 words): [0] next piece to claim (atomic),
 * [1] piece count, then per piece 4 words: tokens pointer, token count, alpha0, alpha1.
 */
const QUEUE_HEADER = 2;
const PIECE_WORDS = 4;

/**
 * The worker's code, self-contained (no imports): instantiate the module over the shared
 * memory, then for each `run` message claim pieces of the queue, point its own job struct at
 * each and call w2vTrain, and answer `done`. `post` and the message source are bound by the
 * Node and browser wrappers below.
 */
const WORKER_CORE = `
let ex, mem, model, job;
function handle(m, post) {
  try {
    if (m.type === 'init') {
      mem = m.memory;
      ex = new WebAssembly.Instance(m.module, { env: { memory: mem } }).exports;
      model = m.model;
      job = m.job;
      post({ type: 'ready' });
    } else if (m.type === 'run') {
      const buf = mem.buffer;
      const i32 = new Int32Array(buf);
      const f32 = new Float32Array(buf);
      const q = m.queue >> 2;
      const count = i32[q + 1];
      const j = job >> 2;
      for (;;) {
        const i = Atomics.add(i32, q, 1);
        if (i >= count) break;
        const e = q + ${QUEUE_HEADER} + i * ${PIECE_WORDS};
        i32[j + ${J.tokens / 4}] = i32[e];
        i32[j + ${J.nTokens / 4}] = i32[e + 1];
        f32[j + ${J.alpha0 / 4}] = f32[e + 2];
        f32[j + ${J.alpha1 / 4}] = f32[e + 3];
        ex.w2vTrain(model, job);
      }
      post({ type: 'done' });
    }
  } catch (err) {
    post({ type: 'error', message: String((err && err.stack) || err) });
  }
}
`;

const NODE_WORKER = `${WORKER_CORE}
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => handle(m, (r) => parentPort.postMessage(r)));
`;

const BROWSER_WORKER = `${WORKER_CORE}
self.onmessage = (e) => handle(e.data, (r) => self.postMessage(r));
`;

/** A message from a worker. */
interface Reply {
  type: 'ready' | 'done' | 'error';
  message?: string;
}

/** The part of a Node or browser worker the pool uses. */
interface ThreadHandle {
  post(message: unknown): void;
  terminate(): Promise<void>;
}

type SpawnFn = (onReply: (r: Reply) => void, onFail: (err: Error) => void) => ThreadHandle;

let liveWorkers = 0;

/** @internal For tests: worker threads started by this module and not yet terminated. */
export function activeWorkerCount(): number {
  return liveWorkers;
}

/** @internal For tests: when set, threads count as unavailable (as on workerd). */
export const threadOverrides = { disabled: false };

function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** How to start a worker here, or null where threads do not exist. */
async function spawner(): Promise<SpawnFn | null> {
  if (threadOverrides.disabled || !sharedMemoryUsable()) return null;
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    Worker?: new (url: string, options?: { type?: string }) => BrowserWorker;
    crossOriginIsolated?: boolean;
    URL?: { createObjectURL?(b: Blob): string; revokeObjectURL?(u: string): void };
  };
  if (typeof g.process?.versions?.node === 'string') {
    let wt: typeof import('node:worker_threads');
    try {
      const name = 'node:worker_threads';
      wt = (await import(
        /* webpackIgnore: true */ /* @vite-ignore */ name
      )) as typeof import('node:worker_threads');
    } catch {
      return null;
    }
    return (onReply, onFail) => {
      const w = new wt.Worker(NODE_WORKER, { eval: true });
      liveWorkers++;
      let exited = false;
      w.on('message', (r: Reply) => onReply(r));
      w.on('error', (err) => onFail(err instanceof Error ? err : new Error(String(err))));
      w.on('exit', (code) => {
        exited = true;
        liveWorkers--;
        if (code !== 0) onFail(new Error(`a training worker exited with code ${code}`));
      });
      return {
        post: (m) => w.postMessage(m),
        terminate: async () => {
          if (!exited) await w.terminate();
        },
      };
    };
  }
  const createUrl = g.URL?.createObjectURL;
  if (typeof g.Worker === 'function' && g.crossOriginIsolated === true && createUrl) {
    const Ctor = g.Worker;
    return (onReply, onFail) => {
      const url = createUrl(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
      const w = new Ctor(url, { type: 'module' });
      liveWorkers++;
      let done = false;
      w.onmessage = (e) => onReply(e.data as Reply);
      w.onerror = (e) => onFail(new Error(`a training worker failed: ${e.message ?? 'error'}`));
      return {
        post: (m) => w.postMessage(m),
        terminate: async () => {
          if (done) return;
          done = true;
          w.terminate();
          g.URL?.revokeObjectURL?.(url);
          liveWorkers--;
        },
      };
    };
  }
  return null;
}

/** The part of the DOM Worker used here. */
interface BrowserWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
  postMessage(m: unknown): void;
  terminate(): void;
}

/** One worker and the promises of its queued tasks (answered in order). */
class Thread {
  private pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  readonly handle: ThreadHandle;

  constructor(spawn: SpawnFn) {
    this.handle = spawn(
      (r) => this.reply(r),
      (e) => this.fail(e),
    );
  }

  private reply(r: Reply): void {
    if (r.type === 'error') {
      this.fail(new Error(`a training worker failed: ${r.message}`));
      return;
    }
    this.pending.shift()?.resolve();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.reject(e);
  }

  /** Posts `message` and resolves on the worker's reply to it (`ready` or `done`). */
  request(message: unknown): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.handle.post(message);
    });
  }
}

let cachedModule: Promise<WebAssembly.Module> | undefined;

/**
 * Hogwild training on `workers` threads over one shared wasm memory (see the top of this
 * file). Tallies are exact: each job sums its own in float64 and they are added at the end.
 */
export class ThreadedEngine implements Trainer {
  private current = 0;
  /** The run of each token buffer still training, if any. */
  private inFlight: (Promise<void> | null)[] = [null, null];
  private closed = false;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly threads: Thread[],
    private readonly vocabSize: number,
    private readonly dim: number,
    private readonly stride: number,
    private readonly ptr: Layout,
  ) {}

  /** Threads that train. */
  get workers(): number {
    return this.threads.length;
  }

  /**
   * Builds the shared model and starts `workers` threads, or returns null where threads do
   * not exist (no SharedArrayBuffer, no worker_threads, a page without cross-origin
   * isolation) so the caller trains on one thread.
   */
  static async create(
    s: EngineSettings,
    vocab: Vocab,
    weights: Weights | null,
    rng: bigint,
    workers: number,
  ): Promise<ThreadedEngine | null> {
    const spawn = await spawner();
    if (spawn === null) return null;
    const v = vocab.words.length;
    const huff = s.hs ? buildHuffman(vocab.counts) : null;
    const queueBytes = (QUEUE_HEADER + PIECE_WORDS * PIECES_PER_WORKER * workers) * 4;
    // The module's static data sits below heapBase (about 11 KiB): leave 1 MiB for it.
    const slack = 1 << 20;
    const plan = planLayout(s, v, huff, slack, workers, 2, queueBytes);
    const pages = Math.ceil(plan.top / 65536);
    if (pages > 65536) throw new Error('Word2Vec: the model does not fit in 4 GiB of wasm memory');
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    cachedModule ??= WebAssembly.compile(word2vecThreadsWasmBytes());
    const module = await cachedModule;
    const loaded = await loadWord2VecThreadKernels({ memory, module });
    const k: Word2VecKernelExports = loaded.exports;
    if (loaded.heapBase > slack) {
      throw new Error(`Word2Vec: the threads module's static data is larger than ${slack} bytes`);
    }
    writeModel(k, memory.buffer, plan, s, vocab, huff, weights, rng);
    const threads: Thread[] = [];
    const engine = new ThreadedEngine(
      memory,
      threads,
      v,
      s.vectorSize,
      (s.vectorSize + 3) & ~3,
      plan,
    );
    try {
      for (let i = 0; i < workers; i++) threads.push(new Thread(spawn));
      await Promise.all(
        threads.map((t, i) =>
          t.request({ type: 'init', module, memory, model: plan.model, job: plan.jobs[i].job }),
        ),
      );
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  get capacity(): number {
    return CHUNK;
  }

  tokenView(): Int32Array {
    return new Int32Array(this.memory.buffer, this.ptr.tokens[this.current], CHUNK);
  }

  resetTallies(): void {
    resetJobTallies(this.memory.buffer, this.ptr.jobs);
  }

  /**
   * Starts the workers on this chunk (cut at sentence ends into pieces, alpha interpolated
   * over the pieces in order) and switches to the other buffer once its own run is done.
   * The workers go from one chunk's queue to the next without waiting for each other, so
   * only the end of training has a tail where some of them idle.
   */
  async submit(n: number, alpha0: number, alpha1: number): Promise<void> {
    const b = this.current;
    if (n > 0) {
      const buf = this.memory.buffer;
      const base = this.ptr.tokens[b];
      const ids = new Int32Array(buf, base, n);
      const q = this.ptr.queues[b];
      const pieces = PIECES_PER_WORKER * this.workers;
      const i32 = new Int32Array(buf, q, QUEUE_HEADER + PIECE_WORDS * pieces);
      const f32 = new Float32Array(buf, q, i32.length);
      let count = 0;
      let start = 0;
      for (let p = 1; p <= pieces && start < n; p++) {
        // End after the first sentence end at or past the target (the chunk ends with one).
        let end = p === pieces ? n : Math.max(start + 1, Math.round((n * p) / pieces));
        while (end < n && ids[end - 1] !== -1) end++;
        const e = QUEUE_HEADER + PIECE_WORDS * count;
        i32[e] = base + start * 4;
        i32[e + 1] = end - start;
        f32[e + 2] = alpha0 + ((alpha1 - alpha0) * start) / n;
        f32[e + 3] = alpha0 + ((alpha1 - alpha0) * end) / n;
        count++;
        start = end;
      }
      i32[1] = count;
      Atomics.store(i32, 0, 0);
      const run = Promise.all(this.threads.map((t) => t.request({ type: 'run', queue: q })));
      const done = run.then(() => {});
      // Keep a rejection from going unhandled before it is awaited.
      done.catch(() => {});
      this.inFlight[b] = done;
    }
    // The next chunk is filled into the other buffer: wait until its last run is trained.
    this.current = 1 - b;
    const other = this.inFlight[this.current];
    this.inFlight[this.current] = null;
    if (other !== null) await other;
  }

  async drain(): Promise<void> {
    const runs = this.inFlight;
    this.inFlight = [null, null];
    for (const p of runs) if (p !== null) await p;
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

  /** Waits for any chunk in flight (ignoring its failure) and terminates the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.drain();
    } catch {
      // The caller already has (or does not want) the error.
    }
    await Promise.all(this.threads.map((t) => t.handle.terminate()));
  }
}
