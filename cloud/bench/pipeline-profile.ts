// A focused profile of the local cloud's pipeline without the simulator's doors in the same
// process: N door clients on the development TCP listener publish `steady-entries`-like
// traffic (badge read, open, close; 1 badge in 10 unknown) at QoS 1, as fast as PUBACKs
// allow with a window per client, and we time door -> bus and door -> subscriber results.
//   npx tsx cloud/bench/pipeline-profile.ts --events 6000 --doors 20
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx cloud/bench/pipeline-profile.ts
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCloudConfig } from '@smartdoor/shared';
import mqtt from 'mqtt';
import pino from 'pino';
import { benchCommand, option, positiveInt } from '../../scripts/bench/options.js';
import { LocalCloud } from '../src/local/local-cloud.js';
import { installThreadedSubscribers } from '../src/local/subscriber-thread/subscriber-thread.js';

const values = benchCommand(
  'pipeline-profile',
  "The local cloud's pipeline alone: door clients on its plain listener publish entries as fast as PUBACKs allow",
)
  .addOption(option('--events <n>', 'device events to publish', positiveInt('--events'), '6000'))
  .addOption(option('--doors <n>', 'door clients', positiveInt('--doors'), '20'))
  .addOption(option('--window <n>', 'publishes in flight per client', positiveInt('--window'), '20'))
  .parse()
  .opts<{ events: number; doors: number; window: number }>();
const EVENTS = values.events;
const DOORS = values.doors;
const WINDOW = values.window;
const SECRET = 'pipeline-profile-secret';
const KNOWN = Array.from({ length: 12 }, (_, i) => ({
  badgeId: `0A${(0x1000 + i).toString(16).toUpperCase().padStart(8, '0')}`,
  personId: `p${i}`,
}));

const dir = mkdtempSync(join(tmpdir(), 'smartdoor-profile-'));
const badgesFile = join(dir, 'badges.json');
writeFileSync(badgesFile, JSON.stringify({ badgeSecret: SECRET, badges: KNOWN }));
const silent = pino({ level: 'silent' });
const cloud = new LocalCloud(
  parseCloudConfig({
    dataDir: join(dir, 'cloud'),
    mqttPort: 0,
    mqttsPort: 0,
    awsPort: 0,
    httpPort: 0,
    badgesFile,
    notificationCollapseSeconds: 0,
  }),
  { logger: silent },
);
const endpoints = await cloud.start();
const subscribers = await installThreadedSubscribers(cloud);

let onBus = 0;
let results = 0;
let lastResultAt = 0;
const sent = new Map<string, number>();
const latencies: number[] = [];
cloud.bus.on('event-put', ({ event }) => {
  if (event.source === 'smartdoor.device') {
    onBus++;
    const key = (event.detail as { metadata?: { 'idempotency-key'?: string } }).metadata?.['idempotency-key'];
    const at = key === undefined ? undefined : sent.get(key);
    if (at !== undefined) latencies.push(performance.now() - at);
  } else {
    results++;
    lastResultAt = performance.now();
  }
});

function* doorEvents(thingName: string, count: number, door: number): Generator<object> {
  let seq = 0;
  const base = { schemaVersion: 1, thingName };
  for (let i = 0; seq < count; i++) {
    const known = (i + door) % 10 !== 0;
    const badgeId = known ? KNOWN[i % KNOWN.length]!.badgeId : `0B${String(i).padStart(8, '0')}`;
    const at = () => new Date().toISOString();
    const env = () => ({ ...base, seq: seq++, occurredAt: at(), idempotencyKey: randomUUID() });
    yield {
      ...env(),
      type: 'badge.read',
      badgeRef: createHmac('sha256', SECRET).update(badgeId).digest('hex'),
    };
    if (seq < count) yield { ...env(), type: 'door.state.changed', state: 'open' };
    if (seq < count) yield { ...env(), type: 'door.state.changed', state: 'closed' };
  }
}

async function runDoor(index: number, count: number): Promise<void> {
  const thingName = `door-${String(index).padStart(3, '0')}`;
  // mqtt 4 (the root's): callbacks, no *Async methods.
  const client = mqtt.connect(endpoints.mqtt!, { clientId: thingName, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const publish = (t: string, body: string) =>
    new Promise<void>((resolve, reject) =>
      client.publish(t, body, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
  const topic = `smartdoor/${thingName}/events`;
  const events = doorEvents(thingName, count, index);
  const worker = async () => {
    for (const e of events) {
      const key = (e as { idempotencyKey: string }).idempotencyKey;
      sent.set(key, performance.now());
      await publish(topic, JSON.stringify(e));
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
}

const perDoor = Math.ceil(EVENTS / DOORS);
const started = performance.now();
await Promise.all(Array.from({ length: DOORS }, (_, i) => runDoor(i, perDoor)));
const acked = performance.now();
const total = perDoor * DOORS;
while (onBus < total && performance.now() - acked < 120_000) await new Promise((r) => setTimeout(r, 20));
const busAt = performance.now();
// Results keep coming after the last device event is on the bus: wait for them to settle.
while (performance.now() - Math.max(lastResultAt, busAt) < 1_000) await new Promise((r) => setTimeout(r, 50));
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);
const s = (ms: number) => (ms / 1000).toFixed(2);
console.log(
  JSON.stringify({
    events: total,
    onBus,
    results,
    pubackPerS: Math.round(total / ((acked - started) / 1000)),
    doorToBusPerS: Math.round(onBus / ((busAt - started) / 1000)),
    doorToResultsPerS: Math.round(onBus / ((lastResultAt - started) / 1000)),
    doorToBusP50: pct(50),
    doorToBusP99: pct(99),
    seconds: { acked: s(acked - started), bus: s(busAt - started), results: s(lastResultAt - started) },
  }),
);
await subscribers.stop();
await cloud.stop();
rmSync(dir, { recursive: true, force: true });
