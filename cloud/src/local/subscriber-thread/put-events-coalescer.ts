import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventBridgePort } from '../../idempotency/bus-publisher.js';

/** PutEvents takes 1-10 entries (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
const MAX_ENTRIES = 10;
/** Its request may carry 256 KB; keep well under it, counting the entries' text. */
const MAX_BYTES = 200 * 1024;

interface Waiting {
  entries: PutEventsRequestEntry[];
  resolve: (out: PutEventsCommandOutput) => void;
  reject: (e: unknown) => void;
}

/**
 * An EventBridge port that gathers the PutEvents calls made in one turn of the event loop
 * into requests of up to 10 entries, and answers each caller with its own entries' results
 * (FailedEntryCount counted over them). Every other command goes straight through. On AWS
 * an invocation runs alone; in the local subscriber thread hundreds run at once, each with
 * a result to put, and one round trip per result was the stage's largest cost.
 */
export function coalescePutEvents(client: EventBridgePort): EventBridgePort {
  let waiting: Waiting[] = [];
  let queued = false;

  const sendGroup = async (group: Waiting[]) => {
    const entries = group.flatMap((w) => w.entries);
    let out: PutEventsCommandOutput;
    try {
      out = await client.send(new PutEventsCommand({ Entries: entries }));
    } catch (error) {
      for (const w of group) w.reject(error);
      return;
    }
    let at = 0;
    for (const w of group) {
      const mine: PutEventsResultEntry[] = (out.Entries ?? []).slice(at, at + w.entries.length);
      at += w.entries.length;
      w.resolve({
        ...out,
        Entries: mine,
        FailedEntryCount: mine.filter((e) => e.ErrorCode !== undefined).length,
      });
    }
  };

  const flush = () => {
    queued = false;
    const all = waiting;
    waiting = [];
    let group: Waiting[] = [];
    let count = 0;
    let bytes = 0;
    for (const w of all) {
      const size = w.entries.reduce((n, e) => n + (e.Detail?.length ?? 0) + 256, 0);
      if (group.length > 0 && (count + w.entries.length > MAX_ENTRIES || bytes + size > MAX_BYTES)) {
        void sendGroup(group);
        group = [];
        count = 0;
        bytes = 0;
      }
      group.push(w);
      count += w.entries.length;
      bytes += size;
    }
    if (group.length > 0) void sendGroup(group);
  };

  const send = (command: unknown): Promise<unknown> => {
    if (!(command instanceof PutEventsCommand))
      return (client.send as (c: unknown) => Promise<unknown>)(command);
    const entries = command.input.Entries ?? [];
    // A request that is full already, or malformed, goes as it is (the API judges it).
    if (entries.length === 0 || entries.length >= MAX_ENTRIES) return client.send(command);
    return new Promise<PutEventsCommandOutput>((resolve, reject) => {
      waiting.push({ entries, resolve, reject });
      if (!queued) {
        queued = true;
        setImmediate(flush);
      }
    });
  };
  return { send } as EventBridgePort;
}
