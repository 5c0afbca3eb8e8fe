import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/temp-root.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // onnxruntime sessions use 2 threads each; one test file at a time keeps timings sane on 2 cores
    fileParallelism: false,
    pool: 'forks',
  },
});
