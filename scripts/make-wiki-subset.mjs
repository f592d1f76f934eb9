#!/usr/bin/env node
// Builds data/text-corpus-subset/: the first 400,000 tokens of the text8-style Wikipedia
// corpus (shared datasets: text-corpus/enwiki-wikitasks-text8style.txt.gz), as lines of 1,000
// tokens, gzip'd, plus the analogy questions of word2vec.c's questions-words.txt whose four
// words all occur at least --min-count times in that subset (for a small analogy score).
//
//   node scripts/make-wiki-subset.mjs --data /path/to/datasets
//     [--out data/text-corpus-subset] [--tokens 400000] [--min-count 20]
//
// --data is a directory holding text-corpus/enwiki-wikitasks-text8style.txt.gz and
// word-embeddings/questions-words.txt. Deterministic output (gzip level 9, mtime 0, no name).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: join(root, 'data', 'text-corpus-subset') },
    tokens: { type: 'string', default: '400000' },
    'min-count': { type: 'string', default: '20' },
  },
});
if (!values.data) {
  console.error(
    'usage: node scripts/make-wiki-subset.mjs --data DIR [--out DIR] [--tokens N] [--min-count N]',
  );
  process.exit(2);
}
const want = Number(values.tokens);
const minCount = Number(values['min-count']);

// Read only as much of the (61 MB) corpus as needed: it is one line of space-separated words.
const gz = readFileSync(join(values.data, 'text-corpus', 'enwiki-wikitasks-text8style.txt.gz'));
const text = gunzipSync(gz).toString('latin1');
const tokens = [];
let pos = 0;
while (tokens.length < want) {
  while (text.charCodeAt(pos) === 32) pos++;
  if (pos >= text.length) break;
  let end = text.indexOf(' ', pos);
  if (end < 0) end = text.length;
  tokens.push(text.slice(pos, end));
  pos = end;
}
const lines = [];
for (let i = 0; i < tokens.length; i += 1000) lines.push(tokens.slice(i, i + 1000).join(' '));
const body = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
const out = gzipSync(body, { level: 9 });
out[9] = 0xff; // OS byte fixed ("unknown"), as in make-mnist-subset.mjs
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'enwiki-text8style-400k.txt.gz'), out);
const counts = new Map();
for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
console.log(
  `enwiki-text8style-400k.txt.gz: ${tokens.length} tokens, ${counts.size} types, ${lines.length} lines, ${body.length} bytes raw, ${out.length} gzip'd`,
);

// Analogy questions whose words are all frequent enough in the subset.
const questions = readFileSync(
  join(values.data, 'word-embeddings', 'questions-words.txt'),
  'latin1',
);
const kept = [];
let section = '';
let sectionWritten = '';
let nKept = 0;
for (const line of questions.split('\n')) {
  if (line.startsWith(':')) {
    section = line.trim();
    continue;
  }
  const words = line.trim().toLowerCase().split(/\s+/);
  if (words.length !== 4) continue;
  if (!words.every((w) => (counts.get(w) ?? 0) >= minCount)) continue;
  if (sectionWritten !== section) {
    kept.push(section);
    sectionWritten = section;
  }
  kept.push(words.join(' '));
  nKept++;
}
writeFileSync(join(values.out, 'questions-words-subset.txt'), `${kept.join('\n')}\n`, 'latin1');
console.log(`questions-words-subset.txt: ${nKept} questions (all words seen >= ${minCount} times)`);
