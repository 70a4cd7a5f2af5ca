import { AwsServiceError } from '../aws-endpoint/errors.js';
import type { AwsRequest, AwsResponse, AwsServiceDefinition } from '../aws-endpoint/types.js';
import { EventsValidationError } from './errors.js';
import {
  ARCHIVE_STATES,
  type Archive,
  archiveArn,
  busArn,
  REPLAY_STATES,
  type Replay,
  type Rule,
  type Target,
} from './model.js';
import type { PutEventsEntryInput } from './put-events.js';
import { type EventBusService, putEventsResponse } from './service.js';

type Body = Record<string, unknown>;
type Operation = (svc: EventBusService, body: Body) => unknown;

/**
 * The EventBridge API on the local AWS endpoint: signing name `events`, awsJson1_1, target
 * prefix AWSEvents (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html).
 * A wire codec only: one entry per operation, the logic is in the service.
 */
export function eventsApi(service: EventBusService): AwsServiceDefinition {
  return {
    signingName: 'events',
    protocol: 'awsJson1_1',
    targetPrefix: 'AWSEvents',
    async handle(req: AwsRequest): Promise<AwsResponse> {
      const op = OPERATIONS[req.operation ?? ''];
      if (!op)
        throw new AwsServiceError(
          'UnknownOperationException',
          `Operation ${req.operation} is not supported locally.`,
        );
      return { body: (await op(service, parseBody(req.body))) ?? {} };
    },
  };
}

const OPERATIONS: Record<string, Operation> = {
  PutEvents: async (svc, b) => {
    // Grouped with the other requests of this turn into one commit, answered after it.
    return putEventsResponse(await svc.putEventsGrouped(list(b, 'Entries') as PutEventsEntryInput[]));
  },
  PutRule: (svc, b) => {
    const rule = svc.putRule({
      name: str(b, 'Name'),
      busName: opt(b, 'EventBusName') ?? 'default',
      eventPattern: opt(b, 'EventPattern'),
      // Checked by the rule book, as any other caller's.
      state: opt(b, 'State') as Rule['state'] | undefined,
      description: opt(b, 'Description'),
    });
    return { RuleArn: rule.arn };
  },
  DescribeRule: (svc, b) => ruleOut(svc.getRule(str(b, 'Name'), opt(b, 'EventBusName'))),
  ListRules: (svc, b) =>
    page(svc.listRules(opt(b, 'EventBusName'), opt(b, 'NamePrefix')).map(ruleOut), b, 'Rules'),
  DeleteRule: (svc, b) => svc.deleteRule(str(b, 'Name'), opt(b, 'EventBusName')),
  EnableRule: (svc, b) => void svc.setRuleState(str(b, 'Name'), opt(b, 'EventBusName'), 'ENABLED'),
  DisableRule: (svc, b) => void svc.setRuleState(str(b, 'Name'), opt(b, 'EventBusName'), 'DISABLED'),
  PutTargets: (svc, b) => {
    const failed = svc.putTargets(str(b, 'Rule'), opt(b, 'EventBusName'), list(b, 'Targets').map(targetIn));
    return {
      FailedEntryCount: failed.length,
      FailedEntries: failed.map((f) => ({
        TargetId: f.targetId,
        ErrorCode: f.errorCode,
        ErrorMessage: f.errorMessage,
      })),
    };
  },
  RemoveTargets: (svc, b) => {
    const missing = svc.removeTargets(str(b, 'Rule'), opt(b, 'EventBusName'), list(b, 'Ids') as string[]);
    return {
      FailedEntryCount: missing.length,
      FailedEntries: missing.map((id) => ({
        TargetId: id,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Target ${id} does not exist.`,
      })),
    };
  },
  ListTargetsByRule: (svc, b) =>
    page(svc.listTargets(str(b, 'Rule'), opt(b, 'EventBusName')).map(targetOut), b, 'Targets'),
  TestEventPattern: (svc, b) => ({ Result: svc.testEventPattern(str(b, 'EventPattern'), str(b, 'Event')) }),
  CreateEventBus: (svc, b) => ({
    EventBusArn: svc.createEventBus(str(b, 'Name'), opt(b, 'Description')).arn,
  }),
  DescribeEventBus: (svc, b) => {
    const bus = svc.getEventBus(opt(b, 'Name') ?? 'default');
    return { Name: bus.name, Arn: bus.arn, Description: bus.description, CreationTime: bus.createdAt / 1000 };
  },
  ListEventBuses: (svc, b) =>
    page(
      svc
        .listEventBuses(opt(b, 'NamePrefix'))
        .map((bus) => ({ Name: bus.name, Arn: bus.arn, Description: bus.description })),
      b,
      'EventBuses',
    ),
  CreateArchive: (svc, b) => {
    const a = svc.archives.createArchive(
      {
        name: str(b, 'ArchiveName'),
        busName: svc.getEventBus(str(b, 'EventSourceArn')).name,
        eventPattern: opt(b, 'EventPattern'),
        description: opt(b, 'Description'),
        retentionDays: optNumber(b, 'RetentionDays') ?? 0,
      },
      svc.region,
      svc.accountId,
    );
    return { ArchiveArn: a.arn, State: 'ENABLED', CreationTime: a.createdAt / 1000 };
  },
  // A local archive is always ENABLED, so the answer has no StateReason.
  UpdateArchive: (svc, b) => {
    const a = svc.archives.updateArchive({
      name: str(b, 'ArchiveName'),
      eventPattern: opt(b, 'EventPattern'),
      description: opt(b, 'Description'),
      retentionDays: optNumber(b, 'RetentionDays'),
    });
    return { ArchiveArn: a.arn, State: 'ENABLED', CreationTime: a.createdAt / 1000 };
  },
  DescribeArchive: (svc, b) => {
    const a = svc.archives.getArchive(str(b, 'ArchiveName'));
    return {
      ...archiveOut(svc, a),
      EventPattern: a.eventPattern,
      Description: a.description,
      SizeBytes: a.sizeBytes,
    };
  },
  ListArchives: (svc, b) => {
    const prefix = opt(b, 'NamePrefix') ?? '';
    const source = opt(b, 'EventSourceArn');
    // Every local archive is ENABLED: any other valid state lists none.
    const state = oneOf(b, 'State', ARCHIVE_STATES) ?? 'ENABLED';
    const archives = svc.archives
      .listArchives()
      .filter(
        (a) =>
          state === 'ENABLED' &&
          a.name.startsWith(prefix) &&
          (source === undefined || busArn(svc.region, svc.accountId, a.busName) === source),
      );
    // Filtered first, so a page holds `Limit` matches and its NextToken's offset counts only them.
    return page(
      archives.map((a) => archiveOut(svc, a)),
      b,
      'Archives',
    );
  },
  DeleteArchive: (svc, b) => svc.archives.deleteArchive(str(b, 'ArchiveName')),
  StartReplay: (svc, b) => {
    const dest = (b.Destination ?? {}) as Body;
    const r = svc.archives.startReplay(
      {
        name: str(b, 'ReplayName'),
        eventSourceArn: str(b, 'EventSourceArn'),
        eventStartTime: time(b, 'EventStartTime'),
        eventEndTime: time(b, 'EventEndTime'),
        destinationArn: str(dest, 'Arn'),
        filterArns: Array.isArray(dest.FilterArns) ? (dest.FilterArns as string[]) : [],
      },
      svc.region,
      svc.accountId,
    );
    return { ReplayArn: r.arn, State: r.state, ReplayStartTime: r.startedAt / 1000 };
  },
  DescribeReplay: (svc, b) => replayOut(svc, svc.archives.getReplay(str(b, 'ReplayName'))),
  ListReplays: (svc, b) => {
    const prefix = opt(b, 'NamePrefix') ?? '';
    const source = opt(b, 'EventSourceArn');
    const state = oneOf(b, 'State', REPLAY_STATES);
    const replays = svc.archives
      .listReplays()
      .filter(
        (r) =>
          r.name.startsWith(prefix) &&
          (state === undefined || r.state === state) &&
          (source === undefined || replaySource(svc, r) === source),
      );
    return page(
      replays.map((r) => replayOut(svc, r)),
      b,
      'Replays',
    );
  },
};

function parseBody(raw: Buffer): Body {
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.', 400, {
      cause,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsServiceError('SerializationException', 'The request body must be a JSON object.');
  }
  return value as Body;
}

function str(b: Body, field: string): string {
  const v = b[field];
  if (typeof v !== 'string' || v === '') {
    throw new EventsValidationError(
      `1 validation error detected: Value null at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function opt(b: Body, field: string): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new EventsValidationError(`Parameter ${field} must be a string.`);
  return v;
}

/** An optional number field (the service checks its range). */
function optNumber(b: Body, field: string): number | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new EventsValidationError(`Parameter ${field} must be a number.`);
  return v;
}

/** An optional enum field: a value outside `values` is refused as the API does, naming it. */
function oneOf<T extends string>(b: Body, field: string, values: readonly T[]): T | undefined {
  const v = opt(b, field);
  if (v === undefined || (values as readonly string[]).includes(v)) return v as T | undefined;
  throw new EventsValidationError(
    `1 validation error detected: Value '${v}' at '${lowerFirst(field)}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`,
  );
}

function list(b: Body, field: string): unknown[] {
  const v = b[field];
  if (!Array.isArray(v)) {
    throw new EventsValidationError(
      `1 validation error detected: Value null at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function time(b: Body, field: string): number {
  const v = b[field];
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new EventsValidationError(`Parameter ${field} must be a timestamp.`);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Limit of every List* operation here: 1-100 (API reference), 100 when absent. */
const PAGE_LIMIT = { min: 1, max: 100 };

/**
 * One page of a List* answer. The NextToken is opaque to the caller: the operation's list and
 * the offset, base64url, so that a token made up or taken from another list is refused, not
 * read as the first page.
 */
function page<T>(items: T[], b: Body, key: string): Record<string, unknown> {
  const limit = pageLimit(b.Limit);
  const start = b.NextToken === undefined || b.NextToken === null ? 0 : pageStart(b.NextToken, key);
  const slice = items.slice(start, start + limit);
  const out: Record<string, unknown> = { [key]: slice };
  if (start + limit < items.length) out.NextToken = pageToken(key, start + limit);
  return out;
}

function pageLimit(value: unknown): number {
  if (value === undefined || value === null) return PAGE_LIMIT.max;
  const bound =
    !Number.isInteger(value) || (value as number) < PAGE_LIMIT.min
      ? `greater than or equal to ${PAGE_LIMIT.min}`
      : (value as number) > PAGE_LIMIT.max
        ? `less than or equal to ${PAGE_LIMIT.max}`
        : undefined;
  if (bound === undefined) return value as number;
  throw new EventsValidationError(
    `1 validation error detected: Value '${String(value)}' at 'limit' failed to satisfy constraint: Member must have value ${bound}`,
  );
}

function pageToken(key: string, offset: number): string {
  return Buffer.from(`${key}:${offset}`, 'utf8').toString('base64url');
}

function pageStart(token: unknown, key: string): number {
  if (typeof token === 'string') {
    const m = /^([A-Za-z]+):(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    // Re-encoding must give the token back: base64url decoding skips characters it does not know.
    if (m && m[1] === key && pageToken(key, Number(m[2])) === token) return Number(m[2]);
  }
  throw new EventsValidationError('Parameter NextToken is not valid: it was not given by this operation.');
}

function ruleOut(r: Rule): Record<string, unknown> {
  return {
    Name: r.name,
    Arn: r.arn,
    EventPattern: r.eventPattern,
    State: r.state,
    Description: r.description,
    EventBusName: r.busName,
  };
}

/** A PutTargets target, its fields' types checked: a wrong one is refused, never dropped. */
function targetIn(raw: unknown): Partial<Target> & { id: string; arn: string } {
  const t = struct(raw, 'Targets.member');
  const out: Partial<Target> & { id: string; arn: string } = { id: str(t, 'Id'), arn: str(t, 'Arn') };
  const input = opt(t, 'Input');
  if (input !== undefined) out.input = input;
  const inputPath = opt(t, 'InputPath');
  if (inputPath !== undefined) out.inputPath = inputPath;
  if (t.InputTransformer !== undefined && t.InputTransformer !== null) {
    const it = struct(t.InputTransformer, 'InputTransformer');
    out.inputTransformer = { inputTemplate: str(it, 'InputTemplate') };
    if (it.InputPathsMap !== undefined && it.InputPathsMap !== null) {
      out.inputTransformer.inputPathsMap = stringMap(it.InputPathsMap, 'InputTransformer.InputPathsMap');
    }
  }
  if (t.RetryPolicy !== undefined && t.RetryPolicy !== null) {
    const rp = struct(t.RetryPolicy, 'RetryPolicy');
    out.retryPolicy = {
      maximumRetryAttempts: int(rp, 'MaximumRetryAttempts', 'RetryPolicy') ?? 185,
      maximumEventAgeInSeconds: int(rp, 'MaximumEventAgeInSeconds', 'RetryPolicy') ?? 86_400,
    };
  }
  if (t.DeadLetterConfig !== undefined && t.DeadLetterConfig !== null) {
    const arn = opt(struct(t.DeadLetterConfig, 'DeadLetterConfig'), 'Arn');
    if (arn !== undefined) out.deadLetterArn = arn;
  }
  return out;
}

function struct(value: unknown, field: string): Body {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EventsValidationError(`Parameter ${field} is not valid. Reason: it must be a structure.`);
  }
  return value as Body;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  const isMap = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isMap || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new EventsValidationError(
      `Parameter ${field} is not valid. Reason: it must be a map of strings to strings.`,
    );
  }
  return value as Record<string, string>;
}

function int(b: Body, field: string, parent: string): number | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v)) {
    throw new EventsValidationError(
      `Parameter ${parent}.${field} is not valid. Reason: it must be an integer.`,
    );
  }
  return v as number;
}

function targetOut(t: Target): Record<string, unknown> {
  return {
    Id: t.id,
    Arn: t.arn,
    Input: t.input,
    InputPath: t.inputPath,
    InputTransformer: t.inputTransformer && {
      InputPathsMap: t.inputTransformer.inputPathsMap,
      InputTemplate: t.inputTransformer.inputTemplate,
    },
    RetryPolicy: {
      MaximumRetryAttempts: t.retryPolicy.maximumRetryAttempts,
      MaximumEventAgeInSeconds: t.retryPolicy.maximumEventAgeInSeconds,
    },
    DeadLetterConfig: t.deadLetterArn ? { Arn: t.deadLetterArn } : undefined,
  };
}

function archiveOut(svc: EventBusService, a: Archive): Record<string, unknown> {
  const stats = svc.archives.stats(a);
  return {
    ArchiveName: a.name,
    ArchiveArn: a.arn,
    EventSourceArn: svc.getEventBus(a.busName).arn,
    State: 'ENABLED',
    RetentionDays: a.retentionDays,
    EventCount: stats.eventCount,
    SizeBytes: stats.sizeBytes,
    CreationTime: a.createdAt / 1000,
  };
}

/**
 * The replay's archive ARN from its own record: the archive may have been deleted since, and
 * a replay outlives it (reading the archive would fail DescribeReplay and ListReplays).
 */
function replaySource(svc: EventBusService, r: Replay): string {
  return r.archiveArn ?? archiveArn(svc.region, svc.accountId, r.archiveName);
}

function replayOut(svc: EventBusService, r: Replay): Record<string, unknown> {
  return {
    ReplayName: r.name,
    ReplayArn: r.arn,
    EventSourceArn: replaySource(svc, r),
    Destination: { Arn: busArn(svc.region, svc.accountId, r.busName), FilterArns: r.filterArns },
    State: r.state,
    StateReason: r.stateReason,
    EventStartTime: r.eventStartTime / 1000,
    EventEndTime: r.eventEndTime / 1000,
    EventLastReplayedTime: r.endedAt === undefined ? undefined : r.endedAt / 1000,
    ReplayStartTime: r.startedAt / 1000,
    ReplayEndTime: r.endedAt === undefined ? undefined : r.endedAt / 1000,
  };
}
