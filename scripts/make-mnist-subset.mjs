#!/usr/bin/env node
// Builds data/mnist-subset/: the first 2,000 training and the first 1,000 test images and
// labels of MNIST, as gzip'd IDX files with the standard names. Fashion-MNIST has the same
// layout: data/fashion-mnist-subset/ is `--data .../fashion-mnist --out
// data/fashion-mnist-subset --train 1000 --test 500`.
//
//   node scripts/make-mnist-subset.mjs --data /path/to/mnist [--out data/mnist-subset]
//     [--train 2000] [--test 1000]
//
// --data is a directory holding the four standard MNIST files, gzip'd (.gz) or plain.
// The output is deterministic (gzip level 9, no file name, mtime 0), so rebuilding it gives
// the same bytes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

const dataDir = arg('data');
if (!dataDir) {
  console.error(
    'usage: node scripts/make-mnist-subset.mjs --data DIR [--out DIR] [--train N] [--test N]',
  );
  process.exit(2);
}
const outDir = resolve(arg('out', join(root, 'data', 'mnist-subset')));
const counts = { train: Number(arg('train', '2000')), t10k: Number(arg('test', '1000')) };

function read(name) {
  for (const file of [join(dataDir, `${name}.gz`), join(dataDir, name)]) {
    if (existsSync(file)) {
      const raw = readFileSync(file);
      return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
    }
  }
  throw new Error(`${name}(.gz) not found in ${dataDir}`);
}

/** Keeps the first `n` items of an IDX file (uint8, rank 1 or 3), rewriting the count. */
function head(bytes, n, wantMagic) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== wantMagic) throw new Error(`magic ${magic}, expected ${wantMagic}`);
  const rank = magic & 0xff;
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const header = 4 + 4 * rank;
  const item = dims.slice(1).reduce((a, b) => a * b, 1);
  if (bytes.length !== header + dims[0] * item) throw new Error('byte count does not match header');
  if (n > dims[0]) throw new Error(`asked for ${n} items, the file has ${dims[0]}`);
  const out = Buffer.from(bytes.subarray(0, header + n * item));
  out.writeUInt32BE(n, 4);
  return out;
}

mkdirSync(outDir, { recursive: true });
let total = 0;
for (const split of ['train', 't10k']) {
  for (const [kind, magic] of [
    ['images-idx3-ubyte', 2051],
    ['labels-idx1-ubyte', 2049],
  ]) {
    const name = `${split}-${kind}`;
    const sub = head(read(name), counts[split], magic);
    const gz = gzipSync(sub, { level: 9 });
    // Node's gzip header has mtime 0 and no name already; make the OS byte fixed too.
    gz[9] = 0xff;
    writeFileSync(join(outDir, `${name}.gz`), gz);
    total += gz.length;
    console.log(`${name}.gz: ${counts[split]} items, ${sub.length} bytes raw, ${gz.length} gzip'd`);
  }
}
console.log(`total ${total} bytes in ${outDir}`);
