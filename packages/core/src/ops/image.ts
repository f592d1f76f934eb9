// Image helpers for NHWC batches: per-channel normalization, spatial padding, random crops and
// left-right flips. Built from existing ops (sub/div, pad, gather), so they are differentiable
// with respect to the images; the random ones draw from the seeded kernel generator.
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import { div, sub } from './binary.js';
import { randomUniform, type TensorLike, tensor, toTensor } from './creation.js';
import { gather, pad, reshape } from './shape.js';

/** Checks `x` is a rank-4 float32 NHWC batch. */
function images(fn: string, xl: TensorLike): Tensor {
  const x = toTensor(fn, xl);
  if (x.rank !== 4) {
    throw new Error(
      `${fn}: expected images of rank 4 [batch, height, width, channels], got ${fmt(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new Error(`${fn}: expected float32 images, got ${x.dtype} ${fmt(x.shape)}`);
  }
  return x;
}

/** Per-channel (or scalar) statistic as a [channels] tensor or scalar number. */
function channelStat(
  fn: string,
  what: string,
  v: number | readonly number[],
  x: Tensor,
): Tensor | number {
  const c = x.shape[x.rank - 1];
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${fn}: ${what} must be finite, got ${v}`);
    return v;
  }
  if (!Array.isArray(v) || v.length !== c || v.some((e) => !Number.isFinite(e))) {
    throw new Error(
      `${fn}: ${what} must be a finite number or an array of ${c} finite numbers (one per channel of ${fmt(x.shape)}), got ${JSON.stringify(v)}`,
    );
  }
  return tensor(v as number[], [c]);
}

/**
 * `(x - mean) / std`, with `mean` and `std` scalars or one value per channel (the last axis;
 * any rank >= 1). Differentiable with respect to `x`.
 *
 * ```ts
 * normalize(images, [0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]); // CIFAR-10
 * normalize(mnist, 0.1307, 0.3081);
 * ```
 */
export function normalize(
  xl: TensorLike,
  mean: number | readonly number[],
  std: number | readonly number[],
): Tensor {
  const x = toTensor('normalize', xl);
  if (x.rank < 1) throw new Error(`normalize: expected a tensor of rank >= 1, got ${fmt(x.shape)}`);
  if (x.dtype !== 'float32') {
    throw new Error(`normalize: expected float32 values, got ${x.dtype} ${fmt(x.shape)}`);
  }
  const stds = typeof std === 'number' ? [std] : std;
  if (Array.isArray(stds) && stds.some((s) => s === 0)) {
    throw new Error(`normalize: std must not be 0, got ${JSON.stringify(std)}`);
  }
  const m = channelStat('normalize', 'mean', mean, x);
  const s = channelStat('normalize', 'std', std, x);
  const centred = sub(x, m);
  const out = div(centred, s);
  // Disposal is deferred while a gradient tape still needs these.
  centred.dispose();
  if (typeof m !== 'number') m.dispose();
  if (typeof s !== 'number') s.dispose();
  return out;
}

/** Padding of {@link padImages}: n (all sides), [rows, cols], or [[top, bottom], [left, right]]. */
export type ImagePadding =
  | number
  | readonly [number, number]
  | readonly [readonly [number, number], readonly [number, number]];

/**
 * Pads a [batch, height, width, channels] batch spatially with the constant `value` (default
 * 0): `padding` is n on every side, [rows, cols] (rows above and below, cols left and right),
 * or [[top, bottom], [left, right]]. Differentiable with respect to `x`.
 */
export function padImages(xl: TensorLike, padding: ImagePadding, value = 0): Tensor {
  const x = images('padImages', xl);
  let p: [[number, number], [number, number]];
  if (typeof padding === 'number') {
    p = [
      [padding, padding],
      [padding, padding],
    ];
  } else if (Array.isArray(padding) && padding.length === 2 && typeof padding[0] === 'number') {
    const [r, c] = padding as [number, number];
    p = [
      [r, r],
      [c, c],
    ];
  } else if (
    Array.isArray(padding) &&
    padding.length === 2 &&
    padding.every((q) => Array.isArray(q) && q.length === 2)
  ) {
    const [[t, b], [l, r]] = padding as [[number, number], [number, number]];
    p = [
      [t, b],
      [l, r],
    ];
  } else {
    throw new Error(
      `padImages: padding must be n, [rows, cols] or [[top, bottom], [left, right]], got ${JSON.stringify(padding)}`,
    );
  }
  if (p.flat().some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(
      `padImages: padding must hold non-negative integers, got ${JSON.stringify(padding)} for images ${fmt(x.shape)}`,
    );
  }
  if (!Number.isFinite(value)) throw new Error(`padImages: value must be finite, got ${value}`);
  return pad(x, [[0, 0], p[0], p[1], [0, 0]], value);
}

/** Options of the random image helpers. */
export interface RandomImageOptions {
  /** Reseeds the generator first (as `setSeed(seed)`), so the same seed gives the same result. */
  seed?: number;
}

/** Draws `n` integers in [0, hi) from the generator (reseeded first when `seed` is given). */
function drawInts(n: number, hi: number, seed?: number): Int32Array {
  const t = randomUniform([n], 0, hi, 'int32', seed);
  const v = t.dataSync().slice() as Int32Array;
  t.dispose();
  return v;
}

function checkSeed(fn: string, seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`${fn}: seed must be a finite number, got ${seed}`);
}

/** Gathers rows `idx` of `x` viewed as [pixels, channels] into a [n, h, w, c] batch. */
function gatherPixels(x: Tensor, idx: Int32Array, n: number, h: number, w: number): Tensor {
  const c = x.shape[3];
  const rows = reshape(x, [-1, c]);
  const indices = tensor(idx, [idx.length], 'int32');
  const picked = gather(rows, indices, 0);
  // Disposal is deferred while a gradient tape still needs these.
  indices.dispose();
  rows.dispose();
  const out = reshape(picked, [n, h, w, c]);
  picked.dispose();
  return out;
}

/**
 * A random [height, width] window of each image of a [batch, H, W, channels] batch, each image
 * at its own offset drawn uniformly from the seeded generator (vertical offsets first, then
 * horizontal ones). With {@link padImages} first this is the usual "pad 4, crop 32"
 * augmentation. Differentiable with respect to `x`. Runs as one `gather` with an int32 index
 * of batch * height * width entries, so apply it per batch rather than to a whole dataset.
 */
export function randomCrop(
  xl: TensorLike,
  size: readonly [number, number],
  options: RandomImageOptions = {},
): Tensor {
  const x = images('randomCrop', xl);
  const [n, hIn, wIn] = x.shape;
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    size.some((d) => !Number.isInteger(d) || d < 1) ||
    size[0] > hIn ||
    size[1] > wIn
  ) {
    throw new Error(
      `randomCrop: size must be [height, width] of positive integers no larger than the images ${fmt(x.shape)}, got ${JSON.stringify(size)}`,
    );
  }
  const [h, w] = size;
  if (options.seed !== undefined) checkSeed('randomCrop', options.seed);
  if (n === 0) return reshape(x, [0, h, w, x.shape[3]]);
  const dy = drawInts(n, hIn - h + 1, options.seed);
  const dx = drawInts(n, wIn - w + 1);
  const idx = new Int32Array(n * h * w);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      const base = (i * hIn + dy[i] + r) * wIn + dx[i];
      for (let col = 0; col < w; col++) idx[k++] = base + col;
    }
  }
  return gatherPixels(x, idx, n, h, w);
}

/** Mirrors every image of a [batch, height, width, channels] batch left to right. Differentiable. */
export function flipLeftRight(xl: TensorLike): Tensor {
  const x = images('flipLeftRight', xl);
  const w = x.shape[2];
  const rev = new Int32Array(w);
  for (let c = 0; c < w; c++) rev[c] = w - 1 - c;
  const indices = tensor(rev, [w], 'int32');
  const out = gather(x, indices, 2);
  indices.dispose();
  return out;
}

/** Options of {@link randomFlipLeftRight}. */
export interface RandomFlipOptions extends RandomImageOptions {
  /** Chance that each image is mirrored (default 0.5). */
  probability?: number;
}

/**
 * Mirrors each image of a [batch, height, width, channels] batch left to right with
 * probability `probability` (default 0.5), independently: image i is flipped when the i-th
 * uniform draw of the seeded generator is below `probability`. Differentiable.
 */
export function randomFlipLeftRight(xl: TensorLike, options: RandomFlipOptions = {}): Tensor {
  const x = images('randomFlipLeftRight', xl);
  const p = options.probability ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new Error(
      `randomFlipLeftRight: probability must be in [0, 1], got ${String(options.probability)} (images ${fmt(x.shape)})`,
    );
  }
  if (options.seed !== undefined) checkSeed('randomFlipLeftRight', options.seed);
  const [n, h, w] = x.shape;
  if (x.size === 0) return reshape(x, x.shape);
  const u = randomUniform([n], 0, 1, 'float32', options.seed);
  const draws = u.dataSync().slice();
  u.dispose();
  const idx = new Int32Array(n * h * w);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const flip = draws[i] < p;
    for (let r = 0; r < h; r++) {
      const base = (i * h + r) * w;
      for (let col = 0; col < w; col++) idx[k++] = base + (flip ? w - 1 - col : col);
    }
  }
  return gatherPixels(x, idx, n, h, w);
}
