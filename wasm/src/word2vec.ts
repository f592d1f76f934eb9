// The loader of the word2vec kernel module (a small module of its own: an app that only trains
// Word2Vec never carries the main kernels), with its bytes embedded.
import type { Word2VecKernelExports } from './generated/word2vec-exports.js';
import {
  W2V_RELAXED_WASM_DELTA_BASE64,
  W2V_SIMD_WASM_BASE64,
  W2V_THREADS_WASM_DELTA_BASE64,
} from './generated/word2vec-wasm.js';
import { applyDelta, decodeBase64, type KernelVariant, loadModule } from './loader-core.js';
import {
  type LoadedWord2VecKernels,
  type LoadWord2VecKernelsOptions,
  type LoadWord2VecThreadKernelsOptions,
  loadThreadKernels,
  word2vecSpec,
} from './word2vec-core.js';

export type { Word2VecKernelExports } from './generated/word2vec-exports.js';
export {
  type LoadedWord2VecKernels,
  type LoadWord2VecKernelsOptions,
  type LoadWord2VecThreadKernelsOptions,
  WORD2VEC_ABI_VERSION,
} from './word2vec-core.js';

/** The embedded `.wasm` bytes of one build of the word2vec kernels. */
export function word2vecWasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  const simd = decodeBase64(W2V_SIMD_WASM_BASE64);
  // The other builds ship as small deltas against the SIMD one (see scripts/build.mjs).
  return variant === 'relaxed'
    ? applyDelta(simd, decodeBase64(W2V_RELAXED_WASM_DELTA_BASE64))
    : simd;
}

/**
 * Compiles (or takes) the word2vec kernel module (`@zoo/kernels/zoo-word2vec-simd.wasm` or
 * `-relaxed.wasm`), instantiates it over a growable memory and checks its ABI. Both builds
 * compute bit-identical results (the word2vec kernels use no relaxed instruction).
 */
export function loadWord2VecKernels(
  options: LoadWord2VecKernelsOptions = {},
): Promise<LoadedWord2VecKernels> {
  return loadModule<Word2VecKernelExports>(
    options,
    word2vecSpec('loadWord2VecKernels', 'the Zoo word2vec kernel module', word2vecWasmBytes),
  );
}

/** The embedded `.wasm` bytes of the shared-memory (threads) build of the word2vec kernels. */
export function word2vecThreadsWasmBytes(): Uint8Array<ArrayBuffer> {
  return applyDelta(
    decodeBase64(W2V_SIMD_WASM_BASE64),
    decodeBase64(W2V_THREADS_WASM_DELTA_BASE64),
  );
}

/**
 * Compiles (or takes) the shared-memory build of the word2vec kernels
 * (`@zoo/kernels/zoo-word2vec-threads.wasm`, the same exports and results as the SIMD build)
 * and instantiates it over `options.memory`, which must be a shared `WebAssembly.Memory`
 * (so the runtime must support wasm threads: `SharedArrayBuffer`, cross-origin isolation in
 * browsers). The returned `module` can be posted to workers, which instantiate it over the
 * same memory with `new WebAssembly.Instance(module, { env: { memory } })`.
 */
export function loadWord2VecThreadKernels(
  options: LoadWord2VecThreadKernelsOptions,
): Promise<LoadedWord2VecKernels> {
  return loadThreadKernels(options, word2vecThreadsWasmBytes);
}
