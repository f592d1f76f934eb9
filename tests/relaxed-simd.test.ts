// Node 20 runs relaxed SIMD only behind a flag, so the relaxed build is exercised in a child
// process started with it; everywhere else (Chromium, Deno, Bun, workerd) it is the default.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the relaxed-SIMD build loads when validated and agrees with the scalar references', () => {
  const script = fileURLToPath(new URL('./relaxed/check.mjs', import.meta.url));
  const stdout = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', script], {
    encoding: 'utf8',
  });
  const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  expect(r.relaxedValidated).toBe(true);
  expect(r.variant).toBe('relaxed');
  expect(r.core).toEqual({ simd: true, relaxedSimd: true, threads: 1 });
  expect(r.matMul).toEqual([4, 5, 10, 11]);
  expect(r.checks.length).toBe(11);
  for (const c of r.checks) expect(c.worst, c.kernel).toBeLessThan(1e-5);
});

it('without the flag, Node 20 falls back to the SIMD build', () => {
  const stdout = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import {relaxedSimdSupported} from '@zoo/kernels'; console.log(relaxedSimdSupported())",
    ],
    { encoding: 'utf8' },
  );
  // Node 22+ validates relaxed SIMD by default; on Node 20 it needs the flag.
  const major = Number(process.versions.node.split('.')[0]);
  expect(stdout.trim()).toBe(major >= 22 ? 'true' : 'false');
});
