import { beforeAll, describe, expect, it } from 'vitest';
import { geometry, useDirect, useWinograd } from '../src/ops/conv.js';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

type Pad = 'same' | 'valid' | number;
type Pair = number | [number, number];

interface ConvCase {
  /** x shape [N, H, W, C]. */
  x: [number, number, number, number];
  /** Filter height, width and output channels. */
  k: [number, number, number];
  s: Pair;
  pad: Pad;
  d?: Pair;
}

const cases: ConvCase[] = [
  { x: [1, 1, 1, 1], k: [1, 1, 1], s: 1, pad: 'valid' },
  { x: [1, 1, 1, 4], k: [3, 3, 3], s: 1, pad: 'same' },
  { x: [2, 3, 3, 3], k: [3, 3, 3], s: 1, pad: 'same' },
  { x: [1, 3, 3, 3], k: [3, 3, 16], s: 2, pad: 'same' },
  { x: [2, 3, 7, 4], k: [2, 3, 1], s: 1, pad: 'valid' },
  { x: [1, 7, 7, 4], k: [3, 3, 16], s: 2, pad: 'same' },
  { x: [3, 9, 9, 8], k: [5, 5, 3], s: 1, pad: 'valid' },
  { x: [1, 7, 9, 3], k: [2, 3, 16], s: [1, 2], pad: 'same' },
  { x: [2, 9, 7, 1], k: [3, 3, 1], s: 2, pad: 'valid' },
  { x: [1, 9, 9, 3], k: [2, 3, 3], s: [1, 2], pad: 'valid' },
  { x: [3, 7, 7, 8], k: [1, 1, 16], s: 1, pad: 'same' },
  { x: [2, 9, 9, 3], k: [1, 1, 3], s: 2, pad: 'valid' },
  { x: [1, 7, 7, 3], k: [3, 3, 3], s: 1, pad: 1 },
  { x: [2, 9, 9, 4], k: [5, 5, 16], s: 2, pad: 2 },
  { x: [1, 7, 3, 1], k: [2, 3, 3], s: 2, pad: 1 },
  { x: [1, 9, 7, 4], k: [1, 1, 1], s: 1, pad: 1 },
  { x: [1, 28, 28, 1], k: [5, 5, 16], s: 1, pad: 'same' },
  { x: [1, 28, 28, 3], k: [3, 3, 16], s: 2, pad: 'valid' },
  // Dilations (TF.js needs stride 1 with them).
  { x: [1, 7, 7, 4], k: [3, 3, 3], s: 1, pad: 'same', d: 2 },
  { x: [2, 9, 9, 3], k: [2, 3, 16], s: 1, pad: 'valid', d: 2 },
  { x: [1, 9, 7, 1], k: [3, 2, 1], s: 1, pad: 'same', d: [2, 1] },
  { x: [1, 9, 9, 8], k: [5, 5, 3], s: 1, pad: 'same', d: 2 },
  { x: [1, 9, 9, 3], k: [3, 3, 3], s: 1, pad: 2, d: 2 },
];

const pairOf = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * The filter with (d - 1) zero rows/columns inserted between taps, so that an undilated conv
 * with it equals the dilated conv. TF.js cannot differentiate conv2d with dilations > 1
 * ("dilation rates greater than 1 are not yet supported in gradients"), but it differentiates
 * stack / reshape / slice, so this gives TF reference gradients for dilated convolutions.
 */
function dilateFilter(f: tf.Tensor, d: [number, number]): tf.Tensor4D {
  const [kh, kw, c, oc] = f.shape;
  let g = f;
  if (d[0] > 1) {
    const parts = [g, ...Array.from({ length: d[0] - 1 }, () => tf.zerosLike(g))];
    g = tf.slice(tf.reshape(tf.stack(parts, 1), [kh * d[0], kw, c, oc]), 0, (kh - 1) * d[0] + 1);
  }
  if (d[1] > 1) {
    const rows = g.shape[0];
    const parts = [g, ...Array.from({ length: d[1] - 1 }, () => tf.zerosLike(g))];
    g = tf.slice(
      tf.reshape(tf.stack(parts, 2), [rows, kw * d[1], c, oc]),
      [0, 0, 0, 0],
      [rows, (kw - 1) * d[1] + 1, c, oc],
    );
  }
  return g as tf.Tensor4D;
}

/** tf.conv2d, with a dilated conv computed through an explicitly dilated filter. */
function tfConv(x: tf.Tensor, f: tf.Tensor, s: Pair, pad: Pad, d: Pair = 1): tf.Tensor {
  const dd = pairOf(d);
  const filter = dd[0] > 1 || dd[1] > 1 ? dilateFilter(f, dd) : (f as tf.Tensor4D);
  return tf.conv2d(x as tf.Tensor4D, filter, s, pad as 'same');
}

const label = (c: ConvCase) =>
  `x ${JSON.stringify(c.x)} filter ${c.k[0]}x${c.k[1]}→${c.k[2]} strides ${JSON.stringify(c.s)} pad ${JSON.stringify(c.pad)}${c.d === undefined ? '' : ` dilations ${JSON.stringify(c.d)}`}`;

describe('conv2d matches TF.js (forward, gradients wrt x and filter, finite differences)', () => {
  it('the dilated-filter reference equals tf.conv2d with dilations (forward)', () => {
    const x = tf.tensor(rand(9 * 9 * 3, 1), [1, 9, 9, 3]);
    const f = tf.tensor(rand(3 * 2 * 3 * 4, 2), [3, 2, 3, 4]);
    const a = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', [2, 3]);
    const b = tfConv(x, f, 1, 'same', [2, 3]);
    expect(b.shape).toEqual(a.shape);
    expectClose(b.dataSync(), a.dataSync(), 1e-5, 1e-6, 'dilated reference');
    tf.dispose([x, f, a, b]);
  });

  for (const c of cases) {
    it(label(c), () => {
      const [kh, kw, oc] = c.k;
      checkOp({
        shapes: [c.x, [kh, kw, c.x[3], oc]],
        zoo: (x, f) => zoo.conv2d(x, f, c.s, c.pad, 'NHWC', c.d ?? 1),
        tf: (x, f) => tfConv(x, f, c.s, c.pad, c.d),
        seed: 3 + c.x[1] + kh,
      });
    });
  }

  // im2col works on chunks of images (about 16 MiB of columns each): this input splits the
  // batch into chunks of 2 + 1 images, and the filter gradient accumulates across chunks.
  // Sums of 1440 products: TF.js sums in another order, so the absolute slack is wider
  // (results are ~10 in magnitude, rounding differences ~1e-5).
  const big = { rtol: 1e-4, atol: 1e-4, gradRtol: 1e-4, gradAtol: 1e-4 };
  it('x [3,32,32,160] filter 3x3→1 same (one image per im2col chunk)', () => {
    checkOp({
      shapes: [
        [3, 32, 32, 160],
        [3, 3, 160, 1],
      ],
      zoo: (x, f) => zoo.conv2d(x, f, 1, 'same'),
      tf: (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'),
      ...big,
    });
  });

  it('a rank-3 input gives a rank-3 output', () => {
    checkOp({
      shapes: [
        [7, 9, 3],
        [3, 3, 3, 8],
      ],
      zoo: (x, f) => zoo.conv2d(x, f, 2, 'same'),
      tf: (x, f) => tf.conv2d(x as tf.Tensor3D, f as tf.Tensor4D, 2, 'same'),
    });
  });

  it('convolves a known image exactly', () => {
    zoo.tidy(() => {
      // 3x3 image 1..9, 2x2 filter of ones: each output is the sum of a 2x2 block.
      const x = zoo.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const f = zoo.ones([2, 2, 1, 1]);
      expect(Array.from(zoo.conv2d(x, f, 1, 'valid').dataSync())).toEqual([12, 16, 24, 28]);
      // 'same' with a 2x2 window pads only bottom and right.
      expect(Array.from(zoo.conv2d(x, f, 1, 'same').dataSync())).toEqual([
        12, 16, 9, 24, 28, 15, 15, 17, 9,
      ]);
      // Explicit padding 1 pads every side: corners see one cell.
      const p = zoo.conv2d(x, f, 2, 1).dataSync();
      expect(Array.from(p)).toEqual([1, 5, 11, 28]);
    });
  });
});

const TF_ACT: Record<zoo.FusedActivation, (t: tf.Tensor) => tf.Tensor> = {
  linear: (t) => t,
  relu: tf.relu,
  sigmoid: tf.sigmoid,
  tanh: tf.tanh,
  elu: tf.elu,
  relu6: tf.relu6,
  selu: tf.selu,
  softplus: tf.softplus,
  softsign: (t) => tf.div(t, tf.add(1, tf.abs(t))),
};

describe('fused.conv2d matches conv2d + bias + activation in TF.js', () => {
  const fusedCases: { c: ConvCase; act: zoo.FusedActivation; seed: number }[] = [
    { c: { x: [2, 7, 7, 3], k: [3, 3, 8], s: 1, pad: 'same' }, act: 'relu', seed: 44 },
    { c: { x: [1, 9, 9, 4], k: [3, 3, 16], s: 2, pad: 'valid' }, act: 'relu', seed: 5 },
    { c: { x: [2, 5, 5, 8], k: [1, 1, 3], s: 1, pad: 'valid' }, act: 'relu', seed: 9 },
    { c: { x: [1, 7, 7, 3], k: [3, 3, 3], s: 1, pad: 'same', d: 2 }, act: 'relu', seed: 13 },
    { c: { x: [2, 7, 7, 3], k: [3, 3, 4], s: 1, pad: 'same' }, act: 'linear', seed: 7 },
    { c: { x: [1, 7, 5, 3], k: [2, 3, 4], s: 2, pad: 1 }, act: 'sigmoid', seed: 7 },
    { c: { x: [1, 7, 7, 4], k: [3, 3, 3], s: 1, pad: 'valid' }, act: 'elu', seed: 7 },
    { c: { x: [1, 5, 5, 3], k: [3, 3, 4], s: 1, pad: 'same' }, act: 'tanh', seed: 7 },
    { c: { x: [1, 5, 5, 3], k: [2, 2, 4], s: 2, pad: 'same' }, act: 'softplus', seed: 7 },
    { c: { x: [1, 5, 5, 3], k: [3, 3, 2], s: 1, pad: 'valid' }, act: 'selu', seed: 7 },
  ];
  for (const { c, act, seed } of fusedCases) {
    it(`${act}: ${label(c)} with bias`, () => {
      const [kh, kw, oc] = c.k;
      const tfAct = TF_ACT[act];
      checkOp({
        shapes: [c.x, [kh, kw, c.x[3], oc], [oc]],
        zoo: (x, filter, bias) =>
          zoo.fused.conv2d({
            x,
            filter,
            bias,
            strides: c.s,
            pad: c.pad,
            dilations: c.d,
            activation: act,
          }),
        tf: (x, f, bias) => tfAct(tf.add(tfConv(x, f, c.s, c.pad, c.d), bias)),
        // Seeds (for relu) with no pre-activation within a finite-difference step of the kink.
        seed,
      });
    });
  }

  it('relu without bias, rank-3 input', () => {
    checkOp({
      shapes: [
        [5, 6, 3],
        [3, 3, 3, 4],
      ],
      zoo: (x, filter) => zoo.fused.conv2d({ x, filter, pad: 'same', activation: 'relu' }),
      tf: (x, f) => tf.relu(tf.conv2d(x as tf.Tensor3D, f as tf.Tensor4D, 1, 'same')),
      seed: 17,
    });
  });

  it('sigmoid with bias, rank-3 input', () => {
    checkOp({
      shapes: [[5, 6, 3], [3, 3, 3, 4], [4]],
      zoo: (x, filter, bias) =>
        zoo.fused.conv2d({ x, filter, bias, strides: 2, pad: 'same', activation: 'sigmoid' }),
      tf: (x, f, bias) =>
        tf.sigmoid(tf.add(tf.conv2d(x as tf.Tensor3D, f as tf.Tensor4D, 2, 'same'), bias)),
    });
  });

  it('equals tf.fused.conv2d with relu', () => {
    checkOp({
      shapes: [[2, 6, 6, 3], [3, 3, 3, 5], [5]],
      zoo: (x, filter, bias) =>
        zoo.fused.conv2d({ x, filter, bias, pad: 'same', activation: 'relu' }),
      tf: (x, filter, bias) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: filter as tf.Tensor4D,
          bias,
          strides: 1,
          pad: 'same',
          activation: 'relu',
        }),
      seed: 23,
    });
  });

  it('does not leak its pre-activation when not differentiated', () => {
    const before = zoo.memory().numTensors;
    const out = zoo.tidy(() =>
      zoo.fused.conv2d({
        x: zoo.tensor(rand(2 * 5 * 5 * 3, 1), [2, 5, 5, 3]),
        filter: zoo.tensor(rand(3 * 3 * 3 * 2, 2), [3, 3, 3, 2]),
        bias: zoo.tensor([0.5, -0.5]),
        activation: 'elu',
      }),
    );
    expect(zoo.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([2, 3, 3, 2]);
    out.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });
});

describe('fused.conv2d gradients when only some inputs need them (skipped work)', () => {
  // f(x, filter, bias) = sum(fused.conv2d(...) * weights); differentiate w.r.t. each subset
  // of the inputs, the others held as constants, and compare each gradient with TF.js.
  const subsets: [boolean, boolean, boolean][] = [
    [false, true, true],
    [true, false, false],
    [false, true, false],
    [false, false, true],
    [true, true, false],
    [true, false, true],
  ];
  const geoms: { c: ConvCase; act: 'relu' | 'linear' | 'tanh' }[] = [
    { c: { x: [3, 9, 9, 1], k: [3, 3, 8], s: 1, pad: 'valid' }, act: 'relu' },
    { c: { x: [2, 8, 8, 5], k: [3, 3, 7], s: 2, pad: 'same' }, act: 'linear' },
    { c: { x: [2, 6, 6, 4], k: [1, 1, 6], s: 1, pad: 'valid' }, act: 'tanh' },
    // Many images: several im2col chunks in the backward pass.
    { c: { x: [12, 14, 14, 16], k: [3, 3, 16], s: 1, pad: 'same' }, act: 'relu' },
  ];
  for (const { c, act } of geoms) {
    it(`${act}: ${label(c)}`, () => {
      const [kh, kw, oc] = c.k;
      const fShape = [kh, kw, c.x[3], oc];
      const xs = [
        rand(
          c.x.reduce((a, b) => a * b),
          3,
        ),
        rand(kh * kw * c.x[3] * oc, 4),
        rand(oc, 5),
      ];
      const shapes = [c.x, fShape, [oc]];
      const zx = xs.map((v, i) => zoo.tensor(v, shapes[i]));
      const tx = xs.map((v, i) => tf.tensor(v, shapes[i]));
      const zy = zoo.fused.conv2d({
        x: zx[0],
        filter: zx[1],
        bias: zx[2],
        strides: c.s,
        pad: c.pad,
        activation: act,
      });
      const wv = rand(zy.size, 6);
      const wShape = zy.shape.slice();
      zy.dispose();
      const zw = zoo.tensor(wv, wShape);
      const tw = tf.tensor(wv, wShape);
      const tfAct = TF_ACT[act];
      for (const need of subsets) {
        const idx = [0, 1, 2].filter((i) => need[i]);
        const zf = (...args: zoo.Tensor[]) => {
          const v = [...zx];
          idx.forEach((i, j) => {
            v[i] = args[j];
          });
          const y = zoo.fused.conv2d({
            x: v[0],
            filter: v[1],
            bias: v[2],
            strides: c.s,
            pad: c.pad,
            activation: act,
          });
          return zoo.sum(zoo.mul(y, zw));
        };
        const tff = (...args: tf.Tensor[]) => {
          const v = [...tx];
          idx.forEach((i, j) => {
            v[i] = args[j];
          });
          const y = tfAct(tf.add(tfConv(v[0], v[1], c.s, c.pad), v[2]));
          return tf.sum(tf.mul(y, tw));
        };
        const zg = zoo.grads(zf)(idx.map((i) => zx[i]));
        const tg = tf.grads(tff)(idx.map((i) => tx[i]));
        idx.forEach((i, j) => {
          expect(zg[j].shape).toEqual(shapes[i]);
          expectClose(zg[j].dataSync(), tg[j].dataSync(), 1e-4, 1e-4, `input ${i} of ${need}`);
        });
        zoo.dispose(zg);
        tf.dispose(tg);
      }
      zoo.dispose([...zx, zw]);
      tf.dispose([...tx, tw]);
    });
  }
});

describe('conv2d errors', () => {
  it('rejects inputs of the wrong rank', () => {
    zoo.tidy(() => {
      const f = zoo.zeros([3, 3, 1, 1]);
      expect(() => zoo.conv2d(zoo.zeros([5, 5]), f, 1, 'same')).toThrow(
        'conv2d: input must be rank 4 [batch, height, width, channels] (or rank 3), got [5,5]',
      );
      expect(() => zoo.conv2d(zoo.zeros([1, 1, 5, 5, 1]), f, 1, 'same')).toThrow(
        'conv2d: input must be rank 4',
      );
      expect(() => zoo.conv2d(zoo.zeros([1, 5, 5, 1]), zoo.zeros([3, 3, 1]), 1, 'same')).toThrow(
        'conv2d: filter must be rank 4 [height, width, inChannels, outChannels], got [3,3,1]',
      );
    });
  });
  it('names both shapes when the channels do not match', () => {
    zoo.tidy(() => {
      expect(() => zoo.conv2d(zoo.zeros([1, 5, 5, 3]), zoo.zeros([3, 3, 4, 8]), 1, 'same')).toThrow(
        'conv2d: input has 3 channels but the filter expects 4: input [1,5,5,3], filter [3,3,4,8]',
      );
    });
  });
  it('rejects a window larger than the (padded) input', () => {
    zoo.tidy(() => {
      expect(() =>
        zoo.conv2d(zoo.zeros([1, 3, 3, 1]), zoo.zeros([5, 5, 1, 1]), 1, 'valid'),
      ).toThrow('conv2d: the 5x5 window (dilation 1x1) is larger than the input [1,3,3,1]');
      expect(() => zoo.conv2d(zoo.zeros([1, 3, 3, 1]), zoo.zeros([6, 2, 1, 1]), 1, 1)).toThrow(
        'conv2d: the 6x2 window (dilation 1x1) is larger than the padded input [1,3,3,1]',
      );
      // A 3x3 window dilated by 2 spans 5 cells.
      expect(() =>
        zoo.conv2d(zoo.zeros([1, 4, 9, 1]), zoo.zeros([3, 3, 1, 1]), 1, 'valid', 'NHWC', 2),
      ).toThrow('conv2d: the 3x3 window (dilation 2x2) is larger than the input [1,4,9,1]');
    });
  });
  it('rejects zero, negative and fractional strides and dilations', () => {
    zoo.tidy(() => {
      const x = zoo.zeros([1, 5, 5, 1]);
      const f = zoo.zeros([3, 3, 1, 1]);
      expect(() => zoo.conv2d(x, f, 0, 'same')).toThrow(
        'conv2d: strides must be positive integers, got 0',
      );
      expect(() => zoo.conv2d(x, f, [1, -2], 'same')).toThrow(
        'conv2d: strides must be positive integers, got [1,-2]',
      );
      expect(() => zoo.conv2d(x, f, 1.5, 'same')).toThrow('conv2d: strides must be positive');
      expect(() => zoo.conv2d(x, f, 1, 'same', 'NHWC', 0)).toThrow(
        'conv2d: dilations must be positive integers, got 0',
      );
    });
  });
  it('rejects bad padding, int32 tensors, NCHW and a bias of the wrong shape', () => {
    zoo.tidy(() => {
      const x = zoo.zeros([1, 5, 5, 2]);
      const f = zoo.zeros([3, 3, 2, 4]);
      expect(() => zoo.conv2d(x, f, 1, -1)).toThrow(
        "conv2d: pad must be 'same', 'valid' or a non-negative integer, got -1",
      );
      expect(() => zoo.conv2d(x, f, 1, 'full' as 'same')).toThrow('conv2d: pad must be');
      expect(() => zoo.conv2d(zoo.zeros([1, 5, 5, 2], 'int32'), f, 1, 'same')).toThrow(
        'conv2d: expected float32 tensors, got int32 [1,5,5,2]',
      );
      expect(() => zoo.conv2d(x, f, 1, 'same', 'NCHW' as 'NHWC')).toThrow(
        "conv2d: only dataFormat 'NHWC' is supported, got 'NCHW'",
      );
      expect(() => zoo.fused.conv2d({ x, filter: f, bias: zoo.zeros([2]) })).toThrow(
        'conv2d: bias must have shape [4], got [2]',
      );
      // An int32 bias was once read as float bits (1 became 1.4e-45).
      expect(() => zoo.fused.conv2d({ x, filter: f, bias: zoo.zeros([4], 'int32') })).toThrow(
        'conv2d: expected float32 tensors, got int32 [4]',
      );
      // An unknown activation once ran kernel op 0 (negation).
      expect(() => zoo.fused.conv2d({ x, filter: f, activation: 'prelu' as 'relu' })).toThrow(
        'conv2d: unsupported activation "prelu"',
      );
    });
  });
  it('leaves no tensors behind when it throws', () => {
    const before = zoo.memory().numTensors;
    zoo.tidy(() => {
      expect(() => zoo.conv2d(zoo.zeros([1, 5, 5, 3]), zoo.zeros([3, 3, 4, 8]), 1, 'same')).toThrow(
        'channels',
      );
    });
    expect(zoo.memory().numTensors).toBe(before);
  });
});

describe('inference paths match TF.js: Winograd F(2x2,3x3) and the few-channel direct kernel', () => {
  // Inference (no gradient recorded) runs 3x3 stride-1 convolutions with >= 8 channels in and
  // out by Winograd F(2x2, 3x3). Its rounding differs from a direct sum by ~1e-6 of the
  // output's scale (outputs here are up to ~10): held to 1e-5 relative and 1e-5 absolute, as
  // the layer tests hold every convolution.
  const WINO_TOL = { rtol: 1e-5, atol: 1e-5 };
  const wino: { c: ConvCase; act: zoo.FusedActivation; bias: boolean }[] = [
    { c: { x: [1, 13, 13, 8], k: [3, 3, 8], s: 1, pad: 'same' }, act: 'relu', bias: true },
    { c: { x: [3, 7, 9, 33], k: [3, 3, 9], s: 1, pad: 'valid' }, act: 'linear', bias: true },
    { c: { x: [2, 33, 3, 9], k: [3, 3, 33], s: 1, pad: 'same' }, act: 'relu', bias: false },
    { c: { x: [1, 12, 11, 16], k: [3, 3, 12], s: 1, pad: 2 }, act: 'sigmoid', bias: true },
    { c: { x: [1, 33, 33, 8], k: [3, 3, 33], s: 1, pad: 'valid' }, act: 'relu', bias: true },
    { c: { x: [7, 13, 13, 32], k: [3, 3, 64], s: 1, pad: 'valid' }, act: 'relu', bias: true },
  ];
  for (const { c, act, bias } of wino) {
    it(`Winograd: ${act}${bias ? ' with bias' : ''}: ${label(c)}`, () => {
      const [kh, kw, oc] = c.k;
      const g = geometry('conv2d', c.x, kh, kw, oc, c.s, c.pad);
      expect(useWinograd(g, false), 'takes the Winograd path').toBe(true);
      const tfAct = TF_ACT[act];
      const shapes = [c.x, [kh, kw, c.x[3], oc], ...(bias ? [[oc]] : [])];
      checkOp({
        shapes,
        zoo: (x, filter, b) =>
          zoo.fused.conv2d({ x, filter, bias: b, strides: c.s, pad: c.pad, activation: act }),
        tf: (x, f, b) => {
          const y = tfConv(x, f, c.s, c.pad);
          return tfAct(b === undefined ? y : tf.add(y, b));
        },
        gradArgs: [],
        seed: 31 + c.x[1],
        ...WINO_TOL,
      });
    });
  }

  it('the direct few-channel kernel serves 1 to 4 input channels, forward and gradients', () => {
    const direct: ConvCase[] = [
      { x: [2, 28, 28, 1], k: [3, 3, 32], s: 1, pad: 'valid' },
      { x: [1, 7, 9, 3], k: [5, 3, 8], s: [1, 2], pad: 'same' },
      { x: [3, 9, 9, 4], k: [3, 3, 12], s: 1, pad: 'same', d: 2 },
      { x: [1, 1, 1, 1], k: [3, 3, 4], s: 1, pad: 'same' },
      { x: [2, 7, 3, 2], k: [2, 2, 36], s: 2, pad: 1 },
    ];
    for (const c of direct) {
      const [kh, kw, oc] = c.k;
      const g = geometry('conv2d', c.x, kh, kw, oc, c.s, c.pad, c.d ?? 1);
      expect(useDirect(g), `${label(c)} takes the direct path`).toBe(true);
      checkOp({
        shapes: [c.x, [kh, kw, c.x[3], oc], [oc]],
        zoo: (x, filter, b) =>
          zoo.fused.conv2d({
            x,
            filter,
            bias: b,
            strides: c.s,
            pad: c.pad,
            dilations: c.d,
            activation: 'relu',
          }),
        tf: (x, f, b) => tf.relu(tf.add(tfConv(x, f, c.s, c.pad, c.d), b)),
        fd: false,
        seed: 41 + c.x[1],
      });
    }
  });

  it('a Conv2D layer caches its filter transform and follows every way its weights change', () => {
    // 5x7 images: 12 tiles, below the uncached threshold, so only the layer's cache takes the
    // Winograd path here.
    const shape: [number, number, number, number] = [1, 5, 7, 8];
    const layer = new zoo.Conv2D({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [5, 7, 8],
    });
    const x = zoo.tensor(rand(5 * 7 * 8, 5, -1.5, 1.5), shape);
    const tx = tf.tensor(x.dataSync(), shape);
    (layer.apply(x) as zoo.Tensor).dispose();
    const g = geometry('conv2d', shape, 3, 3, 16, 1, 'same');
    expect(useWinograd(g, false)).toBe(false);
    expect(useWinograd(g, true)).toBe(true);
    const check = (what: string) => {
      const [k, b] = layer.getWeights();
      const want = tf.tidy(() =>
        tf
          .relu(
            tf.add(
              tf.conv2d(tx as tf.Tensor4D, tf.tensor4d(k.dataSync(), [3, 3, 8, 16]), 1, 'same'),
              tf.tensor(b.dataSync(), [...b.shape]),
            ),
          )
          .dataSync(),
      );
      const y = layer.apply(x) as zoo.Tensor;
      expectClose(y.dataSync(), want, WINO_TOL.rtol, WINO_TOL.atol, what);
      y.dispose();
    };
    const before = zoo.memory().numTensors;
    check('first call');
    check('cached transform');
    expect(zoo.memory().numTensors, 'the cache holds no tensors').toBe(before);
    // setWeights.
    zoo.tidy(() =>
      layer.setWeights([
        zoo.tensor(rand(3 * 3 * 8 * 16, 6), [3, 3, 8, 16]),
        zoo.tensor(rand(16, 7), [16]),
      ]),
    );
    check('after setWeights');
    // A raw in-place write to the kernel (as an optimizer does), flipping one weight's sign.
    const kernel = layer.getWeights()[0] as zoo.Variable;
    const v = kernel.dataSync();
    v[123] = -v[123];
    zoo.tidy(() => kernel.assign(zoo.tensor(v, kernel.shape)));
    check('after an in-place write');
    // A training step through a model, then predict.
    const m = zoo.sequential({
      layers: [layer, new zoo.Flatten(), zoo.layers.dense({ units: 2 })],
    });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    zoo.tidy(() => m.trainOnBatch(x, zoo.ones([1, 2])));
    check('after a training step');
    // The batch-1 prediction of the model equals the layers applied by hand with TF.js.
    const [k, b, dk, db] = m.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape]));
    const want = tf.tidy(() => {
      const h = tf.relu(tf.add(tf.conv2d(tx as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'), b));
      return tf.add(tf.matMul(tf.reshape(h, [1, -1]), dk), db).dataSync();
    });
    const p = m.predict(x);
    expectClose(p.dataSync(), want, 1e-5, 1e-4, 'model predict');
    p.dispose();
    tf.dispose([k, b, dk, db, tx]);
    m.dispose();
    m.dispose(); // twice is harmless
    x.dispose();
  });
});
