// Convolution kernels, NHWC (channels-last, as Keras/TF.js), filters in TF's [KH, KW, C, OC].
//
// Convolution runs as im2col + GEMM, orchestrated by the caller:
//   forward  y[N*OH*OW, OC]      = cols[N*OH*OW, KH*KW*C] · w[KH*KW*C, OC] (+ bias)
//   filter   dw[KH*KW*C, OC]     = colsᵀ · dy
//   input    dcols[N*OH*OW, KH*KW*C] = dy · wᵀ, then col2im(dcols) into a zeroed dx.
// A row of cols is one output pixel (n, oh, ow); its columns are ordered (kh, kw, c).
//
// Shapes come as 16 int32 at `geom`:
//   [N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, dilationH, dilationW, OC, 0]
// Input pixel of output (oh, ow) and tap (kh, kw):
//   ih = oh*strideH - padTop + kh*dilationH,  iw = ow*strideW - padLeft + kw*dilationW;
// taps outside [0, H) x [0, W) read zero (padding).

// ---------------------------------------------------------------------------------------------
// Helpers

@inline function gi(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

/** dst[0..n) = src[0..n) (float32, non-overlapping). */
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const a = v128.load(src + o);
    const b = v128.load(src + o, 16);
    const c = v128.load(src + o, 32);
    const d = v128.load(src + o, 48);
    v128.store(dst + o, a);
    v128.store(dst + o, b, 16);
    v128.store(dst + o, c, 32);
    v128.store(dst + o, d, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/** dst[0..n) = 0. */
@inline function zeroRun(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    v128.store(dst + o, z);
    v128.store(dst + o, z, 16);
    v128.store(dst + o, z, 32);
    v128.store(dst + o, z, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[0..n) += src[0..n) (each element once, so the result equals the scalar loop's). */
@inline function addRun(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = f32x4.add(v128.load(dst + o), v128.load(src + o));
    const b = f32x4.add(v128.load(dst + o, 16), v128.load(src + o, 16));
    v128.store(dst + o, a);
    v128.store(dst + o, b, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** First kw with iw0 + kw*dW >= 0. */
@inline function firstValid(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : (d - 1 - i0) / d;
}

/** One past the last k < K with i0 + k*d < size (at least `lo`). */
@inline function endValid(i0: i32, d: i32, size: i32, K: i32, lo: i32): i32 {
  const lim = size - 1 - i0;
  let hi = lim < 0 ? 0 : lim / d + 1;
  if (hi > K) hi = K;
  if (hi < lo) hi = lo;
  return hi;
}

// ---------------------------------------------------------------------------------------------
// im2col / col2im

/**
 * Fills cols[(n - n0)*OH*OW + oh*OW + ow, (kh*KW + kw)*C + c] = x[n, ih, iw, c] (0 in padding)
 * for images n0 <= n < n1. cols holds (n1 - n0)*OH*OW rows of KH*KW*C floats.
 */
export function im2col(x: usize, cols: usize, geom: usize, n0: i32, n1: i32): void {
  const H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13);
  const kwC = KW * C;
  const rowStep = <usize>kwC << 2;
  const imgBytes = (<usize>H * <usize>W * <usize>C) << 2;
  const pixBytes = <usize>C << 2;
  let dst = cols;
  for (let n = n0; n < n1; n++) {
    const xn = x + <usize>n * imgBytes;
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sW - pL;
        const kwLo = firstValid(iw0, dW);
        const kwHi = endValid(iw0, dW, W, KW, kwLo);
        const loC = kwLo * C;
        const midC = (kwHi - kwLo) * C;
        const hiC = (KW - kwHi) * C;
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh * dH;
          if (<u32>ih >= <u32>H || midC == 0) {
            zeroRun(dst, kwC);
          } else {
            if (loC) zeroRun(dst, loC);
            let src = xn + ((<usize>ih * <usize>W + <usize>(iw0 + kwLo * dW)) * <usize>C << 2);
            let d = dst + (<usize>loC << 2);
            if (dW == 1) {
              copyRun(d, src, midC);
            } else {
              const srcStep = <usize>dW * pixBytes;
              for (let kw = kwLo; kw < kwHi; kw++) {
                copyRun(d, src, C);
                d += pixBytes;
                src += srcStep;
              }
            }
            if (hiC) zeroRun(dst + (<usize>(loC + midC) << 2), hiC);
          }
          dst += rowStep;
        }
      }
    }
  }
}

/** Scalar twin of {@link im2col}. */
export function im2colRef(x: usize, cols: usize, geom: usize, n0: i32, n1: i32): void {
  const H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13);
  let r = 0;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const ih = oh * sH - pT + kh * dH;
            const iw = ow * sW - pL + kw * dW;
            for (let c = 0; c < C; c++) {
              let v: f32 = 0;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                v = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
              }
              store<f32>(cols + (<usize>r << 2), v);
              r++;
            }
          }
        }
      }
    }
  }
}

/**
 * The adjoint of {@link im2col}: dx[n, ih, iw, c] += cols[row, (kh*KW + kw)*C + c] for every
 * in-bounds tap of images n0 <= n < n1 (padding taps are dropped). Adds into dx, which the
 * caller zeroes first; entries are added in row-major order of cols.
 */
export function col2im(cols: usize, dx: usize, geom: usize, n0: i32, n1: i32): void {
  const H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13);
  const kwC = KW * C;
  const rowStep = <usize>kwC << 2;
  const imgBytes = (<usize>H * <usize>W * <usize>C) << 2;
  const pixBytes = <usize>C << 2;
  let src = cols;
  for (let n = n0; n < n1; n++) {
    const xn = dx + <usize>n * imgBytes;
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sW - pL;
        const kwLo = firstValid(iw0, dW);
        const kwHi = endValid(iw0, dW, W, KW, kwLo);
        const loC = kwLo * C;
        const midC = (kwHi - kwLo) * C;
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh * dH;
          if (<u32>ih < <u32>H && midC != 0) {
            let d = xn + ((<usize>ih * <usize>W + <usize>(iw0 + kwLo * dW)) * <usize>C << 2);
            let s = src + (<usize>loC << 2);
            if (dW == 1) {
              addRun(d, s, midC);
            } else {
              const dStep = <usize>dW * pixBytes;
              for (let kw = kwLo; kw < kwHi; kw++) {
                addRun(d, s, C);
                s += pixBytes;
                d += dStep;
              }
            }
          }
          src += rowStep;
        }
      }
    }
  }
}

/** Scalar twin of {@link col2im}. */
export function col2imRef(cols: usize, dx: usize, geom: usize, n0: i32, n1: i32): void {
  const H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13);
  let r = 0;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const ih = oh * sH - pT + kh * dH;
            const iw = ow * sW - pL + kw * dW;
            for (let c = 0; c < C; c++) {
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                const p = dx + (<usize>(((n * H + ih) * W + iw) * C + c) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(cols + (<usize>r << 2)));
              }
              r++;
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Direct references

/**
 * y[n, oh, ow, oc] = sum over (kh, kw, c) of x[n, ih, iw, c] * w[kh, kw, c, oc], then
 * + bias[oc] when bias != 0. Overwrites y [N, OH, OW, OC].
 */
export function conv2dRef(x: usize, w: usize, bias: usize, y: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13), OC = gi(geom, 14);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let oc = 0; oc < OC; oc++) {
          let acc: f32 = 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sH - pT + kh * dH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sW - pL + kw * dW;
              if (iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) {
                const xv = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
                const wv = load<f32>(w + (<usize>(((kh * KW + kw) * C + c) * OC + oc) << 2));
                acc += xv * wv;
              }
            }
          }
          if (bias != 0) acc += load<f32>(bias + (<usize>oc << 2));
          store<f32>(y + (<usize>(((n * OH + oh) * OW + ow) * OC + oc) << 2), acc);
        }
      }
    }
  }
}

/**
 * dx[n, ih, iw, c] = sum over the (oh, ow, kh, kw, oc) that read it of dy[n, oh, ow, oc] *
 * w[kh, kw, c, oc]. Overwrites dx [N, H, W, C].
 */
export function conv2dBackpropInputRef(dy: usize, w: usize, dx: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13), OC = gi(geom, 14);
  const total = N * H * W * C;
  for (let i = 0; i < total; i++) store<f32>(dx + (<usize>i << 2), 0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sH - pT + kh * dH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sW - pL + kw * dW;
            if (iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              let acc: f32 = 0;
              for (let oc = 0; oc < OC; oc++) {
                const g = load<f32>(dy + (<usize>(((n * OH + oh) * OW + ow) * OC + oc) << 2));
                const wv = load<f32>(w + (<usize>(((kh * KW + kw) * C + c) * OC + oc) << 2));
                acc += g * wv;
              }
              const p = dx + (<usize>(((n * H + ih) * W + iw) * C + c) << 2);
              store<f32>(p, load<f32>(p) + acc);
            }
          }
        }
      }
    }
  }
}

/**
 * dw[kh, kw, c, oc] = sum over (n, oh, ow) of x[n, ih, iw, c] * dy[n, oh, ow, oc] (padding
 * taps contribute nothing). Overwrites dw [KH, KW, C, OC].
 */
export function conv2dBackpropFilterRef(x: usize, dy: usize, dw: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13), OC = gi(geom, 14);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) {
        for (let oc = 0; oc < OC; oc++) {
          let acc: f32 = 0;
          for (let n = 0; n < N; n++) {
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sH - pT + kh * dH;
              if (ih < 0 || ih >= H) continue;
              for (let ow = 0; ow < OW; ow++) {
                const iw = ow * sW - pL + kw * dW;
                if (iw < 0 || iw >= W) continue;
                const xv = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
                const g = load<f32>(dy + (<usize>(((n * OH + oh) * OW + ow) * OC + oc) << 2));
                acc += xv * g;
              }
            }
          }
          store<f32>(dw + (<usize>(((kh * KW + kw) * C + c) * OC + oc) << 2), acc);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Direct convolution for few input channels (e.g. the first layer of an image model)

@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** r + bias, then relu when act = 1 (the GEMM epilogue's order). */
@inline function finish(r: v128, b: v128, act: i32): v128 {
  r = f32x4.add(r, b);
  return act == 1 ? f32x4.max(r, f32x4.splat(0)) : r;
}

/**
 * One output pixel (n, oh, ow), output channels oc .. oc+7 (or oc .. oc+3 when four = 1), with
 * every tap bounds-checked. Sums taps in (kh, kw, c) order from zero, as im2col + GEMM does.
 */
@inline function directPixel(
  xn: usize,
  w: usize,
  bias: usize,
  yp: usize,
  oc: i32,
  ih0: i32,
  iw0: i32,
  H: i32,
  W: i32,
  C: i32,
  KH: i32,
  KW: i32,
  dH: i32,
  dW: i32,
  OC: i32,
  act: i32,
  four: bool,
): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  const ocb = <usize>oc << 2;
  for (let kh = 0; kh < KH; kh++) {
    const ih = ih0 + kh * dH;
    if (<u32>ih >= <u32>H) continue;
    for (let kw = 0; kw < KW; kw++) {
      const iw = iw0 + kw * dW;
      if (<u32>iw >= <u32>W) continue;
      const xp = xn + (<usize>(ih * W + iw) * <usize>C << 2);
      let wp = w + (<usize>((kh * KW + kw) * C) * <usize>OC << 2) + ocb;
      for (let c = 0; c < C; c++) {
        const xv = v128.load32_splat(xp + (<usize>c << 2));
        a0 = madd(xv, v128.load(wp), a0);
        if (!four) a1 = madd(xv, v128.load(wp, 16), a1);
        wp += <usize>OC << 2;
      }
    }
  }
  const b0 = bias != 0 ? v128.load(bias + ocb) : f32x4.splat(0);
  v128.store(yp + ocb, finish(a0, b0, act));
  if (!four) {
    const b1 = bias != 0 ? v128.load(bias + ocb, 16) : f32x4.splat(0);
    v128.store(yp + ocb, finish(a1, b1, act), 16);
  }
}

/**
 * y[n, oh, ow, oc] = sum over (kh, kw, c) of x[n, ih, iw, c] * w[kh, kw, c, oc] (+ bias[oc] when
 * bias != 0; then relu when act = 1), computed directly without im2col: for inputs with few
 * channels (the im2col rows would be short), four output pixels x eight channels per register
 * block. OC must be a multiple of 4. Each output is the same sequence of float operations as
 * im2col + gemm (taps in (kh, kw, c) order from zero, then bias, then relu), so results are
 * bitwise equal to that path. Overwrites y [N, OH, OW, OC].
 */
export function conv2dDirect(x: usize, w: usize, bias: usize, y: usize, geom: usize, act: i32): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13), OC = gi(geom, 14);
  const pix = <usize>C << 2;
  const opix = <usize>OC << 2;
  const xStep = <usize>sW * pix; // bytes between the inputs of neighbouring output pixels
  const oc8 = OC & ~7;
  for (let n = 0; n < N; n++) {
    const xn = x + <usize>n * <usize>H * <usize>W * pix;
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      const yr = y + ((<usize>n * <usize>OH + <usize>oh) * <usize>OW) * opix;
      let ow = 0;
      while (ow < OW) {
        const iw0 = ow * sW - pL;
        const inside = ow + 4 <= OW && iw0 >= 0 && (ow + 3) * sW - pL + (KW - 1) * dW < W;
        const yp = yr + <usize>ow * opix;
        if (!inside) {
          const np = min(4, OW - ow);
          for (let q = 0; q < np; q++) {
            const ypq = yp + <usize>q * opix;
            const iwq = iw0 + q * sW;
            let oc = 0;
            for (; oc < oc8; oc += 8) directPixel(xn, w, bias, ypq, oc, ih0, iwq, H, W, C, KH, KW, dH, dW, OC, act, false);
            if (oc < OC) directPixel(xn, w, bias, ypq, oc, ih0, iwq, H, W, C, KH, KW, dH, dW, OC, act, true);
          }
          ow += 4;
          continue;
        }
        // Grayscale images at stride 1: neighbouring pixels' inputs 4 bytes apart (a constant
        // folded into the addressing).
        const gray = xStep == 4;
        let oc = 0;
        for (; oc < oc8; oc += 8) {
          if (gray) directBlock(xn, w, bias, yp, oc, ih0, iw0, H, W, C, KH, KW, dH, dW, OC, act, 4, false);
          else directBlock(xn, w, bias, yp, oc, ih0, iw0, H, W, C, KH, KW, dH, dW, OC, act, xStep, false);
        }
        if (oc < OC) directBlock(xn, w, bias, yp, oc, ih0, iw0, H, W, C, KH, KW, dH, dW, OC, act, xStep, true);
        ow += 4;
      }
    }
  }
}

/**
 * Four output pixels (n, oh, ow .. ow+3) whose taps are all inside the image columns, output
 * channels oc .. oc+7 (oc .. oc+3 when four): taps in (kh, kw, c) order, one run of KW*C
 * contiguous taps per row when dW = 1.
 */
@inline function directBlock(
  xn: usize,
  w: usize,
  bias: usize,
  yp: usize,
  oc: i32,
  ih0: i32,
  iw0: i32,
  H: i32,
  W: i32,
  C: i32,
  KH: i32,
  KW: i32,
  dH: i32,
  dW: i32,
  OC: i32,
  act: i32,
  xStep: usize,
  four: bool,
): void {
  const zero = f32x4.splat(0);
  const pix = <usize>C << 2;
  const wTap = <usize>OC << 2;
  const opix = <usize>OC << 2;
  const ocb = <usize>oc << 2;
  // Taps per run and runs per kernel row: contiguous in x when dW = 1.
  const run = dW == 1 ? KW * C : C;
  const runs = dW == 1 ? 1 : KW;
  const runStep = <usize>dW * pix;
  let c00 = zero, c01 = zero, c10 = zero, c11 = zero;
  let c20 = zero, c21 = zero, c30 = zero, c31 = zero;
  for (let kh = 0; kh < KH; kh++) {
    const ih = ih0 + kh * dH;
    if (<u32>ih >= <u32>H) continue;
    let xr = xn + (<usize>(ih * W + iw0) * pix);
    let wp = w + (<usize>(kh * KW * C) * wTap) + ocb;
    for (let r = 0; r < runs; r++) {
      let xp = xr;
      for (let j = 0; j < run; j++) {
        const w0 = v128.load(wp);
        let a = v128.load32_splat(xp);
        c00 = madd(a, w0, c00);
        if (!four) c01 = madd(a, v128.load(wp, 16), c01);
        a = v128.load32_splat(xp + xStep);
        c10 = madd(a, w0, c10);
        if (!four) c11 = madd(a, v128.load(wp, 16), c11);
        a = v128.load32_splat(xp + 2 * xStep);
        c20 = madd(a, w0, c20);
        if (!four) c21 = madd(a, v128.load(wp, 16), c21);
        a = v128.load32_splat(xp + 3 * xStep);
        c30 = madd(a, w0, c30);
        if (!four) c31 = madd(a, v128.load(wp, 16), c31);
        xp += 4;
        wp += wTap;
      }
      xr += runStep;
    }
  }
  const b0 = bias != 0 ? v128.load(bias + ocb) : zero;
  let p = yp + ocb;
  v128.store(p, finish(c00, b0, act));
  p += opix;
  v128.store(p, finish(c10, b0, act));
  p += opix;
  v128.store(p, finish(c20, b0, act));
  p += opix;
  v128.store(p, finish(c30, b0, act));
  if (!four) {
    const b1 = bias != 0 ? v128.load(bias + ocb, 16) : zero;
    p = yp + ocb + 16;
    v128.store(p, finish(c01, b1, act));
    p += opix;
    v128.store(p, finish(c11, b1, act));
    p += opix;
    v128.store(p, finish(c21, b1, act));
    p += opix;
    v128.store(p, finish(c31, b1, act));
  }
}

/**
 * Scalar twin of {@link conv2dDirect} (any OC): taps in (kh, kw, c) order from zero, then
 * + bias, then relu when act = 1.
 */
export function conv2dDirectRef(x: usize, w: usize, bias: usize, y: usize, geom: usize, act: i32): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = gi(geom, 12), dW = gi(geom, 13), OC = gi(geom, 14);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let oc = 0; oc < OC; oc++) {
          let acc: f32 = 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sH - pT + kh * dH;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sW - pL + kw * dW;
              for (let c = 0; c < C; c++) {
                // Padding taps add 0 * w, as the im2col columns do (keeps the signs of zeros).
                let xv: f32 = 0;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                  xv = load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
                }
                acc += xv * load<f32>(w + (<usize>(((kh * KW + kw) * C + c) * OC + oc) << 2));
              }
            }
          }
          if (bias != 0) acc += load<f32>(bias + (<usize>oc << 2));
          if (act == 1) acc = Mathf.max(acc, 0);
          store<f32>(y + (<usize>(((n * OH + oh) * OW + ow) * OC + oc) << 2), acc);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Bias gradient

/**
 * db[c] = sum over r < rows of dy[r*channels + c], summed in row order (so it equals
 * {@link biasGradNHWCRef} exactly). Overwrites db [channels].
 */
export function biasGradNHWC(dy: usize, db: usize, rows: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  let c = 0;
  // Blocks of 16 channels held in registers across all rows.
  for (; c + 16 <= channels; c += 16) {
    const o = <usize>c << 2;
    let a = f32x4.splat(0), b = f32x4.splat(0), e = f32x4.splat(0), f = f32x4.splat(0);
    let p = dy + o;
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      b = f32x4.add(b, v128.load(p, 16));
      e = f32x4.add(e, v128.load(p, 32));
      f = f32x4.add(f, v128.load(p, 48));
      p += rowBytes;
    }
    v128.store(db + o, a);
    v128.store(db + o, b, 16);
    v128.store(db + o, e, 32);
    v128.store(db + o, f, 48);
  }
  for (; c + 4 <= channels; c += 4) {
    const o = <usize>c << 2;
    let a = f32x4.splat(0);
    let p = dy + o;
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      p += rowBytes;
    }
    v128.store(db + o, a);
  }
  for (; c < channels; c++) {
    const o = <usize>c << 2;
    let s: f32 = 0;
    let p = dy + o;
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += rowBytes;
    }
    store<f32>(db + o, s);
  }
}

/** Scalar twin of {@link biasGradNHWC}. */
export function biasGradNHWCRef(dy: usize, db: usize, rows: i32, channels: i32): void {
  for (let c = 0; c < channels; c++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(dy + (<usize>(r * channels + c) << 2));
    store<f32>(db + (<usize>c << 2), s);
  }
}

/**
 * Relu backward fused with the bias gradient, for a conv whose output y = relu(z) was kept:
 * dz[r*channels + c] = y > 0 ? dy : 0 (bitwise, as unaryBackward's relu: NaN dy passes where
 * y > 0, +0 elsewhere), and when db != 0, db[c] = sum over r of dz[r*channels + c] in row
 * order (equal to {@link biasGradNHWC} of dz). Overwrites dz [rows, channels] and db [channels].
 */
export function reluBiasGradNHWC(y: usize, dy: usize, dz: usize, db: usize, rows: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  const zero = f32x4.splat(0);
  let c = 0;
  for (; c + 16 <= channels; c += 16) {
    const o = <usize>c << 2;
    let a = zero, b = zero, e = zero, f = zero;
    let p: usize = o;
    for (let r = 0; r < rows; r++) {
      const g0 = v128.and(v128.load(dy + p), f32x4.gt(v128.load(y + p), zero));
      const g1 = v128.and(v128.load(dy + p, 16), f32x4.gt(v128.load(y + p, 16), zero));
      const g2 = v128.and(v128.load(dy + p, 32), f32x4.gt(v128.load(y + p, 32), zero));
      const g3 = v128.and(v128.load(dy + p, 48), f32x4.gt(v128.load(y + p, 48), zero));
      v128.store(dz + p, g0);
      v128.store(dz + p, g1, 16);
      v128.store(dz + p, g2, 32);
      v128.store(dz + p, g3, 48);
      a = f32x4.add(a, g0);
      b = f32x4.add(b, g1);
      e = f32x4.add(e, g2);
      f = f32x4.add(f, g3);
      p += rowBytes;
    }
    if (db != 0) {
      v128.store(db + o, a);
      v128.store(db + o, b, 16);
      v128.store(db + o, e, 32);
      v128.store(db + o, f, 48);
    }
  }
  for (; c + 4 <= channels; c += 4) {
    const o = <usize>c << 2;
    let a = zero;
    let p: usize = o;
    for (let r = 0; r < rows; r++) {
      const g = v128.and(v128.load(dy + p), f32x4.gt(v128.load(y + p), zero));
      v128.store(dz + p, g);
      a = f32x4.add(a, g);
      p += rowBytes;
    }
    if (db != 0) v128.store(db + o, a);
  }
  for (; c < channels; c++) {
    const o = <usize>c << 2;
    let s: f32 = 0;
    let p: usize = o;
    for (let r = 0; r < rows; r++) {
      const g: f32 = load<f32>(y + p) > 0 ? load<f32>(dy + p) : 0;
      store<f32>(dz + p, g);
      s += g;
      p += rowBytes;
    }
    if (db != 0) store<f32>(db + o, s);
  }
}

/** Scalar twin of {@link reluBiasGradNHWC}. */
export function reluBiasGradNHWCRef(y: usize, dy: usize, dz: usize, db: usize, rows: i32, channels: i32): void {
  const total = rows * channels;
  for (let i = 0; i < total; i++) {
    const o = <usize>i << 2;
    store<f32>(dz + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
  if (db != 0) biasGradNHWCRef(dz, db, rows, channels);
}

