// The release pipeline and the published manifests: every public package carries the metadata
// npm needs, and `npm run release -- --dry-run` (changeset version + npm publish --dry-run of
// each package, in dependency order) works on a pending changeset without touching the repo.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The public workspace packages, by directory. */
const PACKAGES: Record<string, string> = {
  wasm: '@zoo/kernels',
  'packages/core': '@zoo/core',
  'packages/dnn': '@zoo/dnn',
  'packages/cnn': '@zoo/cnn',
  'packages/resnet': '@zoo/resnet',
  'packages/lstm': '@zoo/lstm',
  'packages/word2vec': '@zoo/word2vec',
};

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  type?: string;
  sideEffects?: boolean;
  engines?: { node?: string };
  main?: string;
  types?: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory?: string };
  publishConfig?: { access?: string };
  files?: string[];
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
}

const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;

/** Every file path an `exports` map (and main / types) points at, without the leading `./`. */
function exportedFiles(m: Manifest): string[] {
  const out = new Set<string>();
  const add = (v: string | Record<string, string>) => {
    if (typeof v === 'string') out.add(v.replace(/^\.\//, ''));
    else for (const x of Object.values(v)) add(x);
  };
  for (const v of Object.values(m.exports ?? {})) add(v);
  if (m.main) add(m.main);
  if (m.types) add(m.types);
  return [...out];
}

/** A fingerprint of everything a release run could change in the repository. */
function repoFingerprint(): string {
  const hash = createHash('sha256');
  const dirs = ['.', 'wasm', 'apps/bench', 'apps/node-demo', 'apps/web-demo'];
  for (const d of Object.keys(PACKAGES)) dirs.push(d);
  for (const d of readdirSync(join(root, 'apps'))) dirs.push(`apps/${d}`);
  for (const d of [...new Set(dirs)].sort()) {
    for (const f of ['package.json', 'CHANGELOG.md']) {
      const p = join(root, d, f);
      hash.update(`${d}/${f}:${existsSync(p) ? readFileSync(p, 'utf8') : '-'}\n`);
    }
  }
  for (const f of readdirSync(join(root, '.changeset')).sort()) {
    hash.update(`.changeset/${f}:${readFileSync(join(root, '.changeset', f), 'utf8')}\n`);
  }
  return hash.digest('hex');
}

function bumpMinor(v: string): string {
  const [major, minor] = v.split('.').map(Number);
  return `${major}.${minor + 1}.0`;
}

describe('package manifests', () => {
  const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');

  for (const [dir, name] of Object.entries(PACKAGES)) {
    it(`${name} is publishable`, () => {
      const m = manifest(dir);
      expect(m.name).toBe(name);
      expect(m.private).toBeUndefined();
      expect(m.license).toBe('MIT');
      expect(m.type).toBe('module');
      expect(m.sideEffects).toBe(false);
      expect(m.engines?.node).toBe('>=20');
      expect(m.keywords?.length).toBeGreaterThan(3);
      expect(m.repository?.type).toBe('git');
      expect(m.repository?.directory).toBe(dir);
      expect(m.publishConfig?.access).toBe('public');
      expect(m.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
      const dot = m.exports?.['.'] as Record<string, string>;
      expect(dot.types).toBe('./dist/index.d.ts');
      expect(dot.default).toBe('./dist/index.js');
      expect(m.exports?.['./package.json']).toBe('./package.json');
      // The LICENSE file shipped in the tarball is the repository's.
      expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toBe(rootLicense);
      const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
      expect(readme).toContain(`# ${name}`);
      expect(readme).toMatch(/```(js|ts)\n[\s\S]*from '@zoo\//);
      // Workspace dependencies are pinned to the workspace's versions.
      for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
        const depDir = Object.keys(PACKAGES).find((d) => PACKAGES[d] === dep);
        if (depDir !== undefined) expect(range, `${name} -> ${dep}`).toBe(manifest(depDir).version);
      }
    });
  }

  it('@zoo/kernels has a slim entry (no embedded wasm) under the workerd and zoo-slim conditions', () => {
    const m = manifest('wasm');
    const dot = m.exports?.['.'] as Record<string, string>;
    expect(Object.keys(dot)).toEqual(['types', 'workerd', 'zoo-slim', 'default']);
    expect(dot.workerd).toBe('./dist/slim.js');
    expect(dot['zoo-slim']).toBe('./dist/slim.js');
    expect(m.exports?.['./slim']).toEqual({ types: './dist/slim.d.ts', default: './dist/slim.js' });
    for (const f of ['zoo-simd', 'zoo-relaxed', 'zoo-word2vec-simd', 'zoo-word2vec-threads']) {
      expect(m.exports?.[`./${f}.wasm`]).toBe(`./build/${f}.wasm`);
    }
  });
});

describe('npm run release -- --dry-run', () => {
  it('versions a pending changeset and would publish every package, dependencies first, leaving the repo as it was', () => {
    for (const dir of Object.keys(PACKAGES)) {
      if (!existsSync(join(root, dir, 'dist', 'index.js'))) {
        throw new Error(`${dir} is not built: run npm run build before this test`);
      }
    }
    const before = manifestsNow();
    const changeset = join(root, '.changeset', `release-test-${process.pid}.md`);
    const fingerprint = repoFingerprint();
    writeFileSync(changeset, "---\n'@zoo/core': minor\n---\n\nRelease dry-run test.\n");
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [join(root, 'scripts', 'release.mjs'), '--dry-run', '--json'],
        { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 110_000 },
      );
    } finally {
      rmSync(changeset, { force: true });
    }
    expect(repoFingerprint()).toBe(fingerprint);

    const report = JSON.parse(out) as {
      dryRun: boolean;
      changesets: string[];
      packages: {
        name: string;
        dir: string;
        previousVersion: string;
        version: string;
        dependencies: Record<string, string>;
        files: string[];
      }[];
    };
    expect(report.dryRun).toBe(true);
    expect(report.changesets).toContain(`release-test-${process.pid}.md`);
    const names = report.packages.map((p) => p.name);
    expect([...names].sort()).toEqual(Object.values(PACKAGES).sort());
    // Dependency order: each package after the workspace packages it depends on.
    for (const p of report.packages) {
      for (const dep of Object.keys(p.dependencies)) {
        if (dep.startsWith('@zoo/')) expect(names.indexOf(dep)).toBeLessThan(names.indexOf(p.name));
      }
    }

    const byName = new Map(report.packages.map((p) => [p.name, p]));
    const core = byName.get('@zoo/core')!;
    expect(core.previousVersion).toBe(before['@zoo/core']);
    expect(core.version).toBe(bumpMinor(before['@zoo/core']));
    for (const p of report.packages) {
      if (p.dependencies['@zoo/core'] !== undefined) {
        // Dependents are released too (linked @zoo/* versions) and pin the new core.
        expect(p.dependencies['@zoo/core'], p.name).toBe(core.version);
        expect(p.version, p.name).toBe(core.version);
      }
    }
    // Packages that do not depend on @zoo/core keep their versions.
    expect(byName.get('@zoo/kernels')!.version).toBe(before['@zoo/kernels']);
    expect(byName.get('@zoo/word2vec')!.version).toBe(before['@zoo/word2vec']);

    for (const p of report.packages) {
      const m = manifest(p.dir);
      const files = p.files;
      expect(files, p.name).toEqual(
        expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...exportedFiles(m)]),
      );
      // Sources ship for the source maps; tests, tsconfigs and build scripts do not.
      expect(
        files.filter((f) => /(^|\/)test\/|\.test\.|tsconfig|^scripts\//.test(f)),
        p.name,
      ).toEqual([]);
      expect(
        files.every((f) => /^(dist|src|build)\/|^(package\.json|README\.md|LICENSE)$/.test(f)),
        p.name,
      ).toBe(true);
      expect(
        files.some((f) => f.startsWith('src/') && f.endsWith('.ts')),
        p.name,
      ).toBe(true);
    }
    const kernels = byName.get('@zoo/kernels')!.files;
    expect(kernels).toEqual(
      expect.arrayContaining([
        'dist/slim.js',
        'dist/generated/wasm.js',
        'dist/generated/word2vec-wasm.js',
        'build/zoo-simd.wasm',
        'build/zoo-relaxed.wasm',
        'build/zoo-word2vec-simd.wasm',
        'build/zoo-word2vec-relaxed.wasm',
        'build/zoo-word2vec-threads.wasm',
      ]),
    );
    // The base64 wasm ships once (in dist/), not again in src/.
    expect(kernels.filter((f) => f.startsWith('src/generated/') && f.endsWith('wasm.js'))).toEqual(
      [],
    );
  });
});

function manifestsNow(): Record<string, string> {
  return Object.fromEntries(Object.entries(PACKAGES).map(([d, n]) => [n, manifest(d).version]));
}
