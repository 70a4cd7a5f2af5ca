import pino from 'pino';

/**
 * How the local cloud writes its log: pino's JSON lines (`smartdoor cloud`, for machines
 * and log shippers), or one short line per entry for a person at a terminal (`npm start`).
 */
export type LogFormat = 'json' | 'terminal';

/** Where a pino logger of the local cloud writes, in `format`, on stderr. */
export function logDestination(format: LogFormat): pino.DestinationStream {
  return format === 'json' ? pino.destination(2) : terminalLines(process.stderr);
}

/** A pino destination that writes each entry as `toTerminalLine` renders it. */
export function terminalLines(out: { write(text: string): unknown }): pino.DestinationStream {
  return { write: (line: string) => void out.write(`${toTerminalLine(line)}\n`) };
}

/**
 * One JSON log entry as a person reads it: `smartdoor: warning: <msg> (<error>)`. The fields
 * a machine would filter on stay in the JSON format; a line that is not JSON passes as is.
 */
export function toTerminalLine(line: string): string {
  let entry: { level?: number; msg?: string; err?: unknown; error?: unknown };
  try {
    entry = JSON.parse(line);
  } catch {
    return line.trimEnd();
  }
  const level = (entry.level ?? 30) >= 50 ? 'error: ' : (entry.level ?? 30) >= 40 ? 'warning: ' : '';
  const cause = entry.err ?? entry.error;
  const why =
    typeof cause === 'string'
      ? cause
      : typeof (cause as { message?: unknown } | undefined)?.message === 'string'
        ? (cause as { message: string }).message
        : undefined;
  return `smartdoor: ${level}${entry.msg ?? ''}${why ? ` (${why})` : ''}`;
}
