import { checkPublishTopic, LIMITS } from '@smartdoor/shared';

/**
 * IoT Core's message broker limits on an inbound PUBLISH: 128 KB payload, a topic of at
 * most 256 bytes and 7 slashes (Basic Ingest prefix excluded), no wildcards
 * (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits).
 * Returns the reason the message is refused, or undefined.
 */
export function checkInboundPublish(topic: string, payload: Buffer | string | undefined): string | undefined {
  const size =
    payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > LIMITS.IOT_MAX_PAYLOAD_BYTES) {
    return `payload is ${size} bytes, over IoT Core's limit of ${LIMITS.IOT_MAX_PAYLOAD_BYTES}`;
  }
  return checkPublishTopic(topic);
}
