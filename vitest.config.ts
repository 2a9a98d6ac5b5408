// Two projects in one config so one command can run both (STYLE §9):
// `unit` has no network and no real clock; `integration` talks to the real
// servers that deploy/local/services starts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,ingest,model,detector,dashboards,bin,test}/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'dist/**', 'test/integration/**', '**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.int.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration tests share real servers; run files one at a time so
          // a broker restart in one file cannot disturb another.
          fileParallelism: false,
        },
      },
    ],
  },
});
