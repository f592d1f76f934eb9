// The threads builds of the main kernels: embedded as deltas that decode to build/'s files,
// which differ from the single-thread builds only in the memory import's shared flag; loaded
// over shared memories only; and a second instance over the same memory, its scratch pointed
// elsewhere, computes the same GEMM and Winograd convolution bits without disturbing the
// first's scratch (or the static data below heapBase at all).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KernelExports } from '../src/index.js';
import * as full from '../src/index.js';
import * as slim from '../src/slim.js';

const file = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../build/${name}`, import.meta.url)));

/** Deterministic floats in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

describe('the threads builds of the kernels', () => {
  it('decode to the built files, which differ from the single-thread builds in one byte', () => {
    for (const [variant, name, single] of [
      ['simd', 'zoo-threads.wasm', 'zoo-simd.wasm'],
      ['relaxed', 'zoo-relaxed-threads.wasm', 'zoo-relaxed.wasm'],
    ] as const) {
      const bytes = full.threadsWasmBytes(variant);
      expect(bytes).toEqual(file(name));
      const base = file(single);
      expect(bytes.length).toBe(base.length);
      const diffs: number[] = [];
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== base[i]) diffs.push(i);
      // The memory import's limits flag: 0x01 (maximum) -> 0x03 (shared, maximum).
      expect(diffs.length, name).toBe(1);
      expect([base[diffs[0]], bytes[diffs[0]]]).toEqual([1, 3]);
    }
    expect(() => slim.threadsWasmBytes('simd')).toThrow(/slim build .*zoo-threads\.wasm/);
  });

  it('load over shared memories only, and refuse a single-thread build', async () => {
    const plain = new WebAssembly.Memory({ initial: 64, maximum: 65536 });
    await expect(full.loadThreadKernels({ memory: plain })).rejects.toThrow(
      /loadThreadKernels: memory must be a shared WebAssembly.Memory/,
    );
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    await expect(
      full.loadThreadKernels({ memory, module: full.wasmBytes('simd') }),
    ).rejects.toThrow(WebAssembly.LinkError);
    // The slim entry loads the file it is given.
    const loaded = await slim.loadThreadKernels({
      memory,
      module: file('zoo-threads.wasm'),
      variant: 'simd',
    });
    expect(loaded.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(loaded.exports.gemmScratchSize()).toBeGreaterThan(0);
  });

  it('a second instance over the same memory, scratch elsewhere, computes the same bits', async () => {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    const main = await full.loadThreadKernels({ memory, variant: 'simd' });
    const k = main.exports;
    const other = new WebAssembly.Instance(main.module, { env: { memory } })
      .exports as unknown as KernelExports;
    let top = (main.heapBase + 63) & ~63;
    const alloc = (bytes: number) => {
      const p = top;
      top = (top + bytes + 63) & ~63;
      if (top > memory.buffer.byteLength) {
        memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
      }
      return p;
    };
    const put = (data: Float32Array) => {
      const p = alloc(data.length * 4);
      new Float32Array(memory.buffer, p, data.length).set(data);
      return p;
    };
    const get = (p: number, n: number) => new Float32Array(memory.buffer, p, n).slice();
    // Every kernel file's static scratch, pointed at areas of the second instance's own.
    const fns = other as unknown as Record<string, (...a: number[]) => number>;
    const setters = Object.keys(fns).filter((name) => name.endsWith('SetScratch'));
    expect(setters).toContain('gemmSetScratch');
    for (const name of setters) fns[name](alloc(fns[name.replace(/SetScratch$/, 'ScratchSize')]()));
    // The main instance's scratch is static data below heapBase: the other one must not write
    // there.
    const below = () => new Uint8Array(memory.buffer, 0, main.heapBase).slice();
    const [m, n, kk] = [70, 90, 300];
    const a = put(rand(m * kk, 1));
    const b = put(rand(kk * n, 2));
    const c1 = alloc(m * n * 4);
    const c2 = alloc(m * n * 4);
    k.gemm(0, 0, m, n, kk, a, kk, b, n, c1, n, 0, 0, 0);
    const afterMain = below();
    other.gemm(0, 0, m, n, kk, a, kk, b, n, c2, n, 0, 0, 0);
    expect(get(c2, m * n)).toEqual(get(c1, m * n));
    expect(below()).toEqual(afterMain);
    // Winograd: a 3x3 convolution of 2 images, 8 -> 16 channels.
    const geom = alloc(64);
    new Int32Array(memory.buffer, geom, 16).set([
      2, 10, 11, 8, 3, 3, 8, 9, 1, 1, 0, 0, 1, 1, 16, 0,
    ]);
    const x = put(rand(2 * 10 * 11 * 8, 3));
    const w = put(rand(9 * 8 * 16, 4));
    const u = alloc(k.winogradFilterSize(8, 16) * 4);
    const work = alloc(k.winogradWorkSize(8, 16) * 4);
    const work2 = alloc(k.winogradWorkSize(8, 16) * 4);
    const y1 = alloc(2 * 8 * 9 * 16 * 4);
    const y2 = alloc(2 * 8 * 9 * 16 * 4);
    k.winogradFilter(w, 8, 16, u);
    k.winogradConv(x, u, 0, y1, geom, 0, work);
    const afterWinograd = below();
    other.winogradConv(x, u, 0, y2, geom, 0, work2);
    expect(get(y2, 2 * 8 * 9 * 16)).toEqual(get(y1, 2 * 8 * 9 * 16));
    expect(below()).toEqual(afterWinograd);
    // F(4x4, 3x3), the single-thread training convolution, likewise.
    const u4 = alloc(k.winograd4FilterSize(8, 16) * 4);
    const work4 = alloc(k.winograd4WorkSize(8, 16) * 4);
    const work42 = alloc(k.winograd4WorkSize(8, 16) * 4);
    k.winograd4Filter(w, 8, 16, u4, work4);
    k.winograd4Conv(x, u4, 0, y1, geom, 1, work4);
    const afterWinograd4 = below();
    other.winograd4Conv(x, u4, 0, y2, geom, 1, work42);
    expect(get(y2, 2 * 8 * 9 * 16)).toEqual(get(y1, 2 * 8 * 9 * 16));
    expect(below()).toEqual(afterWinograd4);
  });
});
