import { GetThingShadowCommand, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { describe, expect, it } from 'vitest';
import { MAX_PUBLISH_BYTES, publishOnBroker } from './api.js';
import { InvalidRequestError, PayloadTooLargeError } from './errors.js';
import { iotDataPublishClient, type PublishInput } from './in-process-client.js';

describe('Function: iotDataPublishClient', () => {
  it('hands a PublishCommand to its publisher as bytes, with QoS and retain', async () => {
    // Prepare
    const seen: PublishInput[] = [];
    const client = iotDataPublishClient(async (input) => void seen.push(input));
    // Act
    await client.send(new PublishCommand({ topic: 'smartdoor/door-1/commands', qos: 1, payload: '{"a":1}' }));
    await client.send(new PublishCommand({ topic: 't', payload: new Uint8Array([1, 2]), retain: true }));
    // Assess
    expect(seen).toEqual([
      {
        topic: 'smartdoor/door-1/commands',
        payload: new TextEncoder().encode('{"a":1}'),
        qos: 1,
        retain: false,
      },
      { topic: 't', payload: new Uint8Array([1, 2]), qos: 0, retain: true },
    ]);
  });

  it('refuses any other command, naming it', async () => {
    // Prepare
    const client = iotDataPublishClient(async () => {});
    // Act
    const send = client.send(new GetThingShadowCommand({ thingName: 'door-1' }) as never);
    // Assess
    await expect(send).rejects.toThrow(InvalidRequestError);
    await expect(send).rejects.toThrow(/takes Publish only, not GetThingShadowCommand/);
  });
});

describe('Function: publishOnBroker', () => {
  const broker = () => {
    const published: Array<{ topic: string; payload: Buffer; qos?: 0 | 1; retain?: boolean }> = [];
    return { published, publish: async (m: (typeof published)[number]) => void published.push(m) };
  };

  it('publishes through the broker with QoS 0 or 1', async () => {
    // Prepare
    const b = broker();
    // Act
    await publishOnBroker(b, { topic: 'smartdoor/door-1/commands', payload: Buffer.from('x'), qos: 1 });
    await publishOnBroker(b, { topic: 'a/b', payload: Buffer.from('y'), qos: '0', retain: true });
    // Assess
    expect(b.published).toEqual([
      { topic: 'smartdoor/door-1/commands', payload: Buffer.from('x'), qos: 1, retain: false },
      { topic: 'a/b', payload: Buffer.from('y'), qos: 0, retain: true },
    ]);
  });

  it.each([
    [{ topic: 'a/#', payload: Buffer.from('x'), qos: 0 }, InvalidRequestError, /Invalid topic a\/#/],
    [{ topic: 'a/b', payload: Buffer.from('x'), qos: 2 }, InvalidRequestError, /qos must be 0 or 1, not 2/],
    [
      { topic: 'a/b', payload: Buffer.alloc(MAX_PUBLISH_BYTES + 1), qos: 0 },
      PayloadTooLargeError,
      /over IoT Core's limit/,
    ],
  ])('refuses %#: a bad topic, QoS or size, publishing nothing', async (message, type, text) => {
    // Prepare
    const b = broker();
    // Act
    const publish = publishOnBroker(b, message);
    // Assess
    await expect(publish).rejects.toThrow(type);
    await expect(publish).rejects.toThrow(text);
    expect(b.published).toEqual([]);
  });
});
