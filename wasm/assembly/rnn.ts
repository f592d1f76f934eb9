// Fused recurrent kernels: a whole LSTM or GRU sequence forward in one call, and its whole
// backward pass (backpropagation through time) in another. Weight layouts are Keras's.
//
// Shapes (row-major float32, element counts as i32, pointers as byte offsets):
//   x [batch, T, inputDim]; kernel W [inputDim, G*units]; recurrent kernel U [units, G*units]
//   with G = 4 for the LSTM (gate order i, f, c, o) and G = 3 for the GRU (z, r, h).
//   LSTM bias [4*units]; GRU bias [3*units] (resetAfter = 0) or [2, 3*units] (resetAfter = 1:
//   row 0 the input bias, row 1 the recurrent bias). A bias pointer of 0 means no bias.
//   mask [batch, T] (0 pointer: no mask): where mask[b, t] == 0 the step is skipped for row b:
//   the state carries over unchanged and the output is the carried h (TF.js's rnn()).
//   seq [batch, T, units]: the output at processing step s (with goBackwards, step s reads
//   input time T-1-s, as Keras). h0, c0 [batch, units] (0 pointer: zeros).
//   recMask [batch, units] (0 pointer: none): recurrent dropout, a multiplier of h_{s-1} (0 or
//   1/(1-rate) per unit, one per sequence, the same at every step) as TF.js's cells (Keras
//   implementation 2): the LSTM multiplies h_{s-1} by it before the recurrent product (every
//   gate sees the same masked h); the GRU replaces h_{s-1} by the masked h in the whole step
//   (recurrent products, reset gate and the carry z * h_{s-1}), as tfjs-layers' GRUCell.
//   Masked (skipped) steps still carry the unmasked state over.
//
// Activation codes (act for the candidate / cell output, recAct for the gates):
//   0 linear   1 tanh   2 sigmoid   3 hardSigmoid (TF.js: clip(0.2x + 0.5, 0, 1))   4 relu
//
// Forward: one GEMM projects every timestep at once (x·W + b into the gate buffer, laid out
// [batch, T, G*units] like x), then per step h_{s-1}·U goes into a contiguous scratch (GEMM;
// the LSTM packs U once per call and multiplies by the packed panels, gemmPacked)
// and the gate math adds the two and runs fused (SIMD). The gate buffer ends up holding the gate
// activations, which the backward pass reads. Backward: per step in reverse, the fused gate
// gradients into dZ, then dh_{s-1} = dz·Uᵀ (GEMM); after the loop dW = xᵀ·dZ, dx = dZ·Wᵀ and
// dU = Hprevᵀ·dZ as single large GEMMs (Hprev: h_{s-1} of every step, aligned with dZ), and
// db = column sums of dZ (in row order).
//
// Every fast kernel has a scalar twin with the suffix Ref (plain loops, AssemblyScript's Mathf).

import { gemm, gemmPackB, gemmPacked, gemmPackedSize } from './gemm';
import { expPolyTail, madd, sel, splat } from './vmath';

// ---------------------------------------------------------------------------------------------
// Vector math comes from vmath.ts.

// 16-byte scratch for partial vectors (units not a multiple of 4).
const tailBuf = memory.data(16, 16);

// Gate activations. The recurrent kernels evaluate five of these per unit and step, so they use
// leaner versions of vmath's: rounding by the 1.5*2^23 shift instead of nearest+trunc_sat, and
// pmax (one instruction) instead of the NaN-propagating max that lowers to a sequence on x86
// (operand order keeps NaN lanes NaN). Same Cephes polynomial, so within a few ulps of Mathf.

/** x / ln2 + 1.5 * 2^23: the nearest integer n to x / ln2 sits in the low mantissa bits. */
// @ts-ignore: decorator
@inline function expNegScale(xc: v128): v128 {
  return madd(xc, splat(1.44269504088896341), splat(12582912.0));
}

/** exp(x) for x <= 0; inputs below -87 are treated as -87 (results >= 1.6e-38). NaN stays NaN. */
// @ts-ignore: decorator
@inline function vExpNeg(x: v128): v128 {
  const xc = f32x4.pmax(x, splat(-87.0));
  const t = expNegScale(xc);
  const fn = f32x4.sub(t, splat(12582912.0));
  let r = madd(fn, splat(-0.693359375), xc);
  r = madd(fn, splat(2.12194440e-4), r);
  const p = f32x4.add(f32x4.add(expPolyTail(r), r), splat(1.0));
  // t's bits are 0x4B400000 + n: (bits + 127) << 23 is 2^n (the high bits shift out).
  return f32x4.mul(p, i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23));
}

/** expm1(x) for x <= 0 (below -87 treated as -87): 2^n expm1(r) + (2^n - 1), exact near 0. */
// @ts-ignore: decorator
@inline function vExpm1NegR(x: v128): v128 {
  const xc = f32x4.pmax(x, splat(-87.0));
  const t = expNegScale(xc);
  const fn = f32x4.sub(t, splat(12582912.0));
  let r = madd(fn, splat(-0.693359375), xc);
  r = madd(fn, splat(2.12194440e-4), r);
  const em1 = f32x4.add(expPolyTail(r), r);
  const sc = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return madd(sc, em1, f32x4.sub(sc, splat(1.0)));
}

/** sigmoid(x) with e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) below. */
// @ts-ignore: decorator
@inline function vSigmoidR(x: v128): v128 {
  const e = vExpNeg(v128.or(x, i32x4.splat(0x80000000)));
  const num = sel(splat(1.0), e, f32x4.ge(x, splat(0.0)));
  return f32x4.div(num, f32x4.add(splat(1.0), e));
}

/** tanh(x) = sign(x) |m / (m + 2)| with m = expm1(-2|x|) (accurate near 0, saturates to 1). */
// @ts-ignore: decorator
@inline function vTanhR(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(0x80000000));
  const nx = v128.or(x, i32x4.splat(0x80000000)); // -|x|
  const m = vExpm1NegR(f32x4.add(nx, nx));
  return v128.or(f32x4.abs(f32x4.div(m, f32x4.add(m, splat(2.0)))), sign);
}

// @ts-ignore: decorator
@inline function vAct(code: i32, x: v128): v128 {
  switch (code) {
    case 1: return vTanhR(x);
    case 2: return vSigmoidR(x);
    case 3: return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(x, splat(0.2)), splat(0.5)), splat(0)), splat(1));
    case 4: return f32x4.max(x, splat(0));
    default: return x;
  }
}

/** Derivative of activation `code` expressed through its output y. */
// @ts-ignore: decorator
@inline function vActGrad(code: i32, y: v128): v128 {
  switch (code) {
    case 1: return f32x4.sub(splat(1), f32x4.mul(y, y));
    case 2: return f32x4.mul(y, f32x4.sub(splat(1), y));
    case 3: return v128.and(v128.and(f32x4.gt(y, splat(0)), f32x4.lt(y, splat(1))), splat(0.2));
    case 4: return v128.and(f32x4.gt(y, splat(0)), splat(1));
    default: return splat(1);
  }
}

/** Loads `cnt` (1..4) floats at p; lanes past cnt are 0. */
// @ts-ignore: decorator
@inline function ldN(p: usize, cnt: i32): v128 {
  if (cnt == 4) return v128.load(p);
  v128.store(tailBuf, splat(0));
  for (let q = 0; q < cnt; q++) store<f32>(tailBuf + (<usize>q << 2), load<f32>(p + (<usize>q << 2)));
  return v128.load(tailBuf);
}

/** Stores the first `cnt` (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline function stN(p: usize, v: v128, cnt: i32): void {
  if (cnt == 4) {
    v128.store(p, v);
    return;
  }
  v128.store(tailBuf, v);
  for (let q = 0; q < cnt; q++) store<f32>(p + (<usize>q << 2), load<f32>(tailBuf + (<usize>q << 2)));
}

/** Loads `cnt` floats at p, or zeros when p is 0. */
// @ts-ignore: decorator
@inline function ldZ(p: usize, cnt: i32): v128 {
  return p == 0 ? splat(0) : ldN(p, cnt);
}

// ---------------------------------------------------------------------------------------------
// Small shared helpers

/** Byte address of row `row` of a row-major matrix with `ld` floats per row. */
// @ts-ignore: decorator
@inline function rowAt(base: usize, row: i32, ld: i32): usize {
  return base + ((<usize>row * <usize>ld) << 2);
}

/** Copies n floats (src 0: writes zeros). */
function copyF(dst: usize, src: usize, n: i32): void {
  if (src == 0) memory.fill(dst, 0, <usize>n << 2);
  else memory.copy(dst, src, <usize>n << 2);
}

/** Whether row b takes step t (input time) under the mask (no mask: always). */
// @ts-ignore: decorator
@inline function live(mask: usize, b: i32, T: i32, t: i32): bool {
  return mask == 0 || load<f32>(rowAt(mask, b, T) + (<usize>t << 2)) != 0;
}

/** out[j] = sum over rows r of a[r][j] (rows in order), for `rows` rows of n floats, stride ld. */
function colSums(a: usize, rows: i32, n: i32, ld: i32, out: usize): void {
  memory.fill(out, 0, <usize>n << 2);
  for (let r = 0; r < rows; r++) {
    const ar = rowAt(a, r, ld);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(ar + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(ar + o));
    }
  }
}

/** dst[j] = src[j] * m[j] for n floats (src 0: zeros). dst may be src. */
function maskRow(dst: usize, src: usize, m: usize, n: i32): void {
  if (src == 0) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.mul(v128.load(src + o), v128.load(m + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(src + o) * load<f32>(m + o));
  }
}

/** out [batch, units] = rows of src (row stride lds) times the recurrent dropout mask. */
function maskRows(batch: i32, units: i32, src: usize, lds: i32, recMask: usize, out: usize): void {
  for (let b = 0; b < batch; b++) {
    maskRow(rowAt(out, b, units), rowAt(src, b, lds), rowAt(recMask, b, units), units);
  }
}

/**
 * Builds Hprev [batch, T, units]: at the input time t of step s, h_{s-1} (h0 or zeros for s=0),
 * times recMask when given (the h the recurrent product saw).
 * seq holds h_s at step s (the carried h on masked steps too).
 */
function buildHprev(
  batch: i32, T: i32, units: i32, h0: usize, seq: usize, backwards: i32, recMask: usize,
  out: usize,
): void {
  const ldh = T * units;
  for (let s = 0; s < T; s++) {
    const t = backwards ? T - 1 - s : s;
    for (let b = 0; b < batch; b++) {
      const src: usize =
        s == 0 ? (h0 == 0 ? 0 : rowAt(h0, b, units)) : rowAt(seq, b, ldh) + (<usize>((s - 1) * units) << 2);
      const dst = rowAt(out, b, ldh) + (<usize>(t * units) << 2);
      if (recMask == 0) copyF(dst, src, units);
      else maskRow(dst, src, rowAt(recMask, b, units), units);
    }
  }
}

/** After the loop: dx = dZ·Wᵀ, dW = xᵀ·dZ (either pointer 0 to skip). */
function inputGrads(
  rows: i32, inputDim: i32, gu: i32, x: usize, kernel: usize, dZ: usize, dx: usize, dKernel: usize,
): void {
  if (dx != 0) gemm(0, 1, rows, inputDim, gu, dZ, gu, kernel, gu, dx, inputDim, 0, 0, 0);
  if (dKernel != 0) gemm(1, 0, inputDim, gu, rows, x, inputDim, dZ, gu, dKernel, gu, 0, 0, 0);
}

// ---------------------------------------------------------------------------------------------
// LSTM

/** LSTM gate math of one row (z = projection + recurrent product; rr 0: no recurrent part). */
// @ts-ignore: decorator
@inline function lstmFwdRow(
  act: i32, recAct: i32, zr: usize, rr: usize, cr: usize, hout: usize, units: i32,
): void {
  const ub = <usize>units << 2;
  for (let j = 0; j < units; j += 4) {
    const cnt = min(4, units - j);
    const o = <usize>j << 2;
    const zi = zr + o;
    const ri: usize = rr == 0 ? 0 : rr + o;
    const ig = vAct(recAct, f32x4.add(ldN(zi, cnt), ldZ(ri, cnt)));
    const fg = vAct(recAct, f32x4.add(ldN(zi + ub, cnt), ldZ(ri == 0 ? 0 : ri + ub, cnt)));
    const cg = vAct(act, f32x4.add(ldN(zi + 2 * ub, cnt), ldZ(ri == 0 ? 0 : ri + 2 * ub, cnt)));
    const og = vAct(recAct, f32x4.add(ldN(zi + 3 * ub, cnt), ldZ(ri == 0 ? 0 : ri + 3 * ub, cnt)));
    const c = f32x4.add(f32x4.mul(fg, ldN(cr + o, cnt)), f32x4.mul(ig, cg));
    const h = f32x4.mul(og, vAct(act, c));
    stN(zi, ig, cnt);
    stN(zi + ub, fg, cnt);
    stN(zi + 2 * ub, cg, cnt);
    stN(zi + 3 * ub, og, cnt);
    stN(cr + o, c, cnt);
    stN(hout + o, h, cnt);
  }
}

/**
 * lstmFwdRow for the usual activations (tanh, sigmoid gates), units a multiple of 4 and a
 * recurrent part present: the same operations without dispatch or partial vectors.
 */
// @ts-ignore: decorator
@inline function lstmFwdRowTS(zr: usize, rr: usize, cr: usize, hout: usize, units: i32): void {
  const ub = <usize>units << 2;
  for (let j = 0; j < units; j += 4) {
    const o = <usize>j << 2;
    const zi = zr + o;
    const ri = rr + o;
    const ig = vSigmoidR(f32x4.add(v128.load(zi), v128.load(ri)));
    const fg = vSigmoidR(f32x4.add(v128.load(zi + ub), v128.load(ri + ub)));
    const cg = vTanhR(f32x4.add(v128.load(zi + 2 * ub), v128.load(ri + 2 * ub)));
    const og = vSigmoidR(f32x4.add(v128.load(zi + 3 * ub), v128.load(ri + 3 * ub)));
    const c = f32x4.add(f32x4.mul(fg, v128.load(cr + o)), f32x4.mul(ig, cg));
    const h = f32x4.mul(og, vTanhR(c));
    v128.store(zi, ig);
    v128.store(zi + ub, fg);
    v128.store(zi + 2 * ub, cg);
    v128.store(zi + 3 * ub, og);
    v128.store(cr + o, c);
    v128.store(hout + o, h);
  }
}

/** Batches at least this large multiply by a recurrent kernel packed once per call. */
const PACK_MIN_BATCH: i32 = 4;

/** Floats of the `ws` workspace lstmForward needs. */
export function lstmForwardWsSize(batch: i32, units: i32): i32 {
  return batch * 4 * units + gemmPackedSize(units, 4 * units) + batch * units;
}

/** Floats of the `ws` workspace lstmBackward needs. */
export function lstmBackwardWsSize(batch: i32, T: i32, units: i32): i32 {
  return (batch * T + 3 * batch) * units + gemmPackedSize(4 * units, units);
}

/**
 * LSTM forward over the whole sequence.
 * gates: workspace [batch, T, 4*units] (always): ends holding i, f, c̃, o (activations) at
 * each input time. cstates: [batch, T, units] c_s per step s, or 0 when not recording.
 * ws: workspace of lstmForwardWsSize(batch, units) floats: h_{s-1}·U of one step (batch * 4 *
 * units, a contiguous GEMM output, since writing into the strided gate buffer measured ~20%
 * slower), then U packed once for all steps (gemmPackB; used when batch >= 4), then the masked
 * h_{s-1} [batch, units] (recMask only).
 * Outputs: seq [batch, T, units], lastH and lastC [batch, units].
 */
export function lstmForward(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, bias: usize, h0: usize, c0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32,
  seq: usize, lastH: usize, lastC: usize, gates: usize, cstates: usize, ws: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 4 * units;
  const ldz = T * gu;
  const ldh = T * units;
  gemm(0, 0, batch * T, gu, inputDim, x, inputDim, kernel, gu, gates, gu, bias, 0, 0);
  copyF(lastC, c0, batch * units);
  const ub = <usize>units << 2;
  // U packed once for every step's h·U (unless the batch is tiny: then B is read in place).
  const packed = batch >= PACK_MIN_BATCH ? ws + (<usize>(batch * gu) << 2) : 0;
  if (packed != 0) gemmPackB(0, units, gu, recKernel, gu, packed);
  const hm = ws + (<usize>(batch * gu + gemmPackedSize(units, gu)) << 2);
  const fastRow = act == 1 && recAct == 2 && (units & 3) == 0;
  for (let s = 0; s < T; s++) {
    const t = backwards ? T - 1 - s : s;
    const zs = gates + (<usize>(t * gu) << 2);
    const hp = s == 0 ? h0 : seq + (<usize>((s - 1) * units) << 2);
    const ldp = s == 0 ? units : ldh;
    // The h the recurrent product reads: h_{s-1}, or h_{s-1} * recMask (recurrent dropout).
    let hg = hp;
    let ldg = ldp;
    if (recMask != 0 && hp != 0) {
      maskRows(batch, units, hp, ldp, recMask, hm);
      hg = hm;
      ldg = units;
    }
    if (hg != 0) {
      if (packed != 0) gemmPacked(0, batch, gu, units, hg, ldg, packed, ws, gu, 0, 0, 0);
      else gemm(0, 0, batch, gu, units, hg, ldg, recKernel, gu, ws, gu, 0, 0, 0);
    }
    for (let b = 0; b < batch; b++) {
      const hout = rowAt(seq, b, ldh) + (<usize>(s * units) << 2);
      const cr = rowAt(lastC, b, units);
      const rr: usize = hp == 0 ? 0 : rowAt(ws, b, gu);
      if (!live(mask, b, T, t)) {
        copyF(hout, hp == 0 ? 0 : rowAt(hp, b, ldp), units);
      } else if (fastRow && rr != 0) {
        lstmFwdRowTS(rowAt(zs, b, ldz), rr, cr, hout, units);
      } else {
        const zr = rowAt(zs, b, ldz);
        lstmFwdRow(act, recAct, zr, rr, cr, hout, units);
      }
      if (cstates != 0) memory.copy(rowAt(cstates, b, ldh) + (<usize>(s * units) << 2), cr, ub);
    }
  }
  for (let b = 0; b < batch; b++) {
    memory.copy(rowAt(lastH, b, units), rowAt(seq, b, ldh) + (<usize>((T - 1) * units) << 2), ub);
  }
}

/**
 * LSTM backward (BPTT) from the forward's seq, gates and cstates (same arguments as there).
 * dSeq [batch, T, units], dLastH, dLastC [batch, units] are the output gradients (0: zeros).
 * dZ: workspace [batch, T, 4*units] (ends holding the pre-activation gradients);
 * ws: workspace of lstmBackwardWsSize(batch, T, units) floats: Hprev, dh, dc, then Uᵀ packed
 * once for all steps (gemmPackB; used when batch >= 4), then dz·Uᵀ of one step (recMask only:
 * dh_{s-1} = (dz·Uᵀ) * recMask on live rows).
 * Outputs (0 to skip): dx [batch, T, inputDim], dKernel [inputDim, 4u], dRecKernel [u, 4u],
 * dBias [4u], dh0, dc0 [batch, units]. Outputs are overwritten, not accumulated.
 */
export function lstmBackward(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, h0: usize, c0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32,
  seq: usize, gates: usize, cstates: usize, dSeq: usize, dLastH: usize, dLastC: usize,
  dZ: usize, ws: usize,
  dx: usize, dKernel: usize, dRecKernel: usize, dBias: usize, dh0: usize, dc0: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 4 * units;
  const ldz = T * gu;
  const ldh = T * units;
  const ub = <usize>units << 2;
  const hprev = ws;
  const dh = ws + (<usize>(batch * ldh) << 2);
  const dc = dh + (<usize>(batch * units) << 2);
  copyF(dh, dLastH, batch * units);
  copyF(dc, dLastC, batch * units);
  // Uᵀ packed once for every step's dz·Uᵀ (unless the batch is tiny).
  const packed = batch >= PACK_MIN_BATCH ? dc + (<usize>(batch * units) << 2) : 0;
  if (packed != 0) gemmPackB(1, gu, units, recKernel, gu, packed);
  const tmp = dc + (<usize>(batch * units + gemmPackedSize(gu, units)) << 2);
  for (let s = T - 1; s >= 0; s--) {
    const t = backwards ? T - 1 - s : s;
    const dzs = dZ + (<usize>(t * gu) << 2);
    for (let b = 0; b < batch; b++) {
      const dhr = rowAt(dh, b, units);
      const dcr = rowAt(dc, b, units);
      const so = <usize>(s * units) << 2;
      if (dSeq != 0) {
        const g = rowAt(dSeq, b, ldh) + so;
        for (let j = 0; j < units; j += 4) {
          const cnt = min(4, units - j);
          const o = <usize>j << 2;
          stN(dhr + o, f32x4.add(ldN(dhr + o, cnt), ldN(g + o, cnt)), cnt);
        }
      }
      const dzr = rowAt(dzs, b, ldz);
      if (!live(mask, b, T, t)) {
        // Skipped step: dh and dc pass through to step s-1; no gate gradient.
        memory.fill(dzr, 0, ub * 4);
        continue;
      }
      const gr = rowAt(gates, b, ldz) + (<usize>(t * gu) << 2);
      const cr = rowAt(cstates, b, ldh) + so;
      const cpr: usize =
        s > 0 ? cr - ub : c0 == 0 ? 0 : rowAt(c0, b, units);
      for (let j = 0; j < units; j += 4) {
        const cnt = min(4, units - j);
        const o = <usize>j << 2;
        const ig = ldN(gr + o, cnt);
        const fg = ldN(gr + ub + o, cnt);
        const cg = ldN(gr + 2 * ub + o, cnt);
        const og = ldN(gr + 3 * ub + o, cnt);
        const a = vAct(act, ldN(cr + o, cnt));
        const dhv = ldN(dhr + o, cnt);
        const dct = f32x4.add(ldN(dcr + o, cnt), f32x4.mul(f32x4.mul(dhv, og), vActGrad(act, a)));
        const di = f32x4.mul(f32x4.mul(dct, cg), vActGrad(recAct, ig));
        const df = f32x4.mul(f32x4.mul(dct, ldZ(cpr == 0 ? 0 : cpr + o, cnt)), vActGrad(recAct, fg));
        const dg = f32x4.mul(f32x4.mul(dct, ig), vActGrad(act, cg));
        const dov = f32x4.mul(f32x4.mul(dhv, a), vActGrad(recAct, og));
        stN(dzr + o, di, cnt);
        stN(dzr + ub + o, df, cnt);
        stN(dzr + 2 * ub + o, dg, cnt);
        stN(dzr + 3 * ub + o, dov, cnt);
        stN(dcr + o, f32x4.mul(dct, fg), cnt);
      }
      // dh_{s-1} of a live row is dz·Uᵀ alone (added by the GEMM below).
      memory.fill(dhr, 0, ub);
    }
    if (recMask == 0) {
      if (packed != 0) gemmPacked(0, batch, units, gu, dzs, ldz, packed, dh, units, 0, 0, 1);
      else gemm(0, 1, batch, units, gu, dzs, ldz, recKernel, gu, dh, units, 0, 0, 1);
    } else {
      // The product saw h_{s-1} * recMask: dh_{s-1} = (dz·Uᵀ) * recMask on live rows.
      if (packed != 0) gemmPacked(0, batch, units, gu, dzs, ldz, packed, tmp, units, 0, 0, 0);
      else gemm(0, 1, batch, units, gu, dzs, ldz, recKernel, gu, tmp, units, 0, 0, 0);
      for (let b = 0; b < batch; b++) {
        if (live(mask, b, T, t)) {
          maskRow(rowAt(dh, b, units), rowAt(tmp, b, units), rowAt(recMask, b, units), units);
        }
      }
    }
  }
  if (dh0 != 0) memory.copy(dh0, dh, <usize>(batch * units) << 2);
  if (dc0 != 0) memory.copy(dc0, dc, <usize>(batch * units) << 2);
  inputGrads(batch * T, inputDim, gu, x, kernel, dZ, dx, dKernel);
  if (dRecKernel != 0) {
    buildHprev(batch, T, units, h0, seq, backwards, recMask, hprev);
    gemm(1, 0, units, gu, batch * T, hprev, units, dZ, gu, dRecKernel, gu, 0, 0, 0);
  }
  if (dBias != 0) colSums(dZ, batch * T, gu, gu, dBias);
}

// ---------------------------------------------------------------------------------------------
// GRU

/** Floats of the `ws` workspace gruForward needs. */
export function gruForwardWsSize(batch: i32, units: i32): i32 {
  return batch * 5 * units;
}

/** Floats of the `ws` workspace gruBackward needs. */
export function gruBackwardWsSize(batch: i32, T: i32, units: i32): i32 {
  return (2 * batch * T + 3 * batch) * units;
}

/**
 * GRU forward over the whole sequence (Keras GRU, gate order z, r, h).
 * resetAfter = 1 (Keras 2+/3 default): hh = act(x·W_h + b_h + r * (h·U_h + br_h)), bias
 * [2, 3u] (input row, recurrent row). resetAfter = 0 (TF.js's only mode): hh = act(x·W_h +
 * b_h + (r * h)·U_h), bias [3u]. Then h = z * h_{s-1} + (1 - z) * hh.
 * gates: workspace [batch, T, 3u], ends holding z, r, hh. rh: [batch, T, units] the recurrent
 * h-part h·U_h + br_h per input time (resetAfter = 1 only; 0 when not recording).
 * With recMask every h_{s-1} of a live step above is h_{s-1} * recMask (tfjs-layers' GRUCell).
 * ws: workspace of gruForwardWsSize(batch, units) floats.
 */
export function gruForward(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, bias: usize, h0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32, resetAfter: i32,
  seq: usize, lastH: usize, gates: usize, rh: usize, ws: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 3 * units;
  const ldz = T * gu;
  const ldh = T * units;
  const ub = <usize>units << 2;
  const recBias: usize = resetAfter && bias != 0 ? bias + (<usize>gu << 2) : 0;
  const hm = ws + (<usize>(batch * 4 * units) << 2);
  gemm(0, 0, batch * T, gu, inputDim, x, inputDim, kernel, gu, gates, gu, bias, 0, 0);
  for (let s = 0; s < T; s++) {
    const t = backwards ? T - 1 - s : s;
    const zs = gates + (<usize>(t * gu) << 2);
    const hp = s == 0 ? h0 : seq + (<usize>((s - 1) * units) << 2);
    const ldp = s == 0 ? units : ldh;
    // The h a live step reads: h_{s-1}, or h_{s-1} * recMask (recurrent dropout).
    let hg = hp;
    let ldg = ldp;
    if (recMask != 0 && hp != 0) {
      maskRows(batch, units, hp, ldp, recMask, hm);
      hg = hm;
      ldg = units;
    }
    if (resetAfter) {
      // R = h·U + br (k = 0 when there is no h: just the bias, or zeros).
      gemm(0, 0, batch, gu, hg == 0 ? 0 : units, hg, ldg, recKernel, gu, ws, gu, recBias, 0, 0);
      for (let b = 0; b < batch; b++) {
        const hout = rowAt(seq, b, ldh) + (<usize>(s * units) << 2);
        if (!live(mask, b, T, t)) {
          copyF(hout, hp == 0 ? 0 : rowAt(hp, b, ldp), units);
          continue;
        }
        const hgr: usize = hg == 0 ? 0 : rowAt(hg, b, ldg);
        const zr = rowAt(zs, b, ldz);
        const rr = rowAt(ws, b, gu);
        for (let j = 0; j < units; j += 4) {
          const cnt = min(4, units - j);
          const o = <usize>j << 2;
          const zg = vAct(recAct, f32x4.add(ldN(zr + o, cnt), ldN(rr + o, cnt)));
          const rg = vAct(recAct, f32x4.add(ldN(zr + ub + o, cnt), ldN(rr + ub + o, cnt)));
          const rhv = ldN(rr + 2 * ub + o, cnt);
          const hh = vAct(act, f32x4.add(ldN(zr + 2 * ub + o, cnt), f32x4.mul(rg, rhv)));
          const hpv = ldZ(hgr == 0 ? 0 : hgr + o, cnt);
          const h = f32x4.add(f32x4.mul(zg, hpv), f32x4.mul(f32x4.sub(splat(1), zg), hh));
          stN(zr + o, zg, cnt);
          stN(zr + ub + o, rg, cnt);
          stN(zr + 2 * ub + o, hh, cnt);
          if (rh != 0) stN(rowAt(rh, b, ldh) + (<usize>(t * units) << 2) + o, rhv, cnt);
          stN(hout + o, h, cnt);
        }
      }
    } else {
      // ws: [batch, 3u] recurrent products (h·U_zr, then (r*h)·U_h), then hr = r*h [batch, u].
      const hr = ws + (<usize>(batch * gu) << 2);
      if (hg != 0) gemm(0, 0, batch, 2 * units, units, hg, ldg, recKernel, gu, ws, gu, 0, 0, 0);
      for (let b = 0; b < batch; b++) {
        const hpr: usize = hg == 0 ? 0 : rowAt(hg, b, ldg);
        const hrr = rowAt(hr, b, units);
        if (!live(mask, b, T, t)) {
          memory.fill(hrr, 0, ub);
          continue;
        }
        const zr = rowAt(zs, b, ldz);
        const rr: usize = hp == 0 ? 0 : rowAt(ws, b, gu);
        for (let j = 0; j < units; j += 4) {
          const cnt = min(4, units - j);
          const o = <usize>j << 2;
          const zg = vAct(recAct, f32x4.add(ldN(zr + o, cnt), ldZ(rr == 0 ? 0 : rr + o, cnt)));
          const rg = vAct(recAct, f32x4.add(ldN(zr + ub + o, cnt), ldZ(rr == 0 ? 0 : rr + ub + o, cnt)));
          stN(zr + o, zg, cnt);
          stN(zr + ub + o, rg, cnt);
          stN(hrr + o, f32x4.mul(rg, ldZ(hpr == 0 ? 0 : hpr + o, cnt)), cnt);
        }
      }
      if (hp != 0) {
        gemm(0, 0, batch, units, units, hr, units, recKernel + 2 * ub, gu, ws + 2 * ub, gu, 0, 0, 0);
      }
      for (let b = 0; b < batch; b++) {
        const hout = rowAt(seq, b, ldh) + (<usize>(s * units) << 2);
        if (!live(mask, b, T, t)) {
          copyF(hout, hp == 0 ? 0 : rowAt(hp, b, ldp), units);
          continue;
        }
        const hpr: usize = hg == 0 ? 0 : rowAt(hg, b, ldg);
        const zr = rowAt(zs, b, ldz);
        const rr: usize = hp == 0 ? 0 : rowAt(ws, b, gu) + 2 * ub;
        for (let j = 0; j < units; j += 4) {
          const cnt = min(4, units - j);
          const o = <usize>j << 2;
          const zg = ldN(zr + o, cnt);
          const hh = vAct(act, f32x4.add(ldN(zr + 2 * ub + o, cnt), ldZ(rr == 0 ? 0 : rr + o, cnt)));
          const hpv = ldZ(hpr == 0 ? 0 : hpr + o, cnt);
          const h = f32x4.add(f32x4.mul(zg, hpv), f32x4.mul(f32x4.sub(splat(1), zg), hh));
          stN(zr + 2 * ub + o, hh, cnt);
          stN(hout + o, h, cnt);
        }
      }
    }
  }
  for (let b = 0; b < batch; b++) {
    memory.copy(rowAt(lastH, b, units), rowAt(seq, b, ldh) + (<usize>((T - 1) * units) << 2), ub);
  }
}

/**
 * GRU backward (BPTT) from the forward's seq, gates and rh (same arguments as there).
 * dSeq [batch, T, units], dLastH [batch, units]: output gradients (0: zeros).
 * dZ: workspace [batch, T, 3u] (input-side pre-activation gradients); dZr: workspace
 * [batch, T, 3u] (recurrent-side gradients, resetAfter = 1 only, else 0);
 * ws: workspace of gruBackwardWsSize(batch, T, units) floats.
 * Outputs (0 to skip): dx, dKernel [inputDim, 3u], dRecKernel [u, 3u], dBias ([2, 3u] with
 * resetAfter, else [3u]), dh0 [batch, units].
 */
export function gruBackward(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, h0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32, resetAfter: i32,
  seq: usize, gates: usize, rh: usize, dSeq: usize, dLastH: usize,
  dZ: usize, dZr: usize, ws: usize,
  dx: usize, dKernel: usize, dRecKernel: usize, dBias: usize, dh0: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 3 * units;
  const ldz = T * gu;
  const ldh = T * units;
  const ub = <usize>units << 2;
  const hprev = ws;
  const hrAll = ws + (<usize>(batch * ldh) << 2);
  const dh = hrAll + (<usize>(batch * ldh) << 2);
  const tmp = dh + (<usize>(batch * units) << 2);
  const hm = tmp + (<usize>(batch * units) << 2);
  copyF(dh, dLastH, batch * units);
  for (let s = T - 1; s >= 0; s--) {
    const t = backwards ? T - 1 - s : s;
    const dzs = dZ + (<usize>(t * gu) << 2);
    const so = <usize>(s * units) << 2;
    const to = <usize>(t * units) << 2;
    // hp: h_{s-1} as the live step saw it (times recMask with recurrent dropout).
    let hp = s == 0 ? h0 : seq + (<usize>((s - 1) * units) << 2);
    let ldp = s == 0 ? units : ldh;
    if (recMask != 0 && hp != 0) {
      maskRows(batch, units, hp, ldp, recMask, hm);
      hp = hm;
      ldp = units;
    }
    for (let b = 0; b < batch; b++) {
      const dhr = rowAt(dh, b, units);
      if (dSeq != 0) {
        const g = rowAt(dSeq, b, ldh) + so;
        for (let j = 0; j < units; j += 4) {
          const cnt = min(4, units - j);
          const o = <usize>j << 2;
          stN(dhr + o, f32x4.add(ldN(dhr + o, cnt), ldN(g + o, cnt)), cnt);
        }
      }
      const dzr = rowAt(dzs, b, ldz);
      const dzrr: usize = resetAfter ? rowAt(dZr, b, ldz) + (<usize>(t * gu) << 2) : 0;
      if (!live(mask, b, T, t)) {
        memory.fill(dzr, 0, ub * 3);
        if (resetAfter) memory.fill(dzrr, 0, ub * 3);
        else memory.fill(rowAt(hrAll, b, ldh) + to, 0, ub);
        continue;
      }
      const gr = rowAt(gates, b, ldz) + (<usize>(t * gu) << 2);
      const hpr: usize = hp == 0 ? 0 : rowAt(hp, b, ldp);
      for (let j = 0; j < units; j += 4) {
        const cnt = min(4, units - j);
        const o = <usize>j << 2;
        const zg = ldN(gr + o, cnt);
        const rg = ldN(gr + ub + o, cnt);
        const hh = ldN(gr + 2 * ub + o, cnt);
        const hpv = ldZ(hpr == 0 ? 0 : hpr + o, cnt);
        const dhv = ldN(dhr + o, cnt);
        const dah = f32x4.mul(f32x4.mul(dhv, f32x4.sub(splat(1), zg)), vActGrad(act, hh));
        const dxz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(hpv, hh)), vActGrad(recAct, zg));
        stN(dzr + o, dxz, cnt);
        stN(dzr + 2 * ub + o, dah, cnt);
        stN(dhr + o, f32x4.mul(dhv, zg), cnt);
        if (resetAfter) {
          const rhv = ldN(rowAt(rh, b, ldh) + to + o, cnt);
          const dxr = f32x4.mul(f32x4.mul(dah, rhv), vActGrad(recAct, rg));
          stN(dzr + ub + o, dxr, cnt);
          stN(dzrr + o, dxz, cnt);
          stN(dzrr + ub + o, dxr, cnt);
          stN(dzrr + 2 * ub + o, f32x4.mul(dah, rg), cnt);
        } else {
          stN(rowAt(hrAll, b, ldh) + to + o, f32x4.mul(rg, hpv), cnt);
        }
      }
    }
    if (resetAfter) {
      gemm(0, 1, batch, units, gu, dZr + (<usize>(t * gu) << 2), ldz, recKernel, gu, dh, units, 0, 0, 1);
    } else {
      // d(r*h) = dah·U_hᵀ; then dr = d(r*h) * h_{s-1} and dh_{s-1} += d(r*h) * r.
      gemm(0, 1, batch, units, units, dzs + 2 * ub, ldz, recKernel + 2 * ub, gu, tmp, units, 0, 0, 0);
      for (let b = 0; b < batch; b++) {
        if (!live(mask, b, T, t)) continue;
        const dzr = rowAt(dzs, b, ldz);
        const gr = rowAt(gates, b, ldz) + (<usize>(t * gu) << 2);
        const hpr: usize = hp == 0 ? 0 : rowAt(hp, b, ldp);
        const dhr = rowAt(dh, b, units);
        const tr = rowAt(tmp, b, units);
        for (let j = 0; j < units; j += 4) {
          const cnt = min(4, units - j);
          const o = <usize>j << 2;
          const rg = ldN(gr + ub + o, cnt);
          const dhrv = ldN(tr + o, cnt);
          const hpv = ldZ(hpr == 0 ? 0 : hpr + o, cnt);
          stN(dzr + ub + o, f32x4.mul(f32x4.mul(dhrv, hpv), vActGrad(recAct, rg)), cnt);
          stN(dhr + o, f32x4.add(ldN(dhr + o, cnt), f32x4.mul(dhrv, rg)), cnt);
        }
      }
      gemm(0, 1, batch, units, 2 * units, dzs, ldz, recKernel, gu, dh, units, 0, 0, 1);
    }
    if (recMask != 0) {
      // dh of a live row so far is d(h_{s-1} * recMask): times recMask gives dh_{s-1}.
      for (let b = 0; b < batch; b++) {
        if (live(mask, b, T, t)) {
          const dhr = rowAt(dh, b, units);
          maskRow(dhr, dhr, rowAt(recMask, b, units), units);
        }
      }
    }
  }
  if (dh0 != 0) memory.copy(dh0, dh, <usize>(batch * units) << 2);
  inputGrads(batch * T, inputDim, gu, x, kernel, dZ, dx, dKernel);
  const rows = batch * T;
  if (dRecKernel != 0) {
    buildHprev(batch, T, units, h0, seq, backwards, recMask, hprev);
    if (resetAfter) {
      gemm(1, 0, units, gu, rows, hprev, units, dZr, gu, dRecKernel, gu, 0, 0, 0);
    } else {
      gemm(1, 0, units, 2 * units, rows, hprev, units, dZ, gu, dRecKernel, gu, 0, 0, 0);
      gemm(1, 0, units, units, rows, hrAll, units, dZ + 2 * ub, gu, dRecKernel + 2 * ub, gu, 0, 0, 0);
    }
  }
  if (dBias != 0) {
    colSums(dZ, rows, gu, gu, dBias);
    if (resetAfter) colSums(dZr, rows, gu, gu, dBias + (<usize>gu << 2));
  }
}

// ---------------------------------------------------------------------------------------------
// Scalar references: the same signatures and results, plain loops.

function sAct(code: i32, x: f32): f32 {
  switch (code) {
    case 1: return Mathf.tanh(x);
    case 2: {
      const e = Mathf.exp(-Mathf.abs(x));
      return x >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
    case 3: return Mathf.min(Mathf.max(x * 0.2 + 0.5, 0), 1);
    case 4: return Mathf.max(x, 0);
    default: return x;
  }
}

function sActGrad(code: i32, y: f32): f32 {
  switch (code) {
    case 1: return 1 - y * y;
    case 2: return y * (1 - y);
    case 3: return y > 0 && y < 1 ? 0.2 : 0;
    case 4: return y > 0 ? 1 : 0;
    default: return 1;
  }
}

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/** Element i of an optional array (0 pointer: 0). */
// @ts-ignore: decorator
@inline function ldo(p: usize, i: i32): f32 {
  return p == 0 ? 0 : ld(p, i);
}

/** C[m, n] (+)= A[m, k] · B[k, n] with row strides (plain triple loop). */
function mmRef(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, acc: bool): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum: f32 = 0;
      for (let p = 0; p < k; p++) sum += ld(a, i * lda + p) * ld(b, p * ldb + j);
      st(c, i * ldc + j, acc ? ld(c, i * ldc + j) + sum : sum);
    }
  }
}

/** Element (b, s) of h_{s-1}: seq[b, s-1], or h0 (or 0) at s = 0. */
function hPrevRef(seq: usize, h0: usize, b: i32, s: i32, T: i32, units: i32, j: i32): f32 {
  return s == 0 ? ldo(h0, b * units + j) : ld(seq, (b * T + s - 1) * units + j);
}

/** Element (b, j) of the recurrent dropout mask (0 pointer: 1). */
function recMaskRef(recMask: usize, b: i32, units: i32, j: i32): f32 {
  return recMask == 0 ? 1 : ld(recMask, b * units + j);
}

/** hPrevRef times the recurrent dropout mask: the h the recurrent product sees. */
function hSeenRef(
  seq: usize, h0: usize, recMask: usize, b: i32, s: i32, T: i32, units: i32, j: i32,
): f32 {
  return hPrevRef(seq, h0, b, s, T, units, j) * recMaskRef(recMask, b, units, j);
}

/** Shared tail of the backward references: dx, dW, dU (from Hprev/HR), db. */
function inputGradsRef(
  batch: i32, T: i32, inputDim: i32, gu: i32, x: usize, kernel: usize, dZ: usize,
  dx: usize, dKernel: usize, dBias: usize,
): void {
  const rows = batch * T;
  if (dx != 0) {
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < inputDim; i++) {
        let sum: f32 = 0;
        for (let g = 0; g < gu; g++) sum += ld(dZ, r * gu + g) * ld(kernel, i * gu + g);
        st(dx, r * inputDim + i, sum);
      }
    }
  }
  if (dKernel != 0) {
    for (let i = 0; i < inputDim; i++) {
      for (let g = 0; g < gu; g++) {
        let sum: f32 = 0;
        for (let r = 0; r < rows; r++) sum += ld(x, r * inputDim + i) * ld(dZ, r * gu + g);
        st(dKernel, i * gu + g, sum);
      }
    }
  }
  if (dBias != 0) {
    for (let g = 0; g < gu; g++) {
      let sum: f32 = 0;
      for (let r = 0; r < rows; r++) sum += ld(dZ, r * gu + g);
      st(dBias, g, sum);
    }
  }
}

/** Scalar reference of lstmForward (same signature and meaning). */
export function lstmForwardRef(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, bias: usize, h0: usize, c0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32,
  seq: usize, lastH: usize, lastC: usize, gates: usize, cstates: usize, ws: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 4 * units;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < units; j++) st(lastC, b * units + j, ldo(c0, b * units + j));
  }
  for (let s = 0; s < T; s++) {
    const t = backwards ? T - 1 - s : s;
    for (let b = 0; b < batch; b++) {
      const zo = (b * T + t) * gu;
      // z = x_t·W + h_{s-1}·U + b
      for (let g = 0; g < gu; g++) {
        let z: f32 = ldo(bias, g);
        for (let i = 0; i < inputDim; i++) z += ld(x, (b * T + t) * inputDim + i) * ld(kernel, i * gu + g);
        for (let k = 0; k < units; k++) z += hSeenRef(seq, h0, recMask, b, s, T, units, k) * ld(recKernel, k * gu + g);
        st(gates, zo + g, z);
      }
      const keep = mask == 0 || ld(mask, b * T + t) != 0;
      for (let j = 0; j < units; j++) {
        const hp = hPrevRef(seq, h0, b, s, T, units, j);
        let h = hp;
        if (keep) {
          const ig = sAct(recAct, ld(gates, zo + j));
          const fg = sAct(recAct, ld(gates, zo + units + j));
          const cg = sAct(act, ld(gates, zo + 2 * units + j));
          const og = sAct(recAct, ld(gates, zo + 3 * units + j));
          const c = fg * ld(lastC, b * units + j) + ig * cg;
          h = og * sAct(act, c);
          st(gates, zo + j, ig);
          st(gates, zo + units + j, fg);
          st(gates, zo + 2 * units + j, cg);
          st(gates, zo + 3 * units + j, og);
          st(lastC, b * units + j, c);
        }
        st(seq, (b * T + s) * units + j, h);
        if (cstates != 0) st(cstates, (b * T + s) * units + j, ld(lastC, b * units + j));
      }
    }
  }
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < units; j++) st(lastH, b * units + j, ld(seq, (b * T + T - 1) * units + j));
  }
}

/** Scalar reference of lstmBackward (same signature and meaning). */
export function lstmBackwardRef(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, h0: usize, c0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32,
  seq: usize, gates: usize, cstates: usize, dSeq: usize, dLastH: usize, dLastC: usize,
  dZ: usize, ws: usize,
  dx: usize, dKernel: usize, dRecKernel: usize, dBias: usize, dh0: usize, dc0: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 4 * units;
  const dh = ws;
  const dc = ws + (<usize>(batch * units) << 2);
  const dhNext = dc + (<usize>(batch * units) << 2);
  for (let i = 0; i < batch * units; i++) {
    st(dh, i, ldo(dLastH, i));
    st(dc, i, ldo(dLastC, i));
  }
  if (dRecKernel != 0) for (let i = 0; i < units * gu; i++) st(dRecKernel, i, 0);
  for (let s = T - 1; s >= 0; s--) {
    const t = backwards ? T - 1 - s : s;
    for (let b = 0; b < batch; b++) {
      const zo = (b * T + t) * gu;
      const keep = mask == 0 || ld(mask, b * T + t) != 0;
      for (let j = 0; j < units; j++) {
        const dhv = ld(dh, b * units + j) + ldo(dSeq, (b * T + s) * units + j);
        st(dh, b * units + j, dhv);
        if (!keep) {
          for (let g = 0; g < 4; g++) st(dZ, zo + g * units + j, 0);
          continue;
        }
        const ig = ld(gates, zo + j);
        const fg = ld(gates, zo + units + j);
        const cg = ld(gates, zo + 2 * units + j);
        const og = ld(gates, zo + 3 * units + j);
        const c = ld(cstates, (b * T + s) * units + j);
        const cp = s > 0 ? ld(cstates, (b * T + s - 1) * units + j) : ldo(c0, b * units + j);
        const a = sAct(act, c);
        const dct = ld(dc, b * units + j) + dhv * og * sActGrad(act, a);
        st(dZ, zo + j, dct * cg * sActGrad(recAct, ig));
        st(dZ, zo + units + j, dct * cp * sActGrad(recAct, fg));
        st(dZ, zo + 2 * units + j, dct * ig * sActGrad(act, cg));
        st(dZ, zo + 3 * units + j, dhv * a * sActGrad(recAct, og));
        st(dc, b * units + j, dct * fg);
      }
      // dh_{s-1} = dz·Uᵀ (live rows) or dh (skipped rows); dU += h_{s-1}ᵀ dz.
      for (let k = 0; k < units; k++) {
        let sum: f32 = 0;
        for (let g = 0; g < gu; g++) sum += ld(dZ, zo + g) * ld(recKernel, k * gu + g);
        st(dhNext, b * units + k, keep ? sum * recMaskRef(recMask, b, units, k) : ld(dh, b * units + k));
        if (dRecKernel != 0) {
          const hp = hSeenRef(seq, h0, recMask, b, s, T, units, k);
          for (let g = 0; g < gu; g++) st(dRecKernel, k * gu + g, ld(dRecKernel, k * gu + g) + hp * ld(dZ, zo + g));
        }
      }
    }
    for (let i = 0; i < batch * units; i++) st(dh, i, ld(dhNext, i));
  }
  if (dh0 != 0) for (let i = 0; i < batch * units; i++) st(dh0, i, ld(dh, i));
  if (dc0 != 0) for (let i = 0; i < batch * units; i++) st(dc0, i, ld(dc, i));
  inputGradsRef(batch, T, inputDim, gu, x, kernel, dZ, dx, dKernel, dBias);
}

/** Scalar reference of gruForward (same signature and meaning). */
export function gruForwardRef(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, bias: usize, h0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32, resetAfter: i32,
  seq: usize, lastH: usize, gates: usize, rh: usize, ws: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 3 * units;
  const rec = ws; // [3u]: h·U (+ recurrent bias), or (r*h)·U_h in the last third
  for (let s = 0; s < T; s++) {
    const t = backwards ? T - 1 - s : s;
    for (let b = 0; b < batch; b++) {
      const zo = (b * T + t) * gu;
      for (let g = 0; g < gu; g++) {
        let z: f32 = ldo(bias, g);
        for (let i = 0; i < inputDim; i++) z += ld(x, (b * T + t) * inputDim + i) * ld(kernel, i * gu + g);
        st(gates, zo + g, z);
        let r: f32 = resetAfter ? ldo(bias, gu + g) : 0;
        if (resetAfter || g < 2 * units) {
          for (let k = 0; k < units; k++) r += hSeenRef(seq, h0, recMask, b, s, T, units, k) * ld(recKernel, k * gu + g);
        }
        st(rec, g, r);
      }
      const keep = mask == 0 || ld(mask, b * T + t) != 0;
      for (let j = 0; j < units; j++) {
        st(gates, zo + j, sAct(recAct, ld(gates, zo + j) + ld(rec, j)));
        st(gates, zo + units + j, sAct(recAct, ld(gates, zo + units + j) + ld(rec, units + j)));
      }
      if (!resetAfter) {
        // (r * h)·U_h
        for (let g = 0; g < units; g++) {
          let r: f32 = 0;
          for (let k = 0; k < units; k++) {
            r += ld(gates, zo + units + k) * hSeenRef(seq, h0, recMask, b, s, T, units, k) * ld(recKernel, k * gu + 2 * units + g);
          }
          st(rec, 2 * units + g, r);
        }
      }
      for (let j = 0; j < units; j++) {
        const hp = hPrevRef(seq, h0, b, s, T, units, j);
        let h = hp;
        if (keep) {
          const zg = ld(gates, zo + j);
          const rg = ld(gates, zo + units + j);
          const rhv = ld(rec, 2 * units + j);
          const hh = sAct(act, ld(gates, zo + 2 * units + j) + (resetAfter ? rg * rhv : rhv));
          st(gates, zo + 2 * units + j, hh);
          if (resetAfter && rh != 0) st(rh, (b * T + t) * units + j, rhv);
          h = zg * hSeenRef(seq, h0, recMask, b, s, T, units, j) + (1 - zg) * hh;
        }
        st(seq, (b * T + s) * units + j, h);
      }
    }
  }
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < units; j++) st(lastH, b * units + j, ld(seq, (b * T + T - 1) * units + j));
  }
}

/** Scalar reference of gruBackward (same signature and meaning). */
export function gruBackwardRef(
  batch: i32, T: i32, inputDim: i32, units: i32,
  x: usize, kernel: usize, recKernel: usize, h0: usize, mask: usize,
  recMask: usize, act: i32, recAct: i32, backwards: i32, resetAfter: i32,
  seq: usize, gates: usize, rh: usize, dSeq: usize, dLastH: usize,
  dZ: usize, dZr: usize, ws: usize,
  dx: usize, dKernel: usize, dRecKernel: usize, dBias: usize, dh0: usize,
): void {
  if (batch <= 0 || T <= 0 || units <= 0) return;
  const gu = 3 * units;
  const dh = ws;
  const dhNext = ws + (<usize>(batch * units) << 2);
  const dhr = dhNext + (<usize>(batch * units) << 2); // [units]: d(r*h) (resetAfter = 0)
  for (let i = 0; i < batch * units; i++) st(dh, i, ldo(dLastH, i));
  if (dRecKernel != 0) for (let i = 0; i < units * gu; i++) st(dRecKernel, i, 0);
  if (dBias != 0 && resetAfter) for (let g = 0; g < gu; g++) st(dBias, gu + g, 0);
  for (let s = T - 1; s >= 0; s--) {
    const t = backwards ? T - 1 - s : s;
    for (let b = 0; b < batch; b++) {
      const zo = (b * T + t) * gu;
      const keep = mask == 0 || ld(mask, b * T + t) != 0;
      for (let j = 0; j < units; j++) st(dh, b * units + j, ld(dh, b * units + j) + ldo(dSeq, (b * T + s) * units + j));
      if (!keep) {
        for (let g = 0; g < gu; g++) {
          st(dZ, zo + g, 0);
          if (resetAfter) st(dZr, zo + g, 0);
        }
        for (let j = 0; j < units; j++) st(dhNext, b * units + j, ld(dh, b * units + j));
        continue;
      }
      for (let j = 0; j < units; j++) {
        const zg = ld(gates, zo + j);
        const hh = ld(gates, zo + 2 * units + j);
        const hp = hSeenRef(seq, h0, recMask, b, s, T, units, j);
        const dhv = ld(dh, b * units + j);
        st(dZ, zo + j, dhv * (hp - hh) * sActGrad(recAct, zg));
        st(dZ, zo + 2 * units + j, dhv * (1 - zg) * sActGrad(act, hh));
        st(dhNext, b * units + j, dhv * zg);
      }
      if (resetAfter) {
        for (let j = 0; j < units; j++) {
          const rg = ld(gates, zo + units + j);
          const dah = ld(dZ, zo + 2 * units + j);
          const dxr = dah * ld(rh, (b * T + t) * units + j) * sActGrad(recAct, rg);
          st(dZ, zo + units + j, dxr);
          st(dZr, zo + j, ld(dZ, zo + j));
          st(dZr, zo + units + j, dxr);
          st(dZr, zo + 2 * units + j, dah * rg);
        }
        // dh_{s-1} += dZr·Uᵀ; dU += h_{s-1}ᵀ dZr.
        for (let k = 0; k < units; k++) {
          let sum: f32 = 0;
          for (let g = 0; g < gu; g++) sum += ld(dZr, zo + g) * ld(recKernel, k * gu + g);
          st(dhNext, b * units + k, ld(dhNext, b * units + k) + sum);
          if (dRecKernel != 0) {
            const hp = hSeenRef(seq, h0, recMask, b, s, T, units, k);
            for (let g = 0; g < gu; g++) st(dRecKernel, k * gu + g, ld(dRecKernel, k * gu + g) + hp * ld(dZr, zo + g));
          }
        }
      } else {
        // d(r*h) = dah·U_hᵀ; dr = d(r*h) * h_{s-1}; dh_{s-1} += d(r*h) * r + dz_{zr}·U_{zr}ᵀ.
        for (let k = 0; k < units; k++) {
          let sum: f32 = 0;
          for (let g = 0; g < units; g++) sum += ld(dZ, zo + 2 * units + g) * ld(recKernel, k * gu + 2 * units + g);
          st(dhr, k, sum);
        }
        for (let j = 0; j < units; j++) {
          const rg = ld(gates, zo + units + j);
          const hp = hSeenRef(seq, h0, recMask, b, s, T, units, j);
          st(dZ, zo + units + j, ld(dhr, j) * hp * sActGrad(recAct, rg));
          st(dhNext, b * units + j, ld(dhNext, b * units + j) + ld(dhr, j) * rg);
        }
        for (let k = 0; k < units; k++) {
          let sum: f32 = 0;
          for (let g = 0; g < 2 * units; g++) sum += ld(dZ, zo + g) * ld(recKernel, k * gu + g);
          st(dhNext, b * units + k, ld(dhNext, b * units + k) + sum);
          if (dRecKernel != 0) {
            const hp = hSeenRef(seq, h0, recMask, b, s, T, units, k);
            const hr = ld(gates, zo + units + k) * hp;
            for (let g = 0; g < 2 * units; g++) st(dRecKernel, k * gu + g, ld(dRecKernel, k * gu + g) + hp * ld(dZ, zo + g));
            for (let g = 2 * units; g < gu; g++) st(dRecKernel, k * gu + g, ld(dRecKernel, k * gu + g) + hr * ld(dZ, zo + g));
          }
        }
      }
      // dhNext so far is d(h_{s-1} * recMask).
      for (let j = 0; j < units; j++) st(dhNext, b * units + j, ld(dhNext, b * units + j) * recMaskRef(recMask, b, units, j));
    }
    for (let i = 0; i < batch * units; i++) st(dh, i, ld(dhNext, i));
  }
  if (dh0 != 0) for (let i = 0; i < batch * units; i++) st(dh0, i, ld(dh, i));
  inputGradsRef(batch, T, inputDim, gu, x, kernel, dZ, dx, dKernel, dBias);
  if (dBias != 0 && resetAfter) {
    for (let g = 0; g < gu; g++) {
      let sum: f32 = 0;
      for (let r = 0; r < batch * T; r++) sum += ld(dZr, r * gu + g);
      st(dBias, gu + g, sum);
    }
  }
}
