// Unary math kernels (forward and backward), f32, SIMD with scalar reference twins.
//
// Op codes (shared by unary, unaryRef, unaryBackward, unaryBackwardRef):
//   0 neg        1 abs        2 exp        3 log        4 sqrt      5 square
//   6 relu       7 sigmoid    8 tanh       9 reciprocal 10 softplus 11 elu (alpha)
//   12 leakyRelu (alpha)      13 relu6     14 sign      15 rsqrt    16 log1p
//   17 selu (TF constants)    18 softsign
// Unknown op codes leave the output untouched.
//
// The SIMD transcendental functions (exp, log, log1p, expm1, tanh, sigmoid) are Cephes-style:
// range reduction plus a minimax polynomial, with explicit handling of overflow, underflow,
// denormals, zeros, infinities and NaN. Every element, including the 1-3 element tail after the
// SIMD body, goes through the same vector code, so a value's result never depends on its
// position, the length or the alignment.

// 16-byte scratch for the tail: the tail is copied here, computed as one vector, copied back.
import { splat, madd, sel, pow2i, expPolyTail, vExp, vExpm1Neg, vLog, vLog1p, vTanh, vSigmoid, vSoftplus, vSign } from './vmath';

const tailX = memory.data(16, 16);
const tailY = memory.data(16, 16);
const tailD = memory.data(16, 16);

// SELU constants as in TF (selu_util.ts).
// @ts-ignore: decorator
@inline const SELU_SCALE: f32 = 1.0507009873554804934193349852946;
// @ts-ignore: decorator
@inline const SELU_SCALEALPHA: f32 = 1.7580993408473768599402175208123;

// ---------------------------------------------------------------------------------------------
// Forward

// @ts-ignore: decorator
@inline function vUnary(op: i32, x: v128, alpha: f32): v128 {
  switch (op) {
    case 0:
      return f32x4.neg(x);
    case 1:
      return f32x4.abs(x);
    case 2:
      return vExp(x);
    case 3:
      return vLog(x);
    case 4:
      return f32x4.sqrt(x);
    case 5:
      return f32x4.mul(x, x);
    case 6:
      return f32x4.max(x, splat(0.0));
    case 7:
      return vSigmoid(x);
    case 8:
      return vTanh(x);
    case 9:
      return f32x4.div(splat(1.0), x);
    case 10:
      return vSoftplus(x);
    case 11:
      return sel(x, f32x4.mul(splat(alpha), vExpm1Neg(x)), f32x4.ge(x, splat(0.0)));
    case 12:
      return sel(x, f32x4.mul(splat(alpha), x), f32x4.ge(x, splat(0.0)));
    case 13:
      return f32x4.min(f32x4.max(x, splat(0.0)), splat(6.0));
    case 14:
      return vSign(x);
    case 15:
      return f32x4.div(splat(1.0), f32x4.sqrt(x));
    case 16:
      return vLog1p(x);
    case 17:
      return sel(
        f32x4.mul(splat(SELU_SCALE), x),
        f32x4.mul(splat(SELU_SCALEALPHA), vExpm1Neg(x)),
        f32x4.ge(x, splat(0.0)),
      );
    case 18:
      return f32x4.div(x, f32x4.add(splat(1.0), f32x4.abs(x)));
    default:
      return x;
  }
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, vUnary(op, v128.load(x + o), alpha));
  }
  const rem = n - n4;
  if (rem > 0) {
    const o = (<usize>n4) << 2;
    v128.store(tailX, v128.splat<f32>(0));
    memory.copy(tailX, x + o, (<usize>rem) << 2);
    v128.store(tailX, vUnary(op, v128.load(tailX), alpha));
    memory.copy(out + o, tailX, (<usize>rem) << 2);
  }
}

/**
 * out[i] = f(x[i]) for the op codes above; alpha is used by elu (11) and leakyRelu (12).
 * out may alias x.
 */
export function unary(op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  if (n <= 0) return;
  // Each case inlines the loop with a constant op, so the switch inside folds away.
  switch (op) {
    case 0: unaryLoop(0, x, out, n, alpha); break;
    case 1: unaryLoop(1, x, out, n, alpha); break;
    case 2: unaryLoop(2, x, out, n, alpha); break;
    case 3: unaryLoop(3, x, out, n, alpha); break;
    case 4: unaryLoop(4, x, out, n, alpha); break;
    case 5: unaryLoop(5, x, out, n, alpha); break;
    case 6: unaryLoop(6, x, out, n, alpha); break;
    case 7: unaryLoop(7, x, out, n, alpha); break;
    case 8: unaryLoop(8, x, out, n, alpha); break;
    case 9: unaryLoop(9, x, out, n, alpha); break;
    case 10: unaryLoop(10, x, out, n, alpha); break;
    case 11: unaryLoop(11, x, out, n, alpha); break;
    case 12: unaryLoop(12, x, out, n, alpha); break;
    case 13: unaryLoop(13, x, out, n, alpha); break;
    case 14: unaryLoop(14, x, out, n, alpha); break;
    case 15: unaryLoop(15, x, out, n, alpha); break;
    case 16: unaryLoop(16, x, out, n, alpha); break;
    case 17: unaryLoop(17, x, out, n, alpha); break;
    case 18: unaryLoop(18, x, out, n, alpha); break;
    default: break;
  }
}

function sUnary(op: i32, v: f32, alpha: f32): f32 {
  switch (op) {
    case 0: return -v;
    case 1: return Mathf.abs(v);
    case 2: return Mathf.exp(v);
    case 3: return Mathf.log(v);
    case 4: return Mathf.sqrt(v);
    case 5: return v * v;
    case 6: return Mathf.max(v, 0);
    case 7: {
      const e = Mathf.exp(-Mathf.abs(v));
      return v >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
    case 8: return Mathf.tanh(v);
    case 9: return 1 / v;
    case 10: return Mathf.max(v, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(v)));
    case 11: return v >= 0 ? v : alpha * Mathf.expm1(v);
    case 12: return v >= 0 ? v : alpha * v;
    case 13: return Mathf.min(Mathf.max(v, 0), 6);
    case 14: return v > 0 ? 1 : v < 0 ? -1 : v;
    case 15: return 1 / Mathf.sqrt(v);
    case 16: return Mathf.log1p(v);
    case 17: return v >= 0 ? SELU_SCALE * v : SELU_SCALEALPHA * Mathf.expm1(v);
    case 18: return v / (1 + Mathf.abs(v));
    default: return v;
  }
}

/** Scalar reference of `unary` (AssemblyScript's Mathf): the accuracy reference. */
export function unaryRef(op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  if (op < 0 || op > 18) return;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, sUnary(op, load<f32>(x + o), alpha));
  }
}

// ---------------------------------------------------------------------------------------------
// Backward

// @ts-ignore: decorator
@inline function vBackward(op: i32, x: v128, y: v128, dy: v128, alpha: f32): v128 {
  const zero = splat(0.0);
  const one = splat(1.0);
  switch (op) {
    case 0:
      return f32x4.neg(dy);
    case 1: // dy * sign(x), 0 at 0
      return sel(dy, sel(f32x4.neg(dy), zero, f32x4.lt(x, zero)), f32x4.gt(x, zero));
    case 2:
      return f32x4.mul(dy, y);
    case 3:
      return f32x4.div(dy, x);
    case 4:
      return f32x4.div(dy, f32x4.add(y, y));
    case 5:
      return f32x4.mul(f32x4.add(x, x), dy);
    case 6:
      return v128.and(dy, f32x4.gt(x, zero));
    case 7:
      return f32x4.mul(f32x4.mul(dy, y), f32x4.sub(one, y));
    case 8:
      return f32x4.mul(dy, f32x4.sub(one, f32x4.mul(y, y)));
    case 9:
      return f32x4.mul(f32x4.neg(dy), f32x4.mul(y, y));
    case 10:
      return f32x4.mul(dy, vSigmoid(x));
    case 11:
      return sel(dy, f32x4.mul(dy, f32x4.add(y, splat(alpha))), f32x4.ge(x, zero));
    case 12:
      return sel(dy, f32x4.mul(splat(alpha), dy), f32x4.gt(x, zero));
    case 13:
      return v128.and(dy, v128.and(f32x4.gt(x, zero), f32x4.le(x, splat(6.0))));
    case 14:
      return zero;
    case 15:
      return f32x4.mul(f32x4.mul(splat(-0.5), dy), f32x4.mul(f32x4.mul(y, y), y));
    case 16:
      return f32x4.div(dy, f32x4.add(one, x));
    case 17:
      return sel(
        f32x4.mul(dy, splat(SELU_SCALE)),
        f32x4.mul(f32x4.mul(dy, splat(SELU_SCALEALPHA)), vExp(x)),
        f32x4.gt(x, zero),
      );
    case 18: {
      const d = f32x4.add(one, f32x4.abs(x));
      return f32x4.div(dy, f32x4.mul(d, d));
    }
    default:
      return dy;
  }
}

// @ts-ignore: decorator
@inline function backwardLoop(
  op: i32,
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  n: i32,
  alpha: f32,
): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(
      dx + o,
      vBackward(op, v128.load(x + o), v128.load(y + o), v128.load(dy + o), alpha),
    );
  }
  const rem = n - n4;
  if (rem > 0) {
    const o = (<usize>n4) << 2;
    const bytes = (<usize>rem) << 2;
    v128.store(tailX, v128.splat<f32>(0));
    v128.store(tailY, v128.splat<f32>(0));
    v128.store(tailD, v128.splat<f32>(0));
    memory.copy(tailX, x + o, bytes);
    memory.copy(tailY, y + o, bytes);
    memory.copy(tailD, dy + o, bytes);
    v128.store(tailD, vBackward(op, v128.load(tailX), v128.load(tailY), v128.load(tailD), alpha));
    memory.copy(dx + o, tailD, bytes);
  }
}

/**
 * dx[i] = dy[i] * f'(x[i]) for the op codes above, from the forward input x and/or the forward
 * output y (whichever the op needs; the other may be any valid pointer, e.g. x itself).
 *   neg -dy; abs dy*sign(x) (0 at 0); exp dy*y; log dy/x; sqrt dy/(2y); square 2x*dy;
 *   relu dy*(x>0); sigmoid dy*y*(1-y); tanh dy*(1-y^2); reciprocal -dy*y^2;
 *   softplus dy*sigmoid(x); elu x>=0 ? dy : dy*(y+alpha); leakyRelu x>0 ? dy : alpha*dy;
 *   relu6 dy*(0<x<=6) (as TF.js); sign 0; rsqrt -0.5*dy*y^3; log1p dy/(1+x);
 *   selu x>0 ? dy*scale : dy*scale*alpha*exp(x) (as TF.js); softsign dy/(1+|x|)^2.
 * dx may alias x, y or dy.
 */
export function unaryBackward(
  op: i32,
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  n: i32,
  alpha: f32,
): void {
  if (n <= 0) return;
  switch (op) {
    case 0: backwardLoop(0, x, y, dy, dx, n, alpha); break;
    case 1: backwardLoop(1, x, y, dy, dx, n, alpha); break;
    case 2: backwardLoop(2, x, y, dy, dx, n, alpha); break;
    case 3: backwardLoop(3, x, y, dy, dx, n, alpha); break;
    case 4: backwardLoop(4, x, y, dy, dx, n, alpha); break;
    case 5: backwardLoop(5, x, y, dy, dx, n, alpha); break;
    case 6: backwardLoop(6, x, y, dy, dx, n, alpha); break;
    case 7: backwardLoop(7, x, y, dy, dx, n, alpha); break;
    case 8: backwardLoop(8, x, y, dy, dx, n, alpha); break;
    case 9: backwardLoop(9, x, y, dy, dx, n, alpha); break;
    case 10: backwardLoop(10, x, y, dy, dx, n, alpha); break;
    case 11: backwardLoop(11, x, y, dy, dx, n, alpha); break;
    case 12: backwardLoop(12, x, y, dy, dx, n, alpha); break;
    case 13: backwardLoop(13, x, y, dy, dx, n, alpha); break;
    case 14: backwardLoop(14, x, y, dy, dx, n, alpha); break;
    case 15: backwardLoop(15, x, y, dy, dx, n, alpha); break;
    case 16: backwardLoop(16, x, y, dy, dx, n, alpha); break;
    case 17: backwardLoop(17, x, y, dy, dx, n, alpha); break;
    case 18: backwardLoop(18, x, y, dy, dx, n, alpha); break;
    default: break;
  }
}

function sBackward(op: i32, x: f32, y: f32, g: f32, alpha: f32): f32 {
  switch (op) {
    case 0: return -g;
    case 1: return x > 0 ? g : x < 0 ? -g : 0;
    case 2: return g * y;
    case 3: return g / x;
    case 4: return g / (y + y);
    case 5: return (x + x) * g;
    case 6: return x > 0 ? g : 0;
    case 7: return g * y * (1 - y);
    case 8: return g * (1 - y * y);
    case 9: return -g * (y * y);
    case 10: {
      const e = Mathf.exp(-Mathf.abs(x));
      return g * (x >= 0 ? 1 / (1 + e) : e / (1 + e));
    }
    case 11: return x >= 0 ? g : g * (y + alpha);
    case 12: return x > 0 ? g : alpha * g;
    case 13: return x > 0 && x <= 6 ? g : 0;
    case 14: return 0;
    case 15: return -0.5 * g * (y * y * y);
    case 16: return g / (1 + x);
    case 17: return x > 0 ? g * SELU_SCALE : g * SELU_SCALEALPHA * Mathf.exp(x);
    case 18: {
      const d: f32 = 1 + Mathf.abs(x);
      return g / (d * d);
    }
    default: return g;
  }
}

/** Scalar reference of `unaryBackward`. */
export function unaryBackwardRef(
  op: i32,
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  n: i32,
  alpha: f32,
): void {
  if (op < 0 || op > 18) return;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dx + o, sBackward(op, load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o), alpha));
  }
}
