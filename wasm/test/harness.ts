// Shared helpers for kernel tests: load a kernel build, bump-allocate from heapBase, copy
// arrays in and out. Tests hold each SIMD kernel to its scalar reference with these.
import {
  type KernelExports,
  type KernelVariant,
  loadKernels,
  relaxedSimdSupported,
} from '../src/index.js';

export interface Harness {
  k: KernelExports;
  memory: WebAssembly.Memory;
  /** Allocates `n` 4-byte elements (64-byte aligned), returns the byte offset. */
  alloc(n: number): number;
  /** Releases everything allocated so far. */
  reset(): void;
  f32(ptr: number, n: number): Float32Array;
  i32(ptr: number, n: number): Int32Array;
  putF32(data: ArrayLike<number>): number;
  putI32(data: ArrayLike<number>): number;
}

export async function harness(variant: KernelVariant = 'simd'): Promise<Harness> {
  const { exports: k, memory, heapBase } = await loadKernels({ variant });
  const base = (heapBase + 63) & ~63;
  let top = base;
  const alloc = (n: number): number => {
    const ptr = top;
    top = (top + n * 4 + 63) & ~63;
    const need = top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    return ptr;
  };
  const f32 = (ptr: number, n: number) => new Float32Array(memory.buffer, ptr, n);
  const i32 = (ptr: number, n: number) => new Int32Array(memory.buffer, ptr, n);
  return {
    k,
    memory,
    alloc,
    reset: () => {
      top = base;
    },
    f32,
    i32,
    putF32: (data) => {
      const p = alloc(data.length);
      f32(p, data.length).set(data);
      return p;
    },
    putI32: (data) => {
      const p = alloc(data.length);
      i32(p, data.length).set(data);
      return p;
    },
  };
}

/** Variants this runtime can run: always 'simd', plus 'relaxed' where it validates. */
export const variants: KernelVariant[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];

/** Deterministic pseudo-random floats in [-1, 1) for test inputs. */
export function randomArray(n: number, seed = 1): Float32Array {
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

/** Asserts |a - b| <= atol + rtol * |b| elementwise, naming the first offending index. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`length differs: ${actual.length} vs ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b)) && a !== b) {
      throw new Error(`index ${i}: got ${a}, expected ${b} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
