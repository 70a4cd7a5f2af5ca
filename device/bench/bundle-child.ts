import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundle test/support/agent-child.ts into one ESM file for plain node, to measure the
 * agent without the tsx loader (a loader thread of its own costs ~30 MB of RSS). Native
 * and optional modules stay external. The output sits in device/bench/dist/ (ignored).
 */
export async function bundleAgentChild(): Promise<string> {
  const outfile = fileURLToPath(new URL('./dist/agent-child.mjs', import.meta.url));
  await build({
    entryPoints: [fileURLToPath(new URL('../../test/support/agent-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    external: [
      'better-sqlite3',
      'aws-iot-device-sdk-v2',
      'aws-crt',
      'onoff',
      'epoll',
      'serialport',
      '@serialport/*',
    ],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}
