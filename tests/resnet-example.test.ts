// The ResNet-20 Fashion-MNIST script (packages/resnet/examples/fashion-mnist.mjs), run as a user
// runs it, against the built packages, on the subset shipped in data/fashion-mnist-subset.
// The full 30-epoch run takes about an hour on two threads and is not part of the tests; these
// check what it relies on: per-epoch figures (time, test accuracy) in --json, a resumed run
// that gives the same figures as an uninterrupted one, a saved model that loads and scores what
// the script reported, and one-line errors for bad options and files.
import type { SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as zoo from '@zoo/resnet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runNode } from './shared/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = join(root, 'packages', 'resnet', 'examples', 'fashion-mnist.mjs');
const subset = join(root, 'data', 'fashion-mnist-subset');
/** A short run: 4 batches of 64 per epoch, 100 test images, one thread. */
const SMALL = ['--data', subset, '--limit', '256', '--test-limit', '100', '--batch', '64'];
let tmp = '';

function run(...args: string[]): SpawnSyncReturns<string> {
  return runNode(script, args, root);
}

interface Row {
  epoch: number;
  lr: number;
  trainSeconds: number;
  samplesPerSecond: number;
  loss: number;
  accuracy: number;
  testLoss: number;
  testAccuracy: number;
}

function history(r: SpawnSyncReturns<string>): Row[] {
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { train: number; test: number; history: Row[] };
  expect([out.train, out.test]).toEqual([256, 100]);
  return out.history;
}

function expectFailure(r: SpawnSyncReturns<string>, pattern: RegExp): void {
  expectOneLineError(r, 'fashion-mnist', pattern);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'zoo-resnet-example-'));
  await zoo.ready();
});

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

describe('packages/resnet/examples/fashion-mnist.mjs', () => {
  let straight: Row[] = [];

  it('reports time and test accuracy per epoch and learns', () => {
    straight = history(run(...SMALL, '--epochs', '3', '--json'));
    expect(straight.map((r) => r.epoch)).toEqual([1, 2, 3]);
    for (const r of straight) {
      expect(r.trainSeconds).toBeGreaterThan(0);
      expect(r.samplesPerSecond).toBeCloseTo(256 / r.trainSeconds, 6);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
    }
    // 1-epoch warm-up from lr/10, then cosine decay over the remaining two epochs.
    expect(straight.map((r) => r.lr)).toEqual([0.01, 0.1, 0.05]);
    expect(straight[2].loss).toBeLessThan(straight[0].loss);
    expect(straight[2].accuracy).toBeGreaterThan(straight[0].accuracy);
  });

  it('a run stopped after epoch 2 and resumed gives the same figures as one that did not stop', async () => {
    const dir = join(tmp, 'run');
    // Seeded: a second run (saving after every epoch) gives the same bits.
    const again = history(run(...SMALL, '--epochs', '3', '--json', '--save', dir));
    expect(again.map((r) => r.loss)).toEqual(straight.map((r) => r.loss));
    // Stopped after epoch 2 of 3 (as a killed run would be), then resumed.
    const partial = join(tmp, 'partial');
    const p = run(...SMALL, '--epochs', '3', '--save', partial, '--stop-after', '2');
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/stopped after epoch 2 of 3/);
    const resumed = history(run('--resume', partial, '--json'));
    expect(resumed).toHaveLength(3);
    for (const k of ['loss', 'accuracy', 'testLoss', 'testAccuracy', 'lr'] as const) {
      expect(resumed.map((r) => r[k])).toEqual(straight.map((r) => r[k]));
    }

    // The saved model loads as a TF.js layers model and scores what the script printed.
    const model = await zoo.loadLayersModel(pathToFileURL(join(dir, 'model.json')).href);
    const data = await zoo.data.loadMnist(subset, { trainLimit: 1, testLimit: 100 });
    const x = zoo.normalize(zoo.padImages(data.xTest, 2), 0.286, 0.353);
    const probs = model.predict(x) as zoo.Tensor;
    const predicted = zoo.argMax(probs, -1).dataSync();
    const labels = data.yTest.dataSync();
    let correct = 0;
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
    expect(correct / labels.length).toBeCloseTo(straight[2].testAccuracy, 6);
    zoo.dispose([x, probs, data.xTrain, data.yTrain, data.xTest, data.yTest]);
    model.dispose();
  });

  it('ends bad options and files with one line and exit code 2', () => {
    expectFailure(run('--optimizer', 'lbfgs'), /--optimizer: sgd or adam, got lbfgs/);
    expectFailure(run('--epochs', '0'), /--epochs: bad value 0/);
    expectFailure(run('--frobnicate'), /Unknown option '--frobnicate'/);
    expectFailure(run('--resume', join(tmp, 'nothing-here')), /no state\.json/);
    expectFailure(run('--data', tmp), /Fashion-MNIST not found in/);
    const bad = join(tmp, 'bad-data');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0]));
    expectFailure(run('--data', bad), /cannot read Fashion-MNIST from/);
    expectFailure(run('--threads', 'abc'), /--threads: 1, 2, \.\.\. or auto, got abc/);
    const broken = join(tmp, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'state.json'), '{"options": {');
    expectFailure(run('--resume', broken), /--resume: cannot read .*state\.json/);
    expectFailure(
      run('--resume', join(tmp, 'run'), '--optimizer', 'adam'),
      /the saved run used optimizer "sgd", not "adam"/,
    );
  });
});
