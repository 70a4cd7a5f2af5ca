import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpsError } from './errors.js';

/** The agent bundle could not be built or would not run where it was asked to go. */
export class BundleError extends OpsError {
  override name = 'BundleError';
}

/**
 * Left out of the bundle and loaded from node_modules at run time: native addons
 * (better-sqlite3, onoff/epoll, serialport, aws-crt), the optional AWS SDK, and esbuild
 * itself (install-service rebuilds the bundle from inside it).
 */
export const BUNDLE_EXTERNALS = [
  'better-sqlite3',
  'onoff',
  'epoll',
  'serialport',
  '@serialport/*',
  'aws-iot-device-sdk-v2',
  'aws-crt',
  'esbuild',
] as const;

/** The @smartdoor/device folder, from src/ops/ under tsx or dist/ inside the bundle. */
export function devicePackageDir(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@smartdoor/device'
    )
      return dir;
    if (dirname(dir) === dir)
      throw new BundleError(`cannot find the @smartdoor/device package above ${from}`);
  }
}

/** @default device/dist/smartdoor-agent.mjs: inside the installed package, so externals resolve. */
export function defaultBundlePath(): string {
  return join(devicePackageDir(), 'dist', 'smartdoor-agent.mjs');
}

export interface BuildAgentBundleOptions {
  /** Absolute or relative path of the bundle; must end in .mjs. @default defaultBundlePath() */
  outFile?: string;
  /**
   * The module to bundle; the bench bundles its agent harness with the same settings.
   * @default device/src/ops/bundle-entry.ts (the CLI)
   */
  entryPoint?: string;
  /** Minify the output (smaller file, slightly faster parse; stack traces lose names). @default false */
  minify?: boolean;
}

export interface AgentBundle {
  outFile: string;
  /** Size of the bundle in bytes. */
  bytes: number;
}

/**
 * Build the agent CLI into one ESM file for plain node: no tsx loader thread at run time,
 * which is ~30 MB of RSS and ~0.6 s of start on its own (device/README.md, benchmark).
 * The externals are resolved from the bundle's own folder at run time, as node resolves
 * any import, so the bundle must sit inside the installed tree (under device/ or beside
 * a node_modules holding them); anywhere else this throws before writing anything.
 */
export async function buildAgentBundle(opts: BuildAgentBundleOptions = {}): Promise<AgentBundle> {
  const outFile = resolve(opts.outFile ?? defaultBundlePath());
  // Without a package.json saying "type": "module" beside it, only .mjs is read as ESM.
  if (extname(outFile) !== '.mjs') throw new BundleError(`bundle file must end in .mjs, received ${outFile}`);
  try {
    createRequire(outFile).resolve('better-sqlite3');
  } catch {
    throw new BundleError(
      `the bundle at ${outFile} could not load better-sqlite3 and the other native modules from there; ` +
        'put it under the installed device/ folder (default device/dist/smartdoor-agent.mjs)',
    );
  }
  const { build } = await import('esbuild');
  const pkgDir = devicePackageDir();
  try {
    await build({
      entryPoints: [opts.entryPoint ?? join(pkgDir, 'src', 'ops', 'bundle-entry.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: outFile,
      minify: opts.minify ?? false,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
      external: [...BUNDLE_EXTERNALS],
      // Bundled CommonJS (mqtt, pino, commander) calls require() for node built-ins.
      banner: {
        js: "import { createRequire as __smartdoorCreateRequire } from 'node:module'; const require = __smartdoorCreateRequire(import.meta.url);",
      },
    });
  } catch (cause) {
    throw new BundleError(`cannot build the agent bundle ${outFile}: ${(cause as Error).message}`, { cause });
  }
  if (!existsSync(outFile)) throw new BundleError(`bundle not written: ${outFile}`);
  return { outFile, bytes: readFileSync(outFile).byteLength };
}
