import { Command } from 'commander';
import {
  type CompiledIotSql,
  compileIotSql,
  evaluateIotSql,
  type IotSqlContext,
  IotSqlError,
  IotSqlEvaluationError,
} from '../iot-sql/index.js';

/** Where the command writes (tests pass their own). */
export interface RulesCommandIo {
  /** @default process.stdout.write */
  stdout?: (chunk: string | Uint8Array) => void;
  /** @default process.stderr.write */
  stderr?: (text: string) => void;
  /** Set the process exit code. @default sets process.exitCode */
  setExitCode?: (code: number) => void;
}

/** Exit codes of `rules test`: 0 fired, 1 did not fire, 2 invalid SQL or arguments, 3 rule error. */
export const EXIT_NOT_FIRED = 1;
export const EXIT_INVALID = 2;
export const EXIT_RULE_ERROR = 3;

interface TestOptions {
  sql: string;
  topic: string;
  payload: string;
  clientId?: string;
  principal?: string;
  accountId?: string;
  ruleName?: string;
  now?: string;
  uuid?: string;
}

/**
 * `smartdoor rules ...`: IoT topic rule tools. `test` runs a rule's SQL on one message
 * and prints what the rule's action would receive: JSON for JSON results, the raw bytes
 * for SELECT VALUE of a string or SELECT * over a payload that is not JSON.
 */
export function rulesCommand(io: RulesCommandIo = {}): Command {
  const out = io.stdout ?? ((chunk: string | Uint8Array) => process.stdout.write(chunk));
  const err = io.stderr ?? ((t: string) => process.stderr.write(t));
  const setExit = io.setExitCode ?? ((code: number) => (process.exitCode = code));

  const rules = new Command('rules').description('IoT topic rule tools: run rule SQL as IoT Core would');
  rules
    .command('test')
    .description(
      'Run an IoT SQL statement (version 2016-03-23) on one message and print the payload its action receives; ' +
        `exit 0 when the rule fires, ${EXIT_NOT_FIRED} when it does not (FROM or WHERE), ` +
        `${EXIT_INVALID} for invalid SQL, ${EXIT_RULE_ERROR} when the message makes the rule fail`,
    )
    .requiredOption('--sql <sql>', "the rule's SQL statement, e.g. \"SELECT * FROM 'a/+'\"")
    .requiredOption('--topic <topic>', 'the MQTT topic the message was published on')
    .requiredOption('--payload <body>', 'the raw message body (JSON or not), exactly as published')
    .option(
      '--client-id <id>',
      'the MQTT client id, for clientid() (default: n/a, as for messages not sent over MQTT)',
    )
    .option(
      '--principal <principal>',
      'the publisher principal, e.g. a certificate thumbprint, for principal()',
    )
    .option('--account-id <id>', 'the AWS account that owns the rule, for accountid()')
    .option('--rule-name <name>', "the rule's name, so Basic Ingest topics $aws/rules/<name>/... reach it")
    .option('--now <ms>', 'fix timestamp(): milliseconds since the Unix epoch (default: the current time)')
    .option('--uuid <uuid>', 'fix newuuid() to this value (default: a random UUID per call)')
    .action((options: TestOptions) => {
      let now: number | undefined;
      if (options.now !== undefined) {
        now = Number(options.now);
        if (!/^-?\d+$/.test(options.now) || !Number.isSafeInteger(now)) {
          err(
            `error: --now must be whole milliseconds since the epoch, got ${JSON.stringify(options.now)}\n`,
          );
          setExit(EXIT_INVALID);
          return;
        }
      }
      let rule: CompiledIotSql;
      try {
        rule = compileIotSql(options.sql);
      } catch (error) {
        if (!(error instanceof IotSqlError)) throw error;
        err(`${error.message}\n`);
        setExit(EXIT_INVALID);
        return;
      }
      const ctx: IotSqlContext = {
        ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
        ...(options.principal === undefined ? {} : { principal: options.principal }),
        ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
        ...(options.ruleName === undefined ? {} : { ruleName: options.ruleName }),
        ...(now === undefined ? {} : { now: () => now }),
        ...(options.uuid === undefined ? {} : { newUuid: () => options.uuid! }),
      };
      try {
        const result = evaluateIotSql(
          rule,
          { topic: options.topic, payload: Buffer.from(options.payload, 'utf8') },
          ctx,
        );
        // Silent, like grep: the exit code alone says the rule did not fire.
        if (!result.fired) {
          setExit(EXIT_NOT_FIRED);
          return;
        }
        out(result.payload);
        // A JSON result ends its line, as the AWS CLI's answers do; raw bytes stay exactly as the action gets them.
        if (result.json !== undefined) out('\n');
      } catch (error) {
        if (!(error instanceof IotSqlEvaluationError)) throw error;
        err(`${error.message}\n`);
        setExit(EXIT_RULE_ERROR);
      }
    });
  return rules;
}
