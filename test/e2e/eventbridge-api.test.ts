import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DeleteRuleCommand,
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  EventBridgeServiceException,
  InvalidEventPatternException,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListReplaysCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartReplayCommand,
  TestEventPatternCommand,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { LocalCloud } from '@smartdoor/cloud';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsEndpoint } from '../../cloud/src/local/aws-endpoint/aws-endpoint.js';
import { listenAwsEndpoint } from '../../cloud/src/local/aws-endpoint/server.js';
import { eventsApi } from '../../cloud/src/local/events/api.js';
import { EventBusService } from '../../cloud/src/local/events/service.js';
import { LocalQueues } from '../../cloud/src/local/queues/local-queues.js';

// Roles: `client` is the official EventBridge SDK v3 client; `bus` the local EventBridge behind
// the local AWS endpoint; `seen` collects what an in-process Lambda-like handler received.
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** `now`: the bus's time (timers stay real), for tests that move it by days. */
async function startStack(opts: { now?: () => number } = {}) {
  const db = new Database(':memory:');
  const queues = new LocalQueues({ db });
  const bus = new EventBusService({
    db,
    queues,
    region: REGION,
    accountId: ACCOUNT,
    busNames: ['smartdoor'],
    backoff: { baseMs: 5 },
    ...(opts.now && {
      clock: {
        now: opts.now,
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      },
    }),
  });
  bus.start();
  const endpoint = new AwsEndpoint({ accountId: ACCOUNT, region: REGION });
  endpoint.register(eventsApi(bus));
  const server = await listenAwsEndpoint(endpoint, { port: 0 });
  const client = new EventBridgeClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  cleanup.push(async () => {
    client.destroy();
    await server.close();
    await bus.stop();
    queues.stop();
    db.close();
  });
  return { db, queues, bus, client };
}

function waitFor<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** Detail text nested `depth` levels: `{"a":[[…[1]…]]}`, the object being the first level. */
const nestedDetail = (depth: number) => `{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`;

const entry = (detail: object, extra: object = {}) => ({
  Source: 'smartdoor.device',
  DetailType: 'Door State Changed',
  Detail: JSON.stringify(detail),
  EventBusName: 'smartdoor',
  Resources: ['arn:aws:iot:us-east-1:123456789012:thing/door-001'],
  ...extra,
});

describe('Class: EventBusService (EventBridge API through the local AWS endpoint)', () => {
  describe('Method: PutEvents', () => {
    it('delivers a put event once to each matching target, in the documented shape', async () => {
      // Prepare
      const { bus, client, queues } = await startStack();
      const seenA: unknown[] = [];
      const seenB: unknown[] = [];
      bus.functions.register('fa', async (event) => void seenA.push(event));
      bus.functions.register('fb', async (event) => void seenB.push(event));
      queues.createQueue('q1');
      await client.send(
        new PutRuleCommand({
          Name: 'opens',
          EventBusName: 'smartdoor',
          EventPattern: JSON.stringify({ source: ['smartdoor.device'], detail: { state: ['open'] } }),
        }),
      );
      await client.send(
        new PutRuleCommand({
          Name: 'closes',
          EventBusName: 'smartdoor',
          EventPattern: JSON.stringify({ detail: { state: ['closed'] } }),
        }),
      );
      const put = await client.send(
        new PutTargetsCommand({
          Rule: 'opens',
          EventBusName: 'smartdoor',
          Targets: [
            { Id: 'a', Arn: fnArn('fa') },
            { Id: 'b', Arn: fnArn('fb') },
            { Id: 'q', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:q1` },
          ],
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'closes',
          EventBusName: 'smartdoor',
          Targets: [{ Id: 'a', Arn: fnArn('fa') }],
        }),
      );
      // Act
      const out = await client.send(
        new PutEventsCommand({ Entries: [entry({ state: 'open' }), entry({ state: 'ajar' })] }),
      );
      await waitFor(() =>
        seenA.length >= 1 && seenB.length >= 1 && queues.depth('q1').visible === 1 ? true : undefined,
      );
      await new Promise((r) => setTimeout(r, 50));
      // Assess
      expect(put.FailedEntryCount).toBe(0);
      expect(out.FailedEntryCount).toBe(0);
      expect(seenA).toHaveLength(1);
      expect(seenB).toHaveLength(1);
      const event = seenA[0] as Record<string, unknown>;
      expect(Object.keys(event)).toEqual([
        'version',
        'id',
        'detail-type',
        'source',
        'account',
        'time',
        'region',
        'resources',
        'detail',
      ]);
      expect(event).toMatchObject({
        version: '0',
        id: out.Entries?.[0]?.EventId,
        'detail-type': 'Door State Changed',
        source: 'smartdoor.device',
        account: ACCOUNT,
        region: REGION,
        resources: ['arn:aws:iot:us-east-1:123456789012:thing/door-001'],
        detail: { state: 'open' },
      });
      expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(JSON.parse(queues.peek('q1')[0]!.body)).toEqual(event);
    });

    it('refuses 11 entries with ValidationException', async () => {
      // Prepare
      const { client } = await startStack();
      const entries = Array.from({ length: 11 }, () => entry({ state: 'open' }));
      // Act
      const err = await client.send(new PutEventsCommand({ Entries: entries })).catch((e: unknown) => e);
      // Assess
      // ValidationException is not modeled for EventBridge: the SDK raises its base class with that name.
      expect(err).toBeInstanceOf(EventBridgeServiceException);
      expect((err as Error).name).toBe('ValidationException');
    });

    it('fails a malformed entry on its own, not the request', async () => {
      // Prepare
      const { client } = await startStack();
      // Act
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            entry({ state: 'open' }),
            { ...entry({}), Detail: '{not json' },
            { Source: 's', Detail: '{}' },
          ],
        }),
      );
      // Assess
      expect(out.FailedEntryCount).toBe(2);
      expect(out.Entries?.[0]?.EventId).toBeTruthy();
      expect(out.Entries?.[1]).toMatchObject({
        ErrorCode: 'MalformedDetail',
        ErrorMessage: 'Detail is malformed.',
      });
      expect(out.Entries?.[2]).toMatchObject({ ErrorCode: 'InvalidArgument' });
      expect(out.Entries?.[2]?.ErrorMessage).toMatch(/DetailType is a required argument/);
    });

    it('refuses a request whose entries total over 256 KB with ValidationException naming the sizes', async () => {
      // Prepare: each entry fits alone; together they are about 1 MB (eb-putevent-size.html).
      const { client, bus } = await startStack();
      const entries = Array.from({ length: 5 }, () => entry({ blob: 'x'.repeat(200 * 1024) }));
      const single = entry({ blob: 'x'.repeat(256 * 1024) });
      // Act
      const err = await client.send(new PutEventsCommand({ Entries: entries })).catch((e: unknown) => e);
      const alone = await client.send(new PutEventsCommand({ Entries: [single] })).catch((e: unknown) => e);
      // Assess
      expect((err as Error).name).toBe('ValidationException');
      expect((err as Error).message).toMatch(
        /^Total size of the entries in the request is over the limit: 10\d{5} bytes, more than 262144 bytes/,
      );
      expect((alone as Error).name).toBe('ValidationException');
      expect(bus.store.countEvents()).toBe(0);
    });

    it('fails a Detail nested deeper than 1100 levels on its own, and delivers one nested 1100 levels', async () => {
      // Prepare: a rule that looks into the nested arrays, a function and a queue target.
      const { client, bus, queues } = await startStack();
      const seen: unknown[] = [];
      bus.functions.register('deep', async (event) => void seen.push(event));
      queues.createQueue('deep-q');
      await client.send(
        new PutRuleCommand({ Name: 'deep', EventBusName: 'smartdoor', EventPattern: '{"detail":{"a":[1]}}' }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'deep',
          EventBusName: 'smartdoor',
          Targets: [
            { Id: 'f', Arn: fnArn('deep') },
            { Id: 'q', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:deep-q` },
          ],
        }),
      );
      // Act
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            { ...entry({}), Detail: nestedDetail(1100) },
            { ...entry({}), Detail: nestedDetail(1101) },
            { ...entry({}), Detail: nestedDetail(5000) },
          ],
        }),
      );
      await waitFor(() => (seen.length === 1 ? true : undefined));
      // Assess
      expect(out.FailedEntryCount).toBe(2);
      expect(out.Entries?.[0]?.EventId).toBeTruthy();
      for (const failed of out.Entries!.slice(1)) {
        expect(failed).toMatchObject({ ErrorCode: 'MalformedDetail' });
        expect(failed.ErrorMessage).toMatch(/1100 levels/);
      }
      expect(JSON.parse(queues.peek('deep-q')[0]!.body).id).toBe(out.Entries?.[0]?.EventId);
    });

    it('answers the requests committed with a poisoned one: only its entry fails', async () => {
      // Prepare: requests of one event-loop turn share one commit (put-events-group.ts).
      const { client, bus } = await startStack();
      const valid = Array.from({ length: 20 }, (_, n) => new PutEventsCommand({ Entries: [entry({ n })] }));
      const poisoned = new PutEventsCommand({ Entries: [{ ...entry({}), Detail: nestedDetail(5000) }] });
      // Act
      const settled = await Promise.allSettled([
        ...valid.slice(0, 10).map((c) => client.send(c)),
        client.send(poisoned),
        ...valid.slice(10).map((c) => client.send(c)),
      ]);
      // Assess
      expect(settled.map((s) => s.status)).toEqual(Array(21).fill('fulfilled'));
      const results = settled.map((s) => (s as PromiseFulfilledResult<{ FailedEntryCount?: number }>).value);
      expect(results.map((r) => r.FailedEntryCount)).toEqual([...Array(10).fill(0), 1, ...Array(10).fill(0)]);
      expect(bus.store.countEvents()).toBe(20);
    });
  });

  describe('Method: PutRule, DescribeRule, CreateArchive', () => {
    it('raises the SDK exception classes for bad patterns, missing and duplicate resources', async () => {
      // Prepare
      const { client } = await startStack();
      // Act
      const badPattern = await client
        .send(new PutRuleCommand({ Name: 'r', EventPattern: JSON.stringify({ source: 'not-an-array' }) }))
        .catch((e: unknown) => e);
      const missing = await client.send(new DescribeRuleCommand({ Name: 'nope' })).catch((e: unknown) => e);
      await client.send(
        new CreateArchiveCommand({
          ArchiveName: 'a1',
          EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
        }),
      );
      const dup = await client
        .send(
          new CreateArchiveCommand({
            ArchiveName: 'a1',
            EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
          }),
        )
        .catch((e: unknown) => e);
      // Assess
      expect(badPattern).toBeInstanceOf(InvalidEventPatternException);
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
      expect(dup).toBeInstanceOf(ResourceAlreadyExistsException);
    });
  });

  describe('Method: TestEventPattern, DeleteRule', () => {
    it('answers TestEventPattern and refuses to delete a rule that has targets', async () => {
      // Prepare
      const { client, bus } = await startStack();
      bus.functions.register('f', async () => {});
      await client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["a"]}' }));
      await client.send(
        new PutTargetsCommand({
          Rule: 'r',
          Targets: [{ Id: 't', Arn: fnArn('f'), RetryPolicy: { MaximumRetryAttempts: 3 } }],
        }),
      );
      const event = JSON.stringify({
        id: '1',
        account: ACCOUNT,
        source: 'a',
        time: '2026-11-22T12:00:00Z',
        region: REGION,
        resources: [],
        'detail-type': 'x',
        detail: {},
      });
      // Act
      const yes = await client.send(
        new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event: event }),
      );
      const no = await client.send(
        new TestEventPatternCommand({ EventPattern: '{"source":["b"]}', Event: event }),
      );
      const partial = await client
        .send(new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event: '{"source":"a"}' }))
        .catch((e: unknown) => e);
      const del = await client.send(new DeleteRuleCommand({ Name: 'r' })).catch((e: unknown) => e);
      const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'r' }));
      // Assess
      expect(yes.Result).toBe(true);
      expect(no.Result).toBe(false);
      expect((partial as Error).name).toBe('ValidationException');
      expect((partial as Error).message).toMatch(/missing field\(s\) id, account/);
      expect((del as Error).name).toBe('ValidationException');
      expect((del as Error).message).toBe("Rule can't be deleted since it has targets.");
      expect(targets.Targets?.[0]).toMatchObject({
        Id: 't',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 86400 },
      });
    });
  });

  describe('Method: StartReplay', () => {
    it('replays a time window to the rules named in FilterArns, marked with replay-name', async () => {
      // Prepare
      const { client, bus } = await startStack();
      const first: Array<Record<string, unknown>> = [];
      const second: Array<Record<string, unknown>> = [];
      bus.functions.register('first', async (e) => void first.push(e as Record<string, unknown>));
      bus.functions.register('second', async (e) => void second.push(e as Record<string, unknown>));
      const r1 = await client.send(
        new PutRuleCommand({
          Name: 'r1',
          EventBusName: 'smartdoor',
          EventPattern: '{"source":["smartdoor.device"]}',
        }),
      );
      await client.send(
        new PutRuleCommand({
          Name: 'r2',
          EventBusName: 'smartdoor',
          EventPattern: '{"source":["smartdoor.device"]}',
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          EventBusName: 'smartdoor',
          Targets: [{ Id: 't', Arn: fnArn('first') }],
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'r2',
          EventBusName: 'smartdoor',
          Targets: [{ Id: 't', Arn: fnArn('second') }],
        }),
      );
      const start = new Date(Date.now() - 1000);
      await client.send(new PutEventsCommand({ Entries: [entry({ n: 1 }), entry({ n: 2 })] }));
      await waitFor(() => (first.length === 2 && second.length === 2 ? true : undefined));
      await new Promise((r) => setTimeout(r, 20));
      // Act
      await client.send(
        new StartReplayCommand({
          ReplayName: 'again',
          EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/smartdoor-all`,
          EventStartTime: start,
          EventEndTime: new Date(),
          Destination: {
            Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor`,
            FilterArns: [r1.RuleArn!],
          },
        }),
      );
      await waitFor(() => (first.length === 4 ? true : undefined));
      const described = await client.send(new DescribeReplayCommand({ ReplayName: 'again' }));
      // Assess
      expect(first.slice(2).map((e) => e['replay-name'])).toEqual(['again', 'again']);
      expect(
        first
          .slice(2)
          .map((e) => (e.detail as { n: number }).n)
          .sort(),
      ).toEqual([1, 2]);
      expect(second).toHaveLength(2);
      expect(described.State).toBe('COMPLETED');
    });

    it('still lists and describes a replay once its archive was deleted', async () => {
      // Prepare
      const { client } = await startStack();
      const archiveArn = `arn:aws:events:${REGION}:${ACCOUNT}:archive/gone`;
      await client.send(
        new CreateArchiveCommand({
          ArchiveName: 'gone',
          EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor`,
        }),
      );
      const start = new Date(Date.now() - 1000);
      await client.send(new PutEventsCommand({ Entries: [entry({ n: 1 })] }));
      await new Promise((r) => setTimeout(r, 20));
      await client.send(
        new StartReplayCommand({
          ReplayName: 'from-gone',
          EventSourceArn: archiveArn,
          EventStartTime: start,
          EventEndTime: new Date(),
          Destination: { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor` },
        }),
      );
      for (let i = 0; i < 100; i++) {
        const r = await client.send(new DescribeReplayCommand({ ReplayName: 'from-gone' }));
        if (r.State === 'COMPLETED') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Act
      await client.send(new DeleteArchiveCommand({ ArchiveName: 'gone' }));
      const listed = await client.send(new ListReplaysCommand({}));
      const described = await client.send(new DescribeReplayCommand({ ReplayName: 'from-gone' }));
      // Assess
      expect(listed.Replays?.map((r) => [r.ReplayName, r.EventSourceArn, r.State])).toEqual([
        ['from-gone', archiveArn, 'COMPLETED'],
      ]);
      expect(described).toMatchObject({
        ReplayName: 'from-gone',
        EventSourceArn: archiveArn,
        State: 'COMPLETED',
        Destination: { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor` },
      });
    });
  });

  describe('Method: ListArchives, ListReplays (filters)', () => {
    it('filters by NamePrefix, EventSourceArn and State before paging', async () => {
      // Prepare
      const { client } = await startStack();
      const smartdoor = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor`;
      const defaultBus = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`;
      for (const [name, bus] of [
        ['door-a', smartdoor],
        ['door-b', smartdoor],
        ['other', defaultBus],
      ] as const) {
        await client.send(new CreateArchiveCommand({ ArchiveName: name, EventSourceArn: bus }));
      }
      const window = {
        EventStartTime: new Date(Date.now() - 2000),
        EventEndTime: new Date(Date.now() - 1000),
      };
      await client.send(
        new StartReplayCommand({
          ReplayName: 'door-replay',
          EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/door-a`,
          Destination: { Arn: smartdoor },
          ...window,
        }),
      );
      await client.send(
        new StartReplayCommand({
          ReplayName: 'other-replay',
          EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/other`,
          Destination: { Arn: defaultBus },
          ...window,
        }),
      );
      await new Promise((r) => setTimeout(r, 50));
      const archives = async (p: object) =>
        (await client.send(new ListArchivesCommand(p))).Archives?.map((a) => a.ArchiveName);
      const replays = async (p: object) =>
        (await client.send(new ListReplaysCommand(p))).Replays?.map((r) => r.ReplayName);
      const refused = (p: Promise<unknown>) =>
        p.then(
          () => undefined,
          (e: Error) => e,
        );
      // Act
      const byPrefix = await archives({ NamePrefix: 'door-' });
      const firstPage = await client.send(new ListArchivesCommand({ NamePrefix: 'door-', Limit: 1 }));
      const secondPage = await client.send(
        new ListArchivesCommand({ NamePrefix: 'door-', Limit: 1, NextToken: firstPage.NextToken }),
      );
      const bySource = await archives({ EventSourceArn: defaultBus });
      const enabled = await archives({ State: 'ENABLED' });
      const disabled = await archives({ State: 'DISABLED' });
      const badArchiveState = await refused(
        client.send(new ListArchivesCommand({ State: 'BOGUS' as 'ENABLED' })),
      );
      const replaysByPrefix = await replays({ NamePrefix: 'door-' });
      const replaysBySource = await replays({
        EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/other`,
      });
      const completed = await replays({ State: 'COMPLETED' });
      const running = await replays({ State: 'RUNNING' });
      const noMatch = await replays({ NamePrefix: 'nomatch-' });
      const badReplayState = await refused(
        client.send(new ListReplaysCommand({ State: 'DONE' as 'COMPLETED' })),
      );
      // Assess
      expect(byPrefix).toEqual(['door-a', 'door-b']);
      expect(firstPage.Archives?.map((a) => a.ArchiveName)).toEqual(['door-a']);
      expect(secondPage.Archives?.map((a) => a.ArchiveName)).toEqual(['door-b']);
      expect(secondPage.NextToken).toBeUndefined();
      expect(bySource).toEqual(['default-all', 'other']);
      expect(enabled).toEqual(['default-all', 'door-a', 'door-b', 'other', 'smartdoor-all']);
      expect(disabled).toEqual([]);
      expect(badArchiveState?.name).toBe('ValidationException');
      expect(badArchiveState?.message).toBe(
        "1 validation error detected: Value 'BOGUS' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, CREATING, UPDATING, CREATE_FAILED, UPDATE_FAILED]",
      );
      expect(replaysByPrefix).toEqual(['door-replay']);
      expect(replaysBySource).toEqual(['other-replay']);
      expect(completed).toEqual(['door-replay', 'other-replay']);
      expect(running).toEqual([]);
      expect(noMatch).toEqual([]);
      expect(badReplayState?.name).toBe('ValidationException');
      expect(badReplayState?.message).toBe(
        "1 validation error detected: Value 'DONE' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED]",
      );
    });
  });

  describe('Method: PutTargets', () => {
    it('POSTs JSON to an HTTP target, forwards to another bus, and skips a disabled rule', async () => {
      // Prepare
      const { client, bus } = await startStack();
      const posted: unknown[] = [];
      const http = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          posted.push({ type: req.headers['content-type'], body: JSON.parse(body) });
          res.end('ok');
        });
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      cleanup.push(() => new Promise<void>((r) => http.close(() => r())));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`;
      bus.http.registerApiDestination('hook', { url, headers: { 'x-api-key': 'k' } });
      const onOther: unknown[] = [];
      bus.functions.register('other', async (e) => void onOther.push(e));
      await client.send(new CreateEventBusCommand({ Name: 'other' }));
      await client.send(
        new PutRuleCommand({
          Name: 'all',
          EventBusName: 'other',
          EventPattern: '{"source":[{"prefix":""}]}',
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'all',
          EventBusName: 'other',
          Targets: [{ Id: 'f', Arn: fnArn('other') }],
        }),
      );
      await client.send(
        new PutRuleCommand({
          Name: 'fan',
          EventBusName: 'smartdoor',
          EventPattern: '{"source":["smartdoor.device"]}',
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'fan',
          EventBusName: 'smartdoor',
          Targets: [
            {
              Id: 'http',
              Arn: `arn:aws:events:${REGION}:${ACCOUNT}:api-destination/hook/0000`,
              InputTransformer: {
                InputPathsMap: { state: '$.detail.state' },
                InputTemplate: '{"door": <state>}',
              },
            },
            { Id: 'url', Arn: url },
            { Id: 'bus', Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/other` },
          ],
        }),
      );
      await client.send(
        new PutRuleCommand({
          Name: 'off',
          EventBusName: 'smartdoor',
          EventPattern: '{"source":["smartdoor.device"]}',
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'off',
          EventBusName: 'smartdoor',
          Targets: [{ Id: 'f', Arn: fnArn('other') }],
        }),
      );
      await client.send(new DisableRuleCommand({ Name: 'off', EventBusName: 'smartdoor' }));
      // Act
      const out = await client.send(new PutEventsCommand({ Entries: [entry({ state: 'open' })] }));
      await waitFor(() => (posted.length === 2 && onOther.length === 1 ? true : undefined));
      await new Promise((r) => setTimeout(r, 50));
      // Assess
      expect(posted).toContainEqual({ type: 'application/json; charset=utf-8', body: { door: 'open' } });
      expect(posted).toContainEqual({
        type: 'application/json; charset=utf-8',
        body: expect.objectContaining({ id: out.Entries?.[0]?.EventId }),
      });
      expect(onOther).toHaveLength(1);
      expect(onOther[0]).toMatchObject({ id: out.Entries?.[0]?.EventId, detail: { state: 'open' } });
    });
  });

  describe('Method: CreateArchive', () => {
    it('archives only the events an archive pattern matches', async () => {
      // Prepare
      const { client } = await startStack();
      await client.send(
        new CreateArchiveCommand({
          ArchiveName: 'opens',
          EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor`,
          EventPattern: '{"detail":{"state":["open"]}}',
        }),
      );
      // Act
      await client.send(
        new PutEventsCommand({
          Entries: [entry({ state: 'open' }), entry({ state: 'closed' }), entry({ state: 'open' })],
        }),
      );
      const opens = await client.send(new DescribeArchiveCommand({ ArchiveName: 'opens' }));
      const all = await client.send(new DescribeArchiveCommand({ ArchiveName: 'smartdoor-all' }));
      // Assess
      expect(opens.EventCount).toBe(2);
      expect(all.EventCount).toBe(3);
    });
  });

  describe('Method: UpdateArchive', () => {
    const DAY_MS = 86_400_000;
    const SMARTDOOR = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor`;

    it('changes RetentionDays, Description and EventPattern, a shorter retention at once', async () => {
      // Prepare: one event, then two more three days later.
      let now = Date.parse('2026-11-22T12:00:00Z');
      const { client, bus } = await startStack({ now: () => now });
      await client.send(new CreateArchiveCommand({ ArchiveName: 'doors', EventSourceArn: SMARTDOOR }));
      const created = await client.send(new DescribeArchiveCommand({ ArchiveName: 'doors' }));
      await client.send(new PutEventsCommand({ Entries: [entry({ state: 'open' })] }));
      now += 3 * DAY_MS;
      await client.send(
        new PutEventsCommand({ Entries: [entry({ state: 'open' }), entry({ state: 'closed' })] }),
      );
      const describe = (ArchiveName: string) => client.send(new DescribeArchiveCommand({ ArchiveName }));
      // Act
      const updated = await client.send(
        new UpdateArchiveCommand({ ArchiveName: 'doors', RetentionDays: 1, Description: 'Doors, a day' }),
      );
      const shorter = await describe('doors');
      await client.send(
        new UpdateArchiveCommand({ ArchiveName: 'doors', EventPattern: '{"detail":{"state":["open"]}}' }),
      );
      await client.send(
        new PutEventsCommand({ Entries: [entry({ state: 'open' }), entry({ state: 'closed' })] }),
      );
      const filtered = await describe('doors');
      // The bus's own archive (a week) still holds the first event; two days, and it leaves the log.
      const logBefore = bus.store.countEvents('smartdoor');
      await client.send(new UpdateArchiveCommand({ ArchiveName: 'smartdoor-all', RetentionDays: 2 }));
      const logAfter = await waitFor(() => {
        const n = bus.store.countEvents('smartdoor');
        return n < logBefore ? n : undefined;
      });
      const own = await describe('smartdoor-all');
      // Assess
      expect(updated).toMatchObject({
        ArchiveArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/doors`,
        State: 'ENABLED',
        CreationTime: created.CreationTime,
      });
      expect(updated.StateReason).toBeUndefined();
      expect(shorter).toMatchObject({ RetentionDays: 1, Description: 'Doors, a day', EventCount: 2 });
      expect(shorter.EventPattern).toBeUndefined();
      // The two events it held stay; of the new ones, only the one its pattern matches.
      expect(filtered).toMatchObject({
        EventPattern: '{"detail":{"state":["open"]}}',
        RetentionDays: 1,
        Description: 'Doors, a day',
        EventCount: 3,
      });
      expect([logBefore, logAfter]).toEqual([5, 4]);
      expect(own).toMatchObject({ RetentionDays: 2, EventCount: 4 });
    });

    it('refuses what EventBridge refuses, naming the field, and leaves the archive as it was', async () => {
      // Prepare
      const { client } = await startStack();
      await client.send(
        new CreateArchiveCommand({ ArchiveName: 'doors', EventSourceArn: SMARTDOOR, RetentionDays: 5 }),
      );
      const refused = (input: ConstructorParameters<typeof UpdateArchiveCommand>[0]) =>
        client.send(new UpdateArchiveCommand(input)).then(
          () => undefined,
          (e: Error) => e,
        );
      // Act
      const missing = await refused({ ArchiveName: 'nope', RetentionDays: 1 });
      const negative = await refused({ ArchiveName: 'doors', RetentionDays: -1 });
      const longDescription = await refused({ ArchiveName: 'doors', Description: 'd'.repeat(513) });
      const badPattern = await refused({ ArchiveName: 'doors', EventPattern: '{"source":"x"}' });
      const longPattern = await refused({
        ArchiveName: 'doors',
        EventPattern: JSON.stringify({ source: ['x'.repeat(4100)] }),
      });
      const badName = await refused({ ArchiveName: 'no spaces', RetentionDays: 1 });
      const after = await client.send(new DescribeArchiveCommand({ ArchiveName: 'doors' }));
      // Assess
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
      expect(missing?.message).toBe('Archive nope does not exist.');
      expect(negative).toMatchObject({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value '-1' at 'retentionDays' failed to satisfy constraint: Member must have value greater than or equal to 0",
      });
      expect(longDescription).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("at 'description' failed to satisfy constraint"),
      });
      expect(badPattern).toBeInstanceOf(InvalidEventPatternException);
      expect(longPattern).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("at 'eventPattern' failed to satisfy constraint"),
      });
      expect(badName).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('archiveName'),
      });
      expect(after).toMatchObject({ RetentionDays: 5, EventCount: 0 });
      expect(after.EventPattern).toBeUndefined();
      expect(after.Description).toBeUndefined();
    });
  });

  describe('LocalCloud: archiveRetentionDays', () => {
    it("gives the bus's own archive 7 days, and the configured days on the next start of the same folder", async () => {
      // Prepare
      const dir = await mkdtemp(join(tmpdir(), 'archive-retention-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const retention = async (config: Record<string, unknown>) => {
        const cloud = new LocalCloud(
          { dataDir: dir, mqttPort: null, mqttsPort: 0, awsPort: 0, httpPort: 0, ...config },
          { logger: pino({ level: 'silent' }), dashboard: false },
        );
        const { aws } = await cloud.start();
        const client = new EventBridgeClient({
          endpoint: aws,
          region: cloud.config.region,
          credentials: cloud.config.credentials,
        });
        try {
          return (await client.send(new DescribeArchiveCommand({ ArchiveName: 'smartdoor-all' })))
            .RetentionDays;
        } finally {
          client.destroy();
          await cloud.stop();
        }
      };
      // Act
      const first = await retention({});
      const second = await retention({ archiveRetentionDays: 3 });
      const refused = await retention({ archiveRetentionDays: -1 }).catch((e: Error) => e.message);
      // Assess
      expect(first).toBe(7);
      expect(second).toBe(3);
      expect(refused).toBe(
        'invalid cloud config: archiveRetentionDays: expected a number >= 0, received number -1',
      );
    });
  });

  describe('Method: PutTargets (API destination retry rules)', () => {
    it('retries an HTTP target on 503 and dead-letters a 400 at once, as API destinations do', async () => {
      // Prepare
      const { client, queues } = await startStack();
      const statuses: number[] = [];
      let unavailable = 1;
      const http = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const status = req.url === '/bad' ? 400 : unavailable-- > 0 ? 503 : 200;
          statuses.push(status);
          res.statusCode = status;
          res.end();
        });
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      cleanup.push(() => new Promise<void>((r) => http.close(() => r())));
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      queues.createQueue('http-dlq');
      const dlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:http-dlq`;
      await client.send(
        new PutRuleCommand({
          Name: 'h',
          EventBusName: 'smartdoor',
          EventPattern: '{"source":["smartdoor.device"]}',
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'h',
          EventBusName: 'smartdoor',
          Targets: [
            { Id: 'flaky', Arn: `${base}/flaky`, DeadLetterConfig: { Arn: dlq } },
            { Id: 'bad', Arn: `${base}/bad`, DeadLetterConfig: { Arn: dlq } },
          ],
        }),
      );
      // Act
      await client.send(new PutEventsCommand({ Entries: [entry({ state: 'open' })] }));
      await waitFor(() =>
        statuses.filter((s) => s === 200).length === 1 && queues.depth('http-dlq').visible === 1
          ? true
          : undefined,
      );
      // Assess
      expect(statuses.sort()).toEqual([200, 400, 503]);
      expect(queues.peek('http-dlq')[0]?.attributes).toMatchObject({
        ERROR_CODE: 'HTTP400',
        TARGET_ARN: `${base}/bad`,
        RETRY_ATTEMPTS: '0',
      });
    });
  });

  describe('Validation: PutRule State, List* Limit and NextToken, PutTargets InputTransformer', () => {
    it('refuses a State outside ENABLED and DISABLED, naming the field', async () => {
      // Prepare
      const { client } = await startStack();
      // Act
      const err = await client
        .send(
          new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["a"]}', State: 'BOGUS' as 'ENABLED' }),
        )
        .catch((e: unknown) => e);
      const rules = await client.send(new ListRulesCommand({}));
      // Assess
      expect((err as Error).name).toBe('ValidationException');
      expect((err as Error).message).toBe(
        "1 validation error detected: Value 'BOGUS' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
      );
      expect(rules.Rules).toEqual([]);
    });

    it.each([
      ['ListRules', (p: object) => new ListRulesCommand(p)],
      ['ListTargetsByRule', (p: object) => new ListTargetsByRuleCommand({ Rule: 'r', ...p })],
      ['ListEventBuses', (p: object) => new ListEventBusesCommand(p)],
      ['ListArchives', (p: object) => new ListArchivesCommand(p)],
      ['ListReplays', (p: object) => new ListReplaysCommand(p)],
    ])('%s refuses a Limit outside 1-100 and a NextToken it did not give', async (_name, command) => {
      // Prepare
      const { client } = await startStack();
      await client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["a"]}' }));
      const send = (p: object) =>
        client.send(command(p) as ListRulesCommand).then(
          () => undefined,
          (e: Error) => e,
        );
      // Act
      const zero = await send({ Limit: 0 });
      const many = await send({ Limit: 1000 });
      const garbage = await send({ NextToken: 'garbage' });
      const offset = await send({ NextToken: '1' });
      const ok = await send({ Limit: 100 });
      // Assess
      expect(zero?.name).toBe('ValidationException');
      expect(zero?.message).toBe(
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
      expect(many?.message).toBe(
        "1 validation error detected: Value '1000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
      );
      for (const err of [garbage, offset]) {
        expect(err?.name).toBe('ValidationException');
        expect(err?.message).toMatch(/NextToken/);
      }
      expect(ok).toBeUndefined();
    });

    it('refuses a TestEventPattern event nested deeper than a put event may be', async () => {
      // Prepare
      const { client } = await startStack();
      const event = (depth: number) =>
        `{"id":"1","account":"${ACCOUNT}","source":"a","time":"2026-11-22T12:00:00Z","region":"${REGION}",` +
        `"resources":[],"detail-type":"x","detail":${nestedDetail(depth)}}`;
      const test = (depth: number) =>
        client
          .send(new TestEventPatternCommand({ EventPattern: '{"detail":{"a":[1]}}', Event: event(depth) }))
          .catch((e: Error) => e);
      // Act
      const fits = await test(1100);
      const deep = await test(20_000);
      // Assess
      expect(fits).toMatchObject({ Result: true });
      expect((deep as Error).name).toBe('ValidationException');
      expect((deep as Error).message).toMatch(/deeper than 1101 levels/);
    });

    it('pages ListRules with the NextToken it gave, a page of Limit at a time', async () => {
      // Prepare
      const { client } = await startStack();
      for (const name of ['a', 'b', 'c', 'd', 'e']) {
        await client.send(new PutRuleCommand({ Name: name, EventPattern: '{"source":["a"]}' }));
      }
      // Act
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListRulesCommand({ Limit: 2, NextToken: token }));
        names.push(...(page.Rules ?? []).map((r) => r.Name!));
        token = page.NextToken;
      } while (token);
      // Assess
      expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('refuses an InputTransformer whose InputPathsMap is not a map of strings', async () => {
      // Prepare
      const { client, bus } = await startStack();
      bus.functions.register('f', async () => {});
      await client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["a"]}' }));
      const put = (inputTransformer: unknown) =>
        client
          .send(
            new PutTargetsCommand({
              Rule: 'r',
              Targets: [{ Id: 't', Arn: fnArn('f'), InputTransformer: inputTransformer as never }],
            }),
          )
          .catch((e: Error) => e);
      // Act
      const five = await put({ InputPathsMap: 5, InputTemplate: '"x"' });
      const numbers = await put({ InputPathsMap: { a: 5 }, InputTemplate: '<a>' });
      const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'r' }));
      // Assess
      for (const err of [five, numbers]) {
        expect((err as Error).name).toBe('ValidationException');
        expect((err as Error).message).toMatch(/InputTransformer\.InputPathsMap/);
      }
      expect(targets.Targets).toEqual([]);
    });
  });

  describe('Method: ListRules, ListEventBuses, ListArchives, RemoveTargets, EnableRule', () => {
    it('lists with prefixes and pages, removes targets and re-enables rules', async () => {
      // Prepare
      const { client, bus } = await startStack();
      bus.functions.register('f', async () => {});
      for (const name of ['door-a', 'door-b', 'door-c', 'other']) {
        await client.send(
          new PutRuleCommand({
            Name: name,
            EventBusName: 'smartdoor',
            EventPattern: '{"source":["x"]}',
            State: 'DISABLED',
          }),
        );
      }
      await client.send(
        new PutTargetsCommand({
          Rule: 'door-a',
          EventBusName: 'smartdoor',
          Targets: [{ Id: 't', Arn: fnArn('f') }],
        }),
      );
      // Act
      const page1 = await client.send(
        new ListRulesCommand({ EventBusName: 'smartdoor', NamePrefix: 'door-', Limit: 2 }),
      );
      const page2 = await client.send(
        new ListRulesCommand({
          EventBusName: 'smartdoor',
          NamePrefix: 'door-',
          Limit: 2,
          NextToken: page1.NextToken,
        }),
      );
      const removed = await client.send(
        new RemoveTargetsCommand({ Rule: 'door-a', EventBusName: 'smartdoor', Ids: ['t', 'nope'] }),
      );
      await client.send(new EnableRuleCommand({ Name: 'door-b', EventBusName: 'smartdoor' }));
      const enabled = await client.send(
        new DescribeRuleCommand({ Name: 'door-b', EventBusName: 'smartdoor' }),
      );
      const buses = await client.send(new ListEventBusesCommand({ NamePrefix: 'smart' }));
      const described = await client.send(new DescribeEventBusCommand({ Name: 'smartdoor' }));
      await client.send(new DeleteArchiveCommand({ ArchiveName: 'smartdoor-all' }));
      const archives = await client.send(new ListArchivesCommand({}));
      const replays = await client.send(new ListReplaysCommand({}));
      // Assess
      expect(page1.Rules?.map((r) => r.Name)).toEqual(['door-a', 'door-b']);
      expect(page2.Rules?.map((r) => r.Name)).toEqual(['door-c']);
      expect(page2.NextToken).toBeUndefined();
      expect(removed).toMatchObject({
        FailedEntryCount: 1,
        FailedEntries: [{ TargetId: 'nope', ErrorCode: 'ResourceNotFoundException' }],
      });
      expect(enabled).toMatchObject({
        State: 'ENABLED',
        EventBusName: 'smartdoor',
        Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/smartdoor/door-b`,
      });
      expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['smartdoor']);
      expect(described.Arn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/smartdoor`);
      expect(archives.Archives?.map((a) => a.ArchiveName)).toEqual(['default-all']);
      expect(replays.Replays).toEqual([]);
    });
  });
});
