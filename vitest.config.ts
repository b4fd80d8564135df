import {defineConfig} from 'vitest/config';

// Two projects: fast unit tests over pure logic and real fixtures, and end-to-end tests against
// the real control plane that test/e2e/global-setup.ts builds and starts once per run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // One cluster for the whole run; files isolate by namespace. Two cores: keep it calm.
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
