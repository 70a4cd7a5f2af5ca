import { checkPublishTopic } from '@smartdoor/shared';
import type { AwsRequest, AwsServiceDefinition } from '../aws-endpoint/index.js';
import { RestRouter } from '../aws-endpoint/index.js';
import { InvalidRequestError, PayloadTooLargeError } from './errors.js';
import type { ShadowService } from './service.js';
import type { JsonObject } from './shadow-document.js';

/** The broker as the Publish operation uses it (IotBroker). */
export interface DataPlaneBroker {
  publish(message: { topic: string; payload: Buffer; qos?: 0 | 1; retain?: boolean }): Promise<void>;
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
const DEFAULT_PAGE_SIZE = 25;

/**
 * The IoT Data Plane API (signing name `iotdata`, restJson1) for
 * @aws-sdk/client-iot-data-plane: Publish and the shadow operations. Paths, query
 * parameters and errors as in the API reference
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_Operations_AWS_IoT_Data_Plane.html)
 * and the SDK's serializers.
 */
export function iotDataApi({ shadows, broker, now = Date.now }: IotDataApiOptions): AwsServiceDefinition {
  const router = new RestRouter()
    .add('POST', '/topics/{topic}', 'Publish', async (req, p) => {
      const topic = p.topic!;
      const invalid = checkPublishTopic(topic);
      if (invalid !== undefined) throw new InvalidRequestError(`Invalid topic ${topic}: ${invalid}`);
      const qos = req.query.get('qos') ?? '0';
      if (qos !== '0' && qos !== '1') throw new InvalidRequestError(`qos must be 0 or 1, not ${qos}`);
      if (req.body.length > MAX_PUBLISH_BYTES) {
        throw new PayloadTooLargeError(
          `Payload is ${req.body.length} bytes, over IoT Core's limit of ${MAX_PUBLISH_BYTES}`,
        );
      }
      // Through the broker: subscribers, the rules engine and the shadow service all see it.
      await broker.publish({
        topic,
        payload: req.body,
        qos: qos === '1' ? 1 : 0,
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
        const page = shadows.listNamedShadows(p.thingName!, decodeToken(req), pageSize(req));
        return {
          body: {
            results: page.results,
            ...(page.more ? { nextToken: encodeToken(page.results.at(-1)!) } : {}),
            timestamp: Math.floor(now() / 1000),
          },
        };
      },
    );
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

function pageSize(req: AwsRequest): number {
  const raw = req.query.get('pageSize');
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new InvalidRequestError(`pageSize must be an integer from 1 to 100, not ${raw}`);
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
