import { checkPublishTopic } from '@smartdoor/shared';
import type { AwsRequest, AwsServiceDefinition } from '../aws-endpoint/index.js';
import { AwsServiceError, RestRouter } from '../aws-endpoint/index.js';
import { InvalidRequestError, PayloadTooLargeError, ResourceNotFoundError } from './errors.js';
import type { ShadowService } from './service.js';
import type { JsonObject } from './shadow-document.js';

/** The broker as the Data Plane uses it (IotBroker). */
export interface DataPlaneBroker {
  publish(message: { topic: string; payload: Buffer; qos?: 0 | 1; retain?: boolean }): Promise<void>;
  /** The retained messages kept (ListRetainedMessages, GetRetainedMessage). */
  retainedMessages(): Array<{ topic: string; payload: Buffer; qos: 0 | 1 }>;
  /** Closes a client's connection; false when it is not connected (DeleteConnection). */
  disconnect(clientId: string): boolean;
}

export interface IotDataApiOptions {
  shadows: ShadowService;
  broker: DataPlaneBroker;
  /** @default Date.now */
  now?: () => number;
}

/** IoT Core's message payload limit (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits). */
export const MAX_PUBLISH_BYTES = 128 * 1024;
/** ListNamedShadowsForThing pageSize: 1-100 (API reference); AWS names no default, 25 here. */
const SHADOW_PAGE = { min: 1, max: 100, default: 25 };
/** ListRetainedMessages maxResults: 1-200 (API reference). */
const RETAINED_PAGE = { min: 1, max: 200, default: 200 };

/**
 * Publish as the Data Plane API does it (https://docs.aws.amazon.com/iot/latest/apireference/API_iotdata_Publish.html):
 * the topic, QoS and size checked, then through the broker, so subscribers, the rules
 * engine and the shadow service all see it. The HTTP route and the local cloud's own
 * functions (the subscriber thread's buzzer commands) share it.
 */
export async function publishOnBroker(
  broker: Pick<DataPlaneBroker, 'publish'>,
  message: { topic: string; payload: Buffer; qos: string | number; retain?: boolean },
): Promise<void> {
  const { topic, payload } = message;
  const invalid = checkPublishTopic(topic);
  if (invalid !== undefined) throw new InvalidRequestError(`Invalid topic ${topic}: ${invalid}`);
  if (isReservedForPublish(topic)) {
    throw new AwsServiceError(
      'ForbiddenException',
      `Publish to ${topic} is not allowed: AWS IoT publishes the reserved topics under $aws/ itself (only shadow and Basic Ingest topics take publishes)`,
      403,
    );
  }
  const qos = String(message.qos);
  if (qos !== '0' && qos !== '1') throw new InvalidRequestError(`qos must be 0 or 1, not ${qos}`);
  if (payload.length > MAX_PUBLISH_BYTES) {
    throw new PayloadTooLargeError(
      `Payload is ${payload.length} bytes, over IoT Core's limit of ${MAX_PUBLISH_BYTES}`,
    );
  }
  await broker.publish({ topic, payload, qos: qos === '1' ? 1 : 0, retain: message.retain ?? false });
}

/**
 * Reserved topics a client may not publish to
 * (https://docs.aws.amazon.com/iot/latest/developerguide/reserved-topics.html): every `$aws/`
 * topic but a thing's shadow topics and Basic Ingest. A signed caller publishing
 * `$aws/events/presence/connected/door-001` would forge a door's connection (the presence
 * rule listens there).
 */
function isReservedForPublish(topic: string): boolean {
  if (!topic.startsWith('$aws/')) return false;
  const parts = topic.split('/');
  const shadow = parts[1] === 'things' && parts[3] === 'shadow';
  return !(shadow || parts[1] === 'rules');
}

/**
 * The IoT Data Plane API (signing name `iotdata`, restJson1) for
 * @aws-sdk/client-iot-data-plane: Publish, the shadow operations, retained messages and
 * DeleteConnection. Paths, query
 * parameters and errors as in the API reference
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_Operations_AWS_IoT_Data_Plane.html)
 * and the SDK's serializers.
 */
export function iotDataApi({ shadows, broker, now = Date.now }: IotDataApiOptions): AwsServiceDefinition {
  const router = new RestRouter()
    .add('POST', '/topics/{topic}', 'Publish', async (req, p) => {
      const qos = req.query.get('qos') ?? '0';
      await publishOnBroker(broker, {
        topic: p.topic!,
        payload: req.body,
        qos,
        retain: req.query.get('retain') === 'true',
      });
      return {};
    })
    .add('GET', '/things/{thingName}/shadow', 'GetThingShadow', async (req, p) =>
      document(shadows.get(p.thingName!, shadowName(req))),
    )
    .add('POST', '/things/{thingName}/shadow', 'UpdateThingShadow', async (req, p) =>
      document(shadows.update(p.thingName!, shadowName(req), req.body)),
    )
    .add('DELETE', '/things/{thingName}/shadow', 'DeleteThingShadow', async (req, p) =>
      document(shadows.delete(p.thingName!, shadowName(req))),
    )
    .add(
      'GET',
      '/api/things/shadow/ListNamedShadowsForThing/{thingName}',
      'ListNamedShadowsForThing',
      async (req, p) => {
        const page = shadows.listNamedShadows(
          p.thingName!,
          decodeToken(req),
          pageSize(req, 'pageSize', SHADOW_PAGE),
        );
        return {
          body: {
            results: page.results,
            ...(page.more ? { nextToken: encodeToken(page.results.at(-1)!) } : {}),
            timestamp: Math.floor(now() / 1000),
          },
        };
      },
    )
    .add('GET', '/retainedMessage', 'ListRetainedMessages', async (req) => {
      const after = decodeToken(req);
      const limit = pageSize(req, 'maxResults', RETAINED_PAGE);
      const all = broker.retainedMessages().filter((m) => after === undefined || m.topic > after);
      all.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
      const page = all.slice(0, limit);
      return {
        body: {
          retainedTopics: page.map((m) => ({ topic: m.topic, payloadSize: m.payload.length, qos: m.qos })),
          ...(all.length > limit ? { nextToken: encodeToken(page.at(-1)!.topic) } : {}),
        },
      };
    })
    .add('GET', '/retainedMessage/{topic}', 'GetRetainedMessage', async (_req, p) => {
      const found = broker.retainedMessages().find((m) => m.topic === p.topic);
      if (!found) throw new ResourceNotFoundError(`No retained message on topic ${p.topic}`);
      // A blob member of a JSON body travels as base64 (restJson1).
      return { body: { topic: found.topic, payload: found.payload.toString('base64'), qos: found.qos } };
    })
    .add('DELETE', '/connections/{clientId}', 'DeleteConnection', async (_req, p) => {
      if (!broker.disconnect(p.clientId!)) {
        throw new ResourceNotFoundError(`No connection with client id ${p.clientId}`);
      }
      return {};
    });
  return { signingName: 'iotdata', protocol: 'restJson1', handle: (req) => router.handle(req) };
}

/** The shadow operations' responses are the document itself (an HTTP payload blob). */
function document(doc: JsonObject) {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) };
}

/** `?name=` picks a named shadow; without it the classic shadow. */
function shadowName(req: AwsRequest): string | undefined {
  return req.query.get('name') ?? undefined;
}

function pageSize(
  req: AwsRequest,
  param: string,
  range: { min: number; max: number; default: number },
): number {
  const raw = req.query.get(param);
  if (raw === null) return range.default;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new InvalidRequestError(
      `${param} must be an integer from ${range.min} to ${range.max}, not ${raw}`,
    );
  }
  return n;
}

function encodeToken(lastName: string): string {
  return Buffer.from(lastName, 'utf8').toString('base64url');
}

function decodeToken(req: AwsRequest): string | undefined {
  const token = req.query.get('nextToken');
  if (token === null) return undefined;
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (name.length === 0 || encodeToken(name) !== token) {
    throw new InvalidRequestError(`Invalid nextToken ${token}`);
  }
  return name;
}
