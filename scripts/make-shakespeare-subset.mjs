#!/usr/bin/env node
// Builds data/tinyshakespeare-subset/input.txt: the first ~250,000 characters of Tiny
// Shakespeare (karpathy/char-rnn's data/tinyshakespeare/input.txt), cut at the end of a
// speech (a blank line) so the file ends cleanly, byte for byte otherwise.
//
//   node scripts/make-shakespeare-subset.mjs --data /path/to/tinyshakespeare/input.txt
//     [--out data/tinyshakespeare-subset] [--chars 250000]
//
// Plain text (not gzip'd) so that browsers and readers can use it directly.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: join(root, 'data', 'tinyshakespeare-subset') },
    chars: { type: 'string', default: '250000' },
  },
});
if (!values.data) {
  console.error(
    'usage: node scripts/make-shakespeare-subset.mjs --data input.txt [--out DIR] [--chars N]',
  );
  process.exit(2);
}
const text = readFileSync(values.data, 'latin1');
const want = Number(values.chars);
// The last speech boundary (blank line) at or before `want` characters.
const cut = text.lastIndexOf('\n\n', want);
if (cut < 0) throw new Error(`no blank line before character ${want}`);
const sub = text.slice(0, cut + 1);
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'input.txt'), sub, 'latin1');
console.log(`input.txt: ${sub.length} characters, ${sub.split('\n').length - 1} lines`);
