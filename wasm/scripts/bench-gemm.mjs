// Dev benchmark of the gemm kernel: GFLOP/s (2·m·n·k / time) for square sizes in the three
// forms backprop uses (A·B, Aᵀ·B, A·Bᵀ), plus training-typical skinny shapes.
// Median of several timed runs after warm-up, single thread.
//
//   node wasm/scripts/bench-gemm.mjs                  # loads wasm/dist (run the build first)
//   node --experimental-wasm-relaxed-simd wasm/scripts/bench-gemm.mjs --variant relaxed
//   node wasm/scripts/bench-gemm.mjs --wasm /tmp/x.wasm   # a standalone build (dev)
//   options: --ref (also time gemmRef on small sizes), --quick (fewer sizes)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const variant = opt('--variant') ?? 'simd';
const wasmPath = opt('--wasm');
const quick = args.includes('--quick');

let k;
let memory;
let heapBase;
if (wasmPath) {
  memory = new WebAssembly.Memory({ initial: 32, maximum: 65536 });
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { env: { memory } });
  k = instance.exports;
  heapBase = k.heapBase();
} else {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
  const { loadKernels } = await import(dist);
  const loaded = await loadKernels({ variant });
  k = loaded.exports;
  memory = loaded.memory;
  heapBase = loaded.heapBase;
}
console.log(
  `gemm bench: variant ${k.isRelaxed() ? 'relaxed' : 'simd'}${wasmPath ? ` (${wasmPath})` : ''}`,
);

let top = (heapBase + 63) & ~63;
function alloc(n) {
  const p = top;
  top = (top + n * 4 + 63) & ~63;
  const need = top - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  return p;
}
function fill(p, n) {
  const v = new Float32Array(memory.buffer, p, n);
  for (let i = 0; i < n; i++) v[i] = Math.random() * 2 - 1;
}

function bench(tA, tB, m, n, kk, fn = k.gemm) {
  const mark = top;
  const a = alloc(m * kk);
  const b = alloc(kk * n);
  const c = alloc(m * n);
  fill(a, m * kk);
  fill(b, kk * n);
  const lda = tA ? m : kk;
  const ldb = tB ? kk : n;
  const flops = 2 * m * n * kk;
  // Enough repetitions per sample for ~20 ms.
  let reps = 1;
  const run = () => fn(tA, tB, m, n, kk, a, lda, b, ldb, c, n, 0, 0, 0);
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run();
    const dt = performance.now() - t0;
    if (dt > 20 || reps > 1e6) break;
    reps *= 2;
  }
  const samples = [];
  for (let s = 0; s < 7; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run();
    samples.push((performance.now() - t0) / reps);
  }
  samples.sort((x, y) => x - y);
  top = mark;
  return [flops / (samples[3] * 1e6), flops / (samples[0] * 1e6)];
}

const forms = [
  ['A·B', 0, 0],
  ['Aᵀ·B', 1, 0],
  ['A·Bᵀ', 0, 1],
  ['Aᵀ·Bᵀ', 1, 1],
];
// "median/best": the machine may be shared, so the best run shows what the kernel can do.
const f = ([med, best]) => `${med.toFixed(1)}/${best.toFixed(1)}`.padStart(11);
const sizes = quick ? [256, 512] : [128, 256, 512, 1024];
console.log('GFLOP/s as median/best of 7 samples');
console.log(`square (GFLOP/s)     ${forms.map(([nm]) => nm.padStart(11)).join(' ')}`);
for (const s of sizes) {
  console.log(
    `${String(s).padEnd(20)} ${forms.map(([, a, b]) => f(bench(a, b, s, s, s))).join(' ')}`,
  );
}
const shapes = [
  [128, 128, 784, '(128x784)·(784x128)'],
  [64, 128, 800, '(64x800)·(800x128)'],
  [784, 128, 128, 'dW-like 784x128, k=128'],
  [1, 128, 784, 'm=1: (1x784)·(784x128)'],
  [1, 10, 128, 'm=1: (1x128)·(128x10)'],
  [32, 32, 32, '32x32x32'],
  [33, 33, 33, '33x33x33'],
  [129, 129, 129, '129^3'],
  [128, 1, 784, 'n=1: (128x784)·(784x1)'],
];
console.log(`shape (m, n, k)      ${forms.map(([nm]) => nm.padStart(11)).join(' ')}`);
for (const [m, n, kk, name] of shapes) {
  console.log(`${name.padEnd(20)} ${forms.map(([, a, b]) => f(bench(a, b, m, n, kk))).join(' ')}`);
}
if (args.includes('--ref')) {
  console.log(`gemmRef 128^3: ${f(bench(0, 0, 128, 128, 128, k.gemmRef))} GFLOP/s`);
}
