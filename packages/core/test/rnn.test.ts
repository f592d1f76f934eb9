import { beforeAll, describe, expect, it } from 'vitest';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

type Act = zoo.RnnActivation;

interface Case {
  batch: number;
  T: number;
  inputDim: number;
  units: number;
  activation?: Act;
  recurrentActivation?: Act;
  goBackwards?: boolean;
  h0?: boolean;
  c0?: boolean;
  /** [batch, T] of 0/1. */
  mask?: number[];
  bias?: boolean;
  /** GRU only (default true). */
  resetAfter?: boolean;
  fd?: boolean;
  /** Recurrent dropout mask [batch, units] (flattened): multiplies h_{t-1} in each step. */
  recMask?: number[];
}

/** TF.js activation by Keras name (hardSigmoid as tfjs-layers: clip(0.5 + 0.2x, 0, 1)). */
function tfAct(name: Act, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'hardSigmoid':
      return tf.clipByValue(tf.add(0.5, tf.mul(0.2, x)), 0, 1);
    case 'relu':
      return tf.relu(x);
    default:
      return x;
  }
}

/** Timestep t of x [batch, T, n] as [batch, n]. */
function stepOf(x: tf.Tensor, t: number): tf.Tensor {
  const [b, , n] = x.shape;
  return tf.reshape(tf.slice(x, [0, t, 0], [b, 1, n]), [b, n]);
}

/** Mask column t as [batch, 1] (or null). */
function maskCol(c: Case, t: number): tf.Tensor | null {
  if (!c.mask) return null;
  const col = Array.from({ length: c.batch }, (_, b) => c.mask![b * c.T + t]);
  return tf.tensor(col, [c.batch, 1]);
}

/** The recurrent dropout mask as a [batch, units] tensor (or null). */
function recMaskOf(c: Case): tf.Tensor | null {
  return c.recMask ? tf.tensor(c.recMask, [c.batch, c.units]) : null;
}

/** What a step sees of h_{t-1}: h * recMask with recurrent dropout (tfjs-layers' cells). */
const seen = (h: tf.Tensor, rm: tf.Tensor | null) => (rm === null ? h : tf.mul(h, rm));

/** where(m, a, b) for a 0/1 column m, as TF.js's rnn(): a*m + b*(1-m). */
const blend = (m: tf.Tensor | null, a: tf.Tensor, b: tf.Tensor) =>
  m === null ? a : tf.add(tf.mul(a, m), tf.mul(b, tf.sub(1, m)));

/** Step-by-step LSTM in tfjs-core ops (Keras equations), outputs flattened and concatenated. */
function tfLstm(c: Case, x: tf.Tensor, w: tf.Tensor, u: tf.Tensor, rest: tf.Tensor[]): tf.Tensor {
  const [bias, h0, c0] = takeOptional(c, rest, true);
  const act = c.activation ?? 'tanh';
  const ra = c.recurrentActivation ?? 'sigmoid';
  let h: tf.Tensor = h0 ?? tf.zeros([c.batch, c.units]);
  let cs: tf.Tensor = c0 ?? tf.zeros([c.batch, c.units]);
  const rm = recMaskOf(c);
  const outs: tf.Tensor[] = [];
  for (let s = 0; s < c.T; s++) {
    const t = c.goBackwards ? c.T - 1 - s : s;
    // LSTMCell: h_{t-1} * recurrentDropoutMask[0] into the recurrent product (all gates).
    let z = tf.add(tf.matMul(stepOf(x, t), w), tf.matMul(seen(h, rm), u));
    if (bias) z = tf.add(z, bias);
    const [zi, zf, zc, zo] = tf.split(z, 4, 1);
    const nc = tf.add(tf.mul(tfAct(ra, zf), cs), tf.mul(tfAct(ra, zi), tfAct(act, zc)));
    const nh = tf.mul(tfAct(ra, zo), tfAct(act, nc));
    const m = maskCol(c, t);
    h = blend(m, nh, h);
    cs = blend(m, nc, cs);
    outs.push(h);
  }
  const seq = tf.reshape(tf.stack(outs, 1), [c.batch, c.T * c.units]);
  return tf.concat([seq, h, cs], 1);
}

/** Step-by-step GRU in tfjs-core ops (Keras equations, both reset modes). */
function tfGru(c: Case, x: tf.Tensor, w: tf.Tensor, u: tf.Tensor, rest: tf.Tensor[]): tf.Tensor {
  const [bias, h0] = takeOptional(c, rest, false);
  const act = c.activation ?? 'tanh';
  const ra = c.recurrentActivation ?? 'sigmoid';
  const resetAfter = c.resetAfter ?? true;
  const n = c.units;
  let h: tf.Tensor = h0 ?? tf.zeros([c.batch, n]);
  const rm = recMaskOf(c);
  const outs: tf.Tensor[] = [];
  let bIn: tf.Tensor | null = null;
  let bRec: tf.Tensor | null = null;
  if (bias) {
    if (resetAfter) {
      const [b0, b1] = tf.split(bias, 2, 0);
      bIn = tf.reshape(b0, [3 * n]);
      bRec = tf.reshape(b1, [3 * n]);
    } else {
      bIn = bias;
    }
  }
  for (let s = 0; s < c.T; s++) {
    const t = c.goBackwards ? c.T - 1 - s : s;
    let mx = tf.matMul(stepOf(x, t), w);
    if (bIn) mx = tf.add(mx, bIn);
    const [xz, xr, xh] = tf.split(mx, 3, 1);
    // GRUCell: hTMinus1 = hTMinus1 * recurrentDropoutMask[0] for the whole step (carry too);
    // a masked (skipped) step still keeps the unmasked h.
    const hs = seen(h, rm);
    let nh: tf.Tensor;
    if (resetAfter) {
      let inner = tf.matMul(hs, u);
      if (bRec) inner = tf.add(inner, bRec);
      const [rz, rr, rh] = tf.split(inner, 3, 1);
      const z = tfAct(ra, tf.add(xz, rz));
      const r = tfAct(ra, tf.add(xr, rr));
      const hh = tfAct(act, tf.add(xh, tf.mul(r, rh)));
      nh = tf.add(tf.mul(z, hs), tf.mul(tf.sub(1, z), hh));
    } else {
      const [u1, u2] = tf.split(u, [2 * n, n], 1);
      const [rz, rr] = tf.split(tf.matMul(hs, u1), 2, 1);
      const z = tfAct(ra, tf.add(xz, rz));
      const r = tfAct(ra, tf.add(xr, rr));
      const hh = tfAct(act, tf.add(xh, tf.matMul(tf.mul(r, hs), u2)));
      nh = tf.add(tf.mul(z, hs), tf.mul(tf.sub(1, z), hh));
    }
    h = blend(maskCol(c, t), nh, h);
    outs.push(h);
  }
  const seq = tf.reshape(tf.stack(outs, 1), [c.batch, c.T * n]);
  return tf.concat([seq, h], 1);
}

/** Splits the optional trailing arguments (bias, h0, c0) by which the case has. */
function takeOptional<T>(c: Case, rest: T[], lstm: boolean): (T | null)[] {
  let i = 0;
  const bias = c.bias !== false ? rest[i++] : null;
  const h0 = c.h0 ? rest[i++] : null;
  const c0 = lstm && c.c0 ? rest[i++] : null;
  return [bias, h0, c0];
}

function shapes(c: Case, lstm: boolean): number[][] {
  const g = lstm ? 4 : 3;
  const s = [
    [c.batch, c.T, c.inputDim],
    [c.inputDim, g * c.units],
    [c.units, g * c.units],
  ];
  if (c.bias !== false) s.push(!lstm && (c.resetAfter ?? true) ? [2, 3 * c.units] : [g * c.units]);
  if (c.h0) s.push([c.batch, c.units]);
  if (lstm && c.c0) s.push([c.batch, c.units]);
  return s;
}

function zooLstm(c: Case, x: zoo.Tensor, w: zoo.Tensor, u: zoo.Tensor, rest: zoo.Tensor[]) {
  const [bias, h0, c0] = takeOptional(c, rest, true);
  const r = zoo.lstmSequence({
    x,
    kernel: w,
    recurrentKernel: u,
    ...(bias ? { bias } : {}),
    ...(h0 ? { h0 } : {}),
    ...(c0 ? { c0 } : {}),
    ...(c.mask ? { mask: zoo.tensor(c.mask, [c.batch, c.T]) } : {}),
    ...(c.recMask ? { recurrentDropoutMask: zoo.tensor(c.recMask, [c.batch, c.units]) } : {}),
    ...(c.activation ? { activation: c.activation } : {}),
    ...(c.recurrentActivation ? { recurrentActivation: c.recurrentActivation } : {}),
    goBackwards: c.goBackwards ?? false,
  });
  const seq = zoo.reshape(r.sequence, [c.batch, c.T * c.units]);
  return zoo.concat([seq, r.lastH, r.lastC], 1);
}

function zooGru(c: Case, x: zoo.Tensor, w: zoo.Tensor, u: zoo.Tensor, rest: zoo.Tensor[]) {
  const [bias, h0] = takeOptional(c, rest, false);
  const r = zoo.gruSequence({
    x,
    kernel: w,
    recurrentKernel: u,
    ...(bias ? { bias } : {}),
    ...(h0 ? { h0 } : {}),
    ...(c.mask ? { mask: zoo.tensor(c.mask, [c.batch, c.T]) } : {}),
    ...(c.recMask ? { recurrentDropoutMask: zoo.tensor(c.recMask, [c.batch, c.units]) } : {}),
    ...(c.activation ? { activation: c.activation } : {}),
    ...(c.recurrentActivation ? { recurrentActivation: c.recurrentActivation } : {}),
    goBackwards: c.goBackwards ?? false,
    resetAfter: c.resetAfter ?? true,
  });
  const seq = zoo.reshape(r.sequence, [c.batch, c.T * c.units]);
  return zoo.concat([seq, r.lastH], 1);
}

/** A 0/1 mask with some steps skipped, including a leading pad in row 0 and a trailing one. */
function someMask(batch: number, T: number): number[] {
  const r = rand(batch * T, 99);
  const m = Array.from(r, (v) => (v < -0.3 ? 0 : 1));
  m[0] = 0;
  if (batch > 1) m[2 * T - 1] = 0;
  return m;
}

/** A recurrent dropout mask as layers draw it: 0 or 1/(1-rate) per (row, unit). */
function someRecMask(batch: number, units: number, rate: number, seed: number): number[] {
  const r = rand(batch * units, seed, 0, 1);
  return Array.from(r, (v) => (v < rate ? 0 : 1 / (1 - rate)));
}

const cases: [string, Case][] = [
  ['basic', { batch: 2, T: 4, inputDim: 3, units: 5 }],
  ['batch 1, T 1', { batch: 1, T: 1, inputDim: 2, units: 3 }],
  ['h0 and c0', { batch: 3, T: 5, inputDim: 4, units: 3, h0: true, c0: true }],
  ['goBackwards', { batch: 2, T: 6, inputDim: 3, units: 4, goBackwards: true, h0: true }],
  ['mask', { batch: 3, T: 6, inputDim: 3, units: 4, mask: someMask(3, 6), h0: true, c0: true }],
  [
    'mask + goBackwards',
    { batch: 3, T: 5, inputDim: 2, units: 3, mask: someMask(3, 5), goBackwards: true },
  ],
  [
    'hardSigmoid (TF.js default)',
    { batch: 2, T: 5, inputDim: 3, units: 4, recurrentActivation: 'hardSigmoid', fd: false },
  ],
  [
    'relu activation, no bias',
    { batch: 2, T: 4, inputDim: 3, units: 3, activation: 'relu', bias: false, fd: false },
  ],
  ['linear activation', { batch: 2, T: 3, inputDim: 2, units: 3, activation: 'linear' }],
  ['larger', { batch: 3, T: 9, inputDim: 7, units: 17, h0: true, c0: true }],
  [
    'recurrent dropout mask',
    {
      batch: 3,
      T: 5,
      inputDim: 3,
      units: 4,
      h0: true,
      c0: true,
      recMask: someRecMask(3, 4, 0.3, 41),
    },
  ],
  [
    'recurrent dropout mask + mask (padded batch) + goBackwards',
    {
      batch: 3,
      T: 6,
      inputDim: 2,
      units: 5,
      mask: someMask(3, 6),
      goBackwards: true,
      h0: true,
      c0: true,
      recMask: someRecMask(3, 5, 0.4, 42),
    },
  ],
  [
    'recurrent dropout mask, batch 5 (packed recurrent kernel), hardSigmoid',
    {
      batch: 5,
      T: 4,
      inputDim: 3,
      units: 7,
      recurrentActivation: 'hardSigmoid',
      mask: someMask(5, 4),
      recMask: someRecMask(5, 7, 0.25, 43),
      h0: true,
      fd: false,
    },
  ],
];

/** Inputs at a Keras-like scale: small weights keep the gates off saturation. */
const input = (c: Case) => (arg: number, n: number, seed: number) => {
  const r = rand(n, seed);
  if (arg === 1 || arg === 2) {
    const fan = arg === 1 ? c.inputDim : c.units;
    return r.map((v) => (v * 1.5) / Math.sqrt(fan));
  }
  return r;
};

describe('lstmSequence matches a step-by-step tfjs-core LSTM (forward, gradients, FD)', () => {
  for (const [name, c] of cases) {
    it(name, () => {
      checkOp({
        shapes: shapes(c, true),
        zoo: (x, w, u, ...rest) => zooLstm(c, x, w, u, rest),
        tf: (x, w, u, ...rest) => tfLstm(c, x, w, u, rest),
        input: input(c),
        rtol: 1e-4,
        atol: 2e-5,
        gradRtol: 1e-3,
        gradAtol: 1e-4,
        fd: c.fd ?? true,
      });
    });
  }
});

describe('gruSequence matches a step-by-step tfjs-core GRU (forward, gradients, FD)', () => {
  for (const resetAfter of [true, false]) {
    for (const [name, c0] of cases) {
      const c = { ...c0, resetAfter };
      it(`${name} (resetAfter ${resetAfter})`, () => {
        checkOp({
          shapes: shapes(c, false),
          zoo: (x, w, u, ...rest) => zooGru(c, x, w, u, rest),
          tf: (x, w, u, ...rest) => tfGru(c, x, w, u, rest),
          input: input(c),
          rtol: 1e-4,
          atol: 2e-5,
          gradRtol: 1e-3,
          gradAtol: 1e-4,
          fd: c.fd ?? true,
        });
      });
    }
  }
});

describe('recurrent ops: semantics and errors', () => {
  it('an int32 mask works as the float one, without leaking', () => {
    const before = zoo.memory().numTensors;
    zoo.tidy(() => {
      const x = zoo.tensor(rand(2 * 4 * 3, 1), [2, 4, 3]);
      const kernel = zoo.tensor(rand(3 * 8, 2), [3, 8]);
      const rec = zoo.tensor(rand(2 * 8, 3), [2, 8]);
      const m = [1, 1, 0, 0, 1, 0, 1, 1];
      const f = (mask: zoo.Tensor) => (xx: zoo.Tensor) =>
        zoo.lstmSequence({ x: xx, kernel, recurrentKernel: rec, mask }).sequence;
      const a = f(zoo.tensor(m, [2, 4]))(x);
      const b = f(zoo.tensor(Int32Array.from(m), [2, 4]))(x);
      expectClose(b.dataSync(), a.dataSync(), 0, 0);
      const ga = zoo.grad(f(zoo.tensor(m, [2, 4])))(x);
      const gb = zoo.grad(f(zoo.tensor(Int32Array.from(m), [2, 4])))(x);
      expectClose(gb.dataSync(), ga.dataSync(), 0, 0);
      // Masked steps of row 0 (t = 2, 3) get no gradient.
      const g = ga.dataSync();
      for (const t of [2, 3]) for (let i = 0; i < 3; i++) expect(g[t * 3 + i]).toBe(0);
    });
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('only the inputs that need gradients get them (weights only)', () => {
    zoo.tidy(() => {
      const x = zoo.tensor(rand(2 * 3 * 2, 4), [2, 3, 2]);
      const kernel = zoo.variable(zoo.tensor(rand(2 * 9, 5), [2, 9]), true, 'rnn_k');
      const rec = zoo.variable(zoo.tensor(rand(3 * 9, 6), [3, 9]), true, 'rnn_u');
      const bias = zoo.variable(zoo.tensor(rand(18, 7), [2, 9]), true, 'rnn_b');
      const { value, grads } = zoo.variableGrads(
        () => zoo.sum(zoo.gruSequence({ x, kernel, recurrentKernel: rec, bias }).lastH),
        [kernel, rec, bias],
      );
      expect(value.rank).toBe(0);
      expect(Object.keys(grads).sort()).toEqual(['rnn_b', 'rnn_k', 'rnn_u']);
      expect(grads.rnn_b.shape).toEqual([2, 9]);
      kernel.dispose();
      rec.dispose();
      bias.dispose();
    });
  });

  it('inference (no tape) leaves no tensors behind but the results', () => {
    const before = zoo.memory().numTensors;
    const x = zoo.tensor(rand(2 * 3 * 2, 4), [2, 3, 2]);
    const kernel = zoo.tensor(rand(2 * 12, 5), [2, 12]);
    const rec = zoo.tensor(rand(3 * 12, 6), [3, 12]);
    const r = zoo.lstmSequence({
      x,
      kernel,
      recurrentKernel: rec,
      mask: [
        [1, 1, 0],
        [1, 0, 1],
      ],
    });
    expect(r.sequence.shape).toEqual([2, 3, 3]);
    expect(r.lastC.shape).toEqual([2, 3]);
    zoo.dispose([x, kernel, rec, r.sequence, r.lastH, r.lastC]);
    // The mask given as an array became a tensor in no scope: tidy() is where it gets freed.
    expect(zoo.memory().numTensors).toBeLessThanOrEqual(before + 1);
  });

  it('rejects bad shapes and names with clear errors', () => {
    zoo.tidy(() => {
      const x = zoo.zeros([2, 3, 4]);
      const k = zoo.zeros([4, 20]);
      const u = zoo.zeros([5, 20]);
      const call = (over: Partial<zoo.LstmSequenceArgs>) => () =>
        zoo.lstmSequence({ x, kernel: k, recurrentKernel: u, ...over });
      expect(call({ x: zoo.zeros([2, 4]) })).toThrow(/rank 3/);
      expect(call({ x: zoo.zeros([2, 0, 4]) })).toThrow(/at least one timestep/);
      expect(call({ kernel: zoo.zeros([3, 20]) })).toThrow(/kernel must have shape \[4, 20\]/);
      expect(call({ recurrentKernel: zoo.zeros([5, 15]) })).toThrow(/recurrentKernel/);
      expect(call({ bias: zoo.zeros([2, 20]) })).toThrow(/bias must have shape \[20\]/);
      expect(call({ h0: zoo.zeros([2, 4]) })).toThrow(/h0 must have shape \[2, 5\]/);
      expect(call({ c0: zoo.zeros([3, 5]) })).toThrow(/c0 must have shape/);
      expect(call({ mask: zoo.zeros([2, 4]) })).toThrow(/mask must have shape \[2, 3\]/);
      expect(call({ recurrentDropoutMask: zoo.zeros([2, 4]) })).toThrow(
        'lstmSequence: recurrentDropoutMask must have shape [2, 5] (batch, units), got [2,4]',
      );
      expect(call({ recurrentDropoutMask: zoo.zeros([2, 5], 'int32') })).toThrow(/float32/);
      expect(call({ activation: 'softmax' as Act })).toThrow(/unsupported activation/);
      const g = () =>
        zoo.gruSequence({
          x,
          kernel: zoo.zeros([4, 15]),
          recurrentKernel: zoo.zeros([5, 15]),
          bias: zoo.zeros([15]),
        });
      expect(g).toThrow(/bias must have shape \[2,15\]/);
    });
  });
});
