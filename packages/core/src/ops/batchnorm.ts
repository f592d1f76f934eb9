// Batch normalization over the last axis (channels-last): the inference op (`batchNorm`, as
// tf.batchNorm), the training op that normalises with batch statistics and returns them
// (`batchNormTraining`), `moments`, and their gradients.
//
// Layout: x is viewed as [M, C] with C the size of the last axis and M the product of the
// others (N*H*W for NHWC images); every statistic is per channel.
import { heap, kernels } from '../backend.js';
import { engine } from '../engine.js';
import { empty, type Tensor, view } from '../tensor.js';
import { checkDtype, fmt } from '../util.js';
import { sub } from './binary.js';
import { type TensorLike, toTensor } from './creation.js';
import { mean as meanOp } from './reduce.js';
import { square } from './unary.js';

// ---------------------------------------------------------------------------------------------
// Per-channel primitives: the fused kernels of wasm/assembly/batchnorm.ts (one pass each, SIMD
// across channels, float64 accumulation).

/** mean[c] = sum_i x[i,c] / m; variance[c] = sum_i (x[i,c] - mean[c])^2 / m (biased). */
function stats(x: number, m: number, c: number, meanPtr: number, varPtr: number): void {
  kernels().bnStats(x, m, c, meanPtr, varPtr);
}

/** y[i,c] = x[i,c] * s[c] + t[c] (then max(0, .) when `relu`). */
function affine(x: number, y: number, m: number, c: number, s: number, t: number, relu = 0): void {
  kernels().bnAffine(x, y, m, c, s, t, relu);
}

/** s1[c] = sum_i dy[i,c]; s2[c] = sum_i dy[i,c] * (x[i,c] - mean[c]). */
function sums(
  x: number,
  dy: number,
  m: number,
  c: number,
  meanPtr: number,
  s1: number,
  s2: number,
): void {
  kernels().bnSums(x, dy, m, c, meanPtr, s1, s2);
}

/**
 * s1, s2 as {@link sums} of g = dy where x*s + t > 0, else 0: the gradient through a relu that
 * followed the affine y = x*s + t (recomputed from x, bit for bit as the forward pass).
 */
function sumsRelu(
  x: number,
  dy: number,
  m: number,
  c: number,
  meanPtr: number,
  s: number,
  t: number,
  s1: number,
  s2: number,
): void {
  kernels().bnSumsRelu(x, dy, m, c, meanPtr, s, t, s1, s2);
}

/** dx[i,c] = a[c] * dy[i,c] + b[c] * (x[i,c] - mean[c]) + d[c]. */
function backwardAffine(
  x: number,
  dy: number,
  dx: number,
  m: number,
  c: number,
  meanPtr: number,
  a: number,
  b: number,
  d: number,
): void {
  kernels().bnBackward(x, dy, dx, m, c, meanPtr, a, b, d);
}

/** As {@link backwardAffine} with dy masked as in {@link sumsRelu}. */
function backwardAffineRelu(
  x: number,
  dy: number,
  dx: number,
  m: number,
  c: number,
  meanPtr: number,
  a: number,
  b: number,
  d: number,
  s: number,
  t: number,
): void {
  kernels().bnBackwardRelu(x, dy, dx, m, c, meanPtr, a, b, d, s, t);
}

/** A [c] tensor filled from a JS array. */
function vec(values: ArrayLike<number>): Tensor {
  const t = empty([values.length]);
  const h = heap();
  h.refresh();
  h.f32.set(values, t.ptr >> 2);
  return t;
}

function read(t: Tensor): Float32Array {
  const h = heap();
  h.refresh();
  return h.f32.subarray(t.ptr >> 2, (t.ptr >> 2) + t.size);
}

// ---------------------------------------------------------------------------------------------
// Ops.

function channelsOf(op: string, x: Tensor): [number, number] {
  if (x.rank < 1) throw new Error(`${op}: x must have rank >= 1, got a scalar`);
  const c = x.shape[x.rank - 1];
  return [c === 0 ? 0 : x.size / c, c];
}

/** A per-channel parameter: any shape with `c` elements (e.g. [c] or [1, 1, 1, c]). */
function param(op: string, what: string, p: TensorLike | null | undefined, c: number, x: Tensor) {
  if (p === null || p === undefined) return null;
  const t = toTensor(op, p, what);
  checkDtype(op, 'float32', t);
  if (t.size !== c || (t.rank > 0 && t.shape[t.rank - 1] !== c)) {
    throw new Error(
      `${op}: ${what} must hold one value per channel of the last axis (${c} for x ${fmt(x.shape)}), got shape ${fmt(t.shape)}`,
    );
  }
  return t;
}

/**
 * Batch normalization with given statistics, as `tf.batchNorm`:
 * `(x - mean) / sqrt(variance + varianceEpsilon) * scale + offset`, per channel of the last
 * axis. `mean`, `variance`, `offset` and `scale` hold one value per channel ([C] or
 * [1, ..., 1, C]); offset and scale may be omitted. Runs as one pass `x * s + t`; differentiable
 * with respect to every input.
 */
export function batchNorm(
  x: TensorLike,
  mean: TensorLike,
  variance: TensorLike,
  offset?: TensorLike | null,
  scale?: TensorLike | null,
  varianceEpsilon = 0.001,
): Tensor {
  const op = 'batchNorm';
  const xt = toTensor(op, x, 'x');
  checkDtype(op, 'float32', xt);
  const [m, c] = channelsOf(op, xt);
  const mu = param(op, 'mean', mean, c, xt)!;
  const vr = param(op, 'variance', variance, c, xt)!;
  const off = param(op, 'offset', offset, c, xt);
  const sc = param(op, 'scale', scale, c, xt);
  if (!(varianceEpsilon >= 0)) {
    throw new Error(`${op}: varianceEpsilon must be >= 0, got ${varianceEpsilon}`);
  }
  // s = scale / sqrt(var + eps); t = offset - mean * s (computed in float64, per channel).
  const muv = read(mu);
  const vv = read(vr);
  const offv = off === null ? null : read(off);
  const scv = sc === null ? null : read(sc);
  const inv = new Float64Array(c);
  const sArr = new Float32Array(c);
  const tArr = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    inv[j] = 1 / Math.sqrt(vv[j] + varianceEpsilon);
    const s = (scv === null ? 1 : scv[j]) * inv[j];
    sArr[j] = s;
    tArr[j] = (offv === null ? 0 : offv[j]) - muv[j] * s;
  }
  const s = vec(sArr);
  const t = vec(tArr);
  const out = empty(xt.shape);
  if (out.size > 0) affine(xt.ptr, out.ptr, m, c, s.ptr, t.ptr);
  t.dispose();
  const inputs = [xt, mu, vr, ...(off === null ? [] : [off]), ...(sc === null ? [] : [sc])];
  if (!engine.needsGrad(inputs)) {
    s.dispose();
    return out;
  }
  // Backward from S1 = sum dy and S2 = sum dy * (x - mean), per channel:
  //   dx = dy * s; d offset = S1; d scale = S2 * inv; d mean = -S1 * s;
  //   d variance = -0.5 * S2 * scale * inv^3.
  engine.record(
    inputs,
    [out],
    ([dy], needs) => {
      const s1 = empty([c]);
      const s2 = empty([c]);
      if (m > 0) sums(xt.ptr, dy.ptr, m, c, mu.ptr, s1.ptr, s2.ptr);
      const S1 = read(s1).slice();
      const S2 = read(s2).slice();
      s1.dispose();
      s2.dispose();
      const sv = read(s).slice();
      const gammaV = sc === null ? null : read(sc).slice();
      let dx: Tensor | null = null;
      if (needs[0]) {
        dx = empty(xt.shape);
        const t0 = vec(new Float32Array(c));
        if (dx.size > 0) affine(dy.ptr, dx.ptr, m, c, s.ptr, t0.ptr);
        t0.dispose();
      }
      const grads: (Tensor | null)[] = [dx];
      const shaped = (vals: ArrayLike<number>, like: Tensor) => {
        const g = vec(vals);
        if (like.rank === 1) return g;
        const v = view(g, like.shape);
        g.dispose();
        return v;
      };
      const dMean = new Float32Array(c);
      const dVar = new Float32Array(c);
      const dOff = new Float32Array(c);
      const dScale = new Float32Array(c);
      for (let j = 0; j < c; j++) {
        const g = gammaV === null ? 1 : gammaV[j];
        dMean[j] = -S1[j] * sv[j];
        dVar[j] = -0.5 * S2[j] * g * inv[j] * inv[j] * inv[j];
        dOff[j] = S1[j];
        dScale[j] = S2[j] * inv[j];
      }
      grads.push(needs[1] ? shaped(dMean, mu) : null);
      grads.push(needs[2] ? shaped(dVar, vr) : null);
      let i = 3;
      if (off !== null) grads.push(needs[i++] ? shaped(dOff, off) : null);
      if (sc !== null) grads.push(needs[i++] ? shaped(dScale, sc) : null);
      return grads;
    },
    [s],
  );
  return out;
}

/** Result of {@link batchNormTraining}. */
export interface BatchNormTrainingResult {
  /** The normalised, scaled and shifted output (same shape as x). */
  y: Tensor;
  /** Batch mean per channel, [C] (not differentiable). */
  mean: Tensor;
  /** Biased batch variance per channel (divided by M), [C] (not differentiable). */
  variance: Tensor;
}

/**
 * Batch normalization in training mode: normalises x with its own per-channel statistics over
 * every axis but the last, `y = (x - mean) / sqrt(var + epsilon) * gamma + beta`, with the
 * biased variance (as tf.moments). The statistics are returned too (for moving averages) and
 * carry no gradient; `y` is differentiable with respect to x, gamma and beta (the gradient
 * flows through the batch statistics, as in tfjs-layers and Keras). gamma / beta may be null
 * (scale = 1 / offset = 0). With `relu`, `y` is relu of that (a following relu fused into the
 * same passes, forward and backward: the backward pass recomputes the relu's mask from x).
 */
export function batchNormTraining(
  x: TensorLike,
  gamma: TensorLike | null,
  beta: TensorLike | null,
  epsilon = 0.001,
  relu = false,
): BatchNormTrainingResult {
  const op = 'batchNormTraining';
  const xt = toTensor(op, x, 'x');
  checkDtype(op, 'float32', xt);
  const [m, c] = channelsOf(op, xt);
  const g = param(op, 'gamma', gamma, c, xt);
  const b = param(op, 'beta', beta, c, xt);
  if (!(epsilon >= 0)) throw new Error(`${op}: epsilon must be >= 0, got ${epsilon}`);
  const mean = empty([c]);
  const variance = empty([c]);
  if (c > 0) stats(xt.ptr, m, c, mean.ptr, variance.ptr);
  const mv = read(mean);
  const vv = read(variance);
  const gv = g === null ? null : read(g);
  const bv = b === null ? null : read(b);
  const inv = new Float32Array(c);
  const sArr = new Float32Array(c);
  const tArr = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    inv[j] = 1 / Math.sqrt(vv[j] + epsilon);
    sArr[j] = (gv === null ? 1 : gv[j]) * inv[j];
    tArr[j] = (bv === null ? 0 : bv[j]) - mv[j] * sArr[j];
  }
  const s = vec(sArr);
  const t = vec(tArr);
  const y = empty(xt.shape);
  if (y.size > 0) affine(xt.ptr, y.ptr, m, c, s.ptr, t.ptr, relu ? 1 : 0);
  const inputs = [xt, ...(g === null ? [] : [g]), ...(b === null ? [] : [b])];
  const record = engine.needsGrad(inputs);
  // The relu's mask is recomputed from x, s and t in the backward pass.
  const keepAffine = record && relu;
  if (!keepAffine) {
    s.dispose();
    t.dispose();
  }
  if (record) {
    // The tape keeps its own copies of the statistics (the caller may dispose the returned ones).
    const savedMean = vec(read(mean));
    const savedInv = vec(inv);
    engine.record(
      inputs,
      [y],
      ([dy], needs) => {
        // With xhat = (x - mean) * inv, S1 = sum dy, S2 = sum dy * (x - mean):
        //   d beta = S1; d gamma = S2 * inv;
        //   dx = gamma * inv * (dy - S1 / M - xhat * (S2 * inv) / M)
        //      = a * dy + b * (x - mean) + d with a = gamma*inv, b = -gamma*inv^3*S2/M,
        //        d = -gamma*inv*S1/M.
        const s1 = empty([c]);
        const s2 = empty([c]);
        if (m > 0) {
          if (keepAffine) {
            sumsRelu(xt.ptr, dy.ptr, m, c, savedMean.ptr, s.ptr, t.ptr, s1.ptr, s2.ptr);
          } else {
            sums(xt.ptr, dy.ptr, m, c, savedMean.ptr, s1.ptr, s2.ptr);
          }
        }
        const S1 = read(s1).slice();
        const S2 = read(s2).slice();
        s1.dispose();
        s2.dispose();
        const iv = read(savedInv).slice();
        const gvals = g === null ? null : read(g).slice();
        const grads: (Tensor | null)[] = [];
        if (needs[0]) {
          const aA = new Float32Array(c);
          const bA = new Float32Array(c);
          const dA = new Float32Array(c);
          for (let j = 0; j < c; j++) {
            const gi = (gvals === null ? 1 : gvals[j]) * iv[j];
            aA[j] = gi;
            bA[j] = (-gi * iv[j] * iv[j] * S2[j]) / m;
            dA[j] = (-gi * S1[j]) / m;
          }
          const av = vec(aA);
          const bvv = vec(bA);
          const dv = vec(dA);
          const dx = empty(xt.shape);
          if (dx.size > 0 && keepAffine) {
            backwardAffineRelu(
              xt.ptr,
              dy.ptr,
              dx.ptr,
              m,
              c,
              savedMean.ptr,
              av.ptr,
              bvv.ptr,
              dv.ptr,
              s.ptr,
              t.ptr,
            );
          } else if (dx.size > 0) {
            backwardAffine(xt.ptr, dy.ptr, dx.ptr, m, c, savedMean.ptr, av.ptr, bvv.ptr, dv.ptr);
          }
          av.dispose();
          bvv.dispose();
          dv.dispose();
          grads.push(dx);
        } else grads.push(null);
        const shaped = (vals: ArrayLike<number>, like: Tensor) => {
          const r = vec(vals);
          if (like.rank === 1) return r;
          const v = view(r, like.shape);
          r.dispose();
          return v;
        };
        let i = 1;
        if (g !== null) {
          const dg = new Float32Array(c);
          for (let j = 0; j < c; j++) dg[j] = S2[j] * iv[j];
          grads.push(needs[i++] ? shaped(dg, g) : null);
        }
        if (b !== null) grads.push(needs[i++] ? shaped(S1, b) : null);
        return grads;
      },
      keepAffine ? [savedMean, savedInv, s, t] : [savedMean, savedInv],
    );
  }
  return { y, mean, variance };
}

/**
 * Mean and (biased) variance over `axes` (all when omitted), as `tf.moments`; differentiable.
 */
export function moments(
  x: TensorLike,
  axes?: number | readonly number[],
  keepDims = false,
): { mean: Tensor; variance: Tensor } {
  const xt = toTensor('moments', x, 'x');
  const mu = meanOp(xt, axes, true);
  const d = sub(xt, mu);
  const sq = square(d);
  d.dispose();
  const variance = meanOp(sq, axes, keepDims);
  sq.dispose();
  if (keepDims) return { mean: mu, variance };
  const mean = meanOp(xt, axes, false);
  mu.dispose();
  return { mean, variance };
}

/**
 * Moves `moving` towards `value` in place, as tfjs-layers: `moving -= (moving - value) *
 * (1 - momentum)`. Neither recorded on a tape nor allocating a tensor. @internal
 */
export function movingAverageUpdate(moving: Tensor, value: Tensor, momentum: number): void {
  const h = heap();
  h.refresh();
  const f = h.f32;
  const mo = moving.ptr >> 2;
  const vo = value.ptr >> 2;
  const decay = 1 - momentum;
  for (let j = 0; j < moving.size; j++) f[mo + j] = f[mo + j] - (f[mo + j] - f[vo + j]) * decay;
}
