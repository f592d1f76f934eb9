// Recurrent models move both ways between Zoo and @tensorflow/tfjs-layers 4.22 through the
// LayersModel format and predict the same: embedding(maskZero) + lstm / gru / bidirectional(lstm)
// with returnSequences true and false and a dense head, Sequential and functional, on padded ids.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';
import { io, loadLayersModel } from '../src/io/index.js';
import { type LayersModel, Sequential } from '../src/layers/model.js';
import { tfArtifacts, zooArtifacts } from './artifacts.js';
import { expectClose, prepare, rand, tf } from './oracle.js';

beforeAll(prepare);

/**
 * tfjs-layers's Orthogonal initializer (the default recurrent initializer, run when TF.js
 * builds a loaded LSTM) calls chained tensor methods only the full @tensorflow/tfjs bundle
 * registers; add the few it needs.
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

const VOCAB = 12;
const T = 7;
const BATCH = 4;

type Rnn = 'lstm' | 'gru' | 'bidirectional(lstm)';
const RNNS: Rnn[] = ['lstm', 'gru', 'bidirectional(lstm)'];
type Form = 'Sequential' | 'functional';

// biome-ignore lint/suspicious/noExplicitAny: the option objects are shared by both libraries.
type Any = any;

/** Layers for both libraries from the same recipe. */
function recipe(lib: 'zoo' | 'tf', rnn: Rnn, returnSequences: boolean): Any[] {
  const L: Any = lib === 'zoo' ? zoo.layers : tfl.layers;
  const emb = L.embedding({ inputDim: VOCAB, outputDim: 5, maskZero: true, inputLength: T });
  const cell = (units: number, extra: Any = {}) =>
    rnn === 'gru'
      ? L.gru({ units, returnSequences, ...extra })
      : L.lstm({ units, returnSequences, ...extra });
  const body =
    rnn === 'bidirectional(lstm)'
      ? L.bidirectional({ layer: cell(4), mergeMode: 'concat' })
      : cell(6, { recurrentActivation: 'sigmoid' });
  return [emb, body, L.dense({ units: 3, activation: 'softmax' })];
}

function buildZoo(rnn: Rnn, rs: boolean, form: Form): LayersModel {
  const layers = recipe('zoo', rnn, rs) as zoo.Layer[];
  if (form === 'Sequential') return zoo.sequential({ layers });
  const x = zoo.input({ shape: [T] });
  let h = x;
  for (const l of layers) h = l.apply(h);
  return zoo.model({ inputs: x, outputs: h });
}

function buildTf(rnn: Rnn, rs: boolean, form: Form): tfl.LayersModel {
  const layers = recipe('tf', rnn, rs) as tfl.layers.Layer[];
  if (form === 'Sequential') return tfl.sequential({ layers });
  const x = tfl.input({ shape: [T] });
  let h = x;
  for (const l of layers) h = l.apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: h });
}

function weightValues(shapes: number[][], seed: number): Float32Array[] {
  return shapes.map((s, i) =>
    rand(
      s.reduce((a, b) => a * b, 1),
      seed + i,
      -0.7,
      0.7,
    ),
  );
}

function setTfWeights(m: tfl.LayersModel, seed: number): void {
  const shapes = m.weights.map((w) => w.shape as number[]);
  const values = weightValues(shapes, seed).map((d, i) => tf.tensor(d, shapes[i]));
  m.setWeights(values);
  tf.dispose(values);
}

function setZooWeights(m: LayersModel, seed: number): void {
  const shapes = m.weights.map((w) => [...w.shape]);
  zoo.tidy(() => m.setWeights(weightValues(shapes, seed).map((d, i) => zoo.tensor(d, shapes[i]))));
}

/** Padded ids: row b has 7 - 2b real tokens (at least 1), zeros after, one zero inside row 0. */
const ids = (() => {
  const r = rand(BATCH * T, 31, 1, VOCAB);
  const out = new Float32Array(BATCH * T);
  for (let b = 0; b < BATCH; b++) {
    const len = Math.max(1, T - 2 * b);
    for (let t = 0; t < len; t++) out[b * T + t] = Math.floor(r[b * T + t]);
  }
  out[2] = 0;
  return out;
})();

const tfPredict = (m: tfl.LayersModel): Float32Array =>
  tf.tidy(() => (m.predict(tf.tensor(ids, [BATCH, T])) as tf.Tensor).dataSync() as Float32Array);

const zooPredict = (m: LayersModel): Float32Array =>
  zoo.tidy(() => m.predict(zoo.tensor(ids, [BATCH, T])).dataSync() as Float32Array);

const classes = (ls: { getClassName(): string }[]) =>
  ls.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer');

const CASES: [Rnn, boolean, Form][] = [];
RNNS.forEach((rnn, i) => {
  for (const rs of [true, false])
    CASES.push([rnn, rs, (i + (rs ? 1 : 0)) % 2 ? 'functional' : 'Sequential']);
});

describe('TF.js -> Zoo', () => {
  CASES.forEach(([rnn, rs, form], k) => {
    it(`a ${form} embedding + ${rnn} (returnSequences ${rs}) + dense model loads and predicts the same`, async () => {
      const tm = buildTf(rnn, rs, form);
      setTfWeights(tm, 100 + 10 * k);
      const expected = tfPredict(tm);
      const artifacts = await tfArtifacts(tm);
      const before = zoo.memory().numTensors;
      const zm = await loadLayersModel(io.fromMemory(artifacts));
      expect(zm instanceof Sequential).toBe(form === 'Sequential');
      expect(classes(zm.layers)).toEqual(classes(tm.layers));
      expect(zm.weightNames()).toEqual(artifacts.weightSpecs!.map((s) => s.name));
      expect(zm.outputs[0].shape).toEqual(tm.outputs[0].shape);
      const got = zooPredict(zm);
      expectClose(got, expected, 1e-5, 1e-5, `${rnn} ${form} predictions`);
      zm.dispose();
      expect(zoo.memory().numTensors, 'Zoo tensors left after dispose').toBe(before);
      tm.dispose();
    });
  });
});

describe('Zoo -> TF.js', () => {
  CASES.forEach(([rnn, rs, form], k) => {
    it(`a ${form} embedding + ${rnn} (returnSequences ${rs}) + dense model saved by Zoo loads in TF.js`, async () => {
      const before = zoo.memory().numTensors;
      const zm = buildZoo(rnn, rs, form);
      setZooWeights(zm, 200 + 10 * k);
      const expected = zooPredict(zm);
      const artifacts = await zooArtifacts(zm);
      const tm = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      expect(classes(tm.layers)).toEqual(classes(zm.layers));
      expect(tm.weights.map((w) => w.originalName)).toEqual(zm.weightNames());
      const got = tfPredict(tm);
      expectClose(got, expected, 1e-5, 1e-5, `${rnn} ${form} predictions`);
      // And back: TF.js re-saves what Zoo wrote; Zoo reloads it and predicts the same.
      const again = await loadLayersModel(io.fromMemory(await tfArtifacts(tm)));
      expect(zooPredict(again)).toEqual(expected);
      again.dispose();
      tm.dispose();
      zm.dispose();
      expect(zoo.memory().numTensors, 'Zoo tensors left after dispose').toBe(before);
    });
  });

  it('a GRU with resetAfter, timeDistributed and bidirectional(gru, sum) round-trip through Zoo', async () => {
    const before = zoo.memory().numTensors;
    const x = zoo.input({ shape: [T] });
    let h = zoo.layers.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true }).apply(x);
    h = zoo.layers.gru({ units: 4, resetAfter: true, returnSequences: true }).apply(h);
    h = zoo.layers.timeDistributed({ layer: zoo.layers.dense({ units: 5 }) }).apply(h);
    h = zoo.layers
      .bidirectional({ layer: zoo.layers.gru({ units: 2 }), mergeMode: 'sum' })
      .apply(h);
    const zm = zoo.model({ inputs: x, outputs: h });
    setZooWeights(zm, 300);
    const expected = zooPredict(zm);
    const again = await loadLayersModel(io.fromMemory(await zooArtifacts(zm)));
    expect(zooPredict(again)).toEqual(expected);
    again.dispose();
    zm.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('writes the same layer configs as tfjs-layers', async () => {
    for (const rnn of RNNS) {
      const zm = buildZoo(rnn, true, 'Sequential');
      const tm = buildTf(rnn, true, 'Sequential');
      type Topo = { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
      const zt = (await zooArtifacts(zm)).modelTopology as Topo;
      const tt = (await tfArtifacts(tm)).modelTopology as unknown as Topo;
      expect(zt.config.layers.map((l) => l.class_name)).toEqual(
        tt.config.layers.map((l) => l.class_name),
      );
      const compareConfigs = (
        z: Record<string, unknown>,
        t: Record<string, unknown>,
        what: string,
      ) => {
        expect(Object.keys(z).sort(), `${what} config keys`).toEqual(Object.keys(t).sort());
        for (const [k, v] of Object.entries(z)) {
          // Names, initializers (seeds, TF.js's glorot spelling) and TF.js's unset
          // unit_forget_bias (null) differ; everything else must be equal.
          if (k === 'name' || k.endsWith('_initializer') || k === 'unit_forget_bias') continue;
          if (k === 'layer') {
            const zl = v as { class_name: string; config: Record<string, unknown> };
            const tl = t[k] as typeof zl;
            expect(zl.class_name).toBe(tl.class_name);
            compareConfigs(zl.config, tl.config, `${what} wrapped layer`);
            continue;
          }
          expect(v, `${what} ${k}`).toEqual(t[k]);
        }
      };
      zt.config.layers.forEach((l, i) => {
        compareConfigs(l.config, tt.config.layers[i].config, `${rnn} layer ${i} (${l.class_name})`);
      });
      zm.dispose();
      tm.dispose();
    }
  });
});
