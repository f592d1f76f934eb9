import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, prepare, tf, zoo } from './oracle.js';

beforeAll(prepare);

describe('Dense', () => {
  it('computes activation(x·W + b) with the kernel [in, units] like Keras', () => {
    zoo.tidy(() => {
      const layer = new zoo.Dense({ units: 3, activation: 'tanh', inputShape: [4] });
      const x = zoo.randomNormal([5, 4], 0, 1, 'float32', 3);
      const y = layer.apply(x) as zoo.Tensor;
      const [w, b] = layer.getWeights();
      expect(w.shape).toEqual([4, 3]);
      expect(b.shape).toEqual([3]);
      const ref = tf.tanh(
        tf.add(
          tf.matMul(tf.tensor(x.dataSync(), [5, 4]), tf.tensor(w.dataSync(), [4, 3])),
          tf.tensor(b.dataSync(), [3]),
        ),
      );
      expectClose(y.dataSync(), ref.dataSync() as Float32Array, 1e-5, 1e-6);
      ref.dispose();
      layer.dispose();
    });
  });

  it('glorotUniform stays within its limit and zeros bias', () => {
    zoo.setSeed(5);
    const layer = new zoo.Dense({ units: 64, inputShape: [128] });
    layer.apply(zoo.input({ shape: [128] }));
    const w = layer.getWeights()[0].dataSync();
    const limit = Math.sqrt(6 / (128 + 64));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(limit * 0.9);
    expect(Array.from(layer.getWeights()[1].dataSync()).every((v) => v === 0)).toBe(true);
    layer.dispose();
  });

  it('rejects bad configuration and inputs with messages naming the layer', () => {
    expect(() => new zoo.Dense({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => new zoo.Dense({ units: 2, activation: 'nope', name: 'd_bad' })).toThrow(
      "d_bad: unknown activation 'nope'",
    );
    const layer = new zoo.Dense({ units: 2, inputShape: [3], name: 'd_in' });
    zoo.tidy(() => {
      expect(() => layer.apply(zoo.zeros([4, 5]))).toThrow();
      layer.apply(zoo.zeros([4, 3]));
      expect(() => layer.apply(zoo.zeros([4, 5]))).toThrow(
        'd_in: expected input of shape [null,3], got [4,5]',
      );
    });
    layer.dispose();
  });
});

describe('Dropout', () => {
  it('is the identity in inference and drops about `rate` in training, scaling the rest', () => {
    zoo.tidy(() => {
      const layer = new zoo.Dropout({ rate: 0.25 });
      const x = zoo.ones([100, 100]);
      expect(Array.from((layer.apply(x) as zoo.Tensor).dataSync()).every((v) => v === 1)).toBe(
        true,
      );
      const y = (layer.apply(x, { training: true }) as zoo.Tensor).dataSync();
      const zeros = y.filter((v) => v === 0).length;
      expect(zeros / y.length).toBeGreaterThan(0.22);
      expect(zeros / y.length).toBeLessThan(0.28);
      expect(y.find((v) => v !== 0)).toBeCloseTo(1 / 0.75, 6);
    });
  });
});

describe('models', () => {
  it('sequential builds from the first layer, counts parameters and summarises', () => {
    const m = zoo.sequential({
      layers: [
        new zoo.Dense({ units: 64, activation: 'relu', inputShape: [10] }),
        new zoo.Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    expect(m.countParams()).toBe(10 * 64 + 64 + 64 * 3 + 3);
    const lines: string[] = [];
    m.summary(65, undefined, (l) => lines.push(l));
    expect(lines[0]).toMatch(/^Model: "sequential/);
    expect(lines.join('\n')).toMatch(/\(None, 64\)\s+704/);
    expect(lines.join('\n')).toContain('Total params: 899');
    expect(lines.join('\n')).toContain('Trainable params: 899');
    zoo.tidy(() => {
      const out = m.predict(zoo.ones([7, 10]));
      expect(out.shape).toEqual([7, 3]);
      const rows = out.arraySync() as number[][];
      for (const r of rows) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
    m.dispose();
  });

  it('sequential.add and a deferred input shape', () => {
    const m = zoo.sequential();
    m.add(new zoo.Dense({ units: 4, activation: 'relu' }));
    m.add(new zoo.Dense({ units: 2 }));
    zoo.tidy(() => {
      expect(m.predict(zoo.ones([3, 5])).shape).toEqual([3, 2]);
    });
    expect(m.countParams()).toBe(5 * 4 + 4 + 4 * 2 + 2);
    m.dispose();
  });

  it('functional model wires input -> layers -> output and predicts like the layers in turn', () => {
    const inp = zoo.input({ shape: [6] });
    const d1 = new zoo.Dense({ units: 5, activation: 'elu' });
    const d2 = new zoo.Dense({ units: 2, activation: 'sigmoid' });
    const out = d2.apply(d1.apply(inp)) as zoo.SymbolicTensor;
    expect(out.shape).toEqual([null, 2]);
    const fm = zoo.model({ inputs: inp, outputs: out });
    zoo.tidy(() => {
      const x = zoo.randomUniform([4, 6], -1, 1, 'float32', 8);
      const y = fm.predict(x);
      const manual = d2.apply(d1.apply(x) as zoo.Tensor) as zoo.Tensor;
      expect(Array.from(y.dataSync())).toEqual(Array.from(manual.dataSync()));
      expect(() => fm.predict(zoo.ones([4, 7]))).toThrow(
        /expected input of shape \[null,6\], got \[4,7\]/,
      );
    });
    expect(fm.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense', 'Dense']);
    fm.dispose();
  });

  it('getWeights / setWeights round-trip and check shapes', () => {
    const m = zoo.sequential({
      layers: [new zoo.Dense({ units: 2, inputShape: [3], name: 'sw_dense' })],
    });
    zoo.tidy(() => {
      m.setWeights([zoo.ones([3, 2]), zoo.tensor([1, 2])]);
      expect(Array.from(m.predict(zoo.ones([1, 3])).dataSync())).toEqual([4, 5]);
      expect(() => m.setWeights([zoo.ones([2, 2]), zoo.tensor([1, 2])])).toThrow(
        "weight 'sw_dense/kernel' has shape [3,2], got [2,2]",
      );
    });
    m.dispose();
  });
});
