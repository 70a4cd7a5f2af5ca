/**
 * A real DoorAgent in a child process, for crash tests: built by buildAgent() from a
 * config (durable outbox in the data dir, MQTT.js transport), with a simulated door
 * sensor driven over stdin. Protocol, one line each:
 *   stdin  `open` | `closed`       set the door
 *   stdin  `stats`                 answer {"rss":bytes,"depth":n,"published":n}
 *   stdout {"ready":true}           after start()
 *   stdout {"step":n,"seq":s,"key":k} once step n's event is durable (accepted)
 * Usage: node --import tsx agent-child.ts <dataDir> <brokerUrl> <outboxKind> <initialState>
 */
import { createInterface } from 'node:readline';
import { parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { buildAgent, type OutboxKind } from '../../device/src/agent-factory.js';
import { SimulatedDoorSensor } from '../../device/src/inputs/simulated-door-sensor.js';
import type { OutboxEntry } from '../../device/src/outbox/types.js';

const [dataDir, brokerUrl, outboxKind, initial] = process.argv.slice(2);
const config = parseAgentConfig({
  thingName: 'door-crash',
  dataDir,
  mqtt: { endpoint: brokerUrl, transport: 'mqtt', reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 } },
  reedSwitch: { driver: 'simulated' },
  badgeReader: { enabled: false },
  // A test drives the door far faster than a person: no flapping fault, no heartbeats.
  door: { flappingTransitions: 1_000_000, flappingWindowMs: 100, heartbeatIntervalSeconds: 86_400 },
  logLevel: 'warn',
});
const sensor = new SimulatedDoorSensor({ initial: initial === 'open' ? 'open' : 'closed' });
const agent = await buildAgent(config, {
  sensor,
  outboxKind: outboxKind as OutboxKind,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
const accepted: { entry?: OutboxEntry } = {};
agent.onAccepted((entry) => {
  accepted.entry = entry;
});
await agent.start();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

let step = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stats') {
    const s = agent.status();
    const stats = { rss: process.memoryUsage().rss, depth: s.outbox.depth, published: s.counters.published };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    return;
  }
  step++;
  accepted.entry = undefined;
  sensor.set(line.trim() === 'open' ? 'open' : 'closed');
  // The append is synchronous: when set() returns, the event is on disk (or no event).
  const e = accepted.entry as OutboxEntry | undefined;
  process.stdout.write(
    `${JSON.stringify(e ? { step, seq: e.seq, key: e.idempotencyKey } : { step, none: true })}\n`,
  );
});
process.once('SIGTERM', () => {
  agent.stop().then(() => process.exit(0));
});
