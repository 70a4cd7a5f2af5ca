import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { InvalidEventPatternError } from '../event-pattern/errors.js';
import { compileEventPattern, RuleMatcher } from '../event-pattern/index.js';
import { EventsValidationError } from '../local/events/errors.js';
import { parseTestEvent } from '../local/events/test-event.js';

/** Where the command writes, and how it reads event files (tests pass their own). */
export interface EventsCommandIo {
  /** @default process.stdout.write */
  stdout?: (text: string) => void;
  /** @default process.stderr.write */
  stderr?: (text: string) => void;
  /** Lines of a JSON-lines file. @default a streaming read of the file */
  readLines?: (file: string) => AsyncIterable<string>;
  /** Set the process exit code. @default sets process.exitCode */
  setExitCode?: (code: number) => void;
}

/**
 * Exit codes: 0 all read, 1 some event line unreadable or not a whole event, 2 invalid
 * pattern, event or arguments, or an events file that cannot be read.
 */
export const EXIT_BAD_EVENT = 1;
export const EXIT_BAD_PATTERN = 2;

/**
 * `smartdoor events ...`: EventBridge tools. `test-event-pattern` behaves like
 * `aws events test-event-pattern` (prints {"Result": true|false}, and refuses an event
 * without the envelope fields EventBridge requires); `--events FILE` tests one pattern
 * against many events, one result line per event.
 * https://docs.aws.amazon.com/cli/latest/reference/events/test-event-pattern.html
 */
export function eventsCommand(io: EventsCommandIo = {}): Command {
  const out = io.stdout ?? ((t: string) => process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => process.stderr.write(t));
  const setExit = io.setExitCode ?? ((code: number) => (process.exitCode = code));
  const readLines = io.readLines ?? fileLines;

  const events = new Command('events').description(
    'EventBridge tools: test event patterns as EventBridge would',
  );
  events
    .command('test-event-pattern')
    .description(
      'Test whether an event pattern matches an event (or each event of a JSON-lines file), as ' +
        "EventBridge's TestEventPattern does: each event must be whole (id, account, source, " +
        'time, region, resources, detail-type)',
    )
    .requiredOption('--event-pattern <json>', 'the event pattern, as JSON text (as in a rule)')
    .option('--event <json>', 'the event to test, as JSON text')
    .option(
      '--events <file>',
      'a JSON-lines file of events: one {"Result": ...} line per event, a summary on stderr',
    )
    .action(async (options: { eventPattern: string; event?: string; events?: string }) => {
      if ((options.event === undefined) === (options.events === undefined)) {
        err('error: give exactly one of --event <json> or --events <file>\n');
        setExit(EXIT_BAD_PATTERN);
        return;
      }
      let matcher: RuleMatcher<true>;
      try {
        matcher = new RuleMatcher<true>();
        matcher.add(true, compileEventPattern(options.eventPattern));
      } catch (e) {
        /* v8 ignore next -- only a bug in the matcher gets here: let it surface */
        if (!(e instanceof InvalidEventPatternError)) throw e;
        err(`${e.message}\n`);
        setExit(EXIT_BAD_PATTERN);
        return;
      }
      // The AWS CLI's answer shape: {"Result": true}. parseTestEvent throws
      // EventsValidationError for what the API refuses.
      const result = (json: string): string =>
        `{"Result": ${matcher.matchesFor(parseTestEvent(json)).length > 0}}`;
      if (options.event !== undefined) {
        try {
          out(`${result(options.event)}\n`);
        } catch (e) {
          /* v8 ignore next -- only a bug in the matcher gets here: let it surface */
          if (!(e instanceof EventsValidationError)) throw e;
          err(`${e.message}\n`);
          setExit(EXIT_BAD_PATTERN);
        }
        return;
      }
      const counts = { events: 0, matched: 0, invalid: 0 };
      let lineNo = 0;
      try {
        for await (const line of readLines(options.events!)) {
          lineNo++;
          if (line.trim() === '') continue;
          counts.events++;
          try {
            const r = result(line);
            if (r.endsWith('true}')) counts.matched++;
            out(`${r}\n`);
          } catch (e) {
            /* v8 ignore next -- only a bug in the matcher gets here: let it surface */
            if (!(e instanceof EventsValidationError)) throw e;
            counts.invalid++;
            out(`${JSON.stringify({ Result: null, Line: lineNo, Error: e.message })}\n`);
          }
        }
      } catch (e) {
        if (!isFileError(e)) throw e;
        err(`error: cannot read the events file ${options.events}: ${e.message}\n`);
        setExit(EXIT_BAD_PATTERN);
        return;
      }
      err(
        `${counts.events} events: ${counts.matched} matched, ${counts.events - counts.matched - counts.invalid} did not, ${counts.invalid} invalid\n`,
      );
      if (counts.invalid > 0) setExit(EXIT_BAD_EVENT);
    });
  return events;
}

function isFileError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

async function* fileLines(file: string): AsyncIterable<string> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
  }
}
