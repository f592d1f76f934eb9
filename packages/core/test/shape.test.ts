import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

/** Runs `fn` in a tidy scope and checks that it leaves no tensor behind. */
function noLeak(fn: () => void): void {
  const before = zoo.memory().numTensors;
  zoo.tidy(fn);
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
}

describe('reshape, expandDims, squeeze', () => {
  const reshapes: [number[], number[]][] = [
    [[1], []],
    [[3], [3, 1]],
    [
      [7, 33],
      [33, 7],
    ],
    [
      [3, 7, 33],
      [-1, 33],
    ],
    [
      [64, 256],
      [256, -1, 4],
    ],
    [[129], [3, 43]],
    [
      [2, 3, 4, 5],
      [5, -1],
    ],
  ];
  for (const [from, to] of reshapes) {
    it(`reshape ${JSON.stringify(from)} -> ${JSON.stringify(to)}`, () => {
      // Multiplying afterwards makes dy reach the input through the reshaped view.
      const w = rand(
        from.reduce((a, b) => a * b, 1),
        3,
      );
      checkOp({
        shapes: [from],
        zoo: (x) => zoo.mul(zoo.reshape(x, to), zoo.reshape(zoo.tensor(w, from), to)),
        tf: (x) => tf.mul(tf.reshape(x, to), tf.reshape(tf.tensor(w, from), to)),
      });
    });
  }
  for (const [shape, axis] of [
    [[7, 33], 0],
    [[7, 33], 1],
    [[7, 33], 2],
    [[7, 33], -1],
    [[3], -2],
    [[], 0],
  ] as [number[], number][]) {
    it(`expandDims ${JSON.stringify(shape)} axis ${axis}`, () => {
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.expandDims(x, axis),
        tf: (x) => tf.expandDims(x, axis),
      });
    });
  }
  for (const [shape, axis] of [
    [[1, 3, 1, 7], undefined],
    [[1, 3, 1, 7], [2]],
    [
      [1, 3, 1, 7],
      [0, -2],
    ],
    [[33, 1], [-1]],
    [[1, 1], undefined],
  ] as [number[], number[] | undefined][]) {
    it(`squeeze ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}`, () => {
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.squeeze(x, axis),
        tf: (x) => tf.squeeze(x, axis),
      });
    });
  }
  it('reshape errors name the op and the shapes', () => {
    noLeak(() => {
      const x = zoo.zeros([2, 3]);
      expect(() => zoo.reshape(x, [4])).toThrow(
        'reshape: cannot reshape [2,3] (6 values) into [4] (4 values)',
      );
      expect(() => zoo.reshape(x, [-1, 4])).toThrow(
        'reshape: cannot reshape [2,3] (6 values) into [-1,4]',
      );
      expect(() => zoo.reshape(x, [-1, -1])).toThrow(
        'reshape: cannot reshape [2,3] (6 values) into [-1,-1]',
      );
      expect(() => zoo.reshape(x, [-2, -3])).toThrow('reshape');
      expect(() => zoo.squeeze(x, [0])).toThrow('squeeze: dimension 0 of [2,3] is not 1');
    });
  });
  it('reshape shares memory and keeps values', () => {
    noLeak(() => {
      const x = zoo.tensor([1, 2, 3, 4, 5, 6]);
      const y = zoo.reshape(x, [3, -1]);
      expect(y.shape).toEqual([3, 2]);
      expect(y.arraySync()).toEqual([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      x.dispose();
      // The view keeps the storage alive.
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });
});

describe('transpose', () => {
  const perms3 = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  for (const p of perms3) {
    it(`[3,7,33] perm ${JSON.stringify(p)}`, () => {
      checkOp({
        shapes: [[3, 7, 33]],
        zoo: (x) => zoo.transpose(x, p),
        tf: (x) => tf.transpose(x, p),
      });
    });
  }
  for (const p of [
    [3, 2, 1, 0],
    [0, 2, 3, 1],
    [1, 0, 3, 2],
    [2, 3, 0, 1],
    [0, 1, 3, 2],
  ]) {
    it(`[2,3,4,5] perm ${JSON.stringify(p)}`, () => {
      checkOp({
        shapes: [[2, 3, 4, 5]],
        zoo: (x) => zoo.transpose(x, p),
        tf: (x) => tf.transpose(x, p),
      });
    });
  }
  for (const s of [[64, 256], [129, 7], [1, 33], [3, 7, 1, 33], [129]]) {
    it(`default reversal ${JSON.stringify(s)}`, () => {
      checkOp({ shapes: [s], zoo: (x) => zoo.transpose(x), tf: (x) => tf.transpose(x) });
    });
  }
  it('rejects a perm that is not a permutation', () => {
    noLeak(() => {
      expect(() => zoo.transpose(zoo.zeros([2, 3]), [0, 0])).toThrow(
        'transpose: perm [0,0] is not a permutation of the 2 axes of [2,3]',
      );
      expect(() => zoo.transpose(zoo.zeros([2, 3]), [1])).toThrow('transpose');
    });
  });
});

describe('slice', () => {
  const cases: [number[], number | number[], (number | number[])?][] = [
    [[129], 0, 129],
    [[129], 5, -1],
    [[129], 128, 1],
    [
      [7, 33],
      [1, 2],
      [3, -1],
    ],
    [
      [7, 33],
      [6, 0],
      [1, 33],
    ],
    [
      [7, 33],
      [0, 32],
      [-1, 1],
    ],
    [
      [7, 33],
      [2, 3],
      [0, 5],
    ],
    [
      [64, 256],
      [3, 17],
      [33, 129],
    ],
    [
      [3, 7, 33],
      [1, 3, 5],
      [2, 4, 7],
    ],
    [
      [3, 7, 33],
      [0, 6, 32],
      [-1, 1, 1],
    ],
    [[3, 7, 33], [2]],
    [
      [2, 3, 4, 5],
      [1, 0, 1, 2],
      [1, 3, 2, 3],
    ],
  ];
  for (const [shape, begin, size] of cases) {
    it(`${JSON.stringify(shape)} begin ${JSON.stringify(begin)} size ${JSON.stringify(size)}`, () => {
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.slice(x, begin, size),
        tf: (x) => tf.slice(x, begin, size),
      });
    });
  }
  it('errors name the op and the shapes', () => {
    noLeak(() => {
      const x = zoo.zeros([7, 6]);
      expect(() => zoo.slice(x, [0, 5], [2, 3])).toThrow(
        'slice: begin [0,5] with size [2,3] does not fit in [7,6] (axis 1)',
      );
      expect(() => zoo.slice(x, [8, 0], [-1, -1])).toThrow('slice:');
      expect(() => zoo.slice(x, [-1, 0], [1, 1])).toThrow(
        'slice: begin [-1,0] with size [1,1] does not fit in [7,6] (axis 0)',
      );
      expect(() => zoo.slice(x, [0, 0, 0], [1, 1, 1])).toThrow(
        'slice: begin and size need 2 entries for [7,6]',
      );
    });
  });
});

describe('concat, stack, split', () => {
  const concats: [number[][], number][] = [
    [[[3], [7]], 0],
    [
      [
        [1, 33],
        [7, 33],
        [3, 33],
      ],
      0,
    ],
    [
      [
        [3, 1, 5],
        [3, 7, 5],
        [3, 33, 5],
        [3, 2, 5],
      ],
      1,
    ],
    [
      [
        [7, 1],
        [7, 33],
      ],
      -1,
    ],
    [
      [
        [64, 129],
        [64, 64],
        [64, 3],
      ],
      1,
    ],
    [
      [
        [2, 3, 1, 4],
        [2, 3, 7, 4],
      ],
      2,
    ],
    [
      [
        [2, 3, 4, 1],
        [2, 3, 4, 3],
        [2, 3, 4, 7],
      ],
      3,
    ],
  ];
  for (const [shapes, axis] of concats) {
    it(`concat ${JSON.stringify(shapes)} axis ${axis}`, () => {
      checkOp({
        shapes,
        zoo: (...xs) => zoo.concat(xs, axis),
        tf: (...xs) => tf.concat(xs, axis),
      });
    });
  }
  for (const [shape, n, axis] of [
    [[7, 33], 2, 0],
    [[7, 33], 3, 1],
    [[7, 33], 4, 2],
    [[7, 33], 2, -1],
    [[129], 3, 0],
    [[], 3, 0],
  ] as [number[], number, number][]) {
    it(`stack ${n} x ${JSON.stringify(shape)} axis ${axis}`, () => {
      checkOp({
        shapes: new Array(n).fill(shape),
        zoo: (...xs) => zoo.stack(xs, axis),
        tf: (...xs) => tf.stack(xs, axis),
      });
    });
  }
  const splits: [number[], number | number[], number][] = [
    [[129], 3, 0],
    [[7, 33], [1, 5, 27], 1],
    [[7, 33], [3, 4], 0],
    [[3, 7, 33], 7, 1],
    [[3, 7, 33], [2, 0, 31], -1],
    [[64, 256], 4, 1],
  ];
  for (const [shape, sizes, axis] of splits) {
    it(`split ${JSON.stringify(shape)} into ${JSON.stringify(sizes)} axis ${axis}`, () => {
      const n = typeof sizes === 'number' ? sizes : sizes.length;
      for (let k = 0; k < n; k++) {
        checkOp({
          shapes: [shape],
          zoo: (x) => zoo.split(x, sizes, axis)[k],
          tf: (x) => tf.split(x, sizes, axis)[k],
        });
      }
      // All pieces at once, reassembled in reverse order (a copy: TF.js keeps the array on its tape).
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.concat(zoo.split(x, sizes, axis).reverse(), axis),
        tf: (x) => tf.concat([...tf.split(x, sizes, axis)].reverse(), axis),
      });
    });
  }
  it('concat of mismatched shapes names the op and the shapes', () => {
    noLeak(() => {
      expect(() => zoo.concat([zoo.zeros([2, 3]), zoo.zeros([3, 4])], 1)).toThrow(
        'concat: shapes must match except along axis 1: float32 [2,3], float32 [3,4]',
      );
      expect(() => zoo.concat([zoo.zeros([2, 3]), zoo.zeros([2, 3, 1])], 0)).toThrow(
        'concat: shapes must match except along axis 0: float32 [2,3], float32 [2,3,1]',
      );
      expect(() => zoo.concat([zoo.zeros([2]), zoo.zeros([2], 'int32')])).toThrow('concat:');
      expect(() => zoo.concat([zoo.zeros([2])], 1)).toThrow(
        'concat: axis 1 is out of range for a tensor of rank 1',
      );
      expect(() => zoo.stack([zoo.zeros([2]), zoo.zeros([3])])).toThrow('[1,2], float32 [1,3]');
      expect(() => zoo.split(zoo.zeros([7]), 2)).toThrow('split: 7 is not divisible into 2');
      expect(() => zoo.split(zoo.zeros([7, 3]), [3, 3])).toThrow(
        'split: sizes [3,3] do not add up to 7 (axis 0 of [7,3])',
      );
    });
  });
});

describe('gather', () => {
  const cases: [number[], number[], number[], number][] = [
    // x shape, indices, indices shape, axis
    [[7], [6, 0, 3, 3], [4], 0],
    [[7, 33], [2, 2, 0, 6, 1], [5], 0],
    [[7, 33], [32, 0, 5, 5, 5, 17], [6], 1],
    [[7, 33], [4, 1, 4, 0, 6, 6], [2, 3], 0],
    [[3, 7, 33], [6, 0, 6, 2], [4], 1],
    [[3, 7, 33], [1, 32, 1], [3], -1],
    [[3, 7, 33], [0, 1, 2, 2, 1, 0], [3, 2], 2],
    [[64, 256], [63, 0, 31, 31], [2, 2], 0],
    [[129, 3], [128, 64, 0, 128, 1, 2, 3], [7], 0],
    [[2, 3, 4, 5], [3, 0], [2], 2],
  ];
  for (const [shape, idx, ishape, axis] of cases) {
    it(`${JSON.stringify(shape)} indices ${JSON.stringify(idx)} axis ${axis}`, () => {
      const tIdx = tf.tensor(idx, ishape, 'int32');
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.gather(x, zoo.tensor(Int32Array.from(idx), ishape), axis),
        tf: (x) => tf.gather(x, tIdx, axis),
      });
      tIdx.dispose();
    });
  }
  it('takes a plain array of indices', () => {
    noLeak(() => {
      const x = zoo.tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(zoo.gather(x, [2, 0, 2]).arraySync()).toEqual([
        [5, 6],
        [1, 2],
        [5, 6],
      ]);
      expect(zoo.gather(x, [1], 1).arraySync()).toEqual([[2], [4], [6]]);
    });
  });
  it('out-of-range indices name the index and its position', () => {
    noLeak(() => {
      const x = zoo.zeros([4, 3]);
      expect(() => zoo.gather(x, zoo.tensor(Int32Array.from([0, 1, 4, 2])))).toThrow(
        'gather: index 4 at position 2 is outside [0, 4) for axis 0 of [4,3]',
      );
      expect(() => zoo.gather(x, zoo.tensor(Int32Array.from([2, -1])), 1)).toThrow(
        'gather: index -1 at position 1 is outside [0, 3) for axis 1 of [4,3]',
      );
      expect(() => zoo.gather(x, zoo.tensor([0, 1]))).toThrow(
        'gather: indices must be int32, got float32 [2]',
      );
    });
  });
});

describe('pad and tile', () => {
  const pads: [number[], [number, number][], number][] = [
    [[1], [[0, 0]], 0],
    [[3], [[2, 1]], 0],
    [
      [7, 33],
      [
        [1, 2],
        [0, 3],
      ],
      0,
    ],
    [
      [7, 33],
      [
        [0, 0],
        [7, 1],
      ],
      1.5,
    ],
    [
      [3, 7, 33],
      [
        [1, 1],
        [2, 0],
        [0, 31],
      ],
      -2,
    ],
    [
      [64, 64],
      [
        [1, 0],
        [3, 5],
      ],
      0,
    ],
    [
      [2, 3, 4, 5],
      [
        [0, 1],
        [1, 0],
        [2, 2],
        [0, 3],
      ],
      0.25,
    ],
  ];
  for (const [shape, paddings, value] of pads) {
    it(`pad ${JSON.stringify(shape)} ${JSON.stringify(paddings)} value ${value}`, () => {
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.pad(x, paddings, value),
        tf: (x) => tf.pad(x, paddings, value),
      });
    });
  }
  const tiles: [number[], number[]][] = [
    [[1], [7]],
    [[3], [1]],
    [
      [3, 7],
      [2, 3],
    ],
    [
      [1, 33],
      [64, 1],
    ],
    [
      [7, 1],
      [1, 129],
    ],
    [
      [3, 7, 33],
      [2, 1, 3],
    ],
    [
      [2, 3, 4, 5],
      [1, 2, 1, 2],
    ],
  ];
  for (const [shape, reps] of tiles) {
    it(`tile ${JSON.stringify(shape)} reps ${JSON.stringify(reps)}`, () => {
      checkOp({
        shapes: [shape],
        zoo: (x) => zoo.tile(x, reps),
        tf: (x) => tf.tile(x, reps),
      });
    });
  }
  it('errors name the op and the shapes', () => {
    noLeak(() => {
      expect(() => zoo.pad(zoo.zeros([2, 3]), [[1, 1]])).toThrow(
        'pad: need 2 [before, after] pairs for [2,3], got 1',
      );
      expect(() =>
        zoo.pad(zoo.zeros([2]), [[-1, 0]] as unknown as readonly [number, number][]),
      ).toThrow('pad: paddings must be non-negative integers');
      expect(() => zoo.tile(zoo.zeros([2, 3]), [2])).toThrow(
        'tile: reps [2] must hold 2 non-negative integers for [2,3]',
      );
    });
  });
});

describe('cast', () => {
  it('float32 -> int32 truncates toward zero, as TF', () => {
    const vals = [-2.9, -1.5, -1, -0.5, -0, 0, 0.4, 0.5, 0.99, 1, 1.5, 2.7, 1000.9, -123456.7];
    noLeak(() => {
      const out = zoo.cast(zoo.tensor(vals, [2, 7]), 'int32');
      const ref = tf.cast(tf.tensor(vals, [2, 7]), 'int32');
      expect(out.dtype).toBe('int32');
      expect(out.shape).toEqual([2, 7]);
      const got = out.dataSync();
      expect(got).toBeInstanceOf(Int32Array);
      expect(Array.from(got)).toEqual(Array.from(ref.dataSync()));
      expect(Array.from(got)).toEqual([-2, -1, -1, 0, 0, 0, 0, 0, 0, 1, 1, 2, 1000, -123456]);
      ref.dispose();
    });
  });
  it('int32 -> float32 is exact up to 2^24', () => {
    const vals = Int32Array.from([0, 1, -1, 7, -33, 129, 16777216, -16777216, 2147483647]);
    noLeak(() => {
      const out = zoo.cast(zoo.tensor(vals), 'float32');
      expect(out.dtype).toBe('float32');
      expect(Array.from(out.dataSync())).toEqual(Array.from(Float32Array.from(vals)));
      // TF.js's cpu cast keeps int32 values unrounded, so compare below 2^24 only.
      const small = vals.slice(0, 6);
      const ref = tf.cast(tf.tensor(small, [small.length], 'int32'), 'float32');
      expect(Array.from(out.dataSync()).slice(0, 6)).toEqual(Array.from(ref.dataSync()));
      expect(out.dataSync()[8]).toBe(2147483648);
      ref.dispose();
    });
  });
  it('same-dtype cast keeps values and passes gradients through', () => {
    checkOp({
      shapes: [[7, 33]],
      zoo: (x) => zoo.mul(zoo.cast(x, 'float32'), x),
      tf: (x) => tf.mul(tf.cast(x, 'float32'), x),
    });
    noLeak(() => {
      const x = zoo.tensor(Int32Array.from([3, -4]));
      expect(Array.from(zoo.cast(x, 'int32').dataSync())).toEqual([3, -4]);
      expect(() => zoo.cast(x, 'bool' as 'int32')).toThrow("cast: unknown dtype 'bool'");
    });
  });
});

describe('scalars, high ranks and other edges', () => {
  const r10 = [3, 1, 1, 2, 1, 1, 1, 1, 1, 5];
  const r9 = [2, 2, 2, 1, 2, 2, 1, 2, 3];
  it('transpose of high-rank tensors with size-1 axes', () => {
    const rev = r10.map((_, i) => r10.length - 1 - i);
    checkOp({ shapes: [r10], zoo: (x) => zoo.transpose(x), tf: (x) => tf.transpose(x) });
    const p9 = [8, 0, 1, 2, 3, 4, 5, 6, 7];
    checkOp({ shapes: [r9], zoo: (x) => zoo.transpose(x, p9), tf: (x) => tf.transpose(x, p9) });
    checkOp({ shapes: [r10], zoo: (x) => zoo.transpose(x, rev), tf: (x) => tf.transpose(x, rev) });
    checkOp({
      shapes: [[1, 3, 1, 7]],
      zoo: (x) => zoo.transpose(x, [2, 3, 0, 1]),
      tf: (x) => tf.transpose(x, [2, 3, 0, 1]),
    });
  });
  it('transposes that need a kernel of rank > 8 say so', () => {
    noLeak(() => {
      const x = zoo.zeros([2, 2, 2, 2, 2, 2, 2, 2, 2]);
      expect(() => zoo.transpose(x)).toThrow(
        'transpose: [2,2,2,2,2,2,2,2,2] needs a kernel of rank 9 after merging axes; at most 8 is supported',
      );
    });
  });
  it('slice, pad and tile of high-rank tensors', () => {
    const b = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const z = [2, 1, 1, 2, 1, 1, 1, 1, 1, 3];
    checkOp({ shapes: [r10], zoo: (x) => zoo.slice(x, b, z), tf: (x) => tf.slice(x, b, z) });
    const b9 = [1, 0, 1, 0, 0, 1, 0, 1, 2];
    const z9 = [1, 2, 1, 1, 2, 1, 1, 1, 1];
    checkOp({ shapes: [r9], zoo: (x) => zoo.slice(x, b9, z9), tf: (x) => tf.slice(x, b9, z9) });
    const pads = r9.map((_, i) => [i % 2, i % 3] as [number, number]);
    checkOp({ shapes: [r9], zoo: (x) => zoo.pad(x, pads, 2), tf: (x) => tf.pad(x, pads, 2) });
    const reps = [1, 2, 1, 3, 1, 1, 2, 1, 2];
    // TF.js has no tile gradient above rank 4: forward only here.
    checkOp({
      shapes: [r9],
      zoo: (x) => zoo.tile(x, reps),
      tf: (x) => tf.tile(x, reps),
      gradArgs: [],
    });
  });
  it('slice, pad, tile and transpose of scalars', () => {
    noLeak(() => {
      const s = zoo.scalar(4.5);
      expect(zoo.slice(s, []).arraySync()).toBe(4.5);
      expect(zoo.pad(s, []).arraySync()).toBe(4.5);
      expect(zoo.tile(s, []).arraySync()).toBe(4.5);
      expect(zoo.transpose(s).arraySync()).toBe(4.5);
      const g = zoo.grad((t) => zoo.mul(zoo.tile(zoo.pad(t, []), []), 3))(s);
      expect(g.arraySync()).toBe(3);
      expect(() => zoo.concat([s, s])).toThrow('concat: cannot concatenate scalars');
    });
  });
  it('tile with a zero rep, and its gradient', () => {
    checkOp({
      shapes: [[2, 3]],
      zoo: (x) => zoo.tile(x, [0, 2]),
      tf: (x) => tf.tile(x, [0, 2]),
      fd: false,
    });
  });
  it('int32 pad with a non-zero constant matches TF bit-exactly', () => {
    const v = Int32Array.from({ length: 3 * 4 }, (_, i) => 2147483647 - 977 * i * (i % 2 ? -1 : 1));
    noLeak(() => {
      for (const c of [7, -1, 2139095041, -2147483648]) {
        const paddings: [number, number][] = [
          [1, 2],
          [0, 3],
        ];
        const z = zoo.pad(zoo.tensor(v, [3, 4]), paddings, c);
        const t = tf.pad(tf.tensor(v, [3, 4], 'int32'), paddings, c);
        expect(z.dtype).toBe('int32');
        expect(z.shape).toEqual(t.shape);
        expect(Array.from(z.dataSync())).toEqual(Array.from(t.dataSync()));
        t.dispose();
      }
    });
  });
  it('split takes one -1 size, as TF', () => {
    checkOp({
      shapes: [[7, 33]],
      zoo: (x) => zoo.split(x, [5, -1, 20], 1)[1],
      tf: (x) => tf.split(x, [5, -1, 20], 1)[1],
    });
    noLeak(() => {
      expect(() => zoo.split(zoo.zeros([5]), [-1, -1])).toThrow(
        'split: sizes [-1,-1] do not add up to 5 (axis 0 of [5])',
      );
      expect(() => zoo.split(zoo.zeros([5]), [6, -1])).toThrow(
        'split: sizes [6,-1] do not add up to 5',
      );
    });
  });
  it('argument errors name the op and the shapes', () => {
    noLeak(() => {
      expect(() => zoo.expandDims(zoo.zeros([2, 3]), 3)).toThrow(
        'expandDims: axis 3 is out of range for a tensor of rank 2 (must be in [-3, 2])',
      );
      expect(() => zoo.expandDims(zoo.zeros([2, 3]), -4)).toThrow('rank 2');
      expect(() => zoo.slice(zoo.zeros([6]), [0], [2.5])).toThrow(
        'slice: begin [0] with size [2.5] does not fit in [6] (axis 0)',
      );
      const gone = zoo.zeros([2]);
      gone.dispose();
      expect(() => zoo.zerosLike(gone)).toThrow('zerosLike: tensor');
      expect(() => zoo.onesLike(gone)).toThrow('onesLike: tensor');
    });
  });
});
