// The loader of the word2vec kernel module (a small module of its own: an app that only trains
// Word2Vec never carries the main kernels).
import type { Word2VecKernelExports } from './generated/word2vec-exports.js';
import {
  W2V_RELAXED_WASM_BASE64,
  W2V_SIMD_WASM_BASE64,
  W2V_THREADS_WASM_BASE64,
} from './generated/word2vec-wasm.js';
import {
  decodeBase64,
  type KernelVariant,
  type LoadedModule,
  type LoadModuleOptions,
  loadModule,
} from './loader-core.js';

export type { Word2VecKernelExports } from './generated/word2vec-exports.js';

/**
 * The word2vec kernel ABI this loader speaks (1000 + version, so neither loader accepts the
 * other module); a module reporting another version is refused.
 */
export const WORD2VEC_ABI_VERSION = 1001;

/** Options of {@link loadWord2VecKernels}. */
export type LoadWord2VecKernelsOptions = LoadModuleOptions;

/** A ready word2vec kernel instance. */
export type LoadedWord2VecKernels = LoadedModule<Word2VecKernelExports>;

/** The embedded `.wasm` bytes of one build of the word2vec kernels. */
export function word2vecWasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  return decodeBase64(variant === 'relaxed' ? W2V_RELAXED_WASM_BASE64 : W2V_SIMD_WASM_BASE64);
}

/**
 * Compiles (or takes) the word2vec kernel module (`@zoo/kernels/zoo-word2vec-simd.wasm` or
 * `-relaxed.wasm`), instantiates it over a growable memory and checks its ABI. Both builds
 * compute bit-identical results (the word2vec kernels use no relaxed instruction).
 */
export function loadWord2VecKernels(
  options: LoadWord2VecKernelsOptions = {},
): Promise<LoadedWord2VecKernels> {
  return loadModule<Word2VecKernelExports>(options, {
    caller: 'loadWord2VecKernels',
    what: 'the Zoo word2vec kernel module',
    abiVersion: WORD2VEC_ABI_VERSION,
    required: ['isRelaxed', 'w2vTrain', 'w2vInitTables'],
    bytes: word2vecWasmBytes,
  });
}

/** The embedded `.wasm` bytes of the shared-memory (threads) build of the word2vec kernels. */
export function word2vecThreadsWasmBytes(): Uint8Array<ArrayBuffer> {
  return decodeBase64(W2V_THREADS_WASM_BASE64);
}

/** Options of {@link loadWord2VecThreadKernels}. */
export interface LoadWord2VecThreadKernelsOptions {
  /**
   * The shared memory to run in: `new WebAssembly.Memory({ initial, maximum, shared: true })`
   * with `maximum` at most 65536 pages. Every thread instantiates the module over this memory.
   */
  memory: WebAssembly.Memory;
  /** A precompiled `@zoo/kernels/zoo-word2vec-threads.wasm` module, or its raw bytes. */
  module?: WebAssembly.Module | BufferSource;
}

/**
 * Compiles (or takes) the shared-memory build of the word2vec kernels
 * (`@zoo/kernels/zoo-word2vec-threads.wasm`, the same exports and results as the SIMD build)
 * and instantiates it over `options.memory`, which must be a shared `WebAssembly.Memory`
 * (so the runtime must support wasm threads: `SharedArrayBuffer`, cross-origin isolation in
 * browsers). The returned `module` can be posted to workers, which instantiate it over the
 * same memory with `new WebAssembly.Instance(module, { env: { memory } })`.
 */
export async function loadWord2VecThreadKernels(
  options: LoadWord2VecThreadKernelsOptions,
): Promise<LoadedWord2VecKernels> {
  const memory = options?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new TypeError('loadWord2VecThreadKernels: memory must be a shared WebAssembly.Memory');
  }
  const SAB = (globalThis as { SharedArrayBuffer?: new (n: number) => ArrayBufferLike })
    .SharedArrayBuffer;
  if (SAB === undefined || !(memory.buffer instanceof SAB)) {
    throw new TypeError(
      'loadWord2VecThreadKernels: memory must be shared (new WebAssembly.Memory({ initial, maximum, shared: true }))',
    );
  }
  return loadModule<Word2VecKernelExports>(
    {
      memory,
      variant: 'simd',
      ...(options.module === undefined ? {} : { module: options.module }),
    },
    {
      caller: 'loadWord2VecThreadKernels',
      what: 'the Zoo word2vec threads kernel module',
      abiVersion: WORD2VEC_ABI_VERSION,
      required: ['isRelaxed', 'w2vTrain', 'w2vInitTables'],
      bytes: word2vecThreadsWasmBytes,
    },
  );
}
