import { beforeAll, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';

beforeAll(() => zoo.ready());

/** n, h, w, c -> flat NHWC offset. */
function at(shape: readonly number[], i: number, r: number, col: number, ch: number): number {
  return ((i * shape[1] + r) * shape[2] + col) * shape[3] + ch;
}

/** 0, 1, 2, ... as float32 NHWC images (distinct values, so positions can be recovered). */
function arange(shape: number[]): { t: zoo.Tensor; v: Float32Array } {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = i;
  return { t: zoo.tensor(v, shape), v };
}

/** Runs `fn` in a tidy scope and checks that it leaves no tensor behind. */
function noLeak(fn: () => void): void {
  const before = zoo.memory().numTensors;
  zoo.tidy(fn);
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
}

describe('normalize', () => {
  it('subtracts and divides by scalars or per-channel values, as plain JS', () => {
    noLeak(() => {
      const shape = [2, 3, 3, 3];
      const { t, v } = arange(shape);
      const mean = [1, 2, 3];
      const std = [2, 4, 0.5];
      const got = zoo.normalize(t, mean, std).dataSync();
      for (let i = 0; i < v.length; i++) {
        const c = i % 3;
        expect(got[i]).toBeCloseTo((v[i] - mean[c]) / std[c], 5);
      }
      const s = zoo.normalize(t, 0.5, 0.25).dataSync();
      for (let i = 0; i < v.length; i++) expect(s[i]).toBeCloseTo((v[i] - 0.5) / 0.25, 4);
      // Any rank: the last axis is the channel axis.
      expect(Array.from(zoo.normalize([[1, 2]], [1, 0], [1, 2]).dataSync())).toEqual([0, 1]);
    });
  });

  it('is differentiable: d/dx sum(normalize(x)) = 1 / std of the channel', () => {
    noLeak(() => {
      const x = zoo.randomUniform([2, 2, 2, 2], 0, 1, 'float32', 1);
      const g = zoo
        .grad((t) => zoo.sum(zoo.normalize(t, [0.1, 0.2], [0.5, 4])))(x)
        .dataSync();
      for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(i % 2 === 0 ? 2 : 0.25, 6);
    });
  });

  it('names itself and the shapes in errors', () => {
    noLeak(() => {
      const x = zoo.zeros([1, 2, 2, 3]);
      expect(() => zoo.normalize(x, [1, 2], 1)).toThrow(/normalize: mean .*3 .*\[1,2,2,3\]/);
      expect(() => zoo.normalize(x, 0, [1, 2, 3, 4])).toThrow(/normalize: std/);
      expect(() => zoo.normalize(x, 0, 0)).toThrow(/normalize: std must not be 0/);
      expect(() => zoo.normalize(x, 0, [1, 0, 1])).toThrow(/normalize: std must not be 0/);
      expect(() => zoo.normalize(zoo.scalar(1), 0, 1)).toThrow(/normalize: .*rank >= 1/);
      expect(() => zoo.normalize(x, Number.NaN, 1)).toThrow(/normalize: mean must be finite/);
    });
  });
});

describe('padImages', () => {
  it('pads height and width only, in the three padding forms, with a value', () => {
    noLeak(() => {
      const shape = [2, 2, 3, 2];
      const { t, v } = arange(shape);
      const cases: [zoo.ImagePadding, number, number, number, number][] = [
        [1, 1, 1, 1, 1],
        [[2, 0], 2, 2, 0, 0],
        [
          [
            [0, 1],
            [3, 2],
          ],
          0,
          1,
          3,
          2,
        ],
      ];
      for (const [padding, top, bottom, left, right] of cases) {
        const out = zoo.padImages(t, padding, -1);
        const os = [2, 2 + top + bottom, 3 + left + right, 2];
        expect(out.shape).toEqual(os);
        const got = out.dataSync();
        for (let i = 0; i < 2; i++)
          for (let r = 0; r < os[1]; r++)
            for (let col = 0; col < os[2]; col++)
              for (let ch = 0; ch < 2; ch++) {
                const sr = r - top;
                const sc = col - left;
                const want =
                  sr >= 0 && sr < 2 && sc >= 0 && sc < 3 ? v[at(shape, i, sr, sc, ch)] : -1;
                expect(got[at(os, i, r, col, ch)]).toBe(want);
              }
      }
      expect(Array.from(zoo.padImages(zoo.ones([1, 1, 1, 1]), 1).dataSync())).toEqual([
        0, 0, 0, 0, 1, 0, 0, 0, 0,
      ]);
    });
  });

  it('is differentiable (the gradient is the un-padded window)', () => {
    noLeak(() => {
      const x = zoo.ones([1, 2, 2, 1]);
      const g = zoo.grad((t) => zoo.sum(zoo.mul(zoo.padImages(t, 2), 3)))(x);
      expect(Array.from(g.dataSync())).toEqual([3, 3, 3, 3]);
    });
  });

  it('names itself and the shapes in errors', () => {
    noLeak(() => {
      const x = zoo.zeros([1, 2, 2, 1]);
      expect(() => zoo.padImages(zoo.zeros([2, 2]), 1)).toThrow(/padImages: .*rank 4.*\[2,2\]/);
      expect(() => zoo.padImages(x, -1)).toThrow(/padImages: padding .*non-negative.*\[1,2,2,1\]/);
      expect(() => zoo.padImages(x, [1, 2, 3] as unknown as number)).toThrow(/padImages: padding/);
      expect(() => zoo.padImages(zoo.zeros([1, 2, 2, 1], 'int32'), 1)).toThrow(
        /padImages: expected float32/,
      );
    });
  });
});

describe('randomCrop', () => {
  it('takes a window at a per-image random offset; the same seed gives the same crops', () => {
    noLeak(() => {
      const shape = [64, 10, 9, 2];
      const { t, v } = arange(shape);
      const out = zoo.randomCrop(t, [6, 4], { seed: 5 });
      expect(out.shape).toEqual([64, 6, 4, 2]);
      const got = out.dataSync();
      const offsets = new Set<string>();
      for (let i = 0; i < 64; i++) {
        // Recover the offset from the first value, then check the whole window against it.
        const first = got[at(out.shape, i, 0, 0, 0)];
        const oy = Math.floor((first - at(shape, i, 0, 0, 0)) / (9 * 2));
        const ox = (first - at(shape, i, oy, 0, 0)) / 2;
        expect(oy >= 0 && oy <= 4 && ox >= 0 && ox <= 5 && Number.isInteger(ox)).toBe(true);
        offsets.add(`${oy},${ox}`);
        for (let r = 0; r < 6; r++)
          for (let col = 0; col < 4; col++)
            for (let ch = 0; ch < 2; ch++)
              expect(got[at(out.shape, i, r, col, ch)]).toBe(v[at(shape, i, oy + r, ox + col, ch)]);
      }
      // 30 possible offsets over 64 images: they differ between images.
      expect(offsets.size).toBeGreaterThan(10);
      const again = zoo.randomCrop(t, [6, 4], { seed: 5 }).dataSync();
      expect(Array.from(again)).toEqual(Array.from(got));
      const other = zoo.randomCrop(t, [6, 4], { seed: 6 }).dataSync();
      expect(Array.from(other)).not.toEqual(Array.from(got));
      // A full-size crop is the identity.
      expect(Array.from(zoo.randomCrop(t, [10, 9]).dataSync())).toEqual(Array.from(v));
    });
  });

  it('is differentiable: the gradient is 1 on each crop window, 0 elsewhere', () => {
    noLeak(() => {
      const x = zoo.zeros([8, 5, 5, 1]);
      const g = zoo
        .grad((t) => zoo.sum(zoo.randomCrop(t, [3, 2], { seed: 1 })))(x)
        .dataSync();
      for (let i = 0; i < 8; i++) {
        let n = 0;
        for (let j = 0; j < 25; j++) {
          expect([0, 1]).toContain(g[i * 25 + j]);
          n += g[i * 25 + j];
        }
        expect(n).toBe(6);
      }
    });
  });

  it('names itself and the shapes in errors', () => {
    noLeak(() => {
      const x = zoo.zeros([2, 4, 4, 1]);
      expect(() => zoo.randomCrop(x, [5, 2])).toThrow(/randomCrop: size .*\[2,4,4,1\].*\[5,2\]/);
      expect(() => zoo.randomCrop(x, [0, 2])).toThrow(/randomCrop: size/);
      expect(() => zoo.randomCrop(x, [2] as unknown as [number, number])).toThrow(/randomCrop/);
      expect(() => zoo.randomCrop(zoo.zeros([4, 4, 1]), [2, 2])).toThrow(
        /randomCrop: .*rank 4.*\[4,4,1\]/,
      );
      expect(() => zoo.randomCrop(x, [2, 2], { seed: Number.NaN })).toThrow(/randomCrop: seed/);
    });
  });
});

describe('flipLeftRight and randomFlipLeftRight', () => {
  it('flipLeftRight mirrors columns, as plain JS; twice is the identity; differentiable', () => {
    noLeak(() => {
      const shape = [2, 3, 4, 2];
      const { t, v } = arange(shape);
      const f = zoo.flipLeftRight(t);
      const got = f.dataSync();
      for (let i = 0; i < 2; i++)
        for (let r = 0; r < 3; r++)
          for (let col = 0; col < 4; col++)
            for (let ch = 0; ch < 2; ch++)
              expect(got[at(shape, i, r, col, ch)]).toBe(v[at(shape, i, r, 3 - col, ch)]);
      expect(Array.from(zoo.flipLeftRight(f).dataSync())).toEqual(Array.from(v));
      const w = zoo.tensor([1, 2, 3], [1, 1, 3, 1]);
      const g = zoo.grad((u) => zoo.sum(zoo.mul(zoo.flipLeftRight(u), w)))(zoo.zeros([1, 1, 3, 1]));
      expect(Array.from(g.dataSync())).toEqual([3, 2, 1]);
    });
  });

  it('randomFlipLeftRight flips whole images by chance, reproducibly with a seed', () => {
    noLeak(() => {
      const shape = [200, 2, 3, 1];
      const { t, v } = arange(shape);
      const flipped = zoo.flipLeftRight(t).dataSync();
      const out = zoo.randomFlipLeftRight(t, { seed: 9 }).dataSync();
      let nFlipped = 0;
      for (let i = 0; i < 200; i++) {
        const img = Array.from(out.subarray(i * 6, (i + 1) * 6));
        const same = Array.from(v.subarray(i * 6, (i + 1) * 6));
        const flip = Array.from(flipped.subarray(i * 6, (i + 1) * 6));
        const isFlip = img.every((e, k) => e === flip[k]);
        expect(isFlip || img.every((e, k) => e === same[k])).toBe(true);
        if (isFlip) nFlipped++;
      }
      expect(nFlipped).toBeGreaterThan(70);
      expect(nFlipped).toBeLessThan(130);
      expect(Array.from(zoo.randomFlipLeftRight(t, { seed: 9 }).dataSync())).toEqual(
        Array.from(out),
      );
      expect(Array.from(zoo.randomFlipLeftRight(t, { probability: 0 }).dataSync())).toEqual(
        Array.from(v),
      );
      expect(Array.from(zoo.randomFlipLeftRight(t, { probability: 1 }).dataSync())).toEqual(
        Array.from(flipped),
      );
      const few = zoo.randomFlipLeftRight(t, { probability: 0.1, seed: 2 }).dataSync();
      let nFew = 0;
      for (let i = 0; i < 200; i++) if (few[i * 6] !== v[i * 6]) nFew++;
      expect(nFew).toBeGreaterThan(5);
      expect(nFew).toBeLessThan(40);
    });
  });

  it('randomFlipLeftRight is differentiable', () => {
    noLeak(() => {
      const w = zoo.tensor([1, 2, 3, 4, 5, 6], [2, 1, 3, 1]);
      const g = zoo
        .grad((u) => zoo.sum(zoo.mul(zoo.randomFlipLeftRight(u, { probability: 1 }), w)))(
          zoo.zeros([2, 1, 3, 1]),
        )
        .dataSync();
      expect(Array.from(g)).toEqual([3, 2, 1, 6, 5, 4]);
    });
  });

  it('names itself and the shapes in errors', () => {
    noLeak(() => {
      expect(() => zoo.flipLeftRight(zoo.zeros([3, 3]))).toThrow(/flipLeftRight: .*\[3,3\]/);
      const x = zoo.zeros([1, 2, 2, 1]);
      expect(() => zoo.randomFlipLeftRight(x, { probability: 2 })).toThrow(
        /randomFlipLeftRight: probability .*\[0, 1\].*\[1,2,2,1\]/,
      );
      expect(() => zoo.randomFlipLeftRight(zoo.zeros([2, 2, 1]))).toThrow(
        /randomFlipLeftRight: .*rank 4/,
      );
    });
  });
});
