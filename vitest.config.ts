import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['wasm/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
