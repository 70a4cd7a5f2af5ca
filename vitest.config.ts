import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,device,cloud,simulator,test,scripts}/**/*.test.ts'],
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
      include: ['shared/src/**/*.ts', 'cloud/src/**/*.ts', 'device/src/**/*.ts', 'simulator/src/**/*.ts'],
      exclude: ['**/index.ts', '**/*.test.ts', '**/*.contract.ts', '**/*.md'],
      thresholds: {
        // A floor for everything else, just under what the suite measures today (CLIs and
        // processes that tests run as children are not counted by v8, hence not higher).
        lines: 88,
        statements: 86,
        functions: 85,
        branches: 80,
        // The contract everything depends on: every line is exercised by a test.
        'shared/src/**': { lines: 100, functions: 100, statements: 98, branches: 95 },
        // The event-pattern matcher: the project's own core, as exact as EventBridge.
        'cloud/src/event-pattern/**': { lines: 99.5, functions: 98, statements: 99.5, branches: 98 },
        // The IoT SQL evaluator: the project's own core, run by both runtimes' rules.
        'cloud/src/iot-sql/**': { lines: 100, functions: 100, statements: 100, branches: 100 },
      },
    },
  },
});
