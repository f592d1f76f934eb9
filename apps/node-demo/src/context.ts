// What every family's code gets from the command line, and what it gives back.

/** The image data sets the image families (MLP, CNN, ResNet) train on. */
export type ImageDataset = 'mnist' | 'fashion-mnist';

/** Settings of one run, from the command line. */
export interface RunOptions {
  /** True for a subcommand (the family's full settings), false for the brief default run. */
  full: boolean;
  /** `--data DIR`: a datasets directory (mnist/, tinyshakespeare/, text-corpus/, ...); undefined: the subsets shipped in data/. */
  dataDir: string | undefined;
  /** `--epochs N` (undefined: the family's default). */
  epochs: number | undefined;
  /** `--batch N` (undefined: the family's default). */
  batch: number | undefined;
  /** `--limit N`: train on the first N examples / characters / tokens only. */
  limit: number | undefined;
  /** `--seed N`: seed of weights, shuffling and sampling. */
  seed: number;
  /** `--save DIR`: where to save the trained model. */
  save: string | undefined;
  /** `--dataset`: MNIST or Fashion-MNIST for the image families. */
  dataset: ImageDataset;
  /** Whether results go out as JSON (progress still goes to stderr). */
  json: boolean;
}

/** What a family's run gives back: figures for `--json` and lines for the terminal. */
export interface Outcome {
  /** Figures, as printed by `--json`. */
  json: Record<string, unknown>;
  /** Human-readable result lines (stdout). */
  text: string[];
  /** One line for the final summary of the default run. */
  summary: string;
}

/** Writes a progress or information line to stderr. */
export function log(line = ''): void {
  process.stderr.write(`${line}\n`);
}

/** A number of seconds as "12.3 s". */
export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A fraction as a percentage with one decimal, "93.4%". */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** An integer with thousands separators. */
export function int(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 epoch", "3 epochs". */
export function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}
