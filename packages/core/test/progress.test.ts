// Keras-style progress output for scripted runs with a fake clock and a fake stream.
import { describe, expect, it } from 'vitest';
import type { Logs, TrainingParams } from '../src/train/callbacks.js';
import { formatLogValue, ProgressLogger, type ProgressStream } from '../src/train/progress.js';

class FakeStream implements ProgressStream {
  out = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(s: string): void {
    this.out += s;
  }
}

const params = (over: Partial<TrainingParams> = {}): TrainingParams => ({
  epochs: 2,
  initialEpoch: 0,
  steps: 4,
  samples: 112,
  batchSize: 32,
  verbose: 1,
  metrics: ['loss', 'acc', 'val_loss', 'val_acc'],
  doValidation: true,
  ...over,
});

type Event =
  | { t: number; epochBegin: number }
  | { t: number; batch: number; logs: Logs }
  | { t: number; epochEnd: number; logs: Logs };

/** The scripted run: two epochs of 4 batches (sizes 32, 32, 32, 16). */
const script: Event[] = [
  { t: 0, epochBegin: 0 },
  { t: 1000, batch: 0, logs: { batch: 0, size: 32, loss: 0.5 } },
  { t: 1020, batch: 1, logs: { batch: 1, size: 32, loss: 0.3 } },
  { t: 1100, batch: 2, logs: { batch: 2, size: 32, loss: 0.1 } },
  { t: 1120, batch: 3, logs: { batch: 3, size: 16, loss: 0.1 } },
  {
    t: 2400,
    epochEnd: 0,
    logs: { loss: 0.3, acc: 0.9, val_loss: 0.00005, val_acc: 1 },
  },
  { t: 3000, epochBegin: 1 },
  { t: 133000, batch: 0, logs: { batch: 0, size: 32, loss: 0.2 } },
  { t: 133000.1, batch: 1, logs: { batch: 1, size: 32, loss: 0.2 } },
  { t: 133100, batch: 2, logs: { batch: 2, size: 32, loss: 0.8 } },
  { t: 133110, batch: 3, logs: { batch: 3, size: 16, loss: 0.1 } },
  {
    t: 133110.3,
    epochEnd: 1,
    logs: { loss: 0.25, acc: 0.91234, val_loss: 0.15434, val_acc: 0.95444 },
  },
];

function play(logger: ProgressLogger, clock: { t: number }, events: Event[] = script): void {
  logger.onTrainBegin();
  for (const e of events) {
    clock.t = e.t;
    if ('epochBegin' in e) logger.onEpochBegin(e.epochBegin);
    else if ('batch' in e) logger.onBatchEnd(e.batch, e.logs);
    else logger.onEpochEnd(e.epochEnd, e.logs);
  }
  logger.onTrainEnd();
}

function runWith(
  stream: ProgressStream | null,
  p: Partial<TrainingParams> = {},
  events?: Event[],
): void {
  const clock = { t: 0 };
  const logger = new ProgressLogger({ stream, now: () => clock.t });
  logger.setParams(params(p));
  play(logger, clock, events);
}

const final1 =
  '4/4 [==============================] - 2s 467ms/step - loss: 0.3000 - acc: 0.9000 - val_loss: 5.0000e-05 - val_acc: 1.0000';
const final2 =
  '4/4 [==============================] - 130s 37ms/step - loss: 0.2500 - acc: 0.9123 - val_loss: 0.1543 - val_acc: 0.9544';

describe('ProgressLogger', () => {
  it('verbose 1 on a TTY: header, bar redrawn in place (throttled), final line', () => {
    const s = new FakeStream(true);
    runWith(s);
    const expected =
      'Epoch 1/2\n' +
      '\r1/4 [======>.......................] - ETA: 3s - loss: 0.5000' +
      // batch 1 is 20 ms later: skipped; the average includes it.
      '\r3/4 [=====================>........] - ETA: 0s - loss: 0.3000' +
      // batch 3 is 20 ms later: skipped.
      `\r${final1}\n` +
      'Epoch 2/2\n' +
      // First step took 130 s: ETA 3 * 130 s.
      '\r1/4 [======>.......................] - ETA: 6:30 - loss: 0.2000' +
      // (0.2 * 32 + 0.2 * 32 + 0.8 * 32) / 96 = 0.4; padded over the longer ETA.
      '\r3/4 [=====================>........] - ETA: 0s - loss: 0.4000  ' +
      `\r${final2}\n`;
    expect(s.out).toBe(expected);
  });

  it('verbose 1 without a TTY (CI logs): header and the final line only', () => {
    const s = new FakeStream(false);
    runWith(s);
    expect(s.out).toBe(`Epoch 1/2\n${final1}\nEpoch 2/2\n${final2}\n`);
  });

  it('verbose 2: one line per epoch', () => {
    const s = new FakeStream(true);
    runWith(s, { verbose: 2 });
    expect(s.out).toBe(
      'Epoch 1/2 - 2s - loss: 0.3000 - acc: 0.9000 - val_loss: 5.0000e-05 - val_acc: 1.0000\n' +
        'Epoch 2/2 - 130s - loss: 0.2500 - acc: 0.9123 - val_loss: 0.1543 - val_acc: 0.9544\n',
    );
  });

  it('verbose 0 and a null stream write nothing', () => {
    const s = new FakeStream(true);
    runWith(s, { verbose: 0 });
    expect(s.out).toBe('');
    expect(() => runWith(null)).not.toThrow();
  });

  it('(verbose, stream) constructor form overrides params.verbose', () => {
    const s = new FakeStream(false);
    const clock = { t: 0 };
    const logger = new ProgressLogger(2, s);
    expect(logger).toBeInstanceOf(ProgressLogger);
    const timed = new ProgressLogger({ verbose: 2, stream: s, now: () => clock.t });
    timed.setParams(params({ verbose: 1 }));
    play(timed, clock);
    expect(s.out.split('\n')[0]).toBe(
      'Epoch 1/2 - 2s - loss: 0.3000 - acc: 0.9000 - val_loss: 5.0000e-05 - val_acc: 1.0000',
    );
  });

  it('averageBatchLogs: false shows batch logs as given', () => {
    const s = new FakeStream(true);
    const clock = { t: 0 };
    const logger = new ProgressLogger({ stream: s, now: () => clock.t, averageBatchLogs: false });
    logger.setParams(params());
    play(logger, clock, script.slice(0, 4));
    expect(s.out).toContain('\r3/4 [=====================>........] - ETA: 0s - loss: 0.1000');
  });

  it('unknown step count, us/step, epoch header with initialEpoch, cut to the terminal width', () => {
    const s = new FakeStream(true, 40);
    runWith(s, { steps: 0, samples: 0, epochs: 12 }, [
      { t: 0, epochBegin: 10 },
      { t: 2.4, batch: 0, logs: { loss: 1.5 } },
      { t: 2.6, batch: 1, logs: { loss: 1.5 } },
      { t: 3.0, epochEnd: 10, logs: { loss: 1.25, mse: 0 } },
    ]);
    expect(s.out).toBe(
      'Epoch 11/12\n' +
        '\r      1/Unknown - 0s 2ms/step - loss: 1' +
        // The first step is excluded from the time per step: (3.0 - 2.4) ms over 1 step.
        '\r2/2 [==============================] - 0s 600us/step - loss: 1.2500 - mse: 0.0000e+00\n',
    );
  });

  it('an open bar is closed when training ends mid-epoch', () => {
    const s = new FakeStream(true);
    runWith(s, {}, script.slice(0, 2));
    expect(s.out).toBe(
      'Epoch 1/2\n\r1/4 [======>.......................] - ETA: 3s - loss: 0.5000\n',
    );
  });

  it('formatLogValue follows Keras (4 decimals, else %.4e with two exponent digits)', () => {
    const cases: [number, string][] = [
      [0.23124, '0.2312'],
      [0.0011, '0.0011'],
      [0.001, '1.0000e-03'],
      [-0.5, '-0.5000'],
      [-5e-5, '-5.0000e-05'],
      [0, '0.0000e+00'],
      [1.5e-10, '1.5000e-10'],
      [1e-100, '1.0000e-100'],
      [1234.56789, '1234.5679'],
      [Number.NaN, 'nan'],
      [Number.POSITIVE_INFINITY, 'inf'],
      [Number.NEGATIVE_INFINITY, '-inf'],
    ];
    for (const [v, want] of cases) expect(formatLogValue(v), String(v)).toBe(want);
  });
});
