/** @smartdoor/simulator: virtual doors running the real agent, scenarios, load, and the smartdoor CLI. */
export { knownBadges, SIM_BADGE_SECRET, type SimBadge, writeBadgeSeed } from './badges.js';
export { buildProgram, main, SUBCOMMANDS } from './cli.js';
export { PartLoadError, SimulatorError, SimulatorOptionError } from './errors.js';
export { type ExternalCloudOptions, externalCloud } from './external-cloud.js';
export { TcpProxy, type TcpProxyOptions } from './fleet/tcp-proxy.js';
export {
  type DoorCredentials,
  malformedPayload,
  VirtualDoor,
  type VirtualDoorOptions,
} from './fleet/virtual-door.js';
export { type InProcessCloud, type InProcessCloudOptions, startInProcessCloud } from './in-process-cloud.js';
export { type LazyCommandSpec, lazyCommand } from './lazy-command.js';
export {
  type BrokerRunSummary,
  type BusRunSummary,
  busSummary,
  RunLedger,
  type RunSummary,
} from './ledger.js';
export { Random } from './random.js';
export { findScenario, SCENARIOS } from './scenarios/catalog.js';
export { type Plan, type PlanOptions, parseDuration, planRun } from './scenarios/plan.js';
export type { DoorAction, FleetAction, Scenario, ScenarioContext, Step } from './scenarios/types.js';
export type { SimCloud } from './sim-cloud.js';
export { formatSummary, runSimulate, type SimulateOptions, simulateCommand } from './simulate-command.js';
export { Simulation, type SimulationOptions, type SimulationProgress } from './simulation.js';
export { runStart, type StartOptions, startCommand } from './start-command.js';
