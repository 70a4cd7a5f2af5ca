import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_BAD_EVENT, EXIT_BAD_PATTERN, eventsCommand } from './events-command.js';
import { runCommand } from './testing/run-command.js';

const run = (args: string[]) => runCommand(eventsCommand, args);

/** A whole event, as TestEventPattern wants it, with `fields` over the envelope. */
const whole = (fields: object = {}): string =>
  JSON.stringify({
    id: '1',
    account: '123456789012',
    source: 'smartdoor.device',
    time: '2026-11-23T00:00:00Z',
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Door State Changed',
    ...fields,
  });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Function: eventsCommand', () => {
  describe('Command: test-event-pattern', () => {
    it('prints {"Result": true} and exits 0 when the pattern matches', async () => {
      // Prepare
      const args = ['test-event-pattern', '--event-pattern', '{"source":["smartdoor.device"]}'];

      // Act
      const r = await run([...args, '--event', whole({ detail: {} })]);

      // Assess
      expect(r).toEqual({ stdout: '{"Result": true}\n', stderr: '', code: 0 });
    });

    it('prints {"Result": false} and exits 0 when the pattern does not match', async () => {
      // Prepare
      const args = ['test-event-pattern', '--event-pattern', '{"detail":{"state":["open"]}}'];

      // Act
      const r = await run([...args, '--event', whole({ detail: { state: 'closed' } })]);

      // Assess
      expect(r).toEqual({ stdout: '{"Result": false}\n', stderr: '', code: 0 });
    });

    it('refuses an event without the envelope fields, as the TestEventPattern API does', async () => {
      // Prepare
      const args = ['test-event-pattern', '--event-pattern', '{"source":["x"]}', '--event', '{"source":"x"}'];

      // Act
      const r = await run(args);

      // Assess
      expect(r.code).toBe(EXIT_BAD_PATTERN);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'Parameter Event is not valid. Reason: missing field(s) id, account, time, region, resources, detail-type.\n',
      );
    });

    it('exits 2 with one readable line when the events file cannot be read', async () => {
      // Prepare
      const missing = join(tmpdir(), 'smartdoor-no-such-events.jsonl');

      // Act
      const r = await run(['test-event-pattern', '--event-pattern', '{"a":["x"]}', '--events', missing]);

      // Assess
      expect(r.code).toBe(EXIT_BAD_PATTERN);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^error: cannot read the events file ${missing}: ENOENT.*\n$`));
    });

    it('exits 2 with the reason on stderr when the pattern is invalid', async () => {
      // Prepare
      const args = ['test-event-pattern', '--event-pattern', '{"a":[{"numeric":["<>",1]}]}', '--event', '{}'];

      // Act
      const r = await run(args);

      // Assess
      expect(r.code).toBe(EXIT_BAD_PATTERN);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('Event pattern is not valid. Reason: Unrecognized numeric range operator: <>\n');
    });

    it('exits 2 naming the problem when the event is not JSON', async () => {
      // Prepare
      const args = ['test-event-pattern', '--event-pattern', '{"a":["x"]}', '--event', '{"a":'];

      // Act
      const r = await run(args);

      // Assess
      expect(r.code).toBe(EXIT_BAD_PATTERN);
      expect(r.stderr).toMatch(/^Parameter Event is not valid\. Reason: it is not JSON \(/);
    });

    it('exits 2 when neither or both of --event and --events are given', async () => {
      // Prepare
      const args = ['test-event-pattern', '--event-pattern', '{"a":["x"]}'];

      // Act
      const neither = await run(args);
      const both = await run([...args, '--event', '{}', '--events', 'f.jsonl']);

      // Assess
      expect(neither.code).toBe(EXIT_BAD_PATTERN);
      expect(both.code).toBe(EXIT_BAD_PATTERN);
      expect(neither.stderr).toMatch(/exactly one of --event/);
    });

    it('prints one result line per event of a JSON-lines file and a summary on stderr', async () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'events-cmd-'));
      dirs.push(dir);
      const file = join(dir, 'events.jsonl');
      writeFileSync(file, `${whole({ n: 1 })}\n${whole({ n: 5 })}\n\n${whole({ n: 2 })}\n`);

      // Act
      const r = await run([
        'test-event-pattern',
        '--event-pattern',
        '{"n":[{"numeric":["<",3]}]}',
        '--events',
        file,
      ]);

      // Assess
      expect(r.stdout).toBe('{"Result": true}\n{"Result": false}\n{"Result": true}\n');
      expect(r.stderr).toBe('3 events: 2 matched, 1 did not, 0 invalid\n');
      expect(r.code).toBe(0);
    });

    it('reports an unreadable line with its number and exits 1, still testing the others', async () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'events-cmd-'));
      dirs.push(dir);
      const file = join(dir, 'events.jsonl');
      writeFileSync(file, `${whole({ n: 1 })}\nnot json\n{"n":1}\n`);

      // Act
      const r = await run(['test-event-pattern', '--event-pattern', '{"n":[1]}', '--events', file]);

      // Assess
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe('{"Result": true}');
      expect(JSON.parse(lines[1]!)).toMatchObject({ Result: null, Line: 2 });
      expect(JSON.parse(lines[2]!)).toMatchObject({ Result: null, Line: 3, Error: /missing field\(s\) id/ });
      expect(r.stderr).toBe('3 events: 1 matched, 0 did not, 2 invalid\n');
      expect(r.code).toBe(EXIT_BAD_EVENT);
    });

    it('writes to the process streams and sets process.exitCode when given no io', async () => {
      // Prepare
      const out: string[] = [];
      const err: string[] = [];
      const stdout = vi
        .spyOn(process.stdout, 'write')
        .mockImplementation((chunk) => out.push(String(chunk)) > 0);
      const stderr = vi
        .spyOn(process.stderr, 'write')
        .mockImplementation((chunk) => err.push(String(chunk)) > 0);
      const before = process.exitCode;

      // Act
      let code: typeof process.exitCode;
      try {
        await eventsCommand().parseAsync(
          ['test-event-pattern', '--event-pattern', '{"a":["x"]}', '--event', whole({ a: 'x' })],
          {
            from: 'user',
          },
        );
        await eventsCommand().parseAsync(
          ['test-event-pattern', '--event-pattern', '{"a":"x"}', '--event', '{}'],
          {
            from: 'user',
          },
        );
        code = process.exitCode;
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
        process.exitCode = before;
      }

      // Assess
      expect(out).toEqual(['{"Result": true}\n']);
      expect(err).toEqual(['Event pattern is not valid. Reason: "a" must be an object or an array\n']);
      expect(code).toBe(EXIT_BAD_PATTERN);
    });

    it('has help text on every option', () => {
      // Prepare
      const sub = eventsCommand().commands.find((c) => c.name() === 'test-event-pattern')!;

      // Act
      const options = sub.options;

      // Assess
      expect(options.length).toBe(3);
      for (const o of options) expect(o.description.length).toBeGreaterThan(10);
    });
  });
});
