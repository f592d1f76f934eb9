// Run with `node --experimental-wasm-relaxed-simd`: loads the relaxed-SIMD build through the
// public packages and holds its kernels to the scalar references. Prints one JSON line.
import * as zoo from '@zoo/core';
import { loadKernels, relaxedSimdSupported } from '@zoo/kernels';

const out = { relaxedValidated: relaxedSimdSupported(), checks: [] };
const { exports: k, memory, heapBase, variant } = await loadKernels();
out.variant = variant;
let top = (heapBase + 63) & ~63;
const alloc = (n) => {
  const p = top;
  top = (top + n * 4 + 63) & ~63;
  if (top > memory.buffer.byteLength)
    memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
  return p;
};
let seed = 12345;
const fill = (p, n) => {
  const f = new Float32Array(memory.buffer, p, n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    f[i] = seed / 2 ** 31 - 1;
  }
};
const worst = (p, q, n) => {
  const a = new Float32Array(memory.buffer, p, n);
  const b = new Float32Array(memory.buffer, q, n);
  let w = 0;
  for (let i = 0; i < n; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return w;
};
for (const [m, n, kk, ta, tb] of [
  [1, 1, 1, 0, 0],
  [7, 33, 129, 0, 0],
  [33, 7, 3, 1, 0],
  [129, 64, 33, 0, 1],
  [64, 64, 64, 1, 1],
]) {
  const a = alloc(m * kk);
  const b = alloc(kk * n);
  const bias = alloc(n);
  fill(a, m * kk);
  fill(b, kk * n);
  fill(bias, n);
  const c1 = alloc(m * n);
  const c2 = alloc(m * n);
  const lda = ta ? m : kk;
  const ldb = tb ? kk : n;
  k.gemm(ta, tb, m, n, kk, a, lda, b, ldb, c1, n, bias, 1, 0);
  k.gemmRef(ta, tb, m, n, kk, a, lda, b, ldb, c2, n, bias, 1, 0);
  out.checks.push({ kernel: `gemm ${m}x${n}x${kk} ${ta}${tb}`, worst: worst(c1, c2, m * n) });
}
for (const op of [2, 3, 7, 8, 10]) {
  const n = 1031;
  const x = alloc(n);
  fill(x, n);
  if (op === 3) {
    const arr = new Float32Array(memory.buffer, x, n);
    for (let i = 0; i < n; i++) arr[i] = Math.abs(arr[i]) + 1e-3;
  }
  const y1 = alloc(n);
  const y2 = alloc(n);
  k.unary(op, x, y1, n, 0);
  k.unaryRef(op, x, y2, n, 0);
  out.checks.push({ kernel: `unary ${op}`, worst: worst(y1, y2, n) });
}
{
  const rows = 33;
  const cols = 129;
  const x = alloc(rows * cols);
  fill(x, rows * cols);
  const y1 = alloc(rows * cols);
  const y2 = alloc(rows * cols);
  k.softmax(x, y1, rows, cols);
  k.softmaxRef(x, y2, rows, cols);
  out.checks.push({ kernel: 'softmax', worst: worst(y1, y2, rows * cols) });
}
await zoo.ready();
out.core = zoo.backendInfo();
const a = zoo.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const b = zoo.tensor([1, 0, 0, 1, 1, 1], [3, 2]);
out.matMul = Array.from(zoo.matMul(a, b).dataSync());
console.log(JSON.stringify(out));
