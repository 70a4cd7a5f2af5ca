import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BuildAgentBundleOptions, defaultBundlePath } from './bundle.js';
import { InstallOptionError } from './errors.js';
import { installServiceWithBundle, UNIT_NAME } from './install-service.js';

const directive = (unit: string, key: string) =>
  unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe('Function: installServiceWithBundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-install-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // The real build is tested in bundle.test.ts; here, which file gets built, and when.
  const recorder = () => {
    const built: string[] = [];
    const build = async ({ outFile }: BuildAgentBundleOptions = {}) => {
      built.push(outFile!);
      return { outFile: outFile!, bytes: 1 };
    };
    return { built, build };
  };

  it('builds the bundle the unit runs, then writes the unit', async () => {
    // Prepare
    const { built, build } = recorder();
    const unitDir = join(dir, 'units');
    const agentBin = join(dir, 'agent.mjs');
    // Act
    const result = await installServiceWithBundle({
      configPath: join(dir, 'missing.json'),
      unitDir,
      agentBin,
      env: {},
      build,
    });
    // Assess
    expect(built).toEqual([agentBin]);
    expect(result.bundle).toEqual({ outFile: agentBin, bytes: 1 });
    expect(directive(readFileSync(join(unitDir, UNIT_NAME), 'utf8'), 'ExecStart')[0]).toContain(
      ` --max-semi-space-size=1 --lite-mode ${agentBin} run `,
    );
  });

  it('builds nothing on a dry run, with --no-bundle, or when an option is bad', async () => {
    // Prepare
    const { built, build } = recorder();
    const base = { configPath: join(dir, 'missing.json'), unitDir: join(dir, 'units'), env: {}, build };
    // Act
    const dry = await installServiceWithBundle({ ...base, dryRun: true });
    await installServiceWithBundle({ ...base, bundle: false });
    const bad = installServiceWithBundle({ ...base, user: 'Bad User' });
    // Assess
    await expect(bad).rejects.toThrow(InstallOptionError);
    expect(built).toEqual([]);
    expect(dry.notes).toContain(`dry run: ${defaultBundlePath()} not built`);
  });
});
