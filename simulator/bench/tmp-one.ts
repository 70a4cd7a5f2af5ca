// one rate, thread cloud, for profiling
import pino from 'pino';
import { startThreadCloud } from '/work/main/simulator/src/cloud-thread/cloud-thread.ts';
import { Simulation } from '/work/main/simulator/src/simulation.ts';

const rate = Number(process.argv[2] ?? 1500);
const cloud = await startThreadCloud({ logLevel: 'silent', config: { notificationCollapseSeconds: 0 } });
const warm = new Simulation({
  cloud,
  scenario: 'steady-entries',
  doors: Math.max(10, Math.ceil(rate / 80)),
  rate: rate / 3,
  durationMs: 3000,
  drainMs: 30000,
  seed: 'warm',
  prefix: 'warm-',
  logger: pino({ level: 'silent' }),
});
await warm.start();
await warm.run();
await warm.stop();
const opened = new Map<string, number>();
const lat: Array<[number, number]> = [];
const t0 = Date.now();
cloud.subscribeBus!((event: any, at: number) => {
  const m = event.detail?.metadata ?? {};
  if (event['detail-type'] === 'Door State Changed' && event.detail.state === 'open')
    opened.set(m['idempotency-key'], Date.parse(event.detail.occurredAt ?? event.time));
  else if (event.source !== 'smartdoor.device') {
    const c = m.causedBy;
    const k = Array.isArray(c) ? c[0] : c;
    const o = opened.get(k);
    if (o !== undefined) lat.push([at - t0, at - o]);
  }
});
const sim = new Simulation({
  cloud,
  scenario: 'steady-entries',
  doors: Math.max(10, Math.ceil(rate / 80)),
  rate: rate / 3,
  durationMs: 8000,
  drainMs: 30000,
  seed: 'bench',
  prefix: 'door-',
  logger: pino({ level: 'silent' }),
});
await sim.start();
const s = await sim.run();
await sim.stop();
const rl: number[] = (sim as any).ledger.resultLatency;
const seg = Math.ceil(rl.length / 12);
console.log(
  'segments',
  Array.from({ length: 12 }, (_, i) => {
    const c = rl.slice(i * seg, (i + 1) * seg).sort((a, b) => a - b);
    return `${c[Math.floor(c.length / 2)]}/${c[c.length - 1]}`;
  }).join(' '),
);
const buckets = new Map<number, number[]>();
for (const [t, l] of lat) {
  const b = Math.floor(t / 1000);
  (buckets.get(b) ?? buckets.set(b, []).get(b)!).push(l);
}
console.log(
  [...buckets]
    .sort((x, y) => x[0] - y[0])
    .map(([b, ls]) => {
      ls.sort((x, y) => x - y);
      return `${b}s n${ls.length} p50 ${ls[Math.floor(ls.length / 2)]} max ${ls[ls.length - 1]}`;
    })
    .join('\n'),
);
await cloud.stop();
console.log(
  JSON.stringify({
    created: s.created,
    ingested: s.ingested,
    lost: s.lost,
    results: s.subscriberResults,
    p50: s.latencyMs.p50,
    p99: s.latencyMs.p99,
    bus99: s.ingestLatencyMs.p99,
    ack99: s.ackLatencyMs.p99,
  }),
);
