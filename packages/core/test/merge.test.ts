// Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate): values and
// gradients against tfjs-core, functional models with several inputs both ways with
// tfjs-layers, and clear errors for inputs that do not fit.
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfArtifacts, zooArtifacts } from './artifacts.js';
import { checkOp, expectClose, prepare, rand, tf, zoo } from './oracle.js';

const { io, loadLayersModel } = zoo;
type LayersModel = zoo.LayersModel;

beforeAll(prepare);

type Kind = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum' | 'concatenate';

const TF_OPS: Record<Kind, (xs: tf.Tensor[]) => tf.Tensor> = {
  add: (xs) => tf.addN(xs),
  subtract: (xs) => tf.sub(xs[0], xs[1]),
  multiply: (xs) => xs.slice(1).reduce((a, b) => tf.mul(a, b), xs[0]),
  average: (xs) => tf.div(tf.addN(xs), xs.length),
  maximum: (xs) => xs.slice(1).reduce((a, b) => tf.maximum(a, b), xs[0]),
  minimum: (xs) => xs.slice(1).reduce((a, b) => tf.minimum(a, b), xs[0]),
  concatenate: (xs) => tf.concat(xs, -1),
};

describe('merge layers: values and gradients', () => {
  const kinds = Object.keys(TF_OPS) as Kind[];
  for (const kind of kinds) {
    for (const n of kind === 'subtract' ? [2] : [2, 3]) {
      it(`${kind} of ${n} inputs matches tfjs-core`, () => {
        const shape = [3, 5, 7];
        const shapes =
          kind === 'concatenate'
            ? [shape, [3, 5, 1], [3, 5, 33]].slice(0, n)
            : Array(n).fill(shape);
        const layer = zoo.layers[kind]({});
        checkOp({
          shapes,
          zoo: (...xs) => layer.apply(xs) as zoo.Tensor,
          tf: (...xs) => TF_OPS[kind](xs),
          gradRtol: 1e-4,
          // max / min have kinks within the finite-difference step; tf's gradient is the oracle.
          fd: kind !== 'maximum' && kind !== 'minimum',
        });
      });
    }
  }
});

describe('merge layers: shape checks', () => {
  it('Add refuses different shapes, naming the layer and the shapes', () => {
    const a = zoo.input({ shape: [8, 8, 16] });
    const b = zoo.input({ shape: [8, 8, 32] });
    expect(() => zoo.layers.add({ name: 'res_add' }).apply([a, b])).toThrow(
      'res_add: Add needs inputs of the same shape (it does not broadcast), got [null,8,8,16], [null,8,8,32]',
    );
    const c = zoo.input({ shape: [8, 16] });
    expect(() => zoo.layers.multiply({ name: 'm' }).apply([a, c])).toThrow(
      'm: Multiply needs inputs of the same shape (it does not broadcast), got [null,8,8,16], [null,8,16]',
    );
    // Concrete tensors too, batch dimension included.
    zoo.tidy(() => {
      expect(() =>
        zoo.layers.add({ name: 'add_c' }).apply([zoo.zeros([2, 3]), zoo.zeros([4, 3])]),
      ).toThrow(
        'add_c: Add needs inputs of the same shape (it does not broadcast), got [2,3], [4,3]',
      );
      expect(() =>
        zoo.layers.add({ name: 'add_b' }).apply([zoo.zeros([2, 3]), zoo.zeros([1, 3])]),
      ).toThrow('add_b: Add needs inputs of the same shape');
    });
  });

  it('unknown dimensions match anything', () => {
    const a = zoo.input({ batchShape: [null, null, 4] });
    const b = zoo.input({ batchShape: [null, 6, 4] });
    const out = zoo.layers.add({}).apply([a, b]) as zoo.SymbolicTensor;
    expect(out.shape).toEqual([null, 6, 4]);
    const cat = zoo.layers.concatenate({ axis: 1 }).apply([a, b]) as zoo.SymbolicTensor;
    expect(cat.shape).toEqual([null, null, 4]);
    const cat2 = zoo.layers.concatenate({}).apply([b, b]) as zoo.SymbolicTensor;
    expect(cat2.shape).toEqual([null, 6, 8]);
  });

  it('needs a list of at least two inputs; Subtract exactly two', () => {
    const a = zoo.input({ shape: [4] });
    expect(() => zoo.layers.add({ name: 'one' }).apply(a)).toThrow(
      'one: a Add layer takes a list of at least 2 inputs, got 1',
    );
    expect(() => zoo.layers.add({ name: 'one_l' }).apply([a])).toThrow(
      'one_l: a Add layer takes a list of at least 2 inputs, got 1',
    );
    expect(() => zoo.layers.subtract({ name: 'sub3' }).apply([a, a, a])).toThrow(
      'sub3: a Subtract layer takes exactly 2 inputs, got 3',
    );
  });

  it('Concatenate checks the other axes and the axis', () => {
    const a = zoo.input({ shape: [4, 5] });
    const b = zoo.input({ shape: [3, 5] });
    expect(() => zoo.layers.concatenate({ name: 'cat' }).apply([a, b])).toThrow(
      'cat: Concatenate needs inputs whose shapes match except along axis -1, got [null,4,5], [null,3,5]',
    );
    expect((zoo.layers.concatenate({ axis: 1 }).apply([a, b]) as zoo.SymbolicTensor).shape).toEqual(
      [null, 7, 5],
    );
    expect(() => zoo.layers.concatenate({ name: 'cat0', axis: 0 }).apply([a, a])).toThrow(
      'cat0: axis 0 is out of range for inputs of rank 3 (the batch axis 0 cannot be joined)',
    );
  });
});

/** Two inputs, dense branches, every merge layer tfjs-layers has, one output. */
// biome-ignore lint/suspicious/noExplicitAny: the builder is shared by Zoo and tfjs-layers.
function mergeNet(lib: any): any {
  const L = lib.layers;
  const a = lib.input({ shape: [6], name: 'in_a' });
  const b = lib.input({ shape: [6], name: 'in_b' });
  const da = L.dense({ units: 5, activation: 'tanh', name: 'da' }).apply(a);
  const db = L.dense({ units: 5, activation: 'tanh', name: 'db' }).apply(b);
  const sum = L.add({ name: 'm_add' }).apply([da, db]);
  const prod = L.multiply({ name: 'm_mul' }).apply([da, db, sum]);
  const avg = L.average({ name: 'm_avg' }).apply([sum, prod]);
  const mx = L.maximum({ name: 'm_max' }).apply([da, avg]);
  const mn = L.minimum({ name: 'm_min' }).apply([db, avg]);
  const cat = L.concatenate({ name: 'm_cat' }).apply([mx, mn, a]);
  const out = L.dense({ units: 3, name: 'out' }).apply(cat);
  return lib.model({ inputs: [a, b], outputs: out });
}

const xa = rand(4 * 6, 1, -1, 1);
const xb = rand(4 * 6, 2, -1, 1);

describe('functional models with merge layers between tfjs-layers and Zoo', () => {
  it('tfjs-layers -> Zoo: two inputs, every merge layer, same predictions', async () => {
    const tm = mergeNet(tfl) as tfl.LayersModel;
    tm.setWeights(
      tm.weights.map((w, i) =>
        tf.tensor(rand(w.shape.reduce((p, d) => p! * d!, 1)!, 10 + i), w.shape as number[]),
      ),
    );
    const expected = tf.tidy(() =>
      (tm.predict([tf.tensor(xa, [4, 6]), tf.tensor(xb, [4, 6])]) as tf.Tensor).dataSync(),
    );
    const before = zoo.memory().numTensors;
    const zm = await loadLayersModel(io.fromMemory(await tfArtifacts(tm)));
    expect(zm.layers.map((l) => l.name)).toEqual(tm.layers.map((l) => l.name));
    expect(zm.inputs.length).toBe(2);
    const got = zoo.tidy(() =>
      (zm.apply([zoo.tensor(xa, [4, 6]), zoo.tensor(xb, [4, 6])]) as zoo.Tensor).dataSync(),
    );
    expectClose(got, expected as Float32Array, 1e-5, 1e-6, 'predictions');
    zm.dispose();
    expect(zoo.memory().numTensors).toBe(before);
    tm.dispose();
  });

  it('Zoo -> tfjs-layers: the same model saved by Zoo loads in tfl.loadLayersModel', async () => {
    const before = zoo.memory().numTensors;
    const zm = mergeNet(zoo) as LayersModel;
    zoo.tidy(() =>
      zm.setWeights(
        zm.weights.map((w, i) => zoo.tensor(rand(w.size, 30 + i), w.shape as number[])),
      ),
    );
    const expected = zoo.tidy(() =>
      (zm.apply([zoo.tensor(xa, [4, 6]), zoo.tensor(xb, [4, 6])]) as zoo.Tensor).dataSync(),
    );
    const artifacts = await zooArtifacts(zm);
    const tm = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(tm.layers.map((l) => l.getClassName())).toEqual(zm.layers.map((l) => l.getClassName()));
    const got = tf.tidy(() =>
      (tm.predict([tf.tensor(xa, [4, 6]), tf.tensor(xb, [4, 6])]) as tf.Tensor).dataSync(),
    );
    expectClose(got as Float32Array, expected, 1e-5, 1e-6, 'predictions');
    // Zoo -> Zoo, with Subtract (which tfjs-layers lacks) added.
    const again = await loadLayersModel(io.fromMemory(artifacts));
    expect(again.getConfig()).toEqual(zm.getConfig());
    again.dispose();
    zm.dispose();
    tm.dispose();
    const a = zoo.input({ shape: [3] });
    const b = zoo.input({ shape: [3] });
    const sm = zoo.model({
      inputs: [a, b],
      outputs: zoo.layers.subtract({ name: 'diff' }).apply([a, b]) as zoo.SymbolicTensor,
    });
    const sm2 = await loadLayersModel(io.fromMemory(await zooArtifacts(sm)));
    expect(sm2.getLayer('diff').getClassName()).toBe('Subtract');
    zoo.tidy(() => {
      const y = sm2.apply([zoo.tensor([[5, 6, 7]]), zoo.tensor([[1, 2, 3]])]) as zoo.Tensor;
      expect(Array.from(y.dataSync())).toEqual([4, 4, 4]);
    });
    expect(zoo.memory().numTensors).toBe(before);
  });
});

describe('merge layers combine masks as Keras', () => {
  // tfjs-layers 4.22's Merge.computeMask is broken (it expands and ignores masks), so the
  // oracle is its embedding and LSTM layers run on the merged values with the AND of the masks.
  it('add / concatenate of two masked embeddings into an LSTM', () => {
    const ta = [1, 2, 3, 0, 0, 0, 4, 5, 6, 7, 8, 1, 0, 0, 0, 0, 0, 0];
    const tb = [1, 2, 0, 0, 0, 0, 4, 5, 6, 7, 8, 0, 3, 3, 3, 0, 0, 0];
    for (const merge of ['add', 'concatenate'] as const) {
      const L = zoo.layers;
      const a = zoo.input({ shape: [6] });
      const b = zoo.input({ shape: [6] });
      const embA = L.embedding({ inputDim: 9, outputDim: 4, maskZero: true });
      const embB = L.embedding({ inputDim: 9, outputDim: 4, maskZero: true });
      const rnn = L.lstm({ units: 3 });
      const merged = L[merge]({}).apply([
        embA.apply(a) as zoo.SymbolicTensor,
        embB.apply(b) as zoo.SymbolicTensor,
      ]) as zoo.SymbolicTensor;
      const zm = zoo.model({ inputs: [a, b], outputs: rnn.apply(merged) as zoo.SymbolicTensor });
      const values = [embA, embB, rnn].map((l) =>
        l.getWeights().map((w, i) => rand(w.size, 40 + i + w.size, -0.8, 0.8)),
      );
      zoo.tidy(() =>
        [embA, embB, rnn].forEach((l, j) => {
          l.setWeights(values[j].map((v, i) => zoo.tensor(v, l.getWeights()[i].shape as number[])));
        }),
      );
      const got = zoo.tidy(() =>
        (zm.apply([zoo.tensor(ta, [3, 6]), zoo.tensor(tb, [3, 6])]) as zoo.Tensor).dataSync(),
      );
      const expected = tf.tidy(() => {
        const te = [0, 1].map((j) => {
          const l = tfl.layers.embedding({ inputDim: 9, outputDim: 4 });
          l.build([null, 6]);
          l.setWeights([tf.tensor(values[j][0], [9, 4])]);
          return l.apply(tf.tensor(j === 0 ? ta : tb, [3, 6])) as tf.Tensor;
        });
        const m = merge === 'add' ? tf.add(te[0], te[1]) : tf.concat(te, -1);
        const lstm = tfl.layers.lstm({ units: 3, recurrentInitializer: 'glorotUniform' });
        const mask = tf.logicalAnd(
          tf.notEqual(tf.tensor(ta, [3, 6]), 0),
          tf.notEqual(tf.tensor(tb, [3, 6]), 0),
        );
        lstm.apply(m, { mask }); // builds the weights
        lstm.setWeights(
          values[2].map((v, i) => tf.tensor(v, rnn.getWeights()[i].shape as number[])),
        );
        return (lstm.apply(m, { mask }) as tf.Tensor).dataSync();
      });
      expectClose(got, expected as Float32Array, 1e-5, 1e-6, `${merge} with masks`);
      zm.dispose();
    }
  });
});
