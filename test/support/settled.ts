import type { LocalCloud } from '../../cloud/src/local/local-cloud.js';
import { waitUntil } from './wait.js';

/** The subscribers' queues, where their delayed checks (badge window, offline grace) also wait. */
const SUBSCRIBER_QUEUES = ['smartdoor-identification', 'smartdoor-notification'];

export interface SettledOptions {
  /**
   * Delayed checks due later than this are left waiting (a 60 s notification collapse
   * window, say): settled means nothing happens within it. @default 10000
   */
  horizonMs?: number;
  /** @default 15000 */
  timeoutMs?: number;
}

/**
 * Wait until the local cloud's pipeline has nothing to do within `horizonMs`: no event
 * waiting for delivery to a rule's target, and in the subscriber queues no message but
 * delayed checks not yet received and due after the horizon. A message leaves its queue only
 * once its handler has finished, and what the handler put on the bus is a pending delivery
 * before that, so what a test asserts did not happen by then will not, without sleeping
 * "long enough" for it. Delayed checks carry their due time in `detail.dueAt` (sendCheck).
 */
export async function waitUntilSettled(cloud: LocalCloud, options: SettledOptions = {}): Promise<void> {
  const { horizonMs = 10_000, timeoutMs = 15_000 } = options;
  const dueAt = (body: string): number => {
    try {
      return Date.parse((JSON.parse(body) as { detail?: { dueAt?: string } }).detail?.dueAt ?? '');
    } catch {
      return Number.NaN;
    }
  };
  await waitUntil(
    () => {
      const bus = cloud.bus.stats();
      if (bus.pendingDeliveries > 0 || bus.inFlight > 0) return false;
      const later = Date.now() + horizonMs;
      return SUBSCRIBER_QUEUES.every((q) =>
        cloud.queues.peek(q).every((m) => m.receiveCount === 0 && dueAt(m.body) > later),
      );
    },
    `nothing left to do within ${horizonMs} ms (no pending delivery, no message due in the subscriber queues)`,
    timeoutMs,
  );
}
