/**
 * @zoo/kernels: the loader for Zoo's WebAssembly SIMD kernels.
 *
 * The wasm bytes of both builds ship inside this module as base64, so loading needs no file
 * access or fetch. Where compiling from bytes is forbidden (Cloudflare workerd), import
 * `@zoo/kernels/zoo-simd.wasm` (or `zoo-relaxed.wasm`) as a `WebAssembly.Module` and pass it
 * as `module`.
 *
 * @packageDocumentation
 */
import type { KernelExports } from './generated/exports.js';
import { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './generated/wasm.js';
import {
  decodeBase64,
  type KernelVariant,
  type LoadedModule,
  type LoadModuleOptions,
  loadModule,
} from './loader-core.js';

export type { KernelExports } from './generated/exports.js';
export { type KernelVariant, MAX_PAGES, relaxedSimdSupported } from './loader-core.js';
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

/** The kernel ABI this loader speaks; a module reporting another version is refused. */
export const ABI_VERSION = 1;

/** Options of {@link loadKernels}. */
export type LoadKernelsOptions = LoadModuleOptions;

/** A ready kernel instance. */
export type LoadedKernels = LoadedModule<KernelExports>;

/** Whether this runtime validates fixed-width SIMD (every supported runtime should). */
export function simdSupported(): boolean {
  // The SIMD build is the fallback, so validating it answers the question directly.
  return WebAssembly.validate(decodeBase64(SIMD_WASM_BASE64));
}

/** The embedded `.wasm` bytes of one build. */
export function wasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  return decodeBase64(variant === 'relaxed' ? RELAXED_WASM_BASE64 : SIMD_WASM_BASE64);
}

/**
 * Compiles (or takes) the kernel module, instantiates it over a growable memory and checks
 * that it is the build this loader expects.
 */
export function loadKernels(options: LoadKernelsOptions = {}): Promise<LoadedKernels> {
  return loadModule<KernelExports>(options, {
    caller: 'loadKernels',
    what: 'a Zoo kernel module',
    abiVersion: ABI_VERSION,
    required: [],
    bytes: wasmBytes,
  });
}
