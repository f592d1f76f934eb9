// IDX files (the MNIST / Fashion-MNIST format), gzip'd or not, and the MNIST loader.
//
// IDX layout: a 4-byte magic `0x00 0x00 <type> <rank>`, then `rank` big-endian uint32 dims,
// then the values, big-endian, row-major. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16,
// 0x0C int32, 0x0D float32, 0x0E float64.
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** The element types an IDX file can hold. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array {@link parseIdx} returns for each {@link IdxDType}. */
export type IdxTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A decoded IDX file: its element type, its dims, and its values (row-major, native order). */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: IdxTypedArray;
}

const TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  8: { dtype: 'uint8', bytes: 1 },
  9: { dtype: 'int8', bytes: 1 },
  11: { dtype: 'int16', bytes: 2 },
  12: { dtype: 'int32', bytes: 4 },
  13: { dtype: 'float32', bytes: 4 },
  14: { dtype: 'float64', bytes: 8 },
};

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/**
 * Decodes an (uncompressed) IDX file. Checks the magic (two zero bytes, a known type byte,
 * a rank), reads the big-endian dims, and requires the byte count to match the header
 * exactly: a truncated or over-long file throws, naming expected vs actual bytes and the
 * offset where the values start. The values are copied into a fresh typed array in the
 * platform's byte order.
 *
 * @param bytes - the file's bytes (use {@link gunzipIfNeeded} first for `.gz` files)
 */
export function parseIdx(bytes: Uint8Array): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseIdx: expected a Uint8Array');
  if (bytes.length < 4) {
    throw new Error(
      `parseIdx: expected at least 4 bytes (the magic number), got ${bytes.length} bytes`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      throw new Error('parseIdx: this is gzip data; call gunzipIfNeeded (or loadIdx) first');
    }
    throw new Error(
      `parseIdx: bad magic ${hex(bytes[0])} ${hex(bytes[1])} at offset 0: an IDX file starts with 0x00 0x00`,
    );
  }
  const type = TYPES[bytes[2]];
  if (type === undefined) {
    throw new Error(
      `parseIdx: unknown IDX type byte ${hex(bytes[2])} at offset 2 (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`,
    );
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(
      `parseIdx: rank ${rank} needs a ${headerBytes}-byte header, got ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    size *= d;
  }
  const expected = headerBytes + size * type.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'has extra bytes';
    throw new Error(
      `parseIdx: file ${what}: shape [${shape.join(', ')}] of ${type.dtype} needs ${expected} bytes ` +
        `(${headerBytes}-byte header + ${size * type.bytes} data bytes from offset ${headerBytes}), got ${bytes.length} bytes`,
    );
  }
  const off = headerBytes;
  let data: IdxTypedArray;
  switch (type.dtype) {
    case 'uint8':
      data = bytes.slice(off, expected);
      break;
    case 'int8':
      data = new Int8Array(bytes.slice(off, expected).buffer);
      break;
    case 'int16': {
      const a = new Int16Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getInt16(off + 2 * i, false);
      data = a;
      break;
    }
    case 'int32': {
      const a = new Int32Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getInt32(off + 4 * i, false);
      data = a;
      break;
    }
    case 'float32': {
      const a = new Float32Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getFloat32(off + 4 * i, false);
      data = a;
      break;
    }
    default: {
      const a = new Float64Array(size);
      for (let i = 0; i < size; i++) a[i] = view.getFloat64(off + 8 * i, false);
      data = a;
    }
  }
  return { dtype: type.dtype, shape, data };
}

/** True when `bytes` start with the gzip magic 0x1f 0x8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Gunzips `bytes` when they start with the gzip magic (0x1f 0x8b); returns them unchanged
 * otherwise. Uses the standard `DecompressionStream('gzip')` (Node 18+, browsers, Deno, Bun,
 * workerd). Corrupt or truncated gzip data rejects with an error saying so.
 */
export async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const DS = (globalThis as { DecompressionStream?: typeof DecompressionStream })
    .DecompressionStream;
  if (DS === undefined) {
    throw new Error('gunzipIfNeeded: this runtime has no DecompressionStream to gunzip with');
  }
  const ds = new DS('gzip');
  const writer = ds.writable.getWriter();
  // Errors surface on the read side; these promises only need a handler.
  const input =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  writer.write(input).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `gunzipIfNeeded: corrupt or truncated gzip data (${bytes.length} compressed bytes, ${total} decompressed before the error): ${why}`,
    );
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

async function readSource(source: string): Promise<Uint8Array> {
  if (/^https?:\/\//i.test(source)) {
    const f = globalThis.fetch;
    if (typeof f !== 'function') throw new Error(`loadIdx: no fetch() to load ${source}`);
    const res = await f(source);
    if (!res.ok) throw new Error(`loadIdx: GET ${source} failed: ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  // A file path or file:// URL; node:fs is imported only here, so browsers never load it.
  const fs = await import('node:fs/promises');
  const path = /^file:/i.test(source) ? new URL(source) : source;
  return new Uint8Array(await fs.readFile(path));
}

/**
 * Loads and decodes an IDX file, gunzipping it when needed.
 *
 * @param source - a file path or `file://` URL (read with `node:fs`, imported on demand), an
 *   `http(s)://` URL (read with `fetch`), or the file's bytes
 */
export async function loadIdx(source: string | Uint8Array | ArrayBuffer): Promise<IdxArray> {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readSource(source);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('loadIdx:')) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`loadIdx: cannot read ${source}: ${why}`);
    }
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  } else {
    throw new TypeError('loadIdx: source must be a path, a URL, a Uint8Array or an ArrayBuffer');
  }
  return parseIdx(await gunzipIfNeeded(bytes));
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Scale pixels to [0, 1] by dividing by 255 (default true); false keeps 0..255. */
  normalize?: boolean;
  /** Images as [N, 784] (true) instead of [N, 28, 28, 1] NHWC (default false). */
  flatten?: boolean;
  /** Keep only the first `trainLimit` training examples. */
  trainLimit?: number;
  /** Keep only the first `testLimit` test examples. */
  testLimit?: number;
}

/** The MNIST splits: float32 images and int32 labels (0..9). */
export interface MnistData {
  /** Training images, float32 [N, 28, 28, 1] (or [N, 784] with `flatten`). */
  xTrain: Tensor;
  /** Training labels, int32 [N]. */
  yTrain: Tensor;
  /** Test images, float32 [M, 28, 28, 1] (or [M, 784]). */
  xTest: Tensor;
  /** Test labels, int32 [M]. */
  yTest: Tensor;
}

const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

function join(base: string, name: string): string {
  return base.endsWith('/') || base.endsWith('\\') ? base + name : `${base}/${name}`;
}

async function fetchFirst(base: string, name: string): Promise<Uint8Array> {
  const tried: string[] = [];
  for (const n of [`${name}.gz`, name]) {
    const url = join(base, n);
    try {
      return await readSource(url);
    } catch (e) {
      tried.push(`${url} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  throw new Error(`loadMnist: cannot read ${name}: tried ${tried.join('; ')}`);
}

function checkLimit(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
    throw new Error(`loadMnist: ${name} must be a non-negative integer, got ${String(v)}`);
  }
}

/**
 * Loads MNIST (or Fashion-MNIST, which uses the same file names) from a directory or base URL
 * holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte`, each either gzip'd (`.gz`, tried first) or plain. Checks that
 * images are uint8 [N, rows, cols], labels uint8 [N], and that image and label counts agree.
 * Needs `ready()` first (the result is tensors); dispose them when done.
 *
 * @param dirOrUrl - a directory path, `file://` URL or `http(s)://` base URL
 */
export async function loadMnist(dirOrUrl: string, opts: LoadMnistOptions = {}): Promise<MnistData> {
  checkLimit('trainLimit', opts.trainLimit);
  checkLimit('testLimit', opts.testLimit);
  const normalize = opts.normalize ?? true;
  const flatten = opts.flatten ?? false;
  const [tri, trl, tei, tel] = await Promise.all(
    [
      MNIST_FILES.trainImages,
      MNIST_FILES.trainLabels,
      MNIST_FILES.testImages,
      MNIST_FILES.testLabels,
    ].map(async (name) => {
      const bytes = await fetchFirst(dirOrUrl, name);
      try {
        return parseIdx(await gunzipIfNeeded(bytes));
      } catch (e) {
        throw new Error(`loadMnist: ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  );
  const split = (
    split: string,
    images: IdxArray,
    labels: IdxArray,
    limit: number | undefined,
  ): [Tensor, Tensor] => {
    if (images.dtype !== 'uint8' || images.shape.length !== 3) {
      throw new Error(
        `loadMnist: ${split} images must be uint8 [N, rows, cols], got ${images.dtype} [${images.shape.join(', ')}]`,
      );
    }
    if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
      throw new Error(
        `loadMnist: ${split} labels must be uint8 [N], got ${labels.dtype} [${labels.shape.join(', ')}]`,
      );
    }
    const [n, rows, cols] = images.shape;
    if (labels.shape[0] !== n) {
      throw new Error(`loadMnist: ${split} has ${n} images but ${labels.shape[0]} labels`);
    }
    const count = Math.min(n, limit ?? n);
    const px = rows * cols;
    const src = images.data as Uint8Array;
    const x = new Float32Array(count * px);
    if (normalize) for (let i = 0; i < x.length; i++) x[i] = src[i] / 255;
    else x.set(src.subarray(0, x.length));
    const y = Int32Array.from((labels.data as Uint8Array).subarray(0, count));
    const shape = flatten ? [count, px] : [count, rows, cols, 1];
    const xt = tensor(x, shape, 'float32');
    try {
      return [xt, tensor(y, [count], 'int32')];
    } catch (e) {
      xt.dispose();
      throw e;
    }
  };
  const [xTrain, yTrain] = split('train', tri, trl, opts.trainLimit);
  try {
    const [xTest, yTest] = split('test', tei, tel, opts.testLimit);
    return { xTrain, yTrain, xTest, yTest };
  } catch (e) {
    xTrain.dispose();
    yTrain.dispose();
    throw e;
  }
}
