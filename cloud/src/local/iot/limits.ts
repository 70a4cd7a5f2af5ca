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

/**
 * Largest MQTT packet the broker reads: a publish of the largest payload, with a topic at
 * IoT Core's limit behind a Basic Ingest prefix, and the packet's own fields. Anything
 * larger is refused as its length arrives, before its bytes are buffered: without a cap
 * one connection (no CONNECT needed) could make the broker hold a 256 MB packet.
 */
export const MAX_PACKET_BYTES = LIMITS.IOT_MAX_PAYLOAD_BYTES + 1024;

/**
 * IoT Core's limits on a topic filter in a SUBSCRIBE: 256 bytes and 7 slashes, as for
 * topics (same page). Returns the reason it is refused, or undefined.
 */
export function checkSubscribeFilter(filter: string): string | undefined {
  const bytes = Buffer.byteLength(filter, 'utf8');
  if (bytes > LIMITS.IOT_MAX_TOPIC_BYTES) {
    return `topic filter is ${bytes} bytes, over IoT Core's limit of ${LIMITS.IOT_MAX_TOPIC_BYTES}`;
  }
  const slashes = filter.split('/').length - 1;
  if (slashes > LIMITS.IOT_MAX_TOPIC_SLASHES) {
    return `topic filter has ${slashes} slashes, over IoT Core's limit of ${LIMITS.IOT_MAX_TOPIC_SLASHES}`;
  }
  return undefined;
}
