#!/usr/bin/env node
/**
 * The benchmark CLI: `node apps/bench/dist/main.js [--quick] [--out FILE] [--data DIR]`.
 * Measures Zoo and TF.js (and gensim for Word2Vec) side by side, prints a summary to stdout (progress to stderr) and writes the markdown
 * report to BENCHMARKS.md at the repository root, or to FILE. Importing this module runs it;
 * the measuring code is in `bench.ts`.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, USAGE } from './args.js';
import { renderMarkdown, renderSummary, runBench } from './bench.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = ['node apps/bench/dist/main.js', ...argv].join(' ');
  const results = await runBench(
    {
      quick: parsed.quick,
      ...(parsed.data === undefined ? {} : { w2vData: parsed.data }),
      log: (line) => process.stderr.write(`${line}\n`),
    },
    command,
  );
  writeFileSync(parsed.out, renderMarkdown(results));
  process.stdout.write(`${renderSummary(results)}\n\nWrote ${parsed.out}\n`);
}

main().catch((err: unknown) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench failed: ${text}\n`);
  process.exitCode = 1;
});
