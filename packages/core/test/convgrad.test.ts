// The Winograd gradients of 3x3 stride-1 convolutions (ops/convgrad.ts: taken with at least 8
// output channels, 8 input channels when the input's gradient is wanted, and 8 4x4 output
// tiles) against TF.js and
// finite differences, on odd shapes and every padding the path accepts, alone and fused with
// a bias and relu, in a training step of a model.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

interface Case {
  x: [number, number, number, number];
  oc: number;
  pad: 'same' | 'valid' | number;
}

const cases: Case[] = [
  { x: [2, 7, 9, 8], oc: 8, pad: 'same' },
  { x: [3, 13, 6, 9], oc: 11, pad: 'valid' },
  { x: [1, 9, 9, 17], oc: 12, pad: 2 },
  { x: [1, 9, 11, 16], oc: 33, pad: 1 },
  { x: [4, 8, 8, 32], oc: 16, pad: 'same' },
  { x: [2, 5, 17, 8], oc: 9, pad: 'same' },
];

// Sums of up to ~300 products with Winograd's rounding (the forward pass without a tape takes
// the inference Winograd path too): absolute slack as conv.test.ts's larger cases (values and
// gradients of magnitude ~10).
const tol = { rtol: 1e-4, atol: 1e-4, gradRtol: 1e-4, gradAtol: 1e-4 };

describe('conv2d gradients by Winograd (3x3, stride 1, >= 8 channels)', () => {
  for (const c of cases) {
    it(`x ${JSON.stringify(c.x)} filter 3x3→${c.oc} pad ${JSON.stringify(c.pad)}`, () => {
      checkOp({
        shapes: [c.x, [3, 3, c.x[3], c.oc]],
        zoo: (x, f) => zoo.conv2d(x, f, 1, c.pad),
        tf: (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, c.pad as 'same'),
        seed: 11 + c.x[1],
        ...tol,
      });
    });
  }

  // Few input channels (a first layer, whose input needs no gradient): the filter gradient
  // alone takes the Winograd path.
  for (const c of [
    { x: [2, 9, 10, 3], oc: 16, pad: 'same' },
    { x: [3, 8, 8, 1], oc: 8, pad: 'valid' },
  ] as Case[]) {
    it(`filter gradient only: x ${JSON.stringify(c.x)} filter 3x3→${c.oc} pad ${JSON.stringify(c.pad)}`, () => {
      checkOp({
        shapes: [c.x, [3, 3, c.x[3], c.oc]],
        zoo: (x, f) => zoo.conv2d(x, f, 1, c.pad),
        tf: (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, c.pad as 'same'),
        gradArgs: [1],
        seed: 21 + c.x[1],
        ...tol,
      });
    });
  }

  it('fused with a bias and relu: gradients of x, filter and bias match TF.js', () => {
    const xs: [number[], number[], number[]] = [[3, 10, 7, 12], [3, 3, 12, 10], [10]];
    const data = xs.map((s, i) =>
      rand(
        s.reduce((a, b) => a * b),
        40 + i,
      ),
    );
    const zx = data.map((d, i) => zoo.tensor(d, xs[i]));
    const tx = data.map((d, i) => tf.tensor(d, xs[i]));
    const wv = rand(3 * 10 * 7 * 10, 50);
    const zw = zoo.tensor(wv, [3, 10, 7, 10]);
    const tw = tf.tensor(wv, [3, 10, 7, 10]);
    const zf = (x: zoo.Tensor, f: zoo.Tensor, b: zoo.Tensor) =>
      zoo.sum(
        zoo.mul(
          zoo.fused.conv2d({ x, filter: f, bias: b, strides: 1, pad: 'same', activation: 'relu' }),
          zw,
        ),
      );
    const tff = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), b)), tw),
      );
    const zg = zoo.grads(zf as (...a: zoo.Tensor[]) => zoo.Tensor)(zx);
    const tg = tf.grads(tff as (...a: tf.Tensor[]) => tf.Tensor)(tx);
    zg.forEach((g, i) => {
      expect(g.shape).toEqual(xs[i]);
      expectClose(g.dataSync(), tg[i].dataSync(), 1e-4, 1e-4, `gradient ${i}`);
    });
    zoo.dispose([...zg, ...zx, zw]);
    tf.dispose([...tg, ...tx, tw]);
  });

  it('a model with 16-channel 3x3 convolutions trains: its loss falls', () => {
    zoo.setSeed(3);
    const m = zoo.sequential({
      layers: [
        zoo.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 16,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        zoo.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
        zoo.layers.globalAveragePooling2d({}),
        zoo.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: zoo.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const n = 24;
    const xv = new Float32Array(n * 12 * 12 * 3);
    const yv = new Int32Array(n);
    const r = rand(xv.length, 60);
    for (let i = 0; i < n; i++) {
      yv[i] = i % 3;
      // Class k brightens channel k.
      for (let p = 0; p < 144; p++) {
        for (let ch = 0; ch < 3; ch++) {
          const o = (i * 144 + p) * 3 + ch;
          xv[o] = r[o] * 0.5 + (ch === yv[i] ? 1 : 0);
        }
      }
    }
    const x = zoo.tensor(xv, [n, 12, 12, 3]);
    const y = zoo.tensor(yv, [n], 'int32');
    const first = m.trainOnBatch(x, y) as number;
    let last = first;
    for (let s = 0; s < 30; s++) last = m.trainOnBatch(x, y) as number;
    expect(last).toBeLessThan(first * 0.5);
    zoo.dispose([x, y]);
    m.dispose();
  });
});
