import { defineConfig } from 'vitest/config';

// Two projects: pure-TypeScript tests in Node, and browser tests that drive Chromium. The browser
// files run one at a time: software WebGL already uses every core.
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
