/**
 * Command-line arguments of the benchmark CLI (kept apart from `main.ts`, which runs on import).
 *
 * @packageDocumentation
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Parsed command-line arguments. */
export interface CliArgs {
  /** Short, noisier samples. */
  quick: boolean;
  /** Absolute path of the markdown report. */
  out: string;
  /**
   * The shared datasets directory (holding text-corpus/enwiki-wikitasks-text8style.txt.gz for
   * the Word2Vec section); undefined: `../shared/datasets` next to the repository.
   */
  data?: string;
}

/** The repository root (this file is apps/bench/{src,dist}/args.*, three levels below it). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The usage text. */
export const USAGE =
  'usage: node apps/bench/dist/main.js [--quick] [--out FILE]\n' +
  '  --quick     short samples (about 10x faster, noisier)\n' +
  '  --out FILE  where to write the markdown report (default: BENCHMARKS.md at the repo root)\n' +
  '  --data DIR  the shared datasets directory (default: ../shared/datasets next to the repo)\n';

/**
 * Parses `--quick`, `--out FILE` (or `--out=FILE`), `--data DIR` (or `--data=DIR`) and
 * `--help`; returns `'help'` for the latter and throws on anything else.
 */
export function parseArgs(argv: readonly string[]): CliArgs | 'help' {
  const args: CliArgs = { quick: false, out: path.join(repoRoot, 'BENCHMARKS.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--help' || a === '-h') return 'help';
    else if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--out needs a file name');
      args.out = path.resolve(v);
    } else if (a.startsWith('--out=')) args.out = path.resolve(a.slice(6));
    else if (a === '--data') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--data needs a directory');
      args.data = path.resolve(v);
    } else if (a.startsWith('--data=')) args.data = path.resolve(a.slice(7));
    else throw new Error(`unknown argument '${a}' (try --help)`);
  }
  return args;
}
