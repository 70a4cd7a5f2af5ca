import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { LIMITS, topicMatchesFilter } from '@smartdoor/shared';
import aedesModule, { type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type {
  BrokerMessage,
  ConnectionInfo,
  IotBrokerOptions,
  PolicyOverride,
  Refusal,
  TopicHandler,
} from './broker-types.js';

type Aedes = ReturnType<typeof aedesModule.createBroker>;

import {
  connectedEvent,
  DisconnectReason,
  disconnectedEvent,
  hasLifecycleEvents,
  type LifecycleVersionStore,
  MemoryLifecycleVersionStore,
  normalizeIp,
  type SessionFacts,
} from './lifecycle.js';
import type { RetainedMessage } from './lifecycle-store.js';
import { checkInboundPublish, checkSubscribeFilter, MAX_PACKET_BYTES } from './limits.js';
import {
  evaluateThingPolicy,
  type IotPolicyAction,
  type IotPolicyDecision,
  type IotPolicyRequest,
} from './policy.js';

export type {
  BrokerLogger,
  BrokerMessage,
  ConnectionInfo,
  IotBrokerOptions,
  PolicyOverride,
  Refusal,
  TopicHandler,
} from './broker-types.js';

interface Session extends SessionFacts {
  info: ConnectionInfo;
  reason?: DisconnectReason;
}

/** aedes' per-client flag, set when the client sent DISCONNECT ([MQTT-3.14.4-3]). */
type AedesClient = Client & { _disconnected?: boolean; closed?: boolean };

/** The parts of aedes' session store (aedes-persistence, in memory) that expiry needs. */
interface SessionStore {
  cleanSubscriptions(client: { id: string }, cb: () => void): void;
  outgoingStream(client: { id: string }): AsyncIterable<{ messageId?: number }>;
  outgoingClearMessageId(client: { id: string }, packet: object, cb: () => void): void;
}

/** IoT Core's default persistent session expiry: an hour after the client went. */
const DEFAULT_SESSION_EXPIRY_MS = 3_600_000;

/** The parts of aedes' per-client mqtt-packet parser the broker hooks into. */
interface PacketParser extends EventEmitter {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(error: Error): void;
}

interface SubscribePacket {
  cmd: string;
  subscriptions?: Array<{ topic: string; qos: number }>;
}

/**
 * IoT Core's message broker on one machine: aedes with the per-thing policy, IoT Core's
 * limits and lifecycle events. It takes streams (`handle`); listeners live in server.ts.
 * Events: 'refused' (Refusal), 'connected' / 'disconnected' (lifecycle event objects).
 */
export class IotBroker extends EventEmitter {
  readonly #opts: IotBrokerOptions;
  readonly #now: () => number;
  readonly #newSessionId: () => string;
  readonly #versions: LifecycleVersionStore;
  readonly #infos = new WeakMap<Duplex, ConnectionInfo>();
  readonly #sessions = new WeakMap<Client, Session>();
  readonly #handlers = new Set<{ filter: string; handler: TopicHandler }>();
  /** Journal ids by payload buffer: aedes copies the packet but keeps its payload object. */
  readonly #journalIds = new WeakMap<object, number>();
  /** Subscriptions of a SUBSCRIBE past IoT Core's limits, with the reason (see #countSubscriptions). */
  readonly #overLimit = new WeakMap<object, string>();
  readonly #refusals: Record<Refusal['action'], number> = {
    connect: 0,
    publish: 0,
    subscribe: 0,
    receive: 0,
    limit: 0,
  };
  /** Persistent sessions whose client went, by client id: the timer that ends each. */
  readonly #sessionExpiries = new Map<string, NodeJS.Timeout>();
  #aedes: Aedes | undefined;
  #stopping = false;
  #connectionCheck: IotBrokerOptions['authorizeConnection'];
  #policyOverride: PolicyOverride | undefined;

  constructor(options: IotBrokerOptions) {
    super();
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#newSessionId = options.newSessionId ?? (() => randomUUID().replaceAll('-', ''));
    this.#versions = options.versions ?? new MemoryLifecycleVersionStore();
    this.#connectionCheck = options.authorizeConnection;
  }

  /**
   * Set (or clear) the extra check at connect, e.g. the provisioning registry once it has
   * started: a certificate that is not ACTIVE is refused as IoT Core refuses it.
   */
  setConnectionCheck(check: IotBrokerOptions['authorizeConnection']): void {
    this.#connectionCheck = check;
  }

  /** Set (or clear) the policy override (see PolicyOverride): the provisioning registry's hook. */
  setPolicyOverride(override: PolicyOverride | undefined): void {
    this.#policyOverride = override;
  }

  /**
   * Deliver a message to one connected client only (QoS 0), still subject to its receive
   * policy: IoT Core answers a fleet provisioning request to the client that made it.
   * False when that client is not connected.
   */
  publishTo(clientId: string, message: { topic: string; payload: Buffer | string }): boolean {
    const clients = (this.#aedes as unknown as { clients?: Record<string, Client> } | undefined)?.clients;
    const client = clients?.[clientId] as
      | (Client & { deliver0?: (p: object, cb: () => void) => void })
      | undefined;
    if (!client?.deliver0) return false;
    const payload = Buffer.isBuffer(message.payload) ? message.payload : Buffer.from(message.payload);
    client.deliver0(
      { cmd: 'publish', topic: message.topic, payload, qos: 0, retain: false, dup: false },
      () => {},
    );
    return true;
  }

  /** Refusals so far, by kind. */
  get refusals(): Readonly<Record<Refusal['action'], number>> {
    return { ...this.#refusals };
  }

  /** Client ids connected right now. */
  get connectedClientIds(): string[] {
    return this.#aedes ? Object.keys((this.#aedes as unknown as { clients: object }).clients) : [];
  }

  async start(): Promise<void> {
    if (this.#aedes) return;
    this.#stopping = false;
    const aedes = aedesModule.createBroker({
      authenticate: (client, _u, _p, done) => this.#authenticate(client, done),
      authorizePublish: (client, packet, done) => {
        const refused = this.#authorizePublish(client, packet);
        if (refused || !client) done(refused);
        else this.#journal(client, packet, done);
      },
      authorizeSubscribe: (client, sub, done) =>
        done(null, this.#authorizeSubscribe(client, sub) ? sub : null),
      authorizeForward: (client, packet) => this.#authorizeForward(client, packet),
      published: (packet, client, done) => {
        this.#dispatch(packet, client);
        done();
      },
    });
    // 'connackSent', not 'clientReady': a client may publish (and be refused) before clientReady fires.
    aedes.on('connackSent', (packet, client) => {
      if (packet.returnCode === 0) {
        this.#keepSession(client.id);
        this.#onReady(client);
      }
    });
    aedes.on('clientDisconnect', (client) => {
      this.#expireSessionLater(client);
      this.#onDisconnect(client);
    });
    aedes.on('keepaliveTimeout', (client) => this.#mark(client, DisconnectReason.MqttKeepAliveTimeout));
    aedes.on('clientError', (client, err) =>
      this.#opts.logger.debug({ clientId: client.id, err }, 'client error'),
    );
    aedes.on('connectionError', (client, err) =>
      this.#opts.logger.debug({ clientId: client?.id, err }, 'connection error'),
    );
    // Retained messages come back before any client connects; stored, not published, so
    // that the rules do not see them twice.
    const persistence = (
      aedes as unknown as { persistence: { storeRetained(p: object, cb: (e?: Error) => void): void } }
    ).persistence;
    for (const m of this.#opts.retained?.all() ?? []) {
      await new Promise<void>((resolve, reject) =>
        persistence.storeRetained(
          { cmd: 'publish', topic: m.topic, payload: m.payload, qos: m.qos, retain: true, dup: false },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    }
    this.#aedes = aedes;
  }

  /** Disconnects every client (SERVER_INITIATED_DISCONNECT) and closes the broker. */
  async stop(): Promise<void> {
    const aedes = this.#aedes;
    if (!aedes) return;
    this.#stopping = true;
    for (const timer of this.#sessionExpiries.values()) clearTimeout(timer);
    this.#sessionExpiries.clear();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.#aedes = undefined;
  }

  /** Serve one MQTT connection over any stream. */
  handle(stream: Duplex, info: ConnectionInfo): void {
    const aedes = this.#aedes;
    if (!aedes) {
      stream.destroy();
      return;
    }
    this.#infos.set(stream, info);
    const client = aedes.handle(stream) as Client & { _parser?: PacketParser };
    const parser = client._parser;
    if (!parser) return;
    this.#capPacketSize(client, parser);
    parser.prependListener('packet', (packet: SubscribePacket) => {
      if (packet.cmd !== 'subscribe') return;
      // IoT Core supports QoS 0 and 1 only: a QoS 2 subscription is granted QoS 1
      // (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-qos). aedes has
      // no hook for the granted QoS, so the request is lowered as it is parsed, before aedes sees it.
      for (const sub of packet.subscriptions ?? []) if (sub.qos === 2) sub.qos = 1;
      this.#countSubscriptions(client, packet.subscriptions ?? []);
    });
  }

  /**
   * Refuses a packet longer than MAX_PACKET_BYTES as soon as its length is read, before its
   * bytes are buffered (aedes has no such limit). The connection closes with CLIENT_ERROR.
   */
  #capPacketSize(client: Client, parser: PacketParser): void {
    const parseLength = parser._parseLength;
    parser._parseLength = () => {
      const read = parseLength.call(parser);
      if (!read || parser.packet.length <= MAX_PACKET_BYTES) return read;
      const reason = `packet of ${parser.packet.length} bytes, over the ${MAX_PACKET_BYTES} a publish of IoT Core's largest payload needs`;
      this.#mark(client, DisconnectReason.ClientError);
      this.#refuse({ action: 'limit', clientId: client.id ?? '', reason });
      parser._emitError(new Error(reason));
      return false;
    };
  }

  /**
   * Marks the subscriptions of a SUBSCRIBE that go past IoT Core's limits (per request, per
   * connection); aedes asks about each one on its own, and in parallel, so they are counted here.
   */
  #countSubscriptions(client: Client, subs: Array<{ topic: string }>): void {
    const held = new Set(Object.keys((client as { subscriptions?: object }).subscriptions ?? {}));
    let count = held.size;
    subs.forEach((sub, i) => {
      if (i >= LIMITS.IOT_MAX_SUBSCRIPTIONS_PER_REQUEST) {
        this.#overLimit.set(
          sub,
          `more than ${LIMITS.IOT_MAX_SUBSCRIPTIONS_PER_REQUEST} subscriptions in one SUBSCRIBE (IoT Core's limit)`,
        );
      } else if (!held.has(sub.topic) && ++count > LIMITS.IOT_MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        this.#overLimit.set(
          sub,
          `more than ${LIMITS.IOT_MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions on one connection (IoT Core's limit)`,
        );
      }
    });
  }

  /**
   * Every accepted message on topics matching `filter` (MQTT wildcards; Basic Ingest topics
   * included, which no subscriber receives). The extension point for the rules engine and
   * the shadow service. Returns a function that removes the handler.
   */
  onMessage(filter: string, handler: TopicHandler): () => void {
    const entry = { filter, handler };
    this.#handlers.add(entry);
    return () => this.#handlers.delete(entry);
  }

  /** Publish as the cloud (lifecycle events, IoT Data Plane Publish, commands). */
  publish(message: {
    topic: string;
    payload: Buffer | string;
    qos?: 0 | 1;
    retain?: boolean;
  }): Promise<void> {
    const aedes = this.#aedes;
    if (!aedes || this.#stopping) return Promise.resolve();
    const packet = {
      cmd: 'publish',
      topic: message.topic,
      payload: Buffer.isBuffer(message.payload) ? message.payload : Buffer.from(message.payload),
      qos: message.qos ?? 0,
      retain: message.retain ?? false,
      dup: false,
    } as PublishPacket;
    return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * The retained messages kept in the store (IoT Data Plane ListRetainedMessages and
   * GetRetainedMessage); empty without a store.
   */
  retainedMessages(): RetainedMessage[] {
    return this.#opts.retained?.all() ?? [];
  }

  /** Close a client's connection (IoT Data Plane DeleteConnection). False when not connected. */
  disconnect(clientId: string, reason: DisconnectReason = DisconnectReason.ApiInitiatedDisconnect): boolean {
    const client = (this.#aedes as unknown as { clients?: Record<string, Client> } | undefined)?.clients?.[
      clientId
    ];
    if (!client) return false;
    this.#mark(client, reason);
    client.close();
    return true;
  }

  #authenticate(
    client: Client,
    done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
  ) {
    const info = this.#infos.get(client.conn as Duplex) ?? { transport: 'mqtt' };
    const decision = this.#evaluate(
      {
        action: 'connect',
        clientId: client.id,
        ...(info.certificateThingName === undefined
          ? {}
          : { certificateThingName: info.certificateThingName }),
      },
      info,
    );
    const refuse = (reason: string) => {
      this.#refuse({ action: 'connect', clientId: client.id, reason });
      // CONNACK 5, not authorized: what IoT Core answers a CONNECT its policy denies.
      done(Object.assign(new Error(reason), { returnCode: 5 }), null);
    };
    if (!decision.allow) return refuse(decision.reason);
    const extra = this.#connectionCheck?.({ ...info, clientId: client.id }) ?? Promise.resolve(undefined);
    extra.then(
      (reason) => {
        if (reason !== undefined) return refuse(reason);
        // IoT Core: "the broker closes the existing connection" of a duplicate client id
        // (https://docs.aws.amazon.com/iot/latest/developerguide/policy-actions.html, iot:Connect).
        const existing = (this.#aedes as unknown as { clients: Record<string, Client> }).clients[client.id];
        if (existing && existing !== client) this.#mark(existing, DisconnectReason.DuplicateClientId);
        this.#sessions.set(client, {
          info,
          clientId: client.id,
          sessionIdentifier: this.#newSessionId(),
          principalIdentifier: info.certificateId ?? `tcp/${client.id}`,
          ...(info.remoteAddress === undefined ? {} : { ipAddress: normalizeIp(info.remoteAddress)! }),
          versionNumber: 0,
        });
        done(null, true);
      },
      (err: unknown) => refuse(`connection check failed: ${(err as Error).message}`),
    );
  }

  /**
   * MQTT 3.1.1 has no negative PUBACK, so IoT Core closes the connection of a client that
   * publishes where its policy does not allow it, or over the limits (CLIENT_ERROR for an
   * oversize payload, https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html).
   * MQTT 5 would get PUBACK 0x87 instead; aedes speaks 3.1.1 only, so that branch cannot occur here.
   */
  #authorizePublish(client: Client | null, packet: PublishPacket): Error | null {
    if (!client) return null;
    // A closed client's publish is its will: refused (not delivered) when it breaks a rule,
    // but the connection was lost, not closed for it.
    const will = (client as AedesClient).closed === true;
    const limit =
      packet.qos === 2
        ? 'QoS 2 is not supported by IoT Core (QoS 0 and 1 only)'
        : checkInboundPublish(packet.topic, packet.payload);
    if (limit !== undefined) {
      if (!will) this.#mark(client, DisconnectReason.ClientError);
      this.#refuse({ action: 'limit', clientId: client.id, topic: packet.topic, reason: limit });
      return new Error(limit);
    }
    const session = this.#sessions.get(client);
    const request: IotPolicyRequest = {
      action: 'publish',
      clientId: client.id,
      topic: packet.topic,
      ...(session?.info.certificateThingName === undefined
        ? {}
        : { certificateThingName: session.info.certificateThingName }),
    };
    const decision = this.#evaluate(request, session?.info ?? { transport: 'mqtt' });
    // A retained message (or will) also needs iot:RetainPublish on its topic.
    const retained =
      decision.allow && packet.retain
        ? this.#evaluate({ ...request, action: 'retainPublish' }, session?.info ?? { transport: 'mqtt' })
        : decision;
    if (retained.allow) return null;
    if (!will) this.#mark(client, DisconnectReason.AuthError);
    this.#refuse({ action: 'publish', clientId: client.id, topic: packet.topic, reason: retained.reason });
    return new Error(retained.reason);
  }

  /**
   * A denied subscription, or one over IoT Core's limits, gets SUBACK 0x80 (failure) for that
   * filter; the connection stays.
   */
  #authorizeSubscribe(client: Client, sub: { topic: string }): boolean {
    const filter = sub.topic;
    const limit = this.#overLimit.get(sub) ?? checkSubscribeFilter(filter);
    if (limit !== undefined) {
      this.#refuse({ action: 'limit', clientId: client.id, topic: filter, reason: limit });
      return false;
    }
    const decision = this.#decide(client, 'subscribe', filter);
    if (!decision.allow)
      this.#refuse({ action: 'subscribe', clientId: client.id, topic: filter, reason: decision.reason });
    return decision.allow;
  }

  #authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    // Basic Ingest messages go to their rule only, never to subscribers.
    if (packet.topic.startsWith('$aws/rules/')) return null;
    const decision = this.#decide(client, 'receive', packet.topic);
    if (decision.allow) return packet;
    this.#refuse({ action: 'receive', clientId: client.id, topic: packet.topic, reason: decision.reason });
    return null;
  }

  #decide(client: Client, action: IotPolicyAction, topic: string) {
    const info = this.#sessions.get(client)?.info ?? { transport: 'mqtt' as const };
    const thing = info.certificateThingName;
    return this.#evaluate(
      {
        action,
        clientId: client.id,
        topic,
        ...(thing === undefined ? {} : { certificateThingName: thing }),
      },
      info,
    );
  }

  /** Records an accepted QoS 1 message before aedes sends its PUBACK. */
  /** Journals a QoS 1 message, then lets aedes go on (to the PUBACK) once it is durable. */
  #journal(client: Client, packet: PublishPacket, done: (error: Error | null) => void): void {
    const journal = this.#opts.journal;
    const payload = packet.payload;
    if (!journal || packet.qos !== 1 || !Buffer.isBuffer(payload)) {
      done(null);
      return;
    }
    const principal = this.#sessions.get(client)?.principalIdentifier;
    journal
      .append({
        topic: packet.topic,
        payload,
        qos: 1,
        retain: packet.retain,
        clientId: client.id,
        ...(principal === undefined ? {} : { principal }),
      })
      .then(
        (id) => {
          this.#journalIds.set(payload, id);
          done(null);
        },
        // Not journaled, so not acknowledged: the client's connection closes and it resends.
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
  }

  /**
   * Hands the messages left in the journal by a crash to the topic handlers again; call
   * once the handlers (the rules engine) are registered. Returns how many.
   */
  replayJournal(): number {
    const pending = this.#opts.journal?.pending() ?? [];
    for (const { id, message } of pending) this.#deliver(message, id);
    if (pending.length > 0) this.#opts.logger.info({ count: pending.length }, 'replayed journaled messages');
    return pending.length;
  }

  #evaluate(req: IotPolicyRequest, info: ConnectionInfo): IotPolicyDecision {
    return this.#policyOverride?.(req, info) ?? evaluateThingPolicy(req);
  }

  #dispatch(packet: AedesPublishPacket, client: Client | null): void {
    if (packet.topic.startsWith('$SYS/')) return;
    if (packet.retain && this.#opts.retained) {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // An empty retained payload clears the topic's retained message [MQTT-3.3.1-10].
      if (payload.length === 0) this.#opts.retained.delete(packet.topic);
      else this.#opts.retained.put({ topic: packet.topic, payload, qos: packet.qos === 0 ? 0 : 1 });
    }
    const session = client ? this.#sessions.get(client) : undefined;
    const message: BrokerMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
      ...(client ? { clientId: client.id } : {}),
      ...(session ? { principal: session.principalIdentifier } : {}),
    };
    this.#deliver(
      message,
      typeof packet.payload === 'string' ? undefined : this.#journalIds.get(packet.payload),
    );
  }

  /** Hands a message to every topic handler whose filter matches. */
  #deliver(message: BrokerMessage, journalId?: number): void {
    const pending: Promise<unknown>[] = [];
    for (const { filter, handler } of this.#handlers) {
      if (!topicMatchesFilter(filter, message.topic)) continue;
      try {
        const result = handler(message);
        if (result instanceof Promise) pending.push(result);
      } catch (err) {
        this.#opts.logger.error({ err, topic: message.topic, filter }, 'topic handler failed');
      }
    }
    if (journalId === undefined) return;
    const journal = this.#opts.journal!;
    if (pending.length === 0) journal.remove(journalId);
    else void Promise.allSettled(pending).then(() => journal.remove(journalId));
  }

  #onReady(client: Client): void {
    const session = this.#sessions.get(client);
    if (!session) return;
    session.versionNumber = this.#versions.next(client.id);
    this.#opts.logger.debug({ clientId: client.id, transport: session.info.transport }, 'client connected');
    if (!hasLifecycleEvents(client.id)) return;
    const { topic, event } = connectedEvent(session, this.#now());
    this.emit('connected', event);
    this.#publishLifecycle(topic, event);
  }

  /** Persistent sessions waiting for their client, which end if it does not come back in time. */
  get waitingSessions(): number {
    return this.#sessionExpiries.size;
  }

  #keepSession(clientId: string): void {
    clearTimeout(this.#sessionExpiries.get(clientId));
    this.#sessionExpiries.delete(clientId);
  }

  #expireSessionLater(client: Client): void {
    if (this.#stopping || (client as Client & { clean?: boolean }).clean !== false) return;
    this.#keepSession(client.id);
    const ms = this.#opts.persistentSessionExpiryMs ?? DEFAULT_SESSION_EXPIRY_MS;
    const timer = setTimeout(() => {
      this.#expireSession(client.id).catch((err: unknown) =>
        this.#opts.logger.warn({ err, clientId: client.id }, 'persistent session not expired'),
      );
    }, ms);
    timer.unref();
    this.#sessionExpiries.set(client.id, timer);
  }

  /** Ends a persistent session whose client did not come back: its subscriptions, then its queue. */
  async #expireSession(clientId: string): Promise<void> {
    this.#sessionExpiries.delete(clientId);
    const aedes = this.#aedes;
    // Taken over by a connection with the same client id since: that one owns the session now.
    if (!aedes || (aedes as unknown as { clients: Record<string, unknown> }).clients[clientId]) return;
    const store = (aedes as unknown as { persistence: SessionStore }).persistence;
    const session = { id: clientId };
    // Subscriptions first: nothing new is queued for it after this, and a client that
    // reconnects now is told there is no session (sessionPresent 0).
    store.cleanSubscriptions(session, () => {});
    let dropped = 0;
    for await (const packet of store.outgoingStream(session)) {
      await new Promise<void>((resolve) => store.outgoingClearMessageId(session, packet, resolve));
      dropped++;
    }
    this.#opts.logger.debug({ clientId, dropped }, 'persistent session expired');
  }

  #onDisconnect(client: Client): void {
    const session = this.#sessions.get(client);
    if (!session) return;
    this.#sessions.delete(client);
    const reason =
      session.reason ??
      ((client as AedesClient)._disconnected
        ? DisconnectReason.ClientInitiatedDisconnect
        : this.#stopping
          ? DisconnectReason.ServerInitiatedDisconnect
          : DisconnectReason.ConnectionLost);
    this.#opts.logger.debug({ clientId: client.id, reason }, 'client disconnected');
    if (!hasLifecycleEvents(client.id)) return;
    const { topic, event } = disconnectedEvent(session, this.#now(), reason);
    this.emit('disconnected', event);
    this.#publishLifecycle(topic, event);
  }

  #publishLifecycle(topic: string, event: object): void {
    const payload = Buffer.from(JSON.stringify(event));
    if (this.#aedes && !this.#stopping) {
      // QoS 1, as IoT Core publishes lifecycle messages.
      this.publish({ topic, payload, qos: 1 }).catch((err: unknown) =>
        this.#opts.logger.warn({ err, topic }, 'lifecycle event not published'),
      );
      return;
    }
    // The broker is stopping: no subscriber is left, but the rules still see the disconnect.
    this.#deliver({ topic, payload, qos: 1, retain: false });
  }

  #mark(client: Client, reason: DisconnectReason): void {
    const session = this.#sessions.get(client);
    if (session && session.reason === undefined) session.reason = reason;
  }

  #refuse(refusal: Refusal): void {
    this.#refusals[refusal.action]++;
    this.#opts.logger.warn({ ...refusal }, `refused ${refusal.action}: ${refusal.reason}`);
    this.emit('refused', refusal);
  }
}
