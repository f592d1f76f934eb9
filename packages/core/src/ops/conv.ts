// NHWC convolution (im2col + packed GEMM) and pooling, forward and both backward passes.
import { heap, kernels, writeArgs } from '../backend.js';
import { engine } from '../engine.js';
import {
  gemm,
  parallelConvBackward,
  parallelConvDirect,
  parallelConvForward,
  parallelWinogradConv,
} from '../parallel.js';
import { empty, emptyZeroed, type Tensor, view } from '../tensor.js';
import { checkDtype, fmt, pair } from '../util.js';
import { winogradConvBackward, winogradGradApplies, winogradTrainForward } from './convgrad.js';
import { type TensorLike, toTensor } from './creation.js';
import { checkActivation, type FusedActivation } from './matmul.js';

/** Padding: 'same' (output = ceil(input / stride)), 'valid' (no padding), or explicit. */
export type Padding = 'same' | 'valid' | number;

/** Geometry of one convolution or pooling window sweep. @internal */
export interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  dh: number;
  dw: number;
  oc: number;
}

/** Computes output size and padding as TF does. @internal */
export function geometry(
  op: string,
  xShape: readonly number[],
  kh: number,
  kw: number,
  oc: number,
  strides: number | readonly [number, number],
  pad: Padding,
  dilations: number | readonly [number, number] = 1,
): Geometry {
  const [sh, sw] = pair(op, 'strides', strides);
  const [dh, dw] = pair(op, 'dilations', dilations);
  const [n, h, w, c] = xShape;
  const ekh = (kh - 1) * dh + 1;
  const ekw = (kw - 1) * dw + 1;
  let oh: number;
  let ow: number;
  let padTop = 0;
  let padLeft = 0;
  if (pad === 'same') {
    oh = Math.ceil(h / sh);
    ow = Math.ceil(w / sw);
    padTop = Math.floor(Math.max((oh - 1) * sh + ekh - h, 0) / 2);
    padLeft = Math.floor(Math.max((ow - 1) * sw + ekw - w, 0) / 2);
  } else if (pad === 'valid') {
    oh = Math.floor((h - ekh) / sh) + 1;
    ow = Math.floor((w - ekw) / sw) + 1;
  } else if (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0) {
    padTop = pad;
    padLeft = pad;
    oh = Math.floor((h + 2 * pad - ekh) / sh) + 1;
    ow = Math.floor((w + 2 * pad - ekw) / sw) + 1;
  } else {
    throw new Error(
      `${op}: pad must be 'same', 'valid' or a non-negative integer, got ${JSON.stringify(pad)}`,
    );
  }
  if (oh < 1 || ow < 1) {
    throw new Error(
      `${op}: the ${kh}x${kw} window (dilation ${dh}x${dw}) is larger than the ${pad === 'valid' ? '' : 'padded '}input ${fmt(xShape)}`,
    );
  }
  return { n, h, w, c, kh, kw, oh, ow, sh, sw, padTop, padLeft, dh, dw, oc };
}

function writeGeom(g: Geometry): number {
  return writeArgs(
    [
      g.n,
      g.h,
      g.w,
      g.c,
      g.kh,
      g.kw,
      g.oh,
      g.ow,
      g.sh,
      g.sw,
      g.padTop,
      g.padLeft,
      g.dh,
      g.dw,
      g.oc,
      0,
    ],
    0,
  );
}

function asBatch(op: string, x: Tensor): [Tensor, boolean] {
  if (x.rank === 4) return [x, false];
  if (x.rank === 3) return [view(x, [1, ...x.shape]), true];
  throw new Error(
    `${op}: input must be rank 4 [batch, height, width, channels] (or rank 3), got ${fmt(x.shape)}`,
  );
}

/** Whether the convolution needs no im2col: 1x1 window, stride 1, no padding. */
function isPointwise(g: Geometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0;
}

/**
 * Bytes of one im2col chunk: a few images, so that the columns im2col writes are still in L2
 * when the GEMM reads them (measured faster than one big chunk of the whole batch).
 */
const CHUNK_BYTES = 512 << 10;

/** Images per im2col chunk, keeping the column workspace near {@link CHUNK_BYTES}. */
function chunkSize(g: Geometry): number {
  const perImage = g.oh * g.ow * g.kh * g.kw * g.c * 4;
  return Math.max(1, Math.min(g.n, Math.floor(CHUNK_BYTES / Math.max(perImage, 1))));
}

/**
 * Whether a forward pass that records no gradient runs as Winograd F(2x2, 3x3) (wasm
 * winograd.ts: 2.25x fewer multiplies): a 3x3 window, stride 1, no dilation, enough channels
 * that the 16 per-frequency GEMMs outweigh the transforms, and (unless a cache holds the
 * filter's transform) enough 2x2 output tiles to amortize transforming the filter. Its results
 * differ from the im2col path by rounding only (~1e-6 of the output's scale, within the 1e-5
 * relative tolerance the op is tested to against TF.js). @internal
 */
export function useWinograd(g: Geometry, cached: boolean): boolean {
  return (
    g.kh === 3 &&
    g.kw === 3 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.c >= WINOGRAD_MIN_CHANNELS &&
    g.oc >= WINOGRAD_MIN_CHANNELS &&
    (cached || g.n * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2) >= WINOGRAD_MIN_TILES)
  );
}

/** Input and output channels from which inference convolutions take the Winograd path. */
const WINOGRAD_MIN_CHANNELS = 8;

/**
 * Output tiles from which an uncached Winograd convolution pays off: transforming the filter
 * costs about as much as eight tiles (32 -> 64 channels: 18 us against 2.3 us per tile, where
 * im2col + GEMM takes 5 us per 2x2 outputs).
 */
const WINOGRAD_MIN_TILES = 16;

/**
 * A layer's cache of its filter's Winograd transform, so that inference (batch 1 above all) does
 * not transform the filter on every call. The transform is redone when the filter is another
 * tensor or the engine's weight-change counter moved (every way Zoo writes weights moves it, as
 * for the folded batch norms; see `weightsChanged`). Its memory comes straight from the
 * allocator, not as tensors, so it never shows in `memory()` or a `tidy()`; the owner frees it
 * with {@link WinogradCache.dispose}. Filters whose transform exceeds
 * {@link WinogradCache.maxBytes} are not cached. @internal
 */
export class WinogradCache {
  /** Largest transformed filter kept (bytes). */
  static readonly maxBytes = 16 << 20;
  private u = 0;
  private uBytes = 0;
  private wPtr = 0;
  private epoch = -1;
  private c = 0;
  private oc = 0;

  /** Whether a filter of c -> oc channels would be cached. */
  static fits(c: number, oc: number): boolean {
    return 16 * c * Math.ceil(oc / 8) * 8 * 4 <= WinogradCache.maxBytes;
  }

  /** The transform of w ([3, 3, c, oc]), recomputed only if w changed since the last call. */
  transform(w: Tensor, c: number, oc: number): number {
    if (
      this.u !== 0 &&
      this.c === c &&
      this.oc === oc &&
      this.wPtr === w.ptr &&
      this.epoch === engine.weightsEpoch
    ) {
      return this.u;
    }
    const k = kernels();
    if (this.c !== c || this.oc !== oc) {
      this.dispose();
      this.uBytes = k.winogradFilterSize(c, oc) * 4;
      this.u = heap().alloc(this.uBytes);
      this.c = c;
      this.oc = oc;
    }
    k.winogradFilter(w.ptr, c, oc, this.u);
    this.wPtr = w.ptr;
    this.epoch = engine.weightsEpoch;
    return this.u;
  }

  /** Frees the cached transform (the cache stays usable). */
  dispose(): void {
    if (this.u === 0) return;
    heap().release(this.u, this.uBytes);
    this.u = 0;
    this.c = 0;
    this.oc = 0;
  }
}

/** Input channels up to which the forward pass runs the direct kernel instead of im2col. */
const DIRECT_MAX_CHANNELS = 4;

/**
 * Whether the forward pass runs wasm's conv2dDirect (few input channels, output channels a
 * multiple of 4, not pointwise): the same bits as im2col + GEMM without the im2col rows.
 * @internal
 */
export function useDirect(g: Geometry): boolean {
  return g.c <= DIRECT_MAX_CHANNELS && g.oc % 4 === 0 && !isPointwise(g);
}

/** y = conv(x, w) (+ bias, relu) by Winograd F(2x2, 3x3) (see {@link useWinograd}). */
function winogradForward(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  relu: boolean,
  g: Geometry,
  cache: WinogradCache | null,
): Tensor {
  const k = kernels();
  const y = empty([g.n, g.oh, g.ow, g.oc]);
  let u: Tensor | null = null;
  let uPtr: number;
  if (cache !== null) {
    uPtr = cache.transform(w, g.c, g.oc);
  } else {
    u = empty([k.winogradFilterSize(g.c, g.oc)]);
    k.winogradFilter(w.ptr, g.c, g.oc, u.ptr);
    uPtr = u.ptr;
  }
  const work = empty([k.winogradWorkSize(g.c, g.oc)]);
  const biasPtr = bias === null ? 0 : bias.ptr;
  const geom = writeGeom(g);
  // Split over worker threads by images when ready({ threads }) started them.
  if (!parallelWinogradConv(x.ptr, uPtr, biasPtr, y.ptr, geom, relu ? 1 : 0)) {
    k.winogradConv(x.ptr, uPtr, biasPtr, y.ptr, geom, relu ? 1 : 0, work.ptr);
  }
  work.dispose();
  u?.dispose();
  return y;
}

/** y = conv(x, w) (+ bias, relu in the epilogue), chunked over the batch. */
function convForward(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  relu: boolean,
  g: Geometry,
  inference: boolean,
  cache: WinogradCache | null,
): Tensor {
  if (inference) {
    const cached = cache !== null && WinogradCache.fits(g.c, g.oc);
    if (useWinograd(g, cached)) return winogradForward(x, w, bias, relu, g, cached ? cache : null);
  }
  const k = kernels();
  const y = empty([g.n, g.oh, g.ow, g.oc]);
  const kdim = g.kh * g.kw * g.c;
  const biasPtr = bias === null ? 0 : bias.ptr;
  if (useDirect(g)) {
    // Few input channels: the im2col rows would be short; the direct kernel gives the same
    // bits without them.
    if (!parallelConvDirect(x.ptr, w.ptr, biasPtr, y.ptr, g, relu)) {
      k.conv2dDirect(x.ptr, w.ptr, biasPtr, y.ptr, writeGeom(g), relu ? 1 : 0);
    }
    return y;
  }
  if (isPointwise(g)) {
    gemm(
      0,
      0,
      g.n * g.h * g.w,
      g.oc,
      kdim,
      x.ptr,
      kdim,
      w.ptr,
      g.oc,
      y.ptr,
      g.oc,
      biasPtr,
      relu ? 1 : 0,
      0,
    );
    return y;
  }
  const chunk = chunkSize(g);
  const rowsPer = g.oh * g.ow;
  // Split over worker threads by images when ready({ threads }) started them.
  if (parallelConvForward(x.ptr, w.ptr, biasPtr, y.ptr, g, relu, chunk)) return y;
  const cols = empty([chunk * rowsPer, kdim]);
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const n1 = Math.min(g.n, n0 + chunk);
    k.im2col(x.ptr, cols.ptr, writeGeom(g), n0, n1);
    const rows = (n1 - n0) * rowsPer;
    k.gemm(
      0,
      0,
      rows,
      g.oc,
      kdim,
      cols.ptr,
      kdim,
      w.ptr,
      g.oc,
      y.ptr + n0 * rowsPer * g.oc * 4,
      g.oc,
      biasPtr,
      relu ? 1 : 0,
      0,
    );
  }
  cols.dispose();
  return y;
}

/**
 * The gradients of a convolution given dy: dx = conv2dBackpropInput(dy, w) when needX, dw =
 * conv2dBackpropFilter(x, dy) when needW (null otherwise). One pass over im2col chunks serves
 * both, while the chunk of dy is in cache.
 */
function convBackward(
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  g: Geometry,
  needX: boolean,
  needW: boolean,
): [Tensor | null, Tensor | null] {
  const k = kernels();
  const kdim = g.kh * g.kw * g.c;
  if (isPointwise(g)) {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    const rows = g.n * g.h * g.w;
    if (needX) {
      dx = empty(x.shape);
      gemm(0, 1, rows, kdim, g.oc, dy.ptr, g.oc, w.ptr, g.oc, dx.ptr, kdim, 0, 0, 0);
    }
    if (needW) {
      dw = empty([g.kh, g.kw, g.c, g.oc]);
      gemm(1, 0, kdim, g.oc, rows, x.ptr, kdim, dy.ptr, g.oc, dw.ptr, g.oc, 0, 0, 0);
    }
    return [dx, dw];
  }
  // 3x3 stride 1 with enough channels: Winograd gradients (./convgrad.ts).
  if (winogradGradApplies(g, needX, needW)) return winogradConvBackward(x, w, dy, g, needX, needW);
  const dx = needX ? emptyZeroed(x.shape) : null;
  const dw = needW ? empty([g.kh, g.kw, g.c, g.oc]) : null;
  const chunk = chunkSize(g);
  const rowsPer = g.oh * g.ow;
  if (parallelConvBackward(x.ptr, w.ptr, dy.ptr, dx?.ptr ?? 0, dw?.ptr ?? 0, g, chunk)) {
    return [dx, dw];
  }
  const cols = needW ? empty([chunk * rowsPer, kdim]) : null;
  const dcols = needX ? empty([chunk * rowsPer, kdim]) : null;
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const n1 = Math.min(g.n, n0 + chunk);
    const rows = (n1 - n0) * rowsPer;
    const dyPtr = dy.ptr + n0 * rowsPer * g.oc * 4;
    if (dw !== null && cols !== null) {
      k.im2col(x.ptr, cols.ptr, writeGeom(g), n0, n1);
      k.gemm(
        1,
        0,
        kdim,
        g.oc,
        rows,
        cols.ptr,
        kdim,
        dyPtr,
        g.oc,
        dw.ptr,
        g.oc,
        0,
        0,
        n0 === 0 ? 0 : 1,
      );
    }
    if (dx !== null && dcols !== null) {
      k.gemm(0, 1, rows, kdim, g.oc, dyPtr, g.oc, w.ptr, g.oc, dcols.ptr, kdim, 0, 0, 0);
      k.col2im(dcols.ptr, dx.ptr, writeGeom(g), n0, n1);
    }
  }
  cols?.dispose();
  dcols?.dispose();
  return [dx, dw];
}

/** Arguments of {@link fusedConv2d}. */
export interface FusedConv2dArgs {
  x: TensorLike;
  filter: TensorLike;
  strides?: number | readonly [number, number];
  pad?: Padding;
  dilations?: number | readonly [number, number];
  bias?: TensorLike;
  activation?: FusedActivation;
  /** @internal a layer's cache of the filter's Winograd transform (inference only). */
  winogradCache?: WinogradCache;
}

function checkConvArgs(op: string, x: Tensor, filter: Tensor): void {
  checkDtype(op, 'float32', x, filter);
  if (filter.rank !== 4) {
    throw new Error(
      `${op}: filter must be rank 4 [height, width, inChannels, outChannels], got ${fmt(filter.shape)}`,
    );
  }
  if (x.shape[3] !== filter.shape[2]) {
    throw new Error(
      `${op}: input has ${x.shape[3]} channels but the filter expects ${filter.shape[2]}: input ${fmt(x.shape)}, filter ${fmt(filter.shape)}`,
    );
  }
}

/**
 * 2-D convolution of NHWC `x` with a [kh, kw, inC, outC] filter, plus an optional bias and
 * activation fused into the GEMM epilogue; differentiable in x, filter and bias.
 */
export function fusedConv2d(args: FusedConv2dArgs): Tensor {
  const op = 'conv2d';
  const x0 = toTensor(op, args.x, 'x');
  const filter = toTensor(op, args.filter, 'filter');
  const [x, squeezed] = asBatch(op, x0);
  checkConvArgs(op, x, filter);
  const bias = args.bias === undefined ? null : toTensor(op, args.bias, 'bias');
  if (bias !== null) checkDtype(op, 'float32', bias);
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== filter.shape[3])) {
    throw new Error(`${op}: bias must have shape [${filter.shape[3]}], got ${fmt(bias.shape)}`);
  }
  const act = checkActivation(op, args.activation);
  const g = geometry(
    op,
    x.shape,
    filter.shape[0],
    filter.shape[1],
    filter.shape[3],
    args.strides ?? 1,
    args.pad ?? 'valid',
    args.dilations ?? 1,
  );
  const inputs = bias === null ? [x0, filter] : [x0, filter, bias];
  const record = engine.needsGrad(inputs);
  // Training takes Winograd F(4x4) where the gradients do (./convgrad.ts): its rounding (~1e-6
  // of the output's scale) is immaterial to SGD, for 2-3x less work than im2col.
  const z =
    record && winogradGradApplies(g, true, true)
      ? winogradTrainForward(x, filter, bias, act === 'relu', g)
      : convForward(x, filter, bias, act === 'relu', g, !record, args.winogradCache ?? null);
  let y = z;
  if (act !== 'linear' && act !== 'relu') {
    y = empty(z.shape);
    kernels().unary(ACT[act], z.ptr, y.ptr, z.size, act === 'elu' ? 1 : 0);
  }
  const out = squeezed ? view(y, y.shape.slice(1)) : y;
  if (squeezed) y.dispose();
  if (record) {
    engine.record(
      inputs,
      [out],
      ([dyOut], needs) => {
        let dy = squeezed ? view(dyOut, [1, ...dyOut.shape]) : dyOut;
        const needB = bias !== null && needs[2];
        let db: Tensor | null = null;
        if (act === 'relu') {
          // Relu backward and the bias gradient in one pass (the output is relu(z)).
          const dz = empty(z.shape);
          if (needB) db = empty([g.oc]);
          kernels().reluBiasGradNHWC(out.ptr, dy.ptr, dz.ptr, db?.ptr ?? 0, dz.size / g.oc, g.oc);
          dy = dz;
        } else if (act !== 'linear') {
          const dz = empty(z.shape);
          kernels().unaryBackward(
            ACT[act],
            z.ptr,
            out.ptr,
            dy.ptr,
            dz.ptr,
            dz.size,
            act === 'elu' ? 1 : 0,
          );
          dy = dz;
        }
        if (needB && db === null) {
          db = empty([g.oc]);
          kernels().biasGradNHWC(dy.ptr, db.ptr, dy.size / g.oc, g.oc);
        }
        const [dx, dw] = convBackward(x, filter, dy, g, needs[0], needs[1]);
        const dxOut = squeezed && dx !== null ? view(dx, x0.shape) : dx;
        return bias === null ? [dxOut, dw] : [dxOut, dw, db];
      },
      z === y ? [] : [z],
    );
  } else if (z !== y) {
    z.dispose();
  }
  return out;
}

const ACT: Record<Exclude<FusedActivation, 'linear'>, number> = {
  relu: 6,
  sigmoid: 7,
  tanh: 8,
  softplus: 10,
  elu: 11,
  relu6: 13,
  selu: 17,
  softsign: 18,
};

/**
 * 2-D convolution, NHWC, filter [kh, kw, inC, outC], as tf.conv2d (`dataFormat` must be
 * 'NHWC'); differentiable in x and filter.
 */
export function conv2d(
  x: TensorLike,
  filter: TensorLike,
  strides: number | readonly [number, number],
  pad: Padding,
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | readonly [number, number] = 1,
): Tensor {
  if (dataFormat !== 'NHWC')
    throw new Error(`conv2d: only dataFormat 'NHWC' is supported, got '${dataFormat}'`);
  return fusedConv2d({ x, filter, strides, pad, dilations });
}

function poolArgs(
  op: string,
  xl: TensorLike,
  filterSize: number | readonly [number, number],
  strides: number | readonly [number, number],
  pad: Padding,
): [Tensor, Tensor, boolean, Geometry] {
  const x0 = toTensor(op, xl);
  checkDtype(op, 'float32', x0);
  const [x, squeezed] = asBatch(op, x0);
  const [ph, pw] = pair(op, 'filterSize', filterSize);
  const g = geometry(op, x.shape, ph, pw, x.shape[3], strides, pad);
  return [x0, x, squeezed, g];
}

/** Max pooling over [ph, pw] windows, NHWC; padded cells never win. */
export function maxPool(
  xl: TensorLike,
  filterSize: number | readonly [number, number],
  strides: number | readonly [number, number],
  pad: Padding,
): Tensor {
  const [x0, x, squeezed, g] = poolArgs('maxPool', xl, filterSize, strides, pad);
  const y = empty([g.n, g.oh, g.ow, g.c]);
  const record = engine.needsGrad([x0]);
  const argmax = record ? empty(y.shape, 'int32') : null;
  kernels().maxPool(x.ptr, y.ptr, argmax?.ptr ?? 0, writeGeom(g));
  const out = squeezed ? view(y, y.shape.slice(1)) : y;
  if (squeezed) y.dispose();
  if (record && argmax !== null) {
    engine.record(
      [x0],
      [out],
      ([dy]) => {
        const dx = empty(x0.shape);
        kernels().maxPoolBackwardGeom(dy.ptr, argmax.ptr, dx.ptr, writeGeom(g));
        return [dx];
      },
      [argmax],
    );
  }
  return out;
}

/** Average pooling over [ph, pw] windows, NHWC; border windows average their real cells. */
export function avgPool(
  xl: TensorLike,
  filterSize: number | readonly [number, number],
  strides: number | readonly [number, number],
  pad: Padding,
): Tensor {
  const [x0, x, squeezed, g] = poolArgs('avgPool', xl, filterSize, strides, pad);
  const y = empty([g.n, g.oh, g.ow, g.c]);
  kernels().avgPool(x.ptr, y.ptr, writeGeom(g));
  const out = squeezed ? view(y, y.shape.slice(1)) : y;
  if (squeezed) y.dispose();
  if (engine.needsGrad([x0])) {
    engine.record([x0], [out], ([dy]) => {
      const dx = empty(x0.shape);
      kernels().avgPoolBackward(dy.ptr, dx.ptr, writeGeom(g));
      return [dx];
    });
  }
  return out;
}
