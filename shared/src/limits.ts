/**
 * AWS service limits the contract enforces on both runtimes, so that what passes locally
 * passes on AWS. Sources:
 * - IoT Core: https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 * - EventBridge: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 */
export const LIMITS = {
  /** IoT Core: maximum MQTT publish payload. */
  IOT_MAX_PAYLOAD_BYTES: 128 * 1024,
  /** IoT Core: "no more than 7 forward slashes" in a publish topic (Basic Ingest prefix excluded). */
  IOT_MAX_TOPIC_SLASHES: 7,
  /** IoT Core: maximum topic size in UTF-8 bytes. */
  IOT_MAX_TOPIC_BYTES: 256,
  /** IoT Core: subscriptions in one SUBSCRIBE request. */
  IOT_MAX_SUBSCRIPTIONS_PER_REQUEST: 8,
  /** IoT Core: subscriptions per connection. */
  IOT_MAX_SUBSCRIPTIONS_PER_CONNECTION: 50,
  /** IoT Core: publish requests per second per connection. */
  IOT_MAX_PUBLISHES_PER_SECOND: 100,
  /** IoT Core: thing names are 1-128 characters of [a-zA-Z0-9:_-]. */
  THING_NAME_MAX_LENGTH: 128,
  /** EventBridge PutEvents: entries per request. */
  PUT_EVENTS_MAX_ENTRIES: 10,
  /** EventBridge PutEvents: total entry size. */
  PUT_EVENTS_MAX_ENTRY_BYTES: 256 * 1024,
} as const;
