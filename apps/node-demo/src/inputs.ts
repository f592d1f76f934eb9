// Input files for `predict` with an image model: a 28x28 PGM (binary P5 or text P2) or an
// IDX image file (gzip'd or not) such as t10k-images-idx3-ubyte.gz.
import { readFileSync } from 'node:fs';
import * as zoo from '@zoo/core';
import { asDataError, DataError } from './errors.js';

/** Images ready for a model: `count` × 784 pixels in [0, 1], white digit on black. */
export interface Images {
  pixels: Float32Array;
  count: number;
  /** Whether the image was inverted (a PGM with a light background). */
  inverted: boolean;
}

/** Parses a PGM (P5 binary or P2 text) into 0..1 grey levels; it must be 28x28. */
export function parsePgm(bytes: Uint8Array, path: string): Images {
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0);
  if (magic !== 'P5' && magic !== 'P2')
    throw new DataError(`${path}: not a PGM file (no P5/P2 magic)`);
  // Header: magic, width, height, maxval, separated by whitespace, with # comments.
  const fields: number[] = [];
  let i = 2;
  while (fields.length < 3) {
    const c = bytes[i];
    if (c === undefined) throw new DataError(`${path}: the PGM header ends early`);
    if (c === 0x23) {
      while (i < bytes.length && bytes[i] !== 0x0a) i++;
    } else if (c >= 0x30 && c <= 0x39) {
      let v = 0;
      while (i < bytes.length && bytes[i] >= 0x30 && bytes[i] <= 0x39)
        v = v * 10 + bytes[i++] - 0x30;
      fields.push(v);
      continue;
    } else if (!(c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) {
      throw new DataError(`${path}: bad character in the PGM header`);
    }
    i++;
  }
  const [width, height, maxval] = fields;
  if (width !== 28 || height !== 28) {
    throw new DataError(`${path}: expected a 28x28 image, got ${width}x${height}`);
  }
  if (!(maxval >= 1 && maxval <= 65535)) throw new DataError(`${path}: bad PGM maxval ${maxval}`);
  const grey = new Float32Array(784);
  if (magic === 'P5') {
    i++; // the single whitespace after maxval
    const wide = maxval > 255;
    const need = 784 * (wide ? 2 : 1);
    if (bytes.length - i < need) {
      throw new DataError(`${path}: the PGM has ${bytes.length - i} pixel bytes, expected ${need}`);
    }
    for (let k = 0; k < 784; k++) {
      const v = wide ? (bytes[i + 2 * k] << 8) | bytes[i + 2 * k + 1] : bytes[i + k];
      grey[k] = v / maxval;
    }
  } else {
    const values = new TextDecoder()
      .decode(bytes.subarray(i))
      .replace(/#[^\n]*/g, ' ')
      .trim()
      .split(/\s+/);
    if (values.length < 784)
      throw new DataError(`${path}: the PGM has ${values.length} pixels, expected 784`);
    for (let k = 0; k < 784; k++) {
      const v = Number(values[k]);
      if (!(v >= 0 && v <= maxval)) throw new DataError(`${path}: bad pixel value ${values[k]}`);
      grey[k] = v / maxval;
    }
  }
  // MNIST digits are white on black; a drawing on a light background is inverted.
  let mean = 0;
  for (const v of grey) mean += v;
  mean /= 784;
  const inverted = mean > 0.5;
  if (inverted) for (let k = 0; k < 784; k++) grey[k] = 1 - grey[k];
  return { pixels: grey, count: 1, inverted };
}

/** Writes one 28x28 image (0..1, white on black) as a binary PGM. */
export function toPgm(pixels: ArrayLike<number>): Uint8Array {
  const header = new TextEncoder().encode('P5\n28 28\n255\n');
  const out = new Uint8Array(header.length + 784);
  out.set(header);
  for (let k = 0; k < 784; k++)
    out[header.length + k] = Math.round(Math.max(0, Math.min(1, pixels[k])) * 255);
  return out;
}

/** Reads up to `max` images from a PGM or an IDX image file. */
export async function readImages(path: string, max: number): Promise<Images> {
  const bytes = await asDataError(`cannot read ${path}`, () => new Uint8Array(readFileSync(path)));
  if (bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32)) return parsePgm(bytes, path);
  const idx = await asDataError(`${path} is neither a PGM nor an IDX image file`, () =>
    zoo.data.loadIdx(bytes),
  );
  const shape = idx.shape;
  const is28 =
    shape.length >= 2 && shape[shape.length - 1] === 28 && shape[shape.length - 2] === 28;
  if (!is28 || shape.length > 3 || idx.dtype !== 'uint8') {
    throw new DataError(
      `${path}: expected uint8 28x28 images ([N, 28, 28]), got ${idx.dtype} [${shape.join(', ')}]`,
    );
  }
  const available = shape.length === 3 ? shape[0] : 1;
  const count = Math.min(available, max);
  const pixels = new Float32Array(count * 784);
  for (let k = 0; k < pixels.length; k++) pixels[k] = (idx.data[k] as number) / 255;
  return { pixels, count, inverted: false };
}
