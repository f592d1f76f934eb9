import { beforeAll, describe, expect, it } from 'vitest';
import * as zoo from '../src/index.js';

beforeAll(() => zoo.ready());

/** The model's layers without the InputLayer. */
function layersOf(m: zoo.LayersModel): zoo.Layer[] {
  return m.layers.filter((l) => l.getClassName() !== 'InputLayer');
}

const lstmParams = (d: number, u: number) => 4 * u * (d + u + 1);

describe('layer factories', () => {
  it('lstm has 4u(d+u+1) parameters in the Keras layout; gru 3u(d+u+1) (2 bias rows with resetAfter)', () => {
    const m = zoo.sequential();
    m.add(zoo.lstm({ units: 7, inputShape: [5, 3], returnSequences: true }));
    m.add(zoo.gru({ units: 4 }));
    m.add(zoo.dense({ units: 2 }));
    const [l, g] = layersOf(m) as zoo.RNNLayer[];
    expect(l.countParams()).toBe(lstmParams(3, 7));
    expect(l.kernel?.shape).toEqual([3, 28]);
    expect(l.recurrentKernel?.shape).toEqual([7, 28]);
    expect(l.bias?.shape).toEqual([28]);
    expect(g.countParams()).toBe(3 * 4 * (7 + 4 + 1));
    const g2 = zoo.gru({ units: 4, resetAfter: true });
    g2.build([null, 5, 7]);
    expect(g2.countParams()).toBe(3 * 4 * (7 + 4 + 2));
    const y = m.predict(zoo.zeros([2, 5, 3]));
    expect(y.shape).toEqual([2, 2]);
    y.dispose();
    m.dispose();
  });

  it('embedding, bidirectional and timeDistributed compose', () => {
    const m = zoo.sequential();
    m.add(zoo.embedding({ inputDim: 10, outputDim: 4, maskZero: true }));
    m.add(zoo.bidirectional({ layer: zoo.lstm({ units: 3, returnSequences: true }) }));
    m.add(zoo.timeDistributed({ layer: zoo.dense({ units: 2 }) }));
    expect(m.countParams()).toBe(40 + 2 * lstmParams(4, 3) + (6 * 2 + 2));
    const y = m.predict(zoo.tensor(Int32Array.of(1, 2, 0, 3, 4, 5), [2, 3], 'int32'));
    expect(y.shape).toEqual([2, 3, 2]);
    y.dispose();
    expect(zoo.layers.lstm).toBeTypeOf('function');
    m.dispose();
  });
});

describe('textClassifier()', () => {
  it('builds Embedding → LSTM → Dense(softmax) with the expected parameter count', () => {
    const m = zoo.textClassifier({ vocabSize: 100, embeddingDim: 8, units: 16, numClasses: 3 });
    expect(layersOf(m).map((l) => l.getClassName())).toEqual(['Embedding', 'LSTM', 'Dense']);
    expect(m.countParams()).toBe(100 * 8 + lstmParams(8, 16) + (16 * 3 + 3));
    expect((layersOf(m)[0] as zoo.Embedding).maskZero).toBe(true);
    const y = m.predict(zoo.tensor(Int32Array.of(5, 6, 7, 0, 0, 9, 9, 9, 9, 9), [2, 5], 'int32'));
    expect(y.shape).toEqual([2, 3]);
    for (const r of y.arraySync() as number[][]) {
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    y.dispose();
    m.dispose();
  });

  it('bidirectional doubles the LSTM and the output layer reads 2·units; maxLength fixes the input', () => {
    const m = zoo.textClassifier({
      vocabSize: 50,
      embeddingDim: 4,
      units: 6,
      numClasses: 2,
      bidirectional: true,
      maxLength: 12,
    });
    expect(layersOf(m).map((l) => l.getClassName())).toEqual([
      'Embedding',
      'Bidirectional',
      'Dense',
    ]);
    expect(m.countParams()).toBe(200 + 2 * lstmParams(4, 6) + (12 * 2 + 2));
    expect(m.inputs[0].shape).toEqual([null, 12]);
    m.dispose();
  });

  it('skips padding (id 0) through the mask, in both directions', () => {
    for (const bidirectional of [false, true]) {
      const m = zoo.textClassifier({
        vocabSize: 10,
        embeddingDim: 3,
        units: 4,
        numClasses: 2,
        bidirectional,
      });
      const padded = m.predict(zoo.tensor(Int32Array.of(5, 6, 7, 0, 0), [1, 5], 'int32'));
      const plain = m.predict(zoo.tensor(Int32Array.of(5, 6, 7), [1, 3], 'int32'));
      const a = padded.dataSync();
      const b = plain.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 6);
      zoo.dispose([padded, plain]);
      m.dispose();
    }
  });

  it('rejects bad options', () => {
    expect(() => zoo.textClassifier({ vocabSize: 0, numClasses: 2 })).toThrow(/vocabSize/);
    expect(() => zoo.textClassifier({ vocabSize: 5, numClasses: 1 })).toThrow(/numClasses/);
  });

  it('survives a save/load round trip with the same predictions', async () => {
    zoo.setSeed(3);
    const m = zoo.textClassifier({
      vocabSize: 20,
      embeddingDim: 5,
      units: 4,
      numClasses: 3,
      bidirectional: true,
    });
    const x = zoo.tensor(Int32Array.of(1, 2, 3, 0, 4, 5, 6, 7), [2, 4], 'int32');
    const before = m.predict(x);
    let saved: zoo.ModelArtifacts | undefined;
    await m.save(
      zoo.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const m2 = await zoo.loadLayersModel(zoo.io.fromMemory(saved!));
    expect(layersOf(m2).map((l) => l.getClassName())).toEqual([
      'Embedding',
      'Bidirectional',
      'Dense',
    ]);
    expect(m2.countParams()).toBe(m.countParams());
    const after = m2.predict(x);
    const a = before.dataSync();
    const b = after.dataSync();
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
    zoo.dispose([x, before, after]);
    m.dispose();
    m2.dispose();
  });
});

describe('CharVocab', () => {
  it('numbers the sorted distinct characters and round-trips text', () => {
    const v = zoo.CharVocab.fromText('hello world');
    expect(v.size).toBe(8);
    expect(v.chars).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(Array.from(v.encode('hold'))).toEqual([3, 5, 4, 1]);
    expect(v.decode(v.encode('low world'))).toBe('low world');
    expect(zoo.CharVocab.fromJSON(JSON.parse(JSON.stringify(v))).chars).toEqual(v.chars);
    const u = zoo.CharVocab.fromText('é😀a');
    expect(u.size).toBe(3);
    expect(u.decode(u.encode('😀é'))).toBe('😀é');
  });

  it('names unknown characters and ids', () => {
    const v = zoo.CharVocab.fromText('abc');
    expect(() => v.encode('abz')).toThrow(/"z".*not in the vocabulary of 3/);
    expect(() => v.decode([0, 3])).toThrow(/id 3 is outside \[0, 3\)/);
    expect(() => new zoo.CharVocab(['a', 'a'])).toThrow(/twice/);
  });
});

describe('charLanguageModel()', () => {
  const vocab = zoo.CharVocab.fromText('abcdefghij \n');

  it('builds Embedding → LSTM × layers → Dense(vocab) at every step', () => {
    const m = zoo.charLanguageModel({ vocab, units: 8, embeddingDim: 4, layers: 2, dropout: 0.1 });
    expect(layersOf(m).map((l) => l.getClassName())).toEqual([
      'Embedding',
      'LSTM',
      'Dropout',
      'LSTM',
      'Dropout',
      'Dense',
    ]);
    const V = vocab.size;
    expect(m.countParams()).toBe(V * 4 + lstmParams(4, 8) + lstmParams(8, 8) + (8 * V + V));
    expect(m.vocab).toBe(vocab);
    const y = m.predict(zoo.tensor(Int32Array.of(0, 1, 2, 3, 4, 5), [2, 3], 'int32'));
    expect(y.shape).toEqual([2, 3, V]);
    y.dispose();
    m.dispose();
  });

  it('generate is deterministic for a seed, has the requested length, and steps the state exactly', () => {
    zoo.setSeed(11);
    const m = zoo.charLanguageModel({ vocab, units: 16, embeddingDim: 6, layers: 2 });
    m.predict(zoo.zeros([1, 1])).dispose(); // builds the weights
    const before = zoo.memory().numTensors;
    const a = m.generate('abc', { length: 50, seed: 7 });
    expect(zoo.memory().numTensors).toBe(before); // no tensor leaks per step
    const b = m.generate('abc', { length: 50, seed: 7 });
    const c = m.generate('abc', { length: 50, seed: 8 });
    expect(a).toHaveLength(50);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(m.generate('abc', { length: 5, seed: 7, includeSeed: true })).toBe(
      `abc${a.slice(0, 5)}`,
    );
    expect(m.generate('abc', { length: 0 })).toBe('');
    // Greedy generation carries (h, c) step by step: each character must be the argmax of the
    // full model run on the whole text so far.
    const greedy = m.generate('abc', { length: 8, temperature: 0 });
    let text = 'abc';
    for (const ch of greedy) {
      const ids = vocab.encode(text);
      const p = m.predict(zoo.tensor(ids, [1, ids.length], 'int32'));
      const last = p.dataSync().slice((ids.length - 1) * vocab.size, ids.length * vocab.size);
      p.dispose();
      let best = 0;
      for (let i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
      expect(ch).toBe(vocab.chars[best]);
      text += ch;
    }
    expect(Array.from(m.generateIds(vocab.encode('abc'), { length: 8, temperature: 0 }))).toEqual(
      Array.from(vocab.encode(greedy)),
    );
    expect(() => m.generate('abz', { length: 3 })).toThrow(/not in the vocabulary/);
    expect(() => m.generate('', { length: 3 })).toThrow(/non-empty/);
    m.dispose();
  });

  it('accepts vocabSize alone (API contract); generate then asks for a vocabulary', () => {
    const m = zoo.charLanguageModel({ vocabSize: 5, units: 4, embeddingDim: 2 });
    expect(m.vocab).toBeNull();
    expect(m.countParams()).toBe(10 + lstmParams(2, 4) + (4 * 5 + 5));
    expect(m.generateIds([1, 2], { length: 4, seed: 1 })).toHaveLength(4);
    expect(() => m.generate('ab')).toThrow(/no vocabulary/);
    expect(() => m.generateIds([5])).toThrow(/outside \[0, 5\)/);
    const withVocab = zoo.asCharLanguageModel(m, new zoo.CharVocab(['a', 'b', 'c', 'd', 'e']));
    expect(withVocab.generate('ab', { length: 3, seed: 1 })).toHaveLength(3);
    expect(() => zoo.charLanguageModel({ units: 4 } as never)).toThrow(/vocab/);
    m.dispose();
  });

  it('learns to continue a repeated string', async () => {
    zoo.setSeed(5);
    const text = 'the cat sat on the mat. '.repeat(40);
    const v = zoo.CharVocab.fromText(text);
    const m = zoo.charLanguageModel({ vocab: v, units: 48, embeddingDim: 8 });
    m.compile({ optimizer: zoo.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const { x, y } = zoo.charSequences(v.encode(text), 24, { stride: 3 });
    const h = await m.fit(x, y, { epochs: 25, batchSize: 32, verbose: 0 });
    zoo.dispose([x, y]);
    expect(h.history.loss[h.history.loss.length - 1]).toBeLessThan(0.3);
    expect(m.generate('the cat', { length: 40, temperature: 0 })).toBe(
      ' sat on the mat. the cat sat on the mat.',
    );
    m.dispose();
  });

  it('charSequences shifts targets by one', () => {
    const { x, y } = zoo.charSequences(Int32Array.of(0, 1, 2, 3, 4, 5, 6), 3, { stride: 2 });
    expect(x.arraySync()).toEqual([
      [0, 1, 2],
      [2, 3, 4],
    ]);
    expect(y.arraySync()).toEqual([
      [1, 2, 3],
      [3, 4, 5],
    ]);
    zoo.dispose([x, y]);
  });
});

describe('time-series helpers', () => {
  it('windowed makes [n, steps, features] inputs and [n, horizon·features] targets', () => {
    const { x, y } = zoo.windowed([1, 2, 3, 4, 5, 6], 3, 2);
    expect(x.shape).toEqual([2, 3, 1]);
    expect(x.arraySync()).toEqual([
      [[1], [2], [3]],
      [[2], [3], [4]],
    ]);
    expect(y.arraySync()).toEqual([
      [4, 5],
      [5, 6],
    ]);
    zoo.dispose([x, y]);
    const m = zoo.windowed(
      [
        [1, 10],
        [2, 20],
        [3, 30],
        [4, 40],
      ],
      2,
    );
    expect(m.x.arraySync()).toEqual([
      [
        [1, 10],
        [2, 20],
      ],
      [
        [2, 20],
        [3, 30],
      ],
    ]);
    expect(m.y.arraySync()).toEqual([
      [3, 30],
      [4, 40],
    ]);
    zoo.dispose([m.x, m.y]);
    expect(() => zoo.windowed([1, 2, 3], 3)).toThrow(/too short/);
  });

  it('scalers fit, transform and invert per feature', () => {
    const mm = zoo.minMaxScaler().fit([2, 4, 6]);
    expect(mm.transform([2, 4, 6, 8])).toEqual([0, 0.5, 1, 1.5]);
    expect(mm.inverseTransform([0, 0.5, 1.5])).toEqual([2, 4, 8]);
    const r = zoo.minMaxScaler([-1, 1]).fitTransform([0, 5, 10]);
    expect(r).toEqual([-1, 0, 1]);
    const st = zoo.standardScaler().fit([1, 3]);
    expect(st.params).toEqual({ offset: [2], scale: [1] });
    expect(st.transform([1, 2, 5])).toEqual([-1, 0, 3]);
    expect(st.inverseTransform(st.transform([7, -3]))).toEqual([7, -3]);
    const two = zoo.standardScaler().fit([
      [0, 10],
      [2, 10],
    ]);
    expect(two.transform([[1, 10]])).toEqual([[0, 0]]);
    expect(() => zoo.standardScaler().transform([1])).toThrow(/fit/);
  });

  it('seasonalNaive and rmse on known values', () => {
    expect(zoo.seasonalNaive([1, 2, 3, 4, 5], 2)).toEqual([1, 2, 3]);
    expect(zoo.rmse([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(zoo.rmse([0, 0], [3, 4])).toBeCloseTo(Math.sqrt(12.5), 12);
    expect(() => zoo.rmse([1], [1, 2])).toThrow(/1 values but predicted has 2/);
  });

  it('forecaster beats seasonal naive on a synthetic seasonal series with a trend', async () => {
    zoo.setSeed(2);
    let s = 1;
    const noise = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const series = Array.from(
      { length: 120 },
      (_, t) => 20 + 0.5 * t + 5 * Math.sin((2 * Math.PI * t) / 12) + noise(),
    );
    const test = 24;
    const trainEnd = series.length - test;
    const steps = 12;
    // First differences, standardized on the training part; forecast = previous value + step.
    const d = series.slice(1).map((v, i) => v - series[i]); // d[i] is step i+1
    const scaler = zoo.standardScaler().fit(d.slice(0, trainEnd - 1));
    const ds = scaler.transform(d) as number[];
    const { x, y } = zoo.windowed(ds.slice(0, trainEnd - 1), steps);
    const m = zoo.forecaster({ inputSteps: steps, units: 16 });
    expect(m.countParams()).toBe(lstmParams(1, 16) + 17);
    m.compile({ optimizer: zoo.train.adam(0.01), loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
    const wins: number[] = [];
    for (let t = trainEnd; t < series.length; t++) wins.push(...ds.slice(t - 1 - steps, t - 1));
    const xt = zoo.tensor(wins, [test, steps, 1]);
    const p = m.predict(xt);
    const dHat = scaler.inverseTransform(Array.from(p.dataSync())) as number[];
    const forecast = dHat.map((v, i) => series[trainEnd + i - 1] + v);
    const actual = series.slice(trainEnd);
    const model = zoo.rmse(actual, forecast);
    const naive = zoo.rmse(actual, zoo.seasonalNaive(series, 12).slice(-test));
    expect(model).toBeLessThan(naive);
    zoo.dispose([x, y, xt, p]);
    m.dispose();
  });
});
