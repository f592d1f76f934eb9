import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

type Pad = 'same' | 'valid' | number;
type Pair = number | [number, number];

interface PoolCase {
  /** x shape [N, H, W, C] (or [H, W, C]). */
  x: number[];
  f: Pair;
  s: Pair;
  pad: Pad;
}

const cases: PoolCase[] = [
  { x: [1, 1, 1, 1], f: 1, s: 1, pad: 'valid' },
  { x: [2, 4, 4, 3], f: 2, s: 2, pad: 'valid' },
  { x: [1, 7, 7, 5], f: 3, s: 1, pad: 'same' },
  { x: [2, 7, 9, 8], f: 3, s: 2, pad: 'same' },
  { x: [1, 9, 9, 17], f: 3, s: 3, pad: 'valid' },
  { x: [1, 7, 5, 3], f: [3, 2], s: [2, 1], pad: 'same' },
  { x: [3, 5, 5, 1], f: [3, 2], s: 2, pad: 'valid' },
  { x: [1, 9, 7, 8], f: 2, s: 3, pad: 'same' },
  { x: [1, 3, 3, 5], f: 3, s: 1, pad: 'same' },
  { x: [2, 7, 7, 17], f: 1, s: 2, pad: 'same' },
  { x: [1, 5, 8, 3], f: 2, s: 1, pad: 'valid' },
  { x: [1, 28, 28, 3], f: 2, s: 2, pad: 'valid' },
  { x: [1, 7, 7, 3], f: 3, s: 2, pad: 1 },
  { x: [7, 9, 5], f: [3, 2], s: 2, pad: 'same' },
];

const pairOf = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);
const nhwc = (shape: number[]): number[] => (shape.length === 3 ? [1, ...shape] : shape);

/**
 * Inputs without near-ties: within any 3x3 block of one channel the nine cells (h mod 3,
 * w mod 3) get nine levels 0.2 apart in a random order per (image, channel), plus jitter
 * below 0.1, so every window (at most 3x3) has a unique max at least 0.1 above the rest and a
 * finite-difference step (0.01) never changes which cell wins.
 */
function noTies(shape: number[], seed: number): Float32Array {
  const [n, h, w, c] = nhwc(shape);
  const jitter = rand(n * h * w * c, seed, 0, 0.1);
  const keys = rand(n * c * 9, seed + 1);
  const out = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * 9;
      const order = [...Array(9).keys()].sort((i, j) => keys[base + i] - keys[base + j]);
      const level = new Array<number>(9);
      order.forEach((cls, rank) => {
        level[cls] = rank * 0.2 - 0.8;
      });
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = ((b * h + y) * w + x) * c + ch;
          out[i] = level[(y % 3) * 3 + (x % 3)] + jitter[i];
        }
      }
    }
  }
  return out;
}

/** Top and left padding of TF's 'same' (or an explicit number), and the totals. */
function padding(x: number[], c: PoolCase): [[number, number], [number, number]] {
  const [, h, w] = nhwc(x);
  const [fh, fw] = pairOf(c.f);
  const [sh, sw] = pairOf(c.s);
  if (typeof c.pad === 'number') {
    return [
      [c.pad, c.pad],
      [c.pad, c.pad],
    ];
  }
  if (c.pad === 'valid') {
    return [
      [0, 0],
      [0, 0],
    ];
  }
  const th = Math.max((Math.ceil(h / sh) - 1) * sh + fh - h, 0);
  const tw = Math.max((Math.ceil(w / sw) - 1) * sw + fw - w, 0);
  return [
    [Math.floor(th / 2), th - Math.floor(th / 2)],
    [Math.floor(tw / 2), tw - Math.floor(tw / 2)],
  ];
}

/**
 * A TF reference for avgPool whose gradient is the exact adjoint of the forward (which divides
 * each window by its count of real cells): TF.js's own avgPool gradient divides border
 * windows by the full window size instead (inconsistent with its forward), so for padded
 * geometries TF's side pads explicitly, takes a 'valid' average, and rescales by
 * window size / real-cell count (a constant). pad, avgPool 'valid' and mul differentiate exactly.
 */
function tfAvgPoolAdjoint(x: tf.Tensor, c: PoolCase): tf.Tensor {
  const [ph, pw] = padding(x.shape, c);
  const [fh, fw] = pairOf(c.f);
  const pads: [number, number][] = x.rank === 3 ? [ph, pw, [0, 0]] : [[0, 0], ph, pw, [0, 0]];
  const xp = tf.pad(x, pads) as tf.Tensor4D;
  const avg = tf.avgPool(xp, c.f, c.s, 'valid');
  const ones = tf.pad(tf.onesLike(x), pads) as tf.Tensor4D;
  const counts = tf.mul(tf.avgPool(ones, c.f, c.s, 'valid'), fh * fw);
  return tf.div(tf.mul(avg, fh * fw), counts);
}

const label = (c: PoolCase) =>
  `x ${JSON.stringify(c.x)} window ${JSON.stringify(c.f)} strides ${JSON.stringify(c.s)} pad ${JSON.stringify(c.pad)}`;

const hasPadding = (c: PoolCase): boolean => {
  const [ph, pw] = padding(c.x, c);
  return ph[0] + ph[1] + pw[0] + pw[1] > 0;
};

describe('maxPool matches TF.js (forward, gradient, finite differences)', () => {
  for (const c of cases) {
    it(label(c), () => {
      checkOp({
        shapes: [c.x],
        zoo: (x) => zoo.maxPool(x, c.f, c.s, c.pad),
        tf: (x) => tf.maxPool(x as tf.Tensor4D, c.f, c.s, c.pad as 'same'),
        input: (_, __, seed) => noTies(c.x, seed),
        // The max is picked exactly; gradients sum a few dy values in another order.
        rtol: 0,
        atol: 0,
        gradRtol: 1e-6,
        gradAtol: 0,
      });
    });
  }

  it('padded cells never win: an all-negative image keeps its values under same padding', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([-1, -4, -3, -2, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
      expect(Array.from(zoo.maxPool(x, 3, 1, 'same').dataSync())).toEqual([
        -1, -1, -3, -1, -1, -3, -2, -2, -5,
      ]);
      expect(Array.from(zoo.maxPool(x, 2, 2, 1).dataSync())).toEqual([-1, -3, -2, -5]);
    });
  });

  it('routes the gradient of a tie to one cell only (the sum over the window is kept)', () => {
    zoo.tidy(() => {
      const x = zoo.zeros([1, 2, 2, 1]);
      const g = zoo.grad((t) => zoo.maxPool(t, 2, 2, 'valid'))(x, zoo.tensor([3], [1, 1, 1, 1]));
      const d = Array.from(g.dataSync());
      expect(d.reduce((a, b) => a + b, 0)).toBe(3);
      expect(d.filter((v) => v !== 0)).toEqual([3]);
    });
  });

  it('propagates NaN', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([1, Number.NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 2, 2, 3]);
      const y = Array.from(zoo.maxPool(x, 2, 2, 'valid').dataSync());
      expect(y[0]).toBe(10);
      expect(y[1]).toBeNaN();
      expect(y[2]).toBe(12);
    });
  });
});

describe('avgPool matches TF.js (forward; gradient vs TF where TF is right, and finite differences)', () => {
  for (const c of cases) {
    it(label(c), () => {
      // Forward against tf.avgPool itself (which averages the real cells of border windows).
      checkOp({
        shapes: [c.x],
        zoo: (x) => zoo.avgPool(x, c.f, c.s, c.pad),
        tf: (x) => tf.avgPool(x as tf.Tensor4D, c.f, c.s, c.pad as 'same'),
        gradArgs: hasPadding(c) ? [] : [0],
      });
      if (hasPadding(c)) {
        // TF.js's avgPool gradient with padding divides border windows by the full window size
        // while its forward divides by the count of real cells, so it is not the adjoint of its
        // own forward. Zoo's backward is the exact adjoint of its forward: check it against
        // finite differences and against the explicitly padded TF composition above.
        checkOp({
          shapes: [c.x],
          zoo: (x) => zoo.avgPool(x, c.f, c.s, c.pad),
          tf: (x) => tfAvgPoolAdjoint(x, c),
        });
      }
    });
  }

  it('averages only the real cells of a border window', () => {
    zoo.tidy(() => {
      const x = zoo.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const y = Array.from(zoo.avgPool(x, 2, 2, 'same').dataSync());
      // Windows: {1,2,4,5}, {3,6}, {7,8}, {9}.
      expect(y).toEqual([3, 4.5, 7.5, 9]);
      // The gradient of sum(y): each cell gets 1/count of every window it is in.
      const g = Array.from(
        zoo
          .grad((t) => zoo.avgPool(t, 2, 2, 'same'))(x)
          .dataSync(),
      );
      expect(g).toEqual([0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1]);
    });
  });

  it('the TF adjoint reference equals tf.avgPool forward', () => {
    const c: PoolCase = { x: [2, 7, 9, 3], f: 3, s: 2, pad: 'same' };
    const x = tf.tensor(rand(2 * 7 * 9 * 3, 4), c.x);
    const a = tf.avgPool(x as tf.Tensor4D, 3, 2, 'same');
    const b = tfAvgPoolAdjoint(x, c);
    expectClose(b.dataSync(), a.dataSync(), 1e-5, 1e-6, 'adjoint reference forward');
    tf.dispose([x, a, b]);
  });
});

describe('pooling errors', () => {
  it('rejects inputs of the wrong rank and int32 inputs', () => {
    zoo.tidy(() => {
      expect(() => zoo.maxPool(zoo.zeros([4, 4]), 2, 2, 'valid')).toThrow(
        'maxPool: input must be rank 4 [batch, height, width, channels] (or rank 3), got [4,4]',
      );
      expect(() => zoo.avgPool(zoo.zeros([1, 1, 4, 4, 1]), 2, 2, 'valid')).toThrow(
        'avgPool: input must be rank 4',
      );
      expect(() => zoo.maxPool(zoo.zeros([1, 4, 4, 1], 'int32'), 2, 2, 'valid')).toThrow(
        'maxPool: expected float32 tensors, got int32 [1,4,4,1]',
      );
    });
  });
  it('rejects a window larger than the input', () => {
    zoo.tidy(() => {
      expect(() => zoo.maxPool(zoo.zeros([1, 2, 5, 1]), 3, 1, 'valid')).toThrow(
        'maxPool: the 3x3 window (dilation 1x1) is larger than the input [1,2,5,1]',
      );
      expect(() => zoo.avgPool(zoo.zeros([1, 5, 2, 1]), [2, 5], 1, 1)).toThrow(
        'avgPool: the 2x5 window (dilation 1x1) is larger than the padded input [1,5,2,1]',
      );
    });
  });
  it('rejects zero or negative strides and window sizes', () => {
    zoo.tidy(() => {
      const x = zoo.zeros([1, 4, 4, 1]);
      expect(() => zoo.maxPool(x, 2, 0, 'valid')).toThrow(
        'maxPool: strides must be positive integers, got 0',
      );
      expect(() => zoo.avgPool(x, 2, [1, -1], 'same')).toThrow(
        'avgPool: strides must be positive integers, got [1,-1]',
      );
      expect(() => zoo.maxPool(x, 0, 1, 'same')).toThrow(
        'maxPool: filterSize must be positive integers, got 0',
      );
      expect(() => zoo.avgPool(x, 2, 1, 'both' as 'same')).toThrow("avgPool: pad must be 'same'");
    });
  });
});
