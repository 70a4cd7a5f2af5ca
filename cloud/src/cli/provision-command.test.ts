import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provisionCommand } from './provision-command.js';
import { runCommand } from './testing/run-command.js';

const run = (args: string[]) => runCommand(provisionCommand, args);

describe('Function: provisionCommand', () => {
  let dir: string;
  let csv: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'provision-command-'));
    csv = join(dir, 'doors.csv');
    writeFileSync(csv, 'thingName,location\ndoor-0001,lobby\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('Command: bulk', () => {
    it.each([
      [[], 'AttachPolicy smartdoor-door,'],
      [['--stage', 'prod'], 'AttachPolicy smartdoor-door-prod,'],
      [['--policy', 'mine'], 'AttachPolicy mine,'],
    ])('with %j attaches the door policy of the CDK stack or the local cloud', async (flags, step) => {
      // Act
      const r = await run(['bulk', csv, '--out', join(dir, 'out'), '--dry-run', ...flags]);
      // Assess
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(step);
    });

    it('refuses --stage and --policy together', async () => {
      // Act
      const r = await run([
        'bulk',
        csv,
        '--out',
        join(dir, 'out'),
        '--dry-run',
        '--stage',
        'prod',
        '--policy',
        'x',
      ]);
      // Assess
      expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('--stage or --policy, not both') });
    });
  });
});
