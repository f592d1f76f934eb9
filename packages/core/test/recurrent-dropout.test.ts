// Recurrent dropout (`recurrentDropout`) and input dropout (`dropout`) of the LSTM and GRU
// layers: in training, one mask per sequence (drawn at each call, the same at every timestep),
// as tfjs-layers' cells; inference untouched. The op-level checks (fused forward and BPTT with
// a fixed mask against a tfjs-core step-by-step composition and finite differences, with and
// without time masks, LSTM and GRU both reset modes) are in rnn.test.ts.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectPaddedClassifierLearns, sameWeights } from './layer-helpers.js';
import { expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

// biome-ignore lint/suspicious/noExplicitAny: reaching into tfjs-layers' cells to inject masks.
type Any = any;

/**
 * The masks a layer call draws, in order: `zoo.dropout(ones(shape), rate)` from the global
 * generator after `setSeed(seed)`, exactly as RNNLayer.call does (input dropout first when
 * both are on, then the recurrent mask; a Bidirectional's forward layer, then its backward one).
 */
function drawMasks(seed: number, shapes: number[][], rate: number): Float32Array[] {
  zoo.setSeed(seed);
  return shapes.map((s) =>
    zoo.tidy(() => Float32Array.from(zoo.dropout(zoo.ones(s), rate).dataSync())),
  );
}

/** Row lengths -> [batch, T] 0/1 mask of a post-padded batch. */
function padMask(lens: number[], T: number): Float32Array {
  const m = new Float32Array(lens.length * T);
  lens.forEach((n, b) => {
    for (let t = 0; t < n; t++) m[b * T + t] = 1;
  });
  return m;
}

const makeZoo = (kind: 'lstm' | 'gru', a: Record<string, unknown>) =>
  kind === 'lstm' ? zoo.layers.lstm(a as Any) : zoo.layers.gru(a as Any);
const makeTfl = (kind: 'lstm' | 'gru', a: Record<string, unknown>) =>
  (kind === 'lstm' ? tfl.layers.lstm(a as Any) : tfl.layers.gru(a as Any)) as tfl.RNN;

describe('recurrentDropout in training matches tfjs-layers given the same masks', () => {
  // tfjs-layers' cells take a `dropoutFunc` (their test hook): it is called with ones shaped
  // like h and the rate, and its result is the recurrent mask. Zoo's masks are reproduced from
  // the seed, then handed to TF.js through it, so both run the same masks.
  const B = 3;
  const T = 5;
  const F = 4;
  const units = 5;
  const rate = 0.4;
  const lens = [5, 3, 2];
  const cases: { kind: 'lstm' | 'gru'; bidi: boolean; returnSequences: boolean }[] = [
    { kind: 'lstm', bidi: false, returnSequences: true },
    { kind: 'gru', bidi: false, returnSequences: false },
    { kind: 'lstm', bidi: true, returnSequences: false },
    { kind: 'gru', bidi: true, returnSequences: true },
  ];
  for (const c of cases) {
    const name = `${c.bidi ? 'bidirectional ' : ''}${c.kind}${c.returnSequences ? ', returnSequences' : ''}, padded batch`;
    it(name, () => {
      const before = zoo.memory().numTensors;
      const seed = 31 + units;
      // GRU: TF.js 4.22 implements resetAfter false only (Zoo's GRU layer default).
      const args = {
        units,
        recurrentDropout: rate,
        returnSequences: c.returnSequences,
        recurrentInitializer: 'glorotUniform',
      };
      const zl: zoo.Layer = c.bidi
        ? zoo.layers.bidirectional({ layer: makeZoo(c.kind, args) as zoo.LSTM })
        : makeZoo(c.kind, args);
      const tl: tfl.layers.Layer = c.bidi
        ? tfl.layers.bidirectional({ layer: makeTfl(c.kind, args) })
        : makeTfl(c.kind, args);
      const xd = rand(B * T * F, seed);
      const md = padMask(lens, T);
      const zx = zoo.tensor(xd, [B, T, F]);
      const zm = zoo.tensor(md, [B, T]);
      const tx = tf.tensor(xd, [B, T, F]);
      const tm = tf.tensor(md, [B, T]);
      zoo.dispose(zl.apply(zx) as zoo.Tensor);
      tf.dispose(tl.apply(tx) as tf.Tensor);
      sameWeights(zl, tl, seed + 10, 0.6);

      const masks = drawMasks(
        seed,
        c.bidi
          ? [
              [B, units],
              [B, units],
            ]
          : [[B, units]],
        rate,
      );
      // Some units dropped, some kept (else the test would prove little).
      const all = masks.flatMap((m) => Array.from(m));
      expect(all.some((v) => v === 0) && all.some((v) => v > 1)).toBe(true);
      const cells: Any[] = c.bidi
        ? [(tl as Any).forwardLayer.cell, (tl as Any).backwardLayer.cell]
        : [(tl as Any).cell];
      cells.forEach((cell, i) => {
        cell.dropoutFunc = (ones: tf.Tensor) => tf.tensor(masks[i], ones.shape);
      });
      const outShape = zl.computeOutputShape([B, T, F]) as number[];
      const dyd = rand(
        outShape.reduce((a, b) => a * b, 1),
        seed + 40,
        0.5,
        1.5,
      );

      // Zoo: training mode, the masks from the seed.
      const zvars = zl.trainableWeights;
      const z = zoo.tidy(() => {
        zoo.setSeed(seed);
        const dy = zoo.tensor(dyd, outShape);
        let y: Float32Array | null = null;
        const { value, grads } = zoo.variableGrads(() => {
          const out = zl.apply(zx, { training: true, mask: zm }) as zoo.Tensor;
          y = Float32Array.from(out.dataSync());
          return zoo.sum(zoo.mul(out, dy));
        }, zvars);
        value.dispose();
        const inference = Float32Array.from((zl.apply(zx, { mask: zm }) as zoo.Tensor).dataSync());
        return {
          y: y!,
          inference,
          grads: zvars.map((v) => Float32Array.from(grads[v.name].dataSync())),
        };
      });
      // TF.js: the same.
      const tvars = tl.trainableWeights.map((w) => w.read() as tf.Variable);
      const t = tf.tidy(() => {
        const dy = tf.tensor(dyd, outShape);
        let y: Float32Array | null = null;
        const { grads } = tf.variableGrads(() => {
          const out = tl.apply(tx, { training: true, mask: tm }) as tf.Tensor;
          y = out.dataSync() as Float32Array;
          return tf.sum(tf.mul(out, dy)) as tf.Scalar;
        }, tvars);
        const inference = (tl.apply(tx, { mask: tm }) as tf.Tensor).dataSync() as Float32Array;
        return {
          y: y!,
          inference,
          grads: tvars.map((v) => grads[v.name].dataSync() as Float32Array),
        };
      });
      expectClose(z.y, t.y, 1e-4, 1e-5, 'training output');
      expectClose(z.inference, t.inference, 1e-4, 1e-5, 'inference output');
      // Dropout is on in training: the outputs differ from inference.
      expect(Math.max(...z.y.map((v, i) => Math.abs(v - z.inference[i])))).toBeGreaterThan(1e-3);
      const names = zvars.map((v) => v.name);
      z.grads.forEach((g, i) => {
        expectClose(g, t.grads[i], 1e-3, 1e-4, `gradient of ${names[i]}`);
      });
      zoo.dispose([zx, zm]);
      tf.dispose([tx, tm]);
      zl.dispose();
      tl.dispose();
      expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
    });
  }
});

/**
 * A layer whose outputs reveal its masks. Gates pinned by hardSigmoid biases (+-10 give exactly
 * 1 and 0), the candidate reading only its own unit: with recurrent dropout mask m,
 * LSTM: h_t[j] = tanh(tanh(0.3 + m_j * h_{t-1}[j])); GRU: h_t[j] = tanh(0.3 + m_j * h_{t-1}[j]).
 * With input dropout (inputDim = units, kernel = identity on the candidate, no recurrence):
 * h_t[j] = act(0.3 + m_j * x_t[j]) with act tanh∘tanh (LSTM) or tanh (GRU).
 */
function revealing(
  kind: 'lstm' | 'gru',
  units: number,
  opts: { recurrentDropout?: number; dropout?: number; resetAfter?: boolean },
): { layer: zoo.Layer; next: (prev: number, m: number, x: number) => number } {
  const n = units;
  const input = opts.dropout !== undefined;
  const layer = makeZoo(kind, {
    units: n,
    ...opts,
    returnSequences: true,
    recurrentActivation: 'hardSigmoid',
  });
  zoo.tidy(() => {
    layer.apply(zoo.zeros([1, 2, input ? n : 1]));
  });
  const F = input ? n : 1;
  const G = kind === 'lstm' ? 4 : 3;
  const kernel = new Float32Array(F * G * n);
  const rec = new Float32Array(n * G * n);
  // The candidate block: 2 (LSTM: i, f, c, o) or 2 (GRU: z, r, h).
  const cand = 2;
  for (let j = 0; j < n; j++) {
    if (input) kernel[j * G * n + cand * n + j] = 1;
    else rec[j * G * n + cand * n + j] = 1;
  }
  const bias1 = new Float32Array(G * n);
  for (let j = 0; j < n; j++) {
    if (kind === 'lstm') {
      bias1[j] = 10; // i = 1
      bias1[n + j] = -10; // f = 0
      bias1[2 * n + j] = 0.3;
      bias1[3 * n + j] = 10; // o = 1
    } else {
      bias1[j] = -10; // z = 0: h = hh
      bias1[n + j] = 10; // r = 1
      bias1[2 * n + j] = 0.3;
    }
  }
  const ra = kind === 'gru' && opts.resetAfter === true;
  const bias = ra ? Float32Array.from([...bias1, ...new Float32Array(G * n)]) : bias1;
  zoo.tidy(() =>
    layer.setWeights([
      zoo.tensor(kernel, [F, G * n]),
      zoo.tensor(rec, [n, G * n]),
      zoo.tensor(bias, ra ? [2, G * n] : [G * n]),
    ]),
  );
  const act = kind === 'lstm' ? (v: number) => Math.tanh(Math.tanh(v)) : Math.tanh;
  const next = input
    ? (_prev: number, m: number, x: number) => act(0.3 + m * x)
    : (prev: number, m: number) => act(0.3 + m * prev);
  return { layer, next };
}

describe('one mask per sequence, the same at every timestep', () => {
  const B = 7;
  const T = 9;
  const units = 13;
  const rate = 0.45;
  const scale = 1 / (1 - rate);
  const variants: { kind: 'lstm' | 'gru'; resetAfter?: boolean; input: boolean }[] = [
    { kind: 'lstm', input: false },
    { kind: 'gru', input: false },
    { kind: 'gru', resetAfter: true, input: false },
    { kind: 'lstm', input: true },
    { kind: 'gru', input: true },
  ];
  for (const v of variants) {
    const what = `${v.kind}${v.resetAfter ? ' (resetAfter)' : ''}: ${v.input ? 'dropout (inputs)' : 'recurrentDropout'}`;
    it(`${what}: a dropped unit stays dropped over time, a kept one stays kept`, () => {
      const before = zoo.memory().numTensors;
      const { layer, next } = revealing(
        v.kind,
        units,
        v.input
          ? { dropout: rate, resetAfter: v.resetAfter }
          : { recurrentDropout: rate, resetAfter: v.resetAfter },
      );
      const F = v.input ? units : 1;
      // Inputs away from 0 so a dropped input feature shows (only read with input dropout).
      const xd = rand(B * T * F, 5, 0.5, 1.5);
      const x = zoo.tensor(xd, [B, T, F]);
      const seed = 123;
      // Input dropout draws [B, 1, F] (one mask per sequence), recurrent dropout [B, units].
      const [want] = drawMasks(seed, [v.input ? [B, 1, F] : [B, units]], rate);
      zoo.setSeed(seed);
      const y = zoo.tidy(() =>
        Float32Array.from((layer.apply(x, { training: true }) as zoo.Tensor).dataSync()),
      );
      let dropped = 0;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < units; j++) {
          // Which mask value explains every step of (b, j)? Exactly one of 0 and 1/(1-rate).
          const fits = (m: number) => {
            let prev = 0;
            for (let t = 0; t < T; t++) {
              const h = y[(b * T + t) * units + j];
              if (Math.abs(h - next(prev, m, xd[(b * T + t) * F + j])) > 2e-5) return false;
              prev = h;
            }
            return true;
          };
          const f0 = fits(0);
          const f1 = fits(scale);
          if (f0 === f1) {
            expect.fail(`row ${b} unit ${j}: steps fit ${f0 ? 'both masks' : 'neither mask'}`);
          }
          const m = want[b * units + j];
          expect(f0 ? 0 : scale, `row ${b} unit ${j}`).toBeCloseTo(m, 5);
          if (f0) dropped++;
        }
      }
      // About rate of the units dropped, and not the same units in every row.
      expect(dropped).toBeGreaterThan(0.2 * B * units);
      expect(dropped).toBeLessThan(0.7 * B * units);
      const rows = Array.from({ length: B }, (_, b) =>
        Array.from(want.slice(b * units, (b + 1) * units)).join(),
      );
      expect(new Set(rows).size).toBeGreaterThan(1);
      x.dispose();
      layer.dispose();
      expect(zoo.memory().numTensors).toBe(before);
    });
  }
});

describe('recurrentDropout: training vs inference, seeds, memory', () => {
  const B = 4;
  const T = 6;
  const F = 3;
  const units = 7;

  it('inference is unaffected; training draws a new mask per call, reproducible by seed', () => {
    const before = zoo.memory().numTensors;
    for (const kind of ['lstm', 'gru'] as const) {
      const withRd = makeZoo(kind, { units, recurrentDropout: 0.3, returnSequences: true });
      const without = makeZoo(kind, { units, returnSequences: true });
      const x = zoo.tensor(rand(B * T * F, 8), [B, T, F]);
      zoo.tidy(() => {
        withRd.apply(x);
        without.apply(x);
        without.setWeights(withRd.getWeights());
        const data = (t: zoo.Tensor | zoo.Tensor[]) =>
          Float32Array.from((t as zoo.Tensor).dataSync());
        const inf = data(withRd.apply(x));
        expectClose(inf, data(without.apply(x)), 0, 0, `${kind} inference`);
        // training without dropout on the plain layer: the same as inference.
        expectClose(data(without.apply(x, { training: true })), inf, 0, 0, `${kind} rate 0`);
        zoo.setSeed(77);
        const a = data(withRd.apply(x, { training: true }));
        const b = data(withRd.apply(x, { training: true }));
        zoo.setSeed(77);
        const a2 = data(withRd.apply(x, { training: true }));
        expectClose(a2, a, 0, 0, `${kind} same seed`);
        expect(Array.from(b), `${kind}: a new mask per call`).not.toEqual(Array.from(a));
        expect(Array.from(a), `${kind}: training differs from inference`).not.toEqual(
          Array.from(inf),
        );
        // And the layer draws exactly the mask drawMasks reproduces: the op with it agrees.
        const [m] = drawMasks(77, [[B, units]], 0.3);
        const [k, u, bias] = withRd.getWeights();
        const args = {
          x,
          kernel: k,
          recurrentKernel: u,
          bias,
          recurrentDropoutMask: zoo.tensor(m, [B, units]),
          recurrentActivation: 'hardSigmoid' as const,
        };
        const op =
          kind === 'lstm'
            ? zoo.lstmSequence(args).sequence
            : zoo.gruSequence({ ...args, resetAfter: false }).sequence;
        expectClose(data(op), a, 0, 0, `${kind} layer vs op`);
      });
      zoo.dispose(x);
      withRd.dispose();
      without.dispose();
    }
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('GRU resetAfter true and the LSTM agree with the op given the drawn masks (input dropout too)', () => {
    const before = zoo.memory().numTensors;
    for (const kind of ['lstm', 'gru'] as const) {
      const layer = makeZoo(kind, {
        units,
        dropout: 0.2,
        recurrentDropout: 0.35,
        resetAfter: true,
        recurrentActivation: 'sigmoid',
      });
      const x = zoo.tensor(rand(B * T * F, 9), [B, T, F]);
      zoo.tidy(() => {
        layer.apply(x);
        zoo.setSeed(5);
        const got = (layer.apply(x, { training: true }) as zoo.Tensor).dataSync();
        // Input dropout's mask is drawn first ([B, 1, F]), then the recurrent one.
        zoo.setSeed(5);
        const mx = zoo.dropout(zoo.ones([B, 1, F]), 0.2);
        const mh = zoo.dropout(zoo.ones([B, units]), 0.35);
        const [k, u, bias] = layer.getWeights();
        const args = {
          x: zoo.mul(x, mx),
          kernel: k,
          recurrentKernel: u,
          bias,
          recurrentDropoutMask: mh,
          recurrentActivation: 'sigmoid' as const,
        };
        const want =
          kind === 'lstm'
            ? zoo.lstmSequence(args).lastH
            : zoo.gruSequence({ ...args, resetAfter: true }).lastH;
        expectClose(got, want.dataSync(), 0, 0, kind);
      });
      x.dispose();
      layer.dispose();
    }
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('training steps of a bidirectional layer with masking leave memory flat', () => {
    const layer = zoo.layers.bidirectional({
      layer: zoo.layers.gru({ units, recurrentDropout: 0.25, dropout: 0.1, returnSequences: true }),
    });
    const x = zoo.tensor(rand(B * T * F, 10), [B, T, F]);
    const m = zoo.tensor(padMask([6, 4, 1, 3], T), [B, T]);
    layer.apply(x);
    const vars = layer.trainableWeights;
    const step = () =>
      zoo.tidy(() => {
        const { value, grads } = zoo.variableGrads(
          () => zoo.sum(zoo.square(layer.apply(x, { training: true, mask: m }) as zoo.Tensor)),
          vars,
        );
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        for (const v of vars) expect(grads[v.name].shape).toEqual(v.shape);
      });
    step();
    const steady = zoo.memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(zoo.memory().numTensors, 'tensors leaked by training steps').toBe(steady);
    zoo.dispose([x, m]);
    layer.dispose();
  });

  it('fit with recurrentDropout 0.2 on a padded batch reduces the loss', () =>
    expectPaddedClassifierLearns({ lstm: { recurrentDropout: 0.2 }, seed: 3, dataSeed: 78 }));
});
