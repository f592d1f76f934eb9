// The loader of the shared-memory (threads) build of the main kernels, with its bytes embedded
// as tiny deltas (the threads builds differ from the single-thread ones only in their memory
// import), for @zoo/core's worker threads.
import {
  RELAXED_THREADS_WASM_DELTA_BASE64,
  RELAXED_WASM_DELTA_BASE64,
  SIMD_WASM_BASE64,
  THREADS_WASM_DELTA_BASE64,
} from './generated/wasm.js';
import type { LoadedKernels } from './kernels.js';
import { applyDelta, decodeBase64, type KernelVariant } from './loader-core.js';
import { type LoadThreadKernelsOptions, loadThreadModule } from './threads-core.js';

export type { LoadThreadKernelsOptions } from './threads-core.js';

/**
 * The embedded `.wasm` bytes of the threads build: `zoo-threads.wasm`, or for `'relaxed'`
 * `zoo-relaxed-threads.wasm` (the same code as `zoo-simd.wasm` / `zoo-relaxed.wasm`, its
 * memory imported as shared).
 */
export function threadsWasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  let bytes = decodeBase64(SIMD_WASM_BASE64);
  if (variant === 'relaxed') {
    bytes = applyDelta(bytes, decodeBase64(RELAXED_WASM_DELTA_BASE64));
    return applyDelta(bytes, decodeBase64(RELAXED_THREADS_WASM_DELTA_BASE64));
  }
  return applyDelta(bytes, decodeBase64(THREADS_WASM_DELTA_BASE64));
}

/**
 * Compiles (or takes) the threads build of the kernels and instantiates it over
 * `options.memory`, which must be a shared `WebAssembly.Memory` (so the runtime must support
 * wasm threads: `SharedArrayBuffer`, and cross-origin isolation in browsers). The returned
 * `module` can be posted to workers, which instantiate it over the same memory and point
 * their GEMM scratch at an area of their own (`gemmSetScratch`) before running kernels.
 */
export function loadThreadKernels(options: LoadThreadKernelsOptions): Promise<LoadedKernels> {
  return loadThreadModule(options, threadsWasmBytes);
}
