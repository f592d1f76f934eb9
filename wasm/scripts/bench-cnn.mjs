// Dev benchmark of the bench CNN on @zoo/core ops (single thread):
//   x [64, 28, 28, 1] -> conv 32 3x3 valid + bias + relu -> maxPool 2 -> conv 64 3x3 valid +
//   bias + relu -> maxPool 2 -> flatten [64, 1600] -> dense 128 relu -> dense 10 -> sparse
//   softmax cross-entropy (mean); one step = forward + backward (weights and biases only, not
//   x) + adam. Reports training samples/s (median of timed runs of several steps), inference
//   latency at batch 256 and batch 1 (forward only, no tape), and with --profile the time per
//   kernel call grouped by op (the kernels are wrapped with timers, so that run is slower).
//
//   cd /work/main && npx tsc -p packages/core/tsconfig.build.json   # after a kernel build
//   node wasm/scripts/bench-cnn.mjs [--steps 20] [--runs 5] [--profile] [--variant relaxed]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const steps = Number(opt('--steps', 20));
const runs = Number(opt('--runs', 5));
const profile = args.includes('--profile');
const variant = opt('--variant', 'simd');

// --profile: wrap every kernel export with a timer, keyed by kernel and a shape signature.
const prof = new Map();
let mem;
if (profile) {
  const orig = WebAssembly.instantiate;
  WebAssembly.instantiate = async (mod, imports) => {
    const inst = await orig(mod, imports);
    if (!(mod instanceof WebAssembly.Module)) return inst;
    mem = imports.env.memory;
    const wrapped = {};
    for (const [name, fn] of Object.entries(inst.exports)) {
      if (typeof fn !== 'function') {
        wrapped[name] = fn;
        continue;
      }
      wrapped[name] = (...a) => {
        const t0 = performance.now();
        const r = fn(...a);
        const dt = performance.now() - t0;
        const key = label(name, a);
        const e = prof.get(key);
        if (e) {
          e.t += dt;
          e.n++;
        } else prof.set(key, { t: dt, n: 1 });
        return r;
      };
    }
    return { exports: wrapped };
  };
}

/** Names a kernel call after the op it belongs to (by its shapes). */
function label(name, a) {
  const geomC = (p) => new Int32Array(mem.buffer, p, 16)[3];
  if (name === 'gemm') {
    const [ta, tb, m, n, k] = a;
    const sig = `gemm${ta ? 'T' : ''}${tb ? 't' : ''} m${m} n${n} k${k}`;
    if (k === 9 || (ta && m === 9)) return `conv1 ${ta ? 'dW' : 'fwd'}  ${sig}`;
    if (tb && n === 9) return `conv1 dX  ${sig}`;
    if (n === 64 && k === 288) return `conv2 fwd  ${sig}`;
    if (tb && n === 288) return `conv2 dX  ${sig}`;
    if (ta && m === 288) return `conv2 dW  ${sig}`;
    return `dense  ${sig}`;
  }
  if (name === 'im2col' || name === 'col2im' || name.startsWith('conv')) {
    const c = geomC(a[2]);
    return `${c === 1 ? 'conv1' : 'conv2'} ${name}`;
  }
  if (name.startsWith('maxPool')) {
    const c = name === 'maxPool' ? geomC(a[3]) : 0;
    return `pool ${name}${c ? ` C${c}` : ''}`;
  }
  return `other ${name}`;
}

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'core', 'dist');
const zoo = await import(join(dist, 'index.js'));
await zoo.ready({ variant });

zoo.setSeed?.(42);
const B = 64;
const glorot = (shape, fanIn, fanOut) =>
  zoo.variable(
    zoo.randomUniform(shape, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut))),
  );
const w1 = glorot([3, 3, 1, 32], 9, 288);
const b1 = zoo.variable(zoo.zeros([32]));
const w2 = glorot([3, 3, 32, 64], 288, 576);
const b2 = zoo.variable(zoo.zeros([64]));
const w3 = glorot([1600, 128], 1600, 128);
const b3 = zoo.variable(zoo.zeros([128]));
const w4 = glorot([128, 10], 128, 10);
const b4 = zoo.variable(zoo.zeros([10]));
const vars = [w1, b1, w2, b2, w3, b3, w4, b4];

function forward(x) {
  let h = zoo.fused.conv2d({ x, filter: w1, bias: b1, activation: 'relu' });
  h = zoo.maxPool(h, 2, 2, 'valid');
  h = zoo.fused.conv2d({ x: h, filter: w2, bias: b2, activation: 'relu' });
  h = zoo.maxPool(h, 2, 2, 'valid');
  h = zoo.reshape(h, [h.shape[0], 1600]);
  h = zoo.fused.matMul({ a: h, b: w3, bias: b3, activation: 'relu' });
  return zoo.fused.matMul({ a: h, b: w4, bias: b4 });
}

const x = zoo.keep(zoo.randomUniform([B, 28, 28, 1], 0, 1));
const labels = zoo.keep(
  zoo.tensor(
    Int32Array.from({ length: B }, (_, i) => (i * 7) % 10),
    [B],
    'int32',
  ),
);
const adam = zoo.train.adam(0.001);

function step() {
  zoo
    .tidy(() => {
      const { value, grads } = zoo.variableGrads(
        () => zoo.mean(zoo.sparseSoftmaxCrossEntropyWithLogits(labels, forward(x))),
        vars,
      );
      adam.applyGradients(grads);
      return value;
    })
    .dispose();
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[s.length >> 1];
};

/** CPU ms per call of the last timeIt (user + system: less sensitive to a shared machine). */
let lastCpu = 0;
function timeIt(fn, reps) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const dt = (performance.now() - t0) / reps;
  const c = process.cpuUsage(c0);
  lastCpu = (c.user + c.system) / 1000 / reps;
  return dt;
}

const { loadavg } = await import('node:os');
console.log(
  `bench-cnn: variant ${zoo.backendInfo?.().variant ?? variant}, load ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}${profile ? ' (profiling: kernels wrapped)' : ''}`,
);

for (let i = 0; i < 5; i++) step();
if (profile) prof.clear();
const stepMs = [];
const stepCpu = [];
for (let r = 0; r < runs; r++) {
  stepMs.push(timeIt(step, steps));
  stepCpu.push(lastCpu);
}
const ms = median(stepMs);
const best = Math.min(...stepMs);
console.log(
  `train  batch ${B}: ${ms.toFixed(2)} ms/step wall (median of ${runs} x ${steps} steps) = ${((B * 1000) / ms).toFixed(0)} samples/s; best run ${best.toFixed(2)} ms = ${((B * 1000) / best).toFixed(0)} samples/s; cpu ${median(stepCpu).toFixed(2)} ms/step`,
);

if (profile) {
  const total = runs * steps;
  const rows = [...prof.entries()].sort((p, q) => q[1].t - p[1].t);
  let sum = 0;
  const groups = new Map();
  for (const [k, e] of rows) {
    sum += e.t;
    const g = k.split(' ').slice(0, 2).join(' ');
    groups.set(g, (groups.get(g) ?? 0) + e.t);
  }
  console.log(`  kernel time ${(sum / total).toFixed(2)} ms/step of ${ms.toFixed(2)}; by op:`);
  for (const [g, t] of [...groups.entries()].sort((p, q) => q[1] - p[1])) {
    console.log(`    ${g.padEnd(22)} ${(t / total).toFixed(3)} ms`);
  }
  console.log('  by kernel call:');
  for (const [k, e] of rows) {
    if (e.t / total < 0.01) continue;
    console.log(
      `    ${k.padEnd(40)} ${(e.t / total).toFixed(3)} ms  (${(e.n / total).toFixed(0)} calls)`,
    );
  }
  prof.clear();
}

for (const bs of [256, 1]) {
  const xb = zoo.keep(zoo.randomUniform([bs, 28, 28, 1], 0, 1));
  const infer = () => zoo.tidy(() => forward(xb)).dispose();
  const reps = bs === 1 ? 200 : 5;
  for (let i = 0; i < 3; i++) timeIt(infer, reps);
  const t = [];
  const cpu = [];
  for (let r = 0; r < 7; r++) {
    t.push(timeIt(infer, reps));
    cpu.push(lastCpu);
  }
  console.log(
    `infer  batch ${bs}: ${median(t).toFixed(3)} ms wall (median of 7 x ${reps}; min ${Math.min(...t).toFixed(3)}); cpu ${median(cpu).toFixed(3)} ms`,
  );
  xb.dispose();
}
