// The wasm side of @zoo/core: loading the kernels, and the allocator that owns linear memory.
import {
  type KernelExports,
  type KernelVariant,
  type LoadedKernels,
  type LoadKernelsOptions,
  loadKernels,
  loadThreadKernels,
  MAX_PAGES,
} from '@zoo/kernels';
import {
  bindKernels,
  MAX_THREADS,
  startPool,
  stopPool,
  threadCount,
  threadSupport,
} from './parallel.js';

/** Options of {@link ready}. */
export interface ReadyOptions {
  /**
   * A precompiled kernel `WebAssembly.Module` (needed on Cloudflare workerd, which refuses to
   * compile wasm from bytes: import `@zoo/kernels/zoo-simd.wasm` and pass it here), or bytes.
   */
  module?: WebAssembly.Module | BufferSource;
  /** `'auto'` (default) uses relaxed SIMD where the runtime validates it. */
  variant?: KernelVariant | 'auto';
  /**
   * Threads the heavy kernels (large matrix products, convolutions) run on. 1 (default): all
   * on the calling thread. N > 1: the kernels run over a shared memory with N - 1 worker
   * threads (Node `worker_threads`; browser workers on a cross-origin-isolated page), which
   * needs SharedArrayBuffer (ready rejects where threads do not exist, e.g. Cloudflare
   * workerd). `'auto'`: the cores there are, at most 4, or 1 where threads do not exist.
   * Results are deterministic for a given count (most ops give the same bits as one thread;
   * convolution filter gradients are summed per thread, so they round differently). The first
   * `ready()` call of a process decides; {@link shutdown} stops the workers.
   */
  threads?: number | 'auto';
}

/** What runs the kernels, as reported by {@link backendInfo}. */
export interface BackendInfo {
  simd: true;
  relaxedSimd: boolean;
  threads: number;
}

const PAGE = 65536;
const ALIGN = 64;

/**
 * A simple allocator over the wasm memory above the module's static data. Blocks are
 * 64-byte aligned and recycled through exact-size free lists (a training loop asks for the
 * same sizes every step); a miss takes a larger free block or bumps the top, and growing
 * memory past 4 GiB raises a clear error while every live allocation stays valid.
 * @internal
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private freeBytes = 0;
  /** Bytes handed out and not yet freed. */
  liveBytes = 0;
  f32: Float32Array;
  i32: Int32Array;
  u8: Uint8Array;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.base = (heapBase + ALIGN - 1) & ~(ALIGN - 1);
    this.top = this.base;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** Re-makes the typed-array views when memory has grown (growing detaches the old buffer). */
  refresh(): void {
    if (this.f32.buffer !== this.memory.buffer) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
      this.u8 = new Uint8Array(this.memory.buffer);
    }
  }

  /** Rounds a request up to the block size the allocator really uses. */
  static blockSize(bytes: number): number {
    return Math.max(ALIGN, (bytes + ALIGN - 1) & ~(ALIGN - 1));
  }

  alloc(bytes: number): number {
    const size = Heap.blockSize(bytes);
    const list = this.free.get(size);
    if (list !== undefined && list.length > 0) {
      this.freeBytes -= size;
      this.liveBytes += size;
      return list.pop()!;
    }
    const ptr = this.takeLarger(size) ?? this.bump(size);
    this.liveBytes += size;
    return ptr;
  }

  release(ptr: number, bytes: number): void {
    const size = Heap.blockSize(bytes);
    this.liveBytes -= size;
    if (ptr + size === this.top) {
      this.top = ptr;
      return;
    }
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(ptr);
    this.freeBytes += size;
  }

  /** Bytes of wasm memory in use by the allocator (live blocks and recycled ones). */
  get usedBytes(): number {
    return this.top - this.base;
  }

  private takeLarger(size: number): number | undefined {
    if (this.freeBytes < size) return undefined;
    let best = 0;
    for (const [s, list] of this.free) {
      if (s > size && list.length > 0 && (best === 0 || s < best)) best = s;
    }
    if (best === 0) return undefined;
    const ptr = this.free.get(best)!.pop()!;
    this.freeBytes -= best;
    // Give the tail back as its own free block.
    this.release(ptr + size, best - size);
    this.liveBytes += best - size;
    return ptr;
  }

  private bump(size: number): number {
    if (this.top + size > this.memory.buffer.byteLength) {
      this.coalesce();
      const again = this.takeLarger(size) ?? this.takeExact(size);
      if (again !== undefined) return again;
      this.grow(this.top + size);
    }
    const ptr = this.top;
    this.top += size;
    return ptr;
  }

  private takeExact(size: number): number | undefined {
    const list = this.free.get(size);
    if (list === undefined || list.length === 0) return undefined;
    this.freeBytes -= size;
    return list.pop();
  }

  /** Merges adjacent free blocks and returns a free tail to the top. */
  private coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [s, list] of this.free) for (const p of list) blocks.push([p, s]);
    if (blocks.length === 0) return;
    blocks.sort((x, y) => x[0] - y[0]);
    this.free.clear();
    this.freeBytes = 0;
    const merged: [number, number][] = [];
    for (const b of blocks) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[0] + last[1] === b[0]) last[1] += b[1];
      else merged.push([b[0], b[1]]);
    }
    const tail = merged[merged.length - 1];
    if (tail[0] + tail[1] === this.top) {
      this.top = tail[0];
      merged.pop();
    }
    for (const [p, s] of merged) {
      let list = this.free.get(s);
      if (list === undefined) {
        list = [];
        this.free.set(s, list);
      }
      list.push(p);
      this.freeBytes += s;
    }
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    const pages = Math.ceil((end - have) / PAGE);
    // Grow generously (x1.5) to keep grow calls rare, but never past the 4 GiB ceiling.
    const havePages = have / PAGE;
    const want = Math.min(MAX_PAGES - havePages, Math.max(pages, Math.ceil(havePages / 2)));
    try {
      if (want < pages) throw new RangeError('past maximum');
      this.memory.grow(want);
    } catch {
      try {
        if (pages > MAX_PAGES - havePages) throw new RangeError('past maximum');
        this.memory.grow(pages);
      } catch {
        const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
        throw new ZooOutOfMemoryError(
          `out of memory: allocating ${mib(end - this.top)} needs ${mib(end)} of wasm memory, past what this runtime grants (wasm32 allows at most 4 GiB; ${mib(this.liveBytes)} are in use). Dispose tensors you no longer need, or use smaller batches.`,
        );
      }
    }
    this.refresh();
  }
}

/** Thrown when wasm memory cannot grow to hold a new tensor; live tensors stay valid. */
export class ZooOutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZooOutOfMemoryError';
  }
}

let kernelExports: KernelExports | undefined;
let heapInstance: Heap | undefined;
let variantInUse: KernelVariant = 'simd';
let loading: Promise<void> | undefined;
/** The `threads` option of the call that started loading. */
let threadsAsked: number | 'auto' = 1;
/** Threads `'auto'` takes at most. */
const AUTO_THREADS = 4;
/** Starts the workers again (after {@link shutdown}), once a pool has run. */
let restartPool: (() => Promise<void>) | null = null;
/** Whether {@link shutdown} stopped the workers. */
let poolStopped = false;
/** Threads the kernels were loaded for (what `'auto'` came to). */
let threadsLoaded = 1;
/** Small i32 area for shape/stride arguments (64 ints). @internal */
export let argPtr = 0;

/**
 * Loads and warms the kernels (and, with `threads`, starts the worker threads). Every op
 * needs this to have resolved first; calling it again is cheap and returns the same instance.
 * The first call decides the thread count: a later call asking for another one rejects.
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  const threads = options.threads;
  if (threads !== undefined && threads !== 'auto') {
    if (
      typeof threads !== 'number' ||
      !Number.isInteger(threads) ||
      threads < 1 ||
      threads > MAX_THREADS
    ) {
      return Promise.reject(
        new Error(
          `ready: threads must be a whole number from 1 to ${MAX_THREADS} or 'auto', got ${typeof threads === 'string' ? JSON.stringify(threads) : String(threads)}`,
        ),
      );
    }
  }
  if (loading === undefined) {
    threadsAsked = threads ?? 1;
    const pending = load(options, threadsAsked).catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    loading = pending;
    return pending;
  }
  if (
    threads !== undefined &&
    threads !== threadsAsked &&
    !(isReady() && threads === threadsLoaded)
  ) {
    return Promise.reject(
      new Error(
        `ready: the kernels are already ${isReady() ? 'loaded' : 'loading'} with threads: ${JSON.stringify(threadsAsked)}${isReady() ? ` (${threadCount()} running)` : ''}, so threads: ${JSON.stringify(threads)} cannot apply; the thread count is fixed when the kernels load: pass it to the first ready() call of the process`,
      ),
    );
  }
  if (threads !== undefined && poolStopped && restartPool !== null) {
    // Asked for the threads again after shutdown(): start the workers again.
    poolStopped = false;
    const restart = restartPool().catch((err: unknown) => {
      poolStopped = true;
      loading = Promise.resolve();
      throw err;
    });
    loading = restart;
    return restart;
  }
  return loading;
}

async function load(options: ReadyOptions, threads: number | 'auto'): Promise<void> {
  const opts: LoadKernelsOptions = { variant: options.variant ?? 'auto' };
  if (options.module !== undefined) opts.module = options.module;
  let count = threads === 'auto' ? 1 : threads;
  const support = count > 1 || threads === 'auto' ? await threadSupport() : null;
  if (support === null && count > 1) {
    throw new Error(
      `ready: threads: ${count} needs worker threads over a shared WebAssembly.Memory (SharedArrayBuffer; in browsers a cross-origin-isolated page), which this runtime lacks (Cloudflare workerd has none): use threads: 1 or 'auto'`,
    );
  }
  if (support !== null && threads === 'auto') count = Math.min(support.cores, AUTO_THREADS);
  let loaded: LoadedKernels;
  if (support !== null && count > 1) {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    try {
      loaded = await loadThreadKernels({ ...opts, memory });
    } catch (err) {
      if (!(err instanceof WebAssembly.LinkError)) throw err;
      throw new Error(
        `ready: with threads > 1, 'module' must be the threads build of the kernels (@zoo/kernels/zoo-threads.wasm or zoo-relaxed-threads.wasm), whose memory is shared: ${err.message}`,
      );
    }
  } else {
    loaded = await loadKernels(opts);
  }
  const h = new Heap(loaded.memory, loaded.heapBase);
  bindKernels(loaded.exports);
  if (support !== null && count > 1) {
    const start = () => startPool(count, support, loaded.module, loaded.memory, h);
    await start();
    restartPool = start;
  }
  threadsLoaded = support !== null ? count : 1;
  kernelExports = loaded.exports;
  variantInUse = loaded.variant;
  heapInstance = h;
  argPtr = h.alloc(64 * 4);
  warmup();
}

/**
 * Stops the worker threads `ready({ threads })` started, if any, and waits until they have
 * ended; the kernels, and every tensor, stay usable on the calling thread, and
 * `ready({ threads })` with the same count starts the workers again. Idle workers never keep a
 * Node process alive, so calling this is optional before exiting.
 */
export async function shutdown(): Promise<void> {
  await loading?.catch(() => {});
  if (restartPool !== null) poolStopped = true;
  await stopPool();
}

/** The loaded kernel exports; throws a clear error before {@link ready} has resolved. @internal */
export function kernels(): KernelExports {
  if (kernelExports === undefined) throw notReady();
  return kernelExports;
}

/** The allocator. @internal */
export function heap(): Heap {
  if (heapInstance === undefined) throw notReady();
  return heapInstance;
}

function notReady(): Error {
  return new Error('Zoo is not ready: await zoo.ready() before creating tensors or calling ops');
}

/** Whether {@link ready} has resolved. */
export function isReady(): boolean {
  return kernelExports !== undefined;
}

/** What the kernels run on: SIMD always, relaxed SIMD when loaded, and the thread count. */
export function backendInfo(): BackendInfo {
  kernels();
  return { simd: true, relaxedSimd: variantInUse === 'relaxed', threads: threadCount() };
}

/** Writes up to 64 int32 arguments (shapes, strides) into the argument area. @internal */
export function writeArgs(values: readonly number[], offset = 0): number {
  const h = heap();
  h.refresh();
  const at = (argPtr >> 2) + offset;
  for (let i = 0; i < values.length; i++) h.i32[at + i] = values[i];
  return argPtr + offset * 4;
}

/** Runs the hot kernels a few times so the runtime tiers them up before real work. */
function warmup(): void {
  const k = kernelExports as unknown as Record<string, unknown>;
  const h = heapInstance!;
  if (typeof k['gemm'] !== 'function') return;
  const n = 64;
  const a = h.alloc(n * n * 4);
  const b = h.alloc(n * n * 4);
  const c = h.alloc(n * n * 4);
  const gemm = k['gemm'] as (...args: number[]) => void;
  for (let form = 0; form < 3; form++) {
    for (let rep = 0; rep < 4; rep++) {
      gemm(form === 1 ? 1 : 0, form === 2 ? 1 : 0, n, n, n, a, n, b, n, c, n, 0, 0, 0);
    }
  }
  h.release(c, n * n * 4);
  h.release(b, n * n * 4);
  h.release(a, n * n * 4);
}
