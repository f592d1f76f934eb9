#!/usr/bin/env node
// Releases the public @zoo/* packages: `changeset version` (applies the pending changesets in
// .changeset/: new versions, internal dependency ranges, CHANGELOG.md files), then
// `npm publish` of each public package, dependencies first.
//
//   npm run release -- --dry-run [--json] [--keep]
//   npm run release            (needs `npm login`; commit the version bump afterwards)
//
// --dry-run never touches the repository: it copies the workspace (package.json files,
// .changeset/, and each public package's published files) to a temporary directory, runs
// `changeset version` there and `npm publish --dry-run` of each package from there, so it
// shows the versions and the file lists that a real release would publish. --json prints
// one JSON report on stdout (the log goes to stderr); --keep leaves the temporary copy.
// Both modes publish what is built: run `npm run build` first (a real release builds itself).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const dryRun = args.has('--dry-run');
const json = args.has('--json');
const keep = args.has('--keep');
for (const a of args) {
  if (!['--dry-run', '--json', '--keep'].includes(a)) {
    console.error(`release: unknown option ${a} (expected --dry-run, --json, --keep)`);
    process.exit(2);
  }
}
const log = (...m) => console.error('[release]', ...m);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const changesetBin = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
const npm = (cwd, npmArgs, opts = {}) =>
  execFileSync('npm', npmArgs, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'],
  });

/** The workspace packages (directory relative to the root, manifest), from the root globs. */
function workspacePackages(base) {
  const out = [];
  for (const pattern of readJson(join(base, 'package.json')).workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(base, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `${pattern.slice(0, -2)}/${d.name}`)
      : [pattern];
    for (const dir of dirs) {
      const manifest = join(base, dir, 'package.json');
      if (existsSync(manifest)) out.push({ dir, pkg: readJson(manifest) });
    }
  }
  return out;
}

/** Public packages, each after the workspace packages it depends on. */
function publishOrder(packages) {
  const byName = new Map(packages.map((p) => [p.pkg.name, p]));
  const done = new Set();
  const order = [];
  const visit = (p, path) => {
    if (done.has(p.pkg.name)) return;
    if (path.includes(p.pkg.name)) {
      throw new Error(`release: dependency cycle ${[...path, p.pkg.name].join(' -> ')}`);
    }
    const deps = { ...p.pkg.dependencies, ...p.pkg.peerDependencies };
    for (const name of Object.keys(deps)) {
      const dep = byName.get(name);
      if (dep !== undefined) visit(dep, [...path, p.pkg.name]);
    }
    done.add(p.pkg.name);
    if (!p.pkg.private) order.push(p);
  };
  for (const p of [...packages].sort((a, b) => a.pkg.name.localeCompare(b.pkg.name))) visit(p, []);
  return order;
}

/** The pending changeset files. */
function pendingChangesets(base) {
  const dir = join(base, '.changeset');
  return readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');
}

/** Fails unless every public package has its build (dist/, and build/ for the kernels). */
function checkBuilt(base, packages) {
  for (const { dir, pkg } of packages) {
    if (pkg.private) continue;
    if (!existsSync(join(base, dir, 'dist', 'index.js'))) {
      throw new Error(
        `release: ${pkg.name} is not built (${dir}/dist/index.js is missing): run npm run build`,
      );
    }
  }
}

/** Copies what `changeset version` and `npm publish` read into a temporary workspace. */
function copyWorkspace(packages) {
  const tmp = mkdtempSync(join(tmpdir(), 'zoo-release-'));
  for (const f of ['package.json', 'LICENSE', '.changeset']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(tmp, f), { recursive: true });
  }
  for (const { dir, pkg } of packages) {
    const keepTop = pkg.private
      ? ['package.json', 'CHANGELOG.md']
      : [
          'package.json',
          'CHANGELOG.md',
          'README.md',
          'LICENSE',
          // The top-level entries `files` names (npm always adds package.json, README, LICENSE).
          ...(pkg.files ?? []).filter((f) => !f.startsWith('!')).map((f) => f.split('/')[0]),
        ];
    for (const entry of new Set(keepTop)) {
      const from = join(root, dir, entry);
      if (existsSync(from)) cpSync(from, join(tmp, dir, entry), { recursive: true });
    }
  }
  return tmp;
}

function main() {
  const packages = workspacePackages(root);
  const changesets = pendingChangesets(root);
  log(
    changesets.length === 0
      ? 'no pending changesets: the current versions are published'
      : `pending changesets: ${changesets.join(', ')}`,
  );
  if (!dryRun) execFileSync('npx', ['turbo', 'run', 'build'], { cwd: root, stdio: 'inherit' });
  checkBuilt(root, packages);

  const base = dryRun ? copyWorkspace(packages) : root;
  if (dryRun) log(`dry run in ${base}`);
  const report = { dryRun, changesets, packages: [] };
  try {
    if (changesets.length > 0) {
      execFileSync(process.execPath, [changesetBin, 'version'], {
        cwd: base,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
    }
    const versioned = workspacePackages(base);
    for (const { dir, pkg } of publishOrder(versioned)) {
      const before = packages.find((p) => p.dir === dir)?.pkg.version;
      const cwd = join(base, dir);
      let files = [];
      if (dryRun) {
        const out = npm(cwd, ['publish', '--dry-run', '--json', '--offline'], { quiet: true });
        const res = JSON.parse(out);
        const info = res[pkg.name] ?? res;
        files = info.files.map((f) => f.path).sort();
        log(
          `would publish ${pkg.name}@${pkg.version} (${pkg.version === before ? 'unchanged: skipped if already on the registry' : `was ${before}`}): ${files.length} files, ${info.size} B packed`,
        );
      } else {
        const published = (() => {
          try {
            return npm(cwd, ['view', `${pkg.name}@${pkg.version}`, 'version'], {
              quiet: true,
            }).trim();
          } catch {
            return '';
          }
        })();
        if (published === pkg.version) {
          log(`${pkg.name}@${pkg.version} is already published: skipped`);
          continue;
        }
        // Interactive: npm may ask for a one-time password.
        execFileSync('npm', ['publish'], { cwd, stdio: 'inherit' });
        log(`published ${pkg.name}@${pkg.version}`);
      }
      report.packages.push({
        name: pkg.name,
        dir: relative(base, cwd),
        previousVersion: before,
        version: pkg.version,
        dependencies: pkg.dependencies ?? {},
        files,
      });
    }
  } finally {
    if (dryRun && !keep) rmSync(base, { recursive: true, force: true });
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!dryRun)
    log('done: commit the version bump (package.json, CHANGELOG.md files, .changeset/)');
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
