/**
 * @zoo/kernels: the loader for Zoo's WebAssembly SIMD kernels.
 *
 * The wasm bytes of both builds ship inside this module as base64 (the relaxed one as a small
 * delta against the SIMD one), so loading needs no file access or fetch. Where compiling from bytes is forbidden (Cloudflare workerd), import
 * `@zoo/kernels/zoo-simd.wasm` (or `zoo-relaxed.wasm`) as a `WebAssembly.Module` and pass it
 * as `module`; bundlers resolving the `workerd` (or `zoo-slim`) export condition get the slim
 * entry (`@zoo/kernels/slim`: the same API with no wasm embedded) instead of this one.
 *
 * @packageDocumentation
 */
import type { KernelExports } from './generated/exports.js';
import { RELAXED_WASM_DELTA_BASE64, SIMD_WASM_BASE64 } from './generated/wasm.js';
import { kernelSpec, type LoadedKernels, type LoadKernelsOptions } from './kernels.js';
import { applyDelta, decodeBase64, type KernelVariant, loadModule } from './loader-core.js';

export type { KernelExports } from './generated/exports.js';
export { ABI_VERSION, type LoadedKernels, type LoadKernelsOptions } from './kernels.js';
export {
  type KernelVariant,
  MAX_PAGES,
  relaxedSimdSupported,
  simdSupported,
} from './loader-core.js';
export { type LoadThreadKernelsOptions, loadThreadKernels, threadsWasmBytes } from './threads.js';
export {
  type LoadedWord2VecKernels,
  type LoadWord2VecKernelsOptions,
  type LoadWord2VecThreadKernelsOptions,
  loadWord2VecKernels,
  loadWord2VecThreadKernels,
  WORD2VEC_ABI_VERSION,
  type Word2VecKernelExports,
  word2vecThreadsWasmBytes,
  word2vecWasmBytes,
} from './word2vec.js';

/** The embedded `.wasm` bytes of one build. */
export function wasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  const simd = decodeBase64(SIMD_WASM_BASE64);
  // The relaxed build ships as a small delta against the SIMD one (see scripts/build.mjs).
  return variant === 'relaxed' ? applyDelta(simd, decodeBase64(RELAXED_WASM_DELTA_BASE64)) : simd;
}

/**
 * Compiles (or takes) the kernel module, instantiates it over a growable memory and checks
 * that it is the build this loader expects.
 */
export function loadKernels(options: LoadKernelsOptions = {}): Promise<LoadedKernels> {
  return loadModule<KernelExports>(options, kernelSpec(wasmBytes));
}
