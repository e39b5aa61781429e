import { defineConfig } from 'vitest/config';

// One config for the whole repo. `unit` runs next-to-the-code tests; `e2e` drives the real tools
// (gpg, terraform, the Action's bundle, Chromium) and therefore runs with fewer workers and longer timeouts.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    // CI also writes a JSON report, from which .ci/run prints its one-line summary.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.vitest-results.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'action/src/**/*.test.ts',
            'desktop/test/**/*.test.ts',
            'desktop/src/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts', 'action/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
