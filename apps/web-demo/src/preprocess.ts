// Turns a drawing into what the MNIST network expects, the way the MNIST digits were made:
// crop to the ink, scale the crop (aspect ratio kept) into a 20x20 box with area averaging,
// then place it in a 28x28 field so that its centre of mass sits at the centre.

/** Side of an MNIST image. */
export const SIDE = 28;
/** Side of the box the digit is scaled into (MNIST's normalisation). */
export const BOX = 20;

/**
 * MNIST-style 28x28 input from an ink map (0 = background, 1 = full ink), row-major
 * `width` x `height`. Returns 784 values in [0, 1], or null when there is no ink.
 *
 * @param ink - ink per pixel, in [0, 1]
 * @param threshold - ink above this counts when finding the bounding box (default 0.05)
 */
export function toMnist(
  ink: ArrayLike<number>,
  width: number,
  height: number,
  threshold = 0.05,
): Float32Array | null {
  if (ink.length !== width * height) {
    throw new Error(
      `toMnist: expected ${width}x${height} = ${width * height} values, got ${ink.length}`,
    );
  }
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  // Source pixels per box pixel, the same on both axes (aspect ratio kept).
  const scale = Math.max(bw, bh) / BOX;
  const ow = Math.max(1, Math.min(BOX, Math.round(bw / scale)));
  const oh = Math.max(1, Math.min(BOX, Math.round(bh / scale)));
  const small = areaResample(ink, width, x0, y0, bw, bh, ow, oh);
  // Centre of mass of the scaled digit, then the shift that moves it to (14, 14).
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const v = small[y * ow + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass <= 0) return null;
  const dx = clamp(Math.round(SIDE / 2 - mx / mass), 0, SIDE - ow);
  const dy = clamp(Math.round(SIDE / 2 - my / mass), 0, SIDE - oh);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) out[(y + dy) * SIDE + x + dx] = Math.min(1, small[y * ow + x]);
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * Resamples the `bw` x `bh` window at (x0, y0) of `src` (row stride `stride`) to `ow` x `oh`
 * by area averaging: each output pixel is the mean of the source area it covers, with
 * fractional coverage at its edges.
 */
export function areaResample(
  src: ArrayLike<number>,
  stride: number,
  x0: number,
  y0: number,
  bw: number,
  bh: number,
  ow: number,
  oh: number,
): Float32Array {
  const sx = bw / ow;
  const sy = bh / oh;
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const ya = oy * sy;
    const yb = ya + sy;
    for (let ox = 0; ox < ow; ox++) {
      const xa = ox * sx;
      const xb = xa + sx;
      let sum = 0;
      for (let y = Math.floor(ya); y < Math.ceil(yb) && y < bh; y++) {
        const wy = Math.min(y + 1, yb) - Math.max(y, ya);
        if (wy <= 0) continue;
        const row = (y0 + y) * stride + x0;
        for (let x = Math.floor(xa); x < Math.ceil(xb) && x < bw; x++) {
          const wx = Math.min(x + 1, xb) - Math.max(x, xa);
          if (wx > 0) sum += src[row + x] * wx * wy;
        }
      }
      out[oy * ow + ox] = sum / (sx * sy);
    }
  }
  return out;
}
