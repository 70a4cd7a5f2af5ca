/**
 * UpdateThingShadow's limits through the real @aws-sdk/client-iot-data-plane: a document too
 * deep or too big is the client's mistake, answered as the Device Shadow service answers it
 * (400 / 413, https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html),
 * never a 500 the SDK would retry.
 */
import {
  InvalidRequestException,
  IoTDataPlaneClient,
  RequestEntityTooLargeException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEndpoint } from '../../cloud/src/local/aws-endpoint/aws-endpoint.js';
import { listenAwsEndpoint } from '../../cloud/src/local/aws-endpoint/server.js';
import { iotDataApi } from '../../cloud/src/local/iot-data/api.js';
import { ShadowService } from '../../cloud/src/local/iot-data/service.js';
import { MemoryShadowStore } from '../../cloud/src/local/iot-data/store.js';

const REGION = 'us-east-1';

describe('Operation: UpdateThingShadow (limits, through the SDK)', () => {
  let data: IoTDataPlaneClient;
  let close: () => Promise<void>;
  /** Requests the endpoint answered, to tell whether the SDK retried. */
  let requests = 0;

  beforeAll(async () => {
    const shadows = new ShadowService({ store: new MemoryShadowStore() });
    const broker = { publish: async () => {}, retainedMessages: () => [], disconnect: () => false };
    const api = iotDataApi({ shadows, broker });
    const endpoint = new AwsEndpoint({ accountId: '123456789012', region: REGION });
    endpoint.register({
      ...api,
      handle: (req) => {
        requests++;
        return api.handle(req);
      },
    });
    const server = await listenAwsEndpoint(endpoint, { port: 0 });
    data = new IoTDataPlaneClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    close = () => server.close();
  });

  afterAll(async () => {
    data?.destroy();
    await close?.();
  });

  async function update(payload: string): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
    requests = 0;
    try {
      await data.send(new UpdateThingShadowCommand({ thingName: 'door-1', payload: Buffer.from(payload) }));
    } catch (err) {
      return err as Error & { $metadata: { httpStatusCode?: number } };
    }
    throw new Error('expected the update to fail');
  }

  it('answers 400 to a section nested 20000 levels deep, once', async () => {
    // Prepare: 40 KB of [[[…]]].
    const deep = `{"state":{"reported":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`;
    // Act
    const err = await update(deep);
    // Assess
    expect(err).toBeInstanceOf(InvalidRequestException);
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe('JSON contains too many levels of nesting; maximum is 6');
    expect(requests).toBe(1);
  });

  it('answers 413 to a 600 KB document of a 300,000-element array, once', async () => {
    // Prepare
    const wide = `{"state":{"reported":{"a":[${Array(300_000).fill('1').join(',')}]}}}`;
    // Act
    const err = await update(wide);
    // Assess
    expect(err).toBeInstanceOf(RequestEntityTooLargeException);
    expect(err.$metadata.httpStatusCode).toBe(413);
    expect(err.message).toBe('The payload exceeds the maximum size allowed');
    expect(requests).toBe(1);
  });
});
