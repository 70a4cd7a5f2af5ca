import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxCorruptError, OutboxError, OutboxInUseError } from '../core/errors.js';
import { EventFactory } from '../core/event-factory.js';
import { LogOutbox } from './log-outbox.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import type { Outbox } from './types.js';

// Roles: `first` is the running agent's outbox; `second` another agent started on the same
// dataDir by mistake (a manual `smartdoor-agent run` beside the systemd service).

const factory = new EventFactory({ thingName: 'door-001' });
const add = (o: Outbox) =>
  o.append((seq) => factory.create({ type: 'door.state.changed', state: 'open' }, seq, 0), 0);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-claim-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['LogOutbox', (path: string) => new LogOutbox(path), 'outbox.log'],
  ['SqliteOutbox', (path: string) => new SqliteOutbox(path), 'outbox.db'],
])('Class: %s, claimed for one agent', (_name, make, fileName) => {
  it('refuses a second agent while the first has it open, and lets it in after the first stops', async () => {
    // Prepare
    const path = join(dir, 'data', fileName);
    const first = make(path);
    await first.start();
    add(first);
    const second = make(path);
    // Act
    const refused = await second.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    add(first);
    await first.stop();
    await second.start();
    // Assess
    expect(refused).toBeInstanceOf(OutboxInUseError);
    expect((refused as Error).message).toBe(
      `the outbox is in use by another agent (pid ${process.pid}); stop that one (systemctl stop smartdoor-agent) ` +
        `or give this one its own dataDir (outbox ${path})`,
    );
    expect(second.depth).toBe(2);
    await second.stop();
    expect(existsSync(`${path}.pid`)).toBe(false);
  });
});

describe('Class: LogOutbox, claimed for one agent', () => {
  it('gives the claim back when the outbox cannot be opened', async () => {
    // Prepare: a record before the tail fails its checksum
    const path = join(dir, 'outbox.log');
    writeFileSync(path, 'deadbeef {"not":"a record"}\n1234abcd {}\n');
    // Act
    const error = await new LogOutbox(path).start().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(OutboxCorruptError);
    expect(existsSync(`${path}.pid`)).toBe(false);
  });

  it('says so, and why, when the claim itself cannot be written', async () => {
    // Prepare: the pid file's place is a folder
    const path = join(dir, 'outbox.log');
    mkdirSync(join(dir, 'outbox.log.pid', 'x'), { recursive: true });
    writeFileSync(join(dir, 'outbox.log.pid', 'x', 'y'), '');
    // Act
    const error = await new LogOutbox(path).start().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(OutboxError);
    // The cause is in the message: the CLI prints the message alone.
    expect((error as Error).message).toMatch(
      /^cannot claim the outbox: .*is a directory.* \(outbox .*outbox\.log\)$/,
    );
  });
});
