import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, prepare, zoo } from './oracle.js';

beforeAll(prepare);

describe('tensors', () => {
  it('round-trip values, shapes and dtypes', () => {
    const a = zoo.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect(a.size).toBe(6);
    expect(a.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const l = zoo.tensor(Int32Array.of(0, 2), [2], 'int32');
    expect(l.dtype).toBe('int32');
    expect(Array.from(l.dataSync())).toEqual([0, 2]);
    expect(zoo.scalar(3).arraySync()).toBe(3);
    zoo.dispose([a, l]);
  });

  it('rejects data that does not fit the shape', () => {
    expect(() => zoo.tensor([1, 2, 3], [2, 2])).toThrow(
      'tensor: shape [2,2] needs 4 values, got 3',
    );
  });

  it('throws when a disposed tensor is used again', () => {
    const a = zoo.tensor([1, 2]);
    a.dispose();
    expect(a.isDisposed).toBe(true);
    expect(() => zoo.add(a, a)).toThrow(/was disposed/);
    expect(() => a.dataSync()).toThrow(/was disposed/);
    a.dispose();
  });

  it('reshape shares memory and keeps the data', async () => {
    const a = zoo.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = zoo.reshape(a, [3, -1]);
    expect(b.shape).toEqual([3, 2]);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3, 4, 5, 6]);
    b.dispose();
  });
});

describe('tidy, keep, dispose and memory()', () => {
  it('frees intermediates and keeps results', () => {
    const start = zoo.memory();
    const kept = zoo.tidy(() => {
      const a = zoo.ones([4, 4]);
      const b = zoo.add(a, a);
      const c = zoo.keep(zoo.mul(b, 3));
      const out = zoo.sum(b);
      void c;
      return { out, list: [zoo.exp(a)] };
    });
    const mid = zoo.memory();
    expect(mid.numTensors).toBe(start.numTensors + 3);
    expect(kept.out.arraySync()).toBe(32);
    zoo.dispose([kept.out, ...kept.list]);
    const after = zoo.memory();
    expect(after.numTensors).toBe(start.numTensors + 1); // the kept one
  });

  it('10,000 iterations of a tidy-wrapped chain leave tensors and wasm bytes flat', () => {
    const w = zoo.variable(zoo.randomNormal([32, 16], 0, 0.1, 'float32', 1));
    const x = zoo.randomUniform([8, 32], -1, 1, 'float32', 2);
    const chain = () =>
      zoo.tidy(() => {
        const h = zoo.relu(zoo.add(zoo.matMul(x, w), 0.5));
        const s = zoo.softmax(h);
        return zoo.mean(zoo.mul(s, s));
      });
    // One warm-up pass lets the allocator see every size once.
    chain().dispose();
    const start = zoo.memory();
    for (let i = 0; i < 10_000; i++) chain().dispose();
    const end = zoo.memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    expect(end.wasmBytes).toBe(start.wasmBytes);
    expect(end.heapBytes).toBe(start.heapBytes);
    zoo.dispose([w, x]);
  });

  it('10,000 gradient steps leave memory flat', () => {
    const w = zoo.variable(zoo.randomNormal([16, 4], 0, 0.1, 'float32', 3));
    const x = zoo.randomUniform([8, 16], -1, 1, 'float32', 4);
    const step = () =>
      zoo.tidy(() => {
        const { value, grads } = zoo.variableGrads(
          () => zoo.mean(zoo.square(zoo.matMul(x, w))),
          [w],
        );
        w.assign(zoo.sub(w, zoo.mul(grads[w.name], 0.1)));
        return value;
      });
    for (let i = 0; i < 10; i++) step().dispose();
    const start = zoo.memory();
    for (let i = 0; i < 10_000; i++) step().dispose();
    const end = zoo.memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.wasmBytes).toBe(start.wasmBytes);
    expect(end.heapBytes).toBe(start.heapBytes);
    zoo.dispose([w, x]);
  });
});

describe('autograd API', () => {
  it('grad of sum(x^2) is 2x', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([1, -2, 3]);
      const g = zoo.grad((t) => zoo.sum(zoo.square(t)))(x);
      expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
    });
  });

  it('grads, valueAndGrad and valueAndGrads', () => {
    zoo.tidy(() => {
      const a = zoo.tensor([1, 2]);
      const b = zoo.tensor([3, 4]);
      const f = (x: zoo.Tensor, y: zoo.Tensor) => zoo.sum(zoo.mul(x, y));
      const [ga, gb] = zoo.grads(f)([a, b]);
      expect(Array.from(ga.dataSync())).toEqual([3, 4]);
      expect(Array.from(gb.dataSync())).toEqual([1, 2]);
      const { value, grad } = zoo.valueAndGrad((x: zoo.Tensor) => zoo.sum(zoo.exp(x)))(a);
      expectClose(value.dataSync(), [Math.exp(1) + Math.exp(2)], 1e-6);
      expectClose(grad.dataSync(), [Math.exp(1), Math.exp(2)], 1e-6);
      const both = zoo.valueAndGrads(f)([a, b]);
      expect(both.value.arraySync()).toBe(11);
      expect(both.grads.length).toBe(2);
    });
  });

  it('the same input used twice accumulates, and add hands out distinct tensors', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([1, 2, 3]);
      const g = zoo.grad((t) => zoo.sum(zoo.add(zoo.mul(t, t), t)))(x);
      expect(Array.from(g.dataSync())).toEqual([3, 5, 7]);
      const [g1, g2] = zoo.grads((a, b) => zoo.add(a, b))([x, zoo.tensor([4, 5, 6])]);
      expect(g1).not.toBe(g2);
      g1.dispose();
      expect(Array.from(g2.dataSync())).toEqual([1, 1, 1]);
    });
  });

  it('tidy inside the differentiated function is safe', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([0.5, -1]);
      const g = zoo.grad((t) => zoo.tidy(() => zoo.sum(zoo.tanh(zoo.mul(t, 2)))))(x);
      const expected = [0.5, -1].map((v) => 2 * (1 - Math.tanh(2 * v) ** 2));
      expectClose(g.dataSync(), expected, 1e-5);
    });
  });

  it('variableGrads finds trainable variables and skips frozen ones', () => {
    const w = zoo.variable(zoo.tensor([1, 2]), true, 'w_test');
    const frozen = zoo.variable(zoo.tensor([5]), false, 'frozen_test');
    zoo.tidy(() => {
      const { value, grads } = zoo.variableGrads(() => zoo.sum(zoo.mul(zoo.mul(w, w), frozen)));
      expect(value.arraySync()).toBe(25);
      expect(Object.keys(grads)).toEqual(['w_test']);
      expect(Array.from(grads['w_test'].dataSync())).toEqual([10, 20]);
    });
    expect(() => zoo.variableGrads(() => zoo.sum(w))).not.toThrow();
    expect(() => zoo.variableGrads(() => zoo.sum(zoo.ones([2])), [w])).toThrow(/does not depend/);
    expect(() => zoo.variableGrads(() => zoo.mul(w, 2), [w])).toThrow(
      'variableGrads: f must return a scalar, got shape [2]',
    );
    zoo.dispose([w, frozen]);
  });

  it('grad of a function that ignores x says so', () => {
    const x = zoo.tensor([1]);
    expect(() => zoo.grad(() => zoo.ones([1]))(x)).toThrow(/does not depend on it/);
    x.dispose();
  });
});

describe('random ops and seeds', () => {
  it('the same seed gives the same numbers', () => {
    zoo.setSeed(42);
    const a = zoo.randomNormal([100]).dataSync();
    zoo.setSeed(42);
    const b = zoo.randomNormal([100]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = zoo.randomUniform([1000], 2, 3, 'float32', 7).dataSync();
    expect(Math.min(...c)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...c)).toBeLessThan(3);
    const t = zoo.truncatedNormal([1000], 0, 1, 'float32', 9).dataSync();
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
    const ints = zoo.randomUniform([1000], 0, 10, 'int32', 1).dataSync();
    expect(new Set(ints).size).toBe(10);
  });
});

describe('backend', () => {
  it('reports SIMD and relaxed SIMD as detected', async () => {
    const { relaxedSimdSupported } = await import('@zoo/kernels');
    const info = zoo.backendInfo();
    expect(info.simd).toBe(true);
    expect(info.relaxedSimd).toBe(relaxedSimdSupported());
    expect(info.threads).toBe(1);
  });
});
