import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run on the TypeScript sources; the packaging tests check the built packages.
    alias: {
      '@zoo/core': here('./packages/core/src/index.ts'),
      '@zoo/cnn': here('./packages/cnn/src/index.ts'),
      '@zoo/dnn': here('./packages/dnn/src/index.ts'),
      '@zoo/kernels': here('./wasm/src/index.ts'),
      '@zoo/resnet': here('./packages/resnet/src/index.ts'),
      '@zoo/lstm': here('./packages/lstm/src/index.ts'),
      '@zoo/word2vec': here('./packages/word2vec/src/index.ts'),
    },
  },
  test: {
    include: ['wasm/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
