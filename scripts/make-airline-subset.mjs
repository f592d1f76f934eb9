#!/usr/bin/env node
// Copies the airline passengers series (Box & Jenkins; jbrownlee/Datasets's
// airline-passengers.csv, 144 monthly totals 1949-1960) into data/timeseries/, unchanged:
// it is 2 KB, so the "subset" is the whole series.
//
//   node scripts/make-airline-subset.mjs --data /path/to/timeseries/airline-passengers.csv
//     [--out data/timeseries]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: join(root, 'data', 'timeseries') },
  },
});
if (!values.data) {
  console.error(
    'usage: node scripts/make-airline-subset.mjs --data airline-passengers.csv [--out DIR]',
  );
  process.exit(2);
}
const bytes = readFileSync(values.data);
const rows = bytes.toString('utf8').trim().split(/\r?\n/);
if (rows[0] !== '"Month","Passengers"' || rows.length !== 145) {
  throw new Error(`unexpected file: header ${rows[0]}, ${rows.length - 1} rows (expected 144)`);
}
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'airline-passengers.csv'), bytes);
console.log(`airline-passengers.csv: ${rows.length - 1} monthly rows`);
