// Zoo's convolutional layers against the same layers of @tensorflow/tfjs-layers 4.22 (on TF.js's
// cpu backend): same weights (Zoo's, copied into TF's with setWeights), same odd-sized input,
// outputs and output shapes alike; gradients through a small conv model; error messages.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const IN: [number, number, number, number] = [2, 7, 9, 3];

type Sym = (number | null)[];

/** Random values in every weight of a built Zoo layer (so a zero bias cannot hide a bug). */
function randomizeWeights(layer: zoo.Layer, seed: number): void {
  zoo.tidy(() =>
    layer.setWeights(
      layer.getWeights().map((w, i) => zoo.tensor(rand(w.size, seed + i, -0.7, 0.7), w.shape)),
    ),
  );
}

/**
 * Applies a Zoo layer and the TF.js layer to the same input of shape `shape` (building both),
 * copies Zoo's (randomized) weights into TF's, and compares outputs, output shapes and
 * computeOutputShape (with a null batch dimension, and with null spatial dimensions too when
 * `nullSpatial`).
 */
function compare(
  zl: zoo.Layer,
  tl: tfl.layers.Layer,
  shape: number[] = IN,
  seed = 3,
  nullSpatial = true,
): void {
  const data = rand(
    shape.reduce((a, b) => a * b, 1),
    seed,
    -1.5,
    1.5,
  );
  const before = zoo.memory().numTensors;
  const zx = zoo.tensor(data, shape);
  const tx = tf.tensor(data, shape);
  (zl.apply(zx) as zoo.Tensor).dispose();
  (tl.apply(tx) as tf.Tensor).dispose();
  if (zl.getWeights().length > 0) {
    randomizeWeights(zl, seed + 10);
    const ws = zl.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape]));
    tl.setWeights(ws);
    tf.dispose(ws);
  }
  expect(
    tl.getWeights().map((w) => w.shape),
    'weight shapes',
  ).toEqual(zl.getWeights().map((w) => w.shape));
  const zy = zl.apply(zx) as zoo.Tensor;
  const ty = tl.apply(tx) as tf.Tensor;
  expect(zy.shape, `${zl.name} output shape`).toEqual(ty.shape);
  expectClose(zy.dataSync(), ty.dataSync() as Float32Array, 1e-5, 1e-5, `${zl.name} output`);
  const sym: Sym = [null, ...shape.slice(1)];
  expect(zl.computeOutputShape(sym), 'computeOutputShape').toEqual(tl.computeOutputShape(sym));
  expect(zl.computeOutputShape(sym), 'computeOutputShape vs output').toEqual([
    null,
    ...ty.shape.slice(1),
  ]);
  if (nullSpatial && shape.length === 4) {
    const s: Sym = [null, null, null, shape[3]];
    expect(zl.computeOutputShape(s), 'computeOutputShape, unknown H and W').toEqual(
      tl.computeOutputShape(s),
    );
  }
  tf.dispose([tx, ty]);
  zoo.dispose([zx, zy]);
  zl.dispose();
  tl.dispose();
  expect(zoo.memory().numTensors, 'Zoo tensors left').toBe(before);
}

type Pair = number | [number, number];
const str = (v: unknown) => JSON.stringify(v);

describe('Conv2D matches tfjs-layers', () => {
  const activations = ['relu', 'tanh', 'linear'] as const;
  const cases: {
    kernelSize: Pair;
    strides: Pair;
    padding: 'same' | 'valid';
    dilationRate?: Pair;
    useBias?: boolean;
  }[] = [];
  for (const kernelSize of [1, 3, [5, 3]] as Pair[])
    for (const strides of [1, 2, [1, 2]] as Pair[])
      for (const padding of ['same', 'valid'] as const)
        cases.push({ kernelSize, strides, padding });
  cases.push(
    { kernelSize: 3, strides: 1, padding: 'same', dilationRate: 2 },
    { kernelSize: 3, strides: 1, padding: 'valid', dilationRate: 2 },
    { kernelSize: [3, 2], strides: 1, padding: 'valid', dilationRate: [2, 3] },
    { kernelSize: [5, 3], strides: 1, padding: 'same', dilationRate: [1, 2] },
    { kernelSize: 3, strides: 1, padding: 'same', useBias: false },
    { kernelSize: [5, 3], strides: [2, 1], padding: 'valid', useBias: false },
  );
  cases.forEach((c, i) => {
    const act = activations[i % 3];
    it(`kernel ${str(c.kernelSize)}, strides ${str(c.strides)}, ${c.padding}${c.dilationRate ? `, dilation ${str(c.dilationRate)}` : ''}, ${act}${c.useBias === false ? ', no bias' : ''}`, () => {
      const args = { filters: 4, activation: act, ...c };
      compare(new zoo.Conv2D(args), tfl.layers.conv2d(args), IN, 20 + i);
    });
  });

  it('one filter on one channel, with the kernel as large as the input (valid: 1x1 output)', () => {
    const args = {
      filters: 1,
      kernelSize: [7, 9] as [number, number],
      activation: 'tanh' as const,
    };
    compare(new zoo.Conv2D(args), tfl.layers.conv2d(args), [3, 7, 9, 1], 5);
  });

  it('activations applied after the convolution (softmax over channels, elu, sigmoid)', () => {
    for (const activation of ['softmax', 'elu', 'sigmoid'] as const) {
      const args = { filters: 5, kernelSize: 3, strides: 2, padding: 'same' as const, activation };
      compare(new zoo.Conv2D(args), tfl.layers.conv2d(args), IN, 8);
    }
  });

  it('many channels and filters (a wider GEMM)', () => {
    const args = {
      filters: 19,
      kernelSize: 3,
      padding: 'same' as const,
      activation: 'relu' as const,
    };
    compare(new zoo.Conv2D(args), tfl.layers.conv2d(args), [1, 6, 5, 17], 6);
  });
});

describe('pooling layers match tfjs-layers', () => {
  const cases: { poolSize: Pair; strides?: Pair; padding: 'same' | 'valid' }[] = [];
  for (const poolSize of [2, 3, [3, 2]] as Pair[])
    for (const strides of [undefined, 1, [2, 1]] as (Pair | undefined)[])
      for (const padding of ['same', 'valid'] as const) cases.push({ poolSize, strides, padding });
  for (const kind of ['max', 'average'] as const) {
    cases.forEach((c, i) => {
      it(`${kind} pool ${str(c.poolSize)}, strides ${c.strides === undefined ? 'default' : str(c.strides)}, ${c.padding}`, () => {
        const zl = kind === 'max' ? new zoo.MaxPooling2D(c) : new zoo.AveragePooling2D(c);
        const tl = kind === 'max' ? tfl.layers.maxPooling2d(c) : tfl.layers.averagePooling2d(c);
        compare(zl, tl, IN, 40 + i);
      });
    });
  }

  it('global average and global max pooling', () => {
    compare(new zoo.GlobalAveragePooling2D(), tfl.layers.globalAveragePooling2d({}), IN, 60);
    compare(new zoo.GlobalMaxPooling2D(), tfl.layers.globalMaxPooling2d({}), IN, 61);
    compare(new zoo.GlobalMaxPooling2D(), tfl.layers.globalMaxPooling2d({}), [3, 1, 1, 5], 62);
  });
});

describe('Flatten and ZeroPadding2D match tfjs-layers', () => {
  it('flattens rank 4 and rank 3 inputs (not unknown dimensions)', () => {
    // (Neither library flattens unknown spatial dimensions.)
    compare(new zoo.Flatten(), tfl.layers.flatten(), IN, 70, false);
    compare(new zoo.Flatten(), tfl.layers.flatten(), [4, 5, 3], 71);
    expect(() => new zoo.Flatten({ name: 'fl_null' }).computeOutputShape([null, null, 4])).toThrow(
      'fl_null: cannot flatten [null,null,4]: every non-batch dimension must be known',
    );
  });

  const paddings: (number | [number, number] | [[number, number], [number, number]])[] = [
    2,
    [1, 3],
    [
      [0, 2],
      [3, 1],
    ],
    [
      [1, 0],
      [0, 0],
    ],
  ];
  paddings.forEach((padding, i) => {
    it(`zero-pads with ${str(padding)}`, () => {
      compare(
        new zoo.ZeroPadding2D({ padding }),
        tfl.layers.zeroPadding2d({ padding }),
        IN,
        80 + i,
      );
    });
  });

  it('zero-pads by 1 by default, as TF.js', () => {
    compare(new zoo.ZeroPadding2D(), tfl.layers.zeroPadding2d(), IN, 85);
  });
});

describe('gradients through a small conv model', () => {
  it('variableGrads of a loss equals tf.variableGrads on the same TF.js model', () => {
    const shape = [3, 9, 8, 2];
    const before = zoo.memory().numTensors;
    const zm = zoo.sequential({
      layers: [
        new zoo.ZeroPadding2D({ padding: [1, 2], inputShape: shape.slice(1) }),
        new zoo.Conv2D({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }),
        new zoo.MaxPooling2D({ poolSize: 2 }),
        new zoo.Conv2D({ filters: 4, kernelSize: [3, 2], strides: [1, 2], activation: 'relu' }),
        // 'valid': TF.js's avgPool gradient is wrong for partial 'same' border windows (it
        // divides by the full window size; pool.test.ts checks Zoo's by finite differences).
        new zoo.AveragePooling2D({ poolSize: [2, 1], strides: 1 }),
        new zoo.Conv2D({ filters: 3, kernelSize: 1, useBias: false, activation: 'softmax' }),
        new zoo.Flatten(),
        new zoo.Dense({ units: 4, activation: 'tanh' }),
      ],
    });
    const tm = tfl.sequential({
      layers: [
        tfl.layers.zeroPadding2d({ padding: [1, 2], inputShape: shape.slice(1) }),
        tfl.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [1, 2], activation: 'relu' }),
        tfl.layers.averagePooling2d({ poolSize: [2, 1], strides: 1 }),
        tfl.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false, activation: 'softmax' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4, activation: 'tanh' }),
      ],
    });
    randomizeWeights(zm, 90);
    const tws = zm.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape]));
    tm.setWeights(tws);
    tf.dispose(tws);
    const data = rand(
      shape.reduce((a, b) => a * b, 1),
      91,
      -1,
      1,
    );
    const dy = rand(3 * 4, 92, 0.5, 1.5);
    const zx = zoo.tensor(data, shape);
    const zdy = zoo.tensor(dy, [3, 4]);
    const z = zoo.variableGrads(
      () => zoo.sum(zoo.mul(zm.apply(zx) as zoo.Tensor, zdy)),
      zm.trainableWeights,
    );
    const tx = tf.tensor(data, shape);
    const tdy = tf.tensor(dy, [3, 4]);
    const tvars = tm.trainableWeights.map((w) => w.read() as tf.Variable);
    const t = tf.variableGrads(
      () => tf.sum(tf.mul(tm.apply(tx) as tf.Tensor, tdy)) as tf.Scalar,
      tvars,
    );
    expectClose([z.value.dataSync()[0]], [t.value.dataSync()[0]], 1e-5, 1e-5, 'loss');
    expect(zm.trainableWeights.length).toBe(7);
    zm.trainableWeights.forEach((v, i) => {
      const zg = z.grads[v.name];
      const tg = t.grads[tvars[i].name];
      expect(zg.shape, `gradient ${v.name} shape`).toEqual(tg.shape);
      expectClose(zg.dataSync(), tg.dataSync() as Float32Array, 1e-4, 1e-5, `gradient ${v.name}`);
      // A gradient that is all zeros would pass trivially.
      expect(
        Math.max(...Array.from(zg.dataSync(), Math.abs)),
        `gradient ${v.name} nonzero`,
      ).toBeGreaterThan(1e-3);
    });
    zoo.dispose([zx, zdy, z.value, ...Object.values(z.grads)]);
    tf.dispose([tx, tdy, t.value, ...Object.values(t.grads)]);
    zm.dispose();
    tm.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });
});

describe('errors name the layer and the shapes', () => {
  const rank4 = (name: string) =>
    new RegExp(`^${name}: expected input of rank 4 \\[batch, height, width, channels\\], got `);

  it('wrong rank, for every layer that needs images', () => {
    const make: [string, (name: string) => zoo.Layer][] = [
      ['c_rank', (name) => new zoo.Conv2D({ name, filters: 2, kernelSize: 3 })],
      ['mp_rank', (name) => new zoo.MaxPooling2D({ name })],
      ['ap_rank', (name) => new zoo.AveragePooling2D({ name })],
      ['gap_rank', (name) => new zoo.GlobalAveragePooling2D({ name })],
      ['gmp_rank', (name) => new zoo.GlobalMaxPooling2D({ name })],
      ['zp_rank', (name) => new zoo.ZeroPadding2D({ name })],
    ];
    for (const [name, f] of make) {
      // Symbolic (at build / computeOutputShape) and concrete.
      expect(() => f(name).apply(zoo.input({ shape: [8, 3] })), name).toThrow(rank4(name));
      expect(() => f(name).apply(zoo.input({ shape: [8, 3] })), name).toThrow('[null,8,3]');
      zoo.tidy(() => {
        expect(() => f(name).apply(zoo.zeros([2, 8, 8])), name).toThrow(rank4(name));
        expect(() => f(name).apply(zoo.zeros([2, 8, 8])), name).toThrow('[2,8,8]');
        expect(() => f(name).apply(zoo.zeros([1, 2, 8, 8, 3])), name).toThrow('[1,2,8,8,3]');
      });
    }
    expect(() => new zoo.Flatten({ name: 'fl_rank' }).apply(zoo.input({ shape: [] }))).toThrow(
      'fl_rank: expected input of rank >= 2, got [null]',
    );
    zoo.tidy(() => {
      expect(() => new zoo.Flatten({ name: 'fl_rank2' }).apply(zoo.zeros([5]))).toThrow(
        'fl_rank2: expected input of rank >= 2, got [5]',
      );
    });
  });

  it('wrong rank or channel count after build', () => {
    const conv = new zoo.Conv2D({ name: 'c_chan', filters: 2, kernelSize: 3 });
    conv.apply(zoo.input({ shape: [8, 8, 3] }));
    zoo.tidy(() => {
      expect(() => conv.apply(zoo.zeros([1, 8, 8, 4]))).toThrow(
        'c_chan: expected input of shape [batch, height, width, 3], got [1,8,8,4]',
      );
      expect(() => conv.apply(zoo.zeros([1, 8, 8]))).toThrow(
        'c_chan: expected input of shape [batch, height, width, 3], got [1,8,8]',
      );
      expect((conv.apply(zoo.zeros([1, 5, 4, 3])) as zoo.Tensor).shape).toEqual([1, 3, 2, 2]);
    });
    const pool = new zoo.MaxPooling2D({ name: 'mp_after' });
    pool.apply(zoo.input({ shape: [8, 8, 3] }));
    zoo.tidy(() => {
      expect(() => pool.apply(zoo.zeros([8, 8, 3]))).toThrow(rank4('mp_after'));
    });
    conv.dispose();
  });

  it('a kernel larger than the input with valid padding', () => {
    const c = () => new zoo.Conv2D({ name: 'c_big', filters: 2, kernelSize: [5, 3] });
    expect(() => c().apply(zoo.input({ shape: [4, 9, 3] }))).toThrow(
      "c_big: the 5x3 kernel is larger than the input [null,4,9,3] with padding 'valid'",
    );
    zoo.tidy(() => {
      expect(() => c().apply(zoo.zeros([2, 9, 2, 3]))).toThrow(
        "c_big: the 5x3 kernel is larger than the input [2,9,2,3] with padding 'valid'",
      );
    });
    // Dilation widens the window: 3 + 2 * (3 - 1) = 7 > 6.
    const d = new zoo.Conv2D({ name: 'c_dil', filters: 1, kernelSize: 3, dilationRate: 3 });
    expect(() => d.apply(zoo.input({ shape: [6, 9, 1] }))).toThrow(
      "c_dil: the 3x3 kernel is larger than the input [null,6,9,1] with padding 'valid'",
    );
    // With 'same' the same kernel fits.
    const s = new zoo.Conv2D({ name: 'c_same', filters: 2, kernelSize: [5, 3], padding: 'same' });
    expect(s.apply(zoo.input({ shape: [4, 2, 3] })).shape).toEqual([null, 4, 2, 2]);
    s.dispose();
  });

  it('a model built for unknown image sizes rejects too-small images at call time', () => {
    const c = new zoo.Conv2D({ name: 'c_late', filters: 2, kernelSize: 5 });
    const sym = c.apply(
      zoo.input({ shape: [null as unknown as number, null as unknown as number, 3] }),
    );
    expect(sym.shape).toEqual([null, null, null, 2]);
    zoo.tidy(() => {
      expect((c.apply(zoo.zeros([1, 6, 5, 3])) as zoo.Tensor).shape).toEqual([1, 2, 1, 2]);
      expect(() => c.apply(zoo.zeros([1, 4, 9, 3]))).toThrow(
        "c_late: the 5x5 kernel is larger than the input [1,4,9,3] with padding 'valid'",
      );
    });
    c.dispose();
  });

  it('zero, negative or fractional strides, kernel and pool sizes, filters', () => {
    const bad: [() => unknown, RegExp | string][] = [
      [
        () => new zoo.Conv2D({ name: 'c_s0', filters: 2, kernelSize: 3, strides: 0 }),
        'c_s0: strides must be a positive integer or a pair of them, got 0',
      ],
      [
        () => new zoo.Conv2D({ name: 'c_s1', filters: 2, kernelSize: 3, strides: [1, -2] }),
        'c_s1: strides must be a positive integer or a pair of them, got [1,-2]',
      ],
      [
        () => new zoo.Conv2D({ name: 'c_k0', filters: 2, kernelSize: 0 }),
        'c_k0: kernelSize must be a positive integer or a pair of them, got 0',
      ],
      [
        () => new zoo.Conv2D({ name: 'c_k1', filters: 2, kernelSize: [3, -1] }),
        'c_k1: kernelSize must be a positive integer or a pair of them, got [3,-1]',
      ],
      [
        () => new zoo.Conv2D({ name: 'c_k2', filters: 2, kernelSize: 2.5 as number }),
        'c_k2: kernelSize must be a positive integer',
      ],
      [
        () =>
          new zoo.Conv2D({
            name: 'c_k3',
            filters: 2,
            kernelSize: [3, 3, 3] as unknown as [number, number],
          }),
        'c_k3: kernelSize must be a positive integer or a pair of them, got [3,3,3]',
      ],
      [
        () => new zoo.Conv2D({ name: 'c_d0', filters: 2, kernelSize: 3, dilationRate: 0 }),
        'c_d0: dilationRate must be a positive integer',
      ],
      [
        () => new zoo.Conv2D({ name: 'c_f0', filters: 0, kernelSize: 3 }),
        'c_f0: filters must be a positive integer, got 0',
      ],
      [
        () =>
          new zoo.Conv2D({ name: 'c_sd', filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
        'c_sd: strides > 1 cannot be combined with dilationRate > 1',
      ],
      [
        () =>
          new zoo.Conv2D({
            name: 'c_pad',
            filters: 2,
            kernelSize: 3,
            padding: 'causal' as 'same',
          }),
        "c_pad: padding must be 'same' or 'valid', got 'causal'",
      ],
      [
        () => new zoo.MaxPooling2D({ name: 'mp_p0', poolSize: 0 }),
        'mp_p0: poolSize must be a positive integer or a pair of them, got 0',
      ],
      [
        () => new zoo.AveragePooling2D({ name: 'ap_p1', poolSize: [2, -3] }),
        'ap_p1: poolSize must be a positive integer or a pair of them, got [2,-3]',
      ],
      [
        () => new zoo.MaxPooling2D({ name: 'mp_s0', strides: 0 }),
        'mp_s0: strides must be a positive integer or a pair of them, got 0',
      ],
      [
        () => new zoo.AveragePooling2D({ name: 'ap_s1', strides: [-1, 1] }),
        'ap_s1: strides must be a positive integer or a pair of them, got [-1,1]',
      ],
      [
        () => new zoo.ZeroPadding2D({ name: 'zp_neg', padding: [1, -1] }),
        'zp_neg: padding must hold non-negative integers, got [1,-1]',
      ],
      [
        () => new zoo.ZeroPadding2D({ name: 'zp_frac', padding: 0.5 }),
        'zp_frac: padding must hold non-negative integers, got 0.5',
      ],
    ];
    for (const [f, msg] of bad) expect(f).toThrow(msg);
  });

  it('a pooling window that does not fit', () => {
    expect(() =>
      new zoo.MaxPooling2D({ name: 'mp_fit', poolSize: [3, 2] }).apply(
        zoo.input({ shape: [2, 9, 3] }),
      ),
    ).toThrow('mp_fit: the 3x2 pooling window does not fit the input [null,2,9,3]');
    const ap = new zoo.AveragePooling2D({ name: 'ap_fit', poolSize: 3 });
    ap.apply(zoo.input({ shape: [null as unknown as number, null as unknown as number, 3] }));
    zoo.tidy(() => {
      expect(() => ap.apply(zoo.zeros([1, 5, 2, 3]))).toThrow(
        'ap_fit: the 3x3 pooling window does not fit the input [1,5,2,3]',
      );
      // 'same' pads, so any window fits.
      const same = new zoo.MaxPooling2D({ name: 'mp_same', poolSize: 3, padding: 'same' });
      expect((same.apply(zoo.zeros([1, 2, 1, 3])) as zoo.Tensor).shape).toEqual([1, 1, 1, 3]);
    });
  });

  it('an unsupported dataFormat', () => {
    const cf = 'channelsFirst' as 'channelsLast';
    const msg = (name: string) =>
      `${name}: only dataFormat 'channelsLast' (NHWC) is supported, got 'channelsFirst'`;
    expect(
      () => new zoo.Conv2D({ name: 'c_df', filters: 1, kernelSize: 1, dataFormat: cf }),
    ).toThrow(msg('c_df'));
    expect(() => new zoo.MaxPooling2D({ name: 'mp_df', dataFormat: cf })).toThrow(msg('mp_df'));
    expect(() => new zoo.AveragePooling2D({ name: 'ap_df', dataFormat: cf })).toThrow(msg('ap_df'));
    expect(() => new zoo.GlobalAveragePooling2D({ name: 'ga_df', dataFormat: cf })).toThrow(
      msg('ga_df'),
    );
    expect(() => new zoo.GlobalMaxPooling2D({ name: 'gm_df', dataFormat: cf })).toThrow(
      msg('gm_df'),
    );
    expect(() => new zoo.Flatten({ name: 'fl_df', dataFormat: cf })).toThrow(msg('fl_df'));
    expect(() => new zoo.ZeroPadding2D({ name: 'zp_df', dataFormat: cf })).toThrow(msg('zp_df'));
  });
});
