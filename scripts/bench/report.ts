/**
 * Benchmark output, one format for every `npm run bench:*`: one JSON object per line on
 * stdout, and a human-readable table on stderr.
 */
export interface BenchRow {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** The peer measured in the same run, if any. */
  peer?: string;
  /** value / peer's value, if a peer ran. */
  ratio?: number;
  /** Free-form context: inputs, conditions, why a peer could not run. */
  note?: string;
}

const rows: BenchRow[] = [];

/** Print one result as a JSON line now, and keep it for the closing table. */
export function report(row: BenchRow): void {
  const rounded = {
    ...row,
    value: round(row.value),
    ...(row.ratio === undefined ? {} : { ratio: round(row.ratio) }),
  };
  process.stdout.write(`${JSON.stringify(rounded)}\n`);
  rows.push(rounded);
}

/** Print the table of everything reported so far on stderr. */
export function printTable(): void {
  const header = ['bench', 'metric', 'value', 'unit', 'peer', 'ratio'];
  const body = rows.map((r) => [
    r.bench,
    r.metric,
    String(r.value),
    r.unit,
    r.peer ?? '',
    r.ratio === undefined ? '' : `${r.ratio}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stderr.write(
    `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${body.map(line).join('\n')}\n`,
  );
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0-100), nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000;
}
