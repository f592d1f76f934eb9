// Elementwise binary ops with NumPy broadcasting, and their gradients.
import { kernels, writeArgs } from '../backend.js';
import { engine } from '../engine.js';
import { empty, sameShape, type Tensor } from '../tensor.js';
import { broadcastPlan, broadcastShapes, checkDtype } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';
import { sumToShape } from './reduce.js';
import { unaryOp } from './unary.js';

/** Kernel op codes of `binarySame` / `binaryBroadcast`. @internal */
export enum BinaryOp {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  Maximum = 4,
  Minimum = 5,
  Pow = 6,
  SquaredDifference = 7,
  Equal = 8,
  NotEqual = 9,
  Greater = 10,
  GreaterEqual = 11,
  Less = 12,
  LessEqual = 13,
}

/** Runs a binary kernel with broadcasting (no gradient recording). @internal */
export function binaryRaw(op: BinaryOp, name: string, a: Tensor, b: Tensor): Tensor {
  const k = kernels();
  if (sameShape(a.shape, b.shape)) {
    const out = empty(a.shape);
    k.binarySame(op, a.ptr, b.ptr, out.ptr, out.size);
    return out;
  }
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = empty(shape);
  if (out.size === 0) return out;
  const plan = broadcastPlan(shape, a.shape, b.shape);
  const r = plan.shape.length;
  const shp = writeArgs(plan.shape, 0);
  const as = writeArgs(plan.aStrides, 8);
  const bs = writeArgs(plan.bStrides, 16);
  k.binaryBroadcast(op, a.ptr, b.ptr, out.ptr, r, shp, as, bs);
  return out;
}

function binary(
  op: BinaryOp,
  name: string,
  x: TensorLike,
  y: TensorLike,
  grad: (dy: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
): Tensor {
  const a = toTensor(name, x, 'a');
  const b = toTensor(name, y, 'b');
  checkDtype(name, 'float32', a, b);
  const out = binaryRaw(op, name, a, b);
  if (engine.needsGrad([a, b])) {
    engine.record([a, b], [out], ([dy]) => {
      const [da, db] = grad(dy, a, b, out);
      return [da && sumToShape(da, a.shape), db && sumToShape(db, b.shape)];
    });
  }
  return out;
}

/** a + b, elementwise with broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.Add, 'add', a, b, (dy) => [dy, dy]);
}

/** a - b, elementwise with broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.Sub, 'sub', a, b, (dy) => [dy, neg(dy)]);
}

/** a * b, elementwise with broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.Mul, 'mul', a, b, (dy, x, y) => [mul(dy, y), mul(dy, x)]);
}

/** a / b, elementwise with broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  // d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -out/b
  return binary(BinaryOp.Div, 'div', a, b, (dy, _x, y, out) => {
    const da = div(dy, y);
    return [da, neg(mul(da, out))];
  });
}

/** max(a, b), elementwise with broadcasting; the gradient goes to a where a >= b, as TF. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.Maximum, 'maximum', a, b, (dy, x, y) => {
    const ma = greaterEqualMask(x, y);
    return [mul(dy, ma), mul(dy, sub(1, ma))];
  });
}

/** min(a, b), elementwise with broadcasting; the gradient goes to a where a <= b, as TF. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.Minimum, 'minimum', a, b, (dy, x, y) => {
    const ma = greaterEqualMask(y, x);
    return [mul(dy, ma), mul(dy, sub(1, ma))];
  });
}

/** a ** b, elementwise with broadcasting. The gradient for b is taken as 0 where a <= 0, as TF. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.Pow, 'pow', a, b, (dy, x, y, out) => {
    // d/da = b * a^(b-1); d/db = a^b * log(a) (0 where a <= 0)
    const da = mul(dy, mul(y, binaryRaw(BinaryOp.Pow, 'pow', x, sub(y, 1))));
    const positive = greaterEqualMask(x, 0, true);
    const safeLog = unaryOp('log', maximum(x, 1e-30));
    const db = mul(dy, mul(mul(out, safeLog), positive));
    return [da, db];
  });
}

/** (a - b)^2, elementwise with broadcasting. */
export function squaredDifference(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.SquaredDifference, 'squaredDifference', a, b, (dy, x, y) => {
    const d = mul(dy, mul(sub(x, y), 2));
    return [d, neg(d)];
  });
}

/** -x. */
export function neg(x: TensorLike): Tensor {
  return unaryOp('neg', toTensor('neg', x));
}

/**
 * 1 where a >= b (a > b when `strict`), else 0, broadcast; float32. Not differentiable.
 * @internal
 */
export function greaterEqualMask(a: TensorLike, b: TensorLike, strict = false): Tensor {
  const ta = toTensor('greaterEqual', a, 'a');
  const tb = toTensor('greaterEqual', b, 'b');
  return binaryRaw(strict ? BinaryOp.Greater : BinaryOp.GreaterEqual, 'greaterEqual', ta, tb);
}
