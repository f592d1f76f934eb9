// Internal: what the word2vec kernel loaders check, shared by the full entry (word2vec.ts) and
// the slim one (slim.ts), which differ only in where the bytes come from.
import type { Word2VecKernelExports } from './generated/word2vec-exports.js';
import {
  type KernelVariant,
  type LoadedModule,
  type LoadModuleOptions,
  loadModule,
  type ModuleSpec,
} from './loader-core.js';

/**
 * The word2vec kernel ABI this loader speaks (1000 + version, so neither loader accepts the
 * other module); a module reporting another version is refused.
 */
export const WORD2VEC_ABI_VERSION = 1001;

/** Options of `loadWord2VecKernels`. */
export type LoadWord2VecKernelsOptions = LoadModuleOptions;

/** A ready word2vec kernel instance. */
export type LoadedWord2VecKernels = LoadedModule<Word2VecKernelExports>;

/** Options of `loadWord2VecThreadKernels`. */
export interface LoadWord2VecThreadKernelsOptions {
  /**
   * The shared memory to run in: `new WebAssembly.Memory({ initial, maximum, shared: true })`
   * with `maximum` at most 65536 pages. Every thread instantiates the module over this memory.
   */
  memory: WebAssembly.Memory;
  /** A precompiled `@zoo/kernels/zoo-word2vec-threads.wasm` module, or its raw bytes. */
  module?: WebAssembly.Module | BufferSource;
}

/** The spec of the word2vec kernel module, its bytes given by `bytes`. */
export function word2vecSpec(
  caller: string,
  what: string,
  bytes: (variant: KernelVariant) => Uint8Array<ArrayBuffer>,
): ModuleSpec {
  return {
    caller,
    what,
    abiVersion: WORD2VEC_ABI_VERSION,
    required: ['isRelaxed', 'w2vTrain', 'w2vInitTables'],
    bytes,
  };
}

/** Loads the shared-memory build over `options.memory` (see `loadWord2VecThreadKernels`). */
export async function loadThreadKernels(
  options: LoadWord2VecThreadKernelsOptions,
  bytes: () => Uint8Array<ArrayBuffer>,
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
    word2vecSpec('loadWord2VecThreadKernels', 'the Zoo word2vec threads kernel module', bytes),
  );
}
