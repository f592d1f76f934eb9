// Keras-style training progress: a bar updated in place on terminals, one final line per
// epoch in logs that are not terminals (CI), or one line per epoch with verbose 2.
import { Callback, type Logs } from './callbacks.js';

/** Where progress is written: `process.stderr`, or anything with `write`. */
export interface ProgressStream {
  /** Writes text as is (no newline added). */
  write(s: string): void;
  /** True for a terminal: the bar is then redrawn in place with `\r`. */
  isTTY?: boolean;
  /** Terminal width; in-place lines are cut to fit so `\r` keeps working. */
  columns?: number;
}

/** Options of {@link ProgressLogger}. */
export interface ProgressLoggerOptions {
  /**
   * Output stream; default `process.stderr` when running in Node, none (silent) in
   * browsers. `null` silences the logger.
   */
  stream?: ProgressStream | null;
  /** Clock in milliseconds (default `performance.now()`); inject a fake one in tests. */
  now?: () => number;
  /** Minimum time between in-place redraws, in ms (default 50, as Keras). */
  interval?: number;
  /** Characters inside the bar's brackets (default 30, as Keras). */
  width?: number;
  /** 0 silent, 1 bar, 2 one line per epoch; default `params.verbose` (1 if unset). */
  verbose?: number;
  /**
   * Whether batch logs hold per-batch values (TF.js's convention) that the bar shows as
   * running epoch averages weighted by the `size` key, as Keras's Progbar (default true).
   * Set false if fit() already passes running averages.
   */
  averageBatchLogs?: boolean;
}

/** Log keys that are bookkeeping, not values to show. */
const HIDDEN = new Set(['batch', 'size']);

/**
 * Formats a logged value as Keras does: 4 decimals (`0.2312`), or scientific notation with a
 * two-digit exponent when `|v| <= 1e-3` (`5.0000e-05`); `nan`, `inf`, `-inf`.
 */
export function formatLogValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  const [mantissa, exponent] = v.toExponential(4).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** Keras's time per step: `3s/step`, `4ms/step` or `120us/step` (seconds in). */
function formatStepTime(secondsPerStep: number): string {
  if (secondsPerStep >= 1 || secondsPerStep === 0) return `${secondsPerStep.toFixed(0)}s/step`;
  if (secondsPerStep >= 1e-3) return `${(secondsPerStep * 1e3).toFixed(0)}ms/step`;
  return `${(secondsPerStep * 1e6).toFixed(0)}us/step`;
}

/** Keras's ETA: `42s`, `3:05`, `1:02:03` (seconds in, truncated). */
function formatEta(eta: number): string {
  const two = (n: number) => String(Math.trunc(n)).padStart(2, '0');
  if (eta > 3600) {
    return `${Math.trunc(eta / 3600)}:${two((eta % 3600) / 60)}:${two(eta % 60)}`;
  }
  if (eta > 60) return `${Math.trunc(eta / 60)}:${two(eta % 60)}`;
  return `${Math.trunc(eta)}s`;
}

function defaultStream(): ProgressStream | null {
  const proc = (globalThis as { process?: { stderr?: ProgressStream } }).process;
  return proc?.stderr ?? null;
}

function defaultNow(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf !== undefined ? perf.now() : Date.now();
}

/**
 * Prints training progress like Keras's `ProgbarLogger`. With verbose 1: `Epoch 3/10`, then
 * `118/469 [======>.......................] - ETA: 3s - loss: 0.3123 - accuracy: 0.9012`
 * redrawn in place (at most every `interval` ms) on a terminal, and the final line
 * `469/469 [==============================] - 2s 4ms/step - loss: 0.2312 - val_loss: 0.1543`
 * (only that line per epoch when the stream is not a terminal). With verbose 2:
 * `Epoch 3/10 - 2s - loss: 0.2312 - val_loss: 0.1543`. Batch logs are shown as given (fit()
 * should pass running epoch averages, as Keras); `batch` and `size` keys are hidden.
 */
export class ProgressLogger extends Callback {
  private readonly stream: ProgressStream | null;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly width: number;
  private readonly verboseOption: number | undefined;
  private readonly averageBatchLogs: boolean;
  private sums = new Map<string, [number, number]>();
  private epochStart = 0;
  private timeAfterFirstStep: number | undefined;
  private lastUpdate = -Infinity;
  private seen = 0;
  /** Length of the in-place line on screen (0 when the cursor is at a line start). */
  private openWidth = 0;

  /**
   * Creates a logger from options (see {@link ProgressLoggerOptions}), or from a verbosity
   * and a stream: `new ProgressLogger(1, process.stderr)`.
   */
  constructor(options?: ProgressLoggerOptions | number, stream?: ProgressStream | null) {
    super();
    if (typeof options === 'number') options = { verbose: options, stream };
    else options = { ...options, ...(stream !== undefined ? { stream } : {}) };
    this.stream = options.stream === undefined ? defaultStream() : options.stream;
    this.now = options.now ?? defaultNow;
    this.interval = options.interval ?? 50;
    this.width = options.width ?? 30;
    this.verboseOption = options.verbose;
    this.averageBatchLogs = options.averageBatchLogs ?? true;
  }

  private get verbose(): number {
    return this.verboseOption ?? this.params?.verbose ?? 1;
  }

  private get tty(): boolean {
    return this.stream?.isTTY === true;
  }

  /** Batches per epoch, or undefined when unknown. */
  private get target(): number | undefined {
    const p = this.params;
    if (p === undefined) return undefined;
    if (p.steps > 0) return p.steps;
    if (p.samples > 0 && p.batchSize > 0) return Math.ceil(p.samples / p.batchSize);
    return undefined;
  }

  private epochLabel(epoch: number): string {
    const total = this.params?.epochs;
    return `Epoch ${epoch + 1}/${total !== undefined ? total : '?'}`;
  }

  private bar(current: number, target: number | undefined): string {
    if (target === undefined) return `${String(current).padStart(7)}/Unknown`;
    const digits = String(target).length;
    let bar = `${String(current).padStart(digits)}/${target} [`;
    const progWidth = Math.trunc((this.width * current) / target);
    if (progWidth > 0) {
      bar += '='.repeat(Math.min(progWidth, this.width) - 1);
      bar += current < target ? '>' : '=';
    }
    bar += '.'.repeat(Math.max(0, this.width - progWidth));
    return `${bar}]`;
  }

  private values(logs: Logs | undefined): string {
    let s = '';
    if (logs === undefined) return s;
    for (const [k, v] of Object.entries(logs)) {
      if (HIDDEN.has(k)) continue;
      s += ` - ${k}: ${typeof v === 'number' ? formatLogValue(v) : String(v)}`;
    }
    return s;
  }

  /** Adds a batch's values to the epoch sums; returns the running averages. */
  private accumulate(logs: Logs): Logs {
    const weight = typeof logs.size === 'number' && logs.size > 0 ? logs.size : 1;
    const out: Logs = {};
    for (const [k, v] of Object.entries(logs)) {
      if (HIDDEN.has(k)) continue;
      let acc = this.sums.get(k);
      if (acc === undefined) {
        acc = [0, 0];
        this.sums.set(k, acc);
      }
      acc[0] += v * weight;
      acc[1] += weight;
      out[k] = acc[0] / acc[1];
    }
    return out;
  }

  /** Seconds per step, excluding the first step (warm-up) once there are more, as Keras. */
  private secondsPerStep(current: number, now: number): number {
    if (current <= 0) return 0;
    if (this.timeAfterFirstStep !== undefined && current > 1) {
      return (now - this.timeAfterFirstStep) / 1000 / (current - 1);
    }
    return (now - this.epochStart) / 1000 / current;
  }

  private write(s: string): void {
    this.stream?.write(s);
  }

  /** Writes a line in place of the open one (padding over leftovers). */
  private redraw(line: string, final: boolean): void {
    const pad = this.openWidth > line.length ? ' '.repeat(this.openWidth - line.length) : '';
    this.write(`\r${line}${pad}${final ? '\n' : ''}`);
    this.openWidth = final ? 0 : line.length;
  }

  private closeLine(): void {
    if (this.openWidth > 0) {
      this.write('\n');
      this.openWidth = 0;
    }
  }

  override onTrainBegin(): void {
    this.openWidth = 0;
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = this.now();
    this.timeAfterFirstStep = undefined;
    this.lastUpdate = -Infinity;
    this.seen = 0;
    this.sums.clear();
    if (this.verbose === 1 && this.stream !== null) {
      this.closeLine();
      this.write(`${this.epochLabel(epoch)}\n`);
    }
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    if (this.verbose !== 1 || this.stream === null) return;
    const now = this.now();
    const current = batch + 1;
    this.seen = current;
    const perStep = this.secondsPerStep(current, now);
    if (current === 1) this.timeAfterFirstStep = now;
    if (!this.tty) return;
    if (this.averageBatchLogs && logs !== undefined) logs = this.accumulate(logs);
    if (now - this.lastUpdate < this.interval) return;
    this.lastUpdate = now;
    const target = this.target;
    let line = this.bar(current, target);
    if (target === undefined) {
      line += ` - ${((now - this.epochStart) / 1000).toFixed(0)}s ${formatStepTime(perStep)}`;
    } else {
      line += ` - ETA: ${formatEta(perStep * Math.max(0, target - current))}`;
    }
    line += this.values(logs);
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && line.length > columns - 1) {
      line = line.slice(0, columns - 1);
    }
    this.redraw(line, false);
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    if (this.stream === null) return;
    const verbose = this.verbose;
    const now = this.now();
    const elapsed = `${((now - this.epochStart) / 1000).toFixed(0)}s`;
    if (verbose === 2) {
      this.write(`${this.epochLabel(epoch)} - ${elapsed}${this.values(logs)}\n`);
      return;
    }
    if (verbose !== 1) return;
    const target = this.target ?? this.seen;
    const current = Math.max(this.seen, target);
    const perStep = this.secondsPerStep(current, now);
    const line = `${this.bar(current, target)} - ${elapsed} ${formatStepTime(perStep)}${this.values(logs)}`;
    if (this.tty) this.redraw(line, true);
    else this.write(`${line}\n`);
  }

  override onTrainEnd(): void {
    if (this.stream !== null) this.closeLine();
  }
}
