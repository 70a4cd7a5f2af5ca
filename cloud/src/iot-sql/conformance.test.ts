import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compileIotSql,
  evaluateIotSql,
  type IotSqlContext,
  IotSqlError,
  type IotSqlResult,
} from './index.js';

/**
 * Conformance cases as data (STYLE 18): cloud/test/fixtures/iot-sql/*.json. Each file
 * names the developer-guide page it follows (`source`); each case names its section.
 *
 * A case: `sql`; `topic` (default `a/b`); the payload as `payload` (any JSON, sent as its
 * JSON text) or `payloadText` (sent as is) or `payloadBase64`; `context` (clientId,
 * principal, accountId, ruleName, traceId, now, uuid); and one expectation:
 * - `json`: the rule fires and the action receives exactly JSON.stringify(json);
 * - `raw` / `rawBase64`: it fires and the action receives these bytes, not JSON;
 * - `notFired`: "topic" or "where";
 * - `error`: the error class name, with `position` for syntax and check errors.
 */
interface Case {
  name: string;
  section: string;
  sql: string;
  topic?: string;
  payload?: unknown;
  payloadText?: string;
  payloadBase64?: string;
  context?: Omit<IotSqlContext, 'now' | 'newUuid'> & { now?: number; uuid?: string };
  json?: unknown;
  raw?: string;
  rawBase64?: string;
  notFired?: 'topic' | 'where';
  error?: 'IotSqlSyntaxError' | 'IotSqlCheckError' | 'IotSqlEvaluationError';
  position?: number;
}

interface CaseFile {
  source: string;
  cases: Case[];
}

const DIR = new URL('../../test/fixtures/iot-sql/', import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function payloadOf(c: Case): Buffer {
  if (c.payloadText !== undefined) return Buffer.from(c.payloadText, 'utf8');
  if (c.payloadBase64 !== undefined) return Buffer.from(c.payloadBase64, 'base64');
  return Buffer.from(c.payload === undefined ? '{}' : JSON.stringify(c.payload), 'utf8');
}

function run(c: Case): IotSqlResult {
  const { now, uuid, ...rest } = c.context ?? {};
  const ctx: IotSqlContext = {
    ...rest,
    now: () => now ?? 1_700_000_000_000,
    newUuid: () => uuid ?? '00000000-0000-4000-8000-000000000000',
    random: () => 0.5,
  };
  return evaluateIotSql(compileIotSql(c.sql), { topic: c.topic ?? 'a/b', payload: payloadOf(c) }, ctx);
}

describe('IoT SQL conformance (developer guide cases)', () => {
  it('has case files to run', () => {
    // Assess
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const data = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as CaseFile;
    describe(`${file} (${data.source})`, () => {
      for (const c of data.cases) {
        it(`${c.name} [${c.section}]`, () => {
          if (c.error) {
            // Act
            let thrown: unknown;
            try {
              run(c);
            } catch (error) {
              thrown = error;
            }
            // Assess
            expect(thrown).toBeInstanceOf(IotSqlError);
            expect((thrown as Error).name).toBe(c.error);
            if (c.position !== undefined) expect((thrown as { position: number }).position).toBe(c.position);
            return;
          }
          // Act
          const result = run(c);
          // Assess
          if (c.notFired) {
            expect(result).toEqual({ fired: false, reason: c.notFired });
          } else if (c.raw !== undefined || c.rawBase64 !== undefined) {
            expect(result.fired).toBe(true);
            const bytes =
              c.raw !== undefined ? Buffer.from(c.raw, 'utf8') : Buffer.from(c.rawBase64!, 'base64');
            expect(result.fired && result.payload.equals(bytes)).toBe(true);
            expect(result.fired && result.json).toBeUndefined();
          } else {
            expect(result.fired).toBe(true);
            if (!result.fired) return;
            expect(result.payload.toString('utf8')).toBe(JSON.stringify(c.json));
            expect(result.json).toEqual(c.json);
          }
        });
      }
    });
  }
});
