import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { type LogFormat, logDestination } from '@smartdoor/cloud/local/terminal-log';
import { type BusEvent, EventSource, parseCloudConfig } from '@smartdoor/shared';
import pino, { type Logger } from 'pino';
import { knownBadges, type SimBadge, writeBadgeSeed } from './badges.js';
import { PartLoadError } from './errors.js';
import type { DoorCredentials } from './fleet/virtual-door.js';
import type { SimCloud } from './sim-cloud.js';

const LOCAL_CLOUD_MODULE = '@smartdoor/cloud/local/local-cloud';
const SUBSCRIBERS_MODULE = '@smartdoor/cloud/local/subscribers';
const SUBSCRIBER_THREAD_MODULE = '@smartdoor/cloud/local/subscriber-thread/subscriber-thread';
/** Where the local cloud puts what it refuses: rule errors and invalid device events. */
const ERROR_QUEUES = ['rule-errors', 'smartdoor-ingest-errors'];

type LocalCloudModule = typeof import('@smartdoor/cloud/local/local-cloud');
type LocalCloud = InstanceType<LocalCloudModule['LocalCloud']>;

export interface InProcessCloudOptions {
  /** Data folder; a temp folder (removed at stop) when not given. */
  dataDir?: string;
  /** Extra CloudConfig fields (ports, webhook...). Ports default to 0 (free ports). */
  config?: Record<string, unknown>;
  /** Badges to seed the directory with. @default knownBadges() */
  badges?: readonly SimBadge[];
  /** @default pino at LOG_LEVEL or 'warn', to stderr, in `logFormat` */
  logger?: Logger;
  /** The log's form on stderr, the subscriber thread's included. @default 'json' */
  logFormat?: LogFormat;
  /**
   * One key pair for every simulated door certificate (signing only): for thousands of doors.
   * @default true
   */
  sharedKey?: boolean;
  /**
   * Run the subscribers in a worker thread of their own (as Lambda runs them apart from
   * the services): the broker, rules and bus keep this thread's core to themselves.
   * @default true
   */
  subscriberThread?: boolean;
}

/** Start the project's LocalCloud in this process (ports 0) and adapt it for the simulator. */
export async function startInProcessCloud(options: InProcessCloudOptions = {}): Promise<
  SimCloud & {
    cloud: LocalCloud;
    /** How busy the subscriber thread has been since it started (undefined: none, or restarting). */
    subscriberUtilization(): EventLoopUtilization | undefined;
  }
> {
  let mod: LocalCloudModule;
  try {
    mod = (await import(LOCAL_CLOUD_MODULE)) as LocalCloudModule;
  } catch (error) {
    throw new PartLoadError('the local cloud (LocalCloud)', 'cloud/src/local/local-cloud.ts', {
      cause: error,
    });
  }
  const temp = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'smartdoor-sim-'));
  mkdirSync(dataDir, { recursive: true });
  const badgesFile = join(dataDir, 'badges.json');
  writeBadgeSeed(badgesFile, options.badges ?? knownBadges());
  const config = parseCloudConfig({
    dataDir,
    mqttPort: null,
    mqttsPort: 0,
    awsPort: 0,
    httpPort: 0,
    badgesFile,
    ...options.config,
  });
  const cloud = new mod.LocalCloud(config, {
    logger:
      options.logger ??
      pino({ level: process.env.LOG_LEVEL ?? 'warn' }, logDestination(options.logFormat ?? 'json')),
  });
  let endpoints: Awaited<ReturnType<LocalCloud['start']>>;
  try {
    endpoints = await cloud.start();
  } catch (error) {
    if (temp) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let subscribers: InstalledSubscribers;
  try {
    subscribers = await installSubscribers(
      cloud,
      options.subscriberThread ?? true,
      options.logFormat ?? 'json',
    );
  } catch (error) {
    await cloud.stop();
    if (temp) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const port = Number(new URL(endpoints.mqtts).port);
  const sharedKey = options.sharedKey ?? true;
  const deliveries = new Set<string>(['smartdoor-identification', 'smartdoor-notification']);
  return {
    cloud,
    subscriberUtilization: () => subscribers.utilization?.(),
    broker: { scheme: 'mqtts', host: '127.0.0.1', port },
    dashboardUrl: endpoints.dashboard,
    async credentials(thingName): Promise<DoorCredentials> {
      const issued = await cloud.ca.issueThingCertificate(thingName, { sharedKey });
      return { ca: cloud.ca.caCertPem, cert: issued.certificatePem, key: issued.privateKeyPem };
    },
    subscribeBus(listener) {
      const on = ({ event }: { event: BusEvent }) => listener(event, Date.now());
      cloud.bus.on('event-put', on);
      return () => cloud.bus.off('event-put', on);
    },
    subscribeDeliveries(listener) {
      const on = ({ delivery }: { delivery: { ruleName: string; event: BusEvent } }) => {
        if (!deliveries.has(delivery.ruleName) || delivery.event.source !== EventSource.Device) return;
        const key = (delivery.event.detail as { metadata?: { 'idempotency-key'?: string } }).metadata?.[
          'idempotency-key'
        ];
        if (key) listener(key, delivery.ruleName);
      };
      cloud.bus.on('delivered', on);
      return () => cloud.bus.off('delivered', on);
    },
    async restartBroker(downMs: number) {
      // The broker process goes away: every client is disconnected, new connections are
      // refused until it is back; the listeners (and so the port) stay.
      await cloud.broker.stop();
      await new Promise((r) => setTimeout(r, downMs));
      await cloud.broker.start();
      return { port };
    },
    errorQueueDepth() {
      let n = 0;
      for (const q of ERROR_QUEUES) {
        const d = cloud.queues.depth(q);
        n += d.visible + d.inFlight;
      }
      return n;
    },
    async stop() {
      await subscribers.stop();
      await cloud.stop();
      if (temp) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface InstalledSubscribers {
  stop(): void | Promise<void>;
  utilization?(): EventLoopUtilization | undefined;
}

/** Register the identification and notification subscribers on the cloud. */
async function installSubscribers(
  cloud: LocalCloud,
  threaded: boolean,
  logFormat: LogFormat,
): Promise<InstalledSubscribers> {
  if (threaded) {
    const mod = (await import(
      SUBSCRIBER_THREAD_MODULE
    )) as typeof import('@smartdoor/cloud/local/subscriber-thread/subscriber-thread');
    return mod.installThreadedSubscribers(cloud, { logFormat });
  }
  const mod = (await import(SUBSCRIBERS_MODULE)) as typeof import('@smartdoor/cloud/local/subscribers');
  return mod.installLocalSubscribers(cloud);
}

/** A started in-process cloud, as the simulator sees it (plus the LocalCloud itself). */
export type InProcessCloud = Awaited<ReturnType<typeof startInProcessCloud>>;
