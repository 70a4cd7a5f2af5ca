import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,device,cloud,simulator,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/cdk.out/**'],
    // Integration tests start real brokers, child processes and browsers: give them room,
    // and keep the 2-core CI machine from running too many at once.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The AWS SDK warns on every process that Node 20 loses support in its 2027 releases;
    // the lockfile pins releases that support it, and the warning drowns test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['shared/src/**', 'cloud/src/**', 'device/src/**', 'simulator/src/**'],
      exclude: ['**/index.ts', '**/*.test.ts', '**/*.contract.ts', '**/*.md'],
      thresholds: {
        // The contract everything depends on: every line is exercised by a test.
        'shared/src/**': { lines: 100, functions: 100, statements: 98, branches: 95 },
        // The IoT SQL evaluator: the project's own core, run by both runtimes' rules.
        'cloud/src/iot-sql/**': { lines: 100, functions: 100, statements: 100, branches: 100 },
      },
    },
  },
});
