import {
  type BusEventMetadata,
  DetailType,
  DeviceCommand,
  deriveIdempotencyKey,
  type EntryIdentifiedDetail,
  type EntryUnidentifiedDetail,
  EventSource,
  type IdentificationFailedDetail,
  thingArn,
  type UnidentifiedReason,
} from '@smartdoor/shared';
import type { EmittedEvent } from '../../idempotency/bus-publisher.js';
import type { BadgeRead, Opening, Resolution } from './correlation-store.js';

/** Key purposes, so every derived key is reproducible from its source key. */
export const KEY_PURPOSE = {
  result: 'identification-result',
  check: 'identification-check',
  buzzer: 'identification-buzzer',
} as const;

/**
 * The one result event of an opening. Its key derives from the opening's key, so every
 * retry or racing resolver emits the very same event. Pure.
 */
export function resultEvent(
  opening: Opening,
  resolution: Resolution,
  at: { now: number; region: string; account: string },
): EmittedEvent {
  const causedBy = [
    opening.key,
    ...('badgeKey' in resolution && resolution.badgeKey ? [resolution.badgeKey] : []),
  ];
  const metadata: BusEventMetadata = {
    'idempotency-key': deriveIdempotencyKey(opening.key, KEY_PURPOSE.result),
    thingName: opening.thingName,
    causedBy,
  };
  const openedAt = new Date(opening.atMs).toISOString();
  const base = {
    source: EventSource.Identification,
    time: new Date(at.now),
    resources: [thingArn(at.region, at.account, opening.thingName)],
  };
  if (resolution.kind === 'identified') {
    const detail: EntryIdentifiedDetail = {
      metadata,
      personId: resolution.personId,
      openedAt,
      badgeReadAt: new Date(resolution.badgeReadAtMs).toISOString(),
    };
    return { ...base, detailType: DetailType.EntryIdentified, detail };
  }
  if (resolution.kind === 'unidentified') {
    const detail: EntryUnidentifiedDetail = { metadata, reason: resolution.reason, openedAt };
    if (resolution.badgeRef) detail.badgeRef = resolution.badgeRef;
    return { ...base, detailType: DetailType.EntryUnidentified, detail };
  }
  const detail: IdentificationFailedDetail = { metadata, error: resolution.error };
  return { ...base, detailType: DetailType.IdentificationFailed, detail };
}

/** The buzzer command for an unidentified entry; its id is the same on every retry. */
export function buzzerCommand(
  openingKey: string,
  reason: UnidentifiedReason,
  durationMs: number,
): DeviceCommand {
  return DeviceCommand.parse({
    name: 'buzzer',
    commandId: deriveIdempotencyKey(openingKey, KEY_PURPOSE.buzzer),
    durationMs,
    reason: `entry unidentified: ${reason}`,
  });
}

/** The read nearest the opening; on a tie, the one before it (badge, then door, is the usual order). */
export function closestRead(reads: readonly BadgeRead[], atMs: number): BadgeRead | undefined {
  let best: BadgeRead | undefined;
  for (const r of reads) {
    if (!best) best = r;
    else {
      const d = Math.abs(r.atMs - atMs);
      const bd = Math.abs(best.atMs - atMs);
      if (d < bd || (d === bd && r.atMs < best.atMs)) best = r;
    }
  }
  return best;
}
