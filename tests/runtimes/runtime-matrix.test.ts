// Issue 9's runtime matrix: the same saved CNN and LSTM (TF.js format, tests/runtimes/fixtures),
// the same word2vec.c binary vectors, a tiny MLP trained a few seeded steps and a Word2Vec
// trained on 1 worker give bit-identical results in Node, headless Chromium, Cloudflare workerd
// (miniflare, the kernels imported as wasm modules and passed to `ready({ module })`), Deno and
// Bun. One module (matrix-entry.ts) is bundled with esbuild (neutral platform for Node, Deno,
// Bun and workerd; browser platform for Chromium) and returns SHA-256 digests of raw float bytes.
//
// Kernel variant: every runtime runs the plain 'simd' build (`ready({ variant: 'simd' })`, or the
// zoo-simd.wasm module on workerd). Relaxed SIMD results may legitimately differ between engines
// and CPUs, and Chromium, Deno, Bun and workerd validate it while Node 20 does not; pinning the
// same build is what makes bit-identity a fair requirement. (Measured here: with 'auto', V8
// with relaxed SIMD (Node --experimental-wasm-relaxed-simd, Deno) gives other CNN, LSTM and
// MLP bits than the SIMD build, Bun's JavaScriptCore the same; Word2Vec and KeyedVectors use
// no relaxed instruction and agree either way.)
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { wasmBytes, word2vecWasmBytes } from '@zoo/kernels';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundle,
  chromiumAvailable,
  launchChromium,
  modulePage,
  openModulePage,
  repoRoot,
  serve,
} from '../browser/harness.js';
import {
  CNN_INPUT,
  fixedFloats,
  fixedTokens,
  LSTM_INPUT,
  type MatrixResult,
  runMatrix,
} from './matrix-entry.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('./', import.meta.url));
const fixtures = join(here, 'fixtures');
const deno = join(repoRoot, 'node_modules/.bin/deno');
const bun = join(repoRoot, 'node_modules/.bin/bun');

/** A runtime that must be present: in CI its absence fails the test, elsewhere it skips. */
function present(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI) throw new Error(`runtime matrix: ${what} not found at ${path}`);
  return false;
}

/** The last line of a child's stdout, parsed. */
function lastJson(stdout: string): MatrixResult {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as MatrixResult;
}

let work: string;
let neutral: string;
let node: MatrixResult;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zoo-matrix-'));
  neutral = await bundle({ entry: join(here, 'matrix-entry.ts'), platform: 'neutral' });
  await writeFile(join(work, 'matrix.mjs'), neutral);
  await copyFile(join(here, 'runners/cli.mjs'), join(work, 'cli.mjs'));
  // Node runs the same bundle as Deno and Bun, in a child process of its own.
  const { stdout } = await run(process.execPath, [join(work, 'cli.mjs'), fixtures]);
  node = lastJson(stdout);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function expectSameAsNode(r: MatrixResult): void {
  expect(r.backend).toEqual({ simd: true, relaxedSimd: false, threads: 1 });
  // Readable diffs first, then every digest.
  expect(r.values.cnn).toEqual(node.values.cnn);
  expect(r.values.lstm).toEqual(node.values.lstm);
  expect(r.values.mostSimilar).toEqual(node.values.mostSimilar);
  expect(r.values.mlpLoss).toEqual(node.values.mlpLoss);
  expect(r.values.w2vLosses).toEqual(node.values.w2vLosses);
  expect(r.hashes).toEqual(node.hashes);
}

describe('Node (the reference)', () => {
  it('computes every check, and agrees with TF.js on the saved CNN and LSTM', async () => {
    expect(Object.keys(node.hashes).sort()).toEqual(
      [
        'cnn',
        'lstm',
        'mlpLoss',
        'mlpWeights',
        'w2vQueries',
        'w2vSimilarity',
        'w2vTrained',
        'w2vUnit',
        'w2vVectors',
      ].sort(),
    );
    expect(node.backend).toEqual({ simd: true, relaxedSimd: false, threads: 1 });
    await tf.setBackend('cpu');
    const predict = async (dir: string, x: tf.Tensor) => {
      const json = JSON.parse(await readFile(join(fixtures, dir, 'model.json'), 'utf8'));
      const w = await readFile(join(fixtures, dir, 'weights.bin'));
      const m = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength),
        }),
      );
      const y = m.predict(x) as tf.Tensor;
      const v = Array.from(await y.data());
      tf.dispose([x, y]);
      m.dispose();
      return v;
    };
    const [n] = CNN_INPUT;
    const cnnRef = await predict(
      'cnn',
      tf.tensor(
        fixedFloats(
          CNN_INPUT.reduce((a: number, b) => a * b, 1),
          1,
        ),
        [...CNN_INPUT],
      ),
    );
    const lstmRef = await predict(
      'lstm',
      tf.tensor(fixedTokens(LSTM_INPUT[0] * LSTM_INPUT[1], 40, 2), [...LSTM_INPUT], 'int32'),
    );
    expect(node.values.cnn.length).toBe(n * 10);
    expect(node.values.lstm.length).toBe(LSTM_INPUT[0] * 3);
    for (const [i, v] of node.values.cnn.entries())
      expect(Math.abs(v - cnnRef[i])).toBeLessThan(1e-5);
    for (const [i, v] of node.values.lstm.entries())
      expect(Math.abs(v - lstmRef[i])).toBeLessThan(1e-5);
    // The vectors are meaningful: a topic word's neighbours are mostly from its topic.
    const sameTopic = node.values.mostSimilar.filter(([w]) => w.startsWith('topic0_')).length;
    expect(sameTopic).toBeGreaterThanOrEqual(5);
    expect(node.values.doesntMatch).toBe('topic5_w0');
    expect(node.values.mlpLoss.every(Number.isFinite)).toBe(true);
    expect(node.values.mlpLoss[3]).toBeLessThan(node.values.mlpLoss[0] * 0.9);
  });

  it('the unbundled sources in this process give the same digests as the bundle', async () => {
    const text = (p: string) => readFile(join(fixtures, p), 'utf8');
    const bytes = async (p: string) => new Uint8Array(await readFile(join(fixtures, p)));
    const r = await runMatrix({
      cnnModel: await text('cnn/model.json'),
      cnnWeights: await bytes('cnn/weights.bin'),
      lstmModel: await text('lstm/model.json'),
      lstmWeights: await bytes('lstm/weights.bin'),
      vectors: await bytes('vectors.bin'),
    });
    expectSameAsNode(r);
    // The digests see a small change: flip mantissa bit 8 (a relative change of about 3e-5)
    // of the CNN's first conv weight.
    const flipped = (await bytes('cnn/weights.bin')).slice();
    flipped[1] ^= 1;
    const r2 = await runMatrix({
      cnnModel: await text('cnn/model.json'),
      cnnWeights: flipped,
      lstmModel: await text('lstm/model.json'),
      lstmWeights: await bytes('lstm/weights.bin'),
      vectors: await bytes('vectors.bin'),
    });
    expect(r2.hashes.cnn).not.toBe(r.hashes.cnn);
    expect({ ...r2.hashes, cnn: r.hashes.cnn }).toEqual(r.hashes);
  });
});

describe.skipIf(!present(deno, 'deno (npm deno)'))('Deno', () => {
  it('Deno: the same bits as Node', async () => {
    const { stdout } = await run(
      deno,
      [
        'run',
        '--no-prompt',
        '--no-config',
        '--no-lock',
        `--allow-read=${work},${fixtures}`,
        join(work, 'cli.mjs'),
        fixtures,
      ],
      {
        env: {
          ...process.env,
          DENO_NO_UPDATE_CHECK: '1',
          NO_COLOR: '1',
          DENO_DIR: join(work, 'deno'),
        },
      },
    );
    expectSameAsNode(lastJson(stdout));
  });
});

describe.skipIf(!present(bun, 'bun (npm bun)'))('Bun', () => {
  it('Bun: the same bits as Node', async () => {
    const { stdout } = await run(bun, [join(work, 'cli.mjs'), fixtures], {
      cwd: work,
      env: { ...process.env, DO_NOT_TRACK: '1', NO_COLOR: '1' },
    });
    expectSameAsNode(lastJson(stdout));
  });
});

describe('Cloudflare workerd (miniflare)', () => {
  it('workerd: the same bits as Node, the kernels imported as wasm modules', async () => {
    const { Miniflare } = await import('miniflare');
    // As a Workers app is bundled: `@zoo/kernels` resolves to its slim entry (no wasm bytes
    // embedded; the `workerd` export condition picks it), the kernels come as wasm modules.
    const slim = await bundle({
      entry: join(here, 'matrix-entry.ts'),
      platform: 'neutral',
      alias: { '@zoo/kernels': join(repoRoot, 'wasm/src/slim.ts') },
    });
    // No embedded wasm ('AGFzbQ' is base64 of the wasm magic '\0asm').
    expect(neutral).toContain('AGFzbQ');
    expect(slim).not.toContain('AGFzbQ');
    const file = (p: string) => readFile(join(fixtures, p));
    const mf = new Miniflare({
      compatibilityDate: '2025-09-01',
      modulesRoot: work,
      modules: [
        {
          type: 'ESModule',
          path: join(work, 'worker.mjs'),
          contents: await readFile(join(here, 'runners/worker.mjs'), 'utf8'),
        },
        { type: 'ESModule', path: join(work, 'matrix.mjs'), contents: slim },
        { type: 'CompiledWasm', path: join(work, 'zoo-simd.wasm'), contents: wasmBytes('simd') },
        {
          type: 'CompiledWasm',
          path: join(work, 'zoo-word2vec-simd.wasm'),
          contents: word2vecWasmBytes('simd'),
        },
        {
          type: 'Text',
          path: join(work, 'fixtures/cnn/model.json'),
          contents: await file('cnn/model.json'),
        },
        {
          type: 'Data',
          path: join(work, 'fixtures/cnn/weights.bin'),
          contents: await file('cnn/weights.bin'),
        },
        {
          type: 'Text',
          path: join(work, 'fixtures/lstm/model.json'),
          contents: await file('lstm/model.json'),
        },
        {
          type: 'Data',
          path: join(work, 'fixtures/lstm/weights.bin'),
          contents: await file('lstm/weights.bin'),
        },
        {
          type: 'Data',
          path: join(work, 'fixtures/vectors.bin'),
          contents: await file('vectors.bin'),
        },
      ],
    });
    try {
      const res = await mf.dispatchFetch('http://localhost/');
      const body = await res.text();
      expect(res.status, body).toBe(200);
      expectSameAsNode(JSON.parse(body) as MatrixResult);
    } finally {
      await mf.dispose();
    }
  });
});

describe.skipIf(!chromiumAvailable())('headless Chromium', () => {
  it('Chromium: the same bits as Node', async () => {
    const code = await bundle({ entry: join(here, 'runners/page.ts') });
    const server = await serve({ dir: here, files: { '/': modulePage(), '/bundle.js': code } });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await openModulePage(page, `${server.origin}/`);
      const r = await page.evaluate(() =>
        (globalThis as unknown as { zooMatrix(): Promise<MatrixResult> }).zooMatrix(),
      );
      expectSameAsNode(r);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
