// Vector math shared by kernels (exp, log, tanh, sigmoid, ...): accurate SIMD versions of
// AssemblyScript's Mathf functions, inlined where used. Not re-exported by index.ts, so none of
// these become wasm exports.
// ---------------------------------------------------------------------------------------------
// Vector helpers

// @ts-ignore: decorator
@inline export function splat(v: f32): v128 {
  return f32x4.splat(v);
}

/** a * b + c (fused in the relaxed build where the hardware fuses). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** mask ? a : b (mask lanes all-ones or all-zeros). */
// @ts-ignore: decorator
@inline export function sel(a: v128, b: v128, mask: v128): v128 {
  return v128.bitselect(a, b, mask);
}

/** 2^n for integer lanes n in [-126, 127]. */
// @ts-ignore: decorator
@inline export function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/**
 * Cephes expf polynomial: for |r| <= ln2/2 returns q with exp(r) = 1 + r + q, i.e.
 * q = r^2 * P(r) (so r + q is expm1(r) without cancellation).
 */
// @ts-ignore: decorator
@inline export function expPolyTail(r: v128): v128 {
  let p = madd(splat(1.9875691500e-4), r, splat(1.3981999507e-3));
  p = madd(p, r, splat(8.3334519073e-3));
  p = madd(p, r, splat(4.1665795894e-2));
  p = madd(p, r, splat(1.6666665459e-1));
  p = madd(p, r, splat(5.0000001201e-1));
  return f32x4.mul(p, f32x4.mul(r, r));
}

/**
 * exp(x): round(x / ln2) = n, r = x - n ln2 (Cody-Waite, two constants), exp(r) by polynomial,
 * scaled by 2^n applied as 2^(n>>1) * 2^(n - (n>>1)) so that results overflow to +Inf above
 * ~88.72 and underflow gradually through the denormals to 0 below ~-103.97. NaN passes through.
 */
// @ts-ignore: decorator
@inline export function vExp(x: v128): v128 {
  // wasm min/max propagate NaN, so NaN lanes stay NaN.
  const xc = f32x4.min(f32x4.max(x, splat(-104.0)), splat(89.0));
  const fn = f32x4.nearest(f32x4.mul(xc, splat(1.44269504088896341)));
  let r = madd(fn, splat(-0.693359375), xc);
  r = madd(fn, splat(2.12194440e-4), r);
  const q = expPolyTail(r);
  const p = f32x4.add(f32x4.add(q, r), splat(1.0));
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  return f32x4.mul(f32x4.mul(p, pow2i(n1)), pow2i(n2));
}

/**
 * expm1(x) for x <= 0 (positive lanes are treated as 0; the callers select x there).
 * expm1(x) = 2^n (expm1(r) + 1) - 1 = 2^n expm1(r) + (2^n - 1), exact for n = 0.
 */
// @ts-ignore: decorator
@inline export function vExpm1Neg(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, splat(0.0)), splat(-30.0));
  const fn = f32x4.nearest(f32x4.mul(xc, splat(1.44269504088896341)));
  let r = madd(fn, splat(-0.693359375), xc);
  r = madd(fn, splat(2.12194440e-4), r);
  const em1 = f32x4.add(expPolyTail(r), r);
  const s = pow2i(i32x4.trunc_sat_f32x4_s(fn));
  return madd(s, em1, f32x4.sub(s, splat(1.0)));
}

/**
 * log(x), Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(1 + z) by polynomial,
 * e ln2 added in two parts. Denormals are normalized first. log(±0) = -Inf, log(x < 0) = NaN,
 * log(+Inf) = +Inf, log(NaN) = NaN.
 */
// @ts-ignore: decorator
@inline export function vLog(x: v128): v128 {
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = sel(f32x4.mul(x, splat(8388608.0)), x, tiny);
  let e = i32x4.sub(
    i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(127)),
    v128.and(tiny, i32x4.splat(23)),
  );
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, splat(1.41421356237));
  m = sel(f32x4.mul(m, splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1: e + 1
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.sub(m, splat(1.0));
  const z2 = f32x4.mul(z, z);
  let p = madd(splat(7.0376836292e-2), z, splat(-1.1514610310e-1));
  p = madd(p, z, splat(1.1676998740e-1));
  p = madd(p, z, splat(-1.2420140846e-1));
  p = madd(p, z, splat(1.4249322787e-1));
  p = madd(p, z, splat(-1.6668057665e-1));
  p = madd(p, z, splat(2.0000714765e-1));
  p = madd(p, z, splat(-2.4999993993e-1));
  p = madd(p, z, splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, z), z2);
  y = madd(fe, splat(-2.12194440e-4), y);
  y = madd(z2, splat(-0.5), y);
  let res = f32x4.add(z, y);
  res = madd(fe, splat(0.693359375), res);
  // Special values.
  res = sel(splat(-Infinity), res, f32x4.eq(x, splat(0.0)));
  res = sel(splat(NaN), res, f32x4.lt(x, splat(0.0)));
  // +Inf and NaN: return x itself.
  res = sel(x, res, v128.not(f32x4.lt(x, splat(Infinity))));
  return res;
}

/**
 * log1p(x) = log(u) - ((u - 1) - x) / u with u = 1 + x (the correction restores the rounding
 * error of 1 + x). Exact x for |x| < 2^-24 (keeps -0), -Inf at -1, +Inf at +Inf, NaN below -1.
 */
// @ts-ignore: decorator
@inline export function vLog1p(x: v128): v128 {
  const one = splat(1.0);
  const u = f32x4.add(one, x);
  const c = f32x4.div(f32x4.sub(f32x4.sub(u, one), x), u);
  let res = f32x4.sub(vLog(u), c);
  res = sel(x, res, f32x4.eq(u, one));
  res = sel(splat(-Infinity), res, f32x4.eq(u, splat(0.0)));
  res = sel(x, res, f32x4.eq(x, splat(Infinity)));
  return res;
}

/**
 * tanh(x): odd polynomial for |x| < 0.625 (Cephes tanhf), 1 - 2 / (exp(2|x|) + 1) above (which
 * saturates to exactly 1 for large |x|), sign copied from x (so tanh(-0) = -0).
 */
// @ts-ignore: decorator
@inline export function vTanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(ax, ax);
  let p = madd(splat(-5.70498872745e-3), z, splat(2.06390887954e-2));
  p = madd(p, z, splat(-5.37397155531e-2));
  p = madd(p, z, splat(1.33314422036e-1));
  p = madd(p, z, splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), ax, ax);
  const e = vExp(f32x4.add(ax, ax));
  const large = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(e, splat(1.0))));
  const y = sel(small, large, f32x4.lt(ax, splat(0.625)));
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}

/** sigmoid(x) with e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) below. sigmoid(0) = 0.5. */
// @ts-ignore: decorator
@inline export function vSigmoid(x: v128): v128 {
  const e = vExp(f32x4.neg(f32x4.abs(x)));
  const num = sel(splat(1.0), e, f32x4.ge(x, splat(0.0)));
  return f32x4.div(num, f32x4.add(splat(1.0), e));
}

/** softplus(x) = max(x, 0) + log1p(exp(-|x|)): no overflow, accurate on both tails. */
// @ts-ignore: decorator
@inline export function vSoftplus(x: v128): v128 {
  const t = vLog1p(vExp(f32x4.neg(f32x4.abs(x))));
  return f32x4.add(f32x4.max(x, splat(0.0)), t);
}

/** x > 0 ? 1 : x < 0 ? -1 : x (keeps ±0 and NaN). */
// @ts-ignore: decorator
@inline export function vSign(x: v128): v128 {
  const t = sel(splat(-1.0), x, f32x4.lt(x, splat(0.0)));
  return sel(splat(1.0), t, f32x4.gt(x, splat(0.0)));
}

