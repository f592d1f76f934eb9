import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

/** (m, k, n) of the products. */
const dims: [number, number, number][] = [
  [1, 1, 1],
  [3, 7, 33],
  [33, 129, 7],
  [129, 3, 1],
  [64, 64, 64],
  [128, 256, 64],
];

/** Stored shape of an operand: [..., rows, cols], swapped when it is transposed. */
const stored = (batch: number[], rows: number, cols: number, t: boolean): number[] =>
  t ? [...batch, cols, rows] : [...batch, rows, cols];

/**
 * TF.js's cpu matMul sums the k products in another order (blocked differently), so long
 * sums differ by a few ulps of their partial sums: for k >= 129 the tolerance is loosened to
 * rtol 1e-4 and an absolute slack proportional to sqrt(k) (results near 0 have no relative scale).
 */
const tol = (k: number) =>
  k >= 129
    ? { rtol: 1e-4, atol: 2e-6 * Math.sqrt(k), gradRtol: 1e-4, gradAtol: 1e-5 * Math.sqrt(k) }
    : { rtol: 1e-5, atol: 1e-6 * Math.max(1, Math.sqrt(k)), gradRtol: 1e-4, gradAtol: 1e-5 };

describe('matMul matches TF.js (forward, gradients, finite differences)', () => {
  for (const [m, k, n] of dims) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`[${m},${k}]x[${k},${n}] transposeA=${ta} transposeB=${tb}`, () => {
          // The gradient of A sums over n and that of B over m, so those also set the slack.
          const t = tol(Math.max(k, m, n));
          checkOp({
            shapes: [stored([], m, k, ta), stored([], k, n, tb)],
            zoo: (a, b) => zoo.matMul(a, b, ta, tb),
            tf: (a, b) => tf.matMul(a, b, ta, tb),
            ...t,
          });
        });
      }
    }
  }

  const batched: [number, number, number, number][] = [
    [1, 5, 9, 4],
    [3, 5, 9, 4],
    [3, 33, 17, 8],
    [1, 1, 1, 1],
  ];
  for (const [b, m, k, n] of batched) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`batched [${b},${m},${k}]x[${b},${k},${n}] transposeA=${ta} transposeB=${tb}`, () => {
          checkOp({
            shapes: [stored([b], m, k, ta), stored([b], k, n, tb)],
            zoo: (x, y) => zoo.matMul(x, y, ta, tb),
            tf: (x, y) => tf.matMul(x, y, ta, tb),
            seed: 11 + b,
          });
        });
      }
    }
  }

  it('batched x rank 2 (weights shared across the batch) sums the shared gradient', () => {
    checkOp({
      shapes: [
        [3, 5, 9],
        [9, 4],
      ],
      zoo: (a, b) => zoo.matMul(a, b),
      // TF.js's BatchMatMul gradient does not reduce a broadcast batch (it returns [3,9,4] for
      // b), so TF's side broadcasts explicitly; broadcastTo's gradient sums over the batch.
      tf: (a, b) => tf.matMul(a, tf.broadcastTo(b, [3, 9, 4])),
    });
    checkOp({
      shapes: [
        [5, 9],
        [2, 4, 9],
      ],
      zoo: (a, b) => zoo.matMul(a, b, false, true),
      tf: (a, b) => tf.matMul(tf.broadcastTo(a, [2, 5, 9]), b, false, true),
    });
  });

  // Batch dims broadcast as in TF.js. TF.js's BatchMatMul gradient does not reduce broadcast
  // dims, so TF's side broadcasts both operands explicitly (broadcastTo's gradient sums).
  const broadcasts: { a: number[]; b: number[]; batch: number[]; ta: boolean; tb: boolean }[] = [
    { a: [1, 4, 6], b: [3, 6, 5], batch: [3], ta: false, tb: false },
    { a: [3, 6, 4], b: [1, 5, 6], batch: [3], ta: true, tb: true },
    { a: [2, 1, 4, 6], b: [1, 3, 6, 5], batch: [2, 3], ta: false, tb: false },
    { a: [2, 3, 4, 6], b: [3, 5, 6], batch: [2, 3], ta: false, tb: true },
    { a: [4, 6], b: [2, 3, 6, 5], batch: [2, 3], ta: false, tb: false },
    { a: [2, 3, 6, 4], b: [2, 3, 6, 5], batch: [2, 3], ta: true, tb: false },
  ];
  for (const c of broadcasts) {
    it(`broadcast batch ${JSON.stringify(c.a)} x ${JSON.stringify(c.b)} ta=${c.ta} tb=${c.tb}`, () => {
      checkOp({
        shapes: [c.a, c.b],
        zoo: (a, b) => zoo.matMul(a, b, c.ta, c.tb),
        tf: (a, b) =>
          tf.matMul(
            tf.broadcastTo(a, [...c.batch, ...a.shape.slice(-2)]),
            tf.broadcastTo(b, [...c.batch, ...b.shape.slice(-2)]),
            c.ta,
            c.tb,
          ),
        seed: 31,
      });
    });
  }

  it('the same tensor on both sides gets both gradients', () => {
    for (const [ta, tb] of [
      [false, true],
      [true, false],
    ]) {
      checkOp({
        shapes: [[5, 7]],
        zoo: (a) => zoo.matMul(a, a, ta, tb),
        tf: (a) => tf.matMul(a, a, ta, tb),
      });
    }
  });

  it('computes a known product exactly', () => {
    zoo.tidy(() => {
      const a = zoo.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const b = zoo.tensor([
        [7, 8],
        [9, 10],
        [11, 12],
      ]);
      expect(zoo.matMul(a, b).arraySync()).toEqual([
        [58, 64],
        [139, 154],
      ]);
      expect(zoo.matMul(a, a, true, false).arraySync()).toEqual([
        [17, 22, 27],
        [22, 29, 36],
        [27, 36, 45],
      ]);
      expect(zoo.matMul(a, a, false, true).arraySync()).toEqual([
        [14, 32],
        [32, 77],
      ]);
      expect(zoo.matMul(b, a, true, true).arraySync()).toEqual([
        [58, 139],
        [64, 154],
      ]);
    });
  });
});

type Act = zoo.FusedActivation;
const tfAct: Record<Act, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: tf.relu,
  sigmoid: tf.sigmoid,
  tanh: tf.tanh,
  elu: tf.elu,
  relu6: tf.relu6,
  selu: tf.selu,
  softplus: tf.softplus,
  softsign: (x) => tf.div(x, tf.add(1, tf.abs(x))),
};

describe('fused.matMul matches matMul + bias + activation in TF.js', () => {
  const cases: { m: number; k: number; n: number; ta: boolean; tb: boolean }[] = [
    { m: 5, k: 7, n: 6, ta: false, tb: false },
    { m: 9, k: 33, n: 17, ta: false, tb: true },
    { m: 2, k: 3, n: 9, ta: true, tb: false },
    { m: 6, k: 4, n: 5, ta: true, tb: true },
  ];
  for (const act of ['linear', 'relu', 'sigmoid', 'tanh', 'elu'] as const) {
    for (const { m, k, n, ta, tb } of cases) {
      it(`${act} [${m},${k}]x[${k},${n}] ta=${ta} tb=${tb} with bias`, () => {
        checkOp({
          shapes: [stored([], m, k, ta), stored([], k, n, tb), [n]],
          zoo: (a, b, bias) =>
            zoo.fused.matMul({ a, b, bias, activation: act, transposeA: ta, transposeB: tb }),
          tf: (a, b, bias) => tfAct[act](tf.add(tf.matMul(a, b, ta, tb), bias)),
          // Seeds for which no pre-activation lies within a finite-difference step of relu's kink.
          seed: 21 + m + (act === 'relu' ? 200 : 0),
        });
      });
    }
    it(`${act} batched [2,4,6]x[2,6,3], no bias`, () => {
      checkOp({
        shapes: [
          [2, 4, 6],
          [2, 6, 3],
        ],
        zoo: (a, b) => zoo.fused.matMul({ a, b, activation: act }),
        tf: (a, b) => tfAct[act](tf.matMul(a, b)),
        seed: 5,
      });
    });
  }

  for (const act of ['relu6', 'selu', 'softplus', 'softsign'] as const) {
    it(`${act} [6,9]x[9,5] with bias`, () => {
      checkOp({
        shapes: [[6, 9], [9, 5], [5]],
        zoo: (a, b, bias) => zoo.fused.matMul({ a, b, bias, activation: act }),
        tf: (a, b, bias) => tfAct[act](tf.add(tf.matMul(a, b), bias)),
        seed: 8,
      });
    });
  }

  for (const act of ['linear', 'relu'] as const) {
    it(`${act} equals tf.fused.matMul (which only differentiates linear and relu)`, () => {
      checkOp({
        shapes: [[7, 12], [12, 9], [9]],
        zoo: (a, b, bias) => zoo.fused.matMul({ a, b, bias, activation: act }),
        tf: (a, b, bias) =>
          tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation: act }),
        seed: 3,
      });
    });
  }

  it('a batched input with a rank-2 weight and bias (a dense layer over a sequence)', () => {
    checkOp({
      shapes: [[3, 4, 6], [6, 5], [5]],
      zoo: (a, b, bias) => zoo.fused.matMul({ a, b, bias, activation: 'tanh' }),
      tf: (a, b, bias) => tf.tanh(tf.add(tf.matMul(a, tf.broadcastTo(b, [3, 6, 5])), bias)),
    });
  });

  it('fused sigmoid does not leak its pre-activation when not differentiated', () => {
    const before = zoo.memory().numTensors;
    const out = zoo.tidy(() =>
      zoo.fused.matMul({
        a: zoo.tensor(rand(6, 1), [2, 3]),
        b: zoo.tensor(rand(12, 2), [3, 4]),
        bias: zoo.tensor([1, -1, 0.5, -0.5]),
        activation: 'sigmoid',
      }),
    );
    expect(zoo.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([2, 4]);
    out.dispose();
  });
});

describe('dot matches tf.dot', () => {
  const combos: [number[], number[]][] = [
    [[7], [7]],
    [[1], [1]],
    [[5], [5, 3]],
    [
      [4, 6],
      [6, 2],
    ],
    [[3, 33], [33]],
  ];
  for (const [a, b] of combos) {
    it(`${JSON.stringify(a)} . ${JSON.stringify(b)}`, () => {
      checkOp({
        shapes: [a, b],
        zoo: (x, y) => zoo.dot(x, y),
        tf: (x, y) => tf.dot(x, y),
      });
    });
  }

  it('vector . vector is a scalar with the inner product', () => {
    zoo.tidy(() => {
      const r = zoo.dot([1, 2, 3], [4, 5, 6]);
      expect(r.shape).toEqual([]);
      expect(r.arraySync()).toBe(32);
    });
  });

  it('rejects rank 0 and rank 3', () => {
    zoo.tidy(() => {
      expect(() => zoo.dot(zoo.scalar(1), zoo.zeros([1]))).toThrow('dot: operands must have rank');
      expect(() => zoo.dot(zoo.zeros([1, 2, 3]), zoo.zeros([3]))).toThrow(
        'dot: operands must have rank 1 or 2, got [1,2,3] and [3]',
      );
    });
  });
});

describe('matMul errors', () => {
  it('names the op and both shapes when the inner dimensions differ', () => {
    zoo.tidy(() => {
      expect(() => zoo.matMul(zoo.zeros([32, 784]), zoo.zeros([128, 10]))).toThrow(
        'matMul: inner dimensions differ: [32,784] x [128,10]',
      );
      expect(() => zoo.matMul(zoo.zeros([3, 4]), zoo.zeros([3, 4]), false, false)).toThrow(
        /matMul: inner dimensions differ: \[3,4\].* x \[3,4\].*\(4 vs 3\)/,
      );
      expect(() => zoo.matMul(zoo.zeros([2, 3, 4]), zoo.zeros([3, 4, 5]))).toThrow(
        'matMul: batch dimensions differ: [2,3,4] x [3,4,5]',
      );
      expect(() => zoo.matMul(zoo.zeros([2, 2, 3, 4]), zoo.zeros([3, 4, 5]))).toThrow(
        'matMul: batch dimensions differ: [2,2,3,4] x [3,4,5]',
      );
    });
  });
  it('rejects operands of rank < 2', () => {
    zoo.tidy(() => {
      expect(() => zoo.matMul(zoo.zeros([3]), zoo.zeros([3, 2]))).toThrow(
        'matMul: both operands need rank >= 2, got [3] x [3,2]',
      );
      expect(() => zoo.matMul(zoo.zeros([2, 3]), zoo.scalar(1))).toThrow(
        'matMul: both operands need rank >= 2',
      );
    });
  });
  it('rejects int32 operands', () => {
    zoo.tidy(() => {
      expect(() => zoo.matMul(zoo.zeros([2, 2], 'int32'), zoo.zeros([2, 2]))).toThrow(
        'matMul: expected float32 tensors, got int32 [2,2]',
      );
      expect(() =>
        zoo.fused.matMul({ a: zoo.zeros([2, 2]), b: zoo.zeros([2, 2], 'int32') }),
      ).toThrow('fused.matMul: expected float32 tensors, got int32 [2,2]');
    });
  });
  it('rejects a bias of the wrong shape', () => {
    zoo.tidy(() => {
      const a = zoo.zeros([4, 3]);
      const b = zoo.zeros([3, 10]);
      expect(() => zoo.fused.matMul({ a, b, bias: zoo.zeros([5]) })).toThrow(
        'fused.matMul: bias must have shape [10], got [5]',
      );
      expect(() => zoo.fused.matMul({ a, b, bias: zoo.zeros([2, 10]) })).toThrow(
        'fused.matMul: bias must have shape [10], got [2,10]',
      );
      // With transposeB the output width is b's first dimension.
      expect(() =>
        zoo.fused.matMul({ a, b: zoo.zeros([10, 3]), transposeB: true, bias: zoo.zeros([3]) }),
      ).toThrow('fused.matMul: bias must have shape [10], got [3]');
      expect(() => zoo.fused.matMul({ a: zoo.zeros([4, 7]), b, bias: zoo.zeros([10]) })).toThrow(
        'fused.matMul: inner dimensions differ: [4,7] x [3,10]',
      );
    });
  });
  it('rejects activations it does not implement instead of running another op', () => {
    zoo.tidy(() => {
      const a = zoo.tensor([[1, -2]]);
      const b = zoo.tensor([
        [1, 0],
        [0, 1],
      ]);
      // TF.js names: 'leakyrelu' and 'prelu' need extra arguments Zoo's fused op does not take.
      expect(() => zoo.fused.matMul({ a, b, activation: 'leakyrelu' as 'relu' })).toThrow(
        `fused.matMul: unsupported activation "leakyrelu"; expected one of linear, relu, sigmoid`,
      );
      expect(() => zoo.fused.matMul({ a, b, activation: 'prelu' as 'relu' })).toThrow(
        'fused.matMul: unsupported activation "prelu"',
      );
    });
  });
  it('dot names itself and the original shapes', () => {
    zoo.tidy(() => {
      expect(() => zoo.dot(zoo.zeros([3, 4]), zoo.zeros([5]))).toThrow(
        'dot: inner dimensions differ: [3,4] · [5] (4 vs 5)',
      );
      expect(() => zoo.dot(zoo.zeros([4]), zoo.zeros([5, 2]))).toThrow(
        'dot: inner dimensions differ: [4] · [5,2] (4 vs 5)',
      );
      expect(() => zoo.dot(zoo.zeros([4], 'int32'), zoo.zeros([4]))).toThrow(
        'dot: expected float32 tensors, got int32 [4]',
      );
    });
  });
  it('leaves no tensors behind when it throws', () => {
    const before = zoo.memory().numTensors;
    zoo.tidy(() => {
      expect(() => zoo.matMul([[1, 2]], [[1, 2]])).toThrow('inner dimensions differ');
    });
    expect(zoo.memory().numTensors).toBe(before);
  });
  it('agrees with TF on a large product value by value', () => {
    // Independent of the oracle harness: plain JS float64 reference on a 17x40x9 product.
    const [m, k, n] = [17, 40, 9];
    const a = rand(m * k, 91);
    const b = rand(k * n, 92);
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        ref[i * n + j] = s;
      }
    zoo.tidy(() => {
      const c = zoo.matMul(zoo.tensor(a, [m, k]), zoo.tensor(b, [k, n]));
      expectClose(c.dataSync(), ref, 1e-5, 1e-5, 'float64 reference');
    });
  });
});
