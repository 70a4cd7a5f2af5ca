import type { BusEvent } from '@smartdoor/shared';

export type RuleState = 'ENABLED' | 'DISABLED';

const eventJsonCache = new WeakMap<BusEvent, string>();

/**
 * An event's JSON, serialized once however many places store it (the bus's log, each
 * queue target's message, each delivery row). Events are not changed once on the bus.
 */
export function eventJson(event: BusEvent): string {
  let text = eventJsonCache.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    eventJsonCache.set(event, text);
  }
  return text;
}

export interface EventBus {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
}

export interface Rule {
  name: string;
  busName: string;
  arn: string;
  /** The pattern as JSON text, exactly as given to PutRule. */
  eventPattern: string;
  state: RuleState;
  description?: string;
}

export interface RetryPolicy {
  /** 0-185. @default 185 */
  maximumRetryAttempts: number;
  /** 60-86400. @default 86400 */
  maximumEventAgeInSeconds: number;
}

export interface InputTransformer {
  inputPathsMap?: Record<string, string>;
  inputTemplate: string;
}

/** A rule's target, in the shape of the API's Target (camelCase). */
export interface Target {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
  retryPolicy: RetryPolicy;
  /** SQS queue ARN of the target's dead-letter queue. */
  deadLetterArn?: string;
}

/** A delivery waiting for (or between) attempts; removed only once the target succeeded. */
export interface Delivery {
  id: string;
  busName: string;
  ruleName: string;
  ruleArn: string;
  target: Target;
  event: BusEvent;
  /** Epoch ms the event reached the bus (ingestion time; age is measured from here). */
  ingestedAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
}

export interface Archive {
  name: string;
  arn: string;
  busName: string;
  eventPattern?: string;
  description?: string;
  /** 0 = keep forever. */
  retentionDays: number;
  createdAt: number;
  /**
   * Local only. true: the service's own archive of every event of its bus (`archiveEveryBus`),
   * whose retention follows `archiveRetentionDays` at every start; false: any other (a
   * user's, or the service's own once an UpdateArchive set its RetentionDays). Absent in
   * archives of earlier versions, where the service's own is told by its name, description
   * and lack of a pattern (see `isOwnArchive`).
   */
  managed?: boolean;
  /**
   * The bus log's last sequence number when the archive was created: an archive without a
   * pattern holds the events logged after it. Local only; absent in archives of earlier
   * versions, which go by `createdAt` alone.
   */
  createdAfterSeq?: number;
}

/** ReplayState (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListReplays.html). */
export const REPLAY_STATES = [
  'STARTING',
  'RUNNING',
  'CANCELLING',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
] as const;
export type ReplayState = (typeof REPLAY_STATES)[number];

/**
 * ArchiveState (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListArchives.html);
 * a local archive is always ENABLED.
 */
export const ARCHIVE_STATES = [
  'ENABLED',
  'DISABLED',
  'CREATING',
  'UPDATING',
  'CREATE_FAILED',
  'UPDATE_FAILED',
] as const;

export interface Replay {
  name: string;
  arn: string;
  archiveName: string;
  /**
   * The archive's ARN, kept so the replay still describes its source once the archive is
   * deleted. Absent in replays of earlier versions (built from the name, region and account).
   */
  archiveArn?: string;
  busName: string;
  /** Rule ARNs the replay may reach; empty means every rule of the bus. */
  filterArns: string[];
  eventStartTime: number;
  eventEndTime: number;
  state: ReplayState;
  stateReason?: string;
  startedAt: number;
  endedAt?: number;
  replayedCount: number;
  /** Last archived event sequence replayed, so a restart resumes where it stopped. */
  lastSeq: number;
}

/** An event as the bus's own archive keeps it. */
export interface StoredEvent {
  seq: number;
  busName: string;
  event: BusEvent;
  ingestedAt: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeInSeconds: 86_400,
};

export function busArn(region: string, account: string, name: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${name}`;
}

/** Rules on the default bus have no bus segment (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html). */
export function ruleArn(region: string, account: string, bus: string, rule: string): string {
  return bus === 'default'
    ? `arn:aws:events:${region}:${account}:rule/${rule}`
    : `arn:aws:events:${region}:${account}:rule/${bus}/${rule}`;
}

/** The archive of every event that the service gives each bus (`archiveEveryBus`). */
export function defaultArchiveName(busName: string): string {
  return `${busName}-all`.slice(0, 48);
}

/** The description the service gives its own archive of a bus. */
export function defaultArchiveDescription(busName: string): string {
  return `Every event on ${busName}`;
}

/**
 * Whether `archive` is the service's own archive of every event of `busName`: so marked, or,
 * made by an earlier version (unmarked), named, described and kept (forever) as it made them.
 */
export function isOwnArchive(archive: Archive, busName: string): boolean {
  if (archive.managed !== undefined) return archive.managed;
  return (
    archive.busName === busName &&
    archive.name === defaultArchiveName(busName) &&
    archive.eventPattern === undefined &&
    archive.description === defaultArchiveDescription(busName) &&
    archive.retentionDays === 0
  );
}

export function archiveArn(region: string, account: string, name: string): string {
  return `arn:aws:events:${region}:${account}:archive/${name}`;
}

export function replayArn(region: string, account: string, name: string): string {
  return `arn:aws:events:${region}:${account}:replay/${name}`;
}

/** The last `/`-separated part of an ARN's resource, or the input when it is a plain name. */
export function nameFromArnOrName(value: string, kind: 'event-bus' | 'archive' | 'rule'): string {
  if (!value.startsWith('arn:')) return value;
  const resource = value.split(':').slice(5).join(':');
  const prefix = `${kind}/`;
  return resource.startsWith(prefix) ? resource.slice(prefix.length).split('/').pop()! : value;
}
