// Opt-in multi-threaded kernels (ready({ threads })). One shared WebAssembly.Memory, one
// instance of the threads build of the kernels on the main thread (the only one that
// allocates) and one in each of threads - 1 workers (Node worker_threads; browser module
// workers when crossOriginIsolated). Heavy ops (large GEMMs, convolutions) are cut by the
// caller into independent per-thread lists of kernel calls on disjoint outputs; the main
// thread writes the workers' lists as a small program into shared memory, bumps a futex word
// the workers sleep on (Atomics.wait), runs its own list, then waits on a pending count the
// last worker to finish wakes it from. Each worker points the kernels' static scratch (the
// GEMM packing buffers) at an area of its own (the `*SetScratch` exports); kernels that take a
// workspace argument (Winograd) get one per thread.
// A partition fixes which thread adds which numbers, so results are deterministic for a given
// thread count; GEMM row splits and convolution batch splits even give the same bits as one
// thread, only convolution filter gradients are summed in another order (one partial sum per
// thread, added in thread order).
import type { KernelExports } from '@zoo/kernels';
import type { Heap } from './backend.js';
import type { Geometry } from './ops/conv.js';

/** Kernels a worker can run; a program names them by index. */
const KERNELS = [
  'gemm',
  'im2col',
  'col2im',
  'conv2dDirect',
  'addInto',
  'winogradConv',
  'winogradFilterGrad',
  'winograd4Conv',
] as const;
const GEMM = 0;
const IM2COL = 1;
const COL2IM = 2;
const CONV_DIRECT = 3;
const WINOGRAD_CONV = 5;
const WINOGRAD_FILTER_GRAD = 6;
const WINOGRAD4_CONV = 7;

/** Int32 words of the control block header. */
const GEN = 0; // job generation: workers sleep on it
const PENDING = 1; // workers still running the job: the main thread sleeps on it
const STOP = 2; // 1: workers leave their loop
const FAIL = 3; // thread index (1-based: workers) of the first worker whose job threw, 0 if none
const HEADER_BYTES = 64;
/** Bytes of one geometry block (16 int32, as the conv kernels read them). */
const GEOM_BYTES = 64;
/** Float64 words of one worker's program: [calls, then per call: kernel, argc, ...args]. */
const PROGRAM_WORDS = 8192;

/** How long an idle worker polls for the next job before it sleeps (Atomics.wait). */
const WORKER_SPIN_MS = 1;
/** How long the main thread polls for the workers to finish before it sleeps. */
const MAIN_SPIN_MS = 0.2;
/**
 * Multiply-adds from which an op is split over threads: below, waking a worker (~100 us
 * when it sleeps) costs about what the split saves.
 */
export const PARALLEL_MIN_MACS = 1 << 21;
/** The most threads `ready({ threads })` accepts. */
export const MAX_THREADS = 32;
/** Rows of a GEMM part never fewer than this (smaller products take another code path). */
const MIN_PART_ROWS = 8;
/** Columns of a GEMM column part a multiple of this (the micro-kernel's width). */
const PART_COLS = 8;

/**
 * The worker's code, self-contained: instantiate the module over the shared memory, point
 * every kernel file's static scratch at this worker's area (the `*SetScratch` exports),
 * report ready, then loop: wait until the job generation moves, run this worker's program,
 * count down the pending workers (waking the main thread when last). A failure is written
 * over the program (its message as char codes) and flagged; the main thread throws it.
 */
const WORKER_CORE = `
function start(m, post) {
  let ex;
  try {
    ex = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
    for (const [setter, offset] of m.setters) ex[setter](m.scratch + offset);
  } catch (err) {
    post({ type: 'error', message: String((err && err.stack) || err) });
    return;
  }
  const fns = m.kernels.map((n) => ex[n]);
  const ctl = new Int32Array(m.memory.buffer, m.ctrl, ${HEADER_BYTES / 4});
  const prog = new Float64Array(m.memory.buffer, m.program, ${PROGRAM_WORDS});
  let gen = Atomics.load(ctl, ${GEN});
  post({ type: 'ready' });
  for (;;) {
    // Spin a little before sleeping: a futex wake costs ~100 us, and the next split op
    // usually comes within a millisecond (after the ops that run on one thread). A wake-up
    // is only a hint: the main thread's notify for a job this worker already ran can arrive
    // after the worker went back to sleep, so the generation is checked again every time
    // (running that job twice would corrupt its outputs and the pending count).
    const until = performance.now() + ${WORKER_SPIN_MS};
    for (let i = 1; Atomics.load(ctl, ${GEN}) === gen; i++) {
      if ((i & 1023) === 0 && performance.now() > until) Atomics.wait(ctl, ${GEN}, gen);
    }
    gen = Atomics.load(ctl, ${GEN});
    if (Atomics.load(ctl, ${STOP}) !== 0) break;
    try {
      const calls = prog[0];
      for (let i = 0, p = 1; i < calls; i++) {
        const argc = prog[p + 1];
        fns[prog[p]].apply(null, prog.subarray(p + 2, p + 2 + argc));
        p += 2 + argc;
      }
    } catch (err) {
      if (Atomics.compareExchange(ctl, ${FAIL}, 0, m.index) === 0) {
        const text = String((err && err.message) || err).slice(0, ${PROGRAM_WORDS - 1});
        prog[0] = text.length;
        for (let i = 0; i < text.length; i++) prog[i + 1] = text.charCodeAt(i);
      }
    }
    if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
  }
  post({ type: 'stopped' });
}
`;

const NODE_WORKER = `${WORKER_CORE}
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (m) => start(m, (r) => parentPort.postMessage(r)));
`;

const BROWSER_WORKER = `${WORKER_CORE}
self.onmessage = (e) => { self.onmessage = null; start(e.data, (r) => self.postMessage(r)); };
`;

/** A message from a worker. */
interface Reply {
  type: 'ready' | 'stopped' | 'error';
  message?: string;
}

/** The part of a Node or browser worker the pool uses. */
interface WorkerHandle {
  post(message: unknown): void;
  terminate(): Promise<void>;
  /** Lets the process exit while this worker lives (Node; a no-op in browsers). */
  unref(): void;
}

/** Starts one worker; `onReply` gets its messages, `onFail` its crash. */
type SpawnFn = (onReply: (r: Reply) => void, onFail: (err: Error) => void) => WorkerHandle;

/** The part of the DOM Worker used here. */
interface BrowserWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
  postMessage(m: unknown): void;
  terminate(): void;
}

/** Where threads can run: how to start a worker, and how many cores there are. */
export interface ThreadSupport {
  spawn: SpawnFn;
  cores: number;
}

let liveWorkers = 0;

/** @internal For tests: worker threads started here and not yet terminated. */
export function activeWorkerCount(): number {
  return liveWorkers;
}

/** Whether this runtime has SharedArrayBuffer, Atomics and shared wasm memories. */
function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * How to start workers here, or null where threads do not exist (no SharedArrayBuffer or
 * shared wasm memory; a browser page that is not cross-origin isolated; Cloudflare workerd).
 * @internal
 */
export async function threadSupport(): Promise<ThreadSupport | null> {
  if (!sharedMemoryUsable()) return null;
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    Worker?: new (url: string, options?: { type?: string }) => BrowserWorker;
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number };
    URL?: { createObjectURL?(b: Blob): string; revokeObjectURL?(u: string): void };
  };
  if (typeof g.process?.versions?.node === 'string') {
    let wt: typeof import('node:worker_threads');
    let cores = 1;
    try {
      const wtName = 'node:worker_threads';
      wt = (await import(
        /* webpackIgnore: true */ /* @vite-ignore */ wtName
      )) as typeof import('node:worker_threads');
      const osName = 'node:os';
      const os = (await import(/* webpackIgnore: true */ /* @vite-ignore */ osName)) as {
        availableParallelism?: () => number;
        cpus(): unknown[];
      };
      cores = os.availableParallelism?.() ?? os.cpus().length;
    } catch {
      return null;
    }
    const spawn: SpawnFn = (onReply, onFail) => {
      const w = new wt.Worker(NODE_WORKER, { eval: true });
      liveWorkers++;
      let exited = false;
      w.on('message', (r: Reply) => onReply(r));
      w.on('error', (err) => onFail(err instanceof Error ? err : new Error(String(err))));
      w.on('exit', (code) => {
        exited = true;
        liveWorkers--;
        if (code !== 0) onFail(new Error(`a kernel worker thread exited with code ${code}`));
      });
      return {
        post: (m) => w.postMessage(m),
        unref: () => w.unref(),
        terminate: async () => {
          if (!exited) await w.terminate();
        },
      };
    };
    return { spawn, cores: Math.max(1, cores) };
  }
  const createUrl = g.URL?.createObjectURL;
  if (typeof g.Worker === 'function' && g.crossOriginIsolated === true && createUrl) {
    const Ctor = g.Worker;
    const spawn: SpawnFn = (onReply, onFail) => {
      const url = createUrl(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
      const w = new Ctor(url, { type: 'module' });
      liveWorkers++;
      let done = false;
      w.onmessage = (e) => onReply(e.data as Reply);
      w.onerror = (e) => onFail(new Error(`a kernel worker failed: ${e.message ?? 'error'}`));
      return {
        post: (m) => w.postMessage(m),
        unref: () => {},
        terminate: async () => {
          if (done) return;
          done = true;
          w.terminate();
          g.URL?.revokeObjectURL?.(url);
          liveWorkers--;
        },
      };
    };
    return { spawn, cores: Math.max(1, g.navigator?.hardwareConcurrency ?? 1) };
  }
  return null;
}

/** The running worker pool. */
interface Pool {
  /** Threads that compute, the main one included. */
  threads: number;
  memory: WebAssembly.Memory;
  /** The control block: header, threads + 1 geometry blocks, then the workers' programs. */
  ctrl: number;
  ctrlBytes: number;
  /** Each worker's kernel scratch (see {@link scratchLayout}). */
  scratch: number[];
  scratchBytes: number;
  workers: WorkerHandle[];
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  canWait: boolean;
  heap: Heap;
}

let kx: KernelExports | undefined;
let pool: Pool | null = null;

/**
 * @internal For tests and benchmarks: `singleThread` runs every op on the calling thread while
 * the pool stays up (the one-thread results to compare with); `runs` counts jobs sent to the
 * workers, `ms` adds up their wall time and `ownMs` the calling thread's share of it.
 */
export const parallelStats = { singleThread: false, runs: 0, ms: 0, ownMs: 0 };

/**
 * @internal For tests: the pool's control header (Int32: job generation, pending workers,
 * stop flag, failed worker), or null without a pool.
 */
export function poolControlHeader(): Int32Array | null {
  return pool === null ? null : new Int32Array(pool.memory.buffer, pool.ctrl, HEADER_BYTES / 4);
}

/** Gives this module the loaded kernels (single-threaded or not). @internal */
export function bindKernels(k: KernelExports): void {
  kx = k;
}

/** Threads ops run on: 1 without a pool (or while tests force one thread). */
export function threadCount(): number {
  return pool === null || parallelStats.singleThread ? 1 : pool.threads;
}

/**
 * Starts `threads - 1` workers over the kernels' shared memory, each instantiating `module`
 * (the threads build the main instance runs). Resolves when all are ready. @internal
 */
export async function startPool(
  threads: number,
  support: ThreadSupport,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  heap: Heap,
): Promise<void> {
  if (kx === undefined) throw new Error('startPool: the kernels are not bound');
  if (pool !== null) throw new Error('startPool: a pool is already running');
  const nWorkers = threads - 1;
  const ctrlBytes = HEADER_BYTES + (threads + 1) * GEOM_BYTES + nWorkers * PROGRAM_WORDS * 8;
  const ctrl = heap.alloc(ctrlBytes);
  const { setters, bytes: scratchBytes } = scratchLayout(kx);
  const scratch: number[] = [];
  for (let i = 0; i < nWorkers; i++) scratch.push(heap.alloc(scratchBytes));
  heap.refresh();
  heap.u8.fill(0, ctrl, ctrl + ctrlBytes);
  const ctl = new Int32Array(memory.buffer, ctrl, HEADER_BYTES / 4);
  let canWait = true;
  try {
    Atomics.wait(ctl, GEN, 1, 0); // GEN is 0: returns 'not-equal' at once where allowed
  } catch {
    canWait = false;
  }
  const workers: WorkerHandle[] = [];
  const p: Pool = {
    threads,
    memory,
    ctrl,
    ctrlBytes,
    scratch,
    scratchBytes,
    workers,
    canWait,
    heap,
  };
  const kernels = [...KERNELS];
  try {
    await Promise.all(
      scratch.map(
        (s, i) =>
          new Promise<void>((resolve, reject) => {
            let started = false;
            const w = support.spawn(
              (r) => {
                if (r.type === 'ready') {
                  started = true;
                  resolve();
                } else if (r.type === 'error') {
                  reject(new Error(`ready: a kernel worker thread failed to start: ${r.message}`));
                }
              },
              (err) => {
                if (!started) reject(err);
              },
            );
            workers.push(w);
            w.post({
              module,
              memory,
              ctrl,
              program: programPtr(p, i + 1),
              scratch: s,
              setters,
              index: i + 1,
              kernels,
            });
          }),
      ),
    );
  } catch (err) {
    await stopWorkers(p);
    releasePool(p);
    throw err;
  }
  // Idle workers sleep in Atomics.wait: they must not keep the process alive. (Not before
  // they are ready: the process would find nothing to wait for and exit while starting them.)
  for (const w of workers) w.unref();
  pool = p;
}

/**
 * Where each kernel file's static scratch goes in a worker's area: every `<name>SetScratch`
 * export, at a 64-byte aligned offset, with `<name>ScratchSize` bytes.
 */
function scratchLayout(k: KernelExports): { setters: [string, number][]; bytes: number } {
  const fns = k as unknown as Record<string, unknown>;
  const setters: [string, number][] = [];
  let bytes = 0;
  for (const name of Object.keys(fns).sort()) {
    if (!name.endsWith('SetScratch')) continue;
    const size = fns[name.replace(/SetScratch$/, 'ScratchSize')];
    if (typeof size !== 'function') continue;
    setters.push([name, bytes]);
    bytes += ((size as () => number)() + 63) & ~63;
  }
  return { setters, bytes };
}

/** Stops and terminates the workers; ops run on one thread afterwards. @internal */
export async function stopPool(): Promise<void> {
  const p = pool;
  if (p === null) return;
  pool = null;
  await stopWorkers(p);
  releasePool(p);
}

async function stopWorkers(p: Pool): Promise<void> {
  const ctl = new Int32Array(p.memory.buffer, p.ctrl, HEADER_BYTES / 4);
  Atomics.store(ctl, STOP, 1);
  Atomics.add(ctl, GEN, 1);
  Atomics.notify(ctl, GEN);
  await Promise.all(p.workers.map((w) => w.terminate()));
}

function releasePool(p: Pool): void {
  for (const s of p.scratch) p.heap.release(s, p.scratchBytes);
  p.heap.release(p.ctrl, p.ctrlBytes);
}

/** Byte offset of worker `t`'s (1-based) program. */
function programPtr(p: Pool, t: number): number {
  return p.ctrl + HEADER_BYTES + (p.threads + 1) * GEOM_BYTES + (t - 1) * PROGRAM_WORDS * 8;
}

/** A kernel call: [kernel index, ...arguments]. */
type Call = number[];

/**
 * Runs each thread's list of calls (`lists[0]` on this thread, `lists[t]` on worker t) and
 * returns when all are done. Lists must write disjoint memory. A worker list longer than its
 * program area runs over several rounds.
 */
function runLists(p: Pool, lists: Call[][]): void {
  const started = performance.now();
  try {
    runRounds(p, lists);
  } finally {
    parallelStats.runs++;
    parallelStats.ms += performance.now() - started;
  }
}

function runRounds(p: Pool, lists: Call[][]): void {
  const k = kx as unknown as Record<string, (...args: number[]) => void>;
  const buf = p.memory.buffer;
  const ctl = new Int32Array(buf, p.ctrl, HEADER_BYTES / 4);
  const next = new Array<number>(p.threads).fill(0);
  let first = true;
  for (;;) {
    let more = false;
    for (let t = 1; t < p.threads; t++) {
      const prog = new Float64Array(buf, programPtr(p, t), PROGRAM_WORDS);
      const list = lists[t] ?? [];
      let w = 1;
      let n = 0;
      let i = next[t];
      for (; i < list.length && w + 1 + list[i].length <= PROGRAM_WORDS; i++, n++) {
        const call = list[i];
        prog[w] = call[0];
        prog[w + 1] = call.length - 1;
        for (let j = 1; j < call.length; j++) prog[w + 1 + j] = call[j];
        w += 1 + call.length;
      }
      if (n === 0 && i < list.length) throw new Error('parallel: a kernel call is too long');
      prog[0] = n;
      next[t] = i;
      if (i < list.length) more = true;
    }
    Atomics.store(ctl, PENDING, p.threads - 1);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    let mainError: unknown;
    if (first) {
      first = false;
      const t0 = performance.now();
      try {
        for (const call of lists[0] ?? []) k[KERNELS[call[0]]](...call.slice(1));
      } catch (err) {
        mainError = err;
      }
      parallelStats.ownMs += performance.now() - t0;
    }
    // Spin briefly (the workers usually finish about when this thread does), then sleep.
    const until = performance.now() + MAIN_SPIN_MS;
    for (let i = 1; ; i++) {
      const left = Atomics.load(ctl, PENDING);
      if (left === 0) break;
      if (p.canWait && (i & 255) === 0 && performance.now() > until) {
        Atomics.wait(ctl, PENDING, left);
      }
    }
    const failed = Atomics.load(ctl, FAIL);
    if (failed !== 0) {
      const prog = new Float64Array(buf, programPtr(p, failed), PROGRAM_WORDS);
      const message = String.fromCharCode(...prog.subarray(1, 1 + prog[0]));
      Atomics.store(ctl, FAIL, 0);
      throw new Error(`a kernel failed on worker thread ${failed}: ${message}`);
    }
    if (mainError !== undefined) throw mainError;
    if (!more) return;
  }
}

/** Whether an op of `macs` multiply-adds is split over threads. */
export function parallelWorth(macs: number): boolean {
  return pool !== null && macs >= PARALLEL_MIN_MACS && !parallelStats.singleThread;
}

/** The thread count an op of `macs` multiply-adds over `items` independent items uses. */
function partsFor(macs: number, items: number): number {
  if (!parallelWorth(macs) || pool === null) return 1;
  return Math.min(pool.threads, items, Math.max(1, Math.floor(macs / (PARALLEL_MIN_MACS / 2))));
}

/** [start, end) of part t of `total` items cut into `parts` near-equal runs, ends at multiples of `align`. */
function cut(total: number, parts: number, t: number, align = 1): [number, number] {
  const at = (i: number) =>
    i >= parts ? total : Math.min(total, Math.round((total * i) / parts / align) * align);
  return [at(t), at(t + 1)];
}

/**
 * C = op(A)·op(B) (+ bias, relu) as the `gemm` kernel (same arguments), split over threads
 * when large: by rows of C (each part at least 8 rows: the same bits as one call), else, for
 * products of few rows, by columns in multiples of 8.
 */
export function gemm(
  ta: number,
  tb: number,
  m: number,
  n: number,
  k: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  bias: number,
  act: number,
  beta: number,
): void {
  const p = pool;
  const macs = m * n * k;
  if (p === null || !parallelWorth(macs)) {
    (kx as KernelExports).gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, bias, act, beta);
    return;
  }
  const lists: Call[][] = [];
  // Parts of at least 12 rows before rounding their ends to multiples of 4: at least 8 after.
  const byRows = Math.floor(m / (MIN_PART_ROWS + 4));
  const byCols = Math.floor(n / (4 * PART_COLS));
  if (byRows >= 2) {
    const parts = partsFor(macs, byRows);
    for (let t = 0; t < parts; t++) {
      const [m0, m1] = cut(m, parts, t, 4);
      const at = a + (ta ? m0 : m0 * lda) * 4;
      lists.push([
        [GEMM, ta, tb, m1 - m0, n, k, at, lda, b, ldb, c + m0 * ldc * 4, ldc, bias, act, beta],
      ]);
    }
  } else if (byCols >= 2) {
    const parts = partsFor(macs, byCols);
    for (let t = 0; t < parts; t++) {
      const [n0, n1] = cut(n, parts, t, PART_COLS);
      const bt = b + (tb ? n0 * ldb : n0) * 4;
      const bs = bias === 0 ? 0 : bias + n0 * 4;
      lists.push([[GEMM, ta, tb, m, n1 - n0, k, a, lda, bt, ldb, c + n0 * 4, ldc, bs, act, beta]]);
    }
  } else {
    (kx as KernelExports).gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, bias, act, beta);
    return;
  }
  runLists(p, lists);
}

/** Writes a geometry block (as the conv kernels read it) into slot `slot`; returns its offset. */
function writeGeometry(p: Pool, slot: number, g: Geometry, n: number): number {
  const at = p.ctrl + HEADER_BYTES + slot * GEOM_BYTES;
  const i32 = new Int32Array(p.memory.buffer, at, 16);
  i32.set([g.n, g.h, g.w, g.c, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.padTop, g.padLeft]);
  i32.set([g.dh, g.dw, g.oc, 0], 12);
  i32[0] = n;
  return at;
}

/**
 * The direct convolution (`conv2dDirect`, few input channels) split over threads by images:
 * the same bits as one call. Returns false (nothing done) when not worth it.
 */
export function parallelConvDirect(
  x: number,
  w: number,
  bias: number,
  y: number,
  g: Geometry,
  relu: boolean,
): boolean {
  const p = pool;
  const parts = partsFor(g.n * g.oh * g.ow * g.kh * g.kw * g.c * g.oc, g.n);
  if (p === null || parts < 2) return false;
  const inImage = g.h * g.w * g.c * 4;
  const outImage = g.oh * g.ow * g.oc * 4;
  const lists: Call[][] = [];
  for (let t = 0; t < parts; t++) {
    const [n0, n1] = cut(g.n, parts, t);
    const geom = writeGeometry(p, t + 1, g, n1 - n0);
    lists.push([[CONV_DIRECT, x + n0 * inImage, w, bias, y + n0 * outImage, geom, relu ? 1 : 0]]);
  }
  runLists(p, lists);
  return true;
}

/**
 * The im2col + GEMM convolution forward pass split over threads by images, each thread in
 * chunks of at most `chunk` images through its own column buffer: the same bits as one
 * thread. Returns false (nothing done) when not worth it.
 */
export function parallelConvForward(
  x: number,
  w: number,
  bias: number,
  y: number,
  g: Geometry,
  relu: boolean,
  chunk: number,
): boolean {
  const p = pool;
  const kdim = g.kh * g.kw * g.c;
  const rowsPer = g.oh * g.ow;
  const parts = partsFor(g.n * rowsPer * kdim * g.oc, g.n);
  if (p === null || parts < 2) return false;
  const per = Math.min(chunk, Math.ceil(g.n / parts));
  const colsBytes = per * rowsPer * kdim * 4;
  const cols: number[] = [];
  for (let t = 0; t < parts; t++) cols.push(p.heap.alloc(colsBytes));
  const geom = writeGeometry(p, 0, g, g.n);
  const lists: Call[][] = [];
  for (let t = 0; t < parts; t++) {
    const [n0, n1] = cut(g.n, parts, t);
    const list: Call[] = [];
    for (let c0 = n0; c0 < n1; c0 += per) {
      const c1 = Math.min(n1, c0 + per);
      const rows = (c1 - c0) * rowsPer;
      const yc = y + c0 * rowsPer * g.oc * 4;
      list.push([IM2COL, x, cols[t], geom, c0, c1]);
      list.push([
        GEMM,
        0,
        0,
        rows,
        g.oc,
        kdim,
        cols[t],
        kdim,
        w,
        g.oc,
        yc,
        g.oc,
        bias,
        relu ? 1 : 0,
        0,
      ]);
    }
    lists.push(list);
  }
  try {
    runLists(p, lists);
  } finally {
    for (const c of cols) p.heap.release(c, colsBytes);
  }
  return true;
}

/**
 * Both gradients of an im2col convolution split over threads by images (dx, zeroed by the
 * caller, and dw at byte offsets, 0 for a gradient not wanted): each thread runs the
 * one-thread chunk loop on its images, the input gradient straight into dx (the same bits as
 * one thread), the filter gradient into a partial sum of its own; the partial sums are then
 * added in thread order (deterministic, but rounded differently from one thread). Returns
 * false (nothing done) when not worth it.
 */
export function parallelConvBackward(
  x: number,
  w: number,
  dy: number,
  dx: number,
  dw: number,
  g: Geometry,
  chunk: number,
): boolean {
  const p = pool;
  const kdim = g.kh * g.kw * g.c;
  const rowsPer = g.oh * g.ow;
  const macs = g.n * rowsPer * kdim * g.oc * ((dx === 0 ? 0 : 1) + (dw === 0 ? 0 : 1));
  const parts = partsFor(macs, g.n);
  if (p === null || parts < 2) return false;
  const per = Math.min(chunk, Math.ceil(g.n / parts));
  const colsBytes = per * rowsPer * kdim * 4;
  const dwBytes = kdim * g.oc * 4;
  const owned: [number, number][] = [];
  const take = (bytes: number) => {
    const ptr = p.heap.alloc(bytes);
    owned.push([ptr, bytes]);
    return ptr;
  };
  const geom = writeGeometry(p, 0, g, g.n);
  const partials: number[] = [];
  const lists: Call[][] = [];
  try {
    for (let t = 0; t < parts; t++) {
      const [n0, n1] = cut(g.n, parts, t);
      const cols = dw === 0 ? 0 : take(colsBytes);
      const dcols = dx === 0 ? 0 : take(colsBytes);
      const dwt = dw === 0 || t === 0 ? dw : take(dwBytes);
      if (t > 0 && dw !== 0) partials.push(dwt);
      const list: Call[] = [];
      for (let c0 = n0; c0 < n1; c0 += per) {
        const c1 = Math.min(n1, c0 + per);
        const rows = (c1 - c0) * rowsPer;
        const dyc = dy + c0 * rowsPer * g.oc * 4;
        if (dw !== 0) {
          list.push([IM2COL, x, cols, geom, c0, c1]);
          const acc = c0 === n0 ? 0 : 1;
          list.push([GEMM, 1, 0, kdim, g.oc, rows, cols, kdim, dyc, g.oc, dwt, g.oc, 0, 0, acc]);
        }
        if (dx !== 0) {
          list.push([GEMM, 0, 1, rows, kdim, g.oc, dyc, g.oc, w, g.oc, dcols, kdim, 0, 0, 0]);
          list.push([COL2IM, dcols, dx, geom, c0, c1]);
        }
      }
      lists.push(list);
    }
    runLists(p, lists);
    const k = kx as KernelExports;
    for (const part of partials) k.addInto(dw, part, kdim * g.oc);
  } finally {
    for (const [ptr, bytes] of owned.reverse()) p.heap.release(ptr, bytes);
  }
  return true;
}

/** Geometry of a conv kernel call, read back from the 16 int32 at `geom`. */
function readGeometry(p: Pool, geom: number): Int32Array {
  return new Int32Array(p.memory.buffer, geom, 16).slice();
}

/** Writes 16 geometry ints with N = n into slot `slot`; returns the offset. */
function writeGeometryInts(p: Pool, slot: number, geom: Int32Array, n: number): number {
  const at = p.ctrl + HEADER_BYTES + slot * GEOM_BYTES;
  const i32 = new Int32Array(p.memory.buffer, at, 16);
  i32.set(geom);
  i32[0] = n;
  return at;
}

/**
 * A Winograd convolution (`winogradConv`, F(2x2, 3x3), or with `kernel` `'winograd4Conv'`,
 * F(4x4, 3x3): the same arguments but the workspace, which each thread gets its own of) split
 * over threads by images: the same bits as one call (their results do not depend on N).
 * Returns false (nothing done) when not worth it.
 */
export function parallelWinogradConv(
  x: number,
  u: number,
  bias: number,
  y: number,
  geomPtr: number,
  act: number,
  kernel: 'winogradConv' | 'winograd4Conv' = 'winogradConv',
): boolean {
  const p = pool;
  if (p === null) return false;
  const g = readGeometry(p, geomPtr);
  const [n, h, w, c, , , oh, ow] = g;
  const oc = g[14];
  // Winograd F(4x4, 3x3) does about a quarter of the direct multiply-adds.
  const parts = partsFor((n * oh * ow * 9 * c * oc) / 4, n);
  if (parts < 2) return false;
  const k = kx as KernelExports;
  const four = kernel === 'winograd4Conv';
  const workBytes = (four ? k.winograd4WorkSize(c, oc) : k.winogradWorkSize(c, oc)) * 4;
  const work: number[] = [];
  for (let t = 0; t < parts; t++) work.push(p.heap.alloc(workBytes));
  const lists: Call[][] = [];
  for (let t = 0; t < parts; t++) {
    const [n0, n1] = cut(n, parts, t);
    const geom = writeGeometryInts(p, t + 1, g, n1 - n0);
    const xt = x + n0 * h * w * c * 4;
    const yt = y + n0 * oh * ow * oc * 4;
    lists.push([[four ? WINOGRAD4_CONV : WINOGRAD_CONV, xt, u, bias, yt, geom, act, work[t]]]);
  }
  try {
    runLists(p, lists);
  } finally {
    for (const wk of work.reverse()) p.heap.release(wk, workBytes);
  }
  return true;
}

/**
 * The Winograd filter gradient (`winogradFilterGrad`, same arguments but the workspace) split
 * over threads by images: each thread sums its images into a filter gradient of its own
 * (thread 0 straight into dw), added in thread order afterwards (deterministic, rounded
 * differently from one call). Returns false (nothing done) when not worth it.
 */
export function parallelWinogradFilterGrad(
  x: number,
  dy: number,
  dw: number,
  geomPtr: number,
): boolean {
  const p = pool;
  if (p === null) return false;
  const g = readGeometry(p, geomPtr);
  const [n, h, w, c, , , oh, ow] = g;
  const oc = g[14];
  const parts = partsFor((n * oh * ow * 9 * c * oc) / 4, n);
  if (parts < 2) return false;
  const k = kx as KernelExports;
  const workBytes = k.winogradFilterGradWorkSize(c, oc) * 4;
  const dwBytes = 9 * c * oc * 4;
  const owned: [number, number][] = [];
  const take = (bytes: number) => {
    const ptr = p.heap.alloc(bytes);
    owned.push([ptr, bytes]);
    return ptr;
  };
  const partials: number[] = [];
  const lists: Call[][] = [];
  try {
    for (let t = 0; t < parts; t++) {
      const [n0, n1] = cut(n, parts, t);
      const geom = writeGeometryInts(p, t + 1, g, n1 - n0);
      const dwt = t === 0 ? dw : take(dwBytes);
      if (t > 0) partials.push(dwt);
      const xt = x + n0 * h * w * c * 4;
      const dyt = dy + n0 * oh * ow * oc * 4;
      lists.push([[WINOGRAD_FILTER_GRAD, xt, dyt, dwt, geom, take(workBytes)]]);
    }
    runLists(p, lists);
    for (const part of partials) k.addInto(dw, part, 9 * c * oc);
  } finally {
    for (const [ptr, bytes] of owned.reverse()) p.heap.release(ptr, bytes);
  }
  return true;
}
