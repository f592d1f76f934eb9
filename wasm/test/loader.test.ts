import { describe, expect, it } from 'vitest';
import {
  ABI_VERSION,
  loadKernels,
  relaxedSimdSupported,
  simdSupported,
  wasmBytes,
} from '../src/index.js';

/** A minimal module exporting abiVersion() -> `abi`, heapBase() -> 0, isRelaxed() -> 0. */
function fakeKernelModule(abi: number): Uint8Array<ArrayBuffer> {
  const str = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const exportFn = (name: string, index: number) => [...str(name), 0x00, index];
  const constBody = (v: number) => {
    const code = [0x00, 0x41, v & 0x7f, 0x0b]; // no locals; i32.const v (v < 64); end
    return [code.length, ...code];
  };
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 0, 1, 0x7f]), // one type: () -> i32
    ...section(3, [3, 0, 0, 0]), // three functions of type 0
    ...section(7, [
      3,
      ...exportFn('abiVersion', 0),
      ...exportFn('heapBase', 1),
      ...exportFn('isRelaxed', 2),
    ]),
    ...section(10, [3, ...constBody(abi), ...constBody(0), ...constBody(0)]),
  ];
  return new Uint8Array(bytes);
}

describe('loader', () => {
  it('loads the SIMD build and reports its variant', async () => {
    expect(simdSupported()).toBe(true);
    const k = await loadKernels({ variant: 'simd' });
    expect(k.variant).toBe('simd');
    expect(k.heapBase).toBeGreaterThan(0);
    expect(k.exports.abiVersion()).toBe(ABI_VERSION);
  });

  it('picks relaxed SIMD only where WebAssembly.validate accepts it', async () => {
    const k = await loadKernels();
    expect(k.variant).toBe(relaxedSimdSupported() ? 'relaxed' : 'simd');
    if (!relaxedSimdSupported()) {
      await expect(loadKernels({ variant: 'relaxed' })).rejects.toThrow(
        /relaxed SIMD was requested/,
      );
    }
  });

  it('accepts a precompiled WebAssembly.Module (as workerd needs) and raw bytes', async () => {
    const module = await WebAssembly.compile(wasmBytes('simd'));
    const fromModule = await loadKernels({ module });
    expect(fromModule.module).toBe(module);
    const fromBytes = await loadKernels({ module: wasmBytes('simd') });
    expect(fromBytes.exports.abiVersion()).toBe(ABI_VERSION);
  });

  it('rejects something that is not a module or bytes', async () => {
    await expect(
      loadKernels({ module: 'zoo.wasm' as unknown as WebAssembly.Module }),
    ).rejects.toThrow(
      "loadKernels: 'module' must be a WebAssembly.Module or the kernel .wasm bytes, got string",
    );
    await expect(loadKernels({ module: {} as WebAssembly.Module })).rejects.toThrow(/got Object/);
  });

  it('rejects a wasm module that is not Zoo kernels', async () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(loadKernels({ module: empty })).rejects.toThrow(/not a Zoo kernel module/);
  });

  it('rejects kernels from another version', async () => {
    const other = fakeKernelModule(ABI_VERSION + 1);
    await expect(loadKernels({ module: other })).rejects.toThrow(
      `another version of @zoo/kernels (ABI ${ABI_VERSION + 1}, this loader needs ${ABI_VERSION})`,
    );
    // The same fake with the right ABI passes the check, so the test above fails for the right reason.
    await expect(loadKernels({ module: fakeKernelModule(ABI_VERSION) })).resolves.toBeDefined();
  });

  it('rejects an unknown variant name', async () => {
    await expect(loadKernels({ variant: 'avx' as 'simd' })).rejects.toThrow(/variant must be/);
  });
});
