// Elementwise comparisons with broadcasting. Zoo has no bool dtype: results are float32
// 1 (true) or 0 (false), usable directly as masks. Not differentiable.
import type { Tensor } from '../tensor.js';
import { checkDtype } from '../util.js';
import { BinaryOp, binaryRaw } from './binary.js';
import { type TensorLike, toTensor } from './creation.js';

function compare(op: BinaryOp, name: string, a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(name, a, 'a');
  const tb = toTensor(name, b, 'b');
  checkDtype(name, 'float32', ta, tb);
  return binaryRaw(op, name, ta, tb);
}

/** 1 where a == b, else 0 (float32). */
export const equal = (a: TensorLike, b: TensorLike): Tensor =>
  compare(BinaryOp.Equal, 'equal', a, b);
/** 1 where a != b, else 0 (float32). */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor =>
  compare(BinaryOp.NotEqual, 'notEqual', a, b);
/** 1 where a > b, else 0 (float32). */
export const greater = (a: TensorLike, b: TensorLike): Tensor =>
  compare(BinaryOp.Greater, 'greater', a, b);
/** 1 where a >= b, else 0 (float32). */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor =>
  compare(BinaryOp.GreaterEqual, 'greaterEqual', a, b);
/** 1 where a < b, else 0 (float32). */
export const less = (a: TensorLike, b: TensorLike): Tensor => compare(BinaryOp.Less, 'less', a, b);
/** 1 where a <= b, else 0 (float32). */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor =>
  compare(BinaryOp.LessEqual, 'lessEqual', a, b);
