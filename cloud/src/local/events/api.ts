import { AwsServiceError } from '../aws-endpoint/errors.js';
import type { AwsRequest, AwsResponse, AwsServiceDefinition } from '../aws-endpoint/types.js';
import { EventsValidationError } from './errors.js';
import type { Archive, Replay, Rule, Target } from './model.js';
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
      state: (opt(b, 'State') as Rule['state'] | undefined) ?? 'ENABLED',
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
        retentionDays: typeof b.RetentionDays === 'number' ? b.RetentionDays : 0,
      },
      svc.region,
      svc.accountId,
    );
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
  ListArchives: (svc, b) =>
    page(
      svc.archives.listArchives().map((a) => archiveOut(svc, a)),
      b,
      'Archives',
    ),
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
  ListReplays: (svc, b) =>
    page(
      svc.archives.listReplays().map((r) => replayOut(svc, r)),
      b,
      'Replays',
    ),
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

/** NextToken is the offset into the full list, as text. */
function page<T>(items: T[], b: Body, key: string): Record<string, unknown> {
  const start = typeof b.NextToken === 'string' ? Number.parseInt(b.NextToken, 10) || 0 : 0;
  const limit = typeof b.Limit === 'number' && b.Limit > 0 ? b.Limit : 100;
  const slice = items.slice(start, start + limit);
  const out: Record<string, unknown> = { [key]: slice };
  if (start + limit < items.length) out.NextToken = String(start + limit);
  return out;
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

function targetIn(raw: unknown): Partial<Target> & { id: string; arn: string } {
  const t = (raw ?? {}) as Body;
  const out: Partial<Target> & { id: string; arn: string } = { id: str(t, 'Id'), arn: str(t, 'Arn') };
  if (typeof t.Input === 'string') out.input = t.Input;
  if (typeof t.InputPath === 'string') out.inputPath = t.InputPath;
  const it = t.InputTransformer as Body | undefined;
  if (it) {
    out.inputTransformer = { inputTemplate: str(it, 'InputTemplate') };
    if (it.InputPathsMap) out.inputTransformer.inputPathsMap = it.InputPathsMap as Record<string, string>;
  }
  const rp = t.RetryPolicy as Body | undefined;
  if (rp) {
    out.retryPolicy = {
      maximumRetryAttempts: typeof rp.MaximumRetryAttempts === 'number' ? rp.MaximumRetryAttempts : 185,
      maximumEventAgeInSeconds:
        typeof rp.MaximumEventAgeInSeconds === 'number' ? rp.MaximumEventAgeInSeconds : 86_400,
    };
  }
  const dlq = t.DeadLetterConfig as Body | undefined;
  if (dlq && typeof dlq.Arn === 'string') out.deadLetterArn = dlq.Arn;
  return out;
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

function replayOut(svc: EventBusService, r: Replay): Record<string, unknown> {
  return {
    ReplayName: r.name,
    ReplayArn: r.arn,
    EventSourceArn: svc.archives.getArchive(r.archiveName).arn,
    Destination: { Arn: svc.getEventBus(r.busName).arn, FilterArns: r.filterArns },
    State: r.state,
    StateReason: r.stateReason,
    EventStartTime: r.eventStartTime / 1000,
    EventEndTime: r.eventEndTime / 1000,
    EventLastReplayedTime: r.endedAt === undefined ? undefined : r.endedAt / 1000,
    ReplayStartTime: r.startedAt / 1000,
    ReplayEndTime: r.endedAt === undefined ? undefined : r.endedAt / 1000,
  };
}
