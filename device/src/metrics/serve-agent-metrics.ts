import type { DoorAgent } from '../agent.js';
import { AgentMetrics } from './agent-metrics.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';

/**
 * What `smartdoor-agent run` does with metrics on: the agent's figures served at
 * http://host:port/metrics. Call it before `agent.start()` so the first events count too.
 * Metrics are for watching the door, not for running it: when the endpoint cannot listen,
 * this logs why and resolves undefined, and the agent runs without it.
 */
export async function serveAgentMetrics(
  agent: DoorAgent,
  where: { host: string; port: number },
): Promise<MetricsServer | undefined> {
  const { registry } = new AgentMetrics(agent);
  try {
    return await startMetricsServer({ registry, ...where, logger: agent.logger });
  } catch (err) {
    agent.logger.error({ err: (err as Error).message }, 'metrics endpoint not started; running without it');
    return undefined;
  }
}
