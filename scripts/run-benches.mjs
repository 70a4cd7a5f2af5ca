#!/usr/bin/env node
// `npm run bench`: run every `bench:*` script of the root package.json, one after another
// (benchmarks on a 2-core machine must not compete with each other).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const names = Object.keys(scripts).filter((n) => n.startsWith('bench:'));
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    `Usage: npm run bench\n\nRuns every benchmark, one after another, each printing JSON lines:\n${names
      .map((n) => `  npm run ${n}`)
      .join('\n')}\n\nEach takes its own options: npm run bench:NAME -- --help\n`,
  );
  process.exit(0);
}
if (process.argv.length > 2) {
  process.stderr.write(
    `npm run bench takes no options (got ${process.argv.slice(2).join(' ')}); see --help\n`,
  );
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  process.stderr.write(`\n== npm run ${name}\n`);
  const r = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
