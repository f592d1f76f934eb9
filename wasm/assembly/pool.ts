// Pooling kernels, NHWC (channels-last, as Keras/TF.js).
//
// Shapes come as 16 int32 at `geom`, the layout conv.ts uses (KH, KW = pool window, OC unused):
//   [N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, dilationH, dilationW, OC, 0]
// Window cell (kh, kw) of output (oh, ow) reads input pixel
//   ih = oh*strideH - padTop + kh*dilationH,  iw = ow*strideW - padLeft + kw*dilationW
// (dilation values < 1 count as 1). Cells outside the input (padding) are ignored: they never
// win a max and are not counted by an average (TF / TF.js 'same' semantics).
// Cells are visited in (kh, kw) row-major order; that fixes "first max" and summation order.

@inline function gi(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

@inline function dil(geom: usize, i: i32): i32 {
  const d = gi(geom, i);
  return d < 1 ? 1 : d;
}

/** First k with i0 + k*d >= 0. */
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

/** Whether v replaces best in a max: larger, or the first NaN (NaN propagates and sticks). */
@inline function beats(v: f32, best: f32): bool {
  return v > best || (v != v && best == best);
}

@inline function beatsX4(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

// ---------------------------------------------------------------------------------------------
// Max pooling

/**
 * y[n, oh, ow, c] = max over the window's real cells of x[n, ih, iw, c] (first max on ties; a
 * NaN in the window gives NaN). When argmax != 0 also writes argmax[n, oh, ow, c] (int32) = the
 * flat input index ((n*H + ih)*W + iw)*C + c of the winner. A window with no real cell gives
 * -Infinity and argmax -1.
 */
export function maxPool(x: usize, y: usize, argmax: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  const pixBytes = <usize>C << 2;
  const stepW = <usize>dW * pixBytes;
  const stepH = <usize>dH * <usize>W * pixBytes;
  const lanes = i32x4(0, 1, 2, 3);
  if (KH == 2 && KW == 2 && sH == 2 && sW == 2 && pT == 0 && pL == 0 && dH == 1 && dW == 1 &&
      (C & 3) == 0 && 2 * OH <= H && 2 * OW <= W) {
    maxPool2x2(x, y, argmax, N, H, W, C, OH, OW);
    return;
  }
  let out: usize = 0; // byte offset of y[n, oh, ow, 0] (and of argmax[n, oh, ow, 0])
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      const khLo = firstValid(ih0, dH);
      const khHi = endValid(ih0, dH, H, KH, khLo);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sW - pL;
        const kwLo = firstValid(iw0, dW);
        const kwHi = endValid(iw0, dW, W, KW, kwLo);
        const yp = y + out;
        const ap = argmax + out;
        out += pixBytes;
        if (khLo == khHi || kwLo == kwHi) {
          for (let c = 0; c < C; c++) {
            store<f32>(yp + (<usize>c << 2), -Infinity);
            if (argmax != 0) store<i32>(ap + (<usize>c << 2), -1);
          }
          continue;
        }
        // Pixel index (n, ih, iw) of the first real cell, and its address.
        const pix0 = (n * H + ih0 + khLo * dH) * W + iw0 + kwLo * dW;
        const xp0 = x + (<usize>pix0 * pixBytes);
        const pixStepW = dW, pixStepH = dH * W;
        if (C >= 4) {
          // Blocks of 4 channels; the last block is shifted back to C - 4 (it recomputes a few
          // channels with identical results).
          let c = 0;
          while (true) {
            if (c > C - 4) c = C - 4;
            const co = <usize>c << 2;
            let best = v128.load(xp0 + co);
            let bidx = i32x4.add(i32x4.splat(pix0 * C + c), lanes);
            let rowP = xp0 + co;
            let rowPix = pix0;
            for (let kh = khLo; kh < khHi; kh++) {
              let p = rowP;
              let pix = rowPix;
              for (let kw = kwLo; kw < kwHi; kw++) {
                const v = v128.load(p);
                const m = beatsX4(v, best);
                best = v128.bitselect(v, best, m);
                bidx = v128.bitselect(i32x4.add(i32x4.splat(pix * C + c), lanes), bidx, m);
                p += stepW;
                pix += pixStepW;
              }
              rowP += stepH;
              rowPix += pixStepH;
            }
            v128.store(yp + co, best);
            if (argmax != 0) v128.store(ap + co, bidx);
            if (c + 4 >= C) break;
            c += 4;
          }
        } else {
          for (let c = 0; c < C; c++) {
            const co = <usize>c << 2;
            let best = load<f32>(xp0 + co);
            let bidx = pix0 * C + c;
            let rowP = xp0 + co;
            let rowPix = pix0;
            for (let kh = khLo; kh < khHi; kh++) {
              let p = rowP;
              let pix = rowPix;
              for (let kw = kwLo; kw < kwHi; kw++) {
                const v = load<f32>(p);
                if (beats(v, best)) {
                  best = v;
                  bidx = pix * C + c;
                }
                p += stepW;
                pix += pixStepW;
              }
              rowP += stepH;
              rowPix += pixStepH;
            }
            store<f32>(yp + co, best);
            if (argmax != 0) store<i32>(ap + co, bidx);
          }
        }
      }
    }
  }
}

/**
 * maxPool's fast path for 2x2 windows, stride 2, no padding, C a multiple of 4 (every window
 * inside the input): the same comparisons in the same (kh, kw) order as the general loop.
 */
function maxPool2x2(x: usize, y: usize, argmax: usize, N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32): void {
  const lanes = i32x4(0, 1, 2, 3);
  const pixBytes = <usize>C << 2;
  const rowBytes = <usize>W * pixBytes;
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const pixRow = (n * H + 2 * oh) * W;
      const row0 = x + <usize>pixRow * pixBytes;
      for (let ow = 0; ow < OW; ow++) {
        const p0 = row0 + (<usize>(2 * ow) * pixBytes);
        const p1 = p0 + pixBytes;
        const p2 = p0 + rowBytes;
        const p3 = p2 + pixBytes;
        const yp = y + out;
        if (argmax == 0) {
          for (let c = 0; c < C; c += 4) {
            const co = <usize>c << 2;
            let best = v128.load(p0 + co);
            let v = v128.load(p1 + co);
            best = v128.bitselect(v, best, beatsX4(v, best));
            v = v128.load(p2 + co);
            best = v128.bitselect(v, best, beatsX4(v, best));
            v = v128.load(p3 + co);
            best = v128.bitselect(v, best, beatsX4(v, best));
            v128.store(yp + co, best);
          }
        } else {
          const ap = argmax + out;
          const i0 = (pixRow + 2 * ow) * C;
          const i1 = i0 + C;
          const i2 = i0 + W * C;
          const i3 = i2 + C;
          for (let c = 0; c < C; c += 4) {
            const co = <usize>c << 2;
            let best = v128.load(p0 + co);
            let bidx = i32x4.add(i32x4.splat(i0 + c), lanes);
            let v = v128.load(p1 + co);
            let m = beatsX4(v, best);
            best = v128.bitselect(v, best, m);
            bidx = v128.bitselect(i32x4.add(i32x4.splat(i1 + c), lanes), bidx, m);
            v = v128.load(p2 + co);
            m = beatsX4(v, best);
            best = v128.bitselect(v, best, m);
            bidx = v128.bitselect(i32x4.add(i32x4.splat(i2 + c), lanes), bidx, m);
            v = v128.load(p3 + co);
            m = beatsX4(v, best);
            best = v128.bitselect(v, best, m);
            bidx = v128.bitselect(i32x4.add(i32x4.splat(i3 + c), lanes), bidx, m);
            v128.store(yp + co, best);
            v128.store(ap + co, bidx);
          }
        }
        out += pixBytes;
      }
    }
  }
}

/** Scalar twin of {@link maxPool}. */
export function maxPoolRef(x: usize, y: usize, argmax: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          let best: f32 = -Infinity;
          let bidx = -1;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sH - pT + kh * dH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sW - pL + kw * dW;
              if (iw < 0 || iw >= W) continue;
              const i = ((n * H + ih) * W + iw) * C + c;
              const v = load<f32>(x + (<usize>i << 2));
              if (bidx < 0 || beats(v, best)) {
                best = v;
                bidx = i;
              }
            }
          }
          const o = <usize>(((n * OH + oh) * OW + ow) * C + c) << 2;
          store<f32>(y + o, best);
          if (argmax != 0) store<i32>(argmax + o, bidx);
        }
      }
    }
  }
}

/**
 * dx[0..nIn) = 0, then dx[argmax[i]] += dy[i] for i = 0, 1, ..., nOut - 1 (entries with
 * argmax < 0 are skipped). The adjoint of maxPool given its argmax.
 */
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, nOut: i32, nIn: i32): void {
  zeroRun(dx, nIn);
  for (let i = 0; i < nOut; i++) {
    const o = <usize>i << 2;
    const a = load<i32>(argmax + o);
    if (a >= 0) {
      const p = dx + (<usize>a << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + o));
    }
  }
}

/**
 * {@link maxPoolBackward} given the pooling geometry (same 16 int32 as maxPool): dx [N, H, W, C]
 * = 0, then dx[argmax[i]] += dy[i] for every output i in order. Windows that cannot overlap
 * (stride >= window, no dilation) write each window cell once (0 + dy where it won, else 0),
 * without the scatter; other geometries run the scatter. Same results either way.
 */
export function maxPoolBackwardGeom(dy: usize, argmax: usize, dx: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  if (dH != 1 || dW != 1 || KH > sH || KW > sW) {
    maxPoolBackward(dy, argmax, dx, N * OH * OW * C, N * H * W * C);
    return;
  }
  // Every input cell lies in exactly one window: nothing is left to zero.
  const exact = pT == 0 && pL == 0 && KH == sH && KW == sW && OH * sH == H && OW * sW == W;
  if (!exact) zeroRun(dx, N * H * W * C);
  const pixBytes = <usize>C << 2;
  const rowBytes = <usize>W * pixBytes;
  const lanes = i32x4(0, 1, 2, 3);
  const zero = f32x4.splat(0);
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      const khLo = firstValid(ih0, 1);
      const khHi = endValid(ih0, 1, H, KH, khLo);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sW - pL;
        const kwLo = firstValid(iw0, 1);
        const kwHi = endValid(iw0, 1, W, KW, kwLo);
        const gp = dy + out;
        const ap = argmax + out;
        out += pixBytes;
        if (khLo == khHi || kwLo == kwHi) continue;
        const pix0 = (n * H + ih0 + khLo) * W + iw0 + kwLo;
        const dp0 = dx + <usize>pix0 * pixBytes;
        if (C >= 4) {
          let c = 0;
          while (true) {
            if (c > C - 4) c = C - 4;
            const co = <usize>c << 2;
            const g = v128.load(gp + co);
            const a = v128.load(ap + co);
            let rowP = dp0 + co;
            let rowPix = pix0;
            for (let kh = khLo; kh < khHi; kh++) {
              let p = rowP;
              let pix = rowPix;
              for (let kw = kwLo; kw < kwHi; kw++) {
                const m = i32x4.eq(a, i32x4.add(i32x4.splat(pix * C + c), lanes));
                v128.store(p, f32x4.add(zero, v128.and(g, m)));
                p += pixBytes;
                pix++;
              }
              rowP += rowBytes;
              rowPix += W;
            }
            if (c + 4 >= C) break;
            c += 4;
          }
        } else {
          for (let c = 0; c < C; c++) {
            const co = <usize>c << 2;
            const g = load<f32>(gp + co);
            const a = load<i32>(ap + co);
            let rowP = dp0 + co;
            let rowPix = pix0;
            for (let kh = khLo; kh < khHi; kh++) {
              let p = rowP;
              let pix = rowPix;
              for (let kw = kwLo; kw < kwHi; kw++) {
                store<f32>(p, pix * C + c == a ? <f32>0 + g : 0);
                p += pixBytes;
                pix++;
              }
              rowP += rowBytes;
              rowPix += W;
            }
          }
        }
      }
    }
  }
}

/** Scalar twin of {@link maxPoolBackwardGeom}: zero, then the scatter in output order. */
export function maxPoolBackwardGeomRef(dy: usize, argmax: usize, dx: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const OH = gi(geom, 6), OW = gi(geom, 7);
  const nIn = N * H * W * C;
  const nOut = N * OH * OW * C;
  for (let i = 0; i < nIn; i++) store<f32>(dx + (<usize>i << 2), 0);
  for (let i = 0; i < nOut; i++) {
    const a = load<i32>(argmax + (<usize>i << 2));
    if (a >= 0) {
      const p = dx + (<usize>a << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + (<usize>i << 2)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Average pooling

/**
 * y[n, oh, ow, c] = (sum over the window's real cells of x[n, ih, iw, c]) / (their count),
 * summed in (kh, kw) order; a window with no real cell gives 0.
 */
export function avgPool(x: usize, y: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  const pixBytes = <usize>C << 2;
  const stepW = <usize>dW * pixBytes;
  const stepH = <usize>dH * <usize>W * pixBytes;
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      const khLo = firstValid(ih0, dH);
      const khHi = endValid(ih0, dH, H, KH, khLo);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sW - pL;
        const kwLo = firstValid(iw0, dW);
        const kwHi = endValid(iw0, dW, W, KW, kwLo);
        const yp = y + out;
        out += pixBytes;
        const count = (khHi - khLo) * (kwHi - kwLo);
        if (count == 0) {
          zeroRun(yp, C);
          continue;
        }
        const cnt = <f32>count;
        const xp0 = x + ((<usize>(n * H + ih0 + khLo * dH) * <usize>W + <usize>(iw0 + kwLo * dW)) * pixBytes);
        if (C >= 4) {
          const cntX4 = f32x4.splat(cnt);
          let c = 0;
          while (true) {
            if (c > C - 4) c = C - 4;
            const co = <usize>c << 2;
            let acc = f32x4.splat(0);
            let rowP = xp0 + co;
            for (let kh = khLo; kh < khHi; kh++) {
              let p = rowP;
              for (let kw = kwLo; kw < kwHi; kw++) {
                acc = f32x4.add(acc, v128.load(p));
                p += stepW;
              }
              rowP += stepH;
            }
            v128.store(yp + co, f32x4.div(acc, cntX4));
            if (c + 4 >= C) break;
            c += 4;
          }
        } else {
          for (let c = 0; c < C; c++) {
            const co = <usize>c << 2;
            let acc: f32 = 0;
            let rowP = xp0 + co;
            for (let kh = khLo; kh < khHi; kh++) {
              let p = rowP;
              for (let kw = kwLo; kw < kwHi; kw++) {
                acc += load<f32>(p);
                p += stepW;
              }
              rowP += stepH;
            }
            store<f32>(yp + co, acc / cnt);
          }
        }
      }
    }
  }
}

/** Scalar twin of {@link avgPool}. */
export function avgPoolRef(x: usize, y: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          let acc: f32 = 0;
          let count = 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sH - pT + kh * dH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sW - pL + kw * dW;
              if (iw < 0 || iw >= W) continue;
              acc += load<f32>(x + (<usize>(((n * H + ih) * W + iw) * C + c) << 2));
              count++;
            }
          }
          const o = <usize>(((n * OH + oh) * OW + ow) * C + c) << 2;
          store<f32>(y + o, count == 0 ? 0 : acc / <f32>count);
        }
      }
    }
  }
}

/**
 * The adjoint of {@link avgPool}: dx = 0, then for each output (n, oh, ow) in order, every real
 * cell of its window gets dx[n, ih, iw, c] += dy[n, oh, ow, c] / count (count = the number of
 * real cells, as in the forward). Overwrites dx [N, H, W, C].
 */
export function avgPoolBackward(dy: usize, dx: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  const pixBytes = <usize>C << 2;
  const stepW = <usize>dW * pixBytes;
  const stepH = <usize>dH * <usize>W * pixBytes;
  zeroRun(dx, N * H * W * C);
  let out: usize = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sH - pT;
      const khLo = firstValid(ih0, dH);
      const khHi = endValid(ih0, dH, H, KH, khLo);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sW - pL;
        const kwLo = firstValid(iw0, dW);
        const kwHi = endValid(iw0, dW, W, KW, kwLo);
        const gp = dy + out;
        out += pixBytes;
        const count = (khHi - khLo) * (kwHi - kwLo);
        if (count == 0) continue;
        const cnt = <f32>count;
        const cntX4 = f32x4.splat(cnt);
        const dp0 = dx + ((<usize>(n * H + ih0 + khLo * dH) * <usize>W + <usize>(iw0 + kwLo * dW)) * pixBytes);
        // Each dx element gets at most one term per output, so visiting channels in blocks
        // leaves every element's summation order (by output) unchanged.
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          const co = <usize>c << 2;
          const g = f32x4.div(v128.load(gp + co), cntX4);
          let rowP = dp0 + co;
          for (let kh = khLo; kh < khHi; kh++) {
            let p = rowP;
            for (let kw = kwLo; kw < kwHi; kw++) {
              v128.store(p, f32x4.add(v128.load(p), g));
              p += stepW;
            }
            rowP += stepH;
          }
        }
        for (; c < C; c++) {
          const co = <usize>c << 2;
          const g = load<f32>(gp + co) / cnt;
          let rowP = dp0 + co;
          for (let kh = khLo; kh < khHi; kh++) {
            let p = rowP;
            for (let kw = kwLo; kw < kwHi; kw++) {
              store<f32>(p, load<f32>(p) + g);
              p += stepW;
            }
            rowP += stepH;
          }
        }
      }
    }
  }
}

/** Scalar twin of {@link avgPoolBackward}. */
export function avgPoolBackwardRef(dy: usize, dx: usize, geom: usize): void {
  const N = gi(geom, 0), H = gi(geom, 1), W = gi(geom, 2), C = gi(geom, 3);
  const KH = gi(geom, 4), KW = gi(geom, 5), OH = gi(geom, 6), OW = gi(geom, 7);
  const sH = gi(geom, 8), sW = gi(geom, 9), pT = gi(geom, 10), pL = gi(geom, 11);
  const dH = dil(geom, 12), dW = dil(geom, 13);
  const total = N * H * W * C;
  for (let i = 0; i < total; i++) store<f32>(dx + (<usize>i << 2), 0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // Count of real cells.
        let count = 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sH - pT + kh * dH;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sW - pL + kw * dW;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) count++;
          }
        }
        if (count == 0) continue;
        for (let c = 0; c < C; c++) {
          const g = load<f32>(dy + (<usize>(((n * OH + oh) * OW + ow) * C + c) << 2)) / <f32>count;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sH - pT + kh * dH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sW - pL + kw * dW;
              if (iw < 0 || iw >= W) continue;
              const p = dx + (<usize>(((n * H + ih) * W + iw) * C + c) << 2);
              store<f32>(p, load<f32>(p) + g);
            }
          }
        }
      }
    }
  }
}
