// Smoke test of @zoo/bench: runs every measurement at tiny sizes and checks the numbers are
// finite and positive and the markdown has its sections. Speeds are never asserted.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../apps/bench/src/args.js';
import {
  type BenchResults,
  GEMM_FORMS,
  median,
  renderMarkdown,
  renderSummary,
  runBench,
  targetChecks,
  timeCalls,
} from '../apps/bench/src/bench.js';

describe('bench helpers', () => {
  it('takes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('times a call with at least the asked samples', () => {
    let calls = 0;
    const t = timeCalls(() => void calls++, 0.005, 3);
    expect(t.secondsPerCall.length).toBeGreaterThanOrEqual(3);
    expect(t.callsPerSample).toBeGreaterThanOrEqual(1);
    expect(calls).toBeGreaterThan(0);
  });
});

describe('bench run (quick, tiny sizes)', () => {
  let results: BenchResults;

  it('measures GEMM and dispatch with finite positive numbers', async () => {
    results = await runBench(
      {
        quick: true,
        gemmSizes: [32],
        cpuGemmSizes: [32],
        targetSize: 32,
        gemmSeconds: 0.01,
        gemmMinSamples: 3,
        cpuGemmSeconds: 0.01,
        cpuGemmMinSamples: 1,
        dispatchIters: 200,
        dispatchSamples: 3,
        dispatchWarmSeconds: 0.01,
        mlpLayers: [16, 8, 4],
        mlpBatch: 8,
        mlpWarmupSteps: 1,
        mlpSteps: 2,
        mlpInferBatches: [1, 4],
        mlpInferSeconds: 0.005,
        mlpInferMinSamples: 2,
        cnnImageSize: 10,
        cnnFilters: [2, 3],
        cnnDenseUnits: 4,
        cnnBatch: 4,
        cnnWarmupSteps: 1,
        cnnSteps: 2,
        cnnCpuBatch: 2,
        cnnCpuWarmupSteps: 0,
        cnnCpuSteps: 1,
        cnnInferBatches: [1, 4],
        cnnInferSeconds: 0.005,
        cnnInferMinSamples: 2,
        cnnCpuSingleCallBatch: 2,
        lstmUnits: 6,
        lstmTimesteps: 4,
        lstmFeatures: 3,
        lstmBatch: 5,
        lstmWarmupSteps: 1,
        lstmSteps: 2,
        lstmTfWarmupSteps: 0,
        lstmTfSteps: 1,
        lstmCpuBatch: 3,
        lstmInferBatches: [1, 5],
        lstmInferSeconds: 0.005,
        lstmInferMinSamples: 2,
        lstmTfInferMinSamples: 1,
        // A tiny synthetic corpus, gensim's reference figures (no python run).
        w2vData: null,
        w2vTokens: 20_000,
        w2vGensim: false,
      },
      'vitest bench-smoke',
    );
    expect(results.gemm).toHaveLength(9);
    for (const lib of ['zoo', 'tfjs-wasm', 'tfjs-cpu'] as const) {
      for (const form of GEMM_FORMS) {
        const g = results.gemm.find((x) => x.lib === lib && x.form === form && x.size === 32);
        expect(g, `${lib} ${form}`).toBeDefined();
        expect(Number.isFinite(g!.gflops) && g!.gflops > 0).toBe(true);
        expect(Number.isFinite(g!.msPerCall) && g!.msPerCall > 0).toBe(true);
        expect(g!.bestGflops).toBeGreaterThanOrEqual(g!.gflops);
        expect(Number.isFinite(g!.cpuShare) && g!.cpuShare >= 0).toBe(true);
      }
    }
    expect(results.dispatch.map((d) => d.lib).sort()).toEqual(['tfjs-cpu', 'tfjs-wasm', 'zoo']);
    for (const d of results.dispatch) {
      expect(Number.isFinite(d.usPerOp) && d.usPerOp > 0).toBe(true);
    }
    // Zoo and TF.js compute the same products.
    expect(results.agreement).toHaveLength(3);
    for (const a of results.agreement) expect(a.maxRelDiff).toBeLessThan(1e-4);
    // The MLP section: training and inference for all three libraries.
    const mlp = results.mlp!;
    expect(mlp.layers).toEqual([16, 8, 4]);
    expect(mlp.train.map((t) => t.lib).sort()).toEqual(['tfjs-cpu', 'tfjs-wasm', 'zoo']);
    for (const t of mlp.train) {
      expect(Number.isFinite(t.samplesPerSec) && t.samplesPerSec > 0).toBe(true);
      expect(t.steps).toBe(2);
      expect(Number.isFinite(t.lastLoss)).toBe(true);
    }
    expect(mlp.infer).toHaveLength(6);
    for (const t of mlp.infer) expect(Number.isFinite(t.msPerCall) && t.msPerCall > 0).toBe(true);
    // Same weights, same predictions.
    expect(mlp.maxPredictDiff).toBeLessThan(1e-5);
    // The CNN section: Zoo and TF.js cpu train, TF.js wasm reports that it cannot.
    const cnn = results.cnn!;
    expect(cnn.imageSize).toBe(10);
    expect(cnn.train.map((t) => t.lib).sort()).toEqual(['tfjs-cpu', 'tfjs-wasm', 'zoo']);
    for (const t of cnn.train) {
      if (t.lib === 'tfjs-wasm') {
        expect(t.error).toMatch(/not registered for backend 'wasm'/);
        continue;
      }
      expect(t.error).toBeUndefined();
      expect(Number.isFinite(t.samplesPerSec) && t.samplesPerSec > 0).toBe(true);
      expect(t.steps).toBe(t.lib === 'zoo' ? 2 : 1);
      expect(t.batch).toBe(t.lib === 'zoo' ? 4 : 2);
      expect(Number.isFinite(t.lastLoss)).toBe(true);
    }
    expect(cnn.infer).toHaveLength(6);
    for (const t of cnn.infer) expect(Number.isFinite(t.msPerCall) && t.msPerCall > 0).toBe(true);
    // TF.js cpu above cnnCpuSingleCallBatch: one call.
    expect(cnn.infer.find((t) => t.lib === 'tfjs-cpu' && t.batch === 4)!.samples).toBe(1);
    expect(cnn.maxPredictDiff).toBeLessThan(1e-5);
    // The Word2Vec section: Zoo measured for both modes and worker counts, gensim's figures.
    const lstm = results.lstm!;
    expect(lstm.units).toBe(6);
    expect(lstm.train.map((t) => t.lib).sort()).toEqual(['tfjs-cpu', 'tfjs-wasm', 'zoo']);
    for (const t of lstm.train) {
      expect(t.error).toBeUndefined();
      expect(Number.isFinite(t.samplesPerSec) && t.samplesPerSec > 0).toBe(true);
      expect(Number.isFinite(t.lastLoss)).toBe(true);
    }
    expect(lstm.train.find((t) => t.lib === 'tfjs-cpu')!.batch).toBe(3);
    expect(lstm.infer).toHaveLength(6);
    for (const t of lstm.infer) expect(Number.isFinite(t.msPerCall) && t.msPerCall > 0).toBe(true);
    expect(lstm.maxPredictDiff).toBeLessThan(1e-5);

    const w2v = results.w2v!;
    expect(w2v.tokens).toBe(20_000);
    expect(w2v.corpus).toMatch(/synthetic/);
    expect(w2v.vocab).toBeGreaterThan(0);
    const zooW2v = w2v.results.filter((x) => x.lib === 'zoo');
    expect(zooW2v.map((x) => `${x.sg}/${x.workers}`).sort()).toEqual(['0/1', '0/2', '1/1', '1/2']);
    for (const x of zooW2v) {
      expect(Number.isFinite(x.rawWordsPerSec) && x.rawWordsPerSec > 0).toBe(true);
      expect(x.threads).toBe(x.workers);
    }
    const ref = w2v.results.filter((x) => x.lib === 'gensim');
    expect(ref).toHaveLength(4);
    for (const x of ref) expect(x.source).toBe('reference');
    // Every target is evaluated (met or not) at the measured size.
    for (const c of targetChecks(results)) expect(typeof c.met).toBe('boolean');
  });

  it('renders markdown with every section, written to a temp file', () => {
    const md = renderMarkdown(results);
    const dir = mkdtempSync(join(tmpdir(), 'zoo-bench-'));
    try {
      const file = join(dir, 'BENCHMARKS.md');
      writeFileSync(file, md);
      const text = readFileSync(file, 'utf8');
      for (const h of [
        '# Zoo benchmarks',
        '## GEMM',
        '## Dispatch',
        '## MLP',
        '## CNN',
        '## LSTM',
        '## Word2Vec',
        '## Targets',
      ]) {
        expect(text).toMatch(new RegExp(`^${h}`, 'm'));
      }
      expect(text).toContain('| Size | Form | Zoo | TF.js wasm | TF.js cpu | Zoo / TF.js wasm |');
      expect(text).toContain('| 32 | A·B |');
      expect(text).toContain('Zoo MLP 16-8-4 training');
      expect(text).toContain('| TF.js wasm | 4 | cannot train (');
      expect(text).toContain('Zoo CNN training (batch 4, Adam)');
      expect(text).toContain('Zoo CNN inference, batch 4: ≥ 1.3x TF.js wasm');
      expect(text).toContain('Zoo LSTM(6) inference, batch 1: ≥ 10x TF.js wasm');
      expect(text).toContain('Zoo Word2Vec CBOW, 2 workers: ≥ gensim raw words/s');
      expect(text).toContain('| skip-gram | 1 |');
      expect(text).toContain('Command: `vitest bench-smoke`');
      expect(text).not.toMatch(/NaN|Infinity|undefined/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(renderSummary(results)).toContain('Targets');
  });
});

describe('bench CLI arguments', () => {
  it('parses --quick and --out', () => {
    const a = parseArgs(['--quick', '--out', 'x.md']);
    expect(a).not.toBe('help');
    if (a !== 'help') {
      expect(a.quick).toBe(true);
      expect(a.out.endsWith('x.md')).toBe(true);
    }
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--bogus'])).toThrow();
  });
});
