// Matrix products on the packed SIMD GEMM, with bias and activation fused for dense layers.
import { kernels } from '../backend.js';
import { engine } from '../engine.js';
import { empty, type Tensor, view } from '../tensor.js';
import { checkDtype, fmt, sizeOf } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';
import { reshape } from './shape.js';
import { type UnaryName, unaryOp } from './unary.js';

/**
 * C = op(A) · op(B) for every batch (no recording). A is [..., m, k] (or [..., k, m] when
 * transposed), B is [..., k, n] (or [..., n, k]); batch dims equal, or one side rank 2.
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
  let batch: number[];
  if (aBatch.length > 0 && bBatch.length > 0) {
    if (aBatch.length !== bBatch.length || aBatch.some((d, i) => d !== bBatch[i])) {
      throw new Error(`${name}: batch dimensions differ: ${fmt(a.shape)} x ${fmt(b.shape)}`);
    }
    batch = aBatch;
  } else {
    batch = aBatch.length > 0 ? aBatch : bBatch;
  }
  const out = empty([...batch, m, n]);
  const nb = sizeOf(batch);
  const kx = kernels();
  const biasPtr = bias === null ? 0 : bias.ptr;
  const aStep = aBatch.length > 0 ? m * k * 4 : 0;
  const bStep = bBatch.length > 0 ? k * n * 4 : 0;
  for (let i = 0; i < nb; i++) {
    kx.gemm(
      ta ? 1 : 0,
      tb ? 1 : 0,
      m,
      n,
      k,
      a.ptr + i * aStep,
      ac,
      b.ptr + i * bStep,
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

/** Sums a [..., n] gradient over every leading dimension into [n]. */
function biasGrad(dy: Tensor): Tensor {
  const n = dy.shape[dy.rank - 1];
  const db = empty([n]);
  kernels().reduce(0, dy.ptr, db.ptr, 1, dy.size / n, n);
  return db;
}

/** Gradients of C = op(A)·op(B) with respect to A and B, given dC. */
function matMulGrads(a: Tensor, b: Tensor, ta: boolean, tb: boolean, dc: Tensor): [Tensor, Tensor] {
  let da: Tensor;
  let db: Tensor;
  if (!ta && !tb) {
    da = gemmRaw('matMul', dc, b, false, true, null, false);
    db = gemmRaw('matMul', a, dc, true, false, null, false);
  } else if (ta && !tb) {
    da = gemmRaw('matMul', b, dc, false, true, null, false);
    db = gemmRaw('matMul', a, dc, false, false, null, false);
  } else if (!ta && tb) {
    da = gemmRaw('matMul', dc, b, false, false, null, false);
    db = gemmRaw('matMul', dc, a, true, false, null, false);
  } else {
    da = gemmRaw('matMul', b, dc, true, true, null, false);
    db = gemmRaw('matMul', dc, a, true, true, null, false);
  }
  // A rank-2 operand used across a batch gets the sum of the per-batch gradients.
  return [sumLeading(da, a.shape), sumLeading(db, b.shape)];
}

function sumLeading(g: Tensor, shape: readonly number[]): Tensor {
  if (g.rank === shape.length) return g;
  const inner = sizeOf(shape);
  const out = empty(shape);
  kernels().reduce(0, g.ptr, out.ptr, 1, g.size / inner, inner);
  g.dispose();
  return out;
}

/**
 * Matrix product of `a` and `b` (rank 2, or batched with equal leading dims), optionally
 * transposing either: `matMul(a, b, true)` is aᵀ·b. Runs on the packed SIMD GEMM.
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
    engine.record([a, b], [out], ([dy]) => matMulGrads(a, b, transposeA, transposeB, dy));
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
  const act = args.activation ?? 'linear';
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
      ([dy]) => {
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
        const [da, db] = matMulGrads(a, b, ta, tb, dz);
        return bias === null ? [da, db] : [da, db, biasGrad(dz)];
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
  const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
  const shape = [...(a.rank === 2 ? [a.shape[0]] : []), ...(b.rank === 2 ? [b.shape[1]] : [])];
  return reshape(matMul(a2, b2), shape);
}
