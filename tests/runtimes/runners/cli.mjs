// Runs the bundled matrix (./matrix.mjs, next to this file once copied by the test) under
// Node, Deno or Bun: reads the fixtures from the directory given as the first argument and
// prints the result as one JSON line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { runMatrix } from './matrix.mjs';

const dir = process.argv[2];
const text = async (p) => readFile(join(dir, p), 'utf8');
const bytes = async (p) => new Uint8Array(await readFile(join(dir, p)));
const result = await runMatrix({
  cnnModel: await text('cnn/model.json'),
  cnnWeights: await bytes('cnn/weights.bin'),
  lstmModel: await text('lstm/model.json'),
  lstmWeights: await bytes('lstm/weights.bin'),
  vectors: await bytes('vectors.bin'),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
