// ready({ threads: 2 }): large matrix products and convolutions split over a worker thread give
// the one-thread bits (the convolution filter gradient within rounding, and the same bits from
// run to run), a small CNN trains to the same weights twice, nothing leaks, invalid thread
// counts are refused, and a process that never calls shutdown() still exits.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zoo from '@zoo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, repoRoot } from '../../../tests/browser/harness.js';
import { activeWorkerCount, gemm, parallelStats, poolControlHeader } from '../src/parallel.js';
import { expectClose, rand } from './oracle.js';

beforeAll(async () => {
  // Each vitest file runs in a process of its own: this is the first ready() of this one.
  await zoo.ready({ threads: 2 });
});

/** Same length and the same float32 bits everywhere (reports the first difference). */
function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i]))
      expect.fail(`${what}: [${i}] is ${a[i]} with threads, ${b[i]} on one thread`);
  }
}

/** `f`'s outputs (as arrays) computed on one thread and split over the workers. */
function both(f: () => zoo.Tensor[]): { one: Float32Array[]; two: Float32Array[]; jobs: number } {
  const run = () => zoo.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  parallelStats.singleThread = true;
  let one: Float32Array[];
  try {
    one = run();
  } finally {
    parallelStats.singleThread = false;
  }
  const before = parallelStats.runs;
  const two = run();
  return { one, two, jobs: parallelStats.runs - before };
}

const t = (shape: number[], seed: number) =>
  zoo.tensor(
    rand(
      shape.reduce((a, b) => a * b, 1),
      seed,
      -1,
      1,
    ),
    shape,
  );

describe('ready({ threads })', () => {
  it('runs two threads: one worker, reported by backendInfo', async () => {
    expect(zoo.backendInfo().threads).toBe(2);
    expect(activeWorkerCount()).toBe(1);
    // Asking again for the same count (or for none) returns the same instance.
    await zoo.ready({ threads: 2 });
    await zoo.ready();
    expect(activeWorkerCount()).toBe(1);
  });

  it('refuses invalid thread counts, and another count once loaded', async () => {
    for (const bad of [0, -1, 1.5, 33, Number.NaN, '2', null] as unknown[]) {
      await expect(zoo.ready({ threads: bad as number }), String(bad)).rejects.toThrow(
        /ready: threads must be a whole number from 1 to 32 or 'auto', got/,
      );
    }
    await expect(zoo.ready({ threads: 1 })).rejects.toThrow(
      /already loaded with threads: 2 .*threads: 1 cannot apply.*first ready\(\) call/,
    );
    await expect(zoo.ready({ threads: 4 })).rejects.toThrow(/cannot apply/);
    expect(zoo.backendInfo().threads).toBe(2);
  });
});

describe('matrix products on two threads', () => {
  // [m, k, n]: round and odd sizes; split by rows (m >= 24), or by columns (few rows).
  const shapes: [number, number, number][] = [
    [64, 300, 200],
    [129, 257, 65],
    [37, 1000, 65],
    [300, 800, 9],
    [3, 1024, 1024],
  ];
  for (const [m, k, n] of shapes) {
    it(`matMul ${m}x${k} · ${k}x${n}, every transpose: the one-thread bits`, () => {
      const r = both(() => {
        const out: zoo.Tensor[] = [];
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const a = t(ta ? [k, m] : [m, k], 1);
            const b = t(tb ? [n, k] : [k, n], 2);
            out.push(zoo.matMul(a, b, ta, tb));
          }
        }
        return out;
      });
      expect(r.jobs).toBe(4);
      r.two.forEach((v, i) => {
        expectSameBits(v, r.one[i], `transpose case ${i}`);
      });
    });
  }

  it('fused matMul with bias and relu, and its three gradients: the one-thread bits', () => {
    const r = both(() => {
      const x = t([96, 400], 3);
      const w = t([400, 129], 4);
      const b = t([129], 5);
      const f = (xx: zoo.Tensor, ww: zoo.Tensor, bb: zoo.Tensor) =>
        zoo.sum(zoo.square(zoo.fused.matMul({ a: xx, b: ww, bias: bb, activation: 'relu' })));
      const y = zoo.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
      return [y, ...zoo.grads(f)([x, w, b])];
    });
    // Forward, forward again inside grads, dx (96x400), dw (400x129).
    expect(r.jobs).toBe(4);
    ['y', 'dx', 'dw', 'db'].forEach((name, i) => {
      expectSameBits(r.two[i], r.one[i], name);
    });
  });

  it('a batched matMul splits each product', () => {
    const r = both(() => [zoo.matMul(t([3, 100, 150], 6), t([3, 150, 160], 7))]);
    expect(r.jobs).toBe(3);
    expectSameBits(r.two[0], r.one[0], 'batched');
  });

  it('tensors allocated after the memory grew: the workers see the grown memory', () => {
    const before = zoo.memory().wasmBytes;
    const big = zoo.zeros([24 << 20]); // 96 MiB
    const r = both(() => [zoo.matMul(t([96, 700], 10), t([700, 150], 11))]);
    expect(zoo.memory().wasmBytes).toBeGreaterThan(before + (90 << 20));
    expect(r.jobs).toBe(1);
    expectSameBits(r.two[0], r.one[0], 'after growth');
    big.dispose();
  });

  it('a late wake-up does not make a sleeping worker run its last job again', async () => {
    // The main thread bumps the job generation, then notifies. If it is descheduled in between,
    // the worker can run the job, finish, go back to sleep, and only then get that notify. It
    // must check the generation again rather than run the job a second time (which drove the
    // pending count to -1 and hung the next parallel op in a long training run).
    const a = zoo.randomNormal([256, 256], 0, 1, 'float32', 1);
    const before = parallelStats.runs;
    const ref = zoo.tidy(() => zoo.matMul(a, a).dataSync().slice());
    expect(parallelStats.runs, 'the product was split').toBeGreaterThan(before);
    const header = poolControlHeader()!;
    const gen = Atomics.load(header, 0);
    await new Promise((r) => setTimeout(r, 30)); // the worker spins 1 ms, then sleeps
    for (let k = 0; k < 3; k++) {
      Atomics.notify(header, 0); // the late notify
      await new Promise((r) => setTimeout(r, 30));
      expect(Atomics.load(header, 1), 'pending workers').toBe(0);
    }
    expect(Atomics.load(header, 0), 'job generation').toBe(gen);
    // The pool still works and gives the same bits.
    expectSameBits(
      zoo.tidy(() => zoo.matMul(a, a).dataSync().slice()),
      ref,
      'after the late wake-ups',
    );
    a.dispose();
  });

  it('small products stay on the calling thread', () => {
    const r = both(() => [zoo.matMul(t([32, 64], 8), t([64, 64], 9))]);
    expect(r.jobs).toBe(0);
    expectSameBits(r.two[0], r.one[0], 'small');
  });
});

describe('convolutions on two threads', () => {
  // [x shape, filter shape, strides, pad, dilation]
  const cases: [number[], number[], number, zoo.Padding, number][] = [
    [[16, 13, 13, 32], [3, 3, 32, 64], 1, 'valid', 1], // im2col, several chunks per thread
    [[8, 26, 25, 3], [3, 3, 3, 16], 1, 'same', 1], // few channels: the direct kernel
    [[5, 16, 16, 64], [1, 1, 64, 33], 1, 'valid', 1], // pointwise: one GEMM
    [[9, 15, 15, 24], [3, 3, 24, 40], 2, 'same', 1], // strided, odd batch
    [[3, 21, 21, 16], [3, 3, 16, 32], 1, 'same', 2], // dilated, batch of 3
    [[33, 8, 8, 16], [5, 5, 16, 16], 1, 1, 1], // explicit padding, 33 images
  ];
  for (const [xs, fs, strides, pad, dil] of cases) {
    it(`conv2d ${xs.join('x')} * ${fs.join('x')} (stride ${strides}, pad ${pad}, dilation ${dil})`, () => {
      const run = () => {
        const x = t(xs, 11);
        const w = t(fs, 12);
        const b = t([fs[3]], 13);
        const conv = (xx: zoo.Tensor, ww: zoo.Tensor, bb: zoo.Tensor) =>
          zoo.fused.conv2d({
            x: xx,
            filter: ww,
            bias: bb,
            strides,
            pad,
            dilations: dil,
            activation: 'relu',
          });
        const dyData = t(conv(x, w, b).shape as number[], 14);
        const f = (xx: zoo.Tensor, ww: zoo.Tensor, bb: zoo.Tensor) =>
          zoo.sum(zoo.mul(conv(xx, ww, bb), dyData));
        const [dx, dw, db] = zoo.grads(f)([x, w, b]);
        return [conv(x, w, b), dx, dw, db];
      };
      const r = both(run);
      // The forward pass and the backward one inside grads (the other forward pass, recording
      // nothing, may take the Winograd path, which is not split).
      expect(r.jobs).toBeGreaterThanOrEqual(2);
      expectSameBits(r.two[0], r.one[0], 'y');
      expectSameBits(r.two[1], r.one[1], 'dx');
      const pointwise = fs[0] === 1 && fs[1] === 1;
      if (pointwise) {
        expectSameBits(r.two[2], r.one[2], 'dw');
      } else {
        // One partial sum per thread, added in thread order: rounded differently (Winograd's
        // transforms, for 3x3 stride-1 windows with 8+ channels, round at ~1e-5 of the scale).
        const scale = Math.max(...r.one[2].map(Math.abs));
        const winograd = fs[0] === 3 && strides === 1 && dil === 1 && fs[2] >= 8;
        expectClose(r.two[2], r.one[2], 1e-5, (winograd ? 1e-5 : 1e-6) * scale, 'dw');
        // ... and the same bits every time.
        const again = zoo.tidy(() => run().map((v) => v.dataSync() as Float32Array));
        again.forEach((v, i) => {
          expectSameBits(v, r.two[i], `run 2, output ${i}`);
        });
      }
      expectSameBits(r.two[3], r.one[3], 'db');
    });
  }
});

/** The conv32-pool-conv64-pool-dense CNN of the bench, small: trained weights after 2 epochs. */
async function trainCnn(seed: number): Promise<Float32Array[]> {
  zoo.setSeed(seed);
  const n = 96;
  const x = t([n, 24, 24, 3], seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7) % 5;
  const y = zoo.tensor(labels, [n], 'int32');
  const m = zoo.sequential({
    layers: [
      new zoo.Conv2D({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [24, 24, 3] }),
      new zoo.MaxPooling2D({ poolSize: 2 }),
      new zoo.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new zoo.MaxPooling2D({ poolSize: 2 }),
      new zoo.Flatten(),
      new zoo.Dense({ units: 64, activation: 'relu' }),
      new zoo.Dense({ units: 5, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, shuffle: true });
  const weights = m.getWeights().map((w) => w.dataSync() as Float32Array);
  m.optimizer?.dispose();
  m.dispose();
  zoo.dispose([x, y]);
  return weights;
}

describe('training on two threads', () => {
  it('a small CNN trains to the same weights twice, close to one thread, leaking nothing', async () => {
    const before = parallelStats.runs;
    const first = await trainCnn(5);
    expect(parallelStats.runs - before).toBeGreaterThanOrEqual(18);
    const mem = zoo.memory();
    const second = await trainCnn(5);
    expect(zoo.memory().numTensors).toBe(mem.numTensors);
    expect(zoo.memory().wasmBytes).toBe(mem.wasmBytes);
    expect(second.length).toBe(first.length);
    second.forEach((w, i) => {
      expectSameBits(w, first[i], `weight ${i}`);
    });
    parallelStats.singleThread = true;
    let one: Float32Array[];
    try {
      one = await trainCnn(5);
    } finally {
      parallelStats.singleThread = false;
    }
    one.forEach((w, i) => {
      expectClose(first[i], w, 1e-3, 1e-4, `weight ${i} against one thread`);
    });
  });

  it('repeated large ops leave no tensors or memory behind', () => {
    const x = t([32, 12, 12, 16], 21);
    const w = t([3, 3, 16, 32], 22);
    const step = () =>
      zoo.tidy(() => {
        const f = (xx: zoo.Tensor, ww: zoo.Tensor) =>
          zoo.sum(
            zoo.matMul(zoo.reshape(zoo.conv2d(xx, ww, 1, 'same'), [32, -1]), zoo.ones([4608, 8])),
          );
        return zoo
          .grads(f)([x, w])
          .map((g) => g.dataSync()[0]);
      });
    step();
    const mem = zoo.memory();
    for (let i = 0; i < 3; i++) step();
    const now = zoo.memory();
    expect([now.numTensors, now.numBytes, now.wasmBytes]).toEqual([
      mem.numTensors,
      mem.numBytes,
      mem.wasmBytes,
    ]);
    expect(now.heapBytes).toBeLessThanOrEqual(mem.heapBytes);
    zoo.dispose([x, w]);
  });
});

describe('failures', () => {
  it('a kernel trapping on a worker throws on the calling thread, and the pool goes on', () => {
    // A product whose operands lie past the end of memory: both threads' parts trap.
    const far = zoo.memory().wasmBytes + (64 << 20);
    expect(() => gemm(0, 0, 64, 64, 1024, far, 1024, far, 64, far, 64, 0, 0, 0)).toThrow(
      /out of bounds/,
    );
    const r = both(() => [zoo.matMul(t([64, 300], 1), t([300, 200], 2))]);
    expect(r.jobs).toBe(1);
    expectSameBits(r.two[0], r.one[0], 'after a failure');
  });
});

describe('worker lifetime', () => {
  let tmp = '';
  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it("processes that never call shutdown() exit when their work is done; 'auto'", async () => {
    tmp = mkdtempSync(join(tmpdir(), 'zoo-threads-'));
    const entry = join(tmp, 'entry.ts');
    writeFileSync(
      entry,
      `import * as zoo from '@zoo/core';
const arg = process.argv[2];
await zoo.ready({ threads: arg === 'auto' ? 'auto' : Number(arg) });
const a = zoo.ones([256, 512]);
const s = zoo.sum(zoo.matMul(a, zoo.ones([512, 256])));
console.log(JSON.stringify({ sum: s.dataSync()[0], threads: zoo.backendInfo().threads }));
`,
    );
    const code = await bundle({ entry, platform: 'node' });
    const file = join(tmp, 'app.mjs');
    writeFileSync(file, code);
    const run = (arg: string) =>
      new Promise<{ sum: number; threads: number }>((resolve, reject) =>
        execFile(process.execPath, [file, arg], { cwd: repoRoot, timeout: 60_000 }, (err, out) =>
          err ? reject(err) : resolve(JSON.parse(out)),
        ),
      );
    const started = Date.now();
    expect(await run('2')).toEqual({ sum: 256 * 256 * 512, threads: 2 });
    expect(Date.now() - started).toBeLessThan(30_000);
    // 'auto': the cores there are, at most 4 (one where there is one core).
    const cores = Math.min(availableParallelism(), 4);
    expect(await run('auto')).toEqual({ sum: 256 * 256 * 512, threads: cores });
  });

  it('shutdown() ends the workers; ops go on, on one thread; ready() starts them again', async () => {
    await zoo.shutdown();
    expect(zoo.backendInfo().threads).toBe(1);
    // The worker's exit event comes a moment after terminate() resolves.
    for (let i = 0; i < 50 && activeWorkerCount() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(activeWorkerCount()).toBe(0);
    const before = parallelStats.runs;
    const y = zoo.matMul(t([64, 300], 1), t([300, 200], 2));
    expect(parallelStats.runs).toBe(before);
    expect(y.shape).toEqual([64, 200]);
    await zoo.shutdown(); // twice is fine
    // Asking for the threads again starts the workers again; the tensors stayed valid.
    await expect(zoo.ready({ threads: 1 })).rejects.toThrow(/cannot apply/);
    await zoo.ready({ threads: 2 });
    expect(zoo.backendInfo().threads).toBe(2);
    expect(activeWorkerCount()).toBe(1);
    const r = both(() => [zoo.matMul(y, t([200, 300], 3))]);
    expect(r.jobs).toBe(1);
    expectSameBits(r.two[0], r.one[0], 'after a restart');
    y.dispose();
    await zoo.shutdown();
  });
});
