import { describe, expect, it } from 'vitest';
import { expectClose, type Harness, harness, randomArray, variants } from './harness.js';

/** Activation codes of the rnn kernels. */
const LINEAR = 0;
const TANH = 1;
const SIGMOID = 2;
const HARD_SIGMOID = 3;
const RELU = 4;

interface Cfg {
  cell: 'lstm' | 'gru';
  batch: number;
  T: number;
  inputDim: number;
  units: number;
  act: number;
  recAct: number;
  backwards: boolean;
  /** GRU only. */
  resetAfter: boolean;
  bias: boolean;
  h0: boolean;
  c0: boolean;
  mask: boolean;
  /** A recurrent dropout mask [batch, units] (zeros and scales, one per sequence). */
  rdrop: boolean;
}

interface Data {
  x: Float32Array;
  kernel: Float32Array;
  rec: Float32Array;
  bias: Float32Array | null;
  h0: Float32Array | null;
  c0: Float32Array | null;
  mask: Float32Array | null;
  rdrop: Float32Array | null;
  dSeq: Float32Array;
  dLastH: Float32Array;
  dLastC: Float32Array;
}

const gates = (c: Cfg) => (c.cell === 'lstm' ? 4 : 3);
const biasSize = (c: Cfg) => gates(c) * c.units * (c.cell === 'gru' && c.resetAfter ? 2 : 1);

function makeData(c: Cfg, seed: number): Data {
  const gu = gates(c) * c.units;
  const scaled = (n: number, s: number, k: number) => randomArray(n, s).map((v) => v * k);
  let mask: Float32Array | null = null;
  if (c.mask) {
    const r = randomArray(c.batch * c.T, seed + 6);
    mask = r.map((v) => (v < -0.4 ? 0 : 1));
    // Row 0 skips its first step when there is more than one (a leading pad).
    if (c.T > 1) mask[0] = 0;
  }
  return {
    x: randomArray(c.batch * c.T * c.inputDim, seed),
    kernel: scaled(c.inputDim * gu, seed + 1, 1 / Math.sqrt(c.inputDim)),
    rec: scaled(c.units * gu, seed + 2, 1 / Math.sqrt(c.units)),
    bias: c.bias ? scaled(biasSize(c), seed + 3, 0.5) : null,
    h0: c.h0 ? randomArray(c.batch * c.units, seed + 4) : null,
    c0: c.c0 ? randomArray(c.batch * c.units, seed + 5) : null,
    mask,
    // Dropped units (0) and kept ones at assorted scales (the kernels take any multiplier;
    // layers pass 0 or 1/(1-rate)).
    rdrop: c.rdrop
      ? randomArray(c.batch * c.units, seed + 10).map((v) => (v < -0.3 ? 0 : 1.25 + 0.5 * v))
      : null,
    dSeq: randomArray(c.batch * c.T * c.units, seed + 7),
    dLastH: randomArray(c.batch * c.units, seed + 8),
    dLastC: randomArray(c.batch * c.units, seed + 9),
  };
}

interface Result {
  seq: Float32Array;
  lastH: Float32Array;
  lastC: Float32Array | null;
  grads: Record<string, Float32Array> | null;
}

/** Runs the fast or Ref kernels (forward, and backward when `backward`). */
function runKernel(h: Harness, fast: boolean, c: Cfg, d: Data, backward: boolean): Result {
  h.reset();
  const { batch, T, inputDim, units } = c;
  const gu = gates(c) * units;
  const put = (a: Float32Array | null) => (a === null ? 0 : h.putF32(a));
  const x = put(d.x);
  const kernel = put(d.kernel);
  const rec = put(d.rec);
  const bias = put(d.bias);
  const h0 = put(d.h0);
  const c0 = c.cell === 'lstm' ? put(d.c0) : 0;
  const mask = put(d.mask);
  const rdrop = put(d.rdrop);
  const seq = h.alloc(batch * T * units);
  const lastH = h.alloc(batch * units);
  const lastC = h.alloc(batch * units);
  const g = h.alloc(batch * T * gu);
  const states = h.alloc(batch * T * units);
  const back = c.backwards ? 1 : 0;
  const k = h.k;
  // The LSTM's workspace also holds the recurrent kernel packed once per call.
  const fws = h.alloc(
    c.cell === 'lstm' ? k.lstmForwardWsSize(batch, units) : k.gruForwardWsSize(batch, units),
  );
  if (c.cell === 'lstm') {
    const f = fast ? k.lstmForward : k.lstmForwardRef;
    f(
      batch,
      T,
      inputDim,
      units,
      x,
      kernel,
      rec,
      bias,
      h0,
      c0,
      mask,
      rdrop,
      c.act,
      c.recAct,
      back,
      seq,
      lastH,
      lastC,
      g,
      states,
      fws,
    );
  } else {
    const f = fast ? k.gruForward : k.gruForwardRef;
    f(
      batch,
      T,
      inputDim,
      units,
      x,
      kernel,
      rec,
      bias,
      h0,
      mask,
      rdrop,
      c.act,
      c.recAct,
      back,
      c.resetAfter ? 1 : 0,
      seq,
      lastH,
      g,
      states,
      fws,
    );
  }
  const result: Result = {
    seq: Float32Array.from(h.f32(seq, batch * T * units)),
    lastH: Float32Array.from(h.f32(lastH, batch * units)),
    lastC: c.cell === 'lstm' ? Float32Array.from(h.f32(lastC, batch * units)) : null,
    grads: null,
  };
  if (!backward) return result;
  const dSeq = put(d.dSeq);
  const dLastH = put(d.dLastH);
  const dLastC = put(d.dLastC);
  const dZ = h.alloc(batch * T * gu);
  const dZr = h.alloc(batch * T * gu);
  const ws = h.alloc(
    c.cell === 'lstm'
      ? k.lstmBackwardWsSize(batch, T, units)
      : k.gruBackwardWsSize(batch, T, units),
  );
  const dx = h.alloc(batch * T * inputDim);
  const dKernel = h.alloc(inputDim * gu);
  const dRec = h.alloc(units * gu);
  const dBias = h.alloc(biasSize(c));
  const dh0 = h.alloc(batch * units);
  const dc0 = h.alloc(batch * units);
  if (c.cell === 'lstm') {
    const f = fast ? k.lstmBackward : k.lstmBackwardRef;
    f(
      batch,
      T,
      inputDim,
      units,
      x,
      kernel,
      rec,
      h0,
      c0,
      mask,
      rdrop,
      c.act,
      c.recAct,
      back,
      seq,
      g,
      states,
      dSeq,
      dLastH,
      dLastC,
      dZ,
      ws,
      dx,
      dKernel,
      dRec,
      dBias,
      dh0,
      dc0,
    );
  } else {
    const f = fast ? k.gruBackward : k.gruBackwardRef;
    f(
      batch,
      T,
      inputDim,
      units,
      x,
      kernel,
      rec,
      h0,
      mask,
      rdrop,
      c.act,
      c.recAct,
      back,
      c.resetAfter ? 1 : 0,
      seq,
      g,
      states,
      dSeq,
      dLastH,
      dZ,
      dZr,
      ws,
      dx,
      dKernel,
      dRec,
      dBias,
      dh0,
    );
  }
  const grads: Record<string, Float32Array> = {
    x: Float32Array.from(h.f32(dx, batch * T * inputDim)),
    kernel: Float32Array.from(h.f32(dKernel, inputDim * gu)),
    rec: Float32Array.from(h.f32(dRec, units * gu)),
    bias: Float32Array.from(h.f32(dBias, biasSize(c))),
    h0: Float32Array.from(h.f32(dh0, batch * units)),
  };
  if (c.cell === 'lstm') grads.c0 = Float32Array.from(h.f32(dc0, batch * units));
  result.grads = grads;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Independent float64 JS implementation (Keras equations written out directly).

function actJs(code: number, v: number): number {
  switch (code) {
    case TANH:
      return Math.tanh(v);
    case SIGMOID:
      return 1 / (1 + Math.exp(-v));
    case HARD_SIGMOID:
      return Math.min(1, Math.max(0, 0.2 * v + 0.5));
    case RELU:
      return Math.max(0, v);
    default:
      return v;
  }
}

/** Loss-free forward: seq, lastH, lastC as float64 arrays. */
function forwardJs(c: Cfg, d: Data): { seq: number[]; lastH: number[]; lastC: number[] } {
  const { batch, T, inputDim, units } = c;
  const G = gates(c);
  const gu = G * units;
  const seq = new Array<number>(batch * T * units).fill(0);
  const lastH: number[] = [];
  const lastC: number[] = [];
  for (let b = 0; b < batch; b++) {
    let h = Array.from({ length: units }, (_, j) => (d.h0 ? d.h0[b * units + j] : 0));
    let cs = Array.from({ length: units }, (_, j) => (d.c0 ? d.c0[b * units + j] : 0));
    for (let s = 0; s < T; s++) {
      const t = c.backwards ? T - 1 - s : s;
      const live = d.mask?.[b * T + t] !== 0;
      // What the step sees of h_{s-1}: times the recurrent dropout mask (the whole GRU step, the
      // LSTM's recurrent product), as tfjs-layers' cells.
      const hs = h.map((v, k) => v * (d.rdrop ? d.rdrop[b * units + k] : 1));
      const xz = new Array<number>(gu).fill(0);
      const hz = new Array<number>(gu).fill(0);
      for (let g = 0; g < gu; g++) {
        xz[g] = d.bias ? d.bias[g] : 0;
        for (let i = 0; i < inputDim; i++) {
          xz[g] += d.x[(b * T + t) * inputDim + i] * d.kernel[i * gu + g];
        }
        hz[g] = c.cell === 'gru' && c.resetAfter && d.bias ? d.bias[gu + g] : 0;
        for (let k = 0; k < units; k++) hz[g] += hs[k] * d.rec[k * gu + g];
      }
      if (live) {
        const nh: number[] = [];
        const nc: number[] = [];
        if (c.cell === 'lstm') {
          for (let j = 0; j < units; j++) {
            const z = (q: number) => xz[q * units + j] + hz[q * units + j];
            const i = actJs(c.recAct, z(0));
            const f = actJs(c.recAct, z(1));
            const g = actJs(c.act, z(2));
            const o = actJs(c.recAct, z(3));
            nc.push(f * cs[j] + i * g);
            nh.push(o * actJs(c.act, nc[j]));
          }
          cs = nc;
        } else {
          const r = Array.from({ length: units }, (_, j) =>
            actJs(c.recAct, xz[units + j] + hz[units + j]),
          );
          for (let j = 0; j < units; j++) {
            const z = actJs(c.recAct, xz[j] + hz[j]);
            let rec: number;
            if (c.resetAfter) {
              rec = r[j] * hz[2 * units + j];
            } else {
              rec = 0;
              for (let k = 0; k < units; k++) rec += r[k] * hs[k] * d.rec[k * gu + 2 * units + j];
            }
            const hh = actJs(c.act, xz[2 * units + j] + rec);
            nh.push(z * hs[j] + (1 - z) * hh);
          }
        }
        h = nh;
      }
      for (let j = 0; j < units; j++) seq[(b * T + s) * units + j] = h[j];
    }
    lastH.push(...h);
    lastC.push(...cs);
  }
  return { seq, lastH, lastC };
}

function lossJs(c: Cfg, d: Data): number {
  const r = forwardJs(c, d);
  let l = 0;
  r.seq.forEach((v, i) => {
    l += v * d.dSeq[i];
  });
  r.lastH.forEach((v, i) => {
    l += v * d.dLastH[i];
  });
  if (c.cell === 'lstm') {
    r.lastC.forEach((v, i) => {
      l += v * d.dLastC[i];
    });
  }
  return l;
}

function cfg(over: Partial<Cfg>): Cfg {
  return {
    cell: 'lstm',
    batch: 2,
    T: 3,
    inputDim: 2,
    units: 3,
    act: TANH,
    recAct: SIGMOID,
    backwards: false,
    resetAfter: true,
    bias: true,
    h0: false,
    c0: false,
    mask: false,
    rdrop: false,
    ...over,
  };
}

/** The grid of shapes, each with a rotating choice of options. */
function grid(): Cfg[] {
  const out: Cfg[] = [];
  let n = 0;
  for (const batch of [1, 3]) {
    for (const T of [1, 7, 33]) {
      for (const inputDim of [1, 5, 32]) {
        for (const units of [1, 3, 33, 64]) {
          n++;
          const cells: Partial<Cfg>[] = [
            { cell: 'lstm' },
            { cell: 'gru', resetAfter: true },
            { cell: 'gru', resetAfter: false },
          ];
          for (const cell of cells) {
            out.push(
              cfg({
                ...cell,
                batch,
                T,
                inputDim,
                units,
                act: [TANH, TANH, RELU, LINEAR][n % 4],
                recAct: [SIGMOID, HARD_SIGMOID, SIGMOID][n % 3],
                backwards: n % 2 === 1,
                bias: n % 5 !== 0,
                h0: n % 3 !== 0,
                c0: n % 4 !== 1,
                mask: n % 3 === 1,
                rdrop: n % 4 === 2 || n % 7 === 3,
              }),
            );
          }
        }
      }
    }
  }
  return out;
}

const label = (c: Cfg) =>
  `${c.cell}${c.cell === 'gru' ? (c.resetAfter ? '(resetAfter)' : '(resetBefore)') : ''} b${c.batch} T${c.T} in${c.inputDim} u${c.units} act${c.act}/${c.recAct}${c.backwards ? ' back' : ''}${c.mask ? ' mask' : ''}${c.rdrop ? ' rdrop' : ''}${c.h0 ? ' h0' : ''}${c.c0 ? ' c0' : ''}${c.bias ? '' : ' nobias'}`;

describe.each(variants)('rnn kernels (%s)', (variant) => {
  let h: Harness;

  it('loads', async () => {
    h = await harness(variant);
  });

  it('fast forward and backward match Ref on odd and round sizes', () => {
    for (const c of grid()) {
      const d = makeData(c, c.T * 7 + c.units);
      const fast = runKernel(h, true, c, d, true);
      const ref = runKernel(h, false, c, d, true);
      const what = label(c);
      // Long sums (T, units, batch*T) in another order: a few ulps of the partial sums.
      const tol = 2e-5 * Math.sqrt(c.T * (c.units + c.inputDim));
      try {
        expectClose(fast.seq, ref.seq, 1e-4, tol);
        expectClose(fast.lastH, ref.lastH, 1e-4, tol);
        if (fast.lastC && ref.lastC) expectClose(fast.lastC, ref.lastC, 1e-4, tol);
        for (const [name, g] of Object.entries(ref.grads!)) {
          const scale = Math.max(1, ...Array.from(g, Math.abs));
          expectClose(fast.grads![name], g, 1e-3, tol * scale);
        }
      } catch (e) {
        throw new Error(`${what}: ${(e as Error).message}`);
      }
    }
  });

  it('batches >= 4 (recurrent kernel packed once, fused tanh/sigmoid rows) match Ref', () => {
    const cases: Cfg[] = [];
    let n = 0;
    for (const batch of [4, 9]) {
      for (const units of [4, 33, 64]) {
        for (const [act, recAct] of [
          [TANH, SIGMOID],
          [TANH, SIGMOID],
          [RELU, HARD_SIGMOID],
        ]) {
          n++;
          cases.push(
            cfg({
              cell: 'lstm',
              batch,
              T: 6,
              inputDim: 5,
              units,
              act,
              recAct,
              backwards: n % 2 === 1,
              bias: n % 5 !== 0,
              h0: n % 3 !== 0,
              c0: n % 4 !== 1,
              mask: n % 3 === 1,
              rdrop: n % 2 === 0,
            }),
          );
        }
      }
    }
    for (const cell of ['gru', 'lstm'] as const) {
      for (const resetAfter of cell === 'gru' ? [true, false] : [true]) {
        cases.push(
          cfg({ cell, resetAfter, batch: 5, T: 4, inputDim: 3, units: 7, h0: true, rdrop: true }),
        );
        cases.push(
          cfg({ cell, resetAfter, batch: 4, T: 5, units: 8, mask: true, rdrop: true, h0: true }),
        );
      }
    }
    for (const c of cases) {
      const d = makeData(c, c.batch * 11 + c.units);
      const fast = runKernel(h, true, c, d, true);
      const ref = runKernel(h, false, c, d, true);
      const tol = 2e-5 * Math.sqrt(c.T * (c.units + c.inputDim));
      try {
        expectClose(fast.seq, ref.seq, 1e-4, tol);
        expectClose(fast.lastH, ref.lastH, 1e-4, tol);
        if (fast.lastC && ref.lastC) expectClose(fast.lastC, ref.lastC, 1e-4, tol);
        for (const [name, g] of Object.entries(ref.grads!)) {
          const scale = Math.max(1, ...Array.from(g, Math.abs));
          expectClose(fast.grads![name], g, 1e-3, tol * scale);
        }
      } catch (e) {
        throw new Error(`${label(c)}: ${(e as Error).message}`);
      }
    }
  });

  it('forward matches an independent float64 implementation', () => {
    const cases: Cfg[] = [];
    for (const cell of ['lstm', 'gru'] as const) {
      for (const resetAfter of cell === 'gru' ? [true, false] : [true]) {
        cases.push(cfg({ cell, resetAfter }));
        cases.push(
          cfg({ cell, resetAfter, batch: 3, T: 7, inputDim: 5, units: 33, h0: true, c0: true }),
        );
        cases.push(
          cfg({ cell, resetAfter, T: 9, mask: true, backwards: true, h0: true, c0: true }),
        );
        cases.push(cfg({ cell, resetAfter, recAct: HARD_SIGMOID, act: RELU, units: 5 }));
        cases.push(cfg({ cell, resetAfter, act: LINEAR, bias: false, T: 1, batch: 1 }));
        cases.push(cfg({ cell, resetAfter, batch: 6, T: 8, units: 12, h0: true, c0: true }));
        cases.push(cfg({ cell, resetAfter, batch: 3, T: 6, units: 5, h0: true, rdrop: true }));
        cases.push(
          cfg({ cell, resetAfter, batch: 6, T: 7, units: 12, mask: true, rdrop: true, h0: true }),
        );
        cases.push(cfg({ cell, resetAfter, T: 5, backwards: true, rdrop: true, c0: true }));
      }
    }
    for (const c of cases) {
      const d = makeData(c, 3);
      const want = forwardJs(c, d);
      for (const fast of [true, false]) {
        const got = runKernel(h, fast, c, d, false);
        const what = `${label(c)} ${fast ? 'fast' : 'ref'}`;
        try {
          expectClose(got.seq, want.seq, 1e-4, 1e-5);
          expectClose(got.lastH, want.lastH, 1e-4, 1e-5);
          if (got.lastC) expectClose(got.lastC, want.lastC, 1e-4, 1e-5);
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
      }
    }
  });

  it('backward matches finite differences of the float64 implementation', () => {
    const cases: Cfg[] = [];
    for (const cell of ['lstm', 'gru'] as const) {
      for (const resetAfter of cell === 'gru' ? [true, false] : [true]) {
        cases.push(cfg({ cell, resetAfter, h0: true, c0: true }));
        cases.push(
          cfg({ cell, resetAfter, T: 5, mask: true, backwards: true, h0: true, c0: true }),
        );
        cases.push(cfg({ cell, resetAfter, recAct: HARD_SIGMOID, act: RELU }));
        cases.push(cfg({ cell, resetAfter, act: LINEAR, units: 5, batch: 1 }));
        cases.push(cfg({ cell, resetAfter, T: 4, units: 4, h0: true, c0: true, rdrop: true }));
        cases.push(
          cfg({ cell, resetAfter, T: 5, mask: true, backwards: true, h0: true, rdrop: true }),
        );
        // Batch 4: the LSTM's packed-kernel path.
        cases.push(cfg({ cell, resetAfter, batch: 4, T: 3, h0: true, c0: true, rdrop: true }));
      }
    }
    const eps = 1e-4;
    for (const c of cases) {
      const d = makeData(c, 5);
      const fast = runKernel(h, true, c, d, true);
      const ref = runKernel(h, false, c, d, true);
      const params: [string, Float32Array | null][] = [
        ['x', d.x],
        ['kernel', d.kernel],
        ['rec', d.rec],
        ['bias', d.bias],
        ['h0', d.h0],
        ['c0', c.cell === 'lstm' ? d.c0 : null],
      ];
      for (const [name, arr] of params) {
        if (arr === null) continue;
        for (let i = 0; i < arr.length; i++) {
          const v = arr[i];
          // Perturb in float64 through a copy (the JS forward reads plain numbers).
          const plus = Float64Array.from(arr);
          const minus = Float64Array.from(arr);
          plus[i] = v + eps;
          minus[i] = v - eps;
          const lp = lossJs(c, { ...d, [name]: plus } as unknown as Data);
          const lm = lossJs(c, { ...d, [name]: minus } as unknown as Data);
          const fd = (lp - lm) / (2 * eps);
          for (const [which, r] of [
            ['fast', fast],
            ['ref', ref],
          ] as const) {
            const g = r.grads![name][i];
            if (!(Math.abs(g - fd) <= 2e-3 * Math.max(1, Math.abs(fd)))) {
              expect.fail(`${label(c)} ${which}: d${name}[${i}] = ${g}, finite differences ${fd}`);
            }
          }
        }
      }
    }
  });

  it('recurrent dropout: an all-ones mask changes nothing; a dropped unit never feeds back', () => {
    const cells: Partial<Cfg>[] = [
      { cell: 'lstm' },
      { cell: 'gru', resetAfter: true },
      { cell: 'gru', resetAfter: false },
    ];
    for (const batch of [2, 5]) {
      for (const over of cells) {
        const c = cfg({ ...over, batch, T: 6, units: 8, h0: true, c0: true, mask: true });
        const d = makeData(c, 21);
        for (const fast of [true, false]) {
          const plain = runKernel(h, fast, c, d, true);
          const ones = runKernel(
            h,
            fast,
            { ...c, rdrop: true },
            {
              ...d,
              rdrop: new Float32Array(batch * c.units).fill(1),
            },
            true,
          );
          const what = `${label(c)} ${fast ? 'fast' : 'ref'}`;
          try {
            expectClose(ones.seq, plain.seq, 1e-6, 1e-7);
            for (const [name, g] of Object.entries(plain.grads!)) {
              expectClose(ones.grads![name], g, 1e-6, 1e-6);
            }
          } catch (e) {
            throw new Error(`${what} (all-ones mask): ${(e as Error).message}`);
          }
          // Unit 3 dropped in every row: row 3 of the recurrent kernel is never read, at any
          // step (the mask is the same at every step), so changing it changes nothing and its
          // gradient is zero.
          const rd = new Float32Array(batch * c.units).fill(1.25);
          for (let b = 0; b < batch; b++) rd[b * c.units + 3] = 0;
          const G = gates(c);
          const rec2 = Float32Array.from(d.rec);
          for (let g = 0; g < G * c.units; g++) rec2[3 * G * c.units + g] += 0.7;
          const a = runKernel(h, fast, { ...c, rdrop: true }, { ...d, rdrop: rd }, true);
          const b2 = runKernel(
            h,
            fast,
            { ...c, rdrop: true },
            { ...d, rdrop: rd, rec: rec2 },
            false,
          );
          expect(Array.from(b2.seq)).toEqual(Array.from(a.seq));
          const row3 = a.grads!.rec.slice(3 * G * c.units, 4 * G * c.units);
          expect(Array.from(row3).every((v) => v === 0)).toBe(true);
          // And the output differs from the undropped run.
          expect(Array.from(a.seq)).not.toEqual(Array.from(plain.seq));
        }
      }
    }
  });

  it('skips masked steps: state and output carry over exactly', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const c = cfg({ cell, T: 4, mask: true, h0: true, c0: true });
      const d = makeData(c, 9);
      d.mask = Float32Array.from([0, 1, 0, 1, 1, 1, 1, 0]);
      const r = runKernel(h, true, c, d, false);
      const u = c.units;
      // Row 0, step 0 masked: output is h0; step 2 masked: output repeats step 1.
      expect(Array.from(r.seq.slice(0, u))).toEqual(Array.from(d.h0!.slice(0, u)));
      expect(Array.from(r.seq.slice(2 * u, 3 * u))).toEqual(Array.from(r.seq.slice(u, 2 * u)));
      // Row 1, last step masked: lastH is the output of step 2.
      expect(Array.from(r.lastH.slice(u, 2 * u))).toEqual(
        Array.from(r.seq.slice((4 + 2) * u, (4 + 3) * u)),
      );
    }
  });
});
