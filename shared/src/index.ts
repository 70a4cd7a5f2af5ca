/**
 * @smartdoor/shared: the contract between the door, the cloud and the simulator.
 * No I/O lives here; everything else depends on it.
 */
export * from './arn.js';
export * from './badge-secret.js';
export * from './commands.js';
export * from './config/agent-config.js';
export * from './config/cloud-config.js';
export * from './errors.js';
export * from './events/bus-event.js';
export * from './events/catalog.js';
export * from './events/device-event.js';
export * from './events/parse-device-event.js';
export * from './events/to-bus-entry.js';
export * from './ids.js';
export * from './json-depth.js';
export * from './limits.js';
export * from './topics.js';
export * from './validation.js';
