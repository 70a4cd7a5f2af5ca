import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BusEvent, type CloudConfig, EventSource, parseCloudConfig } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import pino, { type Logger } from 'pino';
import { LOCAL_BUS_RULES } from '../definitions/bus-rules.js';
import { IOT_RULES } from '../definitions/iot-rules.js';
import { IngestHandler } from '../handlers/ingest/handler.js';
import { AwsEndpoint, type AwsServiceDefinition, listenAwsEndpoint } from './aws-endpoint/index.js';
import { Dashboard } from './dashboard/dashboard.js';
import { SqliteKnownDoors } from './dashboard/door-store.js';
import type { DashboardSignal, DoorDirectory, ErrorReason } from './dashboard/types.js';
import { lockDataDir } from './data-dir-lock.js';
import { EventBusService, eventsApi, putEventsClient, putEventsOnBus } from './events/index.js';
import { type HttpRouteHandler, LocalHttpServer } from './http/http-server.js';
import { isLoopbackHost } from './http/loopback.js';
import { type ConnectionInfo, IotBroker, type Refusal, type TopicHandler } from './iot/broker.js';
import { LocalCa } from './iot/ca.js';
import { lambdaAction } from './iot/lambda-action.js';
import { SqliteLifecycleVersionStore, SqliteRetainedStore } from './iot/lifecycle-store.js';
import { SqliteMessageJournal } from './iot/message-journal.js';
import { RulesEngine } from './iot/rules-engine.js';
import { listenMqtt, listenMqtts, type MqttListener } from './iot/server.js';
import { type LocalSqsHandler, SubscriberQueues } from './iot/subscriber-queues.js';
import { type LocalProvisioning, startLocalProvisioning } from './iot-control/local-provisioning.js';
import { iotDataApi, ShadowService, SqliteShadowStore } from './iot-data/index.js';
import { LocalQueues, queueArn, sqsApi } from './queues/index.js';

/** Where the running local cloud listens: the ready line's fields. */
export interface LocalCloudEndpoints {
  ready: true;
  /** Absent with `--no-mqtt`. */
  mqtt?: string;
  mqtts: string;
  aws: string;
  dashboard: string;
  dataDir: string;
}

export interface LocalCloudOptions {
  /** @default pino to stderr at LOG_LEVEL or 'info' */
  logger?: Logger;
  /** @default Date.now */
  now?: () => number;
  /** Mount the live dashboard on the HTTP port. @default true */
  dashboard?: boolean;
  /**
   * The subscribers' queues (tests shorten them).
   * @default { visibilityTimeoutSeconds: 30, maxReceiveCount: 5, pollIntervalMs: 250 }
   */
  subscriberQueues?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; pollIntervalMs?: number };
}

/** Queues the local cloud creates (names as they would be on AWS). */
export const LOCAL_QUEUES = {
  ruleErrors: 'rule-errors',
  ingestErrors: 'smartdoor-ingest-errors',
} as const;

/**
 * Retention of the queues where failures end (rule and ingest errors, the subscribers' DLQs):
 * the SQS maximum, 14 days, as the CDK stack gives them (cloud/infra/src/queues.ts,
 * deadLetterQueue), so there is time to look at them and redrive.
 */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

const INGEST_FUNCTION = 'smartdoor-ingest';
const DASHBOARD_FUNCTION = 'smartdoor-dashboard';

/**
 * The whole AWS side on one machine, in one process: IoT Core (mTLS broker, per-thing
 * policy, rules engine), the ingest function, EventBridge with the project's rules, the
 * subscribers' queues, the AWS endpoint and the dashboard, all state in one SQLite file.
 */
export class LocalCloud {
  readonly config: CloudConfig;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly http: LocalHttpServer;
  readonly #opts: LocalCloudOptions;
  readonly #now: () => number;
  readonly #busListeners = new Set<(event: BusEvent) => void>();
  readonly #signalListeners = new Set<(signal: DashboardSignal) => void>();
  readonly #pendingServices: AwsServiceDefinition[] = [];
  #db: Database.Database | undefined;
  #ca: LocalCa | undefined;
  #queues: LocalQueues | undefined;
  #bus: EventBusService | undefined;
  #endpoint: AwsEndpoint | undefined;
  #broker: IotBroker | undefined;
  #rules: RulesEngine | undefined;
  #ingest: IngestHandler | undefined;
  #subscribers: SubscriberQueues | undefined;
  #dashboard: Dashboard | undefined;
  #provisioning: LocalProvisioning | undefined;
  #shadows: ShadowService | undefined;
  #closers: Array<() => Promise<void> | void> = [];
  #endpoints: LocalCloudEndpoints | undefined;

  constructor(config: CloudConfig | Record<string, unknown> = {}, options: LocalCloudOptions = {}) {
    this.config = parseCloudConfig(config);
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
    this.dataDir = resolve(this.config.dataDir);
    this.http = new LocalHttpServer({ logger: this.logger });
  }

  get db(): Database.Database {
    return required(this.#db, 'db');
  }
  get ca(): LocalCa {
    return required(this.#ca, 'ca');
  }
  get queues(): LocalQueues {
    return required(this.#queues, 'queues');
  }
  get bus(): EventBusService {
    return required(this.#bus, 'bus');
  }
  get endpoint(): AwsEndpoint {
    return required(this.#endpoint, 'endpoint');
  }
  get broker(): IotBroker {
    return required(this.#broker, 'broker');
  }
  get rules(): RulesEngine {
    return required(this.#rules, 'rules');
  }
  get ingest(): IngestHandler {
    return required(this.#ingest, 'ingest');
  }
  /** The subscribers' queues: dead letters and redrive. */
  get subscribers(): SubscriberQueues {
    return required(this.#subscribers, 'subscribers');
  }
  /** The IoT registry, claim certificate and fleet provisioning API. */
  get provisioning(): LocalProvisioning {
    return required(this.#provisioning, 'provisioning');
  }
  /** The Device Shadow service (MQTT shadow topics and the IoT Data Plane API). */
  get shadows(): ShadowService {
    return required(this.#shadows, 'shadows');
  }
  get dashboard(): Dashboard | undefined {
    return this.#dashboard;
  }
  get endpoints(): LocalCloudEndpoints | undefined {
    return this.#endpoints;
  }

  async start(): Promise<LocalCloudEndpoints> {
    if (this.#endpoints) return this.#endpoints;
    const c = this.config;
    const log = this.logger;
    try {
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      chmodSync(this.dataDir, 0o700);
      // Released last, when every part that uses the folder has stopped.
      this.#closers.push(lockDataDir(this.dataDir));
      const db = new Database(join(this.dataDir, 'state.db'));
      db.pragma('journal_mode = WAL');
      // WAL with synchronous NORMAL loses nothing when the process dies (kill -9 included);
      // only an OS crash or power cut may drop the last commits. It spares an fsync per
      // commit, and the broker journal commits twice per QoS 1 message.
      db.pragma('synchronous = NORMAL');
      // Savepoint and statement journals in memory: on disk they were temp files that took
      // more write calls than the WAL itself.
      db.pragma('temp_store = MEMORY');
      db.pragma('busy_timeout = 5000');
      this.#db = db;
      this.#closers.push(() => {
        db.close();
      });

      this.#ca = await LocalCa.open({ dir: join(this.dataDir, 'ca'), serverNames: [c.host] });

      const queues = new LocalQueues({ db });
      this.#queues = queues;
      const deadLetters = { messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS };
      queues.createQueue(LOCAL_QUEUES.ruleErrors, deadLetters);
      queues.createQueue(LOCAL_QUEUES.ingestErrors, deadLetters);
      this.#closers.push(() => queues.stop());

      const bus = new EventBusService({
        db,
        queues,
        region: c.region,
        accountId: c.accountId,
        busNames: [c.eventBusName],
        archiveRetentionDays: c.archiveRetentionDays,
      });
      this.#bus = bus;
      bus.functions.register(
        DASHBOARD_FUNCTION,
        async (event) => {
          for (const l of this.#busListeners) l(event as BusEvent);
        },
        { live: true },
      );
      bus.start();
      this.#closers.push(() => bus.stop());
      this.#subscribers = new SubscriberQueues({
        queues,
        bus,
        logger: log,
        region: c.region,
        accountId: c.accountId,
        errorQueues: [LOCAL_QUEUES.ruleErrors, LOCAL_QUEUES.ingestErrors],
        ...this.#opts.subscriberQueues,
      });
      this.#closers.push(() => this.#subscribers?.stop());
      this.#installBusRules();
      // Once every queue has its retention: the first sweep deletes what is past it.
      queues.start();

      const endpoint = new AwsEndpoint({
        accountId: c.accountId,
        region: c.region,
        checkSignatures: c.checkSignatures,
        credentials: c.credentials,
        logger: log.child({ part: 'aws' }),
      });
      this.#endpoint = endpoint;
      endpoint.register(eventsApi(bus));
      endpoint.register(sqsApi(queues));
      for (const s of this.#pendingServices.splice(0)) endpoint.register(s);
      const aws = await listenAwsEndpoint(endpoint, { host: c.host, port: c.awsPort });
      this.#closers.push(() => aws.close());

      await this.#startIot(aws.url);
      const broker = this.broker;
      const provisioning = await startLocalProvisioning({
        ...{ db, ca: this.ca, broker, region: c.region, accountId: c.accountId, dataDir: this.dataDir },
        logger: log.child({ part: 'provisioning' }),
        registerAwsService: (s) => endpoint.register(s),
        dataEndpoint: () => this.#endpoints && new URL(this.#endpoints.mqtts).host,
        now: this.#now,
      });
      this.#provisioning = provisioning;
      this.#closers.push(() => provisioning.stop());
      const shadows = new ShadowService({
        store: new SqliteShadowStore(db),
        now: this.#now,
        logger: log.child({ part: 'shadows' }),
      });
      this.#shadows = shadows;
      shadows.start(broker);
      this.#closers.push(() => shadows.stop());
      endpoint.register(iotDataApi({ shadows, broker, now: this.#now }));
      const mqtts = await listenMqtts(broker, {
        host: c.host,
        port: c.mqttsPort,
        caCertPem: this.ca.caCertPem,
        serverCertPem: this.ca.serverCertPem,
        serverKeyPem: this.ca.serverKeyPem,
      });
      this.#closers.push(() => mqtts.close());
      let mqtt: MqttListener | undefined;
      if (c.mqttPort !== null) {
        // The development port checks no certificate: anyone who reaches it may be any door.
        // It stays on loopback even when --host opens the other listeners to the network.
        mqtt = await listenMqtt(broker, {
          host: isLoopbackHost(c.host) ? c.host : '127.0.0.1',
          port: c.mqttPort,
        });
        this.#closers.push(() => mqtt!.close());
      }

      // Stopping runs newest first: the broker goes before its listeners, so that clients
      // are told SERVER_INITIATED_DISCONNECT rather than seeing their sockets drop.
      this.#closers.push(() => broker.stop());

      if (this.#opts.dashboard !== false) await this.#startDashboard();
      const web = await this.http.listen(c.host, c.httpPort);
      if (!isLoopbackHost(c.host)) {
        log.warn(
          { host: c.host, checkSignatures: c.checkSignatures },
          'listening beyond loopback: other machines reach the AWS endpoint (it creates certificates and their keys), the dashboard and MQTT over TLS; the plain MQTT port stays on loopback',
        );
      }
      this.#closers.push(() => this.http.close());

      this.#endpoints = {
        ready: true,
        ...(mqtt ? { mqtt: mqtt.url } : {}),
        mqtts: mqtts.url,
        aws: aws.url,
        dashboard: web.url,
        dataDir: this.dataDir,
      };
      log.info({ ...this.#endpoints }, 'local cloud ready');
      return this.#endpoints;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops every part, newest first; safe to call twice. */
  async stop(): Promise<void> {
    const closers = this.#closers.reverse();
    this.#closers = [];
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err }, 'error while stopping');
      }
    }
    this.#endpoints = undefined;
  }

  /**
   * Register a subscriber (`identification`, `notification`): it is invoked as Lambda invokes
   * an SQS-triggered function, with `{ Records }` from its rule's queue (DLQ after 5 receives).
   */
  registerHandler(name: string, handler: LocalSqsHandler): void {
    required(this.#subscribers, 'subscribers').register(name, handler);
  }

  /** Add an AWS service (IoT Data Plane, IoT control plane) to the AWS endpoint. */
  registerAwsService(service: AwsServiceDefinition): void {
    if (this.#endpoint) this.#endpoint.register(service);
    else this.#pendingServices.push(service);
  }

  /** Add a route to the HTTP (dashboard) port. */
  registerHttpRoute(method: string, path: string, handler: HttpRouteHandler): void {
    this.http.registerHttpRoute(method, path, handler);
  }

  /** Every accepted MQTT message on `filter` (shadow service, tests). Returns the remover. */
  onBrokerMessage(filter: string, handler: TopicHandler): () => void {
    return this.broker.onMessage(filter, handler);
  }

  /**
   * The provisioning registry's hook: refuse connections whose certificate is not active.
   * Return a reason to refuse; undefined lets the connection in.
   */
  setConnectionCheck(
    check: ((info: ConnectionInfo & { clientId: string }) => Promise<string | undefined>) | undefined,
  ): void {
    this.broker.setConnectionCheck(check);
  }

  /** Every event on the project's bus (the dashboard rule's sink). Returns the remover. */
  subscribeBus(listener: (event: BusEvent) => void): () => void {
    this.#busListeners.add(listener);
    return () => this.#busListeners.delete(listener);
  }

  #installBusRules(): void {
    const { eventBusName, region, accountId } = this.config;
    for (const rule of LOCAL_BUS_RULES) {
      this.bus.putRule({
        name: rule.name,
        busName: eventBusName,
        eventPattern: JSON.stringify(rule.eventPattern),
        description: rule.description,
      });
      const arn =
        rule.target === 'dashboard'
          ? `arn:aws:lambda:${region}:${accountId}:function:${DASHBOARD_FUNCTION}`
          : queueArn(region, accountId, this.#ensureSubscriberQueue(rule.target));
      const failed = this.bus.putTargets(rule.name, eventBusName, [{ id: rule.target, arn }]);
      if (failed.length > 0) throw new Error(`cannot add target ${rule.target}: ${failed[0]!.errorMessage}`);
    }
  }

  /** The subscriber's queue, with its DLQ kept as long as the stack keeps it; returns its name. */
  #ensureSubscriberQueue(subscriber: string): string {
    const queue = required(this.#subscribers, 'subscribers').ensureQueue(subscriber);
    const dlq = this.queues.getQueueAttributes(queue).deadLetterQueue;
    if (dlq !== undefined)
      this.queues.setQueueAttributes(dlq, { messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS });
    return queue;
  }

  async #startIot(awsUrl: string): Promise<void> {
    const c = this.config;
    const log = this.logger.child({ part: 'iot' });
    const ingest = new IngestHandler({
      // In this thread: straight to the bus (same checks and answers as the endpoint). The
      // dashboard hears which things send device events this way: those are doors.
      eventBridge: putEventsClient((entries) => {
        for (const e of entries) {
          const thingName = e.Source === EventSource.Device ? thingOfArn(e.Resources?.[0]) : undefined;
          if (thingName) this.#signal({ kind: 'device', thingName });
        }
        return putEventsOnBus(this.bus, entries);
      }),
      errors: {
        send: async (record) => {
          this.queues.send(LOCAL_QUEUES.ingestErrors, JSON.stringify(record));
          // The reason's text (device payload included) is in the log and the error queue;
          // as a metric label it would make a series per malformed payload.
          this.#signal({ kind: 'error', reason: 'ingest-invalid' });
        },
      },
      clock: { now: this.#now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      logger: pinoPort(log.child({ fn: INGEST_FUNCTION })),
      target: { region: c.region, accountId: c.accountId, eventBusName: c.eventBusName },
    });
    this.#ingest = ingest;
    const ingestAction = lambdaAction({
      functionName: INGEST_FUNCTION,
      functionArn: `arn:aws:lambda:${c.region}:${c.accountId}:function:${INGEST_FUNCTION}`,
      fn: ingest.handle,
      maxBatch: 10,
      newId: randomUUID,
      now: this.#now,
    });
    const queueUrl = `${awsUrl}/${c.accountId}/${LOCAL_QUEUES.ruleErrors}`;
    const rules = new RulesEngine({
      rules: IOT_RULES,
      accountId: c.accountId,
      logger: log,
      now: this.#now,
      actions: {
        ingest: ingestAction,
        'rule-errors': {
          type: 'SqsAction',
          resource: queueUrl,
          run: async (input) => {
            this.queues.send(LOCAL_QUEUES.ruleErrors, input.payload.toString('utf8'));
          },
        },
      },
    });
    this.#rules = rules;
    const broker = new IotBroker({
      logger: log,
      now: this.#now,
      versions: new SqliteLifecycleVersionStore(this.db),
      retained: new SqliteRetainedStore(this.db),
      journal: new SqliteMessageJournal(this.db),
      persistentSessionExpiryMs: this.config.persistentSessionExpirySeconds * 1000,
    });
    this.#broker = broker;
    await broker.start();
    broker.on('connected', (e: { clientId: string }) =>
      this.#signal({ kind: 'presence', thingName: e.clientId, connected: true }),
    );
    broker.on('disconnected', (e: { clientId: string }) =>
      this.#signal({ kind: 'presence', thingName: e.clientId, connected: false }),
    );
    broker.on('refused', (r: Refusal) => this.#signal({ kind: 'error', reason: `mqtt-${r.action}-refused` }));
    rules.start(broker);
    // Messages acknowledged before a crash whose actions had not finished run now.
    broker.replayJournal();
    this.#closers.push(async () => {
      await broker.stop();
      await rules.stop();
      await ingestAction.flush();
    });
  }

  async #startDashboard(): Promise<void> {
    const dashboard = new Dashboard({
      sources: {
        subscribeBus: (l) => this.subscribeBus(l),
        subscribeSignals: (l) => {
          this.#signalListeners.add(l);
          return () => this.#signalListeners.delete(l);
        },
        doors: this.#doorDirectory(),
        deadLetters: () => required(this.#subscribers, 'subscribers').deadLetters(),
        redrive: async (ids) => required(this.#subscribers, 'subscribers').redrive(ids),
        dismiss: async (ids) => required(this.#subscribers, 'subscribers').dismiss(ids),
        backlog: () => required(this.#subscribers, 'subscribers').backlog(),
      },
    });
    await dashboard.start();
    this.#dashboard = dashboard;
    for (const r of dashboard.routes()) this.http.registerHttpRoute(r.method, r.path, r.handler);
    this.#closers.push(() => dashboard.stop());
  }

  /**
   * The dashboard's doors: the registry's things and the doors that sent device events
   * through ingest (kept in the data dir), connected as the broker says.
   */
  #doorDirectory(): DoorDirectory {
    const registry = this.provisioning.registry.store;
    const remembered = new SqliteKnownDoors(this.db);
    return {
      known: () => {
        const names = new Set(remembered.all());
        for (const t of registry.listThings('', Number.MAX_SAFE_INTEGER)) names.add(t.thingName);
        return names;
      },
      isDoor: (name) => remembered.has(name) || registry.getThing(name) !== undefined,
      remember: (name) => remembered.add(name, this.#now()),
      connected: () => this.broker.connectedClientIds,
    };
  }

  /**
   * Counts an error of a part the cloud does not hold (the subscriber thread's crash): in
   * the dashboard's error rate and `smartdoor_errors_total{reason}`.
   */
  reportError(reason: ErrorReason): void {
    this.#signal({ kind: 'error', reason });
  }

  #signal(signal: DashboardSignal): void {
    for (const l of this.#signalListeners) l(signal);
  }
}

/** The thing name of a thing ARN (`arn:aws:iot:region:account:thing/NAME`), as ingest sets it. */
function thingOfArn(arn: string | undefined): string | undefined {
  const at = arn?.indexOf(':thing/') ?? -1;
  return at < 0 ? undefined : arn!.slice(at + ':thing/'.length);
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the local cloud is not started: no ${what} yet`);
  return value;
}

/** Powertools-style logger port (message first) over pino. */
function pinoPort(log: Logger) {
  return {
    debug: (msg: string, extra?: object) => log.debug(extra ?? {}, msg),
    info: (msg: string, extra?: object) => log.info(extra ?? {}, msg),
    warn: (msg: string, extra?: object) => log.warn(extra ?? {}, msg),
    error: (msg: string, extra?: object) => log.error(extra ?? {}, msg),
  };
}
