// Fused recurrent ops: a whole LSTM or GRU sequence in one kernel call forward and one
// backward (backpropagation through time), with Keras / TF.js weight layouts.
import { kernels } from '../backend.js';
import { engine } from '../engine.js';
import { empty, type Tensor } from '../tensor.js';
import { checkDtype, fmt } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';
import { cast } from './shape.js';

/** Activations the recurrent kernels apply (Keras names). */
export type RnnActivation = 'linear' | 'tanh' | 'sigmoid' | 'hardSigmoid' | 'relu';

/** Kernel codes of the activations (wasm/assembly/rnn.ts). */
const ACT_CODES: Record<RnnActivation, number> = {
  linear: 0,
  tanh: 1,
  sigmoid: 2,
  hardSigmoid: 3,
  relu: 4,
};

function actCode(op: string, what: string, name: RnnActivation | undefined, def: RnnActivation) {
  const n = name ?? def;
  if (!Object.hasOwn(ACT_CODES, n)) {
    throw new Error(
      `${op}: unsupported ${what} ${JSON.stringify(n)}; expected one of ${Object.keys(ACT_CODES).join(', ')}`,
    );
  }
  return ACT_CODES[n];
}

/** Arguments shared by {@link lstmSequence} and {@link gruSequence}. */
export interface RnnSequenceArgs {
  /** Input sequences, [batch, timesteps, inputDim] (timesteps >= 1). */
  x: TensorLike;
  /** Input kernel, [inputDim, G*units] (G = 4 for the LSTM, 3 for the GRU), Keras layout. */
  kernel: TensorLike;
  /** Recurrent kernel, [units, G*units], Keras layout. */
  recurrentKernel: TensorLike;
  /** Bias (see each op for its shape); omitted means no bias (Keras `useBias: false`). */
  bias?: TensorLike;
  /** Initial hidden state [batch, units] (zeros when omitted). */
  h0?: TensorLike;
  /**
   * [batch, timesteps], float32 or int32: where 0, that row skips that step (its state carries
   * over unchanged and the output at that step repeats the carried h), as TF.js's `rnn()`.
   * No gradient flows to the mask.
   */
  mask?: TensorLike;
  /**
   * Recurrent dropout: [batch, units] float32, a multiplier of h_{t-1} (one per sequence, the
   * same at every step; layers pass 0 or 1/(1-rate) per unit). As tfjs-layers' cells (Keras
   * implementation 2): the LSTM multiplies h_{t-1} by it before the recurrent product (all four
   * gates see the same masked h); the GRU uses the masked h_{t-1} in the whole step, recurrent
   * products, reset gate and the carry z * h_{t-1}. Masked (skipped) steps still carry the
   * unmasked state. No gradient flows to it.
   */
  recurrentDropoutMask?: TensorLike;
  /** Candidate / cell-output activation (default 'tanh'). */
  activation?: RnnActivation;
  /**
   * Gate activation (default 'sigmoid', as Keras; TF.js layers default to 'hardSigmoid',
   * which is clip(0.2x + 0.5, 0, 1)).
   */
  recurrentActivation?: RnnActivation;
  /**
   * Process the sequence from the last timestep to the first; `sequence` is then in processing
   * order (its index 0 is input timestep T-1), as Keras and TF.js.
   */
  goBackwards?: boolean;
}

/** Arguments of {@link lstmSequence}. */
export interface LstmSequenceArgs extends RnnSequenceArgs {
  /** Bias [4*units] (gate order i, f, c, o). */
  bias?: TensorLike;
  /** Initial cell state [batch, units] (zeros when omitted). */
  c0?: TensorLike;
}

/** Result of {@link lstmSequence}. */
export interface LstmSequenceResult {
  /** h at every step, [batch, timesteps, units] (processing order). */
  sequence: Tensor;
  /** Final hidden state [batch, units] (equal to the last step of `sequence`). */
  lastH: Tensor;
  /** Final cell state [batch, units]. */
  lastC: Tensor;
}

/** Arguments of {@link gruSequence}. */
export interface GruSequenceArgs extends RnnSequenceArgs {
  /**
   * Keras's `reset_after` (default true, the Keras 2+/3 default): the reset gate multiplies
   * (h·U_h + recurrent bias) and the bias is [2, 3*units] (input bias row, recurrent bias row).
   * With false (the only mode TF.js 4.x's GRU layer implements) the reset gate multiplies h
   * before the product, hh = act(x·W_h + b_h + (r*h)·U_h), and the bias is [3*units].
   */
  resetAfter?: boolean;
}

/** Result of {@link gruSequence}. */
export interface GruSequenceResult {
  /** h at every step, [batch, timesteps, units] (processing order). */
  sequence: Tensor;
  /** Final hidden state [batch, units]. */
  lastH: Tensor;
}

interface Checked {
  x: Tensor;
  kernel: Tensor;
  rec: Tensor;
  bias: Tensor | null;
  h0: Tensor | null;
  c0: Tensor | null;
  /** Float mask and whether this op owns it (a cast of an int32 mask). */
  mask: Tensor | null;
  maskOwned: boolean;
  /** Recurrent dropout mask [batch, units] or null. */
  recMask: Tensor | null;
  batch: number;
  T: number;
  inputDim: number;
  units: number;
  act: number;
  recAct: number;
  backwards: boolean;
}

function checkArgs(
  op: string,
  a: RnnSequenceArgs & { c0?: TensorLike },
  G: number,
  biasShape: (units: number) => number[],
  withC0: boolean,
): Checked {
  const x = toTensor(op, a.x, 'x');
  const kernel = toTensor(op, a.kernel, 'kernel');
  const rec = toTensor(op, a.recurrentKernel, 'recurrentKernel');
  checkDtype(op, 'float32', x, kernel, rec);
  if (x.rank !== 3) {
    throw new Error(`${op}: x must have rank 3 [batch, timesteps, inputDim], got ${fmt(x.shape)}`);
  }
  const [batch, T, inputDim] = x.shape;
  if (T < 1) throw new Error(`${op}: x must have at least one timestep, got ${fmt(x.shape)}`);
  if (rec.rank !== 2 || rec.shape[0] < 1 || rec.shape[1] !== G * rec.shape[0]) {
    throw new Error(
      `${op}: recurrentKernel must have shape [units, ${G}*units], got ${fmt(rec.shape)}`,
    );
  }
  const units = rec.shape[0];
  if (kernel.rank !== 2 || kernel.shape[0] !== inputDim || kernel.shape[1] !== G * units) {
    throw new Error(
      `${op}: kernel must have shape [${inputDim}, ${G * units}] (inputDim, ${G}*units), got ${fmt(kernel.shape)}`,
    );
  }
  const state = (v: TensorLike | undefined, name: string): Tensor | null => {
    if (v === undefined) return null;
    const t = toTensor(op, v, name);
    checkDtype(op, 'float32', t);
    if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== units) {
      throw new Error(
        `${op}: initial state ${name} must have shape [${batch}, ${units}] (batch, units), got ${fmt(t.shape)}`,
      );
    }
    return t;
  };
  let bias: Tensor | null = null;
  if (a.bias !== undefined) {
    bias = toTensor(op, a.bias, 'bias');
    checkDtype(op, 'float32', bias);
    const want = biasShape(units);
    if (bias.rank !== want.length || bias.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${op}: bias must have shape ${fmt(want)}, got ${fmt(bias.shape)}`);
    }
  }
  const h0 = state(a.h0, 'h0');
  const c0 = withC0 ? state(a.c0, 'c0') : null;
  if (!withC0 && a.c0 !== undefined) throw new Error(`${op}: c0 is only for the LSTM`);
  let mask: Tensor | null = null;
  let maskOwned = false;
  if (a.mask !== undefined) {
    const m = toTensor(op, a.mask, 'mask');
    m.assertLive(op);
    if (m.rank !== 2 || m.shape[0] !== batch || m.shape[1] !== T) {
      throw new Error(
        `${op}: mask must have shape [${batch}, ${T}] (batch, timesteps), got ${fmt(m.shape)}`,
      );
    }
    if (m.dtype === 'float32') {
      mask = m;
    } else {
      mask = engine.noGrad(() => cast(m, 'float32'));
      maskOwned = true;
    }
  }
  let recMask: Tensor | null = null;
  if (a.recurrentDropoutMask !== undefined) {
    recMask = toTensor(op, a.recurrentDropoutMask, 'recurrentDropoutMask');
    checkDtype(op, 'float32', recMask);
    recMask.assertLive(op);
    if (recMask.rank !== 2 || recMask.shape[0] !== batch || recMask.shape[1] !== units) {
      throw new Error(
        `${op}: recurrentDropoutMask must have shape [${batch}, ${units}] (batch, units), got ${fmt(recMask.shape)}`,
      );
    }
  }
  return {
    x,
    kernel,
    rec,
    bias,
    h0,
    c0,
    mask,
    maskOwned,
    recMask,
    batch,
    T,
    inputDim,
    units,
    act: actCode(op, 'activation', a.activation, 'tanh'),
    recAct: actCode(op, 'recurrentActivation', a.recurrentActivation, 'sigmoid'),
    backwards: a.goBackwards ?? false,
  };
}

const ptrOf = (t: Tensor | null) => (t === null ? 0 : t.ptr);

/**
 * Inputs the tape sees, in a fixed order (absent ones left out), and the masks (held as inputs
 * so they stay valid for the backward pass; they never get a gradient).
 */
function tapeInputs(c: Checked): { inputs: Tensor[]; roles: string[] } {
  const inputs: Tensor[] = [];
  const roles: string[] = [];
  const add = (t: Tensor | null, role: string) => {
    if (t !== null) {
      inputs.push(t);
      roles.push(role);
    }
  };
  add(c.x, 'x');
  add(c.kernel, 'kernel');
  add(c.rec, 'rec');
  add(c.bias, 'bias');
  add(c.h0, 'h0');
  add(c.c0, 'c0');
  if (!c.maskOwned) add(c.mask, 'mask');
  add(c.recMask, 'recMask');
  return { inputs, roles };
}

/**
 * A whole LSTM layer's recurrence in one fused kernel call, Keras semantics and weight layout:
 * per step z = x_t·kernel + h_{t-1}·recurrentKernel + bias, split into gates i, f, c, o;
 * i, f, o = recurrentActivation(z_i, z_f, z_o), c̃ = activation(z_c); c_t = f*c_{t-1} + i*c̃;
 * h_t = o * activation(c_t).
 *
 * With `recurrentDropoutMask` m, h_{t-1} * m replaces h_{t-1} in the recurrent product.
 *
 * Differentiable with respect to x, kernel, recurrentKernel, bias, h0 and c0 (the backward
 * pass is one fused BPTT kernel call). Keras's `zero_output_for_mask` (used by Bidirectional)
 * is `mul(sequence, expandDims(mask, 2))` on top of this.
 */
export function lstmSequence(args: LstmSequenceArgs): LstmSequenceResult {
  const op = 'lstmSequence';
  const c = checkArgs(op, args, 4, (u) => [4 * u], true);
  const { batch, T, inputDim, units, act, recAct } = c;
  const back = c.backwards ? 1 : 0;
  const { inputs, roles } = tapeInputs(c);
  const recording = engine.needsGrad(inputs);
  const k = kernels();
  const sequence = empty([batch, T, units]);
  const lastH = empty([batch, units]);
  const lastC = empty([batch, units]);
  const gates = empty([batch, T, 4 * units]);
  const cstates = recording ? empty([batch, T, units]) : null;
  const fws = empty([k.lstmForwardWsSize(batch, units)]);
  k.lstmForward(
    batch,
    T,
    inputDim,
    units,
    c.x.ptr,
    c.kernel.ptr,
    c.rec.ptr,
    ptrOf(c.bias),
    ptrOf(c.h0),
    ptrOf(c.c0),
    ptrOf(c.mask),
    ptrOf(c.recMask),
    act,
    recAct,
    back,
    sequence.ptr,
    lastH.ptr,
    lastC.ptr,
    gates.ptr,
    ptrOf(cstates),
    fws.ptr,
  );
  fws.dispose();
  if (!recording || cstates === null) {
    gates.dispose();
    if (c.maskOwned) c.mask?.dispose();
    return { sequence, lastH, lastC };
  }
  const saved = [gates, cstates];
  if (c.maskOwned && c.mask !== null) saved.push(c.mask);
  engine.record(
    inputs,
    [sequence, lastH, lastC],
    ([dSeq, dLastH, dLastC], needs) => {
      const need = (role: string) => {
        const i = roles.indexOf(role);
        return i >= 0 && needs[i];
      };
      const gu = 4 * units;
      const dZ = empty([batch, T, gu]);
      const ws = empty([kernels().lstmBackwardWsSize(batch, T, units)]);
      const dx = need('x') ? empty(c.x.shape) : null;
      const dKernel = need('kernel') ? empty(c.kernel.shape) : null;
      const dRec = need('rec') ? empty(c.rec.shape) : null;
      const dBias = need('bias') && c.bias !== null ? empty(c.bias.shape) : null;
      const dh0 = need('h0') && c.h0 !== null ? empty(c.h0.shape) : null;
      const dc0 = need('c0') && c.c0 !== null ? empty(c.c0.shape) : null;
      kernels().lstmBackward(
        batch,
        T,
        inputDim,
        units,
        c.x.ptr,
        c.kernel.ptr,
        c.rec.ptr,
        ptrOf(c.h0),
        ptrOf(c.c0),
        ptrOf(c.mask),
        ptrOf(c.recMask),
        act,
        recAct,
        back,
        sequence.ptr,
        gates.ptr,
        cstates.ptr,
        dSeq.ptr,
        dLastH.ptr,
        dLastC.ptr,
        dZ.ptr,
        ws.ptr,
        ptrOf(dx),
        ptrOf(dKernel),
        ptrOf(dRec),
        ptrOf(dBias),
        ptrOf(dh0),
        ptrOf(dc0),
      );
      dZ.dispose();
      ws.dispose();
      const out: Record<string, Tensor | null> = {
        x: dx,
        kernel: dKernel,
        rec: dRec,
        bias: dBias,
        h0: dh0,
        c0: dc0,
        mask: null,
        recMask: null,
      };
      return roles.map((r) => out[r]);
    },
    saved,
  );
  return { sequence, lastH, lastC };
}

/**
 * A whole GRU layer's recurrence in one fused kernel call, Keras semantics and weight layout
 * (gate order z, r, h): z = recAct(x·W_z + b_z + h·U_z (+ br_z)), r likewise,
 * hh = act(x·W_h + b_h + r * (h·U_h + br_h)) with `resetAfter` (default) or
 * act(x·W_h + b_h + (r*h)·U_h) without; h_t = z * h_{t-1} + (1 - z) * hh.
 * Bias: [2, 3*units] with resetAfter (input row, recurrent row), else [3*units].
 * With `recurrentDropoutMask` m, h_{t-1} * m replaces h_{t-1} everywhere in a step (as
 * tfjs-layers' GRUCell, including the carry z * h_{t-1}).
 *
 * Differentiable with respect to x, kernel, recurrentKernel, bias and h0 (one fused BPTT call).
 */
export function gruSequence(args: GruSequenceArgs): GruSequenceResult {
  const op = 'gruSequence';
  const resetAfter = args.resetAfter ?? true;
  const c = checkArgs(op, args, 3, (u) => (resetAfter ? [2, 3 * u] : [3 * u]), false);
  const { batch, T, inputDim, units, act, recAct } = c;
  const back = c.backwards ? 1 : 0;
  const ra = resetAfter ? 1 : 0;
  const { inputs, roles } = tapeInputs(c);
  const recording = engine.needsGrad(inputs);
  const k = kernels();
  const gu = 3 * units;
  const sequence = empty([batch, T, units]);
  const lastH = empty([batch, units]);
  const gates = empty([batch, T, gu]);
  const rh = recording && resetAfter ? empty([batch, T, units]) : null;
  const ws = empty([k.gruForwardWsSize(batch, units)]);
  k.gruForward(
    batch,
    T,
    inputDim,
    units,
    c.x.ptr,
    c.kernel.ptr,
    c.rec.ptr,
    ptrOf(c.bias),
    ptrOf(c.h0),
    ptrOf(c.mask),
    ptrOf(c.recMask),
    act,
    recAct,
    back,
    ra,
    sequence.ptr,
    lastH.ptr,
    gates.ptr,
    ptrOf(rh),
    ws.ptr,
  );
  ws.dispose();
  if (!recording) {
    gates.dispose();
    if (c.maskOwned) c.mask?.dispose();
    return { sequence, lastH };
  }
  const saved = [gates];
  if (rh !== null) saved.push(rh);
  if (c.maskOwned && c.mask !== null) saved.push(c.mask);
  engine.record(
    inputs,
    [sequence, lastH],
    ([dSeq, dLastH], needs) => {
      const need = (role: string) => {
        const i = roles.indexOf(role);
        return i >= 0 && needs[i];
      };
      const dZ = empty([batch, T, gu]);
      const dZr = resetAfter ? empty([batch, T, gu]) : null;
      const bws = empty([kernels().gruBackwardWsSize(batch, T, units)]);
      const dx = need('x') ? empty(c.x.shape) : null;
      const dKernel = need('kernel') ? empty(c.kernel.shape) : null;
      const dRec = need('rec') ? empty(c.rec.shape) : null;
      const dBias = need('bias') && c.bias !== null ? empty(c.bias.shape) : null;
      const dh0 = need('h0') && c.h0 !== null ? empty(c.h0.shape) : null;
      kernels().gruBackward(
        batch,
        T,
        inputDim,
        units,
        c.x.ptr,
        c.kernel.ptr,
        c.rec.ptr,
        ptrOf(c.h0),
        ptrOf(c.mask),
        ptrOf(c.recMask),
        act,
        recAct,
        back,
        ra,
        sequence.ptr,
        gates.ptr,
        ptrOf(rh),
        dSeq.ptr,
        dLastH.ptr,
        dZ.ptr,
        ptrOf(dZr),
        bws.ptr,
        ptrOf(dx),
        ptrOf(dKernel),
        ptrOf(dRec),
        ptrOf(dBias),
        ptrOf(dh0),
      );
      dZ.dispose();
      dZr?.dispose();
      bws.dispose();
      const out: Record<string, Tensor | null> = {
        x: dx,
        kernel: dKernel,
        rec: dRec,
        bias: dBias,
        h0: dh0,
        mask: null,
        recMask: null,
      };
      return roles.map((r) => out[r]);
    },
    saved,
  );
  return { sequence, lastH };
}
