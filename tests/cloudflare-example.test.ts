// The Cloudflare Worker example bundles as wrangler bundles it (esbuild with the workerd
// conditions, `.wasm` imports left to the runtime as compiled modules) into a script that
// imports the kernel modules and embeds no wasm. (tests/ for the runtime matrix run it in
// workerd.)
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples/cloudflare-worker', () => {
  it('bundles with the workerd condition to a script without embedded wasm', async () => {
    const result = await build({
      entryPoints: [`${root}examples/cloudflare-worker/worker.ts`],
      absWorkingDir: root,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      external: ['*.wasm'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const text = result.outputFiles[0].text;
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('wasm/dist/slim.js'))).toBe(true);
    expect(inputs.filter((f) => f.includes('generated/') && f.endsWith('wasm.js'))).toEqual([]);
    expect(text).not.toMatch(/[A-Za-z0-9+/]{2000}/);
    expect(text).toMatch(/from\s*"@zoo\/kernels\/zoo-simd\.wasm"/);
    expect(text).toMatch(/from\s*"@zoo\/kernels\/zoo-word2vec-simd\.wasm"/);
  });
});
