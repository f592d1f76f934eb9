// Internal: the loader of the shared-memory (threads) build of the main kernels, shared by the
// full entry (threads.ts, bytes embedded) and the slim one (slim.ts, none).
import type { KernelExports } from './generated/exports.js';
import { ABI_VERSION, type LoadedKernels } from './kernels.js';
import { type KernelVariant, loadModule } from './loader-core.js';

/** Options of `loadThreadKernels`. */
export interface LoadThreadKernelsOptions {
  /**
   * The shared memory to run in: `new WebAssembly.Memory({ initial, maximum: 65536, shared:
   * true })`. Every thread instantiates the module over this memory.
   */
  memory: WebAssembly.Memory;
  /**
   * A precompiled `@zoo/kernels/zoo-threads.wasm` (or `zoo-relaxed-threads.wasm`) module, or
   * its raw bytes; by default the embedded bytes of the build `variant` picks.
   */
  module?: WebAssembly.Module | BufferSource;
  /** `'auto'` (default) picks the relaxed-SIMD threads build where the runtime validates it. */
  variant?: KernelVariant | 'auto';
}

/** Whether `memory` is a shared `WebAssembly.Memory` (its buffer a SharedArrayBuffer). */
export function isSharedMemory(memory: unknown): memory is WebAssembly.Memory {
  const SAB = (globalThis as { SharedArrayBuffer?: new (n: number) => ArrayBufferLike })
    .SharedArrayBuffer;
  return memory instanceof WebAssembly.Memory && SAB !== undefined && memory.buffer instanceof SAB;
}

/** Loads the threads build over `options.memory` (see `loadThreadKernels`). */
export function loadThreadModule(
  options: LoadThreadKernelsOptions,
  bytes: (variant: KernelVariant) => Uint8Array<ArrayBuffer>,
): Promise<LoadedKernels> {
  const memory = options?.memory;
  if (!isSharedMemory(memory)) {
    return Promise.reject(
      new TypeError(
        'loadThreadKernels: memory must be a shared WebAssembly.Memory (new WebAssembly.Memory({ initial, maximum, shared: true }))',
      ),
    );
  }
  return loadModule<KernelExports>(
    {
      memory,
      variant: options.variant ?? 'auto',
      ...(options.module === undefined ? {} : { module: options.module }),
    },
    {
      caller: 'loadThreadKernels',
      what: 'a Zoo threads kernel module (zoo-threads.wasm or zoo-relaxed-threads.wasm)',
      abiVersion: ABI_VERSION,
      required: ['isRelaxed', 'gemm', 'gemmSetScratch', 'gemmScratchSize'],
      bytes,
    },
  );
}
