import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as zoo from '@zoo/core';
import { beforeAll, describe, expect, it } from 'vitest';

const { gunzipIfNeeded, loadIdx, loadMnist, parseIdx } = zoo.data;

const SUBSET = fileURLToPath(new URL('../../../data/mnist-subset', import.meta.url));

beforeAll(() => zoo.ready());

/** An IDX file built by hand: magic, big-endian dims, then big-endian values. */
function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const width = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[type] ?? 1;
  const head = 4 + 4 * shape.length;
  const out = new Uint8Array(head + values.length * width);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = shape.length;
  for (let i = 0; i < shape.length; i++) v.setUint32(4 + 4 * i, shape[i], false);
  values.forEach((x, i) => {
    const o = head + i * width;
    if (type === 0x08) v.setUint8(o, x);
    else if (type === 0x09) v.setInt8(o, x);
    else if (type === 0x0b) v.setInt16(o, x, false);
    else if (type === 0x0c) v.setInt32(o, x, false);
    else if (type === 0x0d) v.setFloat32(o, x, false);
    else v.setFloat64(o, x, false);
  });
  return out;
}

describe('parseIdx', () => {
  it('reads uint8 rank 1 (a label file)', () => {
    const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 4, 7, 2, 1, 255]);
    const r = parseIdx(bytes);
    expect(r.dtype).toBe('uint8');
    expect(r.shape).toEqual([4]);
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.data)).toEqual([7, 2, 1, 255]);
  });

  it('reads uint8 rank 3 (an image file) in row-major order', () => {
    const vals = Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 10);
    const r = parseIdx(idx(0x08, [2, 3, 2], vals));
    expect(r.shape).toEqual([2, 3, 2]);
    expect(Array.from(r.data)).toEqual(vals);
  });

  it('reads big-endian dims larger than 255', () => {
    const r = parseIdx(idx(0x08, [300], new Array(300).fill(1)));
    expect(r.shape).toEqual([300]);
  });

  it('reads int8, int16, int32, float32 and float64 big-endian', () => {
    const i8 = parseIdx(idx(0x09, [3], [-128, -1, 127]));
    expect(i8.dtype).toBe('int8');
    expect(i8.data).toBeInstanceOf(Int8Array);
    expect(Array.from(i8.data)).toEqual([-128, -1, 127]);

    const i16 = parseIdx(idx(0x0b, [3], [-32768, 258, 32767]));
    expect(i16.dtype).toBe('int16');
    expect(Array.from(i16.data)).toEqual([-32768, 258, 32767]);

    const i32 = parseIdx(idx(0x0c, [2, 2], [-2147483648, 16909060, -1, 2147483647]));
    expect(i32.dtype).toBe('int32');
    expect(i32.shape).toEqual([2, 2]);
    expect(i32.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i32.data)).toEqual([-2147483648, 16909060, -1, 2147483647]);
    // 16909060 = 0x01020304 is stored as 01 02 03 04 (big-endian).
    expect(Array.from(idx(0x0c, [1], [16909060]).subarray(8))).toEqual([1, 2, 3, 4]);

    const f32 = parseIdx(idx(0x0d, [3], [1.5, -0.25, 3e38]));
    expect(f32.dtype).toBe('float32');
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f32.data)).toEqual([1.5, -0.25, Math.fround(3e38)]);

    const f64 = parseIdx(idx(0x0e, [2], [Math.PI, -1e300]));
    expect(f64.dtype).toBe('float64');
    expect(Array.from(f64.data)).toEqual([Math.PI, -1e300]);
  });

  it('reads rank 0 (one value) and empty dims', () => {
    expect(Array.from(parseIdx(idx(0x0c, [], [42])).data)).toEqual([42]);
    const empty = parseIdx(idx(0x08, [0, 28, 28], []));
    expect(empty.shape).toEqual([0, 28, 28]);
    expect(empty.data.length).toBe(0);
  });

  it('does not alias the input buffer', () => {
    const bytes = idx(0x08, [2], [5, 6]);
    const r = parseIdx(bytes);
    bytes[8] = 99;
    expect(Array.from(r.data)).toEqual([5, 6]);
  });

  it('reads from a subarray with a byte offset', () => {
    const inner = idx(0x0c, [2], [1, -2]);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    expect(Array.from(parseIdx(outer.subarray(3)).data)).toEqual([1, -2]);
  });

  it('rejects truncated files, naming expected vs actual bytes and the offset', () => {
    const full = idx(0x08, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => parseIdx(full.subarray(0, full.length - 1))).toThrow(
      /truncated.*needs 24 bytes.*from offset 16.*got 23 bytes/,
    );
    // Cut inside the header.
    expect(() => parseIdx(full.subarray(0, 10))).toThrow(/16-byte header, got 10 bytes/);
    expect(() => parseIdx(new Uint8Array([0, 0]))).toThrow(/at least 4 bytes/);
    const i32 = idx(0x0c, [3], [1, 2, 3]);
    expect(() => parseIdx(i32.subarray(0, 18))).toThrow(/needs 20 bytes.*got 18 bytes/);
  });

  it('rejects extra bytes', () => {
    const full = idx(0x08, [3], [1, 2, 3]);
    const longer = new Uint8Array(full.length + 2);
    longer.set(full);
    expect(() => parseIdx(longer)).toThrow(/extra bytes.*needs 11 bytes.*got 13 bytes/);
  });

  it('rejects a bad magic and unknown type bytes', () => {
    const good = idx(0x08, [1], [1]);
    const bad = good.slice();
    bad[1] = 1;
    expect(() => parseIdx(bad)).toThrow(/bad magic 0x00 0x01 at offset 0/);
    const badType = good.slice();
    badType[2] = 0x0a;
    expect(() => parseIdx(badType)).toThrow(/unknown IDX type byte 0x0a at offset 2/);
    expect(() => parseIdx(gzipSync(good))).toThrow(/gzip data/);
  });
});

describe('gunzipIfNeeded / loadIdx', () => {
  it('round-trips gzip made by node:zlib, and passes plain bytes through', async () => {
    const vals = Array.from({ length: 5 * 4 * 4 }, (_, i) => (i * 37) % 256);
    const raw = idx(0x08, [5, 4, 4], vals);
    const gz = new Uint8Array(gzipSync(raw));
    expect(gz[0]).toBe(0x1f);
    const back = await gunzipIfNeeded(gz);
    expect(Array.from(back)).toEqual(Array.from(raw));
    expect(await gunzipIfNeeded(raw)).toBe(raw);
    const r = await loadIdx(gz);
    expect(r.shape).toEqual([5, 4, 4]);
    expect(Array.from(r.data)).toEqual(vals);
    // An ArrayBuffer works too.
    const ab = raw.slice().buffer;
    expect(Array.from((await loadIdx(ab)).data)).toEqual(vals);
  });

  it('round-trips a large gzip (many output chunks)', async () => {
    const vals = Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251);
    const raw = idx(0x08, [300_000], vals);
    const r = await loadIdx(new Uint8Array(gzipSync(raw)));
    expect(r.data.length).toBe(300_000);
    expect(r.data[299_999]).toBe(vals[299_999]);
  });

  it('gives a clear error for corrupt or truncated gzip', async () => {
    const gz = new Uint8Array(gzipSync(idx(0x08, [1000], new Array(1000).fill(3))));
    await expect(gunzipIfNeeded(gz.subarray(0, gz.length - 12))).rejects.toThrow(
      /corrupt or truncated gzip/,
    );
    const flipped = gz.slice();
    flipped[12] ^= 0xff;
    await expect(gunzipIfNeeded(flipped)).rejects.toThrow(/corrupt or truncated gzip/);
  });

  it('reads files by path and file:// URL, gzip or plain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zoo-idx-'));
    const raw = idx(0x0c, [2], [-7, 9]);
    writeFileSync(join(dir, 'a.idx'), raw);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(raw));
    for (const src of [
      join(dir, 'a.idx'),
      join(dir, 'a.idx.gz'),
      pathToFileURL(join(dir, 'a.idx.gz')).href,
    ]) {
      const r = await loadIdx(src);
      expect(r.dtype).toBe('int32');
      expect(Array.from(r.data)).toEqual([-7, 9]);
    }
    await expect(loadIdx(join(dir, 'missing.idx'))).rejects.toThrow(/loadIdx: cannot read/);
  });
});

describe('loadMnist', () => {
  it('loads the shipped subset as NHWC float32 in [0, 1] and int32 labels', async () => {
    const before = zoo.memory().numTensors;
    const d = await loadMnist(SUBSET);
    expect(d.xTrain.shape).toEqual([2000, 28, 28, 1]);
    expect(d.xTrain.dtype).toBe('float32');
    expect(d.yTrain.shape).toEqual([2000]);
    expect(d.yTrain.dtype).toBe('int32');
    expect(d.xTest.shape).toEqual([1000, 28, 28, 1]);
    expect(d.yTest.shape).toEqual([1000]);
    // The first MNIST labels are well known: train 5 0 4 1 9 2 1 3 1 4, test 7 2 1 0 4 1 4 9 5 9.
    expect(Array.from(d.yTrain.dataSync().subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(d.yTest.dataSync().subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const x = d.xTrain.dataSync();
    let max = 0;
    let min = 1;
    for (let i = 0; i < x.length; i++) {
      max = Math.max(max, x[i]);
      min = Math.min(min, x[i]);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Labels match the raw file byte for byte.
    const raw = gunzipSync(
      await import('node:fs').then((fs) =>
        fs.readFileSync(join(SUBSET, 'train-labels-idx1-ubyte.gz')),
      ),
    );
    expect(Array.from(d.yTrain.dataSync())).toEqual(Array.from(raw.subarray(8)));
    // Pixel values are raw / 255 (as Keras's x / 255 in float32).
    const rawImg = gunzipSync(
      await import('node:fs').then((fs) =>
        fs.readFileSync(join(SUBSET, 't10k-images-idx3-ubyte.gz')),
      ),
    );
    const xt = d.xTest.dataSync();
    for (let i = 0; i < 784 * 3; i++) expect(xt[i]).toBe(Math.fround(rawImg[16 + i] / 255));
    for (const t of [d.xTrain, d.yTrain, d.xTest, d.yTest]) t.dispose();
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('flattens, keeps raw pixel values, and applies limits', async () => {
    const d = await loadMnist(SUBSET, {
      flatten: true,
      normalize: false,
      trainLimit: 100,
      testLimit: 50,
    });
    expect(d.xTrain.shape).toEqual([100, 784]);
    expect(d.yTrain.shape).toEqual([100]);
    expect(d.xTest.shape).toEqual([50, 784]);
    expect(d.yTest.shape).toEqual([50]);
    const x = d.xTrain.dataSync();
    expect(Math.max(...x)).toBe(255);
    for (const t of [d.xTrain, d.yTrain, d.xTest, d.yTest]) t.dispose();
  });

  it('accepts plain (not gzip) files and a file:// URL, and checks counts agree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zoo-mnist-'));
    const images = (n: number) =>
      idx(
        0x08,
        [n, 28, 28],
        Array.from({ length: n * 784 }, (_, i) => i % 256),
      );
    const labels = (n: number) =>
      idx(
        0x08,
        [n],
        Array.from({ length: n }, (_, i) => i % 10),
      );
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(6));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels(6));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images(3)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(3));
    const d = await loadMnist(`${pathToFileURL(dir).href}/`, { flatten: true });
    expect(d.xTrain.shape).toEqual([6, 784]);
    expect(d.xTest.shape).toEqual([3, 784]);
    expect(Array.from(d.yTest.dataSync())).toEqual([0, 1, 2]);
    for (const t of [d.xTrain, d.yTrain, d.xTest, d.yTest]) t.dispose();

    const before = zoo.memory().numTensors;
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(4));
    await expect(loadMnist(dir)).rejects.toThrow(/test has 3 images but 4 labels/);
    expect(zoo.memory().numTensors).toBe(before);
  });

  it('names the missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zoo-mnist-empty-'));
    await expect(loadMnist(dir)).rejects.toThrow(/cannot read train-images-idx3-ubyte: tried/);
    await expect(loadMnist(SUBSET, { trainLimit: -1 })).rejects.toThrow(/trainLimit/);
  });
});
