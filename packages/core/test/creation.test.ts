import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

function noLeak(fn: () => void): void {
  const before = zoo.memory().numTensors;
  zoo.tidy(fn);
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
}

function stats(v: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
  }
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length), min, max };
}

describe('tensor()', () => {
  it('infers shapes from nested arrays, as TF', () => {
    const inputs: zoo.NestedArray[] = [
      5,
      [1, 2, 3],
      [[1], [2]],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [[[1, 2]], [[3, 4]], [[5, 6]]],
      [],
    ];
    noLeak(() => {
      for (const data of inputs) {
        const z = zoo.tensor(data);
        const t = tf.tensor(data as number[]);
        expect(z.shape).toEqual(t.shape);
        expect(z.dtype).toBe('float32');
        expect(Array.from(z.dataSync())).toEqual(Array.from(t.dataSync()));
        expect(z.arraySync()).toEqual(t.arraySync());
        t.dispose();
      }
    });
  });
  it('takes typed arrays (dtype from Int32Array) and an explicit shape', () => {
    noLeak(() => {
      const f = zoo.tensor(Float32Array.from([0.1, -2.5, 3e-8, 1e30, -0]), [5]);
      expect(f.dtype).toBe('float32');
      expect(Array.from(f.dataSync())).toEqual(
        Array.from(Float32Array.from([0.1, -2.5, 3e-8, 1e30, -0])),
      );
      const i = zoo.tensor(Int32Array.from([2147483647, -2147483648, 0, 7, -1, 33]), [2, 3]);
      expect(i.dtype).toBe('int32');
      expect(i.shape).toEqual([2, 3]);
      expect(i.dataSync()).toBeInstanceOf(Int32Array);
      expect(i.arraySync()).toEqual([
        [2147483647, -2147483648, 0],
        [7, -1, 33],
      ]);
      const u = zoo.tensor(Uint8Array.from([0, 255, 128]));
      expect(u.dtype).toBe('float32');
      expect(u.shape).toEqual([3]);
      expect(Array.from(u.dataSync())).toEqual([0, 255, 128]);
      const asInt = zoo.tensor([1.9, -1.9, 3], [3], 'int32');
      expect(Array.from(asInt.dataSync())).toEqual(
        Array.from(tf.tensor([1.9, -1.9, 3], [3], 'int32').dataSync()),
      );
      const flat = zoo.tensor([1, 2, 3, 4, 5, 6], [3, 1, 2]);
      expect(flat.arraySync()).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
      const s = zoo.scalar(3.5);
      expect(s.shape).toEqual([]);
      expect(s.arraySync()).toBe(3.5);
      expect(zoo.scalar(-4, 'int32').dtype).toBe('int32');
    });
  });
  it('errors name the op and the shapes', () => {
    noLeak(() => {
      expect(() => zoo.tensor([1, 2, 3], [2, 2])).toThrow(
        'tensor: shape [2,2] needs 4 values, got 3',
      );
      expect(() => zoo.tensor([[1, 2], [3]] as zoo.NestedArray)).toThrow(
        'tensor: shape [2,2] needs 4 values, got 3',
      );
      expect(() => zoo.tensor([1], [1.5])).toThrow(
        'tensor: shape [1.5] must hold non-negative integers',
      );
      expect(() => zoo.tensor([1], [1], 'bool' as 'int32')).toThrow(
        "tensor: dtype must be 'float32' or 'int32', got 'bool'",
      );
    });
  });
});

describe('constant creation', () => {
  it('fill, zeros, ones, zerosLike, onesLike match TF', () => {
    noLeak(() => {
      for (const shape of [[], [1], [3, 7], [33, 129], [64, 256], [2, 3, 0]]) {
        for (const dtype of ['float32', 'int32'] as const) {
          const cases: [zoo.Tensor, tf.Tensor][] = [
            [zoo.fill(shape, 7, dtype), tf.fill(shape, 7, dtype)],
            [zoo.fill(shape, -2.5, 'float32'), tf.fill(shape, -2.5, 'float32')],
            [zoo.zeros(shape, dtype), tf.zeros(shape, dtype)],
            [zoo.ones(shape, dtype), tf.ones(shape, dtype)],
          ];
          const src = zoo.fill(shape, 9, dtype);
          cases.push([zoo.zerosLike(src), tf.zeros(shape, dtype)]);
          cases.push([zoo.onesLike(src), tf.ones(shape, dtype)]);
          for (const [z, t] of cases) {
            expect(z.shape).toEqual(t.shape);
            expect(z.dtype).toBe(t.dtype);
            expect(Array.from(z.dataSync())).toEqual(Array.from(t.dataSync()));
            t.dispose();
          }
        }
      }
    });
  });
  it('clone copies values into new memory', () => {
    noLeak(() => {
      const v = rand(33 * 7, 2);
      const x = zoo.tensor(v, [33, 7]);
      const c = zoo.clone(x);
      expect(c.shape).toEqual([33, 7]);
      expect(c.ptr).not.toBe(x.ptr);
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual(Array.from(v));
      const i = zoo.clone(zoo.tensor(Int32Array.from([5, -6])));
      expect(i.dtype).toBe('int32');
      expect(Array.from(i.dataSync())).toEqual([5, -6]);
    });
  });
  it('clone passes gradients through, as TF', () => {
    noLeak(() => {
      const v = rand(21, 3);
      const g = zoo.grad((t) => zoo.sum(zoo.mul(zoo.clone(t), t)))(zoo.tensor(v, [3, 7]));
      expectClose(
        g.dataSync(),
        v.map((x) => 2 * x),
        1e-6,
        1e-7,
      );
    });
  });
});

describe('oneHot', () => {
  for (const [ids, shape, depth, on, off] of [
    [[0], [1], 2, 1, 0],
    [[2, 0, 1], [3], 3, 1, 0],
    [[6, 0, 3, 3, 1, 5, 2], [7], 7, 5, -1],
    [[1, 0, 32, 16, 16, 9], [2, 3], 33, 1, 0],
    [Array.from({ length: 64 }, (_, i) => (i * 37) % 129), [64], 129, 0.9, 0.1 / 128],
  ] as [number[], number[], number, number, number][]) {
    it(`${JSON.stringify(shape)} depth ${depth} on ${on} off ${off}`, () => {
      noLeak(() => {
        const z = zoo.oneHot(zoo.tensor(Int32Array.from(ids), shape), depth, on, off);
        const t = tf.oneHot(tf.tensor(ids, shape, 'int32'), depth, on, off);
        expect(z.shape).toEqual(t.shape);
        // TF.js's oneHot returns int32; Zoo's is float32.
        expect(z.dtype).toBe('float32');
        const want = new Float32Array(ids.length * depth).fill(off);
        ids.forEach((c, i) => {
          want[i * depth + c] = on;
        });
        expect(Array.from(z.dataSync())).toEqual(Array.from(want));
        // TF.js's int32 result truncates fractional on/off values.
        if (Number.isInteger(on) && Number.isInteger(off)) {
          expect(Array.from(z.dataSync())).toEqual(Array.from(t.dataSync()));
        }
        t.dispose();
      });
    });
  }
  it('an index out of range names it and its position', () => {
    noLeak(() => {
      expect(() => zoo.oneHot(zoo.tensor(Int32Array.from([0, 2, 3, 1])), 3)).toThrow(
        'oneHot: index 3 at position 2 is outside [0, 3)',
      );
      expect(() => zoo.oneHot(zoo.tensor(Int32Array.from([-1])), 3)).toThrow(
        'oneHot: index -1 at position 0 is outside [0, 3)',
      );
      expect(() => zoo.oneHot(zoo.tensor([1, 2]), 3)).toThrow(
        'oneHot: indices must be int32, got float32 [2]',
      );
      expect(() => zoo.oneHot(zoo.tensor(Int32Array.from([0])), 0)).toThrow(
        'oneHot: depth must be a positive integer, got 0',
      );
    });
  });
});

describe('random values', () => {
  const N = 100_000;
  it('randomNormal has the asked mean and std; seeds repeat', () => {
    noLeak(() => {
      const a = zoo.randomNormal([N], 2, 3, 'float32', 42).dataSync();
      const st = stats(a);
      // Standard error of the mean: 3 / sqrt(1e5) ~ 0.0095.
      expect(Math.abs(st.mean - 2)).toBeLessThan(0.05);
      expect(Math.abs(st.std - 3)).toBeLessThan(0.05);
      const b = zoo.randomNormal([N], 2, 3, 'float32', 42).dataSync();
      expect(b).toEqual(a);
      const c = zoo.randomNormal([N], 2, 3, 'float32', 43).dataSync();
      expect(c).not.toEqual(a);
      // Odd sizes fill every element.
      const odd = zoo.randomNormal([3, 7, 33], 0, 1, 'float32', 1).dataSync();
      expect(odd.length).toBe(693);
      expect(odd[692]).not.toBe(0);
      expect(new Set(odd).size).toBeGreaterThan(690);
    });
  });
  it('truncatedNormal stays within two std and has the truncated std', () => {
    noLeak(() => {
      const a = zoo.truncatedNormal([N], -1, 0.5, 'float32', 7).dataSync();
      const st = stats(a);
      expect(st.min).toBeGreaterThanOrEqual(-2);
      expect(st.max).toBeLessThanOrEqual(0);
      expect(Math.abs(st.mean + 1)).toBeLessThan(0.01);
      // std of a standard normal truncated at +-2 is 0.87962.
      expect(Math.abs(st.std - 0.5 * 0.87962)).toBeLessThan(0.01);
      expect(zoo.truncatedNormal([N], -1, 0.5, 'float32', 7).dataSync()).toEqual(a);
    });
  });
  it('randomUniform is uniform in [min, max); seeds repeat', () => {
    noLeak(() => {
      const a = zoo.randomUniform([N], -3, 5, 'float32', 9).dataSync();
      const st = stats(a);
      expect(st.min).toBeGreaterThanOrEqual(-3);
      expect(st.max).toBeLessThan(5);
      expect(Math.abs(st.mean - 1)).toBeLessThan(0.05);
      expect(Math.abs(st.std - 8 / Math.sqrt(12))).toBeLessThan(0.05);
      expect(zoo.randomUniform([N], -3, 5, 'float32', 9).dataSync()).toEqual(a);
      // The generator moves on without a seed.
      zoo.setSeed(9);
      const s1 = zoo.randomUniform([100]).dataSync();
      const s2 = zoo.randomUniform([100]).dataSync();
      expect(s2).not.toEqual(s1);
      zoo.setSeed(9);
      expect(zoo.randomUniform([100]).dataSync()).toEqual(s1);
      expect(() => zoo.randomUniform([2], 1, 1)).toThrow(
        'randomUniform: maxval (1) must be greater than minval (1)',
      );
    });
  });
  it('int32 randomUniform covers [min, max) evenly', () => {
    noLeak(() => {
      const t = zoo.randomUniform([N], -3, 7, 'int32', 5);
      expect(t.dtype).toBe('int32');
      const a = t.dataSync();
      expect(a).toBeInstanceOf(Int32Array);
      const counts = new Map<number, number>();
      for (const v of a) {
        expect(Number.isInteger(v)).toBe(true);
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      expect([...counts.keys()].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
      // 10k expected per value, std ~95.
      for (const c of counts.values()) expect(Math.abs(c - N / 10)).toBeLessThan(500);
    });
  });
});

describe('variables', () => {
  it('copy their initial value, assign in place, and survive tidy', () => {
    const before = zoo.memory().numTensors;
    const init = zoo.tensor([1, 2, 3]);
    const v = zoo.tidy(() => zoo.variable(zoo.tensor([1, 2, 3]), true, 'w_creation'));
    expect(v.isDisposed).toBe(false);
    expect(v.name).toBe('w_creation');
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3]);
    zoo.tidy(() => v.assign(zoo.tensor([4, 5, 6])));
    expect(Array.from(v.dataSync())).toEqual([4, 5, 6]);
    expect(Array.from(init.dataSync())).toEqual([1, 2, 3]);
    zoo.tidy(() => {
      expect(() => v.assign(zoo.tensor([1, 2]))).toThrow(
        "assign: variable 'w_creation' is float32 [3], got float32 [2]",
      );
      expect(() => v.assign(zoo.tensor(Int32Array.from([1, 2, 3])))).toThrow(
        "assign: variable 'w_creation' is float32 [3], got int32 [3]",
      );
      expect(() => zoo.variable(zoo.tensor([1]), true, 'x', 'int32')).toThrow(
        'variable: initial value is float32, asked for int32',
      );
    });
    const g = zoo.variableGrads(() => zoo.sum(zoo.square(v)), [v]);
    expect(Array.from(g.grads['w_creation'].dataSync())).toEqual([8, 10, 12]);
    zoo.dispose([g.value, g.grads['w_creation']]);
    v.dispose();
    init.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });
});

describe('int32 tensors move through shape ops bit-exactly', () => {
  // Values no float32 can hold exactly: a float path would round them.
  const big = Int32Array.from(
    { length: 3 * 7 * 33 },
    (_, i) => 2147483647 - i * 40503 * (i % 2 ? -1 : 1),
  );
  it('reshape, slice, concat, gather, transpose, stack, split, pad, tile, cast', () => {
    noLeak(() => {
      const x = zoo.tensor(big, [3, 7, 33]);
      const tx = tf.tensor(big, [3, 7, 33], 'int32');
      const same = (z: zoo.Tensor, t: tf.Tensor) => {
        expect(z.dtype).toBe('int32');
        expect(z.shape).toEqual(t.shape);
        const got = z.dataSync();
        expect(got).toBeInstanceOf(Int32Array);
        expect(Array.from(got)).toEqual(Array.from(t.dataSync()));
      };
      const idx = Int32Array.from([6, 0, 6, 3]);
      const pairs: [zoo.Tensor, tf.Tensor][] = [
        [zoo.reshape(x, [21, -1]), tf.reshape(tx, [21, -1])],
        [zoo.slice(x, [1, 2, 5], [2, 4, 27]), tf.slice(tx, [1, 2, 5], [2, 4, 27])],
        [zoo.concat([x, x], 1), tf.concat([tx, tx], 1)],
        [zoo.concat([x, zoo.slice(x, [0, 0, 3])], 2), tf.concat([tx, tf.slice(tx, [0, 0, 3])], 2)],
        [zoo.gather(x, zoo.tensor(idx), 1), tf.gather(tx, tf.tensor(idx, [4], 'int32'), 1)],
        [zoo.transpose(x, [2, 0, 1]), tf.transpose(tx, [2, 0, 1])],
        [zoo.transpose(x), tf.transpose(tx)],
        [zoo.stack([x, x], 1), tf.stack([tx, tx], 1)],
        [zoo.split(x, [10, 23], 2)[1], tf.split(tx, [10, 23], 2)[1]],
        [
          zoo.pad(x, [
            [0, 1],
            [2, 0],
            [1, 1],
          ]),
          tf.pad(tx, [
            [0, 1],
            [2, 0],
            [1, 1],
          ]),
        ],
        [zoo.tile(x, [1, 2, 2]), tf.tile(tx, [1, 2, 2])],
        [zoo.expandDims(x, 1), tf.expandDims(tx, 1)],
        [zoo.squeeze(zoo.reshape(x, [1, 693, 1])), tf.squeeze(tf.reshape(tx, [1, 693, 1]))],
        [zoo.cast(x, 'int32'), tx],
        [zoo.clone(x), tx],
      ];
      for (const [z, t] of pairs) same(z, t);
      // And a round trip through float32 for small values is exact.
      const small = zoo.tensor(Int32Array.from([-16777216, -1, 0, 1, 16777216]));
      expect(Array.from(zoo.cast(zoo.cast(small, 'float32'), 'int32').dataSync())).toEqual([
        -16777216, -1, 0, 1, 16777216,
      ]);
      tf.dispose(tx);
    });
  });
});
