// The callback protocol: EarlyStopping (Keras semantics) and TerminateOnNaN over scripted
// logs with a fake model, History, CustomCallback and CallbackList ordering.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as zoo from '../src/index.js';
import {
  type Callback,
  CallbackList,
  type CallbackModel,
  CustomCallback,
  callbacks,
  EarlyStopping,
  type EarlyStoppingArgs,
  History,
  type Logs,
  standardizeCallbacks,
  TerminateOnNaN,
  type TrainingParams,
} from '../src/train/callbacks.js';
import { prepare } from './oracle.js';

beforeAll(prepare);

let before = 0;
beforeEach(() => {
  before = zoo.memory().numTensors;
});
afterEach(() => {
  vi.restoreAllMocks();
  expect(zoo.memory().numTensors, 'tensors leaked').toBe(before);
});

/** Two weights whose values say which epoch wrote them: [10e, 10e + 1]. */
class FakeModel implements CallbackModel {
  stopTraining = false;
  readonly weights = zoo.tidy(() => [
    zoo.variable(zoo.zeros([2])),
    zoo.variable(zoo.zeros([1, 1])),
  ]);
  setCalls = 0;

  getWeights(): zoo.Tensor[] {
    return this.weights;
  }

  setWeights(w: zoo.Tensor[]): void {
    this.setCalls++;
    w.forEach((t, i) => {
      this.weights[i].assign(t);
    });
  }

  /** Writes the values of epoch `e` into the weights (as training would). */
  train(e: number): void {
    zoo.tidy(() => {
      this.weights[0].assign(zoo.tensor([10 * e, 10 * e + 1]));
      this.weights[1].assign(zoo.tensor([[10 * e + 2]]));
    });
  }

  /** The epoch whose values the weights hold. */
  epochOfWeights(): number {
    const a = this.weights[0].dataSync();
    const b = this.weights[1].dataSync();
    expect([a[1] - a[0], b[0] - a[0]]).toEqual([1, 2]);
    return a[0] / 10;
  }

  dispose(): void {
    zoo.dispose(this.weights);
  }
}

const params = (epochs: number): TrainingParams => ({
  epochs,
  initialEpoch: 0,
  steps: 1,
  samples: 1,
  batchSize: 1,
  verbose: 0,
  metrics: ['loss', 'val_loss'],
  doValidation: true,
});

/**
 * Runs a scripted fit: each epoch "trains" (writes its weights), then the callback sees
 * `{ [key]: values[epoch] }`. Returns the number of epochs run and the epoch whose weights
 * the model ends with.
 */
async function run(
  cb: Callback,
  values: number[],
  key = 'val_loss',
): Promise<{ epochsRun: number; finalWeights: number }> {
  const model = new FakeModel();
  try {
    const list = new CallbackList([cb]);
    list.setModel(model);
    list.setParams(params(values.length));
    await list.onTrainBegin();
    let epochsRun = 0;
    for (let e = 0; e < values.length; e++) {
      await list.onEpochBegin(e);
      model.train(e);
      await list.onEpochEnd(e, { loss: 1, [key]: values[e] });
      epochsRun++;
      if (model.stopTraining) break;
    }
    await list.onTrainEnd();
    return { epochsRun, finalWeights: model.epochOfWeights() };
  } finally {
    model.dispose();
  }
}

async function epochsRun(args: EarlyStoppingArgs, values: number[], key?: string) {
  return (await run(new EarlyStopping(args), values, key ?? args.monitor)).epochsRun;
}

describe('EarlyStopping', () => {
  it('patience counts epochs without improvement (monitor val_loss, mode min)', async () => {
    expect(await epochsRun({}, [1, 0.9, 0.95, 0.8])).toBe(3);
    expect(await epochsRun({ patience: 0 }, [1, 0.9, 0.8, 0.7])).toBe(4);
    expect(await epochsRun({ patience: 2 }, [1, 0.9, 0.95, 0.93, 0.85])).toBe(4);
    // An improvement resets the count.
    expect(await epochsRun({ patience: 2 }, [1, 0.9, 0.95, 0.85, 0.96, 0.97, 0.5])).toBe(6);
    // Equal is not an improvement.
    expect(await epochsRun({ patience: 1 }, [1, 1, 1])).toBe(2);
  });

  it('stopping state: stoppedEpoch, wait, best and model.stopTraining', async () => {
    const es = new EarlyStopping({ patience: 1 });
    expect((await run(es, [3, 2, 2.5, 1])).epochsRun).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.best).toBe(2);
    expect(es.bestEpoch).toBe(1);
    expect(es.wait).toBe(1);
  });

  it('minDelta: changes smaller than it are not improvements (sign ignored)', async () => {
    const seq = [1, 0.95, 0.92, 0.85];
    expect(await epochsRun({ patience: 1 }, seq)).toBe(4);
    expect(await epochsRun({ patience: 1, minDelta: 0.1 }, seq)).toBe(2);
    expect(await epochsRun({ patience: 1, minDelta: -0.1 }, seq)).toBe(2);
    expect(await epochsRun({ patience: 2, minDelta: 0.1 }, seq)).toBe(3);
    expect(await epochsRun({ patience: 3, minDelta: 0.1 }, seq)).toBe(4);
    const acc = [0.5, 0.55, 0.58, 0.7];
    expect(await epochsRun({ monitor: 'val_acc', patience: 1, minDelta: 0.1 }, acc)).toBe(2);
    expect(await epochsRun({ monitor: 'val_acc', patience: 1 }, acc)).toBe(4);
  });

  it("mode: auto is max for names containing 'acc', min otherwise; explicit modes", async () => {
    const up = [0.5, 0.6, 0.55, 0.58];
    expect(await epochsRun({ monitor: 'val_accuracy' }, up)).toBe(3);
    expect(await epochsRun({ monitor: 'acc' }, up, 'acc')).toBe(3);
    expect(await epochsRun({ monitor: 'val_accuracy', mode: 'min' }, up)).toBe(2);
    expect(await epochsRun({ monitor: 'val_loss', mode: 'max' }, up)).toBe(3);
    expect(await epochsRun({ monitor: 'val_loss' }, up)).toBe(2);
    expect(() => new EarlyStopping({ mode: 'up' as 'min' })).toThrow(
      "EarlyStopping: mode must be 'auto', 'min' or 'max', got 'up'",
    );
  });

  it('baseline: improvements that do not beat it do not reset the count', async () => {
    expect(await epochsRun({ patience: 2 }, [0.9, 0.8, 0.85, 0.84])).toBe(4);
    expect(await epochsRun({ patience: 2, baseline: 0.5 }, [0.9, 0.8, 0.85, 0.84])).toBe(3);
    expect(await epochsRun({ patience: 2, baseline: 0.85 }, [0.9, 0.8, 0.85, 0.84])).toBe(4);
    expect(
      await epochsRun({ monitor: 'val_acc', patience: 1, baseline: 0.9 }, [0.5, 0.6, 0.55]),
    ).toBe(3);
    expect(await epochsRun({ monitor: 'val_acc', patience: 1, baseline: 0.9 }, [0.5, 0.4])).toBe(2);
  });

  it('restoreBestWeights restores the best epoch when training ends, and frees the copies', async () => {
    // Stopped early: best epoch 1.
    let es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    expect(await run(es, [1, 0.5, 0.7, 0.8, 0.1])).toEqual({ epochsRun: 4, finalWeights: 1 });
    // Without restoring, the last epoch's weights stay.
    es = new EarlyStopping({ patience: 2 });
    expect(await run(es, [1, 0.5, 0.7, 0.8, 0.1])).toEqual({ epochsRun: 4, finalWeights: 3 });
    // Ran to the end: still restored (Keras 3).
    es = new EarlyStopping({ patience: 5, restoreBestWeights: true });
    expect(await run(es, [1, 0.5, 0.7, 0.2, 0.3])).toEqual({ epochsRun: 5, finalWeights: 3 });
    // Never improved after the first epoch: the first epoch's weights.
    es = new EarlyStopping({ patience: 1, restoreBestWeights: true });
    expect(await run(es, [1, 2, 3])).toEqual({ epochsRun: 2, finalWeights: 0 });
    // The copies are not the model's tensors.
    es = new EarlyStopping({ patience: 3, restoreBestWeights: true, monitor: 'loss' });
    const model = new FakeModel();
    es.setModel(model);
    await es.onTrainBegin();
    const live = zoo.memory().numTensors;
    model.train(0);
    await es.onEpochEnd(0, { loss: 1 });
    expect(zoo.memory().numTensors).toBe(live + 2);
    model.train(1);
    await es.onEpochEnd(1, { loss: 0.5 });
    expect(zoo.memory().numTensors, 'old copies freed').toBe(live + 2);
    model.train(2);
    await es.onEpochEnd(2, { loss: 0.7 });
    expect(model.epochOfWeights()).toBe(2);
    await es.onTrainEnd();
    expect(model.epochOfWeights()).toBe(1);
    expect(model.setCalls).toBe(1);
    expect(zoo.memory().numTensors, 'copies freed at train end').toBe(live);
    // A second run starts fresh.
    await es.onTrainBegin();
    await es.onTrainEnd();
    expect(model.setCalls).toBe(1);
    model.dispose();
  });

  it('a missing monitored key warns once and never stops', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await epochsRun({ monitor: 'val_loss' }, [1, 2, 3, 4], 'loss_other')).toBe(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain(
      "Early stopping conditioned on metric 'val_loss' which is not available. Available metrics are: loss, loss_other",
    );
  });

  it('startFromEpoch ignores the first epochs', async () => {
    expect(await epochsRun({ patience: 0 }, [1, 2, 3, 0.5, 0.6])).toBe(2);
    expect(await epochsRun({ patience: 0, startFromEpoch: 2 }, [1, 2, 3, 0.5, 0.6])).toBe(5);
  });

  it('verbose prints the stop and restore epochs', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await run(new EarlyStopping({ verbose: 1, restoreBestWeights: true }), [1, 0.5, 0.7]);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      'Epoch 3: early stopping',
      'Restoring model weights from the end of the best epoch: 2.',
    ]);
  });
});

describe('TerminateOnNaN', () => {
  async function batches(losses: number[]): Promise<{ ran: number; warn: number }> {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new FakeModel();
    const cb = callbacks.terminateOnNaN();
    expect(cb).toBeInstanceOf(TerminateOnNaN);
    cb.setModel(model);
    await cb.onTrainBegin();
    let ran = 0;
    for (let b = 0; b < losses.length && !model.stopTraining; b++) {
      await cb.onBatchEnd(b, { batch: b, size: 4, loss: losses[b] });
      ran++;
    }
    await cb.onEpochEnd(0, { loss: Number.NaN });
    model.dispose();
    const n = warn.mock.calls.length;
    if (n > 0) expect(String(warn.mock.calls[0][0])).toMatch(/Invalid loss, terminating training/);
    warn.mockRestore();
    return { ran, warn: n };
  }

  it('stops on NaN or infinite loss, once', async () => {
    expect(await batches([1, 2, Number.NaN, 3])).toEqual({ ran: 3, warn: 1 });
    expect(await batches([1, Number.POSITIVE_INFINITY, 3])).toEqual({ ran: 2, warn: 1 });
    expect(await batches([Number.NEGATIVE_INFINITY, 3])).toEqual({ ran: 1, warn: 1 });
  });

  it('does nothing for finite losses (then stops at a NaN epoch loss)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new FakeModel();
    const cb = new TerminateOnNaN();
    cb.setModel(model);
    await cb.onBatchEnd(0, { loss: 1e30 });
    await cb.onBatchEnd(1, { acc: Number.NaN });
    expect(model.stopTraining).toBe(false);
    await cb.onEpochEnd(0, { loss: Number.NaN });
    expect(model.stopTraining).toBe(true);
    expect(warn).toHaveBeenCalledWith('Epoch 1: Invalid loss, terminating training');
    model.dispose();
  });
});

describe('History, CustomCallback and CallbackList', () => {
  it('History records every epoch and resets on train begin', async () => {
    const h = new History();
    const list = new CallbackList([h]);
    await list.onTrainBegin();
    await list.onEpochEnd(0, { loss: 1, acc: 0.5 });
    await list.onEpochEnd(1, { loss: 0.5, acc: 0.7, val_loss: 0.6 });
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history).toEqual({ loss: [1, 0.5], acc: [0.5, 0.7], val_loss: [0.6] });
    await list.onTrainBegin();
    expect(h.epoch).toEqual([]);
    expect(h.history).toEqual({});
  });

  it('hooks are awaited in order across callbacks', async () => {
    const events: string[] = [];
    const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const make = (name: string, ms: number) => ({
      onTrainBegin: async (logs?: Logs) => {
        events.push(`${name} trainBegin ${JSON.stringify(logs)}`);
        await delay(ms);
        events.push(`${name} trainBegin done`);
      },
      onEpochBegin: async (e: number) => {
        await delay(ms);
        events.push(`${name} epochBegin ${e}`);
      },
      onBatchBegin: (b: number) => {
        events.push(`${name} batchBegin ${b}`);
      },
      onBatchEnd: async (b: number, logs?: Logs) => {
        await delay(ms);
        events.push(`${name} batchEnd ${b} ${logs?.loss}`);
      },
      onEpochEnd: async (e: number, logs?: Logs) => {
        await delay(ms);
        events.push(`${name} epochEnd ${e} ${logs?.loss}`);
      },
      onTrainEnd: async () => {
        await delay(ms);
        events.push(`${name} trainEnd`);
      },
    });
    // The slow one first: the fast one must still wait for it.
    const list = new CallbackList([make('a', 20), new CustomCallback(make('b', 0))]);
    expect(list.callbacks.every((c) => c instanceof CustomCallback)).toBe(true);
    await list.onTrainBegin({ x: 1 });
    await list.onEpochBegin(0);
    await list.onBatchBegin(0);
    await list.onBatchEnd(0, { loss: 0.5 });
    await list.onEpochEnd(0, { loss: 0.25 });
    await list.onTrainEnd();
    expect(events).toEqual([
      'a trainBegin {"x":1}',
      'a trainBegin done',
      'b trainBegin {"x":1}',
      'b trainBegin done',
      'a epochBegin 0',
      'b epochBegin 0',
      'a batchBegin 0',
      'b batchBegin 0',
      'a batchEnd 0 0.5',
      'b batchEnd 0 0.5',
      'a epochEnd 0 0.25',
      'b epochEnd 0 0.25',
      'a trainEnd',
      'b trainEnd',
    ]);
  });

  it('setModel / setParams reach every callback; standardizeCallbacks wraps hook objects', () => {
    const es = new EarlyStopping();
    const list = new CallbackList(es);
    list.append(new History());
    const model = new FakeModel();
    list.setModel(model);
    list.setParams(params(3));
    for (const c of list.callbacks) {
      expect(c.model).toBe(model);
      expect(c.params?.epochs).toBe(3);
    }
    model.dispose();
    expect(standardizeCallbacks(undefined)).toEqual([]);
    const hooks = { onEpochEnd: () => {} };
    const [wrapped, same] = standardizeCallbacks([hooks, es]);
    expect(wrapped).toBeInstanceOf(CustomCallback);
    expect(same).toBe(es);
    expect(() => standardizeCallbacks([3 as unknown as Callback])).toThrow(
      'callbacks: expected a Callback or an object of hooks, got number',
    );
    expect(callbacks.earlyStopping({ patience: 3 }).patience).toBe(3);
  });
});
