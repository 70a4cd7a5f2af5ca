import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { terminalLines, toTerminalLine } from './terminal-log.js';

describe('Function: toTerminalLine', () => {
  it.each([
    [{ level: 30, msg: 'local cloud ready', port: 1 }, 'smartdoor: local cloud ready'],
    [
      {
        level: 40,
        msg: 'notification: door-001: entry not identified (unknown-badge)',
        thingName: 'door-001',
      },
      'smartdoor: warning: notification: door-001: entry not identified (unknown-badge)',
    ],
    [
      { level: 50, msg: 'the subscriber thread crashed; restarting it', err: 'boom' },
      'smartdoor: error: the subscriber thread crashed; restarting it (boom)',
    ],
    [
      { level: 40, msg: 'message failed', error: { type: 'Error', message: 'database closed' } },
      'smartdoor: warning: message failed (database closed)',
    ],
  ])('renders %j as one short line', (entry, expected) => {
    // Act / Assess
    expect(toTerminalLine(JSON.stringify(entry))).toBe(expected);
  });

  it('passes a line that is not JSON as it is', () => {
    // Act / Assess
    expect(toTerminalLine('plain text\n')).toBe('plain text');
  });
});

describe('Function: terminalLines', () => {
  it("takes a real pino logger's entries, error objects included", () => {
    // Prepare
    const written: string[] = [];
    const log = pino({ level: 'info' }, terminalLines({ write: (t) => written.push(t) }));
    // Act
    log.info({ thingName: 'door-001' }, 'door connected');
    log.error({ err: new Error('disk full') }, 'cannot write the journal');
    // Assess
    expect(written).toEqual([
      'smartdoor: door connected\n',
      'smartdoor: error: cannot write the journal (disk full)\n',
    ]);
  });
});
