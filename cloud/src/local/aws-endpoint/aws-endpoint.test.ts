import { request } from 'node:http';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  PublishCommand,
  ResourceNotFoundException as ShadowNotFound,
} from '@aws-sdk/client-iot-data-plane';
import { NotFoundException, SNSClient, PublishCommand as SnsPublish } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsEndpoint, type AwsEndpointOptions } from './aws-endpoint.js';
import { AwsServiceError } from './errors.js';
import { RestRouter } from './rest-router.js';
import { listenAwsEndpoint } from './server.js';
import type { AwsRequest, AwsServiceDefinition } from './types.js';

// Roles: `events` is a throwaway awsJson1_1 service, `iotdata` a throwaway restJson1 one
// built on RestRouter; the clients are the official SDK v3 clients.
const CREDS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

function eventsService(seen: AwsRequest[]): AwsServiceDefinition {
  return {
    signingName: 'events',
    protocol: 'awsJson1_1',
    targetPrefix: 'AWSEvents',
    async handle(req) {
      seen.push(req);
      if (req.operation === 'ListEventBuses') {
        return {
          body: {
            EventBuses: [
              { Name: 'default', Arn: `arn:aws:events:${req.region}:${req.accountId}:event-bus/default` },
            ],
          },
        };
      }
      if (req.operation === 'DescribeEventBus') {
        const { Name } = JSON.parse(req.body.toString()) as { Name: string };
        throw new AwsServiceError('ResourceNotFoundException', `Event bus ${Name} does not exist.`);
      }
      throw new Error('boom: not for the wire');
    },
  };
}

function iotDataService(seen: AwsRequest[]): AwsServiceDefinition {
  const router = new RestRouter()
    .add('POST', '/topics/{topic}', 'Publish', async (req, params) => {
      seen.push({ ...req, path: params.topic! });
      return {};
    })
    .add('GET', '/things/{thingName}/shadow', 'GetThingShadow', async (_req, params) => {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `No shadow exists with name: '${params.thingName}'`,
      );
    });
  return { signingName: 'iotdata', protocol: 'restJson1', handle: (req) => router.handle(req) };
}

// A throwaway awsQuery service (SNS speaks the query protocol: form body in, XML out).
function snsService(seen: AwsRequest[]): AwsServiceDefinition {
  return {
    signingName: 'sns',
    protocol: 'awsQuery',
    async handle(req) {
      seen.push(req);
      const form = new URLSearchParams(req.body.toString());
      if (form.get('TopicArn')?.endsWith(':missing'))
        throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
      return {
        body: '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>',
      };
    },
  };
}

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function start(opts: Partial<AwsEndpointOptions> = {}) {
  const seen: AwsRequest[] = [];
  const endpoint = new AwsEndpoint({ accountId: '123456789012', region: 'us-east-1', ...opts });
  endpoint.register(eventsService(seen));
  endpoint.register(iotDataService(seen));
  endpoint.register(snsService(seen));
  const server = await listenAwsEndpoint(endpoint, { port: 0 });
  const clientOpts = { endpoint: server.url, region: 'eu-west-1', credentials: CREDS };
  const events = new EventBridgeClient(clientOpts);
  const iotData = new IoTDataPlaneClient(clientOpts);
  const sns = new SNSClient(clientOpts);
  closers.push(async () => {
    sns.destroy();
    events.destroy();
    iotData.destroy();
    await server.close();
  });
  return { seen, url: server.url, events, iotData, sns };
}

describe('Class: AwsEndpoint', () => {
  describe('Method: handle', () => {
    it('routes an awsJson1_1 call by signing name and target to the service', async () => {
      // Prepare
      const { seen, events } = await start();
      // Act
      const out = await events.send(new ListEventBusesCommand({}));
      // Assess
      expect(out.EventBuses?.[0]?.Arn).toBe('arn:aws:events:eu-west-1:123456789012:event-bus/default');
      expect(seen[0]).toMatchObject({
        service: 'events',
        operation: 'ListEventBuses',
        method: 'POST',
        region: 'eu-west-1',
      });
    });

    it('raises the modeled exception class when an awsJson1_1 service throws', async () => {
      // Prepare
      const { events } = await start();
      // Act
      const err = await events.send(new DescribeEventBusCommand({ Name: 'nope' })).catch((e: unknown) => e);
      // Assess
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect((err as Error).message).toBe('Event bus nope does not exist.');
      expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
    });

    it('hides an unexpected error behind InternalFailure 500', async () => {
      // Prepare
      const { url } = await start();
      // Act
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'AWSEvents.ListRules',
          'content-type': 'application/x-amz-json-1.1',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/events/aws4_request, SignedHeaders=host, Signature=00',
        },
        body: '{}',
      });
      // Assess
      expect(res.status).toBe(500);
      expect(res.headers.get('x-amzn-errortype')).toBe('InternalFailure');
      expect(await res.json()).toEqual({
        __type: 'InternalFailure',
        message: 'The server encountered an internal error',
      });
    });

    it('refuses a request without a signature in the awsJson shape', async () => {
      // Prepare
      const { url } = await start();
      // Act
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'x-amz-target': 'AWSEvents.ListEventBuses', 'content-type': 'application/x-amz-json-1.1' },
        body: '{}',
      });
      // Assess
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      expect(await res.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    });

    it('refuses a request without a signature in the restJson1 shape', async () => {
      // Prepare
      const { url } = await start();
      // Act
      const res = await fetch(`${url}/things/door-1/shadow`);
      // Assess
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.__type).toBeUndefined();
      expect(body.message).toMatch(/Missing Authentication Token/);
    });

    it('routes a restJson1 call through the route table with an encoded path label', async () => {
      // Prepare
      const { seen, iotData } = await start();
      // Act
      await iotData.send(
        new PublishCommand({ topic: 'smartdoor/door-1/commands', payload: Buffer.from('{}') }),
      );
      // Assess
      expect(seen[0]).toMatchObject({
        service: 'iotdata',
        operation: 'Publish',
        path: 'smartdoor/door-1/commands',
      });
    });

    it('raises the modeled restJson1 exception with the status of the error', async () => {
      // Prepare
      const { iotData } = await start();
      // Act
      const err = await iotData
        .send(new GetThingShadowCommand({ thingName: 'door-9' }))
        .catch((e: unknown) => e);
      // Assess
      expect(err).toBeInstanceOf(ShadowNotFound);
      expect((err as ShadowNotFound).$metadata.httpStatusCode).toBe(404);
      expect((err as Error).message).toBe("No shadow exists with name: 'door-9'");
    });

    it('answers 404 UnknownOperationException for a path no route knows', async () => {
      // Prepare
      const { url } = await start();
      // Act
      const res = await fetch(`${url}/nowhere`, {
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=A/20261122/us-east-1/iotdata/aws4_request, SignedHeaders=host, Signature=00',
        },
      });
      // Assess
      expect(res.status).toBe(404);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    });
  });

  describe('Option: checkSignatures', () => {
    it('accepts calls signed with the configured credentials, JSON and REST', async () => {
      // Prepare
      const { events, iotData, seen } = await start({ checkSignatures: true, credentials: CREDS });
      // Act
      await events.send(new ListEventBusesCommand({ NamePrefix: 'a b' }));
      await iotData.send(new PublishCommand({ topic: 'a/b c/$d', qos: 1, payload: Buffer.from('x') }));
      // Assess
      expect(seen.map((r) => r.operation)).toEqual(['ListEventBuses', 'Publish']);
      expect(seen[1]?.path).toBe('a/b c/$d');
    });

    it('refuses a wrong secret with InvalidSignatureException', async () => {
      // Prepare
      const { url } = await start({ checkSignatures: true, credentials: CREDS });
      const wrong = new EventBridgeClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { ...CREDS, secretAccessKey: 'x' },
      });
      // Act
      const err = await wrong.send(new ListEventBusesCommand({})).catch((e: unknown) => e);
      wrong.destroy();
      // Assess
      expect((err as Error).name).toBe('InvalidSignatureException');
      expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    });

    it('refuses an unknown access key with UnrecognizedClientException', async () => {
      // Prepare
      const { url } = await start({ checkSignatures: true, credentials: CREDS });
      const other = new IoTDataPlaneClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { ...CREDS, accessKeyId: 'OTHER' },
      });
      // Act
      const err = await other.send(new PublishCommand({ topic: 't' })).catch((e: unknown) => e);
      other.destroy();
      // Assess
      expect((err as Error).name).toBe('UnrecognizedClientException');
      expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
    });

    it('refuses a signature older than 15 minutes', async () => {
      // Prepare
      const { events } = await start({
        checkSignatures: true,
        credentials: CREDS,
        now: () => Date.now() + 16 * 60_000,
      });
      // Act
      const err = await events.send(new ListEventBusesCommand({})).catch((e: unknown) => e);
      // Assess
      expect((err as Error).message).toMatch(/Signature expired/);
    });
  });

  describe('Protocol: awsQuery', () => {
    it('takes the operation from the form Action and maps errors to the XML ErrorResponse', async () => {
      // Prepare
      const { sns, seen } = await start({ checkSignatures: true, credentials: CREDS });
      // Act
      const ok = await sns.send(
        new SnsPublish({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Message: 'hi' }),
      );
      const err = await sns
        .send(new SnsPublish({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:missing', Message: 'hi' }))
        .catch((e: unknown) => e);
      // Assess
      expect(ok.MessageId).toBe('m-1');
      expect(seen[0]).toMatchObject({ service: 'sns', operation: 'Publish' });
      expect(err).toBeInstanceOf(NotFoundException);
      expect((err as Error).message).toBe('Topic does not exist');
    });
  });

  describe('Routing: fallbacks', () => {
    it('routes an unsigned request by X-Amz-Target or host so the refusal has the service protocol', async () => {
      // Prepare
      const { url } = await start();
      const port = new URL(url).port;
      // Act
      // fetch() does not let a caller set Host; node:http does.
      const byHost = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
        const r = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/',
            headers: { host: `events.localhost:${port}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] }));
          },
        );
        r.on('error', reject);
        r.end('{}');
      });
      const unknown = await fetch(`${url}/`, {
        method: 'POST',
        headers: { 'x-amz-target': 'Nope.Op' },
        body: '{}',
      });
      // Assess
      expect(byHost.status).toBe(400);
      expect(byHost.type).toBe('application/x-amz-json-1.1');
      expect(unknown.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(((await unknown.json()) as { __type: string }).__type).toBe(
        'MissingAuthenticationTokenException',
      );
    });

    it('answers 404 UnknownOperationException for a signing name no service registered', async () => {
      // Prepare
      const { url } = await start();
      // Act
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'DynamoDB_20120810.GetItem',
          authorization:
            'AWS4-HMAC-SHA256 Credential=A/20261122/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
        },
        body: '{}',
      });
      // Assess
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toMatch(/dynamodb/);
    });
  });
});
