import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { CloudConfig } from '@smartdoor/shared';
import type { Database } from 'better-sqlite3';
import { type Command, InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { loadBadgeSeedFile } from '../handlers/identification/badge-seed.js';
import { createIdentificationHandler } from '../handlers/identification/handler.js';
import { SqliteBadgeDirectory } from '../handlers/identification/sqlite-badge-directory.js';
import { SqliteCorrelationStore } from '../handlers/identification/sqlite-correlation-store.js';
import { DashboardChannel, LogChannel } from '../handlers/notification/channels.js';
import { NotificationConfigError } from '../handlers/notification/errors.js';
import { createNotificationHandler } from '../handlers/notification/handler.js';
import type { Notification, NotificationChannel } from '../handlers/notification/notification.js';
import { SqliteNotificationStore } from '../handlers/notification/sqlite-notification-store.js';
import { type FetchPort, WebhookChannel } from '../handlers/notification/webhook.js';
import type { EventBridgePort } from '../idempotency/bus-publisher.js';
import { clampDelay, type DelayQueue } from '../idempotency/delay-queue.js';
import { SqlitePersistenceLayer } from '../idempotency/sqlite-persistence-layer.js';
import type { SqsLambdaHandler, SubscriberLog } from '../idempotency/sqs-types.js';
import { SubscriberQueues } from './iot/subscriber-queues.js';
import type { LocalCloud } from './local-cloud.js';

export type SubscriberName = 'identification' | 'notification';

/** Options of {@link createLocalSubscribers}. */
export interface LocalSubscribersOptions {
  /** webhookUrl, webhookSecret, badgesFile, badgeWindowSeconds, notificationCollapseSeconds, offlineGraceSeconds, eventBusName. */
  config: CloudConfig;
  /** The local cloud's SQLite handle (state.db). */
  db: Database;
  /** An EventBridge SDK client pointed at the local endpoint. */
  eventBridge: EventBridgePort;
  /** An IoT Data Plane SDK client pointed at the local endpoint (buzzer commands). */
  iotData: Pick<IoTDataPlaneClient, 'send'>;
  /**
   * Puts a message on a subscriber's queue with SQS DelaySeconds (0-900): how delayed
   * checks come back, as SQS message timers do on AWS.
   */
  enqueue: (subscriber: SubscriberName, body: string, delaySeconds: number) => void | Promise<void>;
  /** The dashboard's sink for notifications; no dashboard channel when absent. */
  dashboardSink?: (notification: Notification) => void | Promise<void>;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
  /** For the hourly purge of spent records. @default setTimeout / clearTimeout */
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
  /** @default globalThis.fetch */
  fetch?: FetchPort;
  /** For SMARTDOOR_BADGE_SECRET (CSV seeds with raw badge ids). @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Webhook retry tuning, for tests that do not want to wait.
   * @default 4 attempts, 200 ms base backoff, 5 s timeout
   */
  webhook?: { attempts?: number; backoffBaseMs?: number; timeoutMs?: number };
}

export interface LocalSubscribers {
  /** Lambda-style SQS handlers, for LocalCloud.registerHandler. */
  identification: SqsLambdaHandler;
  notification: SqsLambdaHandler;
  directory: SqliteBadgeDirectory;
  /** Seeds the badge directory from config.badgesFile and starts the hourly purge. */
  start(): Promise<void>;
  stop(): void;
}

/** The local cloud is not in a state to take the subscribers. */
export class SubscribersNotReadyError extends Error {
  override name = 'SubscribersNotReadyError';
}

/** Correlations, spent keys and notification state are kept this long (DynamoDB TTL does it on AWS). */
const RETENTION_MS = 24 * 3600_000;

/** The identification and notification subscribers wired to the local cloud's parts. */
export function createLocalSubscribers(options: LocalSubscribersOptions): LocalSubscribers {
  const { config, db } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? {
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
  };
  if (config.webhookUrl && !config.webhookSecret) {
    throw new NotificationConfigError('webhookSecret is required with webhookUrl: every delivery is signed');
  }
  // One layer per handler: Powertools sets the key prefix on the layer at each call, so a
  // layer shared by two handlers could finish one handler's record under the other's prefix.
  const idRecords = new SqlitePersistenceLayer({ db, now });
  const nRecords = new SqlitePersistenceLayer({ db, now });
  const correlations = new SqliteCorrelationStore(db);
  const directory = new SqliteBadgeDirectory(db);
  const delays = (target: SubscriberName): DelayQueue => ({
    send: async (message, delaySeconds) => {
      await options.enqueue(target, JSON.stringify(message), clampDelay(delaySeconds));
    },
  });

  const idLog = pinoPort(options.logger.child({ fn: 'smartdoor-identification' }));
  const idDelays = delays('identification');
  const identification = createIdentificationHandler({
    ports: {
      correlations,
      directory,
      eventBridge: options.eventBridge,
      iotData: options.iotData,
      delayQueue: idDelays,
      now,
      log: idLog,
    },
    settings: { eventBusName: config.eventBusName, windowSeconds: config.badgeWindowSeconds },
    persistenceStore: idRecords,
  });

  const nLog = pinoPort(options.logger.child({ fn: 'smartdoor-notification' }));
  const nDelays = delays('notification');
  const channels: NotificationChannel[] = [];
  if (config.webhookUrl && config.webhookSecret) {
    channels.push(
      new WebhookChannel({
        url: config.webhookUrl,
        secret: config.webhookSecret,
        now,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...options.webhook,
      }),
    );
  }
  if (options.dashboardSink) channels.push(new DashboardChannel(options.dashboardSink));
  channels.push(new LogChannel(nLog));
  const nStore = new SqliteNotificationStore(db, {
    now,
    // A pending offline check reads the door's presence a grace period after it was
    // written: kept that much longer, however long the grace is configured.
    retentionSeconds: RETENTION_MS / 1000 + config.offlineGraceSeconds,
  });
  const notification = createNotificationHandler({
    ports: {
      store: nStore,
      channels,
      eventBridge: options.eventBridge,
      delayQueue: nDelays,
      now,
      log: nLog,
    },
    settings: {
      eventBusName: config.eventBusName,
      collapseSeconds: config.notificationCollapseSeconds,
      offlineGraceSeconds: config.offlineGraceSeconds,
    },
    persistenceStore: nRecords,
  });

  let purgeHandle: unknown;
  const purge = () => {
    // The next purge is scheduled first: one that fails (a busy or full disk) must not
    // end purging for the life of the process.
    purgeHandle = timers.setTimeout(purge, 3600_000);
    const failed = (what: string) => (err: unknown) =>
      options.logger.error({ err, what }, 'purge of spent records failed; retrying in an hour');
    correlations.purgeBefore(now() - RETENTION_MS).catch(failed('correlations'));
    try {
      idRecords.purgeExpired(); // the table is shared: this purges both handlers' records
    } catch (err) {
      failed('idempotency records')(err);
    }
    try {
      nStore.purgeExpired();
    } catch (err) {
      failed('notification state')(err);
    }
  };

  return {
    identification,
    notification,
    directory,
    async start() {
      if (config.badgesFile) {
        const entries = await loadBadgeSeedFile(config.badgesFile, options.env ?? process.env);
        await directory.replaceAll(entries);
        idLog.info('badge directory seeded', { file: config.badgesFile, badges: entries.length });
      }
      purge();
    },
    stop() {
      if (purgeHandle !== undefined) timers.clearTimeout(purgeHandle);
      purgeHandle = undefined;
    },
  };
}

/** Options of {@link installLocalSubscribers}: the parts a LocalCloud does not hold. */
export type InstallLocalSubscribersOptions = Partial<
  Pick<LocalSubscribersOptions, 'dashboardSink' | 'fetch' | 'env' | 'webhook' | 'now' | 'timers' | 'iotData'>
>;

/**
 * Build the subscribers for a started LocalCloud and register them as its
 * `identification` and `notification` handlers. SDK clients point at the cloud's own AWS
 * endpoint. Call `stop()` on the result before stopping the cloud.
 */
export async function installLocalSubscribers(
  cloud: LocalCloud,
  options: InstallLocalSubscribersOptions = {},
): Promise<LocalSubscribers> {
  const endpoints = cloud.endpoints;
  if (!endpoints)
    throw new SubscribersNotReadyError('start the local cloud before installing the subscribers');
  const { region, credentials } = cloud.config;
  const clientConfig = { endpoint: endpoints.aws, region, credentials };
  const eventBridge = new EventBridgeClient(clientConfig);
  const iotData = new IoTDataPlaneClient(clientConfig);
  const subscribers = createLocalSubscribers({
    config: cloud.config,
    db: cloud.db,
    eventBridge,
    iotData: options.iotData ?? iotData,
    enqueue: (name, body, delaySeconds) => {
      cloud.queues.send(SubscriberQueues.queueName(name), body, {}, { delaySeconds });
    },
    logger: cloud.logger.child({ part: 'subscribers' }),
    ...options,
  });
  await subscribers.start();
  const unregister = [
    cloud.subscribers.register('identification', subscribers.identification),
    cloud.subscribers.register('notification', subscribers.notification),
  ];
  return {
    ...subscribers,
    stop() {
      // The queues first: a batch received after the clients below are gone would fail and
      // use up a receive of each of its messages.
      for (const off of unregister) off();
      subscribers.stop();
      eventBridge.destroy();
      iotData.destroy();
    },
  };
}

/** Flags of `smartdoor cloud` that configure the subscribers (each also in the config file). */
export interface SubscriberFlags {
  webhookUrl?: string;
  webhookSecret?: string;
  badges?: string;
  badgeWindowSeconds?: number;
}

/** Add --webhook-url, --webhook-secret, --badges and --badge-window-seconds to a command. */
export function addSubscriberOptions(command: Command): Command {
  return command
    .option('--webhook-url <url>', 'notification webhook: JSON POST signed with HMAC-SHA256')
    .option('--webhook-secret <secret>', 'secret for the webhook signature (X-Smartdoor-Signature)')
    .option('--badges <file>', 'badge directory seed, .json or .csv (see cloud/src/handlers/README.md)')
    .option(
      '--badge-window-seconds <n>',
      'how far apart a badge read and a door opening may be (default 10)',
      seconds,
    );
}

/** The CloudConfig fields the subscriber flags set, to merge over the config file. */
export function subscriberConfigFromFlags(flags: SubscriberFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.webhookUrl !== undefined) out.webhookUrl = flags.webhookUrl;
  if (flags.webhookSecret !== undefined) out.webhookSecret = flags.webhookSecret;
  if (flags.badges !== undefined) out.badgesFile = flags.badges;
  if (flags.badgeWindowSeconds !== undefined) out.badgeWindowSeconds = flags.badgeWindowSeconds;
  return out;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 3600) {
    throw new InvalidArgumentError(`expected whole seconds 1-3600, got "${value}"`);
  }
  return n;
}

/** Powertools-style log port (message first) over pino. */
function pinoPort(log: Logger): SubscriberLog {
  return {
    debug: (msg, extra) => log.debug(extra ?? {}, msg),
    info: (msg, extra) => log.info(extra ?? {}, msg),
    warn: (msg, extra) => log.warn(extra ?? {}, msg),
    error: (msg, extra) => log.error(extra ?? {}, msg),
  };
}
