// Internal: the loading logic shared by loadKernels and loadWord2VecKernels (not exported from
// the package). It references no embedded module bytes, so a bundle that only loads one module
// carries only that module's bytes.
import { RELAXED_PROBE_BASE64 } from './generated/wasm.js';

/** Which build of a kernel module runs. */
export type KernelVariant = 'simd' | 'relaxed';

/** Options shared by the kernel loaders. */
export interface LoadModuleOptions {
  /** A precompiled kernel module (required on Cloudflare workerd), or the raw `.wasm` bytes. */
  module?: WebAssembly.Module | BufferSource;
  /** `'auto'` (default) picks relaxed SIMD where `WebAssembly.validate` accepts it. */
  variant?: KernelVariant | 'auto';
  /** Memory to run in; by default a new growable memory of at most 4 GiB is made. */
  memory?: WebAssembly.Memory;
}

/** A ready instance of a kernel module. */
export interface LoadedModule<E> {
  exports: E;
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  variant: KernelVariant;
  /** First byte of memory that belongs to the caller's allocator. */
  heapBase: number;
}

/** What distinguishes one kernel module from another for the shared loader. */
export interface ModuleSpec {
  /** The loader's name, for error messages (e.g. `loadKernels`). */
  caller: string;
  /** What the module is, for error messages (e.g. `a Zoo kernel module`). */
  what: string;
  /** The ABI version this loader speaks. */
  abiVersion: number;
  /** Exports the module must have besides abiVersion, heapBase and isRelaxed. */
  required: readonly string[];
  /** The embedded bytes of one build. */
  bytes(variant: KernelVariant): Uint8Array<ArrayBuffer>;
}

/** Largest wasm32 memory, in 64 KiB pages (4 GiB). */
export const MAX_PAGES = 65536;

export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
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

function isBufferSource(x: unknown): x is BufferSource {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}

interface BaseExports {
  abiVersion(): number;
  heapBase(): number;
  isRelaxed(): number;
}

/**
 * Compiles (or takes) a kernel module, instantiates it over a growable memory and checks that
 * it is the build `spec` describes.
 */
export async function loadModule<E extends BaseExports>(
  options: LoadModuleOptions,
  spec: ModuleSpec,
): Promise<LoadedModule<E>> {
  const { caller } = spec;
  const { variant: requested = 'auto' } = options;
  if (requested !== 'auto' && requested !== 'simd' && requested !== 'relaxed') {
    throw new Error(
      `${caller}: variant must be 'auto', 'simd' or 'relaxed', got ${String(requested)}`,
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
        `${caller}: 'module' must be a WebAssembly.Module or the kernel .wasm bytes, got ${describe(options.module)}`,
      );
    }
  } else {
    let variant: KernelVariant = requested === 'auto' ? 'simd' : requested;
    if (requested === 'auto' && relaxedSimdSupported()) variant = 'relaxed';
    if (variant === 'relaxed' && !relaxedSimdSupported()) {
      throw new Error(
        `${caller}: relaxed SIMD was requested but this runtime does not validate it (Node 20 needs --experimental-wasm-relaxed-simd)`,
      );
    }
    module = await WebAssembly.compile(spec.bytes(variant));
  }
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = ['abiVersion', 'heapBase', ...spec.required].filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new Error(
      `${caller}: the module given is not ${spec.what} (it lacks the ${missing.join(', ')} export${missing.length > 1 ? 's' : ''})`,
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
  const exports = instance.exports as unknown as E;
  const abi = exports.abiVersion();
  if (abi !== spec.abiVersion) {
    throw new Error(
      `${caller}: the kernel module is from another version of @zoo/kernels (ABI ${abi}, this loader needs ${spec.abiVersion})`,
    );
  }
  const variant: KernelVariant = exports.isRelaxed() === 1 ? 'relaxed' : 'simd';
  return { exports, memory, module, variant, heapBase: exports.heapBase() };
}
