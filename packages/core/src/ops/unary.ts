// Elementwise unary math and activations, each with its gradient kernel.
import { kernels } from '../backend.js';
import { engine } from '../engine.js';
import { empty, type Tensor } from '../tensor.js';
import { checkDtype } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';

/** Kernel op codes of `unary` / `unaryBackward`. */
const CODES = {
  neg: 0,
  abs: 1,
  exp: 2,
  log: 3,
  sqrt: 4,
  square: 5,
  relu: 6,
  sigmoid: 7,
  tanh: 8,
  reciprocal: 9,
  softplus: 10,
  elu: 11,
  leakyRelu: 12,
  relu6: 13,
  sign: 14,
  rsqrt: 15,
  log1p: 16,
  selu: 17,
  softsign: 18,
} as const;

/** Names of the unary kernels. */
export type UnaryName = keyof typeof CODES;

/** Applies a unary kernel and records its gradient. @internal */
export function unaryOp(name: UnaryName, x: Tensor, alpha = 0): Tensor {
  checkDtype(name, 'float32', x);
  const code = CODES[name];
  const out = empty(x.shape);
  kernels().unary(code, x.ptr, out.ptr, x.size, alpha);
  if (engine.needsGrad([x])) {
    engine.record([x], [out], ([dy]) => {
      const dx = empty(x.shape);
      kernels().unaryBackward(code, x.ptr, out.ptr, dy.ptr, dx.ptr, x.size, alpha);
      return [dx];
    });
  }
  return out;
}

function make(name: UnaryName): (x: TensorLike) => Tensor {
  return (x: TensorLike) => unaryOp(name, toTensor(name, x));
}

/** |x|. */
export const abs = make('abs');
/** e^x. */
export const exp = make('exp');
/** Natural logarithm (-Inf at 0, NaN below). */
export const log = make('log');
/** Square root. */
export const sqrt = make('sqrt');
/** x^2. */
export const square = make('square');
/** max(x, 0); its gradient at 0 is 0, as TF. */
export const relu = make('relu');
/** 1 / (1 + e^-x). */
export const sigmoid = make('sigmoid');
/** Hyperbolic tangent. */
export const tanh = make('tanh');
/** 1 / x. */
export const reciprocal = make('reciprocal');
/** log(1 + e^x), computed stably. */
export const softplus = make('softplus');
/** min(max(x, 0), 6). */
export const relu6 = make('relu6');
/** -1, 0 or 1. */
export const sign = make('sign');
/** 1 / sqrt(x). */
export const rsqrt = make('rsqrt');
/** log(1 + x). */
export const log1p = make('log1p');
/** Scaled ELU with TF's constants. */
export const selu = make('selu');
/** x / (1 + |x|). */
export const softsign = make('softsign');

/** x for x > 0, alpha * (e^x - 1) otherwise. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  return unaryOp('elu', toTensor('elu', x), alpha);
}

/** x for x > 0, alpha * x otherwise (TF.js's default alpha 0.2). */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  return unaryOp('leakyRelu', toTensor('leakyRelu', x), alpha);
}
