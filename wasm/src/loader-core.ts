// Internal: the loading logic shared by loadKernels and loadWord2VecKernels, in the full entry
// (embedded wasm) and the slim one (none). It references no embedded module, so a bundle
// carries only the bytes of the modules its loaders embed.

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

/**
 * A module of one function returning the `v128` that SIMD opcode `op` (after the 0xfd prefix;
 * -1 for none) computes from `operands` zero vectors, for `WebAssembly.validate`.
 */
function simdProbe(op: number, operands: number): Uint8Array<ArrayBuffer> {
  const v128Const = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00];
  for (let i = 0; i < operands; i++) body.push(...v128Const);
  if (op >= 0) body.push(0xfd, ...(op < 128 ? [op] : [(op & 0x7f) | 0x80, op >> 7]));
  body.push(0x0b);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
    ...[0x0a, body.length + 2, 0x01, body.length, ...body], // code section
  ]);
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}

/**
 * Rebuilds a module embedded as a delta against another (see scripts/build.mjs): a varint
 * length, a varint FNV-1a hash, then ops, each a varint h: h even, h / 2 literal bytes follow;
 * h odd, copy (h - 1) / 2 bytes of `base` from the end of the previous copy plus a zigzag varint.
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array<ArrayBuffer> {
  let p = 0;
  const varint = (): number => {
    let r = 0;
    let scale = 1;
    let b: number;
    do {
      b = delta[p++];
      r += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    return r;
  };
  const out = new Uint8Array(varint());
  const hash = varint();
  let o = 0;
  let from = 0;
  while (o < out.length && p < delta.length) {
    const h = varint();
    const n = Math.floor(h / 2);
    if (h % 2 === 0) {
      out.set(delta.subarray(p, p + n), o);
      p += n;
    } else {
      const z = varint();
      from += z % 2 === 1 ? -(z - 1) / 2 : z / 2;
      out.set(base.subarray(from, from + n), o);
      from += n;
    }
    o += n;
  }
  if (fnv1a(out) !== hash) {
    throw new Error('@zoo/kernels: an embedded wasm module is corrupt (its delta does not match)');
  }
  return out;
}

let simdCache: boolean | undefined;
let relaxedCache: boolean | undefined;

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether this runtime validates fixed-width SIMD (every supported runtime should). */
export function simdSupported(): boolean {
  simdCache ??= validates(simdProbe(-1, 1)); // v128.const
  return simdCache;
}

/** Whether this runtime accepts relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  relaxedCache ??= validates(simdProbe(0x105, 3)); // f32x4.relaxed_madd
  return relaxedCache;
}

/**
 * The error of the slim entry (`@zoo/kernels/slim`, or `@zoo/kernels` under the `workerd` or
 * `zoo-slim` export condition), which embeds no wasm, when a loader is asked for its bytes.
 */
export function notEmbedded(caller: string, file: string): Error {
  return new Error(
    `${caller}: this is the slim build of @zoo/kernels (chosen by the 'workerd' or 'zoo-slim' export condition, or imported as @zoo/kernels/slim), which embeds no wasm: import '@zoo/kernels/${file}' and pass it as 'module' (for @zoo/core: ready({ module })), or bundle without that condition`,
  );
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
