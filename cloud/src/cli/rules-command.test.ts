import { describe, expect, it } from 'vitest';
import { EVENTS_RULE } from '../definitions/iot-rules.js';
import { EXIT_INVALID, EXIT_NOT_FIRED, EXIT_RULE_ERROR, rulesCommand } from './rules-command.js';

/** Run `rules ...` as the smartdoor binary would, capturing stdout bytes, stderr and the exit code. */
async function run(args: string[]): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  const chunks: Buffer[] = [];
  const result = { stderr: '', code: 0 };
  const command = rulesCommand({
    stdout: (chunk) => {
      chunks.push(Buffer.from(chunk));
    },
    stderr: (t) => {
      result.stderr += t;
    },
    setExitCode: (c) => {
      result.code = c;
    },
  });
  await command.parseAsync(args, { from: 'user' });
  return { stdout: Buffer.concat(chunks), ...result };
}

const test = (sql: string, topic: string, payload: string, ...rest: string[]) =>
  run(['test', '--sql', sql, '--topic', topic, '--payload', payload, ...rest]);

describe('Function: rulesCommand', () => {
  describe('Command: test', () => {
    it('prints the JSON the action receives, on a line of its own, and exits 0 when the rule fires', async () => {
      // Act
      const r = await test(
        "SELECT color AS c, temperature FROM 'a/+'",
        'a/b',
        '{"color":"red","temperature":50}',
      );
      // Assess
      expect(r).toEqual({ stdout: Buffer.from('{"c":"red","temperature":50}\n'), stderr: '', code: 0 });
    });

    it('runs the project ingest rule with a fixed client id and clock', async () => {
      // Prepare
      const payload = '{"seq":1}';
      // Act
      const r = await test(
        EVENTS_RULE.sql,
        'smartdoor/door-001/events',
        payload,
        '--client-id',
        'door-001',
        '--now',
        '1700000000000',
      );
      // Assess
      expect(JSON.parse(r.stdout.toString())).toEqual({
        payload: Buffer.from(payload).toString('base64'),
        thingName: 'door-001',
        clientId: 'door-001',
        receivedAt: 1_700_000_000_000,
      });
      expect(r.code).toBe(0);
    });

    it('prints a SELECT VALUE string as raw text, without quotes', async () => {
      // Act
      const r = await test("SELECT VALUE upper(color) FROM 'a/b'", 'a/b', '{"color":"red"}');
      // Assess
      expect(r.stdout.toString()).toBe('RED');
    });

    it('prints the raw body for SELECT * over a payload that is not JSON', async () => {
      // Act
      const r = await test("SELECT * FROM 'a/b'", 'a/b', 'plain text, not JSON');
      // Assess
      expect(r.stdout.toString()).toBe('plain text, not JSON');
      expect(r.code).toBe(0);
    });

    it('fixes newuuid(), principal(), accountid() and Basic Ingest routing from options', async () => {
      // Prepare
      const sql = 'SELECT newuuid() AS id, principal() AS p, accountid() AS a, topic() AS t';
      // Act
      const r = await test(
        sql,
        '$aws/rules/my_rule/x/y',
        '{}',
        '--uuid',
        'u-1',
        '--principal',
        'abc',
        '--account-id',
        '123456789012',
        '--rule-name',
        'my_rule',
      );
      // Assess
      expect(JSON.parse(r.stdout.toString())).toEqual({ id: 'u-1', p: 'abc', a: '123456789012', t: 'x/y' });
    });

    it('prints nothing and exits 1 when the topic does not match FROM', async () => {
      // Act
      const r = await test("SELECT * FROM 'a/b'", 'a/c', '{}');
      // Assess
      expect(r).toEqual({ stdout: Buffer.alloc(0), stderr: '', code: EXIT_NOT_FIRED });
    });

    it('prints nothing and exits 1 when WHERE is not true', async () => {
      // Act
      const r = await test("SELECT * FROM 'a/b' WHERE t > 5", 'a/b', '{"t":1}');
      // Assess
      expect(r).toEqual({ stdout: Buffer.alloc(0), stderr: '', code: EXIT_NOT_FIRED });
    });

    it('exits 2 with the position and reason for invalid SQL', async () => {
      // Act
      const r = await test("SELECT * FROM 'a/b' WHERE a != 1", 'a/b', '{}');
      // Assess
      expect(r.code).toBe(EXIT_INVALID);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toBe(
        'invalid IoT SQL at position 29: the not-equal operator of IoT SQL is <>, not !=\n',
      );
    });

    it('exits 2 naming an AWS-only function', async () => {
      // Act
      const r = await test("SELECT aws_lambda('arn', *) AS x FROM 'a/b'", 'a/b', '{}');
      // Assess
      expect(r.code).toBe(EXIT_INVALID);
      expect(r.stderr).toMatch(/aws_lambda\(\) invokes an AWS Lambda function; it runs only on AWS IoT Core/);
    });

    it('exits 2 when --now is not whole milliseconds', async () => {
      // Act
      const r = await test("SELECT timestamp() AS t FROM 'a/b'", 'a/b', '{}', '--now', 'yesterday');
      // Assess
      expect(r.code).toBe(EXIT_INVALID);
      expect(r.stderr).toBe('error: --now must be whole milliseconds since the epoch, got "yesterday"\n');
    });

    it('exits 3 with the reason when the message makes the rule fail', async () => {
      // Act
      const r = await test("SELECT * FROM 'a/b' WHERE kind = 'x'", 'a/b', 'not json');
      // Assess
      expect(r.code).toBe(EXIT_RULE_ERROR);
      expect(r.stderr).toMatch(/the payload is not JSON, so the statement cannot read "kind" from it/);
    });

    it('has help text on every option', () => {
      // Act
      const sub = rulesCommand().commands.find((c) => c.name() === 'test')!;
      // Assess
      expect(sub.options.length).toBe(9);
      for (const option of sub.options) expect(option.description.length).toBeGreaterThan(10);
    });
  });
});
