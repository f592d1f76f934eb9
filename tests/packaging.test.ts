// Installs alone: `npm pack` every package, then in empty temporary projects install
// `@zoo/word2vec` and `@zoo/cnn` from those tarballs (with the tarballs of their own
// dependencies and nothing else: offline, with an empty npm cache), run an example in Node,
// type-check it against the shipped declarations and bundle it with esbuild for the browser.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleApp } from '../apps/bench/src/sizes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DIRS = [
  'wasm',
  'packages/core',
  'packages/dnn',
  'packages/cnn',
  'packages/resnet',
  'packages/lstm',
  'packages/word2vec',
];

/** The environment for child npm/node processes, without what `npm test` puts in it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_OPTIONS$|VITEST|INIT_CWD$)/i.test(k)) env[k] = v;
  }
  env.NO_UPDATE_NOTIFIER = '1';
  return env;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      env: cleanEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stderr ?? ''}${e.stdout ?? ''}`,
    );
  }
}

let tmp = '';
const tarballs = new Map<string, string>();

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'zoo-packaging-'));
  for (const dir of DIRS) {
    const manifest = join(root, dir, 'package.json');
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
    const entry = join(root, dir, 'dist', 'index.js');
    try {
      readFileSync(entry);
    } catch {
      throw new Error(`${name} is not built (${entry} is missing): run npm run build first`);
    }
  }
  mkdirSync(join(tmp, 'tarballs'));
  const out = run(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      join(tmp, 'tarballs'),
      ...DIRS.flatMap((d) => ['-w', d]),
    ],
    root,
  );
  for (const p of JSON.parse(out) as { name: string; filename: string }[]) {
    tarballs.set(p.name, join(tmp, 'tarballs', p.filename));
  }
}, 60_000);

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

/** An empty project with `packages` installed from their tarballs only, and `app.mjs`. */
function project(name: string, packages: string[], app: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'app.mjs'), app);
  const files = packages.map((p) => {
    const t = tarballs.get(p);
    if (t === undefined) throw new Error(`no tarball for ${p}`);
    return t;
  });
  // --offline with an empty cache: anything not in the tarballs fails to install.
  run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--cache',
      join(tmp, `cache-${name}`),
      ...files,
    ],
    dir,
  );
  return dir;
}

/** Bundles `app.mjs` for the browser as the size benchmark does (minified ESM, es2022). */
async function bundleForBrowser(dir: string): Promise<string> {
  const code = readFileSync(join(dir, 'app.mjs'), 'utf8');
  return new TextDecoder().decode(await bundleApp({ name: 'app', code }, dir));
}

/** Type-checks `app.ts` (strict, NodeNext) against the installed packages' declarations. */
function typecheck(dir: string, code: string): void {
  writeFileSync(join(dir, 'app.ts'), code);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['app.ts'],
    }),
  );
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
}

const W2V_APP = `import { Word2Vec } from '@zoo/word2vec';

// Two topics that never share a sentence: each word's neighbours are its own topic's words.
const topics = [['cat', 'dog', 'pet', 'fur', 'paw'], ['car', 'road', 'wheel', 'drive', 'fuel']];
const sentences = [];
for (let i = 0; i < 400; i++) {
  const t = topics[i % 2];
  sentences.push(Array.from({ length: 10 }, (_, j) => t[(i * 7 + j * 3 + (j * j) % 5) % 5]));
}
const w2v = await Word2Vec.train(sentences, { vectorSize: 16, window: 3, minCount: 1, epochs: 10, negative: 5, seed: 7 });
const similar = w2v.wv.mostSimilar('cat', 4).map(([w]) => w);
console.log(JSON.stringify({ vocab: w2v.wv.vocab.length, similar }));
`;

const CNN_APP = `import * as zoo from '@zoo/cnn';

await zoo.ready();
zoo.setSeed(3);
// 64 8x8 one-channel images; the label says whether the left half is brighter.
const x = zoo.randomUniform([64, 8, 8, 1]);
const left = zoo.mean(zoo.slice(x, [0, 0, 0, 0], [64, 8, 4, 1]), [1, 2, 3]);
const right = zoo.mean(zoo.slice(x, [0, 0, 4, 0], [64, 8, 4, 1]), [1, 2, 3]);
const y = zoo.cast(zoo.greater(left, right), 'int32');
const model = zoo.sequential();
model.add(zoo.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }));
model.add(zoo.maxPooling2d({ poolSize: 2 }));
model.add(zoo.flatten());
model.add(zoo.dense({ units: 2, activation: 'softmax' }));
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
const p = model.predict(x);
console.log(JSON.stringify({ loss: history.history.loss, shape: p.shape, row: Array.from(p.dataSync().slice(0, 2)) }));
`;

describe('packaging', () => {
  it('packs every package', () => {
    expect([...tarballs.keys()].sort()).toEqual(
      [
        '@zoo/cnn',
        '@zoo/core',
        '@zoo/dnn',
        '@zoo/kernels',
        '@zoo/lstm',
        '@zoo/resnet',
        '@zoo/word2vec',
      ].sort(),
    );
  });

  it('@zoo/word2vec installs alone (with @zoo/kernels), trains in Node and bundles for the browser', async () => {
    const dir = project('w2v-app', ['@zoo/kernels', '@zoo/word2vec'], W2V_APP);
    expect(readdirSync(join(dir, 'node_modules', '@zoo')).sort()).toEqual(['kernels', 'word2vec']);
    expect(readdirSync(join(dir, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual([
      '@zoo',
    ]);

    const out = JSON.parse(run(process.execPath, ['app.mjs'], dir)) as {
      vocab: number;
      similar: string[];
    };
    expect(out.vocab).toBe(10);
    expect(out.similar.sort()).toEqual(['dog', 'fur', 'paw', 'pet']);

    typecheck(
      dir,
      `import { Word2Vec } from '@zoo/word2vec';\nconst w = await Word2Vec.train([['a', 'b']], { minCount: 1 });\nconst s: [string, number][] = w.wv.mostSimilar('a', 1);\nconsole.log(s);\n`,
    );
    const bundle = await bundleForBrowser(dir);
    expect(bundle).toContain('mostSimilar');
    expect(bundle).not.toMatch(/from\s*["']node:/);
  });

  it('@zoo/cnn installs alone (with core, dnn, kernels), trains in Node and bundles for the browser', async () => {
    const dir = project('cnn-app', ['@zoo/kernels', '@zoo/core', '@zoo/dnn', '@zoo/cnn'], CNN_APP);
    expect(readdirSync(join(dir, 'node_modules', '@zoo')).sort()).toEqual([
      'cnn',
      'core',
      'dnn',
      'kernels',
    ]);
    expect(readdirSync(join(dir, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual([
      '@zoo',
    ]);

    const out = JSON.parse(run(process.execPath, ['app.mjs'], dir)) as {
      loss: number[];
      shape: number[];
      row: number[];
    };
    expect(out.loss).toHaveLength(3);
    expect(out.loss.every(Number.isFinite)).toBe(true);
    expect(out.shape).toEqual([64, 2]);
    expect(out.row[0] + out.row[1]).toBeCloseTo(1, 5);

    typecheck(
      dir,
      `import * as zoo from '@zoo/cnn';\nawait zoo.ready();\nconst m = zoo.lenet5({ numClasses: 10 });\nconst p: zoo.Tensor = m.predict(zoo.zeros([1, 28, 28, 1])) as zoo.Tensor;\nconsole.log(p.shape);\n`,
    );
    const bundle = await bundleForBrowser(dir);
    expect(bundle).toContain('sparseCategoricalCrossentropy');
    expect(bundle).not.toMatch(/from\s*["']node:/);
  });
});
