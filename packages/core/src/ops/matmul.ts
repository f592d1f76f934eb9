// Matrix products on the packed SIMD GEMM, with bias and activation fused for dense layers.
import { kernels } from '../backend.js';
import { engine } from '../engine.js';
import { gemm } from '../parallel.js';
import { empty, type Tensor, view } from '../tensor.js';
import { checkDtype, fmt, sizeOf } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';
import { reshape } from './shape.js';
import { type UnaryName, unaryOp } from './unary.js';

/**
 * C = op(A) · op(B) for every batch (no recording). A is [..., m, k] (or [..., k, m] when
 * transposed), B is [..., k, n] (or [..., n, k]); batch dims broadcast (a missing or size-1
 * dim on one side is repeated).
 */
function gemmRaw(
  name: string,
  a: Tensor,
  b: Tensor,
  ta: boolean,
  tb: boolean,
  bias: Tensor | null,
  relu: boolean,
): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`${name}: both operands need rank >= 2, got ${fmt(a.shape)} x ${fmt(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const kb = tb ? bc : br;
  const n = tb ? br : bc;
  if (k !== kb) {
    throw new Error(
      `${name}: inner dimensions differ: ${fmt(a.shape)}${ta ? 'ᵀ' : ''} x ${fmt(b.shape)}${tb ? 'ᵀ' : ''} (${k} vs ${kb})`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  // Batch dimensions broadcast as in TF.js (and NumPy): a side of rank 2, or size-1 dims.
  const rank = Math.max(aBatch.length, bBatch.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[aBatch.length - rank + i] ?? 1;
    const db = bBatch[bBatch.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${name}: batch dimensions differ: ${fmt(a.shape)} x ${fmt(b.shape)}`);
    }
    batch.push(da === 1 ? db : da);
  }
  const out = empty([...batch, m, n]);
  const nb = sizeOf(batch);
  const biasPtr = bias === null ? 0 : bias.ptr;
  const aOff = batchOffsets(aBatch, batch, m * k * 4);
  const bOff = batchOffsets(bBatch, batch, k * n * 4);
  for (let i = 0; i < nb; i++) {
    // Split over worker threads when ready({ threads }) started them and the product is large.
    gemm(
      ta ? 1 : 0,
      tb ? 1 : 0,
      m,
      n,
      k,
      a.ptr + aOff(i),
      ac,
      b.ptr + bOff(i),
      bc,
      out.ptr + i * m * n * 4,
      n,
      biasPtr,
      relu ? 1 : 0,
      0,
    );
  }
  return out;
}

/**
 * Byte offset of the matrix an operand with batch dims `own` uses for flat output batch index
 * i of the broadcast batch `full` (`step` bytes per matrix).
 */
function batchOffsets(
  own: readonly number[],
  full: readonly number[],
  step: number,
): (i: number) => number {
  if (own.length === full.length && own.every((d, j) => d === full[j])) return (i) => i * step;
  if (sizeOf(own) === 1) return () => 0;
  const lead = full.length - own.length;
  // Byte stride of each output batch dim in this operand (0 where it is broadcast).
  const strides = new Array<number>(full.length).fill(0);
  let acc = step;
  for (let j = own.length - 1; j >= 0; j--) {
    if (own[j] !== 1) strides[lead + j] = acc;
    acc *= own[j];
  }
  return (i) => {
    let off = 0;
    for (let j = full.length - 1; j >= 0; j--) {
      off += (i % full[j]) * strides[j];
      i = Math.floor(i / full[j]);
    }
    return off;
  };
}

/** Sums a [..., n] gradient over every leading dimension into [n]. */
function biasGrad(dy: Tensor): Tensor {
  const n = dy.shape[dy.rank - 1];
  const db = empty([n]);
  kernels().reduce(0, dy.ptr, db.ptr, 1, dy.size / n, n);
  return db;
}

/**
 * Gradients of C = op(A)·op(B) with respect to A and B, given dC; a side nobody needs (a
 * dense layer's input batch) is skipped and comes back null.
 */
function matMulGrads(
  a: Tensor,
  b: Tensor,
  ta: boolean,
  tb: boolean,
  dc: Tensor,
  needA = true,
  needB = true,
): [Tensor | null, Tensor | null] {
  const g = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) =>
    gemmRaw('matMul', x, y, tx, ty, null, false);
  let da: Tensor | null = null;
  let db: Tensor | null = null;
  if (!ta && !tb) {
    if (needA) da = g(dc, b, false, true);
    if (needB) db = g(a, dc, true, false);
  } else if (ta && !tb) {
    if (needA) da = g(b, dc, false, true);
    if (needB) db = g(a, dc, false, false);
  } else if (!ta && tb) {
    if (needA) da = g(dc, b, false, false);
    if (needB) db = g(dc, a, true, false);
  } else {
    if (needA) da = g(b, dc, true, true);
    if (needB) db = g(dc, a, true, true);
  }
  // A rank-2 operand used across a batch gets the sum of the per-batch gradients.
  return [da && sumLeading(da, a.shape), db && sumLeading(db, b.shape)];
}

/**
 * Sums a gradient of the broadcast shape [...batch, r, c] back to an operand's shape (over the
 * batch dims it lacks or has as 1); returns g itself when nothing was broadcast.
 */
function sumLeading(g: Tensor, shape: readonly number[]): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const kx = kernels();
  const lead = g.rank - shape.length;
  let cur = g;
  // Reduce one broadcast dim at a time (as [outer, len, inner]), outermost first.
  for (let j = 0; j < g.rank - 2; j++) {
    const want = j < lead ? 1 : shape[j - lead];
    const len = cur.shape[j];
    if (want === len) continue;
    const next = empty(cur.shape.map((d, i) => (i === j ? 1 : d)));
    const outer = sizeOf(cur.shape.slice(0, j));
    kx.reduce(0, cur.ptr, next.ptr, outer, len, next.size / outer);
    if (cur !== g) cur.dispose();
    cur = next;
  }
  g.dispose();
  const out = view(cur, shape);
  cur.dispose();
  return out;
}

/**
 * Matrix product of `a` and `b` (rank 2, or batched: leading dims broadcast as in TF.js),
 * optionally transposing either: `matMul(a, b, true)` is aᵀ·b. Runs on the packed SIMD GEMM.
 */
export function matMul(
  al: TensorLike,
  bl: TensorLike,
  transposeA = false,
  transposeB = false,
): Tensor {
  const a = toTensor('matMul', al, 'a');
  const b = toTensor('matMul', bl, 'b');
  checkDtype('matMul', 'float32', a, b);
  const out = gemmRaw('matMul', a, b, transposeA, transposeB, null, false);
  if (engine.needsGrad([a, b])) {
    engine.record([a, b], [out], ([dy], needs) =>
      matMulGrads(a, b, transposeA, transposeB, dy, needs[0], needs[1]),
    );
  }
  return out;
}

/** Activations the fused matMul applies after the bias. */
export type FusedActivation =
  | 'linear'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'elu'
  | 'relu6'
  | 'selu'
  | 'softplus'
  | 'softsign';

/** Arguments of {@link fusedMatMul}. */
export interface FusedMatMulArgs {
  a: TensorLike;
  b: TensorLike;
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to every row: shape [n]. */
  bias?: TensorLike;
  activation?: FusedActivation;
}

/**
 * activation(op(a)·op(b) + bias) in one GEMM call (bias and relu run in its epilogue), with
 * the gradient of all three: what a dense layer needs.
 */
export function fusedMatMul(args: FusedMatMulArgs): Tensor {
  const a = toTensor('fused.matMul', args.a, 'a');
  const b = toTensor('fused.matMul', args.b, 'b');
  const bias = args.bias === undefined ? null : toTensor('fused.matMul', args.bias, 'bias');
  const act = checkActivation('fused.matMul', args.activation);
  const ta = args.transposeA ?? false;
  const tb = args.transposeB ?? false;
  checkDtype('fused.matMul', 'float32', a, b);
  if (bias !== null) {
    checkDtype('fused.matMul', 'float32', bias);
    const n = tb ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
    if (bias.rank !== 1 || bias.shape[0] !== n) {
      throw new Error(`fused.matMul: bias must have shape [${n}], got ${fmt(bias.shape)}`);
    }
  }
  const relu = act === 'relu';
  const z = gemmRaw('fused.matMul', a, b, ta, tb, bias, relu);
  let out = z;
  if (act !== 'linear' && act !== 'relu') {
    out = empty(z.shape);
    kernels().unary(UNARY_CODE[act], z.ptr, out.ptr, z.size, act === 'elu' ? 1 : 0);
  }
  const inputs = bias === null ? [a, b] : [a, b, bias];
  if (engine.needsGrad(inputs)) {
    engine.record(
      inputs,
      [out],
      ([dy], needs) => {
        let dz = dy;
        if (act !== 'linear') {
          dz = empty(dy.shape);
          // relu's backward looks at its output (equal to the input where it matters).
          kernels().unaryBackward(
            UNARY_CODE[act],
            z.ptr,
            out.ptr,
            dy.ptr,
            dz.ptr,
            dy.size,
            act === 'elu' ? 1 : 0,
          );
        }
        const [da, db] = matMulGrads(a, b, ta, tb, dz, needs[0], needs[1]);
        return bias === null ? [da, db] : [da, db, needs[2] ? biasGrad(dz) : null];
      },
      out === z ? [] : [z],
    );
  } else if (out !== z) {
    z.dispose();
  }
  return out;
}

const UNARY_CODE: Record<Exclude<FusedActivation, 'linear'>, number> = {
  relu: 6,
  sigmoid: 7,
  tanh: 8,
  softplus: 10,
  elu: 11,
  relu6: 13,
  selu: 17,
  softsign: 18,
};

/** Validates a fused activation name (a typo or TF.js's 'prelu' must not run another op). @internal */
export function checkActivation(op: string, act: FusedActivation | undefined): FusedActivation {
  if (act === undefined || act === 'linear') return 'linear';
  if (!Object.hasOwn(UNARY_CODE, act)) {
    throw new Error(
      `${op}: unsupported activation ${JSON.stringify(act)}; expected one of linear, ${Object.keys(UNARY_CODE).join(', ')}`,
    );
  }
  return act;
}

/** Applies a named activation (as layers name them) with its gradient. @internal */
export function applyActivation(x: Tensor, name: FusedActivation): Tensor {
  if (name === 'linear') return view(x, x.shape);
  return unaryOp(name as UnaryName, x, name === 'elu' ? 1 : 0);
}

/** Inner product of vectors, or matrix-vector / matrix-matrix products (ranks 1 and 2), as TF.js. */
export function dot(al: TensorLike, bl: TensorLike): Tensor {
  const a = toTensor('dot', al, 'a');
  const b = toTensor('dot', bl, 'b');
  if (a.rank > 2 || b.rank > 2 || a.rank === 0 || b.rank === 0) {
    throw new Error(`dot: operands must have rank 1 or 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  checkDtype('dot', 'float32', a, b);
  const ka = a.shape[a.rank - 1];
  const kb = b.shape[0];
  if (ka !== kb) {
    throw new Error(
      `dot: inner dimensions differ: ${fmt(a.shape)} · ${fmt(b.shape)} (${ka} vs ${kb})`,
    );
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
  const shape = [...(a.rank === 2 ? [a.shape[0]] : []), ...(b.rank === 2 ? [b.shape[1]] : [])];
  return reshape(matMul(a2, b2), shape);
}
