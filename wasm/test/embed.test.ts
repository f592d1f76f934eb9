// The embedded wasm (SIMD builds as base64, the other builds as deltas against them) decodes to
// exactly the files in build/, and the slim entry embeds none of it but loads a module it is given.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as full from '../src/index.js';
import { applyDelta } from '../src/loader-core.js';
import * as slim from '../src/slim.js';

const file = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../build/${name}`, import.meta.url)));

describe('embedded wasm', () => {
  it('decodes to the built files, the relaxed and threads builds through their deltas', () => {
    expect(full.wasmBytes('simd')).toEqual(file('zoo-simd.wasm'));
    expect(full.wasmBytes('relaxed')).toEqual(file('zoo-relaxed.wasm'));
    expect(full.word2vecWasmBytes('simd')).toEqual(file('zoo-word2vec-simd.wasm'));
    expect(full.word2vecWasmBytes('relaxed')).toEqual(file('zoo-word2vec-relaxed.wasm'));
    expect(full.word2vecThreadsWasmBytes()).toEqual(file('zoo-word2vec-threads.wasm'));
    // The builds do differ, so the deltas are doing something.
    expect(full.wasmBytes('relaxed')).not.toEqual(full.wasmBytes('simd'));
    expect(full.word2vecThreadsWasmBytes()).not.toEqual(full.word2vecWasmBytes('simd'));
  });

  it('applyDelta copies and inserts, and refuses a corrupt delta', () => {
    const base = new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17]);
    const target = [12, 13, 14, 99, 98, 10, 11];
    // FNV-1a of the target, as a varint.
    let h = 0x811c9dc5;
    for (const b of target) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    const hash: number[] = [];
    for (let n = h; ; ) {
      const b = n % 128;
      n = Math.floor(n / 128);
      hash.push(n > 0 ? b | 0x80 : b);
      if (n === 0) break;
    }
    // length 7; copy 3 from +2 (zigzag 4); 2 literals; copy 2 from 5 - 5 = 0 (zigzag 11).
    const delta = new Uint8Array([7, ...hash, 7, 4, 4, 99, 98, 5, 11]);
    expect([...applyDelta(base, delta)]).toEqual(target);
    const corrupt = delta.slice();
    corrupt[corrupt.length - 4] = 97;
    expect(() => applyDelta(base, corrupt)).toThrow(/embedded wasm module is corrupt/);
  });
});

describe('slim entry', () => {
  it('has the same exports as the full entry', () => {
    expect(Object.keys(slim).sort()).toEqual(Object.keys(full).sort());
  });

  it('asks for the module instead of loading embedded bytes', async () => {
    await expect(slim.loadKernels()).rejects.toThrow(
      /loadKernels: this is the slim build of @zoo\/kernels .* import '@zoo\/kernels\/zoo-(simd|relaxed)\.wasm' and pass it as 'module'/,
    );
    await expect(slim.loadWord2VecKernels({ variant: 'simd' })).rejects.toThrow(
      /import '@zoo\/kernels\/zoo-word2vec-simd\.wasm'/,
    );
    expect(() => slim.wasmBytes('simd')).toThrow(/slim build/);
    expect(() => slim.word2vecThreadsWasmBytes()).toThrow(/zoo-word2vec-threads\.wasm/);
  });

  it('loads a precompiled module or bytes, and still checks what it is given', async () => {
    const module = await WebAssembly.compile(file('zoo-simd.wasm'));
    const k = await slim.loadKernels({ module });
    expect(k.module).toBe(module);
    expect(k.exports.abiVersion()).toBe(slim.ABI_VERSION);
    const w = await slim.loadWord2VecKernels({ module: file('zoo-word2vec-simd.wasm') });
    expect(w.exports.abiVersion()).toBe(slim.WORD2VEC_ABI_VERSION);
    await expect(slim.loadKernels({ module: file('zoo-word2vec-simd.wasm') })).rejects.toThrow(
      /another version of @zoo\/kernels|not a Zoo kernel module/,
    );
    await expect(
      slim.loadKernels({ module: 'zoo-simd.wasm' as unknown as WebAssembly.Module }),
    ).rejects.toThrow(
      /'module' must be a WebAssembly.Module or the kernel .wasm bytes, got string/,
    );
  });

  it('reports SIMD and relaxed SIMD support without embedded modules', () => {
    expect(slim.simdSupported()).toBe(true);
    expect(slim.relaxedSimdSupported()).toBe(full.relaxedSimdSupported());
  });
});
