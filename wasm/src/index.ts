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
import { RELAXED_PROBE_BASE64, RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './generated/wasm.js';

export type { KernelExports } from './generated/exports.js';

/** The kernel ABI this loader speaks; a module reporting another version is refused. */
export const ABI_VERSION = 1;

/** Which build of the kernels runs. */
export type KernelVariant = 'simd' | 'relaxed';

/** Options of {@link loadKernels}. */
export interface LoadKernelsOptions {
  /** A precompiled kernel module (required on Cloudflare workerd), or the raw `.wasm` bytes. */
  module?: WebAssembly.Module | BufferSource;
  /** `'auto'` (default) picks relaxed SIMD where `WebAssembly.validate` accepts it. */
  variant?: KernelVariant | 'auto';
  /** Memory to run in; by default a new growable memory of at most 4 GiB is made. */
  memory?: WebAssembly.Memory;
}

/** A ready kernel instance. */
export interface LoadedKernels {
  exports: KernelExports;
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  variant: KernelVariant;
  /** First byte of memory that belongs to the caller's allocator. */
  heapBase: number;
}

/** Largest wasm32 memory, in 64 KiB pages (4 GiB). */
export const MAX_PAGES = 65536;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } };
  if (g.Buffer) {
    const buf = g.Buffer.from(text, 'base64');
    const out = new Uint8Array(buf.length);
    out.set(buf);
    return out;
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let relaxedCache: boolean | undefined;

/** Whether this runtime validates fixed-width SIMD (every supported runtime should). */
export function simdSupported(): boolean {
  // The SIMD build is the fallback, so validating it answers the question directly.
  return WebAssembly.validate(decodeBase64(SIMD_WASM_BASE64));
}

/** Whether this runtime accepts relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  if (relaxedCache === undefined) {
    try {
      relaxedCache = WebAssembly.validate(decodeBase64(RELAXED_PROBE_BASE64));
    } catch {
      relaxedCache = false;
    }
  }
  return relaxedCache;
}

/** The embedded `.wasm` bytes of one build. */
export function wasmBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  return decodeBase64(variant === 'relaxed' ? RELAXED_WASM_BASE64 : SIMD_WASM_BASE64);
}

function isBufferSource(x: unknown): x is BufferSource {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

/**
 * Compiles (or takes) the kernel module, instantiates it over a growable memory and checks
 * that it is the build this loader expects.
 */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<LoadedKernels> {
  const { variant: requested = 'auto' } = options;
  if (requested !== 'auto' && requested !== 'simd' && requested !== 'relaxed') {
    throw new Error(
      `loadKernels: variant must be 'auto', 'simd' or 'relaxed', got ${String(requested)}`,
    );
  }
  let module: WebAssembly.Module;
  if (options.module !== undefined) {
    if (options.module instanceof WebAssembly.Module) {
      module = options.module;
    } else if (isBufferSource(options.module)) {
      module = await WebAssembly.compile(options.module);
    } else {
      throw new TypeError(
        `loadKernels: 'module' must be a WebAssembly.Module or the kernel .wasm bytes, got ${describe(options.module)}`,
      );
    }
  } else {
    let variant: KernelVariant = requested === 'auto' ? 'simd' : requested;
    if (requested === 'auto' && relaxedSimdSupported()) variant = 'relaxed';
    if (variant === 'relaxed' && !relaxedSimdSupported()) {
      throw new Error(
        'loadKernels: relaxed SIMD was requested but this runtime does not validate it (Node 20 needs --experimental-wasm-relaxed-simd)',
      );
    }
    module = await WebAssembly.compile(wasmBytes(variant));
  }
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (!names.has('abiVersion') || !names.has('heapBase')) {
    throw new Error(
      'loadKernels: the module given is not a Zoo kernel module (it lacks the abiVersion and heapBase exports)',
    );
  }
  const memory = options.memory ?? new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES });
  let instance: WebAssembly.Instance | undefined;
  // The module declares how much memory its static data needs; grow until it links.
  for (let attempt = 0; instance === undefined; attempt++) {
    try {
      instance = await WebAssembly.instantiate(module, { env: { memory } });
    } catch (err) {
      if (!(err instanceof WebAssembly.LinkError) || attempt >= 6) throw err;
      memory.grow(memory.buffer.byteLength / 65536);
    }
  }
  const exports = instance.exports as unknown as KernelExports;
  const abi = exports.abiVersion();
  if (abi !== ABI_VERSION) {
    throw new Error(
      `loadKernels: the kernel module is from another version of @zoo/kernels (ABI ${abi}, this loader needs ${ABI_VERSION})`,
    );
  }
  const variant: KernelVariant = exports.isRelaxed() === 1 ? 'relaxed' : 'simd';
  return { exports, memory, module, variant, heapBase: exports.heapBase() };
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}
