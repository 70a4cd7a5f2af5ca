/**
 * @smartdoor/device: the door agent. The simulator and tests build agents from these
 * parts; `buildAgent(config)` builds one with the real parts. Metrics are not exported
 * here, so that importing the agent does not load prom-client: import
 * `@smartdoor/device/metrics/agent-metrics` and `@smartdoor/device/metrics/metrics-server`.
 */
export {
  AGENT_VERSION,
  type AgentCounters,
  type AgentStatus,
  DoorAgent,
  type DoorAgentOptions,
  LOG_REDACT_PATHS,
} from './agent.js';
export {
  type BuildAgentOptions,
  buildAgent,
  createLogger,
  createOutbox,
  DEFAULT_OUTBOX_KIND,
  type OutboxKind,
  outboxPath,
} from './agent-factory.js';
export { type Clock, systemClock, type TimerHandle } from './core/clock.js';
export * from './core/cloud-messages.js';
export { CommandHandler, type CommandHandlerOptions } from './core/command-handler.js';
export { DoorMonitor } from './core/door-monitor.js';
export * from './core/door-state-machine.js';
export * from './core/errors.js';
export { badgeRef, cryptoIdSource, EventFactory, type EventFactoryOptions } from './core/event-factory.js';
export { SimulatedBadgeReader, SimulatedBuzzer } from './inputs/simulated-badge-reader.js';
export { SimulatedDoorSensor, type SimulatedDoorSensorOptions } from './inputs/simulated-door-sensor.js';
export type * from './inputs/types.js';
export { BaseOutbox, DEFAULT_OUTBOX_MAX_EVENTS } from './outbox/base-outbox.js';
export { inspectOutbox, type OutboxSnapshot } from './outbox/inspect-outbox.js';
export { LogOutbox, readLog } from './outbox/log-outbox.js';
export { MemoryOutbox, MemoryOutboxStore } from './outbox/memory-outbox.js';
export { OutboxSender, type OutboxSenderOptions } from './outbox/outbox-sender.js';
export { SqliteOutbox } from './outbox/sqlite-outbox.js';
export type * from './outbox/types.js';
export { readStatusFile, STATUS_FILE_NAME, statusFilePath, writeStatusFile } from './status-file.js';
export { buildStatusReport, formatStatusReport, type StatusReport } from './status-report.js';
export {
  AwsIotTransport,
  type AwsIotTransportOptions,
  loadAwsIotSdk,
} from './transport/aws-iot-transport.js';
export { fullJitterDelay } from './transport/backoff.js';
export { BaseTransport, type BaseTransportOptions } from './transport/base-transport.js';
export { createTransport, parseEndpoint, wantsAwsIot } from './transport/create-transport.js';
export { MqttJsTransport, type MqttJsTransportOptions } from './transport/mqttjs-transport.js';
export { TokenBucket } from './transport/token-bucket.js';
export type * from './transport/types.js';
