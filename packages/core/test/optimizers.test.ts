import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const SIZES = [1, 7, 33, 129];
const STEPS = 5;

let uid = 0;
/** A fresh name, unique in both libraries' variable registries. */
const fresh = (base: string) => `${base}_${++uid}`;

/** Variables made by a test, disposed after it. */
const made: { dispose(): void }[] = [];
afterEach(() => {
  for (const v of made.splice(0)) v.dispose();
});

function zooVar(data: Float32Array, name: string): zoo.Variable {
  const v = zoo.tidy(() => zoo.variable(zoo.tensor(data), true, name));
  made.push(v);
  return v;
}

function tfVar(data: Float32Array, name: string): tf.Variable {
  const v = tf.variable(tf.tensor(data), true, name);
  made.push(v);
  return v;
}

/** Sets the learning rate of a TF.js optimizer (SGD/momentum cache it in a scalar). */
function setTfLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (x: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

interface Pair {
  name: string;
  zoo: () => zoo.Optimizer;
  tf: () => tf.Optimizer;
  /** Gradient values for a step (default uniform in [-1, 1)). */
  grad?: (n: number, seed: number) => Float32Array;
}

/** Gradients bounded away from 0 (so TF.js's centered RMSProp, √(ms − mg² − ε), is defined). */
const awayFromZero = (n: number, seed: number) =>
  rand(n, seed, 0.5, 1.5).map((x, i) => (i % 3 === 1 ? -x : x));

const PAIRS: Pair[] = [
  { name: 'sgd', zoo: () => zoo.train.sgd(0.1), tf: () => tf.train.sgd(0.1) },
  {
    name: 'momentum',
    zoo: () => zoo.train.momentum(0.05, 0.9),
    tf: () => tf.train.momentum(0.05, 0.9),
  },
  {
    name: 'momentum nesterov (sgd with options)',
    zoo: () => zoo.train.sgd(0.05, { momentum: 0.8, nesterov: true }),
    tf: () => tf.train.momentum(0.05, 0.8, true),
  },
  { name: 'adam (defaults)', zoo: () => zoo.train.adam(), tf: () => tf.train.adam() },
  {
    name: 'adam',
    zoo: () => zoo.train.adam(0.02, 0.8, 0.99, 1e-6),
    tf: () => tf.train.adam(0.02, 0.8, 0.99, 1e-6),
  },
  { name: 'rmsprop', zoo: () => zoo.train.rmsprop(0.01), tf: () => tf.train.rmsprop(0.01) },
  {
    name: 'rmsprop momentum',
    zoo: () => zoo.train.rmsprop(0.01, 0.8, 0.9, 1e-6),
    tf: () => tf.train.rmsprop(0.01, 0.8, 0.9, 1e-6),
  },
  {
    name: 'rmsprop centered',
    zoo: () => zoo.train.rmsprop(0.01, 0.9, 0.5, 1e-10, true),
    tf: () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-10, true),
    grad: awayFromZero,
  },
  { name: 'adagrad', zoo: () => zoo.train.adagrad(0.1), tf: () => tf.train.adagrad(0.1) },
  {
    name: 'adagrad initial 0.5',
    zoo: () => zoo.train.adagrad(0.05, 0.5),
    tf: () => tf.train.adagrad(0.05, 0.5),
  },
];

/**
 * Runs STEPS updates of the same optimizer in Zoo and TF.js from the same weights with the
 * same gradients (two variables: one of n elements, one of 3), comparing after each step.
 * `lrAt` optionally changes the learning rate before a step.
 */
function golden(p: Pair, n: number, lrAt?: { step: number; lr: number }): void {
  const zopt = p.zoo();
  const topt = p.tf();
  const names = [fresh('w'), fresh('b')];
  const sizes = [n, 3];
  const init = sizes.map((s, i) => rand(s, 10 * n + i));
  const zv = names.map((nm, i) => zooVar(init[i], nm));
  const tv = names.map((nm, i) => tfVar(init[i], nm));
  const grad = p.grad ?? ((k: number, seed: number) => rand(k, seed));
  for (let step = 0; step < STEPS; step++) {
    if (lrAt !== undefined && step === lrAt.step) {
      zopt.learningRate = lrAt.lr;
      setTfLearningRate(topt, lrAt.lr);
    }
    const gs = sizes.map((s, i) => grad(s, 1000 + 31 * step + i + n));
    zoo.tidy(() => {
      // Alternate the two accepted forms: a map by name, and a list of {name, tensor}.
      if (step % 2 === 0) {
        zopt.applyGradients({ [names[0]]: zoo.tensor(gs[0]), [names[1]]: zoo.tensor(gs[1]) });
      } else {
        zopt.applyGradients(names.map((name, i) => ({ name, tensor: zoo.tensor(gs[i]) })));
      }
    });
    tf.tidy(() => {
      topt.applyGradients({ [names[0]]: tf.tensor(gs[0]), [names[1]]: tf.tensor(gs[1]) });
    });
    for (let i = 0; i < 2; i++) {
      expectClose(
        zv[i].dataSync(),
        tv[i].dataSync() as Float32Array,
        1e-5,
        1e-6,
        `${p.name} n=${n} step ${step + 1} variable ${i}`,
      );
    }
  }
  expect(zopt.iterations).toBe(STEPS);
  zopt.dispose();
  topt.dispose();
}

describe('optimizers follow TF.js trajectories (rtol 1e-5)', () => {
  for (const p of PAIRS) {
    for (const n of SIZES) {
      it(`${p.name}, ${n} elements`, () => golden(p, n));
    }
    it(`${p.name}: a learning-rate change between steps takes effect`, () =>
      golden(p, 7, { step: 3, lr: 0.3 }));
  }

  it('minimize on a quadratic matches TF.js (adam, momentum, rmsprop)', () => {
    const target = rand(33, 77, -2, 2);
    const makers: [() => zoo.Optimizer, () => tf.Optimizer][] = [
      [() => zoo.train.adam(0.1), () => tf.train.adam(0.1)],
      [() => zoo.train.momentum(0.05, 0.9, true), () => tf.train.momentum(0.05, 0.9, true)],
      [() => zoo.train.rmsprop(0.01, 0.9, 0.5), () => tf.train.rmsprop(0.01, 0.9, 0.5)],
    ];
    for (const [mz, mt] of makers) {
      const name = fresh('q');
      const init = rand(33, 5);
      const zw = zooVar(init, name);
      const tw = tfVar(init, name);
      const zt = zoo.tensor(target);
      const tt = tf.tensor(target);
      const zopt = mz();
      const topt = mt();
      for (let step = 0; step < STEPS; step++) {
        const zc = zopt.minimize(() => zoo.sum(zoo.square(zoo.sub(zw, zt))), true, [zw]);
        const tc = topt.minimize(() => tf.sum(tf.square(tf.sub(tw, tt))), true, [tw]);
        expectClose(zc!.dataSync(), tc!.dataSync() as Float32Array, 1e-5, 1e-5, 'cost');
        zc!.dispose();
        tc!.dispose();
        expectClose(zw.dataSync(), tw.dataSync() as Float32Array, 1e-5, 1e-6, `step ${step}`);
      }
      zopt.dispose();
      topt.dispose();
      zt.dispose();
      tt.dispose();
    }
  });
});

describe('AdamW', () => {
  /** The published rule (Keras AdamW with TF.js's Adam step) in float64. */
  function reference(
    w0: Float32Array,
    grads: Float32Array[],
    lrs: number[],
    wd: number,
    b1: number,
    b2: number,
    eps: number,
  ): Float64Array {
    const w = Float64Array.from(w0);
    const m = new Float64Array(w.length);
    const v = new Float64Array(w.length);
    grads.forEach((g, s) => {
      const t = s + 1;
      const lr = lrs[s];
      for (let i = 0; i < w.length; i++) {
        w[i] -= lr * wd * w[i];
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const mh = m[i] / (1 - b1 ** t);
        const vh = v[i] / (1 - b2 ** t);
        w[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
    });
    return w;
  }

  for (const n of SIZES) {
    it(`matches the float64 rule, ${n} elements (with a learning-rate change)`, () => {
      const name = fresh('aw');
      const w0 = rand(n, n, -3, 3);
      const w = zooVar(w0, name);
      const opt = zoo.train.adamw(0.01, 0.1, 0.9, 0.999, 1e-7);
      const grads: Float32Array[] = [];
      const lrs: number[] = [];
      for (let s = 0; s < STEPS; s++) {
        if (s === 3) opt.learningRate = 0.05;
        lrs.push(opt.learningRate);
        const g = rand(n, 500 + s);
        grads.push(g);
        zoo.tidy(() => opt.applyGradients({ [name]: zoo.tensor(g) }));
        expectClose(
          w.dataSync(),
          reference(w0, grads, lrs, 0.1, 0.9, 0.999, 1e-7),
          1e-5,
          1e-6,
          `step ${s + 1}`,
        );
      }
      opt.dispose();
    });
  }

  it('with weightDecay 0 is Adam exactly; defaults are Keras/TF.js ones', () => {
    const init = rand(33, 3);
    const a = zooVar(init, fresh('a'));
    const b = zooVar(init, fresh('b'));
    const adam = zoo.train.adam(0.01);
    const adamw = zoo.train.adamw(0.01, 0);
    for (let s = 0; s < 3; s++) {
      zoo.tidy(() => {
        const g = zoo.tensor(rand(33, 40 + s));
        adam.applyGradients({ [a.name]: g });
        adamw.applyGradients({ [b.name]: g });
      });
    }
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(zoo.train.adamw().getConfig()).toEqual({
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      weightDecay: 0.004,
    });
    adam.dispose();
    adamw.dispose();
  });
});

describe('optimizer state and memory', () => {
  const all: [string, () => zoo.Optimizer, number][] = [
    ['sgd', () => zoo.train.sgd(0.1), 0],
    ['momentum', () => zoo.train.momentum(0.1, 0.9), 1],
    ['adam', () => zoo.train.adam(), 2],
    ['adamw', () => zoo.train.adamw(), 2],
    ['rmsprop', () => zoo.train.rmsprop(0.01), 2],
    ['rmsprop centered', () => zoo.train.rmsprop(0.01, 0.9, 0, 1e-7, true), 3],
    ['adagrad', () => zoo.train.adagrad(0.1), 1],
  ];
  for (const [label, make, nSlots] of all) {
    it(`${label}: slots are made once; later steps allocate nothing; dispose frees them`, () => {
      const w = zooVar(rand(129, 1), fresh('m'));
      const b = zooVar(rand(7, 2), fresh('m'));
      const gw = zoo.tensor(rand(129, 3));
      const gb = zoo.tensor(rand(7, 4));
      const grads = { [w.name]: gw, [b.name]: gb };
      const opt = make();
      const before = zoo.memory();
      opt.applyGradients(grads);
      const after1 = zoo.memory();
      expect(after1.numTensors - before.numTensors).toBe(2 * nSlots);
      for (let s = 2; s <= STEPS; s++) {
        opt.applyGradients(grads);
        const now = zoo.memory();
        expect(now.numTensors, `step ${s} tensors`).toBe(after1.numTensors);
        expect(now.numBytes, `step ${s} bytes`).toBe(after1.numBytes);
        expect(now.heapBytes, `step ${s} heap`).toBe(after1.heapBytes);
      }
      // minimize frees its gradients and (without returnCost) the value.
      const m0 = zoo.memory().numTensors;
      for (let s = 0; s < 3; s++) {
        expect(opt.minimize(() => zoo.add(zoo.sum(zoo.square(w)), zoo.sum(b)), false, [w, b])).toBe(
          null,
        );
      }
      expect(zoo.memory().numTensors).toBe(m0);
      expect(opt.iterations).toBe(STEPS + 3);
      opt.dispose();
      expect(zoo.memory().numTensors).toBe(before.numTensors);
      zoo.dispose([gw, gb]);
    });
  }

  it('minimize without varList updates every trainable variable', () => {
    const w = zooVar(Float32Array.of(1, 2), fresh('all'));
    const opt = zoo.train.sgd(0.25);
    const cost = opt.minimize(() => zoo.sum(zoo.square(w)), true);
    expect(cost!.dataSync()[0]).toBe(5);
    cost!.dispose();
    // w - 0.25 * 2w = w / 2
    expect(Array.from(w.dataSync())).toEqual([0.5, 1]);
  });

  it('a null gradient leaves its variable (and the others) alone', () => {
    const a = zooVar(Float32Array.of(1, 1), fresh('n'));
    const b = zooVar(Float32Array.of(1, 1), fresh('n'));
    const opt = zoo.train.sgd(1);
    zoo.tidy(() => opt.applyGradients({ [a.name]: null, [b.name]: zoo.tensor([1, 2]) }));
    expect(Array.from(a.dataSync())).toEqual([1, 1]);
    expect(Array.from(b.dataSync())).toEqual([0, -1]);
  });

  it('getWeights / setWeights resume training exactly', async () => {
    const name = fresh('resume');
    const init = rand(33, 9);
    const w = zooVar(init, name);
    const gradsAt = (s: number) => rand(33, 900 + s);
    const a = zoo.train.adam(0.05);
    for (let s = 0; s < 2; s++)
      zoo.tidy(() => a.applyGradients({ [name]: zoo.tensor(gradsAt(s)) }));
    const saved = (await a.getWeights()).map((nt) => ({
      name: nt.name,
      data: nt.tensor.dataSync().slice(),
      dtype: nt.tensor.dtype,
    }));
    expect(saved.map((s) => s.name)).toEqual(['iter', `${name}/m`, `${name}/v`]);
    const midW = w.dataSync().slice();
    for (let s = 2; s < 5; s++)
      zoo.tidy(() => a.applyGradients({ [name]: zoo.tensor(gradsAt(s)) }));
    const endA = w.dataSync().slice();
    a.dispose();

    zoo.tidy(() => w.assign(zoo.tensor(midW)));
    const b = zoo.train.adam(0.05);
    const restored = saved.map((s) => ({
      name: s.name,
      tensor: zoo.tensor(s.data, undefined, s.dtype),
    }));
    await b.setWeights(restored);
    zoo.dispose(restored.map((r) => r.tensor));
    expect(b.iterations).toBe(2);
    for (let s = 2; s < 5; s++)
      zoo.tidy(() => b.applyGradients({ [name]: zoo.tensor(gradsAt(s)) }));
    expect(Array.from(w.dataSync())).toEqual(Array.from(endA));
    b.dispose();
  });

  it('getConfig / getClassName / fromConfig round-trip', () => {
    const opts: zoo.Optimizer[] = [
      zoo.train.sgd(0.1),
      zoo.train.momentum(0.1, 0.5, true),
      zoo.train.adam(0.01, 0.8, 0.99, 1e-6),
      zoo.train.adamw(0.01, 0.1),
      zoo.train.rmsprop(0.01, 0.8, 0.3, 1e-6, true),
      zoo.train.adagrad(0.2, 0.3),
    ];
    const classes = [
      zoo.SGDOptimizer,
      zoo.MomentumOptimizer,
      zoo.AdamOptimizer,
      zoo.AdamWOptimizer,
      zoo.RMSPropOptimizer,
      zoo.AdagradOptimizer,
    ];
    const names = ['SGD', 'Momentum', 'Adam', 'AdamW', 'RMSProp', 'Adagrad'];
    opts.forEach((o, i) => {
      expect(o.getClassName()).toBe(names[i]);
      expect(classes[i].className).toBe(names[i]);
      const again = classes[i].fromConfig(o.getConfig());
      expect(again).toBeInstanceOf(classes[i]);
      expect(again.getConfig()).toEqual(o.getConfig());
    });
    // The same keys as TF.js.
    expect(Object.keys(zoo.train.rmsprop(0.1).getConfig()).sort()).toEqual(
      Object.keys(tf.train.rmsprop(0.1).getConfig()).sort(),
    );
    expect(zoo.train.momentum(0.1, 0.9).getConfig()).toEqual(
      tf.train.momentum(0.1, 0.9).getConfig(),
    );
    expect(zoo.train.adagrad(0.1).getConfig()).toEqual(tf.train.adagrad(0.1).getConfig());
  });
});

describe('errors and lookup', () => {
  it('names an unknown variable and updates nothing', () => {
    const w = zooVar(Float32Array.of(1, 2, 3), fresh('e'));
    const opt = zoo.train.sgd(1);
    zoo.tidy(() => {
      expect(() =>
        opt.applyGradients({ [w.name]: zoo.tensor([1, 1, 1]), nope_xyz: zoo.tensor([1]) }),
      ).toThrow("SGD.applyGradients: unknown variable 'nope_xyz' (no live variable has this name)");
    });
    expect(Array.from(w.dataSync())).toEqual([1, 2, 3]);
    expect(opt.iterations).toBe(0);
  });

  it('rejects a gradient whose shape differs', () => {
    const w = zooVar(Float32Array.of(1, 2, 3), fresh('e'));
    const opt = zoo.train.adam();
    zoo.tidy(() => {
      expect(() =>
        opt.applyGradients([{ name: w.name, tensor: zoo.tensor([1, 2, 3, 4]) }]),
      ).toThrow(
        `Adam.applyGradients: the gradient of '${w.name}' has shape [4], the variable has shape [3]`,
      );
    });
    expect(Array.from(w.dataSync())).toEqual([1, 2, 3]);
  });

  it('rejects a disposed gradient and bad hyperparameters', () => {
    const w = zooVar(Float32Array.of(1), fresh('e'));
    const g = zoo.tensor([1]);
    g.dispose();
    expect(() => zoo.train.sgd(1).applyGradients({ [w.name]: g })).toThrow(/was disposed/);
    expect(() => zoo.train.sgd(Number.NaN)).toThrow('SGD: learningRate must be a finite number');
    expect(() => zoo.train.adam(0.1, 1)).toThrow('Adam: beta1 must be in [0, 1), got 1');
    const opt = zoo.train.adam();
    expect(() => {
      opt.learningRate = Number.POSITIVE_INFINITY;
    }).toThrow(/learningRate must be a finite number/);
    expect(opt.learningRate).toBe(0.001);
  });

  it('getOptimizer maps Keras / TF.js names to their defaults', () => {
    const cases: [string, zoo.Optimizer['constructor'], number][] = [
      ['sgd', zoo.SGDOptimizer, 0.01],
      ['SGD', zoo.SGDOptimizer, 0.01],
      ['Adam', zoo.AdamOptimizer, 0.001],
      ['adamw', zoo.AdamWOptimizer, 0.001],
      ['RMSProp', zoo.RMSPropOptimizer, 0.001],
      ['adagrad', zoo.AdagradOptimizer, 0.01],
    ];
    for (const [id, cls, lr] of cases) {
      const o = zoo.getOptimizer(id);
      expect(o).toBeInstanceOf(cls);
      expect(o.learningRate).toBe(lr);
    }
    expect(zoo.getOptimizer('adam').getConfig()).toEqual({
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    expect(zoo.getOptimizer('rmsprop').getConfig()).toEqual({
      learningRate: 0.001,
      decay: 0.9,
      momentum: 0,
      epsilon: 1e-7,
      centered: false,
    });
    const mine = zoo.train.adam(0.5);
    expect(zoo.getOptimizer(mine)).toBe(mine);
    expect(() => zoo.getOptimizer('xyz')).toThrow(
      "Unknown optimizer 'xyz'; expected one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'",
    );
    expect(() => zoo.getOptimizer('constructor')).toThrow(/Unknown optimizer/);
  });

  it('sgd with momentum options gives a momentum optimizer', () => {
    const plain = zoo.train.sgd(0.1, { momentum: 0 });
    expect(plain.getClassName()).toBe('SGD');
    const m = zoo.train.sgd(0.1, { momentum: 0.9, nesterov: true });
    expect(m).toBeInstanceOf(zoo.MomentumOptimizer);
    expect(m.getConfig()).toEqual({ learningRate: 0.1, momentum: 0.9, useNesterov: true });
  });
});
