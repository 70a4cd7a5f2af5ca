import type { EventEmitter } from 'node:events';
import { Dashboard, type DashboardOptions } from './dashboard.js';
import { type BusLike, localDashboardSources, type QueuesLike } from './local-sources.js';
import type { RouteHandler } from './types.js';

/** The local cloud parts the dashboard mounts on. */
export interface MountableCloud {
  bus: BusLike;
  queues?: QueuesLike;
  broker?: EventEmitter;
  registerHttpRoute(method: string, path: string, handler: RouteHandler): void;
}

/**
 * Start a dashboard on the local cloud's bus, queues and broker, and register its routes
 * (/, /events, /api/*, /metrics) on the cloud's HTTP server. Stop it with `stop()`.
 */
export async function mountDashboard(
  cloud: MountableCloud,
  options: Omit<DashboardOptions, 'sources'> = {},
): Promise<Dashboard> {
  const dashboard = new Dashboard({
    ...options,
    sources: localDashboardSources({ bus: cloud.bus, queues: cloud.queues, broker: cloud.broker }),
  });
  await dashboard.start();
  for (const route of dashboard.routes()) cloud.registerHttpRoute(route.method, route.path, route.handler);
  return dashboard;
}
