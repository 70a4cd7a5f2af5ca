import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeOutboxContract } from './outbox.contract.js';
import { SqliteOutbox } from './sqlite-outbox.js';

describeOutboxContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartdoor-sqlite-outbox-'));
  return {
    create: (options) => new SqliteOutbox(join(dir, 'outbox.db'), options),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
