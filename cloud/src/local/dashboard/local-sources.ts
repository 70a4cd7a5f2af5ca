import type { EventEmitter } from 'node:events';
import type { BusEvent } from '@smartdoor/shared';
import type { DashboardSignal, DashboardSources, DeadLetterView } from './types.js';

/** The parts of the local EventBridge service the dashboard reads (structural, so it stays loose). */
export interface BusLike extends EventEmitter {
  redriveDeadLetters(deadLetterQueue: string): { redriven: number };
  stats(): { pendingDeliveries: number };
}

/** The parts of the local queues the dashboard reads. */
export interface QueuesLike extends EventEmitter {
  listQueues(): Array<{ name: string; attrs: { deadLetterQueue?: string } }>;
  depth(queue: string): { visible: number; inFlight: number };
  peek(
    queue: string,
    limit?: number,
  ): Array<{
    messageId: string;
    body: string;
    attributes: Record<string, string>;
    sentAt: number;
    receiveCount: number;
  }>;
  redrive(deadLetterQueue: string, toQueue: string): number;
}

export interface LocalSourcesOptions {
  bus: BusLike;
  queues?: QueuesLike;
  /** The broker: 'connected'/'disconnected' lifecycle events (clientId) and 'refused'. */
  broker?: EventEmitter;
  /** Queues that are dead-letter queues of bus targets (besides those named in queue redrive policies). */
  busDeadLetterQueues?: () => string[];
}

/**
 * Wire the dashboard to the local cloud's bus, queues and broker. Dead-letter queues are
 * the queues some queue's redrive policy points at, plus the bus targets' DLQs.
 */
export function localDashboardSources(options: LocalSourcesOptions): DashboardSources {
  const { bus, queues, broker } = options;
  const deadLetterQueues = (): Map<string, string | undefined> => {
    const out = new Map<string, string | undefined>();
    for (const q of queues?.listQueues() ?? []) {
      if (q.attrs.deadLetterQueue) out.set(q.attrs.deadLetterQueue, q.name);
    }
    for (const name of options.busDeadLetterQueues?.() ?? []) if (!out.has(name)) out.set(name, undefined);
    for (const q of queues?.listQueues() ?? []) {
      if (!out.has(q.name) && /(^|[-_.])(dlq|dead-?letters?)([-_.]|$)/i.test(q.name))
        out.set(q.name, undefined);
    }
    return out;
  };
  return {
    subscribeBus(listener) {
      const on = ({ event }: { event: BusEvent }) => listener(event);
      bus.on('event-put', on);
      return () => bus.off('event-put', on);
    },
    subscribeSignals(listener: (s: DashboardSignal) => void) {
      const offs: Array<() => void> = [];
      // biome-ignore lint/suspicious/noExplicitAny: listener arguments differ per emitter and event
      const on = (emitter: EventEmitter | undefined, name: string, fn: (arg: any) => void) => {
        if (!emitter) return;
        emitter.on(name, fn);
        offs.push(() => emitter.off(name, fn));
      };
      on(bus, 'delivery-failed', () => listener({ kind: 'error', reason: 'delivery-failed' }));
      on(bus, 'dead-lettered', () => listener({ kind: 'error', reason: 'dead-lettered' }));
      on(queues, 'message-dead-lettered', () => listener({ kind: 'error', reason: 'queue-dead-lettered' }));
      on(broker, 'refused', () => listener({ kind: 'error', reason: 'policy-refused' }));
      on(broker, 'connected', (e: { clientId: string }) =>
        listener({ kind: 'presence', thingName: e.clientId, connected: true }),
      );
      on(broker, 'disconnected', (e: { clientId: string }) =>
        listener({ kind: 'presence', thingName: e.clientId, connected: false }),
      );
      return () => {
        for (const off of offs) off();
      };
    },
    deadLetters() {
      if (!queues) return [];
      const list: DeadLetterView[] = [];
      for (const name of deadLetterQueues().keys()) {
        for (const m of queues.peek(name, 100)) list.push(view(name, m));
      }
      return list;
    },
    async redrive(names) {
      const dlqs = deadLetterQueues();
      let moved = 0;
      for (const [dlq, source] of dlqs) {
        if (names.length > 0 && !names.includes(dlq)) continue;
        if (source && queues) moved += queues.redrive(dlq, source);
        else moved += bus.redriveDeadLetters(dlq).redriven;
      }
      return moved;
    },
    backlog() {
      let waiting = bus.stats().pendingDeliveries;
      let dead = 0;
      const dlqs = deadLetterQueues();
      for (const q of queues?.listQueues() ?? []) {
        const d = queues!.depth(q.name);
        if (dlqs.has(q.name)) dead += d.visible + d.inFlight;
        else waiting += d.visible + d.inFlight;
      }
      return { queues: waiting, deadLetters: dead };
    },
  };
}

/** Read what a dead letter is about: the bus event in its body, the error in its attributes. */
function view(
  queue: string,
  m: {
    messageId: string;
    body: string;
    attributes: Record<string, string>;
    sentAt: number;
    receiveCount: number;
  },
): DeadLetterView {
  const out: DeadLetterView = { id: m.messageId, queue, at: m.sentAt, attempts: m.receiveCount };
  try {
    const body = JSON.parse(m.body) as Partial<BusEvent>;
    if (typeof body['detail-type'] === 'string') out.detailType = body['detail-type'];
    const meta = (body.detail as { metadata?: { thingName?: unknown } } | undefined)?.metadata;
    if (typeof meta?.thingName === 'string') out.thingName = meta.thingName;
  } catch {
    out.detailType = '(not JSON)';
  }
  // EventBridge DLQ messages carry ERROR_CODE / ERROR_MESSAGE / RETRY_ATTEMPTS attributes
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
  const a = m.attributes;
  const reason = a.ERROR_MESSAGE ?? a.ErrorMessage ?? a.error ?? a.reason ?? a.ERROR_CODE;
  if (reason) out.reason = reason;
  const retries = Number(a.RETRY_ATTEMPTS);
  if (Number.isFinite(retries) && a.RETRY_ATTEMPTS !== undefined) out.attempts = retries;
  return out;
}
