import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleError, buildAgentBundle, devicePackageDir } from './bundle.js';

const run = promisify(execFile);

describe('Function: buildAgentBundle', () => {
  // The bundle loads its native externals from node_modules around it, so the temp
  // folder sits in the package's ignored dist/, not in the system temp folder.
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    mkdirSync(join(devicePackageDir(), 'dist'), { recursive: true });
    dir = mkdtempSync(join(devicePackageDir(), 'dist', 'test-bundle-'));
    bundle = (await buildAgentBundle({ outFile: join(dir, 'smartdoor-agent.mjs') })).outFile;
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds one file that plain node runs, listing every command on --help', async () => {
    // Prepare + Act
    const { stdout } = await run(process.execPath, [bundle, '--help'], { encoding: 'utf8' });
    // Assess
    for (const command of ['run', 'status', 'doctor', 'install-service', 'provision'])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('answers status --json from a config, with better-sqlite3 loaded from node_modules', async () => {
    // Prepare
    const configPath = join(dir, 'agent.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        thingName: 'door-bundle',
        dataDir: join(dir, 'data'),
        mqtt: { endpoint: 'mqtt://127.0.0.1:1883' },
        badgeReader: { enabled: false },
      }),
    );
    // Act
    const { stdout } = await run(
      process.execPath,
      ['--max-semi-space-size=1', bundle, 'status', '--json', '--config', configPath],
      { encoding: 'utf8' },
    );
    // Assess
    expect(JSON.parse(stdout)).toMatchObject({ thingName: 'door-bundle', running: false });
  });

  it('writes a unit running itself with a capped young generation and lite mode on install-service --dry-run', async () => {
    // Prepare + Act: devicePackageDir() is found from dist/ too, so the default is right.
    const { stdout } = await run(
      process.execPath,
      [bundle, 'install-service', '--dry-run', '--config', join(dir, 'none.json')],
      { encoding: 'utf8' },
    );
    // Assess
    expect(stdout).toContain(
      `ExecStart=${process.execPath} --max-semi-space-size=1 --lite-mode ${join(devicePackageDir(), 'dist', 'smartdoor-agent.mjs')} run --config`,
    );
  });

  it('exits 1 with one readable line on a bad config', async () => {
    // Prepare + Act
    const act = run(process.execPath, [bundle, 'status', '--config', join(dir, 'missing.json')]);
    // Assess
    await expect(act).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^smartdoor-agent: .*\n$/),
    });
  });

  it('refuses a file name node would not read as ESM', async () => {
    // Prepare + Act
    const act = buildAgentBundle({ outFile: join(dir, 'agent.js') });
    // Assess
    await expect(act).rejects.toThrow(BundleError);
    await expect(act).rejects.toThrow(/must end in \.mjs/);
  });

  it('refuses a place where the native modules would not resolve, before writing', async () => {
    // Prepare
    const outside = mkdtempSync(join(tmpdir(), 'smartdoor-bundle-'));
    try {
      // Act
      const act = buildAgentBundle({ outFile: join(outside, 'smartdoor-agent.mjs') });
      // Assess
      await expect(act).rejects.toThrow(
        /could not load better-sqlite3 .* put it under the installed device\/ folder/,
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
