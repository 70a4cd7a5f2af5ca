/**
 * A bus in its own process, for the kill -9 test (test/e2e/eventbridge-crash.test.ts).
 * Usage: crash-child.ts <db file> <log file> first|second
 * - first: sets up a rule and a function target, puts 20 events; the function logs `ok <n>` and
 *   succeeds for n > 3, and hangs for n <= 3, so deliveries are pending when the parent kills it
 *   (three: fewer than the 4 a target may have in flight, so the others still get through).
 * - second: restarts on the same file; the function logs `ok <n>` and succeeds; prints DONE when
 *   no delivery is pending.
 */
import { appendFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LocalQueues } from '../../queues/local-queues.js';
import { EventBusService } from '../service.js';

const [dbFile, logFile, mode] = process.argv.slice(2) as [string, string, 'first' | 'second'];
const db = new Database(dbFile);
db.pragma('journal_mode = WAL');
const queues = new LocalQueues({ db });
const bus = new EventBusService({
  db,
  queues,
  region: 'us-east-1',
  accountId: '123456789012',
  busNames: ['smartdoor'],
  backoff: { baseMs: 20, maxMs: 200 },
});

bus.functions.register('door', async (event) => {
  const n = (event as { detail: { n: number } }).detail.n;
  if (mode === 'first' && n <= 3) return new Promise(() => {});
  appendFileSync(logFile, `${mode} ok ${n}\n`);
});
bus.start();

if (mode === 'first') {
  bus.putRule({ name: 'doors', busName: 'smartdoor', eventPattern: '{"source":["smartdoor.device"]}' });
  bus.putTargets('doors', 'smartdoor', [
    { id: 'door', arn: 'arn:aws:lambda:us-east-1:123456789012:function:door' },
  ]);
  for (const batch of [0, 10]) {
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Source: 'smartdoor.device',
      DetailType: 'Door State Changed',
      Detail: JSON.stringify({ n: batch + i + 1 }),
      EventBusName: 'smartdoor',
    }));
    const out = bus.putEvents(entries);
    if (out.failedEntryCount > 0) throw new Error(`put failed: ${JSON.stringify(out.entries)}`);
  }
  process.stdout.write('PUT\n');
} else {
  const check = setInterval(() => {
    if (bus.stats().pendingDeliveries === 0) {
      clearInterval(check);
      process.stdout.write('DONE\n');
      void bus.stop().then(() => {
        db.close();
        process.exit(0);
      });
    }
  }, 20);
}
