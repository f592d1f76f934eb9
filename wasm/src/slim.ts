/**
 * @zoo/kernels/slim: the loader of `@zoo/kernels` with no wasm embedded, for bundles that must
 * stay small or where compiling wasm from bytes is forbidden (Cloudflare workerd). It has the
 * same exports as `@zoo/kernels`; bundlers resolving the `workerd` or `zoo-slim` export
 * condition pick it for `@zoo/kernels` itself, so `@zoo/core` and the model packages use it
 * unchanged. Every loader needs `module`: the `.wasm` file imported as a `WebAssembly.Module`
 *
 * ```ts
 * import kernels from '@zoo/kernels/zoo-simd.wasm';
 * import { ready } from '@zoo/dnn';
 * await ready({ module: kernels });
 * ```
 *
 * or the file's bytes; the functions returning embedded bytes throw.
 *
 * @packageDocumentation
 */
import type { KernelExports } from './generated/exports.js';
import type { Word2VecKernelExports } from './generated/word2vec-exports.js';
import { kernelSpec, type LoadedKernels, type LoadKernelsOptions } from './kernels.js';
import { type KernelVariant, loadModule, notEmbedded } from './loader-core.js';
import { type LoadThreadKernelsOptions, loadThreadModule } from './threads-core.js';
import {
  type LoadedWord2VecKernels,
  type LoadWord2VecKernelsOptions,
  type LoadWord2VecThreadKernelsOptions,
  loadThreadKernels as loadWord2VecThreadModule,
  word2vecSpec,
} from './word2vec-core.js';

export type { KernelExports } from './generated/exports.js';
export type { Word2VecKernelExports } from './generated/word2vec-exports.js';
export { ABI_VERSION, type LoadedKernels, type LoadKernelsOptions } from './kernels.js';
export {
  type KernelVariant,
  MAX_PAGES,
  relaxedSimdSupported,
  simdSupported,
} from './loader-core.js';
export type { LoadThreadKernelsOptions } from './threads-core.js';
export {
  type LoadedWord2VecKernels,
  type LoadWord2VecKernelsOptions,
  type LoadWord2VecThreadKernelsOptions,
  WORD2VEC_ABI_VERSION,
} from './word2vec-core.js';

/** Throws: the slim entry embeds no wasm (import `@zoo/kernels/zoo-simd.wasm` instead). */
export function wasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  throw notEmbedded('wasmBytes', `zoo-${variant === 'relaxed' ? 'relaxed' : 'simd'}.wasm`);
}

/** Loads the kernel module given as `module` (required here); see `@zoo/kernels`. */
export function loadKernels(options: LoadKernelsOptions = {}): Promise<LoadedKernels> {
  return loadModule<KernelExports>(
    options,
    kernelSpec((v) => {
      throw notEmbedded('loadKernels', `zoo-${v}.wasm`);
    }),
  );
}

/** Throws: the slim entry embeds no wasm (import `@zoo/kernels/zoo-word2vec-simd.wasm`). */
export function word2vecWasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  throw notEmbedded('word2vecWasmBytes', `zoo-word2vec-${variant}.wasm`);
}

/** Loads the word2vec kernel module given as `module` (required here); see `@zoo/kernels`. */
export function loadWord2VecKernels(
  options: LoadWord2VecKernelsOptions = {},
): Promise<LoadedWord2VecKernels> {
  return loadModule<Word2VecKernelExports>(
    options,
    word2vecSpec('loadWord2VecKernels', 'the Zoo word2vec kernel module', (v) => {
      throw notEmbedded('loadWord2VecKernels', `zoo-word2vec-${v}.wasm`);
    }),
  );
}

/** Throws: the slim entry embeds no wasm (import `@zoo/kernels/zoo-word2vec-threads.wasm`). */
export function word2vecThreadsWasmBytes(): Uint8Array<ArrayBuffer> {
  throw notEmbedded('word2vecThreadsWasmBytes', 'zoo-word2vec-threads.wasm');
}

/** Loads the shared-memory word2vec module given as `module` (required here). */
export function loadWord2VecThreadKernels(
  options: LoadWord2VecThreadKernelsOptions,
): Promise<LoadedWord2VecKernels> {
  return loadWord2VecThreadModule(options, () => {
    throw notEmbedded('loadWord2VecThreadKernels', 'zoo-word2vec-threads.wasm');
  });
}

/** Throws: the slim entry embeds no wasm (import `@zoo/kernels/zoo-threads.wasm` instead). */
export function threadsWasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  throw notEmbedded(
    'threadsWasmBytes',
    variant === 'relaxed' ? 'zoo-relaxed-threads.wasm' : 'zoo-threads.wasm',
  );
}

/** Loads the threads kernel module given as `module` (required here) over a shared memory. */
export function loadThreadKernels(options: LoadThreadKernelsOptions): Promise<LoadedKernels> {
  return loadThreadModule(options, (v) => {
    throw notEmbedded(
      'loadThreadKernels',
      v === 'relaxed' ? 'zoo-relaxed-threads.wasm' : 'zoo-threads.wasm',
    );
  });
}
