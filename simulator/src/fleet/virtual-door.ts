import { DoorAgent } from '@smartdoor/device/agent';
import { type Clock, systemClock } from '@smartdoor/device/core/clock';
import { SimulatedBadgeReader, SimulatedBuzzer } from '@smartdoor/device/inputs/simulated-badge-reader';
import { SimulatedDoorSensor } from '@smartdoor/device/inputs/simulated-door-sensor';
import { LogOutbox } from '@smartdoor/device/outbox/log-outbox';
import { MemoryOutbox } from '@smartdoor/device/outbox/memory-outbox';
import { SqliteOutbox } from '@smartdoor/device/outbox/sqlite-outbox';
import type { Outbox } from '@smartdoor/device/outbox/types';
import { MqttJsTransport } from '@smartdoor/device/transport/mqttjs-transport';
import { type AgentConfigInput, parseAgentConfig, topics } from '@smartdoor/shared';
import type { Logger } from 'pino';
import type { Random } from '../random.js';
import type { DoorAction, MalformedVariant, ScenarioDoorSettings } from '../scenarios/types.js';
import { SimTransport } from './sim-transport.js';
import { SkewedClock } from './skewed-clock.js';

export interface DoorCredentials {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Where a virtual door keeps its outbox: in memory, or a durable file as a real door does. */
export type SimOutboxKind = 'memory' | 'sqlite' | 'log';

export interface VirtualDoorOptions {
  thingName: string;
  /** Broker URL (mqtts://... through the proxy, or mqtt://). */
  url: string;
  credentials: DoorCredentials;
  /**
   * 'memory' keeps each outbox in memory (for load runs: a file per door for thousands of
   * doors costs file handles and an fsync per event); 'log' (a real door's default) and
   * 'sqlite' are the agent's durable outboxes, a file per door.
   * @default 'memory'
   */
  outbox?: SimOutboxKind;
  /** Folder for the file outboxes. */
  dataDir?: string;
  badgeSecret: string;
  settings?: ScenarioDoorSettings;
  random: Random;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** Called when the agent accepted an event (edge time = now) and when the broker acknowledged it. */
  onCreated?: (key: string, thingName: string) => void;
  onAcked?: (key: string) => void;
  onConnected?: () => void;
}

/** One simulated door: the real DoorAgent with simulated inputs and a fault-playing transport. */
export class VirtualDoor {
  readonly thingName: string;
  readonly sensor: SimulatedDoorSensor;
  readonly reader: SimulatedBadgeReader;
  readonly buzzer = new SimulatedBuzzer();
  readonly clock: SkewedClock;
  readonly transport: SimTransport;
  readonly outbox: Outbox;
  readonly agent: DoorAgent;
  /** Why the last connection attempt failed or the connection dropped, if it did. */
  lastConnectionError: Error | undefined;

  constructor(private readonly options: VirtualDoorOptions) {
    this.thingName = options.thingName;
    const base = options.clock ?? systemClock;
    this.clock = new SkewedClock(base);
    this.sensor = new SimulatedDoorSensor({ clock: this.clock });
    this.reader = new SimulatedBadgeReader({ clock: this.clock });
    const random = options.random;
    const inner = new MqttJsTransport({
      url: options.url,
      ...options.credentials,
      clock: base,
      // Quick first retries: a demo should recover in seconds, not a minute.
      reconnect: { initialDelayMs: 250, maxDelayMs: 5_000 },
      random: () => random.next(),
      keepaliveSeconds: 60,
    });
    this.transport = new SimTransport(inner, topics.events(this.thingName));
    this.outbox =
      options.outbox === 'sqlite'
        ? new SqliteOutbox(`${options.dataDir}/${this.thingName}.outbox.db`)
        : options.outbox === 'log'
          ? new LogOutbox(`${options.dataDir}/${this.thingName}.outbox.log`)
          : new MemoryOutbox();
    const config: AgentConfigInput = {
      thingName: this.thingName,
      dataDir: options.dataDir ?? '/nonexistent',
      mqtt: { endpoint: options.url, transport: 'mqtt' },
      badgeReader: { enabled: true, path: 'simulated' },
      reedSwitch: { driver: 'simulated' },
      door: {
        heldOpenLimitSeconds: options.settings?.heldOpenLimitSeconds ?? 30,
        heartbeatIntervalSeconds: options.settings?.heartbeatIntervalSeconds ?? 60,
        debounceMs: 0,
        ...(options.settings?.flappingTransitions
          ? { flappingTransitions: options.settings.flappingTransitions }
          : {}),
      },
      logLevel: 'warn',
    };
    this.agent = new DoorAgent({
      config: parseAgentConfig(config),
      sensor: this.sensor,
      badgeReader: this.reader,
      buzzer: this.buzzer,
      transport: this.transport,
      outbox: this.outbox,
      badgeSecret: options.badgeSecret,
      clock: this.clock,
      ids: { now: () => this.clock.now(), random16: () => random.bytes16() },
      logger: options.logger.child({ thing: this.thingName }),
    });
    if (options.onCreated) {
      const onCreated = options.onCreated;
      this.agent.onAccepted((entry) => onCreated(entry.idempotencyKey, this.thingName));
    }
    if (options.onAcked) {
      const onAcked = options.onAcked;
      this.agent.onPuback((entry) => onAcked(entry.idempotencyKey));
    }
  }

  /** Resolves when the door is first connected, or after `timeoutMs` (never rejects). */
  connected(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      // Unref'd: a wait nobody needs any more must not keep a stopped run's process alive.
      const timer = setTimeout(resolve, timeoutMs).unref();
      this.transport.onConnectionChange((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async start(): Promise<void> {
    const onConnected = this.options.onConnected;
    this.transport.onConnectionChange((state, error) => {
      if (state === 'connected') onConnected?.();
      else if (error) this.lastConnectionError = error;
    });
    await this.agent.start();
  }

  async stop(): Promise<void> {
    await this.agent.stop();
  }

  /** Play one planned action. Returns true for a malformed publish (counted by the caller). */
  apply(action: DoorAction): boolean {
    switch (action.kind) {
      case 'open':
        this.sensor.open();
        return false;
      case 'close':
        this.sensor.close();
        return false;
      case 'scan':
        this.reader.scan(action.badgeId);
        return false;
      case 'skew':
        this.clock.offsetMs = action.offsetMs;
        return false;
      case 'duplicate':
        this.transport.copies = action.copies;
        return false;
      case 'malformed':
        this.transport
          .raw(topics.events(this.thingName), malformedPayload(action.variant, this.thingName))
          .catch(() => {});
        return true;
    }
  }
}

/** Payloads that break the device event contract, one per way it can break. */
export function malformedPayload(variant: MalformedVariant, thingName: string): string {
  const good = {
    schemaVersion: 1,
    type: 'door.state.changed',
    thingName,
    seq: 0,
    occurredAt: new Date().toISOString(),
    idempotencyKey: '0193a1b2-0000-7000-8000-000000000000',
    state: 'open',
  };
  switch (variant) {
    case 'not-json':
      return '{"schemaVersion": 1, "type": "door.state.changed", oops';
    case 'wrong-thing':
      return JSON.stringify({ ...good, thingName: `${thingName}-impostor` });
    case 'unknown-type':
      return JSON.stringify({ ...good, type: 'door.exploded' });
    case 'missing-key': {
      const { idempotencyKey: _, ...rest } = good;
      return JSON.stringify(rest);
    }
    case 'bad-timestamp':
      return JSON.stringify({ ...good, occurredAt: 'yesterday' });
  }
}
