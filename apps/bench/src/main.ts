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
import {
  defaultSections,
  loadLibs,
  renderMarkdown,
  renderSummary,
  runBench,
  targetsSection,
} from './bench.js';
import { resnetOptions, resnetSection, resnetSummaryLines, runResnetBench } from './resnet.js';
import { sizesSection } from './sizes.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = ['node apps/bench/dist/main.js', ...argv].join(' ');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const results = await runBench(
    {
      quick: parsed.quick,
      ...(parsed.data === undefined ? {} : { w2vData: parsed.data }),
      log,
    },
    command,
  );
  const resnet = await runResnetBench(await loadLibs(), resnetOptions(parsed.quick, log));
  const sections = defaultSections.filter((s) => s !== targetsSection);
  writeFileSync(
    parsed.out,
    `${renderMarkdown(results, [...sections, () => resnetSection(resnet), targetsSection])}\n${await sizesSection()}`,
  );
  const summary = [renderSummary(results), ...resnetSummaryLines(resnet)].join('\n');
  process.stdout.write(`${summary}\n\nWrote ${parsed.out}\n`);
}

main().catch((err: unknown) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench failed: ${text}\n`);
  process.exitCode = 1;
});
