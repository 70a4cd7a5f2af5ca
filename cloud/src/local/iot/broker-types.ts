import type { LifecycleVersionStore } from './lifecycle.js';
import type { RetainedStore } from './lifecycle-store.js';
import type { MessageJournal } from './message-journal.js';
import type { IotPolicyAction, IotPolicyDecision, IotPolicyRequest } from './policy.js';

/**
 * Decides for certificates the per-thing policy does not describe (the provisioning
 * registry: claim certificates, certificates attached to things). Undefined lets the
 * per-thing policy decide.
 */
export type PolicyOverride = (req: IotPolicyRequest, info: ConnectionInfo) => IotPolicyDecision | undefined;

/** What the listener knows about a connection before MQTT starts: set by server.ts. */
export interface ConnectionInfo {
  transport: 'mqtt' | 'mqtts';
  /** The CN of the client certificate (mTLS only). */
  certificateThingName?: string;
  /** IoT Core certificate id of the client certificate (mTLS only). */
  certificateId?: string;
  remoteAddress?: string;
}

/** A message the broker accepted, as topic handlers and the rules engine see it. */
export interface BrokerMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Undefined for messages the cloud itself published (lifecycle events, data plane). */
  clientId?: string;
  /** The certificate id (mTLS) or `tcp/{clientId}` of the sender. */
  principal?: string;
}

/**
 * A topic handler. When it returns a promise, a journaled message stays in the journal
 * until the promise settles (see MessageJournal).
 */
export type TopicHandler = (message: BrokerMessage) => unknown;

/** A refused connect, publish or subscribe, as logged and counted. */
export interface Refusal {
  /** A refused retained publish counts as a refused publish. */
  action: Exclude<IotPolicyAction, 'retainPublish'> | 'limit';
  clientId: string;
  topic?: string;
  reason: string;
}

type LogFn = (obj: object, msg?: string) => void;
export interface BrokerLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface IotBrokerOptions {
  logger: BrokerLogger;
  /** @default Date.now */
  now?: () => number;
  /** Session identifiers of lifecycle events. @default random UUID without dashes */
  newSessionId?: () => string;
  /** Where lifecycle version numbers are kept. @default in memory */
  versions?: LifecycleVersionStore;
  /** Where retained messages outlive a restart. @default none (aedes keeps them in memory) */
  retained?: RetainedStore;
  /**
   * Where QoS 1 messages wait, from before their PUBACK until the topic handlers finished,
   * so that a crash loses nothing acknowledged. @default none
   */
  journal?: MessageJournal;
  /**
   * How long a persistent session (clean session 0) outlives its connection: unless the
   * client comes back first, its subscriptions and the QoS 1 messages queued for it are
   * dropped then. Without it a client that subscribed and never returned would have its
   * messages kept for the life of the process. IoT Core's default is 1 hour
   * (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt-persistent-sessions.html).
   * @default 3_600_000
   */
  persistentSessionExpiryMs?: number;
  /**
   * Extra check at connect, after the policy (e.g. the provisioning registry: is this
   * certificate ACTIVE?). Return a reason to refuse.
   */
  authorizeConnection?: (info: ConnectionInfo & { clientId: string }) => Promise<string | undefined>;
}
