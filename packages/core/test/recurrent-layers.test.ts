// Recurrent layers (Embedding, LSTM, GRU, Bidirectional, TimeDistributed) against the same
// @tensorflow/tfjs-layers 4.22 layers with the same weights: outputs, states, masking through
// embedding maskZero, gradients of a small model, and errors.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectPaddedClassifierLearns, sameWeights } from './layer-helpers.js';
import { expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

/**
 * tfjs-layers's Orthogonal initializer calls chained tensor methods (x.flatten(), ...) that only
 * the full @tensorflow/tfjs bundle registers; add the few it needs.
 */
function shimChainedOps(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops: Record<string, (this: tf.Tensor, ...a: never[]) => tf.Tensor> = {
    flatten() {
      return tf.reshape(this, [this.size]);
    },
    stridedSlice(b: number[], e: number[], s: number[]) {
      return tf.stridedSlice(this, b, e, s);
    },
    sign() {
      return tf.sign(this);
    },
    transpose(p?: number[]) {
      return tf.transpose(this, p);
    },
    reshape(s: number[]) {
      return tf.reshape(this, s);
    },
  };
  for (const [k, f] of Object.entries(ops)) if (typeof proto[k] !== 'function') proto[k] = f;
}
shimChainedOps();

type Args = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the option objects are shared by both libraries.
type Any = any;

const tfLayer = (kind: string, a: Args): tfl.layers.Layer =>
  (tfl.layers as unknown as Record<string, (a: Any) => tfl.layers.Layer>)[kind](a);
const zooLayer = (kind: string, a: Args): zoo.Layer =>
  (zoo.layers as unknown as Record<string, (a: Any) => zoo.Layer>)[kind](a);

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Applies both layers eagerly to the same input(s) and compares every output. */
function compare(
  make: () => [zoo.Layer, tfl.layers.Layer],
  shapes: number[][],
  seed: number,
  tol = 1e-5,
): void {
  const before = zoo.memory().numTensors;
  const [z, t] = make();
  const data = shapes.map((s, i) =>
    rand(
      s.reduce((a, b) => a * b, 1),
      seed + 50 + i,
    ),
  );
  const tIn = data.map((d, i) => tf.tensor(d, shapes[i]));
  const zIn = data.map((d, i) => zoo.tensor(d, shapes[i]));
  // TF.js takes initial states as a keyword argument eagerly; Zoo as extra inputs.
  const tfApply = () =>
    list(
      (tIn.length === 1 ? t.apply(tIn[0]) : t.apply(tIn[0], { initialState: tIn.slice(1) })) as
        | tf.Tensor
        | tf.Tensor[],
    );
  const zooApply = () =>
    list(z.apply(zIn.length === 1 ? zIn[0] : zIn) as zoo.Tensor | zoo.Tensor[]);
  tf.dispose(tfApply());
  zoo.dispose([...new Set(zooApply())]);
  sameWeights(z, t, seed);
  const tOut = tfApply();
  const zOut = zooApply();
  expect(zOut.length, 'number of outputs').toBe(tOut.length);
  zOut.forEach((o, i) => {
    expect(o.shape, `output ${i} shape`).toEqual(tOut[i].shape);
    expectClose(o.dataSync(), tOut[i].dataSync() as Float32Array, tol, tol, `output ${i}`);
  });
  zoo.dispose([...new Set(zOut)]);
  zoo.dispose(zIn);
  tf.dispose([...tOut, ...tIn]);
  z.dispose();
  t.dispose();
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
}

const same =
  (kind: string, a: Args): (() => [zoo.Layer, tfl.layers.Layer]) =>
  () => [zooLayer(kind, a), tfLayer(kind, a)];

const wrapped =
  (
    kind: 'bidirectional' | 'timeDistributed',
    inner: string,
    innerArgs: Args,
    a: Args = {},
  ): (() => [zoo.Layer, tfl.layers.Layer]) =>
  () => [
    zooLayer(kind, { ...a, layer: zooLayer(inner, innerArgs) }),
    tfLayer(kind, { ...a, layer: tfLayer(inner, innerArgs) }),
  ];

describe('LSTM and GRU match tfjs-layers', () => {
  const sizes = [
    { batch: 1, T: 1, features: 2, units: 3 },
    { batch: 3, T: 7, features: 5, units: 33 },
  ];
  const variants: Args[] = [
    {},
    { returnSequences: true },
    { returnState: true },
    { returnSequences: true, returnState: true, goBackwards: true },
    { goBackwards: true, recurrentActivation: 'sigmoid', activation: 'relu' },
    { returnSequences: true, useBias: false },
  ];
  for (const kind of ['lstm', 'gru']) {
    sizes.forEach((s, si) => {
      variants.forEach((v, vi) => {
        it(`${kind} ${JSON.stringify(s)} ${JSON.stringify(v)}`, () => {
          compare(same(kind, { units: s.units, ...v }), [[s.batch, s.T, s.features]], 10 * si + vi);
        });
      });
    });
  }

  it('takes initial states as extra inputs ([x, h0, c0] / [x, h0]) as TF.js initialState', () => {
    compare(
      same('lstm', { units: 4, returnSequences: true, returnState: true }),
      [
        [3, 5, 2],
        [3, 4],
        [3, 4],
      ],
      71,
    );
    compare(
      same('gru', { units: 4, returnState: true, goBackwards: true }),
      [
        [2, 6, 3],
        [2, 4],
      ],
      72,
    );
  });

  it('GRU with resetAfter true runs (Keras default; TF.js 4.22 lacks it) with a [2, 3u] bias', () => {
    const before = zoo.memory().numTensors;
    const g = zoo.layers.gru({ units: 3, resetAfter: true, returnSequences: true });
    const x = zoo.tensor(rand(2 * 4 * 5, 3), [2, 4, 5]);
    const y = g.apply(x) as zoo.Tensor;
    expect(y.shape).toEqual([2, 4, 3]);
    expect(g.weights.map((w) => w.shape)).toEqual([
      [5, 9],
      [3, 9],
      [2, 9],
    ]);
    zoo.dispose([x, y]);
    g.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });
});

describe('Bidirectional and TimeDistributed match tfjs-layers', () => {
  for (const mergeMode of ['concat', 'sum', 'ave', 'mul', null]) {
    for (const returnSequences of [true, false]) {
      it(`bidirectional(lstm) mergeMode ${mergeMode} returnSequences ${returnSequences}`, () => {
        compare(
          wrapped('bidirectional', 'lstm', { units: 5, returnSequences }, { mergeMode }),
          [[3, 7, 4]],
          300,
        );
      });
    }
  }

  it('bidirectional(gru) with returnState and goBackwards, batch 1, T 1', () => {
    compare(
      wrapped('bidirectional', 'gru', { units: 3, returnState: true, goBackwards: true }),
      [[1, 1, 2]],
      310,
    );
    compare(
      wrapped('bidirectional', 'lstm', { units: 3, returnState: true, returnSequences: true }),
      [[3, 7, 2]],
      320,
    );
  });

  it('timeDistributed(dense) applies the layer per timestep', () => {
    compare(
      wrapped('timeDistributed', 'dense', { units: 3, activation: 'tanh' }),
      [[2, 7, 4]],
      400,
    );
  });

  it('names the weights as TF.js', () => {
    const b = zoo.layers.bidirectional({
      layer: zoo.layers.lstm({ units: 2, name: 'enc' }),
      name: 'bi',
    });
    const td = zoo.layers.timeDistributed({
      layer: zoo.layers.dense({ units: 2, name: 'proj' }),
      name: 'td',
    });
    const x = zoo.input({ shape: [4, 3] });
    const m = zoo.model({ inputs: x, outputs: td.apply(zoo.layers.dense({ units: 3 }).apply(x)) });
    const m2 = zoo.model({ inputs: x, outputs: b.apply(x) });
    expect(m2.weightNames()).toEqual([
      'bi/forward_enc/kernel',
      'bi/forward_enc/recurrent_kernel',
      'bi/forward_enc/bias',
      'bi/backward_enc/kernel',
      'bi/backward_enc/recurrent_kernel',
      'bi/backward_enc/bias',
    ]);
    expect(m.weightNames().slice(-2)).toEqual(['td/kernel', 'td/bias']);
    m.dispose();
    m2.dispose();
  });
});

/** Builds the same Sequential model in both libraries: embedding(maskZero) + body + dense. */
function maskedModels(
  body: (lib: 'zoo' | 'tf') => (zoo.Layer | tfl.layers.Layer)[],
  vocab: number,
): [zoo.LayersModel, tfl.LayersModel] {
  const emb = { inputDim: vocab, outputDim: 4, maskZero: true };
  const z = zoo.sequential({
    layers: [zoo.layers.embedding(emb), ...(body('zoo') as zoo.Layer[])],
  });
  const t = tfl.sequential({
    layers: [tfl.layers.embedding(emb), ...(body('tf') as tfl.layers.Layer[])],
  });
  return [z, t];
}

/** Padded ids [batch, T]: row b has length lens[b], zeros after (and one zero inside row 0). */
function paddedIds(lens: number[], T: number, vocab: number, seed: number): Float32Array {
  const r = rand(lens.length * T, seed, 1, vocab);
  const out = new Float32Array(lens.length * T);
  lens.forEach((len, b) => {
    for (let t = 0; t < len; t++) out[b * T + t] = Math.floor(r[b * T + t]);
  });
  if (lens[0] > 2) out[1] = 0; // a masked step in the middle too
  return out;
}

const BODIES: Record<string, (lib: 'zoo' | 'tf') => (zoo.Layer | tfl.layers.Layer)[]> = {
  'lstm last': (lib) =>
    lib === 'zoo'
      ? [zoo.layers.lstm({ units: 5 }), zoo.layers.dense({ units: 2 })]
      : [tfl.layers.lstm({ units: 5 }), tfl.layers.dense({ units: 2 })],
  'lstm sequences, goBackwards + lstm': (lib) =>
    lib === 'zoo'
      ? [
          zoo.layers.lstm({ units: 3, returnSequences: true, goBackwards: true }),
          zoo.layers.lstm({ units: 4 }),
        ]
      : [
          tfl.layers.lstm({ units: 3, returnSequences: true, goBackwards: true }),
          tfl.layers.lstm({ units: 4 }),
        ],
  'gru sequences + gru': (lib) =>
    lib === 'zoo'
      ? [zoo.layers.gru({ units: 33, returnSequences: true }), zoo.layers.gru({ units: 3 })]
      : [tfl.layers.gru({ units: 33, returnSequences: true }), tfl.layers.gru({ units: 3 })],
  'bidirectional(lstm) sequences + timeDistributed(dense)': (lib) =>
    lib === 'zoo'
      ? [
          zoo.layers.bidirectional({ layer: zoo.layers.lstm({ units: 3, returnSequences: true }) }),
          zoo.layers.timeDistributed({ layer: zoo.layers.dense({ units: 2 }) }),
        ]
      : [
          tfl.layers.bidirectional({
            layer: tfl.layers.lstm({ units: 3, returnSequences: true }) as tfl.RNN,
          }),
          tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2 }) }),
        ],
  'bidirectional(gru) sum': (lib) =>
    lib === 'zoo'
      ? [zoo.layers.bidirectional({ layer: zoo.layers.gru({ units: 4 }), mergeMode: 'sum' })]
      : [
          tfl.layers.bidirectional({
            layer: tfl.layers.gru({ units: 4 }) as tfl.RNN,
            mergeMode: 'sum',
          }),
        ],
};

describe('masking from embedding maskZero', () => {
  const VOCAB = 9;
  const lens = [5, 7, 1];
  const T = 7;
  Object.entries(BODIES).forEach(([name, body], k) => {
    it(`${name}: matches TF.js on padded batches`, () => {
      const before = zoo.memory().numTensors;
      const [z, t] = maskedModels(body, VOCAB);
      sameWeights(z, t, 500 + 10 * k, 0.6);
      const ids = paddedIds(lens, T, VOCAB, 40 + k);
      const ty = tf.tidy(() => (t.predict(tf.tensor(ids, [3, T])) as tf.Tensor).dataSync());
      const zy = zoo.tidy(() => z.predict(zoo.tensor(ids, [3, T])).dataSync());
      expectClose(zy, ty as Float32Array, 1e-5, 1e-5, `${name} predictions`);
      z.dispose();
      t.dispose();
      expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
    });
  });

  it('a padded batch predicts what the unpadded sequences do (masked steps carry the state)', () => {
    const before = zoo.memory().numTensors;
    const m = zoo.sequential({
      layers: [
        zoo.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true }),
        zoo.layers.bidirectional({ layer: zoo.layers.gru({ units: 4 }), mergeMode: 'concat' }),
      ],
    });
    const padded = zoo.tensor([[3, 1, 5, 0, 0]]);
    const bare = zoo.tensor([[3, 1, 5]]);
    const a = m.predict(padded);
    const b = m.predict(bare);
    // The forward half ends at the last real step; the backward half starts there.
    expectClose(a.dataSync(), b.dataSync(), 1e-6, 1e-6, 'padded vs unpadded');
    zoo.dispose([padded, bare, a, b]);
    m.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('gradients of a masked model match tf.variableGrads', () => {
    const before = zoo.memory().numTensors;
    const [z, t] = maskedModels(
      (lib) =>
        lib === 'zoo'
          ? [
              zoo.layers.bidirectional({
                layer: zoo.layers.lstm({ units: 3, returnSequences: true }),
              }),
              zoo.layers.gru({ units: 4 }),
              zoo.layers.dense({ units: 2 }),
            ]
          : [
              tfl.layers.bidirectional({
                layer: tfl.layers.lstm({ units: 3, returnSequences: true }) as tfl.RNN,
              }),
              tfl.layers.gru({ units: 4 }),
              tfl.layers.dense({ units: 2 }),
            ],
      VOCAB,
    );
    sameWeights(z, t, 600, 0.6);
    const ids = paddedIds(lens, T, VOCAB, 61);
    const dy = rand(3 * 2, 62, 0.5, 1.5);
    const tvars = t.trainableWeights.map((w) => w.read() as tf.Variable);
    const tg = tf.tidy(() => {
      const x = tf.tensor(ids, [3, T]);
      const w = tf.tensor(dy, [3, 2]);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(t.apply(x) as tf.Tensor, w)) as tf.Scalar,
        tvars,
      );
      return tvars.map((v) => grads[v.name].dataSync() as Float32Array);
    });
    const zvars = z.trainableWeights;
    const zg = zoo.tidy(() => {
      const x = zoo.tensor(ids, [3, T]);
      const w = zoo.tensor(dy, [3, 2]);
      const { value, grads } = zoo.variableGrads(
        () => zoo.sum(zoo.mul(z.execute([x], { training: true })[0], w)),
        zvars,
      );
      value.dispose();
      return zvars.map((v) => grads[v.name].dataSync());
    });
    expect(zg.length).toBe(tg.length);
    const names = z.weightNames();
    zg.forEach((g, i) => {
      expectClose(g, tg[i], 1e-4, 1e-5, `gradient of ${names[i]}`);
    });
    z.dispose();
    t.dispose();
    expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
  });

  it('fit trains a padded-batch text classifier (loss falls)', () =>
    expectPaddedClassifierLearns({ lstm: { dropout: 0.1 }, seed: 5, dataSeed: 77 }));
});

describe('Embedding', () => {
  it('matches tfjs-layers for float and int32 ids (rank 2 eagerly, rank 3 in a model)', () => {
    const before = zoo.memory().numTensors;
    const z = zoo.layers.embedding({ inputDim: 7, outputDim: 3 });
    const t = tfl.layers.embedding({ inputDim: 7, outputDim: 3 });
    const ids = Array.from(rand(8, 90, 0, 7), Math.floor);
    const tx = tf.tensor(ids, [2, 4]);
    tf.dispose(t.apply(tx) as tf.Tensor);
    zoo.tidy(() => {
      z.apply(zoo.tensor(ids, [2, 4]));
    });
    sameWeights(z, t, 91);
    const ty = t.apply(tx) as tf.Tensor;
    for (const dtype of ['float32', 'int32'] as const) {
      const zx = zoo.tensor(ids, [2, 4], dtype);
      const zy = z.apply(zx) as zoo.Tensor;
      expect(zy.shape).toEqual([2, 4, 3]);
      expectClose(zy.dataSync(), ty.dataSync() as Float32Array, 0, 0, dtype);
      zoo.dispose([zx, zy]);
    }
    // Rank-3 ids through a functional model: [2, 2, 2] ids -> [2, 2, 2, 3].
    const inp = zoo.input({ shape: [2, 2] });
    const m = zoo.model({ inputs: inp, outputs: z.apply(inp) });
    const x3 = zoo.tensor(ids, [2, 2, 2]);
    const y3 = m.predict(x3);
    expect(y3.shape).toEqual([2, 2, 2, 3]);
    expectClose(y3.dataSync(), ty.dataSync() as Float32Array, 0, 0, 'rank 3');
    zoo.dispose([x3, y3]);
    tf.dispose([tx, ty]);
    z.dispose();
    t.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('starts from a given matrix (weights), can be frozen, infers its sizes from the matrix', async () => {
    const vectors = zoo.tensor(
      [
        [0, 0],
        [1, 2],
        [3, 4],
      ],
      [3, 2],
    );
    const e = zoo.layers.embedding({ weights: [vectors], frozen: true });
    expect([e.inputDim, e.outputDim]).toEqual([3, 2]);
    const m = zoo.sequential({ layers: [e, zoo.layers.lstm({ units: 2 })] });
    expect(m.trainableWeights.length).toBe(3);
    expect(e.trainableWeights.length).toBe(0);
    const y = e.apply(zoo.tensor([[2, 1]])) as zoo.Tensor;
    expect(y.arraySync()).toEqual([
      [
        [3, 4],
        [1, 2],
      ],
    ]);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = zoo.tensor([
      [1, 2],
      [2, 0],
    ]);
    const ys = zoo.tensor([
      [1, 0],
      [0, 1],
    ]);
    await m.fit(xs, ys, { epochs: 2, verbose: 0 });
    expect(e.embeddings!.arraySync()).toEqual(vectors.arraySync());
    zoo.dispose([vectors, y, xs, ys]);
    m.dispose();
  });

  it('with maskZero computes a mask, without it none', () => {
    const z = zoo.layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true });
    zoo.tidy(() => {
      const ids = zoo.tensor(
        [
          [1, 0, 3],
          [0, 0, 2],
        ],
        [2, 3],
        'int32',
      );
      expect((z.computeMask(ids, null) as zoo.Tensor).arraySync()).toEqual([
        [1, 0, 1],
        [0, 0, 1],
      ]);
      expect(zoo.layers.embedding({ inputDim: 4, outputDim: 2 }).computeMask(ids, null)).toBe(null);
    });
  });
});

describe('initializers', () => {
  it('orthogonal gives orthonormal rows (wide) or columns (tall), times the gain', () => {
    for (const [shape, rowsOrthonormal] of [
      [[5, 20], true],
      [[20, 5], false],
      [[7, 7], true],
    ] as const) {
      zoo.tidy(() => {
        const w = zoo.getInitializer('orthogonal').apply(shape);
        const wt = zoo.transpose(w);
        const g = rowsOrthonormal ? zoo.matMul(w, wt) : zoo.matMul(wt, w);
        const n = g.shape[0];
        const eye = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
        expectClose(g.dataSync(), eye, 0, 1e-5, `Gram matrix of ${shape}`);
      });
    }
  });

  it('LSTM defaults: orthogonal recurrent kernel, forget-gate bias 1 (unitForgetBias)', () => {
    const l = zoo.layers.lstm({ units: 3 });
    zoo.tidy(() => {
      l.apply(zoo.zeros([1, 2, 4]));
    });
    expect(Array.from(l.bias!.dataSync())).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const cfg = l.getConfig();
    expect((cfg.recurrentInitializer as { class_name: string }).class_name).toBe('Orthogonal');
    expect(cfg.recurrentActivation).toBe('hardSigmoid');
    l.dispose();
  });
});

describe('errors', () => {
  it('rejects inputs of the wrong rank or size, with the shape', () => {
    const l = zoo.layers.lstm({ units: 2 });
    zoo.tidy(() => {
      expect(() => l.apply(zoo.zeros([4, 3]))).toThrow(
        /lstm.*: expected input of shape \[batch, timesteps, features\] \(rank 3, features known\), got \[4,3\]/,
      );
      l.apply(zoo.zeros([1, 2, 3]));
      expect(() => l.apply(zoo.zeros([4, 3]))).toThrow(
        /expected input of shape \[batch, timesteps, 3\] \(rank 3\), got \[4,3\] \(rank 2: .*reshape to \[4, 3, 1\]/,
      );
      expect(() => l.apply(zoo.zeros([4, 2, 5]))).toThrow(
        /expected input of shape \[batch, timesteps, 3\], got \[4,2,5\] \(5 features\)/,
      );
    });
    const td = zoo.layers.timeDistributed({ layer: zoo.layers.dense({ units: 2 }) });
    expect(() => zoo.tidy(() => td.apply(zoo.zeros([4, 3])))).toThrow(
      /expected input of rank >= 3 \[batch, timesteps, \.\.\.\], got \[4,3\]/,
    );
    l.dispose();
  });

  it('names an id outside the vocabulary and its position', () => {
    const e = zoo.layers.embedding({ inputDim: 5, outputDim: 2, name: 'tok' });
    zoo.tidy(() => {
      expect(() =>
        e.apply(
          zoo.tensor([
            [1, 2, 3],
            [4, 5, 0],
          ]),
        ),
      ).toThrow('tok: token id 5 at position [1,1] of the input [2,3] is outside [0, 5)');
      expect(() => e.apply(zoo.tensor([[-1]], [1, 1], 'int32'))).toThrow(
        'tok: token id -1 at position [0,0]',
      );
      expect(() => e.apply(zoo.tensor([[1.5]]))).toThrow(
        'tok: token id 1.5 at position [0,0] of the input [1,1] is not an integer in [0, 5)',
      );
    });
    e.dispose();
  });

  it('rejects initial states of the wrong shape or count', () => {
    const l = zoo.layers.lstm({ units: 3, name: 'enc' });
    const g = zoo.layers.gru({ units: 3, name: 'dec' });
    zoo.tidy(() => {
      const x = zoo.zeros([2, 4, 5]);
      expect(() => l.apply([x, zoo.zeros([2, 3]), zoo.zeros([2, 4])])).toThrow(
        'enc: initial state c must have shape [2, 3] (batch, units), got [2,4]',
      );
      expect(() => l.apply([x, zoo.zeros([2, 3])])).toThrow(
        'enc: expected 2 initial state tensor(s) (h, c) after the input, got 1',
      );
      expect(() => g.apply([x, zoo.zeros([1, 3])])).toThrow(
        'dec: initial state h must have shape [2, 3] (batch, units), got [1,3]',
      );
    });
    l.dispose();
    g.dispose();
  });

  it('rejects bad options and non-recurrent wrapped layers (recurrentDropout trains)', () => {
    const l = zoo.layers.lstm({ units: 2, recurrentDropout: 0.2, name: 'rd' });
    zoo.tidy(() => {
      const x = zoo.ones([1, 2, 2]);
      expect((l.apply(x) as zoo.Tensor).shape).toEqual([1, 2]);
      // Training with recurrent dropout runs (recurrent-dropout.test.ts checks its semantics).
      expect((l.apply(x, { training: true }) as zoo.Tensor).shape).toEqual([1, 2]);
    });
    l.dispose();
    expect(() => zoo.layers.lstm({ units: 2, recurrentDropout: 1 })).toThrow(
      'recurrentDropout must be in [0, 1), got 1',
    );
    expect(() => zoo.layers.lstm({ units: 0 })).toThrow('units must be a positive integer');
    expect(() => zoo.layers.gru({ units: 2, recurrentActivation: 'softmax' })).toThrow(
      "unsupported recurrentActivation 'softmax'",
    );
    expect(() =>
      zoo.layers.bidirectional({ layer: zoo.layers.dense({ units: 2 }) as unknown as zoo.LSTM }),
    ).toThrow('layer must be an LSTM or GRU layer, got Dense');
    expect(() =>
      zoo.layers.bidirectional({ layer: zoo.layers.lstm({ units: 2 }), mergeMode: 'max' as Any }),
    ).toThrow("mergeMode must be 'concat', 'sum', 'ave', 'mul' or null, got 'max'");
    expect(() => zoo.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(
      'inputDim must be a positive integer',
    );
  });
});
