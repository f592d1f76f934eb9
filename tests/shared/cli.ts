// Running a Node script or CLI as a user does, and checking how it fails: shared by the tests
// of zoo-demo and of the example scripts.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/** Runs `node script ...args` in `cwd` and returns its exit status and output as text. */
export function runNode(
  script: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 110_000,
    env,
  });
}

/**
 * Exit code 2, a single `<prefix>: ...` line on stderr matching `pattern`, no stack trace and
 * nothing on stdout: how the CLIs end on a bad command line or a missing or corrupt file.
 */
export function expectOneLineError(
  r: SpawnSyncReturns<string>,
  prefix: string,
  pattern: RegExp,
): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`${prefix}: `), lines[0]).toBe(true);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}
