import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, prepare, zoo } from './oracle.js';

beforeAll(prepare);

/** Three Gaussian blobs in 4-D: an easy problem a working trainer solves almost perfectly. */
function blobs(n: number, seed: number): { x: zoo.Tensor; y: zoo.Tensor; labels: Int32Array } {
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const centers = [
    [2, 0, 0, 1],
    [0, 2, 1, 0],
    [-2, -2, 0, 0],
  ];
  const x = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = centers[c][j] + (rnd() - 0.5) * 1.5;
  }
  return { x: zoo.tensor(x, [n, 4]), y: zoo.tensor(labels, [n], 'int32'), labels };
}

function classifier(units = 3): zoo.Sequential {
  return zoo.sequential({
    layers: [
      new zoo.Dense({ units: 16, activation: 'relu', inputShape: [4] }),
      new zoo.Dropout({ rate: 0.1 }),
      new zoo.Dense({ units, activation: 'softmax' }),
    ],
  });
}

describe('fit', () => {
  it('learns blobs with adam and reports Keras-style history', async () => {
    zoo.setSeed(1);
    const { x, y } = blobs(600, 3);
    const m = classifier();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 8, batchSize: 32, validationSplit: 0.2, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0]);
    expect(h.history.val_accuracy[7]).toBeGreaterThan(0.95);
    const [loss, acc] = m.evaluate(x, y, { batchSize: 64 }) as zoo.Tensor[];
    expect(acc.arraySync()).toBeGreaterThan(0.95);
    expect(loss.arraySync()).toBeLessThan(0.3);
    zoo.dispose([x, y, loss, acc]);
    m.dispose();
  });

  it('the fused softmax + cross-entropy loss equals the probability loss', () => {
    zoo.setSeed(2);
    const { x, y } = blobs(64, 5);
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const fusedLoss = (m.evaluate(x, y, { batchSize: 64 }) as zoo.Tensor).arraySync() as number;
    const manual = zoo.tidy(() => {
      const p = m.predict(x);
      return zoo.mean(zoo.losses.sparseCategoricalCrossentropy(y, p)).arraySync() as number;
    });
    expect(fusedLoss).toBeCloseTo(manual, 5);
    zoo.dispose([x, y]);
    m.dispose();
  });

  it('calls callbacks in order, supports early stopping and abort', async () => {
    zoo.setSeed(3);
    const { x, y } = blobs(90, 7);
    const m = classifier();
    m.compile({ optimizer: zoo.train.sgd(0.0), loss: 'sparseCategoricalCrossentropy' });
    const events: string[] = [];
    const h = await m.fit(x, y, {
      epochs: 10,
      batchSize: 45,
      verbose: 0,
      callbacks: [
        {
          onTrainBegin: () => {
            events.push('train');
          },
          onEpochBegin: (e) => {
            events.push(`e${e}`);
          },
          onBatchEnd: (b) => {
            events.push(`b${b}`);
          },
        },
        zoo.callbacks.earlyStopping({ monitor: 'loss', patience: 1 }),
      ],
    });
    // lr 0: the loss never improves, so patience 1 stops after the second epoch.
    expect(h.epoch).toEqual([0, 1]);
    expect(events).toEqual(['train', 'e0', 'b0', 'b1', 'e1', 'b0', 'b1']);
    const ctrl = new AbortController();
    let batches = 0;
    const h2 = await m.fit(x, y, {
      epochs: 5,
      batchSize: 10,
      verbose: 0,
      signal: ctrl.signal,
      callbacks: {
        onBatchEnd: () => {
          if (++batches === 3) ctrl.abort();
        },
      },
    });
    expect(batches).toBe(3);
    expect(h2.epoch.length).toBeLessThanOrEqual(1);
    zoo.dispose([x, y]);
    m.dispose();
  });

  it('classWeight changes the loss', () => {
    zoo.setSeed(4);
    const { x, y } = blobs(30, 9);
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const w0 = m.getWeights().map((w) => zoo.keep(zoo.clone(w)));
    const plain = m.trainOnBatch(x, y) as number;
    m.setWeights(w0);
    const logs: number[] = [];
    return m
      .fit(x, y, {
        epochs: 1,
        batchSize: 30,
        shuffle: false,
        verbose: 0,
        classWeight: { 0: 3, 1: 1, 2: 1 },
        callbacks: { onBatchEnd: (_b, l) => void logs.push(l?.loss ?? Number.NaN) },
      })
      .then(() => {
        expect(logs[0]).not.toBeCloseTo(plain, 4);
        zoo.dispose([x, y, ...w0]);
        m.dispose();
      });
  });

  it('keeps memory flat across 20 epochs and allocates nothing after the first', async () => {
    zoo.setSeed(5);
    const { x, y } = blobs(256, 11);
    const m = classifier();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const snaps: zoo.MemoryInfo[] = [];
    await m.fit(x, y, {
      epochs: 20,
      batchSize: 32,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: { onEpochEnd: () => void snaps.push(zoo.memory()) },
    });
    expect(snaps.length).toBe(20);
    // After the first epoch (optimizer slots, allocator warm-up) nothing grows.
    for (const s of snaps.slice(1)) {
      expect(s.numTensors).toBe(snaps[1].numTensors);
      expect(s.numBytes).toBe(snaps[1].numBytes);
      expect(s.wasmBytes).toBe(snaps[1].wasmBytes);
      expect(s.heapBytes).toBe(snaps[1].heapBytes);
    }
    zoo.dispose([x, y]);
    m.dispose();
  });

  it('predict in batches equals predict in one go', () => {
    const m = classifier();
    zoo.tidy(() => {
      const x = zoo.randomNormal([70, 4], 0, 1, 'float32', 6);
      expectClose(
        m.predict(x, { batchSize: 16 }).dataSync(),
        m.predict(x, { batchSize: 100 }).dataSync(),
        0,
        0,
      );
    });
    m.dispose();
  });
});

describe('fit rejects bad input with clear errors', () => {
  let m: zoo.Sequential;
  beforeAll(() => {
    m = classifier();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  });
  it.each([
    [
      'x and y of different lengths',
      () => [zoo.zeros([10, 4]), zoo.zeros([9], 'int32')],
      /x has 10 samples but y has 9/,
    ],
    [
      'the wrong feature count',
      () => [zoo.zeros([10, 5]), zoo.zeros([10], 'int32')],
      /expected x of shape \[null,4\], got \[10,5\]/,
    ],
    [
      'labels outside [0, classes)',
      () => [zoo.zeros([3, 4]), zoo.tensor([0, 3, 1], [3], 'int32')],
      /label 3 of sample 1 is outside \[0, 3\)/,
    ],
    [
      'NaN in inputs',
      () => [zoo.tensor([0, 0, Number.NaN, 0], [1, 4]), zoo.zeros([1], 'int32')],
      /x contains NaN \(sample 0, element 2\)/,
    ],
    [
      'Infinity in inputs',
      () => [
        zoo.tensor([0, 0, 0, 0, 0, Number.POSITIVE_INFINITY, 0, 0], [2, 4]),
        zoo.zeros([2], 'int32'),
      ],
      /x contains Infinity \(sample 1, element 1\)/,
    ],
  ])('%s', async (_name, make, message) => {
    const [x, y] = make();
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(message);
    zoo.dispose([x, y]);
  });

  it('unknown optimizer, loss and activation names', () => {
    const mm = classifier();
    expect(() => mm.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(
      /Unknown optimizer 'adamm'/,
    );
    expect(() => mm.compile({ optimizer: 'adam', loss: 'msee' })).toThrow(/Unknown loss 'msee'/);
    expect(() => new zoo.Dense({ units: 1, activation: 'reluu' })).toThrow(
      /unknown activation 'reluu'/,
    );
    mm.dispose();
  });

  it('fit before compile', async () => {
    const mm = classifier();
    await expect(mm.fit(zoo.zeros([1, 4]), zoo.zeros([1], 'int32'))).rejects.toThrow(
      /call compile\(\) before fit\(\)/,
    );
    mm.dispose();
  });
});
