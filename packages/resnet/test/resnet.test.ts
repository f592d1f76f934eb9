// @zoo/resnet: the ready-made ResNets against Keras's figures and names, ResNet-20 against the
// same network built in @tensorflow/tfjs-layers (parameters and inference-mode predictions with
// the same weights), residual blocks, training, weight loading by name, schedules and errors.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { rand } from '../../core/test/oracle.js';
import * as rn from '../src/index.js';

beforeAll(async () => {
  await rn.ready();
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function countBy(m: rn.LayersModel): Record<string, number> {
  const c: Record<string, number> = {};
  for (const l of m.layers) c[l.getClassName()] = (c[l.getClassName()] ?? 0) + 1;
  return c;
}

function outShape(m: rn.LayersModel, name: string): (number | null)[] {
  return m.getLayer(name).inboundNodes[0].outputs[0].shape;
}

describe('resnet50() against keras.applications.ResNet50', () => {
  it('has 25,636,712 parameters, 177 layers and the Keras layer names and weight shapes', () => {
    const m = rn.resnet50({ includeTop: true, classes: 1000 });
    try {
      expect(m.countParams()).toBe(25_636_712);
      // Keras: 25,583,592 trainable, 53,120 non-trainable (the batch norms' moving statistics).
      expect(m.trainableWeights.reduce((n, w) => n + w.size, 0)).toBe(25_583_592);
      expect(m.layers.length).toBe(177);
      expect(countBy(m)).toEqual({
        InputLayer: 1,
        ZeroPadding2D: 2,
        Conv2D: 53,
        BatchNormalization: 53,
        Activation: 49,
        MaxPooling2D: 1,
        Add: 16,
        GlobalAveragePooling2D: 1,
        Dense: 1,
      });
      const names = m.layers.map((l) => l.name);
      expect(names.slice(0, 7)).toEqual([
        'input_1',
        'conv1_pad',
        'conv1_conv',
        'conv1_bn',
        'conv1_relu',
        'pool1_pad',
        'pool1_pool',
      ]);
      expect(names.slice(-4)).toEqual([
        'conv5_block3_add',
        'conv5_block3_out',
        'avg_pool',
        'predictions',
      ]);
      // Every name keras.applications gives, built from resnet.py's naming rules.
      const keras = new Set(['input_1', 'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu']);
      for (const n of ['pool1_pad', 'pool1_pool', 'avg_pool', 'predictions']) keras.add(n);
      [3, 4, 6, 3].forEach((blocks, s) => {
        for (let b = 1; b <= blocks; b++) {
          const p = `conv${s + 2}_block${b}`;
          if (b === 1) keras.add(`${p}_0_conv`).add(`${p}_0_bn`);
          for (const i of [1, 2, 3]) keras.add(`${p}_${i}_conv`).add(`${p}_${i}_bn`);
          keras.add(`${p}_1_relu`).add(`${p}_2_relu`).add(`${p}_add`).add(`${p}_out`);
        }
      });
      expect(new Set(names)).toEqual(keras);
      // Keras's order (model.summary(), and so the weights' order): by depth from the output,
      // which puts each first block's shortcut between its main path's layers.
      const i = names.indexOf('conv2_block1_1_conv');
      expect(names.slice(i, i + 13)).toEqual([
        'conv2_block1_1_conv',
        'conv2_block1_1_bn',
        'conv2_block1_1_relu',
        'conv2_block1_2_conv',
        'conv2_block1_2_bn',
        'conv2_block1_2_relu',
        'conv2_block1_0_conv',
        'conv2_block1_3_conv',
        'conv2_block1_0_bn',
        'conv2_block1_3_bn',
        'conv2_block1_add',
        'conv2_block1_out',
        'conv2_block2_1_conv',
      ]);
      const kernel = (n: string) => (m.getLayer(n) as rn.Conv2D).kernel!.shape;
      expect(kernel('conv1_conv')).toEqual([7, 7, 3, 64]);
      expect(kernel('conv2_block1_0_conv')).toEqual([1, 1, 64, 256]);
      expect(kernel('conv2_block1_1_conv')).toEqual([1, 1, 64, 64]);
      expect(kernel('conv3_block1_1_conv')).toEqual([1, 1, 256, 128]);
      expect(kernel('conv3_block2_2_conv')).toEqual([3, 3, 128, 128]);
      expect(kernel('conv5_block3_3_conv')).toEqual([1, 1, 512, 2048]);
      // Keras v1 puts the stride on the first 1x1 convolution and on the projection.
      expect((m.getLayer('conv3_block1_1_conv') as rn.Conv2D).strides).toEqual([2, 2]);
      expect((m.getLayer('conv3_block1_0_conv') as rn.Conv2D).strides).toEqual([2, 2]);
      expect((m.getLayer('conv3_block1_2_conv') as rn.Conv2D).strides).toEqual([1, 1]);
      const bn = m.getLayer('conv1_bn') as rn.BatchNormalization;
      expect(bn.epsilon).toBeCloseTo(1.001e-5, 12);
      expect(bn.layerWeights.map((w) => w.originalName)).toEqual([
        'conv1_bn/gamma',
        'conv1_bn/beta',
        'conv1_bn/moving_mean',
        'conv1_bn/moving_variance',
      ]);
      expect(m.getLayer('predictions').weights.map((w) => w.shape)).toEqual([[2048, 1000], [1000]]);
      expect(outShape(m, 'pool1_pool')).toEqual([null, 56, 56, 64]);
      expect(outShape(m, 'conv2_block3_out')).toEqual([null, 56, 56, 256]);
      expect(outShape(m, 'conv3_block4_out')).toEqual([null, 28, 28, 512]);
      expect(outShape(m, 'conv4_block6_out')).toEqual([null, 14, 14, 1024]);
      expect(outShape(m, 'conv5_block3_out')).toEqual([null, 7, 7, 2048]);
      expect(m.outputs[0].shape).toEqual([null, 1000]);
      expect(m.name).toBe('resnet50');
    } finally {
      m.dispose();
    }
  });

  it('follows includeTop, pooling, inputShape and classes as Keras', () => {
    const noTop = rn.resnet50({ includeTop: false });
    expect(noTop.countParams()).toBe(23_587_712);
    expect(noTop.layers.length).toBe(175);
    expect(noTop.inputs[0].shape).toEqual([null, null, null, 3]);
    expect(noTop.outputs[0].shape).toEqual([null, null, null, 2048]);
    // Any image size without the top: 64x48 becomes 2x2 after the /32 downsampling.
    const y = noTop.predict(rn.zeros([1, 64, 48, 3]));
    expect(y.shape).toEqual([1, 2, 2, 2048]);
    y.dispose();
    noTop.dispose();
    const pooled = rn.resnet50({ includeTop: false, pooling: 'max', inputShape: [96, 96, 3] });
    expect(pooled.outputs[0].shape).toEqual([null, 2048]);
    expect(pooled.layers.at(-1)!.name).toBe('max_pool');
    pooled.dispose();
    const small = rn.resnet50({ classes: 7, inputShape: [64, 64, 1] });
    expect(small.countParams()).toBe(25_636_712 - 2048 * 993 - 993 - 7 * 7 * 2 * 64);
    const p = small.predict(rn.tensor(rand(2 * 64 * 64, 5), [2, 64, 64, 1]));
    expect(p.shape).toEqual([2, 7]);
    for (const row of p.arraySync() as number[][]) {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    p.dispose();
    small.dispose();
  });
});

describe('resnet18() and resnet34()', () => {
  it('use basic blocks [2,2,2,2] / [3,4,6,3] with the ResNet-50 naming scheme', () => {
    const m18 = rn.resnet18();
    expect(m18.countParams()).toBe(11_703_912);
    expect(m18.layers.map((l) => l.name)).toContain('conv3_block1_0_conv');
    expect(m18.layers.map((l) => l.name)).not.toContain('conv2_block1_0_conv');
    expect(m18.layers.map((l) => l.name)).not.toContain('conv2_block1_3_conv');
    expect(outShape(m18, 'conv5_block2_out')).toEqual([null, 7, 7, 512]);
    expect(countBy(m18).Add).toBe(8);
    m18.dispose();
    // Without conv biases: torchvision's parameters plus its batch-norm running statistics.
    const b18 = rn.resnet18({ useBias: false });
    expect(b18.countParams()).toBe(11_689_512 + 2 * 4_800);
    b18.dispose();
    const b34 = rn.resnet34({ useBias: false, includeTop: false, pooling: 'avg' });
    expect(b34.countParams()).toBe(21_797_672 - 513_000 + 2 * 8_512);
    expect(b34.outputs[0].shape).toEqual([null, 512]);
    expect(countBy(b34).Add).toBe(16);
    b34.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// ResNet-20 in tfjs-layers, layer for layer with the same names (Keras's cifar10 resnet v1).

function tfResnetCifar(
  depth: number,
  inputShape: number[],
  classes: number,
  activation: 'softmax' | 'linear' = 'softmax',
): tfl.LayersModel {
  const n = (depth - 2) / 6;
  const inp = tfl.input({ shape: inputShape });
  const conv = (f: number, k: number, s: number, name: string) =>
    tfl.layers.conv2d({
      filters: f,
      kernelSize: k,
      strides: s,
      padding: k === 1 ? 'valid' : 'same',
      name,
    });
  const bn = (name: string) => tfl.layers.batchNormalization({ axis: -1, epsilon: 1e-3, name });
  const relu = (name: string) => tfl.layers.activation({ activation: 'relu', name });
  type T = tfl.SymbolicTensor;
  let x = conv(16, 3, 1, 'conv1_conv').apply(inp) as T;
  x = bn('conv1_bn').apply(x) as T;
  x = relu('conv1_relu').apply(x) as T;
  let c = 16;
  [16, 32, 64].forEach((f, stage) => {
    for (let b = 1; b <= n; b++) {
      const p = `conv${stage + 2}_block${b}`;
      const s = stage > 0 && b === 1 ? 2 : 1;
      let y = conv(f, 3, s, `${p}_1_conv`).apply(x) as T;
      y = bn(`${p}_1_bn`).apply(y) as T;
      y = relu(`${p}_1_relu`).apply(y) as T;
      y = conv(f, 3, 1, `${p}_2_conv`).apply(y) as T;
      y = bn(`${p}_2_bn`).apply(y) as T;
      const sc = s !== 1 || c !== f ? (conv(f, 1, s, `${p}_0_conv`).apply(x) as T) : x;
      x = tfl.layers.add({ name: `${p}_add` }).apply([sc, y]) as T;
      x = relu(`${p}_out`).apply(x) as T;
      c = f;
    }
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  const out = tfl.layers.dense({ units: classes, activation, name: 'predictions' }).apply(x) as T;
  return tfl.model({ inputs: inp, outputs: out });
}

/**
 * Gives the batch norms random gammas, betas and moving statistics (variances positive) and
 * the biases small random values, deterministic per seed; kernels keep their He-normal values,
 * so activations stay of order 1 through the network.
 */
function randomizeWeights(m: rn.LayersModel, seed: number): void {
  let s = seed;
  for (const l of m.layers) {
    for (const w of l.layerWeights) {
      const n = w.originalName;
      if (n.endsWith('kernel')) continue;
      const [lo, hi] = n.endsWith('moving_variance')
        ? [0.5, 1.5]
        : n.endsWith('gamma')
          ? [0.2, 0.6]
          : [-0.3, 0.3];
      const v = rand(w.variable.size, s++, lo, hi);
      const t = rn.tensor(v, w.variable.shape);
      w.variable.assign(t);
      t.dispose();
    }
  }
}

/** Copies Zoo's weights into the tfjs-layers model layer by layer, by name. */
function copyToTf(zm: rn.LayersModel, tm: tfl.LayersModel): void {
  for (const l of zm.layers) {
    if (l.weights.length === 0) continue;
    const ws = l.weights.map((w) => tf.tensor(w.dataSync().slice(), [...w.shape]));
    tm.getLayer(l.name).setWeights(ws);
    tf.dispose(ws);
  }
}

describe('resnet20/32/56 (He et al. section 4.2, Keras cifar10 resnet v1)', () => {
  it('ResNet-20 has 274,442 parameters, as the same network in tfjs-layers (the paper: 0.27M)', () => {
    const m = rn.resnet20();
    const t = tfResnetCifar(20, [32, 32, 3], 10);
    try {
      expect(m.countParams()).toBe(274_442);
      expect(t.countParams()).toBe(274_442);
      expect(Math.round(m.countParams() / 1e4) / 100).toBe(0.27);
      const tNames = new Set(t.layers.map((l) => l.name));
      for (const l of m.layers) {
        if (l.getClassName() === 'InputLayer') continue;
        expect(tNames.has(l.name), l.name).toBe(true);
        expect(l.countParams(), l.name).toBe(t.getLayer(l.name).countParams());
      }
      // 6n + 2 = 20 weighted layers on the main path (19 convolutions + the dense layer).
      const convs = m.layers.filter((l) => l instanceof rn.Conv2D && !l.name.endsWith('_0_conv'));
      expect(convs.length + 1).toBe(20);
      expect(outShape(m, 'conv2_block3_out')).toEqual([null, 32, 32, 16]);
      expect(outShape(m, 'conv3_block3_out')).toEqual([null, 16, 16, 32]);
      expect(outShape(m, 'conv4_block3_out')).toEqual([null, 8, 8, 64]);
      // Weight decay: an L2 penalty on every convolution kernel (not on the dense layer).
      const regs = m.layers.filter((l) => (l as rn.Conv2D).kernelRegularizer != null);
      expect(regs.length).toBe(21);
      expect(m.getLayer('conv1_bn')).toBeInstanceOf(rn.BatchNormalization);
    } finally {
      m.dispose();
      t.dispose();
    }
  });

  it('ResNet-32 and ResNet-56 match tfjs-layers too (the paper: 0.46M and 0.85M)', () => {
    for (const [depth, f, want] of [
      [32, rn.resnet32, 470_218],
      [56, rn.resnet56, 861_770],
    ] as const) {
      const m = f({ classes: 10 });
      const t = tfResnetCifar(depth, [32, 32, 3], 10);
      expect(m.countParams()).toBe(want);
      expect(t.countParams()).toBe(want);
      expect(m.layers.length).toBe(t.layers.length);
      m.dispose();
      t.dispose();
    }
    const m = rn.resnetCifar({ depth: 44, inputShape: [16, 16, 1], classes: 3 });
    const t = tfResnetCifar(44, [16, 16, 1], 3);
    expect(m.countParams()).toBe(t.countParams());
    m.dispose();
    t.dispose();
  });

  it('predicts as tfjs-layers with the same weights and moving statistics (inference mode)', () => {
    for (const activation of ['linear', 'softmax'] as const) {
      const m = rn.resnet20({
        inputShape: [32, 32, 1],
        classes: 10,
        classifierActivation: activation,
      });
      const t = tfResnetCifar(20, [32, 32, 1], 10, activation);
      try {
        randomizeWeights(m, 100);
        copyToTf(m, t);
        const x = rand(3 * 32 * 32, 7);
        const zy = m.predict(rn.tensor(x, [3, 32, 32, 1]));
        const ty = t.predict(tf.tensor(x, [3, 32, 32, 1])) as tf.Tensor;
        const a = zy.dataSync();
        const b = ty.dataSync();
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
        // Not a degenerate output: logits of order 1, probabilities far from one-hot.
        if (activation === 'linear') {
          const spread = Math.max(...b) - Math.min(...b);
          expect(spread).toBeGreaterThan(0.5);
          expect(spread).toBeLessThan(100);
        } else {
          expect(Math.max(...b)).toBeLessThan(0.99);
        }
        zy.dispose();
        ty.dispose();
      } finally {
        m.dispose();
        t.dispose();
      }
    }
  });

  it('rejects a wrong input size, naming the model and both shapes', () => {
    const m = rn.resnet20();
    expect(() => m.predict(rn.zeros([1, 28, 28, 3]))).toThrow(
      /resnet20.*\[null,32,32,3\].*\[1,28,28,3\]/,
    );
    expect(() => m.predict(rn.zeros([1, 32, 32, 1]))).toThrow(/\[null,32,32,3\]/);
    m.dispose();
  });
});

// ---------------------------------------------------------------------------------------------

describe('residualBlock()', () => {
  it('basic: identity shortcut when the shape stays, projection (1x1 conv + BN) when it changes', () => {
    const inp = rn.input({ shape: [8, 8, 16] });
    const a = rn.residualBlock(inp, { filters: 16, kind: 'basic', namePrefix: 'b1' });
    expect(a.shape).toEqual([null, 8, 8, 16]);
    const b = rn.residualBlock(a, { filters: 32, strides: 2, kind: 'basic', namePrefix: 'b2' });
    expect(b.shape).toEqual([null, 4, 4, 32]);
    const m = rn.model({ inputs: inp, outputs: b });
    const names = m.layers.map((l) => l.name);
    expect(names.filter((n) => n.startsWith('b1_'))).toEqual(
      expect.arrayContaining([
        'b1_1_conv',
        'b1_1_bn',
        'b1_1_relu',
        'b1_2_conv',
        'b1_2_bn',
        'b1_add',
        'b1_out',
      ]),
    );
    expect(names.filter((n) => n.startsWith('b1_')).length).toBe(7);
    expect(names).toContain('b2_0_conv');
    expect(names).toContain('b2_0_bn');
    // b1: 2 x (3*3*16*16 + 16) + 2 x 4*16; b2: 3*3*16*32+32 + 3*3*32*32+32 + 16*32+32 + 3 x 4*32.
    expect(m.countParams()).toBe(2 * 2320 + 2 * 64 + (4640 + 9248 + 544 + 3 * 128));
    m.dispose();
  });

  it('bottleneck: 1x1, 3x3, 1x1 with 4x expansion, stride on the first or the middle convolution', () => {
    const inp = rn.input({ shape: [16, 16, 64] });
    const y = rn.residualBlock(inp, {
      filters: 32,
      kind: 'bottleneck',
      strides: 2,
      namePrefix: 'k',
    });
    expect(y.shape).toEqual([null, 8, 8, 128]);
    const m = rn.model({ inputs: inp, outputs: y });
    const conv = (n: string) => m.getLayer(n) as rn.Conv2D;
    expect(conv('k_1_conv').kernelSize).toEqual([1, 1]);
    expect(conv('k_1_conv').strides).toEqual([2, 2]);
    expect(conv('k_2_conv').kernelSize).toEqual([3, 3]);
    expect(conv('k_2_conv').strides).toEqual([1, 1]);
    expect(conv('k_3_conv').kernel!.shape).toEqual([1, 1, 32, 128]);
    expect(conv('k_0_conv').kernel!.shape).toEqual([1, 1, 64, 128]);
    m.dispose();
    const inp2 = rn.input({ shape: [16, 16, 64] });
    const y2 = rn.residualBlock(inp2, {
      filters: 32,
      kind: 'bottleneck',
      strides: 2,
      bottleneckStride: 'middle',
      namePrefix: 'v15',
    });
    const m2 = rn.model({ inputs: inp2, outputs: y2 });
    expect((m2.getLayer('v15_1_conv') as rn.Conv2D).strides).toEqual([1, 1]);
    expect((m2.getLayer('v15_2_conv') as rn.Conv2D).strides).toEqual([2, 2]);
    m2.dispose();
    // Identity bottleneck: input channels = 4 x filters.
    const inp3 = rn.input({ shape: [4, 4, 128] });
    const y3 = rn.residualBlock(inp3, { filters: 32, kind: 'bottleneck' });
    const m3 = rn.model({ inputs: inp3, outputs: y3 });
    expect(countBy(m3).Conv2D).toBe(3);
    m3.dispose();
  });

  it('rejects an identity shortcut across a shape change and bad options, naming the block', () => {
    const inp = rn.input({ shape: [8, 8, 16] });
    expect(() =>
      rn.residualBlock(inp, { filters: 32, projection: false, namePrefix: 'conv3_block1' }),
    ).toThrow(/residualBlock 'conv3_block1'.*identity shortcut.*\[null,8,8,16\].*32 channels/);
    expect(() => rn.residualBlock(inp, { filters: 16, strides: 2, projection: false })).toThrow(
      /stride 2/,
    );
    expect(() => rn.residualBlock(inp, { filters: 0 })).toThrow(
      /filters must be a positive integer/,
    );
    expect(() => rn.residualBlock(inp, { filters: 8, kind: 'wide' as 'basic' })).toThrow(/kind/);
    const flat = rn.input({ shape: [10] });
    expect(() => rn.residualBlock(flat, { filters: 8 })).toThrow(/rank 4/);
    expect(() => rn.residualBlock(rn.zeros([1, 4, 4, 8]) as never, { filters: 8 })).toThrow(
      /symbolic tensor/,
    );
  });

  it('add() refuses inputs of different shapes, naming the layer', () => {
    const a = rn.input({ shape: [8, 8, 16] });
    const b = rn.input({ shape: [8, 8, 32] });
    expect(() => rn.add({ name: 'my_add' }).apply([a, b])).toThrow(/my_add/);
    expect(rn.layers.batchNormalization({ name: 'bn_x' })).toBeInstanceOf(rn.BatchNormalization);
    expect(rn.layers.add()).toBeInstanceOf(rn.Add);
    expect(rn.layers.conv2d({ filters: 2, kernelSize: 1 })).toBeInstanceOf(rn.Conv2D);
    expect(rn.activation({ activation: 'relu' })).toBeInstanceOf(rn.Activation);
  });
});

describe('training', () => {
  it('a tiny ResNet learns a toy problem; batch norm then predicts from its moving statistics', async () => {
    rn.setSeed(3);
    // Class 1: a bright left half; class 0: a bright right half; plus noise.
    const n = 64;
    const s = 8;
    const xs = new Float32Array(n * s * s);
    const ys = new Int32Array(n);
    const noise = rand(n * s * s, 11, -0.3, 0.3);
    for (let i = 0; i < n; i++) {
      ys[i] = i % 2;
      for (let r = 0; r < s; r++) {
        for (let c = 0; c < s; c++) {
          const bright = ys[i] === 1 ? c < s / 2 : c >= s / 2;
          xs[(i * s + r) * s + c] = (bright ? 1 : 0) + noise[(i * s + r) * s + c];
        }
      }
    }
    const x = rn.tensor(xs, [n, s, s, 1]);
    const y = rn.tensor(ys, [n], 'int32');
    const inp = rn.input({ shape: [s, s, 1] });
    let h = rn
      .conv2d({ filters: 8, kernelSize: 3, padding: 'same' })
      .apply(inp) as rn.SymbolicTensor;
    h = rn.residualBlock(h, { filters: 8 });
    h = rn.residualBlock(h, { filters: 16, strides: 2 });
    h = rn.globalAveragePooling2d().apply(h) as rn.SymbolicTensor;
    const out = rn.dense({ units: 2, activation: 'softmax' }).apply(h) as rn.SymbolicTensor;
    const m = rn.model({ inputs: inp, outputs: out });
    m.compile({
      optimizer: rn.train.adam(0.01),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const bn = m.layers.find((l) => l instanceof rn.BatchNormalization) as rn.BatchNormalization;
    const mean0 = bn.movingMean!.dataSync().slice();
    const first = m.trainOnBatch(x, y) as number[];
    let last = first;
    for (let i = 0; i < 25; i++) last = m.trainOnBatch(x, y) as number[];
    expect(last[0]).toBeLessThan(first[0] * 0.5);
    expect(last[1]).toBeGreaterThan(0.9);
    // Training moved the moving statistics; inference does not depend on the batch.
    expect(maxAbsDiff(bn.movingMean!.dataSync(), mean0)).toBeGreaterThan(1e-4);
    const all = m.predict(x).dataSync();
    const one = m.predict(rn.slice(x, [5, 0, 0, 0], [1, s, s, 1])).dataSync();
    expect(maxAbsDiff(one, all.slice(10, 12))).toBeLessThan(1e-5);
    const before = bn.movingMean!.dataSync().slice();
    m.predict(x).dispose();
    expect(maxAbsDiff(bn.movingMean!.dataSync(), before)).toBe(0);
    m.dispose();
    rn.dispose([x, y]);
  });

  it('ResNet-20 takes an SGD step with weight decay in the loss', () => {
    rn.setSeed(4);
    const m = rn.resnet20({ inputShape: [16, 16, 1], classes: 3, weightDecay: 1e-2 });
    const plain = rn.resnet20({ inputShape: [16, 16, 1], classes: 3, weightDecay: 0 });
    plain.setWeights(m.getWeights());
    const x = rn.tensor(rand(4 * 16 * 16, 9), [4, 16, 16, 1]);
    const y = rn.tensor(Int32Array.of(0, 1, 2, 1), [4], 'int32');
    m.compile({
      optimizer: rn.train.sgd(0.05, { momentum: 0.9 }),
      loss: 'sparseCategoricalCrossentropy',
    });
    plain.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    // The evaluation loss of the decayed model adds 1e-2 · Σ‖kernel‖² to the plain one's.
    const penalty = m.layers
      .filter((l) => (l as rn.Conv2D).kernelRegularizer != null)
      .reduce(
        (acc, l) =>
          acc + Array.from((l as rn.Conv2D).kernel!.dataSync()).reduce((a, v) => a + v * v, 0),
        0,
      );
    const le = (m.evaluate(x, y) as rn.Tensor).dataSync()[0];
    const lp = (plain.evaluate(x, y) as rn.Tensor).dataSync()[0];
    expect(le - lp).toBeCloseTo(1e-2 * penalty, 3);
    const l0 = m.trainOnBatch(x, y) as number;
    let l = l0;
    for (let i = 0; i < 4; i++) l = m.trainOnBatch(x, y) as number;
    expect(Number.isFinite(l)).toBe(true);
    expect(l).toBeLessThan(l0);
    m.dispose();
    plain.dispose();
    rn.dispose([x, y]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('loadWeights()', () => {
  async function artifactsOf(m: rn.LayersModel): Promise<rn.ModelArtifacts> {
    let saved: rn.ModelArtifacts | undefined;
    await m.save(
      rn.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return saved!;
  }

  it('fills a freshly built model by weight name, whatever the order of the file', async () => {
    const a = rn.resnet20({ inputShape: [16, 16, 1], classes: 4 });
    randomizeWeights(a, 7);
    const art = await artifactsOf(a);
    // Reverse the file's weights: loading goes by name, not position.
    const specs = art.weightSpecs!;
    const data = new Float32Array(art.weightData as ArrayBuffer);
    const chunks: Float32Array[] = [];
    let o = 0;
    for (const s of specs) {
      const size = s.shape.reduce((p, d) => p * d, 1);
      chunks.push(data.slice(o, o + size));
      o += size;
    }
    const rev = new Float32Array(data.length);
    let p = 0;
    for (const c of [...chunks].reverse()) {
      rev.set(c, p);
      p += c.length;
    }
    const reversed = { ...art, weightSpecs: [...specs].reverse(), weightData: rev.buffer };
    const b = rn.resnet20({ inputShape: [16, 16, 1], classes: 4 });
    const r = await rn.loadWeights(b, rn.io.fromMemory(reversed));
    expect(r.loaded.length).toBe(specs.length);
    const x = rn.tensor(rand(2 * 256, 3), [2, 16, 16, 1]);
    expect(maxAbsDiff(a.predict(x).dataSync(), b.predict(x).dataSync())).toBe(0);
    // The file also loads as a whole model through @zoo/core.
    const c = await rn.loadLayersModel(rn.io.fromMemory(art));
    expect(maxAbsDiff(a.predict(x).dataSync(), c.predict(x).dataSync())).toBeLessThan(1e-6);
    rn.dispose(x);
    for (const m of [a, b, c]) m.dispose();
  });

  it('names the layer when the file does not fit the architecture', async () => {
    const a = rn.resnet20({ inputShape: [16, 16, 1], classes: 4 });
    const art = await artifactsOf(a);
    const other = rn.resnet20({ inputShape: [16, 16, 1], classes: 5 });
    await expect(rn.loadWeights(other, rn.io.fromMemory(art))).rejects.toThrow(
      /layer 'predictions': weight 'predictions\/kernel' has shape \[64,5\] in the model but \[64,4\] in the file/,
    );
    const deeper = rn.resnet32({ inputShape: [16, 16, 1], classes: 4 });
    await expect(rn.loadWeights(deeper, rn.io.fromMemory(art))).rejects.toThrow(
      /layer 'conv2_block4_1_conv': the file has no weight 'conv2_block4_1_conv\/kernel'/,
    );
    const r = await rn.loadWeights(deeper, rn.io.fromMemory(art), { strict: false });
    expect(r.missing.length).toBeGreaterThan(0);
    expect(r.skipped).toEqual([]);
    const shallow = rn.resnetCifar({ depth: 14, inputShape: [16, 16, 1], classes: 4 });
    await expect(rn.loadWeights(shallow, rn.io.fromMemory(art))).rejects.toThrow(
      /weight 'conv2_block3_1_conv\/kernel' \(layer 'conv2_block3_1_conv'\) that the model does not/,
    );
    await expect(rn.loadWeights(shallow, 'model.json')).rejects.toThrow(/file:\/\//);
    for (const m of [a, other, deeper, shallow]) m.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('stepDecay: every dropEvery or at boundaries', () => {
    const s = rn.stepDecay({ initial: 0.1, dropEvery: 10, factor: 0.5 });
    expect(s.unit).toBe('epoch');
    expect([0, 9, 10, 19.5, 20, 35].map(s)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    const b = rn.stepDecay({ initial: 0.1, boundaries: [32000, 48000], unit: 'step' });
    expect(b.unit).toBe('step');
    expect(b(0)).toBe(0.1);
    expect(b(31999)).toBe(0.1);
    expect(b(32000)).toBeCloseTo(0.01, 12);
    expect(b(64000)).toBeCloseTo(0.001, 12);
  });

  it('cosineDecay: Keras formula, alpha floor, linear warm-up', () => {
    const c = rn.cosineDecay({ initial: 0.1, epochs: 30, alpha: 0.01 });
    expect(c(0)).toBeCloseTo(0.1, 12);
    expect(c(15)).toBeCloseTo(0.1 * (0.99 * 0.5 + 0.01), 12);
    expect(c(30)).toBeCloseTo(0.001, 12);
    expect(c(45)).toBeCloseTo(0.001, 12);
    expect(c(7.5)).toBeCloseTo(0.1 * (0.99 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.01), 12);
    const w = rn.cosineDecay({ initial: 0.2, decaySteps: 100, warmup: 10 });
    expect(w.unit).toBe('step');
    expect(w(0)).toBe(0);
    expect(w(5)).toBeCloseTo(0.1, 12);
    expect(w(10)).toBeCloseTo(0.2, 12);
    expect(w(60)).toBeCloseTo(0.1, 12);
    expect(w(110)).toBeCloseTo(0, 12);
  });

  it('rejects bad options', () => {
    expect(() => rn.stepDecay({ initial: 0.1 })).toThrow(/dropEvery or boundaries/);
    expect(() => rn.stepDecay({ initial: 0.1, boundaries: [5, 3] })).toThrow(/increasing/);
    expect(() => rn.stepDecay({ initial: -1, dropEvery: 3 })).toThrow(/initial/);
    expect(() => rn.cosineDecay({ initial: 0.1 })).toThrow(/epochs or decaySteps/);
    expect(() => rn.cosineDecay({ initial: 0.1, epochs: 3, alpha: 2 })).toThrow(/alpha/);
    expect(() => rn.learningRateScheduler(3 as never)).toThrow(/must be a function/);
    expect(() =>
      rn.learningRateScheduler((e: number) => 0.1 / (e + 1), { updateEvery: 'batch' }),
    ).toThrow(/per epoch/);
  });

  it('LearningRateScheduler drives the optimizer in fit, per epoch or per batch', async () => {
    const x = rn.tensor(rand(40 * 3, 1), [40, 3]);
    const y = rn.tensor(rand(40, 2), [40, 1]);
    const run = async (cb: rn.LearningRateScheduler, initialEpoch = 0) => {
      const m = rn.sequential({ layers: [rn.dense({ units: 1, inputShape: [3] })] });
      m.compile({ optimizer: rn.train.sgd(1), loss: 'meanSquaredError' });
      const seen: number[] = [];
      await m.fit(x, y, {
        epochs: 3,
        initialEpoch,
        batchSize: 10, // 4 batches per epoch
        shuffle: false,
        verbose: 0,
        callbacks: [cb, { onBatchEnd: () => void seen.push(m.optimizer!.learningRate) }],
      });
      m.dispose();
      return seen;
    };
    const perEpoch = await run(
      rn.learningRateScheduler(rn.stepDecay({ initial: 0.1, dropEvery: 1 })),
    );
    expect(perEpoch.length).toBe(12);
    expect(perEpoch[0]).toBeCloseTo(0.1, 12);
    expect(perEpoch[3]).toBeCloseTo(0.1, 12);
    expect(perEpoch[4]).toBeCloseTo(0.01, 12);
    expect(perEpoch[11]).toBeCloseTo(0.001, 12);
    const cos = rn.cosineDecay({ initial: 0.1, epochs: 3 });
    const perBatch = await run(rn.learningRateScheduler(cos, { updateEvery: 'batch' }));
    for (const [i, lr] of perBatch.entries())
      expect(lr).toBeCloseTo(cos(Math.floor(i / 4) + (i % 4) / 4), 12);
    const steps = rn.cosineDecay({ initial: 0.1, decaySteps: 12 });
    const bySteps = await run(rn.learningRateScheduler(steps));
    for (const [i, lr] of bySteps.entries()) expect(lr).toBeCloseTo(steps(i), 12);
    // Resuming at epoch 2 continues the curve; Keras-style (epoch, lr) functions work too.
    const resumed = await run(rn.learningRateScheduler(steps), 2);
    for (const [i, lr] of resumed.entries()) expect(lr).toBeCloseTo(steps(8 + i), 12);
    const keras = await run(rn.learningRateScheduler((epoch, lr) => (epoch === 0 ? 0.3 : lr / 2)));
    expect([keras[0], keras[4], keras[8]].map((v) => Number(v.toFixed(6)))).toEqual([
      0.3, 0.15, 0.075,
    ]);
    rn.dispose([x, y]);
  });
});

describe('errors of the ready-made models', () => {
  it('name the function and the offending option', () => {
    expect(() => rn.resnet50({ weights: 'imagenet' as never })).toThrow(
      /resnet50: only weights: null.*loadWeights/,
    );
    expect(() => rn.resnet50({ inputShape: [16, 16, 3] })).toThrow(
      /resnet50: inputShape.*at least 32/,
    );
    expect(() => rn.resnet50({ inputShape: [null, null, 3] })).toThrow(/resnet50: inputShape/);
    expect(() => rn.resnet18({ pooling: 'sum' as 'avg', includeTop: false })).toThrow(/pooling/);
    expect(() => rn.resnet34({ classes: 0 })).toThrow(/resnet34: classes/);
    expect(() => rn.resnet50({ inputshape: [224, 224, 3] } as never)).toThrow(
      /unknown option 'inputshape'/,
    );
    expect(() => rn.resnetCifar({ depth: 21 })).toThrow(/6n \+ 2/);
    expect(() => rn.resnet20({ inputShape: [32, 32] })).toThrow(/resnet20: inputShape/);
    expect(() => rn.resnet20({ weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => rn.resnet20({ clases: 10 } as never)).toThrow(/resnet20: unknown option 'clases'/);
  });

  it('a model with a top refuses another image size, naming the model and both shapes', () => {
    const m = rn.resnet18({ inputShape: [32, 32, 3], classes: 5 });
    expect(() => m.predict(rn.zeros([1, 64, 64, 3]))).toThrow(
      /resnet18: expected input of shape \[null,32,32,3\], got \[1,64,64,3\]/,
    );
    m.dispose();
  });
});
