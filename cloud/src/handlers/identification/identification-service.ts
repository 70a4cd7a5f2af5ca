import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { DetailType, deriveIdempotencyKey, EventSource, topics, UnidentifiedReason } from '@smartdoor/shared';
import { type EventBridgePort, putBusEvents } from '../../idempotency/bus-publisher.js';
import { type DelayQueue, resendUntilDue, sendCheck } from '../../idempotency/delay-queue.js';
import type { KeyedBusEvent } from '../../idempotency/sqs-batch.js';
import type { SubscriberLog } from '../../idempotency/sqs-types.js';
import { decideAccess } from './access-policy.js';
import type { BadgeDirectory } from './badge-directory.js';
import type { BadgeRead, CorrelationStore, Opening, OpeningRef, Resolution } from './correlation-store.js';
import { BadgeLookupError } from './errors.js';
import { buzzerCommand, closestRead, KEY_PURPOSE, resultEvent } from './results.js';

/** The internal check message's detail-type: it goes to the handler's own queue, never on the bus. */
export const IDENTIFICATION_CHECK_DUE = 'Identification Check Due';

export { KEY_PURPOSE } from './results.js';

export interface IdentificationPorts {
  correlations: CorrelationStore;
  directory: BadgeDirectory;
  eventBridge: EventBridgePort;
  iotData: Pick<IoTDataPlaneClient, 'send'>;
  delayQueue: DelayQueue;
  now: () => number;
  log: SubscriberLog;
  /** @default a setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
}

export interface IdentificationSettings {
  eventBusName: string;
  /** How far apart (either way) a badge read and an opening may be. */
  windowSeconds: number;
  /**
   * How long the buzzer sounds on an unidentified entry.
   * @default 2000
   */
  buzzerDurationMs?: number;
  /**
   * Directory lookups tried before Identification Failed.
   * @default 3
   */
  lookupAttempts?: number;
}

/** What handling one message did; stored as the idempotency record's response. */
export type IdentificationOutcome =
  | { action: 'ignored'; why: string }
  | { action: 'recorded' }
  | { action: 'pending'; checkDueAt: string }
  | { action: 'resolved'; openings: Array<{ key: string; result: Resolution['kind'] }> };

/**
 * The identification subscriber's core: correlates door openings with badge reads at the
 * same door within a window, whatever order they arrive in, and emits one result per
 * opening (Entry Identified, Entry Unidentified, Identification Failed). An opening with
 * no badge yet waits for a delayed check message instead of a timer.
 */
export class IdentificationService {
  readonly #p: IdentificationPorts;
  readonly #s: Required<IdentificationSettings>;

  constructor(ports: IdentificationPorts, settings: IdentificationSettings) {
    this.#p = ports;
    this.#s = { buzzerDurationMs: 2_000, lookupAttempts: 3, ...settings };
  }

  async handle(event: KeyedBusEvent): Promise<IdentificationOutcome> {
    const type = event['detail-type'];
    if (event.source === EventSource.Device && type === DetailType.DoorStateChanged) {
      if (event.detail.state !== 'open') return { action: 'ignored', why: 'not an opening' };
      return this.#onOpening(event);
    }
    if (event.source === EventSource.Device && type === DetailType.BadgeRead) return this.#onBadgeRead(event);
    if (event.source === EventSource.Identification && type === IDENTIFICATION_CHECK_DUE)
      return this.#onCheck(event);
    return { action: 'ignored', why: `not for identification: ${event.source} / ${type}` };
  }

  get #windowMs(): number {
    return this.#s.windowSeconds * 1000;
  }

  async #onOpening(event: KeyedBusEvent): Promise<IdentificationOutcome> {
    const ref: OpeningRef = {
      key: event.detail.metadata['idempotency-key'],
      thingName: event.detail.metadata.thingName,
      atMs: observedAtMs(event),
    };
    const opening = await this.#p.correlations.putOpening(ref);
    const result = await this.#tryResolve(opening, event, false);
    if (result?.emitted) return { action: 'resolved', openings: [{ key: ref.key, result: result.kind }] };
    // Not settled here (no badge yet, or another handling claimed it): the check is the
    // safety net that settles it once the window has passed.
    const dueAtMs = this.#p.now() + this.#windowMs;
    await sendCheck(this.#p.delayQueue, this.#checkMessage(event, ref), dueAtMs, this.#p.now());
    return { action: 'pending', checkDueAt: new Date(dueAtMs).toISOString() };
  }

  async #onBadgeRead(event: KeyedBusEvent): Promise<IdentificationOutcome> {
    const badgeRef = event.detail.badgeRef;
    if (typeof badgeRef !== 'string') return { action: 'ignored', why: 'badge read without badgeRef' };
    const read: BadgeRead = {
      key: event.detail.metadata['idempotency-key'],
      thingName: event.detail.metadata.thingName,
      atMs: observedAtMs(event),
      badgeRef,
    };
    // Write first, then read: a racing opening sees this read or is seen by it.
    await this.#p.correlations.putBadgeRead(read);
    const open = await this.#p.correlations.findOpenOpenings(
      read.thingName,
      read.atMs - this.#windowMs,
      read.atMs + this.#windowMs,
    );
    const openings: Array<{ key: string; result: Resolution['kind'] }> = [];
    for (const opening of open) {
      const result = await this.#tryResolve(opening, event, false);
      if (result?.emitted) openings.push({ key: opening.key, result: result.kind });
    }
    return openings.length > 0 ? { action: 'resolved', openings } : { action: 'recorded' };
  }

  async #onCheck(event: KeyedBusEvent): Promise<IdentificationOutcome> {
    const d = event.detail as KeyedBusEvent['detail'] & {
      openingKey: string;
      openedAt: string;
      dueAt: string;
    };
    const ref: OpeningRef = {
      key: d.openingKey,
      thingName: d.metadata.thingName,
      atMs: Date.parse(d.openedAt),
    };
    if (await resendUntilDue(this.#p.delayQueue, event, this.#p.now())) {
      return { action: 'pending', checkDueAt: d.dueAt };
    }
    const opening = await this.#p.correlations.getOpening(ref);
    if (!opening) return { action: 'ignored', why: 'opening no longer stored' };
    if (opening.done) return { action: 'ignored', why: 'opening already resolved' };
    const result = await this.#tryResolve(opening, event, true);
    return { action: 'resolved', openings: [{ key: ref.key, result: result!.kind }] };
  }

  /**
   * Settle an opening if it can be; `final` means the window has passed. Only the handling
   * that claimed the opening emits (its retry too), so racing resolvers emit once; the
   * final check emits whatever is still not done, as the safety net.
   */
  async #tryResolve(
    opening: Opening,
    cause: KeyedBusEvent,
    final: boolean,
  ): Promise<{ kind: Resolution['kind']; emitted: boolean } | undefined> {
    if (opening.done) return opening.resolution && { kind: opening.resolution.kind, emitted: false };
    const me = cause.detail.metadata['idempotency-key'];
    let claim = opening.resolution
      ? { resolution: opening.resolution, claimedBy: opening.claimedBy ?? '' }
      : undefined;
    if (!claim) {
      const reads = await this.#p.correlations.nearestBadgeReads(
        opening.thingName,
        opening.atMs,
        this.#windowMs,
      );
      const badge = closestRead(reads, opening.atMs);
      let resolution: Resolution;
      if (badge) resolution = await this.#decide(opening, badge);
      else if (final) resolution = { kind: 'unidentified', reason: UnidentifiedReason.NoBadge };
      else return undefined;
      // Queues do not keep the door's order: a read after the opening may be beaten by one
      // before it that has not arrived yet, so it waits for the final check, which settles on
      // the nearest read. A read at or before the opening (the usual entry: badge, then door)
      // settles at once, known or not, so an unknown badge's buzzer sounds while the person
      // is still at the door.
      if (!final && badge!.atMs > opening.atMs) return undefined;
      claim = await this.#p.correlations.claimOpening(opening, resolution, me);
    }
    if (claim.claimedBy !== me && !final) return { kind: claim.resolution.kind, emitted: false };
    await this.#emit(opening, claim.resolution, cause);
    await this.#p.correlations.markDone(opening);
    return { kind: claim.resolution.kind, emitted: true };
  }

  async #decide(opening: Opening, badge: BadgeRead): Promise<Resolution> {
    const sleep = this.#p.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#s.lookupAttempts; attempt++) {
      try {
        const entry = await this.#p.directory.lookup(badge.badgeRef);
        const decision = decideAccess(entry, opening.thingName, opening.atMs);
        if (decision.allowed) {
          return {
            kind: 'identified',
            personId: decision.personId,
            badgeKey: badge.key,
            badgeRef: badge.badgeRef,
            badgeReadAtMs: badge.atMs,
          };
        }
        return {
          kind: 'unidentified',
          reason: decision.reason,
          badgeKey: badge.key,
          badgeRef: badge.badgeRef,
        };
      } catch (err) {
        lastError = err;
        this.#p.log.warn('badge directory lookup failed', { attempt, error: (err as Error).message });
        if (attempt < this.#s.lookupAttempts) await sleep(100 * 2 ** (attempt - 1));
      }
    }
    const error = new BadgeLookupError(badge.badgeRef, this.#s.lookupAttempts, { cause: lastError });
    return { kind: 'failed', error: error.message, badgeKey: badge.key, badgeRef: badge.badgeRef };
  }

  /** Put the result on the bus, and sound the buzzer for an unidentified entry. Safe to repeat. */
  async #emit(opening: Opening, resolution: Resolution, cause: KeyedBusEvent): Promise<void> {
    const event = resultEvent(opening, resolution, {
      now: this.#p.now(),
      region: cause.region,
      account: cause.account,
    });
    await putBusEvents(this.#p.eventBridge, this.#s.eventBusName, [event]);
    this.#p.log.info('identification result', { thingName: opening.thingName, result: resolution.kind });
    if (resolution.kind === 'unidentified') await this.#soundBuzzer(opening, resolution.reason);
  }

  async #soundBuzzer(opening: Opening, reason: UnidentifiedReason): Promise<void> {
    const command = buzzerCommand(opening.key, reason, this.#s.buzzerDurationMs);
    // IoT Data Plane Publish: https://docs.aws.amazon.com/iot/latest/apireference/API_iotdata_Publish.html
    await this.#p.iotData.send(
      new PublishCommand({
        topic: topics.commands(opening.thingName),
        qos: 1,
        payload: new TextEncoder().encode(JSON.stringify(command)),
      }),
    );
  }

  #checkMessage(cause: KeyedBusEvent, ref: OpeningRef): KeyedBusEvent {
    const key = deriveIdempotencyKey(ref.key, KEY_PURPOSE.check);
    return {
      version: '0',
      id: key,
      'detail-type': IDENTIFICATION_CHECK_DUE,
      source: EventSource.Identification,
      account: cause.account,
      region: cause.region,
      time: new Date(this.#p.now()).toISOString(),
      resources: [],
      detail: {
        metadata: { 'idempotency-key': key, thingName: ref.thingName, causedBy: [ref.key] },
        openingKey: ref.key,
        openedAt: new Date(ref.atMs).toISOString(),
      },
    };
  }
}

/**
 * When the door saw the event: the device's millisecond `occurredAt` when the detail
 * carries it, else the envelope's `time`, which EventBridge keeps to whole seconds only.
 */
function observedAtMs(event: KeyedBusEvent): number {
  const occurredAt = (event.detail.metadata as { occurredAt?: unknown }).occurredAt;
  const ms = typeof occurredAt === 'string' ? Date.parse(occurredAt) : Number.NaN;
  return Number.isNaN(ms) ? Date.parse(event.time) : ms;
}
