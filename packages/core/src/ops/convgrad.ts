// Training of 3x3, stride-1, undilated convolutions (the bulk of a ResNet's training work) by
// Winograd F(4x4, 3x3), wasm/assembly/convgrad.ts: the forward pass (winograd4Conv), the filter
// gradient (winogradFilterGrad), and the input gradient as the forward convolution of dy with
// the filter rotated by 180 degrees and its channel axes swapped (convFlipFilter, then
// winograd4Conv). About 2-3x faster than im2col + GEMM on 16 to 64 channels; results differ
// from it by float32 rounding only (~1e-6 to 1e-5 of the scale). With worker threads
// (ready({ threads })), parallel.ts splits the convolutions and the filter gradient by images.
import { heap, kernels, writeArgs } from '../backend.js';
import { parallelWinogradConv, parallelWinogradFilterGrad } from '../parallel.js';
import { empty, type Tensor } from '../tensor.js';
import type { Geometry } from './conv.js';

/**
 * Channels from which the input gradient (a Winograd convolution of dy: OC channels in, C out)
 * pays off; the filter gradient pays off from this many output channels whatever C (its
 * transforms are linear in C + OC, the products in C * OC: measured 1.3-1.8x faster than
 * im2col with 1 or 3 input channels and 16 output channels).
 */
const MIN_CHANNELS = 8;

/** 4x4 output tiles from which the Winograd gradients pay off. */
const MIN_TILES = 8;

/**
 * Whether the gradients wanted (`needX`: the input's, `needW`: the filter's) all run by
 * Winograd: a 3x3 window, stride 1, no dilation, padding at most 2 on the top and left (so
 * the input gradient is a convolution with non-negative padding), at least {@link MIN_TILES}
 * output tiles, and {@link MIN_CHANNELS} output channels (and input channels when needX).
 * @internal
 */
export function winogradGradApplies(g: Geometry, needX: boolean, needW: boolean): boolean {
  return (
    (needX || needW) &&
    g.kh === 3 &&
    g.kw === 3 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.padTop <= 2 &&
    g.padLeft <= 2 &&
    g.oc >= MIN_CHANNELS &&
    (!needX || g.c >= MIN_CHANNELS) &&
    g.n * Math.ceil(g.oh / 4) * Math.ceil(g.ow / 4) >= MIN_TILES
  );
}

/** Writes a geometry into the kernels' argument area (as conv.ts does). */
function writeGeometry(v: readonly number[]): number {
  return writeArgs(v, 0);
}

/**
 * out = conv2d(in, w) (+ bias, then relu) for a 3x3 stride-1 undilated convolution of cin ->
 * cout channels of geometry `geom` (16 ints as conv.ts writes them; w [3, 3, cin, cout]): by
 * Winograd F(4x4, 3x3) (wasm convgrad.ts's winograd4Conv), which parallel.ts splits by images
 * when worker threads run, with the same bits as one call (its results do not depend on N).
 */
function winogradConvInto(
  inPtr: number,
  wPtr: number,
  cin: number,
  cout: number,
  biasPtr: number,
  outPtr: number,
  geom: readonly number[],
  relu: boolean,
): void {
  const k = kernels();
  const h = heap();
  const act = relu ? 1 : 0;
  const uBytes = k.winograd4FilterSize(cin, cout) * 4;
  const workBytes = k.winograd4WorkSize(cin, cout) * 4;
  const u = h.alloc(uBytes);
  const work = h.alloc(workBytes);
  k.winograd4Filter(wPtr, cin, cout, u, work);
  const gp = writeGeometry(geom);
  if (!parallelWinogradConv(inPtr, u, biasPtr, outPtr, gp, act, 'winograd4Conv')) {
    k.winograd4Conv(inPtr, u, biasPtr, outPtr, gp, act, work);
  }
  h.release(work, workBytes);
  h.release(u, uBytes);
}

/**
 * The forward pass of a convolution being differentiated, where {@link winogradGradApplies}
 * accepts it (both gradients wanted): y = conv2d(x, w) (+ bias, then relu) by Winograd
 * F(4x4, 3x3), whose rounding (~1e-6 of the output's scale) is immaterial to training.
 * @internal
 */
export function winogradTrainForward(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  relu: boolean,
  g: Geometry,
): Tensor {
  const y = empty([g.n, g.oh, g.ow, g.oc]);
  const geom = [g.n, g.h, g.w, g.c, 3, 3, g.oh, g.ow, 1, 1, g.padTop, g.padLeft, 1, 1, g.oc, 0];
  winogradConvInto(x.ptr, w.ptr, g.c, g.oc, bias?.ptr ?? 0, y.ptr, geom, relu);
  return y;
}

/**
 * dx = conv2dBackpropInput(dy, w) when needX and dw = conv2dBackpropFilter(x, dy) when needW
 * (null otherwise), by Winograd; only where {@link winogradGradApplies} accepts.
 * @internal
 */
export function winogradConvBackward(
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  g: Geometry,
  needX: boolean,
  needW: boolean,
): [Tensor | null, Tensor | null] {
  const k = kernels();
  const h = heap();
  let dx: Tensor | null = null;
  let dw: Tensor | null = null;
  if (needX) {
    // dx[n, ih, iw, c] = sum over (kh, kw, oc) of dy[n, ih + padTop - kh, iw + padLeft - kw, oc]
    // * w[kh, kw, c, oc]: the convolution of dy (OC channels) with wf[kh', kw', oc, c] =
    // w[2 - kh', 2 - kw', c, oc], padding (2 - padTop, 2 - padLeft), output H x W.
    dx = empty([g.n, g.h, g.w, g.c]);
    const wfBytes = 9 * g.c * g.oc * 4;
    const wf = h.alloc(wfBytes);
    k.convFlipFilter(w.ptr, 3, 3, g.c, g.oc, wf);
    const geom = [g.n, g.oh, g.ow, g.oc, 3, 3, g.h, g.w, 1, 1, 2 - g.padTop, 2 - g.padLeft, 1, 1];
    winogradConvInto(dy.ptr, wf, g.oc, g.c, 0, dx.ptr, [...geom, g.c, 0], false);
    h.release(wf, wfBytes);
  }
  if (needW) {
    dw = empty([3, 3, g.c, g.oc]);
    const workBytes = k.winogradFilterGradWorkSize(g.c, g.oc) * 4;
    const work = h.alloc(workBytes);
    const geom = writeGeometry([
      g.n,
      g.h,
      g.w,
      g.c,
      3,
      3,
      g.oh,
      g.ow,
      1,
      1,
      g.padTop,
      g.padLeft,
      1,
      1,
      g.oc,
      0,
    ]);
    if (!parallelWinogradFilterGrad(x.ptr, dy.ptr, dw.ptr, geom)) {
      k.winogradFilterGrad(x.ptr, dy.ptr, dw.ptr, geom, work);
    }
    h.release(work, workBytes);
  }
  return [dx, dw];
}
